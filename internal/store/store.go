// Package store holds all of Ruche's SQL. It speaks two dialects, SQLite (the
// default, embedded) and PostgreSQL, through the same methods: queries are
// written once in portable SQL with "?" placeholders and rebound for
// PostgreSQL; what cannot be portable lives in sqlite.go and postgres.go.
//
// The store knows nothing of permissions: callers (services) ask
// internal/access first. It returns model.ErrNotFound and model.ErrConflict,
// never (nil, nil).
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Dialect names the SQL database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is the database. Writes go through w, reads through r: with SQLite,
// w is a pool of one connection (SQLite has one writer at a time; a single
// connection avoids SQLITE_BUSY between our own goroutines) and r a pool of
// readers working in parallel thanks to WAL. With PostgreSQL they are two
// pools too, so that reads never wait behind writers. Inside InTx both are
// the transaction.
type Store struct {
	dialect Dialect
	w, r    querier
	db      *db      // nil inside a transaction
	stmts   *db      // where prepared statements are cached (SQLite only; the parent's inside a transaction)
	tx      *txState // the transaction, nil outside one
	path    string   // SQLite file
}

type db struct {
	write, read *sql.DB
	// SQLite statements, prepared once per pool (see stmt).
	readStmts, writeStmts stmtCache
	// turn is taken before BEGIN by write transactions (see InTx).
	turn chan struct{}
	// stopCheckpoints ends the SQLite checkpointer (see checkpoints).
	stopCheckpoints func()
}

// txState is a transaction in progress.
type txState struct {
	tx *sql.Tx
	// turn is db.turn while this transaction holds it; nil once given back.
	turn chan struct{}
	// stmts are the statements run in the transaction, by query text: a
	// cached statement bound to the transaction, or one prepared on it for
	// this transaction only (nil: run unprepared). later lists the second
	// kind, to prepare on the write pool once the transaction is over.
	stmts map[string]*sql.Stmt
	later []string
}

// giveTurn lets the next write transaction of this node begin.
func (t *txState) giveTurn() {
	if t != nil && t.turn != nil {
		<-t.turn
		t.turn = nil
	}
}

// stmtCache holds prepared statements by query text. It stops growing at
// maxStmts: queries built with a variable number of placeholders (IN lists,
// search) are then run unprepared.
type stmtCache struct {
	m sync.Map
	n atomic.Int32
}

const maxStmts = 512

// stmt returns the prepared statement of q on pool, preparing it the first
// time; nil when the cache is full or preparing failed.
func (c *stmtCache) stmt(ctx context.Context, pool *sql.DB, q string) *sql.Stmt {
	if v, ok := c.m.Load(q); ok {
		return v.(*sql.Stmt)
	}
	if c.n.Load() >= maxStmts {
		return nil
	}
	st, err := pool.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	if v, loaded := c.m.LoadOrStore(q, st); loaded {
		st.Close()
		return v.(*sql.Stmt)
	}
	c.n.Add(1)
	return st
}

// Options tune Open.
type Options struct {
	// SQLiteSynchronous is SQLite's synchronous pragma: "normal" (default;
	// survives a crash of the process, may lose the last commits on power
	// loss) or "full" (survives power loss, slower commits). See docs/adr.
	SQLiteSynchronous string
	// MaxReadConns bounds the read pool (default 4). With PostgreSQL the
	// read pool has twice as many connections and the write pool as many.
	MaxReadConns int
	// driver replaces the SQLite driver's name (tests).
	driver string
}

