package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"ruche/internal/model"
)

const fileColumns = "f.id, f.channel_id, f.post_id, f.user_id, f.name, f.mime, f.size, f.blob_key, f.sha256, f.width, f.height, f.thumb_key, f.created_at"

func scanFile(sc scanner) (model.File, error) {
	var (
		f          model.File
		post, user sql.NullInt64
		created    int64
	)
	err := sc.Scan(&f.ID, &f.ChannelID, &post, &user, &f.Name, &f.MIME, &f.Size, &f.BlobKey, &f.SHA256, &f.Width, &f.Height, &f.ThumbKey, &created)
	f.PostID, f.UserID, f.CreatedAt, f.HasThumbnail = post.Int64, user.Int64, fromMS(created), f.ThumbKey != ""
	return f, err
}

// CreateFile records an uploaded file, not attached to a post yet. Its blob
// was written and synced before.
func (s *Store) CreateFile(ctx context.Context, f model.File) (model.File, error) {
	id, err := s.insert(ctx, `INSERT INTO files (channel_id, user_id, name, mime, size, blob_key, sha256, width, height, thumb_key, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		f.ChannelID, nullID(f.UserID), f.Name, f.MIME, f.Size, f.BlobKey, f.SHA256, f.Width, f.Height, f.ThumbKey, ms(f.CreatedAt))
	if err != nil {
		return f, fmt.Errorf("store: create file: %w", err)
	}
	f.ID, f.HasThumbnail = id, f.ThumbKey != ""
	return f, nil
}

// File returns one file.
func (s *Store) File(ctx context.Context, id int64) (model.File, error) {
	f, err := scanFile(s.queryRow(ctx, "SELECT "+fileColumns+" FROM files f WHERE f.id = ?", id))
	if err != nil {
		return f, fmt.Errorf("store: file %d: %w", id, s.mapErr(err))
	}
	return f, nil
}

// attachFiles attaches p.Files (by id) to p: each must have been uploaded by
// p's author to p's channel and not be attached yet.
func (tx *Store) attachFiles(ctx context.Context, p *model.Post) error {
	for i, f := range p.Files {
		if err := affectedOne(tx.exec(ctx, `UPDATE files SET post_id = ? WHERE id = ? AND channel_id = ? AND user_id = ? AND post_id IS NULL`,
			p.ID, f.ID, p.ChannelID, p.UserID)); err != nil {
			return fmt.Errorf("store: attach file %d: %w", f.ID, model.ErrInvalid)
		}
		full, err := tx.File(ctx, f.ID)
		if err != nil {
			return err
		}
		p.Files[i] = full
	}
	return nil
}

// loadFiles fills the Files of posts in one query.
func (s *Store) loadFiles(ctx context.Context, posts []model.Post) error {
	index := make(map[int64]int, len(posts))
	args := make([]any, len(posts))
	for i, p := range posts {
		index[p.ID] = i
		args[i] = p.ID
	}
	rows, err := s.query(ctx, "SELECT "+fileColumns+" FROM files f WHERE f.post_id IN (?"+strings.Repeat(", ?", len(posts)-1)+") ORDER BY f.id", args...)
	if err != nil {
		return fmt.Errorf("store: files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		f, err := scanFile(rows)
		if err != nil {
			return err
		}
		i := index[f.PostID]
		posts[i].Files = append(posts[i].Files, f)
	}
	return rows.Err()
}

// UnattachedFiles returns files uploaded before a time and never attached
// (abandoned uploads), for removal.
func (s *Store) UnattachedFiles(ctx context.Context, before time.Time, limit int) ([]model.File, error) {
	out, err := queryAll(ctx, s, scanFile, "SELECT "+fileColumns+" FROM files f WHERE f.post_id IS NULL AND f.created_at < ? ORDER BY f.id LIMIT ?", ms(before), limit)
	if err != nil {
		return nil, fmt.Errorf("store: unattached files: %w", err)
	}
	return out, nil
}

// DeletePostFiles forgets the file rows of a post (its blobs are the
// caller's to delete).
func (s *Store) DeletePostFiles(ctx context.Context, postID int64) error {
	_, err := s.exec(ctx, "DELETE FROM files WHERE post_id = ?", postID)
	return err
}

// DeleteFile forgets a file's row (its blobs are the caller's to delete).
func (s *Store) DeleteFile(ctx context.Context, id int64) error {
	return affectedOne(s.exec(ctx, "DELETE FROM files WHERE id = ?", id))
}

// PostFiles returns the files of a post and, withReplies, of its replies.
func (s *Store) PostFiles(ctx context.Context, postID int64, withReplies bool) ([]model.File, error) {
	q := "SELECT " + fileColumns + " FROM files f WHERE f.post_id = ?"
	args := []any{postID}
	if withReplies {
		q += " OR f.post_id IN (SELECT id FROM posts WHERE root_id = ?)"
		args = append(args, postID)
	}
	out, err := queryAll(ctx, s, scanFile, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: post files: %w", err)
	}
	return out, nil
}
