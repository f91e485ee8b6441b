package chat

import (
	"bytes"
	"context"
	"fmt"
	"image"
	_ "image/gif" // decoders for thumbnails
	"image/jpeg"
	_ "image/png"
	"io"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/image/draw"
	_ "golang.org/x/image/webp"

	"ruche/internal/access"
	"ruche/internal/blob"
	"ruche/internal/model"
)

// Upload limits.
const (
	MaxFileSize      = 100 << 20 // bytes per file
	MaxFilesPerPost  = 10
	thumbSize        = 400      // longest side of a thumbnail, in pixels
	maxThumbSource   = 40 << 20 // images larger than this (bytes) get no thumbnail
	maxThumbPixels   = 24e6     // nor those with more pixels (memory on small boards)
	abandonedUploads = 24 * time.Hour
)

// Blobs is what attachments need from blob storage.
type Blobs interface {
	Put(ctx context.Context, r io.Reader, maxSize int64) (blob.Info, error)
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
	Delete(ctx context.Context, key string) error
}

// SetBlobs gives the service its file storage (attachments are optional for
// the rest of the chat).
func (s *Service) SetBlobs(b Blobs) { s.blobs = b }

// cleanName makes an uploaded file's name safe to show and to send back in a
// Content-Disposition header: its last path element, no control characters,
// at most 200 characters.
func cleanName(name string) (string, error) {
	name = strings.ReplaceAll(name, "\\", "/")
	name = path.Base(strings.TrimSpace(name))
	if !utf8.ValidString(name) {
		return "", &model.InvalidError{Field: "name", Reason: "file name is not valid UTF-8", Key: "err.file_name"}
	}
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '"' {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return "", &model.InvalidError{Field: "name", Reason: "file name is empty", Key: "err.file_name"}
	}
	if utf8.RuneCountInString(name) > 200 {
		r := []rune(name)
		ext := path.Ext(name)
		if len(ext) > 20 {
			ext = ""
		}
		name = string(r[:200-len([]rune(ext))]) + ext
	}
	return name, nil
}

// Upload stores a file in a channel the actor may post in; it is attached
// to a post by giving its id in NewPost.FileIDs. Memory does not grow with
// the file's size, except for images small enough to get a thumbnail.
func (s *Service) Upload(ctx context.Context, actor access.Actor, channelID int64, name string, r io.Reader) (model.File, error) {
	c, _, err := s.channel(ctx, actor, channelID, access.PostChannel)
	if err != nil {
		return model.File{}, err
	}
	if s.blobs == nil {
		return model.File{}, fmt.Errorf("chat: no file storage configured")
	}
	if name, err = cleanName(name); err != nil {
		return model.File{}, err
	}
	info, err := s.blobs.Put(ctx, r, MaxFileSize)
	if err != nil {
		return model.File{}, err
	}
	f := model.File{ChannelID: c.ID, UserID: actor.UserID, Name: name, Size: info.Size, BlobKey: info.Key, SHA256: info.SHA256,
		CreatedAt: s.now()}
	f.MIME = s.sniff(ctx, info.Key, name)
	if strings.HasPrefix(f.MIME, "image/") && info.Size <= maxThumbSource {
		f.Width, f.Height, f.ThumbKey = s.thumbnail(ctx, info.Key)
	}
	if f, err = s.st.CreateFile(ctx, f); err != nil {
		_ = s.blobs.Delete(ctx, info.Key)
		if f.ThumbKey != "" {
			_ = s.blobs.Delete(ctx, f.ThumbKey)
		}
		return f, err
	}
	return f, nil
}

// sniff decides a file's type from its first bytes, falling back on its
// name's extension; never from what the client claims.
func (s *Service) sniff(ctx context.Context, key, name string) string {
	rc, err := s.blobs.Open(ctx, key)
	if err != nil {
		return "application/octet-stream"
	}
	defer rc.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(rc, head)
	t := http.DetectContentType(head[:n])
	if t == "application/octet-stream" || strings.HasPrefix(t, "text/plain") {
		if byExt := mime.TypeByExtension(strings.ToLower(path.Ext(name))); byExt != "" && !strings.Contains(byExt, "html") &&
			!strings.Contains(byExt, "svg") && !strings.Contains(byExt, "javascript") {
			return byExt
		}
	}
	return t
}

