package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"ruche/bench/internal/node"
	"ruche/bench/internal/report"
)

// chatReport is everything the chat benchmark measured.
type chatReport struct {
	opts      chatOptions
	machine   report.Machine
	at        time.Time
	loadAtEnd string
	rig       *rig
	scenarios []scenarioResult
	history   *historyResult
}

// The Mattermost 5.37 + PostgreSQL 15 figures on the same scenario (the issue).
const (
	anchorPostsPerSecond = "80–86"
	anchorDeliveryP50    = "185–195 ms"
	anchorDeliveryP99    = "425–467 ms"
	anchorRateP99        = "100 ms"
	anchorHistory10k     = "15.5 ms (p99 28 ms)"
	anchorIdleRSS        = "107 MB"
	anchorConnectedRSS   = "165 MB"
)

// scenario is the scenario run on the database named db, or nil.
func (c chatReport) scenario(db string) *scenarioResult {
	for i := range c.scenarios {
		if c.scenarios[i].database == db {
			return &c.scenarios[i]
		}
	}
	return nil
}

// load is the scenario's load run at rate.
func (s *scenarioResult) load(rate float64) (loadResult, bool) {
	for _, l := range s.loads {
		if l.rate == rate {
			return l, true
		}
	}
	return loadResult{}, false
}

// pctCore is CPU time over a window as a percentage of one core.
func pctCore(cpu, window time.Duration) float64 { return 100 * cpu.Seconds() / window.Seconds() }

