package testutil

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ruche/internal/account"
	"ruche/internal/app"
	"ruche/internal/config"
	"ruche/internal/model"
	"ruche/internal/store"
)

// ServerOptions tune NewServer.
type ServerOptions struct {
	Database string // DSN; default a fresh SQLite file (or PostgreSQL, see NewStore)
	Bus      string // "" in-process
	Data     string // data folder; default a temp dir
}

// Server is a real Ruche node on a loopback port.
type Server struct {
	URL string
	App *app.App
}

// NewServer starts the real app (real router, store, blob folder and bus)
// on 127.0.0.1 and stops it at the end of the test.
func NewServer(t testing.TB, opt ServerOptions) *Server {
	t.Helper()
	if opt.Data == "" {
		opt.Data = t.TempDir()
	}
	if opt.Database == "" {
		opt.Database = filepath.Join(opt.Data, "ruche.db")
		if os.Getenv("RUCHE_TEST_DIALECT") == string(store.Postgres) && PostgresURL() != "" {
			opt.Database = FreshPostgres(t)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := config.Config{Addr: ln.Addr().String(), Data: opt.Data, Database: opt.Database, Bus: opt.Bus,
		LogFormat: "text", LogLevel: "warn", SQLiteSynchronous: "normal"}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		cancel()
		t.Fatalf("open app: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln, 5*time.Second) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		a.Close()
	})
	return &Server{URL: "http://" + ln.Addr().String(), App: a}
}

// testWriter sends the server's log to the test's, shown on failure.
type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// CreateUser makes an account directly, as `ruche admin user create` does.
func (s *Server) CreateUser(t testing.TB, login string, role model.Role, password string) model.User {
	t.Helper()
	u, err := s.App.Accounts.CreateUser(context.Background(), account.Shell, account.NewUser{
		Login: login, Email: login + "@example.org", DisplayName: strings.ToUpper(login[:1]) + login[1:], Role: role, Password: password})
	if err != nil {
		t.Fatalf("create user %s: %v", login, err)
	}
	return u
}

// Client is an HTTP client with its own cookie jar, like one browser.
type Client struct {
	t      testing.TB
	base   string
	HTTP   *http.Client
	Bearer string // sent as Authorization: Bearer when set
	CSRF   string // sent as X-CSRF-Token when set
}

// Client returns a new client without cookies.
func (s *Server) Client(t testing.TB) *Client {
	jar, _ := cookiejar.New(nil)
	return &Client{t: t, base: s.URL, HTTP: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Do sends a request with an optional JSON body and returns the response
// with its body read.
func (c *Client) Do(method, path string, body any, header ...string) (*http.Response, []byte) {
	c.t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/octet-stream"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd, ct = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if ct != "" {
		req.Header.Set("Content-Type", ct)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	if c.CSRF != "" {
		req.Header.Set("X-CSRF-Token", c.CSRF)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return resp, data
}

// JSON sends a request and decodes the JSON answer into out (if not nil),
// returning the status.
func (c *Client) JSON(method, path string, body, out any) int {
	c.t.Helper()
	resp, data := c.Do(method, path, body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, data, err)
		}
	}
	return resp.StatusCode
}

// Login signs in through the API; the client keeps the cookie and the CSRF
// token, and remembers the session token.
func (c *Client) Login(login, password string) (token string) {
	c.t.Helper()
	var out struct {
		Token     string `json:"token"`
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.JSON("POST", "/api/v1/sessions", map[string]string{"login": login, "password": password}, &out); st != http.StatusCreated {
		c.t.Fatalf("login %s: status %d", login, st)
	}
	c.CSRF = out.CSRFToken
	return out.Token
}
