package markup

import (
	"strings"
	"testing"
)

// A typical chat message of about 300 characters, with a mention, a link and bold text.
const benchMessage = "Hi @bob, I looked at the **release notes** for the new version and it seems the " +
	"migration is mostly automatic. The details are at https://example.com/docs/upgrade#notes " +
	"if you want to check before Thursday. I'd like us to try it on staging first, then " +
	"schedule the production upgrade for next week :+1:"

func benchCode() string {
	var b strings.Builder
	b.WriteString("Here is the handler:\n```go\n")
	for i := range 30 {
		switch i % 3 {
		case 0:
			b.WriteString("func handle(w http.ResponseWriter, r *http.Request) error {\n")
		case 1:
			b.WriteString("\tif err := r.ParseForm(); err != nil { return fmt.Errorf(\"parse: %w\", err) }\n")
		default:
			b.WriteString("}\n")
		}
	}
	b.WriteString("```\n")
	return b.String()
}

func BenchmarkRender(b *testing.B) {
	r := newResolver()
	for _, bm := range []struct{ name, msg string }{
		{"message", benchMessage},
		{"code30", benchCode()},
	} {
		b.Run(bm.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(bm.msg)))
			for b.Loop() {
				Render(bm.msg, r)
			}
		})
	}
}

func BenchmarkPlain(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		Plain(benchMessage)
	}
}
