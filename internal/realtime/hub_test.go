package realtime_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

const pw = "a long enough password"

type frame struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	ChannelID int64           `json:"channel_id"`
	UserID    int64           `json:"user_id"`
	EventID   int64           `json:"event_id"`
	Data      json.RawMessage `json:"data"`
	raw       []byte
}

type socket struct {
	t     *testing.T
	ws    *websocket.Conn
	ch    chan frame
	notes []frame // notifications seen while waiting for something else
}

// dial opens a WebSocket as the client's bearer token.
func dial(t *testing.T, srv *testutil.Server, token string, since int64) (*socket, *http.Response, error) {
	t.Helper()
	u := strings.Replace(srv.URL, "http://", "ws://", 1) + "/api/v1/ws"
	if since > 0 {
		u += fmt.Sprint("?since=", since)
	}
	h := http.Header{}
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: h})
	if err != nil {
		return nil, resp, err
	}
	s := &socket{t: t, ws: ws, ch: make(chan frame, 100)}
	go func() {
		defer close(s.ch)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var f frame
			_ = json.Unmarshal(data, &f)
			f.raw = data
			s.ch <- f
		}
	}()
	t.Cleanup(func() { ws.CloseNow() })
	return s, resp, nil
}

// next waits for the next frame that is not typing-related noise of type skip.
func (s *socket) next(timeout time.Duration) (frame, bool) {
	select {
	case f, ok := <-s.ch:
		return f, ok
	case <-time.After(timeout):
		return frame{}, false
	}
}

// aside are frame types that come on paths of their own, so in no fixed
// order with events: waiting for something else sets them aside in notes.
var aside = map[string]bool{"notification": true, "presence": true}

// expect waits for the next frame of type typ.
// closed waits for the server to close the socket, reading what comes
// before; it reports a frame other than presence as an error.
func (s *socket) closed(timeout time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		select {
		case f, ok := <-s.ch:
			if !ok {
				return
			}
			if f.Type != "presence" && f.Type != "pong" {
				s.t.Fatalf("socket still delivering: %s", f.raw)
			}
		case <-time.After(time.Until(deadline)):
			s.t.Fatal("socket still open")
		}
	}
}

func (s *socket) expect(typ string) frame {
	s.t.Helper()
	for {
		f, ok := s.next(5 * time.Second)
		if ok && aside[f.Type] && typ != f.Type {
			s.notes = append(s.notes, f)
			continue
		}
		if !ok || f.Type != typ {
			s.t.Fatalf("expected a %s frame, got %q (%s), open=%v", typ, f.Type, f.raw, ok)
		}
		return f
	}
}

// quiet checks that nothing arrives for a moment (used after a later event
// has been seen by another connection, so that the moment is not a guess).
func (s *socket) quiet(d time.Duration) {
	s.t.Helper()
	deadline := time.Now().Add(d)
	for {
		f, ok := s.next(time.Until(deadline))
		if !ok {
			return
		}
		if f.Type != "presence" {
			s.t.Fatalf("unexpected frame %s", f.raw)
		}
	}
}

type world struct {
	srv               *testutil.Server
	ann, bob, eve     *testutil.Client
	annT, bobT, eveT  string
	bobID             int64
	team, town, other int64
}

func setup(t *testing.T) *world {
	w := &world{srv: testutil.NewServer(t, testutil.ServerOptions{})}
	w.srv.CreateUser(t, "ann", model.RoleMember, pw)
	w.bobID = w.srv.CreateUser(t, "bob", model.RoleMember, pw).ID
	w.srv.CreateUser(t, "eve", model.RoleMember, pw)
	w.ann, w.bob, w.eve = w.srv.Client(t), w.srv.Client(t), w.srv.Client(t)
	w.annT, w.bobT, w.eveT = w.ann.Login("ann", pw), w.bob.Login("bob", pw), w.eve.Login("eve", pw)
	for _, c := range []*testutil.Client{w.ann, w.bob, w.eve} {
		c.HTTP.Jar = nil
	}
	w.ann.Bearer, w.bob.Bearer, w.eve.Bearer = w.annT, w.bobT, w.eveT
	var team, ch, other struct{ ID int64 }
	must(t, w.ann.JSON("POST", "/api/v1/teams", map[string]any{"name": "dev", "open": true}, &team), 201)
	must(t, w.bob.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/join"), nil, nil), 204)
	must(t, w.eve.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/join"), nil, nil), 204)
	must(t, w.ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), map[string]any{"name": "secret", "kind": "private"}, &ch), 201)
	must(t, w.ann.JSON("POST", fmt.Sprint("/api/v1/channels/", ch.ID, "/members"), map[string]any{"user_id": w.bobID}, nil), 204)
	must(t, w.ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), map[string]any{"name": "open"}, &other), 201)
	must(t, w.eve.JSON("POST", fmt.Sprint("/api/v1/channels/", other.ID, "/members"), map[string]any{"user_id": userID(t, w.eve)}, nil), 204)
	w.team, w.town, w.other = team.ID, ch.ID, other.ID
	return w
}

