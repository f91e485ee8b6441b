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

func TestRetention(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now().UTC().Truncate(time.Millisecond)
		old := now.AddDate(0, 0, -40)
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		team, _ := st.CreateTeam(ctx, model.Team{Name: "t", DisplayName: "T", CreatedBy: ann.ID, CreatedAt: now, UpdatedAt: now})
		mk := func(name string) model.Channel {
			c, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: name, CreatedAt: now, UpdatedAt: now},
				[]model.ChannelMember{{UserID: ann.ID, JoinedAt: now}})
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		a, b := mk("a"), mk("b")
		oldA, _ := st.CreatePost(ctx, model.Post{ChannelID: a.ID, UserID: ann.ID, Message: "old", CreatedAt: old}, nil)
		reply, _ := st.CreatePost(ctx, model.Post{ChannelID: a.ID, RootID: oldA.ID, UserID: ann.ID, Message: "re", CreatedAt: now}, nil)
		newA, _ := st.CreatePost(ctx, model.Post{ChannelID: a.ID, UserID: ann.ID, Message: "new", CreatedAt: now}, nil)
		oldB, _ := st.CreatePost(ctx, model.Post{ChannelID: b.ID, UserID: ann.ID, Message: "old b", CreatedAt: old}, nil)

		if err := st.SetRetention(ctx, team.ID, 0, 30); err != nil {
			t.Fatal(err)
		}
		if err := st.SetRetention(ctx, 0, b.ID, 60); err != nil { // b keeps 60 days: its own policy wins
			t.Fatal(err)
		}
		policies, _ := st.RetentionPolicies(ctx)
		if len(policies) != 2 {
			t.Fatalf("policies %+v", policies)
		}
		var teamPolicy store.RetentionPolicy
		for _, p := range policies {
			if p.TeamID == team.ID {
				teamPolicy = p
			}
		}
		ids, err := st.ExpiredPosts(ctx, teamPolicy, now.AddDate(0, 0, -30), 100)
		if err != nil || len(ids) != 1 || ids[0] != oldA.ID {
			t.Fatalf("expired under the team policy: %v %v (old b %d must be kept by its channel's policy)", ids, err, oldB.ID)
		}
		if err := st.PurgePost(ctx, oldA.ID); err != nil {
			t.Fatal(err)
		}
		for _, id := range []int64{oldA.ID, reply.ID} {
			if _, err := st.Post(ctx, id); !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("post %d survives its purge: %v", id, err)
			}
		}
		if _, err := st.Post(ctx, newA.ID); err != nil {
			t.Fatalf("recent post purged: %v", err)
		}
		if err := st.SetRetention(ctx, 0, b.ID, 0); err != nil {
			t.Fatal(err)
		}
		if policies, _ := st.RetentionPolicies(ctx); len(policies) != 1 {
			t.Fatalf("removing a policy: %+v", policies)
		}
	})
}
