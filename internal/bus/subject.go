package bus

import (
	"fmt"
	"strings"
)

// maxSubjectLen bounds subjects and patterns. A NATS server closes the whole connection when
// a protocol line exceeds its limit (4 KiB by default), so a runaway subject is refused here
// rather than cut every subscription of the node.
const maxSubjectLen = 512

// checkSubject tells why subject cannot be published to, or returns nil.
func checkSubject(subject string) error {
	if problem := tokensProblem(subject, false); problem != "" {
		return fmt.Errorf("%w: %s", ErrInvalidSubject, problem)
	}
	return nil
}

// checkPattern tells why pattern cannot be subscribed to, or returns nil.
func checkPattern(pattern string) error {
	if problem := tokensProblem(pattern, true); problem != "" {
		return fmt.Errorf("%w: %s", ErrInvalidPattern, problem)
	}
	return nil
}

// tokensProblem checks the syntax shared by subjects and patterns: non-empty tokens separated
// by dots, made of printable non-space bytes. Wildcards are whole tokens of a pattern only,
// and ">" only as the last one.
func tokensProblem(s string, pattern bool) string {
	if s == "" {
		return "empty"
	}
	if len(s) > maxSubjectLen {
		return fmt.Sprintf("longer than %d bytes", maxSubjectLen)
	}
	for rest, more := s, true; more; {
		var tok string
		tok, rest, more = strings.Cut(rest, ".")
		switch {
		case tok == "":
			return "empty token"
		case pattern && tok == "*":
		case pattern && tok == ">":
			if more {
				return `">" before the last token`
			}
		default:
			for i := range len(tok) {
				switch c := tok[i]; {
				case c <= ' ' || c == 0x7f:
					return "space or control character"
				case c == '*' || c == '>':
					if pattern {
						return "wildcard inside a token"
					}
					return "wildcard in a subject"
				}
			}
		}
	}
	return ""
}

// match reports whether subject matches pattern; both must be valid. "*" matches one token,
// a final ">" one or more.
func match(pattern, subject string) bool {
	for {
		var p, s string
		var pMore, sMore bool
		p, pattern, pMore = strings.Cut(pattern, ".")
		if p == ">" {
			return true // subject has at least one token left: the loop ends once it has none
		}
		s, subject, sMore = strings.Cut(subject, ".")
		if p != "*" && p != s {
			return false
		}
		if !pMore || !sMore {
			return pMore == sMore
		}
	}
}
