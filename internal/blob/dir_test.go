package blob

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"ruche/internal/model"
)

// keyPattern is the test's own statement of a valid key, independent of validKey.
var keyPattern = regexp.MustCompile(`^[0-9a-f]{32}$`)

func newTestDir(t testing.TB) *Dir {
	t.Helper()
	d, err := NewDir(filepath.Join(t.TempDir(), "blobs"))
	if err != nil {
		t.Fatalf("NewDir: %v", err)
	}
	return d
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// regularFiles lists every non-folder entry under root, relative to it.
func regularFiles(t testing.TB, root string) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(root, path)
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", root, err)
	}
	return files
}

func assertEmpty(t testing.TB, d *Dir) {
	t.Helper()
	if files := regularFiles(t, d.root); len(files) != 0 {
		t.Errorf("files left under root: %v", files)
	}
}

func TestNewDir(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()

	root := filepath.Join(parent, "a", "b")
	if _, err := NewDir(root); err != nil {
		t.Fatalf("NewDir on a missing path: %v", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Errorf("root mode = %v, want a 0700 directory", fi.Mode())
	}
	if _, err := NewDir(root); err != nil {
		t.Errorf("NewDir on an existing folder: %v", err)
	}

	file := filepath.Join(parent, "file")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewDir(file); err == nil {
		t.Error("NewDir on a regular file succeeded")
	}
}

func TestRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		size int
	}{
		{"empty", 0},
		{"one byte", 1},
		{"one buffer", copyBufSize},
		{"one buffer and a byte", copyBufSize + 1},
		{"1 MiB", 1 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := newTestDir(t)
			content := randomBytes(t, tt.size)

			info, err := d.Put(ctx, bytes.NewReader(content), 0)
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if !keyPattern.MatchString(info.Key) {
				t.Errorf("key %q is not 32 lowercase hex characters", info.Key)
			}
			if info.Size != int64(tt.size) {
				t.Errorf("Size = %d, want %d", info.Size, tt.size)
			}
			if want := sha256Hex(content); info.SHA256 != want {
				t.Errorf("SHA256 = %s, want %s", info.SHA256, want)
			}

			// Layout and permissions.
			want := filepath.Join(info.Key[:2], info.Key[2:4], info.Key)
			if files := regularFiles(t, d.root); !slices.Equal(files, []string{want}) {
				t.Errorf("files under root = %v, want [%s]", files, want)
			}
			for _, p := range []string{
				filepath.Join(d.root, info.Key[:2]),
				filepath.Join(d.root, info.Key[:2], info.Key[2:4]),
			} {
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o700 {
					t.Errorf("%s mode = %v, want 0700", p, fi.Mode().Perm())
				}
			}
			fi, err := os.Stat(filepath.Join(d.root, want))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("blob mode = %v, want 0600", fi.Mode().Perm())
			}

			rc, err := d.Open(ctx, info.Key)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			got, err := io.ReadAll(rc)
			if err != nil {
				t.Fatalf("read: %v", err)
			}
			if !bytes.Equal(got, content) {
				t.Errorf("content differs: got %d bytes, want %d", len(got), len(content))
			}
			if tt.size > 0 {
				mid := int64(tt.size / 2)
				if _, err := rc.Seek(mid, io.SeekStart); err != nil {
					t.Fatalf("Seek: %v", err)
				}
				rest, err := io.ReadAll(rc)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(rest, content[mid:]) {
					t.Error("content after Seek differs")
				}
			}
			if err := rc.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}

			st, err := d.Stat(ctx, info.Key)
			if err != nil {
				t.Fatalf("Stat: %v", err)
			}
			if st.Key != info.Key || st.Size != info.Size {
				t.Errorf("Stat = %+v, want key %s size %d", st, info.Key, info.Size)
			}

			if err := d.Delete(ctx, info.Key); err != nil {
				t.Fatalf("Delete: %v", err)
			}
			if _, err := d.Open(ctx, info.Key); !errors.Is(err, ErrNotFound) {
				t.Errorf("Open after Delete: err = %v, want ErrNotFound", err)
			}
			if _, err := d.Stat(ctx, info.Key); !errors.Is(err, model.ErrNotFound) {
				t.Errorf("Stat after Delete: err = %v, want model.ErrNotFound", err)
			}
			if err := d.Delete(ctx, info.Key); err != nil {
				t.Errorf("second Delete: %v, want nil", err)
			}
			assertEmpty(t, d)
		})
	}
}

func TestPutDistinctKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newTestDir(t)
	a, err := d.Put(ctx, strings.NewReader("same"), 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Put(ctx, strings.NewReader("same"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if a.Key == b.Key {
		t.Errorf("two Puts gave the same key %s", a.Key)
	}
	if a.SHA256 != b.SHA256 {
		t.Errorf("same content, different checksums: %s, %s", a.SHA256, b.SHA256)
	}
}

func TestPutConcurrent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newTestDir(t)
	const n = 16
	contents := make([][]byte, n)
	infos := make([]Info, n)
	errs := make([]error, n)
	for i := range contents {
		contents[i] = randomBytes(t, 10_000+i)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			infos[i], errs[i] = d.Put(ctx, bytes.NewReader(contents[i]), 0)
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Put %d: %v", i, errs[i])
		}
		if seen[infos[i].Key] {
			t.Errorf("key %s given twice", infos[i].Key)
		}
		seen[infos[i].Key] = true
		rc, err := d.Open(ctx, infos[i].Key)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got, contents[i]) {
			t.Errorf("blob %d: content differs (err %v)", i, err)
		}
	}
}

// countingReader counts the bytes handed out by the wrapped reader.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestPutMaxSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		size    int
		maxSize int64
		tooBig  bool
	}{
		{"no limit", 3 * copyBufSize, 0, false},
		{"negative means no limit", 1000, -1, false},
		{"below the limit", 9, 10, false},
		{"exactly the limit", 10, 10, false},
		{"one byte over", 11, 10, true},
		{"empty with a limit", 0, 1, false},
		{"limit of one buffer, exact", copyBufSize, copyBufSize, false},
		{"limit of one buffer, one over", copyBufSize + 1, copyBufSize, true},
		{"far over", 1 << 20, 1000, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			d := newTestDir(t)
			content := randomBytes(t, tt.size)
			src := &countingReader{r: bytes.NewReader(content)}

			info, err := d.Put(ctx, src, tt.maxSize)
			if tt.tooBig {
				if !errors.Is(err, ErrTooLarge) {
					t.Fatalf("err = %v, want ErrTooLarge", err)
				}
				if !errors.Is(err, model.ErrInvalid) {
					t.Errorf("err = %v does not match model.ErrInvalid", err)
				}
				var inv *model.InvalidError
				if !errors.As(err, &inv) || inv.Field != "file" {
					t.Errorf("err = %v, want a *model.InvalidError for field file", err)
				}
				if src.n > tt.maxSize+1 {
					t.Errorf("read %d bytes, want at most maxSize+1 = %d", src.n, tt.maxSize+1)
				}
				assertEmpty(t, d)
				return
			}
			if err != nil {
				t.Fatalf("Put: %v", err)
			}
			if info.Size != int64(tt.size) || info.SHA256 != sha256Hex(content) {
				t.Errorf("Info = %+v, want size %d and the content's checksum", info, tt.size)
			}
			if files := regularFiles(t, d.root); len(files) != 1 {
				t.Errorf("files under root = %v, want just the blob", files)
			}
		})
	}
}

func TestMalformedKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newTestDir(t)
	info, err := d.Put(ctx, strings.NewReader("content"), 0)
	if err != nil {
		t.Fatal(err)
	}
	// A file one level above root that a traversal would reach.
	outside := filepath.Join(filepath.Dir(d.root), "passwd")
	if err := os.WriteFile(outside, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}

	keys := []struct{ name, key string }{
		{"traversal", "../../etc/passwd"},
		{"traversal to a sibling", "../passwd"},
		{"traversal of key length", "../../../../../../../../../passwd"},
		{"empty", ""},
		{"uppercase hex", strings.ToUpper(info.Key)},
		{"31 chars", info.Key[:31]},
		{"33 chars", info.Key + "0"},
		{"with slash", info.Key[:2] + "/" + info.Key[3:]},
		{"laid-out path", info.Key[:2] + "/" + info.Key[2:4] + "/" + info.Key},
		{"absolute", "/" + info.Key[1:]},
		{"non-hex letter", "g" + info.Key[1:]},
		{"NUL byte", "\x00" + info.Key[1:]},
		{"temp prefix", ".tmp-" + info.Key[5:]},
		{"non-ASCII", "é" + info.Key[2:]},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			if rc, err := d.Open(ctx, k.key); !errors.Is(err, ErrNotFound) || !errors.Is(err, model.ErrNotFound) || rc != nil {
				t.Errorf("Open(%q) = %v, %v; want nil, ErrNotFound", k.key, rc, err)
			}
			if _, err := d.Stat(ctx, k.key); !errors.Is(err, ErrNotFound) || !errors.Is(err, model.ErrNotFound) {
				t.Errorf("Stat(%q): err = %v, want ErrNotFound", k.key, err)
			}
			if err := d.Delete(ctx, k.key); !errors.Is(err, ErrNotFound) || !errors.Is(err, model.ErrNotFound) {
				t.Errorf("Delete(%q): err = %v, want ErrNotFound", k.key, err)
			}
		})
	}
	t.Cleanup(func() {
		if _, err := os.Stat(outside); err != nil {
			t.Errorf("file outside root: %v", err)
		}
		if _, err := d.Stat(ctx, info.Key); err != nil {
			t.Errorf("the real blob is gone: %v", err)
		}
	})
}

func TestMissingKey(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newTestDir(t)
	const key = "0123456789abcdef0123456789abcdef"
	if _, err := d.Open(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Open: err = %v, want ErrNotFound", err)
	}
	if _, err := d.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
		t.Errorf("Stat: err = %v, want ErrNotFound", err)
	}
	if err := d.Delete(ctx, key); err != nil {
		t.Errorf("Delete of a missing blob: %v, want nil", err)
	}
}

// failingReader gives n bytes, then fails.
type failingReader struct {
	n   int
	err error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.n == 0 {
		return 0, f.err
	}
	k := min(len(p), f.n)
	clear(p[:k])
	f.n -= k
	return k, nil
}

func TestPutReaderFails(t *testing.T) {
	t.Parallel()
	errBoom := errors.New("connection reset")
	tests := []struct {
		name  string
		after int
	}{
		{"at once", 0},
		{"mid-buffer", 1000},
		{"after several buffers", 5*copyBufSize + 17},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := newTestDir(t)
			_, err := d.Put(context.Background(), &failingReader{n: tt.after, err: errBoom}, 0)
			if !errors.Is(err, errBoom) {
				t.Fatalf("err = %v, want the reader's error", err)
			}
			assertEmpty(t, d)
		})
	}
}

// errNotStopped ends an endlessReader that Put kept reading long after the
// context was cancelled, so a broken check fails the test instead of hanging it.
var errNotStopped = errors.New("reader was not stopped by the context")

// endlessReader never ends on its own; it calls onRead before each read.
type endlessReader struct {
	onRead func(total int64)
	total  int64
}

func (e *endlessReader) Read(p []byte) (int, error) {
	if e.onRead != nil {
		e.onRead(e.total)
	}
	if e.total > 64<<20 {
		return 0, errNotStopped
	}
	e.total += int64(len(p))
	return len(p), nil
}

