// Package access is the one place that decides who may do what. Services ask
// it before they act; handlers never decide permissions themselves. It reads
// no request and writes nothing: given an actor, an action and the resource,
// it answers nil, or an error matching model.ErrForbidden (model.ErrUnauthorized
// for Anonymous).
//
// Today it knows roles and ownership. Teams, channels, wiki namespaces and
// folders plug in here as they arrive, each with its own table-driven test of
// every role × resource × action.
package access

import (
	"fmt"

	"ruche/internal/model"
)

// Actor is who acts: a signed-in user, or Anonymous.
type Actor struct {
	UserID int64
	Role   model.Role
}

// Anonymous is the actor of requests without a valid session or token.
var Anonymous = Actor{}

// ActorOf returns the actor for a user; a disabled user acts as Anonymous.
func ActorOf(u model.User) Actor {
	if u.Disabled || u.ID == 0 {
		return Anonymous
	}
	return Actor{UserID: u.ID, Role: u.Role}
}

// SignedIn reports whether a is a user rather than Anonymous.
func (a Actor) SignedIn() bool { return a.UserID != 0 }

// IsAdmin reports whether a is an organisation admin.
func (a Actor) IsAdmin() bool { return a.SignedIn() && a.Role == model.RoleAdmin }

// Action is something an actor wants to do.
type Action string

const (
	// Users.
	ListUsers        Action = "users.list"        // see the people directory
	ReadUser         Action = "user.read"         // see one user's profile
	CreateUser       Action = "user.create"       // create an account directly
	UpdateProfile    Action = "user.profile"      // name, e-mail, locale, time zone, theme, avatar
	ChangeRole       Action = "user.role"         // promote, demote
	DisableUser      Action = "user.disable"      // disable or enable an account
	ResetPassword    Action = "user.password.set" // set another user's password
	ManageOwnSession Action = "user.sessions"     // list and end sessions, manage API tokens

	// Groups.
	ListGroups   Action = "groups.list"
	ManageGroups Action = "groups.manage"

	// Invitations.
	InviteMember Action = "invite.member" // invitation links for members and guests
	InviteAdmin  Action = "invite.admin"  // invitation links that create admins

	// Organisation.
	ManageBranding Action = "org.branding"
	ReadMetrics    Action = "org.metrics"
)

// User is a user as a resource: its ID is all that matters for ownership.
type User struct{ ID int64 }

// Org is the organisation itself as a resource (settings, groups, metrics).
type Org struct{}

// Check decides whether actor may do act on res. The resource is one of this
// package's resource types; an unknown combination is refused. A refusal is
// model.ErrUnauthorized for Anonymous (signing in may help) and
// model.ErrForbidden for a signed-in user.
func Check(actor Actor, act Action, res any) error {
	if allowed(actor, act, res) {
		return nil
	}
	if !actor.SignedIn() {
		return fmt.Errorf("access: %s: %w", act, model.ErrUnauthorized)
	}
	return fmt.Errorf("access: %s: %w", act, model.ErrForbidden)
}

func allowed(a Actor, act Action, res any) bool {
	if !a.SignedIn() {
		return false
	}
	if ok, known := allowedChat(a, act, res); known {
		return ok
	}
	switch r := res.(type) {
	case User:
		self := r.ID == a.UserID
		switch act {
		case ReadUser:
			// Guests see themselves; who else a guest may see comes with
			// channels (the people they share a channel with).
			return self || a.Role != model.RoleGuest
		case UpdateProfile:
			return self || a.IsAdmin()
		case ManageOwnSession:
			return self
		case CreateUser:
			return a.IsAdmin()
		case ChangeRole, DisableUser, ResetPassword:
			// An admin does not demote or disable themself by accident; another
			// admin must (and the last admin stays, see account).
			return a.IsAdmin() && !self
		}
	case Org:
		switch act {
		case ListUsers, ListGroups:
			return a.Role != model.RoleGuest
		case ManageGroups, InviteAdmin, ManageBranding, ReadMetrics:
			return a.IsAdmin()
		case InviteMember:
			// Team admins will invite to their teams as well (with chat).
			return a.IsAdmin()
		}
	}
	return false
}
