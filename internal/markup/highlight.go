package markup

import (
	"bytes"
	"embed"
	"io/fs"
	"sync"
	"time"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/yuin/goldmark/util"
)

// The languages and the stylesheet come from chroma, as files that go generate writes
// (TestHighlightFiles with -update, which also checks that they are current). chroma's own
// lexers and styles packages are not imported: at start they parse the definitions of
// every one of their ~280 languages and ~70 styles, which costs megabytes of heap and of
// resident binary while a server may never highlight a line.
//
//go:generate go test -run ^TestHighlightFiles$ -update
//go:embed highlight/*.xml
var highlightFS embed.FS

//go:embed highlight/highlight.css
var highlightCSS string

// HighlightCSS returns the stylesheet for highlighted code: chroma's "github" theme by
// default, "github-dark" under [data-theme=dark], and under [data-theme=auto] when the
// system prefers dark. The web package serves it as a static file.
func HighlightCSS() string { return highlightCSS }

// languages are the lexers of highlightFS, read on the first code block that names a
// language. Only their configurations are read then; chroma compiles a lexer's rules the
// first time it is used.
var languages = sync.OnceValue(func() *chroma.LexerRegistry {
	reg := chroma.NewLexerRegistry()
	paths, err := fs.Glob(highlightFS, "highlight/*.xml")
	if err != nil {
		panic(err) // a fixed, valid pattern
	}
	for _, p := range paths {
		reg.Register(chroma.MustNewXMLLexer(highlightFS, p)) // embedded and tested
	}
	return reg
})

// lexer returns the lexer of lang (a name, alias or file extension), or nil.
func lexer(lang string) chroma.Lexer { return languages().Get(lang) }

// Code is highlighted with CSS classes only: the CSP forbids inline styles. With classes,
// the formatter needs a style only for its own bookkeeping: the colours are in
// HighlightCSS.
var (
	codeFormatter = chromahtml.New(chromahtml.WithClasses(true))
	codeStyle     = chroma.MustNewStyle("ruche", chroma.StyleEntries{})
)

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

// writeCode writes a code block, highlighted when lang names one of the languages and the
// deadline allows.
func writeCode(w util.BufWriter, lang, code string, deadline time.Time) {
	if lang != "" && len(code) <= maxHighlight {
		if l := lexer(lang); l != nil {
			if html, ok := highlight(l, code, deadline); ok {
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
	if err := codeFormatter.Format(&buf, codeStyle, chroma.Literator(tokens...)); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}
