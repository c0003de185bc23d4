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
//
// A national round has a million attempts and as many pairs of neighbours,
// so each attempt's answers are read once (one index scan) into arrays, and
// the pairs come from a window over (unit, submission time) carrying the
// arrays of the attempts submitted up to a window before: no answer is read
// per pair, and nothing is hashed or joined by the million.
func (db *DB) SameAnswerPairs(ctx context.Context, roundID int64, now time.Time, window time.Duration, minCommon int) ([]report.SamePair, error) {
	var out []report.SamePair
	err := db.inReport(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttempts+`),
		-- Each attempt's answered questions as two arrays: its choices,
		-- each as question × 65536 + option + 32768 (two are equal exactly
		-- when both the question and the option are, and the question is
		-- the quotient by 65536), and its wrong choices alone. In the
		-- attempts' order, which is about the answers' order on disk: read
		-- by the unit's order instead, every attempt's answers cost a page
		-- read.
		sg AS (
			SELECT ca.id, ca.member_id, ca.unit_id, ca.submitted_at, x.e, x.w
			FROM (SELECT c.id, c.member_id, m.unit_id, c.submitted_at
				FROM c JOIN members m ON m.id = c.member_id
				ORDER BY c.id) ca
			CROSS JOIN LATERAL (
				SELECT array_agg(y.question_id * 65536 + y.chosen + 32768) AS e,
					array_agg(y.question_id * 65536 + y.chosen + 32768) FILTER (WHERE NOT y.is_correct) AS w
				FROM answers y WHERE y.attempt_id = ca.id AND y.chosen IS NOT NULL) x
		),
		-- The attempts of the unit submitted from a window before up to the
		-- same time (its peers at that time included).
		nb AS (
			SELECT sg.*, array_agg(ROW(sg.id, sg.member_id, sg.submitted_at, sg.e, sg.w)) OVER (
				PARTITION BY sg.unit_id ORDER BY sg.submitted_at
				RANGE BETWEEN $3 * interval '1 second' PRECEDING AND CURRENT ROW) AS prev
			FROM sg
		),
		-- Each two attempts by two members once (an attempt sees the
		-- earlier ones, and of those at its own time the lower ids), as a
		-- (the lower member id) and b.
		p AS (
			SELECT CASE WHEN f THEN y.id ELSE nb.id END AS a_id, CASE WHEN f THEN nb.id ELSE y.id END AS b_id,
				CASE WHEN f THEN y.member_id ELSE nb.member_id END AS a_member, CASE WHEN f THEN nb.member_id ELSE y.member_id END AS b_member,
				CASE WHEN f THEN y.submitted_at ELSE nb.submitted_at END AS a_at, CASE WHEN f THEN nb.submitted_at ELSE y.submitted_at END AS b_at,
				CASE WHEN f THEN y.e ELSE nb.e END AS ae, CASE WHEN f THEN y.w ELSE nb.w END AS aw,
				CASE WHEN f THEN nb.e ELSE y.e END AS be
			FROM nb CROSS JOIN LATERAL unnest(nb.prev) AS y(id bigint, member_id bigint, submitted_at timestamptz, e bigint[], w bigint[])
				CROSS JOIN LATERAL (SELECT y.member_id < nb.member_id AS f) o
			WHERE y.member_id <> nb.member_id AND (y.submitted_at < nb.submitted_at OR y.id < nb.id)
		),
		-- Only a pair where a wrong choice of a is among b's choices (a test
		-- on the arrays) is counted, as the join of their answers on the
		-- question would count it: the pairs of answers to one question
		-- (common), to one question with one option (same), of them a's
		-- wrong ones (same_wrong).
		s AS (
			SELECT p.a_id, p.b_id, p.a_member, p.b_member, p.a_at, p.b_at, n.common, n.same, n.same_wrong
			FROM p CROSS JOIN LATERAL (
				SELECT (SELECT count(*) FROM unnest(p.ae) u, unnest(p.be) v WHERE u / 65536 = v / 65536) AS common,
					(SELECT sum(cardinality(array_positions(p.be, u))) FROM unnest(p.ae) u) AS same,
					(SELECT sum(cardinality(array_positions(p.be, u))) FROM unnest(p.aw) u) AS same_wrong) n
			WHERE p.aw && p.be
		)
		SELECT s.common, s.same_wrong,
			s.a_id AS "a.attempt_id", ma.id AS "a.member_id", ma.full_name AS "a.full_name", ma.phone AS "a.phone",
			ua.code AS "a.unit_code", ua.name AS "a.unit_name", s.a_at AS "a.submitted_at",
			s.b_id AS "b.attempt_id", mb.id AS "b.member_id", mb.full_name AS "b.full_name", mb.phone AS "b.phone",
			ub.code AS "b.unit_code", ub.name AS "b.unit_name", s.b_at AS "b.submitted_at"
		FROM s JOIN members ma ON ma.id = s.a_member JOIN units ua ON ua.id = ma.unit_id
			JOIN members mb ON mb.id = s.b_member JOIN units ub ON ub.id = mb.unit_id
		WHERE s.same = s.common AND s.common >= $4 AND s.same_wrong >= 1
		ORDER BY ua.code COLLATE "C", least(s.a_at, s.b_at), s.a_id, s.b_id`,
			roundID, now, int64(window/time.Second), minCommon)
	})
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
