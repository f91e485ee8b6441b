package store

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"ruche/internal/model"
)

const channelColumns = "c.id, c.team_id, c.kind, c.name, c.display_name, c.purpose, c.header, c.shared, c.ends_at, c.archived_at, " +
	"c.created_by, c.created_at, c.updated_at, c.last_post_id, c.last_post_at"

// channelOnly is scanChannel for rows of the channel's columns alone.
func channelOnly(sc scanner) (model.Channel, error) { return scanChannel(sc) }

func scanChannel(sc scanner, more ...any) (model.Channel, error) {
	var (
		c                        model.Channel
		team, by                 sql.NullInt64
		ends, archived           sql.NullInt64
		created, updated, lastAt int64
	)
	err := sc.Scan(append([]any{&c.ID, &team, &c.Kind, &c.Name, &c.DisplayName, &c.Purpose, &c.Header, &c.Shared, &ends, &archived,
		&by, &created, &updated, &c.LastPostID, &lastAt}, more...)...)
	c.TeamID, c.CreatedBy = team.Int64, by.Int64
	c.EndsAt, c.ArchivedAt = fromNullMS(ends), fromNullMS(archived)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	if lastAt > 0 {
		t := fromMS(lastAt)
		c.LastPostAt = &t
	}
	return c, err
}

