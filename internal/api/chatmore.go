package api

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"ruche/internal/access"

	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/httpx"
)

func (a *API) chatMoreRoutes(mux *http.ServeMux) {
	mux.Handle("POST /api/v1/channels/{channel}/files", a.signedIn(a.upload))
	mux.Handle("GET /files/{id}/thumb", a.signedIn(a.thumbnail))
	mux.Handle("GET /files/{id}/{name}", a.signedIn(a.download))

	mux.Handle("GET /api/v1/channels/{channel}/pinned", a.signedIn(a.pinned))
	mux.Handle("PUT /api/v1/posts/{post}/pin", a.signedIn(a.pin))
	mux.Handle("DELETE /api/v1/posts/{post}/pin", a.signedIn(a.unpin))
	mux.Handle("GET /api/v1/users/me/saved", a.signedIn(a.saved))
	mux.Handle("PUT /api/v1/posts/{post}/saved", a.signedIn(a.save))
	mux.Handle("DELETE /api/v1/posts/{post}/saved", a.signedIn(a.unsave))

	mux.Handle("GET /api/v1/users/me/threads", a.signedIn(a.threads))
	mux.Handle("PUT /api/v1/posts/{post}/follow", a.signedIn(a.follow))
	mux.Handle("DELETE /api/v1/posts/{post}/follow", a.signedIn(a.unfollow))
	mux.Handle("POST /api/v1/posts/{post}/thread/read", a.signedIn(a.threadRead))
	mux.Handle("GET /api/v1/users/me/catchup", a.signedIn(a.catchUp))

	mux.Handle("GET /api/v1/retention", a.signedIn(a.retention))
	mux.Handle("PUT /api/v1/retention", a.signedIn(a.setRetention))
}

// upload takes the file as the raw body and its name as ?name=.
func (a *API) upload(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	body := http.MaxBytesReader(w, r.Body, chat.MaxFileSize+1)
	f, err := a.Chat.Upload(r.Context(), p.Actor(), id, r.URL.Query().Get("name"), body)
	if err != nil {
		return err
	}
	return created(w, f)
}

// inlineTypes are shown in the browser; everything else is downloaded, and
// nothing is ever rendered as a page of this origin.
var inlineTypes = map[string]bool{"image/png": true, "image/jpeg": true, "image/gif": true, "image/webp": true,
	"application/pdf": false, "text/plain": false}

func (a *API) download(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.serveFile(w, r, p, false)
}

func (a *API) thumbnail(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.serveFile(w, r, p, true)
}

func (a *API) serveFile(w http.ResponseWriter, r *http.Request, p auth.Principal, thumb bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, err := a.Chat.OpenFile(r.Context(), p.Actor(), id, thumb)
	if err != nil {
		return err
	}
	defer f.Body.Close()
	h := w.Header()
	ct := f.MIME
	disposition := "attachment"
	if inlineTypes[ct] {
		disposition = "inline"
	} else {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("Cache-Control", "private, max-age=86400")
	h.Set("ETag", fmt.Sprintf(`"%d-%t"`, f.ID, thumb))
	http.ServeContent(w, r, "", f.CreatedAt, f.Body)
	return nil
}

func (a *API) pinned(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "channel")
	if err != nil {
		return err
	}
	posts, err := a.Chat.Pinned(r.Context(), p.Actor(), id)
	if err != nil {
		return err
	}
	return ok(w, list(posts))
}

// postToggle runs a per-post on/off action.
func (a *API) postToggle(w http.ResponseWriter, r *http.Request, p auth.Principal, on bool,
	do func(s *chat.Service) func(ctx context.Context, actor access.Actor, id int64, on bool) error) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	if err := do(a.Chat)(r.Context(), p.Actor(), id, on); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) pin(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.postToggle(w, r, p, true, pinFn)
}
func (a *API) unpin(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.postToggle(w, r, p, false, pinFn)
}
func (a *API) save(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.postToggle(w, r, p, true, saveFn)
}
func (a *API) unsave(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.postToggle(w, r, p, false, saveFn)
}
func (a *API) follow(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.postToggle(w, r, p, true, followFn)
}
func (a *API) unfollow(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	return a.postToggle(w, r, p, false, followFn)
}

func pinFn(s *chat.Service) func(context.Context, access.Actor, int64, bool) error  { return s.Pin }
func saveFn(s *chat.Service) func(context.Context, access.Actor, int64, bool) error { return s.Save }
func followFn(s *chat.Service) func(context.Context, access.Actor, int64, bool) error {
	return s.Follow
}

func (a *API) saved(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	posts, err := a.Chat.Saved(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(posts))
}

func (a *API) threads(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	t, err := a.Chat.Threads(r.Context(), p.Actor(), r.URL.Query().Get("unread") == "true")
	if err != nil {
		return err
	}
	return ok(w, list(t))
}

func (a *API) threadRead(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	if err := a.Chat.MarkThreadRead(r.Context(), p.Actor(), id); err != nil {
		return err
	}
	return noContent(w)
}

func (a *API) catchUp(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	c, err := a.Chat.CatchUp(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, c)
}

func (a *API) retention(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	list0, err := a.Chat.RetentionPolicies(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	return ok(w, list(list0))
}

type retentionRequest struct {
	TeamID    int64 `json:"team_id"`
	ChannelID int64 `json:"channel_id"`
	Days      int   `json:"days"`
}

func (a *API) setRetention(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	var req retentionRequest
	if err := httpx.DecodeJSON(w, r, &req, 0); err != nil {
		return err
	}
	if err := a.Chat.SetRetention(r.Context(), p.Actor(), req.TeamID, req.ChannelID, req.Days); err != nil {
		return err
	}
	return noContent(w)
}
