package storage_test

import (
	"context"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// An account's events are counted per window, by ClaimDelivery in the
// event's own round trip or by CountEvent, in the same counter; an event
// delivered again is not counted twice, and a new window starts from zero.
func TestRateWindowCounts(t *testing.T) {
	t.Parallel()
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	start := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	w := chat.RateWindow{Start: start, Length: 10 * time.Second}
	claims := map[string]chat.Claim{}
	begin := func(key, user string) (chat.Prior, int64) {
		t.Helper()
		c := chat.NewClaim(key)
		if _, ok := claims[key]; !ok {
			claims[key] = c
		}
		got := claimFor(t, ss, c, start, user, w)
		return got.Prior, got.Count
	}
	for i, want := range []int64{1, 2, 3} {
		if _, n := begin("u:"+string(rune('a'+i)), "7"); n != want {
			t.Fatalf("update %d counted %d, want %d", i+1, n, want)
		}
	}
	// The same update again, in progress, then after a failure: not counted.
	if prev, n := begin("u:a", "7"); prev != chat.PriorLive || n != 0 {
		t.Fatalf("duplicate: %v %d", prev, n)
	}
	if err := ss.EndDelivery(ctx, claims["u:a"], chat.Ending{Keep: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if prev, n := begin("u:a", "7"); prev != chat.PriorFailed || n != 0 {
		t.Fatalf("re-delivery: %v %d", prev, n)
	}
	// Another account has its own count; CountEvent shares the counter.
	if _, n := begin("u:x", "8"); n != 1 {
		t.Fatalf("another account: %d", n)
	}
	if n, err := ss.CountEvent(ctx, quiz.PlatformTelegram, "7", w.Start, w.Length); err != nil || n != 4 {
		t.Fatalf("CountEvent: %d %v", n, err)
	}
	// Without a window nothing is counted; the next window starts afresh.
	if got := claimFor(t, ss, chat.NewClaim("u:e"), start, "7"); got.Count != 0 {
		t.Fatalf("no window: %d", got.Count)
	}
	w.Start = w.Start.Add(w.Length)
	if _, n := begin("u:f", "7"); n != 1 {
		t.Fatalf("next window: %d", n)
	}
	// The counters expire on their own, shortly after their window.
	keys := rdb.Keys(ctx, "qb:rate:*").Val()
	for _, k := range keys {
		if ttl := rdb.PTTL(ctx, k).Val(); ttl <= 0 || ttl > 11*time.Second {
			t.Fatalf("%s expires in %v", k, ttl)
		}
	}
	if len(keys) != 3 {
		t.Fatalf("counters %v", keys)
	}
}
