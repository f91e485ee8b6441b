package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
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

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("pässwörd long enough")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash format %q", h)
	}
	h2, _ := auth.HashPassword("pässwörd long enough")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if !auth.CheckPassword(h, "pässwörd long enough") || auth.CheckPassword(h, "pässwörd long enougH") {
		t.Fatal("check")
	}
	if auth.NeedsRehash(h) {
		t.Fatal("fresh hash needs rehash")
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "$argon2id$v=19$m=19456,t=2,p=1$$"} {
		if auth.CheckPassword(bad, "") || auth.CheckPassword(bad, "x") {
			t.Errorf("malformed hash %q matched", bad)
		}
	}
	long := strings.Repeat("🐝", 64) // 64 characters, 256 bytes: passphrases are welcome
	if _, err := auth.HashPassword(long); err != nil {
		t.Fatalf("64-character password refused: %v", err)
	}
	if _, err := auth.HashPassword("1234567"); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("7 characters: %v", err)
	}
	if _, err := auth.HashPassword(strings.Repeat("x", auth.MaxPasswordLen+1)); !errors.Is(err, model.ErrInvalid) {
		t.Fatalf("too long: %v", err)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	th := auth.NewThrottle(3, time.Minute)
	th.Now = func() time.Time { return now }
	for range 3 {
		if err := th.Allow("k"); err != nil {
			t.Fatal(err)
		}
		th.Fail("k")
	}
	err := th.Allow("k")
	var rl *model.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfterSeconds != 60 {
		t.Fatalf("after burst: %v", err)
	}
	if th.Allow("other") != nil {
		t.Fatal("another key is throttled")
	}
	now = now.Add(61 * time.Second)
	if err := th.Allow("k"); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	// A long attack builds bounded debt: after Burst×Refill without failures, it may try again.
	for range 1000 {
		th.Fail("k")
	}
	now = now.Add(7 * time.Minute)
	if err := th.Allow("k"); err != nil {
		t.Fatalf("debt must be bounded: %v", err)
	}
	th.Fail("k")
	th.Reset("k")
	if th.Allow("k") != nil {
		t.Fatal("reset")
	}
}

func TestAddrKey(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"192.0.2.7":            "ip:192.0.2.7",
		"::ffff:192.0.2.7":     "ip:192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "net:2001:db8:1:2::/64",
		"2001:db8:1:2:ffff::1": "net:2001:db8:1:2::/64",
		"garbage":              "ip:garbage",
	} {
		if got := auth.AddrKey(in); got != want {
			t.Errorf("AddrKey(%q) = %q, want %q", in, got, want)
		}
	}
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func TestSessionLifetimes(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		clk := &clock{now: time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)}
		b := bus.NewLocal()
		defer b.Close()
		events := make(chan bus.Message, 10)
		sub, _ := b.Subscribe(model.EventSessionsEnded, func(m bus.Message) { events <- m })
		defer sub.Unsubscribe()
		a := auth.New(st, b, slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Options{IdleTimeout: time.Hour, MaxAge: 3 * time.Hour, Now: clk.Now})
		hash, _ := auth.HashPassword("a good password")
		u, _ := st.CreateUser(ctx, model.User{Login: "ann", Role: model.RoleMember, Theme: model.ThemeAuto, PasswordHash: hash, CreatedAt: clk.Now(), UpdatedAt: clk.Now()})

		token, _, _, err := a.Login(ctx, "ANN", "a good password", auth.Client{IP: "192.0.2.1"})
		if err != nil {
			t.Fatal(err)
		}
		// Used every 50 minutes, the session lives until its absolute end.
		for range 3 {
			clk.Add(50 * time.Minute)
			if _, err := a.Authenticate(ctx, token); err != nil {
				t.Fatalf("active session ended at %v: %v", clk.Now(), err)
			}
		}
		clk.Add(31 * time.Minute) // 3h01 after login
		if _, err := a.Authenticate(ctx, token); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("session past its absolute lifetime: %v", err)
		}
		token2, _, _, _ := a.Login(ctx, "ann", "a good password", auth.Client{IP: "192.0.2.1"})
		clk.Add(61 * time.Minute)
		if _, err := a.Authenticate(ctx, token2); !errors.Is(err, model.ErrUnauthorized) {
			t.Fatalf("session idle for 61 minutes: %v", err)
		}
		if n, _ := a.PurgeExpired(ctx); n != 2 {
			t.Fatalf("purged %d", n)
		}

		// Logout everywhere else publishes which sessions ended.
		t1, s1, _, _ := a.Login(ctx, "ann", "a good password", auth.Client{})
		_, s2, _, _ := a.Login(ctx, "ann", "a good password", auth.Client{})
		p, _ := a.Authenticate(ctx, t1)
		if err := a.EndOtherSessions(ctx, p); err != nil {
			t.Fatal(err)
		}
		select {
		case m := <-events:
			var ev model.Event
			if err := json.Unmarshal(m.Data, &ev); err != nil || len(ev.SessionIDs) != 1 || ev.SessionIDs[0] != s2.ID || ev.UserID != u.ID {
				t.Fatalf("event %s (kept session %d, ended %d)", m.Data, s1.ID, s2.ID)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no sessions-ended event")
		}
		if list, _ := a.Sessions(ctx, p, u.ID); len(list) != 1 || !list[0].Current {
			t.Fatalf("sessions left: %+v", list)
		}
		other := auth.Principal{User: model.User{ID: u.ID + 100, Role: model.RoleAdmin}}
		if _, err := a.Sessions(ctx, other, u.ID); !errors.Is(err, model.ErrForbidden) {
			t.Fatalf("an admin lists another user's sessions: %v", err)
		}
	})
}

func TestLoginDoesNotRevealAccounts(t *testing.T) {
	t.Parallel()
	st := testutil.NewStore(t)
	ctx := context.Background()
	a := auth.New(st, bus.NewLocal(), slog.New(slog.NewTextHandler(io.Discard, nil)), auth.Options{})
	hash, _ := auth.HashPassword("a good password")
	st.CreateUser(ctx, model.User{Login: "ben", Role: model.RoleMember, Theme: model.ThemeAuto, PasswordHash: hash})
	_, _, _, e1 := a.Login(ctx, "ben", "wrong password", auth.Client{IP: "192.0.2.9"})
	_, _, _, e2 := a.Login(ctx, "nobody", "wrong password", auth.Client{IP: "192.0.2.9"})
	if !errors.Is(e1, auth.ErrBadLogin) || e1.Error() != e2.Error() {
		t.Fatalf("unknown login and wrong password differ: %v / %v", e1, e2)
	}
}
