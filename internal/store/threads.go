package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"ruche/internal/model"
)

// replied records, in the transaction of a new reply, who follows the
// thread: its root's author, the replier and the members mentioned start
// following (unless they unfollowed); the replier has read it; each follower
// mentioned gets one more mention.
func (tx *Store) replied(ctx context.Context, p model.Post, mentioned []int64) error {
	root, err := tx.Post(ctx, p.RootID)
	if err != nil {
		return err
	}
	joiners := []int64{p.UserID}
	if root.UserID != 0 {
		joiners = append(joiners, root.UserID)
	}
	joiners = append(joiners, mentioned...)
	slices.Sort(joiners)
	for _, u := range slices.Compact(joiners) {
		if u == 0 {
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO thread_follows (root_id, user_id, following, last_read_id, updated_at)
			VALUES (?, ?, ?, 0, ?) ON CONFLICT (root_id, user_id) DO UPDATE SET updated_at = excluded.updated_at`,
			p.RootID, u, true, ms(p.CreatedAt)); err != nil {
			return err
		}
	}
	if _, err := tx.exec(ctx, "UPDATE thread_follows SET last_read_id = ?, mention_count = 0 WHERE root_id = ? AND user_id = ?",
		p.ID, p.RootID, p.UserID); err != nil {
		return err
	}
	if len(mentioned) > 0 {
		args := []any{p.RootID}
		for _, u := range mentioned {
			args = append(args, u)
		}
		_, err := tx.exec(ctx, "UPDATE thread_follows SET mention_count = mention_count + 1 WHERE root_id = ? AND user_id IN (?"+
			strings.Repeat(", ?", len(mentioned)-1)+")", args...)
		return err
	}
	return nil
}

// FollowThread starts or stops following a thread.
func (s *Store) FollowThread(ctx context.Context, rootID, userID int64, follow bool, at time.Time) error {
	_, err := s.exec(ctx, `INSERT INTO thread_follows (root_id, user_id, following, last_read_id, updated_at)
		VALUES (?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM posts WHERE root_id = ?), ?)
		ON CONFLICT (root_id, user_id) DO UPDATE SET following = excluded.following`, rootID, userID, follow, rootID, ms(at))
	if err != nil {
		return fmt.Errorf("store: follow thread: %w", err)
	}
	return nil
}

// MarkThreadRead moves a user's read position in a thread to its last reply.
func (s *Store) MarkThreadRead(ctx context.Context, rootID, userID int64) error {
	_, err := s.exec(ctx, `UPDATE thread_follows SET mention_count = 0,
		last_read_id = (SELECT COALESCE(MAX(id), 0) FROM posts WHERE root_id = ?) WHERE root_id = ? AND user_id = ?`, rootID, rootID, userID)
	if err != nil {
		return fmt.Errorf("store: mark thread read: %w", err)
	}
	return nil
}

// FollowedThread is a thread a user follows, with what they have not read.
type FollowedThread struct {
	Root   model.Post        `json:"root"`
	State  model.ThreadState `json:"state"`
	Unread int               `json:"unread_replies"`
}

// FollowedThreads lists the threads userID follows in channels they are a
// member of, most recently active first; with unreadOnly, those with unread
// replies only.
func (s *Store) FollowedThreads(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]FollowedThread, error) {
	q := "SELECT " + postColumns + `, f.following, f.last_read_id, f.mention_count, f.updated_at,
		(SELECT COUNT(*) FROM posts r WHERE r.root_id = p.id AND r.id > f.last_read_id AND r.deleted_at IS NULL
		   AND (r.user_id IS NULL OR r.user_id <> f.user_id)) AS unread
		FROM thread_follows f JOIN posts p ON p.id = f.root_id
		JOIN channel_members m ON m.channel_id = p.channel_id AND m.user_id = f.user_id
		WHERE f.user_id = ? AND f.following = ? AND p.deleted_at IS NULL`
	if unreadOnly {
		q = "SELECT * FROM (" + q + ") t WHERE unread > 0"
	}
	q += " ORDER BY 11 DESC LIMIT ?" // last_reply_at
	rows, err := s.query(ctx, q, userID, true, limit)
	if err != nil {
		return nil, fmt.Errorf("store: followed threads: %w", err)
	}
	defer rows.Close()
	var out []FollowedThread
	for rows.Next() {
		var (
			t                                   FollowedThread
			updated                             int64
			p                                   model.Post
			root, user, edited, deleted, pinned sql.NullInt64
			created, lastReply                  int64
		)
		if err := rows.Scan(&p.ID, &p.ChannelID, &root, &user, &p.Message, &p.Props, &created, &edited, &deleted, &p.ReplyCount, &lastReply,
			&p.HTML, &pinned, &t.State.Following, &t.State.LastReadID, &t.State.MentionCount, &updated, &t.Unread); err != nil {
			return nil, err
		}
		p.RootID, p.UserID, p.CreatedAt = root.Int64, user.Int64, fromMS(created)
		p.EditedAt, p.PinnedAt = fromNullMS(edited), fromNullMS(pinned)
		if lastReply > 0 {
			lr := fromMS(lastReply)
			p.LastReplyAt = &lr
		}
		t.Root, t.State.RootID, t.State.UserID, t.State.UpdatedAt = p, p.ID, userID, fromMS(updated)
		out = append(out, t)
	}
	return out, rows.Err()
}

// ThreadState returns a user's state in one thread (model.ErrNotFound when
// they never followed it).
func (s *Store) ThreadState(ctx context.Context, rootID, userID int64) (model.ThreadState, error) {
	st := model.ThreadState{RootID: rootID, UserID: userID}
	var updated int64
	err := s.queryRow(ctx, "SELECT following, last_read_id, mention_count, updated_at FROM thread_follows WHERE root_id = ? AND user_id = ?",
		rootID, userID).Scan(&st.Following, &st.LastReadID, &st.MentionCount, &updated)
	st.UpdatedAt = fromMS(updated)
	if err != nil {
		return st, fmt.Errorf("store: thread state: %w", s.mapErr(err))
	}
	return st, nil
}

// SetPinned pins or unpins a post.
func (s *Store) SetPinned(ctx context.Context, postID int64, at *time.Time) error {
	if err := affectedOne(s.exec(ctx, "UPDATE posts SET pinned_at = ? WHERE id = ? AND deleted_at IS NULL", nullMS(at), postID)); err != nil {
		return fmt.Errorf("store: pin: %w", err)
	}
	return nil
}

// PinnedPosts lists a channel's pinned posts, most recently pinned first.
func (s *Store) PinnedPosts(ctx context.Context, channelID int64) ([]model.Post, error) {
	return s.posts(ctx, "SELECT "+postColumns+` FROM posts p
		WHERE p.channel_id = ? AND p.pinned_at IS NOT NULL AND p.deleted_at IS NULL ORDER BY p.pinned_at DESC LIMIT 200`, channelID)
}

// SavePost saves (or with remove, forgets) a post for a user.
func (s *Store) SavePost(ctx context.Context, userID, postID int64, remove bool, at time.Time) error {
	var err error
	if remove {
		err = affectedOne(s.exec(ctx, "DELETE FROM saved_posts WHERE user_id = ? AND post_id = ?", userID, postID))
	} else {
		_, err = s.exec(ctx, "INSERT INTO saved_posts (user_id, post_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", userID, postID, ms(at))
	}
	if err != nil {
		return fmt.Errorf("store: save post: %w", err)
	}
	return nil
}

// SavedPosts lists a user's saved posts in channels they are still a member
// of, most recently saved first.
func (s *Store) SavedPosts(ctx context.Context, userID int64, limit int) ([]model.Post, error) {
	return s.posts(ctx, "SELECT "+postColumns+` FROM saved_posts sp JOIN posts p ON p.id = sp.post_id
		JOIN channel_members m ON m.channel_id = p.channel_id AND m.user_id = sp.user_id
		WHERE sp.user_id = ? AND p.deleted_at IS NULL ORDER BY sp.created_at DESC LIMIT ?`, userID, limit)
}

// UnreadPosts returns the root posts of a channel after a read position,
// oldest first (for the catch-up view).
func (s *Store) UnreadPosts(ctx context.Context, channelID, after int64, limit int) ([]model.Post, error) {
	return s.posts(ctx, "SELECT "+postColumns+` FROM posts p
		WHERE p.channel_id = ? AND p.root_id IS NULL AND p.id > ? AND p.deleted_at IS NULL ORDER BY p.id LIMIT ?`, channelID, after, limit)
}

// RepliesAfter returns a thread's replies after a read position, oldest first.
func (s *Store) RepliesAfter(ctx context.Context, rootID, after int64, limit int) ([]model.Post, error) {
	return s.posts(ctx, "SELECT "+postColumns+` FROM posts p
		WHERE p.root_id = ? AND p.id > ? AND p.deleted_at IS NULL ORDER BY p.id LIMIT ?`, rootID, after, limit)
}
