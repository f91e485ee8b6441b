package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

const (
	// pendingBytes bounds the memory a slow subscription may hold, next to defaultBacklog.
	pendingBytes = 64 << 20
	// flushTimeout bounds the round trips of Subscribe and Close.
	flushTimeout = 5 * time.Second
)

// NATS is the Bus shared by the nodes of a cluster, over NATS core publish/subscribe.
// Subjects travel as prefix + "." + subject so that several installations can share a server.
type NATS struct {
	nc     *nats.Conn
	prefix string // with the trailing dot
	log    *slog.Logger
	closed atomic.Bool

	mu   sync.Mutex
	subs map[*natsSub]struct{}
}

// NewNATS connects to the NATS server at url. The first connection must succeed; after that
// the connection is retried forever and disconnections are logged.
func NewNATS(url, prefix string, log *slog.Logger) (*NATS, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkSubject(prefix); err != nil {
		return nil, fmt.Errorf("bus: nats prefix %q: %w", prefix, err)
	}
	n := &NATS{prefix: prefix + ".", log: log, subs: make(map[*natsSub]struct{})}
	nc, err := nats.Connect(url,
		nats.Name("ruche"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(2*time.Second),
		// Notice a dead server within a minute rather than the default four.
		nats.PingInterval(20*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if !n.closed.Load() {
				log.Warn("nats disconnected, reconnecting", "error", err)
			}
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "server", nc.ConnectedUrlRedacted())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, sub *nats.Subscription, err error) {
			subject := ""
			if sub != nil {
				subject = strings.TrimPrefix(sub.Subject, n.prefix)
			}
			if errors.Is(err, nats.ErrSlowConsumer) {
				// Reported once each time a subscription starts to drop.
				log.Warn("bus subscriber too slow, dropping events", "pattern", subject)
				return
			}
			log.Warn("nats error", "pattern", subject, "error", err)
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("bus: connect to nats: %w", err)
	}
	n.nc = nc
	log.Info("nats connected", "server", nc.ConnectedUrlRedacted(), "prefix", prefix)
	return n, nil
}

// Publish implements [Bus]. It returns once the message is in the connection's buffer,
// without waiting for the server; while disconnected, messages wait in a bounded buffer.
func (n *NATS) Publish(ctx context.Context, subject string, data []byte) error {
	if err := checkSubject(subject); err != nil {
		return fmt.Errorf("bus: publish %q: %w", subject, err)
	}
	if len(data) > maxDataLen {
		return fmt.Errorf("bus: publish %s: %w (%d bytes)", subject, ErrTooLarge, len(data))
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bus: publish %s: %w", subject, err)
	}
	if n.closed.Load() {
		return fmt.Errorf("bus: publish %s: %w", subject, ErrClosed)
	}
	err := n.nc.Publish(n.prefix+subject, data)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, nats.ErrConnectionClosed):
		err = ErrClosed
	case errors.Is(err, nats.ErrMaxPayload):
		err = fmt.Errorf("%w: %w", ErrTooLarge, err)
	}
	return fmt.Errorf("bus: publish %s: %w", subject, err)
}

// Subscribe implements [Bus]. When connected, it returns once the server knows the
// subscription, so that messages published afterwards by other nodes reach it.
func (n *NATS) Subscribe(pattern string, fn func(Message)) (Subscription, error) {
	return n.subscribe(pattern, fn, defaultBacklog)
}

