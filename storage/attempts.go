package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"quizbot/quiz"
)

const attemptColumns = `id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction, version`

// CreateAttempt stores a new attempt and its drawn questions in one
// statement, numbering it after the member's earlier attempts in the round.
//
// Nothing serialises two starts by the same member: both may count the same
// earlier attempts, but only one can store its attempt, since seq is unique
// per member and round and so is an unfinished attempt
// (attempts_one_open_idx). The other's insert waits for the first's
// transaction and, once that commits, fails with a unique violation; the
// statement then runs again, now seeing the first's attempt, and so ends as
// it would have after the first: with the same ECONFLICT, or as the next
// attempt if the first was already submitted.
func (db *DB) CreateAttempt(ctx context.Context, a *quiz.Attempt, maxAttempts int) error {
	for try := 1; ; try++ {
		err := db.createAttempt(ctx, a, maxAttempts)
		concurrentStart := isUniqueViolation(err, "attempts_one_open_idx") ||
			isUniqueViolation(err, "attempts_round_id_member_id_seq_key")
		if !concurrentStart {
			return err
		}
		if try == 3 {
			// Starts keep racing: each lost to one still unfinished.
			return quiz.Errorf(quiz.ECONFLICT, "Anh/chị đang có một bài thi chưa hoàn thành.")
		}
	}
}

func (db *DB) createAttempt(ctx context.Context, a *quiz.Attempt, maxAttempts int) error {
	pos := make([]int64, len(a.Items))
	qids := make([]int64, len(a.Items))
	orders := make([]string, len(a.Items))
	for i, it := range a.Items {
		pos[i], qids[i] = int64(it.Position), it.QuestionID
		orders[i] = intArrayLiteral(it.Order)
	}
	var res struct {
		Unfinished int    `db:"unfinished"`
		ID         *int64 `db:"id"`
		Seq        *int   `db:"seq"`
	}
	// The questions were read before this statement, and a question bank
	// re-imported meanwhile may have given one of them another number of
	// options than its shuffled order has. Such an item gets a NULL
	// option_order, which the NOT NULL constraint on answers refuses, failing
	// the whole statement: no attempt and no answers are stored (the error
	// is mapped below). The questions are locked FOR KEY SHARE, as the
	// answers' foreign key would lock them anyway, but before their options
	// are compared and in id order, as an import locks them: an import that
	// reshapes a question locks it FOR UPDATE first, so either it waits for
	// this attempt (and then sees that the question was drawn), or this
	// statement waits for the import and, as a locking read does, compares
	// with the question as the import left it, not as it was when the
	// statement began.
	err := db.GetContext(ctx, &res, `
		WITH earlier AS (
			SELECT count(*) AS used, count(*) FILTER (WHERE submitted_at IS NULL) AS unfinished
			FROM attempts WHERE round_id = $1 AND member_id = $2
		), attempt AS (
			INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, total)
			SELECT $1, $2, used + 1, $3, $4, $5, $6
			FROM earlier WHERE unfinished = 0 AND used < $7
			RETURNING id, seq
		), drawn AS (
			SELECT id, cardinality(options) AS n FROM questions WHERE id = ANY($9::bigint[])
			ORDER BY id FOR KEY SHARE
		), items AS (
			INSERT INTO answers (attempt_id, position, question_id, option_order)
			SELECT attempt.id, t.p, t.q, CASE WHEN drawn.n = cardinality(t.o::smallint[]) THEN t.o::smallint[] END
			FROM attempt, unnest($8::bigint[], $9::bigint[], $10::text[]) AS t(p, q, o)
				LEFT JOIN drawn ON drawn.id = t.q
		)
		SELECT earlier.unfinished, attempt.id, attempt.seq
		FROM earlier LEFT JOIN attempt ON true`,
		a.RoundID, a.MemberID, a.Platform, a.StartedAt, a.Deadline, len(a.Items), maxAttempts,
		pq.Array(pos), pq.Array(qids), pq.Array(orders))
	if pe := (*pq.Error)(nil); errors.As(err, &pe) && pe.Code == "23502" && pe.Table == "answers" && pe.Column == "option_order" {
		return fmt.Errorf("create attempt: the question bank changed while the attempt started (%s)", pe.Detail)
	}
	if err != nil {
		return fmt.Errorf("create attempt: %w", err)
	}
	switch {
	case res.Unfinished > 0:
		return quiz.Errorf(quiz.ECONFLICT, "Anh/chị đang có một bài thi chưa hoàn thành.")
	case res.ID == nil:
		return quiz.Errorf(quiz.ECONFLICT, "Anh/chị đã dùng hết số lượt thi của đợt này.")
	}
	a.ID, a.Seq, a.Total = *res.ID, *res.Seq, len(a.Items)
	return nil
}

