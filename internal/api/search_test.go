package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/testutil"
)

// searchHits searches as c and returns the ids found, newest first.
func searchHits(t *testing.T, c *testutil.Client, q string, extra ...string) []int64 {
	t.Helper()
	var out struct {
		Items []struct {
			ID      int64  `json:"id"`
			Message string `json:"message"`
			HTML    string `json:"html"`
			Author  struct {
				Login string `json:"login"`
			} `json:"author"`
		} `json:"items"`
	}
	path := "/api/v1/search/posts?q=" + url.QueryEscape(q) + strings.Join(extra, "")
	if st := c.JSON("GET", path, nil, &out); st != http.StatusOK {
		t.Fatalf("search %q: %d", q, st)
	}
	ids := []int64{}
	for _, p := range out.Items {
		if p.HTML == "" || p.Author.Login == "" {
			t.Errorf("search %q: item without html or author: %+v", q, p)
		}
		ids = append(ids, p.ID)
	}
	return ids
}

func TestSearchPosts(t *testing.T) {
	t.Parallel()
	srv := testutil.NewServer(t, testutil.ServerOptions{})
	users := map[string]int64{}
	clients := map[string]*testutil.Client{}
	for login, role := range map[string]model.Role{"ann": model.RoleMember, "bob": model.RoleMember, "eve": model.RoleMember, "gus": model.RoleGuest} {
		users[login] = srv.CreateUser(t, login, role, pw).ID
		c := srv.Client(t)
		c.Bearer = c.Login(login, pw)
		clients[login] = c
	}
	ann, bob, eve, gus := clients["ann"], clients["bob"], clients["eve"], clients["gus"]
	post := func(c *testutil.Client, channel int64, body map[string]any) int64 {
		t.Helper()
		var p struct{ ID int64 }
		if st := c.JSON("POST", fmt.Sprint("/api/v1/channels/", channel, "/posts"), body, &p); st != 201 {
			t.Fatalf("post %v: %d", body, st)
		}
		return p.ID
	}
	must := func(st, want int, what string) {
		t.Helper()
		if st != want {
			t.Fatalf("%s: %d, want %d", what, st, want)
		}
	}

	// Team dev: ann creates it; bob and eve join (and land in general); gus,
	// a guest, is added to the team and to the shared channel only.
	var team, general, secret, shared, direct struct{ ID int64 }
	must(ann.JSON("POST", "/api/v1/teams", map[string]any{"name": "dev", "open": true}, &team), 201, "team")
	must(bob.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/join"), nil, nil), 204, "bob joins")
	must(eve.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/join"), nil, nil), 204, "eve joins")
	must(ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/members"), map[string]any{"user_id": users["gus"]}, nil), 204, "gus added")
	var channels struct {
		Items []struct {
			ID   int64
			Name string
		}
	}
	ann.JSON("GET", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), nil, &channels)
	for _, c := range channels.Items {
		if c.Name == "general" {
			general.ID = c.ID
		}
	}
	must(ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), map[string]any{"name": "secret", "kind": "private"}, &secret), 201, "secret")
	must(ann.JSON("POST", fmt.Sprint("/api/v1/channels/", secret.ID, "/members"), map[string]any{"user_id": users["bob"]}, nil), 204, "bob in secret")
	must(ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), map[string]any{"name": "clients", "kind": "private", "shared": true}, &shared), 201, "shared")
	must(ann.JSON("POST", fmt.Sprint("/api/v1/channels/", shared.ID, "/members"), map[string]any{"user_id": users["gus"]}, nil), 204, "gus in clients")
	must(ann.JSON("POST", "/api/v1/channels/direct", map[string]any{"user_ids": []int64{users["bob"]}}, &direct), 200, "direct")
	if general.ID == 0 {
		t.Fatal("no general channel")
	}

	plan := post(ann, secret.ID, map[string]any{"message": "Le déploiement du serveur de la co-op est prévu"})
	reply := post(bob, secret.ID, map[string]any{"message": "Bien reçu pour le déploiement", "root_id": plan})
	hello := post(ann, general.ID, map[string]any{"message": "Bonjour à toute l'équipe"})
	delivery := post(ann, shared.ID, map[string]any{"message": "Livraison du déploiement client vendredi"})
	dm := post(ann, direct.ID, map[string]any{"message": "Salut Bob, un mot en direct"})
	var file struct{ ID int64 }
	resp, body := ann.Do("POST", fmt.Sprint("/api/v1/channels/", general.ID, "/files?name=notes.txt"), []byte("quelques notes"))
	must(resp.StatusCode, 201, "upload "+string(body))
	if err := jsonUnmarshal(body, &file); err != nil {
		t.Fatal(err)
	}
	withFile := post(ann, general.ID, map[string]any{"message": "Les notes de la réunion", "file_ids": []int64{file.ID}})
	draft := post(bob, general.ID, map[string]any{"message": "brouillon provisoire"})
	gone := post(bob, general.ID, map[string]any{"message": "message effacé bientôt"})
	must(bob.JSON("PATCH", fmt.Sprint("/api/v1/posts/", draft), map[string]any{"message": "texte définitif"}, nil), 200, "edit")
	must(bob.JSON("DELETE", fmt.Sprint("/api/v1/posts/", gone), nil, nil), 204, "delete")

	ids := func(v ...int64) []int64 {
		slices.Sort(v)
		slices.Reverse(v)
		return append([]int64{}, v...)
	}
	for _, tc := range []struct {
		who  *testutil.Client
		name string
		q    string
		want []int64
	}{
		{bob, "bob", "deplo", ids(plan, reply)},
		{bob, "bob", "DÉPLOIEMENT", ids(plan, reply)},
		{bob, "bob", "co-op", ids(plan)},
		{bob, "bob", "coop", ids(plan)},
		{bob, "bob", `"serveur de la co-op"`, ids(plan)},
		{bob, "bob", `"la co-op de serveur"`, nil},
		{bob, "bob", "déploiement -reçu", ids(plan)},
		{bob, "bob", "déploiement from:@bob", ids(reply)},
		{bob, "bob", "déploiement from:ann from:nobody", ids(plan)},
		{bob, "bob", "déploiement from:nobody", nil},
		{bob, "bob", "in:~secret", ids(plan, reply)},
		{bob, "bob", "in:nowhere déploiement", nil},
		{bob, "bob", "is:thread", ids(plan, reply)},
		{ann, "ann", "has:file", ids(withFile)},
		{ann, "ann", "in:@bob", ids(dm)},
		{ann, "ann", "in:@eve", nil},
		{bob, "bob", "in:@ann salut", ids(dm)},
		{eve, "eve", "salut", nil},
		{bob, "bob", "équipe", ids(hello)},
		{bob, "bob", "brouillon", nil},
		{bob, "bob", "définitif", ids(draft)},
		{bob, "bob", "effacé", nil},
		{bob, "bob", "from:bob", ids(reply, draft)},
		{ann, "ann", "déploiement", ids(plan, reply, delivery)},
		// Members who are not in the private channel, and the guest, find
		// nothing of it, whatever they ask.
		{eve, "eve", "déploiement", nil},
		{eve, "eve", "co-op", nil},
		{eve, "eve", "in:secret", nil},
		{eve, "eve", "from:ann", ids(hello, withFile)},
		{eve, "eve", "-zzz", ids(hello, withFile, draft)},
		{gus, "gus", "déploiement", ids(delivery)},
		{gus, "gus", "équipe", nil},
		{gus, "gus", "in:general", nil},
		{gus, "gus", "from:ann", ids(delivery)},
		{gus, "gus", "is:thread", nil},
	} {
		if got := searchHits(t, tc.who, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("%s searching %q: %v, want %v", tc.name, tc.q, got, tc.want)
		}
	}

	// Paging.
	first := searchHits(t, ann, "déploiement", "&limit=2")
	rest := searchHits(t, ann, "déploiement", "&limit=2&before="+fmt.Sprint(first[1]))
	if all := ids(plan, reply, delivery); !slices.Equal(append(first, rest...), all) {
		t.Errorf("pages %v then %v, want %v", first, rest, all)
	}

	// Dates are days in the user's time zone: one whose date differs from
	// UTC's now.
	now := time.Now().UTC()
	zone := "Pacific/Kiritimati" // UTC+14: already tomorrow
	if now.Hour() < 10 {
		zone = "Pacific/Pago_Pago" // UTC-11: still yesterday
	}
	must(bob.JSON("PATCH", "/api/v1/users/me", map[string]any{"time_zone": zone}, nil), 200, "time zone")
	loc, _ := time.LoadLocation(zone)
	local := now.In(loc)
	day := func(t time.Time) string { return t.Format("2006-01-02") }
	if got := searchHits(t, bob, "déploiement on:"+day(local)); !slices.Equal(got, ids(plan, reply)) {
		t.Errorf("on: today in %s (%s): %v", zone, day(local), got)
	}
	if got := searchHits(t, bob, "déploiement on:"+day(now)); len(got) != 0 {
		t.Errorf("on: today in UTC (%s) is another day in %s: %v", day(now), zone, got)
	}
	if got := searchHits(t, bob, fmt.Sprintf("déploiement after:%s before:%s", day(local.AddDate(0, 0, -1)), day(local.AddDate(0, 0, 1)))); len(got) != 2 {
		t.Errorf("between yesterday and tomorrow: %v", got)
	}
	if got := searchHits(t, bob, "déploiement before:"+day(local)); len(got) != 0 {
		t.Errorf("before today: %v", got)
	}

	// A member removed from the channel finds nothing of it any more.
	must(ann.JSON("DELETE", fmt.Sprint("/api/v1/channels/", secret.ID, "/members/", users["bob"]), nil, nil), 204, "remove bob")
	for _, q := range []string{"déploiement", "in:secret", "from:bob", "is:thread", "co-op"} {
		for _, id := range searchHits(t, bob, q) {
			if id == plan || id == reply {
				t.Errorf("bob, removed, searching %q finds post %d", q, id)
			}
		}
	}

	// Bad requests say which parameter is wrong.
	for _, tc := range []struct{ query, field string }{
		{"", "q"},
		{"?q=", "q"},
		{"?q=%20%20", "q"},
		{"?q=before:hier", "q"},
		{"?q=on:2026-02-30", "q"},
		{"?q=" + strings.Repeat("a", 1001), "q"},
		{"?q=" + url.QueryEscape(strings.Repeat("mot ", 33)), "q"},
		{"?q=%22%22", "q"},
		{"?q=x&limit=0", "limit"},
		{"?q=x&limit=201", "limit"},
		{"?q=x&limit=dix", "limit"},
		{"?q=x&before=-1", "before"},
	} {
		var p problem
		if st := bob.JSON("GET", "/api/v1/search/posts"+tc.query, nil, &p); st != 400 || p.Field != tc.field || p.Message == "" {
			t.Errorf("%.60s: %d %+v, want 400 on %s", tc.query, st, p, tc.field)
		}
	}
	if st := srv.Client(t).JSON("GET", "/api/v1/search/posts?q=deploiement", nil, nil); st != 401 {
		t.Errorf("anonymous search: %d", st)
	}
}
