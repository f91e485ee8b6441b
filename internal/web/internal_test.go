package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"ruche/internal/i18n"
)

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "/",
		"/":                          "/",
		"/profile?tab=1#x":           "/profile?tab=1#x",
		"/admin/users/3":             "/admin/users/3",
		"//evil.example":             "/",
		"/\\evil.example":            "/",
		"\\\\evil.example":           "/",
		"https://evil.example":       "/",
		"javascript:alert(1)":        "/",
		"/\t/evil.example":           "/",
		"/\n/evil.example":           "/",
		"evil.example":               "/",
		"/ok/\\..\\":                 "/",
		"/%2F%2Fevil.example":        "/%2F%2Fevil.example", // a path on this site
		"/x\u007f":                   "/",
		"/caf\u00e9?q=\u00e9t\u00e9": "/caf\u00e9?q=\u00e9t\u00e9",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "//x", "/\\x", "/a/b", "http://x", "/\t/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := safeNext(s)
		if len(got) == 0 || got[0] != '/' || (len(got) > 1 && (got[1] == '/' || got[1] == '\\')) {
			t.Fatalf("safeNext(%q) = %q: not a local path", s, got)
		}
		for _, c := range got {
			if c < 0x20 || c == 0x7f || c == '\\' {
				t.Fatalf("safeNext(%q) = %q: holds %q", s, got, c)
			}
		}
	})
}

// The text on the accent, and the accent as text on the themes' surfaces,
// reach WCAG AA (4.5:1) whatever colour the organisation picks.
func TestPaletteContrast(t *testing.T) {
	var colors []string
	for r := 0; r < 256; r += 17 {
		for g := 0; g < 256; g += 17 {
			for b := 0; b < 256; b += 17 {
				colors = append(colors, rgb{float64(r), float64(g), float64(b)}.String())
			}
		}
	}
	colors = append(colors, "#c2410c", "#ffd700", "#777777", "#767676", "#0000ff", "bogus", "")
	for _, c := range colors {
		a, ok := parseColor(normalColor(c))
		if !ok {
			t.Fatalf("normalColor(%q) = %q", c, normalColor(c))
		}
		if got := contrast(a, onAccent(a)); got < 4.5 {
			t.Errorf("%s: text on accent %.2f:1", c, got)
		}
		softLight, softDark := a.mix(white, 0.86), a.mix(darkPage, 0.72)
		textLight := readable(a, darker(lightBg, softLight), black, 4.5)
		textDark := readable(a, lighter(darkBg, softDark), white, 4.5)
		for _, bg := range []rgb{white, lightBg, softLight} {
			if got := contrast(textLight, bg); got < 4.5 {
				t.Errorf("%s: accent text %s on %s: %.2f:1", c, textLight, bg, got)
			}
		}
		for _, bg := range []rgb{darkPage, darkBg, softDark, {0x11, 0x12, 0x14}} {
			if got := contrast(textDark, bg); got < 4.5 {
				t.Errorf("%s: accent text (dark) %s on %s: %.2f:1", c, textDark, bg, got)
			}
		}
	}
	if css := paletteCSS(`red;}body{background:url(//evil)}`); !regexp.MustCompile(`^:root\{--accent:#c2410c;`).MatchString(css) {
		t.Errorf("a bad stored colour reaches the stylesheet: %s", css)
	}
}

// Every key a template names literally is in every catalog.
func TestTemplateKeysExist(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("templates/*.html")
	keyRE := regexp.MustCompile(`\{\{-?\s*tn? "([a-z0-9_.]+)"|\(tn? "([a-z0-9_.]+)"`)
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range keyRE.FindAllStringSubmatch(string(b), -1) {
			key := m[1] + m[2]
			n++
			for _, lang := range cat.Languages() {
				if !cat.Has(lang, key) && !cat.Has(lang, key+".one") {
					t.Errorf("%s: key %q missing in %s", f, key, lang)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("found only %d keys: the pattern is wrong", n)
	}
	// Keys built at run time.
	for _, lang := range cat.Languages() {
		var keys []string
		for _, tool := range tools {
			keys = append(keys, "tool."+tool, "tool."+tool+".what", "tool."+tool+".soon", "tool."+tool+".plan")
		}
		for _, r := range roles {
			keys = append(keys, "role."+string(r), "invite.lead."+string(r))
		}
		for _, k := range notices {
			keys = append(keys, k)
		}
		keys = append(keys, "theme.auto", "theme.light", "theme.dark", "invitation.active", "invitation.used",
			"invitation.expired", "invitation.revoked", "home.hello_morning", "home.hello_day", "home.hello_evening")
		for _, f := range fieldLabels {
			keys = append(keys, f)
		}
		for _, k := range keys {
			if !cat.Has(lang, k) {
				t.Errorf("key %q missing in %s", k, lang)
			}
		}
	}
}

// Every page parses in every language: New no longer parses them, pageTemplate does on
// first use.
func TestTemplatesParse(t *testing.T) {
	cat, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	a, err := loadAssets()
	if err != nil {
		t.Fatal(err)
	}
	h := &Handler{cat: cat, assets: a}
	files, _ := filepath.Glob("templates/*.html")
	n := 0
	for _, f := range files {
		name := filepath.Base(f)
		if strings.HasPrefix(name, "layout") {
			continue
		}
		n++
		for _, lang := range cat.Languages() {
			tmpl, err := h.pageTemplate(lang, name)
			if err != nil {
				t.Errorf("%s: %v", lang, err)
				continue
			}
			if tmpl.Lookup("layout") == nil || tmpl.Lookup("content") == nil {
				t.Errorf("%s %s: no layout or content template", lang, name)
			}
			if again, _ := h.pageTemplate(lang, name); again != tmpl {
				t.Errorf("%s %s: parsed twice", lang, name)
			}
		}
	}
	if n < 10 {
		t.Fatalf("found only %d pages", n)
	}
	if _, err := h.pageTemplate("en", "nosuchpage.html"); err == nil {
		t.Error("a missing page parses")
	}
}
