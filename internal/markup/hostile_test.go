package markup

import (
	"bytes"
	"io"
	"regexp"
	"strings"
	"testing"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"golang.org/x/net/html"
)

// allowedTags are the elements the renderer may produce.
var allowedTags = map[string]bool{
	"p": true, "br": true, "hr": true, "strong": true, "em": true, "del": true, "code": true,
	"pre": true, "blockquote": true, "ul": true, "ol": true, "li": true, "h1": true, "h2": true,
	"h3": true, "h4": true, "h5": true, "h6": true, "table": true, "thead": true, "tbody": true,
	"tr": true, "th": true, "td": true, "a": true, "span": true, "input": true,
}

var allowedAttrs = map[string]bool{
	"href": true, "rel": true, "target": true, "title": true, "class": true, "data-login": true,
	"data-channel": true, "start": true, "align": true, "type": true, "checked": true, "disabled": true,
}

var dangerousScheme = regexp.MustCompile(`(?i)^\s*(javascript|data|vbscript|file):`)

// checkSafe fails t unless out, the HTML rendered from in, holds only allowed elements and
// attributes, no event handler or style attribute, and only http(s), mailto or local links.
// It reads the HTML as a browser tokenizer does, so text that merely looks like markup
// ("&lt;img onerror=…&gt;") is not mistaken for it.
func checkSafe(t testing.TB, in, out string) {
	t.Helper()
	lower := strings.ToLower(out)
	for _, bad := range []string{"<script", "<iframe", "<img", "<svg", "<style", "<object", "<embed", "<form", "<math", "<base", "<meta", "<link"} {
		if strings.Contains(lower, bad) {
			t.Errorf("Render(%q) contains %s: %s", in, bad, out)
		}
	}
	z := html.NewTokenizer(strings.NewReader(out))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			if z.Err() != io.EOF {
				t.Errorf("Render(%q): tokenizer: %v", in, z.Err())
			}
			return
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		tok := z.Token()
		if !allowedTags[tok.Data] {
			t.Errorf("Render(%q) has a <%s> element: %s", in, tok.Data, out)
		}
		for _, a := range tok.Attr {
			name := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(name, "on"), name == "style", !allowedAttrs[name]:
				t.Errorf("Render(%q) has a %s attribute on <%s>: %s", in, name, tok.Data, out)
			case name == "href":
				if dangerousScheme.MatchString(a.Val) || strings.HasPrefix(a.Val, "//") {
					t.Errorf("Render(%q) links to %q: %s", in, a.Val, out)
				}
				if k, _ := classifyURL(a.Val); k == linkBad {
					t.Errorf("Render(%q) links to %q, which the link policy refuses: %s", in, a.Val, out)
				}
			}
		}
		if tok.Data == "input" {
			disabled := false
			for _, a := range tok.Attr {
				disabled = disabled || a.Key == "disabled"
			}
			if !disabled {
				t.Errorf("Render(%q) has an enabled <input>: %s", in, out)
			}
		}
	}
}

func TestHostile(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<script>alert(1)</script>", `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
		{"<SCRIPT SRC=//evil.example/x.js></SCRIPT>", `<p>&lt;SCRIPT SRC=//evil.example/x.js&gt;&lt;/SCRIPT&gt;</p>`},
		{"<img src=x onerror=alert(1)>", `<p>&lt;img src=x onerror=alert(1)&gt;</p>`},
		{"[x](javascript:alert(1))", `<p>x</p>`},
		{"[x](JaVaScRiPt:alert(1))", `<p>x</p>`},
		{"[x](  javascript:alert(1))", `<p>x</p>`},
		{"[x](<javascript:alert(1)>)", `<p>x</p>`},
		{"[x](java\tscript:alert(1))", `<p>[x](java	script:alert(1))</p>`},
		{"[x](<java\tscript:alert(1)>)", `<p>x</p>`},
		{"[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", `<p>x</p>`},
		{"[x](vbscript:msgbox(1))", `<p>x</p>`},
		{"[x](//evil.example)", `<p>x</p>`},
		{`[x](/\evil.example)`, `<p>x</p>`},
		{"[x](file:///etc/passwd)", `<p>x</p>`},
		{"[x](https:evil.example)", `<p>x</p>`},
		{`<a href="javascript:alert(1)">x</a>`, `<p>&lt;a href=&#34;javascript:alert(1)&#34;&gt;x&lt;/a&gt;</p>`},
		{"![x](https://tracker.example/p.gif)",
			`<p><a class="image-link" href="https://tracker.example/p.gif" ` + ext + `>x</a></p>`},
		{"![x](javascript:alert(1))", `<p>x</p>`},
		{`![x" onerror="alert(1)](https://e.example/i.png)`,
			`<p><a class="image-link" href="https://e.example/i.png" ` + ext + `>x&#34; onerror=&#34;alert(1)</a></p>`},
		{"<svg onload=alert(1)>", `<p>&lt;svg onload=alert(1)&gt;</p>`},
		{`"><iframe src="https://evil.example">`, `<p>&#34;&gt;&lt;iframe src=&#34;https://evil.example&#34;&gt;</p>`},
		{"<javascript:alert(1)>", `<p>javascript:alert(1)</p>`},
		{"javascript:alert(1)", `<p>javascript:alert(1)</p>`},
		{"[x](&#106;avascript:alert(1))", `<p>x</p>`},
		{"[x](&#x6A;avascript&#58;alert(1))", `<p>x</p>`},
		{"[x](javascript&colon;alert(1))", `<p>x</p>`},
		{"&#60;script&#62;alert(1)&#60;/script&#62;", `<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>`},
		{"[x][evil]\n\n[evil]: javascript:alert(1)", `<p>x</p>`},
		{"[evil]\n\n[evil]: javascript:alert(1)", `<p>evil</p>`},
		{`[x](https://e.example "x\" onmouseover=\"alert(1)")`,
			`<p><a href="https://e.example" ` + ext + ` title="x&#34; onmouseover=&#34;alert(1)">x</a></p>`},
		{`[x](https://e.example/"onmouseover="alert(1))`,
			`<p><a href="https://e.example/%22onmouseover=%22alert(1)" ` + ext + `>x</a></p>`},
		{"```html\n<script>alert(1)</script>\n```", ""},
		{"```\"><script>alert(1)</script>\nx\n```", "<pre><code>x\n</code></pre>"},
		{"`<style>body{display:none}</style>`", `<p><code>&lt;style&gt;body{display:none}&lt;/style&gt;</code></p>`},
		{"<div style=\"position:fixed\">x</div>", `<p>&lt;div style=&#34;position:fixed&#34;&gt;x&lt;/div&gt;</p>`},
		{"<!-- comment --><?php x ?><![CDATA[y]]>", `<p>&lt;!-- comment --&gt;&lt;?php x ?&gt;&lt;![CDATA[y]]&gt;</p>`},
		{"@eve", `<p><span class="mention" data-login="eve">@&lt;b&gt;x&lt;/b&gt;</span></p>`},
		{"~evil", `<p><span class="channel-link" data-channel="evil">~evil</span></p>`},
		{"| <img src=x> |\n|---|\n| [x](javascript:1) |",
			"<table>\n<thead>\n<tr>\n<th>&lt;img src=x&gt;</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>x</td>\n</tr>\n</tbody>\n</table>"},
	}
	for _, tt := range tests {
		got := Render(tt.in, newResolver()).HTML
		checkSafe(t, tt.in, got)
		if strings.Contains(got, "style=") && !strings.Contains(tt.in, "style=") {
			t.Errorf("Render(%q) contains style=: %s", tt.in, got)
		}
		if tt.want != "" && got != tt.want {
			t.Errorf("Render(%q)\n got: %s\nwant: %s", tt.in, got, tt.want)
		}
	}
}

