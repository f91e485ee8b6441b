package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ruche/internal/auth"
	"ruche/internal/bus"
	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

// result is what one run of the command line did.
type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
}

// cmdline runs Main in-process with the given environment (nothing of the
// real one leaks in) and standard input.
type cmdline struct {
	env   map[string]string
	stdin string
}

func (c cmdline) run(t *testing.T, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := Main(ctx, Env{
		Args:   args,
		Stdin:  strings.NewReader(c.stdin),
		Stdout: &stdout,
		Stderr: &stderr,
		Lookup: func(k string) (string, bool) { v, ok := c.env[k]; return v, ok },
	})
	return result{code, stdout.String(), stderr.String()}
}

func runCLI(t *testing.T, args ...string) result {
	t.Helper()
	return cmdline{}.run(t, args...)
}

func mustRun(t *testing.T, c cmdline, args ...string) result {
	t.Helper()
	r := c.run(t, args...)
	if r.code != 0 {
		t.Fatalf("ruche %s: %v", strings.Join(args, " "), r)
	}
	return r
}

// passwordFile writes a password file (with the trailing newline editors add).
func passwordFile(t *testing.T, pw string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte(pw+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// createUser runs `admin user create` and fails the test if it fails.
func createUser(t *testing.T, data, login, role, pw string) {
	t.Helper()
	r := mustRun(t, cmdline{}, "admin", "user", "create", "--data", data, "--login", login, "--role", role, "--password-file", passwordFile(t, pw))
	if want := fmt.Sprintf("created %s %q", role, login); !strings.Contains(r.stdout, want) {
		t.Fatalf("admin user create: stdout %q, want %q", r.stdout, want)
	}
}

// listed parses `admin user list`: login → "role status".
func listed(t *testing.T, c cmdline, args ...string) map[string]string {
	t.Helper()
	r := mustRun(t, c, append([]string{"admin", "user", "list"}, args...)...)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	if len(lines) == 0 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "LOGIN") {
		t.Fatalf("admin user list: no header in %q", r.stdout)
	}
	out := map[string]string{}
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if len(f) < 4 {
			t.Fatalf("admin user list: odd line %q", l)
		}
		out[f[1]] = f[len(f)-2] + " " + f[len(f)-1]
	}
	return out
}

// openStore opens the folder's database directly, as a second witness.
func openStore(t *testing.T, data string) *store.Store {
	t.Helper()
	return testutil.OpenStore(t, filepath.Join(data, "ruche.db"))
}

