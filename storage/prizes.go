package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"quizbot/quiz"
	"quizbot/report"
)

// closedAttemptsIn is closedAttempts for the rounds $1 (an array) at $2,
// with each attempt's round and its duration in whole seconds (as printed,
// so that a ranking can be checked from the sheet).
const closedAttemptsIn = `
	SELECT a.id, a.round_id, a.member_id, a.total, a.prediction,
		coalesce(a.submitted_at, a.deadline) AS submitted_at,
		greatest(floor(extract(epoch FROM coalesce(a.submitted_at, a.deadline) - a.started_at)), 0)::bigint AS dur,
		CASE WHEN a.submitted_at IS NOT NULL THEN a.correct
			ELSE (SELECT count(*) FROM answers x WHERE x.attempt_id = a.id AND x.is_correct) END AS correct
	FROM attempts a
	WHERE a.round_id = ANY($1::bigint[]) AND (a.submitted_at IS NOT NULL OR a.deadline <= $2)`

// countedAttempts picks each member's counted attempt per round from c, by
// the rule of quiz.Standing: most correct, then shortest, then earliest.
const countedAttempts = `
	SELECT DISTINCT ON (c.round_id, c.member_id) c.*
	FROM c ORDER BY c.round_id, c.member_id, c.correct DESC, c.dur, c.submitted_at, c.id`

// rowStream reads a query's rows one at a time, so that a report never holds
// a whole round's attempts: the ranking is computed by PostgreSQL and the
// caller stops reading when the prizes run out. It is report.Stream.
type rowStream[T any] struct {
	rows *sqlx.Rows
}

// Next returns the next row; ok is false at the end.
func (s *rowStream[T]) Next() (v T, ok bool, err error) {
	if !s.rows.Next() {
		return v, false, s.rows.Err()
	}
	if err := s.rows.StructScan(&v); err != nil {
		return v, false, err
	}
	return v, true, nil
}

// Close releases the rows; safe to call twice.
func (s *rowStream[T]) Close() error { return s.rows.Close() }

// RoundActual returns the figure the round's prediction question is
// measured against: the one frozen in round_actuals if any, else computed
// from the counted attempts at now (members who have since left the roster
// count: they took part), and frozen when the round is settled (quiz.Contest.SettledAt):
// the first report after that writes it, and every later one reads it back,
// so that a published ranking never moves.
func (db *DB) RoundActual(ctx context.Context, c quiz.Contest, r quiz.Round, now time.Time) (actual int64, frozen bool, err error) {
	err = db.GetContext(ctx, &actual, `SELECT actual FROM round_actuals WHERE round_id = $1`, r.ID)
	if err == nil {
		return actual, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("round %d actual: %w", r.ID, err)
	}
	settled := !now.Before(c.SettledAt(r))
	err = db.GetContext(ctx, &actual, `
		WITH c AS (`+closedAttemptsIn+`), b AS (`+countedAttempts+`)
		SELECT CASE WHEN $3 = 'perfect' THEN count(*) FILTER (WHERE b.total > 0 AND b.correct = b.total)
			ELSE count(*) END
		FROM b`, []int64{r.ID}, now, string(c.PredictionTarget))
	if err != nil {
		return 0, false, fmt.Errorf("round %d actual: %w", r.ID, err)
	}
	if !settled {
		return actual, false, nil
	}
	// A concurrent report may have frozen it first: its figure wins, and is
	// the same.
	err = db.GetContext(ctx, &actual, `
		WITH ins AS (
			INSERT INTO round_actuals (round_id, target, actual, frozen_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (round_id) DO NOTHING RETURNING actual)
		SELECT actual FROM ins UNION ALL SELECT actual FROM round_actuals WHERE round_id = $1 LIMIT 1`,
		r.ID, string(c.PredictionTarget), actual, now)
	if err != nil {
		return 0, false, fmt.Errorf("round %d freeze actual: %w", r.ID, err)
	}
	return actual, true, nil
}

