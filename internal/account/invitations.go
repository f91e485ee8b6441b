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
	TeamID    int64         `json:"team_id"` // 0: none; else accepting joins the team (team admins may invite so)
}

// TeamJoiner puts a new account in the team of its invitation (the chat
// service does, with the team's default channel and its events).
type TeamJoiner interface {
	JoinInvited(ctx context.Context, teamID, userID int64) error
}

// SetTeamJoiner connects invitations to teams.
func (s *Service) SetTeamJoiner(j TeamJoiner) { s.teams = j }

// inviteCheck decides whether actor may create (or manage) an invitation of
// this role and team: org admins always; team admins for members and guests
// of their team.
func (s *Service) inviteCheck(ctx context.Context, actor access.Actor, role model.Role, teamID int64) error {
	act := access.InviteMember
	if role == model.RoleAdmin {
		act = access.InviteAdmin
	}
	err := access.Check(actor, act, access.Org{})
	if err == nil || teamID == 0 || role == model.RoleAdmin {
		return err
	}
	t, terr := s.st.Team(ctx, teamID)
	if terr != nil {
		return terr
	}
	f := access.Team{ID: t.ID, Open: t.Open, Archived: t.ArchivedAt != nil}
	if m, merr := s.st.TeamMember(ctx, teamID, actor.UserID); merr == nil {
		f.Member, f.Admin = true, m.Admin
	}
	return access.Check(actor, access.InviteTeam, f)
}

// MaxInvitationLifetime bounds ExpiresIn.
const MaxInvitationLifetime = 365 * 24 * time.Hour

// CreateInvitation makes an invitation and returns its secret, shown once:
// the link is <base>/invite/<secret>.
func (s *Service) CreateInvitation(ctx context.Context, actor access.Actor, spec InvitationSpec) (string, model.Invitation, error) {
	if err := s.inviteCheck(ctx, actor, spec.Role, spec.TeamID); err != nil {
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
	inv := model.Invitation{Role: spec.Role, Email: email, CreatedBy: actor.UserID, CreatedAt: now, SingleUse: spec.SingleUse, TeamID: spec.TeamID}
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

// Invitations lists invitations: all of them for org admins, one's own
// for team admins.
func (s *Service) Invitations(ctx context.Context, actor access.Actor) ([]model.Invitation, error) {
	if !actor.SignedIn() {
		return nil, fmt.Errorf("account: invitations: %w", model.ErrUnauthorized)
	}
	all, err := s.st.Invitations(ctx)
	if err != nil || access.Check(actor, access.InviteMember, access.Org{}) == nil {
		return all, err
	}
	own := []model.Invitation{}
	for _, i := range all {
		if i.CreatedBy == actor.UserID {
			own = append(own, i)
		}
	}
	if len(own) == 0 && actor.Role == model.RoleGuest {
		return nil, fmt.Errorf("account: invitations: %w", model.ErrForbidden)
	}
	return own, nil
}

// RevokeInvitation makes a link unusable (org admins, or its creator while
// they may still invite so).
func (s *Service) RevokeInvitation(ctx context.Context, actor access.Actor, id int64) error {
	if err := access.Check(actor, access.InviteMember, access.Org{}); err != nil {
		list, lerr := s.st.Invitations(ctx)
		if lerr != nil {
			return lerr
		}
		found := false
		for _, i := range list {
			if i.ID == id && i.CreatedBy == actor.UserID && s.inviteCheck(ctx, actor, i.Role, i.TeamID) == nil {
				found = true
			}
		}
		if !found {
			return err
		}
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
	if err != nil {
		return inv, err
	}
	// A link is worth what its creator may still do: someone removed from
	// the team, demoted or disabled since cannot get people in through a
	// link made before.
	creator, err := s.st.User(ctx, inv.CreatedBy)
	if err != nil || s.inviteCheck(ctx, access.ActorOf(creator), inv.Role, inv.TeamID) != nil {
		return inv, errInvitationGone
	}
	return inv, nil
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
	if inv.TeamID != 0 && s.teams != nil {
		// The account exists either way; a failure here leaves it outside
		// the team, where a team admin can add it.
		if err := s.teams.JoinInvited(ctx, inv.TeamID, u.ID); err != nil {
			s.log.ErrorContext(ctx, "invited user not added to the team", "team_id", inv.TeamID, "user_id", u.ID, "err", err)
		}
	}
	return u, nil
}
