package api

import (
	"context"
	"net/http"
	"ruche/internal/access"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

func (a *API) groups(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	g, err := a.Accounts.Groups(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(g))
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var spec account.GroupSpec
	if err := httpx.DecodeJSON(w, r, &spec, 0); err != nil {
		return err
	}
	g, err := a.Accounts.CreateGroup(r.Context(), p.Actor(), spec)
	if err != nil {
		return err
	}
	return created(w, g)
}

type groupResponse struct {
	model.Group
	Members []model.User `json:"members"`
}

func (a *API) group(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, members, err := a.Accounts.Group(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	if members == nil {
		members = []model.User{}
	}
	return ok(w, groupResponse{g, members})
}

func (a *API) updateGroup(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var spec account.GroupSpec
	if err := httpx.DecodeJSON(w, r, &spec, 0); err != nil {
		return err
	}
	g, err := a.Accounts.UpdateGroup(r.Context(), p.Actor(), id, spec)
	if err != nil {
		return err
	}
	return ok(w, g)
}

func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Accounts.DeleteGroup(r.Context(), p.Actor(), id); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) addGroupMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.groupMember(w, r, p, a.Accounts.AddGroupMember)
}

func (a *API) removeGroupMember(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.groupMember(w, r, p, a.Accounts.RemoveGroupMember)
}

func (a *API) groupMember(w http.ResponseWriter, r *http.Request, p auth.Principal,
	do func(ctx context.Context, actor access.Actor, groupID, userID int64) error) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	uid, err := pathID(r, "user")
	if err != nil {
		return err
	}
	if err := do(r.Context(), p.Actor(), id, uid); err != nil {
		return err
	}
	return noContent(w)
}