func TestPutCancelled(t *testing.T) {
	t.Parallel()

	t.Run("before", func(t *testing.T) {
		t.Parallel()
		d := newTestDir(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := d.Put(ctx, strings.NewReader("content"), 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		assertEmpty(t, d)
	})

	t.Run("mid-stream", func(t *testing.T) {
		t.Parallel()
		d := newTestDir(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The stream never ends: only the context can stop the copy.
		r := &endlessReader{onRead: func(total int64) {
			if total >= 1<<20 {
				cancel()
			}
		}}
		_, err := d.Put(ctx, r, 0)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		assertEmpty(t, d)
	})
}

// genReader produces size bytes of a fixed pattern without holding them.
type genReader struct {
	size, off int64
}

func (g *genReader) Read(p []byte) (int, error) {
	if g.off >= g.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), g.size-g.off)
	for i := range n {
		p[i] = byte((g.off + i) * 7)
	}
	g.off += n
	return int(n), nil
}

// TestPutStreaming is not parallel on purpose: TotalAlloc counts the whole
// process, and parallel tests only start once the sequential ones are done.
func TestPutStreaming(t *testing.T) {
	const size = 64 << 20
	ctx := context.Background()
	d := newTestDir(t)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	info, err := d.Put(ctx, &genReader{size: size}, 0)
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatalf("Put: %v", err)
	}

	if grew := after.TotalAlloc - before.TotalAlloc; grew > 4<<20 {
		t.Errorf("Put of %d MiB allocated %d bytes; memory grows with content size", size>>20, grew)
	}
	if info.Size != size {
		t.Errorf("Size = %d, want %d", info.Size, size)
	}
	h := sha256.New()
	if _, err := io.Copy(h, &genReader{size: size}); err != nil {
		t.Fatal(err)
	}
	if want := hex.EncodeToString(h.Sum(nil)); info.SHA256 != want {
		t.Errorf("SHA256 = %s, want %s", info.SHA256, want)
	}
	st, err := d.Stat(ctx, info.Key)
	if err != nil || st.Size != size {
		t.Errorf("Stat = %+v, %v; want size %d", st, err, size)
	}
}

