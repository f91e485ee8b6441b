package store

import (
	"database/sql"
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

func openPostgres(dsn string, opt Options) (*sql.DB, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(opt.MaxReadConns * 4)
	db.SetMaxIdleConns(opt.MaxReadConns)
	return db, nil
}

// postgresConflict reports whether err is a uniqueness violation.
func postgresConflict(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "23505")
}
