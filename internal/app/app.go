// Package app wires Ruche together: it opens the store, blob storage and
// bus named by the configuration, builds the services and the HTTP handler,
// runs the background jobs and shuts everything down in order. It holds no
// rules: those are in the services.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"ruche/internal/account"
	"ruche/internal/api"
	"ruche/internal/auth"
	"ruche/internal/blob"
	"ruche/internal/bus"
	"ruche/internal/chat"
	"ruche/internal/config"
	"ruche/internal/httpx"
	"ruche/internal/model"
	"ruche/internal/realtime"
	"ruche/internal/store"
	"ruche/internal/web"
)

// SessionMaxAge is the absolute lifetime of a session.
const SessionMaxAge = 90 * 24 * time.Hour

// Now is the services' clock: UTC, to the millisecond, which is what the
// database keeps, so that a value written and read back compares equal.
func Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }

// App is a running Ruche node's parts.
type App struct {
	Config   config.Config
	Log      *slog.Logger
	Store    *store.Store
	Blobs    *blob.Dir
	Bus      bus.Bus
	Auth     *auth.Service
	Accounts *account.Service
	Chat     *chat.Service
	Hub      *realtime.Hub
	Outgoing *chat.Outgoing
	Handler  http.Handler

	subs []bus.Subscription
	bg   sync.WaitGroup
	stop context.CancelFunc
}

// Open opens storage (creating the data folder), migrates the database and
// builds the services. The caller must Close it.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *App, err error) {
	a := &App{Config: cfg, Log: log}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if err := os.MkdirAll(cfg.Data, 0o700); err != nil {
		return nil, fmt.Errorf("app: data folder: %w", err)
	}
	if a.Store, err = store.Open(ctx, cfg.Database, store.Options{SQLiteSynchronous: cfg.SQLiteSynchronous}); err != nil {
		return nil, err
	}
	n, err := a.Store.Migrate(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		log.InfoContext(ctx, "database migrated", "applied", n, "dialect", a.Store.Dialect())
	}
	if a.Blobs, err = blob.NewDir(filepath.Join(cfg.Data, "blobs")); err != nil {
		return nil, fmt.Errorf("app: blobs: %w", err)
	}
	if a.Bus, err = bus.Open(cfg.Bus, log); err != nil {
		return nil, err
	}
	a.Auth = auth.New(a.Store, a.Bus, log, auth.Options{MaxAge: SessionMaxAge, Now: Now})
	a.Accounts = account.New(a.Store, a.Blobs, a.Bus, a.Auth, log, Now)
	a.Chat = chat.New(a.Store, a.Bus, log, Now)
	a.Chat.SetBlobs(a.Blobs)
	a.Accounts.SetTeamJoiner(a.Chat)
	a.Hub = realtime.New(a.Chat, a.Auth, a.Bus, log)
	if err := a.Hub.Start(ctx); err != nil {
		return nil, err
	}
	a.Outgoing = chat.NewOutgoing(a.Chat, a.Bus, log, chat.OutgoingOptions{})
	if err := a.Outgoing.Start(ctx); err != nil {
		return nil, err
	}

	// Branding is cached per node; any node's change invalidates every cache.
	sub, err := a.Bus.Subscribe(model.EventBrandingUpdated, func(bus.Message) { a.Accounts.InvalidateBranding() })
	if err != nil {
		return nil, err
	}
	a.subs = append(a.subs, sub)

	if a.Handler, err = a.handler(); err != nil {
		return nil, err
	}
	return a, nil
}

// BaseURL is the public URL of the install.
func (a *App) BaseURL() string {
	addr := a.Config.Addr
	if a.Config.BaseURL != "" {
		return a.Config.BaseURL
	}
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		port = "8080"
	}
	return "http://localhost:" + port
}

