// Package api is the JSON API under /api/v1. Each handler decodes the
// request, calls one service method and writes JSON; errors are
// {"code","message"} with the status chosen by httpx.ProblemOf. It makes no
// permission decision of its own.
package api

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

// Deps is what the API needs.
type Deps struct {
	Auth          *auth.Service
	Accounts      *account.Service
	Chat          *chat.Service
	Net           httpx.Network
	Log           *slog.Logger
	BaseURL       string
	SessionMaxAge time.Duration
}

// API serves /api/v1.
type API struct{ Deps }

// New returns the API.
func New(d Deps) *API { return &API{d} }

// handler is an API endpoint: it returns an error instead of writing one.
type handler func(w http.ResponseWriter, r *http.Request) error

// wrap writes the handler's error, after checking CSRF on state changes
// made with a session cookie.
func (a *API) wrap(h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := httpx.CheckCSRF(r)
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			httpx.WriteError(w, r, a.Log, err)
		}
	})
}

// signedIn is wrap for endpoints that need a principal: without one the
// answer is 401, whatever else is wrong with the request.
func (a *API) signedIn(h func(w http.ResponseWriter, r *http.Request, p auth.Principal) error) http.Handler {
	inner := a.wrap(func(w http.ResponseWriter, r *http.Request) error {
		p, _ := httpx.PrincipalFrom(r.Context())
		return h(w, r, p)
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, ok := httpx.PrincipalFrom(r.Context()); !ok {
			httpx.WriteError(w, r, a.Log, auth.ErrUnauthenticated)
			return
		}
		inner.ServeHTTP(w, r)
	})
}

// Routes registers the API on mux.
func (a *API) Routes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/sessions", a.wrap(a.login))
	mux.Handle("GET /api/v1/sessions", a.signedIn(a.sessions))
	mux.Handle("DELETE /api/v1/sessions/current", a.signedIn(a.logout))
	mux.Handle("DELETE /api/v1/sessions", a.signedIn(a.logoutOthers))
	mux.Handle("DELETE /api/v1/sessions/{id}", a.signedIn(a.endSession))

	mux.Handle("GET /api/v1/users/me", a.signedIn(a.me))
	mux.Handle("PATCH /api/v1/users/me", a.signedIn(a.updateMe))
	mux.Handle("PUT /api/v1/users/me/password", a.signedIn(a.changePassword))
	mux.Handle("PUT /api/v1/users/me/avatar", a.signedIn(a.setAvatar))
	mux.Handle("GET /api/v1/users/me/tokens", a.signedIn(a.tokens))
	mux.Handle("POST /api/v1/users/me/tokens", a.signedIn(a.createToken))
	mux.Handle("DELETE /api/v1/users/me/tokens/{id}", a.signedIn(a.revokeToken))

	mux.Handle("GET /api/v1/users", a.signedIn(a.users))
	mux.Handle("POST /api/v1/users", a.signedIn(a.createUser))
	mux.Handle("GET /api/v1/users/{id}", a.signedIn(a.user))
	mux.Handle("PATCH /api/v1/users/{id}", a.signedIn(a.updateUser))
	mux.Handle("PUT /api/v1/users/{id}/password", a.signedIn(a.resetPassword))

	mux.Handle("GET /api/v1/groups", a.signedIn(a.groups))
	mux.Handle("POST /api/v1/groups", a.signedIn(a.createGroup))
	mux.Handle("GET /api/v1/groups/{id}", a.signedIn(a.group))
	mux.Handle("PATCH /api/v1/groups/{id}", a.signedIn(a.updateGroup))
	mux.Handle("DELETE /api/v1/groups/{id}", a.signedIn(a.deleteGroup))
	mux.Handle("PUT /api/v1/groups/{id}/members/{user}", a.signedIn(a.addGroupMember))
	mux.Handle("DELETE /api/v1/groups/{id}/members/{user}", a.signedIn(a.removeGroupMember))

	mux.Handle("GET /api/v1/invitations", a.signedIn(a.invitations))
	mux.Handle("POST /api/v1/invitations", a.signedIn(a.createInvitation))
	mux.Handle("DELETE /api/v1/invitations/{id}", a.signedIn(a.revokeInvitation))
	mux.Handle("POST /api/v1/invitations/accept", a.wrap(a.acceptInvitation))

	mux.Handle("GET /api/v1/branding", a.wrap(a.branding))
	mux.Handle("PATCH /api/v1/branding", a.signedIn(a.setBranding))
	mux.Handle("PUT /api/v1/branding/logo", a.signedIn(a.setLogo))

	a.chatRoutes(mux)
	a.chatMoreRoutes(mux)
	a.draftRoutes(mux)
	a.searchRoutes(mux)
	a.hookRoutes(mux)

	mux.Handle("/api/", a.wrap(func(http.ResponseWriter, *http.Request) error {
		return errNoRoute
	}))
}

var errNoRoute = errors.Join(errors.New("api: no such endpoint"), model.ErrNotFound)

// pathID reads a numeric path parameter.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, &model.InvalidError{Field: name, Reason: "must be a positive integer id", Key: "err.body"}
	}
	return id, nil
}

// created writes 201 with v.
func created(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusCreated, v)
	return nil
}

func ok(w http.ResponseWriter, v any) error {
	httpx.WriteJSON(w, http.StatusOK, v)
	return nil
}

func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// list wraps a slice so that responses are objects (extensible) and an empty
// list is [] rather than null.
func list[T any](items []T) map[string][]T {
	if items == nil {
		items = []T{}
	}
	return map[string][]T{"items": items}
}
