package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"ruche/internal/model"
)

// The hot reads of a channel's history, each in as few queries as it can:
// the facts access needs about a user and a channel, a page of posts with
// their authors, and whether a team has any outgoing webhook.

// ChannelRelation is a channel with what a user is to it and to its team:
// the facts access needs to decide, read in one query.
type ChannelRelation struct {
	Channel      model.Channel
	TeamOpen     bool // the team's own fields, for a team channel
	TeamArchived bool
	TeamMember   bool // the user is a member of the channel's team
	TeamAdmin    bool
	Member       bool // the user is a member of the channel
	Admin        bool
}

// ChannelRelation returns channel id and userID's memberships of it and of
// its team (none for userID 0).
func (s *Store) ChannelRelation(ctx context.Context, id, userID int64) (ChannelRelation, error) {
	var (
		r                    ChannelRelation
		team                 sql.NullInt64
		teamOpen             sql.NullBool
		teamArchived         sql.NullInt64
		teamAdmin, chanAdmin sql.NullBool
	)
	c, err := scanChannel(s.queryRow(ctx, "SELECT "+channelColumns+`, t.id, t.open, t.archived_at, tm.admin, m.admin
		FROM channels c
		LEFT JOIN teams t ON t.id = c.team_id
		LEFT JOIN team_members tm ON tm.team_id = c.team_id AND tm.user_id = ?
		LEFT JOIN channel_members m ON m.channel_id = c.id AND m.user_id = ?
		WHERE c.id = ?`, userID, userID, id), &team, &teamOpen, &teamArchived, &teamAdmin, &chanAdmin)
	if err == nil && c.TeamID != 0 && !team.Valid {
		err = sql.ErrNoRows // a team channel without its team (cannot happen: the key cascades)
	}
	if err != nil {
		return r, fmt.Errorf("store: channel %d: %w", id, s.mapErr(err))
	}
	r.Channel = c
	r.TeamOpen, r.TeamArchived = teamOpen.Bool, teamArchived.Valid
	r.TeamMember, r.TeamAdmin = teamAdmin.Valid, teamAdmin.Bool
	r.Member, r.Admin = chanAdmin.Valid, chanAdmin.Bool
	return r, nil
}

// ChannelPage is Posts with the posts' authors, read with the posts: each
// once, with only what a post shows of them (id, login, display name, role,
// bot, whether they have a picture and when it changed); a post whose
// author's account is gone has none. Reactions and files
// are read only for the posts that have some.
func (s *Store) ChannelPage(ctx context.Context, channelID, before int64, limit int) ([]model.Post, []Author, error) {
	if before <= 0 {
		before = 1<<63 - 1
	}
	rows, err := s.query(ctx, "SELECT "+postColumns+`, u.id, u.login, u.display_name, u.role, u.bot, u.avatar_key, u.updated_at,
			EXISTS (SELECT 1 FROM reactions r WHERE r.post_id = p.id), EXISTS (SELECT 1 FROM files f WHERE f.post_id = p.id)
		FROM posts p LEFT JOIN users u ON u.id = p.user_id
		WHERE p.channel_id = ? AND p.root_id IS NULL AND p.id < ? AND p.deleted_at IS NULL ORDER BY p.id DESC LIMIT ?`,
		channelID, before, limit)
	if err != nil {
		return nil, nil, fmt.Errorf("store: channel page: %w", err)
	}
	defer rows.Close()
	var (
		posts                   = make([]model.Post, 0, max(0, min(limit, 256))) // a page, not a grown copy per doubling
		authors                 []Author
		seen                    = map[int64]bool{}
		reacted, attached       []int // indexes in posts
		userID                  sql.NullInt64
		login, name, role, av   sql.NullString
		updated                 sql.NullInt64
		bot, hasReact, hasFiles sql.NullBool
		more                    = &withMore{sc: rows, more: []any{&userID, &login, &name, &role, &bot, &av, &updated, &hasReact, &hasFiles}}
	)
	for rows.Next() {
		p, err := scanPost(more)
		if err != nil {
			return nil, nil, fmt.Errorf("store: channel page: %w", err)
		}
		if userID.Valid && !seen[userID.Int64] {
			seen[userID.Int64] = true
			authors = append(authors, Author{User: model.User{ID: userID.Int64, Login: login.String, DisplayName: name.String,
				Role: model.Role(role.String), AvatarKey: av.String, HasAvatar: av.String != "", UpdatedAt: fromMS(updated.Int64)},
				Bot: bot.Bool})
		}
		if hasReact.Bool {
			reacted = append(reacted, len(posts))
		}
		if hasFiles.Bool {
			attached = append(attached, len(posts))
		}
		posts = append(posts, p)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("store: channel page: %w", err)
	}
	rows.Close()
	if err := loadSome(ctx, posts, reacted, s.attachReactions); err != nil {
		return nil, nil, err
	}
	if err := loadSome(ctx, posts, attached, s.loadFiles); err != nil {
		return nil, nil, err
	}
	return posts, authors, nil
}

// withMore scans a row's leading columns into the caller's destinations and
// the rest into more, reusing one slice of destinations for every row.
type withMore struct {
	sc   scanner
	more []any
	all  []any
}

func (w *withMore) Scan(dest ...any) error {
	w.all = append(append(w.all[:0], dest...), w.more...)
	return w.sc.Scan(w.all...)
}

// loadSome runs load (attachReactions, loadFiles) on the posts at indexes
// only, in one query, and keeps what it filled in.
func loadSome(ctx context.Context, posts []model.Post, indexes []int, load func(context.Context, []model.Post) error) error {
	if len(indexes) == 0 {
		return nil
	}
	some := make([]model.Post, len(indexes))
	for j, i := range indexes {
		some[j] = posts[i]
	}
	if err := load(ctx, some); err != nil {
		return err
	}
	for j, i := range indexes {
		posts[i] = some[j]
	}
	return nil
}

// HasOutgoingHooks reports whether a team has an enabled outgoing webhook,
// on one of its channels or on all its public ones (an index lookup).
func (s *Store) HasOutgoingHooks(ctx context.Context, teamID int64) (bool, error) {
	var one int
	err := s.queryRow(ctx, "SELECT 1 FROM outgoing_hooks WHERE team_id = ? AND disabled = ? LIMIT 1", teamID, false).Scan(&one)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	}
	return false, fmt.Errorf("store: outgoing hooks of team %d: %w", teamID, err)
}
