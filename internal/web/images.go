package web

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"ruche/internal/httpx"
	"ruche/internal/model"
)

// logo serves the organisation's logo (public: the sign-in page shows it).
func (h *Handler) logo(w http.ResponseWriter, r *http.Request) error {
	b, err := h.accounts.Branding(r.Context())
	if err != nil {
		return err
	}
	if !b.HasLogo {
		return fmt.Errorf("web: no logo: %w", model.ErrNotFound)
	}
	return h.serveImage(w, r, b.LogoKey, "private, max-age=300")
}

// avatar serves a user's picture to those who may see the user (the
// service refuses anonymous viewers).
func (h *Handler) avatar(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	u, err := h.accounts.User(r.Context(), httpx.Actor(r), id)
	if err != nil {
		return err
	}
	if !u.HasAvatar {
		return fmt.Errorf("web: no avatar: %w", model.ErrNotFound)
	}
	// The pages ask for the picture at its current version (avatarURL, the
	// chat's avatar_version): a new picture has a new address, so that one
	// may be kept for long. Any other address gets the current picture for
	// a short while.
	cache := "private, max-age=300"
	if r.URL.Query().Get("v") == strconv.FormatInt(avatarVersion(u), 10) {
		cache = "private, max-age=31536000, immutable"
	}
	return h.serveImage(w, r, u.AvatarKey, cache)
}

// serveImage sends a stored picture. Its type is sniffed from the bytes, not
// trusted from anywhere; anything but PNG, JPEG or GIF is a download.
func (h *Handler) serveImage(w http.ResponseWriter, r *http.Request, key, cache string) error {
	f, err := h.accounts.Image(r.Context(), key)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fmt.Errorf("web: read image: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("web: read image: %w", err)
	}
	hd := w.Header()
	switch ct := http.DetectContentType(head[:n]); ct {
	case "image/png", "image/jpeg", "image/gif":
		hd.Set("Content-Type", ct)
	default:
		hd.Set("Content-Type", "application/octet-stream")
		hd.Set("Content-Disposition", "attachment")
	}
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", cache)
	http.ServeContent(w, r, "", time.Time{}, f)
	return nil
}
