package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ruche/internal/account"
	"ruche/internal/httpx"
	"ruche/internal/model"
	"ruche/internal/store"
)

func setupForm() url.Values {
	return url.Values{"org_name": {"Coop des Abeilles"}, "display_name": {"Camille Martin"}, "login": {"camille"},
		"email": {"camille@example.org"}, "password": {"une ruche bien gardée"}, "password_confirm": {"une ruche bien gardée"}}
}

func TestSetupOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	wantRedirect(t, "login before setup", b.get("/login"), "/setup")
	p := b.get("/setup")
	wantStatus(t, "GET /setup", p, http.StatusOK)
	wantBody(t, "setup", p, `name="org_name"`, `name="password_confirm"`)

	// A mismatched confirmation shows the form again with what was typed.
	f := setupForm()
	f.Set("password_confirm", "something else entirely")
	p = b.submit("/setup", "/setup", f)
	wantStatus(t, "mismatched setup", p, http.StatusBadRequest)
	wantBody(t, "mismatched setup", p, `value="camille"`, `value="Coop des Abeilles"`, "The two passwords differ.")
	if strings.Contains(p.body, "une ruche bien gardée") {
		t.Error("the password is echoed back into the form")
	}

	wantRedirect(t, "POST /setup", b.submit("/setup", "/setup", setupForm()), "/")
	p = b.get("/")
	wantStatus(t, "home after setup", p, http.StatusOK)
	wantBody(t, "home after setup", p, "Camille Martin", "Coop des Abeilles", `href="/admin/users"`)

	brand, _ := e.accounts.Branding(context.Background())
	if brand.Name != "Coop des Abeilles" {
		t.Errorf("organisation name = %q", brand.Name)
	}

	// Setup is over: the page sends to login, and a second POST creates nobody.
	other := e.browser()
	wantRedirect(t, "second GET /setup", other.get("/setup"), "/login")
	f = setupForm()
	f.Set("login", "mallory")
	f.Set("email", "mallory@example.org")
	p = other.submit("/login", "/setup", f)
	wantRedirect(t, "second POST /setup", p, "/login")
	users, err := e.accounts.Users(context.Background(), account.Shell, store.UserFilter{})
	if err != nil || len(users) != 1 || users[0].Login != "camille" || users[0].Role != model.RoleAdmin {
		t.Fatalf("users after a second setup = %+v, %v", users, err)
	}
}

func TestLoginLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("admin", "Ada Admin", model.RoleAdmin)
	e.user("marie", "Marie Curie", model.RoleMember)
	b := e.browser()

	wantRedirect(t, "home signed out", b.get("/"), "/login?next=%2F")
	wantRedirect(t, "profile signed out", b.get("/profile?x=1"), "/login?next=%2Fprofile%3Fx%3D1")

	p := b.login("marie", "wrong password, surely")
	wantStatus(t, "wrong password", p, http.StatusUnauthorized)
	wantBody(t, "wrong password", p, "Wrong login or password.", `value="marie"`, `<form method="post" action="/login">`)

	wantRedirect(t, "login", b.login("MARIE ", "correct horse battery"), "/")
	p = b.get("/")
	wantStatus(t, "home", p, http.StatusOK)
	wantBody(t, "home", p, "Marie Curie", `action="/logout"`)
	if strings.Contains(p.body, `href="/admin/users"`) {
		t.Error("a member sees the administration link")
	}
	wantRedirect(t, "login page when signed in", b.get("/login?next=/profile"), "/profile")

	wantRedirect(t, "logout", b.submit("/", "/logout", url.Values{}), "/login")

	// A disabled account is told so, with the form again.
	u, _ := e.accounts.UserByLogin(context.Background(), account.Shell, "marie")
	if _, err := e.accounts.SetDisabled(context.Background(), account.Shell, u.ID, true); err != nil {
		t.Fatal(err)
	}
	p = b.login("marie", "correct horse battery")
	wantStatus(t, "disabled login", p, http.StatusForbidden)
	wantBody(t, "disabled login", p, "This account is disabled.", `value="marie"`)
	wantRedirect(t, "home after logout", b.get("/"), "/login?next=%2F")
}

