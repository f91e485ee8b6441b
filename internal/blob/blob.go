// Package blob stores uploaded content (attachments, avatars, logos, files)
// under opaque keys that the server chooses.
//
// It owns the bytes and nothing else: it does not know a blob's name, type,
// owner or permissions, and it must not decide who may read one. The database
// row that points to a blob holds all of that. Callers write the blob before
// committing the row that points to it, and delete blobs only after a grace
// period, so a crash leaves at worst an orphan blob, never a dangling row.
//
// A key is never built from user input: Put chooses it, and every other method
// rejects anything but 32 lowercase hex characters before touching storage.
package blob

import (
	"context"
	"fmt"
	"io"

	"ruche/internal/model"
)

// ErrNotFound is returned for an unknown or malformed key. It matches
// model.ErrNotFound with errors.Is.
var ErrNotFound = fmt.Errorf("blob: %w", model.ErrNotFound)

// ErrTooLarge is returned by Put when the content exceeds maxSize. It matches
// model.ErrInvalid with errors.Is, and errors.As finds a *model.InvalidError
// whose message can be shown to the client.
var ErrTooLarge error = &model.InvalidError{Field: "file", Reason: "file is larger than the limit"}

// Info describes a stored blob.
type Info struct {
	Key    string // server-chosen, 32 lowercase hex characters
	Size   int64
	SHA256 string // lowercase hex of the content's SHA-256
}

// Store keeps blobs. Implementations are safe for concurrent use.
type Store interface {
	// Put streams r into a new blob with a server-chosen key. It never holds
	// the content in memory. maxSize > 0 limits the size: a longer stream
	// returns ErrTooLarge and leaves nothing behind.
	Put(ctx context.Context, r io.Reader, maxSize int64) (Info, error)
	// Open returns the content; the caller closes it. Unknown or malformed
	// keys give ErrNotFound.
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	// Stat returns Key and Size (SHA256 may be empty: callers keep the
	// checksum they got from Put).
	Stat(ctx context.Context, key string) (Info, error)
	// Delete removes the blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, key string) error
}

// keyLen is the length of a key: 128 random bits in hex.
const keyLen = 32

// validKey reports whether key has exactly the shape Put produces. Only such
// keys ever reach the file system, which rules out path traversal.
func validKey(key string) bool {
	if len(key) != keyLen {
		return false
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
