package store

import (
	"context"
	"fmt"
	"time"
)

// Draft is a message a user started and has not sent: one per user, channel
// and thread (RootID 0 for the channel itself).
type Draft struct {
	UserID    int64     `json:"user_id"`
	ChannelID int64     `json:"channel_id"`
	RootID    int64     `json:"root_id"`
	Message   string    `json:"message"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SaveDraft writes a draft, replacing the one of the same user, channel and
// thread. It reports false when that one already held the same message (and
// nothing was written).
func (s *Store) SaveDraft(ctx context.Context, d Draft) (bool, error) {
	res, err := s.exec(ctx, `INSERT INTO drafts (user_id, channel_id, root_id, message, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, channel_id, root_id) DO UPDATE SET message = excluded.message, updated_at = excluded.updated_at
		WHERE drafts.message <> excluded.message`, d.UserID, d.ChannelID, d.RootID, d.Message, ms(d.UpdatedAt))
	if err != nil {
		return false, fmt.Errorf("store: save draft: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: save draft: %w", err)
	}
	return n > 0, nil
}

// Draft returns one draft (model.ErrNotFound when there is none), whether
// or not the user may still read its channel.
func (s *Store) Draft(ctx context.Context, userID, channelID, rootID int64) (Draft, error) {
	d := Draft{UserID: userID, ChannelID: channelID, RootID: rootID}
	var updated int64
	err := s.queryRow(ctx, "SELECT message, updated_at FROM drafts WHERE user_id = ? AND channel_id = ? AND root_id = ?",
		userID, channelID, rootID).Scan(&d.Message, &updated)
	if err != nil {
		return d, fmt.Errorf("store: draft: %w", s.mapErr(err))
	}
	d.UpdatedAt = fromMS(updated)
	return d, nil
}

// Drafts lists a user's drafts in the channels they are a member of, leaving
// out those of deleted threads, most recently changed first.
func (s *Store) Drafts(ctx context.Context, userID int64, limit int) ([]Draft, error) {
	out, err := queryAll(ctx, s, scanDraft, `SELECT d.user_id, d.channel_id, d.root_id, d.message, d.updated_at FROM drafts d
		JOIN channel_members m ON m.channel_id = d.channel_id AND m.user_id = d.user_id
		WHERE d.user_id = ? AND (d.root_id = 0 OR EXISTS (SELECT 1 FROM posts p
			WHERE p.id = d.root_id AND p.channel_id = d.channel_id AND p.deleted_at IS NULL))
		ORDER BY d.updated_at DESC, d.channel_id, d.root_id LIMIT ?`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("store: drafts: %w", err)
	}
	return out, nil
}

func scanDraft(sc scanner) (Draft, error) {
	var (
		d       Draft
		updated int64
	)
	err := sc.Scan(&d.UserID, &d.ChannelID, &d.RootID, &d.Message, &updated)
	d.UpdatedAt = fromMS(updated)
	return d, err
}

// DeleteDraft removes one draft and reports whether there was one.
func (s *Store) DeleteDraft(ctx context.Context, userID, channelID, rootID int64) (bool, error) {
	res, err := s.exec(ctx, "DELETE FROM drafts WHERE user_id = ? AND channel_id = ? AND root_id = ?", userID, channelID, rootID)
	if err != nil {
		return false, fmt.Errorf("store: delete draft: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("store: delete draft: %w", err)
	}
	return n > 0, nil
}

// DeleteChannelDrafts removes a user's drafts in a channel (they left it).
func (s *Store) DeleteChannelDrafts(ctx context.Context, channelID, userID int64) error {
	if _, err := s.exec(ctx, "DELETE FROM drafts WHERE channel_id = ? AND user_id = ?", channelID, userID); err != nil {
		return fmt.Errorf("store: delete channel drafts: %w", err)
	}
	return nil
}

// DeleteTeamDrafts removes a user's drafts in the channels of a team (they
// left it).
func (s *Store) DeleteTeamDrafts(ctx context.Context, teamID, userID int64) error {
	if _, err := s.exec(ctx, "DELETE FROM drafts WHERE user_id = ? AND channel_id IN (SELECT id FROM channels WHERE team_id = ?)",
		userID, teamID); err != nil {
		return fmt.Errorf("store: delete team drafts: %w", err)
	}
	return nil
}
