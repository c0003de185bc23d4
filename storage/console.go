package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lib/pq"

	"quizbot/quiz"
)

// The web console's sign-in links, sessions and audit log (migration
// 00021). Tokens and cookies arrive here already hashed: the database
// never holds one that could be replayed.

// CreateConsoleToken stores a sign-in link's token hash for member m at
// their current generation, good until expires.
func (db *DB) CreateConsoleToken(ctx context.Context, hash []byte, m quiz.Member, expires time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO console_tokens (hash, member_id, member_gen, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, m.ID, m.Gen, expires)
	if err != nil {
		return fmt.Errorf("create console token: %w", err)
	}
	return nil
}

// SpendConsoleToken marks the token used at now and returns its member,
// read again now; ok is false when no such token is unused and unexpired
// at now. A token is spent whatever its member has become since: the
// caller decides whether they may still sign in.
func (db *DB) SpendConsoleToken(ctx context.Context, hash []byte, now time.Time) (m quiz.Member, tokenGen int64, ok bool, err error) {
	var row struct {
		MemberID int64 `db:"member_id"`
		Gen      int64 `db:"member_gen"`
	}
	err = db.GetContext(ctx, &row, `UPDATE console_tokens SET used_at = $2
		WHERE hash = $1 AND used_at IS NULL AND expires_at > $2
		RETURNING member_id, member_gen`, hash, now)
	if errors.Is(err, sql.ErrNoRows) {
		return m, 0, false, nil
	}
	if err != nil {
		return m, 0, false, fmt.Errorf("spend console token: %w", err)
	}
	m, err = db.MemberByID(ctx, row.MemberID)
	if err != nil {
		return m, 0, false, fmt.Errorf("spend console token: %w", err)
	}
	return m, row.Gen, true, nil
}

// ConsoleTokenValid says whether the token is unused and unexpired at now,
// without spending it.
func (db *DB) ConsoleTokenValid(ctx context.Context, hash []byte, now time.Time) (bool, error) {
	var ok bool
	err := db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM console_tokens WHERE hash = $1 AND used_at IS NULL AND expires_at > $2)`, hash, now)
	if err != nil {
		return false, fmt.Errorf("check console token: %w", err)
	}
	return ok, nil
}

// CreateConsoleSession stores a session (its cookie's hash) of member m at
// their generation gen, with its CSRF token.
func (db *DB) CreateConsoleSession(ctx context.Context, hash []byte, m quiz.Member, gen int64, csrf string, now, expires time.Time) error {
	_, err := db.ExecContext(ctx, `INSERT INTO console_sessions (hash, member_id, member_gen, csrf, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, hash, m.ID, gen, csrf, now, expires)
	if err != nil {
		return fmt.Errorf("create console session: %w", err)
	}
	// Expired rows go on the way (cheap, indexed): links, sessions, and
	// uploads past their hour, which hold whole rosters (names, phones)
	// and would otherwise wait for the next upload or their session's end.
	if _, err := db.ExecContext(ctx, `WITH t AS (DELETE FROM console_tokens WHERE expires_at < $1::timestamptz - interval '1 day'),
			u AS (DELETE FROM console_uploads WHERE created_at < $2)
		DELETE FROM console_sessions WHERE expires_at < $1::timestamptz`, now, now.Add(-ConsoleUploadTTL)); err != nil {
		return fmt.Errorf("purge console sessions: %w", err)
	}
	return nil
}

