package httpx

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestCompress(t *testing.T) {
	big := strings.Repeat("hello world ", 500)
	for _, tc := range []struct {
		name, ctype, body, encoding string
		gzip                        bool
	}{
		{"large html", "text/html; charset=utf-8", big, "", true},
		{"small json", "application/json", `{"ok":true}`, "", false},
		{"large png", "image/png", big, "", false},
		{"already encoded", "text/css", big, "gzip", false},
		{"sniffed large text", "", big, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := Compress(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.ctype != "" {
					w.Header().Set("Content-Type", tc.ctype)
				}
				if tc.encoding != "" {
					w.Header().Set("Content-Encoding", tc.encoding)
				}
				w.WriteHeader(http.StatusTeapot)
				for i := 0; i < len(tc.body); i += 100 { // many small writes
					io.WriteString(w, tc.body[i:min(i+100, len(tc.body))])
				}
			}))
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Accept-Encoding", "gzip, br")
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusTeapot {
				t.Fatalf("status %d", w.Code)
			}
			got := w.Body.String()
			if gz := w.Header().Get("Content-Encoding") == "gzip" && tc.encoding == ""; gz != tc.gzip {
				t.Fatalf("compressed=%v, want %v (%v)", gz, tc.gzip, w.Header())
			}
			if tc.gzip {
				zr, err := gzip.NewReader(w.Body)
				if err != nil {
					t.Fatal(err)
				}
				b, _ := io.ReadAll(zr)
				got = string(b)
			}
			if got != tc.body {
				t.Fatalf("body differs: %d bytes, want %d", len(got), len(tc.body))
			}
		})
	}
}
