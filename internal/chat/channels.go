package chat

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/model"
	"ruche/internal/store"
)

// NewChannel is what creating a team channel takes.
type NewChannel struct {
	Name        string            `json:"name"`
	DisplayName string            `json:"display_name"`
	Kind        model.ChannelKind `json:"kind"` // public (default) or private
	Purpose     string            `json:"purpose"`
	Header      string            `json:"header"`
	Shared      bool              `json:"shared"`
	EndsAt      *time.Time        `json:"ends_at"` // temporary channel
}

// CreateChannel creates a channel in a team; the creator is its admin.
func (s *Service) CreateChannel(ctx context.Context, actor access.Actor, teamID int64, n NewChannel) (model.Channel, error) {
	if _, _, err := s.team(ctx, actor, teamID, access.CreateChannel); err != nil {
		return model.Channel{}, err
	}
	now := s.now()
	c := model.Channel{TeamID: teamID, Kind: n.Kind, Shared: n.Shared, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	if c.Kind == "" {
		c.Kind = model.ChannelPublic
	}
	if !c.Kind.InTeam() {
		return c, &model.InvalidError{Field: "kind", Reason: "kind must be public or private", Key: "err.channel_kind"}
	}
	var err error
	if c.Name, err = handle("name", n.Name); err != nil {
		return c, err
	}
	if n.DisplayName == "" {
		n.DisplayName = c.Name
	}
	if err := s.channelText(&c, n.DisplayName, n.Purpose, n.Header); err != nil {
		return c, err
	}
	if n.EndsAt != nil {
		if !n.EndsAt.After(now) {
			return c, &model.InvalidError{Field: "ends_at", Reason: "end date must be in the future", Key: "err.ends_at"}
		}
		e := n.EndsAt.UTC()
		c.EndsAt = &e
	}
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		var err error
		c, err = tx.CreateChannel(ctx, c, []model.ChannelMember{{UserID: actor.UserID, Admin: true, JoinedAt: now}})
		if err != nil {
			return nil, taken("name", err)
		}
		return []event{{Type: EventChannelCreated, TeamID: teamID, ChannelID: c.ID, Data: c}}, nil
	})
	return c, err
}

func (s *Service) channelText(c *model.Channel, display, purpose, header string) error {
	var err error
	if c.DisplayName, err = account.Text("display_name", display, 1, 64); err != nil {
		return err
	}
	if c.Purpose, err = account.Text("purpose", purpose, 0, 250); err != nil {
		return err
	}
	c.Header, err = account.Text("header", header, 0, 1024)
	return err
}

// ChannelView is a channel with the actor's membership, if any.
type ChannelView struct {
	model.Channel
	Member *model.ChannelMember `json:"member,omitempty"`
}

// Channel returns a channel the actor may read.
func (s *Service) Channel(ctx context.Context, actor access.Actor, id int64) (ChannelView, error) {
	c, f, err := s.channel(ctx, actor, id, access.ReadChannel)
	if err != nil {
		return ChannelView{}, err
	}
	v := ChannelView{Channel: c}
	if f.Member {
		m, err := s.st.ChannelMember(ctx, id, actor.UserID)
		if err != nil {
			return v, err
		}
		v.Member = &m
	}
	return v, nil
}

// Sidebar lists the actor's channels with unread and mention counts.
func (s *Service) Sidebar(ctx context.Context, actor access.Actor) ([]store.SidebarChannel, error) {
	if !actor.SignedIn() {
		return nil, fmt.Errorf("chat: sidebar: %w", model.ErrUnauthorized)
	}
	return s.st.Sidebar(ctx, actor.UserID)
}

// TeamChannels lists the public channels of a team (to browse and join).
func (s *Service) TeamChannels(ctx context.Context, actor access.Actor, teamID int64) ([]model.Channel, error) {
	if _, f, err := s.team(ctx, actor, teamID, access.ViewTeam); err != nil {
		return nil, err
	} else if !f.Member && !actor.IsAdmin() {
		return nil, fmt.Errorf("chat: team channels: %w", model.ErrForbidden)
	}
	return s.st.TeamChannels(ctx, teamID, model.ChannelPublic)
}

// ChannelUpdate holds the fields to change.
type ChannelUpdate struct {
	DisplayName *string    `json:"display_name"`
	Purpose     *string    `json:"purpose"`
	Header      *string    `json:"header"`
	Shared      *bool      `json:"shared"`
	Archived    *bool      `json:"archived"`
	EndsAt      *time.Time `json:"ends_at"`
}

