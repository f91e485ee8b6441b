package web

import (
	"cmp"
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"ruche/internal/chat"
	"ruche/internal/model"
	"ruche/internal/store"
)

// The chat's views: what the templates show, built from what the chat
// service returns. No rule is decided here; only how things look (grouping,
// order, labels, day separators).

// chatTeam is a team in the switcher.
type chatTeam struct {
	ID          int64
	DisplayName string
	Initials    string
	Current     bool
	Unread      bool // some channel of the team has unread posts
	Mentions    int
}

// chatLink is a channel in the sidebar.
type chatLink struct {
	ID       int64
	TeamID   int64
	Title    string
	Kind     model.ChannelKind
	Unread   int
	Mentions int
	Muted    bool
	Notify   model.NotifyLevel
	Current  bool
	Archived bool
	External bool  // a direct message with a guest
	LastPost int64 // the channel's newest post id (replies included)
	LastRead int64
	Peer     int64 // the other person of a direct message, whose presence shows
	Face     *face // who a direct message is with (yourself in notes to self); nil otherwise
}

// Direct reports whether the link is a direct or group message.
func (l chatLink) Direct() bool { return !l.Kind.InTeam() }

// Bold reports whether the channel has something unread.
func (l chatLink) Bold() bool { return l.Unread > 0 || l.Mentions > 0 }

// chatNav is the chat's sidebar.
type chatNav struct {
	Teams      []chatTeam
	Team       *chatTeam // the team shown; nil for someone without a team (a guest)
	Favourites []chatLink
	Channels   []chatLink
	Direct     []chatLink
	CanCreate  bool // may create channels in the team (a member, not a guest)
	CanMessage bool // may look people up to start a conversation (not a guest)
}

// All lists every link in the order shown.
func (n chatNav) All() []chatLink {
	return slices.Concat(n.Favourites, n.Channels, n.Direct)
}

// chatChannel is the channel shown.
type chatChannel struct {
	ID          int64
	TeamID      int64
	Kind        model.ChannelKind
	Name        string
	Title       string
	Purpose     string
	Header      string
	Shared      bool
	External    bool // a direct message with a guest
	Archived    bool
	EndsAt      string // temporary channel: when it ends, formatted
	EndsISO     string
	Members     int
	Member      bool // the viewer is a member
	Manage      bool // the viewer may see the settings (the service decides on saving)
	Leave       bool // the viewer may be offered to leave
	AddPeople   bool // the viewer may be offered to add people
	LastRead    int64
	LastPost    int64
	Muted       bool
	Notify      model.NotifyLevel
	Favorite    bool
	PurposeRaw  string
	HeaderRaw   string
	DisplayName string
	EndsRaw     string // ends_at as a datetime-local value
}

// Direct reports whether the channel is a direct or group message.
func (c chatChannel) Direct() bool { return !c.Kind.InTeam() }

// chatPost is a post as the list shows it.
type chatPost struct {
	Prefix    string // of the element's id: "p" in the channel, "t" in a thread
	ID        int64
	RootID    int64
	Author    chat.Author
	Initials  string
	AvClass   string
	Avatar    string // the author's picture, over the initials; "" for none
	External  bool
	Own       bool
	HTML      template.HTML // sanitized by internal/markup
	ISO       string
	Clock     string
	Full      string
	Edited    bool
	Replies   int
	LastReply string
	Reactions []chatReaction
	Files     []chatFile
	Bot       bool // written by an integration (a webhook)
	Pinned    bool
	Day       string // a day separator goes before the post
	DayISO    string
	NewLine   bool // the "new messages" line goes before the post
	Cont      bool // same author shortly after: shown without a header
}

// chatFile is an attachment: an image shown as its thumbnail, or a card.
type chatFile struct {
	ID            int64
	Name, Size    string
	Thumb         bool
	Width, Height int // of the thumbnail as shown
}

// URL is where the file downloads.
func (f chatFile) URL() string {
	return "/files/" + strconv.FormatInt(f.ID, 10) + "/" + url.PathEscape(f.Name)
}

// files turns a post's attachments into views; thumbnails are shown at
// most 360 × 240 (the script does the same).
func (h *Handler) files(lang string, fs []model.File) []chatFile {
	out := make([]chatFile, 0, len(fs))
	for _, f := range fs {
		v := chatFile{ID: f.ID, Name: f.Name, Size: fileSize(lang, f.Size), Thumb: f.HasThumbnail}
		if f.HasThumbnail && f.Width > 0 && f.Height > 0 {
			s := min(1, 360/float64(f.Width), 240/float64(f.Height))
			v.Width, v.Height = max(1, int(float64(f.Width)*s+0.5)), max(1, int(float64(f.Height)*s+0.5))
		}
		out = append(out, v)
	}
	return out
}

