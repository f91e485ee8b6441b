package markup

import "github.com/yuin/goldmark/ast"

// maxNesting is how deep blockquotes and lists may nest. Deeper ones are unwrapped into
// their parent: a message of 10,000 '>' would otherwise indent a channel's view off the
// screen for everyone in it.
const maxNesting = 16

// flatten unwraps the blockquotes and lists under n that are nested deeper than maxNesting.
func flatten(n ast.Node, depth int) {
	for c := n.FirstChild(); c != nil; {
		next := c.NextSibling()
		switch c.Kind() {
		case ast.KindBlockquote, ast.KindList:
			if depth >= maxNesting {
				if first := unwrap(n, c); first != nil {
					next = first // look at what was inside, at this same depth
				}
				break
			}
			flatten(c, depth+1)
		default:
			flatten(c, depth)
		}
		c = next
	}
}

// unwrap replaces c, a child of parent, by its content (for a list, the content of its
// items) and returns the first node moved, or nil when there was none.
func unwrap(parent, c ast.Node) ast.Node {
	var first ast.Node
	move := func(from ast.Node) {
		for m := from.FirstChild(); m != nil; {
			next := m.NextSibling()
			parent.InsertBefore(parent, c, m)
			if first == nil {
				first = m
			}
			m = next
		}
	}
	if c.Kind() == ast.KindList {
		for item := c.FirstChild(); item != nil; item = item.NextSibling() {
			move(item)
		}
	} else {
		move(c)
	}
	parent.RemoveChild(parent, c)
	return first
}
