package storage

import (
	"context"
	"fmt"
)

// JudgeContests lists the contests whose entries member id judges, the
// latest first: the console lets a judge sign in and shows them these.
func (db *DB) JudgeContests(ctx context.Context, memberID int64) ([]int64, error) {
	var ids []int64
	if err := db.SelectContext(ctx, &ids, `SELECT contest_id FROM entry_judges WHERE member_id = $1 ORDER BY contest_id DESC`, memberID); err != nil {
		return nil, fmt.Errorf("contests judged by %d: %w", memberID, err)
	}
	return ids, nil
}

// UnitEntryCounts counts the contest's entries by unit code, for the
// weekly cards' line on the units that have not submitted.
func (db *DB) UnitEntryCounts(ctx context.Context, contestID int64) (map[string]int, error) {
	var rows []struct {
		Code  string `db:"code"`
		Count int    `db:"count"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT u.code, count(*) AS count FROM entries e JOIN units u ON u.id = e.unit_id
		WHERE e.contest_id = $1 GROUP BY u.code`, contestID); err != nil {
		return nil, fmt.Errorf("entries by unit of contest %d: %w", contestID, err)
	}
	out := make(map[string]int, len(rows))
	for _, r := range rows {
		out[r.Code] = r.Count
	}
	return out, nil
}
