package web

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"ruche/internal/access"
	"ruche/internal/auth"
	"ruche/internal/chat"
	"ruche/internal/model"
)

// The chat's pages. The first paint is server-rendered (readable, and
// usable for posting, without scripts); static/chat*.js then keep it live
// over the WebSocket and the JSON API.

// chatPageSize is how many posts a channel page shows at first; the script
// loads older ones as the reader scrolls up.
const chatPageSize = 60

// chatCookie remembers the last channel and team visited, for /chat.
const chatCookie = "ruche_chat"

func (h *Handler) chatRoutes(mux *http.ServeMux) {
	mux.Handle("GET /chat", h.wrap(h.chatHome))
	mux.Handle("GET /chat/teams", h.wrap(h.chatTeams))
	mux.Handle("POST /chat/teams", h.wrap(h.chatCreateTeam))
	mux.Handle("POST /chat/teams/{team}/join", h.wrap(h.chatJoinTeam))
	mux.Handle("GET /chat/t/{team}", h.wrap(h.chatTeam))
	mux.Handle("GET /chat/c/{id}", h.wrap(h.chatChannel))
	mux.Handle("POST /chat/c/{id}/posts", h.wrap(h.chatPost))
	mux.Handle("POST /chat/c/{id}/join", h.wrap(h.chatJoinChannel))
	mux.Handle("GET /chat/p/{post}", h.wrap(h.chatPermalink))
}

// lastVisited reads the chat cookie: the last channel and its team.
func lastVisited(r *http.Request) (channel, team int64) {
	c, err := r.Cookie(chatCookie)
	if err != nil {
		return 0, 0
	}
	a, b, _ := strings.Cut(c.Value, ".")
	channel, _ = strconv.ParseInt(a, 10, 64)
	team, _ = strconv.ParseInt(b, 10, 64)
	return channel, team
}

func (h *Handler) rememberChannel(w http.ResponseWriter, r *http.Request, channel, team int64) {
	http.SetCookie(w, &http.Cookie{Name: chatCookie, Value: fmt.Sprintf("%d.%d", channel, team), Path: "/chat",
		HttpOnly: true, Secure: h.net.IsHTTPS(r), SameSite: http.SameSiteLaxMode, MaxAge: 365 * 24 * 3600})
}

func channelURL(id int64) string { return "/chat/c/" + strconv.FormatInt(id, 10) }

// chatHome sends to the last channel visited, else the first one; someone
// in no channel gets the page to create or join a team.
func (h *Handler) chatHome(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	side, err := h.chat.Sidebar(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	last, team := lastVisited(r)
	var ofTeam, general, first int64
	for _, s := range side {
		c := s.Channel
		if c.ID == last {
			return redirect(w, r, channelURL(c.ID))
		}
		if first == 0 {
			first = c.ID
		}
		if general == 0 && c.TeamID != 0 && c.Name == chat.DefaultChannel {
			general = c.ID
		}
		if ofTeam == 0 && team != 0 && c.TeamID == team {
			ofTeam = c.ID
		}
	}
	if to := cmp.Or(ofTeam, general, first); to != 0 {
		return redirect(w, r, channelURL(to))
	}
	return h.renderTeams(w, r, p, teamForm{Open: true}, true)
}

// chatTeam sends to a team's channel: the one visited last, else its first.
func (h *Handler) chatTeam(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	team, err := pathID(r, "team")
	if err != nil {
		return err
	}
	side, err := h.chat.Sidebar(r.Context(), p.Actor())
	if err != nil {
		return err
	}
	last, _ := lastVisited(r)
	var to int64
	for _, s := range side {
		if s.Channel.TeamID != team {
			continue
		}
		if s.Channel.ID == last {
			to = last
			break
		}
		if to == 0 || s.Channel.Name == chat.DefaultChannel {
			to = s.Channel.ID
		}
	}
	if to == 0 {
		return redirect(w, r, "/chat/teams")
	}
	return redirect(w, r, channelURL(to))
}

// --- teams: join an open one, or create one

type teamForm struct {
	Name, DisplayName, Description string
	Open                           bool
}

type chatTeamsPage struct {
	base
	Empty    bool // the person is in no channel yet
	Guest    bool
	Joinable []chat.TeamView
	Mine     []chat.TeamView
	Form     teamForm
}

func (h *Handler) renderTeams(w http.ResponseWriter, r *http.Request, p auth.Principal, f teamForm, empty bool) error {
	pg, err := h.teamsPage(r, p.Actor(), f, empty)
	if err != nil {
		return err
	}
	return h.render(w, r, "chat_teams.html", pg)
}

func (h *Handler) teamsPage(r *http.Request, actor access.Actor, f teamForm, empty bool) (*chatTeamsPage, error) {
	pg := &chatTeamsPage{base: base{Nav: "chat"}, Empty: empty, Guest: actor.Role == model.RoleGuest, Form: f}
	if pg.Guest {
		return pg, nil
	}
	teams, err := h.chat.Teams(r.Context(), actor)
	if err != nil {
		return nil, err
	}
	for _, t := range teams {
		switch {
		case t.Member:
			pg.Mine = append(pg.Mine, t)
		case t.ArchivedAt == nil:
			pg.Joinable = append(pg.Joinable, t)
		}
	}
	return pg, nil
}

func (h *Handler) chatTeams(w http.ResponseWriter, r *http.Request) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	return h.renderTeams(w, r, p, teamForm{Open: true}, false)
}

