// Package account owns the organisation's people and identity: users and
// their profiles, groups, invitations, first-run setup and the branding
// (name, logo, accent colour). It asks internal/access before every action
// and uses internal/auth for passwords and sessions; it knows nothing of HTTP.
package account

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	_ "image/gif" // logo and avatar formats
	_ "image/jpeg"
	_ "image/png"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"ruche/internal/access"
	"ruche/internal/auth"
	"ruche/internal/blob"
	"ruche/internal/bus"
	"ruche/internal/model"
	"ruche/internal/store"
)

// Service manages accounts. It needs the concrete store for transactions.
type Service struct {
	st    *store.Store
	blobs blob.Store
	bus   bus.Publisher
	auth  *auth.Service
	log   *slog.Logger
	now   func() time.Time

	mu       sync.RWMutex
	branding *model.Branding // cached; nil until loaded or after a change
	teams    TeamJoiner      // nil: invitations into teams only create the account
}

// New returns the account service.
func New(st *store.Store, blobs blob.Store, b bus.Publisher, a *auth.Service, log *slog.Logger, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{st: st, blobs: blobs, bus: b, auth: a, log: log, now: now}
}

// NewUser is what creating an account takes.
type NewUser struct {
	Login       string     `json:"login"`
	Email       string     `json:"email"`
	DisplayName string     `json:"display_name"`
	Role        model.Role `json:"role"`
	Password    string     `json:"password"`
	Locale      string     `json:"locale"`
}

func (s *Service) build(n NewUser) (model.User, error) {
	var errs []error
	login, err := Login(n.Login)
	errs = append(errs, err)
	email, err := Email(n.Email)
	errs = append(errs, err)
	name, err := Text("display_name", n.DisplayName, 0, 64)
	errs = append(errs, err)
	loc, err := locale(n.Locale)
	errs = append(errs, err)
	if !n.Role.Valid() {
		errs = append(errs, &model.InvalidError{Field: "role", Reason: "role must be admin, member or guest", Key: "err.role"})
	}
	errs = append(errs, auth.ValidatePassword(n.Password))
	for _, e := range errs {
		if e != nil {
			return model.User{}, e // the first problem, in form order
		}
	}
	hash, err := auth.HashPassword(n.Password)
	if err != nil {
		return model.User{}, err
	}
	now := s.now()
	return model.User{Login: login, Email: email, DisplayName: name, Role: n.Role, Locale: loc, Theme: model.ThemeAuto,
		PasswordHash: hash, CreatedAt: now, UpdatedAt: now}, nil
}

func conflictAsInvalid(err error) error {
	if errors.Is(err, model.ErrConflict) {
		return fmt.Errorf("%w: %w", &model.InvalidError{Field: "login", Reason: "this login or e-mail address is already taken", Key: "err.taken"}, model.ErrConflict)
	}
	return err
}

const setupKey = "setup.done"

// SetupNeeded reports whether the database has no user yet: the web UI then
// offers the one-time setup page.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	n, err := s.st.CountUsers(ctx)
	return n == 0, err
}

