package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"ruche/bench/internal/node"
	"ruche/bench/internal/report"
)

// Startup is timed from just before exec to the first 200 of /healthz,
// polled every pollEvery; a start that takes longer than startTimeout is a
// failure, not a figure.
const (
	pollEvery    = 2 * time.Millisecond
	startTimeout = 30 * time.Second
)

// startRun is one start, from exec to the first healthy answer.
type startRun struct {
	total time.Duration // exec → first /healthz 200
	open  time.Duration // app.Open + listen, as ruche logs it (startup_ms); 0 for the baseline
	cpu   node.CPU      // the server's CPU use by then: on a CPU, and waiting for one
}

// startSeries is the runs of one kind of start.
type startSeries []startRun

func (s startSeries) spread(f func(startRun) time.Duration) report.Spread[time.Duration] {
	var xs []time.Duration
	for _, r := range s {
		xs = append(xs, f(r))
	}
	return report.SpreadOf(xs)
}

// startupResult holds the runs of each kind.
type startupResult struct {
	fresh, existing, baseline startSeries
	inits                     []initCost // package initialisers, slowest first
	initTotal                 time.Duration
}

// measureStartup starts ruche runs times on a fresh data folder, runs times
// on an existing (already migrated) one, and the baseline server runs
// times, interleaved so that a slow patch of the machine hits all three.
func measureStartup(ctx context.Context, r *rig, runs int) (startupResult, error) {
	var res startupResult
	existing := r.path("existing")
	progress("startup: preparing an existing data folder")
	if _, err := timeStart(ctx, r, existing); err != nil { // migrates; not counted
		return res, err
	}
	for i := range runs {
		progress("startup: run %d/%d", i+1, runs)
		fresh := r.path(fmt.Sprintf("fresh-%d", i))
		run, err := timeStart(ctx, r, fresh)
		if err != nil {
			return res, err
		}
		_ = os.RemoveAll(fresh)
		res.fresh = append(res.fresh, run)

		if run, err = timeStart(ctx, r, existing); err != nil {
			return res, err
		}
		res.existing = append(res.existing, run)

		p, err := r.startMinHTTP(fmt.Sprintf("minhttp-%d", i))
		if err != nil {
			return res, err
		}
		run.total, err = p.Healthy(ctx, "/healthz", pollEvery, startTimeout)
		run.open = 0
		if err == nil {
			run.cpu, err = node.ReadCPU(p.PID())
		}
		p.Stop(stopGrace)
		if err != nil {
			return res, err
		}
		res.baseline = append(res.baseline, run)
	}
	var err error
	res.inits, res.initTotal, err = initTrace(ctx, r.ruche)
	return res, err
}

var startupMS = regexp.MustCompile(`startup_ms=(\d+)`)

// timeStart starts ruche on data, waits for /healthz, reads its CPU use
// and stops it.
func timeStart(ctx context.Context, r *rig, data string) (startRun, error) {
	var run startRun
	p, err := r.startRuche(data)
	if err != nil {
		return run, err
	}
	run.total, err = p.Healthy(ctx, "/healthz", pollEvery, startTimeout)
	if err == nil {
		run.cpu, err = node.ReadCPU(p.PID())
	}
	p.Stop(stopGrace)
	if err != nil {
		return run, err
	}
	if m := startupMS.FindStringSubmatch(p.Log()); m != nil {
		ms, _ := strconv.Atoi(m[1])
		run.open = time.Duration(ms) * time.Millisecond
	}
	return run, nil
}

// initCost is one package initialiser as GODEBUG=inittrace=1 reports it.
type initCost struct {
	pkg   string
	clock time.Duration
	bytes int64
}

var initLine = regexp.MustCompile(`^init (\S+) @[\d.]+ ms, ([\d.]+) ms clock, (\d+) bytes`)

// initTrace runs `ruche version` (which runs every package initialiser and
// nothing else of note) with GODEBUG=inittrace=1.
func initTrace(ctx context.Context, bin string) ([]initCost, time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "version")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return nil, 0, fmt.Errorf("ruche version with inittrace: %w", err)
	}
	var list []initCost
	var total time.Duration
	for _, l := range strings.Split(string(out), "\n") {
		m := initLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		ms, _ := strconv.ParseFloat(m[2], 64)
		b, _ := strconv.ParseInt(m[3], 10, 64)
		c := initCost{pkg: m[1], clock: time.Duration(ms * float64(time.Millisecond)), bytes: b}
		total += c.clock
		list = append(list, c)
	}
	slices.SortFunc(list, func(a, b initCost) int { return int(b.clock - a.clock) })
	return list, total, nil
}
