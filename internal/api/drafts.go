package api

import (
	"net/http"
	"strconv"

	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

func (a *API) draftRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/drafts", a.signedIn(a.drafts))
	mux.Handle("PUT /api/v1/channels/{channel}/drafts", a.signedIn(a.saveDraft))
	mux.Handle("DELETE /api/v1/channels/{channel}/drafts", a.signedIn(a.deleteDraft))
}

func (a *API) drafts(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	d, err := a.Chat.Drafts(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(d))
}

// saveDraft answers the draft, or 204 when an empty message deleted it.
func (a *API) saveDraft(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var req chat.NewDraft
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	d, kept, err := a.Chat.SaveDraft(r.Context(), p.Actor(), id, req)
	if err != nil {
		return err
	}
	if !kept {
		return noContent(w)
	}
	return ok(w, d)
}

func (a *API) deleteDraft(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	var root int64
	if v := r.URL.Query().Get("root_id"); v != "" {
		if root, err = strconv.ParseInt(v, 10, 64); err != nil || root < 0 {
			return &model.InvalidError{Field: "root_id", Reason: "must be a post id, or 0 for the channel", Key: "err.body"}
		}
	}
	if err := a.Chat.DeleteDraft(r.Context(), p.Actor(), id, root); err != nil {
		return err
	}
	return noContent(w)
}