// Setup creates the first admin. It works once: when any user exists, or a
// concurrent setup won, it returns model.ErrConflict.
func (s *Service) Setup(ctx context.Context, n NewUser) (model.User, error) {
	n.Role = model.RoleAdmin
	u, err := s.build(n)
	if err != nil {
		return u, err
	}
	err = s.st.InTx(ctx, func(tx *store.Store) error {
		if c, err := tx.CountUsers(ctx); err != nil || c > 0 {
			return errors.Join(err, fmt.Errorf("account: setup already done: %w", model.ErrConflict))
		}
		if err := tx.InsertSetting(ctx, setupKey, s.now().UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		u, err = tx.CreateUser(ctx, u)
		return err
	})
	if err != nil {
		return u, err
	}
	s.log.InfoContext(ctx, "first admin created", "user_id", u.ID, "login", u.Login)
	s.emit(ctx, model.EventUserCreated, u.ID, u.ID)
	return u, nil
}

// CreateUser creates an account (admin only). actor may be a real admin, or
// the shell (see Shell).
func (s *Service) CreateUser(ctx context.Context, actor access.Actor, n NewUser) (model.User, error) {
	if err := access.Check(actor, access.CreateUser, access.User{}); err != nil {
		return model.User{}, err
	}
	u, err := s.build(n)
	if err != nil {
		return u, err
	}
	if u, err = s.st.CreateUser(ctx, u); err != nil {
		return u, conflictAsInvalid(err)
	}
	s.log.InfoContext(ctx, "user created", "user_id", u.ID, "login", u.Login, "role", u.Role, "actor_id", actor.UserID)
	s.emit(ctx, model.EventUserCreated, actor.UserID, u.ID)
	return u, nil
}

// Shell is the actor of `ruche admin` commands: whoever runs them has the
// data folder, hence every right.
var Shell = access.Actor{UserID: -1, Role: model.RoleAdmin}

// User returns a user's profile.
func (s *Service) User(ctx context.Context, actor access.Actor, id int64) (model.User, error) {
	if err := access.Check(actor, access.ReadUser, access.User{ID: id}); err != nil {
		return model.User{}, err
	}
	return s.st.User(ctx, id)
}

// UserByLogin is User by login (the shell's commands name users so).
func (s *Service) UserByLogin(ctx context.Context, actor access.Actor, login string) (model.User, error) {
	u, err := s.st.UserByLogin(ctx, auth.NormalizeLogin(login))
	if err != nil {
		return u, err
	}
	if err := access.Check(actor, access.ReadUser, access.User{ID: u.ID}); err != nil {
		return model.User{}, err
	}
	return u, nil
}

// Users lists users.
func (s *Service) Users(ctx context.Context, actor access.Actor, f store.UserFilter) ([]model.User, error) {
	if err := access.Check(actor, access.ListUsers, access.Org{}); err != nil {
		return nil, err
	}
	return s.st.Users(ctx, f)
}

// ProfileUpdate holds the fields to change; nil ones stay as they are.
type ProfileUpdate struct {
	DisplayName *string      `json:"display_name"`
	Email       *string      `json:"email"`
	Locale      *string      `json:"locale"`
	TimeZone    *string      `json:"time_zone"`
	Theme       *model.Theme `json:"theme"`
}

// UpdateProfile changes a user's own settings (or any user's, for an admin).
func (s *Service) UpdateProfile(ctx context.Context, actor access.Actor, id int64, p ProfileUpdate) (model.User, error) {
	if err := access.Check(actor, access.UpdateProfile, access.User{ID: id}); err != nil {
		return model.User{}, err
	}
	u, err := s.st.User(ctx, id)
	if err != nil {
		return u, err
	}
	if p.DisplayName != nil {
		if u.DisplayName, err = Text("display_name", *p.DisplayName, 0, 64); err != nil {
			return u, err
		}
	}
	if p.Email != nil {
		if u.Email, err = Email(*p.Email); err != nil {
			return u, err
		}
	}
	if p.Locale != nil {
		if u.Locale, err = locale(*p.Locale); err != nil {
			return u, err
		}
	}
	if p.TimeZone != nil {
		if u.TimeZone, err = timeZone(*p.TimeZone); err != nil {
			return u, err
		}
	}
	if p.Theme != nil {
		if !p.Theme.Valid() {
			return u, &model.InvalidError{Field: "theme", Reason: "theme must be auto, light or dark", Key: "err.theme"}
		}
		u.Theme = *p.Theme
	}
	return u, s.save(ctx, actor, u, model.EventUserUpdated)
}

func (s *Service) save(ctx context.Context, actor access.Actor, u model.User, event string) error {
	u.UpdatedAt = s.now()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return conflictAsInvalid(err)
	}
	s.emit(ctx, event, actor.UserID, u.ID)
	return nil
}

// errLastAdmin keeps at least one enabled admin.
var errLastAdmin = fmt.Errorf("%w: %w", &model.InvalidError{Field: "role", Reason: "the organisation must keep at least one enabled admin", Key: "err.last_admin"}, model.ErrConflict)

// SetRole changes a user's role; the last enabled admin keeps theirs.
func (s *Service) SetRole(ctx context.Context, actor access.Actor, id int64, role model.Role) (model.User, error) {
	if err := access.Check(actor, access.ChangeRole, access.User{ID: id}); err != nil {
		return model.User{}, err
	}
	if !role.Valid() {
		return model.User{}, &model.InvalidError{Field: "role", Reason: "role must be admin, member or guest", Key: "err.role"}
	}
	var u model.User
	err := s.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if u, err = tx.User(ctx, id); err != nil {
			return err
		}
		if u.Role == model.RoleAdmin && role != model.RoleAdmin && !u.Disabled {
			if n, err := tx.CountActiveAdmins(ctx); err != nil || n <= 1 {
				return errors.Join(err, errLastAdmin)
			}
		}
		u.Role, u.UpdatedAt = role, s.now()
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		return u, err
	}
	s.log.InfoContext(ctx, "role changed", "user_id", id, "role", role, "actor_id", actor.UserID)
	s.emit(ctx, model.EventUserUpdated, actor.UserID, id)
	return u, nil
}