// roundRanked is the counted attempts of round $1 (as of $2) with each
// one's distance from the actual figure $3; roundRank ranks them. RoundRanking
// and RoundPlace share both, so that a member's rank in chat is the one the
// prize report prints.
const roundRanked = `
		WITH c AS (` + closedAttemptsIn + `), b AS (` + countedAttempts + `),
		d AS (SELECT b.*, abs(b.prediction - $3) AS dist FROM b)`

const roundRank = `rank() OVER (ORDER BY d.correct DESC, d.dist ASC NULLS LAST, d.dur ASC, d.submitted_at ASC)`

// RoundRanking streams the round's individual ranking, in rank order: each
// member's counted attempt, by correct answers (desc), |prediction −
// actual| (asc, no prediction last), duration in whole seconds (asc),
// submission time (asc). Members equal on all four share a rank (SQL rank():
// the next rank skips). Ties inside a rank come by member id; the prize
// report orders them by name.
func (db *DB) RoundRanking(ctx context.Context, roundID, actual int64, now time.Time) (report.Stream[report.Entry], error) {
	rows, err := db.DB.QueryxContext(ctx, roundRanked+`
		SELECT `+roundRank+` AS rank,
			m.id AS member_id, m.full_name, m.phone, u.code AS unit_code, m.position, m.active,
			d.correct::bigint AS correct, d.dist AS prediction_distance, d.dur AS duration_seconds
		FROM d JOIN members m ON m.id = d.member_id JOIN units u ON u.id = m.unit_id
		ORDER BY rank, m.id`, []int64{roundID}, now, actual)
	if err != nil {
		return nil, fmt.Errorf("round %d ranking: %w", roundID, err)
	}
	return &rowStream[report.Entry]{rows}, nil
}

// ContestRanking streams the contest's individual ranking over the rounds
// given with their actual figures: the sum of correct answers (desc), the
// sum of prediction distances (asc; a member who left a prediction out in a
// round they took part in ranks after every member with all of them), the
// total duration (asc). Equal members share a rank.
func (db *DB) ContestRanking(ctx context.Context, roundIDs, actuals []int64, now time.Time) (report.Stream[report.Entry], error) {
	rows, err := db.DB.QueryxContext(ctx, `
		WITH c AS (`+closedAttemptsIn+`), b AS (`+countedAttempts+`),
		ra AS (SELECT * FROM unnest($1::bigint[], $3::bigint[]) AS t(round_id, actual)),
		s AS (
			SELECT b.member_id, sum(b.correct)::bigint AS correct,
				CASE WHEN bool_and(b.prediction IS NOT NULL) THEN sum(abs(b.prediction - ra.actual))::bigint END AS dist,
				sum(b.dur)::bigint AS dur
			FROM b JOIN ra ON ra.round_id = b.round_id
			GROUP BY b.member_id)
		SELECT rank() OVER (ORDER BY s.correct DESC, s.dist ASC NULLS LAST, s.dur ASC) AS rank,
			m.id AS member_id, m.full_name, m.phone, u.code AS unit_code, m.position, m.active,
			s.correct, s.dist AS prediction_distance, s.dur AS duration_seconds
		FROM s JOIN members m ON m.id = s.member_id JOIN units u ON u.id = m.unit_id
		ORDER BY rank, m.id`, roundIDs, now, actuals)
	if err != nil {
		return nil, fmt.Errorf("contest ranking: %w", err)
	}
	return &rowStream[report.Entry]{rows}, nil
}

