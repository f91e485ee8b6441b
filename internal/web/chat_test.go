package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/auth"
	"ruche/internal/blob"
	"ruche/internal/bus"
	"ruche/internal/chat"
	"ruche/internal/httpx"
	"ruche/internal/model"
	"ruche/internal/testutil"
	"ruche/internal/web"
)

// newChatEnv is newEnv with the chat service behind the pages.
func newChatEnv(t *testing.T) (*env, *chat.Service) {
	t.Helper()
	st := testutil.NewStore(t)
	blobs, err := blob.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := bus.NewLocal()
	t.Cleanup(func() { b.Close() })
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := auth.New(st, b, log, auth.Options{})
	acc := account.New(st, blobs, b, a, log, nil)
	cs := chat.New(st, b, log, nil)
	netw := httpx.Network{}
	h, err := web.New(web.Deps{Auth: a, Accounts: acc, Chat: cs, Net: netw, Log: log, BaseURL: "http://ruche.example", SessionMaxAge: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Routes(mux)
	var handler http.Handler = mux
	handler = httpx.Authenticator{Auth: a, Net: netw, Log: log}.Middleware(handler)
	handler = httpx.Protect(log, handler)
	handler = httpx.Compress(handler)
	handler = httpx.SecurityHeaders(handler)
	handler = httpx.Recover(log, handler)
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return &env{t: t, srv: srv, accounts: acc, auth: a}, cs
}

// chatWorld is a team with a public, a private and a shared channel, a
// member, an outsider to the private channel and a guest.
type chatWorld struct {
	e                       *env
	cs                      *chat.Service
	team                    model.Team
	general, secret, shared model.Channel
	owner, member, guest    model.User
	ownerB, memberB, guestB *browser
}

func act(u model.User) access.Actor { return access.ActorOf(u) }

func newChatWorld(t *testing.T) *chatWorld {
	t.Helper()
	e, cs := newChatEnv(t)
	w := &chatWorld{e: e, cs: cs}
	w.ownerB, w.owner = e.signedIn("owner", "Olivia Owner", model.RoleMember)
	w.memberB, w.member = e.signedIn("member", "Marc Member", model.RoleMember)
	w.guestB, w.guest = e.signedIn("client", "Claire Client", model.RoleGuest)
	ctx := context.Background()
	var err error
	if w.team, err = cs.CreateTeam(ctx, act(w.owner), chat.NewTeam{Name: "coop", DisplayName: "Coopérative", Open: true}); err != nil {
		t.Fatal(err)
	}
	must(t, cs.JoinTeam(ctx, act(w.member), w.team.ID))
	must(t, cs.AddTeamMember(ctx, act(w.owner), w.team.ID, w.guest.ID, false))
	side, err := cs.Sidebar(ctx, act(w.owner))
	if err != nil || len(side) != 1 {
		t.Fatalf("sidebar %v %v", side, err)
	}
	w.general = side[0].Channel
	if w.secret, err = cs.CreateChannel(ctx, act(w.owner), w.team.ID, chat.NewChannel{Name: "direction", DisplayName: "Direction", Kind: model.ChannelPrivate}); err != nil {
		t.Fatal(err)
	}
	if w.shared, err = cs.CreateChannel(ctx, act(w.owner), w.team.ID, chat.NewChannel{Name: "sav", DisplayName: "SAV Dupont", Shared: true, Purpose: "Suivi du client"}); err != nil {
		t.Fatal(err)
	}
	must(t, cs.AddChannelMember(ctx, act(w.owner), w.shared.ID, w.guest.ID))
	return w
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (w *chatWorld) post(u model.User, c model.Channel, msg string, root int64) chat.PostView {
	w.e.t.Helper()
	p, err := w.cs.CreatePost(context.Background(), act(u), c.ID, chat.NewPost{Message: msg, RootID: root})
	if err != nil {
		w.e.t.Fatalf("post %q: %v", msg, err)
	}
	return p
}

func cpath(c model.Channel) string { return "/chat/c/" + itoa(c.ID) }

func TestChatChannelPage(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	w.post(w.owner, w.general, "Bonjour **tout le monde**, voir ~general", 0)
	root := w.post(w.member, w.general, "Une question pour @owner :tada:", 0)
	w.post(w.owner, w.general, "Une réponse", root.ID)
	w.post(w.guest, w.shared, "Notre commande n'est pas arrivée", 0)

	p := w.ownerB.get(cpath(w.general))
	wantStatus(t, "channel page", p, http.StatusOK)
	checkPage(t, "channel page", p)
	wantBody(t, "channel page",
		p, "Bonjour <strong>tout le monde</strong>", // the post's sanitized HTML, as HTML
		`<span class="mention" data-login="owner">@Olivia Owner</span>`, "🎉",
		`href="/chat/c/`+itoa(w.general.ID)+`"`, // the ~general link
		">Direction<", ">SAV Dupont<", ">Coopérative<", // the sidebar and the team
		"1 reply", "New messages", // the line before the member's post, unread for the owner
		`data-channel="`+itoa(w.general.ID)+`"`, `data-event="`, "2 members", `id="msg"`)
	if m := regexp.MustCompile(`data-event="(\d+)"`).FindStringSubmatch(p.body); m == nil || m[1] == "0" {
		t.Errorf("no event position in the page: %v", m)
	}
	// The unread line sits before the first post of someone else after the read position.
	if i, j := strings.Index(p.body, "New messages"), strings.Index(p.body, "Une question"); i < 0 || j < i || strings.Index(p.body, "tout le monde") > i {
		t.Error("the new messages line is misplaced")
	}
	// The guest is marked external in the member's view of the shared channel.
	p = w.ownerB.get(cpath(w.shared))
	wantStatus(t, "shared channel", p, http.StatusOK)
	wantBody(t, "shared channel", p, "Claire Client", `<span class="badge ext">External</span>`, "Shared", "Suivi du client", "2 members")

	// The thread's permalink shows the channel with the thread open.
	p = w.ownerB.get("/chat/p/" + itoa(root.ID))
	wantStatus(t, "permalink", p, http.StatusOK)
	checkPage(t, "permalink", p)
	wantBody(t, "permalink", p, `id="t`+itoa(root.ID)+`"`, "Une réponse", `name="root_id" value="`+itoa(root.ID)+`"`)

	// French.
	fr := w.e.browser()
	fr.c = w.memberB.c
	fr.lang = "fr"
	p = fr.get(cpath(w.general))
	wantBody(t, "French channel page", p, `lang="fr"`, "Canaux", "Messages directs", "Écrire dans General", "2 membres", "Aujourd&#39;hui")
	if strings.Contains(p.body, "New messages") || strings.Contains(p.body, "Write to") {
		t.Error("English words on the French page")
	}
}

func TestChatRefusals(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	w.post(w.owner, w.secret, "Le budget confidentiel", 0)

	// Not a member of a private channel: it does not exist.
	p := w.memberB.get(cpath(w.secret))
	wantStatus(t, "member on a private channel", p, http.StatusNotFound)
	if strings.Contains(p.body, "budget confidentiel") || strings.Contains(p.body, "Direction") {
		t.Error("the private channel leaks")
	}
	// A guest sees only the channels shared with them.
	wantStatus(t, "guest on a team channel", w.guestB.get(cpath(w.general)), http.StatusNotFound)
	wantStatus(t, "guest on a private channel", w.guestB.get(cpath(w.secret)), http.StatusNotFound)
	p = w.guestB.get(cpath(w.shared))
	wantStatus(t, "guest on the shared channel", p, http.StatusOK)
	checkPage(t, "guest page", p)
	for _, leak := range []string{"Direction", ">General<", "Coopérative", `data-act="new-direct"`, `data-act="browse"`} {
		if strings.Contains(p.body, leak) {
			t.Errorf("the guest's page shows %q", leak)
		}
	}
	// A post's permalink follows the channel's rule.
	secret := w.post(w.owner, w.secret, "Encore", 0)
	wantStatus(t, "guest permalink", w.guestB.get("/chat/p/"+itoa(secret.ID)), http.StatusNotFound)
	// Signed out: to the login form.
	wantRedirect(t, "signed out", w.e.browser().get(cpath(w.general)), "/login?next=%2Fchat%2Fc%2F"+itoa(w.general.ID))
	wantStatus(t, "malformed id", w.ownerB.get("/chat/c/01"), http.StatusNotFound)
}

func TestChatHome(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	// The first visit goes to the team's default channel, later ones to the last channel seen.
	wantRedirect(t, "first visit", w.memberB.get("/chat"), cpath(w.general))
	wantStatus(t, "shared", w.ownerB.get(cpath(w.shared)), http.StatusOK)
	wantRedirect(t, "last visited", w.ownerB.get("/chat"), cpath(w.shared))
	wantRedirect(t, "team", w.ownerB.get("/chat/t/"+itoa(w.team.ID)), cpath(w.shared))

	// Nobody in a team: the page to join or create one.
	lone, _ := w.e.signedIn("lone", "Lou Lone", model.RoleMember)
	p := lone.get("/chat")
	wantStatus(t, "empty state", p, http.StatusOK)
	checkPage(t, "empty state", p)
	wantBody(t, "empty state", p, "Welcome to the chat", "Coopérative", `action="/chat/teams/`+itoa(w.team.ID)+`/join"`, `action="/chat/teams"`)

	// Joining through the form lands in the team's channel.
	wantRedirect(t, "join team", lone.submit("/chat", "/chat/teams/"+itoa(w.team.ID)+"/join", url.Values{}), "/chat/t/"+itoa(w.team.ID))
	wantRedirect(t, "after joining", lone.get("/chat"), cpath(w.general))

	// Creating a team; a taken name is said so, in the form.
	p = lone.submit("/chat/teams", "/chat/teams", url.Values{"name": {"coop"}, "display_name": {"Autre"}})
	wantStatus(t, "taken team name", p, http.StatusConflict)
	wantBody(t, "taken team name", p, "A team already has this address.", `value="Autre"`)
	p = lone.submit("/chat/teams", "/chat/teams", url.Values{"name": {"Pas bon!"}, "display_name": {"Autre"}})
	wantStatus(t, "bad team name", p, http.StatusBadRequest)
	wantBody(t, "bad team name", p, "The address must have 1 to 64 characters")
	p = lone.submit("/chat/teams", "/chat/teams", url.Values{"name": {"atelier"}, "display_name": {"Atelier"}, "open": {"1"}})
	wantStatus(t, "create team", p, http.StatusSeeOther)
	p = lone.get(p.header.Get("Location"))
	wantStatus(t, "new team", p, http.StatusSeeOther)
	wantBody(t, "new team", lone.get(p.header.Get("Location")), ">Atelier<", ">General<")

	// A guest in no channel is told to wait for an invitation.
	g, _ := w.e.signedIn("guest2", "Gus", model.RoleGuest)
	p = g.get("/chat")
	wantStatus(t, "guest empty state", p, http.StatusOK)
	wantBody(t, "guest empty state", p, "You have not been added to a channel yet.")
	if strings.Contains(p.body, `action="/chat/teams"`) {
		t.Error("a guest is offered to create a team")
	}
}

func TestChatWithoutScripts(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	// Posting and replying through the page's forms.
	p := w.memberB.submit(cpath(w.general), cpath(w.general)+"/posts", url.Values{"message": {"Écrit *sans* script"}})
	wantRedirect(t, "post", p, cpath(w.general))
	wantBody(t, "after posting", w.ownerB.get(cpath(w.general)), "Écrit <em>sans</em> script")
	posts, err := w.cs.Posts(context.Background(), act(w.owner), w.general.ID, 0, 10)
	if err != nil || len(posts) != 1 {
		t.Fatalf("posts = %v, %v", posts, err)
	}
	p = w.ownerB.submit(cpath(w.general), cpath(w.general)+"/posts", url.Values{"message": {"Réponse"}, "root_id": {itoa(posts[0].ID)}})
	wantStatus(t, "reply", p, http.StatusSeeOther)
	wantBody(t, "thread", w.ownerB.get(p.header.Get("Location")), "Réponse", "1 reply")
	// Without the CSRF token nothing is written.
	wantStatus(t, "no csrf", w.ownerB.post(cpath(w.general)+"/posts", url.Values{"message": {"forged"}}), http.StatusForbidden)
	// A guest may not post where they are not a member.
	wantStatus(t, "guest post", w.guestB.submit(cpath(w.shared), cpath(w.general)+"/posts", url.Values{"message": {"x"}}), http.StatusNotFound)

	// Previewing a public channel, then joining it from the page.
	open, err := w.cs.CreateChannel(context.Background(), act(w.owner), w.team.ID, chat.NewChannel{Name: "ouvert", DisplayName: "Ouvert"})
	must(t, err)
	p = w.memberB.get(cpath(open))
	wantStatus(t, "preview", p, http.StatusOK)
	wantBody(t, "preview", p, "You are reading this channel without being a member.", `action="`+cpath(open)+`/join"`)
	if strings.Contains(p.body, `id="msg"`) {
		t.Error("a composer in a channel one is not a member of")
	}
	wantRedirect(t, "join", w.memberB.submit(cpath(open), cpath(open)+"/join", url.Values{}), cpath(open))
	wantBody(t, "joined", w.memberB.get(cpath(open)), `id="msg"`)

	// An archived channel is read-only, and says so.
	yes := true
	_, err = w.cs.UpdateChannel(context.Background(), act(w.owner), open.ID, chat.ChannelUpdate{Archived: &yes})
	must(t, err)
	p = w.memberB.get(cpath(open))
	wantBody(t, "archived", p, "This channel is archived")
	if strings.Contains(p.body, `id="msg"`) {
		t.Error("a composer in an archived channel")
	}
}

func TestChatHostileNames(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	bad := `<img src=x onerror=alert(1)>`
	_, err := w.cs.CreateChannel(context.Background(), act(w.owner), w.team.ID, chat.NewChannel{Name: "x", DisplayName: bad, Purpose: bad, Header: bad})
	must(t, err)
	w.e.user("evil", bad, model.RoleMember)
	w.post(w.owner, w.general, bad+" <script>alert(1)</script>", 0)
	for _, path := range []string{cpath(w.general), "/chat/teams"} {
		p := w.ownerB.get(path)
		wantStatus(t, path, p, http.StatusOK)
		checkPage(t, path, p)
		if strings.Contains(p.body, "<img src=x") || strings.Contains(p.body, "<script>alert") {
			t.Errorf("%s: hostile text unescaped", path)
		}
	}
}

func TestChatAssets(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	p := w.ownerB.get(cpath(w.general))
	entry := regexp.MustCompile(`<script type="module" src="(/static/chat\.[0-9a-f]{8}\.js)"></script>`).FindStringSubmatch(p.body)
	words := regexp.MustCompile(`data-words="(/static/chat-words\.en\.[0-9a-f]{8}\.json)"`).FindStringSubmatch(p.body)
	preload := regexp.MustCompile(`<link rel="modulepreload" href="(/static/chat-[a-z]+\.[0-9a-f]{8}\.js)">`).FindAllStringSubmatch(p.body, -1)
	if entry == nil || words == nil || len(preload) < 5 {
		t.Fatalf("chat assets missing: entry %v, words %v, preload %d", entry, words, len(preload))
	}
	get := func(path string) []byte {
		req, _ := http.NewRequest(http.MethodGet, w.e.srv.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
			t.Fatalf("%s: %d %v", path, res.StatusCode, res.Header)
		}
		body, _ := io.ReadAll(res.Body)
		if res.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			body, _ = io.ReadAll(zr)
		}
		return body
	}
	// Every module imports its siblings by hashed URL, and those exist.
	importRE := regexp.MustCompile(`(?:from|import\()\s*"([^"]+)"`)
	seen := map[string]bool{}
	queue := []string{entry[1]}
	for len(queue) > 0 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		for _, m := range importRE.FindAllStringSubmatch(string(get(path)), -1) {
			if !regexp.MustCompile(`^/static/chat-[a-z]+\.[0-9a-f]{8}\.js$`).MatchString(m[1]) {
				t.Errorf("%s imports %q, not a hashed module", path, m[1])
				continue
			}
			queue = append(queue, m[1])
		}
	}
	if len(seen) < 6 {
		t.Errorf("only %d modules reached from the entry", len(seen))
	}
	for _, m := range preload {
		if !seen[m[1]] {
			t.Errorf("preloaded %s is not imported", m[1])
		}
	}
	var dict map[string]string
	if err := json.Unmarshal(get(words[1]), &dict); err != nil || dict["chat.new_messages"] != "New messages" {
		t.Errorf("words: %v %v", err, dict["chat.new_messages"])
	}
	for _, css := range []string{`chat\.[0-9a-f]{8}\.css`, `chat-code\.[0-9a-f]{8}\.css`} {
		m := regexp.MustCompile(`href="(/static/` + css + `)"`).FindStringSubmatch(p.body)
		if m == nil {
			t.Fatalf("no %s", css)
		}
		get(m[1])
	}
}

// When every post of the first page is unread, the first unread one is
// further back: the page draws no line at its top, and offers the jump.
func TestChatUnreadBeyondPage(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	w.post(w.owner, w.general, "lu", 0)
	for i := range 61 {
		w.post(w.member, w.general, "non lu "+itoa(int64(i)), 0)
	}
	p := w.ownerB.get(cpath(w.general))
	wantStatus(t, "channel", p, http.StatusOK)
	wantBody(t, "channel", p, `data-more="true"`, "non lu 60", `id="jump-unread"`)
	if strings.Contains(p.body, `id="new-line"`) {
		t.Error("a new messages line at the top of a page that is all unread")
	}
	// Someone who wrote every post has nothing unread.
	p = w.memberB.get(cpath(w.general))
	if strings.Contains(p.body, `id="new-line"`) {
		t.Error("a new messages line for someone who wrote everything")
	}
}

// The page carries what the scripts need for presence, saved posts and
// following: a presence dot (labelled) beside direct messages, the Saved
// view's button, the members button and dialog, and the thread's follow
// button in the state the server knows.
func TestChatPresenceSavedFollow(t *testing.T) {
	t.Parallel()
	w := newChatWorld(t)
	ctx := context.Background()
	dm, err := w.cs.OpenDirect(ctx, act(w.owner), []int64{w.member.ID})
	if err != nil {
		t.Fatal(err)
	}
	w.post(w.member, dm, "Salut", 0)
	root := w.post(w.member, w.general, "Un fil", 0)

	p := w.ownerB.get(cpath(w.general))
	wantStatus(t, "channel page", p, http.StatusOK)
	checkPage(t, "channel page", p)
	wantBody(t, "channel page", p,
		`<span class="presence" data-user="`+itoa(w.member.ID)+`" data-status="offline"><span class="sr">Offline</span></span>`,
		`data-act="saved"`, ">Saved<", `data-act="members"`, `id="dlg-members"`, "Members of General",
		`data-when-on="Remove from saved" data-when-off="Save for later"`, `data-when-on="Unpin"`)
	if strings.Count(p.body, `class="presence"`) != 1 {
		t.Errorf("%d presence dots, want one (the direct message)", strings.Count(p.body, `class="presence"`))
	}

	// The thread's permalink: not followed, then followed.
	p = w.ownerB.get("/chat/p/" + itoa(root.ID))
	wantBody(t, "permalink", p, `data-act="follow" data-following="false"`, ">Follow</button>")
	must(t, w.cs.Follow(ctx, act(w.owner), root.ID, true))
	p = w.ownerB.get("/chat/p/" + itoa(root.ID))
	wantBody(t, "followed permalink", p, `data-act="follow" data-following="true"`, ">Unfollow</button>")

	// French.
	fr := w.e.browser()
	fr.c = w.ownerB.c
	fr.lang = "fr"
	p = fr.get("/chat/p/" + itoa(root.ID))
	wantBody(t, "French permalink", p, `<span class="sr">Hors ligne</span>`, ">Ne plus suivre</button>", ">Gardés<", "Membres de General")
}
