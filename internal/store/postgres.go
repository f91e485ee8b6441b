package store

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// openPostgres opens a write pool and a read pool, so that reads (the
// realtime hub's, pages') never wait for a connection behind writers. Each
// pool keeps its connections open: no backend is started per burst. Write
// transactions take turns per node before BEGIN (see InTx) and hold at most
// two connections at once; the rest of the write pool serves single writes.
func openPostgres(dsn string, opt Options) (write, read *sql.DB, err error) {
	open := func(n int) (*sql.DB, error) {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, err
		}
		db.SetMaxOpenConns(n)
		db.SetMaxIdleConns(n)
		return db, nil
	}
	if write, err = open(opt.MaxReadConns); err != nil {
		return nil, nil, err
	}
	// Readers mostly wait on the network and the server, not on our CPUs.
	if read, err = open(opt.MaxReadConns * 2); err != nil {
		write.Close()
		return nil, nil, err
	}
	return write, read, nil
}

// postgresConflict reports whether err is a uniqueness violation.
func postgresConflict(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "23505")
}
