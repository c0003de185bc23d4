package notify

import (
	"context"
	"log/slog"
	"sync"

	"github.com/redis/go-redis/v9"

	"quizbot/quiz"
)

// Service is what `quizbot serve` runs on every replica: the scheduler,
// which queues each slot's notifications, and the sender, which delivers
// them on the platforms it has messengers for.
type Service struct {
	Notifier  *Notifier
	Sender    *Sender
	Scheduler *Scheduler
	log       *slog.Logger
}

// NewService wires a sender over out, with the buttons btn makes (paced by
// lim, shared with every replica through Redis) and a scheduler that
// queues notifications only for those platforms, so that nothing is queued
// that no replica can deliver.
func NewService(db Store, rdb *redis.Client, out map[quiz.Platform]Messenger, btn Buttons, lim *Limiter, clock quiz.Clock, log *slog.Logger) *Service {
	s := &Service{log: log}
	s.Sender = NewSender(db, lim, out, btn, clock, log, SenderOptions{})
	s.Notifier = NewNotifier(db, clock, log, s.Sender.Platforms())
	s.Notifier.Wake = s.Sender.Wake
	s.Notifier.Windows = WindowsOf(out)
	s.Notifier.Channels = ChannelsOf(out)
	s.Scheduler = NewScheduler(db, rdb, s.Notifier, clock, log, SchedulerOptions{})
	return s
}

// Run runs the scheduler and the sender until ctx ends; it returns once the
// sends in flight are recorded.
func (s *Service) Run(ctx context.Context) error {
	if len(s.Sender.Platforms()) == 0 {
		s.log.Warn("notify: no platform to send notifications on; reminders and summaries are off")
		<-ctx.Done()
		return nil
	}
	s.log.Info("notify: scheduler and sender started", "platforms", s.Sender.Platforms())
	var wg sync.WaitGroup
	wg.Go(func() { s.Scheduler.Run(ctx) })
	wg.Go(func() { s.Sender.Run(ctx) })
	wg.Wait()
	return nil
}
