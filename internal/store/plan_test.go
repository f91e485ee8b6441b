package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotifyQueryPlan: finding whom a post notifies reads the index of
// notification levels, not every member of the channel (it runs for every
// post; SQLite picks the primary key instead if the query asks for an order).
func TestNotifyQueryPlan(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "plan.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	var q string
	var args []any
	s.stmts, s.r = nil, planQuerier{s.r, &q, &args} // capture what MembersToNotify runs
	if _, err := s.MembersToNotify(ctx, 1, false, nil); err != nil {
		t.Fatal(err)
	}
	rows, err := s.db.read.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	if p := strings.Join(plan, "; "); !strings.Contains(p, "channel_members_notify") {
		t.Fatalf("members to notify: plan %q does not use channel_members_notify", p)
	}
}

// planQuerier remembers the last query it ran.
type planQuerier struct {
	querier
	q    *string
	args *[]any
}

func (p planQuerier) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	*p.q, *p.args = q, args
	return p.querier.QueryContext(ctx, q, args...)
}
