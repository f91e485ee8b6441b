package store_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

func TestMigrationsMatch(t *testing.T) {
	lite, err := store.Migrations(store.SQLite)
	if err != nil {
		t.Fatal(err)
	}
	pg, err := store.Migrations(store.Postgres)
	if err != nil {
		t.Fatal(err)
	}
	if len(lite) == 0 || len(lite) != len(pg) {
		t.Fatalf("sqlite has %d migrations, postgres %d", len(lite), len(pg))
	}
	for i := range lite {
		if lite[i].Name != pg[i].Name {
			t.Errorf("migration %d: sqlite %s, postgres %s", i+1, lite[i].Name, pg[i].Name)
		}
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		n, err := st.Migrate(ctx)
		if err != nil || n != 0 {
			t.Fatalf("second Migrate applied %d, err %v; want 0, nil", n, err)
		}
		v, err := st.SchemaVersion(ctx)
		all, _ := store.Migrations(st.Dialect())
		if err != nil || v != len(all) {
			t.Fatalf("schema version %d, %v; want %d", v, err, len(all))
		}
	})
}

func newUser(login string, role model.Role) model.User {
	now := time.UnixMilli(1_700_000_000_000).UTC()
	return model.User{Login: login, Email: login + "@example.org", DisplayName: "User " + login, Role: role,
		Theme: model.ThemeAuto, PasswordHash: "hash", CreatedAt: now, UpdatedAt: now}
}

func TestUsers(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		alice, err := st.CreateUser(ctx, newUser("alice", model.RoleAdmin))
		if err != nil || alice.ID == 0 {
			t.Fatalf("create: %v, id %d", err, alice.ID)
		}
		if _, err := st.CreateUser(ctx, newUser("alice", model.RoleMember)); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("same login: %v, want ErrConflict", err)
		}
		dup := newUser("alice2", model.RoleMember)
		dup.Email = alice.Email
		if _, err := st.CreateUser(ctx, dup); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("same e-mail: %v, want ErrConflict", err)
		}
		noMail := newUser("bob", model.RoleGuest)
		noMail.Email = ""
		bob, err := st.CreateUser(ctx, noMail)
		if err != nil {
			t.Fatal(err)
		}
		noMail.Login = "carol"
		if _, err := st.CreateUser(ctx, noMail); err != nil {
			t.Fatalf("two users without e-mail: %v", err)
		}

		got, err := st.User(ctx, alice.ID)
		if err != nil || got.Login != "alice" || got.Role != model.RoleAdmin || !got.CreatedAt.Equal(alice.CreatedAt) {
			t.Fatalf("User: %+v, %v", got, err)
		}
		if _, err := st.User(ctx, 9999); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("missing user: %v", err)
		}
		if got, err := st.UserByLogin(ctx, "alice@example.org"); err != nil || got.ID != alice.ID {
			t.Fatalf("by e-mail: %v %v", got.ID, err)
		}
		if got, err := st.UserByLogin(ctx, "bob"); err != nil || got.ID != bob.ID {
			t.Fatalf("by login: %v %v", got.ID, err)
		}

		got.DisplayName, got.Disabled, got.Theme, got.Locale = "Alice A.", true, model.ThemeDark, "fr"
		if err := st.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		got2, _ := st.User(ctx, alice.ID)
		if got2.DisplayName != "Alice A." || !got2.Disabled || got2.Theme != model.ThemeDark || got2.Locale != "fr" {
			t.Fatalf("after update: %+v", got2)
		}
		if n, err := st.CountActiveAdmins(ctx); err != nil || n != 0 {
			t.Fatalf("active admins %d, %v; want 0 (alice is disabled)", n, err)
		}
		if err := st.SetPasswordHash(ctx, bob.ID, "new", time.Now()); err != nil {
			t.Fatal(err)
		}
		if b, _ := st.User(ctx, bob.ID); b.PasswordHash != "new" {
			t.Fatalf("password hash %q", b.PasswordHash)
		}

		list, err := st.Users(ctx, store.UserFilter{Query: "a. "})
		if err != nil || len(list) != 0 {
			t.Fatalf("query with no match: %d users, %v", len(list), err)
		}
		list, err = st.Users(ctx, store.UserFilter{Query: "ALICE"})
		if err != nil || len(list) != 1 {
			t.Fatalf("query alice: %d users, %v", len(list), err)
		}
		list, err = st.Users(ctx, store.UserFilter{Query: "%"})
		if err != nil || len(list) != 0 {
			t.Fatalf("'%%' is literal: %d users, %v", len(list), err)
		}
		if n, _ := st.CountUsers(ctx); n != 3 {
			t.Fatalf("count %d", n)
		}
	})
}

