package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RetentionPolicy deletes a team's or a channel's messages older than Days.
type RetentionPolicy struct {
	ID        int64 `json:"id"`
	TeamID    int64 `json:"team_id,omitempty"`
	ChannelID int64 `json:"channel_id,omitempty"`
	Days      int   `json:"days"`
}

// SetRetention sets (days > 0) or removes (days = 0) the policy of a team or
// a channel (exactly one of teamID and channelID is set).
func (s *Store) SetRetention(ctx context.Context, teamID, channelID int64, days int) error {
	col, id := "team_id", teamID
	if channelID != 0 {
		col, id = "channel_id", channelID
	}
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, "DELETE FROM retention_policies WHERE "+col+" = ?", id); err != nil {
			return err
		}
		if days <= 0 {
			return nil
		}
		_, err := tx.exec(ctx, "INSERT INTO retention_policies (team_id, channel_id, days) VALUES (?, ?, ?)", nullID(teamID), nullID(channelID), days)
		return err
	})
}

// RetentionPolicies lists every policy.
func (s *Store) RetentionPolicies(ctx context.Context) ([]RetentionPolicy, error) {
	out, err := queryAll(ctx, s, func(sc scanner) (RetentionPolicy, error) {
		var (
			p        RetentionPolicy
			team, ch sql.NullInt64
		)
		err := sc.Scan(&p.ID, &team, &ch, &p.Days)
		p.TeamID, p.ChannelID = team.Int64, ch.Int64
		return p, err
	}, "SELECT id, team_id, channel_id, days FROM retention_policies ORDER BY id")
	if err != nil {
		return nil, fmt.Errorf("store: retention policies: %w", err)
	}
	return out, nil
}

// ExpiredPosts returns up to limit posts created before a time in the
// channels a policy covers: a channel's own policy wins over its team's.
func (s *Store) ExpiredPosts(ctx context.Context, p RetentionPolicy, before time.Time, limit int) ([]int64, error) {
	q := "SELECT id FROM posts WHERE channel_id = ? AND created_at < ? ORDER BY id LIMIT ?"
	args := []any{p.ChannelID, ms(before), limit}
	if p.TeamID != 0 {
		q = `SELECT p.id FROM posts p JOIN channels c ON c.id = p.channel_id
			WHERE c.team_id = ? AND p.created_at < ?
			  AND NOT EXISTS (SELECT 1 FROM retention_policies r WHERE r.channel_id = c.id)
			ORDER BY p.id LIMIT ?`
		args = []any{p.TeamID, ms(before), limit}
	}
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: expired posts: %w", err)
	}
	return collectIDs(rows)
}

// PurgePost deletes a post for good, with its replies, reactions, history
// and file rows (the caller deletes the files' blobs).
func (s *Store) PurgePost(ctx context.Context, id int64) error {
	return s.InTx(ctx, func(tx *Store) error {
		var root sql.NullInt64
		if err := tx.queryRow(ctx, "SELECT root_id FROM posts WHERE id = ?", id).Scan(&root); err != nil {
			return tx.mapErr(err)
		}
		if _, err := tx.exec(ctx, "DELETE FROM posts WHERE id = ?", id); err != nil {
			return err
		}
		if root.Valid {
			_, err := tx.exec(ctx, "UPDATE posts SET reply_count = reply_count - 1 WHERE id = ? AND reply_count > 0", root.Int64)
			return err
		}
		return nil
	})
}
