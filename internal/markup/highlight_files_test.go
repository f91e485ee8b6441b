package markup

import (
	"bytes"
	"encoding/xml"
	"flag"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/chroma/v2"
	chromahtml "github.com/alecthomas/chroma/v2/formatters/html"
	"github.com/alecthomas/chroma/v2/lexers"
	"github.com/alecthomas/chroma/v2/styles"
)

var update = flag.Bool("update", false, "rewrite the files of internal/markup/highlight (go generate)")

// highlighted are the languages whose lexers are embedded, by chroma name: the common ones
// in a team chat. To add one, list it here and run go generate.
var highlighted = []string{
	"Bash", "Batchfile", "C", "C#", "C++", "CSS", "Dart", "Diff", "Docker", "Elixir", "Go",
	"GraphQL", "Groovy", "Haskell", "HTML", "INI", "Java", "JavaScript", "JSON", "Kotlin", "Lua",
	"Makefile", "markdown", "Objective-C", "Perl", "PHP", "PowerShell", "Protocol Buffer",
	"Python", "R", "Ruby", "Rust", "Scala", "SQL", "Swift", "Terraform", "TOML", "TypeScript",
	"XML", "YAML",
}

// plainRules are, per language, the token type that replaces the rules chroma writes in Go
// rather than as data (they run another lexer from Go code): Go's raw strings, which chroma
// lexes as Go templates, are shown as strings.
var plainRules = map[string]chroma.TokenType{"Go": chroma.LiteralString}

// Themes of the highlighting stylesheet.
const (
	lightStyle = "github"
	darkStyle  = "github-dark"
)

// TestHighlightFiles checks that internal/markup/highlight holds exactly what chroma's
// lexers and styles give for the languages and themes above; with -update (go generate),
// it writes them.
func TestHighlightFiles(t *testing.T) {
	want := map[string][]byte{"highlight.css": []byte(highlightStylesheet(t))}
	for _, name := range highlighted {
		file, data := lexerFile(t, name)
		want[file] = data
	}
	dir := "highlight"
	if *update {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if _, ok := want[e.Name()]; ok {
			continue
		}
		if *update {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Errorf("%s/%s is not generated: run go generate ./internal/markup", dir, e.Name())
	}
	for file, data := range want {
		path := filepath.Join(dir, file)
		if *update {
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if got, err := os.ReadFile(path); err != nil || !bytes.Equal(got, data) {
			t.Errorf("%s is missing or out of date (chroma changed?): run go generate ./internal/markup", path)
		}
	}
}

// lexerFile is the embedded file of chroma's lexer name: its configuration and rules as XML.
func lexerFile(t *testing.T, name string) (file string, data []byte) {
	t.Helper()
	l := lexers.Get(name)
	if l == nil || l.Config().Name != name {
		t.Fatalf("chroma has no lexer named %q", name)
	}
	rl := regexLexer(l)
	if rl == nil {
		t.Fatalf("chroma's %s lexer (%T) is not rule-based", name, l)
	}
	rules, err := rl.Rules()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if tt, ok := plainRules[name]; ok {
		rules = plain(rules, tt)
	}
	// chroma.Marshal would do, but it writes the states in map order.
	type state struct {
		Name  string        `xml:"name,attr"`
		Rules []chroma.Rule `xml:"rule"`
	}
	doc := struct {
		XMLName xml.Name      `xml:"lexer"`
		Config  chroma.Config `xml:"config"`
		States  []state       `xml:"rules>state"`
	}{Config: *rl.Config()}
	for _, name := range slices.Sorted(maps.Keys(rules)) {
		doc.States = append(doc.States, state{name, rules[name]})
	}
	x, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatalf("%s: %v (list the language in plainRules?)", name, err)
	}
	x = emptyElementRE.ReplaceAll(x, []byte("/>"))
	file = lexerFileName(name)
	header := "<!-- Written by go generate from chroma's " + name + " lexer: do not edit. -->\n"
	return file, append([]byte(header), append(x, '\n')...)
}

// regexLexer is the rule-based lexer behind l: chroma wraps some of them (Markdown) in
// types that add behaviour in Go, which the embedded copy does without.
func regexLexer(l chroma.Lexer) *chroma.RegexLexer {
	for l != nil {
		if rl, ok := l.(*chroma.RegexLexer); ok {
			return rl
		}
		v := reflect.Indirect(reflect.ValueOf(l))
		if v.Kind() != reflect.Struct {
			return nil
		}
		f := v.FieldByName("Lexer")
		if !f.IsValid() || !f.CanInterface() {
			return nil
		}
		l, _ = f.Interface().(chroma.Lexer)
	}
	return nil
}

// plain returns rules where each rule that cannot be written as XML emits tt instead.
func plain(rules chroma.Rules, tt chroma.TokenType) chroma.Rules {
	out := chroma.Rules{}
	for state, rs := range rules {
		out[state] = slices.Clone(rs)
		for i, r := range out[state] {
			if _, err := xml.Marshal(r); err != nil {
				out[state][i].Type = tt
			}
		}
	}
	return out
}

// highlightStylesheet is HighlightCSS, from chroma's styles.
func highlightStylesheet(t *testing.T) string {
	f := chromahtml.New(chromahtml.WithClasses(true), chromahtml.WithCSSComments(false))
	rules := func(style, scope string) []string {
		s, ok := styles.Registry[style]
		if !ok {
			t.Fatalf("chroma has no style %q", style)
		}
		var buf bytes.Buffer
		if err := f.WriteCSS(&buf, s); err != nil {
			t.Fatalf("chroma CSS for %s: %v", style, err)
		}
		var out []string
		for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
			// ".bg" is for chroma's standalone pages; here it would style any element
			// of the application that happens to have that class.
			if line == "" || strings.HasPrefix(line, ".bg ") {
				continue
			}
			out = append(out, scope+line)
		}
		return out
	}
	var b strings.Builder
	b.WriteString("/* Code highlighting: chroma styles " + lightStyle + " and " + darkStyle + ". Written by go generate: do not edit. */\n")
	for _, r := range rules(lightStyle, "") {
		b.WriteString(r + "\n")
	}
	for _, r := range rules(darkStyle, "[data-theme=dark] ") {
		b.WriteString(r + "\n")
	}
	b.WriteString("@media (prefers-color-scheme: dark) {\n")
	for _, r := range rules(darkStyle, "[data-theme=auto] ") {
		b.WriteString("  " + r + "\n")
	}
	b.WriteString("}\n")
	return b.String()
}

