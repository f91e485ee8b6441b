package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

type chatWorld struct {
	srv           *testutil.Server
	ann, bob, eve *testutil.Client
	annID, bobID  int64
	team, ch      int64
}

// newChatWorld: ann and bob in a private channel of team "dev"; eve in the
// team but not in the channel.
func newChatWorld(t *testing.T) *chatWorld {
	w := &chatWorld{srv: testutil.NewServer(t, testutil.ServerOptions{})}
	w.annID = w.srv.CreateUser(t, "ann", model.RoleMember, pw).ID
	w.bobID = w.srv.CreateUser(t, "bob", model.RoleMember, pw).ID
	w.srv.CreateUser(t, "eve", model.RoleMember, pw)
	w.ann, w.bob, w.eve = w.srv.Client(t), w.srv.Client(t), w.srv.Client(t)
	for c, login := range map[*testutil.Client]string{w.ann: "ann", w.bob: "bob", w.eve: "eve"} {
		c.Bearer = c.Login(login, pw)
	}
	var team, ch struct{ ID int64 }
	w.ann.JSON("POST", "/api/v1/teams", map[string]any{"name": "dev", "open": true}, &team)
	w.bob.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/join"), nil, nil)
	w.eve.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/join"), nil, nil)
	w.ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), map[string]any{"name": "secret", "kind": "private"}, &ch)
	if st := w.ann.JSON("POST", fmt.Sprint("/api/v1/channels/", ch.ID, "/members"), map[string]any{"user_id": w.bobID}, nil); st != 204 {
		t.Fatalf("add bob: %d", st)
	}
	w.team, w.ch = team.ID, ch.ID
	return w
}

func (w *chatWorld) post(t *testing.T, c *testutil.Client, body map[string]any) int64 {
	t.Helper()
	var p struct{ ID int64 }
	if st := c.JSON("POST", fmt.Sprint("/api/v1/channels/", w.ch, "/posts"), body, &p); st != 201 {
		t.Fatalf("post %v: %d", body, st)
	}
	return p.ID
}

