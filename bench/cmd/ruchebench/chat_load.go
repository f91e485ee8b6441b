package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ruche/bench/internal/node"
	"ruche/bench/internal/report"
)

// sentMark precedes the send time (Unix nanoseconds) in every message the
// posters write; receivers find it in the post.created frames.
const sentMark = "rbt="

var (
	postCreated = []byte(`"type":"post.created"`)
	helloType   = []byte(`"type":"hello"`)
	sentMarkB   = []byte(sentMark)
)

// sentAt returns the send time that a post.created frame carries, or 0 for
// any other frame. The type comes first in a frame ({"id":N,"type":…}), so
// only the head is searched for it.
func sentAt(frame []byte) int64 {
	if !bytes.Contains(frame[:min(len(frame), 64)], postCreated) {
		return 0
	}
	i := bytes.Index(frame, sentMarkB)
	if i < 0 {
		return 0
	}
	var v int64
	n := 0
	for _, c := range frame[i+len(sentMarkB):] {
		if c < '0' || c > '9' || n == 19 {
			break
		}
		v = v*10 + int64(c-'0')
		n++
	}
	return v
}

// chatLines are what the posters write: ordinary chat messages, some with
// Markdown, as the server renders them all.
var chatLines = []string{
	"Morning all, the build on main is green again after the flaky test fix.",
	"Can someone review **the retention change** before lunch? It touches the store.",
	"I pushed `fix/ws-reconnect`: it replays missed events after a reconnect.",
	"Standup moved to 10:30 today, same room.",
	"Numbers from yesterday: 1,204 sign-ups, 3.1% churn, nothing alarming.",
	"Heads-up: the staging database restarts at 18:00 for the upgrade.",
	"Looks good to me :+1: merging once CI is done.",
	"Two things:\n- the export is slow on big channels\n- the CSV has no header row",
	"Who owns the billing dashboard? It still shows last week's totals.",
	"Thanks! That fixed it on my machine too.",
	"Lunch at the usual place? I can book for six.",
	"The customer call went well, notes are in the _Clients_ wiki page.",
	"ok",
	"Deploying 2.4.1 to production now, shout if you see anything odd.",
	"Could we keep the old endpoint for a month? Two integrations still use it.",
	"Reminder: the office is closed on Friday.",
}

// message is the text of post seq of poster i, carrying its send time.
func message(sent int64, i, seq int) string {
	return chatLines[(i*7+seq)%len(chatLines)] + " (" + sentMark + strconv.FormatInt(sent, 10) + ")"
}

// phase is one measured run of the posters; receivers record into the
// current one.
type phase struct {
	from, to  int64 // the measured window, Unix ns: posts sent in it count
	receivers int64

	delivery  hist // post sent → frame received, per receiver
	post      hist // POST sent → 201 received
	delivered atomic.Int64
	accepted  atomic.Int64
	failed    atomic.Int64
	warm      atomic.Int64 // posts sent during the warm-up
	late      atomic.Int64 // fixed rate: sends that started more than lateAfter after their time
	errMu     sync.Mutex
	firstErr  string
}

const (
	lateAfter         = 10 * time.Millisecond
	maxPostsPerPoster = 1_000_000
	drainTimeout      = 15 * time.Second
)

func (p *phase) received(sent, now int64) {
	if sent < p.from || sent >= p.to {
		return
	}
	p.delivered.Add(1)
	p.delivery.Record(time.Duration(now - sent))
}

func (p *phase) fail(err error) {
	p.failed.Add(1)
	p.errMu.Lock()
	if p.firstErr == "" {
		p.firstErr = err.Error()
	}
	p.errMu.Unlock()
}

// recorder routes what the receivers see to the current phase.
type recorder struct {
	cur    atomic.Pointer[phase]
	frames atomic.Int64
	bytes  atomic.Int64 // payload of the frames, decompressed
	posts  atomic.Int64 // post.created frames, whatever their phase
	pbytes atomic.Int64 // their payload
}

