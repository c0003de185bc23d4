package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/quiz"
	"quizbot/report"
)

const contestColumns = `id, code, name, timezone, questions_per_attempt, time_limit_seconds,
	attempts_per_round, prediction, prediction_target, reveal, reminders, summary, prediction_grace_seconds`

type contestRow struct {
	ID                  int64          `db:"id"`
	Code                string         `db:"code"`
	Name                string         `db:"name"`
	Timezone            string         `db:"timezone"`
	QuestionsPerAttempt int            `db:"questions_per_attempt"`
	TimeLimitSeconds    int64          `db:"time_limit_seconds"`
	AttemptsPerRound    int            `db:"attempts_per_round"`
	Prediction          string         `db:"prediction"`
	PredictionTarget    string         `db:"prediction_target"`
	Reveal              string         `db:"reveal"`
	Reminders           pq.StringArray `db:"reminders"`
	Summary             string         `db:"summary"`
	PredictionGraceSecs int64          `db:"prediction_grace_seconds"`
}

func (r contestRow) contest() quiz.Contest {
	return quiz.Contest{
		ID:                  r.ID,
		Code:                r.Code,
		Name:                r.Name,
		Timezone:            r.Timezone,
		QuestionsPerAttempt: r.QuestionsPerAttempt,
		TimeLimit:           time.Duration(r.TimeLimitSeconds) * time.Second,
		AttemptsPerRound:    r.AttemptsPerRound,
		Prediction:          r.Prediction,
		PredictionTarget:    quiz.PredictionTarget(r.PredictionTarget),
		Reveal:              quiz.Reveal(r.Reveal),
		Reminders:           nonNil([]string(r.Reminders)),
		Summary:             r.Summary,
		PredictionGrace:     time.Duration(r.PredictionGraceSecs) * time.Second,
	}
}

const roundColumns = `r.id, r.contest_id, r.number, r.opens_at, r.closes_at, r.topics`

// roundRow scans a round; topics is a Postgres text[].
type roundRow struct {
	quiz.Round
	Topics      pq.StringArray `db:"topics"`
	HasAttempts bool           `db:"has_attempts"`
}

