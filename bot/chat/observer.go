package chat

import (
	"context"
	"time"

	"quizbot/quiz"
)

// Observer is told what became of each delivered event, for the service's
// metrics. Its methods must be quick and safe for concurrent use; the
// platform and the outcome are its only labels (never who sent it).
type Observer interface {
	// Received: Receive answered outcome for an event of platform p after
	// took (the claim, the handling with its replies, the claim's end).
	Received(p quiz.Platform, outcome Outcome, took time.Duration)
}

// Observe tells o about every event Receive handles from now on; nil, the
// default, tells nobody. Call it before the bot serves.
func (b *Bot) Observe(o Observer) { b.inbound.observer = o }

// Receive handles one delivered event once, however often the platform
// delivers it, and says what the platform should hear (receive); the
// observer, if any, is told the outcome and how long it took.
func (b *Bot) Receive(ctx context.Context, d Delivery) Outcome {
	o := b.inbound.observer
	if o == nil {
		return b.receive(ctx, d)
	}
	start := time.Now()
	out := b.receive(ctx, d)
	o.Received(d.Event.Platform, out, time.Since(start))
	return out
}
