// Package browser starts a headless Chromium for the load tool, with the
// same flags as the browser tests (internal/testutil.NewBrowser), and
// records what page loads cost on the network. It never downloads a
// browser and knows nothing of Ruche's pages.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"ruche/internal/testutil"
)

// Browser is one headless Chromium with a fresh, empty profile: its own
// cookies and its own cache, like a person on a new machine.
type Browser struct {
	Ctx context.Context // a chromedp context for the browser's first tab

	cancelCtx, cancelAlloc context.CancelFunc
	profile                string
}

// Start launches Chromium at path. The browser lives until Close or until
// parent ends.
func Start(parent context.Context, path string) (*Browser, error) {
	if path == "" {
		return nil, errors.New("browser: chromium not found (apt-get install chromium, or set RUCHE_CHROMIUM)")
	}
	profile, err := os.MkdirTemp("", "ruchebench-chromium-")
	if err != nil {
		return nil, fmt.Errorf("browser: profile: %w", err)
	}
	// The browser tests' Chromium, so that the load tool sees what they see.
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, testutil.ChromiumOptions(path, profile)...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	b := &Browser{Ctx: ctx, cancelCtx: cancelCtx, cancelAlloc: cancelAlloc, profile: profile}
	// The first call starts the browser; it lives as long as ctx.
	if err := chromedp.Do(ctx); err != nil {
		b.Close()
		return nil, fmt.Errorf("browser: start chromium: %w", err)
	}
	return b, nil
}

// Close stops the browser and removes its profile.
func (b *Browser) Close() {
	b.cancelCtx()
	b.cancelAlloc()
	_ = os.RemoveAll(b.profile)
}

// Request is one HTTP exchange of a page load, as the browser saw it.
type Request struct {
	URL       string
	Method    string
	Type      string // Document, Stylesheet, Script, Image, Other…
	Status    int64
	MimeType  string
	Encoding  string // Content-Encoding of the response ("" when none)
	Wire      int64  // bytes received: headers + body as sent (Network.loadingFinished encodedDataLength)
	Head      int64  // of which the response headers (received when the response started)
	Body      int64  // of which the body as sent, before decoding
	Decoded   int64  // body after decoding (sum of Network.dataReceived dataLength)
	FromCache bool   // served from the memory or disk cache, not the network
	Redirect  bool   // a redirect hop (its bytes are counted too)
	Done      bool   // finished or failed
	Failed    string // error text when the request failed
}

// Recorder collects the network events of a tab.
type Recorder struct {
	mu    sync.Mutex
	order []network.RequestID
	reqs  map[network.RequestID]*Request
	hops  []Request // finished redirect hops
	last  time.Time // time of the last event
}

// Record starts recording the network events of ctx's tab. Requests that
// started before the last Reset are ignored.
func Record(ctx context.Context) (*Recorder, error) {
	r := &Recorder{reqs: map[network.RequestID]*Request{}, last: time.Now()}
	if err := chromedp.Listen(ctx, r.on); err != nil {
		return nil, fmt.Errorf("browser: listen: %w", err)
	}
	return r, nil
}

// Reset forgets what was recorded.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.order, r.reqs, r.hops, r.last = nil, map[network.RequestID]*Request{}, nil, time.Now()
}

// on runs on chromedp's reader goroutine: it must stay short.
func (r *Recorder) on(ev any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		r.last = time.Now()
		if x, ok := r.reqs[ev.RequestID]; ok && ev.RedirectResponse != nil {
			// The same id continues after a redirect: keep the hop.
			hop := *x
			hop.Status, hop.Redirect, hop.Done = ev.RedirectResponse.Status, true, true
			hop.Wire = int64(ev.RedirectResponse.EncodedDataLength)
			hop.Encoding = header(ev.RedirectResponse.Headers, "Content-Encoding")
			r.hops = append(r.hops, hop)
		} else if !ok {
			r.order = append(r.order, ev.RequestID)
		}
		x := &Request{Type: string(ev.Type)}
		if ev.Request != nil {
			x.URL, x.Method = ev.Request.URL, ev.Request.Method
		}
		r.reqs[ev.RequestID] = x
	case *network.EventResponseReceived:
		if x, ok := r.reqs[ev.RequestID]; ok && ev.Response != nil {
			r.last = time.Now()
			x.Status, x.MimeType = ev.Response.Status, ev.Response.MimeType
			x.Head = int64(ev.Response.EncodedDataLength)
			x.Encoding = header(ev.Response.Headers, "Content-Encoding")
			if ev.Response.FromDiskCache || ev.Response.FromPrefetchCache || ev.Response.FromServiceWorker {
				x.FromCache = true
			}
		}
	case *network.EventRequestServedFromCache:
		if x, ok := r.reqs[ev.RequestID]; ok {
			r.last = time.Now()
			x.FromCache = true
		}
	case *network.EventDataReceived:
		if x, ok := r.reqs[ev.RequestID]; ok {
			r.last = time.Now()
			x.Decoded += ev.DataLength
		}
	case *network.EventLoadingFinished:
		if x, ok := r.reqs[ev.RequestID]; ok {
			r.last = time.Now()
			x.Wire, x.Done = int64(ev.EncodedDataLength), true
			// Chromium leaves encodedBodyLength out; the body is what came
			// after the headers.
			x.Body = int64(ev.EncodedBodyLength)
			if x.Body == 0 && x.Wire > x.Head {
				x.Body = x.Wire - x.Head
			}
		}
	case *network.EventLoadingFailed:
		if x, ok := r.reqs[ev.RequestID]; ok {
			r.last = time.Now()
			x.Failed, x.Done = ev.ErrorText, true
			if x.Failed == "" {
				x.Failed = "failed"
			}
		}
	}
}

// header looks a header up whatever its case (HTTP/1.1 keeps the server's).
func header(h network.Headers, name string) string {
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// WaitIdle waits until every request seen has finished or failed and no
// event came for quiet, or fails after max.
func (r *Recorder) WaitIdle(ctx context.Context, quiet, max time.Duration) error {
	deadline := time.Now().Add(max)
	for {
		r.mu.Lock()
		var pending []string
		for _, id := range r.order {
			if x := r.reqs[id]; !x.Done {
				pending = append(pending, x.URL)
			}
		}
		calm := time.Since(r.last) >= quiet
		n := len(r.order)
		r.mu.Unlock()
		if n > 0 && len(pending) == 0 && calm {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("browser: network not idle after %s (%d requests, pending: %s)", max, n, strings.Join(pending, ", "))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// Requests returns what was recorded: redirect hops first, then the
// requests in the order they started.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]Request(nil), r.hops...)
	for _, id := range r.order {
		out = append(out, *r.reqs[id])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Redirect && !out[j].Redirect })
	return out
}
