package store_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

func TestChannelRelation(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_750_000_000_000).UTC()
		user := func(login string) model.User {
			u, err := st.CreateUser(ctx, model.User{Login: login, Email: login + "@example.org", Role: model.RoleMember, CreatedAt: now, UpdatedAt: now})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		ann, bob, eve := user("ann"), user("bob"), user("eve")
		team, err := st.CreateTeam(ctx, model.Team{Name: "dev", Open: true, CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddTeamMember(ctx, model.TeamMember{TeamID: team.ID, UserID: bob.ID, JoinedAt: now}); err != nil {
			t.Fatal(err)
		}
		ch, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPrivate, Name: "secret", CreatedBy: ann.ID,
			CreatedAt: now, UpdatedAt: now}, []model.ChannelMember{{UserID: ann.ID, Admin: true, JoinedAt: now}, {UserID: bob.ID, JoinedAt: now}})
		if err != nil {
			t.Fatal(err)
		}
		dm, err := st.CreateChannel(ctx, model.Channel{Kind: model.ChannelDirect, Name: fmt.Sprint(ann.ID, ",", eve.ID), CreatedAt: now, UpdatedAt: now},
			[]model.ChannelMember{{UserID: ann.ID, JoinedAt: now}, {UserID: eve.ID, JoinedAt: now}})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name    string
			channel int64
			user    int64
			want    store.ChannelRelation
		}{
			{"team and channel admin", ch.ID, ann.ID, store.ChannelRelation{TeamOpen: true, TeamMember: true, TeamAdmin: true, Member: true, Admin: true}},
			{"member of both", ch.ID, bob.ID, store.ChannelRelation{TeamOpen: true, TeamMember: true, Member: true}},
			{"outsider", ch.ID, eve.ID, store.ChannelRelation{TeamOpen: true}},
			{"anonymous", ch.ID, 0, store.ChannelRelation{TeamOpen: true}},
			{"direct, member", dm.ID, eve.ID, store.ChannelRelation{Member: true}},
			{"direct, outsider", dm.ID, bob.ID, store.ChannelRelation{}},
		} {
			got, err := st.ChannelRelation(ctx, tc.channel, tc.user)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if got.Channel.ID != tc.channel || got.Channel.Name == "" {
				t.Errorf("%s: channel %+v", tc.name, got.Channel)
			}
			got.Channel, tc.want.Channel = model.Channel{}, model.Channel{}
			if got != tc.want {
				t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
			}
		}
		team.ArchivedAt = &now
		if err := st.UpdateTeam(ctx, team); err != nil {
			t.Fatal(err)
		}
		if got, err := st.ChannelRelation(ctx, ch.ID, bob.ID); err != nil || !got.TeamArchived {
			t.Errorf("archived team: %+v %v", got, err)
		}
		if _, err := st.ChannelRelation(ctx, dm.ID+100, ann.ID); !errors.Is(err, model.ErrNotFound) {
			t.Errorf("unknown channel: %v", err)
		}
	})
}

