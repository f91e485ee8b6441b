package markup

import (
	"net/url"
	"strings"
	"time"

	east "github.com/yuin/goldmark-emoji/ast"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// externalAttrs go on every link that leaves the application.
const externalAttrs = ` rel="noopener noreferrer nofollow" target="_blank"`

type linkKind int

const (
	linkBad      linkKind = iota // rendered as text
	linkLocal                    // a path on this server
	linkExternal                 // http, https, mailto
)

// classifyURL decides what a link destination may be. It allows only http and https URLs
// with a host, mailto, and local paths ("/chat/c/12"); everything else (javascript:, data:,
// vbscript:, protocol-relative "//host", "/\host", relative paths) is refused. It returns
// the URL to use.
func classifyURL(dest string) (linkKind, string) {
	dest = strings.TrimSpace(dest)
	if dest == "" {
		return linkBad, ""
	}
	for i := 0; i < len(dest); i++ {
		// Control characters and backslashes have no place in a URL we write: browsers
		// drop or reinterpret them ("java\tscript:", "/\evil.example"). Spaces, allowed
		// in "<…>" destinations, are percent-encoded on output.
		if c := dest[i]; c < ' ' || c == 0x7f || c == '\\' {
			return linkBad, ""
		}
	}
	if dest[0] == '/' {
		if len(dest) > 1 && dest[1] == '/' {
			return linkBad, ""
		}
		return linkLocal, dest
	}
	u, err := url.Parse(dest)
	if err != nil {
		return linkBad, ""
	}
	switch u.Scheme { // url.Parse lower-cases the scheme
	case "http", "https":
		if u.Host == "" || u.Opaque != "" {
			return linkBad, ""
		}
	case "mailto":
		if u.Opaque == "" {
			return linkBad, ""
		}
	default:
		return linkBad, ""
	}
	return linkExternal, dest
}

func autoLinkURL(n *ast.AutoLink, source []byte) string {
	u := string(n.URL(source))
	if n.AutoLinkType == ast.AutoLinkEmail && !strings.HasPrefix(strings.ToLower(u), "mailto:") {
		u = "mailto:" + u
	}
	return u
}

// nodeRenderer replaces goldmark's rendering of the nodes whose output needs a policy:
// links, images, code blocks, and this package's own nodes.
type nodeRenderer struct{}

func (r *nodeRenderer) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindLink, r.link)
	reg.Register(ast.KindAutoLink, r.autoLink)
	reg.Register(ast.KindImage, r.image)
	reg.Register(ast.KindFencedCodeBlock, r.fencedCode)
	reg.Register(ast.KindRawHTML, r.rawHTML)
	reg.Register(ast.KindHTMLBlock, r.htmlBlock)
	reg.Register(kindMention, r.mention)
	reg.Register(kindChannel, r.channel)
	reg.Register(east.KindEmoji, r.emoji)
}

func writeHref(w util.BufWriter, u string, kind linkKind) {
	_, _ = w.WriteString(`href="`)
	_, _ = w.Write(util.EscapeHTML(util.URLEscape([]byte(u), true)))
	_ = w.WriteByte('"')
	if kind == linkExternal {
		_, _ = w.WriteString(externalAttrs)
	}
}

func (r *nodeRenderer) link(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	n := node.(*ast.Link)
	kind, u := classifyURL(string(n.Destination))
	if kind == linkBad || inLink(n) {
		return ast.WalkContinue, nil // the label alone, as text
	}
	if !entering {
		_, _ = w.WriteString("</a>")
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<a ")
	writeHref(w, u, kind)
	if len(n.Title) > 0 {
		_, _ = w.WriteString(` title="`)
		html.DefaultWriter.Write(w, n.Title) // resolves escapes and entities, escapes HTML
		_ = w.WriteByte('"')
	}
	_ = w.WriteByte('>')
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) autoLink(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.AutoLink)
	label := util.EscapeHTML(n.Label(source))
	kind, u := classifyURL(autoLinkURL(n, source))
	if kind == linkBad || inLink(n) {
		_, _ = w.Write(label)
		return ast.WalkContinue, nil
	}
	_, _ = w.WriteString("<a ")
	writeHref(w, u, kind)
	_ = w.WriteByte('>')
	_, _ = w.Write(label)
	_, _ = w.WriteString("</a>")
	return ast.WalkContinue, nil
}

