package i18n

import (
	"regexp"
	"slices"
	"sort"
	"testing"
)

func load(t *testing.T) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every language has exactly English's keys, with the same placeholders.
func TestCatalogParity(t *testing.T) {
	c := load(t)
	langs := c.Languages()
	if len(langs) < 2 || langs[0] != Fallback || !slices.Contains(langs, "fr") {
		t.Fatalf("languages = %v, want en first and fr", langs)
	}
	ref := c.Keys(Fallback)
	for _, lang := range langs[1:] {
		keys := c.Keys(lang)
		for _, k := range ref {
			if !c.Has(lang, k) {
				t.Errorf("%s: missing key %q", lang, k)
			}
		}
		for _, k := range keys {
			if !c.Has(Fallback, k) {
				t.Errorf("%s: extra key %q (not in %s)", lang, k, Fallback)
			}
		}
		for _, k := range ref {
			want, _ := c.Raw(Fallback, k)
			got, ok := c.Raw(lang, k)
			if !ok {
				continue
			}
			if !slices.Equal(placeholders(want), placeholders(got)) {
				t.Errorf("%s: %q has placeholders %v, %s has %v", lang, k, placeholders(got), Fallback, placeholders(want))
			}
			if got == "" {
				t.Errorf("%s: %q is empty", lang, k)
			}
		}
	}
}

// The keys the services put in their errors are all translated.
func TestServiceErrorKeys(t *testing.T) {
	c := load(t)
	keys := []string{"err.password_invalid", "err.password_short", "err.password_long", "err.current_password",
		"err.token_name", "err.login", "err.email", "err.text", "err.length", "err.locale", "err.time_zone",
		"err.theme", "err.color", "err.role", "err.taken", "err.last_admin", "err.image_size", "err.image_format",
		"err.group_taken", "err.expiry", "err.rate_limited", "err.unauthorized", "err.csrf", "err.forbidden",
		"err.not_found", "err.conflict", "err.internal", "err.body"}
	for _, lang := range c.Languages() {
		for _, k := range keys {
			if !c.Has(lang, k) {
				t.Errorf("%s: service error key %q has no message", lang, k)
			}
		}
	}
	if got := c.T("fr", "err.rate_limited", "seconds", 42); got != "Trop de tentatives. Réessayez dans 42 secondes." {
		t.Errorf("rate limit message = %q", got)
	}
}

func TestMatch(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ user, accept, want string }{
		{"", "", "en"},
		{"", "fr", "fr"},
		{"", "fr-CA,fr;q=0.9,en;q=0.8", "fr"},
		{"", "de-DE,de;q=0.9", "en"},
		{"", "de-DE,fr;q=0.5", "fr"},
		{"", "en-GB,en;q=0.9,fr;q=0.8", "en"},
		{"en", "fr", "en"},
		{"fr", "en-US", "fr"},
		{"xx", "fr", "fr"}, // an unknown setting follows the browser
		{"", "garbage;;;q=x", "en"},
	} {
		if got := c.Match(tc.user, tc.accept); got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.user, tc.accept, got, tc.want)
		}
	}
}

func TestTranslate(t *testing.T) {
	c := load(t)
	if got := c.T("fr", "home.hello_evening", "name", "Zoé"); got != "Bonsoir, Zoé" {
		t.Errorf("T = %q", got)
	}
	if got := c.T("fr", "no.such.key"); got != "no.such.key" {
		t.Errorf("missing key gives %q, want the key", got)
	}
	if got := c.T("de", "nav.home"); got != "Home" {
		t.Errorf("unknown language gives %q, want English", got)
	}
	for _, tc := range []struct {
		lang string
		n    int
		want string
	}{{"en", 0, "0 members"}, {"en", 1, "1 member"}, {"en", 2, "2 members"}, {"fr", 0, "0 membre"}, {"fr", 1, "1 membre"}, {"fr", 5, "5 membres"}} {
		if got := c.N(tc.lang, "admin.groups.members", tc.n); got != tc.want {
			t.Errorf("N(%s, %d) = %q, want %q", tc.lang, tc.n, got, tc.want)
		}
	}
	// A value that looks like a placeholder is not expanded again.
	if got := c.T("en", "home.hello_day", "name", "{name}"); got != "Hello, {name}" {
		t.Errorf("T = %q", got)
	}
}

func TestPlaceholders(t *testing.T) {
	got := placeholders("{b} and {a}, {b} again; {Not} {x-y}")
	if !slices.Equal(got, []string{"{a}", "{b}"}) {
		t.Errorf("Placeholders = %v", got)
	}
}

var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

// placeholders returns the sorted, distinct placeholders of a message.
func placeholders(msg string) []string {
	found := placeholderRE.FindAllString(msg, -1)
	sort.Strings(found)
	out := found[:0]
	for i, p := range found {
		if i == 0 || p != found[i-1] {
			out = append(out, p)
		}
	}
	return out
}