func TestVersion(t *testing.T) {
	r := runCLI(t, "version")
	if r.code != 0 || !regexp.MustCompile(`^ruche \S+`).MatchString(r.stdout) {
		t.Fatalf("version: %v", r)
	}
	if r := runCLI(t, "version", "extra"); r.code != 2 || !strings.Contains(r.stderr, `unexpected argument "extra"`) {
		t.Fatalf("version extra: %v", r)
	}
	old := Version
	Version = "v9.8.7"
	defer func() { Version = old }()
	if r := runCLI(t, "version"); r.stdout != "ruche v9.8.7\n" {
		t.Fatalf("version with -ldflags version: %q", r.stdout)
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	storage := []string{"-data", "-database", "-sqlite-synchronous", "-log-format", "-log-level", "-config", "-bus"}
	for _, tc := range []struct {
		args  []string
		flags []string
	}{
		{[]string{"serve"}, append([]string{"-addr", "-base-url", "-trusted-proxies"}, storage...)},
		{[]string{"migrate"}, storage},
		{[]string{"version"}, []string{"Usage: ruche version"}},
		{[]string{"admin"}, []string{"create", "list", "set-password", "disable", "enable"}},
		{[]string{"admin", "user"}, []string{"create", "list", "set-password", "disable", "enable"}},
		{[]string{"admin", "user", "create"}, append([]string{"-login", "-email", "-display-name", "-role", "-password-file"}, storage...)},
		{[]string{"admin", "user", "list"}, storage},
		{[]string{"admin", "user", "set-password"}, append([]string{"-login", "-password-file"}, storage...)},
		{[]string{"admin", "user", "disable"}, append([]string{"-login"}, storage...)},
		{[]string{"admin", "user", "enable"}, append([]string{"-login"}, storage...)},
	} {
		for _, h := range []string{"--help", "-h"} {
			name := strings.Join(append(tc.args, h), " ")
			t.Run(name, func(t *testing.T) {
				data := filepath.Join(t.TempDir(), "data")
				args := append(append([]string{}, tc.args...), h)
				r := runCLI(t, args...)
				if r.code != 0 {
					t.Fatalf("ruche %s: %v", name, r)
				}
				for _, f := range tc.flags {
					if !strings.Contains(r.stderr, f) {
						t.Errorf("ruche %s does not mention %q:\n%s", name, f, r.stderr)
					}
				}
				if r.stdout != "" {
					t.Errorf("help went to stdout: %q", r.stdout)
				}
				if slices.Contains(tc.flags, "-data") {
					// With --data before --help, nothing is created either.
					r := runCLI(t, append(append(append([]string{}, tc.args...), "--data", data), h)...)
					if r.code != 0 {
						t.Fatalf("ruche %s with --data: %v", name, r)
					}
					if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("ruche %s created the data folder (%v)", name, err)
					}
				}
			})
		}
	}
	r := runCLI(t, "--help")
	if r.code != 0 {
		t.Fatalf("--help: %v", r)
	}
	for _, c := range []string{"serve", "admin", "migrate", "version", "RUCHE_DATA"} {
		if !strings.Contains(r.stderr, c) {
			t.Errorf("--help does not mention %q:\n%s", c, r.stderr)
		}
	}
	if r := runCLI(t); r.code != 2 || !strings.Contains(r.stderr, "Usage: ruche <command>") {
		t.Errorf("no command: %v", r)
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `unknown command "frobnicate"`},
		{[]string{"admin", "group"}, "Usage: ruche admin user"},
		{[]string{"admin", "user"}, "Usage: ruche admin user"},
		{[]string{"admin", "user", "frob"}, `unknown command "frob"`},
		{[]string{"serve", "--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
		{[]string{"admin", "user", "list", "--no-such-flag"}, "flag provided but not defined"},
		{[]string{"migrate", "stray"}, `unexpected argument "stray"`},
	} {
		r := runCLI(t, tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) || !strings.Contains(r.stderr, "Usage") {
			t.Errorf("ruche %s: want exit 2 with %q and usage; %v", strings.Join(tc.args, " "), tc.want, r)
		}
	}
	// The top-level usage lists the commands.
	r := runCLI(t, "frobnicate")
	for _, c := range []string{"serve", "admin", "migrate", "version"} {
		if !strings.Contains(r.stderr, "  "+c) {
			t.Errorf("usage after an unknown command does not list %q:\n%s", c, r.stderr)
		}
	}
}

func TestAdminCreateRefusesBadInput(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	pw := passwordFile(t, "long-enough-password")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing login", []string{"--password-file", pw}, "login must have 2 to 64 characters"},
		{"one letter", []string{"--login", "x", "--password-file", pw}, "login must have 2 to 64 characters"},
		{"spaces and capitals", []string{"--login", "Bad Login!", "--password-file", pw}, "login must have 2 to 64 characters"},
		{"leading dot", []string{"--login", ".alice", "--password-file", pw}, "login must have 2 to 64 characters"},
		{"bad role", []string{"--login", "alice", "--role", "root", "--password-file", pw}, "role must be admin, member or guest"},
		{"short password", []string{"--login", "alice", "--password-file", passwordFile(t, "short")}, "password must have at least 8 characters"},
		{"missing password file", []string{"--login", "alice", "--password-file", filepath.Join(data, "nope")}, "no such file"},
		{"bad e-mail", []string{"--login", "alice", "--email", "not-an-address", "--password-file", pw}, "e-mail address is not valid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, append([]string{"admin", "user", "create", "--data", data}, tc.args...)...)
			if r.code != 1 || !strings.Contains(r.stderr, "ruche: ") || !strings.Contains(r.stderr, tc.want) {
				t.Fatalf("want exit 1 and %q; %v", tc.want, r)
			}
			if strings.Contains(r.stdout, "created") {
				t.Errorf("stdout claims a creation: %q", r.stdout)
			}
		})
	}
	if users := listed(t, cmdline{}, "--data", data); len(users) != 0 {
		t.Fatalf("refused creations left users behind: %v", users)
	}
	// Empty standard input is an empty password, refused.
	r := cmdline{stdin: ""}.run(t, "admin", "user", "create", "--data", data, "--login", "alice")
	if r.code != 1 || !strings.Contains(r.stderr, "password must have at least 8 characters") {
		t.Fatalf("empty stdin password: %v", r)
	}
	if n, err := openStore(t, data).CountUsers(context.Background()); err != nil || n != 0 {
		t.Fatalf("users in the database after refusals: %d, %v", n, err)
	}
}

