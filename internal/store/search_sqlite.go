package store

import (
	"strconv"
	"strings"
)

// sqliteTextSearch matches words with the FTS5 index posts_fts (migration
// 0003). With words to find, the query is driven by the index in descending
// rowid order, so that LIMIT stops it early; exclusions alone are a NOT IN
// on the index, as FTS5 has no query made only of NOT.
func sqliteTextSearch(q SearchQuery) textSearch {
	var pos []string
	for _, t := range searchTexts(q.Terms, true) {
		pos = append(pos, sqliteMatch(t))
	}
	for _, t := range searchTexts(q.Phrases, false) {
		pos = append(pos, sqliteMatch(t))
	}
	var neg []string
	for _, t := range searchTexts(q.Excluded, true) {
		neg = append(neg, sqliteMatch(t))
	}
	switch {
	case len(pos) > 0:
		expr := strings.Join(pos, " AND ")
		if len(neg) > 0 {
			expr = "(" + expr + ") NOT (" + strings.Join(neg, " OR ") + ")"
		}
		return textSearch{from: "posts_fts f JOIN posts p ON p.id = f.rowid", id: "f.rowid",
			where: []string{"f.posts_fts MATCH ?"}, whereArgs: []any{expr}}
	case len(neg) > 0:
		return textSearch{from: "posts p", id: "p.id",
			where:     []string{"p.id NOT IN (SELECT rowid FROM posts_fts WHERE posts_fts MATCH ?)"},
			whereArgs: []any{strings.Join(neg, " OR ")}}
	}
	return textSearch{from: "posts p", id: "p.id"}
}

// sqliteMatch writes t as an FTS5 expression: its words as one quoted phrase
// ("co op"), "*" after it for a prefix, OR the hyphen-less form ("coop").
func sqliteMatch(t searchText) string {
	phrase := func(words []string) string {
		s := `"` + strings.ReplaceAll(strings.Join(words, " "), `"`, `""`) + `"`
		if t.prefix {
			s += "*"
		}
		return s
	}
	if t.joined == nil {
		return phrase(t.words)
	}
	return "(" + phrase(t.words) + " OR " + phrase(t.joined) + ")"
}

// sqliteInIDs passes ids as one JSON array.
func sqliteInIDs(column string, ids []int64) (string, any) {
	b := make([]byte, 0, 8*len(ids)+2)
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	b = append(b, ']')
	return column + " IN (SELECT value FROM json_each(?))", string(b)
}
