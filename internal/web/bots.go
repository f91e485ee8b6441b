package web

import (
	"net/http"

	"ruche/internal/access"
	"ruche/internal/account"
	"ruche/internal/httpx"
	"ruche/internal/model"
)

// Admin → Bots: accounts that post with an API token and cannot sign in.
// Whoever may create accounts may create bots (the account service asks
// internal/access).

type botsPage struct {
	base
	Bots    []model.User
	Form    account.NewBot
	Created *model.User // the new bot, shown with its token once
	Secret  string
}

func (h *Handler) botsPage(r *http.Request, f account.NewBot) (*botsPage, error) {
	if err := adminOnly(r, access.CreateUser, access.User{}); err != nil {
		return nil, err
	}
	list, err := h.accounts.Bots(r.Context(), httpx.Actor(r))
	return &botsPage{base: base{Nav: "admin", Sub: "bots"}, Bots: list, Form: f}, err
}

func (h *Handler) adminBots(w http.ResponseWriter, r *http.Request) error {
	pg, err := h.botsPage(r, account.NewBot{})
	if err != nil {
		return err
	}
	return h.render(w, r, "admin_bots.html", pg)
}

// createBot shows the bot's token in its response, once (see createToken).
func (h *Handler) createBot(w http.ResponseWriter, r *http.Request) error {
	if _, err := signedInForm(w, r); err != nil {
		return err
	}
	f := account.NewBot{Login: r.PostFormValue("login"), DisplayName: r.PostFormValue("display_name")}
	u, secret, err := h.accounts.CreateBot(r.Context(), httpx.Actor(r), f)
	if err != nil {
		return again(err, "admin_bots.html", func() (page, error) { return h.botsPage(r, f) })
	}
	pg, err := h.botsPage(r, account.NewBot{})
	if err != nil {
		return err
	}
	pg.Created, pg.Secret = &u, secret
	return h.render(w, r, "admin_bots.html", pg)
}
