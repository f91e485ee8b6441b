package store_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"modernc.org/sqlite"

	"ruche/internal/model"
	"ruche/internal/store"
)

// parses counts the statements the SQLite driver compiled: prepared, or run
// without being prepared (which compiles them on every call).
var parses atomic.Int64

func init() { sql.Register("sqlite-counting", countingDriver{&sqlite.Driver{}}) }

type countingDriver struct{ d driver.Driver }

func (d countingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.d.Open(name)
	if err != nil {
		return nil, err
	}
	return countingConn{c}, nil
}

// countingConn forwards to modernc's connection (which implements every
// interface below), counting compilations.
type countingConn struct{ c driver.Conn }

func (c countingConn) Prepare(q string) (driver.Stmt, error) {
	parses.Add(1)
	return c.c.Prepare(q)
}
func (c countingConn) Close() error { return c.c.Close() }

//lint:ignore SA1019 driver.Conn requires it
func (c countingConn) Begin() (driver.Tx, error) { return c.c.Begin() }
func (c countingConn) BeginTx(ctx context.Context, opt driver.TxOptions) (driver.Tx, error) {
	return c.c.(driver.ConnBeginTx).BeginTx(ctx, opt)
}
func (c countingConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	parses.Add(1)
	return c.c.(driver.ConnPrepareContext).PrepareContext(ctx, q)
}
func (c countingConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	parses.Add(1)
	return c.c.(driver.ExecerContext).ExecContext(ctx, q, args)
}
func (c countingConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	parses.Add(1)
	return c.c.(driver.QueryerContext).QueryContext(ctx, q, args)
}
func (c countingConn) ResetSession(ctx context.Context) error {
	return c.c.(driver.SessionResetter).ResetSession(ctx)
}
func (c countingConn) IsValid() bool                  { return c.c.(driver.Validator).IsValid() }
func (c countingConn) Ping(ctx context.Context) error { return c.c.(driver.Pinger).Ping(ctx) }

// TestStatementsPreparedOnce checks that, once warm, the statements of a
// post (a write transaction) and of the reads around it are compiled no
// more: inside a transaction they come from the write pool's cache too.
func TestStatementsPreparedOnce(t *testing.T) {
	ctx := context.Background()
	st, err := store.OpenSQLiteDriver(ctx, filepath.Join(t.TempDir(), "ruche.db"), "sqlite-counting")
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ann, _ := st.CreateUser(ctx, newUser("ann", model.RoleMember))
	bob, _ := st.CreateUser(ctx, newUser("bob", model.RoleMember))
	team, _ := st.CreateTeam(ctx, model.Team{Name: "t", DisplayName: "T", CreatedAt: now, UpdatedAt: now})
	ch, err := st.CreateChannel(ctx, model.Channel{TeamID: team.ID, Kind: model.ChannelPublic, Name: "c", CreatedAt: now, UpdatedAt: now},
		[]model.ChannelMember{{UserID: ann.ID, JoinedAt: now}, {UserID: bob.ID, JoinedAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	round := func(i int) {
		t.Helper()
		if err := chatPost(ctx, st, ann.ID, ch.ID, i); err != nil {
			t.Fatal(err)
		}
		root, err := st.Posts(ctx, ch.ID, 0, 1)
		if err != nil || len(root) != 1 {
			t.Fatalf("posts: %v %v", root, err)
		}
		if err := st.InTx(ctx, func(tx *store.Store) error {
			_, err := tx.CreatePost(ctx, model.Post{ChannelID: ch.ID, RootID: root[0].ID, UserID: bob.ID, Message: "re", CreatedAt: now}, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ChannelMemberIDs(ctx, ch.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := st.EventsAfter(ctx, 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	round(0) // prepares
	round(1)
	parses.Store(0)
	for i := range 10 {
		round(2 + i)
	}
	if n := parses.Load(); n != 0 {
		t.Fatalf("%d statements compiled in 10 warm rounds, want 0", n)
	}
}
