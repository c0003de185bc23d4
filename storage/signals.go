package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"quizbot/quiz"
	"quizbot/report"
)

// saveIntegrity stores the contest's integrity thresholds (contest file:
// integrity), in the transaction that applies the contest.
func saveIntegrity(ctx context.Context, tx *sqlx.Tx, contestID int64, g quiz.Integrity) error {
	if g == (quiz.Integrity{}) {
		g = quiz.DefaultIntegrity
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO contest_integrity (contest_id, min_seconds_per_question, same_answers_window_seconds)
		VALUES ($1, $2, $3)
		ON CONFLICT (contest_id) DO UPDATE SET min_seconds_per_question = EXCLUDED.min_seconds_per_question,
			same_answers_window_seconds = EXCLUDED.same_answers_window_seconds`,
		contestID, g.MinSecondsPerQuestion, int64(g.SameAnswersWindow/time.Second))
	if err != nil {
		return fmt.Errorf("save integrity thresholds: %w", err)
	}
	return nil
}

// ContestIntegrity returns the contest's integrity thresholds, or
// quiz.DefaultIntegrity for a contest applied before they existed.
func (db *DB) ContestIntegrity(ctx context.Context, contestID int64) (quiz.Integrity, error) {
	var row struct {
		Min    int   `db:"min_seconds_per_question"`
		Window int64 `db:"same_answers_window_seconds"`
	}
	err := db.GetContext(ctx, &row, `SELECT min_seconds_per_question, same_answers_window_seconds
		FROM contest_integrity WHERE contest_id = $1`, contestID)
	if notFound(err) {
		return quiz.DefaultIntegrity, nil
	}
	if err != nil {
		return quiz.Integrity{}, fmt.Errorf("integrity thresholds of contest %d: %w", contestID, err)
	}
	return quiz.Integrity{MinSecondsPerQuestion: row.Min, SameAnswersWindow: time.Duration(row.Window) * time.Second}, nil
}

// signalMember is the member columns of every signal query.
const signalMember = `m.id AS member_id, m.full_name, m.phone, u.code AS unit_code, u.name AS unit_name`

// FastAttempts returns the round's submitted attempts (closed at now) that
// took less than minPerQuestion seconds per question drawn, by unit code
// and submission time. An attempt closed at its deadline without being
// submitted took its whole time limit, and is never fast.
func (db *DB) FastAttempts(ctx context.Context, roundID int64, now time.Time, minPerQuestion int) ([]report.FastAttempt, error) {
	var out []report.FastAttempt
	if minPerQuestion <= 0 {
		return out, nil
	}
	err := db.SelectContext(ctx, &out, `
		SELECT a.id AS attempt_id, `+signalMember+`, a.started_at, a.submitted_at, a.total, a.correct,
			(SELECT count(*) FROM answers x WHERE x.attempt_id = a.id AND x.chosen IS NOT NULL) AS answered
		FROM attempts a JOIN members m ON m.id = a.member_id JOIN units u ON u.id = m.unit_id
		WHERE a.round_id = $1 AND a.submitted_at IS NOT NULL AND a.submitted_at <= $2
			AND a.submitted_at - a.started_at < make_interval(secs => $3::double precision * a.total)
		ORDER BY u.code COLLATE "C", a.submitted_at, a.id`, roundID, now, minPerQuestion)
	if err != nil {
		return nil, fmt.Errorf("round %d fast attempts: %w", roundID, err)
	}
	return out, nil
}

// SameAnswerPairs returns the pairs of the round's closed attempts by two
// members of one unit, submitted at most window apart, that chose the same
// option on every question both answered, at least minCommon questions,
// with at least one wrong option chosen alike (two members who both know
// every answer agree without copying; sharing a mistake is the sign).
// Attempts draw their questions at random, so the comparison is on the
// questions they share, whatever their positions.
func (db *DB) SameAnswerPairs(ctx context.Context, roundID int64, now time.Time, window time.Duration, minCommon int) ([]report.SamePair, error) {
	var out []report.SamePair
	err := db.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttempts+`),
		ca AS (SELECT c.id, c.member_id, m.unit_id, c.submitted_at,
				floor(extract(epoch FROM c.submitted_at) / $3)::bigint AS slot
			FROM c JOIN members m ON m.id = c.member_id),
		-- Two submissions at most a window apart lie in the same or
		-- neighbouring slots of that width: an equality join on (unit,
		-- slot), instead of comparing every two attempts of a unit.
		p AS (
			SELECT a.id AS a_id, b.id AS b_id
			FROM ca a CROSS JOIN (VALUES (-1), (0), (1)) d(o)
				JOIN ca b ON b.unit_id = a.unit_id AND b.slot = a.slot + d.o
			WHERE b.member_id > a.member_id
				AND b.submitted_at BETWEEN a.submitted_at - $3 * interval '1 second' AND a.submitted_at + $3 * interval '1 second'
		),
		s AS (
			SELECT p.a_id, p.b_id, count(*) AS common,
				count(*) FILTER (WHERE x.chosen = y.chosen) AS same,
				count(*) FILTER (WHERE x.chosen = y.chosen AND NOT x.is_correct) AS same_wrong
			FROM p JOIN answers x ON x.attempt_id = p.a_id
				JOIN answers y ON y.attempt_id = p.b_id AND y.question_id = x.question_id
			WHERE x.chosen IS NOT NULL AND y.chosen IS NOT NULL
			GROUP BY p.a_id, p.b_id
		)
		SELECT s.common, s.same_wrong,
			ca.id AS "a.attempt_id", ma.id AS "a.member_id", ma.full_name AS "a.full_name", ma.phone AS "a.phone",
			ua.code AS "a.unit_code", ua.name AS "a.unit_name", ca.submitted_at AS "a.submitted_at",
			cb.id AS "b.attempt_id", mb.id AS "b.member_id", mb.full_name AS "b.full_name", mb.phone AS "b.phone",
			ub.code AS "b.unit_code", ub.name AS "b.unit_name", cb.submitted_at AS "b.submitted_at"
		FROM s JOIN c ca ON ca.id = s.a_id JOIN c cb ON cb.id = s.b_id
			JOIN members ma ON ma.id = ca.member_id JOIN units ua ON ua.id = ma.unit_id
			JOIN members mb ON mb.id = cb.member_id JOIN units ub ON ub.id = mb.unit_id
		WHERE s.same = s.common AND s.common >= $4 AND s.same_wrong >= 1
		ORDER BY ua.code COLLATE "C", least(ca.submitted_at, cb.submitted_at), ca.id, cb.id`,
		roundID, now, int64(window/time.Second), minCommon)
	if err != nil {
		return nil, fmt.Errorf("round %d identical answers: %w", roundID, err)
	}
	return out, nil
}

// SharedAccountEvents returns the link history (migration 00017) of every
// chat account that has been linked to two or more members up to until,
// by account and time. Accounts of the local web chat are left out: picking
// members there is an organizer's preview, not someone verifying.
func (db *DB) SharedAccountEvents(ctx context.Context, until time.Time) ([]report.AccountEvent, error) {
	var out []report.AccountEvent
	err := db.SelectContext(ctx, &out, `
		WITH shared AS (
			SELECT platform, external_id FROM identity_events
			WHERE platform <> 'web' AND at <= $1
			GROUP BY platform, external_id HAVING count(DISTINCT member_id) >= 2
		)
		SELECT e.platform, e.external_id, e.kind, e.at, `+signalMember+`
		FROM identity_events e JOIN shared s USING (platform, external_id)
			JOIN members m ON m.id = e.member_id JOIN units u ON u.id = m.unit_id
		WHERE e.at <= $1
		ORDER BY e.platform, e.external_id, e.at, e.id`, until)
	if err != nil {
		return nil, fmt.Errorf("shared chat accounts: %w", err)
	}
	return out, nil
}

// SamePredictions returns the round's closed attempts whose prediction is
// also the prediction of at least minMembers members of the same unit,
// among non-trivial values: at least three significant digits once the
// trailing zeros go (20058 and 125, not 20000, 150 or 25, which many people
// guess on their own). By unit, value, then submission.
func (db *DB) SamePredictions(ctx context.Context, roundID int64, now time.Time, minMembers int) ([]report.PredictionCopy, error) {
	var out []report.PredictionCopy
	err := db.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttempts+`),
		cp AS (SELECT c.id, c.member_id, c.prediction, c.submitted_at, m.unit_id
			FROM c JOIN members m ON m.id = c.member_id
			WHERE c.prediction IS NOT NULL AND length(rtrim(c.prediction::text, '0')) >= 3),
		g AS (SELECT unit_id, prediction FROM cp GROUP BY unit_id, prediction HAVING count(DISTINCT member_id) >= $3)
		SELECT cp.id AS attempt_id, cp.prediction, cp.submitted_at, `+signalMember+`
		FROM cp JOIN g USING (unit_id, prediction) JOIN members m ON m.id = cp.member_id JOIN units u ON u.id = cp.unit_id
		ORDER BY u.code COLLATE "C", cp.prediction, cp.submitted_at, cp.id`, roundID, now, minMembers)
	if err != nil {
		return nil, fmt.Errorf("round %d copied predictions: %w", roundID, err)
	}
	return out, nil
}
