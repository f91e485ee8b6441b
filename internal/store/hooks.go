package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"ruche/internal/model"
)

const incomingColumns = "id, channel_id, name, token_hash, created_by, created_at, disabled"

func scanIncoming(sc scanner) (model.IncomingHook, error) {
	var (
		h       model.IncomingHook
		created int64
	)
	err := sc.Scan(&h.ID, &h.ChannelID, &h.Name, &h.TokenHash, &h.CreatedBy, &created, &h.Disabled)
	h.CreatedAt = fromMS(created)
	return h, err
}

// CreateIncomingHook stores an incoming webhook (its ID is ignored).
func (s *Store) CreateIncomingHook(ctx context.Context, h model.IncomingHook) (model.IncomingHook, error) {
	id, err := s.insert(ctx, `INSERT INTO incoming_hooks (channel_id, name, token_hash, created_by, created_at, disabled)
		VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, h.ChannelID, h.Name, h.TokenHash, h.CreatedBy, ms(h.CreatedAt), h.Disabled)
	if err != nil {
		return h, fmt.Errorf("store: create incoming hook: %w", err)
	}
	h.ID = id
	return h, nil
}

// IncomingHook returns an incoming webhook by id.
func (s *Store) IncomingHook(ctx context.Context, id int64) (model.IncomingHook, error) {
	h, err := scanIncoming(s.queryRow(ctx, "SELECT "+incomingColumns+" FROM incoming_hooks WHERE id = ?", id))
	if err != nil {
		return h, fmt.Errorf("store: incoming hook %d: %w", id, s.mapErr(err))
	}
	return h, nil
}

// IncomingHookByHash returns the incoming webhook whose secret hashes to
// hash, disabled or not.
func (s *Store) IncomingHookByHash(ctx context.Context, hash []byte) (model.IncomingHook, error) {
	h, err := scanIncoming(s.queryRow(ctx, "SELECT "+incomingColumns+" FROM incoming_hooks WHERE token_hash = ?", hash))
	if err != nil {
		return h, fmt.Errorf("store: incoming hook: %w", s.mapErr(err))
	}
	return h, nil
}

// IncomingHooks lists a channel's incoming webhooks, oldest first.
func (s *Store) IncomingHooks(ctx context.Context, channelID int64) ([]model.IncomingHook, error) {
	out, err := queryAll(ctx, s, scanIncoming, "SELECT "+incomingColumns+" FROM incoming_hooks WHERE channel_id = ? ORDER BY id", channelID)
	if err != nil {
		return nil, fmt.Errorf("store: incoming hooks: %w", err)
	}
	return out, nil
}

// SetIncomingHookDisabled turns an incoming webhook off or on again.
func (s *Store) SetIncomingHookDisabled(ctx context.Context, id int64, disabled bool) error {
	if err := affectedOne(s.exec(ctx, "UPDATE incoming_hooks SET disabled = ? WHERE id = ?", disabled, id)); err != nil {
		return fmt.Errorf("store: disable incoming hook %d: %w", id, err)
	}
	return nil
}

// DeleteIncomingHook deletes an incoming webhook: its URL stops working.
func (s *Store) DeleteIncomingHook(ctx context.Context, id int64) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM incoming_hooks WHERE id = ?", id)); err != nil {
		return fmt.Errorf("store: delete incoming hook %d: %w", id, err)
	}
	return nil
}

const outgoingColumns = "id, team_id, channel_id, name, trigger_words, callback_url, content_type, token, created_by, created_at, disabled"

func scanOutgoing(sc scanner) (model.OutgoingHook, error) {
	var (
		h        model.OutgoingHook
		channel  sql.NullInt64
		triggers string
		created  int64
	)
	err := sc.Scan(&h.ID, &h.TeamID, &channel, &h.Name, &triggers, &h.CallbackURL, &h.ContentType, &h.Token,
		&h.CreatedBy, &created, &h.Disabled)
	h.ChannelID, h.TriggerWords, h.CreatedAt = channel.Int64, strings.Fields(triggers), fromMS(created)
	return h, err
}

// CreateOutgoingHook stores an outgoing webhook (its ID is ignored). Trigger
// words must not contain white space.
func (s *Store) CreateOutgoingHook(ctx context.Context, h model.OutgoingHook) (model.OutgoingHook, error) {
	id, err := s.insert(ctx, `INSERT INTO outgoing_hooks (team_id, channel_id, name, trigger_words, callback_url, content_type,
		token, created_by, created_at, disabled) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		h.TeamID, nullID(h.ChannelID), h.Name, strings.Join(h.TriggerWords, " "), h.CallbackURL, h.ContentType,
		h.Token, h.CreatedBy, ms(h.CreatedAt), h.Disabled)
	if err != nil {
		return h, fmt.Errorf("store: create outgoing hook: %w", err)
	}
	h.ID = id
	return h, nil
}

// OutgoingHook returns an outgoing webhook by id.
func (s *Store) OutgoingHook(ctx context.Context, id int64) (model.OutgoingHook, error) {
	h, err := scanOutgoing(s.queryRow(ctx, "SELECT "+outgoingColumns+" FROM outgoing_hooks WHERE id = ?", id))
	if err != nil {
		return h, fmt.Errorf("store: outgoing hook %d: %w", id, s.mapErr(err))
	}
	return h, nil
}

