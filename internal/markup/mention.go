package markup

import (
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Logins are [a-z0-9][a-z0-9._-]{1,63}, matched case-insensitively; channel names use the
// same characters, from one character on.
const (
	maxName       = 64
	minLoginLen   = 2
	minChannelLen = 1
)

// specials are the mentions that notify a whole channel.
var specials = map[string]bool{"channel": true, "here": true, "all": true}

var (
	kindMention = ast.NewNodeKind("Mention")
	kindChannel = ast.NewNodeKind("Channel")
)

// mentionNode is an @login or a special @here/@channel/@all.
type mentionNode struct {
	ast.BaseInline
	raw     string // as written, without the @
	login   string // lower case
	special bool
	// resolved is set when a Resolver was given: known tells whether it knew the login
	// and display is the name it gave.
	resolved bool
	known    bool
	display  string
}

func (n *mentionNode) Kind() ast.NodeKind { return kindMention }

func (n *mentionNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Login": n.login}, nil)
}

// channelNode is a ~channel reference.
type channelNode struct {
	ast.BaseInline
	raw      string // as written, without the ~
	name     string // lower case
	resolved bool
	url      string // set when the Resolver knew the channel
}

func (n *channelNode) Kind() ast.NodeKind { return kindChannel }

func (n *channelNode) Dump(source []byte, level int) {
	ast.DumpHelper(n, source, level, map[string]string{"Name": n.name}, nil)
}

func resolverFrom(pc parser.Context) Resolver {
	r, _ := pc.Get(resolverKey).(Resolver)
	return r
}

func isNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// scanName returns the length of the run of name characters at the start of line, which
// must begin with a letter or digit, or -1 when there is none or it is longer than maxName
// (a longer run is not a name cut short but no name at all).
func scanName(line []byte) int {
	if len(line) == 0 || !isAlnum(line[0]) {
		return -1
	}
	n := 1
	for n < len(line) && isNameByte(line[n]) {
		n++
		if n > maxName {
			return -1
		}
	}
	return n
}

// candidates returns the names a run may stand for, longest first: the run itself and,
// when it ends in '.', '_' or '-', the run without them ("@bob." at the end of a sentence
// mentions bob, unless a login "bob." exists).
func candidates(run string, minLen int) []string {
	c := []string{run}
	if t := strings.TrimRight(run, "._-"); t != run && len(t) >= minLen {
		c = append(c, t)
	}
	if len(c[0]) < minLen {
		c = c[1:]
	}
	return c
}

// wordBefore reports whether r, the character before a '@' or '~', makes it part of a word
// ("email@example.org", "example.com/~user") rather than the start of a mention.
func wordBefore(r rune, extra string) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune(extra, r)
}

// candidatesAt reads the name after the trigger character at the reader's position and
// returns its candidates (see candidates), or nil when it starts no reference there: the
// character before it (one of notAfter, a letter or a digit) makes it part of a word, or no
// name of at least minLen characters follows.
func candidatesAt(block text.Reader, notAfter string, minLen int) []string {
	if wordBefore(block.PrecendingCharacter(), notAfter) {
		return nil
	}
	line, _ := block.PeekLine()
	n := scanName(line[1:])
	if n < 0 {
		return nil
	}
	return candidates(string(line[1:1+n]), minLen)
}

type mentionParser struct{}

func (*mentionParser) Trigger() []byte { return []byte{'@'} }

func (*mentionParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	cands := candidatesAt(block, "@.+-/=&%", minLoginLen)
	if len(cands) == 0 {
		return nil
	}
	r := resolverFrom(pc)
	var node *mentionNode
	for _, c := range cands {
		login := strings.ToLower(c)
		if specials[login] {
			node = &mentionNode{raw: c, login: login, special: true}
			break
		}
		if r != nil {
			if name, ok := r.User(login); ok {
				node = &mentionNode{raw: c, login: login, resolved: true, known: true, display: name}
				break
			}
		}
	}
	if node == nil {
		c := cands[len(cands)-1]
		node = &mentionNode{raw: c, login: strings.ToLower(c), resolved: r != nil}
	}
	block.Advance(1 + len(node.raw))
	return node
}

func (*mentionParser) CloseBlock(parent ast.Node, pc parser.Context) {}

type channelParser struct{}

func (*channelParser) Trigger() []byte { return []byte{'~'} }

func (*channelParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	cands := candidatesAt(block, "~@.+-/=&%", minChannelLen)
	if len(cands) == 0 {
		return nil
	}
	r := resolverFrom(pc)
	var node *channelNode
	if r != nil {
		for _, c := range cands {
			if u, ok := r.Channel(strings.ToLower(c)); ok {
				node = &channelNode{raw: c, name: strings.ToLower(c), resolved: true, url: u}
				break
			}
		}
	}
	if node == nil {
		c := cands[len(cands)-1]
		node = &channelNode{raw: c, name: strings.ToLower(c), resolved: r != nil}
	}
	block.Advance(1 + len(node.raw))
	return node
}

func (*channelParser) CloseBlock(parent ast.Node, pc parser.Context) {}
