package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"flag"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, to make and drop the PostgreSQL schema

	"ruche/bench/internal/node"
	"ruche/bench/internal/report"
)

// The chat targets (the issue), on the scenario of the Mattermost anchor.
const (
	chatSection          = "## Chat"
	targetPostsPerSecond = 500
	targetDeliveryP99    = 50 * time.Millisecond
	targetRateP99        = 10 * time.Millisecond // at 40 posts/s
	targetHistory10k     = 2 * time.Millisecond  // p50
	targetHistory1M      = 3 * time.Millisecond  // p50
	targetChatIdleRSS    = 25_000_000
	targetConnectedRSS   = 40_000_000
	targetIdleSocketsRSS = 30_000_000 // added by 1,000 idle sockets
	anchorRate           = 40         // posts/s of the fixed-rate run
	chatBudget           = 60 * time.Minute
)

type chatOptions struct {
	users, teams, channels, posters int
	sockets                         int
	duration, warmup, settle        time.Duration
	rates                           floatList
	history                         bool
	historySizes                    intList
	historyAuthors                  int
	historyRequests                 int
	idleSockets                     int
	database                        string
	compress                        bool
	out                             string
	timeout                         time.Duration
	ruche                           string
}

func chat(ctx context.Context, args []string) error {
	o := chatOptions{rates: floatList{0, targetPostsPerSecond, anchorRate}, historySizes: intList{10_000, 1_000_000}}
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.IntVar(&o.users, "users", 200, "users, each signed in and holding one WebSocket; every user is in every team and channel")
	fs.IntVar(&o.teams, "teams", 1, "teams")
	fs.IntVar(&o.channels, "channels", 10, "public channels, spread over the teams")
	fs.IntVar(&o.posters, "posters", 20, "concurrent posters (the first users)")
	fs.IntVar(&o.sockets, "sockets", 0, "users holding a WebSocket during the load (the first ones; default: all)")
	fs.DurationVar(&o.duration, "duration", 30*time.Second, "measured window of each load run")
	fs.DurationVar(&o.warmup, "warmup", 5*time.Second, "posting before each window, not counted")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "idle time before each memory reading")
	fs.Var(&o.rates, "rate", "total posts/s of each load run, comma-separated; 0 is the closed loop (each poster posts again once answered)")
	fs.BoolVar(&o.history, "history", true, "measure channel-history latency (GET /api/v1/channels/{id}/posts?limit=60)")
	fs.Var(&o.historySizes, "history-posts", "posts in the history channel at each history measurement, comma-separated, increasing")
	fs.IntVar(&o.historyAuthors, "history-authors", 50, "users who wrote the history")
	fs.IntVar(&o.historyRequests, "history-requests", 500, "history requests at random positions per measurement (plus a fifth as many of the newest page)")
	fs.IntVar(&o.idleSockets, "idle-sockets", 1000, "extra idle WebSockets whose memory to measure (0: skip)")
	fs.StringVar(&o.database, "database", "", "a postgres:// URL: also run the load on PostgreSQL, in a fresh schema (dropped at the end)")
	fs.BoolVar(&o.compress, "ws-compression", true, "negotiate permessage-deflate on the WebSockets, as browsers do")
	fs.StringVar(&o.out, "out", "", `Markdown file whose "`+chatSection+`" section to write (e.g. docs/benchmarks.md); the report always goes to standard output`)
	fs.DurationVar(&o.timeout, "timeout", chatBudget, "give up after this long")
	fs.StringVar(&o.ruche, "ruche", "", "run this ruche binary instead of building one (e.g. a profiling build)")
	if err := parseFlags(fs, "chat", args); err != nil {
		return err
	}
	switch {
	case o.users < 1 || o.users > 5000:
		return fmt.Errorf("--users must be between 1 and 5000")
	case o.teams < 1 || o.teams > 100 || o.channels < 1 || o.channels > 1000:
		return fmt.Errorf("--teams must be 1–100 and --channels 1–1000")
	case o.posters < 1 || o.posters > o.users:
		return fmt.Errorf("--posters must be between 1 and --users")
	case o.sockets < 0 || o.sockets > o.users:
		return fmt.Errorf("--sockets must be between 1 and --users")
	case o.duration < time.Second || o.duration > 30*time.Minute || o.warmup < 0 || o.warmup > 5*time.Minute:
		return fmt.Errorf("--duration must be 1s–30m and --warmup 0–5m")
	case o.settle < 0 || o.settle > maxSettle:
		return fmt.Errorf("--settle must be between 0 and %s", maxSettle)
	case len(o.rates) > 10:
		return fmt.Errorf("at most 10 --rate values")
	case o.idleSockets < 0 || o.idleSockets > 10_000:
		return fmt.Errorf("--idle-sockets must be between 0 and 10000")
	case o.historyAuthors < 1 || o.historyAuthors > 1000 || o.historyRequests < 1 || o.historyRequests > 100_000:
		return fmt.Errorf("--history-authors must be 1–1000 and --history-requests 1–100000")
	case o.database != "" && !strings.HasPrefix(o.database, "postgres://") && !strings.HasPrefix(o.database, "postgresql://"):
		return fmt.Errorf("--database must be a postgres:// URL")
	}
	for _, r := range o.rates {
		if r < 0 || r > 100_000 {
			return fmt.Errorf("--rate values must be between 0 and 100000")
		}
	}
	for i, n := range o.historySizes {
		if n < 100 || n > 10_000_000 || (i > 0 && n <= o.historySizes[i-1]) {
			return fmt.Errorf("--history-posts must be increasing sizes of 100 to 10,000,000")
		}
	}
	if o.sockets == 0 {
		o.sockets = o.users
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()

	machine := report.ThisMachine(ctx)
	started := time.Now()
	r, err := newRig(ctx)
	if err != nil {
		return err
	}
	defer r.close()
	if o.ruche != "" {
		if err := useBinary(ctx, r, o.ruche); err != nil {
			return err
		}
	}

	res := chatReport{opts: o, machine: machine, at: started, rig: r}
	if len(o.rates) > 0 || o.idleSockets > 0 {
		sq, err := runScenario(ctx, r, o, "", o.idleSockets, nil)
		if err != nil {
			return fmt.Errorf("SQLite: %w", err)
		}
		res.scenarios = append(res.scenarios, sq)
	}
	if o.history && len(o.historySizes) > 0 {
		h, err := runHistory(ctx, r, o)
		if err != nil {
			return fmt.Errorf("history: %w", err)
		}
		res.history = &h
	}
	if o.database != "" && len(o.rates) > 0 {
		pg, err := runPostgres(ctx, r, o)
		if err != nil {
			return fmt.Errorf("PostgreSQL: %w", err)
		}
		res.scenarios = append(res.scenarios, pg)
	}
	res.loadAtEnd = report.LoadAvg()

	var b strings.Builder
	writeChat(&b, res)
	fmt.Print(b.String())
	if o.out != "" {
		out := o.out
		if !filepath.IsAbs(out) {
			out = filepath.Join(r.root, out)
		}
		if err := report.ReplaceSection(out, chatSection, b.String()); err != nil {
			return err
		}
		progress("wrote the %q section of %s", chatSection, out)
	}
	return nil
}