func (h *Handler) chatCreateTeam(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	f := teamForm{Name: strings.TrimSpace(r.PostFormValue("name")), DisplayName: strings.TrimSpace(r.PostFormValue("display_name")),
		Description: strings.TrimSpace(r.PostFormValue("description")), Open: r.PostFormValue("open") != ""}
	t, err := h.chat.CreateTeam(r.Context(), p.Actor(), chat.NewTeam{Name: f.Name, DisplayName: f.DisplayName, Description: f.Description, Open: f.Open})
	if errors.Is(err, model.ErrConflict) {
		err = fmt.Errorf("%w: %w", &model.InvalidError{Field: "name", Reason: "this name is already taken", Key: "chat.err.team_taken"}, model.ErrConflict)
	}
	if err != nil {
		return again(err, "chat_teams.html", func() (page, error) { return h.teamsPage(r, p.Actor(), f, false) })
	}
	return redirect(w, r, "/chat/t/"+strconv.FormatInt(t.ID, 10))
}

func (h *Handler) chatJoinTeam(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	team, err := pathID(r, "team")
	if err != nil {
		return err
	}
	if err := h.chat.JoinTeam(r.Context(), p.Actor(), team); err != nil {
		return err
	}
	return redirect(w, r, "/chat/t/"+strconv.FormatInt(team, 10))
}

// --- a channel

type chatPage struct {
	base
	ChatNav   chatNav
	C         chatChannel
	Posts     []chatPost
	More      bool  // older posts exist
	EventID   int64 // where the WebSocket resumes: read before the posts
	Unread    int64 // the first unread post, 0 if none
	Thread    []chatPost
	ThreadOf  int64    // the open thread's root
	Following bool     // the viewer follows the open thread
	Focus     int64    // the post a permalink points to
	Template  chatPost // the skeleton the script clones for new posts
	Modules   []string
	Words     string // the script's words for this language
	Guest     bool
	Composer  bool // the viewer may write here
}

// chatComposer is a message form: the channel's, or a thread's (Root).
type chatComposer struct {
	Channel, Root int64
	Title, CSRF   string
	ID            string // the textarea's
}

// MainComposer writes to the channel.
func (pg *chatPage) MainComposer() chatComposer {
	return chatComposer{Channel: pg.C.ID, Title: pg.C.Title, CSRF: pg.CSRF, ID: "msg"}
}

// ThreadComposer replies in the open thread.
func (pg *chatPage) ThreadComposer() chatComposer {
	return chatComposer{Channel: pg.C.ID, Root: pg.ThreadOf, Title: pg.C.Title, CSRF: pg.CSRF, ID: "reply"}
}

