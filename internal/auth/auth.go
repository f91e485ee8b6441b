// Package auth owns how people prove who they are: password hashes,
// sessions, personal API tokens, CSRF tokens and login throttling. It decides
// who someone is, never what they may do (that is internal/access), and it
// knows nothing of HTTP: handlers hand it tokens and addresses.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"ruche/internal/access"
	"ruche/internal/bus"
	"ruche/internal/model"
)

// TokenPrefix starts every personal API token, so that it is recognisable in
// logs and by secret scanners, and cannot be confused with a session token.
const TokenPrefix = "rpat_"

// Store is what auth needs from the database.
type Store interface {
	UserByLogin(ctx context.Context, login string) (model.User, error)
	User(ctx context.Context, id int64) (model.User, error)
	SetPasswordHash(ctx context.Context, userID int64, hash string, now time.Time) error
	CreateSession(ctx context.Context, x model.Session) (model.Session, error)
	SessionByToken(ctx context.Context, hash []byte) (model.Session, model.User, error)
	TouchSession(ctx context.Context, id int64, seen, expires time.Time) error
	Sessions(ctx context.Context, userID int64) ([]model.Session, error)
	DeleteSession(ctx context.Context, userID, id int64) error
	DeleteSessions(ctx context.Context, userID, keep int64) ([]int64, error)
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)
	CreateToken(ctx context.Context, t model.Token) (model.Token, error)
	TokenByHash(ctx context.Context, hash []byte) (model.Token, model.User, error)
	TouchToken(ctx context.Context, id int64, at time.Time) error
	Tokens(ctx context.Context, userID int64) ([]model.Token, error)
	DeleteToken(ctx context.Context, userID, id int64) error
}

// Options tune session lifetimes and throttling.
type Options struct {
	IdleTimeout time.Duration // a session unused this long ends (default 30 days)
	MaxAge      time.Duration // a session ends this long after login whatever happens (default 90 days)
	Now         func() time.Time
}

// Service signs people in and out.
type Service struct {
	st        Store
	bus       bus.Publisher
	log       *slog.Logger
	now       func() time.Time
	idle, max time.Duration

	// Failed logins are throttled per account and per address block.
	accounts, addrs *Throttle
}

