package chat

import (
	"context"
	"errors"
	"fmt"
	"time"

	"ruche/internal/access"
	"ruche/internal/model"
	"ruche/internal/store"
)

// Events of a user's own lists (sent to that user only).
const (
	EventThreadUpdated = "thread.updated" // followed, unfollowed or read
	EventPostSaved     = "post.saved"
	EventPostPinned    = "post.pinned"
)

// Pin pins (or unpins) a post of a channel the actor may post in.
func (s *Service) Pin(ctx context.Context, actor access.Actor, id int64, pin bool) error {
	p, c, err := s.post(ctx, actor, id, access.PostChannel)
	if err != nil {
		return err
	}
	var at *time.Time
	if pin {
		now := s.now()
		at = &now
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.SetPinned(ctx, p.ID, at); err != nil {
			return nil, err
		}
		return []event{{Type: EventPostPinned, TeamID: c.TeamID, ChannelID: c.ID, Data: map[string]any{"post_id": p.ID, "pinned": pin}}}, nil
	})
}

// Pinned lists a channel's pinned posts.
func (s *Service) Pinned(ctx context.Context, actor access.Actor, channelID int64) ([]PostView, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.ReadChannel)
	if err != nil {
		return nil, err
	}
	posts, err := s.st.PinnedPosts(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return s.views(ctx, s.st, c, posts)
}

// Save saves (or forgets) a post for later, for the actor only.
func (s *Service) Save(ctx context.Context, actor access.Actor, id int64, save bool) error {
	p, _, err := s.post(ctx, actor, id, access.ReadChannel)
	if err != nil {
		return err
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.SavePost(ctx, actor.UserID, p.ID, !save, s.now()); err != nil {
			return nil, err
		}
		return []event{{Type: EventPostSaved, UserID: actor.UserID, Data: map[string]any{"post_id": p.ID, "saved": save}}}, nil
	})
}

// Saved lists the actor's saved posts (in channels they are still in).
func (s *Service) Saved(ctx context.Context, actor access.Actor) ([]PostView, error) {
	if !actor.SignedIn() {
		return nil, fmt.Errorf("chat: saved: %w", model.ErrUnauthorized)
	}
	posts, err := s.st.SavedPosts(ctx, actor.UserID, MaxPage)
	if err != nil {
		return nil, err
	}
	return s.viewsAcross(ctx, posts)
}

// viewsAcross renders posts from several channels, keeping their order.
func (s *Service) viewsAcross(ctx context.Context, posts []model.Post) ([]PostView, error) {
	out := make([]PostView, 0, len(posts))
	channels := map[int64]model.Channel{}
	for _, p := range posts {
		c, ok := channels[p.ChannelID]
		if !ok {
			var err error
			if c, err = s.st.Channel(ctx, p.ChannelID); err != nil {
				return nil, err
			}
			channels[c.ID] = c
		}
		v, err := s.views(ctx, s.st, c, []model.Post{p})
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// Follow starts (or stops) following a thread; replying or being mentioned
// in it starts following it too.
func (s *Service) Follow(ctx context.Context, actor access.Actor, postID int64, follow bool) error {
	p, _, err := s.post(ctx, actor, postID, access.ReadChannel)
	if err != nil {
		return err
	}
	root := p.ID
	if p.RootID != 0 {
		root = p.RootID
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.FollowThread(ctx, root, actor.UserID, follow, s.now()); err != nil {
			return nil, err
		}
		return []event{{Type: EventThreadUpdated, UserID: actor.UserID, Data: map[string]any{"root_id": root, "following": follow}}}, nil
	})
}

// MarkThreadRead marks a thread read for the actor.
func (s *Service) MarkThreadRead(ctx context.Context, actor access.Actor, rootID int64) error {
	p, _, err := s.post(ctx, actor, rootID, access.ReadChannel)
	if err != nil {
		return err
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.MarkThreadRead(ctx, p.ID, actor.UserID); err != nil {
			return nil, err
		}
		return []event{{Type: EventThreadUpdated, UserID: actor.UserID, Data: map[string]any{"root_id": p.ID, "read": true}}}, nil
	})
}

// ThreadView is a followed thread as the Threads view shows it.
type ThreadView struct {
	Root          PostView          `json:"root"`
	State         model.ThreadState `json:"state"`
	UnreadReplies int               `json:"unread_replies"`
}

// Threads lists the threads the actor follows, most recently active first.
func (s *Service) Threads(ctx context.Context, actor access.Actor, unreadOnly bool) ([]ThreadView, error) {
	if !actor.SignedIn() {
		return nil, fmt.Errorf("chat: threads: %w", model.ErrUnauthorized)
	}
	list, err := s.st.FollowedThreads(ctx, actor.UserID, unreadOnly, MaxPage)
	if err != nil {
		return nil, err
	}
	roots := make([]model.Post, len(list))
	for i, t := range list {
		roots[i] = t.Root
	}
	views, err := s.viewsAcross(ctx, roots)
	if err != nil {
		return nil, err
	}
	out := make([]ThreadView, len(list))
	for i, t := range list {
		out[i] = ThreadView{Root: views[i], State: t.State, UnreadReplies: t.Unread}
	}
	return out, nil
}

// CatchUp is everything a member has not read, across channels and threads:
// the view of someone back after a week.
type CatchUp struct {
	Channels []CatchUpChannel `json:"channels"`
	Threads  []CatchUpThread  `json:"threads"`
}

