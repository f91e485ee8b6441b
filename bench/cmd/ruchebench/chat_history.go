package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"ruche/bench/internal/node"
	"ruche/internal/markup"
	"ruche/internal/model"
	"ruche/internal/store"
)

// historyBatch is how many posts one transaction of the fill writes.
const historyBatch = 10_000

// historyEmoji are the reactions the fill adds.
var historyEmoji = []string{"👍", "🎉", "❤️", "😄", "👀", "🚀"}

// historyPoint is the history latency with a given number of posts in the
// channel.
type historyPoint struct {
	posts, roots, reactions int
	fill                    time.Duration // writing the posts added for this point
	added                   int
	dbBytes                 int64

	cold           time.Duration // the first request after the restart
	newest, random latency
	wire           int64 // bytes of the newest page as sent (gzip)
	decoded        int64 // and decoded
	pagePosts      int
	pageAuthors    int // posts of the page with their author
	pageReactions  int
	rss            node.Status
}

type historyResult struct {
	authors int
	setup   time.Duration
	points  []historyPoint
}

// filler writes posts straight into the SQLite file with the store, the
// server being stopped: authors drawn among the history's users, one post in
// ten a reply to the latest root, one in four with one to three reactions.
type filler struct {
	path             string
	channel          int64
	authors          []int64
	rnd              *rand.Rand
	html             []string // chatLines rendered, as the server keeps them
	done, roots      int
	reactions        int
	firstID, lastID  int64
	lastRoot         int64
	at               time.Time
	firstRootForPage int64 // a root with at least a page of roots before it
}

func newFiller(path string, channel int64, authors []int64, n int) *filler {
	f := &filler{path: path, channel: channel, authors: authors, rnd: rand.New(rand.NewPCG(1, 2)),
		at: time.Now().Add(-time.Duration(n) * 30 * time.Second)}
	for _, l := range chatLines {
		f.html = append(f.html, markup.Render(l, nil).HTML)
	}
	return f
}

