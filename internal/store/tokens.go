package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"ruche/internal/model"
)

const tokenColumns = "t.id, t.user_id, t.name, t.token_hash, t.prefix, t.created_at, t.last_used_at"

func scanToken(sc scanner, more ...any) (model.Token, error) {
	var (
		t       model.Token
		created int64
		used    sql.NullInt64
	)
	err := sc.Scan(append([]any{&t.ID, &t.UserID, &t.Name, &t.TokenHash, &t.Prefix, &created, &used}, more...)...)
	t.CreatedAt, t.LastUsedAt = fromMS(created), fromNullMS(used)
	return t, err
}

// CreateToken stores a personal API token.
func (s *Store) CreateToken(ctx context.Context, t model.Token) (model.Token, error) {
	id, err := s.insert(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)
		VALUES (?, ?, ?, ?, ?) RETURNING id`, t.UserID, t.Name, t.TokenHash, t.Prefix, ms(t.CreatedAt))
	if err != nil {
		return t, fmt.Errorf("store: create token: %w", err)
	}
	t.ID = id
	return t, nil
}

// TokenByHash returns the token whose secret hashes to hash, with its user.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (model.Token, model.User, error) {
	var (
		u                  model.User
		ucreated, uupdated int64
	)
	row := s.queryRow(ctx, "SELECT "+tokenColumns+", "+prefixed("u.", userColumns)+
		" FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?", hash)
	t, err := scanToken(row, &u.ID, &u.Login, &u.Email, &u.DisplayName, &u.Role, &u.Locale, &u.TimeZone, &u.Theme,
		&u.AvatarKey, &u.Disabled, &u.PasswordHash, &ucreated, &uupdated)
	if err != nil {
		return t, u, fmt.Errorf("store: token: %w", s.mapErr(err))
	}
	u.CreatedAt, u.UpdatedAt, u.HasAvatar = fromMS(ucreated), fromMS(uupdated), u.AvatarKey != ""
	return t, u, nil
}

// TouchToken records when a token was last used.
func (s *Store) TouchToken(ctx context.Context, id int64, at time.Time) error {
	_, err := s.exec(ctx, "UPDATE api_tokens SET last_used_at = ? WHERE id = ?", ms(at), id)
	return err
}

// Tokens lists a user's tokens, newest first.
func (s *Store) Tokens(ctx context.Context, userID int64) ([]model.Token, error) {
	out, err := queryAll(ctx, s, func(sc scanner) (model.Token, error) { return scanToken(sc) },
		"SELECT "+tokenColumns+" FROM api_tokens t WHERE t.user_id = ? ORDER BY t.id DESC", userID)
	if err != nil {
		return nil, fmt.Errorf("store: tokens: %w", err)
	}
	return out, nil
}

// DeleteToken revokes one of a user's tokens.
func (s *Store) DeleteToken(ctx context.Context, userID, id int64) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM api_tokens WHERE id = ? AND user_id = ?", id, userID)); err != nil {
		return fmt.Errorf("store: delete token %d: %w", id, err)
	}
	return nil
}
