package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/httpx"
	"ruche/internal/model"
	"ruche/internal/store"
)

// adminOnly refuses the administration pages to those who may not
// administer. The listing services behind them serve members too (the
// people directory, the groups a member sees), so the page asks
// internal/access, the one place that decides, about the administrative
// action it offers; the services check again on every change.
func adminOnly(r *http.Request, act access.Action, res any) error {
	if _, err := principal(r); err != nil {
		return err
	}
	return access.Check(httpx.Actor(r), act, res)
}

// roles in the order forms offer them.
var roles = []model.Role{model.RoleMember, model.RoleGuest, model.RoleAdmin}

// --- users

type usersPage struct {
	base
	Query string
	Users []model.User
	Form  newUserForm
	Roles []model.Role
}

func (h *Handler) usersPage(r *http.Request, q string, f newUserForm) (*usersPage, error) {
	list, err := h.accounts.Users(r.Context(), httpx.Actor(r), store.UserFilter{Query: strings.TrimSpace(q), Limit: 200})
	if f.Role == "" {
		f.Role = model.RoleMember
	}
	return &usersPage{base: base{Nav: "admin", Sub: "users"}, Query: q, Users: list, Form: f, Roles: roles}, err
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) error {
	if err := adminOnly(r, access.CreateUser, access.User{}); err != nil {
		return err
	}
	pg, err := h.usersPage(r, r.URL.Query().Get("q"), newUserForm{})
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_users.html", pg)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	f := readNewUserForm(r)
	u, err := h.accounts.CreateUser(r.Context(), httpx.Actor(r), account.NewUser{Login: f.Login, DisplayName: f.DisplayName,
		Email: f.Email, Role: f.Role, Password: r.PostFormValue("password")})
	if err != nil {
		return again(err, "admin_users.html", func() (page, error) { return h.usersPage(r, "", f) })
	}
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(u.ID, 10)+"?done=created")
}

type userPage struct {
	base
	Subject model.User // the user shown
	Self    bool       // the viewer is the subject
	Roles   []model.Role
}

func (h *Handler) userPage(r *http.Request) (*userPage, error) {
	if err := adminOnly(r, access.CreateUser, access.User{}); err != nil {
		return nil, err
	}
	p, err := principal(r)
	if err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	u, err := h.accounts.User(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return nil, err
	}
	return &userPage{base: base{Nav: "admin", Sub: "users"}, Subject: u, Self: u.ID == p.User.ID, Roles: roles}, nil
}

func (h *Handler) adminUser(w http.ResponseWriter, r *http.Request) error {
	pg, err := h.userPage(r)
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_user.html", pg)
}

// userAction runs one change on the user of the URL and returns to the page.
func (h *Handler) userAction(w http.ResponseWriter, r *http.Request, done string, act func(id int64) error) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := act(id); err != nil {
		return again(err, "admin_user.html", func() (page, error) { return h.userPage(r) })
	}
	return redirect(w, r, "/admin/users/"+strconv.FormatInt(id, 10)+"?done="+done)
}

func (h *Handler) setRole(w http.ResponseWriter, r *http.Request) error {
	return h.userAction(w, r, "user", func(id int64) error {
		_, err := h.accounts.SetRole(r.Context(), httpx.Actor(r), id, model.Role(r.PostFormValue("role")))
		return err
	})
}

func (h *Handler) setDisabled(w http.ResponseWriter, r *http.Request) error {
	return h.userAction(w, r, "user", func(id int64) error {
		_, err := h.accounts.SetDisabled(r.Context(), httpx.Actor(r), id, r.PostFormValue("disabled") == "1")
		return err
	})
}

func (h *Handler) resetPassword(w http.ResponseWriter, r *http.Request) error {
	return h.userAction(w, r, "reset", func(id int64) error {
		pw, err := confirmedPassword(r, "password")
		if err != nil {
			return err
		}
		return h.accounts.ResetPassword(r.Context(), httpx.Actor(r), id, pw)
	})
}

// --- groups

type groupsPage struct {
	base
	Groups []model.Group
	Form   account.GroupSpec
}

func (h *Handler) groupsPage(r *http.Request, f account.GroupSpec) (*groupsPage, error) {
	list, err := h.accounts.Groups(r.Context(), httpx.Actor(r))
	return &groupsPage{base: base{Nav: "admin", Sub: "groups"}, Groups: list, Form: f}, err
}

func (h *Handler) adminGroups(w http.ResponseWriter, r *http.Request) error {
	if err := adminOnly(r, access.ManageGroups, access.Org{}); err != nil {
		return err
	}
	pg, err := h.groupsPage(r, account.GroupSpec{})
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_groups.html", pg)
}