func TestChannelPage(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_750_000_000_000).UTC()
		ann, _ := st.CreateUser(ctx, model.User{Login: "ann", Email: "ann@example.org", DisplayName: "Ann A.", Role: model.RoleMember})
		bot, _, err := st.CreateBot(ctx, model.User{Login: "deploy", Email: "deploy@example.org", Role: model.RoleMember},
			model.Token{Name: "t", TokenHash: []byte("h"), CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		team, _ := st.CreateTeam(ctx, model.Team{Name: "dev", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		ch, _ := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: "town", CreatedAt: now, UpdatedAt: now}, nil)
		post := func(author, root int64, files ...int64) model.Post {
			p := model.Post{ChannelID: ch.ID, UserID: author, RootID: root, Message: "hi", CreatedAt: now}
			for _, f := range files {
				p.Files = append(p.Files, model.File{ID: f})
			}
			p, err := st.CreatePost(ctx, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		file, err := st.CreateFile(ctx, model.File{ChannelID: ch.ID, UserID: ann.ID, Name: "a.txt", MIME: "text/plain", Size: 1, BlobKey: "k", SHA256: "s", CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		p1 := post(bot.ID, 0)
		p2 := post(ann.ID, 0, file.ID)
		post(ann.ID, p1.ID) // a reply: not on the page
		p3 := post(0, 0)    // no author (a deleted account)
		p4 := post(ann.ID, 0)
		for _, r := range []model.Reaction{{PostID: p1.ID, UserID: ann.ID, Emoji: "👍"}, {PostID: p4.ID, UserID: bot.ID, Emoji: "🎉"}, {PostID: p4.ID, UserID: ann.ID, Emoji: "🎉"}} {
			if err := st.AddReaction(ctx, r, now); err != nil {
				t.Fatal(err)
			}
		}

		posts, authors, err := st.ChannelPage(ctx, ch.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := st.Posts(ctx, ch.ID, 0, 10)
		if fmt.Sprintf("%+v", posts) != fmt.Sprintf("%+v", want) {
			t.Errorf("page:\n%+v\nwant the posts Posts returns:\n%+v", posts, want)
		}
		if len(posts) != 4 || posts[0].ID != p4.ID || len(posts[0].Reactions) != 2 || len(posts[1].Files) != 0 || len(posts[2].Files) != 1 || posts[2].ID != p2.ID {
			t.Errorf("page: %+v", posts)
		}
		if len(authors) != 2 || authors[0].ID != ann.ID || authors[0].DisplayName != "Ann A." || authors[0].Login != "ann" || authors[0].Bot ||
			authors[1].ID != bot.ID || !authors[1].Bot || authors[1].Role != model.RoleMember {
			t.Errorf("authors: %+v", authors)
		}
		if posts, authors, err := st.ChannelPage(ctx, ch.ID, p3.ID, 1); err != nil || len(posts) != 1 || posts[0].ID != p2.ID || len(authors) != 1 {
			t.Errorf("page before p3: %+v %+v %v", posts, authors, err)
		}
		if posts, authors, err := st.ChannelPage(ctx, ch.ID, p1.ID, 10); err != nil || len(posts) != 0 || len(authors) != 0 {
			t.Errorf("page before the first post: %+v %+v %v", posts, authors, err)
		}
	})
}

func TestHasOutgoingHooks(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_750_000_000_000).UTC()
		ann, _ := st.CreateUser(ctx, model.User{Login: "ann", Email: "ann@example.org", Role: model.RoleMember})
		dev, _ := st.CreateTeam(ctx, model.Team{Name: "dev", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		ops, _ := st.CreateTeam(ctx, model.Team{Name: "ops", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		ch, _ := st.CreateChannel(ctx, model.Channel{TeamID: dev.ID, Kind: model.ChannelPublic, Name: "town", CreatedAt: now, UpdatedAt: now}, nil)
		has := func(team int64) bool {
			t.Helper()
			ok, err := st.HasOutgoingHooks(ctx, team)
			if err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if has(dev.ID) || has(ops.ID) {
			t.Fatal("hooks before any was made")
		}
		h, err := st.CreateOutgoingHook(ctx, model.OutgoingHook{TeamID: dev.ID, ChannelID: ch.ID, Name: "deploy", TriggerWords: []string{"deploy"},
			CallbackURL: "https://example.org/hook", ContentType: model.HookForm, Token: "t", CreatedBy: ann.ID, CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		if !has(dev.ID) || has(ops.ID) {
			t.Error("a channel's hook counts for its team only")
		}
		if err := st.SetOutgoingHookDisabled(ctx, h.ID, true); err != nil {
			t.Fatal(err)
		}
		if has(dev.ID) {
			t.Error("a disabled hook counts")
		}
		if err := st.SetOutgoingHookDisabled(ctx, h.ID, false); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteOutgoingHook(ctx, h.ID); err != nil {
			t.Fatal(err)
		}
		if has(dev.ID) {
			t.Error("a deleted hook counts")
		}
	})
}