func must(t *testing.T, got, want int) {
	t.Helper()
	if got != want {
		t.Fatalf("status %d, want %d", got, want)
	}
}

func (w *world) post(t *testing.T, c *testutil.Client, channel int64, msg string) int64 {
	t.Helper()
	var p struct{ ID int64 }
	must(t, c.JSON("POST", fmt.Sprint("/api/v1/channels/", channel, "/posts"), map[string]any{"message": msg}, &p), 201)
	return p.ID
}

func TestDeliveryOnlyToMembers(t *testing.T) {
	t.Parallel()
	w := setup(t)
	bob, _, err := dial(t, w.srv, w.bobT, 0)
	if err != nil {
		t.Fatal(err)
	}
	eve, _, err := dial(t, w.srv, w.eveT, 0)
	if err != nil {
		t.Fatal(err)
	}
	bob.expect("hello")
	eve.expect("hello")

	w.post(t, w.ann, w.town, "the *secret* plan @bob")
	f := bob.expect("post.created")
	if f.ChannelID != w.town || !strings.Contains(string(f.Data), "<em>secret</em>") || !strings.Contains(string(f.Data), fmt.Sprint(`"mentions":[`, w.bobID, `]`)) {
		t.Fatalf("post event: %s", f.raw)
	}
	if len(f.raw) > 1024 {
		t.Errorf("a short post's event takes %d bytes, more than 1 KB", len(f.raw))
	}
	// bob was mentioned: he is notified, once.
	note := frame{}
	for _, n := range bob.notes {
		if n.Type == "notification" {
			note = n
		}
	}
	if note.Type == "" {
		note = bob.expect("notification")
	}
	if !strings.Contains(string(note.raw), `"reason":"mention"`) || !strings.Contains(string(note.raw), "<em>secret</em>") ||
		!strings.Contains(string(note.raw), `"text":"the secret plan @bob"`) {
		t.Fatalf("notification: %s", note.raw)
	}
	// eve is not in the private channel: she gets the next public post, and
	// nothing before it.
	w.post(t, w.ann, w.other, "public news")
	g := eve.expect("post.created")
	if g.ChannelID != w.other {
		t.Fatalf("eve received an event of channel %d: %s", g.ChannelID, g.raw)
	}
	// bob is not in "open" either (only ann created it).
	bob.quiet(300 * time.Millisecond)
}

func TestResumeAfterReconnect(t *testing.T) {
	t.Parallel()
	w := setup(t)
	bob, _, err := dial(t, w.srv, w.bobT, 0)
	if err != nil {
		t.Fatal(err)
	}
	bob.expect("hello")
	w.post(t, w.ann, w.town, "one")
	last := bob.expect("post.created").ID
	bob.ws.CloseNow()

	var want []int64
	for _, m := range []string{"two", "three", "four"} {
		want = append(want, w.post(t, w.ann, w.town, m))
	}
	bob2, _, err := dial(t, w.srv, w.bobT, last)
	if err != nil {
		t.Fatal(err)
	}
	bob2.expect("hello")
	var got []string
	prev := last
	for range want {
		f := bob2.expect("post.created")
		if f.ID <= prev {
			t.Fatalf("event ids out of order: %d after %d", f.ID, prev)
		}
		prev = f.ID
		var p struct{ Message string }
		json.Unmarshal(f.Data, &p)
		got = append(got, p.Message)
	}
	if strings.Join(got, ",") != "two,three,four" {
		t.Fatalf("replayed %v", got)
	}
	w.post(t, w.ann, w.town, "five")
	if f := bob2.expect("post.created"); f.ID <= prev {
		t.Fatalf("live event after replay: %s", f.raw)
	}
}

func TestRemovedMemberStopsReceiving(t *testing.T) {
	t.Parallel()
	w := setup(t)
	bob, _, _ := dial(t, w.srv, w.bobT, 0)
	bob.expect("hello")
	must(t, w.ann.JSON("DELETE", fmt.Sprint("/api/v1/channels/", w.town, "/members/", w.bobID), nil, nil), 204)
	f := bob.expect("channel.member_removed")
	if !strings.Contains(string(f.Data), fmt.Sprint(`"user_id":`, w.bobID)) {
		t.Fatalf("removal event: %s", f.raw)
	}
	w.post(t, w.ann, w.town, "after bob left")
	w.post(t, w.ann, w.other, "sync point")
	// bob joins "open" only now; the post above happened before; nothing from the private channel reaches him.
	bob.quiet(500 * time.Millisecond)
	// And his history requests are refused too.
	if st := w.bob.JSON("GET", fmt.Sprint("/api/v1/channels/", w.town, "/posts"), nil, nil); st != 404 {
		t.Fatalf("removed member reads history: %d", st)
	}
}

