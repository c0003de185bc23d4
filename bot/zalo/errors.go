package zalo

import (
	"errors"
	"fmt"
	"time"

	"quizbot/outbound"
)

// APIError is a non-zero error in an answer of the OA API. Zalo answers
// with HTTP 200 and {"error":<code>,"message":…} (zalo-php-sdk ZaloResponse:
// isError is error < 0; quizbot treats any non-zero code as a failure).
type APIError struct {
	Op      string // the endpoint, e.g. "message/cs"
	Code    int
	Message string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("zalo %s: error %d: %s", e.Op, e.Code, e.Message)
}

// The kinds of failure Classify tells apart. The unreachable ones wrap
// outbound.ErrUnreachable, so that notify and the conversation treat a Zalo
// recipient who cannot be messaged like a Telegram one who blocked the bot;
// the caller can still tell the 7-day window (a template message by phone
// may reach them) from an unfollow.
var (
	// ErrAccessToken: -216 access token invalid, -220 expired. The client
	// refreshes the pair and retries once before returning it.
	ErrAccessToken = errors.New("zalo: access token refused")
	// ErrOutsideWindow: -230 no interaction in the last 7 days, -232
	// interaction expired: consultation messages cannot reach them.
	// It wraps outbound.ErrWindowClosed, so that notify turns to a template
	// message by phone, or tells the head, without marking the account
	// blocked.
	ErrOutsideWindow = fmt.Errorf("zalo: outside the 7-day interaction window: %w", outbound.ErrWindowClosed)
	// ErrNotFollower: -213 the person does not follow the OA.
	ErrNotFollower = fmt.Errorf("zalo: not a follower of the OA: %w", outbound.ErrUnreachable)
	// ErrInactive: -227 the account is banned or inactive.
	ErrInactive = fmt.Errorf("zalo: account banned or inactive: %w", outbound.ErrUnreachable)
)

// RateLimitBackoff is how long nothing more is sent after -32: Zalo's answer
// says no retry time.
const RateLimitBackoff = time.Minute

// Classify turns an answer's error code into the error a caller acts on:
// nil for 0; ErrAccessToken (refresh and retry once); ErrOutsideWindow,
// ErrNotFollower, ErrInactive (unreachable: do not retry); a
// *outbound.RateLimitError for -32 (back off); any other code is a permanent
// failure that wraps outbound.ErrRejected and carries the code. Every error
// wraps the *APIError.
func Classify(op string, code int, message string) error {
	if code == 0 {
		return nil
	}
	e := &APIError{Op: op, Code: code, Message: message}
	switch code {
	case -216, -220:
		return fmt.Errorf("%w: %w", ErrAccessToken, e)
	case -230, -232:
		return fmt.Errorf("%w: %w", ErrOutsideWindow, e)
	case -213:
		return fmt.Errorf("%w: %w", ErrNotFollower, e)
	case -227:
		return fmt.Errorf("%w: %w", ErrInactive, e)
	case -32:
		return &outbound.RateLimitError{RetryAfter: RateLimitBackoff, Err: e}
	}
	return fmt.Errorf("%w: %w", outbound.ErrRejected, e)
}
