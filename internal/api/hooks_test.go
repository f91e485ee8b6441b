package api_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"ruche/internal/bus"
	"ruche/internal/chat"
	"ruche/internal/model"
	"ruche/internal/testutil"
)

// chatFixture is a server with a team "ops" whose channel "alerts" ann
// manages; bob is a plain member of both.
type chatFixture struct {
	srv        *testutil.Server
	ann, bob   *testutil.Client
	annUser    model.User
	bobUser    model.User
	team       int64
	channel    int64
	general    int64
	hookPath   string // path of an incoming hook of "alerts", made by ann
	hookID     int64
	annBearer  string
	rootClient *testutil.Client
}

func newChatFixture(t *testing.T) *chatFixture {
	t.Helper()
	f := &chatFixture{srv: testutil.NewServer(t, testutil.ServerOptions{})}
	f.annUser = f.srv.CreateUser(t, "ann", model.RoleMember, pw)
	f.bobUser = f.srv.CreateUser(t, "bob", model.RoleMember, pw)
	f.srv.CreateUser(t, "root", model.RoleAdmin, pw)
	f.ann, f.bob, f.rootClient = f.srv.Client(t), f.srv.Client(t), f.srv.Client(t)
	f.annBearer = f.ann.Login("ann", pw)
	f.ann.Bearer = f.annBearer
	f.bob.Bearer = f.bob.Login("bob", pw)
	f.rootClient.Bearer = f.rootClient.Login("root", pw)

	var team model.Team
	if st := f.ann.JSON("POST", "/api/v1/teams", map[string]any{"name": "ops", "display_name": "Ops"}, &team); st != 201 {
		t.Fatalf("create team: %d", st)
	}
	f.team = team.ID
	var ch model.Channel
	if st := f.ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), map[string]any{"name": "alerts", "shared": true}, &ch); st != 201 {
		t.Fatalf("create channel: %d", st)
	}
	f.channel = ch.ID
	var chans struct{ Items []model.Channel }
	f.ann.JSON("GET", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), nil, &chans)
	for _, c := range chans.Items {
		if c.Name == chat.DefaultChannel {
			f.general = c.ID
		}
	}
	f.addMember(t, f.bobUser.ID, f.channel)
	var hook struct {
		ID  int64  `json:"id"`
		URL string `json:"url"`
	}
	if st := f.ann.JSON("POST", fmt.Sprint("/api/v1/channels/", f.channel, "/hooks"), map[string]string{"name": "Alerts"}, &hook); st != 201 {
		t.Fatalf("create hook: %d", st)
	}
	f.hookPath, f.hookID = hookPath(t, hook.URL), hook.ID
	return f
}

func (f *chatFixture) addMember(t *testing.T, userID, channelID int64) {
	t.Helper()
	f.ann.JSON("POST", fmt.Sprint("/api/v1/teams/", f.team, "/members"), map[string]any{"user_id": userID}, nil)
	if st := f.ann.JSON("POST", fmt.Sprint("/api/v1/channels/", channelID, "/members"), map[string]any{"user_id": userID}, nil); st != 204 {
		t.Fatalf("add %d to channel %d: %d", userID, channelID, st)
	}
}

// hookPath checks a hook URL and returns its path.
func hookPath(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil || !strings.HasPrefix(u.Path, "/hooks/") || len(u.Path) < len("/hooks/")+43 {
		t.Fatalf("hook URL %q", raw)
	}
	return u.Path
}

// postHook sends a body to an incoming hook and returns the status and answer.
func postHook(t *testing.T, srv *testutil.Server, path, contentType string, body []byte, header ...string) (int, string, http.Header) {
	t.Helper()
	req, err := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), resp.Header
}

// hookPost is a post as the API returns it, with what webhook tests look at.
type hookPost struct {
	ID      int64  `json:"id"`
	RootID  int64  `json:"root_id"`
	Message string `json:"message"`
	HTML    string `json:"html"`
	Author  struct {
		ID    int64  `json:"id"`
		Login string `json:"login"`
		Bot   bool   `json:"bot"`
	} `json:"author"`
	Props *struct {
		FromWebhook       bool   `json:"from_webhook"`
		OverrideUsername  string `json:"override_username"`
		OverrideIconURL   string `json:"override_icon_url"`
		OverrideIconEmoji string `json:"override_icon_emoji"`
	} `json:"props"`
}

