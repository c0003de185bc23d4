package storage_test

import (
	"context"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// BenchmarkReports100k measures `report questions` and `report signals` at
// the size of a province's busy week: 100,000 closed attempts of 20
// questions drawn from a bank of 300 (2,000,000 answers), 60,000 members in
// 200 units. Seeding takes about 40 s and is not timed; one op is one whole
// report.
//
//	scripts/test.sh -run '^$' -bench Reports100k -benchtime 3x -benchmem ./storage/
func BenchmarkReports100k(b *testing.B) {
	db := storagetest.NewDB(b)
	ctx := context.Background()
	seed := `
INSERT INTO units (id, code, name) SELECT g, 'U' || g, 'Đơn vị ' || g FROM generate_series(1, 200) g;
INSERT INTO members (id, full_name, phone, unit_id)
	SELECT g, 'Người ' || g, '09' || lpad(g::text, 8, '0'), 1 + g % 200 FROM generate_series(1, 60000) g;
INSERT INTO questions (id, code, text, options, correct)
	SELECT g, 'Q' || lpad(g::text, 3, '0'), 'Câu ' || g, '{a,b,c,d}', g % 4 FROM generate_series(1, 300) g;
INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds, attempts_per_round)
	VALUES (1, 'c', 'Cuộc thi', 20, 1200, 3);
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
-- Member m's attempts: ids m, m + 60000 (40,000 members try twice).
INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, total)
	SELECT g, 1, 1 + (g - 1) % 60000, 1 + (g - 1) / 60000, 'telegram',
		'2026-03-03 08:00+07'::timestamptz + g * interval '3 seconds',
		'2026-03-03 08:20+07'::timestamptz + g * interval '3 seconds',
		'2026-03-03 08:10+07'::timestamptz + g * interval '3 seconds', 20
	FROM generate_series(1, 100000) g;
-- 20 distinct questions per attempt (a stride through the bank); a
-- stronger attempt (higher id mod 7) chooses the key more often.
INSERT INTO answers (attempt_id, position, question_id, option_order, chosen, is_correct)
	SELECT a, p, q, '{0,1,2,3}', ch, ch = q % 4
	FROM generate_series(1, 100000) a, generate_series(0, 19) p,
		LATERAL (SELECT 1 + (a * 7 + p * 15) % 300 AS q) qq,
		LATERAL (SELECT CASE WHEN (a * 31 + p * 17) % 10 < 3 + a % 7 THEN q % 4 ELSE (a + p) % 4 END AS ch) cc;
UPDATE attempts a SET correct = (SELECT count(*) FROM answers x WHERE x.attempt_id = a.id AND x.is_correct);
ANALYZE;`
	if _, err := db.ExecContext(ctx, seed); err != nil {
		b.Fatalf("seed: %v", err)
	}
	now := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	b.Run("questions", func(b *testing.B) { benchQuestions(b, db, now) })
	b.Run("signals", func(b *testing.B) {
		for b.Loop() {
			g := quiz.DefaultIntegrity
			if _, err := db.FastAttempts(ctx, 1, now, g.MinSecondsPerQuestion); err != nil {
				b.Fatal(err)
			}
			if _, err := db.SameAnswerPairs(ctx, 1, now, g.SameAnswersWindow, report.SameAnswersMinCommon); err != nil {
				b.Fatal(err)
			}
			if _, err := db.SharedAccountEvents(ctx, now); err != nil {
				b.Fatal(err)
			}
			if _, err := db.SamePredictions(ctx, 1, now, report.SamePredictionMembers); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchQuestions(b *testing.B, db *storage.DB, now time.Time) {
	ctx := context.Background()
	for b.Loop() {
		n := 0
		if err := db.QuestionStats(ctx, []int64{1}, now, func(s report.QuestionStat) error {
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if n != 300 {
			b.Fatalf("%d questions, want 300", n)
		}
	}
}
