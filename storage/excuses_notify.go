package storage

import (
	"context"
	"fmt"
	"strings"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

// UnreachableMembers returns the active members who have linked accounts
// and can be reached on none of them (they blocked the bot): their heads
// are told, since no reminder reaches them.
func (db *DB) UnreachableMembers(ctx context.Context) ([]int64, error) {
	var ids []int64
	err := db.SelectContext(ctx, &ids, `
		SELECT i.member_id FROM identities i JOIN members m ON m.id = i.member_id AND m.active
		GROUP BY i.member_id HAVING bool_and(i.unreachable_at IS NOT NULL)
		ORDER BY i.member_id`)
	if err != nil {
		return nil, fmt.Errorf("unreachable members: %w", err)
	}
	return ids, nil
}

// ExcuseCandidates returns the active members of a unit who have no attempt
// that counts in the round at now (the absent report's rule), by name, and
// the reasons already recorded for them by member id. The unit is the
// caller's own: a head asks only about the unit of their roster entry.
func (db *DB) ExcuseCandidates(ctx context.Context, roundID, unitID int64, now time.Time) ([]quiz.Member, map[int64]string, error) {
	var rows []excuseRow
	err := db.SelectContext(ctx, &rows, `
		WITH c AS (`+closedAttempts+`)
		SELECT `+memberColumns+`, coalesce(e.reason, '') AS reason
		FROM members m JOIN units u ON u.id = m.unit_id
		LEFT JOIN excuses e ON e.round_id = $1 AND e.member_id = m.id
		WHERE m.unit_id = $3 AND m.active AND NOT EXISTS (SELECT 1 FROM c WHERE c.member_id = m.id)
		ORDER BY m.id`, roundID, now, unitID)
	if err != nil {
		return nil, nil, fmt.Errorf("excuse candidates of unit %d: %w", unitID, err)
	}
	// By name the Vietnamese way (Đ after D), as the head reads the list.
	report.SortByName(rows, func(r excuseRow) string { return r.FullName })
	ms := make([]quiz.Member, len(rows))
	reasons := map[int64]string{}
	for i, r := range rows {
		ms[i] = r.Member
		if r.Reason != "" {
			reasons[r.ID] = r.Reason
		}
	}
	return ms, reasons, nil
}

type excuseRow struct {
	quiz.Member
	Reason string `db:"reason"`
}

// MaxExcuseLength bounds a typed reason: it goes into a report cell.
const MaxExcuseLength = 200

// RecordExcuse records (or replaces) why a member did not take part in a
// round. The member must be active in unitID, the unit of the head
// recording it: a head can never excuse someone of another unit
// (EFORBIDDEN, with nothing written).
func (db *DB) RecordExcuse(ctx context.Context, roundID, memberID, unitID int64, reason string, by int64) (quiz.Member, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return quiz.Member{}, quiz.Errorf(quiz.EINVALID, "Lý do không được để trống.")
	}
	if r := []rune(reason); len(r) > MaxExcuseLength {
		return quiz.Member{}, quiz.Errorf(quiz.EINVALID, "Lý do dài quá %d ký tự, anh/chị vui lòng ghi ngắn gọn hơn.", MaxExcuseLength)
	}
	m, err := db.MemberByID(ctx, memberID)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND || (err == nil && (m.UnitID != unitID || !m.Active)) {
		return quiz.Member{}, &quiz.Error{Code: quiz.EFORBIDDEN, Message: "Anh/chị chỉ ghi nhận lý do cho cán bộ của đơn vị mình.",
			Err: fmt.Errorf("member %d is not active in unit %d", memberID, unitID)}
	}
	if err != nil {
		return quiz.Member{}, err
	}
	// The unit check is repeated in the statement, so that a member moved
	// to another unit meanwhile is not excused by their former head.
	res, err := db.ExecContext(ctx, `
		INSERT INTO excuses (round_id, member_id, reason, recorded_by)
		SELECT $1, m.id, $3, $5 FROM members m WHERE m.id = $2 AND m.unit_id = $4 AND m.active
		ON CONFLICT (round_id, member_id) DO UPDATE
			SET reason = EXCLUDED.reason, recorded_by = EXCLUDED.recorded_by, recorded_at = now()`,
		roundID, memberID, reason, unitID, by)
	if err != nil {
		return quiz.Member{}, fmt.Errorf("record excuse for member %d: %w", memberID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return quiz.Member{}, quiz.Errorf(quiz.EFORBIDDEN, "Anh/chị chỉ ghi nhận lý do cho cán bộ của đơn vị mình.")
	}
	return m, nil
}

// SetExcusePrompt remembers that the head's next typed text is the reason
// for memberID in roundID, until expires.
func (db *DB) SetExcusePrompt(ctx context.Context, headID, roundID, memberID int64, expires time.Time) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO excuse_prompts (head_id, round_id, member_id, expires_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (head_id) DO UPDATE SET round_id = $2, member_id = $3, expires_at = $4`,
		headID, roundID, memberID, expires)
	if err != nil {
		return fmt.Errorf("remember excuse prompt of head %d: %w", headID, err)
	}
	return nil
}

// TakeExcusePrompt removes and returns the head's pending prompt; ok is
// false when there is none still valid at now.
func (db *DB) TakeExcusePrompt(ctx context.Context, headID int64, now time.Time) (roundID, memberID int64, ok bool, err error) {
	var row struct {
		RoundID  int64     `db:"round_id"`
		MemberID int64     `db:"member_id"`
		Expires  time.Time `db:"expires_at"`
	}
	err = db.GetContext(ctx, &row, `DELETE FROM excuse_prompts WHERE head_id = $1 RETURNING round_id, member_id, expires_at`, headID)
	if notFound(err) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, fmt.Errorf("excuse prompt of head %d: %w", headID, err)
	}
	if !row.Expires.After(now) {
		return 0, 0, false, nil
	}
	return row.RoundID, row.MemberID, true, nil
}