// fileSize is a size in decimal units, with the language's decimal mark.
func fileSize(lang string, n int64) string {
	units := []string{"B", "KB", "MB", "GB"}
	v, i := float64(n), 0
	for v >= 1000 && i < len(units)-1 {
		v /= 1000
		i++
	}
	s := strconv.FormatFloat(v, 'f', 0, 64)
	if i > 0 {
		s = strings.TrimSuffix(strings.TrimRight(strconv.FormatFloat(v, 'f', 1, 64), "0"), ".")
	}
	if lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
		units = []string{"o", "ko", "Mo", "Go"}
	}
	return s + "\u00a0" + units[i]
}

// chatReaction is one emoji's chip under a post.
type chatReaction struct {
	Emoji string
	Count int
	Mine  bool
	Users string // ids, comma-separated, for the script to keep counting
}

// clock formats a time of day.
func clock(t time.Time) string { return t.Format("15:04") }

// dayKey identifies a calendar day.
func dayKey(t time.Time) string { return t.Format("2006-01-02") }

// dayLabel is a day separator's text: today, yesterday, or the date.
func (h *Handler) dayLabel(lang string, t, now time.Time) string {
	switch dayKey(t) {
	case dayKey(now):
		return h.cat.T(lang, "chat.today")
	case dayKey(now.AddDate(0, 0, -1)):
		return h.cat.T(lang, "chat.yesterday")
	}
	key := "chat.date"
	if t.Year() != now.Year() {
		key = "chat.date_year"
	}
	return h.cat.T(lang, key, "weekday", h.cat.T(lang, "chat.weekday."+strconv.Itoa(int(t.Weekday()))),
		"day", t.Day(), "month", h.cat.T(lang, "chat.month."+strconv.Itoa(int(t.Month()))), "year", t.Year())
}

// shortWhen is a recent time: its clock today, else its date.
func (h *Handler) shortWhen(lang string, t, now time.Time) string {
	if dayKey(t) == dayKey(now) {
		return clock(t)
	}
	if dayKey(t) == dayKey(now.AddDate(0, 0, -1)) {
		return h.cat.T(lang, "chat.yesterday_lower")
	}
	return h.cat.T(lang, "chat.short_date", "day", t.Day(), "month", h.cat.T(lang, "month."+strconv.Itoa(int(t.Month()))))
}

// postViews turns the service's posts (oldest first) into the list's views,
// placing day separators and the "new messages" line (before the first post
// of someone else after lastRead; lastRead < 0: none). When older posts
// exist (more) and the first one shown is already unread, the line belongs
// further up: the script finds it.
func (h *Handler) postViews(prefix, lang string, loc *time.Location, me int64, posts []chat.PostView, lastRead int64, more bool, now time.Time) []chatPost {
	out := make([]chatPost, len(posts))
	now = now.In(loc)
	lineDone := lastRead < 0
	var prev *chat.PostView
	prevDay := ""
	for i := range posts {
		p := &posts[i]
		t := p.CreatedAt.In(loc)
		v := chatPost{Prefix: prefix, ID: p.ID, RootID: p.RootID, Author: p.Author, External: p.Author.Role == model.RoleGuest, Own: p.UserID == me,
			HTML: template.HTML(p.HTML), ISO: t.UTC().Format(time.RFC3339), Clock: clock(t), Edited: p.EditedAt != nil, Replies: p.ReplyCount}
		if v.Author.DisplayName == "" {
			v.Author.DisplayName = p.Author.Login
		}
		v.Full = h.cat.T(lang, "fmt.datetime", "day", t.Day(), "month", h.cat.T(lang, "month."+strconv.Itoa(int(t.Month()))),
			"year", t.Year(), "time", v.Clock)
		if p.LastReplyAt != nil {
			v.LastReply = h.shortWhen(lang, p.LastReplyAt.In(loc), now)
		}
		if d := dayKey(t); d != prevDay {
			v.Day, v.DayISO, prevDay = h.dayLabel(lang, t, now), d, d
		}
		if !lineDone && p.ID > lastRead && p.UserID != me {
			v.NewLine, lineDone = i > 0 || !more, true
		}
		v.Cont = prev != nil && v.Day == "" && !v.NewLine && prev.UserID == p.UserID && p.RootID == prev.RootID &&
			p.CreatedAt.Sub(prev.CreatedAt) < 5*time.Minute
		v.Reactions = reactions(p.Reactions, me)
		v.Files = h.files(lang, p.Files)
		v.Pinned = p.PinnedAt != nil
		if p.Integration != nil && p.Integration.OverrideUsername != "" {
			// A webhook's name, not its owner's: nor their picture.
			v.Author.DisplayName, v.Bot = p.Integration.OverrideUsername, true
			v.Author.AvatarVersion = 0
		}
		f := faceOf(v.Author)
		v.Initials, v.AvClass, v.Avatar = f.Initials, f.Class, f.URL
		out[i] = v
		prev = p
	}
	return out
}

// face stands for a person: their picture over their initials, which show
// when there is no picture or it fails to load.
type face struct {
	Initials string
	Class    string // "av av-N": the colour behind the initials
	URL      string // the picture; "" for none
}

