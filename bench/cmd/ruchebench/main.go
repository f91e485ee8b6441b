// Command ruchebench is Ruche's load tool. Each subcommand builds the ruche
// binary once, runs it as a separate process on 127.0.0.1 with a fresh data
// folder, measures it from the outside (the clock, /proc, a real headless
// Chromium) and prints a Markdown report; with --out it replaces its own
// section of docs/benchmarks.md.
//
//	go run ./bench/cmd/ruchebench foundation --out docs/benchmarks.md
//
// It talks to 127.0.0.1 only, bounds every loop in count and time, and
// stops the servers it started (and only those) when it ends, also on error
// or Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"foundation", "startup time, idle memory, bytes on the wire of the shell, hot-path micro-benchmarks", foundation},
		{"chat", "chat load: posts/s, delivery latency over WebSockets, history latency, memory per connection", chat},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
	case errors.Is(err, errUsage):
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "ruchebench:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

func run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(os.Stderr)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:])
		}
	}
	fmt.Fprintf(os.Stderr, "ruchebench: unknown command %q\n\n", args[0])
	usage(os.Stderr)
	return errUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "ruchebench: Ruche's load tool; prints a Markdown report (see bench/README.md).")
	fmt.Fprintln(w, "\nUsage: go run ./bench/cmd/ruchebench <command> [flags]   (<command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
}

// progress tells the person running the tool what it is doing; the report
// itself goes to standard output.
func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ruchebench: "+format+"\n", args...)
}

// parseFlags parses the flags of subcommand name, which takes no arguments:
// flag.ErrHelp for -h, errUsage for anything wrong.
func parseFlags(fs *flag.FlagSet, name string, args []string) error {
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: go run ./bench/cmd/ruchebench %s [flags]\n\nFlags:\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "unexpected argument %q\n", fs.Arg(0))
		return errUsage
	}
	return nil
}