// Signing in again ends the session the browser had (no fixation).
func TestLoginEndsPreviousSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, u := e.signedIn("marie", "Marie", model.RoleMember)
	old := sessionCookie(t, b)
	wantRedirect(t, "login again", b.submit("/profile", "/login", url.Values{"login": {"marie"}, "password": {"correct horse battery"}}), "/")
	if sessionCookie(t, b) == old {
		t.Fatal("the session token did not change at login")
	}
	if _, err := e.auth.Authenticate(context.Background(), old); err == nil {
		t.Fatal("the previous session still works")
	}
	p, _ := e.auth.Authenticate(context.Background(), sessionCookie(t, b))
	list, _ := e.auth.Sessions(context.Background(), p, u.ID)
	if len(list) != 1 {
		t.Fatalf("%d sessions, want 1", len(list))
	}
}

func sessionCookie(t *testing.T, b *browser) string {
	t.Helper()
	u, _ := url.Parse(b.e.srv.URL)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "ruche_session" {
			return c.Value
		}
	}
	t.Fatal("no session cookie")
	return ""
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("marie", "Marie", model.RoleMember)
	b := e.browser()
	b.lang = "fr"
	var p page
	for i := 0; i < 10 && p.status != http.StatusTooManyRequests; i++ {
		p = b.login("marie", "not the password")
	}
	wantStatus(t, "many wrong passwords", p, http.StatusTooManyRequests)
	if !regexp.MustCompile(`Trop de tentatives\. Réessayez dans \d+ secondes\.`).MatchString(p.body) {
		t.Errorf("rate limit page lacks the translated wait:\n%.800s", p.body)
	}
	if p.header.Get("Retry-After") == "" {
		t.Error("no Retry-After header")
	}
}