// thumbnail makes a JPEG of at most thumbSize pixels a side; on any problem
// (unknown format, too many pixels) the image simply has no thumbnail.
func (s *Service) thumbnail(ctx context.Context, key string) (w, h int, thumbKey string) {
	rc, err := s.blobs.Open(ctx, key)
	if err != nil {
		return 0, 0, ""
	}
	defer rc.Close()
	cfg, _, err := image.DecodeConfig(rc)
	if err != nil || cfg.Width <= 0 || cfg.Height <= 0 || float64(cfg.Width)*float64(cfg.Height) > maxThumbPixels {
		return 0, 0, ""
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		return 0, 0, ""
	}
	src, _, err := image.Decode(rc)
	if err != nil {
		return cfg.Width, cfg.Height, ""
	}
	tw, th := cfg.Width, cfg.Height
	if tw > thumbSize || th > thumbSize {
		if tw >= th {
			tw, th = thumbSize, max(1, cfg.Height*thumbSize/cfg.Width)
		} else {
			tw, th = max(1, cfg.Width*thumbSize/cfg.Height), thumbSize
		}
	}
	dst := image.NewRGBA(image.Rect(0, 0, tw, th))
	draw.Draw(dst, dst.Bounds(), image.White, image.Point{}, draw.Src) // transparent areas on white
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Over, nil)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, dst, &jpeg.Options{Quality: 80}); err != nil {
		return cfg.Width, cfg.Height, ""
	}
	info, err := s.blobs.Put(ctx, &buf, 0)
	if err != nil {
		return cfg.Width, cfg.Height, ""
	}
	return cfg.Width, cfg.Height, info.Key
}

// FileContent is a file to send: its record and its bytes.
type FileContent struct {
	model.File
	Body io.ReadSeekCloser
}

// OpenFile opens a file (or its thumbnail) for a reader of its channel; an
// unattached upload only for its uploader.
func (s *Service) OpenFile(ctx context.Context, actor access.Actor, id int64, thumb bool) (FileContent, error) {
	f, err := s.st.File(ctx, id)
	if err != nil {
		return FileContent{}, err
	}
	if f.PostID == 0 {
		if f.UserID != actor.UserID || !actor.SignedIn() {
			return FileContent{}, fmt.Errorf("chat: file %d: %w", id, model.ErrNotFound)
		}
	} else if _, _, err := s.channel(ctx, actor, f.ChannelID, access.ReadChannel); err != nil {
		return FileContent{}, err
	}
	key := f.BlobKey
	if thumb {
		if f.ThumbKey == "" {
			return FileContent{}, fmt.Errorf("chat: file %d has no thumbnail: %w", id, model.ErrNotFound)
		}
		key, f.MIME = f.ThumbKey, "image/jpeg"
	}
	body, err := s.blobs.Open(ctx, key)
	if err != nil {
		return FileContent{}, err
	}
	return FileContent{File: f, Body: body}, nil
}

// deleteBlobs removes files' bytes (after their rows are gone).
func (s *Service) deleteBlobs(ctx context.Context, files []model.File) {
	for _, f := range files {
		if s.blobs == nil {
			return
		}
		_ = s.blobs.Delete(ctx, f.BlobKey)
		if f.ThumbKey != "" {
			_ = s.blobs.Delete(ctx, f.ThumbKey)
		}
	}
}

// cleanUploads removes uploads never attached to a post.
func (s *Service) cleanUploads(ctx context.Context) error {
	files, err := s.st.UnattachedFiles(ctx, s.now().Add(-abandonedUploads), 500)
	if err != nil {
		return err
	}
	for _, f := range files {
		if err := s.st.DeleteFile(ctx, f.ID); err == nil {
			s.deleteBlobs(ctx, []model.File{f})
		}
	}
	return nil
}
