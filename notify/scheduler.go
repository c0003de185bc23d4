package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"

	"quizbot/quiz"
)

// SchedulerOptions tune a Scheduler; zero values take the defaults.
type SchedulerOptions struct {
	// LastCall is how long before a round closes the last reminder goes.
	LastCall time.Duration
	// SummaryRelevance is how long after its slot a summary missed while
	// the service was down is still sent.
	SummaryRelevance time.Duration
	// MaxWait bounds the sleep between two looks at the contests, so that
	// a contest applied meanwhile is picked up.
	MaxWait time.Duration
}

// Scheduler runs the contests' notification jobs at their slots: the round
// opening, the reminders of schedule.reminders (cron, in the contest's time
// zone), the last call LastCall before a round closes, and the summary of
// schedule.summary for the round that closed before it.
//
// It runs on every replica. Each slot takes effect once: the notifications'
// dedup keys decide; a Redis lock per slot only spares the other replicas
// the work, and notify_jobs records which slots are done. Slots are
// evaluated from the contests each time (rather than registered with a
// cron runner) so that a contest applied while running is picked up, and
// so that the first pass at start is the catch-up: the latest slot missed
// while the service was down runs if its round still matters (the round is
// still open, or the summary is recent). Older missed slots are superseded
// by the latest: after a day down, members get one reminder, not three.
type Scheduler struct {
	db    Jobs
	rdb   *redis.Client
	n     *Notifier
	clock quiz.Clock
	log   *slog.Logger
	opt   SchedulerOptions
}

// NewScheduler schedules the jobs that n enqueues.
func NewScheduler(db Jobs, rdb *redis.Client, n *Notifier, clock quiz.Clock, log *slog.Logger, opt SchedulerOptions) *Scheduler {
	if opt.LastCall <= 0 {
		opt.LastCall = DefaultLastCall
	}
	if opt.SummaryRelevance <= 0 {
		opt.SummaryRelevance = DefaultSummaryRelevance
	}
	if opt.MaxWait <= 0 {
		opt.MaxWait = time.Minute
	}
	return &Scheduler{db: db, rdb: rdb, n: n, clock: clock, log: log, opt: opt}
}

