// Package chat owns teams, channels, direct messages, posts, threads,
// reactions and read positions. Every method takes the acting user, gathers
// the facts access needs (memberships, archive state) from the store, asks
// internal/access, then changes the store and, in the same transaction,
// appends the event that clients will receive; after the commit the event is
// published on the bus for the realtime hub of every node. It knows nothing
// of HTTP or WebSockets.
package chat

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"ruche/internal/access"
	"ruche/internal/bus"
	"ruche/internal/model"
	"ruche/internal/store"
)

// EventSubject is the bus subject of chat events (model.StoredEvent as JSON).
const EventSubject = "chat.event"

// Event types, as clients see them in the "type" field.
const (
	EventPostCreated     = "post.created"
	EventPostEdited      = "post.edited"
	EventPostDeleted     = "post.deleted"
	EventReactionAdded   = "reaction.added"
	EventReactionRemoved = "reaction.removed"
	EventChannelCreated  = "channel.created"
	EventChannelUpdated  = "channel.updated"
	EventMemberAdded     = "channel.member_added"
	EventMemberRemoved   = "channel.member_removed"
	EventChannelRead     = "channel.read"           // a user's read position moved (their other tabs update)
	EventMemberUpdated   = "channel.member_updated" // a user's own preferences changed (to that user)
	EventTeamMemberAdded = "team.member_added"
	EventTeamRemoved     = "team.member_removed"
)

// Service is the chat.
type Service struct {
	st    *store.Store
	bus   bus.Publisher
	log   *slog.Logger
	now   func() time.Time
	blobs Blobs // attachments; see SetBlobs
}

// New returns the chat service.
func New(st *store.Store, b bus.Publisher, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, bus: b, log: log, now: now}
}

// teamFacts is the actor's relation to a team.
func (s *Service) teamFacts(ctx context.Context, actor access.Actor, t model.Team) (access.Team, error) {
	f := access.Team{ID: t.ID, Open: t.Open, Archived: t.ArchivedAt != nil}
	m, err := s.st.TeamMember(ctx, t.ID, actor.UserID)
	switch {
	case err == nil:
		f.Member, f.Admin = true, m.Admin
	case !errors.Is(err, model.ErrNotFound):
		return f, err
	}
	return f, nil
}

// channelFacts is the actor's relation to a channel and its team, as access
// needs it.
func (s *Service) channelFacts(r store.ChannelRelation) access.Channel {
	c := r.Channel
	f := access.Channel{ID: c.ID, Kind: c.Kind, Archived: c.Archived(s.now()), Member: r.Member, Admin: r.Admin}
	if c.TeamID != 0 {
		f.Team = access.Team{ID: c.TeamID, Open: r.TeamOpen, Archived: r.TeamArchived, Member: r.TeamMember, Admin: r.TeamAdmin}
		f.Archived = f.Archived || f.Team.Archived
	}
	return f
}

// channel loads a channel and checks that actor may do act on it. A channel
// the actor may not read is reported as not found, so that its existence
// does not leak. The channel and the actor's memberships of it and of its
// team are read in one query: every request about a channel starts here.
func (s *Service) channel(ctx context.Context, actor access.Actor, id int64, act access.Action) (model.Channel, access.Channel, error) {
	r, err := s.st.ChannelRelation(ctx, id, actor.UserID)
	if err != nil {
		return r.Channel, access.Channel{}, err
	}
	c, f := r.Channel, s.channelFacts(r)
	if err := access.Check(actor, act, f); err != nil {
		if act != access.ReadChannel && access.Check(actor, access.ReadChannel, f) == nil {
			return c, f, err
		}
		if errors.Is(err, model.ErrUnauthorized) {
			return c, f, err
		}
		return c, f, fmt.Errorf("chat: channel %d: %w", id, model.ErrNotFound)
	}
	return c, f, nil
}

// team loads a team and checks act, hiding teams the actor may not view.
func (s *Service) team(ctx context.Context, actor access.Actor, id int64, act access.Action) (model.Team, access.Team, error) {
	t, err := s.st.Team(ctx, id)
	if err != nil {
		return t, access.Team{}, err
	}
	f, err := s.teamFacts(ctx, actor, t)
	if err != nil {
		return t, f, err
	}
	if err := access.Check(actor, act, f); err != nil {
		if act != access.ViewTeam && (access.Check(actor, access.ViewTeam, f) == nil || f.Member) {
			return t, f, err
		}
		if errors.Is(err, model.ErrUnauthorized) {
			return t, f, err
		}
		return t, f, fmt.Errorf("chat: team %d: %w", id, model.ErrNotFound)
	}
	return t, f, nil
}

// event is a change to record in the event log and publish.
type event struct {
	Type      string
	TeamID    int64
	ChannelID int64
	UserID    int64
	Data      any
}

// record appends events inside tx and returns them for publishing after the
// commit.
func (s *Service) record(ctx context.Context, tx *store.Store, evs ...event) ([]model.StoredEvent, error) {
	out := make([]model.StoredEvent, 0, len(evs))
	for _, e := range evs {
		data, err := Marshal(e.Data)
		if err != nil {
			return nil, err
		}
		se := model.StoredEvent{Type: e.Type, TeamID: e.TeamID, ChannelID: e.ChannelID, UserID: e.UserID, Data: data, CreatedAt: s.now()}
		if se.ID, err = tx.AppendEvent(ctx, se); err != nil {
			return nil, err
		}
		out = append(out, se)
	}
	return out, nil
}