// SetDisabled disables or enables an account. Disabling ends every session
// and refuses the user's API tokens at once.
func (s *Service) SetDisabled(ctx context.Context, actor access.Actor, id int64, disabled bool) (model.User, error) {
	if err := access.Check(actor, access.DisableUser, access.User{ID: id}); err != nil {
		return model.User{}, err
	}
	var u model.User
	err := s.st.InTx(ctx, func(tx *store.Store) error {
		var err error
		if u, err = tx.User(ctx, id); err != nil {
			return err
		}
		if disabled && !u.Disabled && u.Role == model.RoleAdmin {
			if n, err := tx.CountActiveAdmins(ctx); err != nil || n <= 1 {
				return errors.Join(err, errLastAdmin)
			}
		}
		u.Disabled, u.UpdatedAt = disabled, s.now()
		return tx.UpdateUser(ctx, u)
	})
	if err != nil {
		return u, err
	}
	s.log.InfoContext(ctx, "account disabled", "user_id", id, "disabled", disabled, "actor_id", actor.UserID)
	if disabled {
		if err := s.auth.EndAllSessions(ctx, actor.UserID, id, 0); err != nil {
			return u, err
		}
		s.emit(ctx, model.EventUserDisabled, actor.UserID, id)
	} else {
		s.emit(ctx, model.EventUserUpdated, actor.UserID, id)
	}
	return u, nil
}

// ResetPassword sets another user's password (admin) and ends their sessions.
func (s *Service) ResetPassword(ctx context.Context, actor access.Actor, id int64, password string) error {
	if err := access.Check(actor, access.ResetPassword, access.User{ID: id}); err != nil {
		return err
	}
	if _, err := s.st.User(ctx, id); err != nil {
		return err
	}
	if err := s.auth.SetPassword(ctx, actor.UserID, id, password, 0); err != nil {
		return err
	}
	s.log.InfoContext(ctx, "password reset by admin", "user_id", id, "actor_id", actor.UserID)
	return nil
}

// Image limits for avatars and logos.
const (
	MaxImageBytes  = 2 << 20
	MaxImagePixels = 4096
)

// SetAvatar stores a user's picture (PNG, JPEG or GIF, at most 2 MiB).
func (s *Service) SetAvatar(ctx context.Context, actor access.Actor, id int64, r io.Reader) (model.User, error) {
	if err := access.Check(actor, access.UpdateProfile, access.User{ID: id}); err != nil {
		return model.User{}, err
	}
	key, err := s.putImage(ctx, r)
	if err != nil {
		return model.User{}, err
	}
	u, err := s.st.User(ctx, id)
	if err != nil {
		_ = s.blobs.Delete(ctx, key)
		return u, err
	}
	old := u.AvatarKey
	u.AvatarKey, u.HasAvatar = key, true
	if err := s.save(ctx, actor, u, model.EventUserUpdated); err != nil {
		_ = s.blobs.Delete(ctx, key)
		return u, err
	}
	if old != "" {
		_ = s.blobs.Delete(ctx, old)
	}
	return u, nil
}

// putImage checks that r is a small picture of a known format and stores it.
// The blob is written (and synced) before any row points to it.
func (s *Service) putImage(ctx context.Context, r io.Reader) (string, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return "", fmt.Errorf("account: read image: %w", err)
	}
	if n > MaxImageBytes {
		return "", &model.InvalidError{Field: "file", Reason: "image must be at most 2 MiB", Key: "err.image_size"}
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(buf.Bytes()))
	if err != nil {
		return "", &model.InvalidError{Field: "file", Reason: "image must be PNG, JPEG or GIF", Key: "err.image_format"}
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width > MaxImagePixels || cfg.Height > MaxImagePixels {
		return "", &model.InvalidError{Field: "file", Reason: "image must be at most 4096×4096 pixels", Key: "err.image_size"}
	}
	info, err := s.blobs.Put(ctx, &buf, MaxImageBytes)
	if err != nil {
		return "", fmt.Errorf("account: store image: %w", err)
	}
	return info.Key, nil
}

// Image opens a stored avatar or logo by its key. Callers got the key from a
// user or the branding they may see.
func (s *Service) Image(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if key == "" {
		return nil, fmt.Errorf("account: image: %w", model.ErrNotFound)
	}
	return s.blobs.Open(ctx, key)
}

func (s *Service) emit(ctx context.Context, typ string, actorID, userID int64) {
	bus.Emit(ctx, s.bus, s.log, model.Event{Type: typ, At: s.now(), ActorID: actorID, UserID: userID})
}

// normalizeSpace folds runs of white space, for names shown in lists.
func normalizeSpace(s string) string { return strings.Join(strings.Fields(s), " ") }
