package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	tgbot "github.com/go-telegram/bot"
)

// call makes one Bot API call with a JSON body and decodes its result into
// dest (unless nil).
//
// JSON is one of the encodings the Bot API accepts. go-telegram/bot sends
// every call as a multipart form that a goroutine streams through an
// io.Pipe, so each call goes out as a chunked body in several writes (about
// nine on loopback, a system call each) and the server must parse
// multipart; marshalled up front, a JSON call is one write with a
// Content-Length. The hot calls
// (sendMessage, editMessageText, answerCallbackQuery) go this way; files
// still need the library's multipart.
//
// Errors are the library's, built the same way from the answer's
// error_code, so that errors.Is(err, tgbot.ErrorForbidden),
// *tgbot.TooManyRequestsError and the rest work on both paths. The token is
// never in an error's text.
func (t *Telegram) call(ctx context.Context, method string, params any, dest any) error {
	body, err := json.Marshal(params)
	if err != nil {
		return fmt.Errorf("error encode params for method %s, %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.cfg.APIURL+"/bot"+t.cfg.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return t.redacted(fmt.Errorf("error create request for method %s, %w", method, err))
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := t.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactToken(ue.URL, t.cfg.Token)
		}
		return t.redacted(fmt.Errorf("error do request for method %s, %w", method, err))
	}
	defer resp.Body.Close()
	data, err := readBody(resp.Body, resp.ContentLength, maxAnswer)
	if err != nil {
		return t.redacted(fmt.Errorf("error read response body for method %s, %w", method, err))
	}
	// One pass over the answer: the result is decoded straight into dest.
	r := apiResponse{Result: dest}
	if dest == nil {
		r.Result = &ignoreJSON{}
	}
	if err := json.Unmarshal(data, &r); err != nil {
		var te *json.UnmarshalTypeError
		if r.OK && errors.As(err, &te) {
			return fmt.Errorf("error decode response result for method %s, %w", method, err)
		}
		// Not the Bot API answering (a proxy's error page…): say what came.
		const max = 200
		if len(data) > max {
			data = append(data[:max:max], "…"...)
		}
		return t.redacted(fmt.Errorf("error decode response body for method %s, HTTP %d %s, %w", method, resp.StatusCode, data, err))
	}
	if !r.OK {
		return t.redacted(apiError(method, &r))
	}
	return nil
}

// maxAnswer bounds a Bot API answer read into memory; the calls made here
// answer with one message at most.
const maxAnswer = 16 << 20

// apiResponse is the Bot API's envelope.
type apiResponse struct {
	OK          bool   `json:"ok"`
	Result      any    `json:"result"` // a pointer to the result's type
	Description string `json:"description"`
	ErrorCode   int    `json:"error_code"`
	Parameters  struct {
		RetryAfter      int `json:"retry_after"`
		MigrateToChatID int `json:"migrate_to_chat_id"`
	} `json:"parameters"`
}

// ignoreJSON is the result when the caller does not want it: the decoder
// steps over it without building anything.
type ignoreJSON struct{}

func (ignoreJSON) UnmarshalJSON([]byte) error { return nil }

// apiError turns an {"ok":false} answer into the error go-telegram/bot
// returns for it (raw_request.go), texts included.
func apiError(method string, r *apiResponse) error {
	switch r.ErrorCode {
	case http.StatusForbidden:
		return fmt.Errorf("%w, %s", tgbot.ErrorForbidden, r.Description)
	case http.StatusBadRequest:
		if r.Parameters.MigrateToChatID != 0 {
			return &tgbot.MigrateError{
				Message:         fmt.Sprintf("%s: %s", tgbot.ErrorBadRequest, r.Description),
				MigrateToChatID: r.Parameters.MigrateToChatID,
			}
		}
		return fmt.Errorf("%w, %s", tgbot.ErrorBadRequest, r.Description)
	case http.StatusUnauthorized:
		return fmt.Errorf("%w, %s", tgbot.ErrorUnauthorized, r.Description)
	case http.StatusNotFound:
		return fmt.Errorf("%w, %s", tgbot.ErrorNotFound, r.Description)
	case http.StatusConflict:
		return fmt.Errorf("%w, %s", tgbot.ErrorConflict, r.Description)
	case http.StatusTooManyRequests:
		return &tgbot.TooManyRequestsError{
			Message:    fmt.Sprintf("%s, %s", tgbot.ErrorTooManyRequests, r.Description),
			RetryAfter: r.Parameters.RetryAfter,
		}
	}
	return fmt.Errorf("error response from telegram for method %s, %d %s", method, r.ErrorCode, r.Description)
}

// redacted makes sure the token is not in err's text, whatever the error
// wraps (a URL in a transport error, a server echoing the request). The
// error chain is kept for errors.Is and errors.As.
func (t *Telegram) redacted(err error) error {
	if t.cfg.Token == "" || !strings.Contains(err.Error(), t.cfg.Token) {
		return err
	}
	return &redactedError{msg: redactToken(err.Error(), t.cfg.Token), err: err}
}

type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }
