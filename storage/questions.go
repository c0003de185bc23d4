package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/quiz"
)

// questionRow scans a question; options is a Postgres text[].
type questionRow struct {
	quiz.Question
	Options pq.StringArray `db:"options"`
}

func (r questionRow) question() quiz.Question {
	q := r.Question
	q.Options = []string(r.Options)
	return q
}

const questionSelect = `SELECT id, code, text, options, correct, explanation, topic, active FROM questions`

func selectQuestions(ctx context.Context, q sqlx.QueryerContext, query string, args ...any) ([]quiz.Question, error) {
	var rows []questionRow
	if err := sqlx.SelectContext(ctx, q, &rows, query, args...); err != nil {
		return nil, err
	}
	out := make([]quiz.Question, len(rows))
	for i, r := range rows {
		out[i] = r.question()
	}
	return out, nil
}

// topicsArg makes "no topics" an empty array rather than NULL, for which
// cardinality() would be NULL and match nothing.
func topicsArg(topics []string) any {
	if topics == nil {
		topics = []string{}
	}
	return pq.Array(topics)
}

// questionPool is QuestionPool (catalog.go) from Postgres.
func (db *DB) questionPool(ctx context.Context, topics []string) ([]quiz.PoolQuestion, error) {
	var pool []quiz.PoolQuestion
	if err := db.SelectContext(ctx, &pool, `SELECT id, cardinality(options) AS options FROM questions
		WHERE active AND (cardinality($1::text[]) = 0 OR topic = ANY($1::text[])) ORDER BY id`, topicsArg(topics)); err != nil {
		return nil, fmt.Errorf("question pool: %w", err)
	}
	return pool, nil
}

// QuestionsByIDs returns the questions with the ids, active or not (past
// attempts still refer to retired questions). Unknown ids are left out.
func (db *DB) QuestionsByIDs(ctx context.Context, ids []int64) (map[int64]quiz.Question, error) {
	out := make(map[int64]quiz.Question, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	qs, err := selectQuestions(ctx, db, questionSelect+` WHERE id = ANY($1::bigint[])`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("questions by ids: %w", err)
	}
	for _, q := range qs {
		out[q.ID] = q
	}
	return out, nil
}

// QuestionByCode returns a question; ENOTFOUND when no question has the code.
func (db *DB) QuestionByCode(ctx context.Context, code string) (quiz.Question, error) {
	qs, err := selectQuestions(ctx, db, questionSelect+` WHERE code = $1`, code)
	if err != nil {
		return quiz.Question{}, fmt.Errorf("question %s: %w", code, err)
	}
	if len(qs) == 0 {
		return quiz.Question{}, quiz.Errorf(quiz.ENOTFOUND, "Không có câu hỏi mã %s.", code)
	}
	return qs[0], nil
}

// ImportQuestions upserts questions by code in one transaction. Questions
// absent from the import are kept as they are (a bank may come in several
// files), and an import does not change whether a question is active.
//
// A question that has been drawn for an attempt (it has a row in answers)
// keeps its number of options and the index of its correct option: answers
// store option indices (chosen, option_order) and is_correct, which such a
// change would silently reinterpret. Its texts, explanation and topic may
// still change. check sees, by code, the stored questions that the import
// would reshape (another number of options or another correct option) and
// that have been drawn already, under the import lock; an error from it
// aborts the import and is returned as is. Whatever check returns, storage
// refuses to reshape a drawn question.
func (db *DB) ImportQuestions(ctx context.Context, questions []quiz.Question, check func(used map[string]quiz.Question) error) (ImportResult, error) {
	plan, err := db.ImportQuestionsWith(ctx, questions, check, ImportOptions{})
	return plan.ImportResult, err
}

// ImportQuestionsWith is ImportQuestions as a preview or as the apply of
// one (see ImportOptions).
func (db *DB) ImportQuestionsWith(ctx context.Context, questions []quiz.Question, check func(used map[string]quiz.Question) error, opt ImportOptions) (ImportPlan, error) {
	var res ImportPlan
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockImports(ctx, tx); err != nil {
			return err
		}
		stored, err := selectQuestions(ctx, tx, questionSelect+` ORDER BY id`)
		if err != nil {
			return fmt.Errorf("import questions: %w", err)
		}
		state := newStateHash("questions")
		for _, q := range stored {
			state.row(q.ID, q.Code, q.Text, len(q.Options))
			for _, o := range q.Options {
				state.row(o)
			}
			state.row(q.Correct, q.Explanation, q.Topic, q.Active)
		}
		byCode := make(map[string]quiz.Question, len(stored))
		for _, q := range stored {
			byCode[q.Code] = q
		}
		used, err := usedReshaped(ctx, tx, questions, byCode)
		if err != nil {
			return fmt.Errorf("import questions: %w", err)
		}
		// Whether a reshaped question has been drawn decides whether the
		// file is accepted: part of what a preview saw.
		for _, code := range slices.Sorted(maps.Keys(used)) {
			state.row("used", code)
		}
		res.State = state.sum()
		if check != nil {
			if err := check(used); err != nil {
				return err
			}
		}
		seen := make(map[string]bool, len(questions))
		var add, upd []questionJSON
		for _, q := range questions {
			if seen[q.Code] {
				return fmt.Errorf("import questions: code %s twice", q.Code)
			}
			seen[q.Code] = true
			if len(q.Options) < 2 || len(q.Options) > 6 || q.Correct < 0 || q.Correct >= len(q.Options) {
				return fmt.Errorf("import questions: %s: %d options, correct %d", q.Code, len(q.Options), q.Correct)
			}
			if old, ok := used[q.Code]; ok {
				return fmt.Errorf("import questions: %s: drawn for an attempt already, so it keeps %d options and correct %d (got %d options, correct %d)",
					q.Code, len(old.Options), old.Correct, len(q.Options), q.Correct)
			}
			old, ok := byCode[q.Code]
			switch {
			case !ok:
				res.Added++
				add = append(add, toQuestionJSON(q))
			case old.Text != q.Text || !slices.Equal(old.Options, q.Options) || old.Correct != q.Correct ||
				old.Explanation != q.Explanation || old.Topic != q.Topic:
				res.Updated++
				upd = append(upd, toQuestionJSON(q))
			default:
				res.Unchanged++
			}
		}
		if err := checkExpected(opt.ExpectState, res.State); err != nil || opt.DryRun {
			return err
		}
		// Rows of different option counts cannot share one unnest() of a
		// two-dimensional array, so the rows go as one JSON document: one
		// statement for the new questions and one for the changed ones,
		// whatever the size of the bank.
		if len(add) > 0 {
			doc, err := json.Marshal(add)
			if err != nil {
				return fmt.Errorf("import questions: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO questions (code, text, options, correct, explanation, topic)
				SELECT f.code, f.text, f.options, f.correct, f.explanation, f.topic
				FROM jsonb_to_recordset($1::jsonb)
					AS f(code text, text text, options text[], correct int, explanation text, topic text)`, doc); err != nil {
				return fmt.Errorf("import questions: insert: %w", err)
			}
		}
		if len(upd) > 0 {
			doc, err := json.Marshal(upd)
			if err != nil {
				return fmt.Errorf("import questions: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE questions q SET text = f.text, options = f.options, correct = f.correct,
					explanation = f.explanation, topic = f.topic, updated_at = now()
				FROM jsonb_to_recordset($1::jsonb)
					AS f(code text, text text, options text[], correct int, explanation text, topic text)
				WHERE q.code = f.code`, doc); err != nil {
				return fmt.Errorf("import questions: update: %w", err)
			}
		}
		return nil
	})
	catalogChanged() // whether or not it committed: a commit may fail after the fact
	if err != nil {
		return ImportPlan{}, err
	}
	return res, nil
}

