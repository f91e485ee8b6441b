//go:build unix

package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "modernc.org/sqlite" // read-only integrity check of the database file

	"ruche/internal/testutil"
)

// Crash safety: the real binary, a burst of acknowledged writes, a SIGKILL
// (or SIGTERM) at a random moment, a restart on the same data, and the
// invariants of SECURITY.md (Durability): no acknowledged write lost, no
// duplicate, database consistent.
//
// The kill delays come from a seed that is logged; RUCHE_CRASH_SEED=<n>
// replays a run.

const (
	crashWriters  = 8
	crashCycles   = 3
	adminLogin    = "admin"
	adminPassword = "crash-test-password"

	minKillDelay   = 200 * time.Millisecond
	maxKillDelay   = 1500 * time.Millisecond
	testBudget     = 55 * time.Second // each top-level test, everything included
	startTimeout   = 20 * time.Second
	killTimeout    = 10 * time.Second
	shutdownGrace  = 20 * time.Second // the server's (internal/cli)
	termTimeout    = shutdownGrace + 5*time.Second
	requestTimeout = 10 * time.Second
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// rucheBinary builds ./cmd/ruche once per test run and returns its path.
func rucheBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
		if err != nil {
			buildErr = fmt.Errorf("go env GOMOD: %v", err)
			return
		}
		gomod := strings.TrimSpace(string(out))
		if gomod == "" || gomod == os.DevNull {
			buildErr = errors.New("go env GOMOD: not inside the ruche module")
			return
		}
		if binDir, err = os.MkdirTemp("", "ruche-e2e-"); err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(binDir, "ruche")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", binPath, "./cmd/ruche")
		cmd.Dir = filepath.Dir(gomod)
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build ./cmd/ruche: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// crashRand returns the random source of one test, logging its seed.
func crashRand(t *testing.T) *rand.Rand {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("RUCHE_CRASH_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("RUCHE_CRASH_SEED: %v", err)
		}
		seed = v
	}
	t.Logf("seed %d (RUCHE_CRASH_SEED=%d replays the kill delays)", seed, seed)
	return rand.New(rand.NewPCG(seed, 0x5eed))
}

func killDelay(r *rand.Rand) time.Duration {
	return minKillDelay + time.Duration(r.Int64N(int64(maxKillDelay-minKillDelay)+1))
}

// TestCrashSIGKILLSQLite kills the server mid-burst, three times on the same
// SQLite database.
func TestCrashSIGKILLSQLite(t *testing.T) {
	t.Parallel()
	crashLoop(t, "")
}

// TestCrashSIGKILLPostgres is the same against PostgreSQL (RUCHE_TEST_POSTGRES).
func TestCrashSIGKILLPostgres(t *testing.T) {
	if testutil.PostgresURL() == "" {
		t.Skip("RUCHE_TEST_POSTGRES is not set")
	}
	t.Parallel()
	crashLoop(t, testutil.FreshPostgres(t))
}

func crashLoop(t *testing.T, database string) {
	rucheBinary(t) // before the clock starts: a cold build may take a while
	ctx, cancel := context.WithTimeout(context.Background(), testBudget)
	defer cancel()
	rnd := crashRand(t)
	n := newNode(ctx, t, database)
	led := newLedger()
	var (
		summary      []string
		prevInflight int // unacknowledged groups found after earlier cycles
	)
	for cycle := 1; cycle <= crashCycles; cycle++ {
		ok := t.Run(fmt.Sprintf("cycle%d", cycle), func(t *testing.T) {
			s := n.start(ctx, t)
			c := newClient(s.url)
			defer c.close()
			c.login(ctx, t)

			delay := killDelay(rnd)
			b := burst(ctx, t, c, led, fmt.Sprintf("kill%d", cycle), delay, func() {
				s.signal(t, syscall.SIGKILL, true)
			})
			st := s.wait(t, killTimeout)
			if ws, ok := st.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
				t.Fatalf("server was not killed by SIGKILL: %v", st)
			}

			// Restart on the same data: it must open cleanly, migrate nothing,
			// and hold every acknowledged write, exactly once.
			r := n.start(ctx, t)
			rc := newClient(r.url)
			defer rc.close()
			rc.token = c.token // the session was acknowledged: it survives too
			total := verifyAPI(ctx, t, rc, led)
			inflight := total - prevInflight
			prevInflight = total
			stop := r.terminate(t)
			n.checkStopped(t, led)
			line := fmt.Sprintf("cycle %d: kill after %v, %d sent, %d acknowledged (%.0f/s), %d in flight of which %d persisted; restart ready in %v, stop in %v",
				cycle, delay.Round(time.Millisecond), b.sent, b.acked, float64(b.acked)/b.elapsed.Seconds(),
				b.sent-b.acked, inflight, r.ready.Round(time.Millisecond), stop.Round(time.Millisecond))
			t.Log(line)
			summary = append(summary, line)
			if b.acked == 0 {
				t.Errorf("no write was acknowledged before the kill: the test proved nothing")
			}
		})
		if !ok {
			break
		}
	}
	t.Logf("%s: %d groups acknowledged over %d cycles\n  %s", n.dialect(), led.ackedCount(), len(summary), strings.Join(summary, "\n  "))
}

