package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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

// TestCheckpointsBesideTheWriter: commits do not checkpoint (that would make
// the writes queued behind them wait for an fsync); the store's
// checkpointer copies the log into the database file in the background.
func TestCheckpointsBesideTheWriter(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ruche.db")
	st := testutil.OpenStore(t, path)
	ctx := context.Background()
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			return 0
		}
		return fi.Size()
	}
	before := size(path)
	big := strings.Repeat("y", 64<<10)
	for i := range 100 { // 6.4 MB, well past SQLite's 1,000-page automatic checkpoint
		if err := st.SetSettings(ctx, map[string]string{fmt.Sprint("test.", i): big}); err != nil {
			t.Fatal(err)
		}
	}
	for deadline := time.Now().Add(5 * time.Second); size(path) < before+6<<20; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("database file %d bytes, WAL %d bytes: nothing was checkpointed", size(path), size(path+"-wal"))
		}
	}
}
