package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"ruche/internal/model"
)

const postColumns = "p.id, p.channel_id, p.root_id, p.user_id, p.message, p.props, p.created_at, p.edited_at, p.deleted_at, p.reply_count, p.last_reply_at, p.html, p.pinned_at"

func scanPost(sc scanner) (model.Post, error) {
	var (
		p                  model.Post
		root, user         sql.NullInt64
		created, lastReply int64
		edited, deleted    sql.NullInt64
		pinned             sql.NullInt64
	)
	err := sc.Scan(&p.ID, &p.ChannelID, &root, &user, &p.Message, &p.Props, &created, &edited, &deleted, &p.ReplyCount, &lastReply,
		&p.HTML, &pinned)
	p.RootID, p.UserID, p.CreatedAt = root.Int64, user.Int64, fromMS(created)
	p.EditedAt, p.DeletedAt, p.PinnedAt = fromNullMS(edited), fromNullMS(deleted), fromNullMS(pinned)
	if lastReply > 0 {
		t := fromMS(lastReply)
		p.LastReplyAt = &t
	}
	return p, err
}

// CreatePost stores a post and, in the same transaction: attaches its files
// (uploaded by its author to its channel, not attached yet), moves the
// channel's last post, counts the reply on its thread root and makes the
// thread followed by the root's author, the replier and those mentioned,
// marks it read for its author and adds one to the mention count of each
// user in mentioned who is a member of the channel.
func (s *Store) CreatePost(ctx context.Context, p model.Post, mentioned []int64) (model.Post, error) {
	err := s.InTx(ctx, func(tx *Store) error {
		id, err := tx.insert(ctx, `INSERT INTO posts (channel_id, root_id, user_id, message, props, html, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, p.ChannelID, nullID(p.RootID), nullID(p.UserID), p.Message, p.Props, p.HTML, ms(p.CreatedAt))
		if err != nil {
			return err
		}
		p.ID = id
		if err := tx.attachFiles(ctx, &p); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE channels SET last_post_id = ?, last_post_at = ? WHERE id = ?", id, ms(p.CreatedAt), p.ChannelID); err != nil {
			return err
		}
		if p.RootID != 0 {
			if err := affectedOne(tx.exec(ctx, "UPDATE posts SET reply_count = reply_count + 1, last_reply_at = ? WHERE id = ? AND channel_id = ?",
				ms(p.CreatedAt), p.RootID, p.ChannelID)); err != nil {
				return fmt.Errorf("thread root %d: %w", p.RootID, err)
			}
			if err := tx.replied(ctx, p, mentioned); err != nil {
				return err
			}
			return nil // a reply moves the thread, not the channel's read position or mentions
		} else if p.UserID != 0 {
			if err := tx.MarkRead(ctx, p.ChannelID, p.UserID, id, false); err != nil {
				return err
			}
		}
		if len(mentioned) > 0 {
			q := "UPDATE channel_members SET mention_count = mention_count + 1 WHERE channel_id = ? AND user_id IN (?" +
				strings.Repeat(", ?", len(mentioned)-1) + ")"
			args := []any{p.ChannelID}
			for _, u := range mentioned {
				args = append(args, u)
			}
			if _, err := tx.exec(ctx, q, args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("store: create post: %w", err)
	}
	return p, nil
}

// Post returns one post, deleted or not.
func (s *Store) Post(ctx context.Context, id int64) (model.Post, error) {
	p, err := scanPost(s.queryRow(ctx, "SELECT "+postColumns+" FROM posts p WHERE p.id = ?", id))
	if err != nil {
		return p, fmt.Errorf("store: post %d: %w", id, s.mapErr(err))
	}
	return p, nil
}

// Posts returns up to limit root posts of a channel older than before (0:
// the newest), newest first, with their reactions. Deleted posts are left out.
func (s *Store) Posts(ctx context.Context, channelID, before int64, limit int) ([]model.Post, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	return s.posts(ctx, "SELECT "+postColumns+` FROM posts p
		WHERE p.channel_id = ? AND p.root_id IS NULL AND p.id < ? AND p.deleted_at IS NULL ORDER BY p.id DESC LIMIT ?`,
		channelID, before, limit)
}

// Thread returns a thread's root and its replies, oldest first.
func (s *Store) Thread(ctx context.Context, rootID int64) ([]model.Post, error) {
	return s.posts(ctx, "SELECT "+postColumns+` FROM posts p
		WHERE (p.id = ? OR p.root_id = ?) AND p.deleted_at IS NULL ORDER BY p.id`, rootID, rootID)
}

func (s *Store) posts(ctx context.Context, q string, args ...any) ([]model.Post, error) {
	out, err := queryAll(ctx, s, scanPost, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: posts: %w", err)
	}
	if len(out) == 0 {
		return out, nil
	}
	if err := s.attachReactions(ctx, out); err != nil {
		return nil, err
	}
	return out, s.loadFiles(ctx, out)
}

// attachReactions loads the reactions of posts in one query.
func (s *Store) attachReactions(ctx context.Context, posts []model.Post) error {
	index := make(map[int64]int, len(posts))
	args := make([]any, len(posts))
	for i, p := range posts {
		index[p.ID] = i
		args[i] = p.ID
	}
	rows, err := s.query(ctx, "SELECT post_id, user_id, emoji FROM reactions WHERE post_id IN (?"+
		strings.Repeat(", ?", len(posts)-1)+") ORDER BY created_at, user_id", args...)
	if err != nil {
		return fmt.Errorf("store: reactions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r model.Reaction
		if err := rows.Scan(&r.PostID, &r.UserID, &r.Emoji); err != nil {
			return err
		}
		i := index[r.PostID]
		posts[i].Reactions = append(posts[i].Reactions, r)
	}
	return rows.Err()
}

// EditPost replaces a post's message and its rendering, keeping the
// previous message in its history.
func (s *Store) EditPost(ctx context.Context, id int64, message, html string, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if _, err := tx.exec(ctx, "INSERT INTO post_edits (post_id, message, edited_at) SELECT id, message, ? FROM posts WHERE id = ?", ms(at), id); err != nil {
			return err
		}
		return affectedOne(tx.exec(ctx, "UPDATE posts SET message = ?, html = ?, edited_at = ? WHERE id = ? AND deleted_at IS NULL", message, html, ms(at), id))
	})
}

// PostEdits returns a post's earlier messages, oldest first.
func (s *Store) PostEdits(ctx context.Context, id int64) ([]string, error) {
	out, err := queryAll(ctx, s, func(sc scanner) (m string, err error) { err = sc.Scan(&m); return m, err },
		"SELECT message FROM post_edits WHERE post_id = ? ORDER BY id", id)
	if err != nil {
		return nil, fmt.Errorf("store: post edits: %w", err)
	}
	return out, nil
}

// DeletePost marks a post deleted and forgets its text and history; a
// deleted reply no longer counts in its thread.
func (s *Store) DeletePost(ctx context.Context, p model.Post, at time.Time) error {
	return s.InTx(ctx, func(tx *Store) error {
		if err := affectedOne(tx.exec(ctx, "UPDATE posts SET deleted_at = ?, message = '', props = '', html = '', pinned_at = NULL WHERE id = ? AND deleted_at IS NULL", ms(at), p.ID)); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "DELETE FROM post_edits WHERE post_id = ?", p.ID); err != nil {
			return err
		}
		if p.RootID != 0 {
			_, err := tx.exec(ctx, "UPDATE posts SET reply_count = reply_count - 1 WHERE id = ? AND reply_count > 0", p.RootID)
			return err
		}
		return nil
	})
}

// AddReaction records a reaction; adding it twice is fine.
func (s *Store) AddReaction(ctx context.Context, r model.Reaction, at time.Time) error {
	_, err := s.exec(ctx, "INSERT INTO reactions (post_id, user_id, emoji, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
		r.PostID, r.UserID, r.Emoji, ms(at))
	if err != nil {
		return fmt.Errorf("store: add reaction: %w", err)
	}
	return nil
}

// RemoveReaction deletes a reaction.
func (s *Store) RemoveReaction(ctx context.Context, r model.Reaction) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM reactions WHERE post_id = ? AND user_id = ? AND emoji = ?", r.PostID, r.UserID, r.Emoji)); err != nil {
		return fmt.Errorf("store: remove reaction: %w", err)
	}
	return nil
}

// AppendEvent writes an entry of the event log and returns its id; call it in
// the transaction of the change it reports. Ids are given in commit order, so
// that a reader that saw id N has seen every event before it: SQLite has one
// writer; on PostgreSQL an advisory lock held until commit makes writers of
// events take turns (across nodes), after which the next write transaction
// of this node may begin (see InTx).
func (s *Store) AppendEvent(ctx context.Context, e model.StoredEvent) (int64, error) {
	if s.dialect == Postgres {
		if _, err := s.exec(ctx, "SELECT pg_advisory_xact_lock(7283002)"); err != nil {
			return 0, fmt.Errorf("store: append event: %w", err)
		}
		s.tx.giveTurn()
	}
	id, err := s.insert(ctx, "INSERT INTO events (type, team_id, channel_id, user_id, data, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		e.Type, nullID(e.TeamID), nullID(e.ChannelID), nullID(e.UserID), string(e.Data), ms(e.CreatedAt))
	if err != nil {
		return 0, fmt.Errorf("store: append event: %w", err)
	}
	return id, nil
}

// EventsAfter returns up to limit events after id, oldest first, whoever
// they concern (the realtime hub of each node follows the log with it).
func (s *Store) EventsAfter(ctx context.Context, after int64, limit int) ([]model.StoredEvent, error) {
	return s.events(ctx, `SELECT id, type, team_id, channel_id, user_id, data, created_at FROM events
		WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
}

// EventsSince returns up to limit events after id that concern userID: those
// of the channels they are a member of now, and those addressed to them.
func (s *Store) EventsSince(ctx context.Context, userID, after int64, limit int) ([]model.StoredEvent, error) {
	return s.events(ctx, `SELECT id, type, team_id, channel_id, user_id, data, created_at FROM events
		WHERE id > ? AND (user_id = ? OR channel_id IN (SELECT channel_id FROM channel_members WHERE user_id = ?))
		ORDER BY id LIMIT ?`, after, userID, userID, limit)
}

func (s *Store) events(ctx context.Context, q string, args ...any) ([]model.StoredEvent, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: events: %w", err)
	}
	defer rows.Close()
	var out []model.StoredEvent
	for rows.Next() {
		var (
			e              model.StoredEvent
			team, ch, user sql.NullInt64
			data           string
			created        int64
		)
		if err := rows.Scan(&e.ID, &e.Type, &team, &ch, &user, &data, &created); err != nil {
			return nil, err
		}
		e.TeamID, e.ChannelID, e.UserID, e.Data, e.CreatedAt = team.Int64, ch.Int64, user.Int64, []byte(data), fromMS(created)
		out = append(out, e)
	}
	return out, rows.Err()
}

// OldestEventID returns the id of the oldest event kept (0 when none): a
// client that missed events older than that must reload.
func (s *Store) OldestEventID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.queryRow(ctx, "SELECT MIN(id) FROM events").Scan(&id)
	return id.Int64, s.mapErr(err)
}

// PruneEvents deletes events older than before.
func (s *Store) PruneEvents(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, "DELETE FROM events WHERE created_at < ?", ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune events: %w", err)
	}
	return res.RowsAffected()
}

// LatestEventID returns the id of the newest event (0 when none).
func (s *Store) LatestEventID(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	err := s.queryRow(ctx, "SELECT MAX(id) FROM events").Scan(&id)
	return id.Int64, s.mapErr(err)
}