// BlankComposer is the thread form the script fills in when it opens a thread.
func (pg *chatPage) BlankComposer() chatComposer {
	return chatComposer{Channel: pg.C.ID, Root: -1, Title: pg.C.Title, CSRF: pg.CSRF, ID: "reply"}
}

func (h *Handler) chatChannel(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return h.channelPage(w, r, id, 0)
}

// chatPermalink shows a post's channel with its thread open.
func (h *Handler) chatPermalink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "post")
	if err != nil {
		return err
	}
	return h.channelPage(w, r, 0, id)
}

// channelPage gathers the page in one call per service method: the event
// position first (so that the WebSocket replays whatever happens while the
// page is built), then the thread (for a permalink), the channel, its
// posts, its member count, the sidebar and the teams.
func (h *Handler) channelPage(w http.ResponseWriter, r *http.Request, id, postID int64) error {
	p, err := principal(r)
	if err != nil {
		return err
	}
	ctx, actor, lang := r.Context(), p.Actor(), h.lang(r)
	eventID, err := h.chat.LatestEventID(ctx)
	if err != nil {
		return err
	}
	var thread []chat.PostView
	if postID != 0 {
		if thread, err = h.chat.Thread(ctx, actor, postID); err != nil {
			return err
		}
		if len(thread) == 0 {
			return fmt.Errorf("web: thread of %d: %w", postID, model.ErrNotFound)
		}
		id = thread[0].ChannelID
	}
	cv, err := h.chat.Channel(ctx, actor, id)
	if err != nil {
		return err
	}
	posts, err := h.chat.Posts(ctx, actor, id, 0, chatPageSize)
	if err != nil {
		return err
	}
	members, err := h.chat.Readers(ctx, id)
	if err != nil {
		return err
	}
	side, err := h.chat.Sidebar(ctx, actor)
	if err != nil {
		return err
	}
	teams, err := h.chat.Teams(ctx, actor)
	if err != nil {
		return err
	}
	slices.Reverse(posts)

	names := people{p.User.ID: chat.AuthorOf(p.User, false)}
	for _, list := range [][]chat.PostView{posts, thread} {
		for _, v := range list {
			names[v.Author.ID] = v.Author
		}
	}
	var peers []int64
	for _, s := range side {
		if !s.Channel.Kind.InTeam() {
			peers = append(peers, directPeers(s.Channel, p.User.ID)...)
		}
	}
	if !cv.Kind.InTeam() {
		peers = append(peers, directPeers(cv.Channel, p.User.ID)...)
	}
	h.lookUp(ctx, actor, names, peers)

	// The team shown: the channel's, else the last one visited, else the first.
	_, team := lastVisited(r)
	if cv.TeamID != 0 {
		team = cv.TeamID
	}
	isMember := func(t int64) bool {
		return slices.ContainsFunc(teams, func(v chat.TeamView) bool { return v.ID == t && v.Member })
	}
	if !isMember(team) {
		team = 0
		if i := slices.IndexFunc(teams, func(v chat.TeamView) bool { return v.Member }); i >= 0 {
			team = teams[i].ID
		}
	}
	h.rememberChannel(w, r, id, team)

	loc := location(p.User.TimeZone)
	now := time.Now()
	guest := p.User.Role == model.RoleGuest
	pg := &chatPage{base: base{Nav: "chat"}, EventID: eventID, More: len(posts) == chatPageSize, Guest: guest,
		ChatNav: h.buildNav(lang, p.User.ID, guest, teams, side, team, id, names)}
	c := cv.Channel
	pg.C = chatChannel{ID: c.ID, TeamID: c.TeamID, Kind: c.Kind, Name: c.Name, Title: c.DisplayName, Purpose: c.Purpose,
		Header: c.Header, Shared: c.Shared, Archived: c.Archived(now), Members: len(members), LastPost: c.LastPostID,
		PurposeRaw: c.Purpose, HeaderRaw: c.Header, DisplayName: c.DisplayName}
	if c.EndsAt != nil && c.ArchivedAt == nil {
		e := c.EndsAt.In(loc)
		pg.C.EndsAt = h.cat.T(lang, "fmt.datetime", "day", e.Day(), "month", h.cat.T(lang, "month."+strconv.Itoa(int(e.Month()))),
			"year", e.Year(), "time", clock(e))
		pg.C.EndsISO, pg.C.EndsRaw = e.UTC().Format(time.RFC3339), e.Format("2006-01-02T15:04")
	}
	if !c.Kind.InTeam() {
		pg.C.Title, pg.C.External = h.directTitle(lang, c, p.User.ID, names)
	}
	lastRead := int64(-1)
	if m := cv.Member; m != nil {
		pg.C.Member, pg.C.LastRead, pg.C.Muted, pg.C.Notify, pg.C.Favorite = true, m.LastReadID, m.Muted, m.Notify, m.Favorite
		lastRead = m.LastReadID
		pg.C.Leave = c.Kind.InTeam()
	}
	// Whether to offer the settings: the service decides when they are saved.
	teamAdmin := slices.ContainsFunc(teams, func(v chat.TeamView) bool { return v.ID == c.TeamID && v.Admin })
	pg.C.Manage = c.Kind.InTeam() && !guest && ((cv.Member != nil && cv.Member.Admin) || teamAdmin || p.Actor().IsAdmin())
	pg.Composer = pg.C.Member && !pg.C.Archived
	pg.C.AddPeople = pg.Composer && c.Kind.InTeam() && !guest
	pg.Posts = h.postViews("p", lang, loc, p.User.ID, posts, lastRead, pg.More, now)
	for _, v := range pg.Posts {
		if v.NewLine {
			pg.Unread = v.ID
		}
	}
	if len(thread) > 0 {
		pg.Thread = h.postViews("t", lang, loc, p.User.ID, thread, -1, false, now)
		pg.ThreadOf, pg.Focus = thread[0].ID, postID
		if pg.Following, err = h.chat.Following(ctx, actor, thread[0].ID); err != nil {
			return err
		}
	}
	pg.Template = chatPost{Prefix: "p", AvClass: "av"}
	pg.Modules = h.assets.chatModules()
	pg.Words, _ = h.assets.url("chat-words." + lang + ".json")
	return h.render(w, r, "chat.html", pg)
}

