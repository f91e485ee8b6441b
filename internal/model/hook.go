package model

import "time"

// IncomingHook is a secret URL through which another tool posts into a
// channel, as the hook's creator but marked as coming from the integration.
// Only the SHA-256 of the secret is kept.
type IncomingHook struct {
	ID        int64     `json:"id"`
	ChannelID int64     `json:"channel_id"`
	Name      string    `json:"name"`
	TokenHash []byte    `json:"-"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	Disabled  bool      `json:"disabled"`
}

// Content types of outgoing webhook requests.
const (
	HookForm = "form" // application/x-www-form-urlencoded, as Slack sends
	HookJSON = "json" // application/json
)

// OutgoingHook sends the posts of a channel that start with one of its
// trigger words to a URL. ChannelID 0 means every public channel of TeamID.
// Token is sent with each request so that the receiver can check where it
// comes from; it is not a credential for Ruche.
type OutgoingHook struct {
	ID           int64     `json:"id"`
	TeamID       int64     `json:"team_id"`
	ChannelID    int64     `json:"channel_id"`
	Name         string    `json:"name"`
	TriggerWords []string  `json:"trigger_words"`
	CallbackURL  string    `json:"callback_url"`
	ContentType  string    `json:"content_type"`
	Token        string    `json:"token"`
	CreatedBy    int64     `json:"created_by"`
	CreatedAt    time.Time `json:"created_at"`
	Disabled     bool      `json:"disabled"`
}