func readGroupSpec(r *http.Request) account.GroupSpec {
	return account.GroupSpec{Name: r.PostFormValue("name"), Description: r.PostFormValue("description")}
}

func (h *Handler) createGroup(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	f := readGroupSpec(r)
	g, err := h.accounts.CreateGroup(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return again(err, "admin_groups.html", func() (page, error) { return h.groupsPage(r, f) })
	}
	return redirect(w, r, "/admin/groups/"+strconv.FormatInt(g.ID, 10)+"?done=group")
}

type groupPage struct {
	base
	Group   model.Group
	Members []model.User
	Form    account.GroupSpec
	Login   string // the login typed to add a member, on errors
}

func (h *Handler) groupPage(r *http.Request) (*groupPage, error) {
	if err := adminOnly(r, access.ManageGroups, access.Org{}); err != nil {
		return nil, err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return nil, err
	}
	g, members, err := h.accounts.Group(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return nil, err
	}
	return &groupPage{base: base{Nav: "admin", Sub: "groups"}, Group: g, Members: members,
		Form: account.GroupSpec{Name: g.Name, Description: g.Description}}, nil
}

func (h *Handler) adminGroup(w http.ResponseWriter, r *http.Request) error {
	pg, err := h.groupPage(r)
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_group.html", pg)
}

// groupAction runs one change on the group of the URL; on a problem the
// group page shows again, with what was typed (set by keep).
func (h *Handler) groupAction(w http.ResponseWriter, r *http.Request, done string, act func(id int64) error, keep func(*groupPage)) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := act(id); err != nil {
		return again(err, "admin_group.html", func() (page, error) {
			pg, err := h.groupPage(r)
			if err == nil && keep != nil {
				keep(pg)
			}
			return pg, err
		})
	}
	to := "/admin/groups/" + strconv.FormatInt(id, 10) + "?done=" + done
	if done == "deleted" {
		to = "/admin/groups?done=deleted"
	}
	return redirect(w, r, to)
}

func (h *Handler) updateGroup(w http.ResponseWriter, r *http.Request) error {
	return h.groupAction(w, r, "group", func(id int64) error {
		_, err := h.accounts.UpdateGroup(r.Context(), httpx.Actor(r), id, readGroupSpec(r))
		return err
	}, func(pg *groupPage) { pg.Form = readGroupSpec(r) })
}

func (h *Handler) deleteGroup(w http.ResponseWriter, r *http.Request) error {
	return h.groupAction(w, r, "deleted", func(id int64) error {
		return h.accounts.DeleteGroup(r.Context(), httpx.Actor(r), id)
	}, nil)
}

// addMember finds the user by login, then adds them: two calls, because
// people type logins, not numbers.
func (h *Handler) addMember(w http.ResponseWriter, r *http.Request) error {
	login := r.PostFormValue
	return h.groupAction(w, r, "member", func(id int64) error {
		u, err := h.accounts.UserByLogin(r.Context(), httpx.Actor(r), login("login"))
		if err != nil {
			return unknownLogin(err)
		}
		return h.accounts.AddGroupMember(r.Context(), httpx.Actor(r), id, u.ID)
	}, func(pg *groupPage) { pg.Login = login("login") })
}

// unknownLogin turns "no such user" into a problem with the form.
func unknownLogin(err error) error {
	if httpx.ProblemOf(err).Status == http.StatusNotFound {
		return &model.InvalidError{Field: "login", Reason: "no user has this login", Key: "err.unknown_login"}
	}
	return err
}

func (h *Handler) removeMember(w http.ResponseWriter, r *http.Request) error {
	return h.groupAction(w, r, "member", func(id int64) error {
		uid, err := pathID(r, "user")
		if err != nil {
			return err
		}
		return h.accounts.RemoveGroupMember(r.Context(), httpx.Actor(r), id, uid)
	}, nil)
}

// --- invitations

type invitationForm struct {
	Role      model.Role
	Email     string
	Days      string
	SingleUse bool
}

type invitationView struct {
	model.Invitation
	Status string // active, used, expired, revoked
}

type invitationsPage struct {
	base
	Invitations []invitationView
	Form        invitationForm
	Roles       []model.Role
	Link        string // the new invitation's link, shown once
}