// useBinary makes the rig run bin instead of the ruche it built.
func useBinary(ctx context.Context, r *rig, bin string) error {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, abs, "version").Output()
	if err != nil {
		return fmt.Errorf("%s version: %w", bin, err)
	}
	r.ruche, r.rucheSize = abs, fi.Size()
	r.version = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "ruche")) + " (given with --ruche, not built by the tool)"
	return nil
}

// scenarioResult is one server under the chat load: its setup, its memory
// at each step and its load runs.
type scenarioResult struct {
	database string // SQLite or PostgreSQL
	users    int
	teams    int
	channels int
	w        *workspace

	afterSetup node.Status // after creating and signing in every user
	restart    time.Duration
	idle       node.Status
	idleGo     map[string]float64
	connected  node.Status
	connectGo  map[string]float64
	tConnect   time.Duration

	idleSockets int
	withIdle    node.Status
	withIdleGo  map[string]float64
	tIdleOpen   time.Duration

	loads                                     []loadResult
	end                                       node.Status
	errors                                    int
	errorHead                                 []string
	frames, frameBytes, postFrames, postBytes int64
}

// runScenario sets up a workspace on a fresh server, restarts it (so that
// the memory readings do not carry the garbage of the setup's password
// hashes), reads its idle memory, connects one WebSocket per user, reads
// the memory again, opens idleSockets more and reads it again, closes
// those, then runs each load.
func runScenario(ctx context.Context, r *rig, o chatOptions, database string, idleSockets int, pg *pgWatch) (scenarioResult, error) {
	s := &server{r: r, data: r.path("chat-sqlite"), database: database}
	if database != "" {
		s.data = r.path("chat-postgres")
	}
	res := scenarioResult{database: s.dialect(), users: o.users, teams: o.teams, channels: o.channels}
	progress("chat: %s: starting ruche on a fresh data folder", res.database)
	if err := s.start(ctx); err != nil {
		return res, err
	}
	defer s.stop()
	if err := s.createAdmin(ctx); err != nil {
		return res, err
	}
	w, err := setupWorkspace(ctx, s, o.users, o.teams, o.channels)
	if err != nil {
		return res, err
	}
	defer w.admin.close()
	res.w = w
	if res.afterSetup, err = node.ReadStatus(s.proc.PID()); err != nil {
		return res, err
	}

	progress("chat: %s: restarting ruche on the same data, then %s idle", res.database, o.settle)
	t0 := time.Now()
	if err := s.restart(ctx); err != nil {
		return res, err
	}
	res.restart = time.Since(t0)
	w.admin.base = s.proc.URL
	metrics := newClient()
	defer metrics.CloseIdleConnections()
	read := func(st *node.Status, g *map[string]float64) error {
		if err := sleepCtx(ctx, o.settle); err != nil {
			return err
		}
		var err error
		if *st, err = node.ReadStatus(s.proc.PID()); err != nil {
			return err
		}
		*g, err = goStats(ctx, metrics, s.proc.URL) // after the reading: scraping allocates
		return err
	}
	if err := read(&res.idle, &res.idleGo); err != nil {
		return res, err
	}

	rec := &recorder{}
	tokens := make([]string, o.sockets)
	for i := range tokens {
		tokens[i] = w.users[i].Token
	}
	progress("chat: %s: opening %d WebSockets", res.database, len(tokens))
	t0 = time.Now()
	socks, err := openSockets(ctx, s.proc.URL, tokens, o.compress, rec)
	if err != nil {
		return res, err
	}
	defer closeSockets(socks)
	res.tConnect = time.Since(t0)
	if err := read(&res.connected, &res.connectGo); err != nil {
		return res, err
	}

	if idleSockets > 0 {
		more := make([]string, idleSockets)
		for i := range more {
			more[i] = tokens[i%len(tokens)]
		}
		progress("chat: %s: opening %d more, idle WebSockets (%d per user)", res.database, idleSockets, (idleSockets+len(tokens)-1)/len(tokens))
		t0 = time.Now()
		extra, err := openSockets(ctx, s.proc.URL, more, o.compress, rec)
		if err != nil {
			return res, err
		}
		res.tIdleOpen = time.Since(t0)
		res.idleSockets = len(extra)
		err = read(&res.withIdle, &res.withIdleGo)
		closeSockets(extra)
		if err != nil {
			return res, err
		}
		if err := sleepCtx(ctx, 2*time.Second); err != nil {
			return res, err
		}
	}

	for i, rate := range o.rates {
		name := "closed loop"
		if rate > 0 {
			name = fmt.Sprintf("%g posts/s", rate)
		}
		lr, err := runLoad(ctx, res.database+", "+name, s, w, socks, rec, o, rate, pg)
		if err != nil {
			return res, err
		}
		res.loads = append(res.loads, lr)
		if i < len(o.rates)-1 {
			if err := sleepCtx(ctx, 3*time.Second); err != nil {
				return res, err
			}
		}
	}
	if res.end, err = node.ReadStatus(s.proc.PID()); err != nil {
		return res, err
	}
	res.frames, res.frameBytes = rec.frames.Load(), rec.bytes.Load()
	res.postFrames, res.postBytes = rec.posts.Load(), rec.pbytes.Load()
	res.errors, res.errorHead = errorLines(s.proc.Log(), 3)
	return res, nil
}