// UpdateChannel changes a channel (channel, team or org admins). Unarchiving
// a temporary channel that ended removes its end date.
func (s *Service) UpdateChannel(ctx context.Context, actor access.Actor, id int64, up ChannelUpdate) (model.Channel, error) {
	c, _, err := s.channel(ctx, actor, id, access.ManageChannel)
	if err != nil {
		return c, err
	}
	display, purpose, header := c.DisplayName, c.Purpose, c.Header
	if up.DisplayName != nil {
		display = *up.DisplayName
	}
	if up.Purpose != nil {
		purpose = *up.Purpose
	}
	if up.Header != nil {
		header = *up.Header
	}
	if err := s.channelText(&c, display, purpose, header); err != nil {
		return c, err
	}
	now := s.now()
	if up.Shared != nil {
		c.Shared = *up.Shared
	}
	if up.EndsAt != nil {
		e := up.EndsAt.UTC()
		c.EndsAt = &e
	}
	if up.Archived != nil {
		if *up.Archived {
			c.ArchivedAt = &now
		} else {
			c.ArchivedAt = nil
			if c.EndsAt != nil && !now.Before(*c.EndsAt) {
				c.EndsAt = nil
			}
		}
	}
	c.UpdatedAt = now
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.UpdateChannel(ctx, c); err != nil {
			return nil, err
		}
		return []event{{Type: EventChannelUpdated, TeamID: c.TeamID, ChannelID: c.ID, Data: c}}, nil
	})
	return c, err
}

// JoinChannel adds the actor to a public channel of their team.
func (s *Service) JoinChannel(ctx context.Context, actor access.Actor, id int64) error {
	c, _, err := s.channel(ctx, actor, id, access.JoinChannel)
	if err != nil {
		return err
	}
	return s.addMember(ctx, c, actor.UserID, false)
}

// AddChannelMember adds someone to a channel. They must be in the team;
// guests only into channels shared with clients.
func (s *Service) AddChannelMember(ctx context.Context, actor access.Actor, id, userID int64) error {
	if userID == actor.UserID {
		return s.JoinChannel(ctx, actor, id)
	}
	c, _, err := s.channel(ctx, actor, id, access.AddToChannel)
	if err != nil {
		return err
	}
	u, err := s.st.User(ctx, userID)
	if err != nil {
		return err
	}
	if u.Disabled {
		return model.Invalid("user_id", "this account is disabled")
	}
	if _, err := s.st.TeamMember(ctx, c.TeamID, userID); err != nil {
		return fmt.Errorf("%w: %w", &model.InvalidError{Field: "user_id", Reason: "this person is not a member of the team", Key: "err.not_in_team"}, err)
	}
	if u.Role == model.RoleGuest && !c.Shared {
		return &model.InvalidError{Field: "user_id", Reason: "guests may only join channels shared with clients", Key: "err.guest_channel"}
	}
	return s.addMember(ctx, c, userID, false)
}

func (s *Service) addMember(ctx context.Context, c model.Channel, userID int64, admin bool) error {
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.AddChannelMember(ctx, model.ChannelMember{ChannelID: c.ID, UserID: userID, Admin: admin, JoinedAt: s.now()}); err != nil {
			return nil, err
		}
		return []event{{Type: EventMemberAdded, TeamID: c.TeamID, ChannelID: c.ID, Data: memberChange{ChannelID: c.ID, UserID: userID}}}, nil
	})
}

// RemoveChannelMember takes someone out of a channel: the actor themself
// (leave) or someone removed by a channel admin.
func (s *Service) RemoveChannelMember(ctx context.Context, actor access.Actor, id, userID int64) error {
	act := access.ManageChannel
	if userID == actor.UserID {
		act = access.LeaveChannel
	}
	c, _, err := s.channel(ctx, actor, id, act)
	if err != nil {
		return err
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.RemoveChannelMember(ctx, c.ID, userID); err != nil {
			return nil, err
		}
		if err := tx.DeleteChannelDrafts(ctx, c.ID, userID); err != nil {
			return nil, err
		}
		mc := memberChange{ChannelID: c.ID, UserID: userID}
		return []event{
			{Type: EventMemberRemoved, TeamID: c.TeamID, ChannelID: c.ID, Data: mc},
			{Type: EventMemberRemoved, TeamID: c.TeamID, UserID: userID, Data: mc},
		}, nil
	})
}

