package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ruche/internal/access"
	"ruche/internal/auth"
	"ruche/internal/model"
	"ruche/internal/store"
)

// InvitationSpec is what an admin chooses for an invitation link.
type InvitationSpec struct {
	Role      model.Role    `json:"role"`
	Email     string        `json:"email"`
	ExpiresIn time.Duration `json:"-"` // 0: never
	SingleUse bool          `json:"single_use"`
}

// MaxInvitationLifetime bounds ExpiresIn.
const MaxInvitationLifetime = 365 * 24 * time.Hour

// CreateInvitation makes an invitation and returns its secret, shown once:
// the link is <base>/invite/<secret>.
func (s *Service) CreateInvitation(ctx context.Context, actor access.Actor, spec InvitationSpec) (string, model.Invitation, error) {
	act := access.InviteMember
	if spec.Role == model.RoleAdmin {
		act = access.InviteAdmin
	}
	if err := access.Check(actor, act, access.Org{}); err != nil {
		return "", model.Invitation{}, err
	}
	if !spec.Role.Valid() {
		return "", model.Invitation{}, &model.InvalidError{Field: "role", Reason: "role must be admin, member or guest", Key: "err.role"}
	}
	email, err := Email(spec.Email)
	if err != nil {
		return "", model.Invitation{}, err
	}
	if spec.ExpiresIn < 0 || spec.ExpiresIn > MaxInvitationLifetime {
		return "", model.Invitation{}, &model.InvalidError{Field: "expires_in_hours", Reason: "expiry must be between 0 (never) and 365 days", Key: "err.expiry"}
	}
	now := s.now()
	inv := model.Invitation{Role: spec.Role, Email: email, CreatedBy: actor.UserID, CreatedAt: now, SingleUse: spec.SingleUse}
	if spec.ExpiresIn > 0 {
		exp := now.Add(spec.ExpiresIn)
		inv.ExpiresAt = &exp
	}
	secret := auth.NewSecret()
	inv.TokenHash = auth.HashSecret(secret)
	inv, err = s.st.CreateInvitation(ctx, inv)
	if err != nil {
		return "", inv, err
	}
	s.log.InfoContext(ctx, "invitation created", "invitation_id", inv.ID, "role", inv.Role, "actor_id", actor.UserID)
	return secret, inv, nil
}

// Invitations lists invitations (admin).
func (s *Service) Invitations(ctx context.Context, actor access.Actor) ([]model.Invitation, error) {
	if err := access.Check(actor, access.InviteMember, access.Org{}); err != nil {
		return nil, err
	}
	return s.st.Invitations(ctx)
}

// RevokeInvitation makes a link unusable.
func (s *Service) RevokeInvitation(ctx context.Context, actor access.Actor, id int64) error {
	if err := access.Check(actor, access.InviteMember, access.Org{}); err != nil {
		return err
	}
	return s.st.RevokeInvitation(ctx, id)
}

var errInvitationGone = fmt.Errorf("account: invitation is unknown, used or expired: %w", model.ErrNotFound)

// Invitation returns a usable invitation by its secret (for the accept page).
func (s *Service) Invitation(ctx context.Context, secret string) (model.Invitation, error) {
	if secret == "" || len(secret) > 128 {
		return model.Invitation{}, errInvitationGone
	}
	inv, err := s.st.InvitationByToken(ctx, auth.HashSecret(secret))
	if errors.Is(err, model.ErrNotFound) || (err == nil && !inv.Usable(s.now())) {
		return inv, errInvitationGone
	}
	return inv, err
}

// AcceptInvitation creates the invitee's account with the invitation's
// role, counting the use in the same transaction.
func (s *Service) AcceptInvitation(ctx context.Context, secret string, n NewUser) (model.User, error) {
	inv, err := s.Invitation(ctx, secret)
	if err != nil {
		return model.User{}, err
	}
	n.Role = inv.Role
	u, err := s.build(n)
	if err != nil {
		return u, err
	}
	err = s.st.InTx(ctx, func(tx *store.Store) error {
		if err := tx.UseInvitation(ctx, inv.ID, s.now()); err != nil {
			return errInvitationGone
		}
		u, err = tx.CreateUser(ctx, u)
		return conflictAsInvalid(err)
	})
	if err != nil {
		return u, err
	}
	s.log.InfoContext(ctx, "invitation accepted", "invitation_id", inv.ID, "user_id", u.ID, "role", u.Role)
	s.emit(ctx, model.EventUserCreated, u.ID, u.ID)
	return u, nil
}
