package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/blob"
	"ruche/internal/bus"
	"ruche/internal/httpx"
	"ruche/internal/model"
	"ruche/internal/testutil"
	"ruche/internal/web"
)

// env is a real server: store, blobs, bus, services, the web handler and
// the middleware chain the app uses, on a loopback port.
type env struct {
	t        *testing.T
	srv      *httptest.Server
	accounts *account.Service
	auth     *auth.Service
}

func newEnv(t *testing.T) *env {
	t.Helper()
	st := testutil.NewStore(t)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := auth.New(st, b, log, auth.Options{})
	acc := account.New(st, blobs, b, a, log, nil)
	netw := httpx.Network{}
	h, err := web.New(web.Deps{Auth: a, Accounts: acc, Net: netw, Log: log, BaseURL: "http://ruche.example", SessionMaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	var handler http.Handler = mux
	handler = httpx.Authenticator{Auth: a, Net: netw, Log: log}.Middleware(handler)
	handler = httpx.Protect(log, handler)
	handler = httpx.Compress(handler)
	handler = httpx.SecurityHeaders(handler)
	handler = httpx.Recover(log, handler)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, accounts: acc, auth: a}
}

// user creates an account directly through the service.
func (e *env) user(login, name string, role model.Role) model.User {
	e.t.Helper()
	u, err := e.accounts.CreateUser(context.Background(), account.Shell, account.NewUser{Login: login, DisplayName: name,
		Role: role, Password: "correct horse battery"})
	if err != nil {
		e.t.Fatalf("create %s: %v", login, err)
	}
	return u
}

// browser is a client with its own cookies that does not follow redirects.
type browser struct {
	e    *env
	c    *http.Client
	lang string
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{e: e, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return page{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.e.srv.URL+path, nil)
	return b.do(req)
}

// post submits a form as is (no CSRF token added).
func (b *browser) post(path string, form url.Values) page {
	b.e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

var csrfRE = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// submit reads the CSRF token from the page at from, then posts form to path.
func (b *browser) submit(from, path string, form url.Values) page {
	b.e.t.Helper()
	p := b.get(from)
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		b.e.t.Fatalf("GET %s (%d): no CSRF token in page", from, p.status)
	}
	form.Set("csrf", m[1])
	return b.post(path, form)
}

func (b *browser) login(login, password string) page {
	b.e.t.Helper()
	return b.submit("/login", "/login", url.Values{"login": {login}, "password": {password}})
}

// signedIn returns a browser signed in as a new user.
func (e *env) signedIn(login, name string, role model.Role) (*browser, model.User) {
	e.t.Helper()
	u := e.user(login, name, role)
	b := e.browser()
	if p := b.login(login, "correct horse battery"); p.status != http.StatusSeeOther {
		e.t.Fatalf("login %s: status %d", login, p.status)
	}
	return b, u
}

func wantStatus(t *testing.T, what string, p page, status int) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d; body:\n%.600s", what, p.status, status, p.body)
	}
}

func wantRedirect(t *testing.T, what string, p page, to string) {
	t.Helper()
	wantStatus(t, what, p, http.StatusSeeOther)
	if got := p.header.Get("Location"); got != to {
		t.Fatalf("%s: redirect to %q, want %q", what, got, to)
	}
}

func wantBody(t *testing.T, what string, p page, parts ...string) {
	t.Helper()
	for _, s := range parts {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: page lacks %q", what, s)
		}
	}
}

// upload posts a multipart form with one file, with the CSRF token of from.
func upload(t *testing.T, b *browser, from, path string, content []byte) page {
	t.Helper()
	m := csrfRE.FindStringSubmatch(b.get(from).body)
	if m == nil {
		t.Fatalf("no CSRF token on %s", from)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("csrf", m[1])
	fw, _ := mw.CreateFormFile("file", "picture.png")
	_, _ = fw.Write(content)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// pngBytes is a small real PNG.
func pngBytes() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range img.Pix {
		img.Pix[i] = 0xc2
	}
	var buf bytes.Buffer
	_ = png.Encode(&buf, img)
	return buf.Bytes()
}