// frame records one message a socket received at now (Unix ns), and
// reports whether it was a post.created frame carrying a send time.
func (r *recorder) frame(frame []byte, now int64) bool {
	r.frames.Add(1)
	r.bytes.Add(int64(len(frame)))
	sent := sentAt(frame)
	if sent <= 0 {
		return false
	}
	r.posts.Add(1)
	r.pbytes.Add(int64(len(frame)))
	if p := r.cur.Load(); p != nil {
		p.received(sent, now)
	}
	return true
}

// socket is one WebSocket of the benchmark and its reader.
type socket struct {
	ws     *wsConn
	hello  chan struct{}
	done   chan struct{}
	err    error // why reading stopped; set before done is closed
	closed atomic.Bool
}

// openSockets opens one WebSocket per token (GET /api/v1/ws with a bearer
// token), starts their readers and waits for every hello.
func openSockets(ctx context.Context, base string, tokens []string, compress bool, rec *recorder) ([]*socket, error) {
	url := "ws" + strings.TrimPrefix(base, "http") + "/api/v1/ws"
	socks := make([]*socket, len(tokens))
	err := parallel(ctx, len(tokens), 8, func(ctx context.Context, i int) error {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		ws, err := dialWS(dctx, url, tokens[i], compress)
		if err != nil {
			return fmt.Errorf("websocket %d: %w", i, err)
		}
		if compress && !ws.deflate {
			ws.closeNow()
			return fmt.Errorf("websocket %d: the server declined permessage-deflate (the report would say it was negotiated; --ws-compression=false measures without it)", i)
		}
		s := &socket{ws: ws, hello: make(chan struct{}), done: make(chan struct{})}
		socks[i] = s
		go s.read(rec)
		return nil
	})
	if err != nil {
		closeSockets(socks)
		return nil, err
	}
	deadline := time.After(60 * time.Second)
	for i, s := range socks {
		select {
		case <-s.hello:
		case <-s.done:
			closeSockets(socks)
			return nil, fmt.Errorf("websocket %d closed before its hello: %v", i, s.err)
		case <-deadline:
			closeSockets(socks)
			return nil, fmt.Errorf("websocket %d: no hello after 60s", i)
		case <-ctx.Done():
			closeSockets(socks)
			return nil, ctx.Err()
		}
	}
	return socks, nil
}

// read receives frames until the socket closes: the first hello is noted,
// post.created frames of the current phase are timed, the rest is counted.
// The time of a frame is taken once it has been read whole (and inflated).
func (s *socket) read(rec *recorder) {
	defer close(s.done)
	defer s.ws.closeNow()
	helloSeen := false
	for {
		frame, err := s.ws.next()
		if err != nil {
			s.err = err
			return
		}
		if !rec.frame(frame, time.Now().UnixNano()) && !helloSeen && bytes.Contains(frame, helloType) {
			helloSeen = true
			close(s.hello)
		}
	}
}

// lost counts sockets that stopped without being closed by the tool, and
// returns the first reason.
func lost(socks []*socket) (int, string) {
	n, why := 0, ""
	for _, s := range socks {
		select {
		case <-s.done:
			if !s.closed.Load() {
				n++
				if why == "" && s.err != nil {
					why = s.err.Error()
				}
			}
		default:
		}
	}
	return n, why
}

// closeSockets closes sockets with a normal closure, in parallel, and
// waits (at most 10 s) for their readers to end.
func closeSockets(socks []*socket) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 64)
	for _, s := range socks {
		if s == nil {
			continue
		}
		s.closed.Store(true)
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			if s.ws.close() != nil {
				_ = s.ws.closeNow()
			}
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				_ = s.ws.closeNow()
				<-s.done
			}
		})
	}
	wg.Wait()
}

// cpuSample is the CPU use of the processes involved, read at one moment.
type cpuSample struct {
	at        time.Time
	server    node.Times
	serverRun node.CPU // schedstat: on a CPU and waiting for one
	self      node.Times
	pg        time.Duration // PostgreSQL backends serving ruche
}

// loadResult is one run of the posters.
type loadResult struct {
	name, database string
	rate           float64 // total posts/s; 0 for the closed loop
	posters        int
	receivers      int
	window         time.Duration

	accepted, failed, warm, late int64
	firstErr                     string
	delivered, expected          int64
	drained                      time.Duration // after the window, until every delivery arrived
	post, delivery               latency

	server, self node.Times
	serverWait   time.Duration
	pg           time.Duration
	pgBackends   int
	rssEnd       node.Status
	lostSockets  int
	lostWhy      string
	loadEnd      string
}

