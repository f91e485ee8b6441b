package bus

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Local is the in-process Bus of a node that runs alone.
type Local struct {
	mu     sync.RWMutex
	subs   []*localSub // a slice: Publish iterates far more often than subscriptions change
	closed bool
}

// NewLocal returns an empty in-process bus.
func NewLocal() *Local {
	return &Local{}
}

// localSub delivers from its queue to fn on its own goroutine, so that Publish only ever
// does non-blocking sends. The queue is closed once the subscription is out of the bus:
// publishers send only while holding the read lock, so none can send after that.
type localSub struct {
	bus     *Local
	pattern string
	fn      func(Message)
	queue   chan Message
	stopped atomic.Bool
	once    sync.Once
	done    chan struct{} // closed when the goroutine has returned
	dropped atomic.Uint64
}

// Publish implements [Bus].
func (l *Local) Publish(ctx context.Context, subject string, data []byte) error {
	if err := checkSubject(subject); err != nil {
		return fmt.Errorf("bus: publish %q: %w", subject, err)
	}
	if len(data) > maxDataLen {
		return fmt.Errorf("bus: publish %s: %w (%d bytes)", subject, ErrTooLarge, len(data))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bus: publish %s: %w", subject, err)
	}
	l.mu.RLock()
	defer l.mu.RUnlock()
	if l.closed {
		return fmt.Errorf("bus: publish %s: %w", subject, ErrClosed)
	}
	for _, s := range l.subs {
		if !match(s.pattern, subject) {
			continue
		}
		// Each subscription gets its own copy, as over NATS: the caller may reuse data
		// and one subscriber must not see another's changes.
		select {
		case s.queue <- Message{Subject: subject, Data: bytes.Clone(data)}:
		default:
			s.dropped.Add(1)
		}
	}
	return nil
}

// Subscribe implements [Bus].
func (l *Local) Subscribe(pattern string, fn func(Message)) (Subscription, error) {
	return l.subscribe(pattern, fn, defaultBacklog)
}

// subscribe is Subscribe with a chosen backlog; tests use a small one.
func (l *Local) subscribe(pattern string, fn func(Message), backlog int) (Subscription, error) {
	if err := checkPattern(pattern); err != nil {
		return nil, fmt.Errorf("bus: subscribe %q: %w", pattern, err)
	}
	s := &localSub{
		bus:     l,
		pattern: pattern,
		fn:      fn,
		queue:   make(chan Message, backlog),
		done:    make(chan struct{}),
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil, fmt.Errorf("bus: subscribe %s: %w", pattern, ErrClosed)
	}
	l.subs = append(l.subs, s)
	go s.run()
	return s, nil
}

// Close implements [Bus]. It returns once no fn is running any more.
func (l *Local) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return fmt.Errorf("bus: close: %w", ErrClosed)
	}
	l.closed = true
	subs := l.subs
	l.subs = nil
	l.mu.Unlock()
	for _, s := range subs {
		s.halt()
	}
	return nil
}

func (s *localSub) run() {
	defer close(s.done)
	for m := range s.queue {
		// A backlog is not worked through while Unsubscribe waits.
		if s.stopped.Load() {
			return
		}
		s.fn(m)
	}
}

// Unsubscribe implements [Subscription].
func (s *localSub) Unsubscribe() error {
	s.bus.mu.Lock()
	s.bus.subs = slices.DeleteFunc(s.bus.subs, func(o *localSub) bool { return o == s })
	s.bus.mu.Unlock()
	s.halt()
	return nil
}

// halt stops the goroutine and waits for it, and so for a call of fn in progress. The
// subscription must be out of the bus already.
func (s *localSub) halt() {
	s.once.Do(func() {
		s.stopped.Store(true)
		close(s.queue)
	})
	<-s.done
}

// Dropped implements [Subscription].
func (s *localSub) Dropped() uint64 {
	return s.dropped.Load()
}
