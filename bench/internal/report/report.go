// Package report describes the machine a benchmark ran on and writes the
// Markdown report: figures, units and the section of docs/benchmarks.md
// that one benchmark owns. It measures nothing itself.
package report

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Machine is what a figure depends on besides the code.
type Machine struct {
	CPUs     int
	CPUModel string
	MemTotal int64 // bytes
	Kernel   string
	Go       string
	LoadAvg  string // 1, 5 and 15 minute load averages when the run started
}

// ThisMachine reads /proc and asks the go command for its version.
func ThisMachine(ctx context.Context) Machine {
	m := Machine{CPUs: runtime.NumCPU(), CPUModel: "unknown", Kernel: "unknown", Go: runtime.Version()}
	if v := procField("/proc/cpuinfo", "model name"); v != "" {
		m.CPUModel = v
	}
	if v := procField("/proc/meminfo", "MemTotal"); v != "" {
		if f := strings.Fields(v); len(f) > 0 {
			kb, _ := strconv.ParseInt(f[0], 10, 64)
			m.MemTotal = kb * 1024
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = "Linux " + strings.TrimSpace(string(b))
	}
	m.LoadAvg = LoadAvg()
	if out, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output(); err == nil {
		m.Go = strings.TrimSpace(string(out))
	}
	return m
}

// LoadAvg is the 1, 5 and 15 minute load averages, "?" when unknown.
func LoadAvg() string {
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			return strings.Join(f[:3], " ")
		}
	}
	return "?"
}

// procField returns the value of the first "name: value" line of a /proc file.
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// String is the machine on one line.
func (m Machine) String() string {
	return fmt.Sprintf("%d × %s, %s RAM, %s, %s", m.CPUs, m.CPUModel, GiB(m.MemTotal), m.Kernel, m.Go)
}

// Units: decimal, as network sizes usually are, and the stricter reading
// of a target ("100 KB" is 100 000 bytes).

// KB formats bytes as kilobytes (1 kB = 1000 B).
func KB(b int64) string { return fmt.Sprintf("%.1f kB", float64(b)/1e3) }

// MB formats bytes as megabytes (1 MB = 10⁶ B).
func MB(b int64) string { return fmt.Sprintf("%.1f MB", float64(b)/1e6) }

// GiB formats bytes as gibibytes, for RAM sizes.
func GiB(b int64) string { return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30)) }

// Ms formats a duration in milliseconds.
func Ms(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms < 10 {
		return fmt.Sprintf("%.1f ms", ms)
	}
	return fmt.Sprintf("%.0f ms", ms)
}

// Verdict is PASS when ok, else MISS.
func Verdict(ok bool) string {
	if ok {
		return "PASS"
	}
	return "**MISS**"
}

// Spread is the minimum, median and maximum of a sample.
type Spread[T int64 | float64 | time.Duration] struct{ Min, Median, Max T }

// SpreadOf computes the spread of a non-empty sample; the median of an even
// sample is the lower middle value, so that it is a value actually seen.
func SpreadOf[T int64 | float64 | time.Duration](xs []T) Spread[T] {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s) == 0 {
		return Spread[T]{}
	}
	return Spread[T]{Min: s[0], Median: s[(len(s)-1)/2], Max: s[len(s)-1]}
}

// Table writes a Markdown table.
func Table(b *strings.Builder, head []string, rows [][]string) {
	b.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for range head {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, r := range rows {
		for i := range r {
			r[i] = strings.ReplaceAll(r[i], "|", `\|`)
		}
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

// ReplaceSection writes body as the section that starts with the line
// heading (a level-2 Markdown heading, e.g. "## Foundation") in the file at
// path, replacing that section up to the next level-2 heading and keeping
// everything else. A missing file is created with a title; a missing
// section is appended.
func ReplaceSection(path, heading, body string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("report: %w", err)
	}
	if len(old) == 0 {
		old = []byte("# Benchmarks\n")
	}
	body = strings.TrimRight(body, "\n") + "\n"
	if !strings.HasPrefix(body, heading+"\n") {
		return fmt.Errorf("report: section must start with %q", heading)
	}
	lines := strings.SplitAfter(string(old), "\n")
	start, end := -1, len(lines)
	fence := false
	for i, l := range lines {
		t := strings.TrimRight(l, "\r\n")
		if strings.HasPrefix(t, "```") {
			fence = !fence
		}
		if fence {
			continue
		}
		switch {
		case start < 0 && t == heading:
			start = i
		case start >= 0 && strings.HasPrefix(t, "## "):
			end = i
		}
		if start >= 0 && end < len(lines) {
			break
		}
	}
	var out string
	if start < 0 {
		out = strings.TrimRight(string(old), "\n") + "\n\n" + body
	} else {
		before := strings.Join(lines[:start], "")
		after := strings.Join(lines[end:], "")
		if after != "" {
			body += "\n"
		}
		out = before + body + after
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(out), 0o644); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
