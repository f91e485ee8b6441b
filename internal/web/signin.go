package web

import (
	"context"
	"errors"
	"net/http"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

// errorPage is shown for errors that no form can fix.
type errorPage struct {
	base
	Status  int
	Heading string
	Message string
}

// newUserForm is what setup, invitation and admin forms share.
type newUserForm struct {
	Login, DisplayName, Email string
	Role                      model.Role
}

func readNewUserForm(r *http.Request) newUserForm {
	return newUserForm{Login: r.PostFormValue("login"), DisplayName: r.PostFormValue("display_name"),
		Email: r.PostFormValue("email"), Role: model.Role(r.PostFormValue("role"))}
}

// confirmedPassword reads a new password and its confirmation, which must match.
func confirmedPassword(r *http.Request, field string) (string, error) {
	pw := r.PostFormValue(field)
	if pw != r.PostFormValue(field+"_confirm") {
		return "", &model.InvalidError{Field: field + "_confirm", Reason: "the two passwords differ", Key: "err.password_mismatch"}
	}
	return pw, nil
}

// --- setup

type setupPage struct {
	base
	Form    newUserForm
	OrgName string
}

func (h *Handler) setupNeeded(ctx context.Context) (bool, error) { return h.accounts.SetupNeeded(ctx) }

func (h *Handler) setupForm(w http.ResponseWriter, r *http.Request) error {
	need, err := h.setupNeeded(r.Context())
	if err != nil {
		return err
	}
	if !need {
		return redirect(w, r, "/login")
	}
	return h.render(w, r, "setup.html", &setupPage{})
}

// setup creates the first admin, names the organisation and signs in.
func (h *Handler) setup(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, maxFormBody); err != nil {
		return err
	}
	need, err := h.setupNeeded(r.Context())
	if err != nil {
		return err
	}
	if !need {
		return redirect(w, r, "/login")
	}
	f := readNewUserForm(r)
	pg := &setupPage{Form: f, OrgName: r.PostFormValue("org_name")}
	org, err := account.Text("org_name", pg.OrgName, 1, 64)
	if err != nil {
		return againPage(err, "setup.html", pg)
	}
	pw, err := confirmedPassword(r, "password")
	if err != nil {
		return againPage(err, "setup.html", pg)
	}
	u, err := h.accounts.Setup(r.Context(), account.NewUser{Login: f.Login, DisplayName: f.DisplayName,
		Email: f.Email, Password: pw})
	if errors.Is(err, model.ErrConflict) && !errors.Is(err, model.ErrInvalid) {
		return redirect(w, r, "/login") // someone else finished setup first
	}
	if err != nil {
		return againPage(err, "setup.html", pg)
	}
	if _, err := h.accounts.SetBranding(r.Context(), access.ActorOf(u), account.BrandingUpdate{Name: &org}); err != nil {
		return err
	}
	h.endCurrentSession(r)
	if err := h.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, "/")
}

// --- login

type loginPage struct {
	base
	Login string
	Next  string
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) error {
	next := safeNext(r.URL.Query().Get("next"))
	if signedIn(r) {
		return redirect(w, r, next)
	}
	need, err := h.setupNeeded(r.Context())
	if err != nil {
		return err
	}
	if need {
		return redirect(w, r, "/setup")
	}
	return h.render(w, r, "login.html", &loginPage{Next: next})
}

// login signs in with a login or e-mail address and a password. The
// session the browser had, if any, ends first.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, maxFormBody); err != nil {
		return err
	}
	pg := &loginPage{Login: r.PostFormValue("login"), Next: safeNext(r.PostFormValue("next"))}
	h.endCurrentSession(r)
	token, _, _, err := h.auth.Login(r.Context(), pg.Login, r.PostFormValue("password"), h.client(r))
	if err != nil {
		return againPage(err, "login.html", pg)
	}
	httpx.SetSessionCookie(w, h.net.IsHTTPS(r), token, h.maxAge)
	return redirect(w, r, pg.Next)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, maxFormBody); err != nil {
		return err
	}
	if p, err := principal(r); err == nil && p.SessionID != 0 {
		if err := h.auth.Logout(r.Context(), p); err != nil {
			return err
		}
	}
	httpx.ClearSessionCookie(w, h.net.IsHTTPS(r))
	return redirect(w, r, "/login")
}

// --- invitations

type invitePage struct {
	base
	Token string
	Role  model.Role
	Form  newUserForm
}

func (h *Handler) inviteForm(w http.ResponseWriter, r *http.Request) error {
	inv, err := h.accounts.Invitation(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	return h.render(w, r, "invite.html", &invitePage{Token: r.PathValue("token"), Role: inv.Role,
		Form: newUserForm{Email: inv.Email}})
}

// invite creates the invitee's account and signs them in.
func (h *Handler) invite(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(w, r, maxFormBody); err != nil {
		return err
	}
	token := r.PathValue("token")
	f := readNewUserForm(r)
	show := func() (page, error) {
		inv, err := h.accounts.Invitation(r.Context(), token)
		return &invitePage{Token: token, Role: inv.Role, Form: f}, err
	}
	pw, err := confirmedPassword(r, "password")
	if err != nil {
		return again(err, "invite.html", show)
	}
	u, err := h.accounts.AcceptInvitation(r.Context(), token, account.NewUser{Login: f.Login,
		DisplayName: f.DisplayName, Email: f.Email, Password: pw})
	if err != nil {
		return again(err, "invite.html", show)
	}
	h.endCurrentSession(r)
	if err := h.startSession(w, r, u); err != nil {
		return err
	}
	return redirect(w, r, "/")
}
