// Package web serves Ruche's HTML pages: the shell (navigation, profile,
// administration, sign-in, setup, invitations), its embedded templates and
// static assets, and the organisation's branding stylesheet.
//
// Handlers are thin: they parse the request, call one service method and
// render a typed view. They never decide permissions (the services ask
// internal/access); errors are mapped to pages in one place (wrap).
package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/i18n"
	"ruche/internal/model"
)

// Deps is what the pages need; the app builds it.
type Deps struct {
	Auth          *auth.Service
	Accounts      *account.Service
	Chat          *chat.Service // nil: the chat pages say it is coming
	Net           httpx.Network
	Log           *slog.Logger
	BaseURL       string        // public URL without trailing slash, for invitation links
	SessionMaxAge time.Duration // session cookie Max-Age
}

// Handler serves the HTML pages.
type Handler struct {
	auth     *auth.Service
	accounts *account.Service
	chat     *chat.Service
	net      httpx.Network
	log      *slog.Logger
	baseURL  string
	maxAge   time.Duration

	cat    *i18n.Catalog
	assets *assets
	pages  sync.Map // "lang/page.html" → *template.Template, see pageTemplate
}

// Body limits: plain forms, and the multipart uploads of avatars and logos
// (an image is at most account.MaxImageBytes, plus the form around it).
const (
	maxFormBody   = 64 << 10
	maxUploadBody = 3 << 20
)

// New loads the catalogs and the static assets; the templates are parsed on first use.
func New(d Deps) (*Handler, error) {
	if d.Auth == nil || d.Accounts == nil || d.Log == nil {
		return nil, errors.New("web: Auth, Accounts and Log are required")
	}
	if d.SessionMaxAge <= 0 {
		d.SessionMaxAge = 90 * 24 * time.Hour
	}
	cat, err := i18n.Load()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	a, err := loadAssets()
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if err := a.addChatAssets(cat); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	h := &Handler{auth: d.Auth, accounts: d.Accounts, chat: d.Chat, net: d.Net, log: d.Log,
		baseURL: strings.TrimRight(d.BaseURL, "/"), maxAge: d.SessionMaxAge, cat: cat, assets: a}
	return h, nil
}

// Routes registers every HTML route on mux.
func (h *Handler) Routes(mux *http.ServeMux) {
	mux.Handle("GET /static/{file}", http.HandlerFunc(h.static))
	mux.Handle("GET /branding.css", h.wrap(h.brandingCSS))
	mux.Handle("GET /logo", h.wrap(h.logo))
	mux.Handle("GET /avatars/{id}", h.wrap(h.avatar))

	mux.Handle("GET /setup", h.wrap(h.setupForm))
	mux.Handle("POST /setup", h.wrap(h.setup))
	mux.Handle("GET /login", h.wrap(h.loginForm))
	mux.Handle("POST /login", h.wrap(h.login))
	mux.Handle("POST /logout", h.wrap(h.logout))
	mux.Handle("GET /invite/{token}", h.wrap(h.inviteForm))
	mux.Handle("POST /invite/{token}", h.wrap(h.invite))

	mux.Handle("GET /{$}", h.wrap(h.home))
	for _, tool := range tools {
		if tool == "chat" && h.chat != nil {
			h.chatRoutes(mux)
			continue
		}
		mux.Handle("GET /"+tool, h.wrap(h.tool(tool)))
	}

	mux.Handle("GET /profile", h.wrap(h.profile))
	mux.Handle("POST /profile", h.wrap(h.updateProfile))
	mux.Handle("POST /profile/avatar", h.wrap(h.uploadAvatar))
	mux.Handle("POST /profile/password", h.wrap(h.changePassword))
	mux.Handle("GET /profile/sessions", h.wrap(h.sessions))
	mux.Handle("POST /profile/sessions/{id}/end", h.wrap(h.endSession))
	mux.Handle("POST /profile/sessions/others/end", h.wrap(h.endOtherSessions))
	mux.Handle("GET /profile/tokens", h.wrap(h.tokens))
	mux.Handle("POST /profile/tokens", h.wrap(h.createToken))
	mux.Handle("POST /profile/tokens/{id}/revoke", h.wrap(h.revokeToken))

	mux.Handle("GET /admin", http.RedirectHandler("/admin/users", http.StatusSeeOther))
	mux.Handle("GET /admin/users", h.wrap(h.adminUsers))
	mux.Handle("POST /admin/users", h.wrap(h.createUser))
	mux.Handle("GET /admin/users/{id}", h.wrap(h.adminUser))
	mux.Handle("POST /admin/users/{id}/role", h.wrap(h.setRole))
	mux.Handle("POST /admin/users/{id}/disabled", h.wrap(h.setDisabled))
	mux.Handle("POST /admin/users/{id}/password", h.wrap(h.resetPassword))
	mux.Handle("GET /admin/groups", h.wrap(h.adminGroups))
	mux.Handle("POST /admin/groups", h.wrap(h.createGroup))
	mux.Handle("GET /admin/groups/{id}", h.wrap(h.adminGroup))
	mux.Handle("POST /admin/groups/{id}", h.wrap(h.updateGroup))
	mux.Handle("POST /admin/groups/{id}/delete", h.wrap(h.deleteGroup))
	mux.Handle("POST /admin/groups/{id}/members", h.wrap(h.addMember))
	mux.Handle("POST /admin/groups/{id}/members/{user}/remove", h.wrap(h.removeMember))
	mux.Handle("GET /admin/invitations", h.wrap(h.adminInvitations))
	mux.Handle("POST /admin/invitations", h.wrap(h.createInvitation))
	mux.Handle("POST /admin/invitations/{id}/revoke", h.wrap(h.revokeInvitation))
	mux.Handle("GET /admin/branding", h.wrap(h.adminBranding))
	mux.Handle("POST /admin/branding", h.wrap(h.updateBranding))
	mux.Handle("POST /admin/branding/logo", h.wrap(h.uploadLogo))
	mux.Handle("POST /admin/branding/logo/remove", h.wrap(h.removeLogo))
	mux.Handle("GET /admin/bots", h.wrap(h.adminBots))
	mux.Handle("POST /admin/bots", h.wrap(h.createBot))
	if h.chat != nil {
		mux.Handle("GET /admin/retention", h.wrap(h.adminRetention))
		mux.Handle("POST /admin/retention", h.wrap(h.setRetention))
		mux.Handle("POST /admin/retention/remove", h.wrap(h.removeRetention))
	}

	// Anything else is a friendly 404 page (the API and the probes register
	// more specific patterns, which win).
	mux.Handle("/", h.wrap(func(http.ResponseWriter, *http.Request) error {
		return fmt.Errorf("web: no page: %w", model.ErrNotFound)
	}))
}

