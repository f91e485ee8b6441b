package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"ruche/bench/internal/node"
)

// The chat benchmark's accounts: one admin (made with the shell command),
// then users u0001… made through the API, all with the same password.
const (
	userPassword = "bench: user password, long enough"
	// loginsPerAddress keeps each loopback source address under the login
	// throttle's free burst (30 per address), whatever it counts.
	loginsPerAddress = 25
	setupWorkers     = 4
)

// apiClient calls the JSON API with a bearer token.
type apiClient struct {
	base, token string
	http        *http.Client
}

func newAPIClient(base, token string) *apiClient {
	return &apiClient{base: base, token: token, http: &http.Client{Timeout: 60 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: setupWorkers * 2}}}
}

func (c *apiClient) close() { c.http.CloseIdleConnections() }

// call sends in (when not nil) as JSON and decodes the answer into out (when
// not nil); any status but want is an error that quotes the answer.
func (c *apiClient) call(ctx context.Context, method, path string, in, out any, want int) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: status %d, want %d: %.300s", method, path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: %w", method, path, err)
		}
	}
	return nil
}

// parallel runs fn(0…n-1) on workers goroutines and returns the first
// error; after an error, the remaining calls are not started.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range min(workers, max(n, 1)) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || ctx.Err() != nil {
					return
				}
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

// benchUser is a user of the workspace and its session token.
type benchUser struct {
	ID    int64
	Login string
	Token string
}

// workspace is what the setup made.
type workspace struct {
	admin    *apiClient
	users    []benchUser
	teams    []int64
	channels []int64

	// How long each step of the setup took.
	tUsers, tStructure, tLogins time.Duration
	addresses                   int // loopback source addresses the logins came from
}

// server is one ruche process of a scenario: its data folder and database,
// so that it can be restarted on the same data.
type server struct {
	r        *rig
	data     string
	database string // "" for SQLite in the data folder
	proc     *node.Process
	starts   int
}

// start runs `ruche serve` on a free loopback port and waits until healthy.
func (s *server) start(ctx context.Context) error {
	addr, err := node.FreeAddr()
	if err != nil {
		return err
	}
	args := []string{"serve", "--addr", addr, "--data", s.data}
	if s.database != "" {
		args = append(args, "--database", s.database)
	}
	s.starts++
	p, err := node.Start(s.r.ruche, args, addr, fmt.Sprintf("%s-%d.log", s.data, s.starts))
	if err != nil {
		return err
	}
	s.r.procs = append(s.r.procs, p)
	s.proc = p
	_, err = p.Healthy(ctx, "/healthz", pollEvery, 60*time.Second)
	return err
}

// stop ends the server (SIGTERM, then SIGKILL).
func (s *server) stop() {
	if s.proc != nil {
		s.proc.Stop(stopGrace)
		s.proc = nil
	}
}

// restart stops the server and starts it again on the same data.
func (s *server) restart(ctx context.Context) error {
	s.stop()
	return s.start(ctx)
}

// createAdmin makes the first admin with `ruche admin user create`, as an
// operator would, on the server's database.
func (s *server) createAdmin(ctx context.Context) error {
	pwFile := s.r.path("password")
	if err := os.WriteFile(pwFile, []byte(adminPassword+"\n"), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	args := []string{"admin", "user", "create", "--data", s.data, "--login", adminLogin, "--role", "admin", "--password-file", pwFile}
	if s.database != "" {
		args = append(args, "--database", s.database)
	}
	if out, err := exec.CommandContext(ctx, s.r.ruche, args...).CombinedOutput(); err != nil {
		return fmt.Errorf("ruche admin user create: %w\n%s", err, out)
	}
	return nil
}

// loginFrom signs in through POST /api/v1/sessions from the loopback source
// address ip, and returns the session token.
func loginFrom(ctx context.Context, base, ip, login, password string) (string, error) {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DialContext: d.DialContext, DisableKeepAlives: true}}
	defer c.CloseIdleConnections()
	return apiLogin(ctx, c, base, login, password)
}

// sourceAddress is the loopback address that login number i comes from:
// 127.0.0.2 for the first loginsPerAddress, then 127.0.0.3, and so on.
func sourceAddress(i int) string {
	n := i / loginsPerAddress
	return fmt.Sprintf("127.0.%d.%d", n/250, n%250+2)
}

