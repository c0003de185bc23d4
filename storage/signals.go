package storage

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

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

// SameAnswerPairs returns the pairs of the round's closed attempts (at now)
// that report.SameAnswers finds, with their members, by unit code, the
// earlier submission, then attempt ids.
//
// A national round has a million attempts: each one's picks are read from
// the attempt (written when it closed; computed from its answers for one
// closed at its deadline and not yet swept), in (unit, submission time)
// order, and compared in Go as they come, a unit's last window at a time.
// Comparing the neighbours' answers in SQL took 20 s there; this is one
// scan of the attempts and a sort.
func (db *DB) SameAnswerPairs(ctx context.Context, roundID int64, now time.Time, window time.Duration, minCommon int) ([]report.SamePair, error) {
	var out []report.SamePair
	err := db.inReport(ctx, func(tx *sqlx.Tx) error {
		rows, err := tx.QueryContext(ctx, `
			SELECT a.id, a.member_id, m.unit_id, coalesce(a.submitted_at, a.deadline) AS at,
				coalesce(a.picks, quizbot_attempt_picks(a.id))
			FROM attempts a JOIN members m ON m.id = a.member_id
			WHERE a.round_id = $1 AND (a.submitted_at IS NOT NULL OR a.deadline <= $2)
			ORDER BY m.unit_id, at, a.id`, roundID, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		f := report.NewSameAnswers(window, minCommon)
		var raw []byte
		for rows.Next() {
			var x report.AnswerSheet
			if err := rows.Scan(&x.AttemptID, &x.MemberID, &x.UnitID, &x.SubmittedAt, &raw); err != nil {
				return err
			}
			if x.Picks, err = parseInt64Array(f.Buffer(), raw); err != nil {
				return fmt.Errorf("attempt %d picks: %w", x.AttemptID, err)
			}
			out = append(out, f.Add(x)...)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		return db.nameSignalPairs(ctx, tx, out)
	})
	if err != nil {
		return nil, fmt.Errorf("round %d identical answers: %w", roundID, err)
	}
	return out, nil
}

// nameSignalPairs fills in the members of the pairs (one query for all) and
// sorts the pairs by unit code (byte order, as the other signals), the
// earlier submission, then attempt ids.
func (db *DB) nameSignalPairs(ctx context.Context, tx *sqlx.Tx, pairs []report.SamePair) error {
	if len(pairs) == 0 {
		return nil
	}
	var ids []int64
	for _, p := range pairs {
		ids = append(ids, p.A.MemberID, p.B.MemberID)
	}
	var ms []report.SignalMember
	if err := tx.SelectContext(ctx, &ms, `SELECT `+signalMember+`
		FROM members m JOIN units u ON u.id = m.unit_id WHERE m.id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("members of the pairs: %w", err)
	}
	byID := make(map[int64]report.SignalMember, len(ms))
	for _, m := range ms {
		byID[m.MemberID] = m
	}
	for i := range pairs {
		pairs[i].A.SignalMember, pairs[i].B.SignalMember = byID[pairs[i].A.MemberID], byID[pairs[i].B.MemberID]
	}
	slices.SortFunc(pairs, func(x, y report.SamePair) int {
		return cmp.Or(strings.Compare(x.A.UnitCode, y.A.UnitCode),
			minTime(x.A.SubmittedAt, x.B.SubmittedAt).Compare(minTime(y.A.SubmittedAt, y.B.SubmittedAt)),
			cmp.Compare(x.A.AttemptID, y.A.AttemptID), cmp.Compare(x.B.AttemptID, y.B.AttemptID))
	})
	return nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
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
	err := db.inReport(ctx, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttempts+`),
		-- k numbers the members of each (unit, prediction) 1, 2, …; its
		-- largest is how many gave it. One sort of the attempts serves
		-- both windows: no second pass over them to join a grouping back.
		cp AS (SELECT c.id, c.member_id, c.prediction, c.submitted_at, m.unit_id,
				dense_rank() OVER (PARTITION BY m.unit_id, c.prediction ORDER BY c.member_id) AS k
			FROM c JOIN members m ON m.id = c.member_id
			WHERE c.prediction IS NOT NULL AND length(rtrim(c.prediction::text, '0')) >= 3),
		cn AS (SELECT cp.*, max(cp.k) OVER (PARTITION BY cp.unit_id, cp.prediction) AS n FROM cp)
		SELECT cn.id AS attempt_id, cn.prediction, cn.submitted_at, `+signalMember+`
		FROM cn JOIN members m ON m.id = cn.member_id JOIN units u ON u.id = cn.unit_id
		WHERE cn.n >= $3
		ORDER BY u.code COLLATE "C", cn.prediction, cn.submitted_at, cn.id`, roundID, now, minMembers)
	})
	if err != nil {
		return nil, fmt.Errorf("round %d copied predictions: %w", roundID, err)
	}
	return out, nil
}

// parseInt64Array appends the integers of a PostgreSQL array's text, such
// as {1,-2,3}, to dst. It reads twenty million of them for a national round,
// without the garbage of pq.Int64Array.
func parseInt64Array(dst []int64, s []byte) ([]int64, error) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return dst, fmt.Errorf("not an array: %q", s)
	}
	s = s[1 : len(s)-1]
	for i := 0; i < len(s); i++ {
		neg := s[i] == '-'
		if neg {
			i++
		}
		var n int64
		digits := 0
		for ; i < len(s) && s[i] != ','; i++ {
			d := s[i] - '0'
			if d > 9 || n > (math.MaxInt64-int64(d))/10 {
				return dst, fmt.Errorf("array element: bad integer in %q", s)
			}
			n = n*10 + int64(d)
			digits++
		}
		if digits == 0 {
			return dst, fmt.Errorf("array element: bad integer in %q", s)
		}
		if neg {
			n = -n
		}
		dst = append(dst, n)
	}
	return dst, nil
}
