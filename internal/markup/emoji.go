package markup

import (
	"strings"
	"unicode"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"

	"github.com/yuin/goldmark-emoji/definition"
)

// Emoji returns the Unicode emoji for a shortcode such as "smile", "+1" or "tada" (with or
// without the surrounding colons), as GitHub, Slack and Mattermost users know them. It is
// what messages use and what reactions store.
func Emoji(shortcode string) (string, bool) {
	name := strings.TrimSuffix(strings.TrimPrefix(shortcode, ":"), ":")
	if name == "" {
		return "", false
	}
	e, ok := definition.Github().Get(name)
	if !ok || !e.IsUnicode() {
		return "", false
	}
	return string(e.Unicode), true
}

// emojiParser is goldmark-emoji's parser, limited to shortcodes that start a word:
// "a:b:c" and "10:100:00" are not emoji.
type emojiParser struct{ parser.InlineParser }

func (p emojiParser) Parse(parent ast.Node, block text.Reader, pc parser.Context) ast.Node {
	if prev := block.PrecendingCharacter(); unicode.IsLetter(prev) || unicode.IsDigit(prev) {
		return nil
	}
	return p.InlineParser.Parse(parent, block, pc)
}
