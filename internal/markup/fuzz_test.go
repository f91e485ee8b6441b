package markup

import (
	"regexp"
	"testing"
	"unicode/utf8"
)

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

func FuzzRender(f *testing.F) {
	for _, s := range []string{
		"**bold** _em_ `code` ~~del~~",
		"hi @bob @here ~dev :tada: https://example.com",
		"```go\nfunc main() {}\n```",
		"| a | b |\n|---|---|\n| 1 | 2 |",
		"- [x] done\n- [ ] todo\n> quote",
		"<script>alert(1)</script>",
		"<img src=x onerror=alert(1)>",
		"[x](javascript:alert(1))",
		"[x](&#106;avascript:alert(1))",
		"![x](https://tracker.example/p.gif)",
		"[x][1]\n\n[1]: javascript:alert(1)",
		"[![a](https://i.example/a.png)](https://l.example) [@bob](/x)",
		"email@example.org <mailto:a@b.c> www.example.org",
		">>>>>>>>>> - - - [[[[ ````",
	} {
		f.Add(s)
	}
	r := newResolver()
	f.Fuzz(func(t *testing.T, in string) {
		res := Render(in, r)
		checkSafe(t, in, res.HTML)
		if utf8.ValidString(in) && !utf8.ValidString(res.HTML) {
			t.Errorf("Render(%q) gave invalid UTF-8: %q", in, res.HTML)
		}
		for _, m := range res.Mentions {
			if !loginRE.MatchString(m) || specials[m] {
				t.Errorf("Render(%q) mentions %q", in, m)
			}
		}
		for _, l := range res.Links {
			if k, _ := classifyURL(l); k != linkExternal || !isHTTP(l) {
				t.Errorf("Render(%q) lists link %q", in, l)
			}
		}
		if p := Plain(in); utf8.ValidString(in) && !utf8.ValidString(p) {
			t.Errorf("Plain(%q) gave invalid UTF-8: %q", in, p)
		}
		// Also without a resolver, which takes other paths.
		checkSafe(t, in, Render(in, nil).HTML)
	})
}
