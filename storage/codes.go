package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/quiz"
	"quizbot/report"
)

// IssuedCode is one member's new activation code, in clear: it exists only
// in memory, on its way to the workbook the heads hand out.
type IssuedCode struct {
	Member  quiz.Member
	Code    string
	Expires time.Time
}

// codesLock serialises issues of codes, so that the uniqueness of the new
// codes checked under it still holds when they are inserted.
const codesLock = 727200

// ErrIssueUnknown means the commit of an issue of codes failed in a way that
// leaves its outcome unknown (the connection was lost during COMMIT) and
// the check afterwards could not tell either.
var ErrIssueUnknown = errors.New("the outcome of the commit is unknown")

// CodeScope says whose codes an issue renews: the active members of the
// unit with UnitCode and of the units under it, or the one active member
// with Phone (normalized), or, when both are empty, every active member.
type CodeScope struct {
	UnitCode string
	Phone    string
}

// IssueActivationCodes gives each active member of the scope a new code
// from gen, valid from now until expires, voiding the member's
// previous live code. Members come by unit code, then name as stored (byte
// order, as the reports), then id.
//
// It is all or nothing, in one transaction: write gets the codes inside it
// (to write the workbook) and the transaction commits only when write
// returns nil. So a failure anywhere leaves the previous codes valid and
// none of the new ones; and a commit that fails yet may have happened is
// checked afterwards, ErrIssueUnknown when that check fails too.
func (db *DB) IssueActivationCodes(ctx context.Context, scope CodeScope, now, expires time.Time,
	gen func() (string, error), write func([]IssuedCode) error) ([]IssuedCode, error) {
	if !expires.After(now) {
		return nil, fmt.Errorf("issue activation codes: expiry %s is not after %s", expires, now)
	}
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("issue activation codes: begin: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, codesLock); err != nil {
		return nil, fmt.Errorf("issue activation codes: lock: %w", err)
	}
	var members []quiz.Member
	switch {
	case scope.Phone != "":
		err = tx.SelectContext(ctx, &members, memberSelect+` WHERE m.active AND m.phone = $1`, scope.Phone)
	case scope.UnitCode == "":
		err = tx.SelectContext(ctx, &members, memberSelect+`
			WHERE m.active ORDER BY u.code COLLATE "C", m.id`)
	default:
		err = tx.SelectContext(ctx, &members, `
			WITH RECURSIVE tree AS (
				SELECT id FROM units WHERE code = $1
				UNION SELECT c.id FROM units c JOIN tree t ON c.parent_id = t.id)
			`+memberSelect+` JOIN tree t ON t.id = u.id
			WHERE m.active ORDER BY u.code COLLATE "C", m.id`, scope.UnitCode)
	}
	if err != nil {
		return nil, fmt.Errorf("issue activation codes: members: %w", err)
	}
	// Unit by unit, names the Vietnamese way, as the sheet is read.
	report.SortByKey(members, func(m quiz.Member) (string, string) { return m.UnitCode, m.FullName })
	if len(members) == 0 {
		return nil, nil
	}
	codes, hashes, err := freshCodes(ctx, tx, len(members), gen)
	if err != nil {
		return nil, fmt.Errorf("issue activation codes: %w", err)
	}
	ids := make([]int64, len(members))
	out := make([]IssuedCode, len(members))
	for i, m := range members {
		ids[i] = m.ID
		out[i] = IssuedCode{Member: m, Code: codes[i], Expires: expires}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE activation_codes SET voided_at = $2
		WHERE member_id = ANY($1::bigint[]) AND used_at IS NULL AND voided_at IS NULL`, pq.Array(ids), now); err != nil {
		return nil, fmt.Errorf("issue activation codes: void the previous codes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO activation_codes (member_id, code_hash, issued_at, expires_at)
		SELECT f.member_id, f.code_hash, $3, $4 FROM unnest($1::bigint[], $2::bytea[]) AS f(member_id, code_hash)`,
		pq.Array(ids), pq.ByteaArray(hashes), now, expires); err != nil {
		return nil, fmt.Errorf("issue activation codes: insert: %w", err)
	}
	if err := write(out); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		// COMMIT may have reached the server before the failure: ask.
		var n int
		if cerr := db.DB.GetContext(context.WithoutCancel(ctx), &n, `SELECT count(*) FROM activation_codes
			WHERE code_hash = ANY($1::bytea[])`, pq.ByteaArray(hashes)); cerr != nil {
			return nil, fmt.Errorf("issue activation codes: commit: %v; checking whether it happened: %v: %w", err, cerr, ErrIssueUnknown)
		}
		if n != len(hashes) {
			return nil, fmt.Errorf("issue activation codes: commit: %w", err)
		}
	}
	return out, nil
}