// TestCrashSIGTERMSQLite stops the server gracefully mid-burst: it exits 0
// within the grace period, keeps every acknowledged write and leaves the WAL
// checkpointed.
func TestCrashSIGTERMSQLite(t *testing.T) {
	t.Parallel()
	rucheBinary(t)
	ctx, cancel := context.WithTimeout(context.Background(), testBudget)
	defer cancel()
	rnd := crashRand(t)
	n := newNode(ctx, t, "")
	led := newLedger()

	s := n.start(ctx, t)
	c := newClient(s.url)
	defer c.close()
	c.login(ctx, t)
	delay := killDelay(rnd)
	var termAt time.Time
	b := burst(ctx, t, c, led, "term", delay, func() {
		termAt = time.Now()
		s.signal(t, syscall.SIGTERM, false)
	})
	st := s.wait(t, termTimeout)
	exit := time.Since(termAt)
	if st.ExitCode() != 0 {
		t.Fatalf("SIGTERM: exit %v, want code 0; log:\n%s", st, s.log.tail())
	}
	if !strings.Contains(s.log.String(), "shutting down") {
		t.Errorf("no 'shutting down' line in the log: was the burst running?\n%s", s.log.tail())
	}
	if exit > shutdownGrace || strings.Contains(s.log.String(), "grace period over") {
		t.Errorf("graceful shutdown took %v, beyond the %v grace period; log:\n%s", exit, shutdownGrace, s.log.tail())
	}
	n.checkStopped(t, led)

	// And the restarted server agrees.
	r := n.start(ctx, t)
	rc := newClient(r.url)
	defer rc.close()
	rc.token = c.token
	inflight := verifyAPI(ctx, t, rc, led)
	r.terminate(t)
	t.Logf("sqlite: SIGTERM after %v: %d sent, %d acknowledged (%.0f/s), %d in flight of which %d persisted; exited 0 in %v; restart ready in %v",
		delay.Round(time.Millisecond), b.sent, b.acked, float64(b.acked)/b.elapsed.Seconds(), b.sent-b.acked, inflight,
		exit.Round(time.Millisecond), r.ready.Round(time.Millisecond))
	if b.acked == 0 {
		t.Errorf("no write was acknowledged before SIGTERM: the test proved nothing")
	}
}

// node is a data folder (and database) that servers start on in turn.
type node struct {
	bin      string
	data     string
	database string // "" is SQLite in data/ruche.db
}

