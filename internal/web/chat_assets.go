package web

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strings"

	"ruche/internal/i18n"
	"ruche/internal/markup"
)

// The chat's static files are built on top of the embedded ones at startup:
//
//   - ES modules import each other by relative name ("./chat-api.js"); those
//     names are rewritten to the hashed URLs, dependencies first, so that a
//     module's URL changes when anything it imports changes and every module
//     can be cached for ever;
//   - the words the scripts need, one JSON file per language (the catalog's
//     "chat." keys), under hashed names too;
//   - the stylesheet of highlighted code, from internal/markup.

// importRE matches a static or dynamic import of a sibling module.
var importRE = regexp.MustCompile(`(\bfrom\s*|\bimport\s*\(\s*)"\./([a-z0-9-]+\.js)"`)

// linkModules rewrites the imports of every module to hashed URLs.
func (a *assets) linkModules() error {
	done := map[string]bool{}
	var link func(src string, depth int) error
	link = func(src string, depth int) error {
		if done[src] {
			return nil
		}
		if depth > 32 {
			return fmt.Errorf("static %s: import cycle", src)
		}
		u, ok := a.bySource[src]
		if !ok {
			return fmt.Errorf("static: no module %q", src)
		}
		raw := a.byName[strings.TrimPrefix(u, "/static/")].raw
		deps := importRE.FindAllSubmatch(raw, -1)
		if len(deps) == 0 {
			done[src] = true
			return nil
		}
		for _, d := range deps {
			if err := link(string(d[2]), depth+1); err != nil {
				return fmt.Errorf("%s: %w", src, err)
			}
		}
		linked := importRE.ReplaceAllFunc(raw, func(m []byte) []byte {
			sub := importRE.FindSubmatch(m)
			return []byte(string(sub[1]) + `"` + a.bySource[string(sub[2])] + `"`)
		})
		done[src] = true
		return a.put(src, linked)
	}
	var srcs []string
	for src := range a.bySource {
		if path.Ext(src) == ".js" {
			srcs = append(srcs, src)
		}
	}
	sort.Strings(srcs)
	for _, src := range srcs {
		if err := link(src, 0); err != nil {
			return err
		}
	}
	return nil
}

// chatModules are the URLs of the chat's modules, for <link rel=modulepreload>:
// the browser fetches them at once rather than one import after another.
func (a *assets) chatModules() []string {
	var out []string
	for src, u := range a.bySource {
		if strings.HasPrefix(src, "chat") && path.Ext(src) == ".js" && src != "chat.js" {
			out = append(out, u)
		}
	}
	sort.Strings(out)
	return out
}

// addChatAssets builds the chat's generated files.
func (a *assets) addChatAssets(cat *i18n.Catalog) error {
	if err := a.linkModules(); err != nil {
		return err
	}
	for _, lang := range cat.Languages() {
		words := map[string]string{}
		for _, k := range cat.Keys(lang) {
			if strings.HasPrefix(k, "chat.") {
				words[k], _ = cat.Raw(lang, k)
			}
		}
		data, err := json.Marshal(words)
		if err != nil {
			return err
		}
		if err := a.put("chat-words."+lang+".json", data); err != nil {
			return err
		}
	}
	return a.put("chat-code.css", []byte(markup.HighlightCSS()))
}
