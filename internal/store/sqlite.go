package store

import (
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"

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
		"synchronous(" + sync + ")",
		"foreign_keys(ON)",
		"cache_size(-8000)", // 8 MB per connection at most
		"temp_store(MEMORY)",
	} {
		pragmas.Add("_pragma", p)
	}
	base := "file:" + (&url.URL{Path: path}).EscapedPath()
	write, err = sql.Open("sqlite", base+"?"+pragmas.Encode()+"&_txlock=immediate")
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
	read, err = sql.Open("sqlite", base+"?"+pragmas.Encode())
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