// newNode makes a data folder with an admin, through `ruche admin user create`.
func newNode(ctx context.Context, t *testing.T, database string) *node {
	t.Helper()
	n := &node{bin: rucheBinary(t), data: filepath.Join(t.TempDir(), "data"), database: database}
	pwFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pwFile, []byte(adminPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	args := append([]string{"admin", "user", "create", "--login", adminLogin, "--role", "admin", "--password-file", pwFile}, n.storage()...)
	cmd := exec.CommandContext(cctx, n.bin, args...)
	cmd.Env = childEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ruche %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if !strings.Contains(string(out), `created admin "admin"`) {
		t.Fatalf("admin user create said %q", out)
	}
	return n
}

func (n *node) storage() []string {
	a := []string{"--data", n.data}
	if n.database != "" {
		a = append(a, "--database", n.database)
	}
	return a
}

func (n *node) dialect() string {
	if n.database != "" {
		return "postgres"
	}
	return "sqlite"
}

func (n *node) sqlitePath() string { return filepath.Join(n.data, "ruche.db") }

// checkStopped checks the database while no server runs: for SQLite, the
// WAL has been checkpointed, PRAGMA integrity_check is ok and the file
// itself holds every acknowledged write.
func (n *node) checkStopped(t *testing.T, led *ledger) {
	t.Helper()
	if n.database != "" {
		return
	}
	if fi, err := os.Stat(n.sqlitePath() + "-wal"); err == nil && fi.Size() > 0 {
		t.Errorf("after a clean exit the WAL holds %d bytes: it was not checkpointed", fi.Size())
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
	db, err := sql.Open("sqlite", "file:"+(&url.URL{Path: n.sqlitePath()}).EscapedPath()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check")
	if err != nil {
		t.Fatalf("integrity_check: %v", err)
	}
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		problems = append(problems, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(problems) != 1 || problems[0] != "ok" {
		t.Fatalf("PRAGMA integrity_check: %q", problems)
	}
	rows, err = db.QueryContext(ctx, "SELECT id, name FROM groups")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var groups []group
	for rows.Next() {
		var g group
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			t.Fatal(err)
		}
		groups = append(groups, g)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	led.check(t, "database file", groups)
}

// server is one running `ruche serve` child process.
type server struct {
	cmd    *exec.Cmd
	url    string
	log    *logBuffer
	exited chan struct{}
	state  *os.ProcessState
	ready  time.Duration // from exec to /healthz answering 200
}

// start runs `ruche serve` on a free loopback port and waits until it
// listens and /healthz answers 200. It checks that no migration ran: the
// database was migrated by `admin user create` and must open as it was.
func (n *node) start(ctx context.Context, t *testing.T) *server {
	t.Helper()
	for attempt := 1; ; attempt++ {
		addr := freeAddr(t)
		s := n.launch(t, addr)
		select {
		case <-s.log.seen:
		case <-s.exited:
			if attempt < 5 && strings.Contains(s.log.String(), "address already in use") {
				continue // another process took the port: try another
			}
			t.Fatalf("ruche serve exited (%v) before listening; log:\n%s", s.state, s.log.tail())
		case <-time.After(startTimeout):
			t.Fatalf("ruche serve not listening after %v; log:\n%s", startTimeout, s.log.tail())
		case <-ctx.Done():
			t.Fatalf("test budget over while starting ruche serve; log:\n%s", s.log.tail())
		}
		hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		req, _ := http.NewRequestWithContext(hctx, "GET", s.url+"/healthz", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatalf("GET /healthz: %v; log:\n%s", err, s.log.tail())
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		cancel()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /healthz: %d %s; log:\n%s", resp.StatusCode, body, s.log.tail())
		}
		s.ready = time.Since(s.startedAt())
		if strings.Contains(s.log.String(), "database migrated") {
			t.Errorf("restart applied migrations on an up-to-date database; log:\n%s", s.log.tail())
		}
		return s
	}
}

func (n *node) launch(t *testing.T, addr string) *server {
	t.Helper()
	args := append([]string{"serve", "--addr", addr, "--log-level", "info"}, n.storage()...)
	cmd := exec.Command(n.bin, args...)
	cmd.Env = childEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	s := &server{cmd: cmd, url: "http://" + addr, log: newLogBuffer("msg=listening"), exited: make(chan struct{})}
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	s.log.start = time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start ruche serve: %v", err)
	}
	go func() {
		_ = cmd.Wait()
		s.state = cmd.ProcessState
		close(s.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-s.exited:
			return
		default:
		}
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		select {
		case <-s.exited:
		case <-time.After(killTimeout):
			t.Errorf("ruche serve (pid %d) still running %v after SIGKILL", cmd.Process.Pid, killTimeout)
		}
	})
	return s
}

func (s *server) startedAt() time.Time { return s.log.start }

// signal sends sig to the server, or to its whole process group.
func (s *server) signal(t *testing.T, sig syscall.Signal, group bool) {
	pid := s.cmd.Process.Pid
	if group {
		pid = -pid
	}
	if err := syscall.Kill(pid, sig); err != nil {
		t.Errorf("kill %d %v: %v", pid, sig, err)
	}
}

// wait waits for the process to end.
func (s *server) wait(t *testing.T, timeout time.Duration) *os.ProcessState {
	t.Helper()
	select {
	case <-s.exited:
		return s.state
	case <-time.After(timeout):
		t.Fatalf("ruche serve still running %v after the signal; log:\n%s", timeout, s.log.tail())
		return nil
	}
}

// terminate stops the server with SIGTERM and checks it exits 0; it returns
// how long that took.
func (s *server) terminate(t *testing.T) time.Duration {
	t.Helper()
	begin := time.Now()
	s.signal(t, syscall.SIGTERM, false)
	st := s.wait(t, termTimeout)
	if st.ExitCode() != 0 {
		t.Fatalf("SIGTERM: exit %v, want code 0; log:\n%s", st, s.log.tail())
	}
	return time.Since(begin)
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// childEnv is the test's environment without RUCHE_ variables, which would
// set flags of the child.
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RUCHE_") {
			env = append(env, kv)
		}
	}
	return env
}