// CreateChannel stores a channel and its first members (for a team channel,
// its creator as channel admin; for direct and group messages, everyone in it).
func (s *Store) CreateChannel(ctx context.Context, c model.Channel, members []model.ChannelMember) (model.Channel, error) {
	err := s.InTx(ctx, func(tx *Store) error {
		id, err := tx.insert(ctx, `INSERT INTO channels (team_id, kind, name, display_name, purpose, header, shared, ends_at,
			created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			nullID(c.TeamID), c.Kind, c.Name, c.DisplayName, c.Purpose, c.Header, c.Shared, nullMS(c.EndsAt),
			nullID(c.CreatedBy), ms(c.CreatedAt), ms(c.UpdatedAt))
		if err != nil {
			return err
		}
		c.ID = id
		for _, m := range members {
			m.ChannelID = id
			if err := tx.AddChannelMember(ctx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c, fmt.Errorf("store: create channel %q: %w", c.Name, err)
	}
	return c, nil
}

// Channel returns one channel.
func (s *Store) Channel(ctx context.Context, id int64) (model.Channel, error) {
	c, err := scanChannel(s.queryRow(ctx, "SELECT "+channelColumns+" FROM channels c WHERE c.id = ?", id))
	if err != nil {
		return c, fmt.Errorf("store: channel %d: %w", id, s.mapErr(err))
	}
	return c, nil
}

// DirectChannel finds a direct or group channel by its member key.
func (s *Store) DirectChannel(ctx context.Context, name string) (model.Channel, error) {
	c, err := scanChannel(s.queryRow(ctx, "SELECT "+channelColumns+" FROM channels c WHERE c.team_id IS NULL AND c.name = ?", name))
	if err != nil {
		return c, fmt.Errorf("store: direct channel: %w", s.mapErr(err))
	}
	return c, nil
}

// TeamChannels lists a team's channels of the given kind, by name.
func (s *Store) TeamChannels(ctx context.Context, teamID int64, kind model.ChannelKind) ([]model.Channel, error) {
	out, err := queryAll(ctx, s, channelOnly, "SELECT "+channelColumns+" FROM channels c WHERE c.team_id = ? AND c.kind = ? ORDER BY c.name", teamID, kind)
	if err != nil {
		return nil, fmt.Errorf("store: team channels: %w", err)
	}
	return out, nil
}

// UpdateChannel saves a channel's editable fields.
func (s *Store) UpdateChannel(ctx context.Context, c model.Channel) error {
	err := affectedOne(s.exec(ctx, `UPDATE channels SET display_name = ?, purpose = ?, header = ?, shared = ?, ends_at = ?,
		archived_at = ?, updated_at = ? WHERE id = ?`,
		c.DisplayName, c.Purpose, c.Header, c.Shared, nullMS(c.EndsAt), nullMS(c.ArchivedAt), ms(c.UpdatedAt), c.ID))
	if err != nil {
		return fmt.Errorf("store: update channel %d: %w", c.ID, err)
	}
	return nil
}

const memberColumns = "m.channel_id, m.user_id, m.admin, m.notify, m.muted, m.favorite, m.sort_order, m.last_read_id, m.mention_count, m.joined_at"

func scanMember(sc scanner) (model.ChannelMember, error) {
	var (
		m      model.ChannelMember
		joined int64
	)
	err := sc.Scan(memberDest(&m, &joined)...)
	m.JoinedAt = fromMS(joined)
	return m, err
}

func memberDest(m *model.ChannelMember, joined *int64) []any {
	return []any{&m.ChannelID, &m.UserID, &m.Admin, &m.Notify, &m.Muted, &m.Favorite, &m.SortOrder, &m.LastReadID, &m.MentionCount, joined}
}

// AddChannelMember adds a member; being one already changes nothing. A new
// member has read everything posted before joining.
func (s *Store) AddChannelMember(ctx context.Context, m model.ChannelMember) error {
	if m.Notify == "" {
		m.Notify = model.NotifyDefault
	}
	_, err := s.exec(ctx, `INSERT INTO channel_members (channel_id, user_id, admin, notify, last_read_id, joined_at)
		VALUES (?, ?, ?, ?, (SELECT last_post_id FROM channels WHERE id = ?), ?) ON CONFLICT (channel_id, user_id) DO NOTHING`,
		m.ChannelID, m.UserID, m.Admin, m.Notify, m.ChannelID, ms(m.JoinedAt))
	if err != nil {
		return fmt.Errorf("store: add channel member: %w", err)
	}
	return nil
}

// RemoveChannelMember takes a user out of a channel.
func (s *Store) RemoveChannelMember(ctx context.Context, channelID, userID int64) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM channel_members WHERE channel_id = ? AND user_id = ?", channelID, userID)); err != nil {
		return fmt.Errorf("store: remove channel member: %w", err)
	}
	return nil
}

// ChannelMember returns a user's membership of a channel (model.ErrNotFound if none).
func (s *Store) ChannelMember(ctx context.Context, channelID, userID int64) (model.ChannelMember, error) {
	var (
		m      model.ChannelMember
		joined int64
	)
	err := s.queryRow(ctx, "SELECT "+memberColumns+" FROM channel_members m WHERE m.channel_id = ? AND m.user_id = ?",
		channelID, userID).Scan(memberDest(&m, &joined)...)
	if err != nil {
		return m, fmt.Errorf("store: channel member: %w", s.mapErr(err))
	}
	m.JoinedAt = fromMS(joined)
	return m, nil
}

// ChannelMemberIDs lists the users of a channel.
func (s *Store) ChannelMemberIDs(ctx context.Context, channelID int64) ([]int64, error) {
	rows, err := s.query(ctx, "SELECT user_id FROM channel_members WHERE channel_id = ? ORDER BY user_id", channelID)
	if err != nil {
		return nil, fmt.Errorf("store: channel members: %w", err)
	}
	return collectIDs(rows)
}

// UserChannelIDs lists the channels a user is a member of.
func (s *Store) UserChannelIDs(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := s.query(ctx, "SELECT channel_id FROM channel_members WHERE user_id = ? ORDER BY channel_id", userID)
	if err != nil {
		return nil, fmt.Errorf("store: user channels: %w", err)
	}
	return collectIDs(rows)
}

// SidebarChannel is a channel as a member sees it in the sidebar.
type SidebarChannel struct {
	Channel model.Channel       `json:"channel"`
	Member  model.ChannelMember `json:"member"`
	Unread  int                 `json:"unread"` // root posts after the read position, not counting one's own
}

// Sidebar lists the channels userID is a member of, with read state and
// unread counts, in one query.
func (s *Store) Sidebar(ctx context.Context, userID int64) ([]SidebarChannel, error) {
	rows, err := s.query(ctx, "SELECT "+channelColumns+", "+memberColumns+`,
		(SELECT COUNT(*) FROM posts p WHERE p.channel_id = c.id AND p.root_id IS NULL AND p.id > m.last_read_id
		   AND p.deleted_at IS NULL AND (p.user_id IS NULL OR p.user_id <> m.user_id))
		FROM channel_members m JOIN channels c ON c.id = m.channel_id
		WHERE m.user_id = ? ORDER BY m.favorite DESC, m.sort_order, c.last_post_at DESC, c.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("store: sidebar: %w", err)
	}
	defer rows.Close()
	var out []SidebarChannel
	for rows.Next() {
		var (
			sc     SidebarChannel
			joined int64
		)
		dest := append(memberDest(&sc.Member, &joined), &sc.Unread)
		c, err := scanChannel(rows, dest...)
		if err != nil {
			return nil, err
		}
		sc.Channel, sc.Member.JoinedAt = c, fromMS(joined)
		out = append(out, sc)
	}
	return out, rows.Err()
}

// MarkRead moves a member's read position to postID (never backwards unless
// back is set: "mark as unread") and clears their mention count.
func (s *Store) MarkRead(ctx context.Context, channelID, userID, postID int64, back bool) error {
	q := "UPDATE channel_members SET last_read_id = ?, mention_count = 0 WHERE channel_id = ? AND user_id = ? AND last_read_id < ?"
	args := []any{postID, channelID, userID, postID}
	if back {
		q = "UPDATE channel_members SET last_read_id = ? WHERE channel_id = ? AND user_id = ?"
		args = args[:3]
	}
	_, err := s.exec(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("store: mark read: %w", err)
	}
	return nil
}

// ArchiveEndedChannels archives temporary channels whose end date is past.
func (s *Store) ArchiveEndedChannels(ctx context.Context, now time.Time) ([]int64, error) {
	rows, err := s.w.QueryContext(ctx, s.q(`UPDATE channels SET archived_at = ?, updated_at = ?
		WHERE ends_at IS NOT NULL AND ends_at <= ? AND archived_at IS NULL RETURNING id`), ms(now), ms(now), ms(now))
	if err != nil {
		return nil, fmt.Errorf("store: archive ended channels: %w", s.mapErr(err))
	}
	return collectIDs(rows)
}

// SharesChannel reports whether two users are members of a common channel.
func (s *Store) SharesChannel(ctx context.Context, a, b int64) (bool, error) {
	var n int
	err := s.queryRow(ctx, `SELECT COUNT(*) FROM channel_members x JOIN channel_members y ON y.channel_id = x.channel_id
		WHERE x.user_id = ? AND y.user_id = ?`, a, b).Scan(&n)
	return n > 0, s.mapErr(err)
}

// ChannelMembers lists a channel's memberships with their preferences.
func (s *Store) ChannelMembers(ctx context.Context, channelID int64) ([]model.ChannelMember, error) {
	out, err := queryAll(ctx, s, scanMember, "SELECT "+memberColumns+" FROM channel_members m WHERE m.channel_id = ? ORDER BY m.user_id", channelID)
	if err != nil {
		return nil, fmt.Errorf("store: channel members: %w", err)
	}
	return out, nil
}

// SetMemberPrefs saves a member's own preferences for a channel.
func (s *Store) SetMemberPrefs(ctx context.Context, m model.ChannelMember) error {
	err := affectedOne(s.exec(ctx, `UPDATE channel_members SET notify = ?, muted = ?, favorite = ?, sort_order = ?
		WHERE channel_id = ? AND user_id = ?`, m.Notify, m.Muted, m.Favorite, m.SortOrder, m.ChannelID, m.UserID))
	if err != nil {
		return fmt.Errorf("store: member prefs: %w", err)
	}
	return nil
}

// MembersToNotify lists the memberships of a channel that may be notified
// of a post: those notified of every post (set to "all", or by default in
// direct and group messages) and those in mentioned. The rest need no look.
func (s *Store) MembersToNotify(ctx context.Context, channelID int64, direct bool, mentioned []int64) ([]model.ChannelMember, error) {
	// Two index lookups (channel_members_notify, then the primary key): the
	// channel's other members are not read. (With an OR, or an ORDER BY user_id,
	// SQLite would walk the channel's members in the primary key instead.)
	q := "SELECT " + memberColumns + " FROM channel_members m WHERE m.channel_id = ? AND m.notify IN (?, ?)"
	other := model.NotifyAll // no second level outside direct messages
	if direct {
		other = model.NotifyDefault
	}
	args := []any{channelID, model.NotifyAll, other}
	if len(mentioned) > 0 {
		q += " UNION SELECT " + memberColumns + " FROM channel_members m WHERE m.channel_id = ? AND m.user_id IN (?" +
			strings.Repeat(", ?", len(mentioned)-1) + ")"
		args = append(args, channelID)
		for _, u := range mentioned {
			args = append(args, u)
		}
	}
	out, err := queryAll(ctx, s, scanMember, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: members to notify: %w", err)
	}
	slices.SortFunc(out, func(a, b model.ChannelMember) int { return cmp.Compare(a.UserID, b.UserID) })
	return out, nil
}
