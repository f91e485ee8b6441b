package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"ruche/internal/auth"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

//go:embed templates
var templateFS embed.FS

// page is a view: a typed struct per page that embeds base.
type page interface{ common() *base }

// base is what every page shows around its content. render fills it; the
// page's handler sets Nav and Sub (which item is active).
type base struct {
	Nav, Sub string // active navigation item and sub-item

	Lang    string
	Theme   model.Theme
	User    *model.User // nil when nobody is signed in
	IsAdmin bool
	Brand   model.Branding
	CSRF    string
	Problem *problem // what went wrong with the last submission
	Notice  string   // a translated confirmation ("Saved.")

	h   *Handler
	loc *time.Location
}

func (b *base) common() *base { return b }

type problem struct {
	Field   string
	Message string
}

// Invalid reports whether the problem concerns field (aria-invalid).
func (b *base) Invalid(field string) bool { return b.Problem != nil && b.Problem.Field == field }

// Err gives an input its descriptions: the ids of its hints, and the
// problem when it is about this field, marked invalid for assistive
// technologies: <input … {{.Err "login" "login-hint"}}>.
func (b *base) Err(field string, hints ...string) template.HTMLAttr {
	var ids []string
	for _, id := range hints {
		if idRE.MatchString(id) {
			ids = append(ids, id)
		}
	}
	var attrs string
	if b.Invalid(field) {
		attrs = `aria-invalid="true" `
		ids = append([]string{"problem"}, ids...)
	}
	if len(ids) > 0 {
		attrs += `aria-describedby="` + strings.Join(ids, " ") + `"`
	}
	return template.HTMLAttr(strings.TrimSpace(attrs))
}

var idRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Date formats t in the viewer's time zone and language.
func (b *base) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(b.loc)
	return b.h.cat.T(b.Lang, "fmt.datetime", "day", t.Day(), "month", b.h.cat.T(b.Lang, "month."+strconv.Itoa(int(t.Month()))),
		"year", t.Year(), "time", t.Format("15:04"))
}

// DatePtr is Date for optional times; "" for nil.
func (b *base) DatePtr(t *time.Time) string {
	if t == nil {
		return ""
	}
	return b.Date(*t)
}

// ISO is t as the machine-readable value of a <time> element.
func (b *base) ISO(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// BrandVersion changes whenever the branding stylesheet does.
func (b *base) BrandVersion() string { return brandVersion(b.Brand) }

// LogoURL is the logo's address, which changes with the logo.
func (b *base) LogoURL() string {
	k := b.Brand.LogoKey
	if len(k) > 8 {
		k = k[:8]
	}
	return "/logo?v=" + k
}

// HasChat reports whether the chat runs (its administration is offered).
func (b *base) HasChat() bool { return b.h != nil && b.h.chat != nil }

// Zone is the viewer's time zone name.
func (b *base) Zone() string { return b.loc.String() }

// avatarURL is a user's picture address; it changes when the user does.
func avatarURL(u model.User) string { return avatarPath(u.ID, avatarVersion(u)) }

// avatarVersion is what changes a picture's address: the time the account
// last changed, in milliseconds (the chat gives it to scripts as an
// author's avatar_version, chat.AuthorOf).
func avatarVersion(u model.User) int64 { return u.UpdatedAt.UnixMilli() }

// avatarPath is the address of user id's picture at a version.
func avatarPath(id, version int64) string { return fmt.Sprintf("/avatars/%d?v=%d", id, version) }

// initials are what stands for a user without a picture.
func initials(u model.User) string {
	var out []rune
	for _, w := range strings.Fields(u.Name()) {
		r, _ := utf8.DecodeRuneInString(w)
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			out = append(out, unicode.ToUpper(r))
		}
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// avatarClass picks one of the stylesheet's eight avatar colours.
func avatarClass(u model.User) string { return fmt.Sprintf("av av-%d", u.ID%8) }

// pageTemplate returns the template set of page name in lang: the layout and its parts
// (templates/layout*.html), the page, and t bound to the language. A set is parsed the
// first time it is shown and kept: a server shows few of its pages × languages, each set
// holds its own copy of the layout, and parsing them all at start made half of the idle
// heap. The cache is bounded: name is a constant of the handlers and lang one of the
// catalog's. The templates are embedded, so a parse error is a bug, which
// TestTemplatesParse catches before any server does.
func (h *Handler) pageTemplate(lang, name string) (*template.Template, error) {
	key := lang + "/" + name
	if t, ok := h.pages.Load(key); ok {
		return t.(*template.Template), nil
	}
	t, err := template.New(name).Funcs(h.funcs(lang)).ParseFS(templateFS, "templates/layout*.html", "templates/"+name)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", name, err)
	}
	cached, _ := h.pages.LoadOrStore(key, t)
	return cached.(*template.Template), nil
}

func (h *Handler) funcs(lang string) template.FuncMap {
	return template.FuncMap{
		"t": func(key string, args ...any) string { return h.cat.T(lang, key, args...) },
		"tn": func(key string, n int, args ...any) string {
			return h.cat.N(lang, key, n, args...)
		},
		"asset":       h.assets.url,
		"avatarURL":   avatarURL,
		"initials":    initials,
		"avatarClass": avatarClass,
		"list":        func(v ...string) []string { return v },
		"minPassword": func() int { return auth.MinPasswordLen },
	}
}

// lang is the request's language: the user's setting, else the browser's.
func (h *Handler) lang(r *http.Request) string {
	var locale string
	if p, ok := httpx.PrincipalFrom(r.Context()); ok {
		locale = p.User.Locale
	}
	return h.cat.Match(locale, r.Header.Get("Accept-Language"))
}

// render writes page name with status 200.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, name string, pg page) error {
	h.renderStatus(w, r, http.StatusOK, name, pg)
	return nil
}