// logBuffer collects a child's output and signals when a mark appears.
type logBuffer struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	mark  []byte
	seen  chan struct{}
	found bool
	start time.Time
}

func newLogBuffer(mark string) *logBuffer {
	return &logBuffer{mark: []byte(mark), seen: make(chan struct{})}
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if !b.found && bytes.Contains(b.buf.Bytes(), b.mark) {
		b.found = true
		close(b.seen)
	}
	return len(p), nil
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail is the end of the log, for failure messages.
func (b *logBuffer) tail() string {
	s := b.String()
	if len(s) > 8000 {
		s = "…" + s[len(s)-8000:]
	}
	return s
}

// client talks to one server's API with a bearer token.
type client struct {
	base  string
	token string
	http  *http.Client
}

func newClient(base string) *client {
	tr := &http.Transport{MaxIdleConns: 2 * crashWriters, MaxIdleConnsPerHost: 2 * crashWriters, IdleConnTimeout: 30 * time.Second}
	return &client{base: base, http: &http.Client{Transport: tr, Timeout: requestTimeout}}
}

func (c *client) close() { c.http.CloseIdleConnections() }

// do sends a request and reads the whole answer: a response counts only if
// its body arrived complete.
func (c *client) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: body: %w", method, path, err)
	}
	return resp.StatusCode, data, nil
}

func (c *client) login(ctx context.Context, t *testing.T) {
	t.Helper()
	st, body, err := c.do(ctx, "POST", "/api/v1/sessions", map[string]string{"login": adminLogin, "password": adminPassword})
	if err != nil || st != http.StatusCreated {
		t.Fatalf("POST /api/v1/sessions: %d %s %v", st, body, err)
	}
	var out struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Token == "" {
		t.Fatalf("POST /api/v1/sessions: no token in %s (%v)", body, err)
	}
	c.token = out.Token
}

type group struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ledger is what the writers sent and what the server acknowledged.
type ledger struct {
	mu    sync.Mutex
	sent  map[string]bool  // every name sent, acknowledged or not
	acked map[string]int64 // name → id, from a 201
}

func newLedger() *ledger { return &ledger{sent: map[string]bool{}, acked: map[string]int64{}} }

func (l *ledger) send(name string) {
	l.mu.Lock()
	l.sent[name] = true
	l.mu.Unlock()
}

func (l *ledger) ack(name string, id int64) {
	l.mu.Lock()
	l.acked[name] = id
	l.mu.Unlock()
}

func (l *ledger) ackedCount() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.acked)
}

