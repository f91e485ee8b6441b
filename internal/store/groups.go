package store

import (
	"context"
	"fmt"

	"ruche/internal/model"
)

const groupColumns = "g.id, g.name, g.description, g.created_at, (SELECT COUNT(*) FROM group_members m WHERE m.group_id = g.id)"

func scanGroup(sc scanner) (model.Group, error) {
	var (
		g       model.Group
		created int64
	)
	err := sc.Scan(&g.ID, &g.Name, &g.Description, &created, &g.MemberCount)
	g.CreatedAt = fromMS(created)
	return g, err
}

// CreateGroup stores a group; a taken name gives model.ErrConflict.
func (s *Store) CreateGroup(ctx context.Context, g model.Group) (model.Group, error) {
	id, err := s.insert(ctx, "INSERT INTO groups (name, description, created_at) VALUES (?, ?, ?) RETURNING id",
		g.Name, g.Description, ms(g.CreatedAt))
	if err != nil {
		return g, fmt.Errorf("store: create group %q: %w", g.Name, err)
	}
	g.ID = id
	return g, nil
}

// Group returns one group.
func (s *Store) Group(ctx context.Context, id int64) (model.Group, error) {
	g, err := scanGroup(s.queryRow(ctx, "SELECT "+groupColumns+" FROM groups g WHERE g.id = ?", id))
	if err != nil {
		return g, fmt.Errorf("store: group %d: %w", id, s.mapErr(err))
	}
	return g, nil
}

// Groups lists all groups by name.
func (s *Store) Groups(ctx context.Context) ([]model.Group, error) {
	out, err := queryAll(ctx, s, scanGroup, "SELECT "+groupColumns+" FROM groups g ORDER BY g.name")
	if err != nil {
		return nil, fmt.Errorf("store: groups: %w", err)
	}
	return out, nil
}

// UpdateGroup saves a group's name and description.
func (s *Store) UpdateGroup(ctx context.Context, g model.Group) error {
	if err := affectedOne(s.exec(ctx, "UPDATE groups SET name = ?, description = ? WHERE id = ?", g.Name, g.Description, g.ID)); err != nil {
		return fmt.Errorf("store: update group %d: %w", g.ID, err)
	}
	return nil
}

// DeleteGroup removes a group and its memberships.
func (s *Store) DeleteGroup(ctx context.Context, id int64) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM groups WHERE id = ?", id)); err != nil {
		return fmt.Errorf("store: delete group %d: %w", id, err)
	}
	return nil
}

// AddGroupMember puts a user in a group; being there already is fine.
func (s *Store) AddGroupMember(ctx context.Context, groupID, userID int64) error {
	_, err := s.exec(ctx, "INSERT INTO group_members (group_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING", groupID, userID)
	if err != nil {
		return fmt.Errorf("store: add member %d to group %d: %w", userID, groupID, err)
	}
	return nil
}

// RemoveGroupMember takes a user out of a group.
func (s *Store) RemoveGroupMember(ctx context.Context, groupID, userID int64) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", groupID, userID)); err != nil {
		return fmt.Errorf("store: remove member %d from group %d: %w", userID, groupID, err)
	}
	return nil
}

// GroupMembers lists a group's users by login.
func (s *Store) GroupMembers(ctx context.Context, groupID int64) ([]model.User, error) {
	out, err := queryAll(ctx, s, scanUser, "SELECT "+prefixed("u.", userColumns)+
		" FROM users u JOIN group_members m ON m.user_id = u.id WHERE m.group_id = ? ORDER BY u.login", groupID)
	if err != nil {
		return nil, fmt.Errorf("store: group members: %w", err)
	}
	return out, nil
}

// UserGroups returns the IDs of the groups a user is in; access rules use it.
func (s *Store) UserGroups(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := s.query(ctx, "SELECT group_id FROM group_members WHERE user_id = ? ORDER BY group_id", userID)
	if err != nil {
		return nil, fmt.Errorf("store: user groups: %w", err)
	}
	return collectIDs(rows)
}
