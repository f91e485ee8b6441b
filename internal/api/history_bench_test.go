//go:build unix

package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"syscall"
	"testing"
	"time"

	"ruche/internal/markup"
	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

// BenchmarkHistoryPage asks for the newest page of 60 posts of a channel
// holding 10,000 (one in ten a reply, one in four with reactions), through
// the real server and its middleware, gzip accepted as a browser does: the
// scenario of docs/benchmarks.md "Channel history". Besides the time per
// request it reports the CPU time of the process (server and client) per
// request, steadier than the time on a shared machine.
func BenchmarkHistoryPage(b *testing.B) {
	srv := testutil.NewServer(b, testutil.ServerOptions{})
	srv.CreateUser(b, "ann", model.RoleMember, pw)
	ann := srv.Client(b)
	ann.Bearer = ann.Login("ann", pw)
	var team, ch struct{ ID int64 }
	ann.JSON("POST", "/api/v1/teams", map[string]any{"name": "dev", "open": true}, &team)
	ann.JSON("POST", fmt.Sprint("/api/v1/teams/", team.ID, "/channels"), map[string]any{"name": "town", "kind": "public"}, &ch)
	fillHistory(b, srv.App.Store, ch.ID, 10_000)

	path := fmt.Sprint(srv.URL, "/api/v1/channels/", ch.ID, "/posts?limit=60")
	get := func() int {
		req, _ := http.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+ann.Bearer)
		req.Header.Set("Accept-Encoding", "gzip") // set by hand: the transport leaves the body compressed
		resp, err := ann.HTTP.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Encoding") != "gzip" {
			b.Fatalf("history page: %d %q", resp.StatusCode, resp.Header.Get("Content-Encoding"))
		}
		return int(n)
	}
	size := get()
	b.ReportAllocs()
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		get()
	}
	b.ReportMetric(float64(cpuTime()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(size), "wire-bytes")
}

// cpuTime is the CPU time the process used so far.
func cpuTime() time.Duration {
	var u syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &u)
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// fillHistory writes n posts to a channel with the store, as the load tool
// does: authors among 20 users, one post in ten a reply to the last root,
// one in four with one to three reactions.
func fillHistory(b *testing.B, st *store.Store, channel int64, n int) {
	ctx := context.Background()
	var authors []int64
	for i := range 20 {
		u, err := st.CreateUser(ctx, model.User{Login: fmt.Sprint("author", i), Email: fmt.Sprint("author", i, "@example.org"),
			DisplayName: fmt.Sprint("Author ", i), Role: model.RoleMember})
		if err != nil {
			b.Fatal(err)
		}
		authors = append(authors, u.ID)
	}
	lines := []string{
		"Morning all, the build on main is green again after the flaky test fix.",
		"Can someone review **the retention change** before lunch? It touches the store.",
		"I pushed `fix/ws-reconnect`: it replays missed events after a reconnect.",
		"Lunch at noon? The place on the corner has a new menu.",
	}
	emoji := []string{"👍", "🎉", "❤️", "😄", "👀", "🚀"}
	at := time.Now().Add(-time.Duration(n) * 30 * time.Second)
	var lastRoot int64
	err := st.InTx(ctx, func(tx *store.Store) error {
		for i := range n {
			line := lines[i%len(lines)]
			at = at.Add(30 * time.Second)
			p := model.Post{ChannelID: channel, UserID: authors[i*7%len(authors)], Message: line, HTML: markup.Render(line, nil).HTML, CreatedAt: at}
			if i%10 == 9 {
				p.RootID = lastRoot
			}
			p, err := tx.CreatePost(ctx, p, nil)
			if err != nil {
				return err
			}
			if p.RootID == 0 {
				lastRoot = p.ID
			}
			if i%4 == 0 {
				for r := range 1 + i%3 {
					re := model.Reaction{PostID: p.ID, UserID: authors[(i+r*7)%len(authors)], Emoji: emoji[(i+r)%len(emoji)]}
					if err := tx.AddReaction(ctx, re, at.Add(time.Minute)); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
}
