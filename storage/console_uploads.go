package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
)

// ConsoleUpload is a file uploaded on the console, kept from its preview
// to its confirmation.
type ConsoleUpload struct {
	ID        string    `db:"id"`
	Session   []byte    `db:"session_hash"`
	Kind      string    `db:"kind"`
	FileName  string    `db:"file_name"`
	Data      []byte    `db:"data"`
	CreatedAt time.Time `db:"created_at"`
}

// ConsoleUploadTTL is how long an upload waits for its confirmation.
const ConsoleUploadTTL = time.Hour

// SaveConsoleUpload keeps an upload, replacing the session's earlier ones
// (one preview awaits confirmation at a time) and dropping any older than
// ConsoleUploadTTL.
func (db *DB) SaveConsoleUpload(ctx context.Context, u ConsoleUpload) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM console_uploads WHERE session_hash = $1 OR created_at < $2`,
			u.Session, u.CreatedAt.Add(-ConsoleUploadTTL)); err != nil {
			return fmt.Errorf("save console upload: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO console_uploads (id, session_hash, kind, file_name, data, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, u.Session, u.Kind, u.FileName, u.Data, u.CreatedAt); err != nil {
			return fmt.Errorf("save console upload: %w", err)
		}
		return nil
	})
}

// ConsoleUpload returns the upload with the id if the session made it and
// it is younger than ConsoleUploadTTL at now; ok is false otherwise.
func (db *DB) ConsoleUpload(ctx context.Context, id string, session []byte, now time.Time) (u ConsoleUpload, ok bool, err error) {
	err = db.GetContext(ctx, &u, `SELECT id, session_hash, kind, file_name, data, created_at FROM console_uploads
		WHERE id = $1 AND session_hash = $2 AND created_at >= $3`, id, session, now.Add(-ConsoleUploadTTL))
	if notFound(err) {
		return u, false, nil
	}
	if err != nil {
		return u, false, fmt.Errorf("console upload: %w", err)
	}
	return u, true, nil
}

// DeleteConsoleUpload drops an upload once applied.
func (db *DB) DeleteConsoleUpload(ctx context.Context, id string) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM console_uploads WHERE id = $1`, id); err != nil {
		return fmt.Errorf("delete console upload: %w", err)
	}
	return nil
}
