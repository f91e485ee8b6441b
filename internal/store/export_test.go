package store

import "context"

// OpenSQLiteDriver opens the SQLite database at path through the
// database/sql driver registered as driver (a wrapper of modernc's).
func OpenSQLiteDriver(ctx context.Context, path, driver string) (*Store, error) {
	return Open(ctx, path, Options{driver: driver})
}
