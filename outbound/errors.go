package outbound

import (
	"errors"
	"fmt"
	"time"
)

// The ways a send can fail that the caller must act on; any other error is
// worth a retry.

// ErrUnreachable means the person cannot be messaged any more (they
// blocked the bot, deleted the account): do not retry.
var ErrUnreachable = errors.New("recipient unreachable")

// ErrWindowClosed means the platform lets a bot write to the person only
// for a while after they last wrote, and that time has passed (Zalo's
// 7-day consultation window): nothing reaches them until they write again,
// but they blocked nothing. It is an ErrUnreachable.
var ErrWindowClosed = fmt.Errorf("outside the platform's reply window: %w", ErrUnreachable)

// ErrRejected means the platform refused the message itself (a 400: bad
// markup, text too long): sending it again would fail the same way.
var ErrRejected = errors.New("message rejected by the platform")

// RateLimitError means the platform asked us to slow down: nothing more may
// be sent on that platform for RetryAfter.
type RateLimitError struct {
	RetryAfter time.Duration
	Err        error
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("rate limited, retry after %s: %v", e.RetryAfter, e.Err)
}
func (e *RateLimitError) Unwrap() error { return e.Err }