func writeChat(b *strings.Builder, c chatReport) {
	o := c.opts
	fmt.Fprintf(b, "%s\n\n", chatSection)
	fmt.Fprintf(b, "Measured %s by `go run ./bench/cmd/ruchebench chat` on %s "+
		"(load average %s at the start, %s at the end).\n",
		c.at.UTC().Format("2006-01-02 15:04 MST"), c.machine, c.machine.LoadAvg, c.loadAtEnd)
	fmt.Fprintf(b, "ruche `%s`, commit %s; binary %s (`go build -trimpath`, CGO_ENABLED=%s). "+
		"The load generator runs on the same machine and shares its %d CPUs with the server (its CPU time is in the tables). "+
		"kB and MB are decimal (1 MB = 10⁶ bytes).\n\n",
		c.rig.version, c.rig.commit, report.MB(c.rig.rucheSize), c.rig.cgo, c.machine.CPUs)
	compression := "permessage-deflate negotiated, as browsers do"
	if !o.compress {
		compression = "without compression"
	}
	held := "each signed in and holding one WebSocket"
	if o.sockets < o.users {
		held = fmt.Sprintf("each signed in, the first %d holding one WebSocket", o.sockets)
	}
	fmt.Fprintf(b, "Scenario (the Mattermost anchor's): %d users, all members of %s and of %d public channels, %s "+
		"(%s); %d of them post in turn to each channel, so every post goes to all %d sockets. "+
		"Each load run is measured over %s after %s of warm-up.\n\n",
		o.users, plural(o.teams, "team"), o.channels, held, compression, o.posters, o.sockets, o.duration, o.warmup)

	sq, pg := c.scenario("SQLite"), c.scenario("PostgreSQL")
	// Each row: figure, SQLite, target, result, PostgreSQL, anchor.
	var rows [][]string
	anchorScenario := o.users == 200 && o.sockets == 200 && o.channels == 10 && o.posters == 20
	verdict := func(ok bool) string {
		if !anchorScenario {
			return "(other scenario)"
		}
		return report.Verdict(ok)
	}
	onPG := func(rate float64, f func(loadResult) string) string {
		if pg != nil {
			if l, ok := pg.load(rate); ok {
				return f(l)
			}
		}
		return "—"
	}
	if sq != nil {
		for _, l := range sq.loads {
			if l.rate == 0 {
				rows = append(rows,
					[]string{fmt.Sprintf("accepted posts/s, %d posters, closed loop", l.posters), fmt.Sprintf("%.0f", l.postsPerSecond()),
						fmt.Sprintf("≥ %d", targetPostsPerSecond), verdict(l.postsPerSecond() >= targetPostsPerSecond),
						onPG(0, func(l loadResult) string { return fmt.Sprintf("%.0f", l.postsPerSecond()) }), anchorPostsPerSecond},
					[]string{"delivery p50, closed loop", report.Ms(l.delivery.P50), "—", "",
						onPG(0, func(l loadResult) string { return report.Ms(l.delivery.P50) }), anchorDeliveryP50},
					[]string{"delivery p99, closed loop", report.Ms(l.delivery.P99), "≤ " + report.Ms(targetDeliveryP99),
						verdict(l.delivery.P99 <= targetDeliveryP99 && l.delivered == l.expected),
						onPG(0, func(l loadResult) string { return report.Ms(l.delivery.P99) }), anchorDeliveryP99})
			} else {
				target, v, anchor := "—", "", "—"
				switch l.rate {
				case anchorRate:
					target, v, anchor = "≤ "+report.Ms(targetRateP99), verdict(l.delivery.P99 <= targetRateP99 && l.delivered == l.expected), anchorRateP99
				case targetPostsPerSecond: // the throughput target's latency, at that throughput
					target, v = "≤ "+report.Ms(targetDeliveryP99), verdict(l.delivery.P99 <= targetDeliveryP99 &&
						l.delivered == l.expected && l.postsPerSecond() >= 0.99*l.rate)
				}
				rows = append(rows, []string{fmt.Sprintf("delivery p99 at %g posts/s (p50)", l.rate),
					fmt.Sprintf("%s (%s)", report.Ms(l.delivery.P99), report.Ms(l.delivery.P50)), target, v,
					onPG(l.rate, func(l loadResult) string {
						return fmt.Sprintf("%s (%s)", report.Ms(l.delivery.P99), report.Ms(l.delivery.P50))
					}), anchor})
			}
		}
	}
	if h := c.history; h != nil {
		for _, pt := range h.points {
			target, anchor := time.Duration(0), "—"
			switch pt.posts {
			case 10_000:
				target, anchor = targetHistory10k, anchorHistory10k
			case 1_000_000:
				target = targetHistory1M
			}
			t, v := "—", ""
			if target > 0 {
				t, v = "≤ "+report.Ms(target), report.Verdict(pt.random.P50 <= target)
			}
			rows = append(rows, []string{fmt.Sprintf("history page (60 posts) p50, %s posts in the channel (random pages; newest page %s)",
				thousands(pt.posts), fmtMs(pt.newest.P50)), fmtMs(pt.random.P50), t, v, "—", anchor})
		}
	}
	if sq != nil {
		pgMB := func(f func(*scenarioResult) int64) string {
			if pg == nil {
				return "—"
			}
			return report.MB(f(pg))
		}
		rows = append(rows,
			[]string{fmt.Sprintf("VmRSS idle (restarted on the workspace, %s idle)", o.settle), report.MB(sq.idle.VmRSS),
				"≤ " + report.MB(targetChatIdleRSS), report.Verdict(sq.idle.VmRSS <= targetChatIdleRSS),
				pgMB(func(s *scenarioResult) int64 { return s.idle.VmRSS }), anchorIdleRSS},
			[]string{fmt.Sprintf("VmRSS with the %d users connected", sq.users), report.MB(sq.connected.VmRSS),
				"≤ " + report.MB(targetConnectedRSS), verdict(sq.connected.VmRSS <= targetConnectedRSS),
				pgMB(func(s *scenarioResult) int64 { return s.connected.VmRSS }), anchorConnectedRSS})
		if sq.idleSockets > 0 {
			added := sq.withIdle.VmRSS - sq.connected.VmRSS
			rows = append(rows, []string{fmt.Sprintf("VmRSS added by %s idle WebSockets", thousands(sq.idleSockets)),
				fmt.Sprintf("%s (%.1f kB each)", report.MB(added), float64(added)/float64(sq.idleSockets)/1e3),
				"≤ " + report.MB(targetIdleSocketsRSS), idleVerdict(sq.idleSockets, added), "—", "—"})
		}
	}
	head := []string{"figure", "Ruche (SQLite)", "target", "result", "Ruche (PostgreSQL, no target)", "Mattermost 5.37 + PostgreSQL 15 (anchor)"}
	if pg == nil {
		head = slices.Delete(head, 4, 5)
		for i := range rows {
			rows[i] = slices.Delete(rows[i], 4, 5)
		}
	}
	report.Table(b, head, rows)
	fmt.Fprintf(b, "\nThe anchor was measured on the same kind of 2-CPU machine with its generator beside it; the targets are the issue's. "+
		"A delivery target counts as met only if every delivery arrived.\n")

	writeLoads(b, c)
	for i := range c.scenarios {
		writeChatMemory(b, &c.scenarios[i])
	}
	if c.history != nil {
		writeHistory(b, *c.history, o)
	}
	writeChatMethod(b, c)
}