// Open connects to the database named by dsn: a "postgres://" or
// "postgresql://" URL selects PostgreSQL, anything else is the path of a
// SQLite file (an optional "sqlite:" prefix is removed). It does not migrate:
// call Migrate.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.MaxReadConns <= 0 {
		opt.MaxReadConns = 4
	}
	var (
		d   = &db{}
		dia Dialect
		err error
	)
	switch {
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		dia = Postgres
		d.write, d.read, err = openPostgres(dsn, opt)
	default:
		dia = SQLite
		d.write, d.read, err = openSQLite(strings.TrimPrefix(dsn, "sqlite:"), opt)
	}
	d.turn = make(chan struct{}, 1)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", dia, err)
	}
	s := &Store{dialect: dia, w: d.write, r: d.read, db: d}
	if dia == SQLite {
		// modernc's SQLite compiles a statement on every call unless it is
		// prepared; PostgreSQL's driver caches prepared statements itself.
		s.path, s.stmts = strings.TrimPrefix(dsn, "sqlite:"), d
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("store: open %s: %w", dia, err)
	}
	if dia == SQLite {
		s.startCheckpoints()
	}
	return s, nil
}

// Dialect reports which database this is.
func (s *Store) Dialect() Dialect { return s.dialect }

// Ping checks that the database answers (for /healthz).
func (s *Store) Ping(ctx context.Context) error {
	var one int
	return s.r.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}

// Close closes the pools; with SQLite it first checkpoints the WAL so that
// the database file is complete on its own.
func (s *Store) Close() error {
	if s.db == nil {
		return errors.New("store: Close inside a transaction")
	}
	if s.dialect == SQLite {
		if s.db.stopCheckpoints != nil {
			s.db.stopCheckpoints()
		}
		_, _ = s.db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	}
	err := s.db.write.Close()
	if s.db.read != s.db.write {
		err = errors.Join(err, s.db.read.Close())
	}
	return err
}

// InTx runs fn in one write transaction: everything fn does through tx is
// committed together or not at all. fn must not use s itself.
//
// The write transactions of a node take turns before BEGIN, in the order
// they arrive (waiters on a channel are served first come, first served).
// With SQLite that is the order in which they get the one write connection:
// left to database/sql, a freed connection goes to a random waiter, and
// under load some transactions waited many times longer than the others.
//
// On PostgreSQL a transaction that appends events waits in AppendEvent for an advisory
// lock held until commit (ids in commit order across nodes), and waiting
// for the turn instead holds no connection. AppendEvent gives the turn back
// once it has the lock, so the next transaction runs its first statements
// while this one commits: per node, at most one transaction holds a
// connection while it waits for the lock. The turn is only ever awaited
// with no connection and no lock held, so it cannot deadlock with database
// locks.
func (s *Store) InTx(ctx context.Context, fn func(tx *Store) error) error {
	if s.db == nil {
		return fn(s) // already in a transaction
	}
	st := &txState{}
	if s.db.turn != nil {
		select {
		case s.db.turn <- struct{}{}:
			st.turn = s.db.turn
		case <-ctx.Done():
			return fmt.Errorf("store: begin: %w", ctx.Err())
		}
		defer st.giveTurn() // even if fn panics
	}
	err := s.inTx(ctx, st, fn)
	// Statements first run in this transaction are prepared on the write
	// pool now that its connection is free, for the next transactions
	// (SQLite; PostgreSQL's driver caches statements itself).
	for _, q := range st.later {
		s.stmts.writeStmts.stmt(ctx, s.stmts.write, q)
	}
	return err
}

func (s *Store) inTx(ctx context.Context, st *txState, fn func(tx *Store) error) error {
	t, err := s.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("store: begin: %w", err)
	}
	st.tx = t
	if err := fn(&Store{dialect: s.dialect, w: t, r: t, stmts: s.stmts, tx: st}); err != nil {
		_ = t.Rollback()
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("store: commit: %w", s.mapErr(err))
	}
	return nil
}

// rebound caches each query rebound for PostgreSQL, so that it is done once.
var rebound sync.Map

