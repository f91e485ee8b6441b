package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

const pw = "correct horse battery"

type problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field"`
}

func TestContract(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "alice", model.RoleAdmin, pw)
	c := srv.Client(t)

	var login struct {
		Token string     `json:"token"`
		User  model.User `json:"user"`
	}
	resp, body := c.Do("POST", "/api/v1/sessions", `{"login":"Alice","password":"`+pw+`"}`)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"token"`) {
		t.Fatalf("login: %d %s", resp.StatusCode, body)
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"ruche_session=", "HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("session cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, "Secure") {
		t.Errorf("plain-HTTP cookie marked Secure: %q", cookie)
	}
	if err := json.Unmarshal(body, &login); err != nil || login.User.Login != "alice" {
		t.Fatalf("login body: %s %v", body, err)
	}

	var me model.User
	if st := c.JSON("GET", "/api/v1/users/me", nil, &me); st != 200 || me.Login != "alice" || me.Role != model.RoleAdmin {
		t.Fatalf("me by cookie: %d %+v", st, me)
	}
	bearer := srv.Client(t)
	bearer.Bearer = login.Token
	if st := bearer.JSON("GET", "/api/v1/users/me", nil, &me); st != 200 || me.Login != "alice" {
		t.Fatalf("me by session token: %d", st)
	}
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if st := bearer.JSON("POST", "/api/v1/users/me/tokens", map[string]string{"name": "ci"}, &tok); st != 201 || !strings.HasPrefix(tok.Token, "rpat_") {
		t.Fatalf("create token: %d %+v", st, tok)
	}
	pat := srv.Client(t)
	pat.Bearer = tok.Token
	if st := pat.JSON("GET", "/api/v1/users/me", nil, &me); st != 200 || me.Login != "alice" {
		t.Fatalf("me by API token: %d", st)
	}
	var p problem
	if st := srv.Client(t).JSON("GET", "/api/v1/users/me", nil, &p); st != 401 || p.Code != "unauthorized" || p.Message == "" {
		t.Fatalf("anonymous me: %d %+v", st, p)
	}
	if st := srv.Client(t).JSON("GET", "/api/v1/nope", nil, &p); st != 404 || p.Code != "not_found" {
		t.Fatalf("unknown endpoint: %d %+v", st, p)
	}
	if st := bearer.JSON("DELETE", "/api/v1/sessions/current", nil, nil); st != 204 {
		t.Fatalf("logout: %d", st)
	}
	if st := bearer.JSON("GET", "/api/v1/users/me", nil, nil); st != 401 {
		t.Fatalf("after logout: %d", st)
	}
	resp, _ = srv.Client(t).Do("GET", "/healthz", nil)
	if resp.StatusCode != 200 {
		t.Fatalf("healthz: %d", resp.StatusCode)
	}
}

func TestSessionFixation(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "bob", model.RoleMember, pw)
	c := srv.Client(t)
	first := c.Login("bob", pw)
	second := c.Login("bob", pw)
	if first == second {
		t.Fatal("a second login reused the session token")
	}
	old := srv.Client(t)
	old.Bearer = first
	if st := old.JSON("GET", "/api/v1/users/me", nil, nil); st != 401 {
		t.Fatalf("the session the new login replaced still works: %d", st)
	}
	// A token planted in the cookie before login is not adopted.
	planted := srv.Client(t)
	resp, _ := planted.Do("POST", "/api/v1/sessions", map[string]string{"login": "bob", "password": pw}, "Cookie", "ruche_session=attacker-chosen-value")
	if !strings.Contains(resp.Header.Get("Set-Cookie"), "ruche_session=") || strings.Contains(resp.Header.Get("Set-Cookie"), "attacker-chosen-value") {
		t.Fatalf("login kept the planted cookie: %q", resp.Header.Get("Set-Cookie"))
	}
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "carol", model.RoleMember, pw)
	c := srv.Client(t)
	c.Login("carol", pw)
	token := c.CSRF

	c.CSRF = ""
	var p problem
	if st := c.JSON("POST", "/api/v1/users/me/tokens", map[string]string{"name": "x"}, &p); st != 403 || p.Code != "csrf" {
		t.Fatalf("cookie POST without CSRF token: %d %+v", st, p)
	}
	c.CSRF = "wrong" + token[5:]
	if st := c.JSON("PATCH", "/api/v1/users/me", map[string]string{"display_name": "x"}, &p); st != 403 || p.Code != "csrf" {
		t.Fatalf("cookie PATCH with a wrong CSRF token: %d %+v", st, p)
	}
	c.CSRF = token
	if st := c.JSON("POST", "/api/v1/users/me/tokens", map[string]string{"name": "x"}, nil); st != 201 {
		t.Fatalf("with CSRF token: %d", st)
	}
	// A cross-site request is refused even with the token.
	resp, body := c.Do("PATCH", "/api/v1/users/me", `{"display_name":"evil"}`, "Origin", "http://evil.example", "Sec-Fetch-Site", "cross-site")
	if resp.StatusCode != 403 {
		t.Fatalf("cross-site request: %d %s", resp.StatusCode, body)
	}
	// A cross-site form can't log someone in: a login must be JSON or carry the form token.
	resp, _ = srv.Client(t).Do("POST", "/api/v1/sessions", []byte("login=carol&password=x"), "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != 403 {
		t.Fatalf("form-encoded anonymous login without token: %d", resp.StatusCode)
	}
	var me model.User
	c.JSON("GET", "/api/v1/users/me", nil, &me)
	if me.DisplayName != "Carol" {
		t.Fatalf("a refused request changed the profile: %q", me.DisplayName)
	}
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "dave", model.RoleMember, pw)
	c := srv.Client(t)
	for i := range 5 {
		if st := c.JSON("POST", "/api/v1/sessions", map[string]string{"login": "dave", "password": fmt.Sprint("guess", i)}, nil); st != 401 {
			t.Fatalf("attempt %d: %d", i, st)
		}
	}
	resp, body := c.Do("POST", "/api/v1/sessions", map[string]string{"login": "dave", "password": pw})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "try again in") {
		t.Fatalf("after 5 failures, even the right password must wait: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Another account is not locked by the attack on this one.
	srv.CreateUser(t, "erin", model.RoleMember, pw)
	if st := c.JSON("POST", "/api/v1/sessions", map[string]string{"login": "erin", "password": pw}, nil); st != 201 {
		t.Fatalf("other account: %d", st)
	}
}

// TestRoles tries every admin endpoint as anonymous, guest and member, and
// checks that nothing was changed.
func TestRoles(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	admin := srv.CreateUser(t, "root", model.RoleAdmin, pw)
	srv.CreateUser(t, "gwen", model.RoleGuest, pw)
	srv.CreateUser(t, "mick", model.RoleMember, pw)
	ac := srv.Client(t)
	ac.Login("root", pw)
	var g model.Group
	ac.JSON("POST", "/api/v1/groups", map[string]string{"name": "Staff"}, &g)

	type call struct {
		method, path, body string
		member             int // expected status for a member; guests and anonymous get 403 / 401 on all
	}
	uid := fmt.Sprint(admin.ID)
	calls := []call{
		{"GET", "/api/v1/users", "", 200},
		{"GET", "/api/v1/users/" + uid, "", 200},
		{"POST", "/api/v1/users", `{"login":"x1","password":"12345678x","role":"admin"}`, 403},
		{"PATCH", "/api/v1/users/" + uid, `{"role":"guest"}`, 403},
		{"PATCH", "/api/v1/users/" + uid, `{"disabled":true}`, 403},
		{"PATCH", "/api/v1/users/" + uid, `{"display_name":"pwned"}`, 403},
		{"PUT", "/api/v1/users/" + uid + "/password", `{"password":"12345678x"}`, 403},
		{"GET", "/api/v1/groups", "", 200},
		{"POST", "/api/v1/groups", `{"name":"x"}`, 403},
		{"PATCH", fmt.Sprint("/api/v1/groups/", g.ID), `{"name":"y"}`, 403},
		{"DELETE", fmt.Sprint("/api/v1/groups/", g.ID), "", 403},
		{"PUT", fmt.Sprint("/api/v1/groups/", g.ID, "/members/", admin.ID), "", 403},
		{"GET", "/api/v1/invitations", "", 200}, // their own: none
		{"POST", "/api/v1/invitations", `{"role":"member"}`, 403},
		{"POST", "/api/v1/invitations", `{"role":"admin"}`, 403},
		{"PATCH", "/api/v1/branding", `{"name":"pwned"}`, 403},
		{"GET", "/metrics", "", 200}, // loopback: allowed for the machine's own scraper
	}
	for _, who := range []string{"anonymous", "gwen", "mick"} {
		c := srv.Client(t)
		if who != "anonymous" {
			c.Bearer = c.Login(who, pw)
		}
		for _, k := range calls {
			want := k.member
			switch who {
			case "anonymous":
				want = 401
			case "gwen":
				want = 403
			}
			if who == "gwen" && k.path == "/api/v1/invitations" && k.method == "GET" {
				want = 403
			}
			if k.path == "/metrics" {
				want = 200
			}
			var body any
			if k.body != "" {
				body = k.body
			}
			resp, data := c.Do(k.method, k.path, body)
			if resp.StatusCode != want {
				t.Errorf("%s %s %s: %d, want %d (%s)", who, k.method, k.path, resp.StatusCode, want, data)
			}
		}
	}
	var me model.User
	ac.JSON("GET", "/api/v1/users/me", nil, &me)
	var b model.Branding
	ac.JSON("GET", "/api/v1/branding", nil, &b)
	var got struct {
		model.Group
		Members []model.User `json:"members"`
	}
	ac.JSON("GET", fmt.Sprint("/api/v1/groups/", g.ID), nil, &got)
	if me.Role != model.RoleAdmin || me.Disabled || me.DisplayName != "Root" || b.Name != "Ruche" || got.Name != "Staff" || len(got.Members) != 0 {
		t.Fatalf("a refused call changed something: %+v %+v %+v", me, b, got)
	}
	if n, _ := srv.App.Store.CountUsers(t.Context()); n != 3 {
		t.Fatalf("users: %d", n)
	}
}

func TestRevocationStopsEveryCredential(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "admin", model.RoleAdmin, pw)
	victim := srv.CreateUser(t, "frank", model.RoleMember, pw)
	cookie := srv.Client(t)
	cookie.Login("frank", pw)
	bearer := srv.Client(t)
	bearer.Bearer = bearer.Login("frank", pw)
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	bearer.JSON("POST", "/api/v1/users/me/tokens", map[string]string{"name": "script"}, &tok)
	pat := srv.Client(t)
	pat.Bearer = tok.Token
	all := map[string]*testutil.Client{"cookie": cookie, "session token": bearer, "api token": pat}
	for name, c := range all {
		if st := c.JSON("GET", "/api/v1/users/me", nil, nil); st != 200 {
			t.Fatalf("%s before: %d", name, st)
		}
	}
	// Revoking the API token stops it at once.
	if st := bearer.JSON("DELETE", fmt.Sprint("/api/v1/users/me/tokens/", tok.ID), nil, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	if st := pat.JSON("GET", "/api/v1/users/me", nil, nil); st != 401 {
		t.Fatalf("revoked token still works: %d", st)
	}
	bearer.JSON("POST", "/api/v1/users/me/tokens", map[string]string{"name": "script2"}, &tok)
	pat.Bearer = tok.Token

	// Disabling the account stops every credential at once.
	admin := srv.Client(t)
	admin.Login("admin", pw)
	if st := admin.JSON("PATCH", fmt.Sprint("/api/v1/users/", victim.ID), map[string]any{"disabled": true}, nil); st != 200 {
		t.Fatalf("disable: %d", st)
	}
	for name, c := range all {
		if st := c.JSON("GET", "/api/v1/users/me", nil, nil); st != 401 {
			t.Errorf("%s of a disabled user: %d", name, st)
		}
	}
	if st := srv.Client(t).JSON("POST", "/api/v1/sessions", map[string]string{"login": "frank", "password": pw}, nil); st != 403 {
		t.Errorf("disabled user logs in: %d", st)
	}
	// Enabled again: the old sessions stay ended, the API token works again
	// (it was suspended with the account, not revoked).
	admin.JSON("PATCH", fmt.Sprint("/api/v1/users/", victim.ID), map[string]any{"disabled": false}, nil)
	if st := cookie.JSON("GET", "/api/v1/users/me", nil, nil); st != 401 {
		t.Errorf("old session after re-enabling: %d", st)
	}
	if st := pat.JSON("GET", "/api/v1/users/me", nil, nil); st != 200 {
		t.Errorf("api token after re-enabling: %d", st)
	}
}

func TestPasswordChangeEndsOtherSessions(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "gina", model.RoleMember, pw)
	a, b := srv.Client(t), srv.Client(t)
	a.Login("gina", pw)
	b.Login("gina", pw)
	var p problem
	if st := a.JSON("PUT", "/api/v1/users/me/password", map[string]string{"current_password": "nope", "new_password": "another long one"}, &p); st != 400 || p.Field != "current_password" {
		t.Fatalf("wrong current password: %d %+v", st, p)
	}
	if st := a.JSON("PUT", "/api/v1/users/me/password", map[string]string{"current_password": pw, "new_password": "short"}, &p); st != 400 || p.Field != "password" {
		t.Fatalf("short new password: %d %+v", st, p)
	}
	if st := a.JSON("PUT", "/api/v1/users/me/password", map[string]string{"current_password": pw, "new_password": "another long one"}, nil); st != 204 {
		t.Fatalf("change: %d", st)
	}
	if st := a.JSON("GET", "/api/v1/users/me", nil, nil); st != 200 {
		t.Fatalf("the session that changed the password: %d", st)
	}
	if st := b.JSON("GET", "/api/v1/users/me", nil, nil); st != 401 {
		t.Fatalf("other session after password change: %d", st)
	}
	if st := srv.Client(t).JSON("POST", "/api/v1/sessions", map[string]string{"login": "gina", "password": "another long one"}, nil); st != 201 {
		t.Fatalf("login with the new password: %d", st)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "hank", model.RoleAdmin, pw)
	c := srv.Client(t)
	c.Bearer = c.Login("hank", pw)
	huge := strings.Repeat("a", 70<<10)
	for _, tc := range []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"POST", "/api/v1/users", `{"login":`, 400, "body"},
		{"POST", "/api/v1/users", `[1,2]`, 400, "body"},
		{"POST", "/api/v1/users", `{"login":"ok"}{"login":"again"}`, 400, "body"},
		{"POST", "/api/v1/users", `{"login":"x2","password":"12345678","role":"member","admin":true}`, 400, "admin"},
		{"POST", "/api/v1/users", `{"login":42,"password":"12345678","role":"member"}`, 400, "login"},
		{"POST", "/api/v1/users", `{"login":"` + huge + `"}`, 413, "body"},
		{"POST", "/api/v1/users", `{"login":"","password":"12345678","role":"member"}`, 400, "login"},
		{"POST", "/api/v1/users", `{"login":"` + strings.Repeat("a", 65) + `","password":"12345678","role":"member"}`, 400, "login"},
		{"POST", "/api/v1/users", `{"login":"../etc","password":"12345678","role":"member"}`, 400, "login"},
		{"POST", "/api/v1/users", `{"login":"ünï","password":"12345678","role":"member"}`, 400, "login"},
		{"POST", "/api/v1/users", `{"login":"ivy","email":"not-an-email","password":"12345678","role":"member"}`, 400, "email"},
		{"POST", "/api/v1/users", `{"login":"ivy","email":"Ivy <ivy@example.org>","password":"12345678","role":"member"}`, 400, "email"},
		{"POST", "/api/v1/users", `{"login":"ivy","display_name":"a\u202eevil","password":"12345678","role":"member"}`, 400, "display_name"},
		{"POST", "/api/v1/users", `{"login":"ivy","display_name":"` + strings.Repeat("é", 65) + `","password":"12345678","role":"member"}`, 400, "display_name"},
		{"POST", "/api/v1/users", `{"login":"ivy","password":"1234567","role":"member"}`, 400, "password"},
		{"POST", "/api/v1/users", `{"login":"ivy","password":"` + strings.Repeat("p", 1025) + `","role":"member"}`, 400, "password"},
		{"POST", "/api/v1/users", `{"login":"ivy","password":"12345678","role":"owner"}`, 400, "role"},
		{"POST", "/api/v1/users", `{"login":"hank","password":"12345678","role":"member"}`, 409, "login"},
		{"PATCH", "/api/v1/users/me", `{"time_zone":"Mars/Olympus"}`, 400, "time_zone"},
		{"PATCH", "/api/v1/users/me", `{"time_zone":"../../etc/passwd"}`, 400, "time_zone"},
		{"PATCH", "/api/v1/users/me", `{"locale":"de"}`, 400, "locale"},
		{"PATCH", "/api/v1/users/me", `{"theme":"pink"}`, 400, "theme"},
		{"PATCH", "/api/v1/users/abc", `{}`, 400, "id"},
		{"PATCH", "/api/v1/branding", `{"accent_color":"red; }"}`, 400, "accent_color"},
		{"POST", "/api/v1/users/me/tokens", `{"name":""}`, 400, "name"},
		{"POST", "/api/v1/invitations", `{"role":"member","expires_in_hours":-5}`, 400, "expires_in_hours"},
		{"PUT", "/api/v1/users/me/avatar", "", 400, "file"},
		{"PUT", "/api/v1/users/me/avatar", "<svg onload=alert(1)>", 400, "file"},
	} {
		var body any = tc.body
		var p problem
		resp, data := c.Do(tc.method, tc.path, body)
		_ = p
		if resp.StatusCode != tc.status || !strings.Contains(string(data), `"field":"`+tc.field+`"`) || !strings.Contains(string(data), `"message":"`) {
			t.Errorf("%s %s %.80s: %d %s; want %d on field %s", tc.method, tc.path, tc.body, resp.StatusCode, data, tc.status, tc.field)
		}
	}
	if n, _ := srv.App.Store.CountUsers(t.Context()); n != 1 {
		t.Fatalf("bad input created users: %d", n)
	}
	var me model.User
	c.JSON("GET", "/api/v1/users/me", nil, &me)
	if me.TimeZone != "" || me.Locale != "" || me.Theme != model.ThemeAuto {
		t.Fatalf("bad input changed the profile: %+v", me)
	}
	good := `{"login":" Ivy.Le-Roux ","email":"IVY@Example.org","display_name":"  Ivy Le Roux 🐝 ","password":"12345678","role":"member"}`
	var u model.User
	if st := c.JSON("POST", "/api/v1/users", good, &u); st != 201 || u.Login != "ivy.le-roux" || u.Email != "ivy@example.org" || u.DisplayName != "Ivy Le Roux 🐝" {
		t.Fatalf("normalised create: %d %+v", st, u)
	}
}