// renderStatus fills the page's base from the request and writes it.
func (h *Handler) renderStatus(w http.ResponseWriter, r *http.Request, status int, name string, pg page) {
	b := pg.common()
	b.h, b.Lang, b.Theme, b.loc = h, h.lang(r), model.ThemeAuto, time.UTC
	if p, err := principal(r); err == nil {
		u := p.User
		b.User, b.IsAdmin = &u, p.Actor().IsAdmin()
		if u.Theme.Valid() {
			b.Theme = u.Theme
		}
		b.loc = location(u.TimeZone)
	}
	brand, err := h.accounts.Branding(r.Context())
	if err != nil {
		h.log.WarnContext(r.Context(), "branding unavailable", "err", err)
	}
	b.Brand = brand
	b.CSRF = httpx.FormCSRFToken(w, r, h.net.IsHTTPS(r))
	if b.Notice == "" {
		if key, ok := notices[r.URL.Query().Get("done")]; ok {
			b.Notice = h.cat.T(b.Lang, key)
		}
	}

	t, err := h.pageTemplate(b.Lang, name)
	if err != nil {
		h.log.ErrorContext(r.Context(), "no template", "name", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pg); err != nil {
		h.log.ErrorContext(r.Context(), "render failed", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", b.Lang)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// zones caches loaded time zones: time.LoadLocation reads the zone file on
// every call. Only names the account service accepted get here, so the
// cache is bounded by the zone database.
var zones sync.Map // name → *time.Location

// location is the named zone, UTC for "" or a zone this system lacks.
func location(name string) *time.Location {
	if name == "" {
		return time.UTC
	}
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	zones.Store(name, loc)
	return loc
}

// notices are the confirmations a redirect may ask for with ?done=…: only
// these fixed messages, never text from the request.
var notices = map[string]string{
	"profile":  "notice.profile_saved",
	"avatar":   "notice.avatar_saved",
	"password": "notice.password_changed",
	"session":  "notice.session_ended",
	"sessions": "notice.sessions_ended",
	"token":    "notice.token_revoked",
	"user":     "notice.user_saved",
	"created":  "notice.user_created",
	"group":    "notice.group_saved",
	"deleted":  "notice.group_deleted",
	"member":   "notice.members_saved",
	"revoked":  "notice.invitation_revoked",
	"branding": "notice.branding_saved",
	"reset":    "notice.password_reset",

	"retention":         "notice.retention_saved",
	"retention_removed": "notice.retention_removed",
}
