package notify_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"quizbot/bot/chat"
	"quizbot/notify"
	"quizbot/quiz"
)

// scheduleRig gives the fixture's contest reminders at 08:00 and 14:00 on
// weekdays and a summary at 07:00 on Mondays. Round 1 runs from Monday
// 30/11 07:30 to Friday 04/12 16:30, round 2 a week later (Asia/Ho_Chi_Minh).
func scheduleRig(t *testing.T) (*rig, *notify.Scheduler) {
	r := newRig(t)
	r.linkAll()
	if _, err := r.db.ExecContext(context.Background(), `UPDATE contests SET reminders = $1, summary = '0 7 * * 1'`,
		pq.StringArray{"0 8 * * 1-5", "0 14 * * 1-5"}); err != nil {
		t.Fatal(err)
	}
	c, err := r.db.ContestByCode(context.Background(), "cchc")
	if err != nil {
		t.Fatal(err)
	}
	r.f.Contest = c
	return r, r.scheduler()
}

func (r *rig) scheduler() *notify.Scheduler {
	return notify.NewScheduler(r.db, r.rdb, r.notifier(), r.clock, r.log, notify.SchedulerOptions{})
}

var hcm, _ = time.LoadLocation(quiz.DefaultTimezone)

func local(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, hcm)
}

// due returns the jobs due now as "kind round slot".
func due(t *testing.T, r *rig, s *notify.Scheduler) ([]string, time.Time) {
	t.Helper()
	jobs, next, err := s.Due(context.Background(), r.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, j := range jobs {
		out = append(out, j.Kind+" "+itoa(int64(j.Round.Number))+" "+j.Slot)
	}
	return out, next
}

func runDue(t *testing.T, s *notify.Scheduler) {
	t.Helper()
	if _, err := s.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func (r *rig) countKind(kind string) int {
	r.t.Helper()
	var n int
	if err := r.db.GetContext(context.Background(), &n, `SELECT count(*) FROM notifications WHERE kind = $1`, kind); err != nil {
		r.t.Fatal(err)
	}
	return n
}

// TestNotifyScheduleSlotsOnce walks a round's week: each slot is due once,
// in the contest's time zone, and two replicas running it at once queue
// one notification per person.
func TestNotifyScheduleSlotsOnce(t *testing.T) {
	r, s := scheduleRig(t)
	other := r.scheduler() // a second replica

	steps := []struct {
		at   time.Time
		want string
	}{
		{local(2026, 11, 30, 7, 30), "open 1 open"},
		// 01:00 UTC is 08:00 in Hồ Chí Minh City.
		{time.Date(2026, 11, 30, 1, 0, 0, 0, time.UTC), "remind 1 2026-11-30T08:00"},
		{local(2026, 11, 30, 8, 30), ""},
		{local(2026, 11, 30, 14, 0), "remind 1 2026-11-30T14:00"},
		{local(2026, 12, 4, 13, 30), "lastcall 1 last"},
		{local(2026, 12, 4, 14, 0), ""}, // the last call supersedes the 14:00 reminder
		{local(2026, 12, 5, 8, 0), ""},  // closed; no reminder on Saturday anyway
		{local(2026, 12, 7, 7, 0), "summary 1 2026-12-07"},
	}
	for _, st := range steps {
		r.clock.Set(st.at)
		got, _ := due(t, r, s)
		want := []string{}
		if st.want != "" {
			want = []string{st.want}
		}
		if len(got) != len(want) || (len(got) == 1 && got[0] != want[0]) {
			t.Fatalf("at %s: due %q, want %q", st.at.In(hcm).Format(time.DateTime), got, want)
		}
		var wg sync.WaitGroup
		wg.Go(func() { runDue(t, s) })
		wg.Go(func() { runDue(t, other) })
		wg.Wait()
		if again, _ := due(t, r, s); len(again) != 0 {
			t.Fatalf("at %s: still due after running: %q", st.at.In(hcm).Format(time.DateTime), again)
		}
	}
	for kind, want := range map[string]int{notify.KindOpen: 5, notify.KindRemind: 10, notify.KindLastCall: 5} {
		if n := r.countKind(kind); n != want {
			t.Errorf("%s: %d notifications, want %d", kind, n, want)
		}
	}
	if n := r.countKind(notify.KindSummary) + r.countKind(notify.KindSummaryOrg); n != 2 {
		t.Errorf("summaries: %d, want 2 (head and organizer)", n)
	}

	r.clock.Set(local(2026, 11, 30, 8, 30))
	if _, next := due(t, r, s); !next.Equal(local(2026, 11, 30, 14, 0)) {
		t.Errorf("next slot after 08:30 Monday: %s, want 14:00", next.In(hcm))
	}
}

// TestNotifyCatchUpAtStart: a service that was down runs, at start, only
// the latest missed slot of a round still open, and a summary still recent.
func TestNotifyCatchUpAtStart(t *testing.T) {
	r, s := scheduleRig(t)

	// Down since before the round opened; back on Wednesday at 15:00: one
	// reminder (14:00), no opening message, no older reminders.
	r.clock.Set(local(2026, 12, 2, 15, 0))
	if got, _ := due(t, r, s); len(got) != 1 || got[0] != "remind 1 2026-12-02T14:00" {
		t.Fatalf("catch-up: %q", got)
	}
	runDue(t, s)
	if n, o := r.countKind(notify.KindRemind), r.countKind(notify.KindOpen); n != 5 || o != 0 {
		t.Fatalf("reminders %d, openings %d", n, o)
	}

	// Down over the Monday summary, back on Tuesday 10:00: the summary of
	// round 1 and round 2's latest reminder.
	r.clock.Set(local(2026, 12, 8, 10, 0))
	got, _ := due(t, r, s)
	if len(got) != 2 || got[0] != "remind 2 2026-12-08T08:00" || got[1] != "summary 1 2026-12-07" {
		t.Fatalf("catch-up: %q", got)
	}

	// A summary long past is not sent any more.
	r.clock.Set(local(2026, 12, 25, 10, 0))
	if got, _ := due(t, r, s); len(got) != 0 {
		t.Fatalf("stale summary still due: %q", got)
	}
}

// TestNotifyServiceEndToEnd: the service serve runs, started at the round's
// opening, queues the opening message and delivers it once to everyone
// through the Telegram adapter; a restart sends nothing again.
func TestNotifyServiceEndToEnd(t *testing.T) {
	r, _ := scheduleRig(t)
	r.clock.Set(local(2026, 11, 30, 7, 31))
	start := func() (stop func()) {
		svc := notify.NewService(r.db, r.rdb, map[quiz.Platform]notify.Messenger{quiz.PlatformTelegram: r.telegram()},
			chat.NoticeButtons{}, notify.NewLimiter(r.rdb, 25), r.clock, r.log)
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { svc.Run(ctx) })
		return func() { cancel(); wg.Wait() }
	}
	stop := start()
	r.fake.WaitCalls(t, "sendMessage", 5)
	stop()
	stop = start()
	r.drain(r.sender(25, notify.SenderOptions{}), r.f.Round.ID, notify.KindOpen)
	stop()
	for chatID := range r.deliveredOnceEach(5) {
		if msg, _ := r.fake.LastMessage(chatID); !strings.Contains(msg.Text, "Đợt 1 cuộc thi") || !strings.Contains(msg.Text, "đã mở") {
			t.Errorf("opening text: %q", msg.Text)
		}
	}
}
