package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quizbot/report"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// itemsNow is after both crafted rounds closed.
var itemsNow = time.Date(2026, 3, 20, 1, 0, 0, 0, time.UTC)

// seedItems crafts the item analysis example. The bank: Q1 (key A, options
// A–D), Q2 (key B, A–D), Q3 (key C, A–C), Q4 (key D, A–D), Q5 (key A,
// A–C), Q6 (key A, A–D).
//
// Round 1: ten closed attempts, each drew Q1–Q4 (choices in that order, "-"
// unanswered), plus one attempt still running (deadline after now), which
// must not count:
//
//	att  Q1 Q2 Q3 Q4  score  upper weight  lower weight
//	1    A  C  C  D   3      0.85          0
//	2    A  C  C  D   3      0.85          0
//	3    A  B  C  D   4      1             0
//	4    A  C  C  A   2      0             0
//	5    A  B  A  B   2      0             0
//	6    B  B  C  C   2      0             0
//	7    A  A  B  A   1      0             1.7/3
//	8    B  B  A  B   1      0             1.7/3
//	9    C  A  B  -   0      0             1
//	10   B  B  A  C   1      0             1.7/3
//
// The groups weigh 0.27 × 10 = 2.7 attempts each. Upper: attempt 3 (score
// 4, nobody above) whole, then the two tied at 3 share the 1.7 places left,
// 0.85 each. Lower: attempt 9 (score 0) whole, then the three tied at 1
// share 1.7, 1.7/3 each.
//
//	Q1: 6 right of 10 → 0.600. Upper 2.7/2.7 = 1; lower: attempt 7 only,
//	    (1.7/3)/2.7 = 17/81; discrimination 64/81 = 0.790. D chosen by
//	    nobody.
//	Q2: 5 of 10 → 0.500. Upper: only 3 right, 1/2.7 = 30/81; lower: 8 and
//	    10, 3.4/3/2.7 = 34/81; discrimination −4/81 = −0.049 (low). The
//	    upper group chose C with weight 1.7, the key B with 1: wrong key.
//	    D chosen by nobody.
//	Q3: 5 of 10 → 0.500; upper all right, lower none: 1.000. No flag.
//	Q4: 3 of 10 → 0.300, 9 answered (attempt 9 left it); 1.000. No flag.
//
// Round 2: 21 attempts drew Q5 and Q6; every one answered Q5 right (A);
// Q6: 19 chose A, one B, one C. Q5: never missed, B and C picked by nobody.
// Q6: 19/21 = 0.905; B and C each 1/21 = 4.8% < 5% (rare), D nobody.
// Scores: 19 at 2, 2 at 1; groups 0.27 × 21 = 5.67. Upper: the 19 tied at
// the top share 5.67, all right on Q6: 1. Lower: the two at 1 (both wrong on
// Q6) whole, then the 19 share 3.67: 3.67/5.67 right;
// discrimination 2/5.67 = 0.353.
func seedItems(t *testing.T, db *storage.DB) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`
INSERT INTO units (id, code, name) VALUES (1, 'U', 'Đơn vị');
INSERT INTO members (id, full_name, phone, unit_id) SELECT g, 'Người ' || g, '09120000' || lpad(g::text, 2, '0'), 1 FROM generate_series(1, 30) g;
INSERT INTO questions (id, code, text, options, correct) VALUES
	(1, 'Q1', 'Một?', '{a,b,c,d}', 0), (2, 'Q2', 'Hai?', '{a,b,c,d}', 1), (3, 'Q3', 'Ba?', '{a,b,c}', 2),
	(4, 'Q4', 'Bốn?', '{a,b,c,d}', 3), (5, 'Q5', 'Năm?', '{a,b,c}', 0), (6, 'Q6', 'Sáu?', '{a,b,c,d}', 0);
INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds) VALUES (1, 'c', 'Cuộc thi', 4, 600);
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES
	(1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07'), (2, 1, 2, '2026-03-09 07:30+07', '2026-03-13 16:30+07');
`)
	keys := map[int64]int{1: 0, 2: 1, 3: 2, 4: 3, 5: 0, 6: 0}
	id := int64(0)
	attempt := func(round, member int64, qs []int64, choices string, open bool) {
		id++
		start := "2026-03-03 09:00+07"
		if round == 2 {
			start = "2026-03-10 09:00+07"
		}
		correct := 0
		for i, q := range qs {
			chosen, isCorrect := "NULL", "NULL"
			if c := choices[i]; c != '-' {
				chosen = fmt.Sprint(int(c - 'A'))
				ok := int(c-'A') == keys[q]
				isCorrect = fmt.Sprint(ok)
				if ok {
					correct++
				}
			}
			defer fmt.Fprintf(&b, "INSERT INTO answers (attempt_id, position, question_id, option_order, chosen, is_correct) VALUES (%d, %d, %d, '{0,1,2}', %s, %s);\n",
				id, i, q, chosen, isCorrect)
		}
		deadline, submitted := fmt.Sprintf("'%s'::timestamptz + interval '10 minutes'", start), fmt.Sprintf("'%s'::timestamptz + interval '5 minutes'", start)
		if open {
			deadline, submitted = "'2026-04-01 00:00+07'", "NULL"
		}
		fmt.Fprintf(&b, "INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total) VALUES (%d, %d, %d, 1, 'telegram', '%s', %s, %s, %d, %d);\n",
			id, round, member, start, deadline, submitted, correct, len(qs))
	}
	r1 := []int64{1, 2, 3, 4}
	for i, ch := range []string{"ACCD", "ACCD", "ABCD", "ACCA", "ABAB", "BBCC", "AABA", "BBAB", "CAB-", "BBAC"} {
		attempt(1, int64(i+1), r1, ch, false)
	}
	attempt(1, 11, r1, "DDDA", true) // still running: not counted
	for m := int64(1); m <= 21; m++ {
		ch := "AA"
		switch m {
		case 20:
			ch = "AB"
		case 21:
			ch = "AC"
		}
		attempt(2, m, []int64{5, 6}, ch, false)
	}
	if _, err := db.ExecContext(context.Background(), b.String()); err != nil {
		t.Fatalf("seed items: %v", err)
	}
}