// subscribe is Subscribe with a chosen backlog; tests use a small one.
func (n *NATS) subscribe(pattern string, fn func(Message), backlog int) (Subscription, error) {
	if err := checkPattern(pattern); err != nil {
		return nil, fmt.Errorf("bus: subscribe %q: %w", pattern, err)
	}
	s := &natsSub{bus: n, fn: fn}
	n.mu.Lock()
	if n.closed.Load() {
		n.mu.Unlock()
		return nil, fmt.Errorf("bus: subscribe %s: %w", pattern, ErrClosed)
	}
	sub, err := n.nc.Subscribe(n.prefix+pattern, s.deliver)
	if err == nil {
		s.sub = sub
		err = sub.SetPendingLimits(backlog, pendingBytes)
		if err != nil {
			_ = sub.Unsubscribe()
		}
	}
	if err != nil {
		n.mu.Unlock()
		return nil, fmt.Errorf("bus: subscribe %s: %w", pattern, err)
	}
	n.subs[s] = struct{}{}
	n.mu.Unlock()

	if n.nc.IsConnected() {
		if err := n.nc.FlushTimeout(flushTimeout); err != nil {
			// The subscription stands and is sent again on reconnection.
			n.log.Warn("nats subscribe not confirmed", "pattern", pattern, "error", err)
		}
	}
	return s, nil
}

// Close implements [Bus]. Messages published before Close are sent to the server first,
// unless the connection is down, which Close reports. It returns once no fn is running.
func (n *NATS) Close() error {
	n.mu.Lock()
	if n.closed.Load() {
		n.mu.Unlock()
		return fmt.Errorf("bus: close: %w", ErrClosed)
	}
	n.closed.Store(true)
	subs := n.subs
	n.subs = nil
	n.mu.Unlock()

	var errs []error
	if n.nc.IsConnected() {
		if err := n.nc.FlushTimeout(flushTimeout); err != nil {
			errs = append(errs, fmt.Errorf("bus: close: flush: %w", err))
		}
	} else if pending, err := n.nc.Buffered(); err == nil && pending > 0 {
		errs = append(errs, fmt.Errorf("bus: close: nats disconnected, %d bytes of events not sent", pending))
	}
	for s := range subs {
		if err := s.Unsubscribe(); err != nil {
			errs = append(errs, err)
		}
	}
	n.nc.Close()
	return errors.Join(errs...)
}

func (n *NATS) forget(s *natsSub) {
	n.mu.Lock()
	delete(n.subs, s)
	n.mu.Unlock()
}

// natsSub wraps the nats subscription so that Unsubscribe can promise what nats does not:
// nats may still call the handler with a message taken just before unsubscribing.
type natsSub struct {
	bus     *NATS
	fn      func(Message)
	sub     *nats.Subscription
	callMu  sync.Mutex // held while fn runs
	stopped atomic.Bool
	dropped atomic.Uint64 // the count when stopped; nats forgets it
	once    sync.Once
	err     error
}

// deliver runs on the goroutine nats keeps for the subscription, one message at a time.
func (s *natsSub) deliver(m *nats.Msg) {
	subject, ok := strings.CutPrefix(m.Subject, s.bus.prefix)
	if !ok {
		return
	}
	s.callMu.Lock()
	defer s.callMu.Unlock()
	if s.stopped.Load() {
		return
	}
	s.fn(Message{Subject: subject, Data: m.Data})
}

// Unsubscribe implements [Subscription].
func (s *natsSub) Unsubscribe() error {
	s.once.Do(func() { s.err = s.stop() })
	return s.err
}

func (s *natsSub) stop() error {
	// Taking callMu waits for a call of fn in progress; later calls see stopped.
	s.callMu.Lock()
	if n, err := s.sub.Dropped(); err == nil {
		s.dropped.Store(uint64(n))
	}
	s.stopped.Store(true)
	s.callMu.Unlock()
	err := s.sub.Unsubscribe()
	s.bus.forget(s)
	if err != nil && !errors.Is(err, nats.ErrConnectionClosed) && !errors.Is(err, nats.ErrBadSubscription) {
		return fmt.Errorf("bus: unsubscribe %s: %w", strings.TrimPrefix(s.sub.Subject, s.bus.prefix), err)
	}
	return nil
}

// Dropped implements [Subscription].
func (s *natsSub) Dropped() uint64 {
	if !s.stopped.Load() {
		if n, err := s.sub.Dropped(); err == nil {
			return uint64(n)
		}
	}
	return s.dropped.Load()
}
