package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/bot/telegram/telegramtest"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// An update's claim is a short lease: when the process holding it dies
// (SIGKILL: it neither renews nor ends the claim), a re-delivery is
// processed once the lease has run out, seconds later; while the process
// lives, it renews the claim and re-deliveries wait.
func TestTelegramClaimOfADeadProcessLapses(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q := r.last(an)
	tap := r.fake.Tap(t, an, q, rightLabel(t, q))

	// A process claimed the tap and was killed.
	dead := chat.NewClaim(fmt.Sprintf("tg:%d", tap.ID))
	if _, err := storage.NewSessions(r.rdb).ClaimDelivery(context.Background(), dead, chat.ClaimRequest{Lease: chat.ClaimLease,
		Now: r.clock.Now(), Platform: quiz.PlatformTelegram, UserID: fmt.Sprint(an.ID)}); err != nil {
		t.Fatal(err)
	}
	if resp := r.fake.Post(t, r.hook(), testSecret, tap); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("re-delivery under a live claim: %d", resp.StatusCode)
	}
	r.clock.Advance(16 * time.Second)
	r.send(tap)
	if m := r.last(an); !strings.HasPrefix(m.Text, "Câu 2/3") {
		t.Fatalf("after the lease ran out the member sees %q", m.Text)
	}
}

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
