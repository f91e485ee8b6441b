package api

import (
	"net/http"
	"strconv"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/httpx"
	"ruche/internal/model"
	"ruche/internal/store"
)

func (a *API) me(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return ok(w, p.User)
}

func (a *API) updateMe(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var up account.ProfileUpdate
	if err := httpx.DecodeJSON(w, r, &up, 0); err != nil {
		return err
	}
	u, err := a.Accounts.UpdateProfile(r.Context(), p.Actor(), p.User.ID, up)
	if err != nil {
		return err
	}
	return ok(w, u)
}

type passwordRequest struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

func (a *API) changePassword(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req passwordRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if err := a.Auth.ChangePassword(r.Context(), p, req.CurrentPassword, req.NewPassword); err != nil {
		return err
	}
	return noContent(w)
}

// setAvatar takes the image as the raw request body.
func (a *API) setAvatar(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	body := http.MaxBytesReader(w, r.Body, account.MaxImageBytes+1)
	u, err := a.Accounts.SetAvatar(r.Context(), p.Actor(), p.User.ID, body)
	if err != nil {
		return err
	}
	return ok(w, u)
}

func (a *API) users(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	q := r.URL.Query()
	f := store.UserFilter{Query: q.Get("q")}
	var err error
	if v := q.Get("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 500 {
			return &model.InvalidError{Field: "limit", Reason: "must be 1 to 500", Key: "err.body"}
		}
	}
	if v := q.Get("offset"); v != "" {
		if f.Offset, err = strconv.Atoi(v); err != nil || f.Offset < 0 {
			return &model.InvalidError{Field: "offset", Reason: "must be 0 or more", Key: "err.body"}
		}
	}
	users, err := a.Accounts.Users(r.Context(), p.Actor(), f)
	if err != nil {
		return err
	}
	return ok(w, list(users))
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req account.NewUser
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	u, err := a.Accounts.CreateUser(r.Context(), p.Actor(), req)
	if err != nil {
		return err
	}
	return created(w, u)
}

func (a *API) user(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := a.Accounts.User(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, u)
}

// userUpdate is what an admin may change on another user; profile fields
// go through account.UpdateProfile, role and status through their own rules.
type userUpdate struct {
	account.ProfileUpdate
	Role     *model.Role `json:"role"`
	Disabled *bool       `json:"disabled"`
}

func (a *API) updateUser(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req userUpdate
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	ctx, actor := r.Context(), p.Actor()
	u, err := a.Accounts.User(ctx, actor, id)
	if err != nil {
		return err
	}
	if req.ProfileUpdate != (account.ProfileUpdate{}) {
		if u, err = a.Accounts.UpdateProfile(ctx, actor, id, req.ProfileUpdate); err != nil {
			return err
		}
	}
	if req.Role != nil {
		if u, err = a.Accounts.SetRole(ctx, actor, id, *req.Role); err != nil {
			return err
		}
	}
	if req.Disabled != nil {
		if u, err = a.Accounts.SetDisabled(ctx, actor, id, *req.Disabled); err != nil {
			return err
		}
	}
	return ok(w, u)
}

type resetRequest struct {
	Password string `json:"password"`
}

func (a *API) resetPassword(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var req resetRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if err := a.Accounts.ResetPassword(r.Context(), p.Actor(), id, req.Password); err != nil {
		return err
	}
	return noContent(w)
}
