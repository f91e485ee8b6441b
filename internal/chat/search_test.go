package chat

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"ruche/internal/model"
)

func TestParseSearch(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, paris) }
	for _, tc := range []struct {
		in   string
		want searchQuery
	}{
		{"deploiement", searchQuery{terms: []string{"deploiement*"}}},
		{"deploiement serveur", searchQuery{terms: []string{"deploiement", "serveur*"}}},
		{"  deplo*  ", searchQuery{terms: []string{"deplo*"}}},
		{"deplo, ", searchQuery{terms: []string{"deplo*"}}},
		{"a", searchQuery{terms: []string{"a"}}},
		{"co-op", searchQuery{terms: []string{"co-op*"}}},
		{"Jean-Pierre e-mail", searchQuery{terms: []string{"Jean-Pierre", "e-mail*"}}},
		{`"exact phrase" word`, searchQuery{terms: []string{"word*"}, phrases: []string{"exact phrase"}}},
		{`word "exact phrase"`, searchQuery{terms: []string{"word"}, phrases: []string{"exact phrase"}}},
		{`“curly quotes” «  guillemets  »`, searchQuery{phrases: []string{"curly quotes", "  guillemets  "}}},
		{`"unclosed phrase`, searchQuery{phrases: []string{"unclosed phrase"}}},
		{`"" "!!" word`, searchQuery{terms: []string{"word*"}}},
		{`-excluded kept`, searchQuery{terms: []string{"kept*"}, excluded: []string{"excluded"}}},
		{`kept -excluded`, searchQuery{terms: []string{"kept"}, excluded: []string{"excluded"}}},
		{`kept -"not this" -co-op`, searchQuery{terms: []string{"kept"}, excluded: []string{"not this", "co-op"}}},
		{`- -- -!`, searchQuery{}},
		{"from:bob", searchQuery{from: []string{"bob"}}},
		{"from:@Bob from:carl x", searchQuery{terms: []string{"x"}, from: []string{"bob", "carl"}}},
		{"release FROM:bob", searchQuery{terms: []string{"release*"}, from: []string{"bob"}}},
		{"in:town in:~Dev-Team in:@bob", searchQuery{in: []string{"town", "dev-team", "@bob"}}},
		{"has:file", searchQuery{hasFile: true}},
		{"has:Attachment is:thread", searchQuery{hasFile: true, isThread: true}},
		{"has:link is:pinned", searchQuery{terms: []string{"has:link", "is:pinned*"}}},
		{"http://example.com/a", searchQuery{terms: []string{"http://example.com/a"}}},
		{"from: in: x", searchQuery{terms: []string{"x"}}},
		{"on:2026-01-31", searchQuery{after: day(2026, 1, 31), before: day(2026, 2, 1)}},
		{"before:2026-01-31", searchQuery{before: day(2026, 1, 31)}},
		{"after:2026-01-31", searchQuery{after: day(2026, 2, 1)}},
		{"after:2026-01-01 before:2026-02-01 before:2026-03-01", searchQuery{after: day(2026, 1, 2), before: day(2026, 2, 1)}},
		{"on:2026-03-29", searchQuery{after: day(2026, 3, 29), before: day(2026, 3, 30)}}, // 23 hours: summer time starts
		{"x", searchQuery{terms: []string{"x"}}},
	} {
		got, err := parseSearch(tc.in, paris)
		if tc.want.criteria() == 0 {
			var inv *model.InvalidError
			if !errors.As(err, &inv) || inv.Field != "q" {
				t.Errorf("%q: want an invalid q, got %+v, %v", tc.in, got, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q:\n got %+v\nwant %+v", tc.in, got, tc.want)
		}
	}
	if q, _ := parseSearch("on:2026-03-29", paris); q.before.Sub(q.after) != 23*time.Hour || q.after.UTC().Hour() != 23 {
		t.Errorf("a day in Paris is taken in Paris: %v to %v", q.after.UTC(), q.before.UTC())
	}

	for _, bad := range []string{
		"before:yesterday", "after:2026-13-01", "on:2026-02-30", "on:", "before:31/01/2026", "x after:2026-1-1",
		strings.Repeat("a", MaxSearchLength+1),
		strings.Repeat("w ", MaxSearchTerms+1),
		strings.Repeat("from:x ", MaxSearchTerms+1),
		"\xff\xfe", "", "   ", `""`, "!!! ???",
	} {
		_, err := parseSearch(bad, time.UTC)
		var inv *model.InvalidError
		if !errors.As(err, &inv) || inv.Field != "q" || inv.Reason == "" {
			t.Errorf("%.40q: want an invalid q, got %v", bad, err)
		}
	}
	if _, err := parseSearch(strings.Repeat("é", MaxSearchLength), time.UTC); err != nil {
		t.Errorf("%d characters (more bytes) are fine: %v", MaxSearchLength, err)
	}
	if _, err := parseSearch(strings.Repeat("w ", MaxSearchTerms), time.UTC); err != nil {
		t.Errorf("%d words are fine: %v", MaxSearchTerms, err)
	}
}

// FuzzParseSearch: any query is parsed without panicking into a bounded
// result, or refused as an invalid q.
func FuzzParseSearch(f *testing.F) {
	for _, seed := range []string{
		"deploiement", `"exact phrase" -excluded from:@bob in:~town`, "before:2026-01-31 after:2025-12-31 on:2026-01-15",
		"has:file is:thread co-op e-mail Jean-Pierre", `-"a b" «c d» “e f” „g h“`, "deplo*", "x:y :z ::", `"`, "-", "-\"",
		"\xff", "é\u0301", strings.Repeat("a ", 40), "in:@ from:@ in:~",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		q, err := parseSearch(in, time.UTC)
		if err != nil {
			var inv *model.InvalidError
			if !errors.As(err, &inv) || inv.Field != "q" {
				t.Fatalf("%q: error %v is not an invalid q", in, err)
			}
			return
		}
		if n := q.criteria(); n == 0 || n > MaxSearchTerms {
			t.Fatalf("%q: %d criteria", in, n)
		}
		if utf8.RuneCountInString(in) > MaxSearchLength {
			t.Fatalf("%q: too long, yet accepted", in)
		}
		for _, list := range [][]string{q.terms, q.phrases, q.excluded, q.from, q.in} {
			for _, s := range list {
				if s == "" || len(s) > 3*len(in)+1 || !utf8.ValidString(s) {
					t.Fatalf("%q: bad item %q in %+v", in, s, q)
				}
			}
		}
		for _, list := range [][]string{q.terms, q.phrases, q.excluded} {
			for _, s := range list {
				if !hasWord(s) {
					t.Fatalf("%q: item without a word %q", in, s)
				}
			}
		}
	})
}
