package model

import "time"

// Event is what a service publishes on the bus after committing a change.
// Its Type is also the bus subject. Subscribers (the realtime hub,
// notifications, search) decide what to do with it; an event says what
// changed, not who may see it: subscribers ask internal/access.
type Event struct {
	Type       string    `json:"type"`
	At         time.Time `json:"at"`
	ActorID    int64     `json:"actor_id,omitempty"`
	UserID     int64     `json:"user_id,omitempty"`
	SessionIDs []int64   `json:"session_ids,omitempty"`
	TokenIDs   []int64   `json:"token_ids,omitempty"`
}

// Event types of the foundation.
const (
	EventUserCreated     = "user.created"
	EventUserUpdated     = "user.updated"
	EventUserDisabled    = "user.disabled"
	EventSessionsEnded   = "auth.sessions.ended" // SessionIDs must stop working on every transport
	EventTokensRevoked   = "auth.tokens.revoked"
	EventBrandingUpdated = "org.branding.updated"
)
