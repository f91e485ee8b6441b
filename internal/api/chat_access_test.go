package api_test

// Access tests of the chat: every chat endpoint of the API (chat.go,
// chatmore.go, hooks.go, search.go, and team invitations), the incoming
// webhook URL, outgoing webhook deliveries, presence and the WebSocket,
// tried by every kind of actor, with the exact status the rules of
// internal/access/chat.go give, a check that no answer carries what the
// actor may not read, and, for refused changes, that nothing changed.
//
//	TestAccessMatrix             every endpoint × every actor (table below)
//	TestAccessIncomingHookTokens POST /hooks/{token}: wrong, deleted, disabled, blind creator
//	TestAccessDirectMessages     who may open a conversation with whom
//	TestAccessWebSocket          live events, typing, notifications, presence, resume, revocation
//	TestAccessOutgoingHooks      a hook sends only what its creator may read now
//	TestAccessTeamInvitations    a team admin's link dies with their right to invite
//
// The world (newAccWorld):
//
//	olga   org admin; admin of team "ops" (closed); not in "dev"
//	ann    member; admin of team "dev" (open), of #secret (private), #town and #client (public, shared)
//	bob    member of dev, #town, #secret; has a direct conversation with ann
//	carla  member of team ops only (another team)
//	gwen   guest, in dev only as a member of the shared channel #client
//	rob    member of dev and #town; was in #secret and was removed from it
//	rex    was in dev, #town and #secret; removed from the team
//	tim    member of #secret whose API token was revoked ("tim") and whose
//	       session was ended ("tims")
//	anon   no credential
//
// Everything of #secret (its name, display name, purpose, header, posts,
// the attached file's name) and the direct messages of ann and bob carry the
// marker SECRET-7f3a: only ann and bob may ever see it (and olga in the
// answers of channel management, which the rules give her).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/model"
	"ruche/internal/testutil"
)

const (
	accMark    = "SECRET-7f3a"
	accMarkLow = "secret-7f3a" // the channel's name is lower-cased; answers are searched case-insensitively
)

var (
	accRevoked = []string{"anon", "tim", "tims"}
	accSigned  = []string{"olga", "ann", "bob", "carla", "gwen", "rob", "rex"}
	accActors  = append(slices.Clone(accRevoked), accSigned...)
)

type accWorld struct {
	srv *testutil.Server
	c   map[string]*testutil.Client // by actor (and "timA": tim's session still alive)
	tok map[string]string           // bearer tokens by actor ("" for anon)
	id  map[string]int64            // user ids by login (actors, sam1, sam2)

	dev, ops, bobTeam                  int64
	devGeneral, opsGeneral, bobGeneral int64
	town, secret, client               int64
	dm, annCarla, annRex, annOlga      int64

	p1, p2, p3, p4, p5         int64 // #secret: root, bob's reply, post with file, before and after the removals
	p1Text                     string
	robPost, robReply, rexPost int64
	town1, client1, dmPost     int64
	dmText                     string
	f1, f2                     int64 // attached image (SECRET-7f3a.png); bob's unattached upload
	h1                         int64 // ann's incoming hook in #secret
	h1Path                     string
	o1                         int64 // ann's outgoing hook in #secret
	beforeRemoval              int64 // latest event id before rob and rex were removed
}

// call sends a request as who and fails the test unless the status is want.
func (w *accWorld) call(t *testing.T, who, method, path string, body any, want int) []byte {
	t.Helper()
	resp, data := w.c[who].Do(method, path, body)
	if resp.StatusCode != want {
		t.Fatalf("setup: %s %s as %s: %d, want %d: %s", method, path, who, resp.StatusCode, want, data)
	}
	return data
}

// create is call for requests answering an object with an id.
func (w *accWorld) create(t *testing.T, who, method, path string, body any, want int) int64 {
	t.Helper()
	var out struct{ ID int64 }
	if err := json.Unmarshal(w.call(t, who, method, path, body, want), &out); err != nil || out.ID == 0 {
		t.Fatalf("setup: %s %s: no id (%v)", method, path, err)
	}
	return out.ID
}

func (w *accWorld) post(t *testing.T, who string, channel int64, msg string, extra ...any) int64 {
	t.Helper()
	body := map[string]any{"message": msg}
	for i := 0; i+1 < len(extra); i += 2 {
		body[extra[i].(string)] = extra[i+1]
	}
	return w.create(t, who, "POST", fmt.Sprint("/api/v1/channels/", channel, "/posts"), body, 201)
}

func (w *accWorld) channelNamed(t *testing.T, who string, team int64, name string) int64 {
	t.Helper()
	var out struct {
		Items []struct {
			ID   int64
			Name string
		}
	}
	if err := json.Unmarshal(w.call(t, who, "GET", fmt.Sprint("/api/v1/teams/", team, "/channels"), nil, 200), &out); err != nil {
		t.Fatal(err)
	}
	for _, c := range out.Items {
		if c.Name == name {
			return c.ID
		}
	}
	t.Fatalf("setup: no channel %s in team %d", name, team)
	return 0
}

