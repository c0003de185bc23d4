package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

var bank = []quiz.Question{
	{Code: "Q1", Text: "Nghị quyết 76/NQ-CP ban hành năm nào?", Options: []string{"2019", "2020", "2021", "2022"}, Correct: 2,
		Explanation: "Ngày 15/7/2021.", Topic: "chương trình"},
	{Code: "Q2", Text: "Bộ phận Một cửa thuộc cơ quan nào?", Options: []string{"Văn phòng", "Sở Nội vụ"}, Correct: 0, Topic: "một cửa"},
	{Code: "Q3", Text: "SIPAS đo gì?", Options: []string{"Sự hài lòng", "Chỉ số CCHC", "Ngân sách"}, Correct: 0, Topic: "chỉ số"},
}

func TestQuestionImportUpsert(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	res, err := db.ImportQuestions(ctx, bank, nil)
	if err != nil || res != (storage.ImportResult{Added: 3}) {
		t.Fatalf("first import: %+v %v", res, err)
	}
	q1, err := db.QuestionByCode(ctx, "Q1")
	if err != nil {
		t.Fatal(err)
	}
	want := bank[0]
	want.ID, want.Active = q1.ID, true
	if !equalQuestion(q1, want) {
		t.Errorf("Q1: %+v", q1)
	}

	// Again: Q1 the same, Q2 with its key fixed and a third option, Q4
	// new, Q3 missing (kept: a bank may come in several files).
	q2 := bank[1]
	q2.Options, q2.Correct = []string{"Văn phòng", "Sở Nội vụ", "UBND"}, 2
	q4 := quiz.Question{Code: "Q4", Text: "PAR Index là gì?", Options: []string{"Chỉ số CCHC", "Chỉ số năng lực"}, Correct: 0}
	res, err = db.ImportQuestions(ctx, []quiz.Question{bank[0], q2, q4}, nil)
	if err != nil || res != (storage.ImportResult{Added: 1, Updated: 1, Unchanged: 1}) {
		t.Fatalf("second import: %+v %v", res, err)
	}
	got, _ := db.QuestionByCode(ctx, "Q2")
	if !slices.Equal(got.Options, q2.Options) || got.Correct != 2 {
		t.Errorf("Q2: %+v", got)
	}
	if pool, _ := db.QuestionPool(ctx, nil); len(pool) != 4 {
		t.Errorf("active questions: %d, want 4 (Q3 kept)", len(pool))
	}
	if _, err := db.QuestionByCode(ctx, "Q9"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Errorf("unknown code: %v", err)
	}
	// A question the storage cannot hold is refused whole.
	bad := quiz.Question{Code: "Q5", Text: "?", Options: []string{"a"}, Correct: 0}
	if _, err := db.ImportQuestions(ctx, []quiz.Question{q4, bad}, nil); err == nil {
		t.Error("one-option question accepted")
	}
}