func latestPost(t *testing.T, c *testutil.Client, channel int64) hookPost {
	t.Helper()
	var page struct{ Items []hookPost }
	if st := c.JSON("GET", fmt.Sprint("/api/v1/channels/", channel, "/posts?limit=1"), nil, &page); st != 200 || len(page.Items) != 1 {
		t.Fatalf("latest post of %d: %d %+v", channel, st, page)
	}
	return page.Items[0]
}

// textOf returns the text a browser shows for an HTML fragment.
func textOf(fragment string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		}
	}
}

// webhookTestdata finds the shared folder of real webhook payloads, next to
// the module's folder.
func webhookTestdata(t *testing.T) string {
	t.Helper()
	for _, dir := range []string{"../../../shared/testdata/webhooks", "../../../../shared/testdata/webhooks"} {
		if _, err := os.Stat(filepath.Join(dir, "README.md")); err == nil {
			return dir
		}
	}
	t.Skip("shared/testdata/webhooks not found next to the module")
	return ""
}

var backticked = regexp.MustCompile("`([^`]+)`")

// expectations reads the README's table: for each payload file, the texts
// that must appear in the post it makes. Quoted Slack markup (with "<") only
// explains where a text comes from.
func expectations(t *testing.T, dir string) map[string][]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.ReplaceAll(sc.Text(), `\|`, "\x00")
		cols := strings.Split(line, "|")
		if len(cols) < 3 {
			continue
		}
		file := strings.TrimSpace(cols[1])
		if !strings.HasSuffix(file, ".json") && !strings.HasSuffix(file, ".form") {
			continue
		}
		for _, m := range backticked.FindAllStringSubmatch(cols[len(cols)-2], -1) {
			if s := strings.ReplaceAll(m[1], "\x00", "|"); !strings.Contains(s, "<") {
				out[file] = append(out[file], s)
			}
		}
	}
	return out
}

func TestIncomingWebhookPayloads(t *testing.T) {
	t.Parallel()
	dir := webhookTestdata(t)
	want := expectations(t, dir)
	f := newChatFixture(t)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		name := e.Name()
		ct := ""
		switch filepath.Ext(name) {
		case ".json":
			ct = "application/json"
		case ".form":
			ct = "application/x-www-form-urlencoded"
		default:
			continue
		}
		n++
		texts := want[name]
		if len(texts) == 0 {
			t.Errorf("%s: no expected text in the README", name)
			continue
		}
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		st, answer, h := postHook(t, f.srv, f.hookPath, ct, body)
		if st != 200 || answer != "ok" || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
			t.Errorf("%s: %d %q (%s)", name, st, answer, h.Get("Content-Type"))
			continue
		}
		p := latestPost(t, f.bob, f.channel)
		shown := textOf(p.HTML)
		for _, s := range texts {
			if !strings.Contains(shown, s) {
				t.Errorf("%s: the post does not show %q:\n%s", name, s, p.HTML)
			}
		}
		if p.Props == nil || !p.Props.FromWebhook || p.Author.ID != f.annUser.ID {
			t.Errorf("%s: post not marked as from the hook of ann: %+v %+v", name, p.Props, p.Author)
		}
		if strings.Contains(p.HTML, "style=") || strings.Contains(p.HTML, "<img") {
			t.Errorf("%s: inline style or image: %s", name, p.HTML)
		}
		switch name {
		case "gitea-push.json":
			if !strings.Contains(p.HTML, `>test/repo</a>`) || strings.Contains(shown, "http://localhost:3000") {
				t.Errorf("gitea link shows its URL, not its label: %s", p.HTML)
			}
		case "grafana-firing-image.json":
			for _, s := range []string{`data-color="#d63232"`, `class="attachment-image"`, `href="https://www.example.com/test.png"`,
				`<a href="http://localhost/alerting/list" rel="noopener noreferrer nofollow" target="_blank">[FIRING:1]  (val1)</a>`,
				`Grafana v11.0.0 · <time datetime="2024-03-12T08:30:00Z">`} {
				if !strings.Contains(p.HTML, s) {
					t.Errorf("grafana: %s missing in %s", s, p.HTML)
				}
			}
			if p.Props.OverrideUsername != "Grafana" {
				t.Errorf("grafana: username override %+v", p.Props)
			}
		case "azure-devops-build-fields-nulls.json":
			if strings.Count(p.HTML, `class="attachment-field short"`) != 5 || !strings.Contains(p.HTML, `data-color="#2eb886"`) {
				t.Errorf("azure: 5 short fields (the empty one dropped) and the colour of good: %s", p.HTML)
			}
		case "slackistrano-deploy.form":
			if p.Props.OverrideUsername != "DeployBot" || p.Props.OverrideIconURL == "" || p.Props.OverrideIconEmoji != "⚡" {
				t.Errorf("slackistrano: overrides %+v", p.Props)
			}
		}
	}
	if n != len(want) {
		t.Errorf("%d payload files, %d in the README", n, len(want))
	}
}

