package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/report"
)

// questionStatsQuery computes the item analysis in PostgreSQL, one row per
// question: the answers are aggregated where they lie, and only the
// per-question sums come back.
//
// The upper and lower groups are the best and worst 27% of the closed
// attempts by score (correct ÷ total), exactly 0.27 × n attempts each.
// Attempts tied on the score at a cut-off share the places left there
// equally, as fractional members: an attempt with `above` attempts strictly
// better and `tied` attempts of its score (itself included) belongs to the
// upper group with weight clamp(0.27n − above, 0, tied) ÷ tied, and
// likewise to the lower group by the attempts strictly worse. So the groups
// never depend on the order of the rows, and each weighs exactly 0.27 × n.
// A weight depends only on the score, so the answers are first counted by
// (question, correct, total, choice) in integers, and the weights are
// applied to those few thousand counts, not to every answer.
//
// The closed attempts are those of closedAttempts: submitted ones with
// their stored score, and those closed at their deadline unsubmitted (few)
// scored from their answers. The two kinds are counted apart, so that the
// big count groups by attempts' own columns, whose statistics tell
// PostgreSQL that it makes a few thousand groups. (Grouping by
// closedAttempts' computed score, it expected a group per answer and sorted
// all of them, twice, on disk.) A submitted attempt's choices are its picks
// (migrations/00028_attempt_picks.sql), unnested from the attempts alone:
// at a million attempts that is 4 s of CPU less than reading the 20 million
// answers and joining them to the attempts by a hash. The answers are read
// only for attempts submitted before the picks were written.
const questionStatsQuery = `
	WITH late AS (
		SELECT a.id, a.total, (SELECT count(*) FROM answers x WHERE x.attempt_id = a.id AND x.is_correct) AS correct
		FROM attempts a
		WHERE a.round_id = ANY($1::bigint[]) AND a.submitted_at IS NULL AND a.deadline <= $2 AND a.total > 0
	),
	kc AS (
		SELECT a.correct::bigint AS correct, a.total, count(*) AS tied
		FROM attempts a
		WHERE a.round_id = ANY($1::bigint[]) AND a.submitted_at IS NOT NULL AND a.total > 0
		GROUP BY a.correct, a.total
		UNION ALL
		SELECT correct, total, count(*) FROM late GROUP BY correct, total
	),
	k AS (SELECT correct::numeric / total AS score, sum(tied)::bigint AS tied FROM kc GROUP BY 1),
	w AS (
		SELECT score, tied, sum(tied) OVER () AS n,
			coalesce(sum(tied) OVER (ORDER BY score DESC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS above,
			coalesce(sum(tied) OVER (ORDER BY score ASC ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS below
		FROM k
	),
	g AS (
		SELECT score,
			greatest(0, least(tied, 0.27 * n - above)) / tied AS wu,
			greatest(0, least(tied, 0.27 * n - below)) / tied AS wl
		FROM w
	),
	a AS (
		-- Counted by the picks themselves, decoded once per group.
		SELECT (p >> 17) AS question_id, correct, total, nullif(((p >> 1) & 65535) - 32768, 32767)::smallint AS chosen,
			(p & 1) = 0 AND ((p >> 1) & 65535) <> 65535 AS ok, cnt
		FROM (
			SELECT p, a.correct::bigint AS correct, a.total, count(*) AS cnt
			FROM attempts a CROSS JOIN LATERAL unnest(a.picks) AS p
			WHERE a.round_id = ANY($1::bigint[]) AND a.submitted_at IS NOT NULL AND a.total > 0 AND a.picks IS NOT NULL
			GROUP BY 1, 2, 3) ap
		UNION ALL
		SELECT x.question_id, a.correct::bigint AS correct, a.total, x.chosen, x.is_correct IS TRUE AS ok, count(*) AS cnt
		FROM answers x JOIN attempts a ON a.id = x.attempt_id
		WHERE a.round_id = ANY($1::bigint[]) AND a.submitted_at IS NOT NULL AND a.total > 0 AND a.picks IS NULL
		GROUP BY 1, 2, 3, 4, 5
		UNION ALL
		SELECT x.question_id, l.correct, l.total, x.chosen, x.is_correct IS TRUE, count(*)
		FROM answers x JOIN late l ON l.id = x.attempt_id
		GROUP BY 1, 2, 3, 4, 5
	)
	SELECT q.code, q.topic, cardinality(q.options) AS options, q.correct AS key,
		sum(a.cnt) AS asked, coalesce(sum(a.cnt) FILTER (WHERE a.chosen IS NOT NULL), 0) AS answered,
		coalesce(sum(a.cnt) FILTER (WHERE a.ok), 0) AS correct,
		ARRAY[` + "%s" + `] AS chosen,
		sum(g.wu * a.cnt)::text AS upper_n, coalesce(sum(g.wu * a.cnt) FILTER (WHERE a.ok), 0)::text AS upper_correct,
		sum(g.wl * a.cnt)::text AS lower_n, coalesce(sum(g.wl * a.cnt) FILTER (WHERE a.ok), 0)::text AS lower_correct,
		ARRAY[` + "%s" + `]::text[] AS upper_chosen
	FROM a JOIN g ON g.score = a.correct::numeric / a.total JOIN questions q ON q.id = a.question_id
	GROUP BY q.id
	ORDER BY q.code COLLATE "C"`

var questionStatsSQL = func() string {
	var chosen, upper []string
	for k := range report.MaxOptions {
		chosen = append(chosen, fmt.Sprintf("coalesce(sum(a.cnt) FILTER (WHERE a.chosen = %d), 0)", k))
		upper = append(upper, fmt.Sprintf("coalesce(sum(g.wu * a.cnt) FILTER (WHERE a.chosen = %d), 0)", k))
	}
	return fmt.Sprintf(questionStatsQuery, strings.Join(chosen, ", "), strings.Join(upper, ", "))
}()

// QuestionStats runs the item analysis of the round's attempts that count at
// now (roundIDs holds one id), or of a whole contest's (every round id),
// calling emit once per question in question-code order. Nothing but the
// per-question sums is held in memory.
func (db *DB) QuestionStats(ctx context.Context, roundIDs []int64, now time.Time, emit func(report.QuestionStat) error) error {
	return db.inReport(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryContext(ctx, questionStatsSQL, pq.Int64Array(roundIDs), now)
		if err != nil {
			return fmt.Errorf("question statistics: %w", err)
		}
		defer rows.Close()
		return scanQuestionStats(rows, emit)
	})
}

func scanQuestionStats(rows *sql.Rows, emit func(report.QuestionStat) error) error {
	for rows.Next() {
		var s report.QuestionStat
		var chosen pq.Int64Array
		var upperChosen pq.StringArray
		var un, uc, ln, lc sql.NullString
		if err := rows.Scan(&s.Code, &s.Topic, &s.Options, &s.Key, &s.Asked, &s.Answered, &s.Correct,
			&chosen, &un, &uc, &ln, &lc, &upperChosen); err != nil {
			return fmt.Errorf("question statistics: %w", err)
		}
		copy(s.Chosen[:], chosen)
		if err := s.SetGroups(un.String, uc.String, ln.String, lc.String, upperChosen); err != nil {
			return fmt.Errorf("question statistics of %s: %w", s.Code, err)
		}
		if err := emit(s); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("question statistics: %w", err)
	}
	return nil
}