func TestTyping(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ann, _, _ := dial(t, w.srv, w.annT, 0)
	bob, _, _ := dial(t, w.srv, w.bobT, 0)
	eve, _, _ := dial(t, w.srv, w.eveT, 0)
	for _, s := range []*socket{ann, bob, eve} {
		s.expect("hello")
	}
	// eve is not in the private channel: her typing there goes nowhere.
	eve.ws.Write(context.Background(), websocket.MessageText, []byte(fmt.Sprintf(`{"type":"typing","channel_id":%d}`, w.town)))
	bob.ws.Write(context.Background(), websocket.MessageText, []byte(fmt.Sprintf(`{"type":"typing","channel_id":%d}`, w.town)))
	f := ann.expect("typing")
	if f.ChannelID != w.town || f.UserID != w.bobID {
		t.Fatalf("typing: %s", f.raw)
	}
	ann.quiet(300 * time.Millisecond)
	bob.quiet(100 * time.Millisecond) // not echoed to the typist
	eve.ws.Write(context.Background(), websocket.MessageText, []byte(`{"type":"ping"}`))
	eve.expect("pong")
	// Oversized frames end the connection.
	eve.ws.Write(context.Background(), websocket.MessageText, []byte(`{"type":"ping","x":"`+strings.Repeat("a", 8<<10)+`"}`))
	eve.closed(5 * time.Second)
}

func TestCredentialsEndConnections(t *testing.T) {
	t.Parallel()
	w := setup(t)
	bob, _, _ := dial(t, w.srv, w.bobT, 0)
	bob.expect("hello")
	must(t, w.bob.JSON("DELETE", "/api/v1/sessions/current", nil, nil), 204)
	bob.closed(5 * time.Second)
	if _, resp, err := dial(t, w.srv, w.bobT, 0); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("dial with an ended session: %v %v", err, resp)
	}
	if _, resp, err := dial(t, w.srv, "", 0); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("anonymous dial: %v", err)
	}

	// Disabling the account closes its sockets.
	admin := w.srv.CreateUser(t, "root", model.RoleAdmin, pw)
	ac := w.srv.Client(t)
	ac.Bearer = ac.Login("root", pw)
	eve, _, _ := dial(t, w.srv, w.eveT, 0)
	eve.expect("hello")
	_ = admin
	must(t, ac.JSON("PATCH", fmt.Sprint("/api/v1/users/", userID(t, w.eve)), map[string]any{"disabled": true}, nil), 200)
	eve.closed(5 * time.Second)

	// A cross-origin upgrade from a browser is refused.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	h := http.Header{"Authorization": {"Bearer " + w.annT}, "Origin": {"http://evil.example"}}
	_, resp, err := websocket.Dial(ctx, strings.Replace(w.srv.URL, "http", "ws", 1)+"/api/v1/ws", &websocket.DialOptions{HTTPHeader: h})
	if err == nil || resp == nil || resp.StatusCode != 403 {
		t.Fatalf("cross-origin upgrade: %v", err)
	}
}

func userID(t *testing.T, c *testutil.Client) int64 {
	var me model.User
	must(t, c.JSON("GET", "/api/v1/users/me", nil, &me), 200)
	return me.ID
}

func TestPresence(t *testing.T) {
	t.Parallel()
	w := setup(t)
	ann, _, _ := dial(t, w.srv, w.annT, 0)
	ann.expect("hello")
	bob, _, _ := dial(t, w.srv, w.bobT, 0)
	bob.expect("hello")
	status := func(want string) {
		t.Helper()
		for {
			f := ann.expect("presence")
			var p struct {
				UserID int64 `json:"user_id"`
				Status string
			}
			json.Unmarshal(f.raw, &p)
			if p.UserID == w.bobID && p.Status == want {
				return
			}
		}
	}
	status("online")
	bob.ws.Write(context.Background(), websocket.MessageText, []byte(`{"type":"away"}`))
	status("away")
	var got struct{ Statuses map[string]string }
	must(t, w.ann.JSON("GET", fmt.Sprint("/api/v1/users/presence?ids=", w.bobID, ",999"), nil, &got), 200)
	if got.Statuses[fmt.Sprint(w.bobID)] != "away" || got.Statuses["999"] != "offline" {
		t.Fatalf("presence API: %+v", got)
	}
	bob.ws.Close(websocket.StatusNormalClosure, "")
	status("offline")
}
