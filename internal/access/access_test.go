package access

import (
	"errors"
	"testing"

	"ruche/internal/model"
)

// TestMatrix tries every role against every action on every resource: each
// row is the complete answer for that action, so a new rule must come with
// its row and an accidental widening fails here.
func TestMatrix(t *testing.T) {
	const selfID, otherID = 10, 20
	actors := map[string]Actor{
		"anonymous": Anonymous,
		"guest":     {UserID: selfID, Role: model.RoleGuest},
		"member":    {UserID: selfID, Role: model.RoleMember},
		"admin":     {UserID: selfID, Role: model.RoleAdmin},
	}
	type row struct {
		act   Action
		res   any
		allow []string // actors allowed; every other actor is refused
	}
	rows := []row{
		{ReadUser, User{selfID}, []string{"guest", "member", "admin"}},
		{ReadUser, User{otherID}, []string{"member", "admin"}},
		{UpdateProfile, User{selfID}, []string{"guest", "member", "admin"}},
		{UpdateProfile, User{otherID}, []string{"admin"}},
		{ManageOwnSession, User{selfID}, []string{"guest", "member", "admin"}},
		{ManageOwnSession, User{otherID}, nil},
		{CreateUser, User{}, []string{"admin"}},
		{ChangeRole, User{otherID}, []string{"admin"}},
		{ChangeRole, User{selfID}, nil},
		{DisableUser, User{otherID}, []string{"admin"}},
		{DisableUser, User{selfID}, nil},
		{ResetPassword, User{otherID}, []string{"admin"}},
		{ResetPassword, User{selfID}, nil},
		{ListUsers, Org{}, []string{"member", "admin"}},
		{ListGroups, Org{}, []string{"member", "admin"}},
		{ManageGroups, Org{}, []string{"admin"}},
		{InviteMember, Org{}, []string{"admin"}},
		{InviteAdmin, Org{}, []string{"admin"}},
		{ManageBranding, Org{}, []string{"admin"}},
		{ReadMetrics, Org{}, []string{"admin"}},
		// Actions on the wrong kind of resource are refused for everyone.
		{ManageBranding, User{selfID}, nil},
		{ReadUser, Org{}, nil},
		{ReadUser, "user", nil},
	}
	for _, r := range rows {
		for name, actor := range actors {
			want := false
			for _, a := range r.allow {
				want = want || a == name
			}
			err := Check(actor, r.act, r.res)
			if (err == nil) != want {
				t.Errorf("%s %s on %#v: got %v, want allowed=%v", name, r.act, r.res, err, want)
			}
			wantErr := model.ErrForbidden
			if name == "anonymous" {
				wantErr = model.ErrUnauthorized
			}
			if err != nil && !errors.Is(err, wantErr) {
				t.Errorf("%s %s: error %v does not match %v", name, r.act, err, wantErr)
			}
		}
	}
}

func TestDisabledUserIsAnonymous(t *testing.T) {
	a := ActorOf(model.User{ID: 3, Role: model.RoleAdmin, Disabled: true})
	if a.SignedIn() || Check(a, ReadMetrics, Org{}) == nil {
		t.Fatalf("disabled admin acts as %+v", a)
	}
}