// check compares the groups found with the ledger: every acknowledged group
// is there with its id, none twice, and nothing that was never sent. It
// returns how many groups sent but never acknowledged exist (over all
// bursts so far).
func (l *ledger) check(t *testing.T, where string, groups []group) (inflight int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	byName := make(map[string]int64, len(groups))
	ids := make(map[int64]string, len(groups))
	var dups, phantoms, lost, moved []string
	for _, g := range groups {
		if _, ok := byName[g.Name]; ok {
			dups = append(dups, g.Name)
		}
		if other, ok := ids[g.ID]; ok {
			dups = append(dups, fmt.Sprintf("id %d (%s and %s)", g.ID, other, g.Name))
		}
		byName[g.Name], ids[g.ID] = g.ID, g.Name
		if !l.sent[g.Name] {
			phantoms = append(phantoms, g.Name)
		} else if _, ok := l.acked[g.Name]; !ok {
			inflight++
		}
	}
	for name, id := range l.acked {
		got, ok := byName[name]
		switch {
		case !ok:
			lost = append(lost, name)
		case got != id:
			moved = append(moved, fmt.Sprintf("%s: id %d, acknowledged as %d", name, got, id))
		}
	}
	if len(lost) > 0 {
		t.Errorf("%s: %d of %d acknowledged groups lost, e.g. %q", where, len(lost), len(l.acked), first(lost, 5))
	}
	if len(dups) > 0 {
		t.Errorf("%s: duplicates: %q", where, first(dups, 5))
	}
	if len(moved) > 0 {
		t.Errorf("%s: acknowledged groups changed id: %q", where, first(moved, 5))
	}
	if len(phantoms) > 0 {
		t.Errorf("%s: %d groups that were never sent: %q", where, len(phantoms), first(phantoms, 5))
	}
	return inflight
}

func first(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// verifyAPI lists the groups through the API and checks them against the
// ledger.
func verifyAPI(ctx context.Context, t *testing.T, c *client, led *ledger) (inflight int) {
	t.Helper()
	st, body, err := c.do(ctx, "GET", "/api/v1/groups", nil)
	if err != nil || st != http.StatusOK {
		t.Fatalf("GET /api/v1/groups after restart: %d %.300s %v (401: the acknowledged login session was lost)", st, body, err)
	}
	var out struct {
		Items []group `json:"items"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("GET /api/v1/groups: %v", err)
	}
	return led.check(t, "API after restart", out.Items)
}

type burstResult struct {
	sent, acked int
	elapsed     time.Duration // from the first write to the signal
}

// burst runs crashWriters writers creating groups as fast as the server
// takes them; after delay it calls stop (which signals the server) and
// waits for the writers to notice. Any failure before stop is an error.
func burst(ctx context.Context, t *testing.T, c *client, led *ledger, prefix string, delay time.Duration, stop func()) burstResult {
	t.Helper()
	var (
		stopping     atomic.Bool
		sent, acked  atomic.Int64
		wg           sync.WaitGroup
		errMu        sync.Mutex
		errs         []error
		wctx, cancel = context.WithCancel(ctx)
	)
	defer cancel()
	fail := func(err error) {
		errMu.Lock()
		errs = append(errs, err)
		errMu.Unlock()
	}
	begin := time.Now()
	for w := range crashWriters {
		wg.Go(func() {
			for i := 0; wctx.Err() == nil; i++ {
				name := fmt.Sprintf("%s-w%d-%06d", prefix, w, i)
				led.send(name)
				sent.Add(1)
				st, body, err := c.do(wctx, "POST", "/api/v1/groups", map[string]string{"name": name})
				if err == nil && st == http.StatusCreated {
					var g group
					if err := json.Unmarshal(body, &g); err != nil || g.Name != name || g.ID <= 0 {
						fail(fmt.Errorf("POST /api/v1/groups %q: 201 with %s (%v)", name, body, err))
						return
					}
					led.ack(name, g.ID)
					acked.Add(1)
					continue
				}
				if !stopping.Load() {
					fail(fmt.Errorf("POST /api/v1/groups %q before the signal: %d %.300s %v", name, st, body, err))
				}
				return // the server is going away: failures are expected now
			}
		})
	}
	select {
	case <-time.After(delay):
	case <-ctx.Done():
	}
	elapsed := time.Since(begin)
	stopping.Store(true)
	stop()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(requestTimeout + 5*time.Second):
		cancel()
		<-done
		t.Errorf("writers still busy %v after the signal", requestTimeout+5*time.Second)
	}
	// Connections the transport dialled but never used would keep a
	// graceful shutdown waiting (net/http gives such connections 5 s).
	c.close()
	for _, err := range errs {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
	return burstResult{sent: int(sent.Load()), acked: int(acked.Load()), elapsed: elapsed}
}