var (
	emptyElementRE = regexp.MustCompile(`></[a-zA-Z]+>`)
	usingRE        = regexp.MustCompile(`<using lexer="([^"]+)"`)
)

// TestHighlightLanguages: the languages people write after ``` are highlighted exactly as
// chroma's own registry would, and the lexers the embedded ones call are embedded too.
func TestHighlightLanguages(t *testing.T) {
	for _, tt := range []struct {
		langs []string
		code  string
	}{
		{[]string{"go", "golang"}, "package main\n\nfunc main() {\n\tx := map[string]int{\"a\": 1} // c\n\tfmt.Println(x, 0x1F, 'r')\n}\n"},
		{[]string{"python", "py", "python3"}, "def f(x: int) -> str:\n    \"\"\"Doc.\"\"\"\n    return f\"{x!r}\"  # c\n"},
		{[]string{"javascript", "js", "mjs"}, "const f = async (a) => { await g(`t${a}`); return /re+/g; };\n"},
		{[]string{"typescript", "ts", "tsx"}, "interface A { b?: number }\nexport function f<T>(x: T): T { return x as T; }\n"},
		{[]string{"java"}, "public class A { @Override public String toString() { return \"a\" + 1L; } }\n"},
		{[]string{"c", "h"}, "#include <stdio.h>\nint main(void) { printf(\"%d\\n\", 42); return 0; }\n"},
		{[]string{"cpp", "c++", "hpp"}, "template <typename T> auto f(T x) -> T { std::vector<int> v{1, 2}; return x; }\n"},
		{[]string{"rust", "rs"}, "fn main() { let v: Vec<u8> = vec![1, 2]; println!(\"{:?}\", v); }\n"},
		{[]string{"sql"}, "SELECT id, name FROM users WHERE id = 1 AND name LIKE 'a%' ORDER BY id;\n"},
		{[]string{"bash", "sh", "shell", "zsh"}, "#!/bin/sh\nfor f in *.go; do echo \"$f\" | grep -q x && exit 1; done\n"},
		{[]string{"json"}, "{\"a\": [1, 2.5, true, null], \"b\": {\"c\": \"d\"}}\n"},
		{[]string{"yaml", "yml"}, "a: 1\nb:\n  - c # comment\n  - 'd'\n"},
		{[]string{"html"}, "<!doctype html>\n<p class=\"x\">Hi <b>there</b></p>\n<style>p { color: red }</style>\n<script>let x = 1;</script>\n"},
		{[]string{"css"}, "a:hover > .b { color: #fff; margin: 0 auto !important; }\n"},
		{[]string{"diff", "patch"}, "--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-old\n+new\n same\n"},
		{[]string{"markdown", "md"}, "# Title\n\n- item with `code` and **bold**\n\n```go\nx := 1\n```\n"},
		{[]string{"dockerfile", "docker"}, "FROM golang:1.26 AS build\nRUN go build -o /x ./cmd/x\nCMD [\"/x\"]\n"},
		{[]string{"php"}, "<?php\nfunction f($a) { return $a . \"b\"; }\necho f(1);\n"},
		{[]string{"ruby", "rb"}, "def f(a) = a.map { |x| x * 2 }\nputs :sym, \"s#{1}\"\n"},
		{[]string{"kotlin", "kt"}, "fun main() { val x: Int? = null; println(\"v=${x ?: 0}\") }\n"},
		{[]string{"swift"}, "func f(_ x: Int) -> String { guard x > 0 else { return \"\" }; return \"\\(x)\" }\n"},
		{[]string{"csharp", "cs", "c#"}, "public record P(int X) { public override string ToString() => $\"{X}\"; }\n"},
		{[]string{"xml"}, "<?xml version=\"1.0\"?>\n<a b=\"c\"><!-- d --></a>\n"},
		{[]string{"toml"}, "[a]\nb = \"c\" # d\n"},
		{[]string{"ini"}, "[a]\nb = c\n"},
		{[]string{"powershell", "ps1"}, "Get-ChildItem -Path . | Where-Object { $_.Length -gt 1 }\n"},
		{[]string{"makefile", "make"}, "all: x\n\tgo build ./...\n"},
		{[]string{"lua"}, "local function f(a) return a .. \"b\" end\n"},
		{[]string{"perl"}, "my $x = 1; print \"$x\\n\";\n"},
		{[]string{"scala"}, "object A { def f(x: Int): Int = x + 1 }\n"},
		{[]string{"haskell", "hs"}, "main :: IO ()\nmain = putStrLn \"hi\"\n"},
		{[]string{"elixir", "ex"}, "defmodule A do\n  def f(x), do: x + 1\nend\n"},
		{[]string{"dart"}, "void main() { print('hi'); }\n"},
		{[]string{"r"}, "x <- c(1, 2); print(x)\n"},
		{[]string{"protobuf", "proto"}, "syntax = \"proto3\";\nmessage A { string b = 1; }\n"},
		{[]string{"graphql"}, "query { user(id: 1) { name } }\n"},
		{[]string{"groovy"}, "def x = [1, 2].collect { it * 2 }\n"},
		{[]string{"terraform", "tf"}, "resource \"a\" \"b\" { c = 1 }\n"},
		{[]string{"objective-c", "objc"}, "@interface A : NSObject\n@end\n"},
		{[]string{"batch", "bat"}, "@echo off\nset X=1\n"},
	} {
		for _, lang := range tt.langs {
			ours, theirs := lexer(lang), lexers.Get(lang)
			if ours == nil {
				t.Errorf("%s: no embedded lexer", lang)
				continue
			}
			if theirs == nil || ours.Config().Name != theirs.Config().Name {
				t.Errorf("%s: embedded lexer %s, chroma's %v", lang, ours.Config().Name, theirs)
				continue
			}
			got, ok := highlight(ours, tt.code, time.Now().Add(time.Minute))
			if !ok {
				t.Errorf("%s: not highlighted", lang)
				continue
			}
			it, err := chroma.Coalesce(theirs).Tokenise(nil, tt.code)
			if err != nil {
				t.Fatal(err)
			}
			var want bytes.Buffer
			if err := codeFormatter.Format(&want, styles.Fallback, it); err != nil {
				t.Fatal(err)
			}
			if string(got) != want.String() {
				t.Errorf("%s: embedded lexer gives\n%s\nchroma's gives\n%s", lang, got, want.String())
			}
		}
	}
	for _, l := range languages().Lexers {
		x, err := highlightFS.ReadFile("highlight/" + lexerFileName(l.Config().Name))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range usingRE.FindAllSubmatch(x, -1) {
			if lexer(string(m[1])) == nil {
				t.Errorf("%s uses lexer %s, which is not embedded: add it to highlighted", l.Config().Name, m[1])
			}
		}
	}
}

// lexerFileName is the name of the embedded file of chroma's lexer name.
func lexerFileName(name string) string {
	return strings.NewReplacer("#", "sharp", "+", "plus", " ", "_").Replace(strings.ToLower(name)) + ".xml"
}