// q adapts a portable query to the dialect: "?" placeholders become $1, $2…
// for PostgreSQL. Queries never contain a literal "?".
func (s *Store) q(query string) string {
	if s.dialect != Postgres {
		return query
	}
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for _, c := range query {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	out := b.String()
	rebound.Store(query, out)
	return out
}

// writer returns what runs a write: a cached prepared statement when there
// is one (in a transaction, bound to it), else the querier itself.
func (s *Store) writer(ctx context.Context, query string) querier {
	if s.stmts == nil {
		return s.w
	}
	if s.tx != nil {
		if st := s.tx.stmt(ctx, &s.stmts.writeStmts, query); st != nil {
			return stmtQuerier{st}
		}
		return s.w
	}
	st := s.stmts.writeStmts.stmt(ctx, s.stmts.write, query)
	if st == nil {
		return s.w
	}
	return stmtQuerier{st}
}

// stmt returns the statement that runs q in the transaction, nil to run it
// unprepared. A statement of the write pool's cache is bound to the
// transaction: the pool has one connection, on which it is already
// prepared, so binding it parses nothing. The transaction holds that
// connection, so a statement not cached yet cannot be prepared on the pool
// (it would wait for ever): it is prepared on the transaction, for this
// transaction, and on the pool once the transaction is over (InTx).
func (t *txState) stmt(ctx context.Context, cache *stmtCache, q string) *sql.Stmt {
	if st, ok := t.stmts[q]; ok {
		return st
	}
	var st *sql.Stmt
	if v, ok := cache.m.Load(q); ok {
		st = t.tx.StmtContext(ctx, v.(*sql.Stmt))
	} else if cache.n.Load() < maxStmts {
		// Closed with the transaction, like the bound ones.
		if p, err := t.tx.PrepareContext(ctx, q); err == nil {
			st = p
			t.later = append(t.later, q)
		}
	}
	if t.stmts == nil {
		t.stmts = make(map[string]*sql.Stmt)
	}
	t.stmts[q] = st
	return st
}

// reader is writer for reads; inside a transaction reads go through it.
func (s *Store) reader(ctx context.Context, query string) querier {
	if s.stmts == nil {
		return s.r
	}
	if s.db == nil { // in a transaction: read what it wrote
		return s.writer(ctx, query)
	}
	if st := s.stmts.readStmts.stmt(ctx, s.stmts.read, query); st != nil {
		return stmtQuerier{st}
	}
	return s.r
}

// stmtQuerier runs a prepared statement behind the querier interface (the
// query text is already in the statement).
type stmtQuerier struct{ st *sql.Stmt }

func (q stmtQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return q.st.ExecContext(ctx, args...)
}

func (q stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return q.st.QueryContext(ctx, args...)
}

func (q stmtQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return q.st.QueryRowContext(ctx, args...)
}

func (s *Store) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	q := s.q(query)
	res, err := s.writer(ctx, q).ExecContext(ctx, q, args...)
	return res, s.mapErr(err)
}

// insert runs an INSERT … RETURNING id and returns the id.
func (s *Store) insert(ctx context.Context, query string, args ...any) (int64, error) {
	var id int64
	q := s.q(query)
	err := s.writer(ctx, q).QueryRowContext(ctx, q, args...).Scan(&id)
	return id, s.mapErr(err)
}

func (s *Store) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	q := s.q(query)
	rows, err := s.reader(ctx, q).QueryContext(ctx, q, args...)
	return rows, s.mapErr(err)
}

func (s *Store) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	q := s.q(query)
	return s.reader(ctx, q).QueryRowContext(ctx, q, args...)
}

// scanner is what *sql.Row and *sql.Rows have in common.
type scanner interface{ Scan(dest ...any) error }

// queryAll runs a read query and scans every row with scan.
func queryAll[T any](ctx context.Context, s *Store, scan func(scanner) (T, error), q string, args ...any) ([]T, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// affectedOne turns "no row changed" into model.ErrNotFound.
func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return errNotFound
	}
	return nil
}

// ms and fromMS convert between time.Time and the Unix milliseconds stored.
func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

func nullMS(t *time.Time) sql.NullInt64 {
	if t == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: ms(*t), Valid: true}
}

func fromNullMS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMS(v.Int64)
	return &t
}
