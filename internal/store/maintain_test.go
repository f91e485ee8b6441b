package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ruche/internal/testutil"
)

// TestMaintainBoundsWAL: with a reader holding an old snapshot, automatic
// checkpoints cannot restart the log and it grows; Maintain brings it back.
func TestMaintainBoundsWAL(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ruche.db")
	st := testutil.OpenStore(t, path)
	ctx := context.Background()
	reader, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	tx, err := reader.Begin()
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := tx.QueryRow("SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1<<20)
	for i := range 70 {
		if err := st.SetSettings(ctx, map[string]string{fmt.Sprint("test.", i): big}); err != nil {
			t.Fatal(err)
		}
	}
	_ = tx.Rollback()
	size := func() int64 {
		fi, err := os.Stat(path + "-wal")
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	if size() < 64<<20 {
		t.Fatalf("the WAL did not grow past the limit (%d bytes): the test proves nothing", size())
	}
	if err := st.Maintain(ctx); err != nil {
		t.Fatal(err)
	}
	if s := size(); s > 1<<20 {
		t.Fatalf("WAL still %d bytes after Maintain", s)
	}
}
