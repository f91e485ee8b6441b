package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// openSQLite opens one write pool (a single connection, transactions take the
// write lock at BEGIN so they never fail half-way with SQLITE_BUSY) and one
// read pool on the same file in WAL mode.
func openSQLite(path string, opt Options) (write, read *sql.DB, err error) {
	if path == "" {
		return nil, nil, errors.New("empty SQLite path")
	}
	sync := strings.ToLower(opt.SQLiteSynchronous)
	switch sync {
	case "":
		sync = "normal"
	case "normal", "full":
	default:
		return nil, nil, fmt.Errorf("sqlite synchronous must be normal or full, not %q", opt.SQLiteSynchronous)
	}
	pragmas := url.Values{}
	for _, p := range []string{
		"busy_timeout(10000)",
		"journal_mode(WAL)",
		"journal_size_limit(67108864)", // a reset WAL is truncated back to 64 MB
		"synchronous(" + sync + ")",
		"foreign_keys(ON)",
		"cache_size(-8000)", // 8 MB per connection at most
		"temp_store(MEMORY)",
	} {
		pragmas.Add("_pragma", p)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	driver := "sqlite"
	if opt.driver != "" {
		driver = opt.driver
	}
	// No commit checkpoints: the checkpointer does it beside the writer.
	write, err = sql.Open(driver, base+"?"+pragmas.Encode()+"&_pragma=wal_autocheckpoint(0)&_txlock=immediate")
	if err != nil {
		return nil, nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)
	// The writer creates the file and switches it to WAL before readers open it.
	if err := write.Ping(); err != nil {
		write.Close()
		return nil, nil, err
	}
	pragmas.Add("_pragma", "query_only(1)")
	read, err = sql.Open(driver, base+"?"+pragmas.Encode())
	if err != nil {
		write.Close()
		return nil, nil, err
	}
	read.SetMaxOpenConns(opt.MaxReadConns)
	read.SetMaxIdleConns(opt.MaxReadConns)
	return write, read, nil
}

// sqliteConflict reports whether err is a uniqueness or key violation.
func sqliteConflict(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}

// checkpointEvery is how often the checkpointer copies the WAL into the
// database file.
const checkpointEvery = time.Second

// startCheckpoints runs SQLite's checkpoints in the background. SQLite's
// automatic checkpoint runs inside the commit that takes the WAL past 1,000
// pages, fsync included: every write queued behind that commit waited for
// it, which made the tail of the post latency under load. A PASSIVE
// checkpoint on a read connection (query_only allows checkpoints) copies the
// log while the writer goes on. Close stops it.
func (s *Store) startCheckpoints() {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(checkpointEvery)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			_, _ = s.db.read.ExecContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)")
		}
	}()
	s.db.stopCheckpoints = func() { cancel(); <-done }
}

// walLimit is the WAL size above which Maintain forces a checkpoint.
const walLimit = 64 << 20

// Maintain keeps the SQLite write-ahead log from growing without bound: when
// readers are never all idle, automatic checkpoints copy pages but cannot
// restart the log. Above walLimit it runs a TRUNCATE checkpoint, which waits
// (busy timeout) for readers of old snapshots to finish. PostgreSQL needs
// nothing here.
func (s *Store) Maintain(ctx context.Context) error {
	if s.dialect != SQLite || s.db == nil || s.path == "" {
		return nil
	}
	fi, err := os.Stat(s.path + "-wal")
	if err != nil || fi.Size() < walLimit {
		return nil
	}
	if _, err := s.db.write.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return fmt.Errorf("store: checkpoint: %w", err)
	}
	return nil
}
