package cli

import (
	"context"
	"fmt"
	"net"
	"time"

	"ruche/internal/app"
	"ruche/internal/config"
)

// shutdownGrace is how long in-flight requests get to finish on SIGTERM.
const shutdownGrace = 20 * time.Second

func serve(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := flags("serve", "serve [flags]", env)
	config.Register(fs, &cfg, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := config.Resolve(fs, &cfg, env.Lookup); err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg.LogFormat, cfg.LogLevel)
	start := time.Now()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	cfg.Addr = ln.Addr().String() // the port chosen for ":0", for links
	a, err := app.Open(ctx, cfg, log)
	if err != nil {
		ln.Close()
		return err
	}
	defer a.Close()
	log.Info("ruche ready", "version", versionString(), "data", cfg.Data, "startup_ms", time.Since(start).Milliseconds())
	if need, _ := a.Accounts.SetupNeeded(ctx); need {
		log.Info("no account yet: open the web page to create the first admin", "url", a.BaseURL()+"/setup")
	}
	return a.Serve(ctx, ln, shutdownGrace)
}

func migrate(ctx context.Context, env Env, args []string) error {
	var cfg config.Config
	fs := flags("migrate", "migrate [flags]", env)
	config.Register(fs, &cfg, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := config.Resolve(fs, &cfg, env.Lookup); err != nil {
		return err
	}
	log := newLogger(env.Stderr, cfg.LogFormat, cfg.LogLevel)
	a, err := app.Open(ctx, cfg, log) // Open migrates
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.Store.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "database is at schema version %d\n", v)
	return nil
}
