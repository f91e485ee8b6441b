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

// localSub delivers from its queue to fn on its own goroutine, so that Publish never
// waits. The queue grows as messages wait, up to backlog (a preallocated channel of
// that size cost 40 kB per subscription, most of an idle node's heap).
type localSub struct {
	bus     *Local
	pattern string
	fn      func(Message)
	backlog int

	mu      sync.Mutex
	queue   []Message
	stopped bool          // halted: nothing more is queued or delivered
	wake    chan struct{} // rung when queue stops being empty, or on halt
	once    sync.Once
	done    chan struct{} // closed when the goroutine has returned
	dropped atomic.Uint64
}

// push queues m, or counts it dropped when the backlog is full.
func (s *localSub) push(m Message) {
	s.mu.Lock()
	switch {
	case s.stopped:
	case len(s.queue) >= s.backlog:
		s.dropped.Add(1)
	default:
		s.queue = append(s.queue, m)
	}
	s.mu.Unlock()
	// wake is closed only by halt, once the subscription is out of the bus: publishers
	// push while holding the bus's read lock, so none can push after that.
	select {
	case s.wake <- struct{}{}:
	default: // already rung
	}
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
		s.push(Message{Subject: subject, Data: bytes.Clone(data)})
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
		backlog: backlog,
		wake:    make(chan struct{}, 1),
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
	var batch []Message
	for range s.wake {
		s.mu.Lock()
		batch, s.queue = s.queue, batch[:0]
		s.mu.Unlock()
		for i, m := range batch {
			// A backlog is not worked through while Unsubscribe waits.
			s.mu.Lock()
			stopped := s.stopped
			s.mu.Unlock()
			if stopped {
				return
			}
			s.fn(m)
			batch[i] = Message{}
		}
		if cap(batch) > 64 {
			batch = nil // a burst: do not keep its room
		}
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
		s.mu.Lock()
		s.stopped, s.queue = true, nil
		s.mu.Unlock()
		close(s.wake)
	})
	<-s.done
}

// Dropped implements [Subscription].
func (s *localSub) Dropped() uint64 {
	return s.dropped.Load()
}