func TestInvitations(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "boss", model.RoleAdmin, pw)
	c := srv.Client(t)
	c.Login("boss", pw)
	var inv struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	if st := c.JSON("POST", "/api/v1/invitations", map[string]any{"role": "guest", "single_use": true, "expires_in_hours": 48}, &inv); st != 201 {
		t.Fatalf("create: %d", st)
	}
	secret := inv.URL[strings.LastIndex(inv.URL, "/")+1:]
	if !strings.HasPrefix(inv.URL, srv.URL+"/invite/") && !strings.Contains(inv.URL, "/invite/") || len(secret) < 40 {
		t.Fatalf("invitation url %q", inv.URL)
	}
	guest := srv.Client(t)
	var out struct {
		User model.User `json:"user"`
	}
	if st := guest.JSON("POST", "/api/v1/invitations/accept", map[string]string{"token": secret, "login": "client", "password": "12345678", "role": "admin"}, nil); st != 400 {
		t.Fatalf("choosing one's role: %d", st)
	}
	if st := guest.JSON("POST", "/api/v1/invitations/accept", map[string]string{"token": secret, "login": "client", "password": "12345678"}, &out); st != 201 || out.User.Role != model.RoleGuest {
		t.Fatalf("accept: %d %+v", st, out)
	}
	if st := guest.JSON("GET", "/api/v1/users/me", nil, nil); st != 200 {
		t.Fatalf("signed in after accepting: %d", st)
	}
	if st := srv.Client(t).JSON("POST", "/api/v1/invitations/accept", map[string]string{"token": secret, "login": "client2", "password": "12345678"}, nil); st != 404 {
		t.Fatalf("second use of a single-use link: %d", st)
	}
	if st := srv.Client(t).JSON("POST", "/api/v1/invitations/accept", map[string]string{"token": "forged", "login": "client3", "password": "12345678"}, nil); st != 404 {
		t.Fatalf("forged token: %d", st)
	}
	c.JSON("POST", "/api/v1/invitations", map[string]any{"role": "member"}, &inv)
	if st := c.JSON("DELETE", fmt.Sprint("/api/v1/invitations/", inv.ID), nil, nil); st != 204 {
		t.Fatalf("revoke: %d", st)
	}
	secret = inv.URL[strings.LastIndex(inv.URL, "/")+1:]
	if st := srv.Client(t).JSON("POST", "/api/v1/invitations/accept", map[string]string{"token": secret, "login": "late", "password": "12345678"}, nil); st != 404 {
		t.Fatalf("revoked link: %d", st)
	}
}

func TestCompressedAndSecured(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	srv.CreateUser(t, "ida", model.RoleAdmin, pw)
	c := srv.Client(t)
	c.Bearer = c.Login("ida", pw)
	for i := range 30 {
		c.JSON("POST", "/api/v1/groups", map[string]string{"name": fmt.Sprint("Group number ", i), "description": "a group"}, nil)
	}
	req, _ := http.NewRequest("GET", srv.URL+"/api/v1/groups", nil)
	req.Header.Set("Authorization", "Bearer "+c.Bearer)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("JSON not compressed: %v", resp.Header)
	}
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
		if resp.Header.Get(h) == "" {
			t.Errorf("missing header %s", h)
		}
	}
}
