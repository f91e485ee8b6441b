package blob

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// tempPrefix starts the name of every file that is still being written.
// CleanTemp relies on it; real blobs never start with a dot.
const tempPrefix = ".tmp-"

// copyBufSize is the fixed buffer Put copies through, whatever the content size.
const copyBufSize = 64 << 10

var _ Store = (*Dir)(nil)

// Dir stores blobs as files in a local folder, which may be a NAS mount. A blob
// with key abcd… lives at root/ab/cd/abcd…, so no folder ever holds more than
// a small share of the files.
type Dir struct {
	root string

	// durable remembers the "ab/cd" folders whose entries this process has
	// fsynced into their parents, so only the first Put into a folder pays
	// for the two extra fsyncs. At most 65536 short strings.
	durable sync.Map
}

// NewDir opens the blob folder at root, creating it (mode 0700) if missing.
func NewDir(root string) (*Dir, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("blob: open dir %s: %w", root, err)
	}
	if _, err := os.Stat(abs); errors.Is(err, fs.ErrNotExist) {
		if err := os.MkdirAll(abs, 0o700); err != nil {
			return nil, fmt.Errorf("blob: create dir: %w", err)
		}
		if err := syncDir(filepath.Dir(abs)); err != nil {
			return nil, fmt.Errorf("blob: create dir: %w", err)
		}
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("blob: open dir: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("blob: open dir: %s is not a directory", abs)
	}
	return &Dir{root: abs}, nil
}

// path returns where the blob with a valid key lives.
func (d *Dir) path(key string) string {
	return filepath.Join(d.root, key[:2], key[2:4], key)
}

// Put implements Store. The content goes to a temp file in the blob's final
// folder, is fsynced, renamed into place, and the folder is fsynced: once Put
// returns, the blob survives a power loss, and a crash before that leaves only
// a temp file that CleanTemp removes.
func (d *Dir) Put(ctx context.Context, r io.Reader, maxSize int64) (info Info, err error) {
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	key, err := newKey()
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	folder, err := d.folder(key)
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}

	f, err := os.CreateTemp(folder, tempPrefix+"*") // mode 0600
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	tmp := f.Name()
	closed := false
	defer func() {
		if err != nil {
			if !closed {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()

	src := io.Reader(ctxReader{ctx: ctx, r: r})
	if maxSize > 0 {
		// One byte more than allowed tells "exactly the limit" from "too long"
		// without reading the rest of an oversized stream.
		src = io.LimitReader(src, maxSize+1)
	}
	h := sha256.New()
	// Neither side implements ReaderFrom/WriterTo, so the copy really goes
	// through this one buffer: memory does not grow with the content.
	n, err := io.CopyBuffer(io.MultiWriter(f, h), src, make([]byte, copyBufSize))
	if err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if maxSize > 0 && n > maxSize {
		return Info{}, fmt.Errorf("blob: put: %w", ErrTooLarge)
	}
	if err := f.Sync(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	closed = true
	if err := f.Close(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	// A request abandoned while we fsynced should not leave a blob behind.
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if err := os.Rename(tmp, d.path(key)); err != nil {
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	if err := syncDir(folder); err != nil {
		// The blob is in place but maybe not durable; report failure and do
		// not leave it for a caller who will not record it.
		os.Remove(d.path(key))
		return Info{}, fmt.Errorf("blob: put: %w", err)
	}
	return Info{Key: key, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// folder creates the blob's folder if needed and makes sure its entry, and its
// parent's, are on disk before any blob in it is acknowledged.
func (d *Dir) folder(key string) (string, error) {
	rel := key[:2] + "/" + key[2:4]
	folder := filepath.Join(d.root, key[:2], key[2:4])
	if _, ok := d.durable.Load(rel); ok {
		return folder, nil
	}
	if err := os.MkdirAll(folder, 0o700); err != nil {
		return "", err
	}
	// Another process or goroutine may have just created these folders
	// without syncing yet, so sync whatever we find the first time.
	if err := syncDir(filepath.Dir(folder)); err != nil {
		return "", err
	}
	if err := syncDir(d.root); err != nil {
		return "", err
	}
	d.durable.Store(rel, struct{}{})
	return folder, nil
}

// Open implements Store.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if !validKey(key) {
		return nil, ErrNotFound
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("blob: open %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, ErrNotFound
	}
	return f, nil
}

// Stat implements Store. SHA256 is left empty: computing it would read the
// whole blob.
func (d *Dir) Stat(ctx context.Context, key string) (Info, error) {
	if !validKey(key) {
		return Info{}, ErrNotFound
	}
	if err := ctx.Err(); err != nil {
		return Info{}, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	fi, err := os.Stat(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return Info{}, ErrNotFound
	}
	if err != nil {
		return Info{}, fmt.Errorf("blob: stat %s: %w", key, err)
	}
	if !fi.Mode().IsRegular() {
		return Info{}, ErrNotFound
	}
	return Info{Key: key, Size: fi.Size()}, nil
}

// Delete implements Store. A malformed key gives ErrNotFound rather than nil,
// so a caller passing garbage learns about it. The folder is not fsynced: if
// a crash brings the blob back, it is an orphan that costs space, not data.
func (d *Dir) Delete(ctx context.Context, key string) error {
	if !validKey(key) {
		return ErrNotFound
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	err := os.Remove(d.path(key))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// CleanTemp removes temp files older than olderThan, which a crash or a kill
// during Put leaves behind. Choose an age well above the longest upload, since
// a temp file of a Put in progress looks the same.
func (d *Dir) CleanTemp(olderThan time.Duration) error {
	cutoff := time.Now().Add(-olderThan)
	err := filepath.WalkDir(d.root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			// A Put that finished, or another cleaner, may remove entries
			// while we walk.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tempPrefix) {
			return nil
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if !fi.ModTime().Before(cutoff) {
			return nil
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("blob: clean temp: %w", err)
	}
	return nil
}

// newKey returns 128 random bits in lowercase hex.
func newKey() (string, error) {
	var b [keyLen / 2]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// syncDir fsyncs a folder so the entries created or renamed in it survive a
// power loss.
func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// ctxReader stops a copy at the next chunk once ctx is done, so an abandoned
// upload does not keep writing.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
