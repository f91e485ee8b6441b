package account

import (
	"context"

	"ruche/internal/access"
	"ruche/internal/auth"
	"ruche/internal/model"
)

// NewBot is what creating a bot takes.
type NewBot struct {
	Login       string `json:"login"`
	DisplayName string `json:"display_name"`
}

// CreateBot creates a bot (admin only): a member account marked as a bot,
// without a password (it cannot sign in), with a first personal API token
// whose secret is returned once. The bot posts through the API with it, in
// the teams and channels it is added to like anyone.
func (s *Service) CreateBot(ctx context.Context, actor access.Actor, n NewBot) (model.User, string, error) {
	if err := access.Check(actor, access.CreateUser, access.User{}); err != nil {
		return model.User{}, "", err
	}
	login, err := Login(n.Login)
	if err != nil {
		return model.User{}, "", err
	}
	name, err := Text("display_name", n.DisplayName, 0, 64)
	if err != nil {
		return model.User{}, "", err
	}
	now := s.now()
	u := model.User{Login: login, DisplayName: name, Role: model.RoleMember, Theme: model.ThemeAuto, CreatedAt: now, UpdatedAt: now}
	secret := auth.TokenPrefix + auth.NewSecret()
	t := model.Token{Name: "bot", TokenHash: auth.HashSecret(secret), Prefix: secret[:len(auth.TokenPrefix)+4], CreatedAt: now}
	if u, t, err = s.st.CreateBot(ctx, u, t); err != nil {
		return u, "", conflictAsInvalid(err)
	}
	s.log.InfoContext(ctx, "bot created", "user_id", u.ID, "login", u.Login, "token_id", t.ID, "actor_id", actor.UserID)
	s.emit(ctx, model.EventUserCreated, actor.UserID, u.ID)
	return u, secret, nil
}

// Bots lists the bot accounts (admin only).
func (s *Service) Bots(ctx context.Context, actor access.Actor) ([]model.User, error) {
	if err := access.Check(actor, access.CreateUser, access.User{}); err != nil {
		return nil, err
	}
	return s.st.Bots(ctx)
}
