package storage_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// BenchmarkDeliveryMemory measures what de-duplicating 1,000,000 events
// leaves in Redis (INFO memory used_memory, after minus before): each is
// claimed and ended done through storage.Sessions as Receive does, by 64
// concurrent callers sharing the autopipeliner, under Telegram's keys
// (increasing update_ids) and Zalo's (msg_ids, 32 hex digits). Run it alone
// on its Redis, one op each (an op is the million events):
//
//	PG_PORT=55505 REDIS_PORT=56505 scripts/test.sh -run '^$' -bench DeliveryMemory -benchtime 1x ./storage/
func BenchmarkDeliveryMemory(b *testing.B) {
	const events = 1_000_000
	for _, c := range []struct {
		name string
		key  func(i int) string
		keep time.Duration
	}{
		{"telegram", func(i int) string { return "tg:" + strconv.Itoa(815_000_000+i) }, chat.DeliveryKeep},
		{"zalo", func(i int) string { return fmt.Sprintf("zalo:msg:%016x%016x", uint64(i)*0x9e3779b97f4a7c15, i) }, chat.DeliveryKeep},
	} {
		b.Run(c.name, func(b *testing.B) {
			rdb := storagetest.NewRedis(b)
			ss := storage.NewSessions(rdb)
			ctx := context.Background()
			var used, keys int64
			for b.Loop() {
				b.StopTimer()
				if err := rdb.FlushDB(ctx).Err(); err != nil {
					b.Fatal(err)
				}
				before := usedMemory(b, rdb)
				b.StartTimer()
				deliverAll(b, ss, events, c.key, c.keep)
				b.StopTimer()
				used = usedMemory(b, rdb) - before
				keys = rdb.DBSize(ctx).Val()
				b.StartTimer()
			}
			b.ReportMetric(float64(used)/(1<<20), "redis-MB")
			b.ReportMetric(float64(used)/events, "B/event")
			b.ReportMetric(float64(keys), "keys")
		})
	}
}

// deliverAll claims and ends n events done, 64 at a time.
func deliverAll(b *testing.B, ss *storage.Sessions, n int, key func(int) string, keep time.Duration) {
	ctx := context.Background()
	now := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				c := chat.NewClaim(key(i))
				got, err := ss.ClaimDelivery(ctx, c, chat.ClaimRequest{Lease: chat.ClaimLease, Now: now,
					Platform: quiz.PlatformTelegram, UserID: strconv.Itoa(i % 1000)})
				if err == nil && got.Prior != chat.PriorNone {
					err = fmt.Errorf("event %d: %v", i, got.Prior)
				}
				if err == nil {
					err = ss.EndDelivery(ctx, c, chat.Ending{Done: true, Keep: keep})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
}

// usedMemory is Redis's used_memory.
func usedMemory(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	info, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		b.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				b.Fatal(err)
			}
			return n
		}
	}
	b.Fatal("no used_memory in INFO memory")
	return 0
}
