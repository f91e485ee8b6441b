package chat

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"ruche/internal/access"
	"ruche/internal/markup"
	"ruche/internal/model"
	"ruche/internal/store"
)

// Events of a user's drafts. They are addressed to that user only (UserID,
// never ChannelID: a draft is nobody else's business), so that their other
// tabs and devices follow.
const (
	EventDraftUpdated = "draft.updated" // data: the draft
	EventDraftDeleted = "draft.deleted" // data: {"channel_id", "root_id"}
)

// MaxDrafts bounds the drafts one list returns (the most recent).
const MaxDrafts = 1000

// NewDraft is what saving a draft takes.
type NewDraft struct {
	Message string `json:"message"`
	RootID  int64  `json:"root_id"` // 0: the channel's composer; a post: its thread's
}

// draftKey is what a deleted draft's event says of it.
type draftKey struct {
	ChannelID int64 `json:"channel_id"`
	RootID    int64 `json:"root_id"`
}

func draftDeleted(userID, channelID, rootID int64) event {
	return event{Type: EventDraftDeleted, UserID: userID, Data: draftKey{ChannelID: channelID, RootID: rootID}}
}

// SaveDraft keeps the actor's unsent message for a channel or one of its
// threads, where they may post. The text is kept as typed (it is checked
// like a post's for length and encoding); an empty one deletes the draft,
// and then the answer is false.
func (s *Service) SaveDraft(ctx context.Context, actor access.Actor, channelID int64, n NewDraft) (store.Draft, bool, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.PostChannel)
	if err != nil {
		return store.Draft{}, false, err
	}
	root, err := s.draftRoot(ctx, c, n.RootID)
	if err != nil {
		return store.Draft{}, false, err
	}
	switch {
	case !utf8.ValidString(n.Message):
		return store.Draft{}, false, &model.InvalidError{Field: "message", Reason: "message is not valid UTF-8", Key: "err.text"}
	case utf8.RuneCountInString(n.Message) > markup.MaxLength:
		return store.Draft{}, false, &model.InvalidError{Field: "message",
			Reason: fmt.Sprintf("message must have at most %d characters", markup.MaxLength), Key: "err.message_long"}
	case strings.TrimSpace(n.Message) == "":
		return store.Draft{}, false, s.deleteDraft(ctx, actor.UserID, c.ID, root)
	}
	d := store.Draft{UserID: actor.UserID, ChannelID: c.ID, RootID: root, Message: n.Message, UpdatedAt: s.now()}
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		changed, err := tx.SaveDraft(ctx, d)
		if err != nil {
			return nil, err
		}
		if !changed { // the same text again: nothing to tell
			d, err = tx.Draft(ctx, d.UserID, d.ChannelID, d.RootID)
			return nil, err
		}
		return []event{{Type: EventDraftUpdated, UserID: actor.UserID, Data: d}}, nil
	})
	if err != nil {
		return store.Draft{}, false, err
	}
	return d, true, nil
}

// draftRoot checks the thread a draft is for: a post of channel c that is
// not deleted; a reply stands for its thread's root.
func (s *Service) draftRoot(ctx context.Context, c model.Channel, id int64) (int64, error) {
	if id == 0 {
		return 0, nil
	}
	bad := &model.InvalidError{Field: "root_id", Reason: "no such post in this channel", Key: "err.root"}
	if id < 0 {
		return 0, bad
	}
	p, err := s.st.Post(ctx, id)
	if err != nil || p.ChannelID != c.ID || p.DeletedAt != nil {
		return 0, bad
	}
	if p.RootID != 0 {
		return p.RootID, nil
	}
	return p.ID, nil
}

// DeleteDraft forgets the actor's draft for a channel (rootID 0) or one of
// its threads. The thread need not exist any more; having no draft there is
// no error.
func (s *Service) DeleteDraft(ctx context.Context, actor access.Actor, channelID, rootID int64) error {
	c, _, err := s.channel(ctx, actor, channelID, access.ReadChannel)
	if err != nil {
		return err
	}
	if rootID < 0 {
		return &model.InvalidError{Field: "root_id", Reason: "must be a post id, or 0 for the channel", Key: "err.root"}
	}
	return s.deleteDraft(ctx, actor.UserID, c.ID, rootID)
}

func (s *Service) deleteDraft(ctx context.Context, userID, channelID, rootID int64) error {
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		ok, err := tx.DeleteDraft(ctx, userID, channelID, rootID)
		if err != nil || !ok {
			return nil, err
		}
		return []event{draftDeleted(userID, channelID, rootID)}, nil
	})
}

// Drafts lists the actor's drafts in the channels they are still a member
// of, most recently changed first.
func (s *Service) Drafts(ctx context.Context, actor access.Actor) ([]store.Draft, error) {
	if !actor.SignedIn() {
		return nil, fmt.Errorf("chat: drafts: %w", model.ErrUnauthorized)
	}
	return s.st.Drafts(ctx, actor.UserID, MaxDrafts)
}

// posted completes, inside its transaction, the events of a new post p: the
// author's draft of that channel or thread is what they just sent, so it is
// deleted (and their other tabs told). Posts made by integrations, written
// in their creator's name, leave the creator's draft alone.
func (s *Service) posted(ctx context.Context, tx *store.Store, p model.Post, evs ...event) ([]event, error) {
	if p.Props != "" || p.UserID == 0 {
		return evs, nil
	}
	ok, err := tx.DeleteDraft(ctx, p.UserID, p.ChannelID, p.RootID)
	if err != nil {
		return nil, err
	}
	if ok {
		evs = append(evs, draftDeleted(p.UserID, p.ChannelID, p.RootID))
	}
	return evs, nil
}
