// Package cli implements the ruche command: it parses the command line,
// builds the configuration and calls into internal/app and the services.
// It holds no rules of its own.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
)

// Version is set at build time with -ldflags "-X ruche/internal/cli.Version=v1.2.3".
var Version = ""

// Env is the process's surroundings, injected so that tests can run commands.
type Env struct {
	Args   []string // without the program name
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Lookup func(string) (string, bool) // environment
}

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, env Env, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the server", serve},
		{"admin", "manage users from the shell (admin user create|list|set-password|disable|enable)", admin},
		{"migrate", "apply database migrations and exit", migrate},
		{"version", "print the version", version},
	}
}

// errUsage means the command line was wrong; usage has been printed.
var errUsage = errors.New("usage")

// Main runs the command line and returns the process exit code.
func Main(ctx context.Context, env Env) int {
	err := run(ctx, env)
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(env.Stderr, "ruche:", err)
	return 1
}

func run(ctx context.Context, env Env) error {
	if len(env.Args) == 0 || env.Args[0] == "-h" || env.Args[0] == "--help" || env.Args[0] == "help" {
		usage(env.Stderr)
		if len(env.Args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == env.Args[0] {
			return c.run(ctx, env, env.Args[1:])
		}
	}
	fmt.Fprintf(env.Stderr, "ruche: unknown command %q\n\n", env.Args[0])
	usage(env.Stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Ruche: team chat, wiki, files and video rooms in one program.")
	fmt.Fprintln(w, "\nUsage: ruche <command> [flags]   (ruche <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nEvery flag can also be set with an environment variable RUCHE_<FLAG> (e.g. RUCHE_DATA),")
	fmt.Fprintln(w, "or RUCHE_<FLAG>_FILE naming a file that holds the value.")
}

// flags makes a flag set that prints its usage on the given writer.
func flags(name, synopsis string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: ruche %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and maps a bad command line to errUsage.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return errUsage
	}
	return nil
}

func newLogger(w io.Writer, format, level string) *slog.Logger {
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func version(_ context.Context, env Env, args []string) error {
	fs := flags("version", "version", env)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintln(env.Stdout, "ruche", versionString())
	return nil
}

func versionString() string {
	if Version != "" {
		return Version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += "+" + s.Value[:12]
		}
	}
	return strings.TrimSpace(v + " " + info.GoVersion)
}

// DefaultEnv is the real process environment.
func DefaultEnv() Env {
	return Env{Args: os.Args[1:], Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Lookup: os.LookupEnv}
}
