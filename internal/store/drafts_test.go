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

func TestDrafts(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_750_000_000_000).UTC()
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		bob, _ := st.CreateUser(ctx, newUser("bob", model.RoleMember))
		team, err := st.CreateTeam(ctx, model.Team{Name: "dev", DisplayName: "Dev", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		other, _ := st.CreateTeam(ctx, model.Team{Name: "ops", DisplayName: "Ops", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		mk := func(teamID int64, name string) model.Channel {
			c, err := st.CreateChannel(ctx, model.Channel{TeamID: teamID, Kind: model.ChannelPublic, Name: name, CreatedAt: now, UpdatedAt: now},
				[]model.ChannelMember{{UserID: ann.ID, JoinedAt: now}, {UserID: bob.ID, JoinedAt: now}})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		town, gone, left, ops := mk(team.ID, "town"), mk(team.ID, "gone"), mk(team.ID, "left"), mk(other.ID, "general")
		root, _ := st.CreatePost(ctx, model.Post{ChannelID: town.ID, UserID: bob.ID, Message: "root", CreatedAt: now}, nil)
		deleted, _ := st.CreatePost(ctx, model.Post{ChannelID: town.ID, UserID: bob.ID, Message: "to delete", CreatedAt: now}, nil)

		save := func(d store.Draft, want bool) {
			t.Helper()
			changed, err := st.SaveDraft(ctx, d)
			if err != nil || changed != want {
				t.Fatalf("save %+v: changed %v, %v; want %v", d, changed, err, want)
			}
		}
		at := func(s int) time.Time { return now.Add(time.Duration(s) * time.Second) }
		save(store.Draft{UserID: ann.ID, ChannelID: town.ID, Message: "first", UpdatedAt: at(1)}, true)
		save(store.Draft{UserID: ann.ID, ChannelID: town.ID, Message: "first", UpdatedAt: at(2)}, false) // same text: nothing written
		save(store.Draft{UserID: ann.ID, ChannelID: town.ID, Message: "channel draft", UpdatedAt: at(3)}, true)
		save(store.Draft{UserID: ann.ID, ChannelID: town.ID, RootID: root.ID, Message: "reply draft", UpdatedAt: at(4)}, true)
		save(store.Draft{UserID: ann.ID, ChannelID: town.ID, RootID: deleted.ID, Message: "reply to a deleted post", UpdatedAt: at(5)}, true)
		save(store.Draft{UserID: ann.ID, ChannelID: gone.ID, Message: "in a deleted channel", UpdatedAt: at(6)}, true)
		save(store.Draft{UserID: ann.ID, ChannelID: left.ID, Message: "in a channel left", UpdatedAt: at(7)}, true)
		save(store.Draft{UserID: ann.ID, ChannelID: ops.ID, Message: "in another team", UpdatedAt: at(8)}, true)
		save(store.Draft{UserID: bob.ID, ChannelID: town.ID, Message: "bob's", UpdatedAt: at(9)}, true)

		d, err := st.Draft(ctx, ann.ID, town.ID, 0)
		if err != nil || d.Message != "channel draft" || !d.UpdatedAt.Equal(at(3)) || d.UserID != ann.ID || d.ChannelID != town.ID || d.RootID != 0 {
			t.Fatalf("draft: %+v %v", d, err)
		}
		if _, err := st.Draft(ctx, bob.ID, town.ID, root.ID); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("missing draft: %v", err)
		}

		// Lists leave out deleted threads and channels the user left.
		if err := st.DeletePost(ctx, deleted, now); err != nil {
			t.Fatal(err)
		}
		if err := st.RemoveChannelMember(ctx, left.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		if err := st.DeleteRowForTest(ctx, "channels", gone.ID); err != nil {
			t.Fatal(err)
		}
		list := func(user int64) []string {
			t.Helper()
			ds, err := st.Drafts(ctx, user, 100)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, d := range ds {
				if d.UserID != user {
					t.Fatalf("user %d gets a draft of user %d", user, d.UserID)
				}
				out = append(out, d.Message)
			}
			return out
		}
		checkList := func(user int64, want ...string) {
			t.Helper()
			got := list(user)
			if len(got) != len(want) {
				t.Fatalf("drafts of %d: %q, want %q", user, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("drafts of %d: %q, want %q", user, got, want)
				}
			}
		}
		checkList(ann.ID, "in another team", "reply draft", "channel draft")
		checkList(bob.ID, "bob's")
		if ds, _ := st.Drafts(ctx, ann.ID, 1); len(ds) != 1 {
			t.Fatalf("limit 1: %d drafts", len(ds))
		}
		// Deleting the channel took its drafts; leaving it did not (the
		// service deletes them in the same transaction).
		if _, err := st.Draft(ctx, ann.ID, gone.ID, 0); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("draft of a deleted channel: %v", err)
		}
		if err := st.DeleteChannelDrafts(ctx, left.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Draft(ctx, ann.ID, left.ID, 0); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("draft of a channel left: %v", err)
		}

		// Leaving a team: the drafts of its channels go, others stay.
		if err := st.DeleteTeamDrafts(ctx, team.ID, ann.ID); err != nil {
			t.Fatal(err)
		}
		checkList(ann.ID, "in another team")
		checkList(bob.ID, "bob's")

		ok, err := st.DeleteDraft(ctx, ann.ID, ops.ID, 0)
		if err != nil || !ok {
			t.Fatalf("delete: %v %v", ok, err)
		}
		if ok, err := st.DeleteDraft(ctx, ann.ID, ops.ID, 0); err != nil || ok {
			t.Fatalf("delete twice: %v %v", ok, err)
		}
		checkList(ann.ID)

		// A user's deletion takes their drafts.
		if err := st.DeleteRowForTest(ctx, "users", bob.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.Draft(ctx, bob.ID, town.ID, 0); !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("draft of a deleted user: %v", err)
		}
	})
}
