package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

// searchIDs runs a search and returns the ids found, in order.
func searchIDs(t *testing.T, st *store.Store, userID int64, q store.SearchQuery) []int64 {
	t.Helper()
	posts, err := st.SearchPosts(context.Background(), userID, q)
	if err != nil {
		t.Fatalf("search %+v: %v", q, err)
	}
	ids := make([]int64, len(posts))
	for i, p := range posts {
		ids[i] = p.ID
	}
	return ids
}

func TestSearchPosts(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		base := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		bob, _ := st.CreateUser(ctx, newUser("bob", model.RoleMember))
		carl, _ := st.CreateUser(ctx, newUser("carl", model.RoleMember))
		dev, _ := st.CreateTeam(ctx, model.Team{Name: "dev", DisplayName: "Dev", CreatedBy: ann.ID, CreatedAt: base, UpdatedAt: base})
		ops, _ := st.CreateTeam(ctx, model.Team{Name: "ops", DisplayName: "Ops", CreatedBy: carl.ID, CreatedAt: base, UpdatedAt: base})
		channel := func(team int64, kind model.ChannelKind, name string, members ...int64) model.Channel {
			t.Helper()
			var ms []model.ChannelMember
			for _, u := range members {
				ms = append(ms, model.ChannelMember{UserID: u, JoinedAt: base})
			}
			c, err := st.CreateChannel(ctx, model.Channel{TeamID: team, Kind: kind, Name: name, CreatedAt: base, UpdatedAt: base}, ms)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		town := channel(dev.ID, model.ChannelPublic, "town", ann.ID, bob.ID)
		secret := channel(dev.ID, model.ChannelPrivate, "secret", ann.ID)
		opsTown := channel(ops.ID, model.ChannelPublic, "town", carl.ID)

		hour := 0
		post := func(c model.Channel, author int64, msg string, root ...int64) model.Post {
			t.Helper()
			hour++
			p := model.Post{ChannelID: c.ID, UserID: author, Message: msg, CreatedAt: base.Add(time.Duration(hour) * time.Hour)}
			if len(root) > 0 {
				p.RootID = root[0]
			}
			if strings.HasPrefix(msg, "{") { // webhook props, not files
				p.Message, p.Props = "fichier joint", msg
			}
			if strings.HasPrefix(msg, "file:") { // a post with an attachment
				f, err := st.CreateFile(ctx, model.File{ChannelID: c.ID, UserID: author, Name: "a.txt", MIME: "text/plain", Size: 1,
					BlobKey: "k" + msg, SHA256: "x", CreatedAt: base})
				if err != nil {
					t.Fatal(err)
				}
				p.Message, p.Files = "fichier joint", []model.File{{ID: f.ID}}
			}
			p, err := st.CreatePost(ctx, p, nil)
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		coop := post(town, ann.ID, "Le déploiement de la co-op est prévu")
		mail := post(town, ann.ID, "Envoyez un e-mail à Jean-Pierre, merci")
		plain := post(town, ann.ID, "deploiement sans accent")
		fox := post(town, ann.ID, "the quick brown fox jumps")
		fox2 := post(town, ann.ID, "quick fox")
		coop2 := post(town, ann.ID, "coop meeting tomorrow")
		mail2 := post(town, ann.ID, "email sent to l’équipe")
		oeuvre := post(town, ann.ID, "Une ŒUVRE complète")
		reply := post(town, bob.ID, "a quick reply from bob", fox.ID)
		hidden := post(secret, ann.ID, "secret deploiement plan")
		other := post(opsTown, carl.ID, "deploiement chez ops")
		gone := post(town, ann.ID, "deploiement annulé")
		draft := post(town, ann.ID, "brouillon initial")
		file := post(town, bob.ID, "file:1")
		noFile := post(town, bob.ID, `{"from_webhook":"yes","file_ids":[7]}`)
		nfd := post(town, bob.ID, "De\u0301ploiement en forme de\u0301compose\u0301e")
		words := post(secret, ann.ID, "NOT or, AND near")
		if err := st.DeletePost(ctx, gone, base); err != nil {
			t.Fatal(err)
		}
		if err := st.EditPost(ctx, draft.ID, "version finale", "", base.Add(30*time.Hour)); err != nil {
			t.Fatal(err)
		}

		ids := func(ps ...model.Post) []int64 { // newest first
			out := make([]int64, len(ps))
			for i, p := range ps {
				out[i] = p.ID
			}
			slices.Sort(out)
			slices.Reverse(out)
			return out
		}
		for _, tc := range []struct {
			name string
			user int64
			q    store.SearchQuery
			want []int64
		}{
			{"hyphenated", bob.ID, store.SearchQuery{Terms: []string{"co-op"}}, ids(coop, coop2)},
			{"hyphen left out", bob.ID, store.SearchQuery{Terms: []string{"coop"}}, ids(coop, coop2)},
			{"e-mail", bob.ID, store.SearchQuery{Terms: []string{"e-mail"}}, ids(mail, mail2)},
			{"email", bob.ID, store.SearchQuery{Terms: []string{"email"}}, ids(mail, mail2)},
			{"Jean-Pierre", bob.ID, store.SearchQuery{Terms: []string{"Jean-Pierre"}}, ids(mail)},
			{"part of a hyphenated name", bob.ID, store.SearchQuery{Terms: []string{"pierre"}}, ids(mail)},
			{"name written together", bob.ID, store.SearchQuery{Terms: []string{"jeanpierre"}}, ids(mail)},
			{"hyphenated phrase", bob.ID, store.SearchQuery{Phrases: []string{"la co-op est"}}, ids(coop)},
			{"without accent", bob.ID, store.SearchQuery{Terms: []string{"deploiement"}}, ids(coop, plain, nfd)},
			{"with accent", bob.ID, store.SearchQuery{Terms: []string{"déploiement"}}, ids(coop, plain, nfd)},
			{"capitals", bob.ID, store.SearchQuery{Terms: []string{"DÉPLOIEMENT"}}, ids(coop, plain, nfd)},
			{"decomposed query", bob.ID, store.SearchQuery{Terms: []string{"de\u0301compose\u0301e"}}, ids(nfd)},
			{"apostrophe", bob.ID, store.SearchQuery{Terms: []string{"equipe"}}, ids(mail2)},
			{"ligature written out", bob.ID, store.SearchQuery{Terms: []string{"oeuvre"}}, ids(oeuvre)},
			{"ligature", bob.ID, store.SearchQuery{Terms: []string{"œuvre"}}, ids(oeuvre)},
			{"prefix", bob.ID, store.SearchQuery{Terms: []string{"déplo*"}}, ids(coop, plain, nfd)},
			{"prefix of a hyphenated word", bob.ID, store.SearchQuery{Terms: []string{"co-o*"}}, ids(coop, coop2)},
			{"no prefix without a star", bob.ID, store.SearchQuery{Terms: []string{"deplo"}}, nil},
			{"words in any order", bob.ID, store.SearchQuery{Terms: []string{"fox", "quick"}}, ids(fox, fox2)},
			{"phrase", bob.ID, store.SearchQuery{Phrases: []string{"quick brown fox"}}, ids(fox)},
			{"phrase in order", bob.ID, store.SearchQuery{Phrases: []string{"fox quick"}}, nil},
			{"short phrase", bob.ID, store.SearchQuery{Phrases: []string{"quick fox"}}, ids(fox2)},
			{"excluded", bob.ID, store.SearchQuery{Terms: []string{"quick"}, Excluded: []string{"brown"}}, ids(fox2, reply)},
			{"excluded phrase", bob.ID, store.SearchQuery{Terms: []string{"quick"}, Excluded: []string{"brown fox"}}, ids(fox2, reply)},
			{"only excluded", bob.ID, store.SearchQuery{Excluded: []string{"deploiement", "quick", "fichier"}, FromUserIDs: []int64{bob.ID}}, nil},
			{"only excluded, some left", bob.ID, store.SearchQuery{Excluded: []string{"quick"}, FromUserIDs: []int64{bob.ID}}, ids(file, noFile, nfd)},
			{"from", bob.ID, store.SearchQuery{Terms: []string{"quick"}, FromUserIDs: []int64{bob.ID}}, ids(reply)},
			{"from several", bob.ID, store.SearchQuery{Terms: []string{"quick"}, FromUserIDs: []int64{bob.ID, ann.ID}}, ids(fox, fox2, reply)},
			{"filters only", bob.ID, store.SearchQuery{FromUserIDs: []int64{bob.ID}}, ids(reply, file, noFile, nfd)},
			{"in", ann.ID, store.SearchQuery{Terms: []string{"deploiement"}, InChannelIDs: []int64{secret.ID}}, ids(hidden)},
			{"in a channel one is not in", bob.ID, store.SearchQuery{Terms: []string{"deploiement"}, InChannelIDs: []int64{secret.ID, opsTown.ID}}, nil},
			{"after", bob.ID, store.SearchQuery{Terms: []string{"deploiement"}, After: base.Add(3 * time.Hour)}, ids(plain, nfd)},
			{"before", bob.ID, store.SearchQuery{Terms: []string{"deploiement"}, Before: base.Add(3 * time.Hour)}, ids(coop)},
			{"between", bob.ID, store.SearchQuery{Terms: []string{"quick"}, After: base.Add(4 * time.Hour), Before: base.Add(9 * time.Hour)}, ids(fox, fox2)},
			{"has file", bob.ID, store.SearchQuery{HasFile: true}, ids(file)},
			{"has file and words", bob.ID, store.SearchQuery{Terms: []string{"fichier"}, HasFile: true}, ids(file)},
			{"is thread", bob.ID, store.SearchQuery{Terms: []string{"quick"}, IsThread: true}, ids(fox, reply)},
			{"deleted", ann.ID, store.SearchQuery{Terms: []string{"annule"}}, nil},
			{"deleted, without words", ann.ID, store.SearchQuery{FromUserIDs: []int64{ann.ID}, After: base.Add(12 * time.Hour), Before: base.Add(13 * time.Hour)}, nil},
			{"edited: old text", ann.ID, store.SearchQuery{Terms: []string{"brouillon"}}, nil},
			{"edited: new text", ann.ID, store.SearchQuery{Terms: []string{"finale"}}, ids(draft)},
			{"private channel, member", ann.ID, store.SearchQuery{Terms: []string{"secret"}}, ids(hidden)},
			{"private channel, not a member", bob.ID, store.SearchQuery{Terms: []string{"secret"}}, nil},
			{"another team's channel", carl.ID, store.SearchQuery{Terms: []string{"deploiement"}}, ids(other)},
			{"not a member of any", carl.ID, store.SearchQuery{Terms: []string{"quick"}}, nil},
			{"no word in the text", bob.ID, store.SearchQuery{Terms: []string{"!!"}, FromUserIDs: []int64{ann.ID}, Before: base.Add(2 * time.Hour)}, ids(coop)},
			{"operators are words", ann.ID, store.SearchQuery{Terms: []string{`NOT`, `"OR"`, `AND*`, `NEAR(`, `'`, `\`, `:*`, `<->`, `!`}}, ids(words)},
			{"marks alone are no word", ann.ID, store.SearchQuery{Terms: []string{"\u0301", "not"}, Excluded: []string{"\u0301\u0300"}, Phrases: []string{"\u0301 or"}}, ids(words)},
			{"operators are words in phrases", ann.ID, store.SearchQuery{Phrases: []string{`not "or" and`}, Excluded: []string{`'`, `NEAR*`}}, nil},
		} {
			if got := searchIDs(t, st, tc.user, tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
			}
		}

		// Paging, newest first.
		all := searchIDs(t, st, bob.ID, store.SearchQuery{Terms: []string{"deploiement"}})
		page1 := searchIDs(t, st, bob.ID, store.SearchQuery{Terms: []string{"deploiement"}, Limit: 2})
		page2 := searchIDs(t, st, bob.ID, store.SearchQuery{Terms: []string{"deploiement"}, Limit: 2, BeforeID: page1[1]})
		if len(all) != 3 || !slices.Equal(append(page1, page2...), all) {
			t.Errorf("pages %v + %v, want %v", page1, page2, all)
		}
		if got := searchIDs(t, st, bob.ID, store.SearchQuery{FromUserIDs: []int64{bob.ID}, Limit: 1, BeforeID: nfd.ID}); !slices.Equal(got, ids(noFile)) {
			t.Errorf("page without words: %v", got)
		}

		// A removed member finds nothing of the channel any more.
		if err := st.RemoveChannelMember(ctx, town.ID, bob.ID); err != nil {
			t.Fatal(err)
		}
		for _, q := range []store.SearchQuery{
			{Terms: []string{"quick"}}, {Terms: []string{"deploiement"}}, {FromUserIDs: []int64{bob.ID}},
			{Excluded: []string{"zzz"}}, {InChannelIDs: []int64{town.ID}}, {IsThread: true},
		} {
			if got := searchIDs(t, st, bob.ID, q); len(got) != 0 {
				t.Errorf("removed member, %+v: %v", q, got)
			}
		}
	})
}

func TestMemberChannelsByName(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		a, _ := st.CreateTeam(ctx, model.Team{Name: "a", DisplayName: "A", CreatedAt: now, UpdatedAt: now})
		b, _ := st.CreateTeam(ctx, model.Team{Name: "b", DisplayName: "B", CreatedAt: now, UpdatedAt: now})
		me := []model.ChannelMember{{UserID: ann.ID, JoinedAt: now}}
		ta, _ := st.CreateChannel(ctx, model.Channel{TeamID: a.ID, Kind: model.ChannelPublic, Name: "town", CreatedAt: now, UpdatedAt: now}, me)
		tb, _ := st.CreateChannel(ctx, model.Channel{TeamID: b.ID, Kind: model.ChannelPublic, Name: "town", CreatedAt: now, UpdatedAt: now}, me)
		st.CreateChannel(ctx, model.Channel{TeamID: a.ID, Kind: model.ChannelPrivate, Name: "board", CreatedAt: now, UpdatedAt: now}, nil)
		got, err := st.MemberChannelsByName(ctx, ann.ID, []string{"town", "board", "nope"})
		if err != nil || len(got) != 2 || got[0].ID != ta.ID || got[1].ID != tb.ID {
			t.Fatalf("channels named town or board that ann is in: %+v %v", got, err)
		}
	})
}

// TestSearchMigrationBackfill writes posts with the schema before search
// (migrations 1 and 2), then migrates: the posts already there are found.
func TestSearchMigrationBackfill(t *testing.T) {
	for d, fresh := range testutil.DSNs(t) {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := fresh(t)
			driver := map[store.Dialect]string{store.SQLite: "sqlite", store.Postgres: "pgx"}[d]
			raw, err := sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			migrations, err := store.Migrations(d)
			if err != nil {
				t.Fatal(err)
			}
			stmts := []string{"CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)"}
			for _, m := range migrations[:2] {
				stmts = append(stmts, m.SQL, fmt.Sprintf("INSERT INTO schema_migrations VALUES (%d, '%s', 0)", m.Version, m.Name))
			}
			stmts = append(stmts,
				"INSERT INTO users (id, login, role, created_at, updated_at) VALUES (1, 'ann', 'member', 0, 0)",
				"INSERT INTO channels (id, kind, name, created_at, updated_at) VALUES (1, 'group', 'g', 0, 0)",
				"INSERT INTO channel_members (channel_id, user_id, joined_at) VALUES (1, 1, 0)",
				"INSERT INTO posts (id, channel_id, user_id, message, created_at) VALUES (1, 1, 1, 'Déploiement de la co-op', 1)",
				"INSERT INTO posts (id, channel_id, user_id, message, created_at, deleted_at) VALUES (2, 1, 1, '', 2, 2)",
				"INSERT INTO posts (id, channel_id, user_id, message, created_at) VALUES (3, 1, 1, 'autre chose', 3)",
			)
			for _, s := range stmts {
				if _, err := raw.ExecContext(ctx, s); err != nil {
					t.Fatalf("%.60s: %v", s, err)
				}
			}
			raw.Close()
			st := testutil.OpenStore(t, dsn)
			if got := searchIDs(t, st, 1, store.SearchQuery{Terms: []string{"deploiement", "coop"}}); !slices.Equal(got, []int64{1}) {
				t.Fatalf("post written before the migration: %v", got)
			}
			if got := searchIDs(t, st, 1, store.SearchQuery{Excluded: []string{"coop"}}); !slices.Equal(got, []int64{3}) {
				t.Fatalf("all but co-op: %v", got)
			}
			// The index follows later edits and deletions of those posts.
			if err := st.EditPost(ctx, 1, "plus rien", "", time.Now()); err != nil {
				t.Fatal(err)
			}
			if err := st.DeletePost(ctx, model.Post{ID: 3}, time.Now()); err != nil {
				t.Fatal(err)
			}
			if got := searchIDs(t, st, 1, store.SearchQuery{Terms: []string{"deploiement"}}); len(got) != 0 {
				t.Fatalf("edited post found by its old text: %v", got)
			}
			if got := searchIDs(t, st, 1, store.SearchQuery{Terms: []string{"rien"}}); !slices.Equal(got, []int64{1}) {
				t.Fatalf("edited post by its new text: %v", got)
			}
			if d != store.SQLite {
				return
			}
			// Posts deleted for good (retention), replies with their root by
			// cascade, leave the FTS index consistent with its content.
			root, _ := st.CreatePost(ctx, model.Post{ChannelID: 1, UserID: 1, Message: "racine co-op", CreatedAt: time.Now()}, nil)
			st.CreatePost(ctx, model.Post{ChannelID: 1, UserID: 1, RootID: root.ID, Message: "réponse e-mail", CreatedAt: time.Now()}, nil)
			raw, err = sql.Open(driver, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			raw.SetMaxOpenConns(1)
			for _, s := range []string{
				"PRAGMA foreign_keys = ON",
				fmt.Sprint("DELETE FROM posts WHERE id = ", root.ID),
				"INSERT INTO posts_fts (posts_fts, rank) VALUES ('integrity-check', 1)",
			} {
				if _, err := raw.ExecContext(ctx, s); err != nil {
					t.Fatalf("%s: %v", s, err)
				}
			}
			var left int
			if err := raw.QueryRowContext(ctx, "SELECT COUNT(*) FROM posts_fts WHERE posts_fts MATCH 'reponse OR racine OR coop OR email'").Scan(&left); err != nil || left != 0 {
				t.Fatalf("deleted posts left in the index: %d %v", left, err)
			}
		})
	}
}

