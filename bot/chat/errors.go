package chat

import "quizbot/outbound"

// The send error kinds live in outbound, which notify and the adapters
// share without importing the conversation; these names stay for the
// code that still says chat.ErrUnreachable.
var (
	// ErrUnreachable is outbound.ErrUnreachable.
	ErrUnreachable = outbound.ErrUnreachable
	// ErrRejected is outbound.ErrRejected.
	ErrRejected = outbound.ErrRejected
)

// RateLimitError is outbound.RateLimitError.
type RateLimitError = outbound.RateLimitError
