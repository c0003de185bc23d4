package quiz

import (
	"context"
	"time"
)

// Observer is told of the quiz's writes, for the service's metrics. Its
// methods must be quick and safe for concurrent use; the platform and the
// outcome are its only labels (never the member).
type Observer interface {
	// AttemptStarted: an attempt was stored, begun on platform p.
	AttemptStarted(p Platform)
	// AnswerRecorded: an answer was stored (once per question: a repeated
	// tap that stores nothing is not told).
	AnswerRecorded(correct bool)
	// AttemptSubmitted: this process closed an attempt begun on p, by its
	// last answer or by its time limit (timedOut).
	AttemptSubmitted(p Platform, timedOut bool)
}

// Observe tells o of every attempt started, answer recorded and attempt
// submitted from now on; nil, the default, tells nobody. Call it before
// the service is used.
func (s *Service) Observe(o Observer) { s.observer = o }

// submitAttempt is the store's SubmitAttempt, told to the observer when
// this call closed the attempt.
func (s *Service) submitAttempt(ctx context.Context, attemptID int64, at time.Time) (Attempt, bool, error) {
	a, closed, err := s.store.SubmitAttempt(ctx, attemptID, at)
	if err == nil && closed && s.observer != nil {
		s.observer.AttemptSubmitted(a.Platform, a.TimedOut())
	}
	return a, closed, err
}