// handlerFunc is a page handler: it writes a response or returns an error.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// wrap turns a handlerFunc into an http.Handler and maps its error to a
// page: the one place where errors become statuses.
func (h *Handler) wrap(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.fail(w, r, err)
		}
	})
}

// formError asks wrap to show a form again with the problem, rather than an
// error page. page builds the form's view (with what the user typed); it is
// only called when the problem is one the user can fix.
type formError struct {
	err  error
	name string // the form's template
	page func() (page, error)
}

func (e *formError) Error() string { return e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// again returns err (nil stays nil) marked to re-render the form built by pg.
func again(err error, name string, pg func() (page, error)) error {
	if err == nil {
		return nil
	}
	return &formError{err: err, name: name, page: pg}
}

// againPage is again for a page already built.
func againPage(err error, name string, pg page) error {
	return again(err, name, func() (page, error) { return pg, nil })
}

func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	err = bodyError(err)
	p := httpx.ProblemOf(err)
	if p.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(p.RetryAfter))
	}
	var fe *formError
	if errors.As(err, &fe) && p.Status >= 400 && p.Status < 500 && p.Status != http.StatusNotFound && p.Code != "csrf" {
		pg, perr := fe.page()
		if perr == nil {
			httpx.LogProblem(r, h.log, p, err)
			b := pg.common()
			b.Problem = &problem{Field: p.Field, Message: h.message(h.lang(r), p, err)}
			h.renderStatus(w, r, p.Status, fe.name, pg)
			return
		}
		err, p = perr, httpx.ProblemOf(perr)
	}
	httpx.LogProblem(r, h.log, p, err)
	if p.Status == http.StatusUnauthorized && !signedIn(r) && navigating(r) {
		target := "/login"
		if r.Method == http.MethodGet {
			target += "?next=" + url.QueryEscape(r.URL.RequestURI())
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	lang := h.lang(r)
	pg := &errorPage{Status: p.Status, Message: h.message(lang, p, err)}
	switch p.Status {
	case http.StatusNotFound:
		pg.Heading = h.cat.T(lang, "error.not_found.title")
	case http.StatusForbidden:
		pg.Heading = h.cat.T(lang, "error.forbidden.title")
	case http.StatusUnauthorized:
		pg.Heading = h.cat.T(lang, "error.signin.title")
	case http.StatusTooManyRequests:
		pg.Heading = h.cat.T(lang, "error.slow_down.title")
	default:
		if p.Status >= 500 {
			pg.Heading = h.cat.T(lang, "error.internal.title")
		} else {
			pg.Heading = h.cat.T(lang, "error.bad_request.title")
		}
	}
	h.renderStatus(w, r, p.Status, "error.html", pg)
}

// navigating reports whether the request loads a page (rather than an
// image or a script): only pages are sent to the login form.
func navigating(r *http.Request) bool {
	d := r.Header.Get("Sec-Fetch-Dest")
	return d == "" || d == "document"
}

// message is a problem as the user reads it: the catalog's text for its
// key, else the service's English reason.
func (h *Handler) message(lang string, p httpx.Problem, err error) string {
	key := p.Key
	switch {
	case errors.Is(err, auth.ErrBadLogin):
		key = "err.bad_login"
	case errors.Is(err, auth.ErrDisabled):
		key = "err.disabled"
	}
	if key == "" || !h.cat.Has(lang, key) {
		return p.Message
	}
	if key == "err.length" {
		m := lengthRE.FindStringSubmatch(p.Message)
		if m == nil {
			return p.Message
		}
		if m[1] == "0" {
			key = "err.length_max"
		}
		label, ok := fieldLabels[p.Field]
		if !ok {
			label = "common.field"
		}
		return h.cat.T(lang, key, "field", h.cat.T(lang, label), "from", m[1], "to", m[2])
	}
	return h.cat.T(lang, key, "seconds", p.RetryAfter, "min", auth.MinPasswordLen, "max", auth.MaxPasswordLen)
}

// lengthRE reads the bounds of account.Text's "must have 1 to 64 characters".
var lengthRE = regexp.MustCompile(`(\d+) to (\d+) characters`)

// fieldLabels name the fields whose length the services check.
var fieldLabels = map[string]string{
	"display_name": "user.display_name",
	"name":         "group.name",
	"description":  "group.description",
	"org_name":     "setup.org_name",
}

// bodyError turns a body over its limit into an invalid input the user is
// told about, rather than an internal error.
func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		var fe *formError
		inv := &model.InvalidError{Field: "body", Reason: fmt.Sprintf("the form must be at most %d bytes", mbe.Limit), Key: "err.body"}
		if mbe.Limit >= maxUploadBody {
			inv = &model.InvalidError{Field: "file", Reason: "image must be at most 2 MiB", Key: "err.image_size"}
		}
		if errors.As(err, &fe) {
			return &formError{err: inv, name: fe.name, page: fe.page}
		}
		return inv
	}
	return err
}

