package store

import (
	"database/sql"
	"errors"
	"fmt"

	"ruche/internal/model"
)

var errNotFound = fmt.Errorf("store: %w", model.ErrNotFound)

// mapErr turns driver errors into the model's sentinel errors.
func (s *Store) mapErr(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sql.ErrNoRows):
		return errNotFound
	case s.dialect == SQLite && sqliteConflict(err), s.dialect == Postgres && postgresConflict(err):
		return fmt.Errorf("store: %w: %v", model.ErrConflict, err)
	}
	return err
}