// questionJSON is a question as one element of the JSON document that an
// import writes in one statement.
type questionJSON struct {
	Code        string   `json:"code"`
	Text        string   `json:"text"`
	Options     []string `json:"options"`
	Correct     int      `json:"correct"`
	Explanation string   `json:"explanation"`
	Topic       string   `json:"topic"`
}

func toQuestionJSON(q quiz.Question) questionJSON {
	return questionJSON{Code: q.Code, Text: q.Text, Options: q.Options, Correct: q.Correct, Explanation: q.Explanation, Topic: q.Topic}
}

// usedReshaped returns, by code, the stored questions that the import would
// give another number of options or another correct option and that have
// been drawn for an attempt. Those questions are locked FOR UPDATE first:
// that conflicts with the key-share lock the foreign key of a new answers row
// takes, so an attempt storing one of them right now has either committed
// (and its rows are seen by the query that follows) or waits until the import
// ends. (An attempt that read a question before the import and stores it
// after is CreateAttempt's to notice.) An import that reshapes nothing, such
// as typo fixes, locks and reads nothing more.
func usedReshaped(ctx context.Context, tx *sqlx.Tx, questions []quiz.Question, byCode map[string]quiz.Question) (map[string]quiz.Question, error) {
	var codes []string
	for _, q := range questions {
		if old, ok := byCode[q.Code]; ok && (len(old.Options) != len(q.Options) || old.Correct != q.Correct) {
			codes = append(codes, q.Code)
		}
	}
	used := map[string]quiz.Question{}
	if len(codes) == 0 {
		return used, nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT id FROM questions WHERE code = ANY($1::text[]) ORDER BY id FOR UPDATE`,
		pq.Array(codes)); err != nil {
		return nil, fmt.Errorf("lock reshaped questions: %w", err)
	}
	qs, err := selectQuestions(ctx, tx, questionSelect+` q WHERE q.code = ANY($1::text[])
		AND EXISTS (SELECT 1 FROM answers a WHERE a.question_id = q.id)`, pq.Array(codes))
	if err != nil {
		return nil, fmt.Errorf("drawn questions: %w", err)
	}
	for _, q := range qs {
		used[q.Code] = q
	}
	return used, nil
}