func (a *App) handler() (http.Handler, error) {
	netw := httpx.Network{Trusted: a.Config.Trusted(), ForceSecure: len(a.Config.BaseURL) > 8 && a.Config.BaseURL[:8] == "https://"}
	base := a.BaseURL()
	mux := http.NewServeMux()
	w, err := web.New(web.Deps{Auth: a.Auth, Accounts: a.Accounts, Chat: a.Chat, Net: netw, Log: a.Log, BaseURL: base, SessionMaxAge: SessionMaxAge})
	if err != nil {
		return nil, err
	}
	w.Routes(mux)
	api.New(api.Deps{Auth: a.Auth, Accounts: a.Accounts, Chat: a.Chat, Net: netw, Log: a.Log, BaseURL: base, SessionMaxAge: SessionMaxAge}).Routes(mux)
	mux.Handle("GET /api/v1/ws", a.Hub)
	mux.HandleFunc("GET /api/v1/users/presence", a.Hub.ServePresence)
	mux.HandleFunc("GET /healthz", a.healthz)
	m := newMetrics()
	mux.Handle("GET /metrics", m.handler(netw, a.Log))

	var h http.Handler = mux
	h = httpx.Authenticator{Auth: a.Auth, Net: netw, Log: a.Log}.Middleware(h)
	h = httpx.Protect(a.Log, h)
	h = httpx.Compress(h)
	h = m.instrument(h)
	h = httpx.SecurityHeaders(h)
	h = httpx.Recover(a.Log, h)
	return h, nil
}

// healthz answers 200 when the database answers.
func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := a.Store.Ping(ctx); err != nil {
		a.Log.ErrorContext(ctx, "health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unavailable")
		return
	}
	fmt.Fprintln(w, "ok")
}

// Serve answers HTTP on ln until ctx ends, then shuts down gracefully:
// in-flight requests finish (up to grace), background jobs stop.
func (a *App) Serve(ctx context.Context, ln net.Listener, grace time.Duration) error {
	bgCtx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stop = stop
	a.startJobs(bgCtx)
	srv := &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return bgCtx },
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	a.Log.Info("listening", "addr", ln.Addr().String(), "dialect", a.Store.Dialect())
	select {
	case err := <-errc:
		stop()
		return err
	case <-ctx.Done():
	}
	a.Log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(sctx)
	stop()
	if errors.Is(err, context.DeadlineExceeded) {
		a.Log.Warn("shutdown grace period over; closing remaining connections")
		err = srv.Close()
	}
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return err
}

// startJobs runs periodic maintenance until ctx ends.
func (a *App) startJobs(ctx context.Context) {
	every := func(d time.Duration, name string, fn func(context.Context) error) {
		a.bg.Go(func() {
			t := time.NewTicker(d)
			defer t.Stop()
			for {
				if err := fn(ctx); err != nil && ctx.Err() == nil {
					a.Log.Error("background job failed", "job", name, "err", err)
				}
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		})
	}
	every(time.Hour, "purge_sessions", func(ctx context.Context) error {
		_, err := a.Auth.PurgeExpired(ctx)
		return err
	})
	every(time.Minute, "chat_maintenance", a.Chat.Maintain)
	every(time.Minute, "store_maintenance", a.Store.Maintain)
	every(6*time.Hour, "clean_blob_temp", func(context.Context) error {
		return a.Blobs.CleanTemp(24 * time.Hour)
	})
}

// Close stops background work and closes the bus and the database, in that
// order (nothing publishes or writes after its dependency is gone).
func (a *App) Close() error {
	if a.stop != nil {
		a.stop()
	}
	a.bg.Wait()
	if a.Outgoing != nil {
		a.Outgoing.Close()
	}
	if a.Hub != nil {
		a.Hub.Close()
	}
	var err error
	for _, s := range a.subs {
		_ = s.Unsubscribe()
	}
	if a.Bus != nil {
		err = errors.Join(err, a.Bus.Close())
	}
	if a.Store != nil {
		err = errors.Join(err, a.Store.Close())
	}
	return err
}
