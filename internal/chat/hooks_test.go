package chat

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"

	"ruche/internal/markup"
	"ruche/internal/model"
)

func TestSlackToMarkdown(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain *text*", "plain *text*"},
		{"<https://example.com|Example>", "[Example](<https://example.com>)"},
		{"<https://example.com>", "[https://example.com](<https://example.com>)"},
		{"[<http://h/r|test/repo>] done", "[[test/repo](<http://h/r>)] done"},
		{"<https://x.org/a_b?c=1&amp;d=2|a [b] *c*>", `[a \[b\] \*c\*](<https://x.org/a_b?c=1&amp;d=2>)`},
		{"<mailto:bob@example.org|Bob>", "[Bob](<mailto:bob@example.org>)"},
		{"<javascript:alert(1)|click>", "click"},
		{"<javascript:alert(1)>", `\<javascript:alert(1)\>`},
		{"value <none> <b>", `value \<none\> \<b\>`},
		{"<!channel> and <!here> and <!everyone>", "@channel and @here and @all"},
		{"<!subteam^S123|@ops> <!date^1392734382^{date}|Feb 18>", "@ops Feb 18"},
		{"<@U123|bob> <@U456>", "@bob @U456"},
		{"<#C123|general> <#C456>", `~general \#C456`},
		{"a < b > c", `a \< b \> c`},
		{"unclosed <https://x", "unclosed <https://x"},
		{"<<https://x|y>>", "<[y](<https://x>)>"},
		{"two\n<lines\n>", "two\n<lines\n>"},
		{"&lt;b&gt; &amp;", "&lt;b&gt; &amp;"},
	} {
		if got := slackToMarkdown(tc.in); got != tc.want {
			t.Errorf("slackToMarkdown(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	// Rendered, a Slack link shows its label, not its URL; entities show as characters.
	h := markup.Render(slackToMarkdown("[<http://localhost:3000/test/repo|test/repo>] x &lt;y&gt;"), nil).HTML
	if !strings.Contains(h, `>test/repo</a>`) || strings.Contains(h, `>http://localhost:3000/test/repo<`) || !strings.Contains(h, "x &lt;y&gt;") {
		t.Errorf("rendered Slack link: %s", h)
	}
}

func TestParseIncoming(t *testing.T) {
	form := "payload=" + url.QueryEscape(`{"text":"from a form","username":"bot"}`)
	for _, tc := range []struct {
		name, ct, body string
		text           string // "" with err set: refused
		err            string
	}{
		{"json", "application/json", `{"text":"hi","unknown":{"x":[1]},"mrkdwn":true}`, "hi", ""},
		{"json with charset", "application/json; charset=utf-8", `{"text":"hi"}`, "hi", ""},
		{"no content type", "", `{"text":"hi"}`, "hi", ""},
		{"form payload", "application/x-www-form-urlencoded", form, "from a form", ""},
		{"json sent as a form", "application/x-www-form-urlencoded", `{"text":"curl -d"}`, "curl -d", ""},
		{"number as text", "application/json", `{"text":42}`, "42", ""},
		{"null text", "application/json", `{"text":null,"attachments":[{"text":"a"}]}`, "", ""},
		{"attachments as a string", "application/json", `{"attachments":"[{\"text\":\"a\"}]"}`, "", ""},
		{"form without payload", "application/x-www-form-urlencoded", "text=hi", "", "payload"},
		{"bad form", "application/x-www-form-urlencoded", "payload=%zz", "", "malformed form"},
		{"bad json", "application/json", `{"text":`, "", "malformed JSON"},
		{"not an object", "application/json", `["text"]`, "", "JSON object"},
		{"empty", "application/json", ``, "", "JSON object"},
		{"trailing garbage", "application/json", `{"text":"a"} x`, "", "malformed JSON"},
		{"attachments of the wrong type", "application/json", `{"attachments":{"text":"a"}}`, "", "attachments"},
	} {
		p, err := ParseIncoming(tc.ct, []byte(tc.body))
		if tc.err != "" {
			if err == nil || !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want one mentioning %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || string(p.Text) != tc.text {
			t.Errorf("%s: %+v %v", tc.name, p, err)
		}
	}
	p, err := ParseIncoming("application/json", []byte(`{"attachments":"[{\"text\":\"a\"},1,{\"fields\":[{\"title\":null,\"value\":3,\"short\":\"true\"}]}]"}`))
	if err != nil || len(p.Attachments) != 2 || p.Attachments[0].Text != "a" || p.Attachments[1].Fields[0].Value != "3" || !p.Attachments[1].Fields[0].Short {
		t.Fatalf("lenient attachments: %+v %v", p, err)
	}
}

func TestIncomingMessage(t *testing.T) {
	long := strings.Repeat("é", markup.MaxLength)
	for _, tc := range []struct {
		name, body string
		msg        string
		props      string
		err        string
	}{
		{"text", `{"text":"hello <!here>"}`, "hello @here", `{"from_webhook":true}`, ""},
		{"overrides", `{"text":"x","username":"  Deploy\tBot ","icon_url":"https://e.org/i.png","icon_emoji":":rocket:"}`, "x",
			`{"from_webhook":true,"override_username":"Deploy Bot","override_icon_url":"https://e.org/i.png","override_icon_emoji":"🚀"}`, ""},
		{"bad icon url", `{"text":"x","icon_url":"javascript:alert(1)","username":"a\u0000b"}`, "x", `{"from_webhook":true}`, ""},
		{"longest text", `{"text":"` + long + `"}`, long, `{"from_webhook":true}`, ""},
		{"text too long", `{"text":"` + long + `e"}`, "", "", "at most 16000"},
		{"nothing to post", `{"username":"x"}`, "", "", "required"},
		{"blank text", `{"text":"  \n"}`, "", "", "required"},
		{"empty attachments only", `{"attachments":[{"color":"good"}]}`, "", "", "required"},
		{"blocks win over text", `{"text":"fallback","blocks":[{"type":"section","text":{"type":"mrkdwn","text":"*real*"}}]}`, "*real*", `{"from_webhook":true}`, ""},
		{"blocks not a list", `{"blocks":{"type":"divider"}}`, "", "", "blocks must be a list"},
		{"too many attachments", `{"attachments":[` + strings.TrimSuffix(strings.Repeat(`{"text":"a"},`, maxAttachments+1), ",") + `]}`, "", "", "at most 100 attachments"},
		{"attachment", `{"attachments":[{"color":"danger","title":"T <https://x|y>","title_link":"ftp://x","text":"<!channel> look","fields":[{"title":"","value":""},{"title":"a","value":"<https://v|w>","short":true}],"ts":"1710232200","mrkdwn_in":["text"],"actions":[{"x":1}]}]}`,
			"", `{"from_webhook":true,"attachments":[{"color":"#a30200","title":"T y","text":"@channel look","fields":[{"title":"a","value":"[w](<https://v>)","short":true}],"ts":"1710232200"}]}`, ""},
	} {
		p, err := ParseIncoming("application/json", []byte(tc.body))
		if err != nil {
			t.Fatalf("%s: parse: %v", tc.name, err)
		}
		msg, props, err := p.message()
		if tc.err != "" {
			if err == nil || !errors.Is(err, model.ErrInvalid) || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: err %v, want one mentioning %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil || msg != tc.msg || props != tc.props {
			t.Errorf("%s:\n msg   %q\n props %s\n err   %v\nwant\n msg   %q\n props %s", tc.name, msg, props, err, tc.msg, tc.props)
		}
	}
}

func TestBlocksMarkdown(t *testing.T) {
	blocks := `[
		{"type":"header","text":{"type":"plain_text","text":"Release *1.2*"}},
		{"type":"section","text":{"type":"mrkdwn","text":"See <https://r.example.org|notes>"},"fields":[{"type":"plain_text","text":"a_b"},{"type":"mrkdwn","text":"*c*"}],
		 "accessory":{"type":"image","image_url":"https://i.example.org/p.png","alt_text":"pic"}},
		{"type":"divider"},
		{"type":"image","image_url":"javascript:alert(1)","alt_text":"x"},
		{"type":"image","image_url":"https://i.example.org/q.png","title":{"type":"plain_text","text":"Q"}},
		{"type":"context","elements":[{"type":"image","image_url":"https://i/x.png","alt_text":"icon"},{"type":"mrkdwn","text":"ctx"}]},
		{"type":"actions","elements":[{"type":"button","text":{"type":"plain_text","text":"Open"},"url":"https://o.example.org"},{"type":"button","text":{"type":"plain_text","text":"No URL"}}]},
		{"type":"input","label":{"type":"plain_text","text":"ignored"}},
		{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"bold","style":{"bold":true}},{"type":"text","text":" "},{"type":"link","url":"https://l.example.org","text":"link"},{"type":"emoji","name":"star"},{"type":"broadcast","range":"here"}]},
			{"type":"rich_text_list","style":"bullet","elements":[{"type":"rich_text_section","elements":[{"type":"text","text":"one"}]}]},
			{"type":"rich_text_preformatted","elements":[{"type":"text","text":"x := 1"}]}]},
		{"type":"section","text":5,"fields":"nope"},
		"junk", 3, null
	]`
	got, err := blocksMarkdown(json.RawMessage(blocks))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		`### Release \*1.2\*`,
		"See [notes](<https://r.example.org>)", `a\_b`, "*c*", "[pic](<https://i.example.org/p.png>)",
		"---",
		"[Q](<https://i.example.org/q.png>)",
		"ctx",
		"[Open](<https://o.example.org>)",
		"**bold** [link](<https://l.example.org>):star:@here\n\n- one\n\n```\nx := 1\n```",
	}, "\n\n")
	if got != want {
		t.Errorf("blocks:\n%s\nwant\n%s", got, want)
	}
}

var colorRE = regexp.MustCompile(`^#[0-9a-f]{6}$`)

// checkHookHTML fails unless out has no script, event handler, inline style
// or javascript: URL, and no element outside those renderAttachments and
// markup produce.
func checkHookHTML(t testing.TB, in, out string) {
	t.Helper()
	lower := strings.ToLower(out)
	for _, bad := range []string{"<script", "<img", "<iframe", "<style", "<svg", "<object", "<embed", "<form", "<base", "<link", "<meta"} {
		if strings.Contains(lower, bad) {
			t.Fatalf("%q gives %s: %s", in, bad, out)
		}
	}
	allowed := map[string]bool{"div": true, "dl": true, "dt": true, "dd": true, "time": true, "a": true, "p": true, "br": true, "hr": true,
		"strong": true, "em": true, "del": true, "code": true, "pre": true, "blockquote": true, "ul": true, "ol": true, "li": true,
		"h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "table": true, "thead": true, "tbody": true, "tr": true,
		"th": true, "td": true, "span": true, "input": true}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				t.Fatalf("%q: tokenizer: %v", in, z.Err())
			}
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !allowed[tok.Data] {
			t.Fatalf("%q gives a <%s>: %s", in, tok.Data, out)
		}
		for _, a := range tok.Attr {
			k := strings.ToLower(a.Key)
			v := strings.ToLower(strings.TrimSpace(a.Val))
			switch {
			case strings.HasPrefix(k, "on"), k == "style", k == "src", k == "srcdoc", k == "formaction":
				t.Fatalf("%q gives a %s attribute: %s", in, k, out)
			case k == "href" && !(strings.HasPrefix(v, "http://") || strings.HasPrefix(v, "https://") || strings.HasPrefix(v, "mailto:") ||
				(strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//"))):
				t.Fatalf("%q links to %q: %s", in, a.Val, out)
			case k == "data-color" && !colorRE.MatchString(a.Val):
				t.Fatalf("%q gives data-color %q", in, a.Val)
			}
		}
	}
}

func TestRenderAttachments(t *testing.T) {
	p, err := ParseIncoming("application/json", []byte(`{"attachments":[{
		"color":"#36A64F","pretext":"pre **md**","author_name":"Ann","author_link":"https://a.example.org",
		"title":"Title <b> &lt;i&gt; &amp;lt;","title_link":"https://t.example.org/x?a=1&b=\"2\"","text":"text <script>alert(1)</script> [x](javascript:alert(1))",
		"fields":[{"title":"Short","value":"1","short":true},{"title":"Long","value":"_two_","short":false}],
		"image_url":"https://i.example.org/path/chart.png","thumb_url":"data:image/png;base64,AAAA",
		"footer":"Grafana v11","ts":1710232200},
		{"color":"javascript","title":"no link","title_link":"javascript:alert(1)","text":"t"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	_, props, err := p.message()
	if err != nil {
		t.Fatal(err)
	}
	h, from := integration(props)
	if from == nil || !from.FromWebhook {
		t.Fatalf("integration: %+v", from)
	}
	checkHookHTML(t, props, h)
	for _, want := range []string{
		`<div class="attachment" data-color="#36a64f"><div class="attachment-pretext"><p>pre <strong>md</strong></p></div><div class="attachment-body">`,
		`<div class="attachment-author"><a href="https://a.example.org" rel="noopener noreferrer nofollow" target="_blank">Ann</a></div>`,
		`<div class="attachment-title"><a href="https://t.example.org/x?a=1&amp;b=&#34;2&#34;" rel="noopener noreferrer nofollow" target="_blank">Title &lt;b&gt; &lt;i&gt; &amp;lt;</a></div>`,
		`text &lt;script&gt;alert(1)&lt;/script&gt; x</p>`,
		`<dl class="attachment-fields"><div class="attachment-field short"><dt>Short</dt><dd><p>1</p></dd></div><div class="attachment-field"><dt>Long</dt><dd><p><em>two</em></p></dd></div></dl>`,
		`<div class="attachment-image"><a class="image-link" href="https://i.example.org/path/chart.png" rel="noopener noreferrer nofollow" target="_blank">chart.png</a></div>`,
		`<div class="attachment-footer">Grafana v11 · <time datetime="2024-03-12T08:30:00Z">2024-03-12 08:30 UTC</time></div>`,
		`<div class="attachment"><div class="attachment-body"><div class="attachment-title">no link</div>`,
	} {
		if !strings.Contains(h, want) {
			t.Errorf("attachments HTML lacks\n%s\nin\n%s", want, h)
		}
	}
	if strings.Contains(h, "attachment-thumb") || strings.Contains(h, "javascript") {
		t.Errorf("a data: or javascript: URL was kept: %s", h)
	}
	if h, from := integration(""); h != "" || from != nil {
		t.Errorf("a post without props: %q %+v", h, from)
	}
	if h, from := integration(`{"from_webhook":false,"attachments":[{"text":"x"}]}`); h != "" || from != nil {
		t.Errorf("props not from a webhook: %q %+v", h, from)
	}
}

func FuzzIncoming(f *testing.F) {
	for _, seed := range []string{
		`{"text":"hi"}`,
		`{"text":"<javascript:alert(1)|x> <https://a|b> <!channel>","attachments":[{"color":"good","title":"t","title_link":"https://x","fields":[{"title":"a","value":"b","short":true}]}]}`,
		`{"attachments":[{"pretext":"<img src=x onerror=alert(1)>","text":"[x](javascript:alert(1))","image_url":"javascript:alert(1)","author_name":"<b onclick=x>","color":"\" style=\"x"}]}`,
		`{"blocks":[{"type":"section","text":{"type":"mrkdwn","text":"<https://g|Hotel>"},"accessory":{"type":"image","image_url":"https://i/x.png","alt_text":"\"><script>"}}]}`,
		`{"blocks":[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[{"type":"link","url":"javascript:x","text":"y"}]}]}]}`,
		`{"attachments":"[{\"title\":\"<x>\",\"ts\":1e300}]","text":null}`,
	} {
		f.Add(seed, false)
	}
	f.Add("payload="+url.QueryEscape(`{"text":"form <b>"}`), true)
	f.Fuzz(func(t *testing.T, body string, form bool) {
		ct := "application/json"
		if form {
			ct = "application/x-www-form-urlencoded"
		}
		p, err := ParseIncoming(ct, []byte(body))
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("parse error that is not ErrInvalid: %v", err)
			}
			return
		}
		msg, props, err := p.message()
		if err != nil {
			if !errors.Is(err, model.ErrInvalid) {
				t.Fatalf("message error that is not ErrInvalid: %v", err)
			}
			return
		}
		attachments, from := integration(props)
		if from == nil {
			t.Fatalf("props of a webhook post not recognised: %s", props)
		}
		checkHookHTML(t, body, markup.Render(msg, nil).HTML+attachments)
	})
}

func TestAllowedAddr(t *testing.T) {
	for _, tc := range []struct {
		addr          string
		public, tests bool // allowed in production, allowed with AllowPrivate
	}{
		{"93.184.215.14", true, true},
		{"2606:2800:21f:cb07:6820:80da:af6b:8b2c", true, true},
		{"127.0.0.1", false, true},
		{"127.8.9.10", false, true},
		{"::1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"::ffff:10.1.2.3", false, true},
		{"::127.0.0.1", false, true},
		{"10.0.0.1", false, true},
		{"172.16.5.4", false, true},
		{"192.168.1.1", false, true},
		{"169.254.169.254", false, true},
		{"100.64.0.1", false, true},
		{"fd00::1", false, true},
		{"fe80::1", false, true},
		{"fe80::1%eth0", false, true},
		{"fec0::1", false, true},
		{"64:ff9b::7f00:1", false, true},
		{"2002:7f00:1::", false, true},
		{"2001:db8::1", false, true},
		{"198.18.0.1", false, true},
		{"0.0.0.0", false, false},
		{"0.1.2.3", false, true},
		{"::", false, false},
		{"224.0.0.1", false, false},
		{"ff02::1", false, false},
		{"255.255.255.255", false, true},
	} {
		ip := netip.MustParseAddr(tc.addr)
		if got := allowedAddr(ip, false); got != tc.public {
			t.Errorf("allowedAddr(%s) = %v, want %v", tc.addr, got, tc.public)
		}
		if got := allowedAddr(ip, true); got != tc.tests {
			t.Errorf("allowedAddr(%s, AllowPrivate) = %v, want %v", tc.addr, got, tc.tests)
		}
	}
}

// TestHookClientRefusesInternalAddresses sends requests that the client
// must refuse before connecting: a real receiver listens on 127.0.0.1 and
// must get none of them. Nothing leaves the machine: other addresses are
// refused before their connection starts, and "localhost" is resolved
// from /etc/hosts.
func TestHookClientRefusesInternalAddresses(t *testing.T) {
	var hits atomic.Int32
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer recv.Close()
	_, port, _ := net.SplitHostPort(recv.Listener.Addr().String())
	client := hookClient(false, 5*time.Second)
	for _, host := range []string{
		"127.0.0.1:" + port, "[::1]:" + port, "[::ffff:127.0.0.1]:" + port, "[::ffff:7f00:1]:" + port, "localhost:" + port,
		"0.0.0.0:" + port, "[::]:" + port, "10.0.0.1", "10.255.255.254:8080", "192.168.0.1", "172.16.0.1",
		"169.254.169.254", "[fe80::1]", "[fd00::1]", "100.64.0.1", "[64:ff9b::a9fe:a9fe]", "224.0.0.1",
	} {
		u := "http://" + host + "/latest/meta-data/"
		resp, err := client.Post(u, "text/plain", strings.NewReader("x"))
		if err == nil {
			resp.Body.Close()
			t.Errorf("POST %s: answered %s, want a refusal", u, resp.Status)
			continue
		}
		if !errors.Is(err, errBlockedAddress) {
			t.Errorf("POST %s: %v, want %v", u, err, errBlockedAddress)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the loopback receiver got %d requests", n)
	}
	// With AllowPrivate (tests only), the same receiver is reached.
	resp, err := hookClient(true, 5*time.Second).Post(recv.URL, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if hits.Load() != 1 {
		t.Fatal("AllowPrivate did not reach the receiver")
	}
}

func TestMayReach(t *testing.T) {
	prod, tests := &Outgoing{}, &Outgoing{opt: OutgoingOptions{AllowPrivate: true}}
	for _, tc := range []struct {
		url         string
		prod, tests bool
	}{
		{"https://ci.example.org/hook", true, true},
		{"http://127.0.0.1:8080/", false, true},
		{"http://[::ffff:10.0.0.1]/", false, true},
		{"http://169.254.169.254/latest/", false, true},
		{"http://0.0.0.0/", false, false},
		{"http://93.184.215.14/", true, true},
		{"http://%zz/", false, false},
	} {
		if got := prod.mayReach(tc.url); got != tc.prod {
			t.Errorf("mayReach(%s) = %v", tc.url, got)
		}
		if got := tests.mayReach(tc.url); got != tc.tests {
			t.Errorf("mayReach(%s) with AllowPrivate = %v", tc.url, got)
		}
	}
}

func TestHookClientLimits(t *testing.T) {
	var second atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { second.Add(1) }))
	defer target.Close()
	release := make(chan struct{})
	defer close(release)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, target.URL+"/stolen", http.StatusTemporaryRedirect)
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
		case "/big":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"text":"%s"}`, strings.Repeat("a", maxOutgoingAnswer))
		case "/text":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "thanks")
		case "/fail":
			http.Error(w, `{"text":"no"}`, http.StatusInternalServerError)
		case "/json":
			io.WriteString(w, `{"text":"done <https://x.example.org|here>","username":"CI"}`)
		}
	}))
	defer recv.Close()
	client := hookClient(true, 300*time.Millisecond)
	get := func(p string) (*IncomingPayload, error) {
		resp, err := client.Post(recv.URL+p, "text/plain", nil)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		return readAnswer(resp)
	}
	if a, err := get("/redirect"); a != nil || err == nil || second.Load() != 0 {
		t.Errorf("redirect: %+v %v; target reached %d times", a, err, second.Load())
	}
	start := time.Now()
	if _, err := get("/slow"); err == nil || time.Since(start) > 5*time.Second {
		t.Errorf("slow receiver: %v after %s", err, time.Since(start))
	}
	if a, err := get("/big"); a != nil || !errors.Is(err, errAnswerTooLarge) {
		t.Errorf("answer over 64 KiB: %+v %v", a, err)
	}
	if a, err := get("/text"); a != nil || err != nil {
		t.Errorf("plain-text answer: %+v %v", a, err)
	}
	if a, err := get("/fail"); a != nil || err == nil {
		t.Errorf("500: %+v %v", a, err)
	}
	a, err := get("/json")
	if err != nil || a == nil || a.Text != "done <https://x.example.org|here>" || a.Username != "CI" {
		t.Errorf("JSON answer: %+v %v", a, err)
	}
}