func TestIncomingWebhookRequests(t *testing.T) {
	t.Parallel()
	f := newChatFixture(t)
	path := f.hookPath
	if st, answer, _ := postHook(t, f.srv, path, "application/x-www-form-urlencoded",
		[]byte("payload="+url.QueryEscape(`{"text":"form <!channel>","icon_url":"javascript:x"}`))); st != 200 || answer != "ok" {
		t.Fatalf("form: %d %s", st, answer)
	}
	p := latestPost(t, f.bob, f.channel)
	if p.Message != "form @channel" || p.Props.OverrideIconURL != "" {
		t.Fatalf("form post: %+v", p)
	}
	if st, _, _ := postHook(t, f.srv, path, "application/x-www-form-urlencoded", []byte(`{"text":"curl -d"}`)); st != 200 || latestPost(t, f.bob, f.channel).Message != "curl -d" {
		t.Fatalf("JSON with a form content type: %d", st)
	}
	// A browser's cross-site request is no different: the secret is the credential, no cookie is used.
	if st, _, _ := postHook(t, f.srv, path, "application/json", []byte(`{"text":"x"}`), "Origin", "https://elsewhere.example", "Sec-Fetch-Site", "cross-site"); st != 200 {
		t.Fatalf("cross-site: %d", st)
	}

	for _, tc := range []struct {
		name, path, ct string
		body           []byte
		status         int
	}{
		{"body over 1 MiB", path, "application/json", append(append([]byte(`{"text":"`), bytes.Repeat([]byte("a"), 1<<20)...), '"', '}'), 413},
		{"bad JSON", path, "application/json", []byte(`{"text":`), 400},
		{"not an object", path, "application/json", []byte(`"text"`), 400},
		{"nothing to post", path, "application/json", []byte(`{"username":"x"}`), 400},
		{"text too long", path, "application/json", []byte(`{"text":"` + strings.Repeat("a", 16001) + `"}`), 400},
		{"form without payload", path, "application/x-www-form-urlencoded", []byte("text=hi"), 400},
		{"wrong token", "/hooks/" + strings.Repeat("A", 43), "application/json", []byte(`{"text":"x"}`), 404},
		{"token too long", "/hooks/" + strings.Repeat("A", 200), "application/json", []byte(`{"text":"x"}`), 404},
	} {
		st, answer, h := postHook(t, f.srv, tc.path, tc.ct, tc.body)
		if st != tc.status || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") || answer == "" || strings.HasPrefix(answer, "{") {
			t.Errorf("%s: %d %q (%s), want %d in plain text", tc.name, st, answer, h.Get("Content-Type"), tc.status)
		}
	}

	// Disabled, the hook is unknown; enabled again, it works; deleted, it is gone.
	hookURL := fmt.Sprint("/api/v1/hooks/", f.hookID)
	if st := f.bob.JSON("PATCH", hookURL, map[string]bool{"disabled": true}, nil); st != 403 {
		t.Fatalf("bob disables ann's hook: %d", st)
	}
	var h model.IncomingHook
	if st := f.ann.JSON("PATCH", hookURL, map[string]bool{"disabled": true}, &h); st != 200 || !h.Disabled {
		t.Fatalf("disable: %d %+v", st, h)
	}
	if st, _, _ := postHook(t, f.srv, path, "application/json", []byte(`{"text":"x"}`)); st != 404 {
		t.Fatalf("disabled hook: %d", st)
	}
	if st := f.ann.JSON("PATCH", hookURL, map[string]any{}, nil); st != 400 {
		t.Fatalf("PATCH without disabled: %d", st)
	}
	f.ann.JSON("PATCH", hookURL, map[string]bool{"disabled": false}, nil)
	if st, _, _ := postHook(t, f.srv, path, "application/json", []byte(`{"text":"x"}`)); st != 200 {
		t.Fatalf("enabled again: %d", st)
	}
	var list struct{ Items []map[string]any }
	if st := f.ann.JSON("GET", fmt.Sprint("/api/v1/channels/", f.channel, "/hooks"), nil, &list); st != 200 || len(list.Items) != 1 {
		t.Fatalf("list hooks: %d %+v", st, list)
	}
	if _, ok := list.Items[0]["url"]; ok {
		t.Fatalf("the list shows the secret URL: %+v", list.Items[0])
	}

	// The creator disabled: the hook stops.
	var ann model.User
	if st := f.rootClient.JSON("PATCH", fmt.Sprint("/api/v1/users/", f.annUser.ID), map[string]bool{"disabled": true}, &ann); st != 200 {
		t.Fatalf("disable ann: %d", st)
	}
	if st, _, _ := postHook(t, f.srv, path, "application/json", []byte(`{"text":"x"}`)); st != 403 {
		t.Fatalf("hook of a disabled user: %d", st)
	}
	f.rootClient.JSON("PATCH", fmt.Sprint("/api/v1/users/", f.annUser.ID), map[string]bool{"disabled": false}, nil)

	ann2 := f.srv.Client(t)
	ann2.Bearer = ann2.Login("ann", pw)
	if st := ann2.JSON("DELETE", hookURL, nil, nil); st != 204 {
		t.Fatalf("delete: %d", st)
	}
	if st, _, _ := postHook(t, f.srv, path, "application/json", []byte(`{"text":"x"}`)); st != 404 {
		t.Fatalf("deleted hook: %d", st)
	}
}

