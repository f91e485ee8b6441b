// Package i18n owns the user interface's words: one message catalog per
// language, embedded in the binary, and the choice of a language for a
// request (the user's setting, else the browser's Accept-Language, else
// English). It knows nothing of HTTP handlers or templates beyond that.
//
// Catalogs are flat JSON objects, key → message; a message may hold
// placeholders written {name}, filled by name at translation time. Every
// language has exactly the keys and placeholders of English (a test checks).
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"golang.org/x/text/language"
)

//go:embed locales/*.json
var files embed.FS

// Fallback is the language used when nothing else matches, and whose
// catalog is the reference for every other.
const Fallback = "en"

// Catalog holds every language's messages. It is read-only after Load and
// safe for concurrent use.
type Catalog struct {
	msgs    map[string]map[string]string
	langs   []string // Fallback first
	matcher language.Matcher
}

// Load parses the embedded catalogs.
func Load() (*Catalog, error) { return LoadFS(files, "locales") }

// LoadFS parses every <lang>.json in dir of fsys.
func LoadFS(fsys fs.FS, dir string) (*Catalog, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("i18n: read catalogs: %w", err)
	}
	c := &Catalog{msgs: map[string]map[string]string{}}
	for _, e := range entries {
		lang, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		if _, err := language.Parse(lang); err != nil {
			return nil, fmt.Errorf("i18n: %s: not a language tag: %w", e.Name(), err)
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("i18n: read %s: %w", e.Name(), err)
		}
		m := map[string]string{}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("i18n: parse %s: %w", e.Name(), err)
		}
		c.msgs[lang] = m
	}
	if _, ok := c.msgs[Fallback]; !ok {
		return nil, fmt.Errorf("i18n: no %s catalog", Fallback)
	}
	c.langs = append(c.langs, Fallback)
	for l := range c.msgs {
		if l != Fallback {
			c.langs = append(c.langs, l)
		}
	}
	sort.Strings(c.langs[1:])
	tags := make([]language.Tag, len(c.langs))
	for i, l := range c.langs {
		tags[i] = language.MustParse(l)
	}
	c.matcher = language.NewMatcher(tags)
	return c, nil
}

// Languages lists the catalog's languages, Fallback first.
func (c *Catalog) Languages() []string { return append([]string(nil), c.langs...) }

// Keys lists the keys of a language's catalog, sorted.
func (c *Catalog) Keys(lang string) []string {
	keys := make([]string, 0, len(c.msgs[lang]))
	for k := range c.msgs[lang] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether lang's catalog holds key.
func (c *Catalog) Has(lang, key string) bool {
	_, ok := c.msgs[lang][key]
	return ok
}

// Raw returns a message without filling its placeholders.
func (c *Catalog) Raw(lang, key string) (string, bool) {
	m, ok := c.msgs[lang][key]
	return m, ok
}

// Match picks the language of a request: the user's own setting when it is
// one of ours, else the best match for the Accept-Language header, else
// Fallback.
func (c *Catalog) Match(userLocale, acceptLanguage string) string {
	if _, ok := c.msgs[userLocale]; ok {
		return userLocale
	}
	if len(acceptLanguage) > 512 { // a long header is a waste of time, not a preference
		acceptLanguage = acceptLanguage[:512]
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Fallback
	}
	_, i, conf := c.matcher.Match(tags...)
	if conf == language.No || i < 0 || i >= len(c.langs) {
		return Fallback
	}
	return c.langs[i]
}

// T translates key into lang and fills its placeholders from args, given
// as name, value pairs: T("fr", "home.hello", "name", "Marie"). A key
// missing in lang falls back to English, then to the key itself (visible,
// so that the gap gets noticed and fixed).
func (c *Catalog) T(lang, key string, args ...any) string {
	m, ok := c.msgs[lang][key]
	if !ok {
		if m, ok = c.msgs[Fallback][key]; !ok {
			return key
		}
	}
	if len(args) < 2 || !strings.Contains(m, "{") {
		return m
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+fmt.Sprint(args[i])+"}", fmt.Sprint(args[i+1]))
	}
	return strings.NewReplacer(pairs...).Replace(m)
}

// N translates a count: key+".one" or key+".other" according to lang's
// plural rule, with {n} set to n (and further args as in T).
func (c *Catalog) N(lang, key string, n int, args ...any) string {
	form := ".other"
	if one(lang, n) {
		form = ".one"
	}
	return c.T(lang, key+form, append([]any{"n", n}, args...)...)
}

// one is the "one" plural category of the languages we ship: French counts
// 0 and 1 as singular, English only 1.
func one(lang string, n int) bool {
	if lang == "fr" {
		return n == 0 || n == 1
	}
	return n == 1
}