func TestOutgoingRequestValues(t *testing.T) {
	at := time.Date(2026, 11, 29, 10, 0, 0, 123456789, time.UTC)
	v := outgoingRequest{Token: "tok", TeamID: 1, TeamDomain: "dev", ChannelID: 2, ChannelName: "ops", Timestamp: at, UserID: 3,
		UserName: "ann", PostID: 4, Text: "deploy now", TriggerWord: "deploy"}.values()
	want := map[string]string{"token": "tok", "team_id": "1", "team_domain": "dev", "channel_id": "2", "channel_name": "ops",
		"timestamp": fmt.Sprintf("%d.123456", at.Unix()), "user_id": "3", "user_name": "ann", "post_id": "4", "text": "deploy now", "trigger_word": "deploy"}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("values: %v\nwant %v", v, want)
	}
	if firstWord("  deploy\tnow") != "deploy" || firstWord(" \n") != "" {
		t.Error("firstWord")
	}
	if _, err := triggerWords([]string{"a b"}); err == nil {
		t.Error("a trigger word with a space was accepted")
	}
	if w, err := triggerWords([]string{" deploy ", "deploy", "", "ship"}); err != nil || fmt.Sprint(w) != "[deploy ship]" {
		t.Errorf("trigger words: %v %v", w, err)
	}
	if _, err := triggerWords(nil); err == nil {
		t.Error("no trigger word was accepted")
	}
}
