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
