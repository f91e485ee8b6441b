// Command ruche runs Ruche: team chat, wiki, files and video rooms in one
// program. See `ruche --help` and docs/admin.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones work on machines without zoneinfo (small boards, containers)

	"ruche/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop() // the first signal shuts down gracefully; a second one kills at once
	}()
	code := cli.Main(ctx, cli.DefaultEnv())
	stop()
	os.Exit(code)
}