// New returns the auth service.
func New(st Store, b bus.Publisher, log *slog.Logger, opt Options) *Service {
	if opt.IdleTimeout <= 0 {
		opt.IdleTimeout = 30 * 24 * time.Hour
	}
	if opt.MaxAge <= 0 {
		opt.MaxAge = 90 * 24 * time.Hour
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Service{st: st, bus: b, log: log, now: opt.Now, idle: opt.IdleTimeout, max: opt.MaxAge,
		accounts: NewThrottle(5, time.Minute), addrs: NewThrottle(30, 10*time.Second)}
	s.accounts.Now, s.addrs.Now = opt.Now, opt.Now
	return s
}

// Principal is who a request comes from.
type Principal struct {
	User      model.User
	SessionID int64  // 0 when authenticated by an API token
	TokenID   int64  // 0 when authenticated by a session
	CSRFToken string // the session's; "" for API tokens (no cookie, no CSRF)
}

// Actor is the principal as internal/access sees it.
func (p Principal) Actor() access.Actor { return access.ActorOf(p.User) }

// Client describes where a login comes from.
type Client struct {
	IP        string
	UserAgent string
}

// ErrBadLogin is returned for an unknown login or a wrong password (which of
// the two is not told).
var ErrBadLogin = fmt.Errorf("auth: wrong login or password: %w", model.ErrUnauthorized)

// ErrDisabled is returned when the right password is given for a disabled account.
var ErrDisabled = fmt.Errorf("auth: account disabled: %w", model.ErrForbidden)

// NormalizeLogin is how logins and e-mail addresses are compared.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

// Login checks a password and opens a new session. Every login gets a new
// token, so a token planted before login (session fixation) is worthless.
func (s *Service) Login(ctx context.Context, login, password string, c Client) (string, model.Session, model.User, error) {
	login = NormalizeLogin(login)
	if login == "" || len(login) > 320 || !utf8.ValidString(login) {
		return "", model.Session{}, model.User{}, ErrBadLogin
	}
	acctKey, addrKey := "acct:"+login, AddrKey(c.IP)
	if err := errors.Join(s.addrs.Allow(addrKey), s.accounts.Allow(acctKey)); err != nil {
		s.log.WarnContext(ctx, "login throttled", "login", login, "ip", c.IP)
		var rl *model.RateLimitError
		errors.As(err, &rl)
		return "", model.Session{}, model.User{}, rl
	}
	u, err := s.st.UserByLogin(ctx, login)
	if err != nil && !errors.Is(err, model.ErrNotFound) {
		return "", model.Session{}, model.User{}, fmt.Errorf("auth: login: %w", err)
	}
	hash := u.PasswordHash
	if err != nil || hash == "" {
		hash = dummyHash
	}
	if !CheckPassword(hash, password) || u.ID == 0 || u.PasswordHash == "" {
		s.accounts.Fail(acctKey)
		s.addrs.Fail(addrKey)
		s.log.WarnContext(ctx, "login failed", "login", login, "ip", c.IP)
		return "", model.Session{}, model.User{}, ErrBadLogin
	}
	if u.Disabled {
		s.log.WarnContext(ctx, "login refused: account disabled", "user_id", u.ID, "ip", c.IP)
		return "", model.Session{}, model.User{}, ErrDisabled
	}
	s.accounts.Reset(acctKey)
	if NeedsRehash(u.PasswordHash) {
		if h, err := HashPassword(password); err == nil {
			_ = s.st.SetPasswordHash(ctx, u.ID, h, s.now())
		}
	}
	token, x, err := s.OpenSession(ctx, u, c)
	if err != nil {
		return "", x, u, err
	}
	s.log.InfoContext(ctx, "login", "user_id", u.ID, "session_id", x.ID, "ip", c.IP)
	return token, x, u, nil
}

// OpenSession starts a session for u without a password (after setup or an
// accepted invitation, where the password was just chosen).
func (s *Service) OpenSession(ctx context.Context, u model.User, c Client) (string, model.Session, error) {
	token, hash := newSecret("")
	now := s.now()
	x, err := s.st.CreateSession(ctx, model.Session{UserID: u.ID, TokenHash: hash, CSRFToken: randomString(32),
		UserAgent: truncate(c.UserAgent, 256), IP: c.IP, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.idle)})
	if err != nil {
		return "", x, fmt.Errorf("auth: open session: %w", err)
	}
	return token, x, nil
}

// touchEvery limits writes: activity is recorded at most once a minute.
const touchEvery = time.Minute

// Authenticate returns the principal of a session token or an API token, or
// an error matching model.ErrUnauthorized. It checks expiry and that the
// user is still enabled, on every call: a disabled user's live session stops
// at its next request, on every transport.
func (s *Service) Authenticate(ctx context.Context, token string) (Principal, error) {
	if token == "" || len(token) > 128 {
		return Principal{}, ErrUnauthenticated
	}
	now := s.now()
	if strings.HasPrefix(token, TokenPrefix) {
		t, u, err := s.st.TokenByHash(ctx, hashSecret(token))
		if err != nil {
			return Principal{}, unauthenticated(err)
		}
		if u.Disabled {
			return Principal{}, ErrUnauthenticated
		}
		if t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > touchEvery {
			_ = s.st.TouchToken(ctx, t.ID, now)
		}
		return Principal{User: u, TokenID: t.ID}, nil
	}
	x, u, err := s.st.SessionByToken(ctx, hashSecret(token))
	if err != nil {
		return Principal{}, unauthenticated(err)
	}
	hardEnd := x.CreatedAt.Add(s.max)
	if !now.Before(x.ExpiresAt) || !now.Before(hardEnd) || u.Disabled {
		return Principal{}, ErrUnauthenticated
	}
	if now.Sub(x.LastSeenAt) > touchEvery {
		exp := now.Add(s.idle)
		if exp.After(hardEnd) {
			exp = hardEnd
		}
		_ = s.st.TouchSession(ctx, x.ID, now, exp)
	}
	return Principal{User: u, SessionID: x.ID, CSRFToken: x.CSRFToken}, nil
}

