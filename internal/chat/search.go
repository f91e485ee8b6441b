package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"ruche/internal/access"
	"ruche/internal/model"
	"ruche/internal/store"
)

// Bounds of a search query: longer queries or more criteria are refused
// rather than cut, so that a search never means less than what was typed.
const (
	MaxSearchLength = 1000 // characters
	MaxSearchTerms  = 32   // words, phrases, exclusions and filters
)

// SearchPosts finds the posts the actor may read that match query, newest
// first: only posts of channels they are a member of now, never deleted
// ones. Dates in before:, after: and on: are days in tz. beforeID pages back
// (0: from the newest). The syntax is described in docs/user.md.
func (s *Service) SearchPosts(ctx context.Context, actor access.Actor, query string, tz *time.Location, beforeID int64, limit int) ([]PostView, error) {
	if !actor.SignedIn() {
		return nil, fmt.Errorf("chat: search: %w", model.ErrUnauthorized)
	}
	if tz == nil {
		tz = time.UTC
	}
	sq, err := parseSearch(query, tz)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPage {
		limit = 50
	}
	q := store.SearchQuery{Terms: sq.terms, Phrases: sq.phrases, Excluded: sq.excluded, After: sq.after, Before: sq.before,
		HasFile: sq.hasFile, IsThread: sq.isThread, BeforeID: beforeID, Limit: limit}
	// Filters that name nobody or no channel of the actor's match nothing
	// (rather than being ignored, which would widen the search).
	if len(sq.from) > 0 {
		users, err := s.st.UsersByLogins(ctx, sq.from)
		if err != nil {
			return nil, err
		}
		if len(users) == 0 {
			return []PostView{}, nil
		}
		for _, u := range users {
			q.FromUserIDs = append(q.FromUserIDs, u.ID)
		}
	}
	if len(sq.in) > 0 {
		names, err := s.channelNames(ctx, actor, sq.in)
		if err != nil {
			return nil, err
		}
		channels, err := s.st.MemberChannelsByName(ctx, actor.UserID, names)
		if err != nil {
			return nil, err
		}
		if len(channels) == 0 {
			return []PostView{}, nil
		}
		for _, c := range channels {
			q.InChannelIDs = append(q.InChannelIDs, c.ID)
		}
	}
	posts, err := s.st.SearchPosts(ctx, actor.UserID, q)
	if err != nil {
		return nil, err
	}
	return s.searchViews(ctx, actor, posts)
}

// channelNames turns in: values into channel names: a team channel's name
// as is, "@login" into the name of the actor's direct channel with them.
func (s *Service) channelNames(ctx context.Context, actor access.Actor, in []string) ([]string, error) {
	var names, logins []string
	for _, v := range in {
		if login, ok := strings.CutPrefix(v, "@"); ok {
			logins = append(logins, login)
		} else {
			names = append(names, v)
		}
	}
	if len(logins) > 0 {
		users, err := s.st.UsersByLogins(ctx, logins)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			ids := []int64{actor.UserID, u.ID}
			slices.Sort(ids)
			if ids[0] == ids[1] {
				continue
			}
			names = append(names, strconv.FormatInt(ids[0], 10)+","+strconv.FormatInt(ids[1], 10))
		}
	}
	return names, nil
}

// searchViews renders found posts channel by channel, keeping their order.
// The store already kept only channels the actor is a member of; access is
// still asked for each channel, as everywhere, and a refusal drops its posts.
func (s *Service) searchViews(ctx context.Context, actor access.Actor, posts []model.Post) ([]PostView, error) {
	groups := map[int64][]int{} // channel id → indexes in posts
	var order []int64
	for i, p := range posts {
		if _, ok := groups[p.ChannelID]; !ok {
			order = append(order, p.ChannelID)
		}
		groups[p.ChannelID] = append(groups[p.ChannelID], i)
	}
	views := make([]PostView, len(posts))
	keep := make([]bool, len(posts))
	for _, id := range order {
		c, _, err := s.channel(ctx, actor, id, access.ReadChannel)
		switch {
		case errors.Is(err, model.ErrNotFound), errors.Is(err, model.ErrForbidden):
			continue
		case err != nil:
			return nil, err
		}
		idx := groups[id]
		group := make([]model.Post, len(idx))
		for j, i := range idx {
			group[j] = posts[i]
		}
		vs, err := s.views(ctx, s.st, c, group)
		if err != nil {
			return nil, err
		}
		for j, i := range idx {
			views[i], keep[i] = vs[j], true
		}
	}
	out := make([]PostView, 0, len(posts))
	for i, v := range views {
		if keep[i] {
			out = append(out, v)
		}
	}
	return out, nil
}

// searchQuery is a parsed search: text for the index, and filters still to
// resolve (logins, channel names) or already resolved (dates).
type searchQuery struct {
	terms, phrases, excluded []string
	from                     []string // logins
	in                       []string // channel names; "@login" for a direct message
	after, before            time.Time
	hasFile, isThread        bool
}

// criteria counts what the query asks for.
func (q searchQuery) criteria() int {
	n := len(q.terms) + len(q.phrases) + len(q.excluded) + len(q.from) + len(q.in)
	for _, set := range []bool{!q.after.IsZero(), !q.before.IsZero(), q.hasFile, q.isThread} {
		if set {
			n++
		}
	}
	return n
}

func searchInvalid(reason string) error {
	return &model.InvalidError{Field: "q", Reason: reason, Key: "err.search"}
}

// quotes maps the characters that open a phrase to those that may close it.
var quotes = map[rune]string{'"': `"`, '“': `”"`, '«': `»"`, '„': `“”"`}