func TestSessionsAndTokens(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u, _ := st.CreateUser(ctx, newUser("dan", model.RoleMember))
		now := time.Now().UTC().Truncate(time.Millisecond)
		var ids []int64
		for _, h := range []string{"h1", "h2", "h3"} {
			s, err := st.CreateSession(ctx, model.Session{UserID: u.ID, TokenHash: []byte(h), CSRFToken: "c", CreatedAt: now,
				LastSeenAt: now, ExpiresAt: now.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, s.ID)
		}
		s, su, err := st.SessionByToken(ctx, []byte("h2"))
		if err != nil || s.ID != ids[1] || su.ID != u.ID || su.Login != "dan" || !s.ExpiresAt.Equal(now.Add(time.Hour)) {
			t.Fatalf("by token: %+v %+v %v", s, su, err)
		}
		if _, _, err := st.SessionByToken(ctx, []byte("nope")); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("unknown token: %v", err)
		}
		if err := st.TouchSession(ctx, ids[0], now.Add(time.Minute), now.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		list, _ := st.Sessions(ctx, u.ID)
		if len(list) != 3 || list[0].ID != ids[0] {
			t.Fatalf("sessions order: %+v", list)
		}
		other, _ := st.CreateUser(ctx, newUser("eve", model.RoleMember))
		if err := st.DeleteSession(ctx, other.ID, ids[2]); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("deleting another user's session: %v", err)
		}
		ended, err := st.DeleteSessions(ctx, u.ID, ids[0])
		if err != nil || len(ended) != 2 {
			t.Fatalf("delete others: %v %v", ended, err)
		}
		if n, err := st.DeleteExpiredSessions(ctx, now.Add(3*time.Hour)); err != nil || n != 1 {
			t.Fatalf("expired: %d %v", n, err)
		}

		tok, err := st.CreateToken(ctx, model.Token{UserID: u.ID, Name: "ci", TokenHash: []byte("t1"), Prefix: "rpat_ab", CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateToken(ctx, model.Token{UserID: u.ID, Name: "ci2", TokenHash: []byte("t1"), CreatedAt: now}); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("same hash: %v", err)
		}
		got, gu, err := st.TokenByHash(ctx, []byte("t1"))
		if err != nil || got.ID != tok.ID || gu.ID != u.ID || got.LastUsedAt != nil {
			t.Fatalf("by hash: %+v %v", got, err)
		}
		_ = st.TouchToken(ctx, tok.ID, now)
		list2, _ := st.Tokens(ctx, u.ID)
		if len(list2) != 1 || list2[0].LastUsedAt == nil || !list2[0].LastUsedAt.Equal(now) {
			t.Fatalf("tokens: %+v", list2)
		}
		if err := st.DeleteToken(ctx, other.ID, tok.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("deleting another user's token: %v", err)
		}
		if err := st.DeleteToken(ctx, u.ID, tok.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.TokenByHash(ctx, []byte("t1")); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("revoked token: %v", err)
		}
	})
}

