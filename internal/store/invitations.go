package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"ruche/internal/model"
)

const invitationColumns = "id, token_hash, role, email, created_by, created_at, expires_at, single_use, uses, revoked, team_id"

func scanInvitation(sc scanner) (model.Invitation, error) {
	var (
		i       model.Invitation
		created int64
		expires sql.NullInt64
		team    sql.NullInt64
	)
	err := sc.Scan(&i.ID, &i.TokenHash, &i.Role, &i.Email, &i.CreatedBy, &created, &expires, &i.SingleUse, &i.Uses, &i.Revoked, &team)
	i.CreatedAt, i.ExpiresAt, i.TeamID = fromMS(created), fromNullMS(expires), team.Int64
	return i, err
}

// CreateInvitation stores an invitation.
func (s *Store) CreateInvitation(ctx context.Context, i model.Invitation) (model.Invitation, error) {
	id, err := s.insert(ctx, `INSERT INTO invitations (token_hash, role, email, created_by, created_at, expires_at, single_use, team_id)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		i.TokenHash, i.Role, i.Email, i.CreatedBy, ms(i.CreatedAt), nullMS(i.ExpiresAt), i.SingleUse, nullID(i.TeamID))
	if err != nil {
		return i, fmt.Errorf("store: create invitation: %w", err)
	}
	i.ID = id
	return i, nil
}

// InvitationByToken finds an invitation by the hash of its secret.
func (s *Store) InvitationByToken(ctx context.Context, hash []byte) (model.Invitation, error) {
	i, err := scanInvitation(s.queryRow(ctx, "SELECT "+invitationColumns+" FROM invitations WHERE token_hash = ?", hash))
	if err != nil {
		return i, fmt.Errorf("store: invitation: %w", s.mapErr(err))
	}
	return i, nil
}

// Invitations lists invitations, newest first.
func (s *Store) Invitations(ctx context.Context) ([]model.Invitation, error) {
	out, err := queryAll(ctx, s, scanInvitation, "SELECT "+invitationColumns+" FROM invitations ORDER BY id DESC")
	if err != nil {
		return nil, fmt.Errorf("store: invitations: %w", err)
	}
	return out, nil
}

// RevokeInvitation makes an invitation unusable.
func (s *Store) RevokeInvitation(ctx context.Context, id int64) error {
	if err := affectedOne(s.exec(ctx, "UPDATE invitations SET revoked = ? WHERE id = ?", true, id)); err != nil {
		return fmt.Errorf("store: revoke invitation %d: %w", id, err)
	}
	return nil
}

// UseInvitation counts one use of the invitation if it is still usable at
// now, atomically: of two concurrent uses of a single-use invitation, one
// gets model.ErrNotFound.
func (s *Store) UseInvitation(ctx context.Context, id int64, now time.Time) error {
	err := affectedOne(s.exec(ctx, `UPDATE invitations SET uses = uses + 1
		WHERE id = ? AND revoked = ? AND (single_use = ? OR uses = 0) AND (expires_at IS NULL OR expires_at > ?)`,
		id, false, false, ms(now)))
	if err != nil {
		return fmt.Errorf("store: use invitation %d: %w", id, err)
	}
	return nil
}
