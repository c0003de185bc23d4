package main

import (
	"context"
	"io"
	"syscall"
	"testing"
	"time"

	"quizbot/report"
	"quizbot/storage/storagetest"
)

// BenchmarkWorkbook100k writes `quizbot report workbook --round 1` for a
// province's busy week: 100,000 closed attempts of 20 questions from a bank
// of 300 (2,000,000 answers), 60,000 members in 200 units on three levels
// (a province, 19 districts, 180 communes): storagetest.Scale100k, as
// storage's BenchmarkReports100k seeds it. Seeding takes about 40 s and is not
// timed; one op is the whole workbook, written to io.Discard. max-rss-MB is
// the test process's peak resident memory (getrusage), seeding included;
// rss-after-seed-MB the same before the first workbook.
//
//	scripts/test.sh ./cmd/quizbot/ -run '^$' -bench Workbook100k -benchtime 3x -benchmem
func BenchmarkWorkbook100k(b *testing.B) {
	db := storagetest.NewDB(b)
	ctx := context.Background()
	if err := storagetest.SeedScale(ctx, db, storagetest.Scale100k); err != nil {
		b.Fatal(err)
	}
	c, err := db.ContestByCode(ctx, "c")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	seeded := float64(ru.Maxrss) / 1024 // ResetTimer drops reported metrics
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		wb, err := report.BuildWorkbook(ctx, db, c, 1, now, report.WorkbookOptions{})
		if err != nil {
			b.Fatal(err)
		}
		if err := wb.Write(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(seeded, "rss-after-seed-MB")
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "max-rss-MB")
	}
}