func TestGroups(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		u1, _ := st.CreateUser(ctx, newUser("u1", model.RoleMember))
		u2, _ := st.CreateUser(ctx, newUser("u2", model.RoleGuest))
		g, err := st.CreateGroup(ctx, model.Group{Name: "Client ACME", CreatedAt: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateGroup(ctx, model.Group{Name: "Client ACME"}); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("same name: %v", err)
		}
		for _, id := range []int64{u1.ID, u2.ID, u2.ID} {
			if err := st.AddGroupMember(ctx, g.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		got, _ := st.Group(ctx, g.ID)
		if got.MemberCount != 2 {
			t.Fatalf("member count %d", got.MemberCount)
		}
		if ids, _ := st.UserGroups(ctx, u2.ID); len(ids) != 1 || ids[0] != g.ID {
			t.Fatalf("user groups %v", ids)
		}
		if err := st.RemoveGroupMember(ctx, g.ID, u1.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveGroupMember(ctx, g.ID, u1.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("second remove: %v", err)
		}
		ms, _ := st.GroupMembers(ctx, g.ID)
		if len(ms) != 1 || ms[0].ID != u2.ID {
			t.Fatalf("members %+v", ms)
		}
		got.Name = "ACME"
		if err := st.UpdateGroup(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteGroup(ctx, g.ID); err != nil {
			t.Fatal(err)
		}
		if ids, _ := st.UserGroups(ctx, u2.ID); len(ids) != 0 {
			t.Fatalf("memberships survive group deletion: %v", ids)
		}
	})
}

func TestInvitationSingleUseUnderRace(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		admin, _ := st.CreateUser(ctx, newUser("boss", model.RoleAdmin))
		now := time.Now()
		inv, err := st.CreateInvitation(ctx, model.Invitation{TokenHash: []byte("i1"), Role: model.RoleGuest, CreatedBy: admin.ID,
			CreatedAt: now, SingleUse: true})
		if err != nil {
			t.Fatal(err)
		}
		var ok atomic.Int32
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				if st.UseInvitation(ctx, inv.ID, now) == nil {
					ok.Add(1)
				}
			})
		}
		wg.Wait()
		if ok.Load() != 1 {
			t.Fatalf("%d uses of a single-use invitation succeeded", ok.Load())
		}
		exp := now.Add(-time.Second)
		old, _ := st.CreateInvitation(ctx, model.Invitation{TokenHash: []byte("i2"), Role: model.RoleMember, CreatedBy: admin.ID,
			CreatedAt: now, ExpiresAt: &exp})
		if err := st.UseInvitation(ctx, old.ID, now); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("expired invitation used: %v", err)
		}
		multi, _ := st.CreateInvitation(ctx, model.Invitation{TokenHash: []byte("i3"), Role: model.RoleMember, CreatedBy: admin.ID, CreatedAt: now})
		for range 3 {
			if err := st.UseInvitation(ctx, multi.ID, now); err != nil {
				t.Fatal(err)
			}
		}
		_ = st.RevokeInvitation(ctx, multi.ID)
		if err := st.UseInvitation(ctx, multi.ID, now); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("revoked invitation used: %v", err)
		}
		got, err := st.InvitationByToken(ctx, []byte("i3"))
		if err != nil || got.Uses != 3 || !got.Revoked || got.Usable(now) {
			t.Fatalf("%+v %v", got, err)
		}
		if list, _ := st.Invitations(ctx); len(list) != 3 || list[0].ID != multi.ID {
			t.Fatalf("list %+v", list)
		}
	})
}

func TestSettings(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		if _, err := st.Setting(ctx, "brand.name"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		if err := st.SetSettings(ctx, map[string]string{"brand.name": "Coop", "brand.accent": "#112233", "other": "x"}); err != nil {
			t.Fatal(err)
		}
		if err := st.SetSettings(ctx, map[string]string{"brand.name": "Coop 2"}); err != nil {
			t.Fatal(err)
		}
		got, err := st.Settings(ctx, "brand.")
		if err != nil || len(got) != 2 || got["brand.name"] != "Coop 2" {
			t.Fatalf("%v %v", got, err)
		}
		if err := st.InsertSetting(ctx, "setup.done", "1"); err != nil {
			t.Fatal(err)
		}
		if err := st.InsertSetting(ctx, "setup.done", "1"); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("second insert: %v", err)
		}
	})
}

func TestInTxRollsBack(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := st.InTx(ctx, func(tx *store.Store) error {
			if _, err := tx.CreateUser(ctx, newUser("ghost", model.RoleMember)); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx: %v", err)
		}
		if _, err := st.UserByLogin(ctx, "ghost"); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("rolled-back user exists: %v", err)
		}
	})
}
