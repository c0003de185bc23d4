package quiz

import (
	"context"
	"time"
)

// InboundRecorder records that quizbot received an event from a chat
// account, for platforms that let a bot write to a person only for a while
// after that person last wrote (Zalo: consultation messages within 7 days).
// notify reads the time before sending there. storage.DB implements it.
//
// The inbound pipeline calls it for every event the person sent (a text, a
// tap, a form, a follow; not an unfollow, nor delivery or seen receipts),
// after the request is verified, with the time quizbot received the event
// (its own clock, not the event's timestamp). It is cheap enough for every
// event: most calls write nothing. Its error is worth a log line, never a
// failed event.
type InboundRecorder interface {
	TouchInbound(ctx context.Context, p Platform, externalID string, at time.Time) error
}