// OutgoingHooks lists the outgoing webhooks of a channel, oldest first.
func (s *Store) OutgoingHooks(ctx context.Context, channelID int64) ([]model.OutgoingHook, error) {
	return s.outgoing(ctx, "SELECT "+outgoingColumns+" FROM outgoing_hooks WHERE channel_id = ? ORDER BY id", channelID)
}

// WatchingHooks lists the enabled outgoing webhooks that watch a channel:
// its own, and when public is set, those of its team that watch every
// public channel.
func (s *Store) WatchingHooks(ctx context.Context, teamID, channelID int64, public bool) ([]model.OutgoingHook, error) {
	return s.outgoing(ctx, "SELECT "+outgoingColumns+` FROM outgoing_hooks
		WHERE disabled = ? AND (channel_id = ? OR (channel_id IS NULL AND team_id = ? AND ?)) ORDER BY id`,
		false, channelID, teamID, public)
}

func (s *Store) outgoing(ctx context.Context, q string, args ...any) ([]model.OutgoingHook, error) {
	out, err := queryAll(ctx, s, scanOutgoing, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: outgoing hooks: %w", err)
	}
	return out, nil
}

// SetOutgoingHookDisabled turns an outgoing webhook off or on again.
func (s *Store) SetOutgoingHookDisabled(ctx context.Context, id int64, disabled bool) error {
	if err := affectedOne(s.exec(ctx, "UPDATE outgoing_hooks SET disabled = ? WHERE id = ?", disabled, id)); err != nil {
		return fmt.Errorf("store: disable outgoing hook %d: %w", id, err)
	}
	return nil
}

// DeleteOutgoingHook deletes an outgoing webhook.
func (s *Store) DeleteOutgoingHook(ctx context.Context, id int64) error {
	if err := affectedOne(s.exec(ctx, "DELETE FROM outgoing_hooks WHERE id = ?", id)); err != nil {
		return fmt.Errorf("store: delete outgoing hook %d: %w", id, err)
	}
	return nil
}

// ClaimDelivery records that this node sends post postID to hook hookID. It
// reports false when another node (or an earlier call) claimed it first: with
// several nodes, each sees every post event, and only one must send it.
func (s *Store) ClaimDelivery(ctx context.Context, hookID, postID int64, at time.Time) (bool, error) {
	res, err := s.exec(ctx, "INSERT INTO outgoing_deliveries (hook_id, post_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		hookID, postID, ms(at))
	if err != nil {
		return false, fmt.Errorf("store: claim delivery: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// PruneDeliveries forgets claims older than before.
func (s *Store) PruneDeliveries(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.exec(ctx, "DELETE FROM outgoing_deliveries WHERE created_at < ?", ms(before))
	if err != nil {
		return 0, fmt.Errorf("store: prune deliveries: %w", err)
	}
	return res.RowsAffected()
}

// CreateBot stores a bot account (no password: it cannot sign in) and its
// first API token in one transaction.
func (s *Store) CreateBot(ctx context.Context, u model.User, t model.Token) (model.User, model.Token, error) {
	u.PasswordHash = ""
	err := s.InTx(ctx, func(tx *Store) error {
		var err error
		if u, err = tx.CreateUser(ctx, u); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, "UPDATE users SET bot = ? WHERE id = ?", true, u.ID); err != nil {
			return err
		}
		t.UserID = u.ID
		t, err = tx.CreateToken(ctx, t)
		return err
	})
	if err != nil {
		return u, t, fmt.Errorf("store: create bot: %w", err)
	}
	return u, t, nil
}

// Bots lists the bot accounts by login.
func (s *Store) Bots(ctx context.Context) ([]model.User, error) {
	out, err := queryAll(ctx, s, scanUser, "SELECT "+userColumns+" FROM users WHERE bot = ? ORDER BY login", true)
	if err != nil {
		return nil, fmt.Errorf("store: bots: %w", err)
	}
	return out, nil
}

// Author is a user as a post shows them: with whether they are a bot.
type Author struct {
	model.User
	Bot bool
}

// withBot scans the user columns followed by the bot column.
type withBot struct {
	sc  scanner
	bot *bool
}

func (w withBot) Scan(dest ...any) error { return w.sc.Scan(append(dest, w.bot)...) }

// Authors returns the users with these ids (unknown ones are left out) and
// whether each is a bot, in one query.
func (s *Store) Authors(ctx context.Context, ids []int64) ([]Author, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	out, err := queryAll(ctx, s, func(sc scanner) (a Author, err error) {
		a.User, err = scanUser(withBot{sc, &a.Bot})
		return a, err
	}, "SELECT "+userColumns+", bot FROM users WHERE id IN (?"+strings.Repeat(", ?", len(ids)-1)+") ORDER BY id", args...)
	if err != nil {
		return nil, fmt.Errorf("store: authors: %w", err)
	}
	return out, nil
}

// TeamChannelByName returns the channel of a team with this name.
func (s *Store) TeamChannelByName(ctx context.Context, teamID int64, name string) (model.Channel, error) {
	c, err := scanChannel(s.queryRow(ctx, "SELECT "+channelColumns+" FROM channels c WHERE c.team_id = ? AND c.name = ?", teamID, name))
	if err != nil {
		return c, fmt.Errorf("store: channel %q: %w", name, s.mapErr(err))
	}
	return c, nil
}
