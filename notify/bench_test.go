package notify_test

import (
	"context"
	"fmt"
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
