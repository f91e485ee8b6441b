package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"ruche/internal/model"
)

const userColumns = "id, login, email, display_name, role, locale, time_zone, theme, avatar_key, disabled, password_hash, created_at, updated_at"

func scanUser(sc scanner) (model.User, error) {
	var (
		u                model.User
		created, updated int64
	)
	err := sc.Scan(&u.ID, &u.Login, &u.Email, &u.DisplayName, &u.Role, &u.Locale, &u.TimeZone, &u.Theme,
		&u.AvatarKey, &u.Disabled, &u.PasswordHash, &created, &updated)
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	u.HasAvatar = u.AvatarKey != ""
	return u, err
}

// CreateUser inserts u (its ID is ignored) and returns it with its ID. A
// taken login or e-mail gives model.ErrConflict.
func (s *Store) CreateUser(ctx context.Context, u model.User) (model.User, error) {
	id, err := s.insert(ctx, `INSERT INTO users (login, email, display_name, role, locale, time_zone, theme,
		avatar_key, disabled, password_hash, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		u.Login, u.Email, u.DisplayName, u.Role, u.Locale, u.TimeZone, u.Theme, u.AvatarKey, u.Disabled,
		u.PasswordHash, ms(u.CreatedAt), ms(u.UpdatedAt))
	if err != nil {
		return u, fmt.Errorf("store: create user %q: %w", u.Login, err)
	}
	u.ID = id
	return u, nil
}

// User returns the user with id.
func (s *Store) User(ctx context.Context, id int64) (model.User, error) {
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE id = ?", id))
	if err != nil {
		return u, fmt.Errorf("store: user %d: %w", id, s.mapErr(err))
	}
	return u, nil
}

// UserByLogin finds a user by login or, when it contains "@", by e-mail.
// Both are stored lower-case.
func (s *Store) UserByLogin(ctx context.Context, login string) (model.User, error) {
	col := "login"
	if strings.Contains(login, "@") {
		col = "email"
	}
	u, err := scanUser(s.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE "+col+" = ?", login))
	if err != nil {
		return u, fmt.Errorf("store: user %q: %w", login, s.mapErr(err))
	}
	return u, nil
}

// UserFilter narrows Users.
type UserFilter struct {
	Query  string // matches login, display name or e-mail (case-insensitive substring)
	Limit  int    // default and maximum 500
	Offset int
}

// Users lists users ordered by login.
func (s *Store) Users(ctx context.Context, f UserFilter) ([]model.User, error) {
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	q := "SELECT " + userColumns + " FROM users"
	var args []any
	if f.Query != "" {
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		q += ` WHERE login LIKE ? ESCAPE '\' OR LOWER(display_name) LIKE ? ESCAPE '\' OR email LIKE ? ESCAPE '\'`
		args = append(args, like, like, like)
	}
	q += " ORDER BY login LIMIT ? OFFSET ?"
	args = append(args, f.Limit, f.Offset)
	out, err := queryAll(ctx, s, scanUser, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: users: %w", err)
	}
	return out, nil
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// CountUsers counts all users; CountActiveAdmins the admins not disabled.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, s.mapErr(err)
}

func (s *Store) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.queryRow(ctx, "SELECT COUNT(*) FROM users WHERE role = ? AND disabled = ?", model.RoleAdmin, false).Scan(&n)
	return n, s.mapErr(err)
}

// UpdateUser saves every field of u but its login, password and creation time.
func (s *Store) UpdateUser(ctx context.Context, u model.User) error {
	err := affectedOne(s.exec(ctx, `UPDATE users SET email = ?, display_name = ?, role = ?, locale = ?,
		time_zone = ?, theme = ?, avatar_key = ?, disabled = ?, updated_at = ? WHERE id = ?`,
		u.Email, u.DisplayName, u.Role, u.Locale, u.TimeZone, u.Theme, u.AvatarKey, u.Disabled, ms(u.UpdatedAt), u.ID))
	if err != nil {
		return fmt.Errorf("store: update user %d: %w", u.ID, err)
	}
	return nil
}

// SetPasswordHash replaces a user's password hash.
func (s *Store) SetPasswordHash(ctx context.Context, userID int64, hash string, now time.Time) error {
	err := affectedOne(s.exec(ctx, "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, ms(now), userID))
	if err != nil {
		return fmt.Errorf("store: set password %d: %w", userID, err)
	}
	return nil
}

// Setting returns a stored organisation setting; a missing key gives
// model.ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string) (string, error) {
	var v string
	if err := s.queryRow(ctx, "SELECT value FROM settings WHERE key = ?", key).Scan(&v); err != nil {
		return "", fmt.Errorf("store: setting %s: %w", key, s.mapErr(err))
	}
	return v, nil
}

// Settings returns every setting whose key starts with prefix.
func (s *Store) Settings(ctx context.Context, prefix string) (map[string]string, error) {
	rows, err := s.query(ctx, `SELECT key, value FROM settings WHERE key LIKE ? ESCAPE '\'`, escapeLike(prefix)+"%")
	if err != nil {
		return nil, fmt.Errorf("store: settings: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// SetSettings writes the given settings in one transaction.
func (s *Store) SetSettings(ctx context.Context, kv map[string]string) error {
	return s.InTx(ctx, func(tx *Store) error {
		for k, v := range kv {
			if _, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
				ON CONFLICT (key) DO UPDATE SET value = excluded.value`, k, v); err != nil {
				return fmt.Errorf("store: set setting %s: %w", k, err)
			}
		}
		return nil
	})
}

// InsertSetting adds a setting that must not exist yet (model.ErrConflict
// otherwise): a once-only marker such as the end of first-run setup.
func (s *Store) InsertSetting(ctx context.Context, key, value string) error {
	if _, err := s.exec(ctx, "INSERT INTO settings (key, value) VALUES (?, ?)", key, value); err != nil {
		return fmt.Errorf("store: insert setting %s: %w", key, err)
	}
	return nil
}

// UsersByLogins returns the users with these logins (unknown ones are left out).
func (s *Store) UsersByLogins(ctx context.Context, logins []string) ([]model.User, error) {
	return usersIn(ctx, s, "login", logins)
}

// UsersByIDs returns the users with these ids (unknown ones are left out).
func (s *Store) UsersByIDs(ctx context.Context, ids []int64) ([]model.User, error) {
	return usersIn(ctx, s, "id", ids)
}

func usersIn[T any](ctx context.Context, s *Store, col string, values []T) ([]model.User, error) {
	if len(values) == 0 {
		return nil, nil
	}
	args := make([]any, len(values))
	for i, v := range values {
		args[i] = v
	}
	out, err := queryAll(ctx, s, scanUser, "SELECT "+userColumns+" FROM users WHERE "+col+" IN (?"+
		strings.Repeat(", ?", len(values)-1)+") ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: users by %s: %w", col, err)
	}
	return out, nil
}
