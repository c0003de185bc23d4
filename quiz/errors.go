// Package quiz is the domain of quizbot: contests, rounds, questions,
// attempts, scoring and ranking. It imports no messaging platform and no SQL;
// adapters in bot/ and storage/ implement the small interfaces it defines.
package quiz

import (
	"errors"
	"fmt"
)

// Error codes. A code says what kind of failure happened; the chat layer maps
// it to a kind Vietnamese message while logs keep the wrapped detail.
const (
	ENOTFOUND  = "not_found"
	EINVALID   = "invalid"
	EFORBIDDEN = "forbidden"
	ECONFLICT  = "conflict"
	EINTERNAL  = "internal"
)

// Error is the one error type of the domain. Message is safe to show to the
// person in chat (Vietnamese); Err carries the detail for the logs.
type Error struct {
	Code    string
	Message string
	Err     error
}

func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	default:
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds a domain error whose message is shown to users.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err. Errors that carry no
// message (internal failures) get a generic apology: their detail is for logs.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Xin lỗi, hệ thống đang gặp sự cố. Anh/chị vui lòng thử lại sau ít phút."
}
