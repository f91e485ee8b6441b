package chat

import (
	"context"
	"slices"

	"ruche/internal/access"
	"ruche/internal/markup"
	"ruche/internal/model"
	"ruche/internal/store"
)

// NotifySubject is the bus subject of notifications: one message per post
// and person to notify. The realtime hub shows them (desktop notifications);
// an e-mail digest can subscribe too. They are not kept in the event log.
const NotifySubject = "chat.notify"

// Notification tells one user that a post concerns them.
type Notification struct {
	Type   string   `json:"type"` // "notification"
	UserID int64    `json:"user_id"`
	Reason string   `json:"reason"` // "mention", "direct" or "all"
	Post   PostView `json:"post"`
	// Text is the message without its markup, for a desktop notification
	// or an e-mail (markup.Plain).
	Text string `json:"text"`
	// Channel is what the notification shows of where the post is.
	Channel struct {
		ID          int64             `json:"id"`
		Kind        model.ChannelKind `json:"kind"`
		DisplayName string            `json:"display_name"`
	} `json:"channel"`
}

// whom decides who is notified of a post, from each member's preferences:
// "all" notifies of every post, "mentions" (the default in team channels)
// of mentions, "none" of nothing; direct and group messages notify by
// default; a muted channel notifies only of mentions by name.
func whom(c model.Channel, author int64, members []model.ChannelMember, mentioned []int64, byName []int64) map[int64]string {
	out := map[int64]string{}
	for _, m := range members {
		if m.UserID == author {
			continue
		}
		level := m.Notify
		if level == model.NotifyDefault {
			level = model.NotifyMentions
			if !c.Kind.InTeam() {
				level = model.NotifyAll
			}
		}
		isMentioned := slices.Contains(mentioned, m.UserID)
		switch {
		case m.Muted:
			if slices.Contains(byName, m.UserID) {
				out[m.UserID] = "mention"
			}
		case level == model.NotifyNone:
		case isMentioned:
			out[m.UserID] = "mention"
		case level == model.NotifyAll && !c.Kind.InTeam():
			out[m.UserID] = "direct"
		case level == model.NotifyAll:
			out[m.UserID] = "all"
		}
	}
	return out
}

// notify publishes the notifications of a new post (after its commit).
func (s *Service) notify(ctx context.Context, c model.Channel, v PostView, mentioned, byName []int64) {
	members, err := s.st.MembersToNotify(ctx, c.ID, !c.Kind.InTeam(), mentioned)
	if err != nil {
		s.log.ErrorContext(ctx, "notify: members", "channel_id", c.ID, "err", err)
		return
	}
	var text string
	for uid, reason := range whom(c, v.UserID, members, mentioned, byName) {
		if text == "" {
			text = markup.Plain(v.Message)
		}
		n := Notification{Type: "notification", UserID: uid, Reason: reason, Post: v, Text: text}
		n.Channel.ID, n.Channel.Kind, n.Channel.DisplayName = c.ID, c.Kind, c.DisplayName
		data, err := Marshal(n)
		if err == nil {
			err = s.bus.Publish(ctx, NotifySubject, data)
		}
		if err != nil {
			s.log.ErrorContext(ctx, "notify: publish", "err", err)
		}
	}
}

// MemberPrefs are a member's own settings for a channel.
type MemberPrefs struct {
	Notify    *model.NotifyLevel `json:"notify"`
	Muted     *bool              `json:"muted"`
	Favorite  *bool              `json:"favorite"`
	SortOrder *int               `json:"sort_order"`
}

// SetMemberPrefs changes the actor's preferences for a channel they are in.
func (s *Service) SetMemberPrefs(ctx context.Context, actor access.Actor, channelID int64, p MemberPrefs) (model.ChannelMember, error) {
	c, f, err := s.channel(ctx, actor, channelID, access.ReadChannel)
	if err != nil {
		return model.ChannelMember{}, err
	}
	if !f.Member {
		return model.ChannelMember{}, model.Invalid("channel", "join the channel first")
	}
	m, err := s.st.ChannelMember(ctx, c.ID, actor.UserID)
	if err != nil {
		return m, err
	}
	if p.Notify != nil {
		switch *p.Notify {
		case model.NotifyDefault, model.NotifyAll, model.NotifyMentions, model.NotifyNone:
			m.Notify = *p.Notify
		default:
			return m, &model.InvalidError{Field: "notify", Reason: "must be default, all, mentions or none", Key: "err.notify"}
		}
	}
	if p.Muted != nil {
		m.Muted = *p.Muted
	}
	if p.Favorite != nil {
		m.Favorite = *p.Favorite
	}
	if p.SortOrder != nil {
		if *p.SortOrder < -1_000_000 || *p.SortOrder > 1_000_000 {
			return m, model.Invalid("sort_order", "out of range")
		}
		m.SortOrder = *p.SortOrder
	}
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.SetMemberPrefs(ctx, m); err != nil {
			return nil, err
		}
		return []event{{Type: EventMemberUpdated, UserID: actor.UserID, Data: m}}, nil
	})
	return m, err
}