func TestAdminCreateAndList(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const alicePW = "alice-password-1"
	createUser(t, data, "alice", "admin", alicePW)

	// Without --password-file the password is the first line of stdin.
	const bobPW = "bob password with spaces"
	r := mustRun(t, cmdline{stdin: bobPW + "\r\nsecond line ignored\n"}, "admin", "user", "create", "--data", data,
		"--login", "Bob", "--email", "Bob@Example.org", "--display-name", "Bob Builder")
	if !strings.Contains(r.stdout, `created member "bob"`) {
		t.Fatalf("stdin create: %v", r)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, bobPW) {
			t.Errorf("the password was echoed: %q", out)
		}
	}

	users := listed(t, cmdline{}, "--data", data)
	if len(users) != 2 || users["alice"] != "admin active" || users["bob"] != "member active" {
		t.Fatalf("admin user list: %v", users)
	}
	r = mustRun(t, cmdline{}, "admin", "user", "list", "--data", data)
	if !strings.Contains(r.stdout, "bob@example.org") || !strings.Contains(r.stdout, "Bob Builder") {
		t.Errorf("list lacks bob's e-mail or name:\n%s", r.stdout)
	}

	// The stored hashes match the passwords given (file: newline stripped;
	// stdin: first line, CRLF stripped).
	st := openStore(t, data)
	ctx := context.Background()
	for login, pw := range map[string]string{"alice": alicePW, "bob": bobPW} {
		u, err := st.UserByLogin(ctx, login)
		if err != nil {
			t.Fatal(err)
		}
		if !auth.CheckPassword(u.PasswordHash, pw) {
			t.Errorf("%s: the stored hash does not match the password given", login)
		}
	}

	// Duplicate login, in any case, and duplicate e-mail are refused.
	for _, args := range [][]string{
		{"--login", "alice"},
		{"--login", "ALICE"},
		{"--login", "bobby", "--email", "bob@example.org"},
	} {
		r := runCLI(t, append([]string{"admin", "user", "create", "--data", data, "--password-file", passwordFile(t, "another-password")}, args...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "already taken") {
			t.Errorf("duplicate %v: want exit 1 and 'already taken'; %v", args, r)
		}
	}
	if users := listed(t, cmdline{}, "--data", data); len(users) != 2 {
		t.Fatalf("after duplicates: %v", users)
	}
	// The first admin's password is unchanged by the refused duplicate.
	u, err := st.UserByLogin(ctx, "alice")
	if err != nil || !auth.CheckPassword(u.PasswordHash, alicePW) {
		t.Fatalf("alice after a refused duplicate: %v", err)
	}
}