// fillTo adds posts until the channel holds n.
func (f *filler) fillTo(ctx context.Context, n int) error {
	st, err := store.Open(ctx, f.path, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	lastReport := time.Now()
	for f.done < n {
		batch := min(historyBatch, n-f.done)
		err := st.InTx(ctx, func(tx *store.Store) error {
			for range batch {
				i := f.done
				k := f.rnd.IntN(len(chatLines))
				f.at = f.at.Add(30 * time.Second)
				p := model.Post{ChannelID: f.channel, UserID: f.authors[f.rnd.IntN(len(f.authors))],
					Message: chatLines[k], HTML: f.html[k], CreatedAt: f.at}
				if i%10 == 9 && f.lastRoot != 0 {
					p.RootID = f.lastRoot
				}
				p, err := tx.CreatePost(ctx, p, nil)
				if err != nil {
					return err
				}
				if f.firstID == 0 {
					f.firstID = p.ID
				}
				f.lastID = p.ID
				if p.RootID == 0 {
					f.lastRoot = p.ID
					f.roots++
					if f.roots == 200 {
						f.firstRootForPage = p.ID
					}
				}
				if i%4 == 0 {
					for r := range 1 + f.rnd.IntN(3) {
						re := model.Reaction{PostID: p.ID, UserID: f.authors[(i+r*7)%len(f.authors)], Emoji: historyEmoji[(i+r)%len(historyEmoji)]}
						if err := tx.AddReaction(ctx, re, f.at.Add(time.Minute)); err != nil {
							return err
						}
						f.reactions++
					}
				}
				f.done++
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("fill: %w", err)
		}
		if time.Since(lastReport) > 10*time.Second {
			progress("chat: history: %d of %d posts written", f.done, n)
			lastReport = time.Now()
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// runHistory makes a channel whose history o.historyAuthors users wrote
// (users, team and channel through the API), then for each size fills it
// with the store (server stopped), starts the server and times pages of 60.
func runHistory(ctx context.Context, r *rig, o chatOptions) (historyResult, error) {
	res := historyResult{authors: o.historyAuthors}
	s := &server{r: r, data: r.path("chat-history")}
	progress("chat: history: starting ruche on a fresh data folder")
	if err := s.start(ctx); err != nil {
		return res, err
	}
	defer s.stop()
	if err := s.createAdmin(ctx); err != nil {
		return res, err
	}
	t0 := time.Now()
	w, err := setupWorkspace(ctx, s, o.historyAuthors, 1, 1)
	if err != nil {
		return res, err
	}
	defer w.admin.close()
	res.setup = time.Since(t0)
	token := w.users[0].Token // a member reads the history
	authors := make([]int64, len(w.users))
	for i, u := range w.users {
		authors[i] = u.ID
	}
	s.stop()

	dbPath := filepath.Join(s.data, "ruche.db")
	f := newFiller(dbPath, w.channels[0], authors, o.historySizes[len(o.historySizes)-1])
	for _, n := range o.historySizes {
		progress("chat: history: writing posts up to %d with the store (server stopped)", n)
		pt := historyPoint{added: n - f.done}
		t0 := time.Now()
		if err := f.fillTo(ctx, n); err != nil {
			return res, err
		}
		pt.fill = time.Since(t0)
		pt.posts, pt.roots, pt.reactions = f.done, f.roots, f.reactions
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(dbPath + suffix); err == nil {
				pt.dbBytes += fi.Size()
			}
		}
		if err := s.start(ctx); err != nil {
			return res, err
		}
		if err := measureHistory(ctx, s.proc.URL, token, w.channels[0], f, o.historyRequests, &pt); err != nil {
			return res, err
		}
		if pt.rss, err = node.ReadStatus(s.proc.PID()); err != nil {
			return res, err
		}
		s.stop()
		res.points = append(res.points, pt)
		progress("chat: history: %d posts: p50 %s (newest page), %s (random pages)", n, fmtMs(pt.newest.P50), fmtMs(pt.random.P50))
	}
	return res, nil
}

// measureHistory times GET /api/v1/channels/{id}/posts?limit=60 as a
// browser asks for it (gzip accepted): once cold, 20 times to warm up, then
// requests/5 times the newest page and requests times a page before a
// random post.
func measureHistory(ctx context.Context, base, token string, channel int64, f *filler, requests int, pt *historyPoint) error {
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DisableCompression: true}}
	defer c.CloseIdleConnections()
	path := base + "/api/v1/channels/" + strconv.FormatInt(channel, 10) + "/posts?limit=60"
	get := func(before int64) (time.Duration, []byte, error) {
		u := path
		if before > 0 {
			u += "&before=" + strconv.FormatInt(before, 10)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept-Encoding", "gzip")
		t0 := time.Now()
		resp, err := c.Do(req)
		if err != nil {
			return 0, nil, err
		}
		b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		took := time.Since(t0)
		if err != nil {
			return 0, nil, err
		}
		if resp.StatusCode != http.StatusOK {
			return 0, nil, fmt.Errorf("GET history: status %d: %.200s", resp.StatusCode, b)
		}
		if resp.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return 0, nil, err
			}
			plain, err := io.ReadAll(zr)
			if err != nil {
				return 0, nil, err
			}
			return took, plain, nil
		}
		return took, b, nil
	}
	var err error
	var page []byte
	if pt.cold, page, err = get(0); err != nil {
		return err
	}
	pt.decoded = int64(len(page))
	// The newest page as it went over the wire, and what it holds.
	if err := inspectPage(page, pt); err != nil {
		return err
	}
	for range 20 {
		if _, _, err := get(0); err != nil {
			return err
		}
	}
	var newest, random hist
	for range max(requests/5, 1) {
		d, _, err := get(0)
		if err != nil {
			return err
		}
		newest.Record(d)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	lo, hi := f.firstRootForPage, f.lastID+1
	if lo == 0 {
		lo = f.firstID
	}
	for range requests {
		d, _, err := get(lo + rnd.Int64N(hi-lo))
		if err != nil {
			return err
		}
		random.Record(d)
	}
	pt.newest, pt.random = newest.summary(), random.summary()
	// The compressed size of one newest page.
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, path, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept-Encoding", "gzip")
	if resp, err := c.Do(req); err == nil {
		n, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		pt.wire = n
	}
	return nil
}

// inspectPage counts the posts of a history page, those with an author and
// the reactions.
func inspectPage(page []byte, pt *historyPoint) error {
	var v struct {
		Items []struct {
			Author struct {
				ID    int64  `json:"id"`
				Login string `json:"login"`
			} `json:"author"`
			Reactions []json.RawMessage `json:"reactions"`
		} `json:"items"`
	}
	if err := json.Unmarshal(page, &v); err != nil {
		return fmt.Errorf("history page: %w", err)
	}
	pt.pagePosts = len(v.Items)
	for _, it := range v.Items {
		if it.Author.ID != 0 && it.Author.Login != "" {
			pt.pageAuthors++
		}
		pt.pageReactions += len(it.Reactions)
	}
	return nil
}

func fmtMs(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }
