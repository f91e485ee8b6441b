package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"

	"ruche/bench/internal/report"
)

// benchFigure is one micro-benchmark over -count runs.
type benchFigure struct {
	name        string
	nsOp        report.Spread[float64]
	bytesOp     report.Spread[float64]
	allocsOp    report.Spread[float64]
	runs        int
	description string
}

// benchLine matches a result line of go test -bench -benchmem.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+([\d.]+) B/op)?(?:\s+([\d.]+) allocs/op)?`)

// runHotPath runs the micro-benchmarks of ./bench with go test and returns
// the median of each figure over count runs.
func runHotPath(ctx context.Context, root, benchtime string, count int) ([]benchFigure, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	args := []string{"test", "-run", "^$", "-bench", ".", "-benchmem", "-count", strconv.Itoa(count), "-benchtime", benchtime, "./bench/"}
	progress("hot path: go %s", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, "", fmt.Errorf("go test -bench: %w\n%s", err, out.String())
	}
	type sample struct{ ns, b, allocs []float64 }
	var order []string
	samples := map[string]*sample{}
	cpu := ""
	for _, l := range strings.Split(out.String(), "\n") {
		if c, ok := strings.CutPrefix(l, "cpu: "); ok {
			cpu = strings.TrimSpace(c)
		}
		m := benchLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		s, ok := samples[m[1]]
		if !ok {
			s = &sample{}
			samples[m[1]] = s
			order = append(order, m[1])
		}
		f := func(x string) float64 { v, _ := strconv.ParseFloat(x, 64); return v }
		s.ns, s.b, s.allocs = append(s.ns, f(m[2])), append(s.b, f(m[3])), append(s.allocs, f(m[4]))
	}
	if len(order) == 0 {
		return nil, "", fmt.Errorf("go test -bench: no results\n%s", out.String())
	}
	var figs []benchFigure
	for _, name := range order {
		s := samples[name]
		figs = append(figs, benchFigure{name: name, runs: len(s.ns), nsOp: report.SpreadOf(s.ns),
			bytesOp: report.SpreadOf(s.b), allocsOp: report.SpreadOf(s.allocs), description: benchDescriptions[name]})
	}
	return figs, cpu, nil
}

// benchDescriptions say in a few words what each micro-benchmark measures.
var benchDescriptions = map[string]string{
	"BenchmarkAuthenticateSession":         "auth.Service.Authenticate of a session token (the cookie), SQLite, one goroutine",
	"BenchmarkAuthenticateSessionParallel": "the same from GOMAXPROCS goroutines (RunParallel)",
	"BenchmarkUsersMe":                     "GET /api/v1/users/me with a bearer token over loopback HTTP, full middleware chain, RunParallel",
}
