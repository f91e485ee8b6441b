package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"ruche/internal/model"
	"ruche/internal/store"
	"ruche/internal/testutil"
)

// postFixture makes users and channels for the post benchmarks: posters
// users, each a member of every one of channels channels.
func postFixture(b *testing.B, st *store.Store, posters, channels int) (users, chans []int64) {
	b.Helper()
	ctx := context.Background()
	now := time.Now()
	team, err := st.CreateTeam(ctx, model.Team{Name: "t", DisplayName: "T", CreatedAt: now, UpdatedAt: now})
	if err != nil {
		b.Fatal(err)
	}
	var members []model.ChannelMember
	for i := range posters {
		u, err := st.CreateUser(ctx, newUser(fmt.Sprint("u", i), model.RoleMember))
		if err != nil {
			b.Fatal(err)
		}
		users = append(users, u.ID)
		members = append(members, model.ChannelMember{UserID: u.ID, JoinedAt: now})
	}
	for i := range channels {
		c, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: fmt.Sprint("c", i),
			CreatedAt: now, UpdatedAt: now}, members)
		if err != nil {
			b.Fatal(err)
		}
		chans = append(chans, c.ID)
	}
	return users, chans
}

// chatPost does what the chat service does for a new post: one transaction
// that stores the post (which moves the channel and its author's read
// position) and appends its event.
func chatPost(ctx context.Context, st *store.Store, user, channel int64, i int) error {
	return st.InTx(ctx, func(tx *store.Store) error {
		now := time.Now()
		p, err := tx.CreatePost(ctx, model.Post{ChannelID: channel, UserID: user, Message: fmt.Sprint("message ", i), CreatedAt: now}, nil)
		if err != nil {
			return err
		}
		_, err = tx.AppendEvent(ctx, model.StoredEvent{Type: "posted", ChannelID: channel, Data: []byte(fmt.Sprintf(`{"id":%d}`, p.ID)), CreatedAt: now})
		return err
	})
}

// BenchmarkCreatePost posts one message at a time the way the chat service
// does (SQLite, or PostgreSQL with RUCHE_TEST_DIALECT=postgres).
func BenchmarkCreatePost(b *testing.B) {
	ctx := context.Background()
	st := testutil.NewStore(b)
	users, chans := postFixture(b, st, 4, 4)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if err := chatPost(ctx, st, users[i%len(users)], chans[i%len(chans)], i); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreatePostParallel posts from 20 goroutines (the chat load test's
// posters) while one goroutine reads every 5 ms the way the realtime hub
// does (the members of a channel, the log after an id); it reports the mean
// latency of those reads as read-ns.
func BenchmarkCreatePostParallel(b *testing.B) {
	ctx := context.Background()
	st := testutil.NewStore(b)
	users, chans := postFixture(b, st, 20, 4)
	var (
		stop             = make(chan struct{})
		reads, readNanos int64
		wg               sync.WaitGroup
	)
	wg.Go(func() {
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for r := 0; ; r++ {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			start := time.Now()
			if _, err := st.ChannelMemberIDs(ctx, chans[r%len(chans)]); err != nil {
				b.Error(err)
				return
			}
			if _, err := st.EventsAfter(ctx, 0, 50); err != nil {
				b.Error(err)
				return
			}
			readNanos += int64(time.Since(start))
			reads++
		}
	})
	var next atomic.Int64
	b.SetParallelism(10) // 20 posters on 2 CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(next.Add(1))
			if err := chatPost(ctx, st, users[i%len(users)], chans[i%len(chans)], i); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	close(stop)
	wg.Wait()
	if reads > 0 {
		b.ReportMetric(float64(readNanos)/float64(reads), "read-ns")
	}
}
