package store

import (
	"strings"

	"github.com/jackc/pgx/v5"
)

// postgresPlanEachTime makes pgx send a search as an unnamed statement, so
// that PostgreSQL plans it with its actual words and filters every time.
// With the default (a prepared statement per query text), PostgreSQL
// switches to a generic plan after five executions; not knowing the words,
// that plan walks posts backwards by id filtering each one, which costs a
// scan of the whole table when few posts match.
var postgresPlanEachTime = []any{pgx.QueryExecModeCacheDescribe}

// postgresTextSearch matches words with posts.search_vector (migration
// 0003, GIN index). The tsquery is built here from the words alone (letters
// and digits, so nothing in it needs escaping), folded by ruche_fold like the
// index, and computed once per query in the FROM clause.
func postgresTextSearch(q SearchQuery) textSearch {
	var parts []string
	for _, t := range searchTexts(q.Terms, true) {
		parts = append(parts, postgresMatch(t))
	}
	for _, t := range searchTexts(q.Phrases, false) {
		parts = append(parts, postgresMatch(t))
	}
	for _, t := range searchTexts(q.Excluded, true) {
		parts = append(parts, "!"+postgresMatch(t))
	}
	if len(parts) == 0 {
		return textSearch{options: postgresPlanEachTime, from: "posts p", id: "p.id"}
	}
	return textSearch{options: postgresPlanEachTime, from: "posts p CROSS JOIN to_tsquery('simple', ruche_fold(?)) AS sq", id: "p.id",
		fromArgs: []any{strings.Join(parts, " & ")}, where: []string{"p.search_vector @@ sq"}}
}

// postgresMatch writes t as a tsquery: its words in sequence ('co' <-> 'op'),
// ":*" on the last for a prefix, OR the hyphen-less form ('coop').
func postgresMatch(t searchText) string {
	phrase := func(words []string) string {
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = "'" + strings.ReplaceAll(strings.ReplaceAll(w, `\`, `\\`), "'", "''") + "'"
		}
		if t.prefix {
			quoted[len(quoted)-1] += ":*"
		}
		return "(" + strings.Join(quoted, " <-> ") + ")"
	}
	if t.joined == nil {
		return phrase(t.words)
	}
	return "(" + phrase(t.words) + " | " + phrase(t.joined) + ")"
}

// postgresInIDs passes ids as one array.
func postgresInIDs(column string, ids []int64) (string, any) {
	return column + " = ANY(?)", ids
}
