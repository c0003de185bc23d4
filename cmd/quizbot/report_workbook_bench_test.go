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
// (a province, 19 districts, 180 communes), as storage's
// BenchmarkReports100k seeds them. Seeding takes about 40 s and is not
// timed; one op is the whole workbook, written to io.Discard. max-rss-MB is
// the test process's peak resident memory (getrusage), seeding included;
// rss-after-seed-MB the same before the first workbook.
//
//	scripts/test.sh ./cmd/quizbot/ -run '^$' -bench Workbook100k -benchtime 3x -benchmem
func BenchmarkWorkbook100k(b *testing.B) {
	db := storagetest.NewDB(b)
	ctx := context.Background()
	seed := `
INSERT INTO units (id, code, name, parent_id) SELECT g, 'U' || lpad(g::text, 3, '0'),
	CASE WHEN g = 1 THEN 'Tỉnh' WHEN g <= 20 THEN 'Huyện ' || g ELSE 'Xã ' || g END,
	CASE WHEN g = 1 THEN NULL WHEN g <= 20 THEN 1 ELSE 2 + g % 19 END
	FROM generate_series(1, 200) g;
INSERT INTO members (id, full_name, phone, unit_id, position)
	SELECT g, (ARRAY['Nguyễn','Trần','Lê','Phạm','Đặng','Đỗ','Dương'])[1 + g % 7] || ' Văn ' || g,
		'09' || lpad(g::text, 8, '0'), 1 + g % 200, 'Chuyên viên' FROM generate_series(1, 60000) g;
INSERT INTO questions (id, code, text, options, correct)
	SELECT g, 'Q' || lpad(g::text, 3, '0'), 'Câu ' || g, '{a,b,c,d}', g % 4 FROM generate_series(1, 300) g;
INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds, attempts_per_round, prediction, prediction_target)
	VALUES (1, 'c', 'Cuộc thi', 20, 1200, 3, 'Bao nhiêu người?', 'participants');
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, total, prediction)
	SELECT g, 1, 1 + (g - 1) % 60000, 1 + (g - 1) / 60000, 'telegram',
		'2026-03-03 08:00+07'::timestamptz + g * interval '3 seconds',
		'2026-03-03 08:20+07'::timestamptz + g * interval '3 seconds',
		'2026-03-03 08:10+07'::timestamptz + g * interval '3 seconds', 20, 40000 + (g * 97) % 20000
	FROM generate_series(1, 100000) g;
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
