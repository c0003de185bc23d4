package notify_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"quizbot/notify"
	"quizbot/quiz"
)

// startAttempt records an attempt of m in the round that is in progress:
// started, not submitted, its deadline ahead.
func (r *rig) startAttempt(m quiz.Member, roundID int64) {
	r.t.Helper()
	now := r.clock.Now()
	if _, err := r.db.ExecContext(context.Background(), `INSERT INTO attempts
		(round_id, member_id, seq, platform, started_at, deadline, total) VALUES ($1, $2, 1, 'telegram', $3, $4, 3)`,
		roundID, m.ID, now, now.Add(10*time.Minute)); err != nil {
		r.t.Fatalf("start attempt: %v", err)
	}
}

// Issue 9, item 16: a member in the middle of an attempt is not reminded:
// not queued when the attempt started before the job, and cancelled at
// send time when it started after.
func TestRemindSkipsAnAttemptInProgress(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	r.linkAll()
	ms := r.f.Members
	round := r.f.Round
	r.startAttempt(ms["binh"], round.ID)
	if n := r.enqueue(r.job(notify.KindRemind, "2026-12-02T08:00", round)); n != 4 {
		t.Fatalf("enqueued %d reminders, want 4 (an, chi, dung, em; not Bình, in an attempt)", n)
	}
	r.startAttempt(ms["an"], round.ID) // after the job, before the send
	if n := r.enqueue(r.job(notify.KindLastCall, notify.LastCallSlot, round)); n != 3 {
		t.Fatalf("enqueued %d last calls, want 3", n)
	}
	r.drain(r.sender(50, notify.SenderOptions{}), round.ID, notify.KindRemind, notify.KindLastCall)

	st := r.statuses(round.ID)
	if got := st["remind/"+itoa(ms["an"].ID)]; got != notify.StatusCancelled {
		t.Fatalf("An's reminder is %q, want cancelled: he started an attempt before it went out", got)
	}
	for _, k := range []string{"remind/" + itoa(ms["binh"].ID), "lastcall/" + itoa(ms["binh"].ID), "lastcall/" + itoa(ms["an"].ID)} {
		if s, ok := st[k]; ok {
			t.Fatalf("%s queued (%s) for a member in an attempt", k, s)
		}
	}
	// chi, dung and em got their reminder and last call; An and Bình nothing.
	want := map[int64]int{r.chats[ms["chi"].ID]: 2, r.chats[ms["dung"].ID]: 2, r.chats[ms["em"].ID]: 2}
	if got := r.delivered(); !maps.Equal(got, want) {
		t.Fatalf("delivered %v, want %v", got, want)
	}
}