// UnitRanking streams the contest's unit ranking over the rounds given:
// every unit with active staff directly on its roster (no roll-up), by its
// participation rate (distinct active participants ÷ active staff, averaged
// over the rounds: the roster is today's, so the average is the sum of
// participants ÷ (staff × rounds), compared exactly), then the average
// correct answers of its participants' counted attempts. Eligible says
// whether it clears the floor and the minimum staff; the rank counts every
// unit.
func (db *DB) UnitRanking(ctx context.Context, roundIDs []int64, now time.Time, p report.UnitPrizes) (report.Stream[report.UnitEntry], error) {
	rows, err := db.DB.QueryxContext(ctx, `
		WITH c AS (`+closedAttemptsIn+`), b AS (`+countedAttempts+`),
		st AS (
			SELECT u.id, u.code, u.name, count(m.id) AS staff
			FROM units u LEFT JOIN members m ON m.unit_id = u.id AND m.active
			GROUP BY u.id),
		p AS (
			SELECT m.unit_id, count(*) AS participations, sum(b.correct)::bigint AS correct_sum
			FROM b JOIN members m ON m.id = b.member_id AND m.active
			GROUP BY m.unit_id),
		x AS (
			SELECT st.code, st.name, st.staff, coalesce(p.participations, 0) AS participations,
				coalesce(p.correct_sum, 0) AS correct_sum,
				coalesce(p.participations, 0)::numeric / (st.staff * $3::bigint) AS rate,
				p.correct_sum::numeric / p.participations AS avg
			FROM st LEFT JOIN p ON p.unit_id = st.id
			WHERE st.staff > 0)
		SELECT rank() OVER (ORDER BY x.rate DESC, x.avg DESC NULLS LAST) AS rank,
			x.code, x.name, x.staff, x.participations, $3::bigint AS rounds, x.correct_sum,
			(x.rate >= $4::numeric AND x.staff >= $5) AS eligible
		FROM x
		ORDER BY rank, x.code COLLATE "C"`,
		roundIDs, now, max(len(roundIDs), 1), strconv.FormatFloat(p.MinParticipation, 'f', -1, 64), p.MinStaff)
	if err != nil {
		return nil, fmt.Errorf("unit ranking: %w", err)
	}
	return &rowStream[report.UnitEntry]{rows}, nil
}

// ZeroScores returns the active members whose counted attempt in the round
// had no correct answer, by unit code, then name the Vietnamese way: the
// list the committee sends units to criticise (a few per unit at most).
func (db *DB) ZeroScores(ctx context.Context, roundID int64, now time.Time, loc *time.Location) ([]report.ZeroScore, error) {
	var out []report.ZeroScore
	err := db.DB.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttemptsIn+`), b AS (`+countedAttempts+`)
		SELECT u.code AS unit_code, u.name AS unit_name, m.id AS member_id, m.full_name, m.phone, m.position,
			b.total, b.dur AS duration_seconds, b.submitted_at
		FROM b JOIN members m ON m.id = b.member_id AND m.active JOIN units u ON u.id = m.unit_id
		WHERE b.correct = 0
		ORDER BY u.code COLLATE "C", m.id`, []int64{roundID}, now)
	if err != nil {
		return nil, fmt.Errorf("round %d zero scores: %w", roundID, err)
	}
	for i := range out {
		out[i].SubmittedAt = out[i].SubmittedAt.In(loc)
	}
	report.SortZeroScores(out)
	return out, nil
}

// prizesJSON is the prizes as the contests.prizes column takes them: JSON
// text, or NULL for none.
func prizesJSON(p *report.Prizes) (any, error) {
	if p == nil {
		return nil, nil
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

// SetContestPrizes stores the contest file's prizes: section (nil: none).
func (db *DB) SetContestPrizes(ctx context.Context, code string, p *report.Prizes) error {
	js, err := prizesJSON(p)
	if err != nil {
		return fmt.Errorf("contest %s prizes: %w", code, err)
	}
	res, err := db.DB.ExecContext(ctx, `UPDATE contests SET prizes = $2::jsonb WHERE code = $1`, code, js)
	if err != nil {
		return fmt.Errorf("contest %s prizes: %w", code, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return quiz.Errorf(quiz.ENOTFOUND, "no contest %q", code)
	}
	return nil
}

// ContestPrizes returns the contest's prizes; ok is false when its file
// declared none.
func (db *DB) ContestPrizes(ctx context.Context, contestID int64) (p report.Prizes, ok bool, err error) {
	var js []byte
	if err := db.DB.GetContext(ctx, &js, `SELECT prizes FROM contests WHERE id = $1`, contestID); err != nil {
		return p, false, fmt.Errorf("contest %d prizes: %w", contestID, err)
	}
	if js == nil {
		return p, false, nil
	}
	if err := json.Unmarshal(js, &p); err != nil {
		return p, false, fmt.Errorf("contest %d prizes: %w", contestID, err)
	}
	return p, true, nil
}
