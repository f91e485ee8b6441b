package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"regexp"
	"strconv"
	"strings"
	"time"

	"ruche/bench/internal/node"
)

// The admin that the foundation benchmark creates and signs in as.
const (
	adminLogin    = "admin"
	adminPassword = "bench: correct horse battery staple"
)

// memSample is the memory of the server at one step.
type memSample struct {
	label string
	at    time.Duration // since exec
	st    node.Status
}

// memoryResult is the idle memory of ruche and of the baseline server.
type memoryResult struct {
	timeline     []memSample
	idle         node.Status // after the settle time: the figure
	afterBrowser node.Status // after the browser step, for information
	goStats      map[string]float64
	scrapedAt    time.Time // when goStats were read
	shellFiles   int
	baseline     node.Status
	settle       time.Duration
}

// goStatNames are the Go runtime figures read from /metrics after the idle
// reading, to tell the Go heap from the rest of the resident set.
var goStatNames = []string{
	"go_memstats_heap_inuse_bytes", "go_memstats_heap_alloc_bytes", "go_memstats_heap_idle_bytes",
	"go_memstats_heap_released_bytes", "go_memstats_next_gc_bytes", "go_memstats_stack_sys_bytes",
	"go_memstats_sys_bytes", "go_memstats_heap_objects", "go_gc_duration_seconds_count",
	"go_memstats_last_gc_time_seconds", "go_goroutines", "go_threads",
}

// measureMemory starts ruche on a fresh data folder, creates the admin,
// signs in once through the API, loads the shell (the page and what it
// links to), waits settle and reads /proc/PID/status. The server stays up
// for the next steps; the rig stops it.
func measureMemory(ctx context.Context, r *rig, settle time.Duration) (memoryResult, *node.Process, error) {
	res := memoryResult{settle: settle}
	base, err := r.startMinHTTP("minhttp-memory")
	if err != nil {
		return res, nil, err
	}
	if _, err := base.Healthy(ctx, "/healthz", pollEvery, startTimeout); err != nil {
		return res, nil, err
	}

	data := r.path("memory")
	p, err := r.startRuche(data)
	if err != nil {
		return res, nil, err
	}
	if _, err := p.Healthy(ctx, "/healthz", pollEvery, startTimeout); err != nil {
		return res, nil, err
	}
	sample := func(label string) error {
		st, err := node.ReadStatus(p.PID())
		if err != nil {
			return err
		}
		res.timeline = append(res.timeline, memSample{label: label, at: time.Since(p.Started), st: st})
		return nil
	}
	if err := sample("started (healthy)"); err != nil {
		return res, nil, err
	}
	progress("memory: creating the admin with `ruche admin user create`")
	if err := r.createAdmin(ctx, data, adminLogin, adminPassword); err != nil {
		return res, nil, err
	}
	if err := sample("admin created (by another process)"); err != nil {
		return res, nil, err
	}
	client := newClient()
	defer client.CloseIdleConnections()
	if _, err := apiLogin(ctx, client, p.URL, adminLogin, adminPassword); err != nil {
		return res, nil, err
	}
	if err := sample("after one login (POST /api/v1/sessions)"); err != nil {
		return res, nil, err
	}
	if res.shellFiles, err = loadShell(ctx, client, p.URL); err != nil {
		return res, nil, err
	}
	if err := sample("after loading the shell once"); err != nil {
		return res, nil, err
	}
	progress("memory: settling for %s", settle)
	idleFrom := time.Now()
	for _, at := range settleMarks(settle) {
		select {
		case <-ctx.Done():
			return res, nil, ctx.Err()
		case <-time.After(time.Until(idleFrom.Add(at))):
		}
		if err := sample(fmt.Sprintf("idle +%s", at)); err != nil {
			return res, nil, err
		}
	}
	res.idle = res.timeline[len(res.timeline)-1].st
	if res.baseline, err = node.ReadStatus(base.PID()); err != nil {
		return res, nil, err
	}
	base.Stop(stopGrace)
	// Read after the figure: scraping allocates.
	res.scrapedAt = time.Now()
	if res.goStats, err = goStats(ctx, client, p.URL); err != nil {
		return res, nil, err
	}
	return res, p, nil
}

// settleMarks are the idle times at which memory is read: a few along the
// way to show a trend, then settle itself, whose reading is the figure.
func settleMarks(settle time.Duration) []time.Duration {
	var marks []time.Duration
	for _, s := range []int{1, 2, 10, 30, 60, 120} {
		if at := time.Duration(s) * time.Second; at < settle {
			marks = append(marks, at)
		}
	}
	return append(marks, settle)
}

// newClient is one HTTP client with its own cookies, like one browser tab,
// that never follows redirects (a redirect to /login is a failure here).
func newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 30 * time.Second, Transport: &http.Transport{},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// apiLogin signs in through POST /api/v1/sessions; the client keeps the
// session cookie. It returns the session token.
func apiLogin(ctx context.Context, c *http.Client, base, login, password string) (string, error) {
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/sessions", strings.NewReader(string(body)))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("login: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || resp.StatusCode != http.StatusCreated || out.Token == "" {
		return "", fmt.Errorf("login: status %d (%v)", resp.StatusCode, err)
	}
	return out.Token, nil
}

var linked = regexp.MustCompile(`<(?:link|script)\b[^>]*?\b(?:href|src)="(/[^"]*)"`)

// loadShell gets / as a signed-in browser would, gzip accepted, then every
// stylesheet, script and icon it links to. It returns how many files it
// fetched.
func loadShell(ctx context.Context, c *http.Client, base string) (int, error) {
	page, err := get(ctx, c, base+"/")
	if err != nil {
		return 0, err
	}
	if !strings.Contains(page, `id="sidebar"`) {
		return 0, fmt.Errorf("GET /: not the signed-in shell (no #sidebar)")
	}
	n := 1
	for _, m := range linked.FindAllStringSubmatch(page, 50) {
		if _, err := get(ctx, c, base+strings.ReplaceAll(m[1], "&amp;", "&")); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// get fetches url and returns its body, decoded (the transport asks for
// gzip and decodes it).
func get(ctx context.Context, c *http.Client, url string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return "", fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return string(b), nil
}

// goStats reads the Go runtime figures of /metrics (open to loopback).
func goStats(ctx context.Context, c *http.Client, base string) (map[string]float64, error) {
	text, err := get(ctx, c, base+"/metrics")
	if err != nil {
		return nil, err
	}
	want := map[string]bool{}
	for _, n := range goStatNames {
		want[n] = true
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(strings.NewReader(text))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, val, ok := strings.Cut(sc.Text(), " ")
		if !ok || !want[name] {
			continue
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil {
			out[name] = v
		}
	}
	return out, sc.Err()
}
