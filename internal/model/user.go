package model

import "time"

// Role is a user's place in the organisation. Finer rights (teams, channels,
// wiki namespaces, folders) are decided by internal/access from memberships.
type Role string

const (
	RoleAdmin  Role = "admin"
	RoleMember Role = "member"
	RoleGuest  Role = "guest"
)

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleMember || r == RoleGuest }

// Theme is the colour scheme a user picked.
type Theme string

const (
	ThemeAuto  Theme = "auto"
	ThemeLight Theme = "light"
	ThemeDark  Theme = "dark"
)

// Valid reports whether t is a known theme.
func (t Theme) Valid() bool { return t == ThemeAuto || t == ThemeLight || t == ThemeDark }

type User struct {
	ID           int64     `json:"id"`
	Login        string    `json:"login"`
	Email        string    `json:"email"`
	DisplayName  string    `json:"display_name"`
	Role         Role      `json:"role"`
	Locale       string    `json:"locale"`    // "" follows the browser
	TimeZone     string    `json:"time_zone"` // IANA name; "" is UTC
	Theme        Theme     `json:"theme"`
	AvatarKey    string    `json:"-"` // blob key; "" when none
	HasAvatar    bool      `json:"has_avatar"`
	Disabled     bool      `json:"disabled"`
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// Name is what the UI shows for u.
func (u User) Name() string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.Login
}

// Session is a browser or API login. The token itself is never stored, only
// its SHA-256, so a copy of the database cannot be used to log in.
type Session struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"-"`
	TokenHash  []byte    `json:"-"`
	CSRFToken  string    `json:"-"`
	UserAgent  string    `json:"user_agent"`
	IP         string    `json:"ip"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	ExpiresAt  time.Time `json:"expires_at"`
	Current    bool      `json:"current"`
}

// Token is a personal API token (Authorization: Bearer).
type Token struct {
	ID         int64      `json:"id"`
	UserID     int64      `json:"-"`
	Name       string     `json:"name"`
	TokenHash  []byte     `json:"-"`
	Prefix     string     `json:"prefix"` // first characters, to recognise it in lists
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
}

type Group struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	MemberCount int       `json:"member_count"`
	CreatedAt   time.Time `json:"created_at"`
}

// Invitation lets someone create their own account with a given role.
type Invitation struct {
	ID        int64      `json:"id"`
	TokenHash []byte     `json:"-"`
	Role      Role       `json:"role"`
	Email     string     `json:"email"` // optional hint, pre-filled on the form
	CreatedBy int64      `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	SingleUse bool       `json:"single_use"`
	Uses      int        `json:"uses"`
	Revoked   bool       `json:"revoked"`
	TeamID    int64      `json:"team_id,omitempty"` // accepting joins this team
}

// Usable reports whether the invitation may still create an account at now.
func (i Invitation) Usable(now time.Time) bool {
	if i.Revoked || (i.SingleUse && i.Uses > 0) {
		return false
	}
	return i.ExpiresAt == nil || now.Before(*i.ExpiresAt)
}

// Branding is the organisation's name, logo and accent colour.
type Branding struct {
	Name        string `json:"name"`
	AccentColor string `json:"accent_color"` // "#rrggbb"
	LogoKey     string `json:"-"`
	HasLogo     bool   `json:"has_logo"`
}
