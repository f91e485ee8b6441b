package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed static
var staticFS embed.FS

// asset is one static file, read and hashed at startup, compressed the first time it is
// served (a server that is never visited compresses nothing).
type asset struct {
	name        string // hashed: app.3f2a9c1e.css
	contentType string
	raw         []byte
	gz          func() []byte // gzipped raw; nil when compressing does not pay
}

// assets are the embedded static files under content-hashed names: a new
// build changes the names of the files that changed, so they can be cached
// for ever.
type assets struct {
	byName   map[string]*asset // hashed name → asset
	bySource map[string]string // "app.css" → "/static/app.3f2a9c1e.css"
}

var contentTypes = map[string]string{
	".css":  "text/css; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
	".txt":  "text/plain; charset=utf-8",
	".json": "application/json",
}

func loadAssets() (*assets, error) {
	a := &assets{byName: map[string]*asset{}, bySource: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(staticFS, p)
		if err != nil {
			return err
		}
		return a.put(strings.TrimPrefix(p, "static/"), raw)
	})
	if err != nil {
		return nil, fmt.Errorf("load static files: %w", err)
	}
	return a, nil
}

// put adds (or replaces) a file under its hashed name.
func (a *assets) put(src string, raw []byte) error {
	ext := path.Ext(src)
	ct, ok := contentTypes[ext]
	if !ok {
		return fmt.Errorf("static %s: unknown file type", src)
	}
	if old, ok := a.bySource[src]; ok {
		delete(a.byName, strings.TrimPrefix(old, "/static/"))
	}
	sum := sha256.Sum256(raw)
	name := strings.TrimSuffix(src, ext) + "." + hex.EncodeToString(sum[:4]) + ext
	a.byName[name] = &asset{name: name, contentType: ct, raw: raw, gz: sync.OnceValue(func() []byte {
		if gz := gzipBytes(raw); len(gz) < len(raw)*9/10 {
			return gz
		}
		return nil
	})}
	a.bySource[src] = "/static/" + name
	return nil
}

// gzipWriters are reused: a writer at BestCompression allocates about a megabyte.
var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestCompression) // a valid level
	return zw
}}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzipWriters.Get().(*gzip.Writer)
	defer gzipWriters.Put(zw)
	zw.Reset(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// url is the template func `asset`: the hashed URL of a static file. An
// unknown name is a programming error, caught when the template renders.
func (a *assets) url(src string) (string, error) {
	u, ok := a.bySource[src]
	if !ok {
		return "", fmt.Errorf("no static file %q", src)
	}
	return u, nil
}

// static serves an asset by its hashed name; unknown names are 404.
func (h *Handler) static(w http.ResponseWriter, r *http.Request) {
	x, ok := h.assets.byName[r.PathValue("file")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", x.contentType)
	hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	body := x.raw
	if gz := x.gz(); gz != nil {
		if !strings.Contains(hd.Get("Vary"), "Accept-Encoding") {
			hd.Add("Vary", "Accept-Encoding")
		}
		if acceptsGzip(r) {
			hd.Set("Content-Encoding", "gzip")
			body = gz
		}
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(enc), "gzip") {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}