// lookUp adds to names the people of direct messages the viewer may read
// about (members read the directory; guests do not, and see generic titles).
func (h *Handler) lookUp(ctx context.Context, actor access.Actor, names people, ids []int64) {
	if actor.Role == model.RoleGuest {
		return
	}
	for _, id := range ids {
		if _, ok := names[id]; ok {
			continue
		}
		u, err := h.accounts.User(ctx, actor, id)
		if err != nil {
			if !errors.Is(err, model.ErrNotFound) {
				h.log.WarnContext(ctx, "chat: look up a person", "user_id", id, "err", err)
			}
			continue
		}
		names[id] = chat.AuthorOf(u, false)
	}
}

// chatPost writes a post from the page's form (without scripts).
func (h *Handler) chatPost(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var root int64
	if v := r.PostFormValue("root_id"); v != "" {
		root, _ = strconv.ParseInt(v, 10, 64)
	}
	post, err := h.chat.CreatePost(r.Context(), p.Actor(), id, chat.NewPost{Message: r.PostFormValue("message"), RootID: root})
	if err != nil {
		return err
	}
	if root != 0 {
		return redirect(w, r, "/chat/p/"+strconv.FormatInt(post.ID, 10))
	}
	return redirect(w, r, channelURL(id))
}

// chatJoinChannel joins a public channel from its page (without scripts).
func (h *Handler) chatJoinChannel(w http.ResponseWriter, r *http.Request) error {
	p, err := signedInForm(w, r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.chat.JoinChannel(r.Context(), p.Actor(), id); err != nil {
		return err
	}
	return redirect(w, r, channelURL(id))
}
