package storage_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// TestTouchInbound: the first event of each 10-minute slot records its
// time; the others of the slot write nothing; an event of an account not
// linked changes nothing; the time never goes back; a link records its own
// time.
func TestTouchInbound(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	in := storage.NewInbound(db, storagetest.NewRedis(t))
	ctx := context.Background()
	if err := db.LinkIdentity(ctx, quiz.Identity{MemberID: f.Members["an"].ID, Platform: quiz.PlatformZalo, ExternalID: "u1", ChatID: "u1"}); err != nil {
		t.Fatal(err)
	}
	last := func() time.Time {
		t.Helper()
		id, err := db.IdentityOf(ctx, f.Members["an"].ID, quiz.PlatformZalo)
		if err != nil {
			t.Fatal(err)
		}
		var at time.Time
		if err := db.GetContext(ctx, &at, `SELECT last_inbound_at FROM identities WHERE id = $1`, id.ID); err != nil {
			t.Fatal(err)
		}
		return at
	}
	if time.Since(last()) > time.Minute {
		t.Fatalf("a new link's inbound time is %s, want its link time", last())
	}
	slot := f.Now.Truncate(storage.InboundEvery)
	touch := func(at time.Time) {
		t.Helper()
		if err := in.TouchInbound(ctx, quiz.PlatformZalo, "u1", at); err != nil {
			t.Fatal(err)
		}
	}
	// The link was made now (the database's clock), after f.Now: the
	// fixture's times are older, so reset it to see each write.
	if _, err := db.ExecContext(ctx, `UPDATE identities SET last_inbound_at = NULL`); err != nil {
		t.Fatal(err)
	}
	touch(slot.Add(time.Minute))
	if got := last(); !got.Equal(slot.Add(time.Minute)) {
		t.Fatalf("first event: %s", got)
	}
	touch(slot.Add(9 * time.Minute))
	if got := last(); !got.Equal(slot.Add(time.Minute)) {
		t.Fatalf("an event in the same slot wrote %s", got)
	}
	touch(slot.Add(10 * time.Minute))
	if got := last(); !got.Equal(slot.Add(10 * time.Minute)) {
		t.Fatalf("the next slot's first event: %s", got)
	}
	touch(slot.Add(-time.Hour)) // a late event of an older slot
	if got := last(); !got.Equal(slot.Add(10 * time.Minute)) {
		t.Fatalf("the time went back to %s", got)
	}
	if err := in.TouchInbound(ctx, quiz.PlatformZalo, "nobody", slot); err != nil {
		t.Fatalf("an account not linked: %v", err)
	}
}

// BenchmarkTouchInboundThrottled is an event inside an account's slot: one
// Redis SET NX, nothing in PostgreSQL.
func BenchmarkTouchInboundThrottled(b *testing.B) {
	db := storagetest.NewDB(b)
	f := storagetest.Seed(b, db, storagetest.SeedOptions{})
	in := storage.NewInbound(db, storagetest.NewRedis(b))
	ctx := context.Background()
	if err := db.LinkIdentity(ctx, quiz.Identity{MemberID: f.Members["an"].ID, Platform: quiz.PlatformZalo, ExternalID: "u1", ChatID: "u1"}); err != nil {
		b.Fatal(err)
	}
	at := f.Now
	in.TouchInbound(ctx, quiz.PlatformZalo, "u1", at)
	b.ResetTimer()
	for b.Loop() {
		if err := in.TouchInbound(ctx, quiz.PlatformZalo, "u1", at); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTouchInboundGuardedUpdate is the alternative: an UPDATE … WHERE
// last_inbound_at < at - 10 minutes that finds the row and writes nothing.
func BenchmarkTouchInboundGuardedUpdate(b *testing.B) {
	db := storagetest.NewDB(b)
	f := storagetest.Seed(b, db, storagetest.SeedOptions{})
	ctx := context.Background()
	for i := range 1000 { // an index to look through, as in a province
		m := f.Members["an"]
		if i > 0 {
			if err := db.GetContext(ctx, &m.ID, `INSERT INTO members (full_name, phone, unit_id) VALUES ('x', $1, $2) RETURNING id`,
				"09"+strconv.Itoa(10000000+i), m.UnitID); err != nil {
				b.Fatal(err)
			}
		}
		uid := "u" + strconv.Itoa(i)
		if err := db.LinkIdentity(ctx, quiz.Identity{MemberID: m.ID, Platform: quiz.PlatformZalo, ExternalID: uid, ChatID: uid}); err != nil {
			b.Fatal(err)
		}
	}
	at := time.Now()
	b.ResetTimer()
	for b.Loop() {
		if _, err := db.ExecContext(ctx, `UPDATE identities SET last_inbound_at = $3
			WHERE platform = $1 AND external_id = $2 AND (last_inbound_at IS NULL OR last_inbound_at < $3::timestamptz - interval '10 minutes')`,
			quiz.PlatformZalo, "u1", at); err != nil {
			b.Fatal(err)
		}
	}
}