// CatchUpChannel is a channel's unread posts (up to PerChannel, oldest first).
type CatchUpChannel struct {
	Channel  model.Channel `json:"channel"`
	Unread   int           `json:"unread"`
	Mentions int           `json:"mentions"`
	Posts    []PostView    `json:"posts"`
}

// CatchUpThread is a followed thread's unread replies.
type CatchUpThread struct {
	Root    PostView   `json:"root"`
	Replies []PostView `json:"replies"`
	Unread  int        `json:"unread"`
}

// PerChannel bounds the posts the catch-up view shows per channel or thread;
// the rest is one click away in the channel itself.
const PerChannel = 20

// CatchUp gathers the actor's unread posts in every channel (muted ones
// last) and followed thread, oldest first within each.
func (s *Service) CatchUp(ctx context.Context, actor access.Actor) (CatchUp, error) {
	out := CatchUp{Channels: []CatchUpChannel{}, Threads: []CatchUpThread{}}
	side, err := s.Sidebar(ctx, actor)
	if err != nil {
		return out, err
	}
	var muted []CatchUpChannel
	for _, sc := range side {
		if sc.Unread == 0 && sc.Member.MentionCount == 0 {
			continue
		}
		posts, err := s.st.UnreadPosts(ctx, sc.Channel.ID, sc.Member.LastReadID, PerChannel)
		if err != nil {
			return out, err
		}
		views, err := s.views(ctx, s.st, sc.Channel, posts)
		if err != nil {
			return out, err
		}
		cc := CatchUpChannel{Channel: sc.Channel, Unread: sc.Unread, Mentions: sc.Member.MentionCount, Posts: views}
		if sc.Member.Muted {
			muted = append(muted, cc)
		} else {
			out.Channels = append(out.Channels, cc)
		}
	}
	out.Channels = append(out.Channels, muted...)
	threads, err := s.st.FollowedThreads(ctx, actor.UserID, true, MaxPage)
	if err != nil {
		return out, err
	}
	for _, t := range threads {
		c, err := s.st.Channel(ctx, t.Root.ChannelID)
		if err != nil {
			return out, err
		}
		replies, err := s.st.RepliesAfter(ctx, t.Root.ID, t.State.LastReadID, PerChannel)
		if err != nil {
			return out, err
		}
		views, err := s.views(ctx, s.st, c, append([]model.Post{t.Root}, replies...))
		if err != nil {
			return out, err
		}
		out.Threads = append(out.Threads, CatchUpThread{Root: views[0], Replies: views[1:], Unread: t.Unread})
	}
	return out, nil
}

// SetRetention sets how many days a team's or a channel's messages are kept
// (0: for ever). Org admins only.
func (s *Service) SetRetention(ctx context.Context, actor access.Actor, teamID, channelID int64, days int) error {
	if err := access.Check(actor, access.ManageRetention, access.Team{ID: teamID}); err != nil {
		return err
	}
	if (teamID == 0) == (channelID == 0) {
		return model.Invalid("target", "give a team or a channel")
	}
	if days < 0 || days > 36500 {
		return model.Invalid("days", "must be 0 (keep for ever) to 36500")
	}
	if teamID != 0 {
		if _, err := s.st.Team(ctx, teamID); err != nil {
			return err
		}
	} else if _, err := s.st.Channel(ctx, channelID); err != nil {
		return err
	}
	return s.st.SetRetention(ctx, teamID, channelID, days)
}

// RetentionPolicies lists the policies (org admins).
func (s *Service) RetentionPolicies(ctx context.Context, actor access.Actor) ([]store.RetentionPolicy, error) {
	if err := access.Check(actor, access.ManageRetention, access.Team{}); err != nil {
		return nil, err
	}
	return s.st.RetentionPolicies(ctx)
}

// applyRetention deletes, for good, the posts older than their policy allows,
// in bounded batches; clients are told as for a deletion.
func (s *Service) applyRetention(ctx context.Context) error {
	policies, err := s.st.RetentionPolicies(ctx)
	if err != nil {
		return err
	}
	for _, p := range policies {
		ids, err := s.st.ExpiredPosts(ctx, p, s.now().AddDate(0, 0, -p.Days), 1000)
		if err != nil {
			return err
		}
		for _, id := range ids {
			post, err := s.st.Post(ctx, id)
			if err != nil {
				continue // a reply removed with its root
			}
			files, err := s.st.PostFiles(ctx, id, true)
			if err != nil {
				return err
			}
			err = s.change(ctx, func(tx *store.Store) ([]event, error) {
				if err := tx.PurgePost(ctx, id); err != nil {
					return nil, err
				}
				return []event{{Type: EventPostDeleted, ChannelID: post.ChannelID,
					Data: map[string]int64{"id": id, "channel_id": post.ChannelID, "root_id": post.RootID}}}, nil
			})
			if err != nil {
				return err
			}
			s.deleteBlobs(ctx, files)
		}
	}
	return nil
}

// Following reports whether the actor follows the thread of a post.
func (s *Service) Following(ctx context.Context, actor access.Actor, postID int64) (bool, error) {
	p, _, err := s.post(ctx, actor, postID, access.ReadChannel)
	if err != nil {
		return false, err
	}
	root := p.ID
	if p.RootID != 0 {
		root = p.RootID
	}
	st, err := s.st.ThreadState(ctx, root, actor.UserID)
	if errors.Is(err, model.ErrNotFound) {
		return false, nil
	}
	return st.Following, err
}