func TestOpenRedirect(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("marie", "Marie", model.RoleMember)
	for _, next := range []string{"//evil.example", "/\\evil.example", "https://evil.example/", "/\t/evil.example",
		"\\\\evil.example", "javascript:alert(1)", "//evil.example/%2F..", "/%09/evil.example"} {
		b := e.browser()
		p := b.get("/login?next=" + url.QueryEscape(next))
		wantStatus(t, "login page", p, http.StatusOK)
		if strings.Contains(p.body, "evil.example") && next != "/%09/evil.example" { // that one is a local path
			t.Errorf("next=%q: the login form carries it on", next)
		}
		p = b.submit("/login", "/login", url.Values{"login": {"marie"}, "password": {"correct horse battery"}, "next": {next}})
		loc := p.header.Get("Location")
		if p.status != http.StatusSeeOther || !strings.HasPrefix(loc, "/") || strings.HasPrefix(loc, "//") || strings.HasPrefix(loc, "/\\") {
			t.Errorf("next=%q: status %d, Location %q", next, p.status, loc)
		}
		if strings.Contains(loc, "evil.example") && next != "/%09/evil.example" {
			t.Errorf("next=%q: Location %q", next, loc)
		}
	}
	// A local next is kept.
	b := e.browser()
	p := b.get("/login?next=" + url.QueryEscape("/profile/sessions"))
	wantBody(t, "login page", p, `name="next" value="/profile/sessions"`)
	p = b.submit("/login?next=%2Fprofile%2Fsessions", "/login", url.Values{"login": {"marie"}, "password": {"correct horse battery"}, "next": {"/profile/sessions"}})
	wantRedirect(t, "local next", p, "/profile/sessions")
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, _ := e.signedIn("marie", "Marie", model.RoleMember)
	p := b.post("/profile", url.Values{"display_name": {"Hacked"}})
	wantStatus(t, "POST /profile without csrf", p, http.StatusForbidden)
	wantBody(t, "csrf page", p, "This form has expired.")
	p = b.post("/profile", url.Values{"display_name": {"Hacked"}, "csrf": {"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}})
	wantStatus(t, "POST /profile with a wrong csrf", p, http.StatusForbidden)
	p = b.post("/logout", url.Values{})
	wantStatus(t, "POST /logout without csrf", p, http.StatusForbidden)
	// Anonymous forms are protected too (double submit).
	anon := e.browser()
	p = anon.post("/login", url.Values{"login": {"marie"}, "password": {"correct horse battery"}})
	wantStatus(t, "POST /login without csrf", p, http.StatusForbidden)
	// A cross-site form post is refused before any handler.
	req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/login", strings.NewReader("login=marie"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	wantStatus(t, "cross-site POST", anon.do(req), http.StatusForbidden)

	u, _ := e.accounts.UserByLogin(context.Background(), account.Shell, "marie")
	if u.DisplayName != "Marie" {
		t.Fatalf("display name changed to %q", u.DisplayName)
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, u := e.signedIn("marie", "Marie", model.RoleMember)
	p := b.get("/profile")
	wantStatus(t, "profile", p, http.StatusOK)
	wantBody(t, "profile", p, `aria-current="page"`, `value="Marie"`, `<option value="Europe/Paris">`)

	f := url.Values{"display_name": {"Marie Curie"}, "email": {"marie@example.org"}, "locale": {"fr"},
		"time_zone": {"Europe/Paris"}, "theme": {"dark"}}
	wantRedirect(t, "save profile", b.submit("/profile", "/profile", f), "/profile?done=profile")
	p = b.get("/profile?done=profile")
	wantBody(t, "saved profile", p, `lang="fr"`, `data-theme="dark"`, "Votre profil est enregistré.", `<option value="Europe/Paris" selected>`)

	// Invalid input: the form comes back with the message and the input.
	f.Set("email", "not an address")
	f.Set("display_name", "Marie S. Curie")
	p = b.submit("/profile", "/profile", f)
	wantStatus(t, "bad e-mail", p, http.StatusBadRequest)
	wantBody(t, "bad e-mail", p, "Cette adresse e-mail n’est pas valide.", `value="not an address"`, `value="Marie S. Curie"`, `aria-invalid="true"`)

	// Password change keeps this session.
	pw := url.Values{"current_password": {"correct horse battery"}, "new_password": {"a brand new passphrase"}, "new_password_confirm": {"a brand new passphrase"}}
	wantRedirect(t, "change password", b.submit("/profile", "/profile/password", pw), "/profile?done=password")
	wantStatus(t, "still signed in", b.get("/profile"), http.StatusOK)
	pw.Set("current_password", "wrong")
	p = b.submit("/profile", "/profile/password", pw)
	wantStatus(t, "wrong current password", p, http.StatusBadRequest)
	wantBody(t, "wrong current password", p, "Votre mot de passe actuel n’est pas le bon.")

	// Sessions: another device shows up and can be logged out.
	other := e.browser()
	wantRedirect(t, "second device", other.login("marie", "a brand new passphrase"), "/")
	p = b.get("/profile/sessions")
	wantStatus(t, "sessions", p, http.StatusOK)
	if n := strings.Count(p.body, `/end">`); n != 1 {
		t.Errorf("%d log-out buttons, want 1 (the other device)", n)
	}
	wantRedirect(t, "end others", b.submit("/profile/sessions", "/profile/sessions/others/end", url.Values{}), "/profile/sessions?done=sessions")
	wantRedirect(t, "other device after logout everywhere", other.get("/"), "/login?next=%2F")

	// API tokens: the secret is shown once, then only its prefix.
	p = b.submit("/profile/tokens", "/profile/tokens", url.Values{"name": {"Sauvegarde"}})
	wantStatus(t, "create token", p, http.StatusOK)
	m := regexp.MustCompile(`value="(rpat_[A-Za-z0-9_-]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no token secret on the page:\n%.2000s", p.body)
	}
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/profile/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	wantStatus(t, "token works", e.browser().do(req), http.StatusOK)
	p = b.get("/profile/tokens")
	if strings.Contains(p.body, m[1]) {
		t.Error("the token secret is shown again")
	}
	id := regexp.MustCompile(`/profile/tokens/(\d+)/revoke`).FindStringSubmatch(p.body)
	if id == nil {
		t.Fatal("no revoke form")
	}
	wantRedirect(t, "revoke", b.submit("/profile/tokens", "/profile/tokens/"+id[1]+"/revoke", url.Values{}), "/profile/tokens?done=token")
	req, _ = http.NewRequest(http.MethodGet, e.srv.URL+"/profile/tokens", nil)
	req.Header.Set("Authorization", "Bearer "+m[1])
	wantStatus(t, "revoked token", e.browser().do(req), http.StatusUnauthorized)
	_ = u
}

func TestAvatarAndLogo(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.signedIn("admin", "Ada", model.RoleAdmin)
	member, m := e.signedIn("marie", "Marie", model.RoleMember)

	wantStatus(t, "no logo", e.browser().get("/logo"), http.StatusNotFound)
	wantStatus(t, "no avatar", admin.get("/avatars/"+itoa(m.ID)), http.StatusNotFound)

	p := upload(t, member, "/profile", "/profile/avatar", pngBytes())
	wantRedirect(t, "upload avatar", p, "/profile?done=avatar")
	p = admin.get("/avatars/" + itoa(m.ID))
	wantStatus(t, "avatar", p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("avatar Content-Type = %q", ct)
	}
	if p.header.Get("X-Content-Type-Options") != "nosniff" || p.header.Get("Cache-Control") != "private, max-age=300" {
		t.Errorf("avatar headers: %v", p.header)
	}
	// Signed out, a page load goes to the login form; an image load is refused.
	wantRedirect(t, "avatar signed out", e.browser().get("/avatars/"+itoa(m.ID)), "/login?next=%2Favatars%2F"+itoa(m.ID))
	req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/avatars/"+itoa(m.ID), nil)
	req.Header.Set("Sec-Fetch-Dest", "image")
	wantStatus(t, "avatar image signed out", e.browser().do(req), http.StatusUnauthorized)

	p = upload(t, member, "/profile", "/profile/avatar", []byte("<svg onload=alert(1)>"))
	wantStatus(t, "not an image", p, http.StatusBadRequest)
	wantBody(t, "not an image", p, "Choose a PNG, JPEG or GIF image.")
	p = upload(t, member, "/profile", "/profile/avatar", bytes.Repeat([]byte("x"), 3<<20))
	wantStatus(t, "too large", p, http.StatusBadRequest)
	wantBody(t, "too large", p, "The image is too large")

	wantRedirect(t, "upload logo", upload(t, admin, "/admin/branding", "/admin/branding/logo", pngBytes()), "/admin/branding?done=branding")
	p = e.browser().get("/logo")
	wantStatus(t, "logo", p, http.StatusOK)
	if ct := p.header.Get("Content-Type"); ct != "image/png" {
		t.Errorf("logo Content-Type = %q", ct)
	}
	wantStatus(t, "member uploads a logo", upload(t, member, "/profile", "/admin/branding/logo", pngBytes()), http.StatusForbidden)
}

func TestMemberRefusedAdmin(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, _ := e.signedIn("marie", "Marie", model.RoleMember)
	for _, path := range []string{"/admin/users", "/admin/groups", "/admin/invitations", "/admin/branding", "/admin/bots", "/admin/users/1"} {
		p := b.get(path)
		wantStatus(t, path, p, http.StatusForbidden)
		wantBody(t, path, p, "Access denied", "You are not allowed to do this.")
		if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
			t.Errorf("%s: Content-Type %q", path, p.header.Get("Content-Type"))
		}
	}
	p := b.submit("/profile", "/admin/users", url.Values{"login": {"eve"}, "role": {"admin"}, "password": {"long enough password"}})
	wantStatus(t, "member creates a user", p, http.StatusForbidden)
	p = b.submit("/profile", "/admin/branding", url.Values{"name": {"Pwned"}, "accent_color": {"#000000"}})
	wantStatus(t, "member sets branding", p, http.StatusForbidden)
	if brand, _ := e.accounts.Branding(context.Background()); brand.Name == "Pwned" {
		t.Fatal("a member renamed the organisation")
	}
	wantStatus(t, "unknown page", b.get("/no/such/page"), http.StatusNotFound)
}

func TestAdminPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b, admin := e.signedIn("admin", "Ada", model.RoleAdmin)
	p := b.submit("/admin/users", "/admin/users", url.Values{"login": {"bob"}, "display_name": {"Bob"}, "role": {"member"}, "password": {"bob's long password"}})
	wantStatus(t, "create user", p, http.StatusSeeOther)
	loc := p.header.Get("Location")
	p = b.get(loc)
	wantStatus(t, "user page", p, http.StatusOK)
	wantBody(t, "user page", p, "Bob", "The account is created.", `/role"`, `/disabled"`, `/password"`)
	bob := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/users/"), "?done=created")

	// Same login again: the form comes back with the problem.
	p = b.submit("/admin/users", "/admin/users", url.Values{"login": {"bob"}, "display_name": {"Bob Two"}, "role": {"member"}, "password": {"bob's long password"}})
	wantStatus(t, "duplicate login", p, http.StatusConflict)
	wantBody(t, "duplicate login", p, "already used", `value="Bob Two"`)

	wantRedirect(t, "role", b.submit(loc, "/admin/users/"+bob+"/role", url.Values{"role": {"guest"}}), "/admin/users/"+bob+"?done=user")
	wantRedirect(t, "disable", b.submit(loc, "/admin/users/"+bob+"/disabled", url.Values{"disabled": {"1"}}), "/admin/users/"+bob+"?done=user")
	p = b.get("/admin/users?q=bob")
	wantBody(t, "search", p, "Bob", "Disabled", "Guest")
	if strings.Contains(p.body, `href="/admin/users/`+itoa(admin.ID)+`"`) {
		t.Error("search for bob lists Ada")
	}
	// The last admin cannot demote themself; the page says why.
	p = b.get("/admin/users/" + itoa(admin.ID))
	wantBody(t, "own page", p, "This is your own account")

	// Groups.
	p = b.submit("/admin/groups", "/admin/groups", url.Values{"name": {"Atelier"}, "description": {"Les gens de l'atelier"}})
	wantStatus(t, "create group", p, http.StatusSeeOther)
	gloc := strings.TrimSuffix(p.header.Get("Location"), "?done=group")
	wantRedirect(t, "add member", b.submit(gloc, gloc+"/members", url.Values{"login": {"bob"}}), gloc+"?done=member")
	p = b.submit(gloc, gloc+"/members", url.Values{"login": {"nobody"}})
	wantStatus(t, "add unknown", p, http.StatusBadRequest)
	wantBody(t, "add unknown", p, "Nobody has this login.", `value="nobody"`)
	p = b.get(gloc)
	wantBody(t, "group page", p, "Atelier", "1 member", "/members/"+bob+"/remove")
	wantRedirect(t, "remove member", b.submit(gloc, gloc+"/members/"+bob+"/remove", url.Values{}), gloc+"?done=member")
	p = b.submit(gloc, gloc, url.Values{"name": {""}})
	wantStatus(t, "empty name", p, http.StatusBadRequest)
	wantBody(t, "empty name", p, "Name: enter 1 to 64 characters.")
	wantRedirect(t, "delete group", b.submit(gloc, gloc+"/delete", url.Values{}), "/admin/groups?done=deleted")
	wantStatus(t, "deleted group", b.get(gloc), http.StatusNotFound)

	// Branding.
	p = b.submit("/admin/branding", "/admin/branding", url.Values{"name": {"Coop"}, "accent_color": {"red"}})
	wantStatus(t, "bad colour", p, http.StatusBadRequest)
	wantBody(t, "bad colour", p, "The colour must look like #1a2b3c.")
	wantRedirect(t, "branding", b.submit("/admin/branding", "/admin/branding", url.Values{"name": {"Coop"}, "accent_color": {"#FFD700"}}), "/admin/branding?done=branding")
	p = b.get("/")
	v := regexp.MustCompile(`/branding\.css\?v=([0-9a-f]+)`).FindStringSubmatch(p.body)
	if v == nil {
		t.Fatal("no branding stylesheet link")
	}
	css := b.get("/branding.css?v=" + v[1])
	wantBody(t, "branding.css", css, "--accent:#ffd700;", "--on-accent:#111111;")
	if !strings.Contains(css.header.Get("Cache-Control"), "immutable") {
		t.Errorf("branding.css Cache-Control = %q", css.header.Get("Cache-Control"))
	}
}

func TestInvitationFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.signedIn("admin", "Ada", model.RoleAdmin)
	p := admin.submit("/admin/invitations", "/admin/invitations", url.Values{"role": {"guest"}, "email": {"client@example.com"}, "days": {"7"}, "single_use": {"1"}})
	wantStatus(t, "create invitation", p, http.StatusOK)
	m := regexp.MustCompile(`value="http://ruche\.example/invite/([A-Za-z0-9_-]+)"`).FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no invitation link on the page:\n%.3000s", p.body)
	}
	link := "/invite/" + m[1]
	if strings.Contains(admin.get("/admin/invitations").body, m[1]) {
		t.Error("the invitation secret is shown again")
	}
	p = admin.submit("/admin/invitations", "/admin/invitations", url.Values{"role": {"member"}, "days": {"9999"}})
	wantStatus(t, "bad expiry", p, http.StatusBadRequest)
	wantBody(t, "bad expiry", p, "between 0 (never expires) and 365 days", `value="9999"`)

	guest := e.browser()
	guest.lang = "fr-FR,fr;q=0.9"
	p = guest.get(link)
	wantStatus(t, "invitation page", p, http.StatusOK)
	wantBody(t, "invitation page", p, `lang="fr"`, "en tant qu’invité", `value="client@example.com"`)
	f := url.Values{"login": {"client"}, "display_name": {"Client Fidèle"}, "email": {"client@example.com"},
		"password": {"mon mot de passe"}, "password_confirm": {"mon mot de passe"}}
	wantRedirect(t, "accept", guest.submit(link, link, f), "/")
	p = guest.get("/")
	wantStatus(t, "home as guest", p, http.StatusOK)
	wantBody(t, "home as guest", p, "Client Fidèle")

	p = e.browser().get(link)
	wantStatus(t, "used invitation", p, http.StatusNotFound)
	wantBody(t, "used invitation", p, "Page not found")
	wantStatus(t, "unknown invitation", e.browser().get("/invite/nope"), http.StatusNotFound)
	u, err := e.accounts.UserByLogin(context.Background(), account.Shell, "client")
	if err != nil || u.Role != model.RoleGuest {
		t.Fatalf("invited user = %+v, %v", u, err)
	}
}

func TestLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.user("admin", "Ada", model.RoleAdmin)
	fr := e.browser()
	fr.lang = "fr"
	p := fr.get("/login")
	wantBody(t, "login in French", p, `<html lang="fr"`, "Connexion à Ruche", "Mot de passe")
	p = e.browser().get("/login")
	wantBody(t, "login in English", p, `<html lang="en"`, "Sign in to Ruche")

	// A user who chose English gets English whatever the browser says.
	b, u := e.signedIn("marie", "Marie", model.RoleMember)
	b.lang = "fr"
	wantBody(t, "auto locale", b.get("/"), `lang="fr"`, "Accueil")
	en := "en"
	if _, err := e.accounts.UpdateProfile(context.Background(), account.Shell, u.ID, account.ProfileUpdate{Locale: &en}); err != nil {
		t.Fatal(err)
	}
	p = b.get("/")
	wantBody(t, "chosen English", p, `lang="en"`, ">Home<", "Teams, channels and threads")
	wantBody(t, "chosen English", b.get("/chat"), "Chat arrives in the next version of Ruche.")
	if strings.Contains(p.body, "Accueil") {
		t.Error("French text for a user who chose English")
	}
}

func TestStatic(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := e.browser().get("/setup")
	css := regexp.MustCompile(`href="(/static/app\.[0-9a-f]{8}\.css)"`).FindStringSubmatch(p.body)
	js := regexp.MustCompile(`<script type="module" src="(/static/app\.[0-9a-f]{8}\.js)"></script>`).FindStringSubmatch(p.body)
	if css == nil || js == nil {
		t.Fatalf("no hashed asset links in:\n%.1000s", p.body)
	}
	for _, tc := range []struct{ path, ctype string }{{css[1], "text/css; charset=utf-8"}, {js[1], "text/javascript; charset=utf-8"}} {
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+tc.path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		zipped, _ := io.ReadAll(res.Body)
		res.Body.Close()
		h := res.Header
		if res.StatusCode != 200 || h.Get("Content-Encoding") != "gzip" || h.Get("Cache-Control") != "public, max-age=31536000, immutable" ||
			h.Get("Content-Type") != tc.ctype || !strings.Contains(strings.Join(h.Values("Vary"), ","), "Accept-Encoding") {
			t.Errorf("%s: %d %v", tc.path, res.StatusCode, h)
		}
		zr, err := gzip.NewReader(bytes.NewReader(zipped))
		if err != nil {
			t.Fatalf("%s: not gzip: %v", tc.path, err)
		}
		unzipped, _ := io.ReadAll(zr)
		// Without gzip, the same bytes, uncompressed.
		req, _ = http.NewRequest(http.MethodGet, e.srv.URL+tc.path, nil)
		req.Header.Set("Accept-Encoding", "identity")
		res, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "" || !bytes.Equal(raw, unzipped) || len(raw) == 0 {
			t.Errorf("%s: identity response differs from the gzip one", tc.path)
		}
	}
	for _, path := range []string{"/static/app.00000000.css", "/static/app.css", "/static/icon.svg", "/static/", "/static/app.css.gz"} {
		if p := e.browser().get(path); p.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, p.status)
		}
	}
}

