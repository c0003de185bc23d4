package storage

import (
	"context"
	"fmt"

	"quizbot/quiz"
)

// SampleMembers lists up to limit active members, by unit then name, for the
// local web chat's "pick a sample member" step.
func (db *DB) SampleMembers(ctx context.Context, limit int) ([]quiz.Member, error) {
	if limit <= 0 {
		return nil, nil
	}
	ms := []quiz.Member{}
	err := db.SelectContext(ctx, &ms, memberSelect+`
		WHERE m.active
		ORDER BY u.name, u.code, m.full_name, m.id
		LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("sample members: %w", err)
	}
	return ms, nil
}
