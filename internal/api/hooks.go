package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

func (a *API) hookRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/channels/{channel}/hooks", a.signedIn(a.incomingHooks))
	mux.Handle("POST /api/v1/channels/{channel}/hooks", a.signedIn(a.createIncomingHook))
	mux.Handle("PATCH /api/v1/hooks/{id}", a.signedIn(a.updateIncomingHook))
	mux.Handle("DELETE /api/v1/hooks/{id}", a.signedIn(a.deleteIncomingHook))

	mux.Handle("GET /api/v1/channels/{channel}/outgoing-hooks", a.signedIn(a.outgoingHooks))
	mux.Handle("POST /api/v1/channels/{channel}/outgoing-hooks", a.signedIn(a.createOutgoingHook))
	mux.Handle("PATCH /api/v1/channels/{channel}/outgoing-hooks/{id}", a.signedIn(a.updateOutgoingHook))
	mux.Handle("DELETE /api/v1/channels/{channel}/outgoing-hooks/{id}", a.signedIn(a.deleteOutgoingHook))

	mux.Handle("GET /api/v1/bots", a.signedIn(a.bots))
	mux.Handle("POST /api/v1/bots", a.signedIn(a.createBot))

	// No session, no CSRF token (httpx.Protect lets /hooks/ through): the
	// secret in the URL is the credential.
	mux.HandleFunc("POST /hooks/{token}", a.incoming)
}

func (a *API) incomingHooks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	hooks, err := a.Chat.IncomingHooks(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, list(hooks))
}

type hookRequest struct {
	Name string `json:"name"`
}

// createdHook is an incoming webhook as created: with its URL, shown once.
type createdHook struct {
	model.IncomingHook
	URL string `json:"url"`
}

func (a *API) createIncomingHook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var req hookRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	h, secret, err := a.Chat.CreateIncomingHook(r.Context(), p.Actor(), id, req.Name)
	if err != nil {
		return err
	}
	return created(w, createdHook{h, strings.TrimRight(a.BaseURL, "/") + "/hooks/" + secret})
}

type hookUpdate struct {
	Disabled *bool `json:"disabled"`
}

func (u hookUpdate) check() error {
	if u.Disabled == nil {
		return &model.InvalidError{Field: "disabled", Reason: "disabled (true or false) is required", Key: "err.body"}
	}
	return nil
}

func (a *API) updateIncomingHook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var up hookUpdate
	if err := httpx.DecodeJSON(w, r, &up, 0); err != nil {
		return err
	}
	if err := up.check(); err != nil {
		return err
	}
	h, err := a.Chat.SetIncomingHookDisabled(r.Context(), p.Actor(), id, *up.Disabled)
	if err != nil {
		return err
	}
	return ok(w, h)
}

func (a *API) deleteIncomingHook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Chat.DeleteIncomingHook(r.Context(), p.Actor(), id); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) outgoingHooks(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	hooks, err := a.Chat.OutgoingHooks(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, list(hooks))
}

func (a *API) createOutgoingHook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var req chat.NewOutgoingHook
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	h, err := a.Chat.CreateOutgoingHook(r.Context(), p.Actor(), id, req)
	if err != nil {
		return err
	}
	return created(w, h)
}

func (a *API) updateOutgoingHook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	channel, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var up hookUpdate
	if err := httpx.DecodeJSON(w, r, &up, 0); err != nil {
		return err
	}
	if err := up.check(); err != nil {
		return err
	}
	h, err := a.Chat.SetOutgoingHookDisabled(r.Context(), p.Actor(), channel, id, *up.Disabled)
	if err != nil {
		return err
	}
	return ok(w, h)
}

func (a *API) deleteOutgoingHook(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	channel, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := a.Chat.DeleteOutgoingHook(r.Context(), p.Actor(), channel, id); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) bots(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	bots, err := a.Accounts.Bots(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(bots))
}

// createdBot is a new bot with its first API token, shown once.
type createdBot struct {
	User  model.User `json:"user"`
	Bot   bool       `json:"bot"`
	Token string     `json:"token"`
}

func (a *API) createBot(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req account.NewBot
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	u, secret, err := a.Accounts.CreateBot(r.Context(), p.Actor(), req)
	if err != nil {
		return err
	}
	return created(w, createdBot{User: u, Bot: true, Token: secret})
}

// incoming is the incoming webhook endpoint. It answers in plain text, as
// Slack does: "ok", or a short reason with the status.
func (a *API) incoming(w http.ResponseWriter, r *http.Request) {
	err := a.receiveHook(r, w)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err == nil {
		_, _ = io.WriteString(w, "ok")
		return
	}
	prob := httpx.ProblemOf(err)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		prob = httpx.Problem{Status: http.StatusRequestEntityTooLarge, Code: "invalid",
			Message: "body must be at most " + strconv.Itoa(chat.MaxIncomingBody) + " bytes"}
	}
	httpx.LogProblem(r, a.Log, prob, err)
	if prob.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(prob.RetryAfter))
	}
	w.WriteHeader(prob.Status)
	_, _ = io.WriteString(w, prob.Message+"\n")
}

func (a *API) receiveHook(r *http.Request, w http.ResponseWriter) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, chat.MaxIncomingBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &model.InvalidError{Field: "body", Reason: "could not read the body", Key: "err.body"}
	}
	payload, err := chat.ParseIncoming(r.Header.Get("Content-Type"), body)
	if err != nil {
		return err
	}
	return a.Chat.Incoming(r.Context(), r.PathValue("token"), payload)
}
