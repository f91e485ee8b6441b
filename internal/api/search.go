package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/model"
)

func (a *API) searchRoutes(mux *http.ServeMux) {
	mux.Handle("GET /api/v1/search/posts", a.signedIn(a.searchPosts))
}

// searchPosts answers GET /api/v1/search/posts?q=…&before=…&limit=…: the
// posts the user may read that match q, newest first. Dates in q are days
// in the user's time zone.
func (a *API) searchPosts(w http.ResponseWriter, r *http.Request, p auth.Principal) error {
	v := r.URL.Query()
	q := v.Get("q")
	if strings.TrimSpace(q) == "" {
		return &model.InvalidError{Field: "q", Reason: "type words or filters to search for", Key: "err.search"}
	}
	var (
		before int64
		limit  = 50
		err    error
	)
	if s := v.Get("before"); s != "" {
		if before, err = strconv.ParseInt(s, 10, 64); err != nil || before < 0 {
			return &model.InvalidError{Field: "before", Reason: "must be a post id", Key: "err.body"}
		}
	}
	if s := v.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > chat.MaxPage {
			return &model.InvalidError{Field: "limit", Reason: "must be 1 to 200", Key: "err.body"}
		}
	}
	tz := time.UTC
	if p.User.TimeZone != "" {
		// Saved time zones were checked when saved; one that no longer
		// loads (zone data changed) falls back to UTC.
		if loc, err := time.LoadLocation(p.User.TimeZone); err == nil {
			tz = loc
		}
	}
	posts, err := a.Chat.SearchPosts(r.Context(), p.Actor(), q, tz, before, limit)
	if err != nil {
		return err
	}
	return ok(w, list(posts))
}
