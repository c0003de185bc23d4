package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"

	"quizbot/bot/zalo"
)

// zaloTokenRow is a row of zalo_tokens.
type zaloTokenRow struct {
	AccessToken  sql.NullString `db:"access_token"`
	RefreshToken sql.NullString `db:"refresh_token"`
	ExpiresAt    sql.NullTime   `db:"expires_at"`
}

func (r zaloTokenRow) pair() (zalo.TokenPair, bool) {
	if !r.AccessToken.Valid || !r.RefreshToken.Valid || !r.ExpiresAt.Valid {
		return zalo.TokenPair{}, false
	}
	return zalo.TokenPair{AccessToken: r.AccessToken.String, RefreshToken: r.RefreshToken.String, ExpiresAt: r.ExpiresAt.Time}, true
}

// ZaloTokens implements zalo.TokenStore.
func (db *DB) ZaloTokens(ctx context.Context, appID string) (zalo.TokenPair, bool, error) {
	var r zaloTokenRow
	err := db.GetContext(ctx, &r, `SELECT access_token, refresh_token, expires_at FROM zalo_tokens WHERE app_id = $1`, appID)
	if notFound(err) {
		return zalo.TokenPair{}, false, nil
	}
	if err != nil {
		return zalo.TokenPair{}, false, fmt.Errorf("zalo tokens: %w", err)
	}
	p, ok := r.pair()
	return p, ok, nil
}

// UpdateZaloTokens implements zalo.TokenStore: fn runs in a transaction that
// holds the app's row locked (FOR UPDATE; a first row is inserted empty to
// have something to lock), with the pair as committed by whoever held the
// lock before; the pair fn returns is written before the commit releases
// the lock. Other replicas wait on the lock, then read the new pair.
func (db *DB) UpdateZaloTokens(ctx context.Context, appID string, fn func(cur zalo.TokenPair, ok bool) (*zalo.TokenPair, error)) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO zalo_tokens (app_id) VALUES ($1) ON CONFLICT (app_id) DO NOTHING`, appID); err != nil {
			return fmt.Errorf("zalo tokens: %w", err)
		}
		var r zaloTokenRow
		if err := tx.GetContext(ctx, &r, `SELECT access_token, refresh_token, expires_at FROM zalo_tokens WHERE app_id = $1 FOR UPDATE`, appID); err != nil {
			return fmt.Errorf("zalo tokens: lock: %w", err)
		}
		cur, ok := r.pair()
		next, err := fn(cur, ok)
		if err != nil || next == nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE zalo_tokens SET access_token = $2, refresh_token = $3, expires_at = $4, updated_at = now()
			WHERE app_id = $1`, appID, next.AccessToken, next.RefreshToken, next.ExpiresAt); err != nil {
			return fmt.Errorf("zalo tokens: store the new pair: %w", err)
		}
		return nil
	})
}