// BenchmarkSearch searches 10,000 posts in 20 channels, 10 of which the
// searcher is a member of (SQLite, or PostgreSQL with RUCHE_TEST_DIALECT).
func BenchmarkSearch(b *testing.B) {
	ctx := context.Background()
	st := testutil.NewStore(b)
	now := time.Now()
	me, _ := st.CreateUser(ctx, newUser("me", model.RoleMember))
	other, _ := st.CreateUser(ctx, newUser("other", model.RoleMember))
	team, _ := st.CreateTeam(ctx, model.Team{Name: "t", DisplayName: "T", CreatedAt: now, UpdatedAt: now})
	words := strings.Fields(`le la les de des un une et à en du pour dans sur avec pas plus que qui
		déploiement serveur réunion équipe co-op e-mail Jean-Pierre projet demain hier semaine rapport
		the a of to and in is it for on that with build release deploy review merge bug fix test
		client facture budget planning sprint ticket version données sauvegarde réseau base`)
	rng := rand.New(rand.NewPCG(1, 2))
	var channels []int64
	for i := range 20 {
		members := []model.ChannelMember{{UserID: other.ID, JoinedAt: now}}
		if i%2 == 0 {
			members = append(members, model.ChannelMember{UserID: me.ID, JoinedAt: now})
		}
		c, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: fmt.Sprint("c", i), CreatedAt: now, UpdatedAt: now}, members)
		if err != nil {
			b.Fatal(err)
		}
		channels = append(channels, c.ID)
	}
	err := st.InTx(ctx, func(tx *store.Store) error {
		for i := range 10_000 {
			n := 4 + rng.IntN(20)
			msg := make([]string, n)
			for j := range msg {
				msg[j] = words[rng.IntN(len(words))]
			}
			p := model.Post{ChannelID: channels[i%len(channels)], UserID: other.ID, Message: strings.Join(msg, " "),
				CreatedAt: now.Add(time.Duration(i-10_000) * time.Minute)}
			if _, err := tx.CreatePost(ctx, p, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    store.SearchQuery
	}{
		{"word", store.SearchQuery{Terms: []string{"déploiement"}}},
		{"rare words", store.SearchQuery{Terms: []string{"facture", "sauvegarde", "budget"}}},
		{"prefix", store.SearchQuery{Terms: []string{"serveur", "sem*"}}},
		{"hyphenated", store.SearchQuery{Terms: []string{"co-op"}}},
		{"phrase", store.SearchQuery{Phrases: []string{"de la"}}},
		{"excluded", store.SearchQuery{Terms: []string{"projet"}, Excluded: []string{"demain", "hier"}}},
		{"filters only", store.SearchQuery{FromUserIDs: []int64{other.ID}, InChannelIDs: channels[:4], After: now.Add(-72 * time.Hour)}},
		{"no match", store.SearchQuery{Terms: []string{"introuvable"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := st.SearchPosts(ctx, me.ID, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// FuzzSearchText: whatever text a search holds, the query built from it is
// valid for the index of every dialect (no syntax error, no injection).
func FuzzSearchText(f *testing.F) {
	for _, seed := range []string{
		"deploiement", `"quoted" NOT x`, "a OR b", "co-op*", "*", "-", `'`, `\`, "''", `\'`, ":*", "<->", "!",
		"&|()", "NEAR(a b)", "^start", "col:word", "\u0301", "é\u0301", "\uE000", "🎉", "x\x00y", "\xff", "l’équipe",
	} {
		f.Add(seed, seed+" "+seed)
	}
	ctx := context.Background()
	var stores []*store.Store
	for _, fresh := range testutil.DSNs(f) {
		st := testutil.OpenStore(f, fresh(f))
		u, err := st.CreateUser(ctx, newUser("ann", model.RoleMember))
		if err != nil {
			f.Fatal(err)
		}
		now := time.Now()
		c, _ := st.CreateChannel(ctx, model.Channel{Kind: model.ChannelGroup, Name: "g", CreatedAt: now, UpdatedAt: now},
			[]model.ChannelMember{{UserID: u.ID, JoinedAt: now}})
		if _, err := st.CreatePost(ctx, model.Post{ChannelID: c.ID, UserID: u.ID, Message: "deploiement co-op l'équipe", CreatedAt: now}, nil); err != nil {
			f.Fatal(err)
		}
		stores = append(stores, st)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		for _, st := range stores {
			for _, q := range []store.SearchQuery{
				{Terms: []string{a, b}}, {Phrases: []string{a}, Excluded: []string{b}}, {Excluded: []string{a, b}},
			} {
				if _, err := st.SearchPosts(ctx, 1, q); err != nil {
					t.Fatalf("%s: %+v: %v", st.Dialect(), q, err)
				}
			}
		}
	})
}