// idleVerdict judges the memory that n idle sockets added: the target is
// for 1,000.
func idleVerdict(n int, added int64) string {
	if n != 1000 {
		return "(other count)"
	}
	return report.Verdict(added <= targetIdleSocketsRSS)
}

// plural is n and the noun, with an s when n is not 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%s %ss", thousands(n), noun)
}

func writeLoads(b *strings.Builder, c chatReport) {
	var loads []loadResult
	for _, s := range c.scenarios {
		loads = append(loads, s.loads...)
	}
	if len(loads) == 0 {
		return
	}
	fmt.Fprintf(b, "\n### Load runs\n\n")
	fmt.Fprintf(b, "Delivery latency is the receiver's clock at the end of a `post.created` frame minus the send time the message "+
		"carries (taken just before the POST), over every receiving socket, the poster's own included. "+
		"CPU is utime+stime of `/proc/PID/stat` over the window, as a share of one core (200 %% = both CPUs busy); "+
		"\"waiting\" is the time the server's threads were ready to run but had no CPU (schedstat).\n\n")
	var rows [][]string
	hasPG := false
	for _, l := range loads {
		if l.pgBackends > 0 {
			hasPG = true
		}
	}
	for _, l := range loads {
		mode := "closed loop"
		if l.rate > 0 {
			mode = fmt.Sprintf("%g posts/s", l.rate)
		}
		acc := fmt.Sprintf("%.1f", l.postsPerSecond())
		if l.failed > 0 {
			acc += fmt.Sprintf(" (%d failed)", l.failed)
		}
		got := fmt.Sprintf("%s of %s", thousands64(l.delivered), thousands64(l.expected))
		if l.delivered == l.expected {
			got = "all " + thousands64(l.expected)
		}
		row := []string{l.database, mode, acc,
			report.Ms(l.post.P50) + " / " + report.Ms(l.post.P99),
			report.Ms(l.delivery.P50), report.Ms(l.delivery.P95), report.Ms(l.delivery.P99), report.Ms(l.delivery.Max), got,
			fmt.Sprintf("%.0f %%", pctCore(l.server.Total(), l.window)),
			perPost(l.server.Total(), l.accepted),
			fmt.Sprintf("%.0f %%", pctCore(l.serverWait, l.window)),
			fmt.Sprintf("%.0f %%", pctCore(l.self.Total(), l.window))}
		if hasPG {
			pg := "—"
			if l.pgBackends > 0 {
				pg = fmt.Sprintf("%.0f %% (%d backends)", pctCore(l.pg, l.window), l.pgBackends)
			}
			row = append(row, pg)
		}
		row = append(row, fmt.Sprintf("%s (peak %s)", report.MB(l.rssEnd.VmRSS), report.MB(l.rssEnd.VmHWM)), l.loadEnd)
		rows = append(rows, row)
	}
	head := []string{"database", "posters", "accepted posts/s", "POST → 201 p50 / p99", "delivery p50", "p95", "p99", "max",
		"deliveries received", "server CPU", "server CPU per post", "server waiting for a CPU", "generator CPU"}
	if hasPG {
		head = append(head, "PostgreSQL backends CPU")
	}
	head = append(head, "server VmRSS at the end", "load average at the end")
	report.Table(b, head, rows)
	b.WriteString("\n")
	for _, l := range loads {
		var notes []string
		if l.rate > 0 {
			notes = append(notes, fmt.Sprintf("%d of the sends started more than %s after their time", l.late, lateAfter))
		}
		if l.drained > time.Second {
			notes = append(notes, fmt.Sprintf("the last deliveries arrived %s after the last answer", report.Ms(l.drained)))
		}
		if l.failed > 0 {
			notes = append(notes, fmt.Sprintf("first failure: `%s`", oneLine(l.firstErr)))
		}
		if l.lostSockets > 0 {
			notes = append(notes, fmt.Sprintf("%d sockets were closed by the server (first: `%s`)", l.lostSockets, oneLine(l.lostWhy)))
		}
		if len(notes) > 0 {
			fmt.Fprintf(b, "- %s, %s: %s.\n", l.database, modeName(l.rate), strings.Join(notes, "; "))
		}
	}
	for _, s := range c.scenarios {
		if s.errors > 0 {
			fmt.Fprintf(b, "- %s: the server logged %d errors; the first: `%s`.\n", s.database, s.errors, oneLine(s.errorHead[0]))
		}
	}
}

// perPost is CPU time per accepted post.
func perPost(cpu time.Duration, posts int64) string {
	if posts == 0 {
		return "—"
	}
	return fmtMs(cpu / time.Duration(posts))
}