func pngBytes(t *testing.T, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := range w {
		img.Set(x, x%h, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestAttachments(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	var f struct {
		ID           int64
		Name, MIME   string
		Width        int
		HasThumbnail bool `json:"has_thumbnail"`
	}
	resp, body := w.ann.Do("POST", fmt.Sprint("/api/v1/channels/", w.ch, "/files?name=", "..%2F..%2Fetc%2Fphoto.png"), pngBytes(t, 900, 300))
	if resp.StatusCode != 201 {
		t.Fatalf("upload: %d %s", resp.StatusCode, body)
	}
	if err := jsonUnmarshal(body, &f); err != nil || f.Name != "photo.png" || f.MIME != "image/png" || f.Width != 900 || !f.HasThumbnail {
		t.Fatalf("uploaded file: %s", body)
	}
	// Not attached yet: only its uploader sees it.
	if resp, _ := w.bob.Do("GET", fmt.Sprint("/files/", f.ID, "/photo.png"), nil); resp.StatusCode != 404 {
		t.Fatalf("someone else reads an unattached upload: %d", resp.StatusCode)
	}
	// eve cannot upload into a channel she is not in, nor attach ann's file.
	if resp, _ := w.eve.Do("POST", fmt.Sprint("/api/v1/channels/", w.ch, "/files?name=x.txt"), []byte("x")); resp.StatusCode != 404 {
		t.Fatalf("non-member uploads: %d", resp.StatusCode)
	}
	if st := w.bob.JSON("POST", fmt.Sprint("/api/v1/channels/", w.ch, "/posts"), map[string]any{"message": "mine", "file_ids": []int64{f.ID}}, nil); st != 400 {
		t.Fatalf("bob attaches ann's upload: %d", st)
	}
	id := w.post(t, w.ann, map[string]any{"message": "", "file_ids": []int64{f.ID}})
	var posts struct{ Items []model.Post }
	w.bob.JSON("GET", fmt.Sprint("/api/v1/channels/", w.ch, "/posts"), nil, &posts)
	if len(posts.Items) != 1 || posts.Items[0].ID != id || len(posts.Items[0].Files) != 1 || posts.Items[0].Files[0].ID != f.ID {
		t.Fatalf("history with files: %+v", posts.Items)
	}
	resp, data := w.bob.Do("GET", fmt.Sprint("/files/", f.ID, "/photo.png"), nil)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), "inline") || len(data) < 100 {
		t.Fatalf("download: %d %v", resp.StatusCode, resp.Header)
	}
	resp, thumb := w.bob.Do("GET", fmt.Sprint("/files/", f.ID, "/thumb"), nil)
	cfg, _, err := image.DecodeConfig(bytes.NewReader(thumb))
	if resp.StatusCode != 200 || err != nil || cfg.Width != 400 || cfg.Height != 133 {
		t.Fatalf("thumbnail: %d %v %+v", resp.StatusCode, err, cfg)
	}
	if resp, _ := w.eve.Do("GET", fmt.Sprint("/files/", f.ID, "/photo.png"), nil); resp.StatusCode != 404 {
		t.Fatalf("non-member downloads: %d", resp.StatusCode)
	}
	// HTML and SVG are never served as such.
	var h struct{ ID int64 }
	_, body = w.ann.Do("POST", fmt.Sprint("/api/v1/channels/", w.ch, "/files?name=evil.html"), []byte("<html><script>alert(1)</script></html>"))
	jsonUnmarshal(body, &h)
	w.post(t, w.ann, map[string]any{"message": "see", "file_ids": []int64{h.ID}})
	resp, _ = w.bob.Do("GET", fmt.Sprint("/files/", h.ID, "/evil.html"), nil)
	if resp.Header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("html upload served as %v", resp.Header)
	}
	// Deleting the post removes its files.
	if st := w.ann.JSON("DELETE", fmt.Sprint("/api/v1/posts/", id), nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if resp, _ := w.ann.Do("GET", fmt.Sprint("/files/", f.ID, "/photo.png"), nil); resp.StatusCode != 404 {
		t.Fatalf("file of a deleted post: %d", resp.StatusCode)
	}
}

func TestThreadsSavedPinsCatchUp(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	root := w.post(t, w.ann, map[string]any{"message": "plan for monday"})
	w.post(t, w.bob, map[string]any{"message": "I agree", "root_id": root})
	w.post(t, w.bob, map[string]any{"message": "and @ann should decide", "root_id": root})

	// ann follows the thread she started: two unread replies, one mention.
	var threads struct {
		Items []struct {
			Root          struct{ ID int64 } `json:"root"`
			State         model.ThreadState  `json:"state"`
			UnreadReplies int                `json:"unread_replies"`
		}
	}
	w.ann.JSON("GET", "/api/v1/users/me/threads", nil, &threads)
	if len(threads.Items) != 1 || threads.Items[0].Root.ID != root || threads.Items[0].UnreadReplies != 2 || threads.Items[0].State.MentionCount != 1 {
		t.Fatalf("ann's threads: %+v", threads.Items)
	}
	// bob replied: he follows it with nothing unread.
	w.bob.JSON("GET", "/api/v1/users/me/threads?unread=true", nil, &threads)
	if len(threads.Items) != 0 {
		t.Fatalf("bob's unread threads: %+v", threads.Items)
	}
	var th struct {
		Items     []struct{ ID int64 }
		Following bool
	}
	if st := w.bob.JSON("GET", fmt.Sprint("/api/v1/posts/", root, "/thread"), nil, &th); st != 200 || len(th.Items) != 3 || !th.Following {
		t.Fatalf("bob's view of the thread: %d %+v", st, th)
	}
	w.bob.JSON("DELETE", fmt.Sprint("/api/v1/posts/", root, "/follow"), nil, nil)
	if w.bob.JSON("GET", fmt.Sprint("/api/v1/posts/", root, "/thread"), nil, &th); th.Following {
		t.Fatal("unfollow did not stick")
	}
	// eve may not follow a thread of a channel she is not in.
	if st := w.eve.JSON("PUT", fmt.Sprint("/api/v1/posts/", root, "/follow"), nil, nil); st != 404 {
		t.Fatalf("eve follows: %d", st)
	}

	// Catch-up: bob has ann's root unread? No: he replied, but the root is a
	// channel post after his read position.
	var cu struct {
		Channels []struct {
			Channel model.Channel
			Unread  int
			Posts   []struct{ ID int64 }
		}
		Threads []struct {
			Root    struct{ ID int64 }
			Replies []struct{ ID int64 }
		}
	}
	w.ann.JSON("GET", "/api/v1/users/me/catchup", nil, &cu)
	if len(cu.Threads) != 1 || len(cu.Threads[0].Replies) != 2 {
		t.Fatalf("ann's catch-up threads: %+v", cu.Threads)
	}
	w.bob.JSON("GET", "/api/v1/users/me/catchup", nil, &cu)
	found := false
	for _, c := range cu.Channels {
		if c.Channel.ID == w.ch {
			found = c.Unread == 1 && len(c.Posts) == 1 && c.Posts[0].ID == root
		}
	}
	if !found {
		t.Fatalf("bob's catch-up channels: %+v", cu.Channels)
	}
	if st := w.ann.JSON("POST", fmt.Sprint("/api/v1/posts/", root, "/thread/read"), nil, nil); st != 204 {
		t.Fatalf("thread read: %d", st)
	}
	w.ann.JSON("GET", "/api/v1/users/me/threads?unread=true", nil, &threads)
	if len(threads.Items) != 0 {
		t.Fatalf("after reading: %+v", threads.Items)
	}

	// Saved posts are personal; pins are the channel's.
	if st := w.bob.JSON("PUT", fmt.Sprint("/api/v1/posts/", root, "/saved"), nil, nil); st != 204 {
		t.Fatalf("save: %d", st)
	}
	var saved struct{ Items []struct{ ID int64 } }
	w.bob.JSON("GET", "/api/v1/users/me/saved", nil, &saved)
	if len(saved.Items) != 1 || saved.Items[0].ID != root {
		t.Fatalf("bob's saved: %+v", saved.Items)
	}
	w.ann.JSON("GET", "/api/v1/users/me/saved", nil, &saved)
	if len(saved.Items) != 0 {
		t.Fatalf("ann sees bob's saved posts: %+v", saved.Items)
	}
	if st := w.eve.JSON("PUT", fmt.Sprint("/api/v1/posts/", root, "/pin"), nil, nil); st != 404 {
		t.Fatalf("eve pins: %d", st)
	}
	if st := w.bob.JSON("PUT", fmt.Sprint("/api/v1/posts/", root, "/pin"), nil, nil); st != 204 {
		t.Fatalf("pin: %d", st)
	}
	var pinned struct{ Items []struct{ ID int64 } }
	w.ann.JSON("GET", fmt.Sprint("/api/v1/channels/", w.ch, "/pinned"), nil, &pinned)
	if len(pinned.Items) != 1 || pinned.Items[0].ID != root {
		t.Fatalf("pinned: %+v", pinned.Items)
	}
	// Removed from the channel, bob's saved post disappears from his list.
	w.ann.JSON("DELETE", fmt.Sprint("/api/v1/channels/", w.ch, "/members/", w.bobID), nil, nil)
	w.bob.JSON("GET", "/api/v1/users/me/saved", nil, &saved)
	if len(saved.Items) != 0 {
		t.Fatalf("saved post of a channel left: %+v", saved.Items)
	}
	w.bob.JSON("GET", "/api/v1/users/me/threads", nil, &threads)
	if len(threads.Items) != 0 {
		t.Fatalf("thread of a channel left: %+v", threads.Items)
	}
}

func TestRetentionIsAdminOnly(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	if st := w.ann.JSON("PUT", "/api/v1/retention", map[string]any{"channel_id": w.ch, "days": 1}, nil); st != 403 {
		t.Fatalf("member sets retention: %d", st)
	}
	w.srv.CreateUser(t, "root", model.RoleAdmin, pw)
	admin := w.srv.Client(t)
	admin.Bearer = admin.Login("root", pw)
	for _, bad := range []map[string]any{{"days": 3}, {"team_id": w.team, "channel_id": w.ch, "days": 3}, {"channel_id": w.ch, "days": -1}} {
		if st := admin.JSON("PUT", "/api/v1/retention", bad, nil); st != 400 {
			t.Errorf("retention %v: %d", bad, st)
		}
	}
	if st := admin.JSON("PUT", "/api/v1/retention", map[string]any{"channel_id": w.ch, "days": 30}, nil); st != 204 {
		t.Fatalf("set: %d", st)
	}
	var list struct {
		Items []struct {
			ChannelID int64 `json:"channel_id"`
			Days      int
		}
	}
	admin.JSON("GET", "/api/v1/retention", nil, &list)
	if len(list.Items) != 1 || list.Items[0].Days != 30 {
		t.Fatalf("policies: %+v", list.Items)
	}
	_ = http.StatusOK
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func TestChannelMembers(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	var m struct {
		Items []struct {
			ID    int64
			Login string
			Admin bool
		}
	}
	if st := w.bob.JSON("GET", fmt.Sprint("/api/v1/channels/", w.ch, "/members"), nil, &m); st != 200 || len(m.Items) != 2 ||
		m.Items[0].Login != "ann" || !m.Items[0].Admin || m.Items[1].Login != "bob" || m.Items[1].Admin {
		t.Fatalf("members: %d %+v", st, m.Items)
	}
	if st := w.eve.JSON("GET", fmt.Sprint("/api/v1/channels/", w.ch, "/members"), nil, nil); st != 404 {
		t.Fatalf("non-member lists members of a private channel: %d", st)
	}
}

func TestTeamAdminInvites(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t) // ann: admin of team dev; bob: member of dev
	var other struct{ ID int64 }
	w.bob.JSON("POST", "/api/v1/teams", map[string]any{"name": "bobs"}, &other)
	for _, bad := range []struct {
		who  *testutil.Client
		body map[string]any
		want int
	}{
		{w.bob, map[string]any{"role": "member", "team_id": w.team}, 403}, // not a team admin of dev
		{w.ann, map[string]any{"role": "member"}, 403},                    // no team: org admins only
		{w.ann, map[string]any{"role": "admin", "team_id": w.team}, 403},  // never admins
		{w.ann, map[string]any{"role": "member", "team_id": other.ID}, 403},
	} {
		if st := bad.who.JSON("POST", "/api/v1/invitations", bad.body, nil); st != bad.want {
			t.Errorf("invitation %v: %d, want %d", bad.body, st, bad.want)
		}
	}
	var inv struct {
		ID  int64
		URL string
	}
	if st := w.ann.JSON("POST", "/api/v1/invitations", map[string]any{"role": "member", "team_id": w.team, "single_use": true}, &inv); st != 201 {
		t.Fatalf("team admin invites: %d", st)
	}
	var list struct{ Items []struct{ ID int64 } }
	if st := w.ann.JSON("GET", "/api/v1/invitations", nil, &list); st != 200 || len(list.Items) != 1 {
		t.Fatalf("team admin's invitations: %d %+v", st, list.Items)
	}
	if st := w.bob.JSON("DELETE", fmt.Sprint("/api/v1/invitations/", inv.ID), nil, nil); st != 403 {
		t.Fatalf("bob revokes ann's invitation: %d", st)
	}
	secret := inv.URL[strings.LastIndex(inv.URL, "/")+1:]
	newbie := w.srv.Client(t)
	var out struct{ Token string }
	if st := newbie.JSON("POST", "/api/v1/invitations/accept", map[string]string{"token": secret, "login": "newbie", "password": "12345678"}, &out); st != 201 {
		t.Fatalf("accept: %d", st)
	}
	newbie.Bearer = out.Token
	var teams struct {
		Items []struct {
			ID     int64
			Member bool
		}
	}
	newbie.JSON("GET", "/api/v1/teams", nil, &teams)
	in := false
	for _, tm := range teams.Items {
		in = in || (tm.ID == w.team && tm.Member)
	}
	if !in {
		t.Fatalf("the invited member is not in the team: %+v", teams.Items)
	}
	var side struct {
		Items []struct{ Channel model.Channel }
	}
	newbie.JSON("GET", "/api/v1/channels", nil, &side)
	if len(side.Items) != 1 || side.Items[0].Channel.Name != "general" {
		t.Fatalf("the invited member is not in general: %+v", side.Items)
	}
}