// postsPerSecond is the accepted posts per second of the window.
func (l loadResult) postsPerSecond() float64 { return float64(l.accepted) / l.window.Seconds() }

// runLoad runs the posters for warmup+duration: closed loop (each poster
// posts again as soon as its post is answered) when rate is 0, else at
// rate posts/s in all. Every socket receives every post (every user is in
// every channel). It then waits for the deliveries of the window.
func runLoad(ctx context.Context, name string, s *server, w *workspace, socks []*socket, rec *recorder, o chatOptions,
	rate float64, pg *pgWatch) (loadResult, error) {
	res := loadResult{name: name, database: s.dialect(), rate: rate, posters: o.posters, receivers: len(socks)}
	if rate > 0 {
		progress("chat: %s: %d posters at %.0f posts/s in all, %s warm-up + %s", name, o.posters, rate, o.warmup, o.duration)
	} else {
		progress("chat: %s: %d posters, closed loop, %s warm-up + %s", name, o.posters, o.warmup, o.duration)
	}
	start := time.Now()
	end := start.Add(o.warmup + o.duration)
	p := &phase{from: start.Add(o.warmup).UnixNano(), to: end.UnixNano(), receivers: int64(len(socks))}
	rec.cur.Store(p)
	defer rec.cur.Store(nil)

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var slots chan time.Time
	if rate > 0 {
		n := int(rate*(o.warmup+o.duration).Seconds()) + 1
		slots = make(chan time.Time, n)
		go func() {
			defer close(slots)
			for k := range n {
				at := start.Add(time.Duration(float64(k) * float64(time.Second) / rate))
				if !at.Before(end) {
					return
				}
				select {
				case <-ctx.Done():
					return
				case <-time.After(time.Until(at)):
				}
				slots <- at
			}
		}()
	}

	var wg sync.WaitGroup
	for i := range o.posters {
		u := w.users[i]
		c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 2}}
		defer c.CloseIdleConnections()
		wg.Go(func() { postLoop(ctx, p, c, s.proc.URL, u.Token, i, w.channels, slots, end) })
	}

	sample := func() (cpuSample, error) {
		var c cpuSample
		var err error
		c.at = time.Now()
		if c.server, err = node.ReadTimes(s.proc.PID()); err != nil {
			return c, err
		}
		if c.serverRun, err = node.ReadCPU(s.proc.PID()); err != nil {
			return c, err
		}
		if c.self, err = node.ReadTimes(os.Getpid()); err != nil {
			return c, err
		}
		if pg != nil {
			c.pg = pg.poll(ctx)
		}
		return c, nil
	}
	sleepUntil := func(t time.Time) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Until(t)):
			return nil
		}
	}
	if err := sleepUntil(time.Unix(0, p.from)); err != nil {
		return res, err
	}
	if pg != nil {
		pg.reset(ctx)
	}
	c0, err := sample()
	if err != nil {
		return res, err
	}
	if pg != nil { // follow the backends through the window
		stopPoll := make(chan struct{})
		polled := make(chan struct{})
		go func() {
			defer close(polled)
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stopPoll:
					return
				case <-t.C:
					pg.poll(ctx)
				}
			}
		}()
		err = sleepUntil(end)
		close(stopPoll)
		<-polled
	} else {
		err = sleepUntil(end)
	}
	if err != nil {
		return res, err
	}
	c1, err := sample()
	if err != nil {
		return res, err
	}
	if res.rssEnd, err = node.ReadStatus(s.proc.PID()); err != nil {
		return res, err
	}
	res.loadEnd = report.LoadAvg()
	wg.Wait() // the posts in flight at the end of the window
	answered := time.Now()

	res.accepted, res.failed, res.warm, res.late = p.accepted.Load(), p.failed.Load(), p.warm.Load(), p.late.Load()
	res.firstErr = p.firstErr
	res.expected = res.accepted * int64(len(socks))
	for p.delivered.Load() < res.expected && time.Since(answered) < drainTimeout {
		if n, _ := lost(socks); n == len(socks) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	res.drained = time.Since(answered)
	rec.cur.Store(nil)
	res.delivered = p.delivered.Load()
	res.window = time.Duration(p.to - p.from)
	res.post, res.delivery = p.post.summary(), p.delivery.summary()
	res.server, res.self = c1.server.Sub(c0.server), c1.self.Sub(c0.self)
	res.serverWait = c1.serverRun.Wait - c0.serverRun.Wait
	if pg != nil {
		res.pg, res.pgBackends = c1.pg-c0.pg, pg.backends()
	}
	res.lostSockets, res.lostWhy = lost(socks)
	progress("chat: %s: %.0f posts/s accepted, delivery p50 %s p99 %s, %d of %d deliveries, server CPU %.0f%% of one core",
		name, res.postsPerSecond(), report.Ms(res.delivery.P50), report.Ms(res.delivery.P99), res.delivered, res.expected,
		100*res.server.Total().Seconds()/res.window.Seconds())
	return res, nil
}

