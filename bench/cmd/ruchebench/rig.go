package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"ruche/bench/internal/node"
)

// stopGrace is how long a server gets to shut down on SIGTERM before it is
// killed.
const stopGrace = 10 * time.Second

// rig is what every benchmark starts from: the module, a temp folder, the
// binaries built once, and the servers started (all stopped by close).
type rig struct {
	root, tmp string

	ruche     string // binary
	rucheSize int64
	minhttp   string // the baseline server's binary
	version   string // `ruche version`
	commit    string // git commit of the checkout, "+ changes" when dirty
	cgo       string // CGO_ENABLED of the builds

	procs []*node.Process
}

// newRig builds ruche and the baseline server into a fresh temp folder.
func newRig(ctx context.Context) (_ *rig, err error) {
	root, err := node.ModuleRoot(ctx)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "ruchebench-")
	if err != nil {
		return nil, err
	}
	r := &rig{root: root, tmp: tmp, ruche: filepath.Join(tmp, "ruche"), minhttp: filepath.Join(tmp, "minhttp")}
	defer func() {
		if err != nil {
			r.close()
		}
	}()
	// Built as `make build` builds what we ship (pure Go), unless the
	// environment says otherwise.
	r.cgo = os.Getenv("CGO_ENABLED")
	if r.cgo == "" {
		r.cgo = "0"
	}
	progress("building ruche (CGO_ENABLED=%s go build -trimpath ./cmd/ruche)", r.cgo)
	if r.rucheSize, err = node.Build(ctx, root, "./cmd/ruche", r.ruche, "CGO_ENABLED="+r.cgo); err != nil {
		return nil, err
	}
	if _, err = node.Build(ctx, root, "./bench/cmd/minhttp", r.minhttp, "CGO_ENABLED="+r.cgo); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, r.ruche, "version").Output()
	if err != nil {
		return nil, fmt.Errorf("ruche version: %w", err)
	}
	r.version = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(out)), "ruche"))
	r.commit = gitCommit(ctx, root)
	return r, nil
}

// gitCommit names the checkout; the tool only reads the repository.
func gitCommit(ctx context.Context, root string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", root, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.CommandContext(ctx, "git", "-C", root, "status", "--porcelain").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " + uncommitted changes"
	}
	return c
}

// close stops every server that the rig started and removes the temp folder.
func (r *rig) close() {
	for _, p := range r.procs {
		p.Stop(stopGrace)
	}
	r.procs = nil
	_ = os.RemoveAll(r.tmp)
}

// path is a path inside the rig's temp folder.
func (r *rig) path(name string) string { return filepath.Join(r.tmp, name) }

// startRuche runs `ruche serve` on a free loopback port with data as its
// data folder (created by ruche when missing).
func (r *rig) startRuche(data string) (*node.Process, error) {
	addr, err := node.FreeAddr()
	if err != nil {
		return nil, err
	}
	p, err := node.Start(r.ruche, []string{"serve", "--addr", addr, "--data", data}, addr, data+".log")
	if err != nil {
		return nil, err
	}
	r.procs = append(r.procs, p)
	return p, nil
}

// startMinHTTP runs the baseline server on a free loopback port.
func (r *rig) startMinHTTP(name string) (*node.Process, error) {
	addr, err := node.FreeAddr()
	if err != nil {
		return nil, err
	}
	p, err := node.Start(r.minhttp, []string{"--addr", addr}, addr, r.path(name+".log"))
	if err != nil {
		return nil, err
	}
	r.procs = append(r.procs, p)
	return p, nil
}

// createAdmin makes the first admin with the shell command, as an operator
// would.
func (r *rig) createAdmin(ctx context.Context, data, login, password string) error {
	pwFile := r.path("password")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.ruche, "admin", "user", "create", "--data", data,
		"--login", login, "--role", "admin", "--password-file", pwFile)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ruche admin user create: %w\n%s", err, out)
	}
	return nil
}
