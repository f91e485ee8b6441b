package web

import (
	"errors"
	"net/http"
	"strings"

	"ruche/internal/account"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

// profileForm is the profile as edited (what the user typed, on errors).
type profileForm struct {
	DisplayName, Email, Locale, TimeZone string
	Theme                                model.Theme
}

type profilePage struct {
	base
	Form    profileForm
	Zones   []string
	Section string // the form a problem belongs to: profile, avatar or password
}

func formOf(u model.User) profileForm {
	return profileForm{DisplayName: u.DisplayName, Email: u.Email, Locale: u.Locale, TimeZone: u.TimeZone, Theme: u.Theme}
}

func newProfilePage(f profileForm, section string) *profilePage {
	return &profilePage{base: base{Nav: "profile", Sub: "profile"}, Form: f, Zones: zoneChoices(f.TimeZone), Section: section}
}

func (h *Handler) profile(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	return h.render(w, r, "profile.html", newProfilePage(formOf(p.User), ""))
}

func (h *Handler) updateProfile(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	f := profileForm{DisplayName: r.PostFormValue("display_name"), Email: r.PostFormValue("email"),
		Locale: r.PostFormValue("locale"), TimeZone: r.PostFormValue("time_zone"), Theme: model.Theme(r.PostFormValue("theme"))}
	tz := f.TimeZone
	if tz == "UTC" {
		tz = "" // the default
	}
	_, err = h.accounts.UpdateProfile(r.Context(), httpx.Actor(r), p.User.ID, account.ProfileUpdate{
		DisplayName: &f.DisplayName, Email: &f.Email, Locale: &f.Locale, TimeZone: &tz, Theme: &f.Theme})
	if err != nil {
		return againPage(err, "profile.html", newProfilePage(f, "profile"))
	}
	return redirect(w, r, "/profile?done=profile")
}

func (h *Handler) uploadAvatar(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	pg := newProfilePage(formOf(p.User), "avatar")
	if err := parseForm(w, r, maxUploadBody); err != nil {
		return againTooLarge(err, "profile.html", func() (page, error) { return pg, nil })
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return againPage(&model.InvalidError{Field: "file", Reason: "choose an image", Key: "err.image_format"}, "profile.html", pg)
	}
	defer f.Close()
	if _, err := h.accounts.SetAvatar(r.Context(), httpx.Actor(r), p.User.ID, f); err != nil {
		return againPage(err, "profile.html", pg)
	}
	return redirect(w, r, "/profile?done=avatar")
}

// againTooLarge shows an upload form again when the upload was too large,
// and passes other failures (a wrong CSRF token) through.
func againTooLarge(err error, name string, pg func() (page, error)) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return again(err, name, pg)
	}
	return err
}

func (h *Handler) changePassword(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	pg := newProfilePage(formOf(p.User), "password")
	next, err := confirmedPassword(r, "new_password")
	if err == nil {
		err = h.auth.ChangePassword(r.Context(), p, r.PostFormValue("current_password"), next)
	}
	if err != nil {
		return againPage(err, "profile.html", pg)
	}
	return redirect(w, r, "/profile?done=password")
}

// --- sessions

type sessionsPage struct {
	base
	Sessions []sessionView
}

type sessionView struct {
	model.Session
	Device string
}

func (h *Handler) sessions(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	list, err := h.auth.Sessions(r.Context(), p, p.User.ID)
	if err != nil {
		return err
	}
	views := make([]sessionView, len(list))
	for i, x := range list {
		views[i] = sessionView{Session: x, Device: device(x.UserAgent)}
	}
	return h.render(w, r, "sessions.html", &sessionsPage{base: base{Nav: "profile", Sub: "sessions"}, Sessions: views})
}

func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.auth.EndSession(r.Context(), p, p.User.ID, id); err != nil {
		return err
	}
	if id == p.SessionID {
		httpx.ClearSessionCookie(w, h.net.IsHTTPS(r))
		return redirect(w, r, "/login")
	}
	return redirect(w, r, "/profile/sessions?done=session")
}

func (h *Handler) endOtherSessions(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	if err := h.auth.EndOtherSessions(r.Context(), p); err != nil {
		return err
	}
	return redirect(w, r, "/profile/sessions?done=sessions")
}