func TestQuestionQueries(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if _, err := db.ImportQuestions(ctx, bank, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE questions SET active = false WHERE code = 'Q3'`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		topics []string
		want   []string
	}{
		{nil, []string{"Q1", "Q2"}},
		{[]string{}, []string{"Q1", "Q2"}},
		{[]string{"một cửa"}, []string{"Q2"}},
		{[]string{"chỉ số"}, nil},
		{[]string{"một cửa", "chương trình"}, []string{"Q1", "Q2"}},
	} {
		pool, err := db.QuestionPool(ctx, c.topics)
		var codes []string
		for i, p := range pool {
			q, _ := db.QuestionsByIDs(ctx, []int64{p.ID})
			codes = append(codes, q[p.ID].Code)
			if p.Options != len(q[p.ID].Options) {
				t.Errorf("QuestionPool(%q)[%d] = %+v, question %d has %d options", c.topics, i, p, p.ID, len(q[p.ID].Options))
			}
		}
		if err != nil || !slices.Equal(codes, c.want) {
			t.Errorf("QuestionPool(%q) = %v %v, want %v", c.topics, codes, err, c.want)
		}
	}
	q1, _ := db.QuestionByCode(ctx, "Q1")
	q3, _ := db.QuestionByCode(ctx, "Q3")
	// Retired questions still resolve by id: past attempts refer to them.
	byID, err := db.QuestionsByIDs(ctx, []int64{q1.ID, q3.ID, 999999})
	if err != nil || len(byID) != 2 || byID[q3.ID].Code != "Q3" || byID[q3.ID].Active ||
		!slices.Equal(byID[q1.ID].Options, bank[0].Options) {
		t.Errorf("QuestionsByIDs: %+v %v", byID, err)
	}
	if m, err := db.QuestionsByIDs(ctx, nil); err != nil || len(m) != 0 {
		t.Errorf("QuestionsByIDs(nil): %v %v", m, err)
	}
}

func equalQuestion(a, b quiz.Question) bool {
	return a.ID == b.ID && a.Code == b.Code && a.Text == b.Text && slices.Equal(a.Options, b.Options) &&
		a.Correct == b.Correct && a.Explanation == b.Explanation && a.Topic == b.Topic && a.Active == b.Active
}

// questionsDump is every stored question, timestamps included.
func questionsDump(t *testing.T, db *storage.DB) string {
	t.Helper()
	var s string
	if err := db.GetContext(context.Background(), &s, `SELECT string_agg(x::text, E'\n' ORDER BY x.id) FROM questions x`); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestQuestionImportKeepsShapeOfDrawnQuestions(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if _, err := db.ImportQuestions(ctx, bank, nil); err != nil {
		t.Fatal(err)
	}
	storagetest.DrawQuestions(t, db, "Q1", "Q2") // Q1 answered, Q2 drawn only; Q3 never drawn
	before := questionsDump(t, db)

	q1Extra := bank[0]
	q1Extra.Options = append(slices.Clone(q1Extra.Options), "2023")
	q1Fewer := bank[0]
	q1Fewer.Options = q1Fewer.Options[:3]
	q1Key := bank[0]
	q1Key.Correct = 1
	q2Key := bank[1]
	q2Key.Correct = 1
	q3Extra := bank[2]
	q3Extra.Options = append(slices.Clone(q3Extra.Options), "Biên chế")

	// check sees the drawn questions the import would reshape, as stored,
	// and its error aborts the import as is.
	rejected := errors.New("rejected")
	var seen map[string]quiz.Question
	_, err := db.ImportQuestions(ctx, []quiz.Question{q1Extra, q2Key, q3Extra}, func(used map[string]quiz.Question) error {
		seen = used
		return rejected
	})
	if err != rejected {
		t.Fatalf("err %v, want the check's error as is", err)
	}
	if len(seen) != 2 || !slices.Equal(seen["Q1"].Options, bank[0].Options) || seen["Q2"].Correct != 0 {
		t.Errorf("check saw %+v, want Q1 and Q2 as stored", seen)
	}

	// Without a check (or with one that lets it through), storage still
	// refuses every reshaping of a drawn question, whether answered or not.
	for _, q := range []quiz.Question{q1Extra, q1Fewer, q1Key, q2Key} {
		called := false
		_, err := db.ImportQuestions(ctx, []quiz.Question{q3Extra, q}, func(map[string]quiz.Question) error {
			called = true
			return nil
		})
		if err == nil || !called {
			t.Errorf("%s with %d options, correct %d: accepted (check called %v)", q.Code, len(q.Options), q.Correct, called)
		}
		if _, err := db.ImportQuestions(ctx, []quiz.Question{q}, nil); err == nil {
			t.Errorf("%s with %d options, correct %d: accepted without a check", q.Code, len(q.Options), q.Correct)
		}
	}
	if after := questionsDump(t, db); after != before {
		t.Fatalf("rejected imports changed the questions:\nbefore:\n%s\nafter:\n%s", before, after)
	}

	// Typos in a drawn question's texts, its explanation and topic may
	// change; an undrawn question may be reshaped.
	q1Typo := quiz.Question{Code: "Q1", Text: "Nghị quyết 76/NQ-CP được ban hành năm nào?", Options: []string{"2019", "2020", "Năm 2021", "2022"},
		Correct: 2, Explanation: "Ngày 15/7/2021 (Nghị quyết 76/NQ-CP).", Topic: "chương-trình"}
	var checked map[string]quiz.Question
	res, err := db.ImportQuestions(ctx, []quiz.Question{q1Typo, bank[1], q3Extra}, func(used map[string]quiz.Question) error {
		checked = used
		return nil
	})
	if err != nil || res != (storage.ImportResult{Updated: 2, Unchanged: 1}) {
		t.Fatalf("typo fix: %+v %v", res, err)
	}
	if checked == nil || len(checked) != 0 {
		t.Errorf("typo fix: check saw %+v, want nothing", checked)
	}
	got, _ := db.QuestionByCode(ctx, "Q1")
	q1Typo.ID, q1Typo.Active = got.ID, true
	if !equalQuestion(got, q1Typo) {
		t.Errorf("Q1 after typo fix: %+v", got)
	}
	if got, _ := db.QuestionByCode(ctx, "Q3"); len(got.Options) != 4 {
		t.Errorf("Q3 (never drawn) not reshaped: %+v", got)
	}
}

// An import writes the bank in a few set-based statements, not one statement
// per question: a bank of thousands of questions must not cost thousands of
// round trips inside the import's transaction.
func TestQuestionImportIsSetBased(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	// Count the statements that write questions.
	if _, err := db.Exec(`
		CREATE TABLE question_writes (n int NOT NULL);
		INSERT INTO question_writes VALUES (0);
		CREATE FUNCTION count_question_writes() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN UPDATE question_writes SET n = n + 1; RETURN NULL; END $$;
		CREATE TRIGGER count_question_writes AFTER INSERT OR UPDATE ON questions
			FOR EACH STATEMENT EXECUTE FUNCTION count_question_writes();`); err != nil {
		t.Fatal(err)
	}
	writes := func() int {
		t.Helper()
		var n int
		if err := db.Get(&n, `SELECT n FROM question_writes`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var qs []quiz.Question
	for i := range 40 {
		opts := []string{"Đúng", "Sai", "Không rõ", "Cả ba", "Không câu nào", "Khác"}[:2+i%5]
		qs = append(qs, quiz.Question{Code: fmt.Sprintf("Q%02d", i), Text: fmt.Sprintf("Câu hỏi số %d?", i),
			Options: opts, Correct: i % len(opts), Explanation: "Giải thích", Topic: "một cửa"})
	}
	res, err := db.ImportQuestions(ctx, qs, nil)
	if err != nil || res != (storage.ImportResult{Added: 40}) {
		t.Fatalf("first import: %+v %v", res, err)
	}
	if n := writes(); n > 1 {
		t.Errorf("adding 40 questions took %d writing statements, want 1", n)
	}
	for _, q := range qs {
		got, err := db.QuestionByCode(ctx, q.Code)
		if err != nil {
			t.Fatal(err)
		}
		q.ID, q.Active = got.ID, true
		if !equalQuestion(got, q) {
			t.Errorf("%s stored as %+v, want %+v", q.Code, got, q)
		}
	}

	// Half of them changed, in text and in shape.
	for i := range qs {
		if i%2 == 0 {
			qs[i].Text += " (sửa)"
			qs[i].Options = append(slices.Clone(qs[i].Options[:2]), "Mới")
			qs[i].Correct = 2
		}
	}
	before := writes()
	res, err = db.ImportQuestions(ctx, qs, nil)
	if err != nil || res != (storage.ImportResult{Updated: 20, Unchanged: 20}) {
		t.Fatalf("second import: %+v %v", res, err)
	}
	if n := writes() - before; n > 1 {
		t.Errorf("updating 20 questions took %d writing statements, want 1", n)
	}
	for _, q := range qs {
		got, err := db.QuestionByCode(ctx, q.Code)
		if err != nil {
			t.Fatal(err)
		}
		q.ID, q.Active = got.ID, true
		if !equalQuestion(got, q) {
			t.Errorf("%s stored as %+v, want %+v", q.Code, got, q)
		}
	}
}
