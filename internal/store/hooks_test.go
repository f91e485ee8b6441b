package store_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

func TestHooks(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_750_000_000_000).UTC()
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		team, err := st.CreateTeam(ctx, model.Team{Name: "dev", DisplayName: "Dev", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		ch, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: "ops", CreatedAt: now, UpdatedAt: now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		other, _ := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: "other", CreatedAt: now, UpdatedAt: now}, nil)
		if got, err := st.TeamChannelByName(ctx, team.ID, "other"); err != nil || got.ID != other.ID {
			t.Fatalf("channel by name: %+v %v", got, err)
		}
		if _, err := st.TeamChannelByName(ctx, team.ID, "nope"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("unknown channel by name: %v", err)
		}

		// Incoming hooks.
		hash := bytes.Repeat([]byte{7}, 32)
		in, err := st.CreateIncomingHook(ctx, model.IncomingHook{ChannelID: ch.ID, Name: "alerts", TokenHash: hash, CreatedBy: ann.ID, CreatedAt: now})
		if err != nil || in.ID == 0 {
			t.Fatalf("create incoming: %+v %v", in, err)
		}
		if _, err := st.CreateIncomingHook(ctx, model.IncomingHook{ChannelID: ch.ID, Name: "dup", TokenHash: hash, CreatedBy: ann.ID, CreatedAt: now}); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("same secret hash twice: %v", err)
		}
		got, err := st.IncomingHookByHash(ctx, hash)
		if err != nil || got.ID != in.ID || got.Name != "alerts" || got.ChannelID != ch.ID || got.CreatedBy != ann.ID || !got.CreatedAt.Equal(now) || got.Disabled {
			t.Fatalf("by hash: %+v %v", got, err)
		}
		if _, err := st.IncomingHookByHash(ctx, bytes.Repeat([]byte{8}, 32)); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("unknown hash: %v", err)
		}
		if err := st.SetIncomingHookDisabled(ctx, in.ID, true); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.IncomingHook(ctx, in.ID); !got.Disabled {
			t.Fatalf("disabled hook reads enabled: %+v", got)
		}
		if list, err := st.IncomingHooks(ctx, ch.ID); err != nil || len(list) != 1 || list[0].ID != in.ID {
			t.Fatalf("list incoming: %+v %v", list, err)
		}
		if list, _ := st.IncomingHooks(ctx, other.ID); len(list) != 0 {
			t.Fatalf("other channel's hooks: %+v", list)
		}
		if err := st.DeleteIncomingHook(ctx, in.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteIncomingHook(ctx, in.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
		if err := st.SetIncomingHookDisabled(ctx, in.ID, false); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("disable a deleted hook: %v", err)
		}

		// Outgoing hooks: a channel's, and one watching the team's public channels.
		out, err := st.CreateOutgoingHook(ctx, model.OutgoingHook{TeamID: team.ID, ChannelID: ch.ID, Name: "deploy",
			TriggerWords: []string{"deploy", "ship"}, CallbackURL: "https://ci.example.org/hook", ContentType: model.HookJSON,
			Token: "tok", CreatedBy: ann.ID, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		wide, err := st.CreateOutgoingHook(ctx, model.OutgoingHook{TeamID: team.ID, Name: "all", TriggerWords: []string{"ping"},
			CallbackURL: "https://x.example.org/", ContentType: model.HookForm, Token: "t2", CreatedBy: ann.ID, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateOutgoingHook(ctx, model.OutgoingHook{TeamID: team.ID, ChannelID: ch.ID, Name: "bad", TriggerWords: []string{"x"},
			CallbackURL: "https://x/", ContentType: "xml", Token: "t", CreatedBy: ann.ID, CreatedAt: now}); err == nil {
			t.Fatal("content type outside the CHECK was stored")
		}
		h, err := st.OutgoingHook(ctx, out.ID)
		if err != nil || !slices.Equal(h.TriggerWords, []string{"deploy", "ship"}) || h.CallbackURL != out.CallbackURL ||
			h.ContentType != model.HookJSON || h.Token != "tok" || h.ChannelID != ch.ID || h.TeamID != team.ID || !h.CreatedAt.Equal(now) {
			t.Fatalf("outgoing hook: %+v %v", h, err)
		}
		if list, _ := st.OutgoingHooks(ctx, ch.ID); len(list) != 1 || list[0].ID != out.ID {
			t.Fatalf("channel's outgoing hooks: %+v", list)
		}
		ids := func(hs []model.OutgoingHook) (out []int64) {
			for _, h := range hs {
				out = append(out, h.ID)
			}
			return out
		}
		if w, err := st.WatchingHooks(ctx, team.ID, ch.ID, true); err != nil || !slices.Equal(ids(w), []int64{out.ID, wide.ID}) {
			t.Fatalf("hooks watching a public channel: %v %v", ids(w), err)
		}
		if w, _ := st.WatchingHooks(ctx, team.ID, ch.ID, false); !slices.Equal(ids(w), []int64{out.ID}) {
			t.Fatalf("hooks watching a private channel: %v", ids(w))
		}
		if w, _ := st.WatchingHooks(ctx, team.ID, other.ID, true); !slices.Equal(ids(w), []int64{wide.ID}) {
			t.Fatalf("hooks watching another channel: %v", ids(w))
		}
		if err := st.SetOutgoingHookDisabled(ctx, out.ID, true); err != nil {
			t.Fatal(err)
		}
		if w, _ := st.WatchingHooks(ctx, team.ID, ch.ID, false); len(w) != 0 {
			t.Fatalf("a disabled hook still watches: %v", ids(w))
		}

		// Deliveries are claimed once.
		for i, want := range []bool{true, false} {
			if ok, err := st.ClaimDelivery(ctx, out.ID, 42, now); err != nil || ok != want {
				t.Fatalf("claim %d: %v %v, want %v", i, ok, err, want)
			}
		}
		if ok, _ := st.ClaimDelivery(ctx, wide.ID, 42, now); !ok {
			t.Fatal("another hook's claim of the same post refused")
		}
		if n, err := st.PruneDeliveries(ctx, now.Add(time.Millisecond)); err != nil || n != 2 {
			t.Fatalf("prune deliveries: %d %v", n, err)
		}
		if ok, _ := st.ClaimDelivery(ctx, out.ID, 42, now); !ok {
			t.Fatal("claim after prune refused")
		}
		if err := st.DeleteOutgoingHook(ctx, out.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.OutgoingHook(ctx, out.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("deleted outgoing hook: %v", err)
		}
		if err := st.DeleteOutgoingHook(ctx, out.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("delete twice: %v", err)
		}
	})
}

func TestBots(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_750_000_000_000).UTC()
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		u := newUser("deploybot", model.RoleMember)
		u.PasswordHash = "should not be kept"
		bot, tok, err := st.CreateBot(ctx, u, model.Token{Name: "bot", TokenHash: bytes.Repeat([]byte{1}, 32), Prefix: "rpat_abcd", CreatedAt: now})
		if err != nil || bot.ID == 0 || tok.ID == 0 || tok.UserID != bot.ID {
			t.Fatalf("create bot: %+v %+v %v", bot, tok, err)
		}
		if got, _ := st.User(ctx, bot.ID); got.PasswordHash != "" {
			t.Fatal("a bot has a password")
		}
		if _, gotUser, err := st.TokenByHash(ctx, bytes.Repeat([]byte{1}, 32)); err != nil || gotUser.ID != bot.ID {
			t.Fatalf("bot token: %+v %v", gotUser, err)
		}
		// A taken login rolls the whole creation back.
		if _, _, err := st.CreateBot(ctx, newUser("ann", model.RoleMember), model.Token{Name: "bot", TokenHash: bytes.Repeat([]byte{2}, 32), Prefix: "p", CreatedAt: now}); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("bot with a taken login: %v", err)
		}
		if _, _, err := st.TokenByHash(ctx, bytes.Repeat([]byte{2}, 32)); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("token of a bot not created: %v", err)
		}
		bots, err := st.Bots(ctx)
		if err != nil || len(bots) != 1 || bots[0].ID != bot.ID {
			t.Fatalf("bots: %+v %v", bots, err)
		}
		authors, err := st.Authors(ctx, []int64{ann.ID, bot.ID, 999})
		if err != nil || len(authors) != 2 || authors[0].ID != ann.ID || authors[0].Bot || authors[1].ID != bot.ID || !authors[1].Bot ||
			authors[1].Login != "deploybot" {
			t.Fatalf("authors: %+v %v", authors, err)
		}
		if a, err := st.Authors(ctx, nil); err != nil || a != nil {
			t.Fatalf("no authors: %+v %v", a, err)
		}
	})
}
