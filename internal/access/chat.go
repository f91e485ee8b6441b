package access

import "ruche/internal/model"

// Chat actions.
const (
	CreateTeam  Action = "team.create"
	ViewTeam    Action = "team.view"   // see the team, its members and public channels
	JoinTeam    Action = "team.join"   // join an open team by oneself
	ManageTeam  Action = "team.manage" // rename, archive, add and remove members, team admins
	LeaveTeam   Action = "team.leave"
	InviteTeam  Action = "team.invite" // invitation links into the team (members and guests)
	ListDirects Action = "direct.list"

	CreateChannel   Action = "channel.create" // in a team
	ReadChannel     Action = "channel.read"   // read posts, members, typing, unreads
	JoinChannel     Action = "channel.join"   // join by oneself
	PostChannel     Action = "channel.post"   // write posts, reply, react
	ManageChannel   Action = "channel.manage" // rename, header, purpose, archive, shared, channel admins, remove members
	AddToChannel    Action = "channel.add"    // add someone else
	LeaveChannel    Action = "channel.leave"  // remove oneself
	HookChannel     Action = "channel.hooks"  // create incoming and outgoing webhooks
	EditPost        Action = "post.edit"      // change the message
	DeletePost      Action = "post.delete"    // delete
	CreateDirect    Action = "direct.create"  // open a direct or group message with someone
	SeePresence     Action = "presence.see"   // see whether someone is online
	ManageRetention Action = "retention.manage"
)

// Team is a team as a resource, with the actor's relation to it. The chat
// service fills it from the store; access only reasons.
type Team struct {
	ID       int64
	Open     bool
	Archived bool
	Member   bool // the actor is a member
	Admin    bool // the actor is a team admin
}

// Channel is a channel as a resource, with the actor's relation to it and to
// its team.
type Channel struct {
	ID       int64
	Kind     model.ChannelKind
	Archived bool
	Team     Team // zero for direct and group messages
	Member   bool // the actor is a member of the channel
	Admin    bool // the actor is a channel admin
}

// Post is a post as a resource.
type Post struct {
	Channel  Channel
	AuthorID int64
}

// Peer is another user as the target of a direct message, or as someone
// whose presence is shown.
type Peer struct {
	ID            int64
	SharesChannel bool // the actor and the peer are members of a common channel
	Disabled      bool
}

func (a Actor) guest() bool { return a.Role == model.RoleGuest }

func allowedChat(a Actor, act Action, res any) (bool, bool) {
	switch r := res.(type) {
	case Team:
		return allowedTeam(a, act, r), true
	case Channel:
		return allowedChannel(a, act, r), true
	case Post:
		return allowedPost(a, act, r), true
	case Peer:
		switch act {
		case CreateDirect:
			// Guests may only write to people they already meet in a channel.
			return !r.Disabled && r.ID != 0 && (!a.guest() || r.SharesChannel), true
		case SeePresence:
			// Members may list everyone; guests see themselves and the people
			// they meet in a channel.
			return r.ID != 0 && (r.ID == a.UserID || !a.guest() || r.SharesChannel), true
		}
		return false, true
	}
	return false, false
}

func allowedTeam(a Actor, act Action, t Team) bool {
	manage := t.Admin || a.IsAdmin()
	switch act {
	case CreateTeam:
		return !a.guest()
	case ViewTeam:
		// Guests see no team as such: only the channels they were added to.
		return !a.guest() && (t.Member || t.Open || a.IsAdmin())
	case JoinTeam:
		return !a.guest() && !t.Archived && (t.Open || a.IsAdmin()) && !t.Member
	case LeaveTeam:
		return t.Member
	case ManageTeam, InviteTeam:
		return manage && !a.guest()
	case CreateChannel:
		return !a.guest() && t.Member && !t.Archived
	case ManageRetention:
		return a.IsAdmin()
	}
	return false
}

func allowedChannel(a Actor, act Action, c Channel) bool {
	inTeam := c.Kind.InTeam()
	teamManager := inTeam && (c.Team.Admin || a.IsAdmin()) && !a.guest()
	public := c.Kind == model.ChannelPublic
	// A public channel is open to its team's members (not to guests, who see
	// only channels they were added to).
	openToActor := public && c.Team.Member && !a.guest()
	switch act {
	case ReadChannel:
		return c.Member || openToActor || (public && a.IsAdmin())
	case JoinChannel:
		return !c.Member && !c.Archived && (openToActor || (public && a.IsAdmin()))
	case PostChannel:
		return c.Member && !c.Archived
	case LeaveChannel:
		// Direct messages are not left; they are hidden (later).
		return c.Member && inTeam
	case AddToChannel:
		if c.Archived || !inTeam || a.guest() {
			return false
		}
		return (public && c.Member) || c.Admin || teamManager
	case ManageChannel, HookChannel:
		return inTeam && !a.guest() && (c.Admin || teamManager)
	case ManageRetention:
		return a.IsAdmin()
	}
	return false
}

func allowedPost(a Actor, act Action, p Post) bool {
	own := p.AuthorID == a.UserID
	switch act {
	case EditPost:
		return own && p.Channel.Member && !p.Channel.Archived
	case DeletePost:
		if own && p.Channel.Member && !p.Channel.Archived {
			return true
		}
		return allowedChannel(a, ManageChannel, p.Channel)
	}
	return false
}