// ConsoleSession returns the member of a live session and its CSRF token:
// ok is false when the session is unknown or expired at now, or its member
// is no longer the same (inactive, unlinked or otherwise changed: the
// generation moved on). Whether the member may still use the console (an
// organizer, a head, a judge of the entries, a submitter) is the
// console's to decide.
func (db *DB) ConsoleSession(ctx context.Context, hash []byte, now time.Time) (m quiz.Member, csrf string, ok bool, err error) {
	var row struct {
		MemberID int64  `db:"member_id"`
		Gen      int64  `db:"member_gen"`
		CSRF     string `db:"csrf"`
	}
	err = db.GetContext(ctx, &row, `SELECT member_id, member_gen, csrf FROM console_sessions WHERE hash = $1 AND expires_at > $2`, hash, now)
	if errors.Is(err, sql.ErrNoRows) {
		return m, "", false, nil
	}
	if err != nil {
		return m, "", false, fmt.Errorf("console session: %w", err)
	}
	m, err = db.MemberByID(ctx, row.MemberID)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return m, "", false, nil
	}
	if err != nil {
		return m, "", false, fmt.Errorf("console session: %w", err)
	}
	if !m.Active || m.Gen != row.Gen {
		return m, "", false, nil
	}
	return m, row.CSRF, true, nil
}