// round converts the row with its times in loc, the contest's zone, so that
// whoever prints them shows the contest's local time.
func (r roundRow) round(loc *time.Location) quiz.Round {
	q := r.Round
	q.OpensAt, q.ClosesAt = q.OpensAt.In(loc), q.ClosesAt.In(loc)
	q.Topics = nonNil([]string(r.Topics))
	return q
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ApplyContest creates the contest c, or makes the stored contest with c's
// code match c: its fields, and its rounds matched by number (new ones added,
// changed ones updated, missing ones deleted). It is all or nothing, in one
// transaction. Besides quiz.Contest.Validate it enforces the rules that need
// the database, reported as quiz.Problems so that the file reader can point
// at lines:
//   - each round's question pool (active questions in its topics, or all
//     active questions) holds at least questions_per_attempt, and every topic
//     names some active question (EINVALID);
//   - a round with attempts keeps its window and topics and cannot be removed,
//     and once any round has attempts the contest's rules (questions,
//     time limit, attempts, prediction, reveal) stay as they are (ECONFLICT):
//     changing them would make attempts already taken incomparable.
func (db *DB) ApplyContest(ctx context.Context, c quiz.Contest) (created bool, err error) {
	ch, err := db.ApplyContestWith(ctx, c, ContestOptions{})
	return ch.Created, err
}

// ContestOptions make ApplyContestWith a preview, bind it to one, or save
// more than the contest's rules in the same transaction.
type ContestOptions struct {
	// DryRun runs every check and every write, then rolls them back.
	DryRun bool
	// ExpectState, when set, is the State of a preview: the apply refuses
	// with ErrStale when the stored contest is not the one previewed.
	ExpectState string
	// Prizes and Source are saved with the contest when SaveFile is set:
	// the file's prizes: section (nil: none) and its text.
	SaveFile bool
	Prizes   *report.Prizes
	Source   string
}

// ContestChange is what an apply did, or would do.
type ContestChange struct {
	Created bool
	// Rounds added, updated (window or topics), removed and left as they
	// were.
	RoundsAdded, RoundsUpdated, RoundsRemoved, RoundsUnchanged int
	// State digests the stored contest and rounds as the apply read them
	// under its lock.
	State string
}

// errRollback ends a dry run's transaction; never returned.
var errRollback = errors.New("dry run: roll back")

// ApplyContestWith is ApplyContest as a preview, as the apply of one, or
// with the file's prizes and text (see ContestOptions).
func (db *DB) ApplyContestWith(ctx context.Context, c quiz.Contest, opt ContestOptions) (ContestChange, error) {
	var ch ContestChange
	c.ApplyDefaults()
	if err := c.Validate(); err != nil {
		return ch, fmt.Errorf("apply contest %s: %w", c.Code, err)
	}
	created := false
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		// Serialise applies of one code, so that two first applies do not
		// both insert and one fail on the unique code.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('quizbot.contest:' || $1))`, c.Code); err != nil {
			return fmt.Errorf("lock contest %s: %w", c.Code, err)
		}
		var old contestRow
		err := sqlx.GetContext(ctx, tx, &old, `SELECT `+contestColumns+` FROM contests WHERE code = $1 FOR UPDATE`, c.Code)
		exists := err == nil
		created = !exists
		if err != nil && !notFound(err) {
			return fmt.Errorf("load contest %s: %w", c.Code, err)
		}
		var oldRounds []roundRow
		if exists {
			// FOR UPDATE conflicts with the KEY SHARE lock that inserting an
			// attempt takes on its round, so no attempt can appear between
			// this check and the commit. The lock is taken first, in a
			// statement of its own: an attempt inserted before it, whose
			// commit the lock waited for, is visible only to a statement
			// that starts after the wait (a statement sees the database as
			// it was when the statement began).
			if _, err := tx.ExecContext(ctx, `SELECT id FROM rounds WHERE contest_id = $1 ORDER BY number FOR UPDATE`, old.ID); err != nil {
				return fmt.Errorf("lock rounds of contest %s: %w", c.Code, err)
			}
			err := sqlx.SelectContext(ctx, tx, &oldRounds, `
				SELECT `+roundColumns+`, EXISTS (SELECT 1 FROM attempts a WHERE a.round_id = r.id) AS has_attempts
				FROM rounds r WHERE r.contest_id = $1 ORDER BY r.number`, old.ID)
			if err != nil {
				return fmt.Errorf("load rounds of contest %s: %w", c.Code, err)
			}
		}

		state := newStateHash("contest")
		if exists {
			var source sql.NullString
			if err := tx.GetContext(ctx, &source, `SELECT source FROM contests WHERE id = $1`, old.ID); err != nil {
				return fmt.Errorf("load contest %s: %w", c.Code, err)
			}
			state.row(fmt.Sprintf("%+v", old), source.String)
			for _, r := range oldRounds {
				state.row(r.ID, r.Number, r.OpensAt.UTC().Format(time.RFC3339), r.ClosesAt.UTC().Format(time.RFC3339), strings.Join(r.Topics, "\x1f"), r.HasAttempts)
			}
		}
		ch.State = state.sum()

		ps := lockProblems(old, oldRounds, c)
		code := quiz.ECONFLICT
		if len(ps) == 0 {
			code = quiz.EINVALID
		}
		pool, err := poolProblems(ctx, tx, c, oldRounds)
		if err != nil {
			return err
		}
		if ps = append(ps, pool...); len(ps) > 0 {
			return ps.Err(code, c.Code)
		}

		id := old.ID
		if exists {
			_, err = tx.ExecContext(ctx, `
				UPDATE contests SET name = $2, timezone = $3, questions_per_attempt = $4, time_limit_seconds = $5,
					attempts_per_round = $6, prediction = $7, prediction_target = $8, reveal = $9,
					reminders = $10, summary = $11, prediction_grace_seconds = $12, updated_at = now()
				WHERE id = $1`,
				id, c.Name, c.Timezone, c.QuestionsPerAttempt, int64(c.TimeLimit/time.Second), c.AttemptsPerRound,
				c.Prediction, string(c.PredictionTarget), string(c.Reveal), pq.StringArray(nonNil(c.Reminders)), c.Summary,
				int64(c.PredictionGrace/time.Second))
		} else {
			err = tx.GetContext(ctx, &id, `
				INSERT INTO contests (code, name, timezone, questions_per_attempt, time_limit_seconds,
					attempts_per_round, prediction, prediction_target, reveal, reminders, summary, prediction_grace_seconds)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
				c.Code, c.Name, c.Timezone, c.QuestionsPerAttempt, int64(c.TimeLimit/time.Second), c.AttemptsPerRound,
				c.Prediction, string(c.PredictionTarget), string(c.Reveal), pq.StringArray(nonNil(c.Reminders)), c.Summary,
				int64(c.PredictionGrace/time.Second))
		}
		if err != nil {
			return fmt.Errorf("save contest %s: %w", c.Code, err)
		}
		if err := saveIntegrity(ctx, tx, id, c.Integrity); err != nil {
			return err
		}
		if err := saveEntries(ctx, tx, id, c); err != nil {
			return err
		}
		if err := saveRounds(ctx, tx, id, c, oldRounds, &ch); err != nil {
			return err
		}
		if opt.SaveFile {
			if err := saveContestFile(ctx, tx, id, opt.Prizes, opt.Source); err != nil {
				return err
			}
		}
		// After every check and write: a stale preview of a file that is
		// now wrong gets the file's problems, which are what must be fixed.
		if err := checkExpected(opt.ExpectState, ch.State); err != nil {
			return err
		}
		if opt.DryRun {
			return errRollback
		}
		return nil
	})
	catalogChanged() // whether or not it committed: a commit may fail after the fact
	if err != nil && !errors.Is(err, errRollback) {
		return ContestChange{}, fmt.Errorf("apply contest %s: %w", c.Code, err)
	}
	ch.Created = created
	return ch, nil
}

// saveContestFile stores the file's prizes (nil: none) and text.
func saveContestFile(ctx context.Context, tx *sqlx.Tx, id int64, p *report.Prizes, source string) error {
	js, err := prizesJSON(p)
	if err != nil {
		return fmt.Errorf("contest prizes: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE contests SET prizes = $2::jsonb, source = $3 WHERE id = $1`, id, js, source); err != nil {
		return fmt.Errorf("save contest file: %w", err)
	}
	return nil
}

// ContestSource returns the text of the contest file last applied; ok is
// false for a contest applied before the text was kept, or by a caller
// that did not give it.
func (db *DB) ContestSource(ctx context.Context, code string) (source string, ok bool, err error) {
	var s sql.NullString
	err = db.GetContext(ctx, &s, `SELECT source FROM contests WHERE code = $1`, code)
	if notFound(err) {
		return "", false, quiz.Errorf(quiz.ENOTFOUND, "Không tìm thấy cuộc thi có mã %q.", code)
	}
	if err != nil {
		return "", false, fmt.Errorf("contest %s source: %w", code, err)
	}
	return s.String, s.Valid, nil
}

// lockProblems lists the changes c makes to what attempts already depend on.
func lockProblems(old contestRow, oldRounds []roundRow, c quiz.Contest) quiz.Problems {
	var ps quiz.Problems
	var locked []int // numbers of the rounds that have attempts
	for _, r := range oldRounds {
		if r.HasAttempts {
			locked = append(locked, r.Number)
		}
	}
	if len(locked) == 0 {
		return nil
	}
	because := fmt.Sprintf("đợt %d đã có bài thi", locked[0])
	if len(locked) > 1 {
		because = fmt.Sprintf("các đợt %s đã có bài thi", joinInts(locked))
	}
	rule := func(field string, was, now any) {
		if was != now {
			ps = append(ps, quiz.Problem{Field: field, Message: fmt.Sprintf("không thể đổi từ %v thành %v: %s", was, now, because)})
		}
	}
	was := old.contest()
	rule("questions_per_attempt", was.QuestionsPerAttempt, c.QuestionsPerAttempt)
	rule("time_limit", was.TimeLimit, c.TimeLimit)
	rule("attempts_per_round", was.AttemptsPerRound, c.AttemptsPerRound)
	rule("prediction", fmt.Sprintf("%q", was.Prediction), fmt.Sprintf("%q", c.Prediction))
	rule("prediction_target", was.PredictionTarget, c.PredictionTarget)
	rule("prediction_grace", was.PredictionGrace, c.PredictionGrace)
	rule("reveal", was.Reveal, c.Reveal)

	// Times are shown as the file writes them; with the zone too when the
	// file changes the zone, since that alone moves every round.
	oldLoc, newLoc := was.Location(), c.Location()
	show := func(t time.Time, loc *time.Location) string {
		if was.Timezone != c.Timezone {
			return t.In(loc).Format(quiz.LocalTimeLayout) + " " + loc.String()
		}
		return t.In(loc).Format(quiz.LocalTimeLayout)
	}
	for _, o := range oldRounds {
		if !o.HasAttempts {
			continue
		}
		i := slices.IndexFunc(c.Rounds, func(r quiz.Round) bool { return r.Number == o.Number })
		if i < 0 {
			ps = append(ps, quiz.Problem{Field: "rounds", Message: fmt.Sprintf("đợt %d đã có bài thi nên không thể xoá", o.Number)})
			continue
		}
		n := c.Rounds[i]
		field := func(name, from, to string) {
			ps = append(ps, quiz.Problem{Field: fmt.Sprintf("rounds.%d.%s", i, name),
				Message: fmt.Sprintf("đợt %d đã có bài thi: không thể đổi %s từ %s thành %s", o.Number, name, from, to)})
		}
		if !o.OpensAt.Equal(n.OpensAt) {
			field("opens_at", show(o.OpensAt, oldLoc), show(n.OpensAt, newLoc))
		}
		if !o.ClosesAt.Equal(n.ClosesAt) {
			field("closes_at", show(o.ClosesAt, oldLoc), show(n.ClosesAt, newLoc))
		}
		if showTopics(o.Topics) != showTopics(n.Topics) {
			field("topics", showTopics(o.Topics), showTopics(n.Topics))
		}
	}
	return ps
}

func showTopics(ts []string) string {
	if len(ts) == 0 {
		return "(mọi chủ đề)"
	}
	s := slices.Clone(ts)
	slices.Sort(s) // the order of topics does not change the pool
	return "[" + strings.Join(s, ", ") + "]"
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}

// poolProblems checks that each round can draw questions_per_attempt
// questions. Rounds that have attempts are skipped: their rules are frozen
// and questions retired since must not block, say, renaming the contest.
func poolProblems(ctx context.Context, tx *sqlx.Tx, c quiz.Contest, oldRounds []roundRow) (quiz.Problems, error) {
	var counts []struct {
		Topic string `db:"topic"`
		N     int    `db:"n"`
	}
	if err := sqlx.SelectContext(ctx, tx, &counts,
		`SELECT topic, count(*) AS n FROM questions WHERE active GROUP BY topic ORDER BY topic`); err != nil {
		return nil, fmt.Errorf("count questions by topic: %w", err)
	}
	byTopic := map[string]int{}
	total := 0
	var known []string
	for _, t := range counts {
		byTopic[t.Topic] = t.N
		total += t.N
		if t.Topic != "" {
			known = append(known, fmt.Sprintf("%q", t.Topic))
		}
	}
	hint := "ngân hàng câu hỏi chưa có chủ đề nào"
	if len(known) > 0 {
		if len(known) > 12 {
			known = append(known[:12], "…")
		}
		hint = "các chủ đề trong ngân hàng: " + strings.Join(known, ", ")
	}

	var ps quiz.Problems
	wholeBankReported := false
	for i, r := range c.Rounds {
		if slices.ContainsFunc(oldRounds, func(o roundRow) bool { return o.Number == r.Number && o.HasAttempts }) {
			continue
		}
		if len(r.Topics) == 0 {
			if total < c.QuestionsPerAttempt && !wholeBankReported {
				wholeBankReported = true // the same bank for every such round: say it once
				msg := fmt.Sprintf("mỗi bài thi cần %d câu hỏi, nhưng ngân hàng câu hỏi chỉ có %d câu đang dùng", c.QuestionsPerAttempt, total)
				if total == 0 {
					msg += " (hãy nhập câu hỏi trước: trang Dữ liệu hoặc lệnh quizbot import questions TỆP)"
				}
				ps = append(ps, quiz.Problem{Field: "questions_per_attempt", Message: msg})
			}
			continue
		}
		pool := 0
		missing := false
		for k, t := range r.Topics {
			n := byTopic[t]
			if n == 0 {
				missing = true
				ps = append(ps, quiz.Problem{Field: fmt.Sprintf("rounds.%d.topics.%d", i, k),
					Message: fmt.Sprintf("đợt %d: chủ đề %q không có câu hỏi nào đang dùng (%s)", r.Number, t, hint)})
			}
			pool += n
		}
		if pool < c.QuestionsPerAttempt && !missing {
			ps = append(ps, quiz.Problem{Field: fmt.Sprintf("rounds.%d.topics", i),
				Message: fmt.Sprintf("đợt %d cần %d câu hỏi mỗi bài thi, nhưng các chủ đề của đợt chỉ có %d câu đang dùng",
					r.Number, c.QuestionsPerAttempt, pool)})
		}
	}
	return ps, nil
}

// saveRounds makes the contest's rounds those of c, keeping the id of every
// round whose number stays (attempts and notifications refer to it).
func saveRounds(ctx context.Context, tx *sqlx.Tx, contestID int64, c quiz.Contest, oldRounds []roundRow, ch *ContestChange) error {
	oldByNumber := map[int]roundRow{}
	var gone []int64
	for _, o := range oldRounds {
		oldByNumber[o.Number] = o
		if _, ok := c.RoundByNumber(o.Number); !ok {
			gone = append(gone, o.ID) // has no attempts: lockProblems checked
		}
	}
	ch.RoundsRemoved = len(gone)
	if len(gone) > 0 {
		// The notification log outlives the round: keep what was sent, with
		// the round detached, and stop what was still waiting to go out.
		if _, err := tx.ExecContext(ctx, `
			UPDATE notifications SET round_id = NULL,
				status = CASE WHEN status = 'queued' THEN 'failed' ELSE status END,
				last_error = CASE WHEN status = 'queued' THEN 'round removed from the contest' ELSE last_error END
			WHERE round_id = ANY($1)`, pq.Int64Array(gone)); err != nil {
			return fmt.Errorf("detach notifications of removed rounds: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM rounds WHERE id = ANY($1)`, pq.Int64Array(gone)); err != nil {
			return fmt.Errorf("delete removed rounds: %w", err)
		}
	}
	for _, r := range c.Rounds {
		topics := pq.StringArray(nonNil(r.Topics))
		if o, ok := oldByNumber[r.Number]; ok {
			if !o.OpensAt.Equal(r.OpensAt) || !o.ClosesAt.Equal(r.ClosesAt) || !slices.Equal(nonNil([]string(o.Topics)), nonNil(r.Topics)) {
				ch.RoundsUpdated++
			} else {
				ch.RoundsUnchanged++
			}
			if _, err := tx.ExecContext(ctx, `UPDATE rounds SET opens_at = $2, closes_at = $3, topics = $4 WHERE id = $1`,
				o.ID, r.OpensAt, r.ClosesAt, topics); err != nil {
				return fmt.Errorf("update round %d: %w", r.Number, err)
			}
			continue
		}
		ch.RoundsAdded++
		if _, err := tx.ExecContext(ctx, `INSERT INTO rounds (contest_id, number, opens_at, closes_at, topics) VALUES ($1, $2, $3, $4, $5)`,
			contestID, r.Number, r.OpensAt, r.ClosesAt, topics); err != nil {
			return fmt.Errorf("insert round %d: %w", r.Number, err)
		}
	}
	return nil
}

// ContestByCode returns the contest with its rounds in order.
func (db *DB) ContestByCode(ctx context.Context, code string) (quiz.Contest, error) {
	return db.contestWhere(ctx, `c.code = $1`, code, fmt.Sprintf("Không tìm thấy cuộc thi có mã %q.", code))
}

// ContestByID returns the contest with its rounds in order.
func (db *DB) ContestByID(ctx context.Context, id int64) (quiz.Contest, error) {
	return db.contestWhere(ctx, `c.id = $1`, id, fmt.Sprintf("Không tìm thấy cuộc thi số %d.", id))
}

// contestRoundRow is a contest joined with one of its rounds; the round's
// columns are NULL for a contest without rounds. span_from and span_to come
// only with CurrentContest's query.
type contestRoundRow struct {
	contestRow
	RoundID       sql.NullInt64  `db:"round_id"`
	RoundNumber   sql.NullInt32  `db:"round_number"`
	RoundOpensAt  sql.NullTime   `db:"round_opens_at"`
	RoundClosesAt sql.NullTime   `db:"round_closes_at"`
	RoundTopics   pq.StringArray `db:"round_topics"`
	SpanFrom      sql.NullTime   `db:"span_from"`
	SpanTo        sql.NullTime   `db:"span_to"`
}

// contestColumnsC are contestColumns of contests c.
var contestColumnsC = qualify("c.", contestColumns)

// contestRoundSelect selects a contest c joined with its rounds r.
var contestRoundSelect = `SELECT ` + contestColumnsC + `, r.id AS round_id, r.number AS round_number,
	r.opens_at AS round_opens_at, r.closes_at AS round_closes_at, r.topics AS round_topics`

// contestWhere loads the contest c matching where, with its rounds, in one
// query: one row per round, the contest's columns repeated on each.
func (db *DB) contestWhere(ctx context.Context, where string, arg any, notFoundMsg string) (quiz.Contest, error) {
	c, _, err := db.loadContest(ctx, contestRoundSelect+`
		FROM contests c LEFT JOIN rounds r ON r.contest_id = c.id
		WHERE `+where+` ORDER BY r.number`, arg, notFoundMsg)
	return c, err
}

// loadContest runs query, which returns contestRoundRows of one contest
// ordered by round number, with arg. The span is that of the first row.
func (db *DB) loadContest(ctx context.Context, query string, arg any, notFoundMsg string) (quiz.Contest, span, error) {
	rows, err := db.QueryxContext(ctx, query, arg)
	if err != nil {
		return quiz.Contest{}, span{}, fmt.Errorf("load contest %v: %w", arg, err)
	}
	defer rows.Close()
	var c quiz.Contest
	var sp span
	var loc *time.Location // set from the first row
	for rows.Next() {
		var row contestRoundRow
		if err := rows.StructScan(&row); err != nil {
			return quiz.Contest{}, span{}, fmt.Errorf("load contest %v: %w", arg, err)
		}
		if loc == nil {
			c = row.contest()
			loc = c.Location()
			sp = span{from: row.SpanFrom, to: row.SpanTo}
		}
		if row.RoundID.Valid {
			r := roundRow{Round: quiz.Round{ID: row.RoundID.Int64, ContestID: c.ID, Number: int(row.RoundNumber.Int32),
				OpensAt: row.RoundOpensAt.Time, ClosesAt: row.RoundClosesAt.Time}, Topics: row.RoundTopics}
			c.Rounds = append(c.Rounds, r.round(loc))
		}
	}
	if err := rows.Err(); err != nil {
		return quiz.Contest{}, span{}, fmt.Errorf("load contest %v: %w", arg, err)
	}
	if loc == nil {
		// No contest at all, hence (rounds belong to contests) no round
		// boundary: the answer holds at every time.
		return quiz.Contest{}, span{}, quiz.Errorf(quiz.ENOTFOUND, "%s", notFoundMsg)
	}
	return c, sp, nil
}

// Contests returns every contest with its rounds, oldest first.
func (db *DB) Contests(ctx context.Context) ([]quiz.Contest, error) {
	var rows []contestRow
	if err := db.SelectContext(ctx, &rows, `SELECT `+contestColumns+` FROM contests ORDER BY id`); err != nil {
		return nil, fmt.Errorf("list contests: %w", err)
	}
	var rounds []roundRow
	if err := db.SelectContext(ctx, &rounds, `SELECT `+roundColumns+` FROM rounds r ORDER BY r.contest_id, r.number`); err != nil {
		return nil, fmt.Errorf("list rounds: %w", err)
	}
	out := make([]quiz.Contest, len(rows))
	index := map[int64]int{}
	for i, r := range rows {
		out[i] = r.contest()
		index[r.ID] = i
	}
	for _, r := range rounds {
		c := &out[index[r.ContestID]]
		c.Rounds = append(c.Rounds, r.round(c.Location()))
	}
	return out, nil
}

// currentContest is CurrentContest (catalog.go) from Postgres: the contest
// the bot should talk about at t: the one with a round open at t; else the
// one whose next round opens first after t; else the one whose last round
// closed most recently; else (not reached through ApplyContest, which
// requires rounds) the latest contest. ENOTFOUND when there is no contest at
// all. One query: COALESCE evaluates each choice only when those before it
// found nothing.
//
// The choice depends on t only through comparisons with the rounds'
// opens_at and closes_at, so it stays the same from the latest boundary of
// any round at or before t to the earliest one after t: the same query
// returns that span, for the cache.
func (db *DB) currentContest(ctx context.Context, t time.Time) (quiz.Contest, span, error) {
	c, sp, err := db.loadContest(ctx, contestRoundSelect+`, s.span_from, s.span_to
		FROM contests c LEFT JOIN rounds r ON r.contest_id = c.id
		CROSS JOIN (SELECT
			max(GREATEST(CASE WHEN opens_at <= $1 THEN opens_at END, CASE WHEN closes_at <= $1 THEN closes_at END)) AS span_from,
			min(LEAST(CASE WHEN opens_at > $1 THEN opens_at END, CASE WHEN closes_at > $1 THEN closes_at END)) AS span_to
			FROM rounds) s
		WHERE c.id = COALESCE(
			(SELECT contest_id FROM rounds WHERE opens_at <= $1 AND closes_at > $1 ORDER BY opens_at DESC, id DESC LIMIT 1),
			(SELECT contest_id FROM rounds WHERE opens_at > $1 ORDER BY opens_at, id LIMIT 1),
			(SELECT contest_id FROM rounds WHERE closes_at <= $1 ORDER BY closes_at DESC, id DESC LIMIT 1),
			(SELECT id FROM contests ORDER BY id DESC LIMIT 1))
		ORDER BY r.number`, t, "Chưa có cuộc thi nào.")
	if err != nil && quiz.ErrorCode(err) != quiz.ENOTFOUND {
		return quiz.Contest{}, span{}, fmt.Errorf("find current contest: %w", err)
	}
	return c, sp, err
}

// RoundByNumber returns round number of the contest.
func (db *DB) RoundByNumber(ctx context.Context, contestID int64, number int) (quiz.Round, error) {
	return db.roundWhere(ctx, `r.contest_id = $1 AND r.number = $2`, []any{contestID, number},
		fmt.Sprintf("Không tìm thấy đợt thi số %d.", number))
}

// RoundByID returns the round with the given id.
func (db *DB) RoundByID(ctx context.Context, id int64) (quiz.Round, error) {
	return db.roundWhere(ctx, `r.id = $1`, []any{id}, "Không tìm thấy đợt thi.")
}

func (db *DB) roundWhere(ctx context.Context, where string, args []any, notFoundMsg string) (quiz.Round, error) {
	var row struct {
		roundRow
		Timezone string `db:"timezone"`
	}
	err := db.GetContext(ctx, &row, `SELECT `+roundColumns+`, c.timezone FROM rounds r JOIN contests c ON c.id = r.contest_id WHERE `+where, args...)
	if err != nil {
		if notFound(err) {
			return quiz.Round{}, quiz.Errorf(quiz.ENOTFOUND, "%s", notFoundMsg)
		}
		return quiz.Round{}, fmt.Errorf("load round %v: %w", args, err)
	}
	c := quiz.Contest{Timezone: row.Timezone}
	return row.round(c.Location()), nil
}