func questionsCSV(t *testing.T, db *storage.DB, round int, rounds ...int64) string {
	t.Helper()
	tb := report.Table{Name: "questions", Columns: report.QuestionsColumns}
	err := db.QuestionStats(context.Background(), rounds, itemsNow, func(s report.QuestionStat) error {
		s.Round = round
		tb.Rows = append(tb.Rows, report.QuestionRow(s))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, tb, false); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestItemAnalysisHandComputed(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	seedItems(t, db)
	// The attempts seeded here have no picks written: their answers are
	// counted. Then as submissions write them (the open attempt has none).
	handComputed(t, db, "answers")
	if _, err := db.ExecContext(context.Background(), `UPDATE attempts SET picks = quizbot_attempt_picks(id) WHERE submitted_at IS NOT NULL`); err != nil {
		t.Fatal(err)
	}
	handComputed(t, db, "picks")
}

func handComputed(t *testing.T, db *storage.DB, how string) {
	t.Helper()
	got := questionsCSV(t, db, 1, 1)
	want := `question_code,round,topic,asked,answered,facility,discrimination,key,option_a,option_b,option_c,option_d,option_e,option_f,flags
Q1,1,,10,10,0.600,0.790,A,6,3,1,0,,,unpicked:D
Q2,1,,10,10,0.500,-0.049,B,2,5,3,0,,,wrong_key:C;low_discrimination;unpicked:D
Q3,1,,10,10,0.500,1.000,C,3,2,5,,,,
Q4,1,,10,9,0.300,1.000,D,2,2,2,3,,,
`
	if got != want {
		t.Errorf("round 1, %s:\n%s\nwant\n%s", how, got, want)
	}

	got = questionsCSV(t, db, 2, 2)
	want = `question_code,round,topic,asked,answered,facility,discrimination,key,option_a,option_b,option_c,option_d,option_e,option_f,flags
Q5,2,,21,21,1.000,0.000,A,21,0,0,,,,never_missed;unpicked:BC
Q6,2,,21,21,0.905,0.353,A,19,1,1,0,,,unpicked:D;rare:BC
`
	if got != want {
		t.Errorf("round 2, %s:\n%s\nwant\n%s", how, got, want)
	}

	// The whole contest: every question once, over both rounds' attempts.
	got = questionsCSV(t, db, 0, 1, 2)
	for _, line := range []string{"\nQ1,,,10,10,0.600,", "\nQ5,,,21,21,1.000,0.000,A,21,0,0,,,,never_missed;unpicked:BC\n"} {
		if !strings.Contains(got, line) {
			t.Errorf("contest, %s: no line %q in\n%s", how, line, got)
		}
	}
}

// TestItemAnalysisCountsAttemptClosedAtDeadline: an attempt that was never
// submitted counts once its deadline passed, scored by its answers (its
// stored score stays 0 until a submission): the same figures as when it was
// submitted. Attempt 3, the upper group's only whole member, is the one.
func TestItemAnalysisCountsAttemptClosedAtDeadline(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	seedItems(t, db)
	want, wantContest := questionsCSV(t, db, 1, 1), questionsCSV(t, db, 0, 1, 2)
	if _, err := db.ExecContext(context.Background(),
		`UPDATE attempts SET submitted_at = NULL, correct = 0 WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	if got := questionsCSV(t, db, 1, 1); got != want {
		t.Errorf("attempt 3 closed at its deadline:\n%s\nwant\n%s", got, want)
	}
	if got := questionsCSV(t, db, 0, 1, 2); got != wantContest {
		t.Errorf("contest, attempt 3 closed at its deadline:\n%s\nwant\n%s", got, wantContest)
	}
}
