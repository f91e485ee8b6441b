package store

import (
	"context"
	"fmt"
)

// DeleteRowForTest deletes a user or a channel outright, as no store method
// does yet, to check that their drafts go with them.
func (s *Store) DeleteRowForTest(ctx context.Context, table string, id int64) error {
	if table != "users" && table != "channels" {
		return fmt.Errorf("store: delete row: table %q", table)
	}
	return affectedOne(s.exec(ctx, "DELETE FROM "+table+" WHERE id = ?", id))
}
