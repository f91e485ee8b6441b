package bus

import (
	"bytes"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

func TestLocal(t *testing.T) {
	testContract(t, func(t *testing.T) Bus {
		b := NewLocal()
		t.Cleanup(func() { _ = b.Close() })
		return b
	})
}

// TestLocalCloseStopsGoroutines is not parallel: it counts the goroutines of the process.
// Goroutines of earlier tests may still be ending, which only lowers later counts.
func TestLocalCloseStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	b := NewLocal()
	const subs = 10
	release := make(chan struct{})
	unblock := sync.OnceFunc(func() { close(release) })
	defer unblock() // so that an early failure does not leave fn blocked for later tests
	for range subs {
		// A subscription blocked in fn, with a backlog, must end too.
		if _, err := b.Subscribe("a.>", func(Message) { <-release }); err != nil {
			t.Fatal(err)
		}
	}
	for range 100 {
		publish(t, b, "a.b", "x")
	}
	during := runtime.NumGoroutine()

	closed := make(chan error, 1)
	go func() { closed <- b.Close() }()
	unblock()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(wait):
		t.Fatal("Close did not return")
	}
	// Close has waited for the goroutines, but each may still be returning from its
	// last deferred call: no event tells when it is gone, so poll the count.
	target := min(before, during-subs)
	deadline := time.Now().Add(wait)
	after := runtime.NumGoroutine()
	for after > target && time.Now().Before(deadline) {
		runtime.Gosched()
		after = runtime.NumGoroutine()
	}
	if after > target {
		buf := make([]byte, 1<<20)
		t.Fatalf("goroutines: %d before, %d with %d subscriptions, %d after Close\n%s",
			before, during, subs, after, buf[:runtime.Stack(buf, true)])
	}
}

// TestLocalUnsubscribeWaits uses a synctest bubble to know that Unsubscribe has got as far as
// it can while fn runs, which the contract test cannot know.
func TestLocalUnsubscribeWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		b := NewLocal()
		defer b.Close()
		release := make(chan struct{})
		unblock := sync.OnceFunc(func() { close(release) })
		defer unblock() // before Close, which waits for fn
		entered := make(chan struct{}, 1)
		sub, err := b.Subscribe("hold", func(Message) {
			entered <- struct{}{}
			<-release
		})
		if err != nil {
			t.Fatal(err)
		}
		publish(t, b, "hold", "")
		<-entered
		returned := make(chan struct{})
		go func() {
			_ = sub.Unsubscribe()
			close(returned)
		}()
		synctest.Wait() // every goroutine of the bubble is blocked: Unsubscribe too, or done
		select {
		case <-returned:
			t.Fatal("Unsubscribe returned while fn was running")
		default:
		}
		unblock()
		<-returned
	})
}

func BenchmarkLocalPublish(b *testing.B) {
	l := NewLocal()
	defer l.Close()
	sub, err := l.Subscribe("chat.>", func(Message) {})
	if err != nil {
		b.Fatal(err)
	}
	data := bytes.Repeat([]byte("x"), 200)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Publish(ctx, "chat.post.created", data); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(sub.Dropped())/float64(b.N), "dropped/op")
}
