package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"ruche/internal/model"
)

// Argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane), chosen
// for small machines. Hashes carry their parameters, so raising them later
// re-hashes at the next login (NeedsRehash).
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16

	MinPasswordLen = 8    // characters
	MaxPasswordLen = 1024 // bytes; long passphrases are fine, megabytes are not
)

// hashSlots bounds concurrent hashing: each takes 19 MiB, and a burst of
// logins must not take a small machine's memory.
var hashSlots = make(chan struct{}, 2)

// hashing counts hashes in progress; the last one to finish hands the
// memory back to the system.
var hashing atomic.Int32

// idKey is argon2.IDKey within the concurrency bound. Each hash allocates
// its whole memory cost at once; left to the garbage collector, those 19 MiB
// would stay in the process for minutes after a login, so when no other hash
// is running they are returned to the operating system at once (a
// collection of a small heap costs about a millisecond; logins are rare).
func idKey(pw, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	hashSlots <- struct{}{}
	hashing.Add(1)
	key := argon2.IDKey(pw, salt, time, memory, threads, keyLen)
	<-hashSlots
	if hashing.Add(-1) == 0 {
		go debug.FreeOSMemory()
	}
	return key
}

// ValidatePassword checks a new password's length.
func ValidatePassword(pw string) error {
	switch {
	case !utf8.ValidString(pw):
		return &model.InvalidError{Field: "password", Reason: "password is not valid UTF-8", Key: "err.password_invalid"}
	case utf8.RuneCountInString(pw) < MinPasswordLen:
		return &model.InvalidError{Field: "password", Reason: fmt.Sprintf("password must have at least %d characters", MinPasswordLen), Key: "err.password_short"}
	case len(pw) > MaxPasswordLen:
		return &model.InvalidError{Field: "password", Reason: fmt.Sprintf("password must have at most %d bytes", MaxPasswordLen), Key: "err.password_long"}
	}
	return nil
}

// HashPassword returns an encoded argon2id hash of pw.
func HashPassword(pw string) (string, error) {
	if err := ValidatePassword(pw); err != nil {
		return "", err
	}
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := idKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: malformed password hash")

// CheckPassword reports whether pw matches the encoded hash. An empty or
// malformed hash never matches.
func CheckPassword(encoded, pw string) bool {
	if len(pw) > MaxPasswordLen {
		return false
	}
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false
	}
	got := idKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// NeedsRehash reports whether encoded was made with other parameters than
// today's.
func NeedsRehash(encoded string) bool {
	p, _, _, err := decodeHash(encoded)
	return err != nil || p != (argonParams{argonMemory, argonTime, argonThreads})
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

func decodeHash(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errBadHash
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.memory, &p.time, &p.threads); err != nil {
		return p, nil, nil, errBadHash
	}
	// Refuse parameters that would let a planted hash exhaust the machine.
	if p.memory == 0 || p.memory > 1<<20 || p.time == 0 || p.time > 16 || p.threads == 0 {
		return p, nil, nil, errBadHash
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errBadHash
	}
	return p, salt, key, nil
}

// dummyHash is checked against when a login names no user, so that the
// answer takes as long as for a real user and does not reveal who exists.
// It is a constant (made once with HashPassword) rather than computed at
// start: hashing costs 19 MiB and tens of milliseconds that a start does not
// need to pay.
const dummyHash = "$argon2id$v=19$m=19456,t=2,p=1$MB8jxHNpQrW5C/gfb9YiDg$48vdmUI6R9P//ry0sRP/l3NbYBQFbk8Yi6IGK6SwD80"

func subtleEq(a, b string) bool { return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1 }