func intArrayLiteral(xs []int) string {
	b := []byte{'{'}
	for i, x := range xs {
		if i > 0 {
			b = append(b, ',')
		}
		b = fmt.Appendf(b, "%d", x)
	}
	return string(append(b, '}'))
}

// AttemptByID returns an attempt with its items.
func (db *DB) AttemptByID(ctx context.Context, id int64) (quiz.Attempt, error) {
	var a quiz.Attempt
	err := db.GetContext(ctx, &a, `SELECT `+attemptColumns+` FROM attempts WHERE id = $1`, id)
	if notFound(err) {
		return a, quiz.Errorf(quiz.ENOTFOUND, "Không tìm thấy bài thi.")
	}
	if err != nil {
		return a, fmt.Errorf("attempt %d: %w", id, err)
	}
	rows, err := db.QueryxContext(ctx, `
		SELECT position, question_id, option_order, chosen, is_correct, answered_at
		FROM answers WHERE attempt_id = $1 ORDER BY position`, id)
	if err != nil {
		return a, fmt.Errorf("attempt %d items: %w", id, err)
	}
	defer rows.Close()
	for rows.Next() {
		var it quiz.Item
		var order pq.Int64Array
		var chosen *int
		if err := rows.Scan(&it.Position, &it.QuestionID, &order, &chosen, &it.IsCorrect, &it.AnsweredAt); err != nil {
			return a, fmt.Errorf("attempt %d items: %w", id, err)
		}
		it.Chosen = chosen
		for _, o := range order {
			it.Order = append(it.Order, int(o))
		}
		a.Items = append(a.Items, it)
	}
	return a, rows.Err()
}

// MemberAttempts returns the member's attempts in a round, oldest first.
func (db *DB) MemberAttempts(ctx context.Context, roundID, memberID int64) ([]quiz.Attempt, error) {
	var as []quiz.Attempt
	err := db.SelectContext(ctx, &as, `SELECT `+attemptColumns+` FROM attempts
		WHERE round_id = $1 AND member_id = $2 ORDER BY seq`, roundID, memberID)
	if err != nil {
		return nil, fmt.Errorf("member attempts: %w", err)
	}
	return as, nil
}

// RecordAnswer stores one answer if the position is unanswered, the attempt
// is open and in time at `at`, and its member is still at generation
// memberGen (the cached member the answer comes from is current: not
// unlinked, deactivated or changed since), and reports whether this call
// stored it; storing it bumps the attempt's version. Answers are
// group-committed: it waits until the statement that stores the answers
// queued with it has committed (storage/answers.go, with the SQL). That
// statement locks the attempt, which makes a concurrent submission wait for
// it (and it wait for a submission), so the count of correct answers is
// never stale.
func (db *DB) RecordAnswer(ctx context.Context, attemptID int64, pos, chosen int, correct bool, at time.Time, memberGen int64) (bool, error) {
	return db.queueAnswer(ctx, attemptID, pos, chosen, correct, at, memberGen)
}