// runPostgres runs the load scenario on PostgreSQL in a fresh schema of the
// database o.database names, and drops the schema at the end.
func runPostgres(ctx context.Context, r *rig, o chatOptions) (scenarioResult, error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "ruchebench_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", o.database)
	if err != nil {
		return scenarioResult{}, err
	}
	defer admin.Close()
	admin.SetMaxOpenConns(2)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return scenarioResult{}, fmt.Errorf("create schema: %w", err)
	}
	defer func() {
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if _, err := admin.ExecContext(dctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			progress("chat: could not drop the schema %s: %v", schema, err)
		}
	}()
	u, err := url.Parse(o.database)
	if err != nil {
		return scenarioResult{}, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("application_name", schema) // to find ruche's backends
	u.RawQuery = q.Encode()
	o2 := o
	pg := &pgWatch{db: admin, app: schema}
	return runScenario(ctx, r, o2, u.String(), 0, pg)
}

func init() {
	// The chat report also shows goroutine stacks.
	goStatNames = append(goStatNames, "go_memstats_stack_inuse_bytes")
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// floatList is a comma-separated flag of numbers.
type floatList []float64

func (l *floatList) String() string {
	var s []string
	for _, v := range *l {
		s = append(s, strconv.FormatFloat(v, 'g', -1, 64))
	}
	return strings.Join(s, ",")
}

func (l *floatList) Set(v string) error {
	*l = nil
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		x, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return err
		}
		*l = append(*l, x)
	}
	return nil
}

// intList is a comma-separated flag of integers (underscores allowed).
type intList []int

func (l *intList) String() string {
	var s []string
	for _, v := range *l {
		s = append(s, strconv.Itoa(v))
	}
	return strings.Join(s, ",")
}

func (l *intList) Set(v string) error {
	*l = nil
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(strings.ReplaceAll(f, "_", "")); f == "" {
			continue
		}
		x, err := strconv.Atoi(f)
		if err != nil {
			return err
		}
		*l = append(*l, x)
	}
	return nil
}
