// Package testutil gives tests real parts: a fresh database per test (SQLite
// always, PostgreSQL when RUCHE_TEST_POSTGRES is set), a real server on a
// loopback port, and a headless Chromium. It never fakes a database.
package testutil

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"

	"ruche/internal/store"
)

// PostgresURL is the server that store tests also run on, from
// RUCHE_TEST_POSTGRES; "" when unset.
func PostgresURL() string { return os.Getenv("RUCHE_TEST_POSTGRES") }

// DSNs returns, per dialect under test, a function making a fresh, empty
// database and returning its DSN.
func DSNs(t testing.TB) map[store.Dialect]func(t testing.TB) string {
	out := map[store.Dialect]func(t testing.TB) string{
		store.SQLite: func(t testing.TB) string { return filepath.Join(t.TempDir(), "ruche.db") },
	}
	if PostgresURL() != "" {
		out[store.Postgres] = FreshPostgres
	}
	return out
}

// ForEachStore runs fn as a subtest on a fresh, migrated store of every
// dialect under test.
func ForEachStore(t *testing.T, fn func(t *testing.T, st *store.Store)) {
	t.Helper()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		fresh, ok := DSNs(t)[d]
		if !ok {
			continue
		}
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			fn(t, OpenStore(t, fresh(t)))
		})
	}
}

// NewStore returns a fresh, migrated SQLite store, or a PostgreSQL one when
// RUCHE_TEST_POSTGRES is set and RUCHE_TEST_DIALECT=postgres.
func NewStore(t testing.TB) *store.Store {
	t.Helper()
	if os.Getenv("RUCHE_TEST_DIALECT") == string(store.Postgres) && PostgresURL() != "" {
		return OpenStore(t, FreshPostgres(t))
	}
	return OpenStore(t, filepath.Join(t.TempDir(), "ruche.db"))
}

// OpenStore opens and migrates the database at dsn and closes it at the end
// of the test.
func OpenStore(t testing.TB, dsn string) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return st
}

// FreshPostgres creates an empty schema on the test server, dropped at the end
// of the test, and returns a URL whose search_path points to it.
func FreshPostgres(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	if base == "" {
		t.Fatal("RUCHE_TEST_POSTGRES is not set")
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("postgres: %v", err)
	}
	defer admin.Close()
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("postgres: create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("RUCHE_TEST_POSTGRES: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