// ErrUnauthenticated is returned for a missing, unknown or expired credential.
var ErrUnauthenticated = fmt.Errorf("auth: %w", model.ErrUnauthorized)

func unauthenticated(err error) error {
	if errors.Is(err, model.ErrNotFound) {
		return ErrUnauthenticated
	}
	return fmt.Errorf("auth: authenticate: %w", err)
}

// Logout ends the principal's own session.
func (s *Service) Logout(ctx context.Context, p Principal) error {
	if p.SessionID == 0 {
		return model.Invalid("session", "not signed in with a session")
	}
	if err := s.st.DeleteSession(ctx, p.User.ID, p.SessionID); err != nil && !errors.Is(err, model.ErrNotFound) {
		return fmt.Errorf("auth: logout: %w", err)
	}
	s.emitEnded(ctx, p.User.ID, p.User.ID, []int64{p.SessionID})
	return nil
}

// Sessions lists a user's sessions, marking the caller's own.
func (s *Service) Sessions(ctx context.Context, p Principal, userID int64) ([]model.Session, error) {
	if err := access.Check(p.Actor(), access.ManageOwnSession, access.User{ID: userID}); err != nil {
		return nil, err
	}
	list, err := s.st.Sessions(ctx, userID)
	for i := range list {
		list[i].Current = list[i].ID == p.SessionID
	}
	return list, err
}

// EndSession ends one of a user's sessions.
func (s *Service) EndSession(ctx context.Context, p Principal, userID, sessionID int64) error {
	if err := access.Check(p.Actor(), access.ManageOwnSession, access.User{ID: userID}); err != nil {
		return err
	}
	if err := s.st.DeleteSession(ctx, userID, sessionID); err != nil {
		return err
	}
	s.emitEnded(ctx, p.User.ID, userID, []int64{sessionID})
	return nil
}

// EndOtherSessions logs the caller out everywhere but the current session
// ("log out everywhere else"); from an API token it ends all sessions.
func (s *Service) EndOtherSessions(ctx context.Context, p Principal) error {
	if err := access.Check(p.Actor(), access.ManageOwnSession, access.User{ID: p.User.ID}); err != nil {
		return err
	}
	return s.EndAllSessions(ctx, p.User.ID, p.User.ID, p.SessionID)
}

// EndAllSessions ends every session of userID but keep (0: all). It is not
// an action of its own: callers (password change, disabling an account) have
// checked their permission.
func (s *Service) EndAllSessions(ctx context.Context, actorID, userID, keep int64) error {
	ids, err := s.st.DeleteSessions(ctx, userID, keep)
	if err != nil {
		return fmt.Errorf("auth: end sessions: %w", err)
	}
	s.emitEnded(ctx, actorID, userID, ids)
	return nil
}

func (s *Service) emitEnded(ctx context.Context, actorID, userID int64, ids []int64) {
	if len(ids) == 0 {
		return
	}
	bus.Emit(ctx, s.bus, s.log, model.Event{Type: model.EventSessionsEnded, At: s.now(), ActorID: actorID, UserID: userID, SessionIDs: ids})
}

// ChangePassword sets a new password for the principal, after checking the
// current one (throttled like a login), and ends every other session.
func (s *Service) ChangePassword(ctx context.Context, p Principal, current, next string) error {
	if err := access.Check(p.Actor(), access.ManageOwnSession, access.User{ID: p.User.ID}); err != nil {
		return err
	}
	key := "acct:" + p.User.Login
	if err := s.accounts.Allow(key); err != nil {
		return err
	}
	u, err := s.st.User(ctx, p.User.ID)
	if err != nil {
		return err
	}
	if !CheckPassword(u.PasswordHash, current) {
		s.accounts.Fail(key)
		return &model.InvalidError{Field: "current_password", Reason: "current password is wrong", Key: "err.current_password"}
	}
	if err := s.SetPassword(ctx, p.User.ID, u.ID, next, p.SessionID); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "password changed", "user_id", u.ID)
	return nil
}

