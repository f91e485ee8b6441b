package app

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"ruche/internal/auth"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

func TestMetricsAccess(t *testing.T) {
	m := newMetrics()
	h := m.instrument(m.handler(httpx.Network{}, slog.New(slog.NewTextHandler(io.Discard, nil))))
	var body string
	get := func(remote string, u *model.User) int {
		r := httptest.NewRequest("GET", "/metrics", nil)
		r.RemoteAddr = remote
		if u != nil {
			r = r.WithContext(httpx.WithPrincipal(r.Context(), auth.Principal{User: *u}))
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		body = w.Body.String()
		return w.Code
	}
	for _, tc := range []struct {
		remote string
		user   *model.User
		want   int
	}{
		{"127.0.0.1:5000", nil, http.StatusOK},
		{"[::1]:5000", nil, http.StatusOK},
		{"192.0.2.10:5000", nil, http.StatusUnauthorized},
		{"192.0.2.10:5000", &model.User{ID: 2, Role: model.RoleMember}, http.StatusForbidden},
		{"192.0.2.10:5000", &model.User{ID: 3, Role: model.RoleAdmin, Disabled: true}, http.StatusUnauthorized},
		{"192.0.2.10:5000", &model.User{ID: 1, Role: model.RoleAdmin}, http.StatusOK},
	} {
		if got := get(tc.remote, tc.user); got != tc.want {
			t.Errorf("from %s as %+v: %d, want %d", tc.remote, tc.user, got, tc.want)
		}
	}
	// The runtime's and the process's figures, and the requests so far.
	for _, want := range []string{"go_goroutines ", "go_memstats_heap_inuse_bytes ", "process_resident_memory_bytes ",
		`ruche_http_requests_total{method="GET",route="unmatched",code="2xx"} `,
		`ruche_http_requests_total{method="GET",route="unmatched",code="4xx"} `,
		`ruche_http_request_duration_seconds_bucket{route="unmatched",le="0.001"} `} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