var (
	tagRE        = regexp.MustCompile(`<[a-zA-Z][^>]*>`)
	quotedRE     = regexp.MustCompile(`"[^"]*"|'[^']*'`)
	inlineScript = regexp.MustCompile(`(?i)^<script\b`)
	styleAttr    = regexp.MustCompile(`(?i)\sstyle\s*=`)
	styleElem    = regexp.MustCompile(`(?i)^<style\b`)
	handlerAttr  = regexp.MustCompile(`(?i)\son[a-z]+\s*=`)
)

// checkPage asserts what every HTML page promises under the CSP.
func checkPage(t *testing.T, path string, p page) {
	t.Helper()
	if p.header.Get("Content-Security-Policy") != httpx.CSP {
		t.Errorf("%s: CSP header = %q", path, p.header.Get("Content-Security-Policy"))
	}
	if !strings.HasPrefix(p.header.Get("Content-Type"), "text/html") {
		t.Errorf("%s: Content-Type %q", path, p.header.Get("Content-Type"))
	}
	// Attribute values are quoted by html/template (quotes inside escaped),
	// so what is left of a tag without them is its names.
	for _, tag := range tagRE.FindAllString(p.body, -1) {
		names := quotedRE.ReplaceAllString(tag, `""`)
		if inlineScript.MatchString(names) && !strings.Contains(names, " src=") {
			t.Errorf("%s: inline script %s", path, tag)
		}
		for _, re := range []*regexp.Regexp{styleAttr, styleElem, handlerAttr} {
			if re.MatchString(names) {
				t.Errorf("%s: %s", path, tag)
			}
		}
	}
}

