package notify_test

import (
	"context"
	"maps"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/bot/telegram/telegramtest"
	"quizbot/notify"
	"quizbot/outbound"
	"quizbot/quiz"
)

// TestRemindRightRecipients: verified, active, reachable members who have
// not taken part and have no excuse get exactly one reminder with the start
// button; nobody else gets anything.
func TestRemindRightRecipients(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	ms := r.f.Members
	round := r.f.Round
	r.submit(ms["an"], round.ID, 3)                     // took part
	r.excuse(ms["binh"], round.ID, "Nghỉ phép")         // excused
	r.submit(ms["em"], r.f.Next.ID, 2)                  // took part in another round only: still chased
	if _, err := r.db.ExecContext(context.Background(), // blocked the bot earlier
		`UPDATE identities SET unreachable_at = now() WHERE member_id = $1`, ms["dung"].ID); err != nil {
		t.Fatal(err)
	}
	unverified := r.addMembers(1, "XA1")[0]
	if _, err := r.db.ExecContext(context.Background(), `DELETE FROM identities WHERE member_id = $1`, unverified.ID); err != nil {
		t.Fatal(err)
	}

	if n := r.enqueue(r.job(notify.KindRemind, "2026-12-02T08:00", round)); n != 2 {
		t.Fatalf("enqueued %d reminders, want 2 (chi, em)", n)
	}
	r.drain(r.sender(20, notify.SenderOptions{}), round.ID, notify.KindRemind)

	want := map[int64]int{r.chats[ms["chi"].ID]: 1, r.chats[ms["em"].ID]: 1}
	if got := r.delivered(); !maps.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
	msg, _ := r.fake.LastMessage(r.chats[ms["em"].ID])
	if !strings.Contains(msg.Text, "chưa tham gia Đợt 1") || !strings.Contains(msg.Text, "16:30 thứ Sáu, 04/12/2026") {
		t.Errorf("reminder text:\n%s", msg.Text)
	}
	if b, ok := msg.Button("▶️ Bắt đầu làm bài"); !ok || b.CallbackData != "s:"+itoa(round.ID) {
		t.Errorf("start button: %+v", msg.Buttons)
	}
	// The same slot again: nothing new.
	if n := r.enqueue(r.job(notify.KindRemind, "2026-12-02T08:00", round)); n != 0 {
		t.Fatalf("second run of the slot enqueued %d", n)
	}
}

