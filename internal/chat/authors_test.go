package chat_test

import (
	"cmp"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"ruche/internal/access"
	"ruche/internal/bus"
	"ruche/internal/chat"
	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

// TestAuthorAvatarVersion: posts tell clients whose author has a picture,
// with a version that changes with the author's account (the picture's
// address is cached for long), wherever posts come from: a new post, a
// channel's history, a thread.
func TestAuthorAvatarVersion(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		changed := time.UnixMilli(1_700_000_000_123).UTC()
		user := func(login, key string) model.User {
			u, err := st.CreateUser(ctx, model.User{Login: login, Email: login + "@example.org", Role: model.RoleMember, Theme: model.ThemeAuto,
				AvatarKey: key, CreatedAt: changed, UpdatedAt: changed})
			if err != nil {
				t.Fatal(err)
			}
			return u
		}
		ana, ben := user("ana", "avatar-of-ana"), user("ben", "")
		b := bus.NewLocal()
		t.Cleanup(func() { b.Close() })
		cs := chat.New(st, b, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
		asAna, asBen := access.ActorOf(ana), access.ActorOf(ben)
		team, err := cs.CreateTeam(ctx, asAna, chat.NewTeam{Name: "coop", Open: true})
		if err != nil {
			t.Fatal(err)
		}
		if err := cs.JoinTeam(ctx, asBen, team.ID); err != nil {
			t.Fatal(err)
		}
		general, err := st.TeamChannelByName(ctx, team.ID, chat.DefaultChannel)
		if err != nil {
			t.Fatal(err)
		}
		root, err := cs.CreatePost(ctx, asAna, general.ID, chat.NewPost{Message: "bonjour"})
		if err != nil {
			t.Fatal(err)
		}
		reply, err := cs.CreatePost(ctx, asBen, general.ID, chat.NewPost{Message: "salut", RootID: root.ID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.CreatePost(ctx, asBen, general.ID, chat.NewPost{Message: "ça va ?"}); err != nil {
			t.Fatal(err)
		}
		history, err := cs.Posts(ctx, asBen, general.ID, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		thread, err := cs.Thread(ctx, asBen, root.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(history) != 2 || len(thread) != 2 {
			t.Fatalf("%d posts and %d in the thread, want 2 and 2", len(history), len(thread))
		}

		want := map[int64]string{ana.ID: `"avatar_version":1700000000123`, ben.ID: ""}
		for _, tc := range []struct {
			name string
			post chat.PostView
		}{
			{"new post", root}, {"new reply", reply},
			{"history, newest", history[0]}, {"history, oldest", history[1]},
			{"thread root", thread[0]}, {"thread reply", thread[1]},
		} {
			data, err := json.Marshal(tc.post.Author)
			if err != nil {
				t.Fatal(err)
			}
			w := want[tc.post.UserID]
			if got := string(data); (w == "" && strings.Contains(got, "avatar_version")) || !strings.Contains(got, w) {
				t.Errorf("%s by %d: author %s, want %q", tc.name, tc.post.UserID, got, cmp.Or(w, "no avatar_version"))
			}
		}
	})
}