func TestCleanTemp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := newTestDir(t)
	info, err := d.Put(ctx, strings.NewReader("keep me"), 0)
	if err != nil {
		t.Fatal(err)
	}
	folder := filepath.Join(d.root, info.Key[:2], info.Key[2:4])
	other := filepath.Join(d.root, "00", "ff")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}

	old := time.Now().Add(-2 * time.Hour)
	write := func(path string, mtime time.Time) {
		t.Helper()
		if err := os.WriteFile(path, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	oldTemp := filepath.Join(folder, tempPrefix+"123")
	oldTempElsewhere := filepath.Join(other, tempPrefix+"456")
	freshTemp := filepath.Join(folder, tempPrefix+"789")
	write(oldTemp, old)
	write(oldTempElsewhere, old)
	write(freshTemp, time.Now())
	// An old real blob must survive: age alone never makes a blob garbage.
	blobPath := d.path(info.Key)
	if err := os.Chtimes(blobPath, old, old); err != nil {
		t.Fatal(err)
	}
	// An old temp-named folder is not a temp file.
	oldTempDir := filepath.Join(d.root, tempPrefix+"dir")
	if err := os.Mkdir(oldTempDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(oldTempDir, old, old); err != nil {
		t.Fatal(err)
	}

	if err := d.CleanTemp(time.Hour); err != nil {
		t.Fatalf("CleanTemp: %v", err)
	}

	for _, p := range []string{oldTemp, oldTempElsewhere} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: err = %v, want it removed", p, err)
		}
	}
	for _, p := range []string{freshTemp, blobPath, oldTempDir} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s should remain: %v", p, err)
		}
	}
	rc, err := d.Open(ctx, info.Key)
	if err != nil {
		t.Fatalf("Open after CleanTemp: %v", err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "keep me" {
		t.Errorf("blob content = %q", got)
	}
}

// snapshot lists every path under dir with the content of regular files.
func snapshot(t testing.TB, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if e.Type().IsRegular() {
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			m[rel] = string(b)
		} else {
			m[rel] = e.Type().String()
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk: %v", err)
	}
	return m
}

func FuzzOpenKey(f *testing.F) {
	ctx := context.Background()
	parent := f.TempDir()
	d, err := NewDir(filepath.Join(parent, "blobs"))
	if err != nil {
		f.Fatal(err)
	}
	content := []byte("the only blob")
	info, err := d.Put(ctx, bytes.NewReader(content), 0)
	if err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "outside.txt"), []byte("do not touch"), 0o600); err != nil {
		f.Fatal(err)
	}
	want := snapshot(f, parent)

	for _, s := range []string{
		info.Key,
		"",
		"0123456789abcdef0123456789abcdef",
		strings.ToUpper(info.Key),
		info.Key[:31],
		info.Key + "0",
		"../outside.txt",
		"../../outside.txt",
		"../../../outside.txt",
		"../../etc/passwd",
		"/etc/passwd",
		info.Key[:2] + "/" + info.Key[2:4] + "/" + info.Key,
		"..",
		".",
		"\x00",
		".tmp-" + info.Key[5:],
	} {
		f.Add(s)
	}

	f.Fuzz(func(t *testing.T, key string) {
		exact := key == info.Key
		wellFormed := keyPattern.MatchString(key)

		rc, err := d.Open(ctx, key)
		if exact {
			if err != nil {
				t.Fatalf("Open(exact key): %v", err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, content) {
				t.Fatalf("Open(exact key) read %q, %v", got, err)
			}
		} else {
			if err == nil {
				rc.Close()
				t.Fatalf("Open(%q) returned content", key)
			}
			if !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("Open(%q): err = %v, want ErrNotFound", key, err)
			}
		}

		st, err := d.Stat(ctx, key)
		if exact {
			if err != nil || st.Size != int64(len(content)) {
				t.Fatalf("Stat(exact key) = %+v, %v", st, err)
			}
		} else if !errors.Is(err, model.ErrNotFound) {
			t.Fatalf("Stat(%q) = %+v, %v; want ErrNotFound", key, st, err)
		}

		err = d.Delete(ctx, key)
		switch {
		case exact:
			if err != nil {
				t.Fatalf("Delete(exact key): %v", err)
			}
			if _, err := d.Stat(ctx, key); !errors.Is(err, ErrNotFound) {
				t.Fatalf("blob still there after Delete: %v", err)
			}
			// Put the blob back under the same key for the next input.
			if err := os.WriteFile(d.path(info.Key), content, 0o600); err != nil {
				t.Fatal(err)
			}
		case wellFormed:
			if err != nil {
				t.Fatalf("Delete(%q) of a missing blob: %v, want nil", key, err)
			}
		default:
			if !errors.Is(err, model.ErrNotFound) {
				t.Fatalf("Delete(%q): err = %v, want ErrNotFound", key, err)
			}
		}

		// Nothing created, changed or removed, inside root or next to it.
		if got := snapshot(t, parent); !maps.Equal(got, want) {
			t.Fatalf("after key %q the tree changed:\n got %v\nwant %v", key, got, want)
		}
	})
}

func BenchmarkPut(b *testing.B) {
	ctx := context.Background()
	d := newTestDir(b)
	payload := randomBytes(b, 1<<20)
	r := bytes.NewReader(payload)
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(payload)
		info, err := d.Put(ctx, r, 0)
		if err != nil {
			b.Fatal(err)
		}
		// Keep the disk from filling; Delete is small next to Put's fsyncs.
		if err := d.Delete(ctx, info.Key); err != nil {
			b.Fatal(err)
		}
	}
}
