package app

import (
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"ruche/internal/access"
	"ruche/internal/httpx"
)

// metrics are the node's Prometheus metrics, in a registry of its own (no
// global state: tests run several apps in one process).
type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "ruche_http_requests_total", Help: "HTTP requests by route and status class.",
		}, []string{"method", "route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "ruche_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	m.reg.MustRegister(m.requests, m.duration, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

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
		m.requests.WithLabelValues(r.Method, route, strconv.Itoa(rec.status/100)+"xx").Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// handler serves /metrics to admins and to the machine itself (a local
// Prometheus or node agent); everyone else gets 403.
func (m *metrics) handler(netw httpx.Network, log *slog.Logger) http.Handler {
	prom := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip, err := netip.ParseAddr(netw.ClientIP(r))
		local := err == nil && ip.IsLoopback()
		if !local {
			if err := access.Check(httpx.Actor(r), access.ReadMetrics, access.Org{}); err != nil {
				httpx.WriteError(w, r, log, err)
				return
			}
		}
		prom.ServeHTTP(w, r)
	})
}