// SetPassword replaces userID's password and ends their sessions but keep.
// Callers check permission (ChangePassword, or an admin's reset in account).
func (s *Service) SetPassword(ctx context.Context, actorID, userID int64, password string, keep int64) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	if err := s.st.SetPasswordHash(ctx, userID, hash, s.now()); err != nil {
		return fmt.Errorf("auth: set password: %w", err)
	}
	return s.EndAllSessions(ctx, actorID, userID, keep)
}

// MaxTokenName bounds a token's name.
const MaxTokenName = 64

// CreateToken makes a personal API token for userID; the secret is returned
// once and never stored.
func (s *Service) CreateToken(ctx context.Context, p Principal, userID int64, name string) (string, model.Token, error) {
	if err := access.Check(p.Actor(), access.ManageOwnSession, access.User{ID: userID}); err != nil {
		return "", model.Token{}, err
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > MaxTokenName || !utf8.ValidString(name) || hasControl(name) {
		return "", model.Token{}, &model.InvalidError{Field: "name", Reason: fmt.Sprintf("name must have 1 to %d characters", MaxTokenName), Key: "err.token_name"}
	}
	secret, hash := newSecret(TokenPrefix)
	t, err := s.st.CreateToken(ctx, model.Token{UserID: userID, Name: name, TokenHash: hash, Prefix: secret[:len(TokenPrefix)+4], CreatedAt: s.now()})
	if err != nil {
		return "", t, fmt.Errorf("auth: create token: %w", err)
	}
	s.log.InfoContext(ctx, "api token created", "user_id", userID, "token_id", t.ID)
	return secret, t, nil
}

// Tokens lists a user's API tokens.
func (s *Service) Tokens(ctx context.Context, p Principal, userID int64) ([]model.Token, error) {
	if err := access.Check(p.Actor(), access.ManageOwnSession, access.User{ID: userID}); err != nil {
		return nil, err
	}
	return s.st.Tokens(ctx, userID)
}

// RevokeToken deletes one of a user's API tokens; it stops working at once.
func (s *Service) RevokeToken(ctx context.Context, p Principal, userID, tokenID int64) error {
	if err := access.Check(p.Actor(), access.ManageOwnSession, access.User{ID: userID}); err != nil {
		return err
	}
	if err := s.st.DeleteToken(ctx, userID, tokenID); err != nil {
		return err
	}
	bus.Emit(ctx, s.bus, s.log, model.Event{Type: model.EventTokensRevoked, At: s.now(), ActorID: p.User.ID, UserID: userID, TokenIDs: []int64{tokenID}})
	return nil
}

// PurgeExpired deletes expired sessions; the server runs it now and then.
func (s *Service) PurgeExpired(ctx context.Context) (int64, error) {
	return s.st.DeleteExpiredSessions(ctx, s.now())
}

// CheckCSRF compares a submitted CSRF token with the principal's in constant time.
func CheckCSRF(want, got string) bool {
	return want != "" && len(want) == len(got) && subtleEq(want, got)
}

// newSecret returns a fresh 256-bit secret (with prefix) and its hash.
func newSecret(prefix string) (string, []byte) {
	secret := prefix + randomString(32)
	return secret, hashSecret(secret)
}

func hashSecret(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// HashSecret is how invitation and share-link secrets are stored.
func HashSecret(secret string) []byte { return hashSecret(secret) }

// NewSecret returns a random URL-safe secret with 256 bits of entropy.
func NewSecret() string { return randomString(32) }

func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("auth: no randomness: " + err.Error()) // crypto/rand does not fail on supported systems
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return true
		}
	}
	return false
}