// TestDeliverTwoProcessesOnePerPerson: two jobs and two senders (separate
// adapters and limiters, as two processes) at once still deliver one
// message per person.
func TestDeliverTwoProcessesOnePerPerson(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	r.addMembers(30, "SNV")
	job := r.job(notify.KindRemind, "2026-12-02T08:00", r.f.Round)
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i := range 2 {
		wg.Go(func() {
			n, err := r.notifier().Run(context.Background(), job)
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	if counts[0]+counts[1] != 35 {
		t.Fatalf("two concurrent runs enqueued %v, want 35 in all", counts)
	}
	a, b := r.sender(50, notify.SenderOptions{}), r.sender(50, notify.SenderOptions{})
	wg.Go(func() { r.drain(a, r.f.Round.ID, notify.KindRemind) })
	wg.Go(func() { r.drain(b, r.f.Round.ID, notify.KindRemind) })
	wg.Wait()
	r.deliveredOnceEach(35)
	if a.Stats().Sent == 0 || b.Stats().Sent == 0 {
		t.Logf("one sender did all the work: %+v / %+v", a.Stats(), b.Stats())
	}
}

// TestDeliverRateLimitPausesPlatform: a 429 with retry_after 1 pauses every
// send on the platform for a second, across both senders, and everyone
// still gets exactly one.
func TestDeliverRateLimitPausesPlatform(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	extra := r.addMembers(15, "SNV")
	victim := r.chats[extra[3].ID]
	r.fake.FailTooManyRequests("sendMessage", victim, 1, 1)
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	var wg sync.WaitGroup
	a, b := r.sender(20, notify.SenderOptions{}), r.sender(20, notify.SenderOptions{})
	wg.Go(func() { r.drain(a, r.f.Round.ID, notify.KindRemind) })
	wg.Go(func() { r.drain(b, r.f.Round.ID, notify.KindRemind) })
	wg.Wait()

	calls := r.fake.CallsTo("sendMessage")
	var limited telegramtest.Call
	for _, c := range calls {
		if c.Status == 429 {
			limited = c
		}
	}
	if limited.Seq == 0 {
		t.Fatal("the fake answered no 429")
	}
	for _, c := range calls {
		if c.Time.After(limited.Time) && c.Time.Sub(limited.Time) < time.Second {
			t.Errorf("call %d to chat %d came %v after the 429, within its retry_after of 1s", c.Seq, c.ChatID, c.Time.Sub(limited.Time))
		}
	}
	r.deliveredOnceEach(20)
	if n := len(r.fake.CallsToChat(victim)); n != 2 {
		t.Errorf("the rate-limited chat saw %d calls, want 2 (the 429, then the retry)", n)
	}
}

// TestDeliverForbiddenTriedOnce: a 403 is tried once, marks the account
// unreachable, and the next reminder leaves that member out.
func TestDeliverForbiddenTriedOnce(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	em := r.f.Members["em"]
	r.fake.Block(r.chats[em.ID])
	r.enqueue(r.job(notify.KindRemind, "s1", r.f.Round))
	s := r.sender(20, notify.SenderOptions{})
	r.drain(s, r.f.Round.ID, notify.KindRemind)
	if n := len(r.fake.CallsToChat(r.chats[em.ID])); n != 1 {
		t.Fatalf("blocked chat saw %d calls, want 1", n)
	}
	if st := r.statuses(r.f.Round.ID)["remind/"+itoa(em.ID)]; st != notify.StatusUnreachable {
		t.Fatalf("status %q, want unreachable", st)
	}
	id, err := r.db.IdentityOf(context.Background(), em.ID, quiz.PlatformTelegram)
	if err != nil || id.UnreachableAt == nil {
		t.Fatalf("identity not marked unreachable: %+v %v", id, err)
	}
	if n := r.enqueue(r.job(notify.KindRemind, "s2", r.f.Round)); n != 4 {
		t.Fatalf("next reminder enqueued %d, want 4 (everyone reachable but em)", n)
	}
}

// TestDeliverServerErrorsRetryThenFail: 5xx and dropped connections are
// retried with back-off; past MaxTries the notification fails with its
// reason.
func TestDeliverServerErrorsRetryThenFail(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	ms := r.f.Members
	r.fake.FailServerError("sendMessage", r.chats[ms["an"].ID], 502, 2)
	r.fake.FailNetwork("sendMessage", r.chats[ms["binh"].ID], 1)
	r.fake.FailServerError("sendMessage", r.chats[ms["chi"].ID], 500, 100)
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	s := r.sender(50, notify.SenderOptions{MaxTries: 4})
	r.drain(s, r.f.Round.ID, notify.KindRemind)

	st := r.statuses(r.f.Round.ID)
	for _, k := range []string{"an", "binh", "dung", "em"} {
		if st["remind/"+itoa(ms[k].ID)] != notify.StatusSent {
			t.Errorf("%s: %s, want sent", k, st["remind/"+itoa(ms[k].ID)])
		}
	}
	if n := len(r.fake.CallsToChat(r.chats[ms["an"].ID])); n != 3 {
		t.Errorf("an: %d calls, want 3", n)
	}
	if n := len(r.fake.CallsToChat(r.chats[ms["chi"].ID])); n != 4 {
		t.Errorf("chi: %d calls, want 4 (MaxTries)", n)
	}
	fails, err := r.db.NotificationFailures(context.Background(), r.f.Round.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(fails) != 1 || fails[0].MemberID.Int64 != ms["chi"].ID || fails[0].Status != notify.StatusFailed ||
		!strings.Contains(fails[0].LastError, "Internal Server Error") {
		t.Fatalf("failures: %+v", fails)
	}
}

// TestDeliverRestartResumesWithoutDuplicates: a sender stopped
// mid-broadcast, and one that crashed holding claims, are followed by a
// new sender that finishes the broadcast with one message per person.
func TestDeliverRestartResumesWithoutDuplicates(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	r.addMembers(35, "SNV")
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	ctx := context.Background()

	// A "crashed" process: it claimed three rows and never recorded them.
	for range 3 {
		if _, ok, err := r.db.ClaimNotification(ctx, quiz.PlatformTelegram, 300*time.Millisecond, r.clock.Now()); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
	}
	// A process stopped gracefully after ten sends.
	stop := r.run(r.sender(25, notify.SenderOptions{}))
	r.fake.WaitCalls(t, "sendMessage", 10)
	stop()
	first := len(r.fake.CallsTo("sendMessage"))
	if first >= 37 {
		t.Fatalf("the first sender sent everything (%d) before it was stopped", first)
	}
	pending, err := r.db.PendingNotifications(ctx, r.f.Round.ID, []string{notify.KindRemind})
	if err != nil || pending == 0 {
		t.Fatalf("pending after stop: %d %v", pending, err)
	}
	// The restart: a new sender with its own lease view picks up the rest,
	// including the crashed claims once their lease has run out.
	r.drain(r.sender(25, notify.SenderOptions{Lease: time.Second}), r.f.Round.ID, notify.KindRemind)
	r.deliveredOnceEach(40)
}

// TestDeliverRateWindow: in any one-second window the fake sees at most
// NOTIFY_RATE sends, with two senders sharing the limit.
func TestDeliverRateWindow(t *testing.T) {
	const rate = 10
	r := newRig(t)
	r.linkAll()
	r.addMembers(30, "XA1")
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	var wg sync.WaitGroup
	a, b := r.sender(rate, notify.SenderOptions{}), r.sender(rate, notify.SenderOptions{})
	wg.Go(func() { r.drain(a, r.f.Round.ID, notify.KindRemind) })
	wg.Go(func() { r.drain(b, r.f.Round.ID, notify.KindRemind) })
	wg.Wait()
	calls := r.fake.CallsTo("sendMessage")
	if len(calls) != 35 {
		t.Fatalf("%d sends, want 35", len(calls))
	}
	if n := telegramtest.MaxInWindow(calls, time.Second); n > rate {
		t.Fatalf("%d sends within one second, limit %d", n, rate)
	}
	span := calls[len(calls)-1].Time.Sub(calls[0].Time)
	if span < 3*time.Second {
		t.Fatalf("35 sends at %d/s took %v", rate, span)
	}
}

// TestDeliverCancelsStale: a reminder whose member took part (or was
// excused) after it was queued is cancelled, not sent.
func TestDeliverCancelsStale(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	ms := r.f.Members
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	r.submit(ms["an"], r.f.Round.ID, 2)
	r.excuse(ms["binh"], r.f.Round.ID, "Ốm đau")
	r.drain(r.sender(50, notify.SenderOptions{}), r.f.Round.ID, notify.KindRemind)
	st := r.statuses(r.f.Round.ID)
	if st["remind/"+itoa(ms["an"].ID)] != notify.StatusCancelled || st["remind/"+itoa(ms["binh"].ID)] != notify.StatusCancelled {
		t.Fatalf("statuses: %v", st)
	}
	got := r.delivered()
	if _, ok := got[r.chats[ms["an"].ID]]; ok {
		t.Fatal("a member who took part was reminded")
	}
	if len(got) != 3 {
		t.Fatalf("delivered %v", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestDeliverBadRequestNotRetried: a message the platform refuses (400) is
// tried once and recorded as failed with the reason; the others still go.
func TestDeliverBadRequestNotRetried(t *testing.T) {
	r := newRig(t)
	r.linkAll()
	ms := r.f.Members
	r.fake.Fail("sendMessage", r.chats[ms["an"].ID], 100, telegramtest.BadRequest("Bad Request: can't parse entities"))
	r.enqueue(r.job(notify.KindRemind, "s", r.f.Round))
	s := r.sender(50, notify.SenderOptions{MaxTries: 4})
	r.drain(s, r.f.Round.ID, notify.KindRemind)
	if n := len(r.fake.CallsToChat(r.chats[ms["an"].ID])); n != 1 {
		t.Fatalf("an: %d calls, want 1 (a 400 is not retried)", n)
	}
	st := r.statuses(r.f.Round.ID)
	if st["remind/"+itoa(ms["an"].ID)] != notify.StatusFailed || st["remind/"+itoa(ms["binh"].ID)] != notify.StatusSent {
		t.Fatalf("statuses: %v", st)
	}
	fails, err := r.db.NotificationFailures(context.Background(), r.f.Round.ID, 10)
	if err != nil || len(fails) != 1 || !strings.Contains(fails[0].LastError, "can't parse entities") {
		t.Fatalf("failures: %+v %v", fails, err)
	}
}

// limited is a messenger with a shorter text limit than Telegram's, as
// Zalo's 2,000 characters are.
type limited struct {
	notify.Messenger
	max int
}

func (l limited) TextLimit() int { return l.max }

// TestNoticeFitsTheMessengersLimit: a notice longer than its platform
// takes arrives in parts within the limit, the words all there and in
// order, the start button under the last part, and the notification is
// recorded as sent with every part counted.
func TestNoticeFitsTheMessengersLimit(t *testing.T) {
	r := newRig(t)
	em := r.f.Members["em"]
	chatID := r.link(em)
	round := r.f.Round
	if n := r.enqueue(r.job(notify.KindRemind, "2026-12-02T08:00", round)); n != 1 {
		t.Fatalf("enqueued %d reminders, want 1", n)
	}
	const max = 120
	s := notify.NewSender(r.db, notify.NewLimiter(r.rdb, 50),
		map[quiz.Platform]notify.Messenger{quiz.PlatformTelegram: limited{r.telegram(), max}},
		chat.NoticeButtons{}, r.clock, r.log, notify.SenderOptions{Poll: 100 * time.Millisecond})
	r.drain(s, round.ID, notify.KindRemind)

	parts := r.fake.Sent(chatID)
	if len(parts) < 2 {
		t.Fatalf("%d messages, want the reminder in parts: %+v", len(parts), parts)
	}
	var words []string
	for i, p := range parts {
		if n := outbound.TextLen(p.Text); n > max {
			t.Errorf("part %d has %d characters, over %d:\n%s", i+1, n, max, p.Text)
		}
		if _, ok := p.Button("▶️ Bắt đầu làm bài"); ok != (i == len(parts)-1) {
			t.Errorf("part %d of %d: start button %v", i+1, len(parts), ok)
		}
		words = append(words, strings.Fields(p.Text)...)
	}
	all := strings.Join(words, " ")
	for _, want := range []string{"⏰ Nhắc nhở: anh/chị chưa tham gia Đợt 1", "Hạn chót: 16:30 thứ Sáu, 04/12/2026.",
		"đồng hồ bắt đầu tính khi anh/chị bấm nút \"Bắt đầu làm bài\" bên dưới."} {
		if !strings.Contains(all, want) {
			t.Errorf("the parts lost %q:\n%s", want, all)
		}
	}
	var row struct {
		Status string `db:"status"`
		Parts  int    `db:"parts_sent"`
	}
	if err := r.db.GetContext(context.Background(), &row, `SELECT status, parts_sent FROM notifications WHERE member_id = $1`, em.ID); err != nil {
		t.Fatal(err)
	}
	if row.Status != notify.StatusSent || row.Parts != len(parts) {
		t.Errorf("recorded %s with %d parts, want sent with %d", row.Status, row.Parts, len(parts))
	}
}
