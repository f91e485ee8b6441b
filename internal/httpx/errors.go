// Package httpx is the HTTP plumbing shared by the HTML pages (internal/web)
// and the JSON API (internal/api): who the request is from (session cookie or
// bearer token), CSRF checks, mapping service errors to status codes in one
// place, request decoding with limits, security headers and compression. It
// holds no rules of its own: services decide, httpx carries.
package httpx

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"ruche/internal/auth"
	"ruche/internal/model"
)

// Problem is an error as the client sees it.
type Problem struct {
	Status     int    `json:"-"`
	Code       string `json:"code"`
	Message    string `json:"message"`
	Field      string `json:"field,omitempty"`
	Key        string `json:"-"` // message catalog key for the web UI
	RetryAfter int    `json:"retry_after,omitempty"`
}

// ProblemOf maps an error from a service to what the client is told. Errors
// that are not the model's sentinels are internal: the client gets a generic
// message and the details go to the log.
func ProblemOf(err error) Problem {
	var inv *model.InvalidError
	var rl *model.RateLimitError
	switch {
	case errors.As(err, &rl):
		return Problem{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: rl.Error(), Key: "err.rate_limited", RetryAfter: rl.RetryAfterSeconds}
	case errors.As(err, &inv):
		status := http.StatusBadRequest
		if errors.Is(err, model.ErrConflict) {
			status = http.StatusConflict
		}
		if errors.Is(err, errTooLarge) {
			status = http.StatusRequestEntityTooLarge
		}
		if errors.Is(err, errMediaType) {
			status = http.StatusUnsupportedMediaType
		}
		return Problem{Status: status, Code: "invalid", Message: inv.Error(), Field: inv.Field, Key: inv.Key}
	case errors.Is(err, model.ErrUnauthorized):
		msg := "authentication required"
		if errors.Is(err, auth.ErrBadLogin) {
			msg = "wrong login or password"
		}
		return Problem{Status: http.StatusUnauthorized, Code: "unauthorized", Message: msg, Key: "err.unauthorized"}
	case errors.Is(err, errCSRF):
		return Problem{Status: http.StatusForbidden, Code: "csrf", Message: errCSRF.Error(), Key: "err.csrf"}
	case errors.Is(err, model.ErrForbidden):
		return Problem{Status: http.StatusForbidden, Code: "forbidden", Message: "you may not do this", Key: "err.forbidden"}
	case errors.Is(err, model.ErrNotFound):
		return Problem{Status: http.StatusNotFound, Code: "not_found", Message: "not found", Key: "err.not_found"}
	case errors.Is(err, model.ErrConflict):
		return Problem{Status: http.StatusConflict, Code: "conflict", Message: "conflict with the current state", Key: "err.conflict"}
	}
	return Problem{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Key: "err.internal"}
}

// WriteJSON writes v as JSON with status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // served as application/json with nosniff, never as HTML
	_ = enc.Encode(v)
}

// WriteError writes err as a JSON problem and logs internal errors.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	p := ProblemOf(err)
	LogProblem(r, log, p, err)
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(p.RetryAfter))
	}
	WriteJSON(w, p.Status, p)
}

// LogProblem logs what the operator must see: internal errors in full, and
// refused authorizations (without secrets).
func LogProblem(r *http.Request, log *slog.Logger, p Problem, err error) {
	switch {
	case p.Status >= 500:
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case p.Status == http.StatusForbidden:
		uid := int64(0)
		if pr, ok := PrincipalFrom(r.Context()); ok {
			uid = pr.User.ID
		}
		log.WarnContext(r.Context(), "forbidden", "method", r.Method, "path", r.URL.Path, "user_id", uid, "code", p.Code)
	}
}
