package storage_test

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func notifySeed(t *testing.T) (*storage.DB, storagetest.Fixture) {
	t.Helper()
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	for _, m := range f.Members {
		if m.Active {
			id := strconv.FormatInt(900+m.ID, 10)
			if err := db.LinkIdentity(context.Background(), quiz.Identity{MemberID: m.ID, Platform: quiz.PlatformTelegram, ExternalID: id, ChatID: id}); err != nil {
				t.Fatal(err)
			}
		}
	}
	return db, f
}

func broadcast(t *testing.T, db *storage.DB, f storagetest.Fixture, slot string) int {
	t.Helper()
	n, err := db.EnqueueBroadcast(context.Background(), notify.Broadcast{Kind: "remind", RoundID: f.Round.ID, Slot: slot,
		Audience: notify.AudienceReminder, Platforms: []quiz.Platform{quiz.PlatformTelegram}, BatchSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestNotifyQueueClaimsAreDisjoint: concurrent claimers never get the same
// row, and small batches of member ids cover everyone once.
func TestNotifyQueueClaimsAreDisjoint(t *testing.T) {
	db, f := notifySeed(t)
	if n := broadcast(t, db, f, "a"); n != 5 {
		t.Fatalf("enqueued %d, want the 5 active members", n)
	}
	if n := broadcast(t, db, f, "a"); n != 0 {
		t.Fatalf("the same slot again enqueued %d", n)
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				c, ok, err := db.ClaimNotification(context.Background(), quiz.PlatformTelegram, time.Minute, f.Now)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok {
					return
				}
				mu.Lock()
				seen[c.ID]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seen) != 5 {
		t.Fatalf("claimed %d rows, want 5", len(seen))
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("row %d claimed %d times", id, n)
		}
	}
}

// TestNotifyQueueLeaseAndStaleOutcome: a claim whose lease ran out goes
// back to the queue, and its first holder can no longer record an outcome
// over the new claim.
func TestNotifyQueueLeaseAndStaleOutcome(t *testing.T) {
	db, f := notifySeed(t)
	ctx := context.Background()
	broadcast(t, db, f, "a")
	first, ok, err := db.ClaimNotification(ctx, quiz.PlatformTelegram, time.Minute, f.Now)
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	if first.Tries != 1 || first.Linked == nil || !*first.Linked || first.Stale {
		t.Fatalf("claim: %+v", first)
	}
	// The lease runs out: move its end into the past rather than wait.
	if _, err := db.ExecContext(ctx, `UPDATE notifications SET next_attempt_at = now() - interval '1 second' WHERE id = $1`, first.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := db.ReleaseExpiredLeases(ctx); err != nil || n != 1 {
		t.Fatalf("released %d, %v", n, err)
	}
	var second notify.Claimed
	for {
		c, ok, err := db.ClaimNotification(ctx, quiz.PlatformTelegram, time.Minute, f.Now)
		if err != nil || !ok {
			t.Fatal("the released row was not claimable again", ok, err)
		}
		if c.ID == first.ID {
			second = c
			break
		}
	}
	if ok, err := db.MarkSent(ctx, first, 1); err != nil || ok {
		t.Fatalf("the stale claim recorded an outcome: %v %v", ok, err)
	}
	// A 429 gives its try back; a 5xx keeps it.
	if ok, err := db.Requeue(ctx, second, 0, 0, "429", false); err != nil || !ok {
		t.Fatal(ok, err)
	}
	ns, err := db.NotificationsOf(ctx, f.Round.ID, second.MemberID.Int64)
	if err != nil || len(ns) != 1 || ns[0].Tries != 1 || ns[0].Status != notify.StatusQueued || ns[0].LastError != "429" {
		t.Fatalf("after 429: %+v %v", ns, err)
	}
}

// TestNotifyQueueUnreachableAndStale: a 403 marks the account unreachable
// (the next broadcast leaves it out); a reminder whose member took part
// meanwhile is claimed as stale.
func TestNotifyQueueUnreachableAndStale(t *testing.T) {
	db, f := notifySeed(t)
	ctx := context.Background()
	broadcast(t, db, f, "a")
	c, _, err := db.ClaimNotification(ctx, quiz.PlatformTelegram, time.Minute, f.Now)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := db.MarkUnreachable(ctx, c, 0, "Forbidden: bot was blocked by the user"); err != nil || !ok {
		t.Fatal(ok, err)
	}
	id, err := db.IdentityOf(ctx, c.MemberID.Int64, quiz.PlatformTelegram)
	if err != nil || id.UnreachableAt == nil {
		t.Fatalf("identity: %+v %v", id, err)
	}
	if ids, err := db.UnreachableMembers(ctx); err != nil || len(ids) != 1 || ids[0] != c.MemberID.Int64 {
		t.Fatalf("unreachable members: %v %v", ids, err)
	}
	if n := broadcast(t, db, f, "b"); n != 4 {
		t.Fatalf("next broadcast: %d, want 4", n)
	}

	// Round closed (by the application's clock): every claim is stale.
	late := f.Round.ClosesAt.Add(time.Minute)
	c2, ok, err := db.ClaimNotification(ctx, quiz.PlatformTelegram, time.Minute, late)
	if err != nil || !ok || !c2.Stale {
		t.Fatalf("claim after the round closed: %+v %v %v", c2, ok, err)
	}
}
