package main

import (
	"context"
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"time"

	"ruche/bench/internal/browser"
	"ruche/bench/internal/node"
	"ruche/bench/internal/report"
)

// The foundation targets (docs/PRODUCT.md): Ruche must start fast, idle
// small and send little to a browser.
const (
	targetStartup = 300 * time.Millisecond
	targetIdleRSS = 30_000_000 // bytes
	targetFirst   = 100_000    // bytes
	targetRepeat  = 10_000     // bytes
	sectionTitle  = "## Foundation"
	maxRuns       = 100
	maxSettle     = 5 * time.Minute
	defaultBudget = 20 * time.Minute
)

type foundationOptions struct {
	runs      int
	settle    time.Duration
	out       string
	hotpath   bool
	benchtime string
	count     int
	chromium  string
	timeout   time.Duration
}

func foundation(ctx context.Context, args []string) error {
	var o foundationOptions
	fs := flag.NewFlagSet("foundation", flag.ContinueOnError)
	fs.IntVar(&o.runs, "runs", 10, "startups per kind (fresh folder, existing folder, baseline)")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "idle time before reading the memory")
	fs.StringVar(&o.out, "out", "", `Markdown file whose "`+sectionTitle+`" section to write (e.g. docs/benchmarks.md); the report always goes to standard output`)
	fs.BoolVar(&o.hotpath, "hotpath", true, "also run the micro-benchmarks of ./bench (go test -bench)")
	fs.StringVar(&o.benchtime, "benchtime", "2s", "go test -benchtime for the micro-benchmarks")
	fs.IntVar(&o.count, "count", 5, "go test -count for the micro-benchmarks (the report shows the median)")
	fs.StringVar(&o.chromium, "chromium", "", "Chromium binary (default: as the browser tests find it; RUCHE_CHROMIUM)")
	fs.DurationVar(&o.timeout, "timeout", defaultBudget, "give up after this long")
	if err := parseFlags(fs, "foundation", args); err != nil {
		return err
	}
	switch {
	case o.runs < 1 || o.runs > maxRuns:
		return fmt.Errorf("--runs must be between 1 and %d", maxRuns)
	case o.settle < 0 || o.settle > maxSettle:
		return fmt.Errorf("--settle must be between 0 and %s", maxSettle)
	case o.count < 1 || o.count > 20:
		return fmt.Errorf("--count must be between 1 and 20")
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

	st, err := measureStartup(ctx, r, o.runs)
	if err != nil {
		return fmt.Errorf("startup: %w", err)
	}
	mem, p, err := measureMemory(ctx, r, o.settle)
	if err != nil {
		return fmt.Errorf("memory: %w", err)
	}
	wire, err := measureWire(ctx, p.URL, o.chromium)
	if err != nil {
		return fmt.Errorf("wire: %w", err)
	}
	if mem.afterBrowser, err = node.ReadStatus(p.PID()); err != nil {
		return err
	}
	r.close() // nothing may run beside the micro-benchmarks
	var hot []benchFigure
	var hotCPU string
	if o.hotpath {
		if hot, hotCPU, err = runHotPath(ctx, r.root, o.benchtime, o.count); err != nil {
			return fmt.Errorf("hot path: %w", err)
		}
	}

	var b strings.Builder
	writeFoundation(&b, foundationReport{opts: o, machine: machine, at: started, rig: r, loadAtEnd: report.LoadAvg(),
		startup: st, memory: mem, wire: wire, hot: hot, hotCPU: hotCPU, base: p.URL})
	fmt.Print(b.String())
	if o.out != "" {
		out := o.out
		if !filepath.IsAbs(out) {
			out = filepath.Join(r.root, out)
		}
		if err := report.ReplaceSection(out, sectionTitle, b.String()); err != nil {
			return err
		}
		progress("wrote the %q section of %s", sectionTitle, out)
	}
	return nil
}

type foundationReport struct {
	opts      foundationOptions
	machine   report.Machine
	at        time.Time
	loadAtEnd string
	rig       *rig
	startup   startupResult
	memory    memoryResult
	wire      wireResult
	hot       []benchFigure
	hotCPU    string
	base      string
}

// wireTotal sums the bytes received and counts the requests, and those
// served from the cache.
func wireTotal(reqs []browser.Request) (bytes int64, n, cached int) {
	for _, x := range reqs {
		bytes += x.Wire
		if x.FromCache {
			cached++
		}
	}
	return bytes, len(reqs), cached
}

