package storage_test

import (
	"context"
	"strconv"
	"strings"
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
func BenchmarkReports100k(b *testing.B) { benchReports(b, 100_000) }

// BenchmarkReports1M is BenchmarkReports100k for a national round:
// 1,000,000 attempts (20,000,000 answers), 600,000 members in 2,000 units,
// each unit as busy over time as in the 100k one. Seeding takes several
// minutes and is not timed.
//
//	scripts/test.sh -run '^$' -bench Reports1M -benchtime 2x -benchmem -timeout 60m ./storage/
func BenchmarkReports1M(b *testing.B) { benchReports(b, 1_000_000) }

// reportsSeedSQL seeds one closed round of n attempts (n a multiple of
// 500): 0.6n members in n/500 units (the members of a unit are every
// (n/500)th), a bank of 300 questions, two attempts for two members in
// three, submitted 300,000/n seconds apart (whole seconds), so that a unit
// sees one submission every 10 minutes whatever n.
func reportsSeedSQL(n int) string {
	return strings.NewReplacer("$N", strconv.Itoa(n), "$U", strconv.Itoa(n/500), "$M", strconv.Itoa(n*6/10)).Replace(`
INSERT INTO units (id, code, name) SELECT g, 'U' || g, 'Đơn vị ' || g FROM generate_series(1, $U) g;
INSERT INTO members (id, full_name, phone, unit_id)
	SELECT g, 'Người ' || g, '09' || lpad(g::text, 8, '0'), 1 + g % $U FROM generate_series(1, $M) g;
INSERT INTO questions (id, code, text, options, correct)
	SELECT g, 'Q' || lpad(g::text, 3, '0'), 'Câu ' || g, '{a,b,c,d}', g % 4 FROM generate_series(1, 300) g;
INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds, attempts_per_round)
	VALUES (1, 'c', 'Cuộc thi', 20, 1200, 3);
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
-- Member m's attempts: ids m and m + 0.6n (the first 0.4n members try twice).
INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, total)
	SELECT g, 1, 1 + (g - 1) % $M, 1 + (g - 1) / $M, 'telegram',
		'2026-03-03 08:00+07'::timestamptz + g::bigint * 300000 / $N * interval '1 second',
		'2026-03-03 08:20+07'::timestamptz + g::bigint * 300000 / $N * interval '1 second',
		'2026-03-03 08:10+07'::timestamptz + g::bigint * 300000 / $N * interval '1 second', 20
	FROM generate_series(1, $N) g;
-- 20 distinct questions per attempt (a stride through the bank); a
-- stronger attempt (higher id mod 7) chooses the key more often.
INSERT INTO answers (attempt_id, position, question_id, option_order, chosen, is_correct)
	SELECT a, p, q, '{0,1,2,3}', ch, ch = q % 4
	FROM generate_series(1, $N) a, generate_series(0, 19) p,
		LATERAL (SELECT 1 + (a * 7 + p * 15) % 300 AS q) qq,
		LATERAL (SELECT CASE WHEN (a * 31 + p * 17) % 10 < 3 + a % 7 THEN q % 4 ELSE (a + p) % 4 END AS ch) cc;
UPDATE attempts a SET correct = x.n
	FROM (SELECT attempt_id, count(*) FILTER (WHERE is_correct) AS n FROM answers GROUP BY attempt_id) x
	WHERE x.attempt_id = a.id;`)
}

func benchReports(b *testing.B, n int) {
	db := storagetest.NewDB(b)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, reportsSeedSQL(n)); err != nil {
		b.Fatalf("seed: %v", err)
	}
	// As autovacuum leaves a closed round (VACUUM refuses a transaction, so
	// not in the seed's batch).
	if _, err := db.ExecContext(ctx, `VACUUM ANALYZE`); err != nil {
		b.Fatalf("vacuum: %v", err)
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
