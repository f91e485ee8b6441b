package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	vm "github.com/VictoriaMetrics/metrics"

	"ruche/internal/access"
	"ruche/internal/httpx"
)

// metrics are the node's metrics in Prometheus's text format, in a set of
// their own (no global state: tests run several apps in one process), with
// the Go runtime's and the process's figures.
type metrics struct {
	set *vm.Set
}

// durationBuckets are the upper bounds of the request latency histogram.
var durationBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5}

func newMetrics() *metrics { return &metrics{set: vm.NewSet()} }

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// instrument counts requests by their mux pattern (never the raw path, which
// would make one series per URL).
func (m *metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		m.set.GetOrCreateCounter(fmt.Sprintf(`ruche_http_requests_total{method=%q,route=%q,code="%sxx"}`,
			r.Method, route, strconv.Itoa(rec.status/100))).Inc()
		m.set.GetOrCreatePrometheusHistogramExt(fmt.Sprintf(`ruche_http_request_duration_seconds{route=%q}`, route),
			durationBuckets).UpdateDuration(start)
	})
}

// handler serves /metrics to admins and to the machine itself (a local
// Prometheus or node agent); everyone else gets 403.
func (m *metrics) handler(netw httpx.Network, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, err := netip.ParseAddr(netw.ClientIP(r))
		local := err == nil && ip.IsLoopback()
		if !local {
			if err := access.Check(httpx.Actor(r), access.ReadMetrics, access.Org{}); err != nil {
				httpx.WriteError(w, r, log, err)
				return
			}
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		m.set.WritePrometheus(w)
		vm.WriteProcessMetrics(w)
	})
}
