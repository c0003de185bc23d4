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
// 200 units on three levels (storagetest.SeedScale). Seeding takes about
// 40 s and is not timed; one op is one whole report.
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

func benchReports(b *testing.B, n int) {
	db := storagetest.NewDB(b)
	ctx := context.Background()
	// n/500 units of 0.6n/(n/500) = 300 members, the first 0.4n trying
	// twice, submitted at most 3 s apart: a unit sees one submission every
	// 10 minutes or so whatever n.
	if err := storagetest.SeedScale(ctx, db, storagetest.Scale{Units: n / 500, Members: n * 6 / 10, Attempts: n}); err != nil {
		b.Fatal(err)
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
