package notify_test

import (
	"context"
	"fmt"
	"syscall"
	"testing"
	"time"

	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// BenchmarkEnqueue measures queuing a reminder for 1,000,000 verified
// members who have not taken part: the recipients query and the inserts
// with their dedup keys, straight from the members table in batches.
//
//	PG_PORT=55561 REDIS_PORT=56561 scripts/test.sh -run '^$' -bench BenchmarkEnqueue -benchmem ./notify/
func BenchmarkEnqueue(b *testing.B) {
	const members = 1_000_000
	ctx := context.Background()
	db := storagetest.NewDB(b)
	f := storagetest.Seed(b, db, storagetest.SeedOptions{})
	start := time.Now()
	// generate_series seeds in seconds what a roster import would take
	// minutes for; phones 09xxxxxxxx do not collide with the fixture's.
	for _, q := range []string{
		`DELETE FROM members WHERE id NOT IN (SELECT member_id FROM identities)`, // the fixture's unverified
		`INSERT INTO members (full_name, phone, unit_id, position)
			SELECT 'Cán bộ ' || g, '09' || lpad(g::text, 8, '0'), (SELECT min(id) FROM units), 'Chuyên viên'
			FROM generate_series(1, ` + fmt.Sprint(members) + `) g`,
		`INSERT INTO identities (member_id, platform, external_id, chat_id)
			SELECT id, 'telegram', id::text, id::text FROM members WHERE phone LIKE '09%' AND length(phone) = 10 AND phone NOT LIKE '0912%'`,
		`ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	b.Logf("seeded %d members with identities in %s", members, time.Since(start).Round(time.Millisecond))
	n := notify.NewNotifier(db, quiz.NewFakeClock(f.Now), testLog(), nil)

	b.ResetTimer()
	var queued int
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if _, err := db.ExecContext(ctx, `TRUNCATE notifications, notify_jobs`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var err error
		queued, err = n.Run(ctx, notify.Job{Kind: notify.KindRemind, Contest: f.Contest, Round: f.Round, Slot: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if queued < members {
		b.Fatalf("queued %d reminders, want at least %d", queued, members)
	}
	var size int64
	if err := db.GetContext(ctx, &size, `SELECT pg_total_relation_size('notifications')`); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(queued), "reminders/op")
	b.ReportMetric(float64(queued)/(b.Elapsed().Seconds()/float64(b.N)), "reminders/s")
	b.ReportMetric(float64(size)/(1<<20), "table-MB")
}

// BenchmarkSummaryJob measures the weekly summary job of a province: 200
// units on three levels (a province, 19 districts, 180 communes), 60,000
// members of whom 50,000 took part in round 2, a head in each unit and 5
// organizers, each card with its workbook (the head's slice, the
// province's). It reports what the queue holds: the payload bytes per
// row and in all, the notifications table and the saved workbooks, and the
// test process's peak resident memory (getrusage).
//
//	PG_PORT=55561 REDIS_PORT=56561 scripts/test.sh -run '^$' -bench BenchmarkSummaryJob -benchtime 1x ./notify/
func BenchmarkSummaryJob(b *testing.B) {
	ctx := context.Background()
	db := storagetest.NewDB(b)
	f := storagetest.Seed(b, db, storagetest.SeedOptions{})
	for _, q := range []string{
		`INSERT INTO units (code, name, parent_id) SELECT 'U' || lpad(g::text, 3, '0'),
			CASE WHEN g = 1 THEN 'Tỉnh' WHEN g <= 20 THEN 'Huyện ' || g ELSE 'Xã ' || g END, NULL
			FROM generate_series(1, 200) g`,
		`UPDATE units u SET parent_id = p.id FROM units p
			WHERE u.code ~ '^U[0-9]{3}$' AND u.code <> 'U001' AND p.code = CASE WHEN substr(u.code, 2)::int <= 20 THEN 'U001'
				ELSE 'U' || lpad((2 + substr(u.code, 2)::int % 19)::text, 3, '0') END`,
		`INSERT INTO members (full_name, phone, unit_id, position, role)
			SELECT (ARRAY['Nguyễn','Trần','Lê','Phạm','Đặng','Đỗ','Dương'])[1 + g % 7] || ' Văn ' || g, '09' || lpad(g::text, 8, '0'),
				(SELECT id FROM units WHERE code = 'U' || lpad((1 + g % 200)::text, 3, '0')), 'Chuyên viên',
				CASE WHEN g <= 200 THEN 'head' WHEN g <= 205 THEN 'organizer' ELSE 'member' END
			FROM generate_series(1, 60000) g`,
		`INSERT INTO identities (member_id, platform, external_id, chat_id)
			SELECT id, 'telegram', id::text, id::text FROM members WHERE phone LIKE '09%' AND role <> 'member'`,
		`INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction)
			SELECT ` + fmt.Sprint(f.Next.ID) + `, m.id, 1, 'telegram', r.opens_at + m.id * interval '1 second',
				r.opens_at + m.id * interval '1 second' + interval '10 minutes', r.opens_at + m.id * interval '1 second' + interval '5 minutes',
				m.id % 4, 3, 40000 + (m.id * 97) % 20000
			FROM members m, rounds r WHERE r.id = ` + fmt.Sprint(f.Next.ID) + ` AND m.phone LIKE '09%' AND m.id % 6 <> 0`,
		`ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			b.Fatalf("seed: %v", err)
		}
	}
	clock := quiz.NewFakeClock(f.Next.ClosesAt.Add(24 * time.Hour))
	n := notify.NewNotifier(db, clock, testLog(), nil)
	var queued int
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		b.StopTimer()
		if _, err := db.ExecContext(ctx, `TRUNCATE notifications, notify_jobs`); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		var err error
		queued, err = n.Run(ctx, notify.Job{Kind: notify.KindSummary, Contest: f.Contest, Round: f.Next, Slot: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	var sizes []struct {
		Kind  string `db:"kind"`
		Rows  int    `db:"rows"`
		Bytes int64  `db:"bytes"`
		Max   int64  `db:"max"`
	}
	if err := db.SelectContext(ctx, &sizes, `SELECT kind, count(*) AS rows, sum(octet_length(payload::text)) AS bytes,
		max(octet_length(payload::text)) AS max FROM notifications GROUP BY kind ORDER BY kind`); err != nil {
		b.Fatal(err)
	}
	var table, docs int64
	if err := db.QueryRowContext(ctx, `SELECT pg_total_relation_size('notifications'), pg_total_relation_size('summary_documents')`).Scan(&table, &docs); err != nil {
		b.Fatal(err)
	}
	for _, s := range sizes {
		b.Logf("%s: %d rows, payload %.1f MB in all, %.2f MB the largest", s.Kind, s.Rows, float64(s.Bytes)/(1<<20), float64(s.Max)/(1<<20))
	}
	b.ReportMetric(float64(queued), "cards/op")
	b.ReportMetric(float64(table)/(1<<20), "table-MB")
	b.ReportMetric(float64(docs)/(1<<20), "documents-MB")
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "max-rss-MB")
	}
}