// SubmitAttempt closes an attempt, counting its correct answers, in one
// round trip: the locking and the counting are in quizbot_submit_attempt
// (storage/migrations/00007_submit_attempt.sql, which says why they cannot be
// one UPDATE). It returns the attempt and whether this call closed it; at is
// capped at the attempt's deadline.
func (db *DB) SubmitAttempt(ctx context.Context, attemptID int64, at time.Time) (quiz.Attempt, bool, error) {
	var r struct {
		quiz.Attempt
		Closed bool `db:"closed"`
	}
	err := db.GetContext(ctx, &r, submitAttemptQuery, attemptID, at)
	if notFound(err) {
		err = quiz.Errorf(quiz.ENOTFOUND, "Không tìm thấy bài thi.")
	}
	if err != nil {
		return r.Attempt, false, fmt.Errorf("submit attempt %d: %w", attemptID, err)
	}
	return r.Attempt, r.Closed, nil
}

// submitAttemptQuery is SubmitAttempt's.
var submitAttemptQuery = `SELECT ` + qualify("(s.attempt).", attemptColumns) + `, s.closed
	FROM quizbot_submit_attempt($1, $2) AS s`

// qualify prefixes each of the comma-separated columns with prefix; the
// query texts that need it are built once, at start-up.
func qualify(prefix, columns string) string {
	cs := strings.Split(columns, ",")
	for i, c := range cs {
		cs[i] = prefix + strings.TrimSpace(c)
	}
	return strings.Join(cs, ", ")
}

// SetPrediction stores a submitted attempt's prediction, once, and bumps its
// version. The conditions are those under which the prediction is awaited
// (quiz.Service.rebuild): the attempt is the member's latest in its round,
// and the member is still at generation memberGen. A session restored from
// an old Redis snapshot that waits for the prediction of an earlier attempt,
// or a cached member unlinked since, stores nothing: the caller then reads
// the record.
func (db *DB) SetPrediction(ctx context.Context, attemptID int64, n int64, memberGen int64) (bool, error) {
	res, err := db.ExecContext(ctx, `UPDATE attempts a SET prediction = $2, version = a.version + 1
		WHERE a.id = $1 AND a.submitted_at IS NOT NULL AND a.prediction IS NULL
			AND NOT EXISTS (SELECT 1 FROM attempts b WHERE b.round_id = a.round_id AND b.member_id = a.member_id AND b.seq > a.seq)
			AND EXISTS (SELECT 1 FROM members m WHERE m.id = a.member_id AND m.gen = $3)`, attemptID, n, memberGen)
	if err != nil {
		return false, fmt.Errorf("set prediction: %w", err)
	}
	k, err := res.RowsAffected()
	return k == 1, err
}

// ExpiredAttempts lists unfinished attempts past their deadline.
func (db *DB) ExpiredAttempts(ctx context.Context, now time.Time, limit int) ([]quiz.Attempt, error) {
	var as []quiz.Attempt
	err := db.SelectContext(ctx, &as, `SELECT `+attemptColumns+` FROM attempts
		WHERE submitted_at IS NULL AND deadline <= $1 ORDER BY deadline LIMIT $2`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("expired attempts: %w", err)
	}
	return as, nil
}

// LiveStats returns an open round's participation so far, by unit.
func (db *DB) LiveStats(ctx context.Context, roundID int64, now time.Time) (quiz.LiveStats, error) {
	var ls quiz.LiveStats
	err := db.SelectContext(ctx, &ls.Units, `
		SELECT u.code, u.name,
			count(m.id) AS staff,
			count(m.id) FILTER (WHERE EXISTS (
				SELECT 1 FROM attempts a WHERE a.round_id = $1 AND a.member_id = m.id AND a.submitted_at IS NOT NULL)) AS participants
		FROM units u JOIN members m ON m.unit_id = u.id AND m.active
		GROUP BY u.id ORDER BY u.code`, roundID)
	if err != nil {
		return ls, fmt.Errorf("live stats: %w", err)
	}
	for _, u := range ls.Units {
		ls.Staff += u.Staff
	}
	err = db.QueryRowxContext(ctx, `
		SELECT count(DISTINCT member_id) FILTER (WHERE submitted_at IS NOT NULL),
			count(*) FILTER (WHERE submitted_at IS NULL AND deadline > $2)
		FROM attempts WHERE round_id = $1`, roundID, now).Scan(&ls.Participants, &ls.InProgress)
	if err != nil {
		return ls, fmt.Errorf("live stats: %w", err)
	}
	return ls, nil
}
