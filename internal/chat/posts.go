package chat

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"ruche/internal/access"
	"ruche/internal/markup"
	"ruche/internal/model"
	"ruche/internal/store"
)

// Author is what a post shows of its writer.
type Author struct {
	ID          int64      `json:"id"`
	Login       string     `json:"login"`
	DisplayName string     `json:"display_name"`
	Role        model.Role `json:"role"` // guests are shown as external
	Bot         bool       `json:"bot,omitempty"`
	// AvatarVersion is set when the writer has a picture: when their
	// account last changed (Unix milliseconds), so that the picture's
	// address, /avatars/{id}?v={avatar_version}, changes with it and may be
	// cached for long. Absent (0): no picture; the initials stand for them.
	AvatarVersion int64 `json:"avatar_version,omitempty"`
}

// AuthorOf is what posts show of user u.
func AuthorOf(u model.User, bot bool) Author {
	a := Author{ID: u.ID, Login: u.Login, DisplayName: u.Name(), Role: u.Role, Bot: bot}
	if u.HasAvatar {
		a.AvatarVersion = u.UpdatedAt.UnixMilli()
	}
	return a
}

// PostView is a post as clients get it: with its rendered, sanitized HTML.
type PostView struct {
	model.Post
	HTML        string       `json:"html"`
	Author      Author       `json:"author"`
	Integration *Integration `json:"props,omitempty"` // set on posts made by webhooks
}

// NewPost is what writing a post takes.
type NewPost struct {
	Message string  `json:"message"`
	RootID  int64   `json:"root_id"`
	FileIDs []int64 `json:"file_ids"` // uploaded with Upload to the same channel
}

func checkMessage(m string) (string, error) {
	m = strings.TrimRight(m, " \t\r\n")
	switch {
	case !utf8.ValidString(m):
		return m, &model.InvalidError{Field: "message", Reason: "message is not valid UTF-8", Key: "err.text"}
	case strings.TrimSpace(m) == "":
		return m, &model.InvalidError{Field: "message", Reason: "message is empty", Key: "err.message_empty"}
	case utf8.RuneCountInString(m) > markup.MaxLength:
		return m, &model.InvalidError{Field: "message", Reason: fmt.Sprintf("message must have at most %d characters", markup.MaxLength), Key: "err.message_long"}
	}
	return m, nil
}

// CreatePost writes a post (or a reply when RootID is set) as the actor.
func (s *Service) CreatePost(ctx context.Context, actor access.Actor, channelID int64, n NewPost) (PostView, error) {
	return s.createPost(ctx, actor, channelID, n, "")
}

func (s *Service) createPost(ctx context.Context, actor access.Actor, channelID int64, n NewPost, props string) (PostView, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.PostChannel)
	if err != nil {
		return PostView{}, err
	}
	msg := n.Message
	if (len(n.FileIDs) > 0 || props != "") && strings.TrimSpace(msg) == "" {
		msg = "" // files alone, or an integration's attachments, are a post
	} else if msg, err = checkMessage(msg); err != nil {
		return PostView{}, err
	}
	if len(n.FileIDs) > MaxFilesPerPost {
		return PostView{}, &model.InvalidError{Field: "file_ids", Reason: fmt.Sprintf("at most %d files per post", MaxFilesPerPost), Key: "err.files"}
	}
	p := model.Post{ChannelID: c.ID, UserID: actor.UserID, Message: msg, Props: props, CreatedAt: s.now()}
	for _, id := range n.FileIDs {
		p.Files = append(p.Files, model.File{ID: id})
	}
	if n.RootID != 0 {
		root, err := s.st.Post(ctx, n.RootID)
		if err != nil || root.ChannelID != c.ID || root.DeletedAt != nil {
			return PostView{}, &model.InvalidError{Field: "root_id", Reason: "no such post in this channel", Key: "err.root"}
		}
		p.RootID = root.ID
		if root.RootID != 0 {
			p.RootID = root.RootID // a reply to a reply joins the same thread
		}
	}
	first := markup.Render(msg, nil)
	mentioned, byName, err := s.mentioned(ctx, c, actor.UserID, first)
	if err != nil {
		return PostView{}, err
	}
	if p.HTML, err = s.resolve(ctx, c, msg, first); err != nil {
		return PostView{}, err
	}
	var view PostView
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		var err error
		if p, err = tx.CreatePost(ctx, p, mentioned); err != nil {
			if errors.Is(err, model.ErrInvalid) {
				return nil, &model.InvalidError{Field: "file_ids", Reason: "unknown file, or already attached", Key: "err.files"}
			}
			return nil, err
		}
		views, err := s.views(ctx, tx, c, []model.Post{p})
		if err != nil {
			return nil, err
		}
		view = views[0]
		return s.posted(ctx, tx, p, event{Type: EventPostCreated, TeamID: c.TeamID, ChannelID: c.ID, Data: postEvent{view, mentioned}})
	})
	if err == nil {
		s.notify(ctx, c, view, mentioned, byName)
	}
	return view, err
}

// postEvent is a created post as its event carries it: with the users it
// mentions, so that their clients count the mention and notify.
type postEvent struct {
	PostView
	Mentions []int64 `json:"mentions,omitempty"`
}

