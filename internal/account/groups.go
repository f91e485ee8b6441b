package account

import (
	"context"
	"errors"
	"fmt"

	"ruche/internal/access"
	"ruche/internal/model"
)

// GroupSpec is a group's editable part.
type GroupSpec struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

func (g GroupSpec) clean() (GroupSpec, error) {
	var err error
	if g.Name, err = Text("name", normalizeSpace(g.Name), 1, 64); err != nil {
		return g, err
	}
	g.Description, err = Text("description", g.Description, 0, 500)
	return g, err
}

func groupConflict(err error) error {
	if errors.Is(err, model.ErrConflict) {
		return fmt.Errorf("%w: %w", &model.InvalidError{Field: "name", Reason: "a group with this name exists", Key: "err.group_taken"}, model.ErrConflict)
	}
	return err
}

// CreateGroup makes a group (admin).
func (s *Service) CreateGroup(ctx context.Context, actor access.Actor, spec GroupSpec) (model.Group, error) {
	if err := access.Check(actor, access.ManageGroups, access.Org{}); err != nil {
		return model.Group{}, err
	}
	spec, err := spec.clean()
	if err != nil {
		return model.Group{}, err
	}
	g, err := s.st.CreateGroup(ctx, model.Group{Name: spec.Name, Description: spec.Description, CreatedAt: s.now()})
	return g, groupConflict(err)
}

// Groups lists groups.
func (s *Service) Groups(ctx context.Context, actor access.Actor) ([]model.Group, error) {
	if err := access.Check(actor, access.ListGroups, access.Org{}); err != nil {
		return nil, err
	}
	return s.st.Groups(ctx)
}

// Group returns a group with its members.
func (s *Service) Group(ctx context.Context, actor access.Actor, id int64) (model.Group, []model.User, error) {
	if err := access.Check(actor, access.ListGroups, access.Org{}); err != nil {
		return model.Group{}, nil, err
	}
	g, err := s.st.Group(ctx, id)
	if err != nil {
		return g, nil, err
	}
	members, err := s.st.GroupMembers(ctx, id)
	return g, members, err
}

// UpdateGroup renames or re-describes a group.
func (s *Service) UpdateGroup(ctx context.Context, actor access.Actor, id int64, spec GroupSpec) (model.Group, error) {
	if err := access.Check(actor, access.ManageGroups, access.Org{}); err != nil {
		return model.Group{}, err
	}
	spec, err := spec.clean()
	if err != nil {
		return model.Group{}, err
	}
	g, err := s.st.Group(ctx, id)
	if err != nil {
		return g, err
	}
	g.Name, g.Description = spec.Name, spec.Description
	return g, groupConflict(s.st.UpdateGroup(ctx, g))
}

// DeleteGroup removes a group; rules naming it no longer match anyone.
func (s *Service) DeleteGroup(ctx context.Context, actor access.Actor, id int64) error {
	if err := access.Check(actor, access.ManageGroups, access.Org{}); err != nil {
		return err
	}
	return s.st.DeleteGroup(ctx, id)
}

// AddGroupMember puts a user in a group.
func (s *Service) AddGroupMember(ctx context.Context, actor access.Actor, groupID, userID int64) error {
	if err := access.Check(actor, access.ManageGroups, access.Org{}); err != nil {
		return err
	}
	if _, err := s.st.Group(ctx, groupID); err != nil {
		return err
	}
	if _, err := s.st.User(ctx, userID); err != nil {
		return err
	}
	if err := s.st.AddGroupMember(ctx, groupID, userID); err != nil {
		return err
	}
	s.emit(ctx, model.EventUserUpdated, actor.UserID, userID)
	return nil
}

// RemoveGroupMember takes a user out of a group.
func (s *Service) RemoveGroupMember(ctx context.Context, actor access.Actor, groupID, userID int64) error {
	if err := access.Check(actor, access.ManageGroups, access.Org{}); err != nil {
		return err
	}
	if err := s.st.RemoveGroupMember(ctx, groupID, userID); err != nil {
		return err
	}
	s.emit(ctx, model.EventUserUpdated, actor.UserID, userID)
	return nil
}
