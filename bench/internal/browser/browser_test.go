package browser

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"ruche/internal/testutil"
)

// TestRecorder loads a page and its stylesheet twice and checks what the
// recorder saw: every byte counted the first time, the stylesheet from the
// cache the second.
func TestRecorder(t *testing.T) {
	path := testutil.ChromiumPath()
	if path == "" {
		if os.Getenv("RUCHE_E2E") == "required" {
			t.Fatal("chromium is required (RUCHE_E2E=required) but not installed")
		}
		t.Skip("chromium not installed")
	}
	css := []byte(strings.Repeat("body { color: #123456; }\n", 400))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(css)
	_ = zw.Close()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte(`<!doctype html><link rel="icon" href="data:,"><link rel="stylesheet" href="/app.css"><p>hi</p>`))
	})
	mux.HandleFunc("GET /app.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz.Bytes())
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	b, err := Start(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	rec, err := Record(b.Ctx)
	if err != nil {
		t.Fatal(err)
	}
	load := func() map[string]Request {
		t.Helper()
		rec.Reset()
		if err := chromedp.Do(b.Ctx, chromedp.Navigate(srv.URL+"/")); err != nil {
			t.Fatal(err)
		}
		if err := rec.WaitIdle(ctx, 300*time.Millisecond, 20*time.Second); err != nil {
			t.Fatal(err)
		}
		out := map[string]Request{}
		for _, x := range rec.Requests() {
			out[strings.TrimPrefix(x.URL, srv.URL)] = x
		}
		return out
	}

	first := load()
	page, style := first["/"], first["/app.css"]
	if len(first) != 2 || page.Status != 200 || style.Status != 200 {
		t.Fatalf("first load: %+v", first)
	}
	if style.Encoding != "gzip" || style.FromCache || style.Decoded != int64(len(css)) ||
		style.Body != int64(gz.Len()) || style.Wire != style.Head+style.Body || style.Head < 50 {
		t.Errorf("stylesheet, first load: %+v (gzip body %d, decoded %d)", style, gz.Len(), len(css))
	}

	again := load()
	if x := again["/app.css"]; !x.FromCache || x.Wire != 0 {
		t.Errorf("stylesheet, second load: %+v, want it from the cache", x)
	}
	if x := again["/"]; x.FromCache || x.Wire == 0 {
		t.Errorf("page, second load: %+v, want it from the network (no-store)", x)
	}
}
