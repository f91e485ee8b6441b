package auth

import (
	"math"
	"net/netip"
	"sync"
	"time"

	"ruche/internal/model"
)

// Throttle limits failed attempts per key (an account, an address block) with
// a token bucket: Burst failures are free, then one more is allowed every
// Refill. It slows guessing down without ever locking an account for good.
// State lives in memory, per node; it is bounded to MaxKeys entries.
type Throttle struct {
	Burst   float64
	Refill  time.Duration
	MaxKeys int
	Now     func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewThrottle returns a throttle with the given burst and refill period.
func NewThrottle(burst int, refill time.Duration) *Throttle {
	return &Throttle{Burst: float64(burst), Refill: refill, MaxKeys: 100_000, Now: time.Now,
		buckets: map[string]*bucket{}}
}

// level refills b to now and returns it.
func (t *Throttle) level(b *bucket, now time.Time) float64 {
	b.tokens = math.Min(t.Burst, b.tokens+float64(now.Sub(b.at))/float64(t.Refill))
	b.at = now
	return b.tokens
}

// Allow returns nil when key may try again, or a *model.RateLimitError that
// says when it may.
func (t *Throttle) Allow(key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	b, ok := t.buckets[key]
	if !ok {
		return nil
	}
	if tokens := t.level(b, t.Now()); tokens < 1 {
		wait := time.Duration((1 - tokens) * float64(t.Refill))
		return &model.RateLimitError{RetryAfterSeconds: int(math.Ceil(wait.Seconds()))}
	}
	return nil
}

// Fail records a failed attempt for key.
func (t *Throttle) Fail(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.Now()
	b, ok := t.buckets[key]
	if !ok {
		if len(t.buckets) >= t.MaxKeys {
			t.prune(now)
		}
		b = &bucket{tokens: t.Burst, at: now}
		t.buckets[key] = b
	}
	t.level(b, now)
	b.tokens = math.Max(b.tokens-1, -t.Burst) // bounded debt: a long attack does not lock out for ever
}

// Reset forgets key (after a successful login).
func (t *Throttle) Reset(key string) {
	t.mu.Lock()
	delete(t.buckets, key)
	t.mu.Unlock()
}

// prune drops full buckets, then, if still too many, arbitrary ones.
func (t *Throttle) prune(now time.Time) {
	for k, b := range t.buckets {
		if t.level(b, now) >= t.Burst {
			delete(t.buckets, k)
		}
	}
	for k := range t.buckets {
		if len(t.buckets) < t.MaxKeys {
			break
		}
		delete(t.buckets, k)
	}
}

// AddrKey is the throttling key of a client address: the address itself for
// IPv4, its /64 for IPv6 (one subscriber usually holds a whole /64).
func AddrKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return "ip:" + ip
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return "net:" + p.String()
	}
	return "ip:" + a.String()
}