func modeName(rate float64) string {
	if rate == 0 {
		return "closed loop"
	}
	return fmt.Sprintf("%g posts/s", rate)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "`", "'")
	if len(s) > 200 {
		s = s[:197] + "..."
	}
	return s
}

func writeChatMemory(b *strings.Builder, s *scenarioResult) {
	fmt.Fprintf(b, "\n### Memory and setup, %s\n\n", s.database)
	w := s.w
	fmt.Fprintf(b, "Setup through the API: %d users created by the admin (`POST /api/v1/users`, each hashes a password) in %s; "+
		"%s, %d channels and every membership in %s; %d logins (`POST /api/v1/sessions`, from %d loopback addresses, "+
		"at most %d each) in %s. Then ruche was restarted on the same data (healthy again after %s) so that the readings below "+
		"do not carry the garbage of those %d password hashes; %d WebSockets were opened in %s.\n\n",
		s.users, w.tUsers.Round(100*time.Millisecond), plural(s.teams, "team"), s.channels, w.tStructure.Round(100*time.Millisecond),
		s.users, w.addresses, loginsPerAddress, w.tLogins.Round(100*time.Millisecond), report.Ms(s.restart), 2*s.users+1,
		s.users, s.tConnect.Round(10*time.Millisecond))
	row := func(label string, st node.Status, g map[string]float64) []string {
		heap, stacks, gor := "—", "—", "—"
		if g != nil {
			heap = report.MB(int64(g["go_memstats_heap_inuse_bytes"]))
			stacks = report.MB(int64(g["go_memstats_stack_inuse_bytes"]))
			gor = fmt.Sprintf("%.0f", g["go_goroutines"])
		}
		return []string{label, report.MB(st.VmRSS), report.MB(st.RssAnon), report.MB(st.RssFile), report.MB(st.VmHWM),
			fmt.Sprint(st.Threads), heap, stacks, gor}
	}
	rows := [][]string{
		row("after the setup (before the restart)", s.afterSetup, nil),
		row("restarted, idle", s.idle, s.idleGo),
		row(fmt.Sprintf("%d WebSockets open", s.users), s.connected, s.connectGo),
	}
	if s.idleSockets > 0 {
		rows = append(rows, row(fmt.Sprintf("%d + %d idle WebSockets", s.users, s.idleSockets), s.withIdle, s.withIdleGo))
	}
	rows = append(rows, row("after the load runs", s.end, nil))
	report.Table(b, []string{"step", "VmRSS", "RssAnon", "RssFile", "VmHWM", "threads", "Go heap in use", "goroutine stacks", "goroutines"}, rows)
	if s.idleSockets > 0 {
		d := s.withIdle.VmRSS - s.connected.VmRSS
		fmt.Fprintf(b, "\n%s idle WebSockets (%d per user, opened in %s) added %s of VmRSS, %.1f kB per socket",
			thousands(s.idleSockets), (s.idleSockets+s.users-1)/s.users, s.tIdleOpen.Round(10*time.Millisecond), report.MB(d),
			float64(d)/float64(s.idleSockets)/1e3)
		if s.connectGo != nil && s.withIdleGo != nil {
			fmt.Fprintf(b, "; the Go heap in use grew by %s, the goroutine stacks by %s and the goroutines by %.0f (%.1f per socket)",
				report.MB(int64(s.withIdleGo["go_memstats_heap_inuse_bytes"]-s.connectGo["go_memstats_heap_inuse_bytes"])),
				report.MB(int64(s.withIdleGo["go_memstats_stack_inuse_bytes"]-s.connectGo["go_memstats_stack_inuse_bytes"])),
				s.withIdleGo["go_goroutines"]-s.connectGo["go_goroutines"],
				(s.withIdleGo["go_goroutines"]-s.connectGo["go_goroutines"])/float64(s.idleSockets))
		}
		fmt.Fprintf(b, ". The reading is taken the settle time after the last socket opened; those sockets were closed again before the load runs.\n")
	}
	fmt.Fprintf(b, "\nThe sockets received %s frames in all (%s of payload)", thousands64(s.frames), report.MB(s.frameBytes))
	if s.postFrames > 0 {
		fmt.Fprintf(b, ", of which %s `post.created` frames of %.0f bytes on average", thousands64(s.postFrames), float64(s.postBytes)/float64(s.postFrames))
	}
	b.WriteString(".\n")
}

