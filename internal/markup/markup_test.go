package markup

import (
	"bufio"
	"bytes"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// fakeResolver knows a few users and channels, and counts lookups.
type fakeResolver struct {
	users    map[string]string
	channels map[string]string
}

func newResolver() *fakeResolver {
	return &fakeResolver{
		users: map[string]string{
			"bob":       "Bob Martin",
			"alice":     "Alice",
			"eve":       "<b>x</b>",
			"dot.":      "Dot Trailing",
			"jean-paul": "Jean-Paul",
		},
		channels: map[string]string{
			"town-square": "/chat/c/12",
			"dev":         "/chat/c/3",
			"evil":        "javascript:alert(1)",
		},
	}
}

func (f *fakeResolver) User(login string) (string, bool) {
	name, ok := f.users[login]
	return name, ok
}

func (f *fakeResolver) Channel(name string) (string, bool) {
	u, ok := f.channels[name]
	return u, ok
}

const ext = `rel="noopener noreferrer nofollow" target="_blank"`

func TestRender(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"bold", "**bold** and *em*", `<p><strong>bold</strong> and <em>em</em></p>`},
		{"strike", "~~gone~~", `<p><del>gone</del></p>`},
		{"inline code", "run `go test` now", `<p>run <code>go test</code> now</p>`},
		{"code escapes", "`<b>&amp;</b>`", `<p><code>&lt;b&gt;&amp;amp;&lt;/b&gt;</code></p>`},
		{"line break", "line one\nline two", "<p>line one<br>\nline two</p>"},
		{"paragraphs", "one\n\ntwo", "<p>one</p>\n<p>two</p>"},
		{"heading", "# Title", `<h1>Title</h1>`},
		{"blockquote", "> quoted\n> text", "<blockquote>\n<p>quoted<br>\ntext</p>\n</blockquote>"},
		{"list", "- a\n- b", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>"},
		{"ordered list", "3. c\n4. d", "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>"},
		{"task list", "- [x] done\n- [ ] todo",
			"<ul>\n<li><input checked=\"\" disabled=\"\" type=\"checkbox\"> done</li>\n<li><input disabled=\"\" type=\"checkbox\"> todo</li>\n</ul>"},
		{"table", "| a | b |\n|:--|--:|\n| 1 | 2 |",
			"<table>\n<thead>\n<tr>\n<th align=\"left\">a</th>\n<th align=\"right\">b</th>\n</tr>\n</thead>\n" +
				"<tbody>\n<tr>\n<td align=\"left\">1</td>\n<td align=\"right\">2</td>\n</tr>\n</tbody>\n</table>"},
		{"fenced go", "```go\nx := 1\n```",
			`<pre class="chroma"><code><span class="line"><span class="cl"><span class="nx">x</span><span class="w"> </span>` +
				`<span class="o">:=</span><span class="w"> </span><span class="mi">1</span><span class="w">` + "\n" +
				`</span></span></span></code></pre>`},
		{"fenced unknown language", "```nosuchlang\n<x>\n```", "<pre><code>&lt;x&gt;\n</code></pre>"},
		{"fenced no language", "```\nplain\n```", "<pre><code>plain\n</code></pre>"},
		{"indented code", "    code", "<pre><code>code\n</code></pre>"},
		{"autolink bare", "see https://example.com/a?b=1 now",
			`<p>see <a href="https://example.com/a?b=1" ` + ext + `>https://example.com/a?b=1</a> now</p>`},
		{"autolink www", "www.example.org", `<p><a href="http://www.example.org" ` + ext + `>www.example.org</a></p>`},
		{"autolink angle", "<https://example.com>", `<p><a href="https://example.com" ` + ext + `>https://example.com</a></p>`},
		{"autolink email", "write to bob@example.org", `<p>write to <a href="mailto:bob@example.org" ` + ext + `>bob@example.org</a></p>`},
		{"link", "[docs](https://example.com/docs)", `<p><a href="https://example.com/docs" ` + ext + `>docs</a></p>`},
		{"link with title", `[d](https://e.com "a \"t\"")`, `<p><a href="https://e.com" ` + ext + ` title="a &#34;t&#34;">d</a></p>`},
		{"link with space", "[x](<https://e.com/a b>)", `<p><a href="https://e.com/a%20b" ` + ext + `>x</a></p>`},
		{"local link", "[channel](/chat/c/12)", `<p><a href="/chat/c/12">channel</a></p>`},
		{"relative link is text", "[x](page.html)", `<p>x</p>`},
		{"image is a link", "![a cat](https://example.com/cat.png)",
			`<p><a class="image-link" href="https://example.com/cat.png" ` + ext + `>a cat</a></p>`},
		{"image without alt", "![](https://example.com/cat.png)",
			`<p><a class="image-link" href="https://example.com/cat.png" ` + ext + `>https://example.com/cat.png</a></p>`},
		{"image in link", "[![badge](https://img.example/b.svg)](https://ci.example)",
			`<p><a href="https://ci.example" ` + ext + `>badge</a></p>`},
		{"mention known", "hi @bob!", `<p>hi <span class="mention" data-login="bob">@Bob Martin</span>!</p>`},
		{"mention case", "hi @BOB", `<p>hi <span class="mention" data-login="bob">@Bob Martin</span></p>`},
		{"mention unknown", "hi @nobody", `<p>hi @nobody</p>`},
		{"mention escaped name", "@eve", `<p><span class="mention" data-login="eve">@&lt;b&gt;x&lt;/b&gt;</span></p>`},
		{"mention here", "@here look", `<p><span class="mention special">@here</span> look</p>`},
		{"mention channel upper", "@Channel", `<p><span class="mention special">@channel</span></p>`},
		{"mention in code", "`@bob`", `<p><code>@bob</code></p>`},
		{"mention in link", "[@bob](https://e.com)", `<p><a href="https://e.com" ` + ext + `>@bob</a></p>`},
		{"mention escaped", `\@bob`, `<p>@bob</p>`},
		{"mention trailing dot", "thanks @bob.", `<p>thanks <span class="mention" data-login="bob">@Bob Martin</span>.</p>`},
		{"mention login with dot", "@dot.", `<p><span class="mention" data-login="dot.">@Dot Trailing</span></p>`},
		{"mention italic", "_@bob_", `<p><em><span class="mention" data-login="bob">@Bob Martin</span></em></p>`},
		{"channel", "see ~town-square", `<p>see <a class="channel-link" href="/chat/c/12">~town-square</a></p>`},
		{"channel unknown", "see ~nowhere", `<p>see ~nowhere</p>`},
		{"channel bad url", "~evil", `<p><span class="channel-link" data-channel="evil">~evil</span></p>`},
		{"channel trailing dot", "in ~dev.", `<p>in <a class="channel-link" href="/chat/c/3">~dev</a>.</p>`},
		{"emoji", ":smile: :+1: :tada:", `<p>😄 👍 🎉</p>`},
		{"emoji unknown", ":nosuchemoji: :octocat:", `<p>:nosuchemoji: :octocat:</p>`},
		{"emoji in code", "`:smile:`", `<p><code>:smile:</code></p>`},
		{"emoji inside a word", "a:b:c 10:100:00 :b:", `<p>a:b:c 10:100:00 🅱️</p>`},
		{"emoji after punctuation", "(:smile:):tada:", `<p>(😄)🎉</p>`},
		{"raw html is text", "<b>bold</b>", `<p>&lt;b&gt;bold&lt;/b&gt;</p>`},
		{"html block is text", "<div>\n*hi*\n</div>", "<p>&lt;div&gt;<br>\n<em>hi</em><br>\n&lt;/div&gt;</p>"},
		{"entity", "a &amp; b &lt;", `<p>a &amp; b &lt;</p>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Render(tt.in, newResolver()).HTML
			if got != tt.want {
				t.Errorf("Render(%q)\n got: %s\nwant: %s", tt.in, got, tt.want)
			}
			checkSafe(t, tt.in, got)
		})
	}
}

func TestRenderNilResolver(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hi @Bob", `<p>hi <span class="mention" data-login="bob">@Bob</span></p>`},
		{"@all", `<p><span class="mention special">@all</span></p>`},
		{"~Town-Square", `<p><span class="channel-link" data-channel="town-square">~town-square</span></p>`},
	}
	for _, tt := range tests {
		if got := Render(tt.in, nil).HTML; got != tt.want {
			t.Errorf("Render(%q, nil)\n got: %s\nwant: %s", tt.in, got, tt.want)
		}
	}
}

func TestExtract(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		mentions []string
		special  []string
		channels []string
		links    []string
	}{
		{name: "plain", in: "nothing here"},
		{name: "mentions in order, deduplicated", in: "@bob @alice @Bob @nobody",
			mentions: []string{"bob", "alice", "nobody"}},
		{name: "specials", in: "@here and @channel and @all and @here",
			special: []string{"here", "channel", "all"}},
		{name: "trailing dot", in: "thanks @bob.", mentions: []string{"bob"}},
		{name: "parentheses", in: "(@bob)", mentions: []string{"bob"}},
		{name: "apostrophe", in: "@bob's idea", mentions: []string{"bob"}},
		{name: "comma and colon", in: "@bob, @alice: hi", mentions: []string{"bob", "alice"}},
		{name: "hyphenated login", in: "@jean-paul-", mentions: []string{"jean-paul"}},
		{name: "email is not a mention", in: "email@example.org and x@bob"},
		{name: "too short", in: "@b @"},
		{name: "too long", in: "@" + strings.Repeat("a", 65)},
		{name: "longest login", in: "@" + strings.Repeat("a", 64), mentions: []string{strings.Repeat("a", 64)}},
		{name: "inside code span", in: "`@bob ~dev https://e.com`"},
		{name: "inside code block", in: "```\n@bob ~dev https://e.com\n```"},
		{name: "inside link label", in: "[@bob ~dev](/x)"},
		{name: "in URL", in: "https://e.com/@bob/~dev", links: []string{"https://e.com/@bob/~dev"}},
		{name: "channels", in: "~dev ~town-square ~Dev ~nowhere ~~strike~~",
			channels: []string{"dev", "town-square", "nowhere"}},
		{name: "links", in: "[a](https://a.example) https://b.example www.c.example ![i](http://d.example/i.png) <https://a.example>",
			links: []string{"https://a.example", "https://b.example", "http://www.c.example", "http://d.example/i.png"}},
		{name: "not previewable links", in: "[a](/local) [m](mailto:a@b.example) [j](javascript:x) e@f.example"},
		{name: "mention in heading and quote", in: "# @bob\n> @alice", mentions: []string{"bob", "alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range []Resolver{newResolver(), nil} {
				got := Render(tt.in, r)
				check := func(what string, got, want []string) {
					if !slices.Equal(got, want) {
						t.Errorf("%s of %q (resolver %v) = %q, want %q", what, tt.in, r != nil, got, want)
					}
				}
				check("Mentions", got.Mentions, tt.mentions)
				check("Special", got.Special, tt.special)
				check("Channels", got.Channels, tt.channels)
				check("Links", got.Links, tt.links)
			}
		})
	}
}

func TestPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"**bold** _em_ ~~del~~ `code *x*`", "bold em del code *x*"},
		{"[label](https://e.com) and https://f.com", "label and https://f.com"},
		{"![a cat](https://e.com/c.png)", "a cat"},
		{"hi @bob :tada: ~dev", "hi @bob 🎉 ~dev"},
		{"# Title\n\npara one\nline two\n\n> quote", "Title\npara one\nline two\nquote"},
		{"- [x] a\n- [ ] b", "[x] a\n[ ] b"},
		{"| a | b |\n|---|---|\n| 1 | 2 |", "a | b\n1 | 2"},
		{"```go\nfunc f() {}\n```", "func f() {}"},
		{`a &amp; b \*c\* <b>x</b>`, "a & b *c* <b>x</b>"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmoji(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"smile", "😄", true},
		{":+1:", "👍", true},
		{"thumbsup", "👍", true},
		{"tada", "🎉", true},
		{"heart", "❤️", true},
		{"octocat", "", false}, // GitHub's custom emoji: no Unicode
		{"nosuchemoji", "", false},
		{"", "", false},
		{"::", "", false},
	}
	for _, tt := range tests {
		got, ok := Emoji(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Emoji(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestHighlightCSS(t *testing.T) {
	css := HighlightCSS()
	for _, want := range []string{
		".chroma .kd {",
		"[data-theme=dark] .chroma .kd {",
		"@media (prefers-color-scheme: dark) {\n  [data-theme=auto] .chroma",
	} {
		if !strings.Contains(css, want) {
			t.Errorf("HighlightCSS has no %q", want)
		}
	}
	for _, line := range strings.Split(css, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), ".bg") {
			t.Errorf("HighlightCSS styles chroma's page background, which would leak into the app: %q", line)
		}
	}
	if strings.Count(css, "{") != strings.Count(css, "}") {
		t.Error("HighlightCSS has unbalanced braces")
	}
	// The classes the renderer writes for Go code are styled in both themes.
	html := Render("```go\nfunc main() { x := \"s\" }\n```", nil).HTML
	for _, class := range []string{"kd", "nf", "s"} {
		if !strings.Contains(html, `class="`+class+`"`) {
			t.Errorf("rendered Go code has no class %q: %s", class, html)
		}
		if !strings.Contains(css, ".chroma ."+class+" {") || !strings.Contains(css, "[data-theme=dark] .chroma ."+class+" {") {
			t.Errorf("HighlightCSS does not style .%s in both themes", class)
		}
	}
}

func TestMaxLength(t *testing.T) {
	in := strings.Repeat("é", MaxLength+100)
	got := Plain(in)
	if n := utf8.RuneCountInString(got); n != MaxLength {
		t.Errorf("Plain of %d runes returned %d runes, want %d", MaxLength+100, n, MaxLength)
	}
	if !utf8.ValidString(got) {
		t.Error("cut in the middle of a rune")
	}
	if got := Plain(strings.Repeat("a", MaxLength)); len(got) != MaxLength {
		t.Errorf("a message of exactly MaxLength was cut to %d", len(got))
	}
}

func TestInvalidUTF8(t *testing.T) {
	got := Render("a\xffb **\xc3**", nil)
	if !utf8.ValidString(got.HTML) {
		t.Errorf("Render of invalid UTF-8 gave invalid UTF-8: %q", got.HTML)
	}
	if want := "<p>a\uFFFDb <strong>\uFFFD</strong></p>"; got.HTML != want {
		t.Errorf("got %q, want %q", got.HTML, want)
	}
}

// TestNesting renders pathological inputs; `go test -timeout` bounds the time. Deep
// blockquotes and lists are unwrapped beyond maxNesting.
func TestNesting(t *testing.T) {
	inputs := map[string]string{
		"blockquotes": strings.Repeat(">", 10000) + " deep",
		"brackets":    strings.Repeat("[", 10000) + "x",
		// goldmark's cost grows with the square of these three; a few thousand levels are
		// as telling as the 16,000 characters a message may have, and cheaper under -race.
		"links":     strings.Repeat("[a](", 1500),
		"lists":     strings.Repeat("- ", 2000) + "deep",
		"mixed":     strings.Repeat("> - ", 1500) + "deep",
		"ordered":   strings.Repeat("1. ", 2000) + "deep",
		"emphasis":  strings.Repeat("*a", 8000),
		"backticks": strings.Repeat("`a", 8000),
		"tildes":    strings.Repeat("~a", 8000),
		"images":    strings.Repeat("![", 8000),
		"mentions":  strings.Repeat("@bob ", 3200),
		"highlight": "```js\n" + strings.Repeat("/*", 7990) + "\n```",
	}
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			got := Render(in, newResolver())
			checkSafe(t, in, got.HTML)
			for _, tag := range []string{"<blockquote>", "<ul>", "<ol>"} {
				if n := strings.Count(got.HTML, tag); n > maxNesting {
					t.Errorf("%d %s in the output, want at most %d", n, tag, maxNesting)
				}
			}
		})
	}
	in := strings.Repeat(">", 10000) + " deep"
	if got := Render(in, nil).HTML; !strings.Contains(got, "<p>deep</p>") {
		t.Errorf("the text of a deep blockquote is lost: %.200s", got)
	}
	if got := Plain(in); got != "deep" {
		t.Errorf("Plain of a deep blockquote = %q, want %q", got, "deep")
	}
}

