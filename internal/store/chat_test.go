package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

func TestTeamsAndChannels(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_750_000_000_000).UTC()
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		bob, _ := st.CreateUser(ctx, newUser("bob", model.RoleMember))
		team, err := st.CreateTeam(ctx, model.Team{Name: "dev", DisplayName: "Dev", Open: true, CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		closed, _ := st.CreateTeam(ctx, model.Team{Name: "board", DisplayName: "Board", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		if _, err := st.CreateTeam(ctx, model.Team{Name: "dev", DisplayName: "x", CreatedAt: now, UpdatedAt: now}); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("duplicate team name: %v", err)
		}
		if m, err := st.TeamMember(ctx, team.ID, ann.ID); err != nil || !m.Admin {
			t.Fatalf("creator membership: %+v %v", m, err)
		}
		if list, _ := st.Teams(ctx, bob.ID, true); len(list) != 1 || list[0].ID != team.ID {
			t.Fatalf("bob sees open teams only: %+v", list)
		}
		if list, _ := st.Teams(ctx, bob.ID, false); len(list) != 0 {
			t.Fatalf("bob belongs to no team: %+v", list)
		}
		if list, _ := st.Teams(ctx, ann.ID, false); len(list) != 2 || list[0].ID != closed.ID {
			t.Fatalf("ann's teams by display name: %+v", list)
		}

		ch, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: "town-square", DisplayName: "Town square",
			CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now}, []model.ChannelMember{{UserID: ann.ID, Admin: true, JoinedAt: now}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: "town-square", CreatedAt: now, UpdatedAt: now}, nil); !errors.Is(err, model.ErrConflict) {
			t.Fatalf("duplicate channel name in team: %v", err)
		}
		if _, err := st.CreateChannel(ctx, model.Channel{TeamID: closed.ID, Kind: model.ChannelPublic, Name: "town-square", CreatedAt: now, UpdatedAt: now}, nil); err != nil {
			t.Fatalf("same name in another team: %v", err)
		}
		dm, err := st.CreateChannel(ctx, model.Channel{Kind: model.ChannelDirect, Name: "1,2", CreatedAt: now, UpdatedAt: now},
			[]model.ChannelMember{{UserID: ann.ID, JoinedAt: now}, {UserID: bob.ID, JoinedAt: now}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.DirectChannel(ctx, "1,2"); err != nil || got.ID != dm.ID || got.TeamID != 0 {
			t.Fatalf("direct channel: %+v %v", got, err)
		}

		// Posts, threads, unreads and mentions.
		p1, err := st.CreatePost(ctx, model.Post{ChannelID: ch.ID, UserID: ann.ID, Message: "hello", CreatedAt: now}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AddChannelMember(ctx, model.ChannelMember{ChannelID: ch.ID, UserID: bob.ID, JoinedAt: now}); err != nil {
			t.Fatal(err)
		}
		p2, _ := st.CreatePost(ctx, model.Post{ChannelID: ch.ID, UserID: ann.ID, Message: "@bob look", CreatedAt: now.Add(time.Second)}, []int64{bob.ID})
		reply, err := st.CreatePost(ctx, model.Post{ChannelID: ch.ID, RootID: p2.ID, UserID: bob.ID, Message: "seen", CreatedAt: now.Add(2 * time.Second)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreatePost(ctx, model.Post{ChannelID: dm.ID, RootID: p2.ID, UserID: bob.ID, Message: "x", CreatedAt: now}, nil); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("reply to a root of another channel: %v", err)
		}
		side, err := st.Sidebar(ctx, bob.ID)
		if err != nil || len(side) != 2 {
			t.Fatalf("sidebar: %+v %v", side, err)
		}
		var town store.SidebarChannel
		for _, s := range side {
			if s.Channel.ID == ch.ID {
				town = s
			}
		}
		// Bob joined after p1: only p2 is unread, with one mention.
		if town.Unread != 1 || town.Member.MentionCount != 1 || town.Channel.LastPostID != reply.ID {
			t.Fatalf("bob's town square: %+v", town)
		}
		if err := st.MarkRead(ctx, ch.ID, bob.ID, p2.ID, false); err != nil {
			t.Fatal(err)
		}
		_ = st.MarkRead(ctx, ch.ID, bob.ID, p1.ID, false) // never backwards
		if m, _ := st.ChannelMember(ctx, ch.ID, bob.ID); m.LastReadID != p2.ID || m.MentionCount != 0 {
			t.Fatalf("after reading: %+v", m)
		}
		_ = st.MarkRead(ctx, ch.ID, bob.ID, p1.ID, true) // mark as unread
		if m, _ := st.ChannelMember(ctx, ch.ID, bob.ID); m.LastReadID != p1.ID {
			t.Fatalf("mark unread: %+v", m)
		}

		posts, err := st.Posts(ctx, ch.ID, 0, 10)
		if err != nil || len(posts) != 2 || posts[0].ID != p2.ID || posts[0].ReplyCount != 1 || posts[0].LastReplyAt == nil {
			t.Fatalf("history: %+v %v", posts, err)
		}
		if older, _ := st.Posts(ctx, ch.ID, p2.ID, 10); len(older) != 1 || older[0].ID != p1.ID {
			t.Fatalf("history before p2: %+v", older)
		}
		if err := st.AddReaction(ctx, model.Reaction{PostID: p2.ID, UserID: bob.ID, Emoji: "👍"}, now); err != nil {
			t.Fatal(err)
		}
		_ = st.AddReaction(ctx, model.Reaction{PostID: p2.ID, UserID: bob.ID, Emoji: "👍"}, now)
		thread, _ := st.Thread(ctx, p2.ID)
		if len(thread) != 2 || thread[1].ID != reply.ID || len(thread[0].Reactions) != 1 {
			t.Fatalf("thread: %+v", thread)
		}
		if err := st.EditPost(ctx, p1.ID, "hello, world", "", now.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if edits, _ := st.PostEdits(ctx, p1.ID); len(edits) != 1 || edits[0] != "hello" {
			t.Fatalf("edit history: %v", edits)
		}
		if err := st.DeletePost(ctx, reply, now); err != nil {
			t.Fatal(err)
		}
		if root, _ := st.Post(ctx, p2.ID); root.ReplyCount != 0 {
			t.Fatalf("deleted reply still counted: %+v", root)
		}
		if err := st.DeletePost(ctx, p1, now); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.Post(ctx, p1.ID); got.DeletedAt == nil || got.Message != "" {
			t.Fatalf("deleted post keeps its text: %+v", got)
		}
		if edits, _ := st.PostEdits(ctx, p1.ID); len(edits) != 0 {
			t.Fatalf("deleted post keeps its history: %v", edits)
		}

		// Leaving the team leaves its channels.
		if err := st.AddTeamMember(ctx, model.TeamMember{TeamID: team.ID, UserID: bob.ID, JoinedAt: now}); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveTeamMember(ctx, team.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ChannelMember(ctx, ch.ID, bob.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("still in a channel of a team he left: %v", err)
		}
		if ids, _ := st.UserChannelIDs(ctx, bob.ID); len(ids) != 1 || ids[0] != dm.ID {
			t.Fatalf("bob's channels: %v", ids)
		}

		// Temporary channels are archived when they end.
		end := now.Add(time.Hour)
		tmp, _ := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPrivate, Name: "sprint", EndsAt: &end, CreatedAt: now, UpdatedAt: now}, nil)
		if ids, _ := st.ArchiveEndedChannels(ctx, now); len(ids) != 0 {
			t.Fatalf("archived early: %v", ids)
		}
		if ids, _ := st.ArchiveEndedChannels(ctx, end); len(ids) != 1 || ids[0] != tmp.ID {
			t.Fatalf("not archived: %v", ids)
		}
	})
}

func TestEventLog(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		bob, _ := st.CreateUser(ctx, newUser("bob", model.RoleMember))
		a, _ := st.CreateChannel(ctx, model.Channel{Kind: model.ChannelGroup, Name: "a", CreatedAt: now, UpdatedAt: now},
			[]model.ChannelMember{{UserID: ann.ID, JoinedAt: now}, {UserID: bob.ID, JoinedAt: now}})
		b, _ := st.CreateChannel(ctx, model.Channel{Kind: model.ChannelGroup, Name: "b", CreatedAt: now, UpdatedAt: now},
			[]model.ChannelMember{{UserID: ann.ID, JoinedAt: now}})
		var ids []int64
		for _, e := range []model.StoredEvent{
			{Type: "post.created", ChannelID: a.ID, Data: []byte(`{"n":1}`), CreatedAt: now.Add(-48 * time.Hour)},
			{Type: "post.created", ChannelID: b.ID, Data: []byte(`{"n":2}`), CreatedAt: now},
			{Type: "user.updated", UserID: bob.ID, Data: []byte(`{"n":3}`), CreatedAt: now},
			{Type: "post.created", ChannelID: a.ID, Data: []byte(`{"n":4}`), CreatedAt: now},
		} {
			id, err := st.AppendEvent(ctx, e)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		got, err := st.EventsSince(ctx, bob.ID, 0, 100)
		if err != nil || len(got) != 3 || got[0].ID != ids[0] || got[1].ID != ids[2] || string(got[2].Data) != `{"n":4}` {
			t.Fatalf("bob's events: %+v %v", got, err)
		}
		if got, _ := st.EventsSince(ctx, bob.ID, ids[2], 100); len(got) != 1 || got[0].ID != ids[3] {
			t.Fatalf("after id: %+v", got)
		}
		if n, _ := st.PruneEvents(ctx, now.Add(-time.Hour)); n != 1 {
			t.Fatalf("pruned %d", n)
		}
		if oldest, _ := st.OldestEventID(ctx); oldest != ids[1] {
			t.Fatalf("oldest %d", oldest)
		}
	})
}

func TestMembersToNotify(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		var ids []int64
		for _, l := range []string{"u1", "u2", "u3", "u4"} {
			u, _ := st.CreateUser(ctx, newUser(l, model.RoleMember))
			ids = append(ids, u.ID)
		}
		c, _ := st.CreateChannel(ctx, model.Channel{Kind: model.ChannelGroup, Name: "g", CreatedAt: now, UpdatedAt: now},
			[]model.ChannelMember{{UserID: ids[0], JoinedAt: now}, {UserID: ids[1], JoinedAt: now}, {UserID: ids[2], JoinedAt: now}, {UserID: ids[3], JoinedAt: now}})
		set := func(u int64, n model.NotifyLevel) {
			if err := st.SetMemberPrefs(ctx, model.ChannelMember{ChannelID: c.ID, UserID: u, Notify: n}); err != nil {
				t.Fatal(err)
			}
		}
		set(ids[1], model.NotifyAll)
		set(ids[2], model.NotifyMentions)
		set(ids[3], model.NotifyNone)
		got := func(direct bool, mentioned []int64) []int64 {
			ms, err := st.MembersToNotify(ctx, c.ID, direct, mentioned)
			if err != nil {
				t.Fatal(err)
			}
			var out []int64
			for _, m := range ms {
				out = append(out, m.UserID)
			}
			return out
		}
		if g := got(false, nil); len(g) != 1 || g[0] != ids[1] {
			t.Fatalf("team channel, no mention: %v", g)
		}
		if g := got(true, nil); len(g) != 2 || g[0] != ids[0] || g[1] != ids[1] {
			t.Fatalf("group message, no mention: %v", g)
		}
		if g := got(false, []int64{ids[2], ids[3]}); len(g) != 3 {
			t.Fatalf("mentions: %v", g)
		}
	})
}