// faceOf is a's face. The picture's address changes with a's account, so
// that it may be cached for long (see avatar).
func faceOf(a chat.Author) face {
	u := model.User{ID: a.ID, Login: a.Login, DisplayName: a.DisplayName}
	f := face{Initials: initials(u), Class: avatarClass(u)}
	if a.AvatarVersion != 0 {
		f.URL = avatarPath(a.ID, a.AvatarVersion)
	}
	return f
}

// reactions groups a post's reactions by emoji, in the order first given.
func reactions(rs []model.Reaction, me int64) []chatReaction {
	var out []chatReaction
	index := map[string]int{}
	for _, r := range rs {
		i, ok := index[r.Emoji]
		if !ok {
			i = len(out)
			index[r.Emoji] = i
			out = append(out, chatReaction{Emoji: r.Emoji})
		}
		c := &out[i]
		c.Count++
		c.Mine = c.Mine || r.UserID == me
		if c.Users != "" {
			c.Users += ","
		}
		c.Users += strconv.FormatInt(r.UserID, 10)
	}
	return out
}

// directPeers are the other people of a direct or group message, read from
// its name (the sorted ids of its members).
func directPeers(c model.Channel, me int64) []int64 {
	var out []int64
	for _, s := range strings.Split(c.Name, ",") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err == nil && id != me {
			out = append(out, id)
		}
	}
	return out
}

// people are the names the views know, by user id.
type people map[int64]chat.Author

// directTitle names a direct or group message after its other members.
func (h *Handler) directTitle(lang string, c model.Channel, me int64, names people) (string, bool) {
	peers := directPeers(c, me)
	var parts []string
	external := false
	for _, id := range peers {
		a, ok := names[id]
		if !ok {
			continue
		}
		parts = append(parts, cmp.Or(a.DisplayName, a.Login))
		external = external || a.Role == model.RoleGuest
	}
	if len(parts) < len(peers) || len(parts) == 0 {
		// Names we may not read (a guest does not see the directory).
		if c.Kind == model.ChannelGroup {
			return h.cat.T(lang, "chat.group_unknown"), external
		}
		if len(peers) == 0 {
			return h.cat.T(lang, "chat.direct_self"), false
		}
		return h.cat.T(lang, "chat.direct_unknown"), external
	}
	return strings.Join(parts, ", "), external
}

// buildNav groups the sidebar's channels: the team's favourites, its
// channels (alphabetical), then direct messages (most recent first).
func (h *Handler) buildNav(lang string, me int64, guest bool, teams []chat.TeamView, side []store.SidebarChannel, teamID, current int64, names people) chatNav {
	nav := chatNav{CanMessage: !guest}
	perTeam := map[int64]*chatTeam{}
	for _, t := range teams {
		if !t.Member {
			continue
		}
		nav.Teams = append(nav.Teams, chatTeam{ID: t.ID, DisplayName: t.DisplayName,
			Initials: initials(model.User{DisplayName: t.DisplayName}), Current: t.ID == teamID})
	}
	for i := range nav.Teams {
		perTeam[nav.Teams[i].ID] = &nav.Teams[i]
		if nav.Teams[i].Current {
			nav.Team = &nav.Teams[i]
			nav.CanCreate = !guest
		}
	}
	for _, s := range side {
		c := s.Channel
		l := chatLink{ID: c.ID, TeamID: c.TeamID, Title: c.DisplayName, Kind: c.Kind, Unread: s.Unread, Mentions: s.Member.MentionCount,
			Muted: s.Member.Muted, Notify: s.Member.Notify, Current: c.ID == current, Archived: c.ArchivedAt != nil, LastPost: c.LastPostID, LastRead: s.Member.LastReadID}
		if l.Direct() {
			l.Title, l.External = h.directTitle(lang, c, me, names)
			if peers := directPeers(c, me); c.Kind == model.ChannelDirect && len(peers) == 1 {
				l.Peer = peers[0]
			}
			if who := cmp.Or(l.Peer, me); c.Kind == model.ChannelDirect {
				if a, ok := names[who]; ok {
					f := faceOf(a)
					l.Face = &f
				}
			}
		} else if t := perTeam[c.TeamID]; t != nil && !l.Muted {
			t.Unread = t.Unread || l.Unread > 0
			t.Mentions += l.Mentions
		}
		switch {
		case l.Direct() && s.Member.Favorite, !l.Direct() && s.Member.Favorite && c.TeamID == teamID:
			nav.Favourites = append(nav.Favourites, l)
		case l.Direct():
			nav.Direct = append(nav.Direct, l)
		case c.TeamID == teamID || (nav.Team == nil && c.TeamID != 0):
			nav.Channels = append(nav.Channels, l)
		}
	}
	byTitle := func(a, b chatLink) int { return cmp.Compare(strings.ToLower(a.Title), strings.ToLower(b.Title)) }
	slices.SortStableFunc(nav.Favourites, byTitle)
	slices.SortStableFunc(nav.Channels, byTitle)
	slices.SortStableFunc(nav.Direct, func(a, b chatLink) int { return cmp.Compare(b.LastPost, a.LastPost) })
	return nav
}
