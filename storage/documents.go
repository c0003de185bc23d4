package storage

import (
	"context"
	"crypto/sha256"
	"fmt"
)

// SaveSummaryDocument keeps a summary's workbook for the round and scope
// (a unit's code, or "" for the province) once, and returns its id for the
// notifications' payloads: the same bytes saved again give the same id.
func (db *DB) SaveSummaryDocument(ctx context.Context, roundID int64, scope string, data []byte) (int64, error) {
	sum := sha256.Sum256(data)
	var id int64
	err := db.GetContext(ctx, &id, `
		WITH ins AS (
			INSERT INTO summary_documents (round_id, scope, sha256, data) VALUES ($1, $2, $3, $4)
			ON CONFLICT (round_id, scope, sha256) DO NOTHING RETURNING id)
		SELECT id FROM ins
		UNION ALL SELECT id FROM summary_documents WHERE round_id = $1 AND scope = $2 AND sha256 = $3
		LIMIT 1`, roundID, scope, sum[:], data)
	if err != nil {
		return 0, fmt.Errorf("save summary document of round %d %q: %w", roundID, scope, err)
	}
	return id, nil
}

// SummaryDocument returns a saved workbook's bytes.
func (db *DB) SummaryDocument(ctx context.Context, id int64) ([]byte, error) {
	var data []byte
	if err := db.GetContext(ctx, &data, `SELECT data FROM summary_documents WHERE id = $1`, id); err != nil {
		return nil, fmt.Errorf("summary document %d: %w", id, err)
	}
	return data, nil
}

// PruneSummaryDocuments deletes the saved workbooks that no notification
// still to be sent (queued or sending) refers to, saved over an hour ago
// (a job still queuing its notifications is younger than that): those of
// cards already delivered or given up, and those of a job run again the
// same day, whose notifications were queued before. A delivered card's
// workbook can be written again with `quizbot report workbook`.
func (db *DB) PruneSummaryDocuments(ctx context.Context) (int64, error) {
	res, err := db.ExecContext(ctx, `
		DELETE FROM summary_documents d
		WHERE d.created_at < now() - interval '1 hour'
			AND NOT EXISTS (SELECT 1 FROM notifications n
				WHERE n.round_id = d.round_id AND n.kind IN ('summary', 'summary_org') AND n.status IN ('queued', 'sending')
					AND n.payload->'doc'->>'ref' = d.id::text)`)
	if err != nil {
		return 0, fmt.Errorf("prune summary documents: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}
