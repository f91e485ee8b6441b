package bus

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// wait bounds every wait for a message; events arrive in microseconds, so reaching it
// means a message was lost or a call hung.
const wait = 5 * time.Second

// backlogSubscriber gives a subscription a small backlog, to overflow it on purpose.
type backlogSubscriber interface {
	subscribe(pattern string, fn func(Message), backlog int) (Subscription, error)
}

// flusher is implemented by buses whose Publish returns before delivery to other
// connections is under way (NATS): after flush, everything published before has been routed.
type flusher interface {
	flush() error
}

// testContract runs the behaviour every Bus promises. open returns a fresh bus, closed
// when the test ends, and isolated from the buses of other tests.
func testContract(t *testing.T, open func(t *testing.T) Bus) {
	t.Run("exact subject", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		_, got := collect(t, b, "user.updated")
		publish(t, b, "user", "no")
		publish(t, b, "user.created", "no")
		publish(t, b, "user.updated.name", "no")
		publish(t, b, "user.updated", "yes")
		m := receive(t, got)
		if m.Subject != "user.updated" || string(m.Data) != "yes" {
			t.Fatalf("got %s %q, want user.updated \"yes\"", m.Subject, m.Data)
		}
	})

	t.Run("wildcards", func(t *testing.T) {
		t.Parallel()
		tests := []struct {
			pattern string
			match   []string
			others  []string
		}{
			{"a.*", []string{"a.b", "a.c"}, []string{"a", "a.b.c", "b.a"}},
			{"a.>", []string{"a.b", "a.b.c"}, []string{"a", "b.c", "ab.c"}},
			{"*.b.>", []string{"x.b.c", "a.b.c.d"}, []string{"a.b", "a.c.d"}},
			{"a.*.c", []string{"a.x.c"}, []string{"a.x.d", "a.c", "a.x.c.d"}},
			{"*", []string{"a"}, []string{"a.b"}},
			{">", []string{"a", "a.b.c"}, nil},
		}
		b := open(t)
		for _, tt := range tests {
			sub, got := collect(t, b, tt.pattern)
			// Non-matching subjects go first: ordering means any of them delivered would
			// arrive before the matching ones.
			for _, s := range tt.others {
				publish(t, b, s, "")
			}
			for _, s := range tt.match {
				publish(t, b, s, "")
			}
			for _, want := range tt.match {
				if m := receive(t, got); m.Subject != want {
					t.Errorf("pattern %q: got %q, want %q", tt.pattern, m.Subject, want)
				}
			}
			if err := sub.Unsubscribe(); err != nil {
				t.Fatal(err)
			}
		}
	})

	t.Run("order of one publisher", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		_, got := collect(t, b, "seq")
		const n = 1000
		for i := range n {
			publish(t, b, "seq", strconv.Itoa(i))
		}
		checkSequence(t, receiveN(t, got, n), 0, n)
	})

	t.Run("order per concurrent publisher", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		_, got := collect(t, b, "conc.*")
		const publishers, n = 4, 200
		errs := make(chan error, publishers)
		for p := range publishers {
			go func() {
				for i := range n {
					if err := b.Publish(t.Context(), fmt.Sprintf("conc.%d", p), []byte(strconv.Itoa(i))); err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range publishers {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		next := map[string]int{}
		for _, m := range receiveN(t, got, publishers*n) {
			if i, _ := strconv.Atoi(string(m.Data)); i != next[m.Subject] {
				t.Fatalf("%s: got %d, want %d", m.Subject, i, next[m.Subject])
			}
			next[m.Subject]++
		}
	})

	t.Run("two subscribers", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		_, first := collect(t, b, "chat.post.created")
		_, second := collect(t, b, "chat.>")
		const n = 100
		for i := range n {
			publish(t, b, "chat.post.created", strconv.Itoa(i))
		}
		checkSequence(t, receiveN(t, first, n), 0, n)
		checkSequence(t, receiveN(t, second, n), 0, n)
	})

	t.Run("unsubscribe stops delivery", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		sub, gone := collect(t, b, "u.x")
		_, kept := collect(t, b, "u.x")
		publish(t, b, "u.x", "1")
		receive(t, gone)
		receive(t, kept)
		if err := sub.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		publish(t, b, "u.x", "2")
		receive(t, kept)
		if len(gone) != 0 {
			t.Fatalf("got %q after Unsubscribe", (<-gone).Data)
		}
		if err := sub.Unsubscribe(); err != nil {
			t.Errorf("second Unsubscribe: %v", err)
		}
	})

	t.Run("unsubscribe waits for fn", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		entered := make(chan struct{}, 1)
		release := make(chan struct{})
		var finished atomic.Bool
		sub, err := b.Subscribe("hold", func(Message) {
			entered <- struct{}{}
			<-release
			finished.Store(true)
		})
		if err != nil {
			t.Fatal(err)
		}
		publish(t, b, "hold", "")
		waitFor(t, entered, "fn to start")
		// This catches an early return only when Unsubscribe gets to run before release;
		// TestLocalUnsubscribeWaits makes sure of it for Local.
		returned := make(chan bool, 1)
		go func() {
			_ = sub.Unsubscribe()
			returned <- finished.Load()
		}()
		close(release)
		select {
		case ok := <-returned:
			if !ok {
				t.Fatal("Unsubscribe returned while fn was running")
			}
		case <-time.After(wait):
			t.Fatal("Unsubscribe did not return")
		}
	})

	t.Run("invalid subjects and patterns", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		long := strings.Repeat("a.", maxSubjectLen/2) + "a"
		for _, s := range []string{"", ".", "a..b", ".a", "a.", "a b", "a\tb", "a\nb", "a\x00b", "a.*", "a.>", "*", ">", "a*", long} {
			if err := b.Publish(t.Context(), s, nil); !errors.Is(err, ErrInvalidSubject) {
				t.Errorf("Publish(%q): got %v, want ErrInvalidSubject", s, err)
			}
		}
		for _, p := range []string{"", ".", "a..b", ".a", "a.", "a b", "a\rb", "a.>.b", ">.a", "a*", "a.b>", "*a", long} {
			if _, err := b.Subscribe(p, func(Message) {}); !errors.Is(err, ErrInvalidPattern) {
				t.Errorf("Subscribe(%q): got %v, want ErrInvalidPattern", p, err)
			}
		}
		for _, p := range []string{"a", "*", ">", "a.*.c", "a.>", "*.*", "chat.post-created_2"} {
			sub, err := b.Subscribe(p, func(Message) {})
			if err != nil {
				t.Errorf("Subscribe(%q): %v", p, err)
				continue
			}
			if err := sub.Unsubscribe(); err != nil {
				t.Error(err)
			}
		}
	})

	t.Run("data byte-identical", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		_, got := collect(t, b, "blob")
		all := make([]byte, 256)
		for i := range all {
			all[i] = byte(i)
		}
		big := make([]byte, 64<<10)
		rng := rand.New(rand.NewPCG(1, 2))
		for i := range big {
			big[i] = byte(rng.Uint32())
		}
		payloads := [][]byte{nil, {}, []byte(`{"id":1}`), all, big}
		for _, p := range payloads {
			buf := bytes.Clone(p)
			if err := b.Publish(t.Context(), "blob", buf); err != nil {
				t.Fatal(err)
			}
			// The caller may reuse its buffer as soon as Publish returns.
			for i := range buf {
				buf[i] = 'X'
			}
		}
		for i, want := range payloads {
			if m := receive(t, got); !bytes.Equal(m.Data, want) {
				t.Errorf("payload %d: got %d bytes %.20q, want %d bytes %.20q", i, len(m.Data), m.Data, len(want), want)
			}
		}
	})

	t.Run("data too large", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		err := b.Publish(t.Context(), "big", make([]byte, maxDataLen+1))
		if !errors.Is(err, ErrTooLarge) {
			t.Fatalf("got %v, want ErrTooLarge", err)
		}
	})

	t.Run("canceled context", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := b.Publish(ctx, "a", nil); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})

	t.Run("publish from fn", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		_, pongs := collect(t, b, "pong")
		_, err := b.Subscribe("ping", func(m Message) {
			// Errors surface as a missing pong.
			_ = b.Publish(context.Background(), "pong", m.Data)
		})
		if err != nil {
			t.Fatal(err)
		}
		publish(t, b, "ping", "42")
		if m := receive(t, pongs); string(m.Data) != "42" {
			t.Fatalf("got %q, want 42", m.Data)
		}
	})

	t.Run("slow subscriber", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		bs, ok := b.(backlogSubscriber)
		if !ok {
			t.Fatalf("%T has no subscribe with a backlog", b)
		}
		const n, backlog = 1000, 8 // n fits the default backlog of the fast one
		slowGot := make(chan Message, n)
		release := make(chan struct{})
		unblock := sync.OnceFunc(func() { close(release) })
		defer unblock() // before the bus closes, which waits for fn
		slow, err := bs.subscribe("load", func(m Message) {
			slowGot <- m
			<-release
		}, backlog)
		if err != nil {
			t.Fatal(err)
		}
		_, fast := collect(t, b, "load")

		// Publish on another goroutine, so that a Publish stuck behind the slow
		// subscriber fails the test rather than hangs it.
		done := make(chan error, 1)
		go func() {
			for i := range n {
				if err := b.Publish(context.Background(), "load", []byte(strconv.Itoa(i))); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(wait):
			t.Fatal("Publish blocked behind a slow subscriber")
		}
		checkSequence(t, receiveN(t, fast, n), 0, n)
		if f, ok := b.(flusher); ok {
			if err := f.flush(); err != nil {
				t.Fatal(err)
			}
		}
		dropped := slow.Dropped()
		if dropped == 0 || dropped >= n {
			t.Fatalf("slow subscriber dropped %d of %d messages, want some but not all", dropped, n)
		}

		// What was not dropped is delivered, in order, once fn is fast again.
		unblock()
		prev := -1
		for _, m := range receiveN(t, slowGot, n-int(dropped)) {
			i, _ := strconv.Atoi(string(m.Data))
			if i <= prev {
				t.Fatalf("slow subscriber got %d after %d", i, prev)
			}
			prev = i
		}
		if err := slow.Unsubscribe(); err != nil {
			t.Fatal(err)
		}
		if len(slowGot) != 0 || slow.Dropped() != dropped {
			t.Fatalf("slow subscriber: %d more messages, dropped %d then %d", len(slowGot), dropped, slow.Dropped())
		}
	})

	t.Run("close", func(t *testing.T) {
		t.Parallel()
		b := open(t)
		sub, _ := collect(t, b, "a")
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if err := b.Publish(t.Context(), "a", nil); !errors.Is(err, ErrClosed) {
			t.Errorf("Publish after Close: got %v, want ErrClosed", err)
		}
		if _, err := b.Subscribe("a", func(Message) {}); !errors.Is(err, ErrClosed) {
			t.Errorf("Subscribe after Close: got %v, want ErrClosed", err)
		}
		if err := b.Close(); !errors.Is(err, ErrClosed) {
			t.Errorf("second Close: got %v, want ErrClosed", err)
		}
		if err := sub.Unsubscribe(); err != nil {
			t.Errorf("Unsubscribe after Close: %v", err)
		}
	})
}