func TestPagesKeepToCSP(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	anon := e.browser()
	checkPage(t, "/setup", anon.get("/setup"))
	e.user("admin", "Ada", model.RoleAdmin)
	b, _ := e.signedIn("root", "Root", model.RoleAdmin)
	checkPage(t, "/login", anon.get("/login"))
	checkPage(t, "wrong password", anon.login("admin", "nope"))
	checkPage(t, "404", anon.get("/nowhere"))
	gp := b.submit("/admin/groups", "/admin/groups", url.Values{"name": {"G"}})
	inv := b.submit("/admin/invitations", "/admin/invitations", url.Values{"role": {"member"}, "days": {"1"}})
	checkPage(t, "invitation created", inv)
	checkPage(t, "token created", b.submit("/profile/tokens", "/profile/tokens", url.Values{"name": {"t"}}))
	paths := []string{"/", "/chat", "/wiki", "/files", "/meet", "/profile", "/profile/sessions", "/profile/tokens",
		"/admin/users", "/admin/users/1", "/admin/groups", strings.TrimSuffix(gp.header.Get("Location"), "?done=group"),
		"/admin/invitations", "/admin/branding", "/admin/bots", "/profile?done=profile"}
	for _, path := range paths {
		p := b.get(path)
		wantStatus(t, path, p, http.StatusOK)
		checkPage(t, path, p)
	}
	link := regexp.MustCompile(`/invite/[A-Za-z0-9_-]+`).FindString(inv.body)
	checkPage(t, link, e.browser().get(link))
}

func TestHostileNamesEscaped(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin, _ := e.signedIn("admin", "Ada", model.RoleAdmin)
	for _, name := range []string{`<script>alert(1)</script>`, `"><img src=x onerror=alert(1)>`} {
		login := "u" + itoa(int64(len(name)))
		e.user(login, name, model.RoleMember)
		victim := e.browser()
		wantRedirect(t, "login", victim.login(login, "correct horse battery"), "/")
		for what, p := range map[string]page{"admin users": admin.get("/admin/users"), "shell": victim.get("/"), "profile": victim.get("/profile")} {
			wantStatus(t, what, p, http.StatusOK)
			if strings.Contains(p.body, name) || strings.Contains(p.body, "<img src=x") || strings.Contains(p.body, "<script>alert") {
				t.Errorf("%s: %q appears unescaped", what, name)
			}
			checkPage(t, what, p)
		}
		wantBody(t, "admin users", admin.get("/admin/users"), template(name))
	}
}

// template is how html/template escapes text.
func template(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;", "&", "&amp;").Replace(s)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