// mentioned returns the members of c (not the author) a message mentions,
// by login or all of them with @channel, @here or @all, and among them those
// mentioned by login.
func (s *Service) mentioned(ctx context.Context, c model.Channel, author int64, r markup.Result) (all, byName []int64, err error) {
	if len(r.Mentions) == 0 && len(r.Special) == 0 {
		return nil, nil, nil
	}
	members, err := s.st.ChannelMemberIDs(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(r.Mentions) > 0 {
		users, err := s.st.UsersByLogins(ctx, r.Mentions)
		if err != nil {
			return nil, nil, err
		}
		for _, u := range users {
			if u.ID != author && slices.Contains(members, u.ID) {
				byName = append(byName, u.ID)
			}
		}
	}
	all = byName
	if len(r.Special) > 0 {
		all = slices.DeleteFunc(slices.Clone(members), func(id int64) bool { return id == author })
	}
	return all, byName, nil
}

// resolver resolves mentions and channel links for one channel's posts.
type resolver struct {
	users    map[string]string
	channels map[string]string
}

func (r resolver) User(login string) (string, bool) {
	n, ok := r.users[login]
	return n, ok
}

func (r resolver) Channel(name string) (string, bool) {
	u, ok := r.channels[name]
	return u, ok
}

// render turns a message of channel c into sanitized HTML, resolving
// @mentions to names and ~channel links to the team's public channels. It is
// done once, when a post is written or edited, and kept with the post.
func (s *Service) render(ctx context.Context, c model.Channel, message string) (string, error) {
	return s.resolve(ctx, c, message, markup.Render(message, nil))
}

// resolve finishes render from the message rendered without resolving
// anything (r): that is the HTML when it mentions nobody and no channel.
func (s *Service) resolve(ctx context.Context, c model.Channel, message string, r markup.Result) (string, error) {
	if len(r.Mentions) == 0 && len(r.Channels) == 0 {
		return r.HTML, nil
	}
	res := resolver{users: map[string]string{}, channels: map[string]string{}}
	users, err := s.st.UsersByLogins(ctx, r.Mentions)
	if err != nil {
		return "", err
	}
	for _, u := range users {
		res.users[u.Login] = u.Name()
	}
	if len(r.Channels) > 0 && c.TeamID != 0 {
		public, err := s.st.TeamChannels(ctx, c.TeamID, model.ChannelPublic)
		if err != nil {
			return "", err
		}
		for _, ch := range public {
			res.channels[ch.Name] = "/chat/c/" + strconv.FormatInt(ch.ID, 10)
		}
	}
	return markup.Render(message, res).HTML, nil
}

// views gives posts of channel c their authors (one query whatever their
// number) and their HTML.
func (s *Service) views(ctx context.Context, st *store.Store, c model.Channel, posts []model.Post) ([]PostView, error) {
	authorIDs := make([]int64, 0, len(posts))
	for _, p := range posts {
		authorIDs = append(authorIDs, p.UserID)
	}
	slices.Sort(authorIDs)
	users, err := st.Authors(ctx, slices.Compact(authorIDs))
	if err != nil {
		return nil, err
	}
	return s.present(ctx, c, posts, users)
}

// present gives posts of channel c their authors, among users, and their
// HTML, rendering only posts written before the rendering was kept.
func (s *Service) present(ctx context.Context, c model.Channel, posts []model.Post, users []store.Author) ([]PostView, error) {
	authors := make(map[int64]Author, len(users))
	for _, u := range users {
		authors[u.ID] = AuthorOf(u.User, u.Bot)
	}
	out := make([]PostView, len(posts))
	for i, p := range posts {
		html := p.HTML
		if html == "" && p.Message != "" {
			var err error
			if html, err = s.render(ctx, c, p.Message); err != nil {
				return nil, err
			}
		}
		attachments, from := integration(p.Props)
		out[i] = PostView{Post: p, HTML: html + attachments, Author: authors[p.UserID], Integration: from}
	}
	return out, nil
}

// MaxPage is the most posts one history request returns.
const MaxPage = 200

// Posts returns a page of a channel's history: root posts older than before
// (0: the latest), newest first.
func (s *Service) Posts(ctx context.Context, actor access.Actor, channelID, before int64, limit int) ([]PostView, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.ReadChannel)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxPage {
		limit = 60
	}
	// The authors come with the posts, read now: a name or picture changed
	// a moment ago shows on the next page.
	posts, authors, err := s.st.ChannelPage(ctx, c.ID, before, limit)
	if err != nil {
		return nil, err
	}
	return s.present(ctx, c, posts, authors)
}

// post loads a post and checks act on it (ReadChannel for reading).
func (s *Service) post(ctx context.Context, actor access.Actor, id int64, act access.Action) (model.Post, model.Channel, error) {
	p, err := s.st.Post(ctx, id)
	if err != nil {
		return p, model.Channel{}, err
	}
	if p.DeletedAt != nil {
		return p, model.Channel{}, fmt.Errorf("chat: post %d: %w", id, model.ErrNotFound)
	}
	c, f, err := s.channel(ctx, actor, p.ChannelID, access.ReadChannel)
	if err != nil {
		return p, c, err
	}
	switch act {
	case access.ReadChannel:
	case access.PostChannel:
		err = access.Check(actor, act, f)
	default:
		err = access.Check(actor, act, access.Post{Channel: f, AuthorID: p.UserID})
	}
	return p, c, err
}

