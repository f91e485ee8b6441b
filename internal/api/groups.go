package api

import (
	"context"
	"net/http"
	"ruche/internal/access"
	"time"

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

type invitationRequest struct {
	Role           model.Role `json:"role"`
	Email          string     `json:"email"`
	ExpiresInHours int        `json:"expires_in_hours"`
	SingleUse      bool       `json:"single_use"`
}

type invitationResponse struct {
	model.Invitation
	URL string `json:"url"` // shown once
}

func (a *API) createInvitation(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req invitationRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if req.ExpiresInHours < 0 || req.ExpiresInHours > 365*24 {
		return &model.InvalidError{Field: "expires_in_hours", Reason: "must be between 0 (never) and 8760", Key: "err.expiry"}
	}
	secret, inv, err := a.Accounts.CreateInvitation(r.Context(), p.Actor(), account.InvitationSpec{Role: req.Role, Email: req.Email,
		ExpiresIn: time.Duration(req.ExpiresInHours) * time.Hour, SingleUse: req.SingleUse})
	if err != nil {
		return err
	}
	return created(w, invitationResponse{inv, a.BaseURL + "/invite/" + secret})
}

func (a *API) invitations(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	inv, err := a.Accounts.Invitations(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(inv))
}

func (a *API) revokeInvitation(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Accounts.RevokeInvitation(r.Context(), p.Actor(), id); err != nil {
		return err
	}
	return noContent(w)
}

type acceptRequest struct {
	Token string `json:"token"`
	account.NewUser
}

// acceptInvitation creates the invitee's account and signs them in.
func (a *API) acceptInvitation(w http.ResponseWriter, r *http.Request) error {
	var req acceptRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if req.Role != "" {
		return &model.InvalidError{Field: "role", Reason: "the invitation decides the role", Key: "err.role"}
	}
	u, err := a.Accounts.AcceptInvitation(r.Context(), req.Token, req.NewUser)
	if err != nil {
		return err
	}
	token, x, err := a.Auth.OpenSession(r.Context(), u, a.Net.Client(r))
	if err != nil {
		return err
	}
	httpx.SetSessionCookie(w, a.Net.IsHTTPS(r), token, a.SessionMaxAge)
	return created(w, loginResponse{Token: token, CSRFToken: x.CSRFToken, User: u})
}

func (a *API) branding(w http.ResponseWriter, r *http.Request) error {
	b, err := a.Accounts.Branding(r.Context())
	if err != nil {
		return err
	}
	return ok(w, b)
}

func (a *API) setBranding(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var up account.BrandingUpdate
	if err := httpx.DecodeJSON(w, r, &up, 0); err != nil {
		return err
	}
	b, err := a.Accounts.SetBranding(r.Context(), p.Actor(), up)
	if err != nil {
		return err
	}
	return ok(w, b)
}

func (a *API) setLogo(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	b, err := a.Accounts.SetLogo(r.Context(), p.Actor(), http.MaxBytesReader(w, r.Body, account.MaxImageBytes+1))
	if err != nil {
		return err
	}
	return ok(w, b)
}