// freshCodes draws n codes that no stored code and no other new code share,
// with their hashes. Collisions are rare (n²/2 pairs among 31^8 codes:
// about one in 200 issues for 100,000 members) but must not abort an issue.
func freshCodes(ctx context.Context, tx *sqlx.Tx, n int, gen func() (string, error)) ([]string, [][]byte, error) {
	codes, hashes := make([]string, n), make([][]byte, n)
	todo := make([]int, n)
	for i := range todo {
		todo[i] = i
	}
	for round := 0; len(todo) > 0; round++ {
		if round == 10 {
			return nil, nil, fmt.Errorf("could not draw %d unique codes", len(todo))
		}
		for _, i := range todo {
			c, err := gen()
			if err != nil {
				return nil, nil, err
			}
			codes[i], hashes[i] = c, quiz.HashCode(c)
		}
		seen := make(map[string]int, n)
		var again []int
		for i, h := range hashes {
			if _, dup := seen[string(h)]; dup {
				again = append(again, i)
				continue
			}
			seen[string(h)] = i
		}
		var taken [][]byte
		if err := tx.SelectContext(ctx, &taken, `SELECT code_hash FROM activation_codes WHERE code_hash = ANY($1::bytea[])`,
			pq.ByteaArray(hashes)); err != nil {
			return nil, nil, fmt.Errorf("check codes: %w", err)
		}
		for _, h := range taken {
			again = append(again, seen[string(h)])
		}
		todo = again
	}
	return codes, hashes, nil
}

// ActivationLockedUntil implements quiz.ActivationStore.
func (db *DB) ActivationLockedUntil(ctx context.Context, p quiz.Platform, externalID string, now time.Time) (time.Time, bool, error) {
	var until sql.NullTime
	err := db.GetContext(ctx, &until, `SELECT locked_until FROM activation_failures
		WHERE platform = $1 AND external_id = $2`, p, externalID)
	if notFound(err) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("activation lockout: %w", err)
	}
	return until.Time, until.Valid && until.Time.After(now), nil
}

// RecordActivationFailure implements quiz.ActivationStore. Replicas share
// the count: one statement reads and updates it under the row's lock.
func (db *DB) RecordActivationFailure(ctx context.Context, p quiz.Platform, externalID string, now time.Time, rule quiz.Lockout) (int, time.Time, error) {
	var row struct {
		Failures int          `db:"failures"`
		Locked   sql.NullTime `db:"locked_until"`
	}
	// A failure after the window, or after a lockout ended, starts a new
	// count; the one that reaches rule.Max locks the account and resets
	// the count for when the lockout ends.
	err := db.GetContext(ctx, &row, `
		INSERT INTO activation_failures AS f (platform, external_id, failures, first_at)
		VALUES ($1, $2, 1, $3)
		ON CONFLICT (platform, external_id) DO UPDATE SET
			failures = CASE WHEN f.first_at <= $3 - $4 * interval '1 microsecond'
				OR (f.locked_until IS NOT NULL AND f.locked_until <= $3) THEN 1 ELSE f.failures + 1 END,
			first_at = CASE WHEN f.first_at <= $3 - $4 * interval '1 microsecond'
				OR (f.locked_until IS NOT NULL AND f.locked_until <= $3) THEN $3 ELSE f.first_at END,
			locked_until = CASE WHEN f.locked_until <= $3 THEN NULL ELSE f.locked_until END
		RETURNING failures, locked_until`,
		p, externalID, now, rule.Window.Microseconds())
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("record activation failure: %w", err)
	}
	if row.Failures < rule.Max {
		return row.Failures, time.Time{}, nil
	}
	until := now.Add(rule.For)
	if _, err := db.ExecContext(ctx, `UPDATE activation_failures SET failures = 0, first_at = $3, locked_until = $4
		WHERE platform = $1 AND external_id = $2`, p, externalID, now, until); err != nil {
		return 0, time.Time{}, fmt.Errorf("record activation failure: lock: %w", err)
	}
	return row.Failures, until, nil
}