// device names a browser and system from a User-Agent, roughly: enough to
// recognise one's own devices in a list.
func device(ua string) string {
	browser := ""
	for _, b := range []struct{ token, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chromium/", "Chromium"},
		{"Chrome/", "Chrome"}, {"Safari/", "Safari"}, {"curl/", "curl"},
	} {
		if strings.Contains(ua, b.token) {
			browser = b.name
			break
		}
	}
	system := ""
	for _, s := range []struct{ token, name string }{
		{"Android", "Android"}, {"iPhone", "iOS"}, {"iPad", "iPadOS"}, {"Windows", "Windows"},
		{"Mac OS X", "macOS"}, {"CrOS", "ChromeOS"}, {"Linux", "Linux"},
	} {
		if strings.Contains(ua, s.token) {
			system = s.name
			break
		}
	}
	switch {
	case browser != "" && system != "":
		return browser + " · " + system
	case browser != "":
		return browser
	case system != "":
		return system
	}
	if len(ua) > 60 {
		ua = ua[:60] + "…"
	}
	return strings.ToValidUTF8(ua, "")
}

// --- API tokens

type tokensPage struct {
	base
	Tokens  []model.Token
	Name    string // the name typed, on errors
	Created *model.Token
	Secret  string // shown once, right after creation
}

func (h *Handler) tokensPage(r *http.Request) (*tokensPage, error) {
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	list, err := h.auth.Tokens(r.Context(), p, p.User.ID)
	return &tokensPage{base: base{Nav: "profile", Sub: "tokens"}, Tokens: list}, err
}

func (h *Handler) tokens(w http.ResponseWriter, r *http.Request) error {
	pg, err := h.tokensPage(r)
	if err != nil {
		return err
	}
	return h.render(w, r, "tokens.html", pg)
}

// createToken shows the new token's secret in its response, once: it
// cannot survive a redirect without being stored, and it must not be.
func (h *Handler) createToken(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	name := r.PostFormValue("name")
	secret, t, err := h.auth.CreateToken(r.Context(), p, p.User.ID, name)
	if err != nil {
		return again(err, "tokens.html", func() (page, error) {
			pg, err := h.tokensPage(r)
			if pg != nil {
				pg.Name = name
			}
			return pg, err
		})
	}
	pg, err := h.tokensPage(r)
	if err != nil {
		return err
	}
	pg.Created, pg.Secret = &t, secret
	return h.render(w, r, "tokens.html", pg)
}

func (h *Handler) revokeToken(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.auth.RevokeToken(r.Context(), p, p.User.ID, id); err != nil {
		return err
	}
	return redirect(w, r, "/profile/tokens?done=token")
}

// zoneList is the time zones offered first; the user's own is added when it
// is not among them.
var zoneList = []string{
	"UTC",
	"Europe/Paris", "Europe/Brussels", "Europe/Luxembourg", "Europe/Zurich", "Europe/Monaco",
	"Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Madrid", "Europe/Amsterdam",
	"Europe/Berlin", "Europe/Rome", "Europe/Vienna", "Europe/Warsaw", "Europe/Stockholm",
	"Europe/Athens", "Europe/Bucharest", "Europe/Helsinki", "Europe/Istanbul", "Europe/Kyiv", "Europe/Moscow",
	"Africa/Casablanca", "Africa/Algiers", "Africa/Tunis", "Africa/Dakar", "Africa/Abidjan",
	"Africa/Douala", "Africa/Kinshasa", "Africa/Cairo", "Africa/Johannesburg", "Indian/Reunion",
	"Indian/Mayotte", "Indian/Mauritius", "Indian/Antananarivo",
	"America/Martinique", "America/Guadeloupe", "America/Cayenne", "America/Port-au-Prince",
	"America/Miquelon", "America/Toronto", "America/New_York", "America/Chicago", "America/Denver",
	"America/Los_Angeles", "America/Mexico_City", "America/Bogota", "America/Sao_Paulo", "America/Buenos_Aires",
	"Asia/Dubai", "Asia/Kolkata", "Asia/Bangkok", "Asia/Ho_Chi_Minh", "Asia/Singapore", "Asia/Shanghai",
	"Asia/Tokyo", "Australia/Sydney", "Pacific/Noumea", "Pacific/Tahiti", "Pacific/Auckland",
}

func zoneChoices(current string) []string {
	if current == "" {
		return zoneList
	}
	for _, z := range zoneList {
		if z == current {
			return zoneList
		}
	}
	return append([]string{current}, zoneList...)
}
