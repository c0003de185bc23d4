package storage

import (
	"context"
	"fmt"
	"time"

	"quizbot/report"
)

// UnitRoundFigures returns the counts per unit (its own roster, no roll-up)
// and round of the rounds given, at now, by unit code then round: computed
// by PostgreSQL, so the workbook holds units × rounds rows, not attempts.
func (db *DB) UnitRoundFigures(ctx context.Context, roundIDs []int64, now time.Time) ([]report.UnitRoundFigure, error) {
	var out []report.UnitRoundFigure
	err := db.DB.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttemptsIn+`), b AS (`+countedAttempts+`)
		SELECT u.code AS unit_code, b.round_id, count(*) AS participated,
			sum(b.correct)::bigint AS correct_sum, count(*) FILTER (WHERE b.correct = 0) AS zero_scores
		FROM b JOIN members m ON m.id = b.member_id AND m.active JOIN units u ON u.id = m.unit_id
		GROUP BY u.code, b.round_id
		ORDER BY u.code COLLATE "C", b.round_id`, roundIDs, now)
	if err != nil {
		return nil, fmt.Errorf("unit figures by round: %w", err)
	}
	return out, nil
}
