package main

import (
	"math/bits"
	"sync/atomic"
	"time"
)

// hist is a latency histogram in the manner of HdrHistogram: values below
// 128 ns are counted exactly, larger ones in 64 buckets per power of two
// (at most 1.6 % apart), up to 2^47 ns (39 hours). Record is lock-free, so
// that hundreds of receivers can share one. The maximum is exact.
type hist struct {
	counts [histBuckets]atomic.Int64
	n      atomic.Int64
	max    atomic.Int64
}

const (
	histSub     = 7 // 2^histSub exact values, then 2^(histSub-1) buckets per power of two
	histTop     = 47
	histBuckets = 1<<histSub + (histTop-histSub)<<(histSub-1)
)

// bucket is the index of v (ns).
func bucket(v int64) int {
	if v < 1<<histSub {
		return int(max(v, 0))
	}
	l := bits.Len64(uint64(v))
	if l > histTop {
		return histBuckets - 1
	}
	e := l - histSub // ≥ 1
	m := int(v >> e) // in [64, 128)
	return 1<<histSub + (e-1)<<(histSub-1) + m - 1<<(histSub-1)
}

// bucketValue is the middle of bucket i.
func bucketValue(i int) int64 {
	if i < 1<<histSub {
		return int64(i)
	}
	i -= 1 << histSub
	e := i>>(histSub-1) + 1
	m := int64(i&(1<<(histSub-1)-1) + 1<<(histSub-1))
	return m<<e + (1<<e)/2
}

// Record counts one latency.
func (h *hist) Record(d time.Duration) {
	v := int64(d)
	h.counts[bucket(v)].Add(1)
	h.n.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// Count is how many values were recorded.
func (h *hist) Count() int64 { return h.n.Load() }

// Max is the largest value recorded.
func (h *hist) Max() time.Duration { return time.Duration(h.max.Load()) }

// Quantile is the value below which a fraction q of the values lie (the
// nearest-rank method), 0 when nothing was recorded. Read it once recording
// has stopped.
func (h *hist) Quantile(q float64) time.Duration {
	n := h.n.Load()
	if n == 0 {
		return 0
	}
	rank := int64(q*float64(n) + 0.9999999)
	rank = min(max(rank, 1), n)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return min(time.Duration(bucketValue(i)), h.Max())
		}
	}
	return h.Max()
}

// latency is the summary of a histogram that the report shows.
type latency struct {
	N                  int64
	P50, P95, P99, Max time.Duration
}

func (h *hist) summary() latency {
	return latency{N: h.Count(), P50: h.Quantile(0.50), P95: h.Quantile(0.95), P99: h.Quantile(0.99), Max: h.Max()}
}