func TestConcurrent(t *testing.T) {
	msgs := []string{"**a** @bob ~dev :tada:", "```go\nfunc f() {}\n```", "| a |\n|---|\n| b |", "https://e.com"}
	want := make([]string, len(msgs))
	for i, m := range msgs {
		want[i] = Render(m, newResolver()).HTML
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				k := (g + i) % len(msgs)
				if got := Render(msgs[k], newResolver()).HTML; got != want[k] {
					t.Errorf("concurrent Render(%q) = %q, want %q", msgs[k], got, want[k])
				}
			}
		})
	}
	wg.Wait()
}

// TestHighlightBudget: past the deadline, code is shown plain instead of being lexed.
func TestHighlightBudget(t *testing.T) {
	for _, tt := range []struct {
		name     string
		deadline time.Time
		want     string
	}{
		{"in time", time.Now().Add(time.Hour), `<pre class="chroma">`},
		{"past", time.Now().Add(-time.Second), "<pre><code>x := &lt;-ch\n</code></pre>\n"},
	} {
		var buf bytes.Buffer
		w := bufio.NewWriter(&buf)
		writeCode(w, "go", "x := <-ch\n", tt.deadline)
		_ = w.Flush()
		if !strings.HasPrefix(buf.String(), tt.want) {
			t.Errorf("%s: writeCode = %q, want it to start with %q", tt.name, buf.String(), tt.want)
		}
	}
}
