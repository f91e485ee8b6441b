package chat

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/model"
	"ruche/internal/store"
)

var handleRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// handle normalises and checks a team or channel name used in URLs.
func handle(field, s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !handleRE.MatchString(s) {
		return "", &model.InvalidError{Field: field, Key: "err.handle",
			Reason: "must have 1 to 64 characters: letters a-z, digits, '-' or '_', starting with a letter or digit"}
	}
	return s, nil
}

func taken(field string, err error) error {
	if errors.Is(err, model.ErrConflict) {
		return fmt.Errorf("%w: %w", &model.InvalidError{Field: field, Reason: "this name is already taken", Key: "err.taken"}, model.ErrConflict)
	}
	return err
}

// DefaultChannel is created with every team and joined with it.
const DefaultChannel = "general"

// NewTeam is what creating a team takes.
type NewTeam struct {
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
	Description string `json:"description"`
	Open        bool   `json:"open"`
}

// CreateTeam creates a team with its default channel; the creator is admin of both.
func (s *Service) CreateTeam(ctx context.Context, actor access.Actor, n NewTeam) (model.Team, error) {
	if err := access.Check(actor, access.CreateTeam, access.Team{}); err != nil {
		return model.Team{}, err
	}
	var err error
	t := model.Team{Open: n.Open, CreatedBy: actor.UserID, CreatedAt: s.now(), UpdatedAt: s.now()}
	if t.Name, err = handle("name", n.Name); err != nil {
		return t, err
	}
	if n.DisplayName == "" {
		n.DisplayName = t.Name
	}
	if t.DisplayName, err = account.Text("display_name", n.DisplayName, 1, 64); err != nil {
		return t, err
	}
	if t.Description, err = account.Text("description", n.Description, 0, 1000); err != nil {
		return t, err
	}
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		var err error
		if t, err = tx.CreateTeam(ctx, t); err != nil {
			return nil, taken("name", err)
		}
		c, err := tx.CreateChannel(ctx, model.Channel{TeamID: t.ID, Kind: model.ChannelPublic, Name: DefaultChannel, DisplayName: "General",
			CreatedBy: actor.UserID, CreatedAt: t.CreatedAt, UpdatedAt: t.CreatedAt},
			[]model.ChannelMember{{UserID: actor.UserID, Admin: true, JoinedAt: t.CreatedAt}})
		if err != nil {
			return nil, err
		}
		return []event{
			{Type: EventTeamMemberAdded, TeamID: t.ID, UserID: actor.UserID, Data: t},
			{Type: EventMemberAdded, TeamID: t.ID, ChannelID: c.ID, UserID: actor.UserID, Data: memberChange{ChannelID: c.ID, UserID: actor.UserID}},
		}, nil
	})
	if err != nil {
		return t, err
	}
	s.log.InfoContext(ctx, "team created", "team_id", t.ID, "actor_id", actor.UserID)
	return t, nil
}

// TeamView is a team with the actor's relation to it.
type TeamView struct {
	model.Team
	Member bool `json:"member"`
	Admin  bool `json:"admin"`
}

// Teams lists the teams the actor belongs to and the open teams they may join.
// Guests see none: they only see channels.
func (s *Service) Teams(ctx context.Context, actor access.Actor) ([]TeamView, error) {
	if !actor.SignedIn() {
		return nil, fmt.Errorf("chat: teams: %w", model.ErrUnauthorized)
	}
	teams, err := s.st.Teams(ctx, actor.UserID, actor.Role != model.RoleGuest)
	if err != nil {
		return nil, err
	}
	out := []TeamView{}
	for _, t := range teams {
		f, err := s.teamFacts(ctx, actor, t)
		if err != nil {
			return nil, err
		}
		if access.Check(actor, access.ViewTeam, f) == nil {
			out = append(out, TeamView{Team: t, Member: f.Member, Admin: f.Admin})
		}
	}
	return out, nil
}

// Team returns one team.
func (s *Service) Team(ctx context.Context, actor access.Actor, id int64) (TeamView, error) {
	t, f, err := s.team(ctx, actor, id, access.ViewTeam)
	return TeamView{Team: t, Member: f.Member, Admin: f.Admin}, err
}

// JoinTeam adds the actor to an open team and its default channel.
func (s *Service) JoinTeam(ctx context.Context, actor access.Actor, teamID int64) error {
	if _, _, err := s.team(ctx, actor, teamID, access.JoinTeam); err != nil {
		return err
	}
	return s.addTeamMember(ctx, teamID, actor.UserID, false)
}