func TestIncomingWebhookChannelAndThrottle(t *testing.T) {
	t.Parallel()
	f := newChatFixture(t)
	// "channel" moves the post to a channel of the team where ann may post…
	st, _, _ := postHook(t, f.srv, f.hookPath, "application/json", []byte(`{"text":"to general","channel":"#general"}`))
	if st != 200 || latestPost(t, f.ann, f.general).Message != "to general" {
		t.Fatalf("channel override: %d", st)
	}
	// …but not to a private channel she is not in, nor out of the team.
	var secret model.Channel
	if st := f.bob.JSON("POST", fmt.Sprint("/api/v1/teams/", f.team, "/channels"), map[string]any{"name": "secret", "kind": "private"}, &secret); st != 201 {
		t.Fatalf("private channel: %d", st)
	}
	for _, ch := range []string{"secret", "#nope", "@bob", "C1H9RESGL", "../x"} {
		body, _ := json.Marshal(map[string]string{"text": "to " + ch, "channel": ch})
		if st, _, _ := postHook(t, f.srv, f.hookPath, "application/json", body); st != 200 {
			t.Fatalf("channel %q: %d", ch, st)
		}
		if got := latestPost(t, f.ann, f.channel).Message; got != "to "+ch {
			t.Fatalf("channel %q: the hook's channel got %q", ch, got)
		}
	}
	var inSecret struct{ Items []hookPost }
	if st := f.bob.JSON("GET", fmt.Sprint("/api/v1/channels/", secret.ID, "/posts"), nil, &inSecret); st != 200 || len(inSecret.Items) != 0 {
		t.Fatalf("the hook posted in a private channel its creator is not in: %d %+v", st, inSecret)
	}

	// A hook is throttled (30 at once, then 10 a second), without a post.
	limited := false
	for range 200 {
		st, _, h := postHook(t, f.srv, f.hookPath, "application/json", []byte(`{}`))
		if st == http.StatusTooManyRequests {
			limited = h.Get("Retry-After") != ""
			break
		}
		if st != 400 {
			t.Fatalf("throttled hook: %d", st)
		}
	}
	if !limited {
		t.Fatal("no 429 with Retry-After after 200 requests")
	}
}