func newAccWorld(t *testing.T) *accWorld {
	t.Helper()
	w := &accWorld{srv: testutil.NewServer(t, testutil.ServerOptions{}), c: map[string]*testutil.Client{},
		tok: map[string]string{}, id: map[string]int64{}}
	// Accounts: made in the store without a password (as bots are), each
	// with a personal API token from the auth service; tim has two real
	// sessions (opened by the auth service as after an invitation) and an
	// API token. The world costs no password hashing.
	ctx := context.Background()
	roles := map[string]model.Role{"olga": model.RoleAdmin, "gwen": model.RoleGuest}
	now := time.Now()
	for _, login := range []string{"olga", "ann", "bob", "carla", "gwen", "rob", "rex", "tim", "sam1", "sam2"} {
		role := roles[login]
		if role == "" {
			role = model.RoleMember
		}
		u, err := w.srv.App.Store.CreateUser(ctx, model.User{Login: login, Email: login + "@example.org", DisplayName: login,
			Role: role, CreatedAt: now, UpdatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		w.id[login] = u.ID
		var names []string
		switch login {
		case "sam1", "sam2": // targets, never actors
		case "tim":
			names = []string{"timA", "tims"} // timA stays signed in; tims is ended below
		default:
			names = []string{login}
		}
		for _, name := range names {
			var secret string
			if login == "tim" {
				secret, _, err = w.srv.App.Auth.OpenSession(ctx, u, auth.Client{IP: "127.0.0.1", UserAgent: "access test"})
			} else {
				secret, _, err = w.srv.App.Auth.CreateToken(ctx, auth.Principal{User: u}, u.ID, "access test")
			}
			if err != nil {
				t.Fatal(err)
			}
			c := w.srv.Client(t)
			c.Bearer = secret
			w.c[name], w.tok[name] = c, secret
		}
	}
	var pat struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal(w.call(t, "timA", "POST", "/api/v1/users/me/tokens", map[string]string{"name": "script"}, 201), &pat); err != nil {
		t.Fatal(err)
	}
	w.c["tim"], w.tok["tim"] = w.srv.Client(t), pat.Token
	w.c["tim"].Bearer = pat.Token
	w.c["anon"], w.tok["anon"] = w.srv.Client(t), ""
	w.id["tims"], w.id["timA"] = w.id["tim"], w.id["tim"]

	// Teams.
	w.dev = w.create(t, "ann", "POST", "/api/v1/teams", map[string]any{"name": "dev", "display_name": "Dev", "description": "the dev team", "open": true}, 201)
	w.ops = w.create(t, "olga", "POST", "/api/v1/teams", map[string]any{"name": "ops", "display_name": "Ops", "description": "ops team"}, 201)
	w.bobTeam = w.create(t, "bob", "POST", "/api/v1/teams", map[string]any{"name": "bobteam"}, 201)
	w.devGeneral = w.channelNamed(t, "ann", w.dev, "general")
	w.opsGeneral = w.channelNamed(t, "olga", w.ops, "general")
	w.bobGeneral = w.channelNamed(t, "bob", w.bobTeam, "general")
	for _, a := range []string{"bob", "rob", "rex", "timA"} {
		w.call(t, a, "POST", fmt.Sprint("/api/v1/teams/", w.dev, "/join"), nil, 204)
	}
	for _, u := range []string{"sam1", "sam2", "gwen"} {
		w.call(t, "ann", "POST", fmt.Sprint("/api/v1/teams/", w.dev, "/members"), map[string]any{"user_id": w.id[u]}, 204)
	}
	w.call(t, "olga", "POST", fmt.Sprint("/api/v1/teams/", w.ops, "/members"), map[string]any{"user_id": w.id["carla"]}, 204)

	// Channels.
	chans := fmt.Sprint("/api/v1/teams/", w.dev, "/channels")
	w.town = w.create(t, "ann", "POST", chans, map[string]any{"name": "town", "display_name": "Town", "purpose": "town square"}, 201)
	w.secret = w.create(t, "ann", "POST", chans, map[string]any{"name": accMarkLow, "display_name": accMark, "kind": "private",
		"purpose": accMark + " purpose", "header": accMark + " header"}, 201)
	w.client = w.create(t, "ann", "POST", chans, map[string]any{"name": "client", "display_name": "Client", "shared": true}, 201)
	for _, a := range []string{"bob", "rob", "rex"} {
		w.call(t, a, "POST", fmt.Sprint("/api/v1/channels/", w.town, "/members"), map[string]any{"user_id": w.id[a]}, 204)
	}
	for _, u := range []string{"bob", "rob", "rex", "tim"} {
		w.call(t, "ann", "POST", fmt.Sprint("/api/v1/channels/", w.secret, "/members"), map[string]any{"user_id": w.id[u]}, 204)
	}
	w.call(t, "ann", "POST", fmt.Sprint("/api/v1/channels/", w.client, "/members"), map[string]any{"user_id": w.id["gwen"]}, 204)

	// Posts.
	w.town1 = w.post(t, "ann", w.town, "town news")
	w.client1 = w.post(t, "ann", w.client, "client hello")
	w.p1 = w.post(t, "ann", w.secret, accMark+" root post for @rob and @rex")
	w.p2 = w.post(t, "bob", w.secret, accMark+" reply by bob", "root_id", w.p1)
	w.robReply = w.post(t, "rob", w.secret, accMark+" reply by rob", "root_id", w.p1)
	w.robPost = w.post(t, "rob", w.secret, accMark+" rob's own post")
	w.rexPost = w.post(t, "rex", w.secret, accMark+" rex's own post")
	w.call(t, "bob", "PUT", fmt.Sprint("/api/v1/posts/", w.p1, "/reactions/thumbsup"), nil, 204)
	w.call(t, "ann", "PUT", fmt.Sprint("/api/v1/posts/", w.p1, "/pin"), nil, 204)
	w.p1Text = accMark + " root post (edited) for @rob and @rex"
	w.call(t, "ann", "PATCH", fmt.Sprint("/api/v1/posts/", w.p1), map[string]any{"message": w.p1Text}, 200)
	w.f1 = w.create(t, "ann", "POST", fmt.Sprint("/api/v1/channels/", w.secret, "/files?name=", accMark, ".png"), pngBytes(t, 64, 48), 201)
	w.p3 = w.post(t, "ann", w.secret, accMark+" attachment", "file_ids", []int64{w.f1})
	w.f2 = w.create(t, "bob", "POST", fmt.Sprint("/api/v1/channels/", w.secret, "/files?name=", accMark, "-draft.png"), pngBytes(t, 20, 20), 201)
	for _, a := range []string{"rob", "rex", "bob"} {
		w.call(t, a, "PUT", fmt.Sprint("/api/v1/posts/", w.p1, "/saved"), nil, 204)
		w.call(t, a, "PUT", fmt.Sprint("/api/v1/posts/", w.p1, "/follow"), nil, 204)
	}
	direct := func(peer string) int64 {
		return w.create(t, "ann", "POST", "/api/v1/channels/direct", map[string]any{"user_ids": []int64{w.id[peer]}}, 200)
	}
	w.dm, w.annCarla, w.annRex, w.annOlga = direct("bob"), direct("carla"), direct("rex"), direct("olga")
	w.dmText = accMark + " direct message"
	w.dmPost = w.post(t, "ann", w.dm, w.dmText)
	w.post(t, "bob", w.dm, accMark+" direct answer")
	w.call(t, "bob", "PUT", fmt.Sprint("/api/v1/posts/", w.dmPost, "/saved"), nil, 204)
	w.post(t, "ann", w.annCarla, "hello carla")

	// Integrations.
	var hook struct {
		ID  int64
		URL string
	}
	if err := json.Unmarshal(w.call(t, "ann", "POST", fmt.Sprint("/api/v1/channels/", w.secret, "/hooks"), map[string]any{"name": "alerts"}, 201), &hook); err != nil {
		t.Fatal(err)
	}
	w.h1, w.h1Path = hook.ID, accURLPath(t, hook.URL)
	w.o1 = w.create(t, "ann", "POST", fmt.Sprint("/api/v1/channels/", w.secret, "/outgoing-hooks"),
		map[string]any{"name": "deployer", "trigger_words": []string{"zzdeploy"}, "callback_url": "https://example.invalid/hook"}, 201)

	// Drafts: rob's and rex's in #secret (channel and thread) and #town,
	// which their removals must take away (the text has no marker: it is
	// theirs, and events replayed to them carry it); bob's in #secret.
	for _, a := range []string{"rob", "rex"} {
		for _, c := range []int64{w.secret, w.town} {
			w.call(t, a, "PUT", fmt.Sprint("/api/v1/channels/", c, "/drafts"), map[string]any{"message": "DRAFT-" + a}, 200)
		}
		w.call(t, a, "PUT", fmt.Sprint("/api/v1/channels/", w.secret, "/drafts"), map[string]any{"message": "DRAFT-" + a + " thread", "root_id": w.p1}, 200)
	}
	w.call(t, "bob", "PUT", fmt.Sprint("/api/v1/channels/", w.secret, "/drafts"), map[string]any{"message": accMark + " bob's draft"}, 200)

	// Removals: rob from #secret (with an unread post and a followed thread
	// with unread replies left behind), rex from the team.
	var err error
	if w.beforeRemoval, err = w.srv.App.Chat.LatestEventID(ctx); err != nil {
		t.Fatal(err)
	}
	w.p4 = w.post(t, "ann", w.secret, accMark+" unread before the removals")
	w.call(t, "ann", "DELETE", fmt.Sprint("/api/v1/channels/", w.secret, "/members/", w.id["rob"]), nil, 204)
	w.call(t, "ann", "DELETE", fmt.Sprint("/api/v1/teams/", w.dev, "/members/", w.id["rex"]), nil, 204)
	w.p5 = w.post(t, "ann", w.secret, accMark+" after the removals @rob @rex @channel")
	w.post(t, "bob", w.secret, accMark+" late reply @rob", "root_id", w.p1)

	// tim: the API token revoked, the second session ended.
	w.call(t, "timA", "DELETE", fmt.Sprint("/api/v1/users/me/tokens/", pat.ID), nil, 204)
	w.call(t, "tims", "DELETE", "/api/v1/sessions/current", nil, 204)
	for _, a := range accRevoked {
		w.call(t, a, "GET", "/api/v1/users/me", nil, 401)
	}
	return w
}

func accURLPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(u.Path, "/hooks/") {
		t.Fatalf("hook url %q", raw)
	}
	return u.Path
}

// accReq is one request of a case, when it depends on the actor.
type accReq struct {
	path  string
	body  any
	after func(t *testing.T, status int) // restores or checks state after the request
}

// accCase is one endpoint (with one target) tried by every actor.
type accCase struct {
	name   string
	method string
	path   string
	body   any
	per    func(actor string) accReq // request per actor, instead of path and body
	// want is "actor=status …" for the signed-in actors to try (anon, tim
	// and tims are always tried and always get 401).
	want string
	// seers may find the marker in the answer (default "ann bob"); show
	// must find it in a 2xx answer (the test would be blind otherwise).
	seers, show string
	// snap describes the state the request must not change when it is
	// refused; it is taken before and after each refused request.
	snap  func(t *testing.T) string
	check func(t *testing.T, actor string, status int, body []byte)
}

func accWant(t *testing.T, c accCase) map[string]int {
	t.Helper()
	want := map[string]int{}
	for _, a := range accRevoked {
		want[a] = http.StatusUnauthorized
	}
	for _, f := range strings.Fields(c.want) {
		a, st, ok := strings.Cut(f, "=")
		var n int
		if _, err := fmt.Sscan(st, &n); !ok || err != nil || !slices.Contains(accSigned, a) {
			t.Fatalf("%s: bad want %q", c.name, f)
		}
		want[a] = n
	}
	return want
}

// sec is the want of a resource of #secret or of ann and bob's direct
// conversation: ann and bob get the statuses given, everyone else 404.
func accSec(ann, bob int) string {
	return fmt.Sprintf("olga=404 ann=%d bob=%d carla=404 gwen=404 rob=404 rex=404", ann, bob)
}

func accAll(st int) string {
	var b strings.Builder
	for _, a := range accSigned {
		fmt.Fprintf(&b, "%s=%d ", a, st)
	}
	return b.String()
}

// accHooks is the want of hook management in #secret: channel admin and org
// admin; bob reads the channel (403); the others may not know it (404).
func accHooks(ok int) string {
	return fmt.Sprintf("olga=%d ann=%d bob=403 carla=404 gwen=404 rob=404 rex=404", ok, ok)
}

const accOrgAdminOnly = "olga=%d ann=403 bob=403 carla=403 gwen=403 rob=403 rex=403"

// leaks reports whether an answer carries the marker.
func accLeaks(resp *http.Response, body []byte) bool {
	s := strings.ToLower(string(body) + " " + resp.Header.Get("Content-Disposition"))
	return strings.Contains(s, accMarkLow)
}

// run tries every case as every actor and returns how many requests it made.
func (w *accWorld) run(t *testing.T, cases []accCase) int {
	n := 0
	for _, c := range cases {
		want := accWant(t, c)
		seers := strings.Fields(c.seers)
		if c.seers == "" {
			seers = []string{"ann", "bob"}
		} else if c.seers == "-" {
			seers = nil
		}
		t.Run(c.name, func(t *testing.T) {
			for _, a := range accActors {
				st, ok := want[a]
				if !ok {
					continue
				}
				req := accReq{path: c.path, body: c.body}
				if c.per != nil {
					req = c.per(a)
				}
				var before string
				if c.snap != nil && st >= 400 {
					before = c.snap(t)
				}
				resp, body := w.c[a].Do(c.method, req.path, req.body)
				n++
				if resp.StatusCode != st {
					t.Errorf("%s %s as %s: status %d, want %d: %.300s", c.method, req.path, a, resp.StatusCode, st, body)
				}
				if accLeaks(resp, body) && !slices.Contains(seers, a) {
					t.Errorf("LEAK: %s %s as %s (%d) carries %s: %.500s", c.method, req.path, a, resp.StatusCode, accMark, body)
				}
				if resp.StatusCode/100 == 2 && slices.Contains(strings.Fields(c.show), a) && !accLeaks(resp, body) {
					t.Errorf("%s %s as %s: the answer should show %s (the test is blind otherwise): %.300s", c.method, req.path, a, accMark, body)
				}
				if c.snap != nil && st >= 400 {
					if after := c.snap(t); after != before {
						t.Errorf("%s %s as %s (%d) changed the state:\n before %s\n after  %s", c.method, req.path, a, resp.StatusCode, before, after)
					}
				}
				if req.after != nil {
					req.after(t, resp.StatusCode)
				}
				if c.check != nil {
					c.check(t, a, resp.StatusCode, body)
				}
			}
		})
	}
	return n
}

// Snapshots (as JSON) of what refused requests must leave alone.

func (w *accWorld) snapStore(t *testing.T, f func(ctx context.Context) (any, error)) string {
	t.Helper()
	v, err := f(context.Background())
	if err != nil {
		return "error: " + err.Error()
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// snapPosts is a channel's posts as the store has them (reactions, pins,
// files, edits, reply counts) with the thread of #secret's root post.
func (w *accWorld) snapPosts(channel int64) func(t *testing.T) string {
	return func(t *testing.T) string {
		st := w.srv.App.Store
		return w.snapStore(t, func(ctx context.Context) (any, error) {
			posts, err := st.Posts(ctx, channel, 0, 500)
			if err != nil {
				return nil, err
			}
			thread, err := st.Thread(ctx, w.p1)
			return []any{posts, thread}, err
		})
	}
}

func (w *accWorld) snapTeam(team int64) func(t *testing.T) string {
	return func(t *testing.T) string {
		st := w.srv.App.Store
		return w.snapStore(t, func(ctx context.Context) (any, error) {
			tm, err := st.Team(ctx, team)
			if err != nil {
				return nil, err
			}
			members, err := st.TeamMembers(ctx, team)
			return []any{tm, members}, err
		})
	}
}

func (w *accWorld) snapChannel(channel int64) func(t *testing.T) string {
	return func(t *testing.T) string {
		st := w.srv.App.Store
		return w.snapStore(t, func(ctx context.Context) (any, error) {
			c, err := st.Channel(ctx, channel)
			if err != nil {
				return nil, err
			}
			members, err := st.ChannelMemberIDs(ctx, channel)
			return []any{c, members}, err
		})
	}
}

func (w *accWorld) snapTeamChannels(team int64) func(t *testing.T) string {
	return func(t *testing.T) string {
		st := w.srv.App.Store
		return w.snapStore(t, func(ctx context.Context) (any, error) {
			pub, err := st.TeamChannels(ctx, team, model.ChannelPublic)
			if err != nil {
				return nil, err
			}
			priv, err := st.TeamChannels(ctx, team, model.ChannelPrivate)
			return []any{pub, priv}, err
		})
	}
}

func (w *accWorld) snapHooks(channel int64) func(t *testing.T) string {
	return func(t *testing.T) string {
		st := w.srv.App.Store
		return w.snapStore(t, func(ctx context.Context) (any, error) {
			in, err := st.IncomingHooks(ctx, channel)
			if err != nil {
				return nil, err
			}
			out, err := st.OutgoingHooks(ctx, channel)
			return []any{in, out}, err
		})
	}
}

func (w *accWorld) snapInvitations(t *testing.T) string {
	return w.snapStore(t, func(ctx context.Context) (any, error) { return w.srv.App.Store.Invitations(ctx) })
}

func (w *accWorld) snapFile(id int64) func(t *testing.T) string {
	return func(t *testing.T) string {
		return w.snapStore(t, func(ctx context.Context) (any, error) {
			f, err := w.srv.App.Store.File(ctx, id)
			return []any{f, f.PostID, f.ChannelID}, err
		})
	}
}

// snapDrafts is every actor's drafts of a channel, for the channel itself
// and the threads of #secret's root and of the direct conversation.
func (w *accWorld) snapDrafts(channel int64) func(t *testing.T) string {
	return func(t *testing.T) string {
		return w.snapStore(t, func(ctx context.Context) (any, error) {
			var out []string
			for _, a := range append(slices.Clone(accSigned), "tim") {
				for _, root := range []int64{0, w.p1, w.dmPost} {
					d, err := w.srv.App.Store.Draft(ctx, w.id[a], channel, root)
					if err == nil {
						out = append(out, fmt.Sprintf("%s/%d:%s@%d", a, root, d.Message, d.UpdatedAt.UnixMilli()))
					} else if !errors.Is(err, model.ErrNotFound) {
						return nil, err
					}
				}
			}
			return out, nil
		})
	}
}

// per builds per-actor requests: allowed actors (listed) get ok, the others
// refused.
func accPer(allowed string, ok, refused func(a string) accReq) func(string) accReq {
	return func(a string) accReq {
		if slices.Contains(strings.Fields(allowed), a) {
			return ok(a)
		}
		return refused(a)
	}
}

func accPath(p string) func(string) accReq {
	return func(string) accReq { return accReq{path: p} }
}

func accBody(p string, body any) func(string) accReq {
	return func(string) accReq { return accReq{path: p, body: body} }
}

func TestAccessMatrix(t *testing.T) {
	t.Parallel()
	w := newAccWorld(t)
	P := func(a ...any) string { return fmt.Sprint(a...) }
	team, ch, post := func(id int64, rest ...any) string { return P(append([]any{"/api/v1/teams/", id}, rest...)...) },
		func(id int64, rest ...any) string { return P(append([]any{"/api/v1/channels/", id}, rest...)...) },
		func(id int64, rest ...any) string { return P(append([]any{"/api/v1/posts/", id}, rest...)...) }
	search := func(q string) string { return "/api/v1/search/posts?q=" + url.QueryEscape(q) }
	uid := func(a string) int64 { return w.id[a] }

	// noChannel fails when a list answer names #secret or ann and bob's
	// conversation for someone who is in neither.
	secretID := regexp.MustCompile(fmt.Sprintf(`"(channel_)?id":(%d|%d)\b`, w.secret, w.dm))
	noChannel := func(t *testing.T, a string, status int, body []byte) {
		if a == "ann" || a == "bob" || status != 200 {
			return
		}
		if m := secretID.Find(body); m != nil {
			t.Errorf("LEAK: %s gets %s (#secret or ann/bob's direct channel) in %.300s", a, m, body)
		}
	}
	okCheck := noChannel

	cases := []accCase{
		// Lists come first, before cases that read or move ann's and bob's positions.
		{name: "GET teams", method: "GET", path: "/api/v1/teams", want: accAll(200), seers: "-",
			check: func(t *testing.T, a string, status int, body []byte) {
				var out struct {
					Items []struct {
						Name   string
						Member bool
					}
				}
				_ = json.Unmarshal(body, &out)
				var names []string
				for _, it := range out.Items {
					names = append(names, it.Name)
				}
				want := map[string][]string{"olga": {"dev", "ops"}, "ann": {"dev"}, "bob": {"bobteam", "dev"}, "carla": {"dev", "ops"},
					"gwen": nil, "rob": {"dev"}, "rex": {"dev"}}
				if w, ok := want[a]; ok {
					slices.Sort(names)
					if !slices.Equal(names, w) {
						t.Errorf("teams of %s: %v, want %v", a, names, w)
					}
				}
			}},
		{name: "GET sidebar", method: "GET", path: "/api/v1/channels", want: accAll(200), show: "ann bob",
			check: func(t *testing.T, a string, status int, body []byte) {
				noChannel(t, a, status, body)
				if a != "bob" {
					return
				}
				var out struct {
					Items []struct {
						Channel struct{ ID int64 }
						Unread  int
					}
				}
				_ = json.Unmarshal(body, &out)
				for _, it := range out.Items {
					if it.Channel.ID == w.secret && it.Unread > 0 {
						return
					}
				}
				t.Errorf("bob's sidebar lacks #secret with its unread posts: %.300s", body)
			}},
		{name: "GET saved", method: "GET", path: "/api/v1/users/me/saved", want: accAll(200), show: "bob", check: okCheck},
		{name: "GET threads", method: "GET", path: "/api/v1/users/me/threads", want: accAll(200), show: "ann bob", check: okCheck},
		{name: "GET threads unread", method: "GET", path: "/api/v1/users/me/threads?unread=true", want: accAll(200), check: okCheck},
		{name: "GET catch-up", method: "GET", path: "/api/v1/users/me/catchup", want: accAll(200), show: "bob", check: okCheck},
		{name: "GET drafts", method: "GET", path: "/api/v1/drafts", want: accAll(200), show: "bob",
			check: func(t *testing.T, a string, status int, body []byte) {
				noChannel(t, a, status, body)
				switch a {
				case "rob": // his #town draft stays; those of #secret went with his removal
					if !strings.Contains(string(body), `"message":"DRAFT-rob"`) || strings.Contains(string(body), "thread") {
						t.Errorf("rob's drafts: %.300s", body)
					}
				case "rex": // removed from the team: nothing left
					if strings.TrimSpace(string(body)) != `{"items":[]}` {
						t.Errorf("rex's drafts: %.300s", body)
					}
				}
			}},
		{name: "search marker", method: "GET", path: search(accMark), want: accAll(200), show: "ann bob", check: okCheck},
		{name: "search in:secret", method: "GET", path: search("7f3a in:" + accMarkLow), want: accAll(200), show: "ann bob", check: okCheck},
		{name: "search from:ann", method: "GET", path: search("secret from:ann"), want: accAll(200), show: "ann bob", check: okCheck},
		{name: "search from:rob", method: "GET", path: search("secret from:rob"), want: accAll(200), show: "ann bob", check: okCheck},
		{name: "search in:@ann", method: "GET", path: search("direct in:@ann"), want: accAll(200), show: "bob", check: okCheck},
		{name: "search in:@bob", method: "GET", path: search("direct in:@bob"), want: accAll(200), show: "ann", check: okCheck},
		{name: "search has:file", method: "GET", path: search("has:file"), want: accAll(200), show: "ann bob", check: okCheck},
		{name: "search is:thread", method: "GET", path: search("is:thread"), want: accAll(200), show: "ann bob", check: okCheck},

		// Teams.
		{name: "POST teams", method: "POST", path: "/api/v1/teams",
			per:  func(a string) accReq { return accReq{path: "/api/v1/teams", body: map[string]any{"name": "t-" + a}} },
			want: "olga=201 ann=201 bob=201 carla=201 gwen=403 rob=201 rex=201", seers: "-"},
		{name: "GET team dev", method: "GET", path: team(w.dev), want: "olga=200 ann=200 bob=200 carla=200 gwen=404 rob=200 rex=200", seers: "-"},
		{name: "GET team ops", method: "GET", path: team(w.ops), want: "olga=200 ann=404 bob=404 carla=200 gwen=404 rob=404 rex=404", seers: "-"},
		{name: "GET team bobteam", method: "GET", path: team(w.bobTeam), want: "olga=200 ann=404 bob=200 carla=404 gwen=404 rob=404 rex=404", seers: "-"},
		{name: "PATCH team dev", method: "PATCH", seers: "-", snap: w.snapTeam(w.dev),
			per: accPer("ann olga", accBody(team(w.dev), map[string]any{"description": "the dev team"}),
				func(a string) accReq {
					return accReq{path: team(w.dev), body: map[string]any{"description": "pwned by " + a, "open": false, "archived": true}}
				}),
			want: "olga=200 ann=200 bob=403 carla=403 gwen=403 rob=403 rex=403"},
		{name: "PATCH team ops", method: "PATCH", seers: "-", snap: w.snapTeam(w.ops),
			per: accPer("olga", accBody(team(w.ops), map[string]any{"description": "ops team"}),
				accBody(team(w.ops), map[string]any{"description": "pwned", "open": true})),
			want: "olga=200 ann=404 bob=404 carla=403 gwen=404 rob=404 rex=404"},
		{name: "join ops", method: "POST", path: team(w.ops, "/join"), seers: "-", snap: w.snapTeam(w.ops),
			want: "olga=403 ann=404 bob=404 carla=403 gwen=404 rob=404 rex=404"},
		// Joining the open team dev is allowed to non-members (olga, carla,
		// rex): only those who may not are tried.
		{name: "join dev", method: "POST", path: team(w.dev, "/join"), seers: "-", snap: w.snapTeam(w.dev),
			want: "ann=403 bob=403 gwen=403 rob=403"},
		{name: "add to dev", method: "POST", seers: "-", snap: w.snapTeam(w.dev),
			per: accPer("ann olga", accBody(team(w.dev, "/members"), map[string]any{"user_id": uid("sam1")}),
				accBody(team(w.dev, "/members"), map[string]any{"user_id": uid("carla"), "admin": true})),
			want: "olga=204 ann=204 bob=403 carla=403 gwen=403 rob=403 rex=403"},
		{name: "add to ops", method: "POST", seers: "-", snap: w.snapTeam(w.ops),
			per: accPer("olga", accBody(team(w.ops, "/members"), map[string]any{"user_id": uid("carla")}),
				accBody(team(w.ops, "/members"), map[string]any{"user_id": uid("bob")})),
			want: "olga=204 ann=404 bob=404 carla=403 gwen=404 rob=404 rex=404"},
		{name: "remove from dev", method: "DELETE", seers: "-", snap: w.snapTeam(w.dev),
			per: accPer("ann olga", func(a string) accReq {
				w.call(t, "ann", "POST", team(w.dev, "/members"), map[string]any{"user_id": uid("sam1")}, 204)
				return accReq{path: team(w.dev, "/members/", uid("sam1"))}
			}, func(a string) accReq {
				if a == "bob" {
					return accReq{path: team(w.dev, "/members/", uid("ann"))}
				}
				return accReq{path: team(w.dev, "/members/", uid("bob"))}
			}),
			want: "olga=204 ann=204 bob=403 carla=403 gwen=403 rob=403 rex=403"},
		{name: "GET dev channels", method: "GET", path: team(w.dev, "/channels"), seers: "-", check: okCheck,
			want: "olga=200 ann=200 bob=200 carla=403 gwen=404 rob=200 rex=403"},
		{name: "GET ops channels", method: "GET", path: team(w.ops, "/channels"), seers: "-",
			want: "olga=200 ann=404 bob=404 carla=200 gwen=404 rob=404 rex=404"},
		{name: "create channel in dev", method: "POST", seers: "-", snap: w.snapTeamChannels(w.dev),
			per: func(a string) accReq {
				return accReq{path: team(w.dev, "/channels"), body: map[string]any{"name": "c-" + a, "kind": "private"}}
			},
			want: "olga=403 ann=201 bob=201 carla=403 gwen=403 rob=201 rex=403"},

		// Channels.
		{name: "GET #secret", method: "GET", path: ch(w.secret), want: accSec(200, 200), show: "ann bob"},
		{name: "GET dm", method: "GET", path: ch(w.dm), want: accSec(200, 200)},
		{name: "GET #town", method: "GET", path: ch(w.town), want: "olga=200 ann=200 bob=200 carla=404 gwen=404 rob=200 rex=404", seers: "-"},
		{name: "GET #client", method: "GET", path: ch(w.client), want: "olga=200 ann=200 bob=200 carla=404 gwen=200 rob=200 rex=404", seers: "-"},
		{name: "PATCH #secret", method: "PATCH", seers: "ann bob olga", show: "ann olga", snap: w.snapChannel(w.secret),
			per: accPer("ann olga", accBody(ch(w.secret), map[string]any{"header": accMark + " header"}),
				accBody(ch(w.secret), map[string]any{"header": "pwned", "display_name": "pwned", "archived": true})),
			want: "olga=200 ann=200 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "PATCH #town", method: "PATCH", seers: "-", snap: w.snapChannel(w.town),
			per: accPer("ann olga", accBody(ch(w.town), map[string]any{"display_name": "Town"}),
				accBody(ch(w.town), map[string]any{"display_name": "pwned", "purpose": "pwned"})),
			want: "olga=200 ann=200 bob=403 carla=404 gwen=404 rob=403 rex=404"},
		{name: "PATCH #client", method: "PATCH", seers: "-", snap: w.snapChannel(w.client),
			per: accPer("ann olga", accBody(ch(w.client), map[string]any{"display_name": "Client"}),
				accBody(ch(w.client), map[string]any{"shared": false, "archived": true})),
			want: "olga=200 ann=200 bob=403 carla=404 gwen=403 rob=403 rex=404"},
		{name: "PATCH dm", method: "PATCH", path: ch(w.dm), body: map[string]any{"header": "pwned"}, snap: w.snapChannel(w.dm),
			want: "olga=404 ann=403 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "GET #secret members", method: "GET", path: ch(w.secret, "/members"), want: accSec(200, 200)},
		{name: "GET dm members", method: "GET", path: ch(w.dm, "/members"), want: accSec(200, 200)},
		{name: "GET #town members", method: "GET", path: ch(w.town, "/members"), seers: "-",
			want: "olga=200 ann=200 bob=200 carla=404 gwen=404 rob=200 rex=404"},
		{name: "GET #client members", method: "GET", path: ch(w.client, "/members"), seers: "-",
			want: "olga=200 ann=200 bob=200 carla=404 gwen=200 rob=200 rex=404"},
		{name: "add to #secret", method: "POST", snap: w.snapChannel(w.secret),
			per: func(a string) accReq {
				who := a // everyone tries to join (add themself)…
				switch a {
				case "ann":
					who = "bob" // …ann adds a member again (a no-op)…
				case "bob":
					who = "rob" // …bob tries to bring rob back
				}
				return accReq{path: ch(w.secret, "/members"), body: map[string]any{"user_id": uid(who)}}
			},
			want: "olga=404 ann=204 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "add guest to #secret", method: "POST", path: ch(w.secret, "/members"), body: map[string]any{"user_id": uid("gwen")},
			snap: w.snapChannel(w.secret), want: "olga=400 ann=400 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "add outsider to #town", method: "POST", seers: "-", snap: w.snapChannel(w.town),
			per: accPer("carla gwen rex", func(a string) accReq {
				return accReq{path: ch(w.town, "/members"), body: map[string]any{"user_id": uid(a)}}
			},
				accBody(ch(w.town, "/members"), map[string]any{"user_id": uid("carla")})),
			want: "olga=400 ann=400 bob=400 carla=404 gwen=404 rob=400 rex=404"},
		{name: "add guest to #town", method: "POST", path: ch(w.town, "/members"), body: map[string]any{"user_id": uid("gwen")}, seers: "-",
			snap: w.snapChannel(w.town), want: "olga=400 ann=400 bob=400 carla=404 gwen=404 rob=400 rex=404"},
		{name: "add to #client", method: "POST", seers: "-", snap: w.snapChannel(w.client),
			per: func(a string) accReq {
				who := map[string]string{"ann": "gwen", "gwen": "bob", "carla": "carla", "rex": "rex"}[a]
				if who == "" {
					who = "carla"
				}
				return accReq{path: ch(w.client, "/members"), body: map[string]any{"user_id": uid(who)}}
			},
			want: "olga=400 ann=204 bob=403 carla=404 gwen=403 rob=403 rex=404"},
		{name: "add to dm", method: "POST", path: ch(w.dm, "/members"), body: map[string]any{"user_id": uid("carla")}, snap: w.snapChannel(w.dm),
			want: "olga=404 ann=403 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "remove from #secret", method: "DELETE", snap: w.snapChannel(w.secret),
			per: accPer("ann olga", func(string) accReq {
				w.call(t, "ann", "POST", ch(w.secret, "/members"), map[string]any{"user_id": uid("sam2")}, 204)
				return accReq{path: ch(w.secret, "/members/", uid("sam2"))}
			}, func(a string) accReq {
				if a == "bob" {
					return accReq{path: ch(w.secret, "/members/", uid("ann"))}
				}
				return accReq{path: ch(w.secret, "/members/", uid("bob"))}
			}),
			want: "olga=204 ann=204 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "remove from dm", method: "DELETE", snap: w.snapChannel(w.dm),
			per: func(a string) accReq {
				if a == "ann" {
					return accReq{path: ch(w.dm, "/members/", uid("bob"))}
				}
				return accReq{path: ch(w.dm, "/members/", uid("ann"))}
			},
			want: "olga=404 ann=403 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "member prefs #secret", method: "PATCH", path: ch(w.secret, "/members/me"), body: map[string]any{"favorite": false},
			want: accSec(200, 200)},
		{name: "member prefs #town", method: "PATCH", path: ch(w.town, "/members/me"), body: map[string]any{"favorite": false}, seers: "-",
			want: "olga=400 ann=200 bob=200 carla=404 gwen=404 rob=200 rex=404"},
		{name: "mark #secret read", method: "POST", path: ch(w.secret, "/read"), want: accSec(204, 204)},
		{name: "mark #secret unread", method: "POST", path: ch(w.secret, "/read"), body: map[string]any{"post_id": w.p5, "unread": true}, want: accSec(204, 204)},
		{name: "mark dm read", method: "POST", path: ch(w.dm, "/read"), want: accSec(204, 204)},
		{name: "mark #town read", method: "POST", path: ch(w.town, "/read"), seers: "-", want: "olga=400 ann=204 bob=204 carla=404 gwen=404 rob=204 rex=404"},

		// Posts.
		{name: "GET #secret posts", method: "GET", path: ch(w.secret, "/posts"), want: accSec(200, 200), show: "ann bob"},
		{name: "GET #secret posts page", method: "GET", path: ch(w.secret, "/posts?limit=2&before=", w.p5), want: accSec(200, 200), show: "ann bob"},
		{name: "GET dm posts", method: "GET", path: ch(w.dm, "/posts"), want: accSec(200, 200), show: "ann bob"},
		{name: "GET #town posts", method: "GET", path: ch(w.town, "/posts"), seers: "-", want: "olga=200 ann=200 bob=200 carla=404 gwen=404 rob=200 rex=404"},
		{name: "POST #secret", method: "POST", snap: w.snapPosts(w.secret),
			per: func(a string) accReq {
				return accReq{path: ch(w.secret, "/posts"), body: map[string]any{"message": "written by " + a}}
			},
			want: accSec(201, 201)},
		{name: "reply in #secret", method: "POST", snap: w.snapPosts(w.secret),
			per: func(a string) accReq {
				return accReq{path: ch(w.secret, "/posts"), body: map[string]any{"message": "reply by " + a, "root_id": w.p1}}
			},
			want: accSec(201, 201)},
		{name: "POST dm", method: "POST", snap: w.snapPosts(w.dm),
			per: func(a string) accReq {
				return accReq{path: ch(w.dm, "/posts"), body: map[string]any{"message": "written by " + a}}
			},
			want: accSec(201, 201)},
		{name: "POST #town", method: "POST", seers: "-", snap: w.snapPosts(w.town),
			per: func(a string) accReq {
				return accReq{path: ch(w.town, "/posts"), body: map[string]any{"message": "town post by " + a}}
			},
			want: "olga=403 ann=201 bob=201 carla=404 gwen=404 rob=201 rex=404"},
		{name: "POST #town replying to #secret", method: "POST", path: ch(w.town, "/posts"), seers: "-",
			body: map[string]any{"message": "cross-channel reply", "root_id": w.p1}, snap: w.snapPosts(w.town),
			want: "olga=403 ann=400 bob=400 carla=404 gwen=404 rob=400 rex=404"},
		{name: "POST #town with #secret's file", method: "POST", path: ch(w.town, "/posts"), seers: "-",
			body: map[string]any{"message": "stolen file", "file_ids": []int64{w.f2}}, snap: w.snapFile(w.f2),
			want: "olga=403 ann=400 bob=400 carla=404 gwen=404 rob=400 rex=404"},
		{name: "GET thread", method: "GET", path: post(w.p1, "/thread"), want: accSec(200, 200), show: "ann bob"},
		{name: "GET thread by reply", method: "GET", path: post(w.p2, "/thread"), want: accSec(200, 200), show: "ann bob"},
		{name: "GET dm thread", method: "GET", path: post(w.dmPost, "/thread"), want: accSec(200, 200), show: "ann bob"},
		{name: "GET history", method: "GET", path: post(w.p1, "/history"), want: accSec(200, 200), show: "ann bob"},
		{name: "PATCH post", method: "PATCH", snap: w.snapPosts(w.secret),
			per: accPer("ann", accBody(post(w.p1), map[string]any{"message": w.p1Text}),
				accBody(post(w.p1), map[string]any{"message": "pwned"})),
			want: "olga=404 ann=200 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "PATCH own post after leaving", method: "PATCH", snap: w.snapPosts(w.secret),
			per: func(a string) accReq {
				if a == "rex" {
					return accReq{path: post(w.rexPost), body: map[string]any{"message": "pwned"}}
				}
				return accReq{path: post(w.robPost), body: map[string]any{"message": "pwned"}}
			},
			want: "olga=404 ann=403 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "PATCH dm post", method: "PATCH", snap: w.snapPosts(w.dm),
			per: accPer("ann", accBody(post(w.dmPost), map[string]any{"message": w.dmText}),
				accBody(post(w.dmPost), map[string]any{"message": "pwned"})),
			want: "olga=404 ann=200 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "DELETE post", method: "DELETE", snap: w.snapPosts(w.secret),
			per: func(a string) accReq {
				id := w.post(t, "bob", w.secret, "disposable for "+a)
				return accReq{path: post(id), after: func(t *testing.T, status int) {
					p, err := w.srv.App.Store.Post(context.Background(), id)
					if gone := err != nil || p.DeletedAt != nil; gone != (status == 204) {
						t.Errorf("DELETE post as %s: %d, yet the post gone=%v", a, status, gone)
					}
				}}
			},
			want: "olga=404 ann=204 bob=204 carla=404 gwen=404 rob=404 rex=404"},
		// ann, as channel admin, could delete rob's post: only those who may not try.
		{name: "DELETE own post after leaving", method: "DELETE", snap: w.snapPosts(w.secret),
			per: func(a string) accReq {
				if a == "rex" {
					return accReq{path: post(w.rexPost)}
				}
				return accReq{path: post(w.robPost)}
			},
			want: "olga=404 carla=404 gwen=404 rob=404 rex=404"},
		{name: "DELETE dm post", method: "DELETE", snap: w.snapPosts(w.dm),
			per: accPer("ann", func(string) accReq { return accReq{path: post(w.post(t, "ann", w.dm, "disposable"))} },
				accPath(post(w.dmPost))),
			want: "olga=404 ann=204 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "react", method: "PUT", path: post(w.p1, "/reactions/thumbsup"), snap: w.snapPosts(w.secret), want: accSec(204, 204)},
		{name: "unreact", method: "DELETE", snap: w.snapPosts(w.secret),
			per: accPer("ann bob", func(a string) accReq {
				w.call(t, a, "PUT", post(w.p1, "/reactions/tada"), nil, 204)
				return accReq{path: post(w.p1, "/reactions/tada")}
			}, accPath(post(w.p1, "/reactions/thumbsup"))),
			want: accSec(204, 204)},
		{name: "react in dm", method: "PUT", path: post(w.dmPost, "/reactions/thumbsup"), snap: w.snapPosts(w.dm), want: accSec(204, 204)},

		// Files.
		{name: "upload to #secret", method: "POST", path: ch(w.secret, "/files?name=", accMark, "-up.png"), body: pngBytes(t, 8, 8),
			want: accSec(201, 201), show: "ann bob"},
		{name: "upload to dm", method: "POST", path: ch(w.dm, "/files?name=x.png"), body: pngBytes(t, 8, 8), want: accSec(201, 201)},
		{name: "download", method: "GET", path: P("/files/", w.f1, "/", accMark, ".png"), want: accSec(200, 200), show: "ann bob"},
		{name: "download other name", method: "GET", path: P("/files/", w.f1, "/x.png"), want: accSec(200, 200), show: "ann bob"},
		{name: "thumbnail", method: "GET", path: P("/files/", w.f1, "/thumb"), want: accSec(200, 200), show: "ann bob"},
		{name: "download unattached", method: "GET", path: P("/files/", w.f2, "/x.png"), seers: "bob", show: "bob",
			want: "olga=404 ann=404 bob=200 carla=404 gwen=404 rob=404 rex=404"},

		// Pins, saved posts, threads.
		{name: "GET pinned", method: "GET", path: ch(w.secret, "/pinned"), want: accSec(200, 200), show: "ann bob"},
		{name: "pin", method: "PUT", path: post(w.p1, "/pin"), snap: w.snapPosts(w.secret), want: accSec(204, 204)},
		{name: "unpin", method: "DELETE", snap: w.snapPosts(w.secret),
			per: accPer("ann bob", accPath(post(w.p2, "/pin")), accPath(post(w.p1, "/pin"))), want: accSec(204, 204)},
		{name: "save", method: "PUT", path: post(w.p1, "/saved"), want: accSec(204, 204)},
		{name: "unsave", method: "DELETE",
			per: accPer("ann bob", func(a string) accReq {
				w.call(t, a, "PUT", post(w.p1, "/saved"), nil, 204)
				return accReq{path: post(w.p1, "/saved")}
			}, accPath(post(w.p1, "/saved"))),
			want: accSec(204, 204)},
		{name: "follow", method: "PUT", path: post(w.p1, "/follow"), want: accSec(204, 204)},
		{name: "unfollow", method: "DELETE",
			per: func(a string) accReq {
				return accReq{path: post(w.p1, "/follow"), after: func(t *testing.T, status int) {
					if status == 204 {
						w.call(t, a, "PUT", post(w.p1, "/follow"), nil, 204)
					}
				}}
			},
			want: accSec(204, 204)},
		{name: "thread read", method: "POST", path: post(w.p1, "/thread/read"), want: accSec(204, 204)},

		// Drafts: one's own, where one may post (and delete where one may read).
		{name: "PUT draft #secret", method: "PUT", snap: w.snapDrafts(w.secret),
			per: func(a string) accReq {
				return accReq{path: ch(w.secret, "/drafts"), body: map[string]any{"message": accMark + " draft by " + a}}
			},
			want: accSec(200, 200), show: "ann bob"},
		{name: "PUT thread draft #secret", method: "PUT", snap: w.snapDrafts(w.secret),
			per: func(a string) accReq {
				return accReq{path: ch(w.secret, "/drafts"), body: map[string]any{"message": "thread draft by " + a, "root_id": w.p2}}
			},
			want: accSec(200, 200)},
		{name: "PUT empty draft #secret", method: "PUT", path: ch(w.secret, "/drafts"), body: map[string]any{"message": ""},
			snap: w.snapDrafts(w.secret), want: accSec(204, 204)},
		{name: "PUT draft dm", method: "PUT", snap: w.snapDrafts(w.dm),
			per: func(a string) accReq {
				return accReq{path: ch(w.dm, "/drafts"), body: map[string]any{"message": "dm draft by " + a, "root_id": w.dmPost}}
			},
			want: accSec(200, 200)},
		{name: "PUT draft #town", method: "PUT", seers: "-", snap: w.snapDrafts(w.town),
			per: func(a string) accReq {
				return accReq{path: ch(w.town, "/drafts"), body: map[string]any{"message": "town draft by " + a}}
			},
			want: "olga=403 ann=200 bob=200 carla=404 gwen=404 rob=200 rex=404"},
		{name: "PUT draft #town in #secret's thread", method: "PUT", path: ch(w.town, "/drafts"), seers: "-", snap: w.snapDrafts(w.town),
			body: map[string]any{"message": "cross-channel draft", "root_id": w.p1},
			want: "olga=403 ann=400 bob=400 carla=404 gwen=404 rob=400 rex=404"},
		{name: "DELETE draft #secret", method: "DELETE", snap: w.snapDrafts(w.secret),
			per: accPer("ann bob", func(a string) accReq {
				w.call(t, a, "PUT", ch(w.secret, "/drafts"), map[string]any{"message": "disposable", "root_id": w.p1}, 200)
				return accReq{path: ch(w.secret, "/drafts?root_id=", w.p1), after: func(t *testing.T, status int) {
					if _, err := w.srv.App.Store.Draft(context.Background(), uid(a), w.secret, w.p1); !errors.Is(err, model.ErrNotFound) {
						t.Errorf("DELETE draft as %s: %d, yet the draft is there (%v)", a, status, err)
					}
				}}
			}, accPath(ch(w.secret, "/drafts"))),
			want: accSec(204, 204)},
		{name: "DELETE draft dm", method: "DELETE", path: ch(w.dm, "/drafts?root_id=", w.dmPost), snap: w.snapDrafts(w.dm), want: accSec(204, 204)},
		// olga may read #town (org admin), so deleting her (absent) draft there is a no-op.
		{name: "DELETE draft #town", method: "DELETE", path: ch(w.town, "/drafts"), seers: "-", snap: w.snapDrafts(w.town),
			want: "olga=204 ann=204 bob=204 carla=404 gwen=404 rob=204 rex=404"},
		{name: "DELETE draft bad root", method: "DELETE", path: ch(w.secret, "/drafts?root_id=-1"), seers: "-", snap: w.snapDrafts(w.secret),
			want: accAll(400)},

		// Retention.
		{name: "GET retention", method: "GET", path: "/api/v1/retention", seers: "-", want: fmt.Sprintf(accOrgAdminOnly, 200)},
		{name: "PUT retention channel", method: "PUT", path: "/api/v1/retention", body: map[string]any{"channel_id": w.secret, "days": 0},
			seers: "-", want: fmt.Sprintf(accOrgAdminOnly, 204)},
		{name: "PUT retention team", method: "PUT", path: "/api/v1/retention", body: map[string]any{"team_id": w.dev, "days": 0},
			seers: "-", want: fmt.Sprintf(accOrgAdminOnly, 204)},

		// Integrations.
		{name: "GET hooks #secret", method: "GET", path: ch(w.secret, "/hooks"), seers: "-", want: accHooks(200)},
		{name: "GET hooks #client", method: "GET", path: ch(w.client, "/hooks"), seers: "-",
			want: "olga=200 ann=200 bob=403 carla=404 gwen=403 rob=403 rex=404"},
		{name: "GET hooks dm", method: "GET", path: ch(w.dm, "/hooks"), want: "olga=404 ann=403 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "create hook #secret", method: "POST", seers: "-", snap: w.snapHooks(w.secret),
			per: func(a string) accReq {
				return accReq{path: ch(w.secret, "/hooks"), body: map[string]any{"name": "h-" + a}}
			},
			want: accHooks(201)},
		{name: "create hook #client", method: "POST", seers: "-", snap: w.snapHooks(w.client),
			per: func(a string) accReq {
				return accReq{path: ch(w.client, "/hooks"), body: map[string]any{"name": "h-" + a}}
			},
			want: "olga=201 ann=201 bob=403 carla=404 gwen=403 rob=403 rex=404"},
		{name: "create hook dm", method: "POST", path: ch(w.dm, "/hooks"), body: map[string]any{"name": "h"}, snap: w.snapHooks(w.dm),
			want: "olga=404 ann=403 bob=403 carla=404 gwen=404 rob=404 rex=404"},
		{name: "PATCH hook", method: "PATCH", seers: "-", snap: w.snapHooks(w.secret),
			per: accPer("ann olga", accBody(P("/api/v1/hooks/", w.h1), map[string]any{"disabled": false}),
				accBody(P("/api/v1/hooks/", w.h1), map[string]any{"disabled": true})),
			want: accHooks(200)},
		{name: "DELETE hook", method: "DELETE", seers: "-", snap: w.snapHooks(w.secret),
			per: accPer("ann olga", func(string) accReq {
				id := w.create(t, "ann", "POST", ch(w.secret, "/hooks"), map[string]any{"name": "disposable"}, 201)
				return accReq{path: P("/api/v1/hooks/", id)}
			}, accPath(P("/api/v1/hooks/", w.h1))),
			want: accHooks(204)},
		{name: "GET outgoing hooks", method: "GET", path: ch(w.secret, "/outgoing-hooks"), seers: "-", want: accHooks(200)},
		{name: "create outgoing hook", method: "POST", seers: "-", snap: w.snapHooks(w.secret),
			per: func(a string) accReq {
				return accReq{path: ch(w.secret, "/outgoing-hooks"), body: map[string]any{"name": "o-" + a, "trigger_words": []string{"zzq" + a},
					"callback_url": "https://example.invalid/" + a}}
			},
			want: accHooks(201)},
		{name: "PATCH outgoing hook", method: "PATCH", seers: "-", snap: w.snapHooks(w.secret),
			per: accPer("ann olga", accBody(ch(w.secret, "/outgoing-hooks/", w.o1), map[string]any{"disabled": false}),
				accBody(ch(w.secret, "/outgoing-hooks/", w.o1), map[string]any{"disabled": true})),
			want: accHooks(200)},
		{name: "DELETE outgoing hook", method: "DELETE", seers: "-", snap: w.snapHooks(w.secret),
			per: accPer("ann olga", func(string) accReq {
				id := w.create(t, "ann", "POST", ch(w.secret, "/outgoing-hooks"),
					map[string]any{"name": "disposable", "trigger_words": []string{"zzgone"}, "callback_url": "https://example.invalid/x"}, 201)
				return accReq{path: ch(w.secret, "/outgoing-hooks/", id)}
			}, accPath(ch(w.secret, "/outgoing-hooks/", w.o1))),
			want: accHooks(204)},
		// The channel in the path is not the hook's: bob manages hooks of
		// bobteam's general, which must not reach #secret's hook.
		{name: "PATCH outgoing hook via another channel", method: "PATCH", path: ch(w.bobGeneral, "/outgoing-hooks/", w.o1),
			body: map[string]any{"disabled": true}, seers: "-", snap: w.snapHooks(w.secret), want: accAll(404)},
		{name: "DELETE outgoing hook via another channel", method: "DELETE", path: ch(w.bobGeneral, "/outgoing-hooks/", w.o1),
			seers: "-", snap: w.snapHooks(w.secret), want: accAll(404)},
		// Team invitations: a way into a team, for org admins and the team's admins.
		{name: "invite member into dev", method: "POST", path: "/api/v1/invitations", body: map[string]any{"role": "member", "team_id": w.dev},
			seers: "-", snap: w.snapInvitations, want: "olga=201 ann=201 bob=403 carla=403 gwen=403 rob=403 rex=403"},
		{name: "invite guest into dev", method: "POST", path: "/api/v1/invitations", body: map[string]any{"role": "guest", "team_id": w.dev},
			seers: "-", snap: w.snapInvitations, want: "olga=201 ann=201 bob=403 carla=403 gwen=403 rob=403 rex=403"},
		{name: "invite admin into dev", method: "POST", path: "/api/v1/invitations", body: map[string]any{"role": "admin", "team_id": w.dev},
			seers: "-", snap: w.snapInvitations, want: fmt.Sprintf(accOrgAdminOnly, 201)},
		{name: "invite member into ops", method: "POST", path: "/api/v1/invitations", body: map[string]any{"role": "member", "team_id": w.ops},
			seers: "-", snap: w.snapInvitations, want: fmt.Sprintf(accOrgAdminOnly, 201)},
		{name: "invite member into bobteam", method: "POST", path: "/api/v1/invitations", body: map[string]any{"role": "member", "team_id": w.bobTeam},
			seers: "-", snap: w.snapInvitations, want: "olga=201 ann=403 bob=201 carla=403 gwen=403 rob=403 rex=403"},
		{name: "invite member, no team", method: "POST", path: "/api/v1/invitations", body: map[string]any{"role": "member"},
			seers: "-", snap: w.snapInvitations, want: fmt.Sprintf(accOrgAdminOnly, 201)},
		{name: "GET invitations", method: "GET", path: "/api/v1/invitations", seers: "-",
			want: "olga=200 ann=200 bob=200 carla=200 gwen=403 rob=200 rex=200",
			check: func(t *testing.T, a string, status int, body []byte) {
				var out struct {
					Items []struct {
						CreatedBy int64 `json:"created_by"`
					}
				}
				_ = json.Unmarshal(body, &out)
				for _, it := range out.Items {
					if a != "olga" && it.CreatedBy != w.id[a] {
						t.Errorf("LEAK: %s lists an invitation of user %d: %.300s", a, it.CreatedBy, body)
					}
				}
			}},
		{name: "revoke invitation", method: "DELETE", seers: "-", snap: w.snapInvitations,
			per: func(a string) accReq {
				id := w.create(t, "ann", "POST", "/api/v1/invitations", map[string]any{"role": "member", "team_id": w.dev}, 201)
				return accReq{path: P("/api/v1/invitations/", id)}
			},
			want: "olga=204 ann=204 bob=403 carla=403 gwen=403 rob=403 rex=403"},

		{name: "GET bots", method: "GET", path: "/api/v1/bots", seers: "-", want: fmt.Sprintf(accOrgAdminOnly, 200)},
		{name: "POST bots", method: "POST", seers: "-",
			per:  func(a string) accReq { return accReq{path: "/api/v1/bots", body: map[string]any{"login": "bot-" + a}} },
			want: fmt.Sprintf(accOrgAdminOnly, 201)},
	}
	n := w.run(t, cases)
	t.Logf("access matrix: %d endpoint cases, %d actor×endpoint requests", len(cases), n)
}

// TestAccessIncomingHookTokens: POST /hooks/{token} with a wrong, deleted or
// disabled hook's token, or the token of a hook whose creator may not see
// its channel, answers 404, says nothing of the channel and posts nothing.
func TestAccessIncomingHookTokens(t *testing.T) {
	t.Parallel()
	w := newAccWorld(t)
	snap := w.snapPosts(w.secret)
	mk := func(who string) (int64, string) {
		var h struct {
			ID  int64
			URL string
		}
		if err := json.Unmarshal(w.call(t, who, "POST", fmt.Sprint("/api/v1/channels/", w.secret, "/hooks"), map[string]any{"name": "tmp"}, 201), &h); err != nil {
			t.Fatal(err)
		}
		return h.ID, accURLPath(t, h.URL)
	}
	deleted, deletedPath := mk("ann")
	w.call(t, "ann", "DELETE", fmt.Sprint("/api/v1/hooks/", deleted), nil, 204)
	disabled, disabledPath := mk("ann")
	w.call(t, "ann", "PATCH", fmt.Sprint("/api/v1/hooks/", disabled), map[string]any{"disabled": true}, 200)
	_, olgaPath := mk("olga") // olga manages #secret's hooks but may not read it
	tampered := []byte(w.h1Path)
	if tampered[len(tampered)-1] == 'A' {
		tampered[len(tampered)-1] = 'B'
	} else {
		tampered[len(tampered)-1] = 'A'
	}
	paths := map[string]string{
		"unknown":         "/hooks/" + strings.Repeat("x", 43),
		"tampered":        string(tampered),
		"deleted":         deletedPath,
		"disabled":        disabledPath,
		"creator blind":   olgaPath,
		"too long":        "/hooks/" + strings.Repeat("a", 200),
		"hook id as path": fmt.Sprint("/hooks/", w.h1),
	}
	n := 0
	for name, path := range paths {
		for _, a := range []string{"anon", "rob", "ann"} { // credentials change nothing
			before := snap(t)
			resp, body := w.c[a].Do("POST", path, map[string]any{"text": "intrusion " + name, "channel": "town"})
			n++
			if resp.StatusCode != 404 {
				t.Errorf("%s hook as %s: %d, want 404: %s", name, a, resp.StatusCode, body)
			}
			if accLeaks(resp, body) {
				t.Errorf("LEAK: %s hook answer: %s", name, body)
			}
			if after := snap(t); after != before {
				t.Errorf("%s hook as %s posted:\n before %s\n after  %s", name, a, before, after)
			}
		}
	}
	// The real hook posts (so the snapshot above would have seen a post).
	before := snap(t)
	if resp, body := w.c["anon"].Do("POST", w.h1Path, map[string]any{"text": "from the hook"}); resp.StatusCode != 200 || accLeaks(resp, body) {
		t.Fatalf("live hook: %d %s", resp.StatusCode, body)
	}
	if snap(t) == before {
		t.Fatal("the live hook's post is not seen by the snapshot: the checks above are blind")
	}
	// Enabled again, the disabled hook works; deleted again, it stops.
	w.call(t, "ann", "PATCH", fmt.Sprint("/api/v1/hooks/", disabled), map[string]any{"disabled": false}, 200)
	if resp, body := w.c["anon"].Do("POST", disabledPath, map[string]any{"text": "enabled again"}); resp.StatusCode != 200 {
		t.Fatalf("re-enabled hook: %d %s", resp.StatusCode, body)
	}
	w.call(t, "ann", "DELETE", fmt.Sprint("/api/v1/hooks/", disabled), nil, 204)
	if resp, _ := w.c["anon"].Do("POST", disabledPath, map[string]any{"text": "deleted"}); resp.StatusCode != 404 {
		t.Fatalf("deleted hook: %d", resp.StatusCode)
	}
	t.Logf("incoming hook tokens: %d requests", n)
}

// TestAccessDirectMessages: who may open a direct or group conversation
// with whom, and that opening one never hands out another's conversation.
func TestAccessDirectMessages(t *testing.T) {
	t.Parallel()
	w := newAccWorld(t)
	st := w.srv.App.Store
	gwenSidebar := func(t *testing.T) string {
		return w.snapStore(t, func(ctx context.Context) (any, error) { return st.Sidebar(ctx, w.id["gwen"]) })
	}
	type dcase struct {
		actor string
		peers []string
		want  int
		same  int64 // the existing channel it must answer, if any
	}
	cases := []dcase{
		{"anon", []string{"ann"}, 401, 0},
		{"tim", []string{"ann"}, 401, 0},
		{"tims", []string{"ann"}, 401, 0},
		// gwen (guest) only with people she shares a channel with (ann, in #client).
		{"gwen", []string{"carla"}, 403, 0},
		{"gwen", []string{"bob"}, 403, 0},
		{"gwen", []string{"ann", "bob"}, 403, 0},
		{"gwen", []string{"ann", "carla"}, 403, 0},
		{"gwen", []string{"olga"}, 403, 0},
		{"gwen", []string{"ann"}, 200, 0},
		// Members may write to anyone; they get their own conversations only.
		{"ann", []string{"bob"}, 200, w.dm},
		{"bob", []string{"ann"}, 200, w.dm},
		{"carla", []string{"ann"}, 200, w.annCarla},
		{"carla", []string{"ann", "bob"}, 200, 0},
		{"olga", []string{"ann", "bob"}, 200, 0},
		{"rob", []string{"ann", "bob"}, 200, 0},
		{"rex", []string{"bob"}, 200, 0},
		{"carla", []string{"carla"}, 400, 0},
	}
	for _, c := range cases {
		ids := []int64{}
		for _, p := range c.peers {
			ids = append(ids, w.id[p])
		}
		before := gwenSidebar(t)
		var out struct {
			ID   int64
			Kind string
		}
		resp, body := w.c[c.actor].Do("POST", "/api/v1/channels/direct", map[string]any{"user_ids": ids})
		_ = json.Unmarshal(body, &out)
		if resp.StatusCode != c.want {
			t.Errorf("%s opens a conversation with %v: %d, want %d: %s", c.actor, c.peers, resp.StatusCode, c.want, body)
			continue
		}
		if accLeaks(resp, body) {
			t.Errorf("LEAK: %s opens a conversation with %v: %s", c.actor, c.peers, body)
		}
		if c.want >= 400 {
			if c.actor == "gwen" && gwenSidebar(t) != before {
				t.Errorf("gwen's refused conversation with %v changed her channels", c.peers)
			}
			continue
		}
		if c.same != 0 && out.ID != c.same {
			t.Errorf("%s with %v: channel %d, want the existing %d", c.actor, c.peers, out.ID, c.same)
		}
		if c.same == 0 && (out.ID == w.dm || out.ID == w.secret) {
			t.Errorf("LEAK: %s with %v got channel %d (ann and bob's, or #secret)", c.actor, c.peers, out.ID)
		}
		if len(c.peers) > 1 && out.Kind != string(model.ChannelGroup) {
			t.Errorf("%s with %v: kind %q, want group", c.actor, c.peers, out.Kind)
		}
		// What the opener reads there.
		resp, body = w.c[c.actor].Do("GET", fmt.Sprint("/api/v1/channels/", out.ID, "/posts"), nil)
		if resp.StatusCode != 200 {
			t.Errorf("%s reads the conversation it opened: %d", c.actor, resp.StatusCode)
		}
		if accLeaks(resp, body) && out.ID != w.dm {
			t.Errorf("LEAK: %s reads %s in conversation %d: %s", c.actor, accMark, out.ID, body)
		}
	}
	// A guest's refused group leaves no conversation behind.
	ids := []int64{w.id["ann"], w.id["carla"], w.id["gwen"]}
	slices.Sort(ids)
	if c, err := st.DirectChannel(context.Background(), fmt.Sprint(ids[0], ",", ids[1], ",", ids[2])); err == nil {
		t.Errorf("gwen's refused group with ann and carla exists: %+v", c)
	}
}

// WebSocket.

type accFrame struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	ChannelID int64           `json:"channel_id"`
	UserID    int64           `json:"user_id"`
	EventID   int64           `json:"event_id"`
	Data      json.RawMessage `json:"data"`
	Post      struct {
		ID        int64  `json:"id"`
		ChannelID int64  `json:"channel_id"`
		Message   string `json:"message"`
	} `json:"post"`
	raw []byte
}

// message is the text of a post.created frame.
func (f accFrame) message() string {
	var p struct{ Message string }
	_ = json.Unmarshal(f.Data, &p)
	return p.Message
}

type accSocket struct {
	who string
	ws  *websocket.Conn
	ch  chan accFrame
}

func accDial(t *testing.T, w *accWorld, who, token, query string) (*accSocket, *http.Response, error) {
	t.Helper()
	u := strings.Replace(w.srv.URL, "http://", "ws://", 1) + "/api/v1/ws" + query
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
	s := &accSocket{who: who, ws: ws, ch: make(chan accFrame, 1000)}
	go func() {
		defer close(s.ch)
		for {
			_, data, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			var f accFrame
			_ = json.Unmarshal(data, &f)
			f.raw = data
			s.ch <- f
		}
	}()
	t.Cleanup(func() { ws.CloseNow() })
	return s, resp, nil
}

// open dials as who and reads the hello.
func (w *accWorld) open(t *testing.T, who, query string) (*accSocket, accFrame) {
	t.Helper()
	s, resp, err := accDial(t, w, who, w.tok[who], query)
	if err != nil {
		t.Fatalf("dial as %s: %v (%v)", who, err, resp)
	}
	hello := s.until(t, "hello", func(seen []accFrame) bool { return len(seen) > 0 })
	if hello[0].Type != "hello" {
		t.Fatalf("%s: first frame %s", who, hello[0].raw)
	}
	return s, hello[0]
}

// until reads frames until done says so, within a deadline; it returns
// every frame read.
func (s *accSocket) until(t *testing.T, what string, done func(seen []accFrame) bool) []accFrame {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	var seen []accFrame
	for !done(seen) {
		select {
		case f, ok := <-s.ch:
			if !ok {
				t.Fatalf("%s: connection closed while waiting for %s; got %d frames", s.who, what, len(seen))
			}
			seen = append(seen, f)
		case <-deadline.C:
			var types []string
			for _, f := range seen {
				types = append(types, string(f.raw))
			}
			t.Fatalf("%s: no %s within 10 s; got:\n%s", s.who, what, strings.Join(types, "\n"))
		}
	}
	return seen
}

// closed waits until the server closes the connection (frames before are
// dropped).
func (s *accSocket) closed(t *testing.T, what string) {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case _, ok := <-s.ch:
			if !ok {
				return
			}
		case <-deadline.C:
			t.Fatalf("%s: the connection stays open after %s", s.who, what)
		}
	}
}

func (s *accSocket) typing(t *testing.T, channel int64) {
	t.Helper()
	if err := s.ws.Write(context.Background(), websocket.MessageText, fmt.Appendf(nil, `{"type":"typing","channel_id":%d}`, channel)); err != nil {
		t.Fatal(err)
	}
}

// barrier is what an outsider waits for in a channel they are in: ann's
// typing, ann's post with text msg, and its notification (typing, events
// and notifications travel separate paths, each in order).
func accBarrier(channel int64, msg string, note bool) func(seen []accFrame) bool {
	return func(seen []accFrame) bool {
		var typed, posted, noted bool
		for _, f := range seen {
			switch {
			case f.Type == "typing" && f.ChannelID == channel:
				typed = true
			case f.Type == "post.created" && f.ChannelID == channel && f.message() == msg:
				posted = true
			case f.Type == "notification" && f.Post.ChannelID == channel && f.Post.Message == msg:
				noted = true
			}
		}
		return typed && posted && (noted || !note)
	}
}

// secretFrame reports why a frame is about #secret (or ann and bob's
// conversation), "" if it is not. Events addressed to the reader alone
// (their own removal, their own saved posts) may name the channel's id,
// never its content.
func (w *accWorld) secretFrame(f accFrame, self int64) string {
	if strings.Contains(strings.ToLower(string(f.raw)), accMarkLow) {
		return "carries " + accMark
	}
	for _, id := range []int64{w.secret, w.dm} {
		if f.ChannelID == id {
			return fmt.Sprint("is an event of channel ", id)
		}
		if regexp.MustCompile(fmt.Sprintf(`"channel_id":%d\b`, id)).Match(f.raw) && !(f.ChannelID == 0 && f.UserID == self) {
			return fmt.Sprint("names channel ", id)
		}
	}
	// A guest sees the presence of the people she shares a channel with only.
	if f.Type == "presence" && self == w.id["gwen"] && f.UserID != self && f.UserID != w.id["ann"] {
		return fmt.Sprint("tells the guest the presence of user ", f.UserID)
	}
	return ""
}

func (w *accWorld) noSecret(t *testing.T, who string, frames []accFrame) {
	t.Helper()
	for _, f := range frames {
		if why := w.secretFrame(f, w.id[who]); why != "" {
			t.Errorf("LEAK over WebSocket to %s: a frame %s: %s", who, why, f.raw)
		}
	}
}

func TestAccessWebSocket(t *testing.T) {
	t.Parallel()
	w := newAccWorld(t)
	P := fmt.Sprint

	// No credential, a revoked token, an ended session: no connection.
	for _, a := range accRevoked {
		if _, resp, err := accDial(t, w, a, w.tok[a], ""); err == nil || resp == nil || resp.StatusCode != 401 {
			t.Errorf("WebSocket as %s: %v %v, want 401", a, err, resp)
		}
	}

	// Presence over HTTP: a guest only of those she shares a channel with.
	presence := fmt.Sprint("/api/v1/users/presence?ids=", w.id["ann"], ",", w.id["bob"], ",", w.id["carla"], ",", w.id["gwen"], ",", w.id["olga"])
	for _, a := range accActors {
		resp, body := w.c[a].Do("GET", presence, nil)
		var out struct{ Statuses map[string]string }
		_ = json.Unmarshal(body, &out)
		want := 200
		if slices.Contains(accRevoked, a) {
			want = 401
		}
		if resp.StatusCode != want {
			t.Errorf("presence as %s: %d, want %d", a, resp.StatusCode, want)
		}
		if a == "gwen" {
			for id := range out.Statuses {
				if id != fmt.Sprint(w.id["ann"]) && id != fmt.Sprint(w.id["gwen"]) {
					t.Errorf("LEAK: gwen (guest) gets the presence of user %s: %s", id, body)
				}
			}
			if len(out.Statuses) != 2 {
				t.Errorf("gwen's presence answer: %s, want ann and herself", body)
			}
		}
	}

	// Live: ann types and acts in #secret; only bob hears of it.
	outsiders := map[string]int64{"rob": w.town, "gwen": w.client, "carla": w.annCarla, "rex": w.annRex, "olga": w.annOlga}
	socks := map[string]*accSocket{}
	for _, a := range []string{"ann", "bob", "rob", "gwen", "carla", "rex", "olga"} {
		socks[a], _ = w.open(t, a, "")
	}
	ann := socks["ann"]
	ann.typing(t, w.secret)
	ann.typing(t, w.dm)
	for _, c := range []int64{w.town, w.client, w.annCarla, w.annRex, w.annOlga} {
		ann.typing(t, c)
	}
	live := w.post(t, "ann", w.secret, accMark+" live @channel @rob @carla @gwen @rex @olga @bob")
	reply := w.post(t, "ann", w.secret, accMark+" live reply @rob", "root_id", live)
	w.call(t, "ann", "PUT", P("/api/v1/posts/", live, "/reactions/thumbsup"), nil, 204)
	w.call(t, "ann", "PATCH", P("/api/v1/posts/", live), map[string]any{"message": accMark + " live, edited @rob"}, 200)
	w.call(t, "ann", "PUT", P("/api/v1/posts/", live, "/pin"), nil, 204)
	w.call(t, "ann", "PATCH", P("/api/v1/channels/", w.secret), map[string]any{"header": accMark + " new header"}, 200)
	w.call(t, "olga", "PATCH", P("/api/v1/channels/", w.secret), map[string]any{"purpose": accMark + " purpose by olga"}, 200)
	w.call(t, "ann", "POST", P("/api/v1/channels/", w.secret, "/members"), map[string]any{"user_id": w.id["sam2"]}, 204)
	w.call(t, "ann", "DELETE", P("/api/v1/channels/", w.secret, "/members/", w.id["sam2"]), nil, 204)
	f := w.create(t, "ann", "POST", P("/api/v1/channels/", w.secret, "/files?name=", accMark, "-live.png"), pngBytes(t, 8, 8), 201)
	w.post(t, "ann", w.secret, accMark+" live file", "file_ids", []int64{f})
	w.call(t, "ann", "DELETE", P("/api/v1/posts/", reply), nil, 204)
	w.call(t, "ann", "POST", P("/api/v1/channels/", w.secret, "/read"), nil, 204)
	w.call(t, "ann", "PATCH", P("/api/v1/channels/", w.secret, "/members/me"), map[string]any{"muted": false}, 200)
	w.post(t, "ann", w.dm, accMark+" live direct")
	w.post(t, "bob", w.secret, accMark+" bob writes too")
	// A draft is its writer's: bob's tabs hear of it, ann (in #secret too) does not.
	w.call(t, "bob", "PUT", P("/api/v1/channels/", w.secret, "/drafts"), map[string]any{"message": accMark + " bob's live draft"}, 200)
	// The barriers, after everything above.
	syncs := map[int64]string{w.town: "sync one @rob", w.client: "sync one @gwen", w.annCarla: "sync one", w.annRex: "sync one", w.annOlga: "sync one"}
	for c, msg := range syncs {
		w.post(t, "ann", c, msg)
	}
	bob := socks["bob"].until(t, "the sync post in #town", accBarrier(w.town, syncs[w.town], false))
	seen := map[string]bool{}
	for _, f := range bob {
		if f.ChannelID == w.secret || f.Post.ChannelID == w.secret {
			seen[f.Type] = true
		}
	}
	for _, typ := range []string{"typing", "post.created", "post.edited", "post.deleted", "reaction.added", "post.pinned", "channel.updated", "channel.member_added", "channel.member_removed"} {
		if !seen[typ] {
			t.Errorf("bob (a member) did not get %s of #secret; got %v", typ, seen)
		}
	}
	bobsDraft := func(f accFrame) bool {
		return f.Type == "draft.updated" && strings.Contains(string(f.raw), "live draft")
	}
	if !slices.ContainsFunc(bob, bobsDraft) {
		t.Errorf("bob's socket did not get his own draft.updated")
	}
	townSync := func(f accFrame) bool {
		return f.Type == "post.created" && f.ChannelID == w.town && f.message() == syncs[w.town]
	}
	annFrames := ann.until(t, "the sync post in #town", func(seen []accFrame) bool { return slices.ContainsFunc(seen, townSync) })
	for _, f := range annFrames {
		if strings.HasPrefix(f.Type, "draft.") {
			t.Errorf("LEAK over WebSocket to ann: bob's draft event %s", f.raw)
		}
	}
	for who, c := range outsiders {
		frames := socks[who].until(t, "the barriers", accBarrier(c, syncs[c], true))
		w.noSecret(t, who, frames)
	}

	// Resuming: rob with ?since=0 (nothing replayed), then with an event id
	// from before his removal; gwen, carla, rex and olga from the very first
	// event. No event of #secret comes back.
	socks["rob"].ws.CloseNow()
	rob, _ := w.open(t, "rob", "?since=0")
	ann2, _ := w.open(t, "ann", "")
	ann2.typing(t, w.secret)
	ann2.typing(t, w.town)
	w.post(t, "ann", w.secret, accMark+" while rob resumes @rob @channel")
	w.post(t, "ann", w.town, "sync two @rob")
	w.noSecret(t, "rob", rob.until(t, "sync two", accBarrier(w.town, "sync two @rob", true)))
	rob.ws.CloseNow()

	since := map[string]int64{"rob": w.beforeRemoval, "gwen": 1, "carla": 1, "rex": 1, "olga": 1}
	for who, from := range since {
		s, hello := w.open(t, who, P("?since=", from))
		msg := "sync three for " + who
		w.post(t, "ann", outsiders[who], msg)
		frames := s.until(t, msg, func(seen []accFrame) bool {
			return slices.ContainsFunc(seen, func(f accFrame) bool { return f.Type == "post.created" && f.message() == msg })
		})
		w.noSecret(t, who, frames)
		// The replay happened: it brought the first sync post back.
		replayed := slices.ContainsFunc(frames, func(f accFrame) bool {
			return f.ID <= hello.EventID && f.Type == "post.created" && f.message() == syncs[outsiders[who]]
		})
		if !replayed {
			t.Errorf("%s resuming from event %d: the first sync post was not replayed (the check is blind)", who, from)
		}
		s.ws.CloseNow()
	}

	// Removed while connected: tim hears of #secret, then of his removal,
	// then nothing more of it.
	tim, _ := w.open(t, "timA", "")
	w.post(t, "ann", w.secret, accMark+" before tim's removal")
	tim.until(t, "the post in #secret", func(seen []accFrame) bool {
		return slices.ContainsFunc(seen, func(f accFrame) bool { return f.Type == "post.created" && f.ChannelID == w.secret })
	})
	w.call(t, "ann", "DELETE", P("/api/v1/channels/", w.secret, "/members/", w.id["tim"]), nil, 204)
	tim.until(t, "his removal", func(seen []accFrame) bool {
		return slices.ContainsFunc(seen, func(f accFrame) bool { return f.Type == "channel.member_removed" })
	})
	ann3, _ := w.open(t, "ann", "")
	ann3.typing(t, w.secret)
	ann3.typing(t, w.devGeneral)
	w.post(t, "ann", w.secret, accMark+" after tim's removal @tim @channel")
	w.post(t, "ann", w.devGeneral, "sync four @tim")
	w.noSecret(t, "timA", tim.until(t, "sync four", accBarrier(w.devGeneral, "sync four @tim", true)))

	// Revoking a token closes its socket, and it cannot connect again.
	var pat struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal(w.call(t, "timA", "POST", "/api/v1/users/me/tokens", map[string]string{"name": "ws"}, 201), &pat); err != nil {
		t.Fatal(err)
	}
	w.tok["timPAT"] = pat.Token
	patSock, _ := w.open(t, "timPAT", "")
	w.call(t, "timA", "DELETE", P("/api/v1/users/me/tokens/", pat.ID), nil, 204)
	patSock.closed(t, "its token was revoked")
	if _, resp, err := accDial(t, w, "timPAT", pat.Token, ""); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("WebSocket with a revoked token: %v %v, want 401", err, resp)
	}
	// Ending the session closes its socket, and it cannot connect again.
	w.call(t, "timA", "DELETE", "/api/v1/sessions/current", nil, 204)
	tim.closed(t, "its session ended")
	if _, resp, err := accDial(t, w, "timA", w.tok["timA"], ""); err == nil || resp == nil || resp.StatusCode != 401 {
		t.Errorf("WebSocket with an ended session: %v %v, want 401", err, resp)
	}
}

// TestAccessOutgoingHooks: an outgoing webhook sends the posts of its
// channel to its creator's URL, so it must stop when its creator may no
// longer read the channel (removed from it, removed from the team,
// disabled), and must not send a channel's posts to someone who never
// could read them (an org admin managing a private channel's hooks).
// Incoming hooks check their creator at every use; outgoing ones must too.
func TestAccessOutgoingHooks(t *testing.T) {
	t.Parallel()
	w := newAccWorld(t)
	type request struct{ path, text string }
	requests := make(chan request, 64)
	recv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		vals, _ := url.ParseQuery(string(data))
		requests <- request{r.URL.Path, vals.Get("text")}
		rw.WriteHeader(http.StatusNoContent) // no answer to post back
	}))
	defer recv.Close()
	// The app's dispatcher, allowed to reach the loopback receiver, with one
	// worker: requests come in the order of the posts. (The app's own
	// dispatcher refuses 127.0.0.1 without claiming the post.)
	out := chat.NewOutgoing(w.srv.App.Chat, w.srv.App.Bus, slog.New(slog.NewTextHandler(io.Discard, nil)),
		chat.OutgoingOptions{AllowPrivate: true, Workers: 1})
	if err := out.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	hook := func(who string, channel int64, path string) {
		w.call(t, who, "POST", fmt.Sprint("/api/v1/channels/", channel, "/outgoing-hooks"),
			map[string]any{"name": path, "trigger_words": []string{"report"}, "callback_url": recv.URL + "/" + path}, 201)
	}
	// A control hook of ann's in #town: its request is the barrier after
	// which an earlier post's request would have arrived.
	hook("ann", w.town, "control")
	n := 0
	// sent posts msg in channel as ann, then a control post, and reports
	// whether msg reached path before the control did.
	sent := func(channel int64, msg, path string) bool {
		t.Helper()
		n++
		control := fmt.Sprint("report control ", n)
		w.post(t, "ann", channel, msg)
		w.post(t, "ann", w.town, control)
		got := false
		deadline := time.After(10 * time.Second)
		for {
			select {
			case r := <-requests:
				if r.path == "/"+path && r.text == msg {
					got = true
				}
				if r.path == "/control" && r.text == control {
					return got
				}
			case <-deadline:
				t.Fatalf("the control request %q never came", control)
			}
		}
	}
	private := func(owner, name string) int64 {
		id := w.create(t, owner, "POST", fmt.Sprint("/api/v1/teams/", w.dev, "/channels"), map[string]any{"name": name, "kind": "private"}, 201)
		w.call(t, owner, "POST", fmt.Sprint("/api/v1/channels/", id, "/members"), map[string]any{"user_id": w.id["ann"]}, 204)
		hook(owner, id, name)
		if !sent(id, "report "+accMark+" while "+owner+" is in "+name, name) {
			t.Fatalf("%s's hook in %s does not work: the checks below would be blind", owner, name)
		}
		return id
	}

	t.Run("creator removed from the channel", func(t *testing.T) {
		vault := private("bob", "vault")
		w.call(t, "ann", "DELETE", fmt.Sprint("/api/v1/channels/", vault, "/members/", w.id["bob"]), nil, 204) // ann is team admin
		if sent(vault, "report "+accMark+" after bob left vault", "vault") {
			t.Error("LEAK: bob, removed from #vault, still receives its posts through his outgoing webhook")
		}
	})
	t.Run("creator removed from the team", func(t *testing.T) {
		den := private("rob", "den")
		w.call(t, "ann", "DELETE", fmt.Sprint("/api/v1/teams/", w.dev, "/members/", w.id["rob"]), nil, 204)
		if sent(den, "report "+accMark+" after rob left the team", "den") {
			t.Error("LEAK: rob, removed from the team, still receives #den's posts through his outgoing webhook")
		}
	})
	t.Run("creator disabled", func(t *testing.T) {
		attic := private("timA", "attic")
		w.call(t, "olga", "PATCH", fmt.Sprint("/api/v1/users/", w.id["tim"]), map[string]any{"disabled": true}, 200)
		if sent(attic, "report "+accMark+" after tim was disabled", "attic") {
			t.Error("LEAK: tim, disabled, still receives #attic's posts through his outgoing webhook")
		}
	})
	t.Run("creator never a reader", func(t *testing.T) {
		// olga may manage #secret's hooks (access: admin may channel.hooks)
		// but may not read it (GET its posts: 404).
		w.call(t, "olga", "GET", fmt.Sprint("/api/v1/channels/", w.secret, "/posts"), nil, 404)
		hook("olga", w.secret, "olga")
		if sent(w.secret, "report "+accMark+" for olga?", "olga") {
			t.Error("LEAK: olga, who may not read #secret, receives its posts through an outgoing webhook she made")
		}
	})
}

