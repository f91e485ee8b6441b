package store

import (
	"context"
	"database/sql"
	"fmt"

	"ruche/internal/model"
)

const teamColumns = "t.id, t.name, t.display_name, t.description, t.open, t.archived_at, t.created_by, t.created_at, t.updated_at"

func scanTeam(sc scanner) (model.Team, error) {
	var (
		t                model.Team
		archived, by     sql.NullInt64
		created, updated int64
	)
	err := sc.Scan(&t.ID, &t.Name, &t.DisplayName, &t.Description, &t.Open, &archived, &by, &created, &updated)
	t.ArchivedAt, t.CreatedBy, t.CreatedAt, t.UpdatedAt = fromNullMS(archived), by.Int64, fromMS(created), fromMS(updated)
	return t, err
}

func nullID(id int64) sql.NullInt64 { return sql.NullInt64{Int64: id, Valid: id != 0} }

// CreateTeam stores a team and makes its creator a team admin.
func (s *Store) CreateTeam(ctx context.Context, t model.Team) (model.Team, error) {
	err := s.InTx(ctx, func(tx *Store) error {
		id, err := tx.insert(ctx, `INSERT INTO teams (name, display_name, description, open, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.Name, t.DisplayName, t.Description, t.Open, nullID(t.CreatedBy), ms(t.CreatedAt), ms(t.UpdatedAt))
		if err != nil {
			return err
		}
		t.ID = id
		if t.CreatedBy > 0 {
			return tx.AddTeamMember(ctx, model.TeamMember{TeamID: id, UserID: t.CreatedBy, Admin: true, JoinedAt: t.CreatedAt})
		}
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("store: create team %q: %w", t.Name, err)
	}
	return t, nil
}

// Team returns one team.
func (s *Store) Team(ctx context.Context, id int64) (model.Team, error) {
	t, err := scanTeam(s.queryRow(ctx, "SELECT "+teamColumns+" FROM teams t WHERE t.id = ?", id))
	if err != nil {
		return t, fmt.Errorf("store: team %d: %w", id, s.mapErr(err))
	}
	return t, nil
}

// Teams lists the teams userID belongs to and, if withOpen, the open teams
// not archived, by display name.
func (s *Store) Teams(ctx context.Context, userID int64, withOpen bool) ([]model.Team, error) {
	out, err := queryAll(ctx, s, scanTeam, "SELECT "+teamColumns+` FROM teams t
		WHERE EXISTS (SELECT 1 FROM team_members m WHERE m.team_id = t.id AND m.user_id = ?)
		   OR (? AND t.open = ? AND t.archived_at IS NULL)
		ORDER BY t.display_name, t.id`, userID, withOpen, true)
	if err != nil {
		return nil, fmt.Errorf("store: teams: %w", err)
	}
	return out, nil
}

// UpdateTeam saves a team's names, description, openness and archive state.
func (s *Store) UpdateTeam(ctx context.Context, t model.Team) error {
	err := affectedOne(s.exec(ctx, `UPDATE teams SET display_name = ?, description = ?, open = ?, archived_at = ?, updated_at = ?
		WHERE id = ?`, t.DisplayName, t.Description, t.Open, nullMS(t.ArchivedAt), ms(t.UpdatedAt), t.ID))
	if err != nil {
		return fmt.Errorf("store: update team %d: %w", t.ID, err)
	}
	return nil
}

// AddTeamMember adds a member (being one already is fine; the admin flag is
// then updated).
func (s *Store) AddTeamMember(ctx context.Context, m model.TeamMember) error {
	_, err := s.exec(ctx, `INSERT INTO team_members (team_id, user_id, admin, joined_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (team_id, user_id) DO UPDATE SET admin = excluded.admin`, m.TeamID, m.UserID, m.Admin, ms(m.JoinedAt))
	if err != nil {
		return fmt.Errorf("store: add team member: %w", err)
	}
	return nil
}

// RemoveTeamMember takes a user out of a team and out of all its channels.
func (s *Store) RemoveTeamMember(ctx context.Context, teamID, userID int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := affectedOne(tx.exec(ctx, "DELETE FROM team_members WHERE team_id = ? AND user_id = ?", teamID, userID)); err != nil {
			return fmt.Errorf("store: remove team member: %w", err)
		}
		_, err := tx.exec(ctx, `DELETE FROM channel_members WHERE user_id = ?
			AND channel_id IN (SELECT id FROM channels WHERE team_id = ?)`, userID, teamID)
		return err
	})
}

// TeamMember returns a user's membership of a team (model.ErrNotFound if none).
func (s *Store) TeamMember(ctx context.Context, teamID, userID int64) (model.TeamMember, error) {
	m := model.TeamMember{TeamID: teamID, UserID: userID}
	var joined int64
	err := s.queryRow(ctx, "SELECT admin, joined_at FROM team_members WHERE team_id = ? AND user_id = ?", teamID, userID).Scan(&m.Admin, &joined)
	if err != nil {
		return m, fmt.Errorf("store: team member: %w", s.mapErr(err))
	}
	m.JoinedAt = fromMS(joined)
	return m, nil
}

// TeamMembers lists a team's members.
func (s *Store) TeamMembers(ctx context.Context, teamID int64) ([]model.TeamMember, error) {
	out, err := queryAll(ctx, s, func(sc scanner) (model.TeamMember, error) {
		m := model.TeamMember{TeamID: teamID}
		var joined int64
		err := sc.Scan(&m.UserID, &m.Admin, &joined)
		m.JoinedAt = fromMS(joined)
		return m, err
	}, "SELECT user_id, admin, joined_at FROM team_members WHERE team_id = ? ORDER BY user_id", teamID)
	if err != nil {
		return nil, fmt.Errorf("store: team members: %w", err)
	}
	return out, nil
}