// collect subscribes to pattern; its messages arrive on the returned channel.
func collect(t *testing.T, b Bus, pattern string) (Subscription, chan Message) {
	t.Helper()
	got := make(chan Message, 4096)
	sub, err := b.Subscribe(pattern, func(m Message) { got <- m })
	if err != nil {
		t.Fatalf("Subscribe(%q): %v", pattern, err)
	}
	return sub, got
}

func publish(t *testing.T, b Bus, subject, data string) {
	t.Helper()
	if err := b.Publish(t.Context(), subject, []byte(data)); err != nil {
		t.Fatalf("Publish(%q): %v", subject, err)
	}
}

func receive(t *testing.T, got <-chan Message) Message {
	t.Helper()
	return receiveN(t, got, 1)[0]
}

func receiveN(t *testing.T, got <-chan Message, n int) []Message {
	t.Helper()
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	msgs := make([]Message, 0, n)
	for len(msgs) < n {
		select {
		case m := <-got:
			msgs = append(msgs, m)
		case <-deadline.C:
			t.Fatalf("got %d of %d messages after %v", len(msgs), n, wait)
		}
	}
	return msgs
}

func waitFor(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(wait):
		t.Fatalf("waited %v for %s", wait, what)
	}
}

// checkSequence checks that msgs hold the numbers from..to-1 in order.
func checkSequence(t *testing.T, msgs []Message, from, to int) {
	t.Helper()
	if len(msgs) != to-from {
		t.Fatalf("got %d messages, want %d", len(msgs), to-from)
	}
	for i, m := range msgs {
		if string(m.Data) != strconv.Itoa(from+i) {
			t.Fatalf("message %d: got %q, want %d", i, m.Data, from+i)
		}
	}
}