func writeHistory(b *strings.Builder, h historyResult, o chatOptions) {
	fmt.Fprintf(b, "\n### Channel history\n\n")
	fmt.Fprintf(b, "One channel whose posts were written by %d users (made and signed in, with the team and the channel, through the API in %s). "+
		"The posts themselves were written with the store (`store.CreatePost` and `AddReaction` in transactions of %s, ruche stopped): "+
		"one in ten is a reply in a thread, one in four has one to three reactions; messages are the chat lines of the load runs, "+
		"rendered as the server renders them. Then ruche starts and one member signed in with a bearer token asks "+
		"`GET /api/v1/channels/{id}/posts?limit=60` (gzip accepted, as a browser) one request at a time: once right after the start "+
		"(\"cold\"), 20 times to warm up, %d times for the newest page and %d times for the page before a random post. "+
		"Latency is from sending the request to the last byte of the answer, on the client.\n\n",
		h.authors, h.setup.Round(100*time.Millisecond), thousands(historyBatch), max(o.historyRequests/5, 1), o.historyRequests)
	var rows [][]string
	for _, pt := range h.points {
		lat := func(l latency) string {
			return fmt.Sprintf("%s / %s / %s / %s", fmtMs(l.P50), fmtMs(l.P95), fmtMs(l.P99), fmtMs(l.Max))
		}
		rows = append(rows, []string{
			fmt.Sprintf("%s (%s roots, %s reactions)", thousands(pt.posts), thousands(pt.roots), thousands(pt.reactions)),
			fmt.Sprintf("%s in %s (%.0f posts/s)", thousands(pt.added), pt.fill.Round(100*time.Millisecond), float64(pt.added)/pt.fill.Seconds()),
			report.MB(pt.dbBytes), fmtMs(pt.cold), lat(pt.newest), lat(pt.random),
			fmt.Sprintf("%s (%s decoded)", report.KB(pt.wire), report.KB(pt.decoded)),
			fmt.Sprintf("%d posts, %d with their author, %d reactions", pt.pagePosts, pt.pageAuthors, pt.pageReactions),
			report.MB(pt.rss.VmRSS)})
	}
	report.Table(b, []string{"posts in the channel", "written (this step)", "database", "cold", "newest page p50 / p95 / p99 / max",
		"random page p50 / p95 / p99 / max", "newest page on the wire", "newest page holds", "server VmRSS after"}, rows)
}

func writeChatMethod(b *strings.Builder, c chatReport) {
	fmt.Fprintf(b, "\n### How it is measured\n\n")
	b.WriteString("- Everything goes through the real API of a `ruche serve` process on 127.0.0.1 with a fresh data folder; " +
		"the admin is made with `ruche admin user create`, users, teams, channels and memberships with the JSON API, and each user " +
		"signs in once (`POST /api/v1/sessions`) and opens `GET /api/v1/ws` with `Authorization: Bearer`.\n")
	b.WriteString("- Posters are the first users, each with its own keep-alive connection: `POST /api/v1/channels/{id}/posts` " +
		"with a chat line and `rbt=<send time in Unix ns>`, cycling over the channels. Closed loop: a poster posts again as soon as " +
		"it has its 201. Fixed rate: posts are due at even intervals and handed to the next free poster; the send time is when the " +
		"request actually starts. Posts sent during the warm-up or after the window are not counted.\n")
	b.WriteString("- Receivers read every frame; a `post.created` frame with a send time in the window is one delivery. Expected " +
		"deliveries are the posts accepted in the window times the sockets; after the window the tool waits up to " +
		drainTimeout.String() + " for the rest.\n")
	b.WriteString("- Memory is `/proc/PID/status` of the server (VmRSS, the figure; VmHWM, its peak), read after the settle time " +
		"with nothing forced (no GC); the Go heap and goroutines come from `/metrics` just after.\n")
	b.WriteString("- PostgreSQL (when `--database` is given): the same scenario in a fresh schema (`search_path`), dropped at the end; " +
		"the CPU of the PostgreSQL backends serving ruche (found by `application_name`) is added up from `/proc/PID/stat`.\n")
	b.WriteString("- Run it again with `go run ./bench/cmd/ruchebench chat --database 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable' " +
		"--out docs/benchmarks.md`; bench/README.md lists the flags.\n")
}

// thousands writes n with commas: 1,000,000.
func thousands(n int) string { return thousands64(int64(n)) }

func thousands64(n int64) string {
	s := fmt.Sprint(n)
	if n < 0 {
		return "-" + thousands64(-n)
	}
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