// image renders ![alt](url) as a link to the image, labelled with its alt text: images are
// never loaded from other hosts (privacy, and the CSP allows img-src 'self' only).
func (r *nodeRenderer) image(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.Image)
	var alt strings.Builder
	plainChildren(&alt, n, source)
	label := strings.TrimSpace(alt.String())
	kind, u := classifyURL(string(n.Destination))
	if kind == linkBad || inLink(n) {
		_, _ = w.Write(util.EscapeHTML([]byte(label)))
		return ast.WalkSkipChildren, nil
	}
	if label == "" {
		label = u
	}
	_, _ = w.WriteString(`<a class="image-link" `)
	writeHref(w, u, kind)
	_ = w.WriteByte('>')
	_, _ = w.Write(util.EscapeHTML([]byte(label)))
	_, _ = w.WriteString("</a>")
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) fencedCode(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*ast.FencedCodeBlock)
	var code strings.Builder
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(source))
	}
	deadline, _ := n.OwnerDocument().AttributeString(deadlineKey)
	d, ok := deadline.(time.Time)
	if !ok {
		d = time.Now().Add(highlightBudget)
	}
	writeCode(w, string(n.Language(source)), code.String(), d)
	return ast.WalkSkipChildren, nil
}

// rawHTML and htmlBlock are not reached while the HTML parsers are left out (see
// newMarkdown); if they ever are, raw HTML is shown as text, never interpreted.
func (r *nodeRenderer) rawHTML(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.RawHTML)
	for i := 0; i < n.Segments.Len(); i++ {
		seg := n.Segments.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
	}
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) htmlBlock(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkSkipChildren, nil
	}
	n := node.(*ast.HTMLBlock)
	_, _ = w.WriteString("<p>")
	lines := n.Lines()
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		_, _ = w.Write(util.EscapeHTML(seg.Value(source)))
	}
	if n.HasClosure() {
		_, _ = w.Write(util.EscapeHTML(n.ClosureLine.Value(source)))
	}
	_, _ = w.WriteString("</p>\n")
	return ast.WalkSkipChildren, nil
}

func (r *nodeRenderer) mention(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*mentionNode)
	switch {
	case inLink(n) || (n.resolved && !n.known && !n.special):
		_ = w.WriteByte('@')
		_, _ = w.Write(util.EscapeHTML([]byte(n.raw)))
	case n.special:
		_, _ = w.WriteString(`<span class="mention special">@`)
		_, _ = w.WriteString(n.login)
		_, _ = w.WriteString(`</span>`)
	default:
		label := n.raw
		if n.known && strings.TrimSpace(n.display) != "" {
			label = n.display
		}
		_, _ = w.WriteString(`<span class="mention" data-login="`)
		_, _ = w.WriteString(n.login) // [a-z0-9._-] only
		_, _ = w.WriteString(`">@`)
		_, _ = w.Write(util.EscapeHTML([]byte(label)))
		_, _ = w.WriteString(`</span>`)
	}
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) channel(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*channelNode)
	if inLink(n) || (n.resolved && n.url == "") {
		_ = w.WriteByte('~')
		_, _ = w.Write(util.EscapeHTML([]byte(n.raw)))
		return ast.WalkContinue, nil
	}
	if n.url != "" {
		// The Resolver is trusted, but its URL still goes through the same policy.
		if kind, u := classifyURL(n.url); kind != linkBad {
			_, _ = w.WriteString(`<a class="channel-link" `)
			writeHref(w, u, kind)
			_, _ = w.WriteString(`>~`)
			_, _ = w.WriteString(n.name) // [a-z0-9._-] only
			_, _ = w.WriteString(`</a>`)
			return ast.WalkContinue, nil
		}
	}
	_, _ = w.WriteString(`<span class="channel-link" data-channel="`)
	_, _ = w.WriteString(n.name)
	_, _ = w.WriteString(`">~`)
	_, _ = w.WriteString(n.name)
	_, _ = w.WriteString(`</span>`)
	return ast.WalkContinue, nil
}

func (r *nodeRenderer) emoji(w util.BufWriter, source []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
	if !entering {
		return ast.WalkContinue, nil
	}
	n := node.(*east.Emoji)
	if n.Value.IsUnicode() {
		_, _ = w.WriteString(string(n.Value.Unicode))
	} else {
		_ = w.WriteByte(':')
		_, _ = w.Write(util.EscapeHTML(n.ShortName))
		_ = w.WriteByte(':')
	}
	return ast.WalkContinue, nil
}