// RedeemActivationCode implements quiz.ActivationStore.
func (db *DB) RedeemActivationCode(ctx context.Context, hash []byte, id quiz.Identity, now time.Time) (quiz.Member, quiz.CodeOutcome, error) {
	var m quiz.Member
	outcome := quiz.CodeWrong
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var c struct {
			ID       int64        `db:"id"`
			MemberID int64        `db:"member_id"`
			Expires  time.Time    `db:"expires_at"`
			Voided   sql.NullTime `db:"voided_at"`
			Used     sql.NullTime `db:"used_at"`
		}
		// FOR UPDATE: two accounts sending the code at once take turns,
		// and the second finds it used.
		err := tx.GetContext(ctx, &c, `SELECT id, member_id, expires_at, voided_at, used_at
			FROM activation_codes WHERE code_hash = $1 FOR UPDATE`, hash)
		if notFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("find code: %w", err)
		}
		if err := tx.GetContext(ctx, &m, memberSelect+` WHERE m.id = $1`, c.MemberID); err != nil {
			return fmt.Errorf("member %d: %w", c.MemberID, err)
		}
		var bound int64
		err = tx.GetContext(ctx, &bound, `SELECT member_id FROM identities WHERE platform = $1 AND external_id = $2`,
			id.Platform, id.ExternalID)
		if err != nil && !notFound(err) {
			return fmt.Errorf("account: %w", err)
		}
		live := !c.Used.Valid && !c.Voided.Valid && c.Expires.After(now)
		switch {
		case bound == c.MemberID && m.Active:
			// Sent again from the account it bound (or one bound by
			// phone): nothing to bind, and the code is spent.
			outcome = quiz.CodeAlreadyBound
			if !live {
				return nil
			}
		case c.Used.Valid:
			outcome = quiz.CodeUsed
			return nil
		case c.Voided.Valid:
			outcome = quiz.CodeVoided
			return nil
		case !c.Expires.After(now):
			outcome = quiz.CodeExpired
			return nil
		case !m.Active:
			outcome = quiz.CodeMemberInactive
			return nil
		case bound != 0:
			outcome = quiz.CodeAccountTaken
			return nil
		default:
			var taken bool
			if err := tx.GetContext(ctx, &taken, `SELECT EXISTS (SELECT 1 FROM identities
				WHERE member_id = $1 AND platform = $2)`, c.MemberID, id.Platform); err != nil {
				return fmt.Errorf("member's accounts: %w", err)
			}
			if taken {
				outcome = quiz.CodeMemberTaken
				return nil
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO identities (member_id, platform, external_id, chat_id)
				VALUES ($1, $2, $3, $4)`, c.MemberID, id.Platform, id.ExternalID, id.ChatID); err != nil {
				return fmt.Errorf("link account: %w", err)
			}
			outcome = quiz.CodeRedeemed
		}
		if _, err := tx.ExecContext(ctx, `UPDATE activation_codes SET used_at = $2, used_platform = $3, used_external_id = $4
			WHERE id = $1`, c.ID, now, id.Platform, id.ExternalID); err != nil {
			return fmt.Errorf("spend code: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM activation_failures WHERE platform = $1 AND external_id = $2`,
			id.Platform, id.ExternalID); err != nil {
			return fmt.Errorf("clear failures: %w", err)
		}
		return nil
	})
	if err != nil {
		if isUniqueViolation(err, "") {
			// Another event bound the account or the member meanwhile.
			return m, quiz.CodeAccountTaken, nil
		}
		return quiz.Member{}, quiz.CodeWrong, fmt.Errorf("redeem activation code: %w", err)
	}
	return m, outcome, nil
}

// VoidActivationCodes voids the codes just issued that are still unused: a
// workbook that could not be written must not leave valid codes nobody has.
func (db *DB) VoidActivationCodes(ctx context.Context, issued []IssuedCode, now time.Time) error {
	hashes := make([][]byte, len(issued))
	for i, c := range issued {
		hashes[i] = quiz.HashCode(c.Code)
	}
	if _, err := db.ExecContext(ctx, `UPDATE activation_codes SET voided_at = $2
		WHERE code_hash = ANY($1::bytea[]) AND used_at IS NULL AND voided_at IS NULL`, pq.ByteaArray(hashes), now); err != nil {
		return fmt.Errorf("void activation codes: %w", err)
	}
	return nil
}
