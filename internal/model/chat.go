package model

import "time"

// Team groups channels and people. Open teams may be joined by any member;
// closed ones by invitation only.
type Team struct {
	ID          int64      `json:"id"`
	Name        string     `json:"name"` // handle used in URLs
	DisplayName string     `json:"display_name"`
	Description string     `json:"description"`
	Open        bool       `json:"open"`
	ArchivedAt  *time.Time `json:"archived_at"`
	CreatedBy   int64      `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

// TeamMember is a user's membership of a team.
type TeamMember struct {
	TeamID   int64     `json:"team_id"`
	UserID   int64     `json:"user_id"`
	Admin    bool      `json:"admin"`
	JoinedAt time.Time `json:"joined_at"`
}

// ChannelKind says who may see a channel.
type ChannelKind string

const (
	ChannelPublic  ChannelKind = "public"  // any team member may read and join
	ChannelPrivate ChannelKind = "private" // members only, added by a channel admin
	ChannelDirect  ChannelKind = "direct"  // two people, outside teams
	ChannelGroup   ChannelKind = "group"   // 3 to 8 people, outside teams
)

// InTeam reports whether channels of this kind belong to a team.
func (k ChannelKind) InTeam() bool { return k == ChannelPublic || k == ChannelPrivate }

// Channel is a place where posts are written.
type Channel struct {
	ID          int64       `json:"id"`
	TeamID      int64       `json:"team_id"` // 0 for direct and group messages
	Kind        ChannelKind `json:"kind"`
	Name        string      `json:"name"`
	DisplayName string      `json:"display_name"`
	Purpose     string      `json:"purpose"`
	Header      string      `json:"header"`
	Shared      bool        `json:"shared"`  // shared with clients (guests may be members)
	EndsAt      *time.Time  `json:"ends_at"` // temporary channel: archived after
	ArchivedAt  *time.Time  `json:"archived_at"`
	CreatedBy   int64       `json:"created_by"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	LastPostID  int64       `json:"last_post_id"`
	LastPostAt  *time.Time  `json:"last_post_at"`
}

// Archived reports whether the channel is read-only at now.
func (c Channel) Archived(now time.Time) bool {
	return c.ArchivedAt != nil || (c.EndsAt != nil && !now.Before(*c.EndsAt))
}

// NotifyLevel is a member's notification preference for a channel.
type NotifyLevel string

const (
	NotifyDefault  NotifyLevel = "default"
	NotifyAll      NotifyLevel = "all"
	NotifyMentions NotifyLevel = "mentions"
	NotifyNone     NotifyLevel = "none"
)

// ChannelMember is a user's membership of a channel, with their read position.
type ChannelMember struct {
	ChannelID    int64       `json:"channel_id"`
	UserID       int64       `json:"user_id"`
	Admin        bool        `json:"admin"`
	Notify       NotifyLevel `json:"notify"`
	Muted        bool        `json:"muted"`
	Favorite     bool        `json:"favorite"`
	SortOrder    int         `json:"sort_order"`
	LastReadID   int64       `json:"last_read_id"`
	MentionCount int         `json:"mention_count"`
	JoinedAt     time.Time   `json:"joined_at"`
}

// Post is a message in a channel; RootID is set for a reply in a thread.
type Post struct {
	ID          int64      `json:"id"`
	ChannelID   int64      `json:"channel_id"`
	RootID      int64      `json:"root_id,omitempty"`
	UserID      int64      `json:"user_id"`
	Message     string     `json:"message"`
	Props       string     `json:"-"` // JSON kept as written (webhook attachments, name override)
	CreatedAt   time.Time  `json:"created_at"`
	EditedAt    *time.Time `json:"edited_at,omitempty"`
	DeletedAt   *time.Time `json:"-"`
	ReplyCount  int        `json:"reply_count"`
	LastReplyAt *time.Time `json:"last_reply_at,omitempty"`
	PinnedAt    *time.Time `json:"pinned_at,omitempty"`
	HTML        string     `json:"-"` // rendered when written; "" for posts written before rendering was stored
	Reactions   []Reaction `json:"reactions,omitempty"`
	Files       []File     `json:"files,omitempty"`
}

// File is an attachment: uploaded to a channel, then attached to one post.
type File struct {
	ID           int64     `json:"id"`
	ChannelID    int64     `json:"-"`
	PostID       int64     `json:"-"`
	UserID       int64     `json:"-"`
	Name         string    `json:"name"`
	MIME         string    `json:"mime"`
	Size         int64     `json:"size"`
	BlobKey      string    `json:"-"`
	SHA256       string    `json:"-"`
	Width        int       `json:"width,omitempty"`
	Height       int       `json:"height,omitempty"`
	ThumbKey     string    `json:"-"`
	HasThumbnail bool      `json:"has_thumbnail"`
	CreatedAt    time.Time `json:"created_at"`
}

// ThreadState is a user's relation to a thread they follow.
type ThreadState struct {
	RootID       int64     `json:"root_id"`
	UserID       int64     `json:"-"`
	Following    bool      `json:"following"`
	LastReadID   int64     `json:"last_read_id"`
	MentionCount int       `json:"mention_count"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Reaction is one user's emoji on a post.
type Reaction struct {
	PostID int64  `json:"-"`
	UserID int64  `json:"user_id"`
	Emoji  string `json:"emoji"`
}

// StoredEvent is an entry of the event log: what a reconnecting client
// replays. Data is the JSON sent to clients.
type StoredEvent struct {
	ID        int64
	Type      string
	TeamID    int64
	ChannelID int64
	UserID    int64 // for events addressed to one user
	Data      []byte
	CreatedAt time.Time
}
