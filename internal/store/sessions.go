package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"ruche/internal/model"
)

const sessionColumns = "s.id, s.user_id, s.token_hash, s.csrf_token, s.user_agent, s.ip, s.created_at, s.last_seen_at, s.expires_at"

func scanSession(sc scanner, more ...any) (model.Session, error) {
	var (
		x                      model.Session
		created, seen, expires int64
	)
	dest := append([]any{&x.ID, &x.UserID, &x.TokenHash, &x.CSRFToken, &x.UserAgent, &x.IP, &created, &seen, &expires}, more...)
	err := sc.Scan(dest...)
	x.CreatedAt, x.LastSeenAt, x.ExpiresAt = fromMS(created), fromMS(seen), fromMS(expires)
	return x, err
}

// CreateSession stores a new session and returns it with its ID.
func (s *Store) CreateSession(ctx context.Context, x model.Session) (model.Session, error) {
	id, err := s.insert(ctx, `INSERT INTO sessions (user_id, token_hash, csrf_token, user_agent, ip, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		x.UserID, x.TokenHash, x.CSRFToken, x.UserAgent, x.IP, ms(x.CreatedAt), ms(x.LastSeenAt), ms(x.ExpiresAt))
	if err != nil {
		return x, fmt.Errorf("store: create session: %w", err)
	}
	x.ID = id
	return x, nil
}

// SessionByToken returns the session whose token hashes to hash, with its
// user, in one query (it runs on every request).
func (s *Store) SessionByToken(ctx context.Context, hash []byte) (model.Session, model.User, error) {
	var u model.User
	row := s.queryRow(ctx, "SELECT "+sessionColumns+", "+prefixed("u.", userColumns)+
		" FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?", hash)
	var ucreated, uupdated int64
	x, err := scanSession(row, &u.ID, &u.Login, &u.Email, &u.DisplayName, &u.Role, &u.Locale, &u.TimeZone, &u.Theme,
		&u.AvatarKey, &u.Disabled, &u.PasswordHash, &ucreated, &uupdated)
	if err != nil {
		return x, u, fmt.Errorf("store: session: %w", s.mapErr(err))
	}
	u.CreatedAt, u.UpdatedAt, u.HasAvatar = fromMS(ucreated), fromMS(uupdated), u.AvatarKey != ""
	return x, u, nil
}

// TouchSession records activity and slides the idle expiry.
func (s *Store) TouchSession(ctx context.Context, id int64, seen, expires time.Time) error {
	_, err := s.exec(ctx, "UPDATE sessions SET last_seen_at = ?, expires_at = ? WHERE id = ?", ms(seen), ms(expires), id)
	return err
}

// Sessions lists a user's sessions, most recently used first.
func (s *Store) Sessions(ctx context.Context, userID int64) ([]model.Session, error) {
	out, err := queryAll(ctx, s, func(sc scanner) (model.Session, error) { return scanSession(sc) },
		"SELECT "+sessionColumns+" FROM sessions s WHERE s.user_id = ? ORDER BY s.last_seen_at DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("store: sessions: %w", err)
	}
	return out, nil
}

// DeleteSession ends one of a user's sessions.
func (s *Store) DeleteSession(ctx context.Context, userID, id int64) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM sessions WHERE id = ? AND user_id = ?", id, userID)); err != nil {
		return fmt.Errorf("store: delete session %d: %w", id, err)
	}
	return nil
}

// DeleteSessions ends all of a user's sessions but keep (0 keeps none) and
// returns the IDs it ended.
func (s *Store) DeleteSessions(ctx context.Context, userID, keep int64) ([]int64, error) {
	rows, err := s.w.QueryContext(ctx, s.q("DELETE FROM sessions WHERE user_id = ? AND id <> ? RETURNING id"), userID, keep)
	if err != nil {
		return nil, fmt.Errorf("store: delete sessions: %w", s.mapErr(err))
	}
	return collectIDs(rows)
}

// DeleteExpiredSessions removes sessions that expired before now.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.exec(ctx, "DELETE FROM sessions WHERE expires_at < ?", ms(now))
	if err != nil {
		return 0, fmt.Errorf("store: delete expired sessions: %w", err)
	}
	return res.RowsAffected()
}

func collectIDs(rows *sql.Rows) ([]int64, error) {
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// prefixed qualifies each column of a column list with prefix.
func prefixed(prefix, columns string) string {
	cols := strings.Split(columns, ",")
	for i, c := range cols {
		cols[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cols, ", ")
}