// Run runs due jobs at once (the catch-up), then at every slot, until ctx
// ends.
func (s *Scheduler) Run(ctx context.Context) error {
	for {
		next, err := s.RunDue(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Error("notify: scheduled jobs", "err", err)
		}
		wait := s.opt.MaxWait
		if !next.IsZero() {
			// A little late rather than early: cron slots are whole
			// minutes, and an early wake finds nothing due.
			wait = min(wait, max(next.Sub(s.clock.Now())+50*time.Millisecond, 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

// RunDue runs every job due now and not done yet, and returns when the next
// slot comes (zero if none is known).
func (s *Scheduler) RunDue(ctx context.Context) (next time.Time, err error) {
	jobs, next, err := s.Due(ctx, s.clock.Now())
	if err != nil {
		return next, err
	}
	var errs []error
	for _, j := range jobs {
		if err := s.runLocked(ctx, j); err != nil {
			errs = append(errs, err)
		}
	}
	return next, errors.Join(errs...)
}

// runLocked runs a job under its Redis lock; a job another replica holds is
// skipped (it is done, or will be retried, by the time of the next pass).
func (s *Scheduler) runLocked(ctx context.Context, j Job) error {
	key := j.LockKey()
	ok, err := s.rdb.SetNX(ctx, key, "1", 15*time.Minute).Result()
	if err != nil {
		return fmt.Errorf("lock notify job %s: %w", j, err)
	}
	if !ok {
		return nil
	}
	defer s.rdb.Del(context.WithoutCancel(ctx), key)
	_, err = s.n.Run(ctx, j)
	return err
}

// Due lists the jobs due at now and not done, and the time of the next slot
// after now.
func (s *Scheduler) Due(ctx context.Context, now time.Time) ([]Job, time.Time, error) {
	contests, err := s.db.Contests(ctx)
	if err != nil {
		return nil, time.Time{}, err
	}
	var jobs []Job
	var next time.Time
	soonest := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, c := range contests {
		loc := c.Location()
		reminders := parseAll(c.Reminders, s.log, c.Code)
		for _, r := range c.Rounds {
			soonest(r.OpensAt)
			// Reminders run until the last call, which is the last.
			until := r.ClosesAt
			if lastCall := r.ClosesAt.Add(-s.opt.LastCall); lastCall.After(r.OpensAt) {
				soonest(lastCall)
				until = lastCall
			}
			for _, sch := range reminders {
				if t := sch.Next(now.In(loc)); t.Before(until) && !t.Before(r.OpensAt) {
					soonest(t)
				}
			}
			if !r.Open(now) {
				continue
			}
			j, ok, err := s.chase(ctx, c, r, reminders, now)
			if err != nil {
				return nil, next, err
			}
			if ok {
				jobs = append(jobs, j)
			}
		}
		if c.Summary == "" {
			continue
		}
		sch, err := quiz.ParseCron(c.Summary)
		if err != nil {
			s.log.Error("notify: bad summary schedule", "contest", c.Code, "err", err)
			continue
		}
		soonest(sch.Next(now.In(loc)))
		j, ok, err := s.summary(ctx, c, sch, now)
		if err != nil {
			return nil, next, err
		}
		if ok {
			jobs = append(jobs, j)
		}
	}
	return jobs, next, nil
}

func parseAll(exprs []string, log *slog.Logger, contest string) []cron.Schedule {
	var out []cron.Schedule
	for _, e := range exprs {
		sch, err := quiz.ParseCron(e)
		if err != nil {
			// Contests are validated when applied; this is a safety net.
			log.Error("notify: bad reminder schedule", "contest", contest, "expr", e, "err", err)
			continue
		}
		out = append(out, sch)
	}
	return out
}

// chase returns the job that chases an open round's members now, if it has
// not run: the last call once its time has come (it is the last: no
// reminder after it), else the latest of the round opening and the
// reminder slots.
func (s *Scheduler) chase(ctx context.Context, c quiz.Contest, r quiz.Round, reminders []cron.Schedule, now time.Time) (Job, bool, error) {
	loc := c.Location()
	job := Job{Kind: KindOpen, Contest: c, Round: r, Slot: OpenSlot}
	if lc := r.ClosesAt.Add(-s.opt.LastCall); lc.After(r.OpensAt) && !lc.After(now) {
		job.Kind, job.Slot = KindLastCall, LastCallSlot
	} else {
		at := r.OpensAt
		for _, sch := range reminders {
			if t, ok := lastSlot(sch, r.OpensAt, now, loc); ok && t.After(at) {
				job.Kind, job.Slot, at = KindRemind, CronSlot(t, loc), t
			}
		}
	}
	done, err := s.db.JobDone(ctx, job.Kind, r.ID, job.Slot)
	if err != nil || done {
		return job, false, err
	}
	return job, true, nil
}

// summary returns the summary job of the round that closed last before now,
// at the first summary slot after it closed, if that slot has come, is still
// recent, and has not run.
func (s *Scheduler) summary(ctx context.Context, c quiz.Contest, sch cron.Schedule, now time.Time) (Job, bool, error) {
	var closed quiz.Round
	found := false
	for _, r := range c.Rounds {
		if !r.ClosesAt.After(now) && (!found || r.ClosesAt.After(closed.ClosesAt)) {
			closed, found = r, true
		}
	}
	if !found {
		return Job{}, false, nil
	}
	loc := c.Location()
	slot := sch.Next(closed.ClosesAt.In(loc))
	if slot.After(now) || now.Sub(slot) > s.opt.SummaryRelevance {
		return Job{}, false, nil
	}
	job := Job{Kind: KindSummary, Contest: c, Round: closed, Slot: SummarySlot(slot, loc)}
	done, err := s.db.JobDone(ctx, job.Kind, closed.ID, job.Slot)
	if err != nil || done {
		return job, false, err
	}
	return job, true, nil
}

// lastSlot returns the schedule's latest time in (after, until], computed in
// loc; robfig/cron evaluates a schedule in the location of the time given.
func lastSlot(sch cron.Schedule, after, until time.Time, loc *time.Location) (time.Time, bool) {
	// Look back at most eight days: rounds are weekly, and a schedule
	// firing every minute would otherwise take long to walk.
	from := after
	if lb := until.Add(-8 * 24 * time.Hour); lb.After(from) {
		from = lb
	}
	var last time.Time
	found := false
	for t := sch.Next(from.In(loc)); !t.IsZero() && !t.After(until); t = sch.Next(t) {
		last, found = t, true
	}
	return last, found
}
