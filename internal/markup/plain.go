package markup

import (
	"bufio"
	"bytes"
	"html"
	"strings"

	east "github.com/yuin/goldmark-emoji/ast"
	"github.com/yuin/goldmark/ast"
	extast "github.com/yuin/goldmark/extension/ast"
	ghtml "github.com/yuin/goldmark/renderer/html"
)

// Plain returns the text of a message with the markup removed, for notifications (desktop,
// and e-mail digests that subscribe to them): emphasis and link syntax go, link labels, code, emoji and
// mentions (as written) stay, and blocks are separated by newlines. The result is text, not
// HTML: the caller escapes it like any other text.
func Plain(message string) string {
	src := normalize(message)
	doc := parse(src, nil)
	var b strings.Builder
	plainChildren(&b, doc, src)
	return strings.TrimSpace(b.String())
}

// plainChildren writes the text of n's children to b.
func plainChildren(b *strings.Builder, n ast.Node, source []byte) {
	for c := n.FirstChild(); c != nil; c = c.NextSibling() {
		plainNode(b, c, source)
	}
}

func plainNode(b *strings.Builder, n ast.Node, source []byte) {
	switch n := n.(type) {
	case *ast.Text:
		writeText(b, n.Value(source))
		if n.SoftLineBreak() || n.HardLineBreak() {
			b.WriteByte('\n')
		}
		return
	case *ast.String:
		if n.IsCode() || n.IsRaw() {
			b.Write(n.Value)
		} else {
			writeText(b, n.Value)
		}
		return
	case *ast.CodeSpan:
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch t := c.(type) {
			case *ast.Text:
				b.Write(t.Value(source))
			case *ast.String:
				b.Write(t.Value)
			}
		}
		return
	case *ast.FencedCodeBlock, *ast.CodeBlock, *ast.HTMLBlock:
		lines := n.Lines()
		for i := 0; i < lines.Len(); i++ {
			seg := lines.At(i)
			b.Write(seg.Value(source))
		}
		newline(b)
		return
	case *ast.RawHTML:
		for i := 0; i < n.Segments.Len(); i++ {
			seg := n.Segments.At(i)
			b.Write(seg.Value(source))
		}
		return
	case *ast.AutoLink:
		b.Write(n.Label(source))
		return
	case *east.Emoji:
		if n.Value.IsUnicode() {
			b.WriteString(string(n.Value.Unicode))
		} else {
			b.WriteString(":" + string(n.ShortName) + ":")
		}
		return
	case *mentionNode:
		b.WriteString("@" + n.raw)
		return
	case *channelNode:
		b.WriteString("~" + n.raw)
		return
	case *extast.TaskCheckBox:
		if n.IsChecked {
			b.WriteString("[x] ")
		} else {
			b.WriteString("[ ] ")
		}
		return
	case *ast.ThematicBreak:
		newline(b)
		return
	}
	plainChildren(b, n, source)
	switch n.(type) {
	case *extast.TableCell:
		if n.NextSibling() != nil {
			b.WriteString(" | ")
		}
	case *ast.Paragraph, *ast.TextBlock, *ast.Heading, *ast.ListItem, *ast.Blockquote,
		*ast.List, *extast.TableRow, *extast.TableHeader, *extast.Table:
		newline(b)
	}
}

// newline ends the current line unless it is already ended.
func newline(b *strings.Builder) {
	if s := b.String(); s != "" && !strings.HasSuffix(s, "\n") {
		b.WriteByte('\n')
	}
}

// writeText writes a text segment as goldmark would show it: backslash escapes and
// entities resolved.
func writeText(b *strings.Builder, v []byte) {
	if bytes.IndexByte(v, '\\') < 0 && bytes.IndexByte(v, '&') < 0 {
		b.Write(v)
		return
	}
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	ghtml.DefaultWriter.Write(w, v)
	_ = w.Flush()
	b.WriteString(html.UnescapeString(buf.String()))
}
