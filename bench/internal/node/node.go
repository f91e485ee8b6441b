// Package node builds Go binaries of the module and runs them as separate
// processes on the loopback interface for the load tool: start, wait until
// healthy, read their memory from /proc, stop. It only ever signals the
// processes it started itself, by their process id.
package node

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ModuleRoot is the directory of the go.mod that the current directory
// belongs to.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("node: go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("node: not inside a Go module (run from the ruche checkout)")
	}
	return filepath.Dir(mod), nil
}

// Build compiles the package pkg (e.g. "./cmd/ruche") of the module at root
// into out, with -trimpath and env added to the environment, and returns
// the size of the binary.
func Build(ctx context.Context, root, pkg, out string, env ...string) (int64, error) {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", out, pkg)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return 0, fmt.Errorf("node: go build %s: %w\n%s", pkg, err, stderr.String())
	}
	fi, err := os.Stat(out)
	if err != nil {
		return 0, fmt.Errorf("node: build %s: %w", pkg, err)
	}
	return fi.Size(), nil
}

// FreeAddr returns a loopback address with a port that was free a moment
// ago: the server under test must be told its port before it starts, so
// that the clock can start at exec.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("node: free port: %w", err)
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// Process is a server that the load tool started.
type Process struct {
	Addr    string    // 127.0.0.1:port
	URL     string    // http://127.0.0.1:port
	Started time.Time // just before exec

	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	exited  chan struct{}
	waitErr error
	stop    sync.Once
}

// Start runs bin with args (which must make it listen on addr), its output
// going to logPath. The process dies with the load tool (SIGKILL on parent
// death), so a crash of the tool leaves no server behind.
func Start(bin string, args []string, addr, logPath string, env ...string) (*Process, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("node: log file: %w", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	p := &Process{Addr: addr, URL: "http://" + addr, cmd: cmd, logPath: logPath, logFile: lf, exited: make(chan struct{})}
	p.Started = time.Now()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("node: start %s: %w", filepath.Base(bin), err)
	}
	go func() {
		p.waitErr = cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Healthy polls path (e.g. "/healthz") every interval until it answers 200,
// and returns the time since exec. It gives up at timeout, or as soon as the
// process exits.
func (p *Process) Healthy(ctx context.Context, path string, interval, timeout time.Duration) (time.Duration, error) {
	// A fresh connection per try (no proxy: a zero Transport ignores
	// HTTP_PROXY), so nothing lingers between runs.
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	deadline := p.Started.Add(timeout)
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+path, nil)
		if err != nil {
			return 0, err
		}
		if resp, err := client.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(p.Started), nil
			}
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("node: %s not healthy after %s\n%s", p.URL, timeout, p.LogTail(20))
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-p.exited:
			return 0, fmt.Errorf("node: server exited before it was healthy (%v)\n%s", p.waitErr, p.LogTail(20))
		case <-tick.C:
		}
	}
}

// Stop ends the process: SIGTERM, then SIGKILL after grace. It is safe to
// call more than once and returns once the process is gone.
func (p *Process) Stop(grace time.Duration) {
	p.stop.Do(func() {
		select {
		case <-p.exited:
		default:
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(grace):
				_ = p.cmd.Process.Kill()
				<-p.exited
			}
		}
		p.logFile.Close()
	})
}

// Log returns what the process has written so far.
func (p *Process) Log() string {
	b, _ := os.ReadFile(p.logPath)
	return string(b)
}

// LogTail returns the last n lines of the log.
func (p *Process) LogTail(n int) string {
	lines := strings.Split(strings.TrimRight(p.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Status is the memory of a process as /proc/PID/status tells it, in bytes.
type Status struct {
	VmRSS, VmHWM, RssAnon, RssFile, RssShmem int64
	Threads                                  int64
}

// ReadStatus reads /proc/PID/status.
func ReadStatus(pid int) (Status, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Status{}, fmt.Errorf("node: %w", err)
	}
	defer f.Close()
	var s Status
	fields := map[string]*int64{"VmRSS": &s.VmRSS, "VmHWM": &s.VmHWM, "RssAnon": &s.RssAnon,
		"RssFile": &s.RssFile, "RssShmem": &s.RssShmem, "Threads": &s.Threads}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		dst, want := fields[name]
		if !ok || !want {
			continue
		}
		parts := strings.Fields(rest)
		if len(parts) == 0 {
			continue
		}
		v, err := strconv.ParseInt(parts[0], 10, 64)
		if err != nil {
			return Status{}, fmt.Errorf("node: /proc/%d/status %s: %w", pid, name, err)
		}
		if len(parts) > 1 && parts[1] == "kB" {
			v *= 1024
		}
		*dst = v
	}
	if err := sc.Err(); err != nil {
		return Status{}, fmt.Errorf("node: /proc/%d/status: %w", pid, err)
	}
	if s.VmRSS == 0 {
		return Status{}, fmt.Errorf("node: /proc/%d/status has no VmRSS", pid)
	}
	return s, nil
}

// CPU is how a process has used the processors so far, over all its live
// threads: time running on a CPU, and time ready to run but waiting for
// one. On a busy machine the second grows, not the first.
type CPU struct {
	Run, Wait time.Duration
}

// ReadCPU sums /proc/PID/task/*/schedstat.
func ReadCPU(pid int) (CPU, error) {
	files, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/schedstat", pid))
	if err != nil || len(files) == 0 {
		return CPU{}, fmt.Errorf("node: no schedstat for process %d", pid)
	}
	var c CPU
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the thread ended meanwhile
		}
		fields := strings.Fields(string(b))
		if len(fields) < 2 {
			return CPU{}, fmt.Errorf("node: %s: unexpected %q", f, b)
		}
		run, err1 := strconv.ParseInt(fields[0], 10, 64)
		wait, err2 := strconv.ParseInt(fields[1], 10, 64)
		if err1 != nil || err2 != nil {
			return CPU{}, fmt.Errorf("node: %s: unexpected %q", f, b)
		}
		c.Run += time.Duration(run)
		c.Wait += time.Duration(wait)
	}
	return c, nil
}

// clockTick is the unit of the times in /proc/PID/stat (USER_HZ): 100 per
// second on every Linux the tool runs on.
const clockTick = 10 * time.Millisecond

// Times is the CPU time a process has used so far, as /proc/PID/stat counts
// it: in user space and in the kernel, over all its threads, including
// threads that have ended (unlike ReadCPU). The unit is 10 ms.
type Times struct {
	User, System time.Duration
}

// Total is user plus system time.
func (t Times) Total() time.Duration { return t.User + t.System }

// Sub is the CPU time used between two readings.
func (t Times) Sub(before Times) Times {
	return Times{User: t.User - before.User, System: t.System - before.System}
}

// ReadTimes reads utime and stime of /proc/PID/stat.
func ReadTimes(pid int) (Times, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Times{}, fmt.Errorf("node: %w", err)
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// count the fields after its closing parenthesis.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return Times{}, fmt.Errorf("node: /proc/%d/stat: unexpected %q", pid, b)
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state(3) ppid … utime(14) stime(15), so f[11], f[12].
	if len(f) < 13 {
		return Times{}, fmt.Errorf("node: /proc/%d/stat: too few fields", pid)
	}
	ut, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return Times{}, fmt.Errorf("node: /proc/%d/stat: unexpected %q", pid, b)
	}
	return Times{User: time.Duration(ut) * clockTick, System: time.Duration(st) * clockTick}, nil
}