// MaxGroupSize is the most people in a group message, the actor included.
const MaxGroupSize = 8

// OpenDirect returns the direct (two people) or group (3 to 8) channel of
// the actor and others, creating it the first time.
func (s *Service) OpenDirect(ctx context.Context, actor access.Actor, others []int64) (model.Channel, error) {
	if !actor.SignedIn() {
		return model.Channel{}, fmt.Errorf("chat: direct: %w", model.ErrUnauthorized)
	}
	ids := append([]int64{actor.UserID}, others...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) < 2 || len(ids) > MaxGroupSize {
		return model.Channel{}, &model.InvalidError{Field: "user_ids", Reason: fmt.Sprintf("a direct or group message has 2 to %d people", MaxGroupSize), Key: "err.group_size"}
	}
	users, err := s.st.UsersByIDs(ctx, ids)
	if err != nil {
		return model.Channel{}, err
	}
	if len(users) != len(ids) {
		return model.Channel{}, fmt.Errorf("chat: direct: %w", model.ErrNotFound)
	}
	for _, u := range users {
		if u.ID == actor.UserID {
			continue
		}
		shares, err := s.st.SharesChannel(ctx, actor.UserID, u.ID)
		if err != nil {
			return model.Channel{}, err
		}
		if err := access.Check(actor, access.CreateDirect, access.Peer{ID: u.ID, SharesChannel: shares, Disabled: u.Disabled}); err != nil {
			return model.Channel{}, err
		}
	}
	key := make([]string, len(ids))
	for i, id := range ids {
		key[i] = strconv.FormatInt(id, 10)
	}
	name := strings.Join(key, ",")
	if c, err := s.st.DirectChannel(ctx, name); err == nil {
		return c, nil
	}
	now := s.now()
	c := model.Channel{Kind: model.ChannelDirect, Name: name, CreatedBy: actor.UserID, CreatedAt: now, UpdatedAt: now}
	if len(ids) > 2 {
		c.Kind = model.ChannelGroup
	}
	members := make([]model.ChannelMember, len(ids))
	for i, id := range ids {
		members[i] = model.ChannelMember{UserID: id, JoinedAt: now}
	}
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		var err error
		if c, err = tx.CreateChannel(ctx, c, members); err != nil {
			return nil, err
		}
		return []event{{Type: EventChannelCreated, ChannelID: c.ID, Data: c}}, nil
	})
	if err != nil {
		// Two people opening the same conversation at once: take the winner's.
		if existing, err2 := s.st.DirectChannel(ctx, name); err2 == nil {
			return existing, nil
		}
	}
	return c, err
}

// MarkRead moves the actor's read position in a channel to postID (the
// latest post when 0); with unread, back to just before postID ("mark as
// unread from here").
func (s *Service) MarkRead(ctx context.Context, actor access.Actor, id, postID int64, unread bool) error {
	c, f, err := s.channel(ctx, actor, id, access.ReadChannel)
	if err != nil {
		return err
	}
	if !f.Member {
		return model.Invalid("channel", "join the channel to keep a read position")
	}
	pos := postID
	if postID == 0 {
		pos = c.LastPostID
	}
	if unread {
		if postID <= 0 {
			return model.Invalid("post_id", "mark as unread needs a post")
		}
		pos = postID - 1
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.MarkRead(ctx, c.ID, actor.UserID, pos, unread); err != nil {
			return nil, err
		}
		return []event{{Type: EventChannelRead, ChannelID: 0, UserID: actor.UserID,
			Data: map[string]int64{"channel_id": c.ID, "last_read_id": pos}}}, nil
	})
}

// Members lists the people in a channel the actor may read, with whether
// each is a channel admin.
func (s *Service) Members(ctx context.Context, actor access.Actor, id int64) ([]Member, error) {
	c, _, err := s.channel(ctx, actor, id, access.ReadChannel)
	if err != nil {
		return nil, err
	}
	members, err := s.st.ChannelMembers(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, len(members))
	admin := make(map[int64]bool, len(members))
	for i, m := range members {
		ids[i], admin[m.UserID] = m.UserID, m.Admin
	}
	users, err := s.st.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]Member, 0, len(users))
	for _, u := range users {
		out = append(out, Member{Author: AuthorOf(u, false), Admin: admin[u.ID]})
	}
	return out, nil
}

// Member is a person in a channel.
type Member struct {
	Author
	Admin bool `json:"admin"`
}
