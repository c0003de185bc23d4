package storage_test

import (
	"context"
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
	res, err := db.ImportQuestions(ctx, bank)
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
	res, err = db.ImportQuestions(ctx, []quiz.Question{bank[0], q2, q4})
	if err != nil || res != (storage.ImportResult{Added: 1, Updated: 1, Unchanged: 1}) {
		t.Fatalf("second import: %+v %v", res, err)
	}
	got, _ := db.QuestionByCode(ctx, "Q2")
	if !slices.Equal(got.Options, q2.Options) || got.Correct != 2 {
		t.Errorf("Q2: %+v", got)
	}
	if n, _ := db.CountActiveQuestions(ctx, nil); n != 4 {
		t.Errorf("active questions: %d, want 4 (Q3 kept)", n)
	}
	if _, err := db.QuestionByCode(ctx, "Q9"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Errorf("unknown code: %v", err)
	}
	// A question the storage cannot hold is refused whole.
	bad := quiz.Question{Code: "Q5", Text: "?", Options: []string{"a"}, Correct: 0}
	if _, err := db.ImportQuestions(ctx, []quiz.Question{q4, bad}); err == nil {
		t.Error("one-option question accepted")
	}
}

func TestQuestionQueries(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if _, err := db.ImportQuestions(ctx, bank); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE questions SET active = false WHERE code = 'Q3'`); err != nil {
		t.Fatal(err)
	}
	codes := func(qs []quiz.Question) []string {
		var out []string
		for _, q := range qs {
			out = append(out, q.Code)
		}
		return out
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
		qs, err := db.ActiveQuestions(ctx, c.topics)
		if err != nil || !slices.Equal(codes(qs), c.want) {
			t.Errorf("ActiveQuestions(%q) = %v %v, want %v", c.topics, codes(qs), err, c.want)
		}
		n, err := db.CountActiveQuestions(ctx, c.topics)
		if err != nil || n != len(c.want) {
			t.Errorf("CountActiveQuestions(%q) = %d %v", c.topics, n, err)
		}
	}
	all, _ := db.ActiveQuestions(ctx, nil)
	q3, _ := db.QuestionByCode(ctx, "Q3")
	// Retired questions still resolve by id: past attempts refer to them.
	byID, err := db.QuestionsByIDs(ctx, []int64{all[0].ID, q3.ID, 999999})
	if err != nil || len(byID) != 2 || byID[q3.ID].Code != "Q3" || byID[q3.ID].Active ||
		!slices.Equal(byID[all[0].ID].Options, bank[0].Options) {
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