func (h *Handler) invitationsPage(r *http.Request, f invitationForm) (*invitationsPage, error) {
	// The organisation's invitations page is for org admins (team admins
	// invite into their team through the API).
	if err := adminOnly(r, access.InviteMember, access.Org{}); err != nil {
		return nil, err
	}
	list, err := h.accounts.Invitations(r.Context(), httpx.Actor(r))
	now := time.Now()
	views := make([]invitationView, len(list))
	for i, inv := range list {
		st := "active"
		switch {
		case inv.Revoked:
			st = "revoked"
		case inv.SingleUse && inv.Uses > 0:
			st = "used"
		case inv.ExpiresAt != nil && !now.Before(*inv.ExpiresAt):
			st = "expired"
		}
		views[i] = invitationView{Invitation: inv, Status: st}
	}
	return &invitationsPage{base: base{Nav: "admin", Sub: "invitations"}, Invitations: views, Form: f, Roles: roles}, err
}

var defaultInvitation = invitationForm{Role: model.RoleMember, Days: "7", SingleUse: true}

func (h *Handler) adminInvitations(w http.ResponseWriter, r *http.Request) error {
	if _, err := principal(r); err != nil {
		return err
	}
	pg, err := h.invitationsPage(r, defaultInvitation)
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_invitations.html", pg)
}

// createInvitation shows the link in its response, once (see createToken).
func (h *Handler) createInvitation(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	f := invitationForm{Role: model.Role(r.PostFormValue("role")), Email: r.PostFormValue("email"),
		Days: strings.TrimSpace(r.PostFormValue("days")), SingleUse: r.PostFormValue("single_use") == "1"}
	show := func() (page, error) { return h.invitationsPage(r, f) }
	days, err := strconv.Atoi(f.Days)
	if err != nil || days < 0 || days > 365 {
		return again(&model.InvalidError{Field: "days", Reason: "expiry must be between 0 (never) and 365 days", Key: "err.expiry"},
			"admin_invitations.html", show)
	}
	secret, _, err := h.accounts.CreateInvitation(r.Context(), httpx.Actor(r), account.InvitationSpec{Role: f.Role,
		Email: f.Email, ExpiresIn: time.Duration(days) * 24 * time.Hour, SingleUse: f.SingleUse})
	if err != nil {
		return again(err, "admin_invitations.html", show)
	}
	pg, err := h.invitationsPage(r, defaultInvitation)
	if err != nil {
		return err
	}
	pg.Link = h.baseURL + "/invite/" + secret
	return h.render(w, r, "admin_invitations.html", pg)
}

func (h *Handler) revokeInvitation(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := h.accounts.RevokeInvitation(r.Context(), httpx.Actor(r), id); err != nil {
		return err
	}
	return redirect(w, r, "/admin/invitations?done=revoked")
}

// --- branding

type brandingPage struct {
	base
	Name, Color string
	Section     string // the form a problem belongs to: identity or logo
}

func (h *Handler) brandingPage(r *http.Request, section string) (*brandingPage, error) {
	if err := adminOnly(r, access.ManageBranding, access.Org{}); err != nil {
		return nil, err
	}
	b, err := h.accounts.Branding(r.Context())
	return &brandingPage{base: base{Nav: "admin", Sub: "branding"}, Name: b.Name, Color: normalColor(b.AccentColor), Section: section}, err
}

// adminBranding shows the branding forms (reading the branding is public:
// every page shows it; brandingPage asks access who may change it).
func (h *Handler) adminBranding(w http.ResponseWriter, r *http.Request) error {
	pg, err := h.brandingPage(r, "")
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_branding.html", pg)
}

func (h *Handler) updateBranding(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	name, color := r.PostFormValue("name"), r.PostFormValue("accent_color")
	if _, err := h.accounts.SetBranding(r.Context(), httpx.Actor(r), account.BrandingUpdate{Name: &name, AccentColor: &color}); err != nil {
		return againPage(err, "admin_branding.html", &brandingPage{base: base{Nav: "admin", Sub: "branding"}, Name: name, Color: color, Section: "identity"})
	}
	return redirect(w, r, "/admin/branding?done=branding")
}

func (h *Handler) uploadLogo(w http.ResponseWriter, r *http.Request) error {
	if _, err := principal(r); err != nil {
		return err
	}
	show := func() (page, error) { return h.brandingPage(r, "logo") }
	if err := parseForm(w, r, maxUploadBody); err != nil {
		return againTooLarge(err, "admin_branding.html", show)
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		return again(&model.InvalidError{Field: "file", Reason: "choose an image", Key: "err.image_format"}, "admin_branding.html", show)
	}
	defer f.Close()
	if _, err := h.accounts.SetLogo(r.Context(), httpx.Actor(r), f); err != nil {
		return again(err, "admin_branding.html", show)
	}
	return redirect(w, r, "/admin/branding?done=branding")
}

func (h *Handler) removeLogo(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	if _, err := h.accounts.SetBranding(r.Context(), httpx.Actor(r), account.BrandingUpdate{RemoveLogo: true}); err != nil {
		return err
	}
	return redirect(w, r, "/admin/branding?done=branding")
}
