package api

import (
	"net/http"

	"ruche/internal/auth"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string     `json:"token"`
	CSRFToken string     `json:"csrf_token"`
	User      model.User `json:"user"`
}

// login opens a session: the cookie for browsers, the token for other
// clients (usable as a bearer token), the CSRF token for cookie-based calls.
func (a *API) login(w http.ResponseWriter, r *http.Request) error {
	var req loginRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	// A session already riding on this request is ended: a new login always
	// gets a new token (no fixation).
	if p, ok := httpx.PrincipalFrom(r.Context()); ok && p.SessionID != 0 {
		_ = a.Auth.Logout(r.Context(), p)
	}
	token, x, u, err := a.Auth.Login(r.Context(), req.Login, req.Password, a.Net.Client(r))
	if err != nil {
		return err
	}
	httpx.SetSessionCookie(w, a.Net.IsHTTPS(r), token, a.SessionMaxAge)
	return created(w, loginResponse{Token: token, CSRFToken: x.CSRFToken, User: u})
}

func (a *API) logout(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.Auth.Logout(r.Context(), p); err != nil {
		return err
	}
	httpx.ClearSessionCookie(w, a.Net.IsHTTPS(r))
	return noContent(w)
}

func (a *API) sessions(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	s, err := a.Auth.Sessions(r.Context(), p, p.User.ID)
	if err != nil {
		return err
	}
	return ok(w, list(s))
}

func (a *API) logoutOthers(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	if err := a.Auth.EndOtherSessions(r.Context(), p); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) endSession(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Auth.EndSession(r.Context(), p, p.User.ID, id); err != nil {
		return err
	}
	return noContent(w)
}

type tokenRequest struct {
	Name string `json:"name"`
}

type tokenResponse struct {
	model.Token
	Secret string `json:"token"` // shown once

}

func (a *API) createToken(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req tokenRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	secret, t, err := a.Auth.CreateToken(r.Context(), p, p.User.ID, req.Name)
	if err != nil {
		return err
	}
	return created(w, tokenResponse{Token: t, Secret: secret})
}

func (a *API) tokens(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	t, err := a.Auth.Tokens(r.Context(), p, p.User.ID)
	if err != nil {
		return err
	}
	return ok(w, list(t))
}

func (a *API) revokeToken(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Auth.RevokeToken(r.Context(), p, p.User.ID, id); err != nil {
		return err
	}
	return noContent(w)
}
