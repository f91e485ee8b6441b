package account

import (
	"context"
	"io"

	"ruche/internal/access"
	"ruche/internal/model"
)

// DefaultBranding is what a fresh install shows.
var DefaultBranding = model.Branding{Name: "Ruche", AccentColor: "#c2410c"}

const (
	brandName   = "brand.name"
	brandAccent = "brand.accent"
	brandLogo   = "brand.logo"
)

// Branding returns the organisation's name, colour and logo. It is read on
// every page, so it is cached; InvalidateBranding drops the cache (the app
// calls it on EventBrandingUpdated from any node).
func (s *Service) Branding(ctx context.Context) (model.Branding, error) {
	s.mu.RLock()
	b := s.branding
	s.mu.RUnlock()
	if b != nil {
		return *b, nil
	}
	kv, err := s.st.Settings(ctx, "brand.")
	if err != nil {
		return DefaultBranding, err
	}
	out := DefaultBranding
	if v := kv[brandName]; v != "" {
		out.Name = v
	}
	if v := kv[brandAccent]; v != "" {
		out.AccentColor = v
	}
	out.LogoKey, out.HasLogo = kv[brandLogo], kv[brandLogo] != ""
	s.mu.Lock()
	s.branding = &out
	s.mu.Unlock()
	return out, nil
}

// InvalidateBranding forgets the cached branding.
func (s *Service) InvalidateBranding() {
	s.mu.Lock()
	s.branding = nil
	s.mu.Unlock()
}

// BrandingUpdate holds the fields to change; nil ones stay.
type BrandingUpdate struct {
	Name        *string `json:"name"`
	AccentColor *string `json:"accent_color"`
	RemoveLogo  bool    `json:"remove_logo"`
}

// SetBranding changes the organisation's name, colour, or removes its logo.
func (s *Service) SetBranding(ctx context.Context, actor access.Actor, up BrandingUpdate) (model.Branding, error) {
	if err := access.Check(actor, access.ManageBranding, access.Org{}); err != nil {
		return model.Branding{}, err
	}
	kv := map[string]string{}
	if up.Name != nil {
		name, err := Text("name", normalizeSpace(*up.Name), 1, 64)
		if err != nil {
			return model.Branding{}, err
		}
		kv[brandName] = name
	}
	if up.AccentColor != nil {
		c, err := color(*up.AccentColor)
		if err != nil {
			return model.Branding{}, err
		}
		kv[brandAccent] = c
	}
	old, _ := s.Branding(ctx)
	if up.RemoveLogo {
		kv[brandLogo] = ""
	}
	if err := s.st.SetSettings(ctx, kv); err != nil {
		return model.Branding{}, err
	}
	if up.RemoveLogo && old.LogoKey != "" {
		_ = s.blobs.Delete(ctx, old.LogoKey)
	}
	return s.brandingChanged(ctx, actor)
}

// SetLogo replaces the organisation's logo (PNG, JPEG or GIF, ≤ 2 MiB).
func (s *Service) SetLogo(ctx context.Context, actor access.Actor, r io.Reader) (model.Branding, error) {
	if err := access.Check(actor, access.ManageBranding, access.Org{}); err != nil {
		return model.Branding{}, err
	}
	key, err := s.putImage(ctx, r)
	if err != nil {
		return model.Branding{}, err
	}
	old, _ := s.Branding(ctx)
	if err := s.st.SetSettings(ctx, map[string]string{brandLogo: key}); err != nil {
		_ = s.blobs.Delete(ctx, key)
		return model.Branding{}, err
	}
	if old.LogoKey != "" {
		_ = s.blobs.Delete(ctx, old.LogoKey)
	}
	return s.brandingChanged(ctx, actor)
}

func (s *Service) brandingChanged(ctx context.Context, actor access.Actor) (model.Branding, error) {
	s.InvalidateBranding()
	s.emit(ctx, model.EventBrandingUpdated, actor.UserID, 0)
	s.log.InfoContext(ctx, "branding updated", "actor_id", actor.UserID)
	return s.Branding(ctx)
}
