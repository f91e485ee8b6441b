package api

import (
	"net/http"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/httpx"
)

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
