package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

// TestEventsInCommitOrder posts from several goroutines while a reader
// follows the log the way the realtime hub does: it must see every event,
// which it cannot if an id became visible after a higher one.
func TestEventsInCommitOrder(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		now := time.Now()
		var users []int64
		var members []model.ChannelMember
		for _, l := range []string{"a", "b", "c", "d"} {
			u, err := st.CreateUser(ctx, newUser(l, model.RoleMember))
			if err != nil {
				t.Fatal(err)
			}
			users = append(users, u.ID)
			members = append(members, model.ChannelMember{UserID: u.ID, JoinedAt: now})
		}
		var chans []int64
		for _, n := range []string{"x", "y"} {
			c, err := st.CreateChannel(ctx, model.Channel{Kind: model.ChannelGroup, Name: n, CreatedAt: now, UpdatedAt: now}, members)
			if err != nil {
				t.Fatal(err)
			}
			chans = append(chans, c.ID)
		}
		const writers, each = 8, 25
		done := make(chan error, writers)
		for w := range writers {
			go func() {
				for i := range each {
					if err := chatPost(ctx, st, users[w%len(users)], chans[(w+i)%len(chans)], i); err != nil {
						done <- err
						return
					}
				}
				done <- nil
			}()
		}
		var seen []int64
		follow := func() {
			for {
				evs, err := st.EventsAfter(ctx, last(seen), 100)
				if err != nil {
					t.Fatal(err)
				}
				if len(evs) == 0 {
					return
				}
				for _, e := range evs {
					seen = append(seen, e.ID)
				}
			}
		}
		for range writers {
			for waiting := true; waiting; {
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
					waiting = false
				default:
					follow()
				}
			}
		}
		follow()
		all, err := st.EventsAfter(ctx, 0, writers*each+1)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != writers*each || len(seen) != len(all) {
			t.Fatalf("the follower saw %d events of %d (%d posted)", len(seen), len(all), writers*each)
		}
	})
}

func last(ids []int64) int64 {
	if len(ids) == 0 {
		return 0
	}
	return ids[len(ids)-1]
}

// TestInTxWaitsAndRecovers checks that a write transaction waiting for
// another gives up with its context, and that one ending in a panic leaves
// the next free to run.
func TestInTxWaitsAndRecovers(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		began, release := make(chan struct{}), make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- st.InTx(ctx, func(tx *store.Store) error {
				close(began)
				<-release
				_, err := tx.CreateUser(ctx, newUser("first", model.RoleMember))
				return err
			})
		}()
		<-began
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		err := st.InTx(short, func(tx *store.Store) error { return nil })
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("InTx behind another: %v", err)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}

		pctx, cancel := context.WithCancel(ctx)
		func() {
			defer func() { _ = recover() }()
			_ = st.InTx(pctx, func(tx *store.Store) error { panic("boom") })
		}()
		cancel() // database/sql rolls the abandoned transaction back
		after, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		err = st.InTx(after, func(tx *store.Store) error {
			_, err := tx.CreateUser(after, newUser("after", model.RoleMember))
			return err
		})
		if err != nil {
			t.Fatalf("InTx after a panic: %v", err)
		}
	})
}

// TestWritesInArrivalOrder: write transactions that wait for one another
// start in the order they arrived (database/sql alone gives the connection
// to a random waiter, which made the tail latency of posts under load).
func TestWritesInArrivalOrder(t *testing.T) {
	testutil.ForEachStore(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		release := make(chan struct{})
		holding := make(chan struct{})
		first := make(chan error, 1)
		go func() {
			first <- st.InTx(ctx, func(*store.Store) error {
				close(holding)
				<-release
				return nil
			})
		}()
		<-holding
		const waiters = 8
		order := make(chan int, waiters)
		errs := make(chan error, waiters)
		for i := range waiters {
			go func() {
				errs <- st.InTx(ctx, func(*store.Store) error {
					order <- i
					return nil
				})
			}()
			// Let it queue before the next arrives; arriving is all it does.
			time.Sleep(20 * time.Millisecond)
		}
		close(release)
		if err := <-first; err != nil {
			t.Fatal(err)
		}
		for range waiters {
			if err := <-errs; err != nil {
				t.Fatal(err)
			}
		}
		close(order)
		want := 0
		for got := range order {
			if got != want {
				t.Fatalf("transaction %d ran in place %d", got, want)
			}
			want++
		}
	})
}