func TestHookPermissions(t *testing.T) {
	t.Parallel()
	f := newChatFixture(t)
	f.srv.CreateUser(t, "carl", model.RoleMember, pw)
	gwenUser := f.srv.CreateUser(t, "gwen", model.RoleGuest, pw)
	f.addMember(t, gwenUser.ID, f.channel)
	carl, gwen, anon := f.srv.Client(t), f.srv.Client(t), f.srv.Client(t)
	carl.Bearer = carl.Login("carl", pw)
	gwen.Bearer = gwen.Login("gwen", pw)
	var out model.OutgoingHook
	if st := f.ann.JSON("POST", fmt.Sprint("/api/v1/channels/", f.channel, "/outgoing-hooks"),
		map[string]any{"name": "CI", "trigger_words": []string{"deploy"}, "callback_url": "https://ci.example.org/hook"}, &out); st != 201 ||
		out.Token == "" || out.ContentType != model.HookForm {
		t.Fatalf("create outgoing hook: %d %+v", st, out)
	}
	ch := fmt.Sprint("/api/v1/channels/", f.channel)
	calls := []struct{ method, path, body string }{
		{"GET", ch + "/hooks", ""},
		{"POST", ch + "/hooks", `{"name":"x"}`},
		{"PATCH", fmt.Sprint("/api/v1/hooks/", f.hookID), `{"disabled":true}`},
		{"DELETE", fmt.Sprint("/api/v1/hooks/", f.hookID), ""},
		{"GET", ch + "/outgoing-hooks", ""},
		{"POST", ch + "/outgoing-hooks", `{"name":"x","trigger_words":["x"],"callback_url":"https://x.example.org"}`},
		{"PATCH", fmt.Sprint(ch, "/outgoing-hooks/", out.ID), `{"disabled":true}`},
		{"DELETE", fmt.Sprint(ch, "/outgoing-hooks/", out.ID), ""},
		{"GET", "/api/v1/bots", ""},
		{"POST", "/api/v1/bots", `{"login":"sneaky"}`},
	}
	for _, who := range []struct {
		name string
		c    *testutil.Client
		want int
	}{
		{"anonymous", anon, 401},
		{"bob (member of the channel, not its admin)", f.bob, 403},
		{"gwen (guest in the channel)", gwen, 403},
		{"carl (not in the team)", carl, 404},
	} {
		for _, k := range calls {
			want := who.want
			if strings.HasPrefix(k.path, "/api/v1/bots") && want == 404 {
				want = 403 // bots are not in a channel: members are refused
			}
			var body any
			if k.body != "" {
				body = k.body
			}
			if resp, data := who.c.Do(k.method, k.path, body); resp.StatusCode != want {
				t.Errorf("%s: %s %s: %d, want %d (%s)", who.name, k.method, k.path, resp.StatusCode, want, data)
			}
		}
	}
	// Nothing changed.
	var hooks, outs struct{ Items []map[string]any }
	f.ann.JSON("GET", ch+"/hooks", nil, &hooks)
	f.ann.JSON("GET", ch+"/outgoing-hooks", nil, &outs)
	if len(hooks.Items) != 1 || hooks.Items[0]["disabled"] != false || len(outs.Items) != 1 || outs.Items[0]["disabled"] != false {
		t.Fatalf("a refused call changed hooks: %+v %+v", hooks, outs)
	}
	// An org admin manages any team channel's hooks; an outgoing hook is
	// reached only under its own channel.
	if st := f.rootClient.JSON("POST", ch+"/hooks", map[string]string{"name": "root's"}, nil); st != 201 {
		t.Fatalf("admin creates a hook: %d", st)
	}
	if st := f.ann.JSON("DELETE", fmt.Sprint("/api/v1/channels/", f.general, "/outgoing-hooks/", out.ID), nil, nil); st != 404 {
		t.Fatalf("outgoing hook under another channel: %d", st)
	}
	for _, bad := range []map[string]any{
		{"name": "x", "trigger_words": []string{}, "callback_url": "https://x.example.org"},
		{"name": "x", "trigger_words": []string{"a b"}, "callback_url": "https://x.example.org"},
		{"name": "x", "trigger_words": []string{"x"}, "callback_url": "ftp://x.example.org"},
		{"name": "x", "trigger_words": []string{"x"}, "callback_url": "https://x.example.org", "content_type": "xml"},
		{"name": "", "trigger_words": []string{"x"}, "callback_url": "https://x.example.org"},
		{"name": "x", "trigger_words": []string{"x"}, "callback_url": "https://x.example.org", "extra": 1},
	} {
		if st := f.ann.JSON("POST", ch+"/outgoing-hooks", bad, nil); st != 400 {
			t.Errorf("outgoing hook %v: %d, want 400", bad, st)
		}
	}
	// Hooks only exist in team channels.
	var dm model.Channel
	if st := f.ann.JSON("POST", "/api/v1/channels/direct", map[string]any{"user_ids": []int64{f.bobUser.ID}}, &dm); st == 201 || st == 200 {
		if st := f.ann.JSON("POST", fmt.Sprint("/api/v1/channels/", dm.ID, "/hooks"), map[string]string{"name": "x"}, nil); st != 403 {
			t.Errorf("hook in a direct message: %d", st)
		}
	}
}