// parseSearch reads a search query:
//
//	word           posts with the word (all words must be there)
//	"two words"    the words in this order (also “…” and «…»)
//	-word -"a b"   posts without them
//	from:login     written by them (also from:@login; several: any of them)
//	in:channel     in that channel (also in:~channel, and in:@login for the
//	               direct messages with them; several: any of them)
//	before:DATE    before that day; after:DATE after it; on:DATE that day
//	               (DATE is 2026-01-31, a day in tz)
//	has:file       with attachments (also has:attachment)
//	is:thread      replies and posts with replies
//
// The last word also matches longer words ("deplo" finds "déploiement"),
// as does any word ending in "*". Other "x:y" words are searched as words.
func parseSearch(query string, tz *time.Location) (searchQuery, error) {
	var q searchQuery
	switch {
	case !utf8.ValidString(query):
		return q, searchInvalid("the search is not valid UTF-8")
	case utf8.RuneCountInString(query) > MaxSearchLength:
		return q, searchInvalid(fmt.Sprintf("the search must have at most %d characters", MaxSearchLength))
	}
	lastTerm := -1 // index in q.terms of the last item when it is a plain word
	rest := query
	for {
		rest = strings.TrimLeftFunc(rest, unicode.IsSpace)
		if rest == "" {
			break
		}
		if q.criteria() >= MaxSearchTerms {
			return q, searchInvalid(fmt.Sprintf("the search must have at most %d words and filters", MaxSearchTerms))
		}
		excluded := false
		if r, size := utf8.DecodeRuneInString(rest); r == '-' {
			if next, _ := utf8.DecodeRuneInString(rest[size:]); quotes[next] != "" {
				excluded, rest = true, rest[size:]
			}
		}
		if open, size := utf8.DecodeRuneInString(rest); quotes[open] != "" {
			phrase := rest[size:]
			end := strings.IndexAny(phrase, quotes[open])
			if end < 0 {
				rest = "" // an unclosed quote runs to the end
			} else {
				_, csize := utf8.DecodeRuneInString(phrase[end:])
				phrase, rest = phrase[:end], phrase[end+csize:]
			}
			if hasWord(phrase) {
				if excluded {
					q.excluded = append(q.excluded, phrase)
				} else {
					q.phrases = append(q.phrases, phrase)
				}
			}
			lastTerm = -1
			continue
		}
		word := rest
		if end := strings.IndexFunc(rest, unicode.IsSpace); end >= 0 {
			word, rest = rest[:end], rest[end:]
		} else {
			rest = ""
		}
		if ok, err := q.filter(word, tz); err != nil {
			return q, err
		} else if ok {
			continue
		}
		if !hasWord(word) {
			continue
		}
		if w, ok := strings.CutPrefix(word, "-"); ok {
			if hasWord(w) {
				q.excluded = append(q.excluded, w)
				lastTerm = -1
			}
			continue
		}
		q.terms = append(q.terms, word)
		lastTerm = len(q.terms) - 1
	}
	if lastTerm >= 0 && !strings.HasSuffix(q.terms[lastTerm], "*") {
		// "deplo," is taken as "deplo*": the punctuation typed after it
		// separates words anyway.
		t := strings.TrimRightFunc(q.terms[lastTerm], func(r rune) bool { return !isWordRune(r) })
		if lastWordLen(t) >= 2 {
			q.terms[lastTerm] = t + "*"
		}
	}
	if q.criteria() == 0 {
		return q, searchInvalid("type words or filters to search for")
	}
	return q, nil
}

// filter applies word if it is a filter (from:, in:, before:…) and reports
// whether it was one.
func (q *searchQuery) filter(word string, tz *time.Location) (bool, error) {
	key, value, ok := strings.Cut(word, ":")
	if !ok {
		return false, nil
	}
	key = strings.ToLower(key)
	switch key {
	case "from":
		if v := strings.ToLower(strings.TrimPrefix(value, "@")); v != "" {
			q.from = append(q.from, v)
		}
	case "in":
		if v := strings.ToLower(strings.TrimPrefix(value, "~")); v != "" && v != "@" {
			q.in = append(q.in, v)
		}
	case "before", "after", "on":
		day, err := time.ParseInLocation("2006-01-02", value, tz)
		if err != nil {
			return true, searchInvalid(fmt.Sprintf("%s: needs a date like 2026-01-31", key))
		}
		next := time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, tz)
		var from, to time.Time // several dates: posts within all of them
		switch key {
		case "before":
			to = day
		case "after":
			from = next
		case "on":
			from, to = day, next
		}
		if !from.IsZero() && from.After(q.after) {
			q.after = from
		}
		if !to.IsZero() && (q.before.IsZero() || to.Before(q.before)) {
			q.before = to
		}
	case "has":
		switch strings.ToLower(value) {
		case "file", "files", "attachment", "attachments":
			q.hasFile = true
		default:
			return false, nil
		}
	case "is":
		switch strings.ToLower(value) {
		case "thread", "threads":
			q.isThread = true
		default:
			return false, nil
		}
	default:
		return false, nil
	}
	return true, nil
}

// isWordRune reports whether r is part of a word, as the index sees it.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.IsMark(r)
}

// hasWord reports whether s has a letter or a digit: text without any
// matches nothing and is left out.
func hasWord(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }) >= 0
}

// lastWordLen is the number of letters and digits at the end of s: a last
// word of one letter is not made a prefix (it would match too much).
func lastWordLen(s string) int {
	n := 0
	for s != "" {
		r, size := utf8.DecodeLastRuneInString(s)
		if !isWordRune(r) {
			break
		}
		if !unicode.IsMark(r) {
			n++
		}
		s = s[:len(s)-size]
	}
	return n
}
