package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"ruche/internal/auth"
	"ruche/internal/bus"
	"ruche/internal/model"
	"ruche/internal/testutil"
)

// newSession makes a user and opens a session for it on a fresh, migrated
// SQLite store, the way a login does, and returns the service and the
// session token (the value of the session cookie).
func newSession(b *testing.B) (*auth.Service, string) {
	b.Helper()
	ctx := context.Background()
	st := testutil.NewStore(b)
	events := bus.NewLocal()
	b.Cleanup(func() { events.Close() })
	svc := auth.New(st, events, slog.New(slog.DiscardHandler), auth.Options{})
	now := time.Now()
	u, err := st.CreateUser(ctx, model.User{Login: "alice", Email: "alice@example.org", DisplayName: "Alice",
		Role: model.RoleMember, Theme: model.ThemeAuto, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		b.Fatal(err)
	}
	token, _, err := svc.OpenSession(ctx, u, auth.Client{IP: "127.0.0.1", UserAgent: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return svc, token
}

// BenchmarkAuthenticateSession is the work every signed-in request starts
// with: hash the session cookie's token, read the session and its user in
// one query, check expiry and that the account is enabled. Activity is
// written at most once a minute, so this is the read path.
func BenchmarkAuthenticateSession(b *testing.B) {
	svc, token := newSession(b)
	ctx := context.Background()
	if _, err := svc.Authenticate(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Authenticate(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticateSessionParallel is the same from GOMAXPROCS
// goroutines: it shows whether the read pool lets requests authenticate side
// by side.
func BenchmarkAuthenticateSessionParallel(b *testing.B) {
	svc, token := newSession(b)
	ctx := context.Background()
	if _, err := svc.Authenticate(ctx, token); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Authenticate(ctx, token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkUsersMe is a whole API request over loopback HTTP/1.1 with
// keep-alive: GET /api/v1/users/me with a bearer token through the real
// middleware chain (security headers, metrics, gzip, CSRF, authentication)
// and JSON encoding, from GOMAXPROCS clients at once. Allocations count
// both the client and the server, which share the process.
func BenchmarkUsersMe(b *testing.B) {
	srv := testutil.NewServer(b, testutil.ServerOptions{})
	srv.CreateUser(b, "alice", model.RoleMember, "correct horse battery")
	token := srv.Client(b).Login("alice", "correct horse battery")
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	b.Cleanup(client.CloseIdleConnections)
	get := func() error {
		req, err := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/users/me", nil)
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		n, err := io.Copy(io.Discard, resp.Body)
		if err == nil && (resp.StatusCode != http.StatusOK || n == 0) {
			err = fmt.Errorf("GET /api/v1/users/me: status %d, %d bytes", resp.StatusCode, n)
		}
		return err
	}
	if err := get(); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := get(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