// principal returns the signed-in principal, or an error that sends the
// browser to the login page.
func principal(r *http.Request) (auth.Principal, error) {
	p, ok := httpx.PrincipalFrom(r.Context())
	if !ok || p.User.ID == 0 {
		return p, auth.ErrUnauthenticated
	}
	return p, nil
}

// signedInForm returns the signed-in user of a form post, whose form it parses.
func signedInForm(w http.ResponseWriter, r *http.Request) (auth.Principal, error) {
	p, err := principal(r)
	if err != nil {
		return p, err
	}
	return p, parseForm(w, r, maxFormBody)
}

func signedIn(r *http.Request) bool {
	_, err := principal(r)
	return err == nil
}

// parseForm limits the body to max, parses it (url-encoded or multipart)
// and checks the CSRF token: every state-changing handler starts here.
func parseForm(w http.ResponseWriter, r *http.Request, max int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	var err error
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		err = r.ParseMultipartForm(max)
	} else {
		err = r.ParseForm()
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return &model.InvalidError{Field: "body", Reason: "malformed form", Key: "err.body"}
	}
	return httpx.CheckCSRF(r)
}

// safeNext returns next when it is a local path, else "/". A local path
// starts with one "/" and holds no backslash or control character (which
// browsers drop or turn into "/", making "//host").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || len(next) > 2048 {
		return "/"
	}
	for _, c := range next {
		if c == '\\' || c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}

// redirect sends the browser on after a successful POST.
func redirect(w http.ResponseWriter, r *http.Request, to string) error {
	http.Redirect(w, r, safeNext(to), http.StatusSeeOther)
	return nil
}

// pathID reads a numeric path value; a malformed one is "not found".
func pathID(r *http.Request, name string) (int64, error) {
	var id int64
	if _, err := fmt.Sscan(r.PathValue(name), &id); err != nil || id <= 0 || fmt.Sprint(id) != r.PathValue(name) {
		return 0, fmt.Errorf("web: bad %s: %w", name, model.ErrNotFound)
	}
	return id, nil
}

// client is where a login comes from.
func (h *Handler) client(r *http.Request) auth.Client { return h.net.Client(r) }

// startSession gives the browser a fresh session for u (after setup or an
// accepted invitation).
func (h *Handler) startSession(w http.ResponseWriter, r *http.Request, u model.User) error {
	token, _, err := h.auth.OpenSession(r.Context(), u, h.client(r))
	if err != nil {
		return err
	}
	httpx.SetSessionCookie(w, h.net.IsHTTPS(r), token, h.maxAge)
	return nil
}

// endCurrentSession logs out the request's session, if any, before a new
// one is opened (no session outlives a change of account).
func (h *Handler) endCurrentSession(r *http.Request) {
	if p, ok := httpx.PrincipalFrom(r.Context()); ok && p.SessionID != 0 {
		if err := h.auth.Logout(r.Context(), p); err != nil {
			h.log.WarnContext(r.Context(), "logout before login failed", "user_id", p.User.ID, "err", err)
		}
	}
}