// postLoop is one poster: it posts in turn to each channel, as soon as the
// previous post is answered (closed loop) or at the times slots gives it.
func postLoop(ctx context.Context, p *phase, c *http.Client, base, token string, i int, channels []int64, slots <-chan time.Time, end time.Time) {
	for seq := range maxPostsPerPoster {
		if slots != nil {
			var at time.Time
			var ok bool
			select {
			case <-ctx.Done():
				return
			case at, ok = <-slots:
			}
			if !ok {
				return
			}
			if time.Since(at) > lateAfter {
				p.late.Add(1)
			}
		} else if !time.Now().Before(end) || ctx.Err() != nil {
			return
		}
		ch := channels[(i+seq)%len(channels)]
		sent := time.Now()
		err := createPost(ctx, c, base, token, ch, message(sent.UnixNano(), i, seq))
		took := time.Since(sent)
		switch ns := sent.UnixNano(); {
		case ns < p.from:
			p.warm.Add(1)
		case ns >= p.to:
		case err != nil:
			p.fail(err)
		default:
			p.accepted.Add(1)
			p.post.Record(took)
		}
		if err != nil && slots == nil {
			time.Sleep(10 * time.Millisecond) // no busy loop against a failing server
		}
	}
}

// createPost is POST /api/v1/channels/{id}/posts, answered 201.
func createPost(ctx context.Context, c *http.Client, base, token string, channel int64, msg string) error {
	body, _ := json.Marshal(map[string]string{"message": msg})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/channels/"+strconv.FormatInt(channel, 10)+"/posts", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return fmt.Errorf("POST posts: status %d: %.200s", resp.StatusCode, b)
	}
	return nil
}

// pgWatch follows the CPU time of the PostgreSQL backends that serve ruche
// (found by the application_name of its connections) over a window. A
// backend that ends between two polls loses its last quarter-second, so the
// figure is a slight underestimate.
type pgWatch struct {
	db    *sql.DB
	app   string
	mu    sync.Mutex
	first map[int]time.Duration
	last  map[int]time.Duration
	init  bool
}

// reset starts a window: backends seen now count from now, later ones from
// their start.
func (w *pgWatch) reset(ctx context.Context) {
	w.mu.Lock()
	w.first, w.last, w.init = map[int]time.Duration{}, map[int]time.Duration{}, true
	w.mu.Unlock()
}

// poll reads the backends' CPU time and returns the total since reset.
func (w *pgWatch) poll(ctx context.Context) time.Duration {
	rows, err := w.db.QueryContext(ctx, "SELECT pid FROM pg_stat_activity WHERE application_name = $1", w.app)
	var pids []int
	if err == nil {
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) == nil {
				pids = append(pids, pid)
			}
		}
		rows.Close()
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, pid := range pids {
		t, err := node.ReadTimes(pid)
		if err != nil {
			continue
		}
		if _, ok := w.first[pid]; !ok {
			if w.init {
				w.first[pid] = t.Total()
			} else {
				w.first[pid] = 0 // started during the window
			}
		}
		w.last[pid] = t.Total()
	}
	w.init = false
	var sum time.Duration
	for pid, t := range w.last {
		sum += t - w.first[pid]
	}
	return sum
}

// backends is how many backends were seen since reset.
func (w *pgWatch) backends() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.last)
}