// Thread returns a thread: its root first, then the replies, oldest first.
func (s *Service) Thread(ctx context.Context, actor access.Actor, postID int64) ([]PostView, error) {
	p, c, err := s.post(ctx, actor, postID, access.ReadChannel)
	if err != nil {
		return nil, err
	}
	root := p.ID
	if p.RootID != 0 {
		root = p.RootID
	}
	posts, err := s.st.Thread(ctx, root)
	if err != nil {
		return nil, err
	}
	return s.views(ctx, s.st, c, posts)
}

// EditPost changes the actor's own post; the earlier text is kept.
func (s *Service) EditPost(ctx context.Context, actor access.Actor, id int64, message string) (PostView, error) {
	p, c, err := s.post(ctx, actor, id, access.EditPost)
	if err != nil {
		return PostView{}, err
	}
	if p.Message, err = checkMessage(message); err != nil {
		return PostView{}, err
	}
	if p.HTML, err = s.render(ctx, c, p.Message); err != nil {
		return PostView{}, err
	}
	now := s.now()
	p.EditedAt = &now
	var view PostView
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.EditPost(ctx, p.ID, p.Message, p.HTML, now); err != nil {
			return nil, err
		}
		views, err := s.views(ctx, tx, c, []model.Post{p})
		if err != nil {
			return nil, err
		}
		view = views[0]
		return []event{{Type: EventPostEdited, TeamID: c.TeamID, ChannelID: c.ID, Data: view}}, nil
	})
	return view, err
}

// PostHistory returns a post's earlier texts, oldest first.
func (s *Service) PostHistory(ctx context.Context, actor access.Actor, id int64) ([]string, error) {
	if _, _, err := s.post(ctx, actor, id, access.ReadChannel); err != nil {
		return nil, err
	}
	return s.st.PostEdits(ctx, id)
}

// DeletePost deletes a post: the author's own, or any for a channel admin.
func (s *Service) DeletePost(ctx context.Context, actor access.Actor, id int64) error {
	p, c, err := s.post(ctx, actor, id, access.DeletePost)
	if err != nil {
		return err
	}
	files, err := s.st.PostFiles(ctx, p.ID, false)
	if err != nil {
		return err
	}
	err = s.change(ctx, func(tx *store.Store) ([]event, error) {
		if err := tx.DeletePost(ctx, p, s.now()); err != nil {
			return nil, err
		}
		if err := tx.DeletePostFiles(ctx, p.ID); err != nil {
			return nil, err
		}
		return []event{{Type: EventPostDeleted, TeamID: c.TeamID, ChannelID: c.ID,
			Data: map[string]int64{"id": p.ID, "channel_id": c.ID, "root_id": p.RootID}}}, nil
	})
	if err == nil {
		s.deleteBlobs(ctx, files) // rows first, bytes after the commit
	}
	return err
}

// MaxEmoji bounds a reaction's length.
const MaxEmoji = 64

// React adds (or with remove, takes back) the actor's reaction to a post.
// The emoji is a Unicode emoji or a :shortcode: that is known.
func (s *Service) React(ctx context.Context, actor access.Actor, id int64, emoji string, remove bool) error {
	p, c, err := s.post(ctx, actor, id, access.PostChannel)
	if err != nil {
		return err
	}
	if e, ok := markup.Emoji(strings.Trim(emoji, ":")); ok {
		emoji = e
	}
	if !isEmoji(emoji) {
		return &model.InvalidError{Field: "emoji", Reason: "not an emoji", Key: "err.emoji"}
	}
	r := model.Reaction{PostID: p.ID, UserID: actor.UserID, Emoji: emoji}
	typ := EventReactionAdded
	if remove {
		typ = EventReactionRemoved
	}
	return s.change(ctx, func(tx *store.Store) ([]event, error) {
		var err error
		if remove {
			err = tx.RemoveReaction(ctx, r)
		} else {
			err = tx.AddReaction(ctx, r, s.now())
		}
		if err != nil {
			return nil, err
		}
		return []event{{Type: typ, TeamID: c.TeamID, ChannelID: c.ID,
			Data: map[string]any{"post_id": p.ID, "user_id": actor.UserID, "emoji": emoji}}}, nil
	})
}

// isEmoji accepts a short string of emoji: symbols, joiners, selectors and
// skin tones, without ASCII letters or markup characters.
func isEmoji(s string) bool {
	if s == "" || len(s) > MaxEmoji || !utf8.ValidString(s) {
		return false
	}
	symbol := false
	for _, r := range s {
		switch {
		case r >= 0x2190:
			symbol = true
		case r == '#' || r == '*' || (r >= '0' && r <= '9') || r == 0x200d || r == 0xa9 || r == 0xae:
		default:
			return false
		}
	}
	return symbol
}
