package api

import (
	"net/http"
	"time"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

type invitationRequest struct {
	Role           model.Role `json:"role"`
	Email          string     `json:"email"`
	ExpiresInHours int        `json:"expires_in_hours"`
	SingleUse      bool       `json:"single_use"`
	TeamID         int64      `json:"team_id"`
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
		ExpiresIn: time.Duration(req.ExpiresInHours) * time.Hour, SingleUse: req.SingleUse, TeamID: req.TeamID})
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
