package markup

import (
	"bytes"
	"strings"
	"sync"
	"time"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
	"github.com/yuin/goldmark/util"
)

// Code is highlighted with CSS classes only: the CSP forbids inline styles.
var codeFormatter = chromahtml.New(chromahtml.WithClasses(true))

// maxHighlight bounds the code that goes through a lexer; longer blocks are shown plain.
// A message is at most MaxLength characters, so this only matters for multi-byte text.
const maxHighlight = 32 << 10

// highlightBudget is the time one message may spend in chroma's lexers. They are built on
// backtracking regular expressions (each match is cut at 250 ms, but a timed-out match
// only moves the lexer on by one character), so hostile code could keep a lexer busy for
// minutes. Past the budget, the remaining code blocks of the message are shown plain.
// Ordinary code lexes at a few hundred nanoseconds a byte: 16,000 characters of Go take
// well under a tenth of the budget.
const highlightBudget = 250 * time.Millisecond

// deadlineKey holds, on the document, the time.Time after which code is no longer
// highlighted.
const deadlineKey = "ruche-highlight-deadline"

// writeCode writes a code block, highlighted when lang names a language chroma knows and
// the deadline allows.
func writeCode(w util.BufWriter, lang, code string, deadline time.Time) {
	if lang != "" && len(code) <= maxHighlight {
		if lexer := lexers.Get(lang); lexer != nil {
			if html, ok := highlight(lexer, code, deadline); ok {
				_, _ = w.Write(html)
				_ = w.WriteByte('\n')
				return
			}
		}
	}
	_, _ = w.WriteString("<pre><code>")
	_, _ = w.Write(util.EscapeHTML([]byte(code)))
	_, _ = w.WriteString("</code></pre>\n")
}

// highlight lexes code, pulling tokens one by one so that it can give up at the deadline.
func highlight(lexer chroma.Lexer, code string, deadline time.Time) ([]byte, bool) {
	if time.Now().After(deadline) {
		return nil, false
	}
	it, err := chroma.Coalesce(lexer).Tokenise(nil, code)
	if err != nil {
		return nil, false
	}
	var tokens []chroma.Token
	for i := 1; ; i++ {
		t := it()
		if t == chroma.EOF {
			break
		}
		tokens = append(tokens, t)
		if i%32 == 0 && time.Now().After(deadline) {
			return nil, false
		}
	}
	var buf bytes.Buffer
	if err := codeFormatter.Format(&buf, styles.Fallback, chroma.Literator(tokens...)); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// Themes of the highlighting stylesheet.
const (
	lightStyle = "github"
	darkStyle  = "github-dark"
)

var highlightCSS = sync.OnceValue(buildHighlightCSS)

// HighlightCSS returns the stylesheet for highlighted code: the light theme by default, the
// dark one under [data-theme=dark], and under [data-theme=auto] when the system prefers
// dark. The web package serves it as a static file.
func HighlightCSS() string { return highlightCSS() }

func buildHighlightCSS() string {
	f := chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithCSSComments(false))
	rules := func(style, scope string) []string {
		var buf bytes.Buffer
		if err := f.WriteCSS(&buf, styles.Get(style)); err != nil {
			panic("markup: chroma CSS for " + style + ": " + err.Error()) // fixed input
		}
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			// ".bg" is for chroma's standalone pages; here it would style any element
			// of the application that happens to have that class.
			if line == "" || strings.HasPrefix(line, ".bg ") {
				continue
			}
			out = append(out, scope+line)
		}
		return out
	}
	var b strings.Builder
	b.WriteString("/* Code highlighting: chroma styles " + lightStyle + " and " + darkStyle + ". */\n")
	for _, r := range rules(lightStyle, "") {
		b.WriteString(r + "\n")
	}
	for _, r := range rules(darkStyle, "[data-theme=dark] ") {
		b.WriteString(r + "\n")
	}
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	for _, r := range rules(darkStyle, "[data-theme=auto] ") {
		b.WriteString("  " + r + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}