// AddTeamMember adds someone to a team (team admins, org admins).
func (s *Service) AddTeamMember(ctx context.Context, actor access.Actor, teamID, userID int64, admin bool) error {
	if _, _, err := s.team(ctx, actor, teamID, access.ManageTeam); err != nil {
		return err
	}
	u, err := s.st.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.Disabled {
		return model.Invalid("user_id", "this account is disabled")
	}
	if u.Role == model.RoleGuest && admin {
		return model.Invalid("admin", "a guest cannot be a team admin")
	}
	return s.addTeamMember(ctx, teamID, userID, admin)
}

func (s *Service) addTeamMember(ctx context.Context, teamID, userID int64, admin bool) error {
	now := s.now()
	u, err := s.st.User(ctx, userID)
	if err != nil {
		return err
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.AddTeamMember(ctx, model.TeamMember{TeamID: teamID, UserID: userID, Admin: admin, JoinedAt: now}); err != nil {
			return nil, err
		}
		t, err := tx.Team(ctx, teamID)
		if err != nil {
			return nil, err
		}
		evs := []event{{Type: EventTeamMemberAdded, TeamID: teamID, UserID: userID, Data: t}}
		// Members (not guests) land in the default channel, as in Mattermost.
		if u.Role == model.RoleGuest {
			return evs, nil
		}
		chans, err := tx.TeamChannels(ctx, teamID, model.ChannelPublic)
		if err != nil {
			return nil, err
		}
		for _, c := range chans {
			if c.Name == DefaultChannel && c.ArchivedAt == nil {
				if err := tx.AddChannelMember(ctx, model.ChannelMember{ChannelID: c.ID, UserID: userID, JoinedAt: now}); err != nil {
					return nil, err
				}
				evs = append(evs, event{Type: EventMemberAdded, TeamID: teamID, ChannelID: c.ID, Data: memberChange{ChannelID: c.ID, UserID: userID}})
			}
		}
		return evs, nil
	})
}

// RemoveTeamMember takes someone out of a team and all its channels: the
// actor themself (leave) or a member removed by a team admin.
func (s *Service) RemoveTeamMember(ctx context.Context, actor access.Actor, teamID, userID int64) error {
	act := access.ManageTeam
	if userID == actor.UserID {
		act = access.LeaveTeam
	}
	if _, _, err := s.team(ctx, actor, teamID, act); err != nil {
		return err
	}
	channels, err := s.st.UserChannelIDs(ctx, userID)
	if err != nil {
		return err
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		// The removal events go out before the membership disappears, to
		// the channel (its members learn who left) and to the user.
		var evs []event
		for _, id := range channels {
			c, err := tx.Channel(ctx, id)
			if err != nil || c.TeamID != teamID {
				continue
			}
			evs = append(evs, event{Type: EventMemberRemoved, TeamID: teamID, ChannelID: id, Data: memberChange{ChannelID: id, UserID: userID}},
				event{Type: EventMemberRemoved, TeamID: teamID, UserID: userID, Data: memberChange{ChannelID: id, UserID: userID}})
		}
		if err := tx.RemoveTeamMember(ctx, teamID, userID); err != nil {
			return nil, err
		}
		if err := tx.DeleteTeamDrafts(ctx, teamID, userID); err != nil {
			return nil, err
		}
		return append(evs, event{Type: EventTeamRemoved, TeamID: teamID, UserID: userID, Data: map[string]int64{"team_id": teamID, "user_id": userID}}), nil
	})
}

// TeamUpdate holds the fields to change.
type TeamUpdate struct {
	DisplayName *string `json:"display_name"`
	Description *string `json:"description"`
	Open        *bool   `json:"open"`
	Archived    *bool   `json:"archived"`
}

// UpdateTeam changes a team (team admins, org admins).
func (s *Service) UpdateTeam(ctx context.Context, actor access.Actor, id int64, up TeamUpdate) (model.Team, error) {
	t, _, err := s.team(ctx, actor, id, access.ManageTeam)
	if err != nil {
		return t, err
	}
	if up.DisplayName != nil {
		if t.DisplayName, err = account.Text("display_name", *up.DisplayName, 1, 64); err != nil {
			return t, err
		}
	}
	if up.Description != nil {
		if t.Description, err = account.Text("description", *up.Description, 0, 1000); err != nil {
			return t, err
		}
	}
	if up.Open != nil {
		t.Open = *up.Open
	}
	if up.Archived != nil {
		t.ArchivedAt = nil
		if *up.Archived {
			now := s.now()
			t.ArchivedAt = &now
		}
	}
	t.UpdatedAt = s.now()
	return t, s.st.UpdateTeam(ctx, t)
}

// memberChange is the data of membership events.
type memberChange struct {
	ChannelID int64 `json:"channel_id"`
	UserID    int64 `json:"user_id"`
}

// JoinInvited adds the account an invitation into a team just created to
// that team (account calls it after checking the invitation).
func (s *Service) JoinInvited(ctx context.Context, teamID, userID int64) error {
	return s.addTeamMember(ctx, teamID, userID, false)
}