// TestSanitizer checks the defence in depth on its own: whatever reaches it, only what the
// renderer produces gets through.
func TestSanitizer(t *testing.T) {
	tests := []struct{ in, want string }{
		{`<script>alert(1)</script><p>ok</p>`, `<p>ok</p>`},
		{`<img src=x onerror=alert(1)>`, ``},
		{`<a href="javascript:alert(1)">x</a>`, `x`},
		{`<a href="https://e.example" onclick="x()" style="color:red">x</a>`, `<a href="https://e.example">x</a>`},
		{`<span class="mention evil">@x</span>`, `<span>@x</span>`},
		{`<span class="mention" data-login="bob" data-x="1">@Bob</span>`, `<span class="mention" data-login="bob">@Bob</span>`},
		{`<input type="text" value="x">`, ``},
		{`<iframe src="https://e.example"></iframe><svg onload=x></svg>`, ``},
		{`<pre class="chroma" style="x"><code class="x">a</code></pre>`, `<pre class="chroma"><code>a</code></pre>`},
	}
	for _, tt := range tests {
		if got := policy().Sanitize(tt.in); got != tt.want {
			t.Errorf("Sanitize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestClassifyURL(t *testing.T) {
	tests := []struct {
		in   string
		want linkKind
	}{
		{"https://example.com", linkExternal},
		{"HTTP://EXAMPLE.COM/x", linkExternal},
		{"mailto:a@b.example", linkExternal},
		{"/chat/c/12", linkLocal},
		{"/", linkLocal},
		{"", linkBad},
		{"//evil.example", linkBad},
		{`/\evil.example`, linkBad},
		{"javascript:alert(1)", linkBad},
		{" javascript:alert(1)", linkBad},
		{"java\nscript:alert(1)", linkBad},
		{"java script:alert(1)", linkBad},
		{"https://e.example/a b", linkExternal},
		{"data:text/html,x", linkBad},
		{"https:", linkBad},
		{"https:evil.example", linkBad},
		{"mailto:", linkBad},
		{"ftp://example.com", linkBad},
		{"page.html", linkBad},
		{"#top", linkBad},
		{"https://a.example/\x00", linkBad},
	}
	for _, tt := range tests {
		if got, _ := classifyURL(tt.in); got != tt.want {
			t.Errorf("classifyURL(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestNoRawHTMLNodes: the HTML parsers are really left out, so raw HTML never even reaches
// the renderer as HTML.
func TestNoRawHTMLNodes(t *testing.T) {
	src := []byte("<b>x</b> <!-- c -->\n\n<div>\n<script>alert(1)</script>\n</div>\n\n<?php ?>")
	doc := parse(src, nil)
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if k := n.Kind(); k == ast.KindRawHTML || k == ast.KindHTMLBlock {
			t.Errorf("parse produced a %s node", k)
		}
		return ast.WalkContinue, nil
	})
}

// TestRawHTMLRenderers: should raw HTML nodes ever reach the renderer (another parser, a
// future goldmark default), they are shown as text.
func TestRawHTMLRenderers(t *testing.T) {
	src := []byte("<div onclick=x>\n<script>alert(1)</script>\n</div>\n\nsee <b onmouseover=x>bold</b>\n")
	doc := goldmark.DefaultParser().Parse(text.NewReader(src))
	var buf bytes.Buffer
	if err := md().Renderer().Render(&buf, src, doc); err != nil {
		t.Fatal(err)
	}
	want := "<p>&lt;div onclick=x&gt;\n&lt;script&gt;alert(1)&lt;/script&gt;\n&lt;/div&gt;\n</p>\n" +
		"<p>see &lt;b onmouseover=x&gt;bold&lt;/b&gt;</p>\n"
	if got := buf.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}