func writeFoundation(b *strings.Builder, f foundationReport) {
	st, mem, o := f.startup, f.memory, f.opts
	total := func(r startRun) time.Duration { return r.total }
	fresh, existing, baseStart := st.fresh.spread(total), st.existing.spread(total), st.baseline.spread(total)
	first, firstN, _ := wireTotal(f.wire.first)
	repeat, repeatN, repeatCached := wireTotal(f.wire.repeat)

	fmt.Fprintf(b, "%s\n\n", sectionTitle)
	fmt.Fprintf(b, "Measured %s by `go run ./bench/cmd/ruchebench foundation` on %d × %s, %s RAM, %s, %s "+
		"(load average %s at the start, %s at the end).\n",
		f.at.UTC().Format("2006-01-02 15:04 MST"), f.machine.CPUs, f.machine.CPUModel, report.GiB(f.machine.MemTotal),
		f.machine.Kernel, f.machine.Go, f.machine.LoadAvg, f.loadAtEnd)
	fmt.Fprintf(b, "ruche `%s`, commit %s; binary %s (`go build -trimpath`, CGO_ENABLED=%s). kB and MB are decimal (1 kB = 1000 bytes).\n\n",
		f.rig.version, f.rig.commit, report.MB(f.rig.rucheSize), f.rig.cgo)

	rows := [][]string{
		{fmt.Sprintf("startup, fresh data folder (exec → first `/healthz` 200, median of %d)", len(st.fresh)),
			fmt.Sprintf("%s (min %s, max %s)", report.Ms(fresh.Median), report.Ms(fresh.Min), report.Ms(fresh.Max)),
			"< " + report.Ms(targetStartup), report.Verdict(fresh.Median < targetStartup)},
		{fmt.Sprintf("startup, existing data folder (already migrated, median of %d)", len(st.existing)),
			fmt.Sprintf("%s (min %s, max %s)", report.Ms(existing.Median), report.Ms(existing.Min), report.Ms(existing.Max)),
			"< " + report.Ms(targetStartup), report.Verdict(existing.Median < targetStartup)},
		{fmt.Sprintf("idle memory: VmRSS %s after one login and one load of the shell", mem.settle),
			fmt.Sprintf("%s (VmHWM %s)", report.MB(mem.idle.VmRSS), report.MB(mem.idle.VmHWM)),
			"< " + report.MB(targetIdleRSS), report.Verdict(mem.idle.VmRSS < targetIdleRSS)},
		{"first visit of `/`, signed in, empty cache: bytes received",
			fmt.Sprintf("%s in %d requests", report.KB(first), firstN),
			"< " + report.KB(targetFirst), report.Verdict(first < targetFirst)},
		{"repeat visit of `/`, same browser: bytes received",
			fmt.Sprintf("%s in %d requests (%d from the cache)", report.KB(repeat), repeatN, repeatCached),
			"< " + report.KB(targetRepeat), report.Verdict(repeat < targetRepeat)},
	}
	report.Table(b, []string{"figure", "measured", "target", "result"}, rows)
	fmt.Fprintf(b, "\nSame-run ratios to the baseline (`bench/cmd/minhttp`, the smallest Go HTTP server, started the same way): "+
		"startup ×%.1f (fresh folder) and ×%.1f (existing folder) of its %s; idle VmRSS ×%.1f of its %s.\n",
		ratio(float64(fresh.Median), float64(baseStart.Median)), ratio(float64(existing.Median), float64(baseStart.Median)),
		report.Ms(baseStart.Median), ratio(float64(mem.idle.VmRSS), float64(mem.baseline.VmRSS)), report.MB(mem.baseline.VmRSS))

	writeStartup(b, st)
	writeMemory(b, mem)
	writeWire(b, f.wire, f.base)
	if len(f.hot) > 0 {
		writeHotPath(b, f.hot, f.hotCPU, o)
	}
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

func writeStartup(b *strings.Builder, st startupResult) {
	fmt.Fprintf(b, "\n### Startup\n\n")
	fmt.Fprintf(b, "The clock starts just before exec and stops at the first 200 of `GET /healthz` (which pings the database), "+
		"polled every %s over a new connection; the three kinds of start are interleaved. "+
		"\"ruche's own\" is the `startup_ms` that `ruche serve` logs: opening the app (database, migrations, "+
		"templates, assets) up to listening; the rest is exec, the Go runtime and package initialisers. "+
		"\"On a CPU\" and \"waiting for a CPU\" add up the server's threads (`/proc/PID/task/*/schedstat`) when it first "+
		"answers: CPU time is the work startup costs, the wait is what a busy machine adds.\n\n", pollEvery)
	row := func(name string, runs startSeries) []string {
		t := runs.spread(func(r startRun) time.Duration { return r.total })
		own := "—"
		if o := runs.spread(func(r startRun) time.Duration { return r.open }); o.Median > 0 {
			own = report.Ms(o.Median)
		}
		return []string{name, report.Ms(t.Min), report.Ms(t.Median), report.Ms(t.Max), own,
			report.Ms(runs.spread(func(r startRun) time.Duration { return r.cpu.Run }).Median),
			report.Ms(runs.spread(func(r startRun) time.Duration { return r.cpu.Wait }).Median)}
	}
	report.Table(b, []string{"start", "min", "median", "max", "ruche's own (median)", "on a CPU (median)", "waiting for a CPU (median)"}, [][]string{
		row("ruche, fresh data folder (creates and migrates the database)", st.fresh),
		row("ruche, existing data folder", st.existing),
		row("baseline: minhttp", st.baseline),
	})
	if len(st.inits) > 0 {
		fmt.Fprintf(b, "\nPackage initialisers (`GODEBUG=inittrace=1 ruche version`, one run): %s in all; the slowest:\n\n",
			report.Ms(st.initTotal))
		var rows [][]string
		for _, c := range st.inits[:min(5, len(st.inits))] {
			rows = append(rows, []string{"`" + c.pkg + "`", report.Ms(c.clock), report.MB(c.bytes)})
		}
		report.Table(b, []string{"package", "init clock", "allocated"}, rows)
	}
}

func writeMemory(b *strings.Builder, mem memoryResult) {
	fmt.Fprintf(b, "\n### Idle memory\n\n")
	fmt.Fprintf(b, "ruche starts on a fresh data folder; the admin is created with `ruche admin user create` (another process), "+
		"signs in once with `POST /api/v1/sessions` and loads the shell once (`/` and the %d files it links to, gzip accepted); "+
		"then nothing happens for %s and `/proc/PID/status` is read. Nothing is forced (no GC, no `FreeOSMemory`). "+
		"VmRSS = RssAnon (heap, stacks, SQLite's memory) + RssFile (pages of the binary and libraries) + RssShmem.\n\n",
		mem.shellFiles-1, mem.settle)
	var rows [][]string
	for _, s := range mem.timeline {
		rows = append(rows, []string{s.label, report.Ms(s.at.Round(time.Millisecond)), report.MB(s.st.VmRSS),
			report.MB(s.st.RssAnon), report.MB(s.st.RssFile), report.MB(s.st.VmHWM), fmt.Sprint(s.st.Threads)})
	}
	report.Table(b, []string{"step", "since exec", "VmRSS", "RssAnon", "RssFile", "VmHWM", "threads"}, rows)
	g := mem.goStats
	if len(g) > 0 {
		lastGC := "never"
		if t := g["go_memstats_last_gc_time_seconds"]; t > 0 {
			lastGC = fmt.Sprintf("%.1f s before the reading", float64(mem.scrapedAt.UnixNano())/1e9-t)
		}
		fmt.Fprintf(b, "\nGo runtime, from `/metrics` just after the reading: heap in use %s (objects %s, %.0f of them, live or not yet collected), "+
			"heap idle %s of which %s returned to the OS, stacks %s, next GC at %s, total obtained from the OS %s; "+
			"%.0f GCs so far, last one %s; %.0f goroutines, %.0f threads.\n",
			report.MB(int64(g["go_memstats_heap_inuse_bytes"])), report.MB(int64(g["go_memstats_heap_alloc_bytes"])),
			g["go_memstats_heap_objects"], report.MB(int64(g["go_memstats_heap_idle_bytes"])),
			report.MB(int64(g["go_memstats_heap_released_bytes"])), report.MB(int64(g["go_memstats_stack_sys_bytes"])),
			report.MB(int64(g["go_memstats_next_gc_bytes"])), report.MB(int64(g["go_memstats_sys_bytes"])),
			g["go_gc_duration_seconds_count"], lastGC, g["go_goroutines"], g["go_threads"])
	}
	fmt.Fprintf(b, "\nAfter the browser step below (one more login, through the form, and three page loads): VmRSS %s, VmHWM %s. "+
		"Baseline minhttp after one request: VmRSS %s (RssAnon %s, RssFile %s).\n",
		report.MB(mem.afterBrowser.VmRSS), report.MB(mem.afterBrowser.VmHWM),
		report.MB(mem.baseline.VmRSS), report.MB(mem.baseline.RssAnon), report.MB(mem.baseline.RssFile))
}

// compressible is what a server should send compressed.
func compressible(mime string) bool {
	return strings.HasPrefix(mime, "text/") || strings.Contains(mime, "javascript") ||
		strings.Contains(mime, "json") || strings.Contains(mime, "svg")
}

func writeWire(b *strings.Builder, w wireResult, base string) {
	fmt.Fprintf(b, "\n### Bytes on the wire\n\n")
	fmt.Fprintf(b, "Headless Chromium (Debian's, with the flags of the browser tests). One fresh browser opens `/login` and signs in "+
		"through the form; its session cookie is set in a second fresh browser (new profile, `Network.clearBrowserCache`), "+
		"which loads `/` (first visit) and then navigates to `/` again (repeat visit). A load ends when every request has "+
		"finished and the network has been quiet for %s. \"On the wire\" is `Network.loadingFinished` `encodedDataLength`: "+
		"response headers and body as received, before decoding (request bytes are not counted).\n\n", idleQuiet)
	table := func(title string, reqs []browser.Request) {
		total, n, cached := wireTotal(reqs)
		var decoded int64
		var plain []string
		for _, x := range reqs {
			decoded += x.Decoded
			if !x.FromCache && !x.Redirect && x.Failed == "" && compressible(x.MimeType) && x.Encoding == "" {
				plain = append(plain, fmt.Sprintf("`%s` (%s)", short(x.URL, base), report.KB(x.Body)))
			}
		}
		fmt.Fprintf(b, "**%s**: %s received in %d requests (%d from the cache), %s after decoding. ", title, report.KB(total), n, cached, report.KB(decoded))
		if len(plain) == 0 {
			fmt.Fprintf(b, "Every text response from the network was compressed.\n\n")
		} else {
			fmt.Fprintf(b, "Sent uncompressed: %s.\n\n", strings.Join(plain, ", "))
		}
		var rows [][]string
		for _, x := range reqs {
			status := fmt.Sprint(x.Status)
			switch {
			case x.Failed != "":
				status = "failed: " + x.Failed
			case x.FromCache:
				status += " (cache)"
			case x.Redirect:
				status += " (redirect)"
			}
			enc := x.Encoding
			if enc == "" {
				enc = "—"
			}
			rows = append(rows, []string{"`" + short(x.URL, base) + "`", x.Type, status, enc,
				fmt.Sprint(x.Wire), fmt.Sprint(min(x.Head, x.Wire)), fmt.Sprint(x.Body), fmt.Sprint(x.Decoded)})
		}
		report.Table(b, []string{"request", "type", "status", "encoding", "on the wire (B)", "headers (B)", "body (B)", "decoded body (B)"}, rows)
		b.WriteString("\n")
	}
	table("First visit of `/` (signed in, empty cache)", w.first)
	table("Repeat visit of `/`", w.repeat)
	total, n, _ := wireTotal(w.login)
	fmt.Fprintf(b, "For comparison, `/login` signed out with an empty cache: %s in %d requests.\n", report.KB(total), n)
}

// short is a URL without the server's origin, truncated for a table.
func short(url, base string) string {
	s := strings.TrimPrefix(url, base)
	if s == "" {
		s = "/"
	}
	if len(s) > 60 {
		s = s[:57] + "..."
	}
	return s
}

func writeHotPath(b *strings.Builder, figs []benchFigure, cpu string, o foundationOptions) {
	fmt.Fprintf(b, "\n### Hot path (micro-benchmarks)\n\n")
	fmt.Fprintf(b, "`go test -run '^$' -bench . -benchmem -count %d -benchtime %s ./bench/` (bench/hotpath_test.go; CPU as Go reports it: %s), "+
		"run after every server of the steps above had stopped. The figures are the median of the %d runs, with their range; "+
		"RunParallel benchmarks use GOMAXPROCS goroutines, so their ns/op is wall time per operation across all of them.\n\n",
		o.count, o.benchtime, cpu, o.count)
	var rows [][]string
	for _, f := range figs {
		rows = append(rows, []string{"`" + strings.TrimPrefix(f.name, "Benchmark") + "`", f.description,
			fmt.Sprintf("%.0f", f.nsOp.Median), fmt.Sprintf("%.0f–%.0f", f.nsOp.Min, f.nsOp.Max),
			fmt.Sprintf("%.0f", f.bytesOp.Median), fmt.Sprintf("%.0f", f.allocsOp.Median),
			fmt.Sprintf("%.0f", 1e9/f.nsOp.Median)})
	}
	report.Table(b, []string{"benchmark", "what", "ns/op", "range", "B/op", "allocs/op", "≈ ops/s"}, rows)
}