// session opens a session for login as a login through the web would.
func session(t *testing.T, st *store.Store, login string) (*auth.Service, string, model.User) {
	t.Helper()
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	a := auth.New(st, b, slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Options{})
	u, err := st.UserByLogin(context.Background(), login)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := a.OpenSession(context.Background(), u, auth.Client{IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(context.Background(), token); err != nil {
		t.Fatalf("fresh session refused: %v", err)
	}
	return a, token, u
}

func TestAdminSetPassword(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	const oldPW, newPW = "old-password-1", "new-password-2"
	createUser(t, data, "alice", "admin", oldPW)
	st := openStore(t, data)
	ctx := context.Background()
	a, token, u := session(t, st, "alice")

	r := mustRun(t, cmdline{stdin: newPW + "\n"}, "admin", "user", "set-password", "--data", data, "--login", "Alice")
	if !strings.Contains(r.stdout, `password of "alice" changed`) {
		t.Fatalf("set-password: %v", r)
	}
	u, err := st.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.CheckPassword(u.PasswordHash, newPW) || auth.CheckPassword(u.PasswordHash, oldPW) {
		t.Fatal("the stored hash is not the new password's")
	}
	if _, _, _, err := a.Login(ctx, "alice", newPW, auth.Client{IP: "127.0.0.1"}); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if _, err := a.Authenticate(ctx, token); !errors.Is(err, model.ErrUnauthorized) {
		t.Fatalf("the session opened before set-password still works: %v", err)
	}

	// From a file too; a too short one is refused and changes nothing.
	mustRun(t, cmdline{}, "admin", "user", "set-password", "--data", data, "--login", "alice", "--password-file", passwordFile(t, "third-password"))
	r = runCLI(t, "admin", "user", "set-password", "--data", data, "--login", "alice", "--password-file", passwordFile(t, "short"))
	if r.code != 1 || !strings.Contains(r.stderr, "at least 8 characters") {
		t.Fatalf("short password: %v", r)
	}
	if u, err = st.User(ctx, u.ID); err != nil || !auth.CheckPassword(u.PasswordHash, "third-password") {
		t.Fatalf("after a refused change the password is not the last good one (%v)", err)
	}
	r = cmdline{stdin: newPW + "\n"}.run(t, "admin", "user", "set-password", "--data", data, "--login", "nobody")
	if r.code != 1 || !strings.Contains(r.stderr, "no such account") {
		t.Fatalf("unknown login: %v", r)
	}
}

func TestAdminDisableEnable(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	ctx := context.Background()
	createUser(t, data, "alice", "admin", "alice-password")
	createUser(t, data, "bob", "member", "bob-password")

	// The only enabled admin cannot be disabled.
	r := runCLI(t, "admin", "user", "disable", "--data", data, "--login", "alice")
	if r.code != 1 || !strings.Contains(r.stderr, "at least one enabled admin") {
		t.Fatalf("disabling the last admin: %v", r)
	}
	if users := listed(t, cmdline{}, "--data", data); users["alice"] != "admin active" {
		t.Fatalf("alice after a refused disable: %v", users)
	}

	// A member can be, and their sessions end.
	st := openStore(t, data)
	a, token, bob := session(t, st, "bob")
	r = mustRun(t, cmdline{}, "admin", "user", "disable", "--data", data, "--login", "bob")
	if !strings.Contains(r.stdout, `disabled "bob"`) {
		t.Fatalf("disable bob: %v", r)
	}
	if users := listed(t, cmdline{}, "--data", data); users["bob"] != "member disabled" {
		t.Fatalf("bob after disable: %v", users)
	}
	if s, err := st.Sessions(ctx, bob.ID); err != nil || len(s) != 0 {
		t.Fatalf("bob's sessions after disable: %v, %v", s, err)
	}
	if _, err := a.Authenticate(ctx, token); !errors.Is(err, model.ErrUnauthorized) {
		t.Fatalf("bob's token after disable: %v", err)
	}
	if _, _, _, err := a.Login(ctx, "bob", "bob-password", auth.Client{IP: "127.0.0.1"}); !errors.Is(err, auth.ErrDisabled) {
		t.Fatalf("bob logs in while disabled: %v", err)
	}

	r = mustRun(t, cmdline{}, "admin", "user", "enable", "--data", data, "--login", "bob")
	if !strings.Contains(r.stdout, `enabled "bob"`) {
		t.Fatalf("enable bob: %v", r)
	}
	if users := listed(t, cmdline{}, "--data", data); users["bob"] != "member active" {
		t.Fatalf("bob after enable: %v", users)
	}
	if _, _, _, err := a.Login(ctx, "bob", "bob-password", auth.Client{IP: "127.0.0.1"}); err != nil {
		t.Fatalf("bob cannot log in once enabled: %v", err)
	}

	// With a second admin, one may go; then the other is the last.
	createUser(t, data, "carol", "admin", "carol-password")
	mustRun(t, cmdline{}, "admin", "user", "disable", "--data", data, "--login", "alice")
	r = runCLI(t, "admin", "user", "disable", "--data", data, "--login", "carol")
	if r.code != 1 || !strings.Contains(r.stderr, "at least one enabled admin") {
		t.Fatalf("disabling the last enabled admin (another is disabled): %v", r)
	}
	if users := listed(t, cmdline{}, "--data", data); users["alice"] != "admin disabled" || users["carol"] != "admin active" {
		t.Fatalf("after disabling alice: %v", users)
	}
	if r := runCLI(t, "admin", "user", "disable", "--data", data, "--login", "nobody"); r.code != 1 || !strings.Contains(r.stderr, "no such account") {
		t.Fatalf("disable unknown: %v", r)
	}
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	ms, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("database is at schema version %d\n", ms[len(ms)-1].Version)
	data := filepath.Join(t.TempDir(), "new", "data")

	r := mustRun(t, cmdline{}, "migrate", "--data", data)
	if r.stdout != want {
		t.Fatalf("migrate on a fresh folder: stdout %q, want %q", r.stdout, want)
	}
	if !strings.Contains(r.stderr, fmt.Sprintf("applied=%d", len(ms))) {
		t.Errorf("first migrate does not log the migrations applied:\n%s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(data, "ruche.db")); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, cmdline{}, "migrate", "--data", data)
	if r.stdout != want {
		t.Fatalf("second migrate: stdout %q, want %q", r.stdout, want)
	}
	if strings.Contains(r.stderr, "database migrated") {
		t.Errorf("second migrate applied migrations again:\n%s", r.stderr)
	}
	// The schema is usable and the file consistent.
	st := openStore(t, data)
	if v, err := st.SchemaVersion(context.Background()); err != nil || v != ms[len(ms)-1].Version {
		t.Fatalf("schema version %d, %v", v, err)
	}
}

func TestEnvironment(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	createUser(t, data, "alice", "admin", "alice-password")

	// RUCHE_DATA names the data folder.
	if users := listed(t, cmdline{env: map[string]string{"RUCHE_DATA": data}}); users["alice"] != "admin active" {
		t.Fatalf("RUCHE_DATA: %v", users)
	}
	// A flag beats the environment.
	other := t.TempDir()
	if users := listed(t, cmdline{env: map[string]string{"RUCHE_DATA": data}}, "--data", other); len(users) != 0 {
		t.Fatalf("--data given, RUCHE_DATA used: %v", users)
	}

	// RUCHE_DATABASE_FILE names a file holding the database path.
	dbPath := filepath.Join(t.TempDir(), "elsewhere.db")
	secret := filepath.Join(t.TempDir(), "database")
	if err := os.WriteFile(secret, []byte(dbPath+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := cmdline{env: map[string]string{"RUCHE_DATA": other, "RUCHE_DATABASE_FILE": secret}, stdin: "bob-password\n"}
	mustRun(t, env, "admin", "user", "create", "--login", "bob")
	if users := listed(t, env); users["bob"] != "member active" {
		t.Fatalf("RUCHE_DATABASE_FILE: %v", users)
	}
	if users := listed(t, cmdline{}, "--data", other); len(users) != 0 {
		t.Fatalf("bob landed in <data>/ruche.db instead of the database named by RUCHE_DATABASE_FILE: %v", users)
	}
	st := testutil.OpenStore(t, dbPath)
	if _, err := st.UserByLogin(context.Background(), "bob"); err != nil {
		t.Fatalf("bob not in %s: %v", dbPath, err)
	}

	// A missing _FILE is an error naming the variable.
	r := cmdline{env: map[string]string{"RUCHE_DATA": other, "RUCHE_DATABASE_FILE": filepath.Join(other, "missing")}}.run(t, "admin", "user", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "RUCHE_DATABASE_FILE") {
		t.Fatalf("missing RUCHE_DATABASE_FILE: %v", r)
	}
	// A bad value from the environment is refused like a bad flag.
	r = cmdline{env: map[string]string{"RUCHE_DATA": other, "RUCHE_LOG_FORMAT": "xml"}}.run(t, "admin", "user", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "log-format") {
		t.Fatalf("RUCHE_LOG_FORMAT=xml: %v", r)
	}
}

// syncBuffer is a buffer written by a running command and read by the test.
type syncBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	select {
	case b.changed <- struct{}{}:
	default:
	}
	return len(p), nil
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// await waits until re matches the buffer and returns the submatches.
func (b *syncBuffer) await(t *testing.T, re *regexp.Regexp, exited <-chan int, timeout time.Duration) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			return m
		}
		select {
		case <-b.changed:
		case code := <-exited:
			t.Fatalf("serve exited with %d before %s:\n%s", code, re, b.String())
		case <-deadline:
			t.Fatalf("no %s after %v:\n%s", re, timeout, b.String())
		}
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	createUser(t, data, "alice", "admin", "alice-password")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stderr, stdout := newSyncBuffer(), newSyncBuffer()
	exited := make(chan int, 1)
	go func() {
		exited <- Main(ctx, Env{Args: []string{"serve", "--addr", "127.0.0.1:0", "--data", data},
			Stdin: strings.NewReader(""), Stdout: stdout, Stderr: stderr,
			Lookup: func(string) (string, bool) { return "", false }})
	}()
	m := stderr.await(t, regexp.MustCompile(`msg=listening addr=(127\.0\.0\.1:(\d+))`), exited, 30*time.Second)
	if m[2] == "0" {
		t.Fatalf("the log shows port 0, not the port the OS picked: %s", m[0])
	}
	if !strings.Contains(stderr.String(), "msg=\"ruche ready\"") {
		t.Errorf("no 'ruche ready' line:\n%s", stderr.String())
	}

	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get("http://" + m[1] + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.TrimSpace(string(body)) != "ok" {
		t.Fatalf("GET /healthz: %d %q", resp.StatusCode, body)
	}
	// The server answers the API with the account made by the shell.
	resp, err = client.Post("http://"+m[1]+"/api/v1/sessions", "application/json",
		strings.NewReader(`{"login":"alice","password":"alice-password"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("POST /api/v1/sessions: %d", resp.StatusCode)
	}
	client.CloseIdleConnections()

	cancel()
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("serve returned %d after a graceful shutdown:\n%s", code, stderr.String())
		}
	case <-time.After(shutdownGrace + 5*time.Second):
		t.Fatalf("serve still running %v after its context ended", shutdownGrace+5*time.Second)
	}
	if !strings.Contains(stderr.String(), "shutting down") {
		t.Errorf("no 'shutting down' line:\n%s", stderr.String())
	}
	// Closing checkpointed the WAL: the database file is complete on its own.
	if fi, err := os.Stat(filepath.Join(data, "ruche.db-wal")); err == nil && fi.Size() > 0 {
		t.Errorf("WAL holds %d bytes after a graceful shutdown", fi.Size())
	}
	if _, err := net.Dial("tcp", m[1]); err == nil {
		t.Errorf("%s still accepts connections after serve returned", m[1])
	}
}

func TestServeAddressInUse(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	r := runCLI(t, "serve", "--addr", ln.Addr().String(), "--data", t.TempDir())
	if r.code != 1 || !strings.Contains(r.stderr, "listen") || !strings.Contains(r.stderr, "address already in use") {
		t.Fatalf("serve on a taken port: %v", r)
	}
}