// setupWorkspace makes, through the API, nUsers users, nTeams teams and
// nChannels public channels (spread over the teams), puts every user in every
// team and channel, then signs every user in.
func setupWorkspace(ctx context.Context, s *server, nUsers, nTeams, nChannels int) (*workspace, error) {
	base := s.proc.URL
	progress("chat: signing in as the admin")
	adminToken, err := loginFrom(ctx, base, "127.0.0.1", adminLogin, adminPassword)
	if err != nil {
		return nil, err
	}
	ws := &workspace{admin: newAPIClient(base, adminToken), users: make([]benchUser, nUsers)}

	progress("chat: creating %d users (POST /api/v1/users, each hashes a password)", nUsers)
	t0 := time.Now()
	err = parallel(ctx, nUsers, setupWorkers, func(ctx context.Context, i int) error {
		login := fmt.Sprintf("u%04d", i+1)
		var u struct {
			ID int64 `json:"id"`
		}
		if err := ws.admin.call(ctx, http.MethodPost, "/api/v1/users", map[string]string{
			"login": login, "display_name": fmt.Sprintf("Bench User %d", i+1), "role": "member", "password": userPassword,
		}, &u, http.StatusCreated); err != nil {
			return err
		}
		ws.users[i] = benchUser{ID: u.ID, Login: login}
		return nil
	})
	if err != nil {
		return nil, err
	}
	ws.tUsers = time.Since(t0)

	progress("chat: creating %d team(s) and %d channels, adding every user to each", nTeams, nChannels)
	t0 = time.Now()
	for i := range nTeams {
		var t struct {
			ID int64 `json:"id"`
		}
		if err := ws.admin.call(ctx, http.MethodPost, "/api/v1/teams", map[string]any{
			"name": fmt.Sprintf("bench%d", i+1), "display_name": fmt.Sprintf("Bench %d", i+1), "open": true,
		}, &t, http.StatusCreated); err != nil {
			return nil, err
		}
		ws.teams = append(ws.teams, t.ID)
	}
	for i := range nChannels {
		var c struct {
			ID int64 `json:"id"`
		}
		team := ws.teams[i%nTeams]
		if err := ws.admin.call(ctx, http.MethodPost, "/api/v1/teams/"+strconv.FormatInt(team, 10)+"/channels", map[string]any{
			"name": fmt.Sprintf("room-%02d", i+1), "display_name": fmt.Sprintf("Room %d", i+1), "kind": "public",
		}, &c, http.StatusCreated); err != nil {
			return nil, err
		}
		ws.channels = append(ws.channels, c.ID)
	}
	err = parallel(ctx, nTeams*nUsers, setupWorkers, func(ctx context.Context, i int) error {
		team, u := ws.teams[i/nUsers], ws.users[i%nUsers]
		return ws.admin.call(ctx, http.MethodPost, "/api/v1/teams/"+strconv.FormatInt(team, 10)+"/members",
			map[string]any{"user_id": u.ID}, nil, http.StatusNoContent)
	})
	if err != nil {
		return nil, err
	}
	err = parallel(ctx, nChannels*nUsers, setupWorkers, func(ctx context.Context, i int) error {
		ch, u := ws.channels[i/nUsers], ws.users[i%nUsers]
		return ws.admin.call(ctx, http.MethodPost, "/api/v1/channels/"+strconv.FormatInt(ch, 10)+"/members",
			map[string]any{"user_id": u.ID}, nil, http.StatusNoContent)
	})
	if err != nil {
		return nil, err
	}
	ws.tStructure = time.Since(t0)

	progress("chat: signing the %d users in (POST /api/v1/sessions from %d loopback addresses)",
		nUsers, (nUsers+loginsPerAddress-1)/loginsPerAddress)
	t0 = time.Now()
	err = parallel(ctx, nUsers, setupWorkers, func(ctx context.Context, i int) error {
		tok, err := loginFrom(ctx, base, sourceAddress(i), ws.users[i].Login, userPassword)
		if err != nil {
			return fmt.Errorf("login %s from %s: %w", ws.users[i].Login, sourceAddress(i), err)
		}
		ws.users[i].Token = tok
		return nil
	})
	if err != nil {
		return nil, err
	}
	ws.tLogins = time.Since(t0)
	ws.addresses = (nUsers + loginsPerAddress - 1) / loginsPerAddress
	return ws, nil
}

// errorLines counts the lines of a server log at level ERROR, and returns
// the first few.
func errorLines(log string, keep int) (int, []string) {
	n := 0
	var first []string
	for _, l := range bytes.Split([]byte(log), []byte("\n")) {
		if bytes.Contains(l, []byte("level=ERROR")) {
			n++
			if len(first) < keep {
				first = append(first, string(l))
			}
		}
	}
	return n, first
}

// dialect names the server's database for the report.
func (s *server) dialect() string {
	if s.database != "" {
		return "PostgreSQL"
	}
	return "SQLite"
}
