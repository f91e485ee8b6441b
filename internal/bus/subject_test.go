package bus

import (
	"errors"
	"strings"
	"testing"
)

func TestMatch(t *testing.T) {
	tests := []struct {
		pattern, subject string
		want             bool
	}{
		{"a", "a", true},
		{"a", "b", false},
		{"a", "a.b", false},
		{"a.b", "a", false},
		{"a.b", "a.b", true},
		{"a.b", "a.bc", false},
		{"ab", "a.b", false},
		{"*", "a", true},
		{"*", "a.b", false},
		{"a.*", "a.b", true},
		{"a.*", "a", false},
		{"a.*", "a.b.c", false},
		{"*.b", "a.b", true},
		{"*.b", "a.c", false},
		{"a.*.c", "a.b.c", true},
		{"a.*.c", "a.b.d", false},
		{"*.*", "a.b", true},
		{"*.*", "a.b.c", false},
		{">", "a", true},
		{">", "a.b.c", true},
		{"a.>", "a", false},
		{"a.>", "a.b", true},
		{"a.>", "a.b.c", true},
		{"a.>", "b.c", false},
		{"*.>", "a", false},
		{"*.>", "a.b", true},
		{"a.*.>", "a.b", false},
		{"a.*.>", "a.b.c.d", true},
		{"chat.post.*", "chat.post.created", true},
		{"chat.post.*", "chat.thread.created", false},
	}
	for _, tt := range tests {
		if got := match(tt.pattern, tt.subject); got != tt.want {
			t.Errorf("match(%q, %q) = %v, want %v", tt.pattern, tt.subject, got, tt.want)
		}
		if got := matchSplit(tt.pattern, tt.subject); got != tt.want {
			t.Errorf("matchSplit(%q, %q) = %v, want %v: the fuzz oracle is wrong", tt.pattern, tt.subject, got, tt.want)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		s                string
		subject, pattern bool
	}{
		{"a", true, true},
		{"user.updated", true, true},
		{"chat.post-created_2.é", true, true},
		{"", false, false},
		{".", false, false},
		{"a.", false, false},
		{".a", false, false},
		{"a..b", false, false},
		{"a b", false, false},
		{"a\tb", false, false},
		{"a\x7fb", false, false},
		{"*", false, true},
		{">", false, true},
		{"a.*.c", false, true},
		{"a.>", false, true},
		{"a.>.b", false, false},
		{">.>", false, false},
		{"a*", false, false},
		{"a.b>", false, false},
		{strings.Repeat("a", maxSubjectLen), true, true},
		{strings.Repeat("a", maxSubjectLen+1), false, false},
	}
	for _, tt := range tests {
		if err := checkSubject(tt.s); (err == nil) != tt.subject || err != nil && !errors.Is(err, ErrInvalidSubject) {
			t.Errorf("checkSubject(%q) = %v, want valid %v", tt.s, err, tt.subject)
		}
		if err := checkPattern(tt.s); (err == nil) != tt.pattern || err != nil && !errors.Is(err, ErrInvalidPattern) {
			t.Errorf("checkPattern(%q) = %v, want valid %v", tt.s, err, tt.pattern)
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"a.*", "a.b"}, {"a.>", "a"}, {">", "a.b.c"}, {"*.b", "a.b"},
		{"a.>.b", "a.x.b"}, {"a..b", "a.b"}, {"", ""}, {"a b", "a b"}, {"*", "*"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, subject string) {
		got := match(pattern, subject) // must not panic, whatever the input
		if checkSubject(subject) != nil {
			return
		}
		if checkPattern(subject) != nil {
			t.Fatalf("subject %q is not a valid pattern", subject)
		}
		if !match(subject, subject) {
			t.Fatalf("%q does not match itself", subject)
		}
		if !match(">", subject) {
			t.Fatalf("> does not match %q", subject)
		}
		if checkPattern(pattern) == nil {
			if want := matchSplit(pattern, subject); got != want {
				t.Fatalf("match(%q, %q) = %v, want %v", pattern, subject, got, want)
			}
		}
	})
}

// matchSplit is the plain reading of the pattern rules, the oracle for match.
func matchSplit(pattern, subject string) bool {
	p, s := strings.Split(pattern, "."), strings.Split(subject, ".")
	for i, tok := range p {
		if tok == ">" {
			return len(s) > i
		}
		if i >= len(s) || tok != "*" && tok != s[i] {
			return false
		}
	}
	return len(p) == len(s)
}