// TestAccessTeamInvitations: a team admin's invitation into their (closed)
// team lets people in only while its creator may still invite so: once they
// are removed from the team, no longer its admin, or disabled, the link is
// as good as revoked (404), or a removed admin could come back through a
// link made earlier, under a new account, and read the team again.
func TestAccessTeamInvitations(t *testing.T) {
	t.Parallel()
	w := newAccWorld(t)
	invite := func(who string, team int64) string {
		var out struct{ URL string }
		if err := json.Unmarshal(w.call(t, who, "POST", "/api/v1/invitations", map[string]any{"role": "member", "team_id": team}, 201), &out); err != nil {
			t.Fatal(err)
		}
		i := strings.LastIndex(out.URL, "/invite/")
		if i < 0 {
			t.Fatalf("invitation url %q", out.URL)
		}
		return out.URL[i+len("/invite/"):]
	}
	n := 0
	var lastBody []byte
	accept := func(t *testing.T, secret string) (int, int64) {
		n++
		var out struct {
			User struct{ ID int64 }
		}
		resp, body := w.srv.Client(t).Do("POST", "/api/v1/invitations/accept", map[string]any{"token": secret, // a new browser each time
			"login": fmt.Sprint("newcomer", n), "password": "a long enough password"})
		lastBody = body
		_ = json.Unmarshal(body, &out)
		return resp.StatusCode, out.User.ID
	}
	inTeam := func(team, user int64) bool {
		_, err := w.srv.App.Store.TeamMember(context.Background(), team, user)
		return err == nil
	}

	// Working links first: the checks below would be blind otherwise.
	if st, id := accept(t, invite("bob", w.bobTeam)); st != 201 || !inTeam(w.bobTeam, id) {
		t.Fatalf("bob's invitation into bobteam: %d, in the team: %v", st, inTeam(w.bobTeam, id))
	}

	// Each case: a team whose admin made a link, then lost the right to invite.
	cases := []struct {
		name, admin string
		lose        func(team int64)
	}{
		{"admin removed from the team", "carla", func(team int64) {
			w.call(t, "olga", "DELETE", fmt.Sprint("/api/v1/teams/", team, "/members/", w.id["carla"]), nil, 204)
		}},
		{"admin demoted to member", "rob", func(team int64) {
			w.call(t, "olga", "POST", fmt.Sprint("/api/v1/teams/", team, "/members"), map[string]any{"user_id": w.id["rob"], "admin": false}, 204)
		}},
		{"admin disabled", "rex", func(int64) {
			w.call(t, "olga", "PATCH", fmt.Sprint("/api/v1/users/", w.id["rex"]), map[string]any{"disabled": true}, 200)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			team := w.create(t, c.admin, "POST", "/api/v1/teams", map[string]any{"name": "closed-" + c.admin}, 201)
			secret := invite(c.admin, team)
			c.lose(team)
			st, id := accept(t, secret)
			if st != 404 {
				t.Errorf("the invitation of a team admin who lost the right: %d, want 404 (%s)", st, lastBody)
			}
			if id != 0 && inTeam(team, id) {
				t.Errorf("LEAK: an account made through %s's stale invitation joined their former (closed) team", c.admin)
			}
		})
	}
}