func TestOutgoingWebhook(t *testing.T) {
	t.Parallel()
	f := newChatFixture(t)
	type request struct {
		contentType string
		values      url.Values
	}
	requests := make(chan request, 16)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		vals, _ := url.ParseQuery(string(data))
		if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			var m map[string]string
			_ = json.Unmarshal(data, &m)
			vals = url.Values{}
			for k, v := range m {
				vals.Set(k, v)
			}
		}
		requests <- request{r.Header.Get("Content-Type"), vals}
		w.Header().Set("Content-Type", "application/json")
		// The answer starts with the trigger word: posted from the hook, it must not trigger it again.
		fmt.Fprintf(w, `{"text":"deploy started for <https://ci.example.org/%s|%s>","username":"CI"}`, vals.Get("post_id"), vals.Get("user_name"))
	}))
	defer recv.Close()

	// The dispatcher as the app runs it, but allowed to reach the loopback
	// receiver. (The app's own dispatcher, if it runs, refuses 127.0.0.1
	// without claiming the post, so this one sends it.)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := chat.NewOutgoing(f.srv.App.Chat, f.srv.App.Bus, log, chat.OutgoingOptions{AllowPrivate: true, Workers: 1})
	if err := out.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	defer out.Close()

	var formHook, jsonHook model.OutgoingHook
	ch := fmt.Sprint("/api/v1/channels/", f.channel)
	f.ann.JSON("POST", ch+"/outgoing-hooks", map[string]any{"name": "CI", "trigger_words": []string{"deploy", "ship"}, "callback_url": recv.URL + "/form"}, &formHook)
	f.ann.JSON("POST", ch+"/outgoing-hooks", map[string]any{"name": "Bot", "trigger_words": []string{"!bot"}, "callback_url": recv.URL + "/json", "content_type": "json"}, &jsonHook)
	if formHook.ID == 0 || jsonHook.ID == 0 {
		t.Fatal("outgoing hooks not created")
	}

	// Replies are seen on the bus like any post.
	var mu sync.Mutex
	replies := make(chan hookPost, 16)
	sub, err := f.srv.App.Bus.Subscribe(chat.EventSubject, func(m bus.Message) {
		var ev chat.WireEvent
		var p hookPost
		if json.Unmarshal(m.Data, &ev) == nil && ev.Type == chat.EventPostCreated && json.Unmarshal(ev.Data, &p) == nil && p.RootID != 0 {
			mu.Lock()
			defer mu.Unlock()
			replies <- p
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()
	wait := func(what string) (request, hookPost) {
		t.Helper()
		var r request
		select {
		case r = <-requests:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no request reached the receiver", what)
		}
		select {
		case p := <-replies:
			return r, p
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no reply posted", what)
		}
		return r, hookPost{}
	}

	var post hookPost
	if st := f.bob.JSON("POST", ch+"/posts", map[string]string{"message": "deploy api to staging"}, &post); st != 201 {
		t.Fatalf("post: %d", st)
	}
	r, reply := wait("deploy")
	v := r.values
	for k, want := range map[string]string{"token": formHook.Token, "trigger_word": "deploy", "text": "deploy api to staging", "user_name": "bob",
		"user_id": fmt.Sprint(f.bobUser.ID), "post_id": fmt.Sprint(post.ID), "channel_id": fmt.Sprint(f.channel), "channel_name": "alerts",
		"team_id": fmt.Sprint(f.team), "team_domain": "ops"} {
		if v.Get(k) != want {
			t.Errorf("request %s = %q, want %q", k, v.Get(k), want)
		}
	}
	if r.contentType != "application/x-www-form-urlencoded" || v.Get("timestamp") == "" {
		t.Errorf("form request: %s %v", r.contentType, v)
	}
	if reply.RootID != post.ID || reply.Author.ID != f.annUser.ID || reply.Props == nil || !reply.Props.FromWebhook ||
		reply.Props.OverrideUsername != "CI" || !strings.Contains(reply.HTML, `>bob</a>`) {
		t.Fatalf("reply: %+v", reply)
	}

	// Words that only look like a trigger, a disabled hook's, then the JSON hook:
	// with one worker, requests come in order, so the first one seen is the JSON hook's.
	f.ann.JSON("PATCH", fmt.Sprint(ch, "/outgoing-hooks/", formHook.ID), map[string]bool{"disabled": true}, nil)
	for _, m := range []string{"Deploy now", "redeploy", "ship it", "!bot status"} {
		if st := f.bob.JSON("POST", ch+"/posts", map[string]string{"message": m}, &post); st != 201 {
			t.Fatalf("post %q: %d", m, st)
		}
	}
	r, reply = wait("!bot")
	if r.contentType != "application/json" || r.values.Get("text") != "!bot status" || r.values.Get("token") != jsonHook.Token || reply.RootID != post.ID {
		t.Fatalf("JSON hook: %s %v reply %+v", r.contentType, r.values, reply)
	}
	// A reply in a thread triggers too, and is answered in the same thread.
	var inThread hookPost
	f.bob.JSON("POST", ch+"/posts", map[string]any{"message": "!bot again", "root_id": post.ID}, &inThread)
	if r, reply = wait("reply"); r.values.Get("post_id") != fmt.Sprint(inThread.ID) || reply.RootID != post.ID {
		t.Fatalf("in a thread: %v %+v", r.values, reply)
	}
	select {
	case r := <-requests:
		t.Fatalf("unexpected request: %v", r.values)
	default:
	}
}

func TestBots(t *testing.T) {
	t.Parallel()
	f := newChatFixture(t)
	var bot struct {
		User  model.User `json:"user"`
		Bot   bool       `json:"bot"`
		Token string     `json:"token"`
	}
	if st := f.rootClient.JSON("POST", "/api/v1/bots", map[string]string{"login": "DeployBot", "display_name": "Deploy bot"}, &bot); st != 201 ||
		!bot.Bot || bot.User.Login != "deploybot" || bot.User.Role != model.RoleMember || !strings.HasPrefix(bot.Token, "rpat_") {
		t.Fatalf("create bot: %d %+v", st, bot)
	}
	if st := f.rootClient.JSON("POST", "/api/v1/bots", map[string]string{"login": "deploybot"}, nil); st != 409 {
		t.Fatalf("taken login: %d", st)
	}
	if st := f.rootClient.JSON("POST", "/api/v1/bots", map[string]string{"login": "x"}, nil); st != 400 {
		t.Fatalf("bad login: %d", st)
	}
	var bots struct{ Items []model.User }
	if st := f.rootClient.JSON("GET", "/api/v1/bots", nil, &bots); st != 200 || len(bots.Items) != 1 || bots.Items[0].ID != bot.User.ID {
		t.Fatalf("bots: %d %+v", st, bots)
	}
	// A bot cannot sign in with a password, whatever it is.
	for _, p := range []string{"", pw} {
		if st := f.srv.Client(t).JSON("POST", "/api/v1/sessions", map[string]string{"login": "deploybot", "password": p}, nil); st != 401 {
			t.Fatalf("bot login with %q: %d", p, st)
		}
	}
	// It posts with its token in the channels it is added to; its posts say it is a bot.
	f.addMember(t, bot.User.ID, f.channel)
	c := f.srv.Client(t)
	c.Bearer = bot.Token
	var p hookPost
	if st := c.JSON("POST", fmt.Sprint("/api/v1/channels/", f.channel, "/posts"), map[string]string{"message": "build green"}, &p); st != 201 ||
		!p.Author.Bot || p.Author.Login != "deploybot" || p.Props != nil {
		t.Fatalf("bot post: %d %+v", st, p)
	}
	if got := latestPost(t, f.bob, f.channel); !got.Author.Bot {
		t.Fatalf("bot post in history: %+v", got)
	}
	var human hookPost
	if st := f.bob.JSON("POST", fmt.Sprint("/api/v1/channels/", f.channel, "/posts"), map[string]string{"message": "thanks"}, &human); st != 201 || human.Author.Bot {
		t.Fatalf("a person's post marked as a bot's: %+v", human)
	}
}
