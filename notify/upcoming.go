package notify

import (
	"slices"
	"time"

	"quizbot/quiz"
)

// Upcoming is a scheduled job still to come: what the console's Thông báo
// shows as the schedule.
type Upcoming struct {
	Kind    string // KindOpen, KindRemind, KindLastCall or KindSummary
	Contest quiz.Contest
	Round   quiz.Round
	At      time.Time
}

// Upcoming lists the jobs the scheduler will run after now for contest c,
// soonest first, at most limit: the rounds' openings, the reminders of
// schedule.reminders between a round's opening and its last call, the last
// calls, and each round's summary at the first summary slot after it
// closes (unless a later round closes before that slot: the summary is of
// the round closed last). The slots are computed as Due computes them, in
// the contest's time zone.
func (s *Scheduler) Upcoming(c quiz.Contest, now time.Time, limit int) []Upcoming {
	loc := c.Location()
	reminders := parseAll(c.Reminders, s.log, c.Code)
	var out []Upcoming
	add := func(kind string, r quiz.Round, at time.Time) {
		if at.After(now) {
			out = append(out, Upcoming{Kind: kind, Contest: c, Round: r, At: at})
		}
	}
	for _, r := range c.Rounds {
		if !r.ClosesAt.After(now) {
			continue
		}
		add(KindOpen, r, r.OpensAt)
		until := r.ClosesAt
		if lc := r.ClosesAt.Add(-s.opt.LastCall); lc.After(r.OpensAt) {
			add(KindLastCall, r, lc)
			until = lc
		}
		// A reminder at the opening is the opening's message (chase).
		from := now
		if r.OpensAt.After(from) {
			from = r.OpensAt
		}
		seen := map[time.Time]bool{}
		for _, sch := range reminders {
			n := 0
			for t := sch.Next(from.In(loc)); !t.IsZero() && t.Before(until) && n < limit; t = sch.Next(t) {
				if !seen[t] {
					seen[t] = true
					add(KindRemind, r, t)
				}
				n++
			}
		}
	}
	if c.Summary != "" {
		if sch, err := quiz.ParseCron(c.Summary); err == nil {
			for _, r := range c.Rounds {
				at := sch.Next(r.ClosesAt.In(loc))
				later := slices.ContainsFunc(c.Rounds, func(o quiz.Round) bool {
					return o.ClosesAt.After(r.ClosesAt) && !o.ClosesAt.After(at)
				})
				if !later {
					add(KindSummary, r, at)
				}
			}
		}
	}
	slices.SortStableFunc(out, func(a, b Upcoming) int { return a.At.Compare(b.At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// ManualRemind is the job of an operator's "remind now" (`quizbot notify
// remind`, the console's button): its slot is the day in the contest's
// time zone, so that a second request on the same day queues nothing new.
// ok is false when the round is not open.
func ManualRemind(c quiz.Contest, r quiz.Round, now time.Time) (job Job, ok bool) {
	return Job{Kind: KindRemind, Contest: c, Round: r, Slot: ManualRemindSlot(now, c.Location())}, r.Open(now)
}