// Marshal encodes v as JSON without escaping <, > and & (events are read by
// scripts, never pasted into HTML), which keeps post events small. The
// realtime hub encodes what it sends clients with it too.
func Marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// WireEvent is a stored event as it travels on the bus.
type WireEvent struct {
	ID        int64           `json:"id"`
	Type      string          `json:"type"`
	TeamID    int64           `json:"team_id,omitempty"`
	ChannelID int64           `json:"channel_id,omitempty"`
	UserID    int64           `json:"user_id,omitempty"`
	Data      json.RawMessage `json:"data"`
}

// publish sends committed events to every node's hub.
func (s *Service) publish(ctx context.Context, evs []model.StoredEvent) {
	for _, e := range evs {
		data, err := json.Marshal(WireEvent{ID: e.ID, Type: e.Type, TeamID: e.TeamID, ChannelID: e.ChannelID, UserID: e.UserID, Data: e.Data})
		if err == nil {
			err = s.bus.Publish(ctx, EventSubject, data)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "publish chat event", "type", e.Type, "event_id", e.ID, "err", err)
		}
	}
}

// change runs fn in a transaction, records the events it returns, commits,
// then publishes them.
func (s *Service) change(ctx context.Context, fn func(tx *store.Store) ([]event, error)) error {
	var stored []model.StoredEvent
	err := s.st.InTx(ctx, func(tx *store.Store) error {
		evs, err := fn(tx)
		if err != nil {
			return err
		}
		stored, err = s.record(ctx, tx, evs...)
		return err
	})
	if err != nil {
		return err
	}
	s.publish(ctx, stored)
	return nil
}

// EventsSince returns the events a reconnecting client missed, and whether
// it missed more than the log keeps (then it must reload).
func (s *Service) EventsSince(ctx context.Context, actor access.Actor, after int64, limit int) ([]model.StoredEvent, bool, error) {
	if !actor.SignedIn() {
		return nil, false, fmt.Errorf("chat: events: %w", model.ErrUnauthorized)
	}
	oldest, err := s.st.OldestEventID(ctx)
	if err != nil {
		return nil, false, err
	}
	if after > 0 && oldest > after+1 {
		return nil, true, nil
	}
	evs, err := s.st.EventsSince(ctx, actor.UserID, after, limit+1)
	if err != nil {
		return nil, false, err
	}
	if len(evs) > limit {
		return nil, true, nil
	}
	return evs, false, nil
}

// Readers answers which users may receive an event about a channel: its
// members. The hub uses it; it is the one rule of delivery.
func (s *Service) Readers(ctx context.Context, channelID int64) ([]int64, error) {
	return s.st.ChannelMemberIDs(ctx, channelID)
}

// MayRead reports whether actor may read channelID (for ephemeral events
// such as typing, which are not in the log).
func (s *Service) MayRead(ctx context.Context, actor access.Actor, channelID int64) error {
	_, _, err := s.channel(ctx, actor, channelID, access.PostChannel)
	return err
}

// Maintain archives temporary channels that ended and prunes the event log;
// the app runs it periodically.
func (s *Service) Maintain(ctx context.Context) error {
	now := s.now()
	ids, err := s.st.ArchiveEndedChannels(ctx, now)
	if err != nil {
		return err
	}
	for _, id := range ids {
		c, err := s.st.Channel(ctx, id)
		if err != nil {
			continue
		}
		_ = s.change(ctx, func(*store.Store) ([]event, error) {
			return []event{{Type: EventChannelUpdated, TeamID: c.TeamID, ChannelID: c.ID, Data: c}}, nil
		})
	}
	if _, err = s.st.PruneEvents(ctx, now.Add(-EventRetention)); err != nil {
		return err
	}
	if s.blobs != nil {
		if err := s.cleanUploads(ctx); err != nil {
			return err
		}
	}
	return s.applyRetention(ctx)
}

// EventRetention is how long the event log keeps events: a client offline
// longer reloads instead of replaying.
const EventRetention = 24 * time.Hour

// LatestEventID is where a new client starts following events.
func (s *Service) LatestEventID(ctx context.Context) (int64, error) { return s.st.LatestEventID(ctx) }

// EventsAfter returns the log after id, whoever it concerns: for the
// realtime hub, which then asks Readers who may receive each event.
func (s *Service) EventsAfter(ctx context.Context, after int64, limit int) ([]model.StoredEvent, error) {
	return s.st.EventsAfter(ctx, after, limit)
}

// MaySeePresence reports whether actor may see whether user is online
// (access decides; whether they share a channel is read only for guests).
func (s *Service) MaySeePresence(ctx context.Context, actor access.Actor, user int64) bool {
	peer := access.Peer{ID: user}
	if access.Check(actor, access.SeePresence, peer) != nil {
		shares, err := s.st.SharesChannel(ctx, actor.UserID, user)
		if err != nil || !shares {
			return false
		}
		peer.SharesChannel = true
	}
	return access.Check(actor, access.SeePresence, peer) == nil
}
