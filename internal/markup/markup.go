// Package markup turns chat messages (Markdown, as Mattermost and Slack users write them)
// into safe HTML fragments, and extracts what the chat service needs from them: mentions,
// channel references and links.
//
// It owns the Markdown dialect of chat posts and the guarantee that its HTML output is safe
// to insert in a page of the application's origin: raw HTML is never rendered, links are
// limited to http, https, mailto and local paths, remote images are never loaded, and the
// output goes through a strict allow-list sanitizer as defence in depth.
//
// It must not do I/O of its own: looking users and channels up is the caller's job, through
// the Resolver it passes in.
package markup

import (
	"bytes"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/yuin/goldmark"
	emoji "github.com/yuin/goldmark-emoji"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MaxLength is the longest message, in characters (runes), that Render and Plain read.
// The chat service rejects longer posts; Render and Plain cut longer input at this length
// so that a caller that forgot to check cannot make them work on unbounded input.
const MaxLength = 16000

// Result is a rendered message and what was found in it.
type Result struct {
	// HTML is a sanitized HTML fragment.
	HTML string
	// Mentions are the lower-case logins mentioned with @login, deduplicated, in order of
	// first appearance, without the special mentions. Every syntactic mention is listed,
	// whether or not the Resolver knows the login; the caller decides whom to notify.
	Mentions []string
	// Special holds "channel", "here" and "all" when @channel, @here or @all appear.
	Special []string
	// Channels are the lower-case channel names referenced as ~name, deduplicated, in order.
	Channels []string
	// Links are the absolute http(s) URLs linked (links, bare URLs and images),
	// deduplicated, in order; for later previews.
	Links []string
}

// Resolver looks up the users and channels a message refers to. It is declared here and
// implemented by the chat service.
type Resolver interface {
	// User returns the display name of the user with this lower-case login.
	User(login string) (displayName string, ok bool)
	// Channel returns the local path of the channel with this lower-case name,
	// such as "/chat/c/12".
	Channel(name string) (url string, ok bool)
}

// md is built on first use: with its emoji table it holds a few hundred kilobytes that a
// server which renders nothing does not need.
var md = sync.OnceValue(newMarkdown)

func newMarkdown() goldmark.Markdown {
	// Raw HTML is neither parsed as an HTML block nor as inline HTML: without those parsers
	// "<b>x</b>" is ordinary text, escaped on output like any other, and the Markdown and
	// mentions around it keep working.
	blocks := without(parser.DefaultBlockParsers(), parser.NewHTMLBlockParser())
	inlines := without(parser.DefaultInlineParsers(), parser.NewRawHTMLParser())
	p := parser.NewParser(
		parser.WithBlockParsers(blocks...),
		parser.WithInlineParsers(inlines...),
		parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
		parser.WithInlineParsers(
			// Before strikethrough (500) so that "~name" is a channel; "~~" is left to it.
			util.Prioritized(&channelParser{}, 450),
			util.Prioritized(&mentionParser{}, 450),
			util.Prioritized(emojiParser{emoji.NewParser()}, 990),
		),
	)
	return goldmark.New(
		goldmark.WithParser(p),
		goldmark.WithExtensions(
			extension.NewTable(extension.WithTableCellAlignMethod(extension.TableCellAlignAttribute)),
			extension.Strikethrough,
			extension.TaskList,
			extension.NewLinkify(extension.WithLinkifyAllowedProtocols([]string{"http:", "https:"})),
		),
		goldmark.WithRendererOptions(
			// A newline in a chat message is a line break, as in Mattermost.
			html.WithHardWraps(),
			renderer.WithNodeRenderers(util.Prioritized(&nodeRenderer{}, 100)),
		),
	)
}

// without returns ps less the parser of the same type as drop.
func without(ps util.PrioritizedSlice, drop any) []util.PrioritizedValue {
	t := reflect.TypeOf(drop)
	out := make([]util.PrioritizedValue, 0, len(ps))
	for _, p := range ps {
		if reflect.TypeOf(p.Value) != t {
			out = append(out, p)
		}
	}
	return out
}

var resolverKey = parser.NewContextKey()

// normalize makes message valid UTF-8 and cuts it at MaxLength runes.
func normalize(message string) []byte {
	message = strings.ToValidUTF8(message, "\uFFFD")
	if len(message) > MaxLength { // bytes ≥ runes: only then can there be too many runes
		n := 0
		for i := range message {
			if n == MaxLength {
				message = message[:i]
				break
			}
			n++
		}
	}
	return []byte(message)
}

func parse(src []byte, r Resolver) ast.Node {
	pc := parser.NewContext()
	if r != nil {
		pc.Set(resolverKey, r)
	}
	doc := md().Parser().Parse(text.NewReader(src), parser.WithContext(pc))
	flatten(doc, 0)
	return doc
}

// Render turns a chat message into sanitized HTML and extracts its mentions, channel
// references and links. r may be nil: then @mentions and ~channels are extracted and
// rendered as plain spans, without lookups.
func Render(message string, r Resolver) Result {
	src := normalize(message)
	doc := parse(src, r)
	res := extract(doc, src)
	var buf bytes.Buffer
	buf.Grow(len(src) + len(src)/2 + 64)
	doc.SetAttributeString(deadlineKey, time.Now().Add(highlightBudget))
	if err := md().Renderer().Render(&buf, src, doc); err != nil {
		// The renderer writes to memory and none of its node renderers fails: an error
		// here is a bug. Show the message as escaped text rather than nothing.
		buf.Reset()
		buf.WriteString("<p>")
		buf.Write(util.EscapeHTML(src))
		buf.WriteString("</p>")
	}
	res.HTML = strings.TrimRight(policy().Sanitize(buf.String()), "\n")
	return res
}

// extract walks the parsed message and collects mentions, channels and links. Nothing
// inside a link (its label) is a mention or a channel reference, and code is never walked
// into because the inline parsers do not run there.
func extract(doc ast.Node, src []byte) Result {
	var res Result
	seen := map[string]bool{}
	add := func(list *[]string, kind, v string) {
		if k := kind + v; !seen[k] {
			seen[k] = true
			*list = append(*list, v)
		}
	}
	inLink := 0
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		switch n := n.(type) {
		case *ast.Link:
			if entering {
				inLink++
				if inLink == 1 {
					if k, u := classifyURL(string(n.Destination)); k == linkExternal && isHTTP(u) {
						add(&res.Links, "l", u)
					}
				}
			} else {
				inLink--
			}
		case *ast.Image:
			if entering && inLink == 0 {
				if k, u := classifyURL(string(n.Destination)); k == linkExternal && isHTTP(u) {
					add(&res.Links, "l", u)
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.AutoLink:
			if entering && inLink == 0 {
				if k, u := classifyURL(autoLinkURL(n, src)); k == linkExternal && isHTTP(u) {
					add(&res.Links, "l", u)
				}
			}
		case *mentionNode:
			if entering && inLink == 0 {
				if n.special {
					add(&res.Special, "s", n.login)
				} else {
					add(&res.Mentions, "m", n.login)
				}
			}
		case *channelNode:
			if entering && inLink == 0 {
				add(&res.Channels, "c", n.name)
			}
		}
		return ast.WalkContinue, nil
	})
	return res
}

func isHTTP(u string) bool {
	return strings.HasPrefix(u, "http://") || strings.HasPrefix(u, "https://")
}

// inLink reports whether n is inside a link, where links, mentions and channel references
// are shown as text (an <a> may not contain another).
func inLink(n ast.Node) bool {
	for p := n.Parent(); p != nil; p = p.Parent() {
		if p.Kind() == ast.KindLink {
			return true
		}
	}
	return false
}
