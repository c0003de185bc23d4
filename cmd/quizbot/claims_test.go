package main

import (
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/storage/storagetest"
)

// The pipeline's leases are tested in bot/chat (receive_test.go: a dead
// process's claim lapses, a live one is renewed). What only serve shows:
// it wires the renewer (KeepClaims on its ticks), the webhook answers a
// re-delivery under a live claim 503 (Telegram delivers it again later),
// and a done update is not run again.
func TestTelegramLiveClaimIsRenewed(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	ticks := make(chan time.Time)
	r.leaseTicks = func() (<-chan time.Time, func()) { return ticks, func() {} }
	r.start()
	an := user(1001, "An")
	r.verify(an, "0912000001")

	// /thi is slow: its message waits until released.
	arrived, release := make(chan struct{}), make(chan struct{})
	var freed sync.Once
	free := func() { freed.Do(func() { close(release) }) }
	t.Cleanup(free) // before the server's close, which waits for the update
	var held atomic.Bool
	r.fake.OnCall(func(c telegramtest.Call) *telegramtest.Reply {
		if c.Method == "sendMessage" && c.ChatID == an.ID && held.CompareAndSwap(false, true) {
			close(arrived)
			<-release
		}
		return nil
	})
	thi := r.fake.Command(an, "thi")
	done := make(chan int)
	go func() { done <- r.fake.Post(t, r.hook(), testSecret, thi).StatusCode }()
	<-arrived

	r.clock.Advance(10 * time.Second)
	// The renewer takes one tick at a time: once it takes the second, it
	// has finished renewing on the first.
	ticks <- r.clock.Now()
	ticks <- r.clock.Now()
	r.clock.Advance(10 * time.Second) // past the first lease
	if resp := r.fake.Post(t, r.hook(), testSecret, thi); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("re-delivery while the update runs: %d", resp.StatusCode)
	}
	r.fake.OnCall(nil)
	free()
	if code := <-done; code != http.StatusOK {
		t.Fatalf("the slow update: %d", code)
	}
	sends := len(r.fake.CallsTo("sendMessage"))
	r.send(thi)
	if n := len(r.fake.CallsTo("sendMessage")); n != sends {
		t.Fatalf("a done update ran again: %d messages", n-sends)
	}
}
