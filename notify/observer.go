package notify

import (
	"time"

	"quizbot/quiz"
)

// Outcomes of one try at a notification, as the sender counts them (Stats)
// and tells its Observer.
const (
	OutcomeSent        = "sent"
	OutcomeFailed      = "failed"      // given up: refused, or out of tries
	OutcomeUnreachable = "unreachable" // blocked the bot, or outside the reply window
	OutcomeCancelled   = "cancelled"   // no longer worth sending
	OutcomeRetried     = "retried"     // queued again after a failed try
)

// Observer is told what became of each try, for the service's metrics. Its
// methods must be quick and safe for concurrent use; platform, kind and
// outcome are its only labels (never the member).
type Observer interface {
	// NotificationSettled: a try at a notification of kind on p ended
	// with outcome (one of the Outcome constants).
	NotificationSettled(p quiz.Platform, kind, outcome string)
	// RateLimited: the platform answered 429, and every sender pauses p
	// for pause.
	RateLimited(p quiz.Platform, pause time.Duration)
}

// Observe tells o of every outcome and pause from now on; nil, the
// default, tells nobody. Call it before the sender runs.
func (s *Sender) Observe(o Observer) { s.observer = o }

// count adds a try's outcome to the stats and tells the observer.
func (s *Sender) count(c Claimed, outcome string) {
	switch outcome {
	case OutcomeSent:
		s.sent.Add(1)
	case OutcomeFailed:
		s.failed.Add(1)
	case OutcomeUnreachable:
		s.unreachable.Add(1)
	case OutcomeCancelled:
		s.cancelled.Add(1)
	case OutcomeRetried:
		s.retried.Add(1)
	}
	if s.observer != nil {
		s.observer.NotificationSettled(c.Platform, c.Kind, outcome)
	}
}
