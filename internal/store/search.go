package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"ruche/internal/model"
)

// SearchQuery is what SearchPosts looks for. Text is given as the user typed
// it; the store splits it into words the way the index does: a word is a run
// of letters and digits, anything else separates words; case, accents and
// the ligatures œ, æ, ß do not matter (see migrations/*/0003_search.sql).
type SearchQuery struct {
	// Terms must all appear. A term of several words ("co-op", "v1.2")
	// matches them in sequence; a hyphenated term also matches its parts
	// written together ("co-op" finds "coop" too). A term ending in "*"
	// matches words that start with it.
	Terms []string
	// Phrases must each appear, word after word.
	Phrases []string
	// Excluded terms or phrases must not appear (a trailing "*" works too).
	Excluded []string
	// FromUserIDs, when set, keeps posts written by one of these users.
	FromUserIDs []int64
	// InChannelIDs, when set, keeps posts of these channels (still only
	// those the user is a member of).
	InChannelIDs []int64
	// After and Before, when set, keep posts created at or after After and
	// strictly before Before.
	After, Before time.Time
	// HasFile keeps posts with attached files (rows of files with their
	// post_id).
	HasFile bool
	// IsThread keeps replies, and thread roots that have replies.
	IsThread bool
	// BeforeID pages back: only posts with a smaller id (0: from the newest).
	BeforeID int64
	// Limit is the most posts returned (default 50, at most 1000).
	Limit int
}

// SearchPosts returns the posts matching q that userID may read, newest
// first, with their reactions. Authorization is part of the query: only posts
// of channels userID is a member of now, never deleted ones.
func (s *Store) SearchPosts(ctx context.Context, userID int64, q SearchQuery) ([]model.Post, error) {
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 1000)
	var t textSearch
	if s.dialect == Postgres {
		t = postgresTextSearch(q)
	} else {
		t = sqliteTextSearch(q)
	}
	// Arguments follow the order of the placeholders: FROM, the membership
	// join, then the conditions.
	args := append(slices.Concat(t.options, t.fromArgs), userID)
	where := append([]string{"p.deleted_at IS NULL"}, t.where...)
	args = append(args, t.whereArgs...)
	cond := func(c string, a ...any) {
		where = append(where, c)
		args = append(args, a...)
	}
	if q.BeforeID > 0 {
		cond(t.id+" < ?", q.BeforeID)
	}
	if len(q.FromUserIDs) > 0 {
		cond(s.inIDs("p.user_id", q.FromUserIDs))
	}
	if len(q.InChannelIDs) > 0 {
		cond(s.inIDs("p.channel_id", q.InChannelIDs))
	}
	if !q.After.IsZero() {
		cond("p.created_at >= ?", ms(q.After))
	}
	if !q.Before.IsZero() {
		cond("p.created_at < ?", ms(q.Before))
	}
	if q.HasFile {
		cond("EXISTS (SELECT 1 FROM files fl WHERE fl.post_id = p.id)")
	}
	if q.IsThread {
		cond("(p.root_id IS NOT NULL OR p.reply_count > 0)")
	}
	args = append(args, q.Limit)
	sql := "SELECT " + postColumns + " FROM " + t.from +
		" JOIN channel_members m ON m.channel_id = p.channel_id AND m.user_id = ?" +
		" WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + t.id + " DESC LIMIT ?"
	posts, err := s.posts(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("store: search posts: %w", err)
	}
	return posts, nil
}

// inIDs is the condition "column is one of ids" with one placeholder, so
// that the query text does not vary with the number of ids.
func (s *Store) inIDs(column string, ids []int64) (string, any) {
	if s.dialect == Postgres {
		return postgresInIDs(column, ids)
	}
	return sqliteInIDs(column, ids)
}

// textSearch is a dialect's full-text part of SearchPosts: the FROM clause,
// which brings in posts as p (and its index when there are words to match),
// conditions, the column to order and page on, and options for the driver
// (passed before the arguments).
type textSearch struct {
	options   []any
	from      string
	fromArgs  []any
	where     []string
	whereArgs []any
	id        string
}

// MemberChannelsByName returns the channels userID is a member of whose
// name is one of names (for in: filters of searches; names of channels of
// several teams match in each).
func (s *Store) MemberChannelsByName(ctx context.Context, userID int64, names []string) ([]model.Channel, error) {
	if len(names) == 0 {
		return nil, nil
	}
	args := []any{userID}
	for _, n := range names {
		args = append(args, n)
	}
	out, err := queryAll(ctx, s, channelOnly, "SELECT "+channelColumns+` FROM channels c
		JOIN channel_members m ON m.channel_id = c.id AND m.user_id = ?
		WHERE c.name IN (?`+strings.Repeat(", ?", len(names)-1)+") ORDER BY c.id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: member channels by name: %w", err)
	}
	return out, nil
}

// searchText is a term, phrase or exclusion as the index sees it: its words
// in order, the words once hyphens are taken out (nil when that changes
// nothing), and whether the last word is a prefix.
type searchText struct {
	words  []string
	joined []string
	prefix bool
}

// ligatures are written out, as the index does (search_text in SQLite,
// ruche_fold in PostgreSQL).
var ligatures = strings.NewReplacer("œ", "oe", "Œ", "OE", "æ", "ae", "Æ", "AE", "ß", "ss")

// parseText splits s into words. A trailing "*" makes the last word a
// prefix when prefix is allowed. ok is false when s has no word at all.
func parseText(s string, prefix bool) (searchText, bool) {
	s = norm.NFC.String(ligatures.Replace(s))
	t := searchText{words: searchWords(s)}
	if len(t.words) == 0 {
		return t, false
	}
	t.prefix = prefix && strings.HasSuffix(s, "*")
	if strings.Contains(s, "-") {
		if j := searchWords(strings.ReplaceAll(s, "-", "")); !slices.Equal(j, t.words) {
			t.joined = j
		}
	}
	return t, true
}

// searchWords splits s into words: runs of letters, digits and combining
// marks (SQLite's unicode61 tokenizer keeps private-use characters too).
// Runs without a letter or digit are left out: the index has no such word,
// and an empty one is a syntax error for PostgreSQL.
func searchWords(s string) []string {
	words := strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) && !unicode.Is(unicode.Co, r)
	})
	return slices.DeleteFunc(words, func(w string) bool {
		return strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) < 0
	})
}

// searchTexts parses the text criteria of q, leaving out those without words.
func searchTexts(list []string, prefix bool) []searchText {
	var out []searchText
	for _, s := range list {
		if t, ok := parseText(s, prefix); ok {
			out = append(out, t)
		}
	}
	return out
}