// DeleteConsoleSession ends a session (sign-out).
func (db *DB) DeleteConsoleSession(ctx context.Context, hash []byte) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM console_sessions WHERE hash = $1`, hash); err != nil {
		return fmt.Errorf("delete console session: %w", err)
	}
	return nil
}

// AuditEntry is one line of the console's audit log.
type AuditEntry struct {
	ID        int64     `db:"id"`
	At        time.Time `db:"at"`
	MemberID  int64     `db:"member_id"`
	ActorName string    `db:"actor_name"`
	UnitCode  string    `db:"unit_code"`
	Action    string    `db:"action"`
	Detail    string    `db:"detail"`
}

// AddAudit appends an entry.
func (db *DB) AddAudit(ctx context.Context, e AuditEntry) error {
	_, err := db.ExecContext(ctx, `INSERT INTO console_audit (at, member_id, actor_name, unit_code, action, detail)
		VALUES ($1, $2, $3, $4, $5, $6)`, e.At, e.MemberID, e.ActorName, e.UnitCode, e.Action, e.Detail)
	if err != nil {
		return fmt.Errorf("add audit entry: %w", err)
	}
	return nil
}

// AuditEntries returns the latest entries first, at most limit; only those
// whose unit is in units unless units is nil (every entry).
func (db *DB) AuditEntries(ctx context.Context, units []string, limit int) ([]AuditEntry, error) {
	var out []AuditEntry
	err := db.SelectContext(ctx, &out, `SELECT id, at, member_id, actor_name, unit_code, action, detail
		FROM console_audit WHERE ($1::text[] IS NULL OR unit_code = ANY($1::text[]))
		ORDER BY at DESC, id DESC LIMIT $2`, unitsArg(units), limit)
	if err != nil {
		return nil, fmt.Errorf("audit entries: %w", err)
	}
	return out, nil
}

// unitsArg is a filter of unit codes for SQL: NULL for every unit.
func unitsArg(units []string) any {
	if units == nil {
		return nil
	}
	return pq.Array(units)
}

// UnitRoundDay is how many members' counted attempts of a round, by unit
// (its own roster), were submitted on a day of the contest's time zone.
type UnitRoundDay struct {
	UnitCode     string    `db:"unit_code"`
	RoundID      int64     `db:"round_id"`
	Day          time.Time `db:"day"` // midnight UTC of the local date
	Participated int       `db:"participated"`
	CorrectSum   int       `db:"correct_sum"` // their counted attempts' correct answers
	ZeroScores   int       `db:"zero_scores"` // of them, counted attempts with no correct answer
}

// UnitRoundDays is UnitRoundFigures' participation (active members, their
// counted attempt, the same CTEs) split by the local day, in tz, of the
// counted attempt: summed over days it is UnitRoundFigures' row (the same
// participants, correct answers and zero scores). The console reads every
// participation figure it shows from this one pass.
func (db *DB) UnitRoundDays(ctx context.Context, roundIDs []int64, now time.Time, tz string) ([]UnitRoundDay, error) {
	var out []UnitRoundDay
	err := db.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttemptsIn+`), b AS (`+countedAttempts+`)
		SELECT u.code AS unit_code, b.round_id, (b.submitted_at AT TIME ZONE $3)::date::timestamp AT TIME ZONE 'UTC' AS day,
			count(*) AS participated, sum(b.correct)::bigint AS correct_sum, count(*) FILTER (WHERE b.correct = 0) AS zero_scores
		FROM b JOIN members m ON m.id = b.member_id AND m.active JOIN units u ON u.id = m.unit_id
		GROUP BY 1, 2, 3 ORDER BY 2, 3, 1`, pq.Array(roundIDs), now, tz)
	if err != nil {
		return nil, fmt.Errorf("participation by unit, round and day: %w", err)
	}
	return out, nil
}

// UnitCount is a count for a unit (its own roster).
type UnitCount struct {
	UnitCode string `db:"unit_code"`
	Count    int    `db:"n"`
}

// InProgressByUnit counts the round's attempts under way at now (started,
// not submitted, before their deadline), by the unit of their member.
func (db *DB) InProgressByUnit(ctx context.Context, roundID int64, now time.Time) ([]UnitCount, error) {
	var out []UnitCount
	err := db.SelectContext(ctx, &out, `
		SELECT u.code AS unit_code, count(*) AS n
		FROM attempts a JOIN members m ON m.id = a.member_id JOIN units u ON u.id = m.unit_id
		WHERE a.round_id = $1 AND a.submitted_at IS NULL AND a.deadline > $2
		GROUP BY 1 ORDER BY 1`, roundID, now)
	if err != nil {
		return nil, fmt.Errorf("round %d attempts in progress: %w", roundID, err)
	}
	return out, nil
}

// UnitMemberStatus is a member of a unit's roster and where they stand in
// a round: their counted attempt (the workbook's rule), an attempt under
// way, whether they have linked a chat account, and the reason for their
// absence recorded by /lydo or the console.
type UnitMemberStatus struct {
	quiz.Member
	Verified    bool       `db:"verified"`
	Counted     bool       `db:"counted"`
	Correct     int        `db:"correct"`
	Total       int        `db:"total"`
	SubmittedAt *time.Time `db:"submitted_at"`
	InProgress  bool       `db:"in_progress"`
	Excuse      string     `db:"excuse"`
}

// UnitMembers returns the active members directly on a unit's roster with
// their standing in the round at now, in id order (the caller sorts by
// name the Vietnamese way). The counted attempt is the one the reports
// count (closedAttemptsIn, countedAttempts), limited to the unit's members
// so that a department of 500 costs its own attempts, not the province's.
func (db *DB) UnitMembers(ctx context.Context, roundID, unitID int64, now time.Time) ([]UnitMemberStatus, error) {
	var out []UnitMemberStatus
	err := db.SelectContext(ctx, &out, `
		WITH c AS (SELECT x.* FROM (`+closedAttemptsIn+`) x
				WHERE x.member_id IN (SELECT id FROM members WHERE unit_id = $3 AND active)),
			b AS (`+countedAttempts+`)
		SELECT `+memberColumns+`,
			EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id AND i.platform <> 'web') AS verified,
			b.member_id IS NOT NULL AS counted, coalesce(b.correct, 0) AS correct, coalesce(b.total, 0) AS total,
			b.submitted_at,
			EXISTS (SELECT 1 FROM attempts a WHERE a.round_id = $1[1] AND a.member_id = m.id
				AND a.submitted_at IS NULL AND a.deadline > $2) AS in_progress,
			coalesce(e.reason, '') AS excuse
		FROM members m JOIN units u ON u.id = m.unit_id
		LEFT JOIN b ON b.member_id = m.id
		LEFT JOIN excuses e ON e.round_id = $1[1] AND e.member_id = m.id
		WHERE m.unit_id = $3 AND m.active
		ORDER BY m.id`, pq.Array([]int64{roundID}), now, unitID)
	if err != nil {
		return nil, fmt.Errorf("members of unit %d in round %d: %w", unitID, roundID, err)
	}
	return out, nil
}
