package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
)

func newTestTelegram(t *testing.T, token, apiURL string) *Telegram {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tg, err := New(context.Background(), Config{Token: token, APIURL: apiURL}, chat.New(nil, nil, log), nil, log)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestCallErrorsMatchTheLibrary: for every error answer, call's error is
// go-telegram/bot's: the same text, the same sentinels, the same typed errors.
func TestCallErrorsMatchTheLibrary(t *testing.T) {
	var mu sync.Mutex
	answer := ""
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if strings.HasSuffix(r.URL.Path, "/getMe") {
			io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Bot","username":"bot"}}`)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		var env struct {
			ErrorCode int `json:"error_code"`
		}
		json.Unmarshal([]byte(answer), &env)
		w.WriteHeader(env.ErrorCode)
		io.WriteString(w, answer)
	}))
	defer srv.Close()
	tg := newTestTelegram(t, "123:secret-token", srv.URL)
	ctx := context.Background()
	sentinels := []error{tgbot.ErrorForbidden, tgbot.ErrorBadRequest, tgbot.ErrorUnauthorized, tgbot.ErrorTooManyRequests, tgbot.ErrorNotFound, tgbot.ErrorConflict}
	for _, a := range []string{
		`{"ok":false,"error_code":400,"description":"Bad Request: message text is empty"}`,
		`{"ok":false,"error_code":400,"description":"Bad Request: group chat was upgraded to a supergroup chat","parameters":{"migrate_to_chat_id":-1001234567890}}`,
		`{"ok":false,"error_code":401,"description":"Unauthorized"}`,
		`{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`,
		`{"ok":false,"error_code":404,"description":"Not Found"}`,
		`{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`,
		`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 3","parameters":{"retry_after":3}}`,
		`{"ok":false,"error_code":500,"description":"Internal Server Error"}`,
		`{"ok":false,"error_code":502,"description":"Bad Gateway"}`,
	} {
		mu.Lock()
		answer = a
		mu.Unlock()
		params := &tgbot.SendMessageParams{ChatID: int64(501), Text: "x"}
		_, libErr := tg.api.SendMessage(ctx, params)
		var msg models.Message
		ourErr := tg.call(ctx, "sendMessage", params, &msg)
		if libErr == nil || ourErr == nil {
			t.Fatalf("%s: library %v, call %v", a, libErr, ourErr)
		}
		if libErr.Error() != ourErr.Error() {
			t.Errorf("%s:\nlibrary %q\ncall    %q", a, libErr, ourErr)
		}
		for _, s := range sentinels {
			if errors.Is(libErr, s) != errors.Is(ourErr, s) {
				t.Errorf("%s: errors.Is(%v): library %v, call %v", a, s, errors.Is(libErr, s), errors.Is(ourErr, s))
			}
		}
		var lt, ot *tgbot.TooManyRequestsError
		if errors.As(libErr, &lt) != errors.As(ourErr, &ot) || (lt != nil && *lt != *ot) {
			t.Errorf("%s: TooManyRequestsError: library %+v, call %+v", a, lt, ot)
		}
		var lm, om *tgbot.MigrateError
		if errors.As(libErr, &lm) != errors.As(ourErr, &om) || (lm != nil && *lm != *om) {
			t.Errorf("%s: MigrateError: library %+v, call %+v", a, lm, om)
		}
		// And wrap makes the same conversation error of both.
		if w1, w2 := tg.wrap("sendMessage", libErr), tg.wrap("sendMessage", ourErr); w1.Error() != w2.Error() ||
			errors.Is(w1, chat.ErrUnreachable) != errors.Is(w2, chat.ErrUnreachable) ||
			errors.Is(w1, chat.ErrRejected) != errors.Is(w2, chat.ErrRejected) {
			t.Errorf("%s: wrapped: library %v, call %v", a, w1, w2)
		}
	}
}

// TestCallKeepsTokenOutOfErrors: whatever fails, the error's text never
// has the token, and the error chain still says what happened.
func TestCallKeepsTokenOutOfErrors(t *testing.T) {
	const token = "7000000001:AAsecret-token-that-must-not-leak"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/sendMessage") {
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html>bad gateway for %s</html>", r.URL.Path)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"Bad Request: no such thing as %s"}`, r.URL.Path)
	}))
	defer echo.Close()
	tg := func(apiURL string) *Telegram {
		return &Telegram{cfg: Config{Token: token, APIURL: apiURL}, hc: &http.Client{Timeout: 5 * time.Second}}
	}
	params := &tgbot.SendMessageParams{ChatID: int64(501), Text: "x"}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, tc := range []struct {
		name, apiURL, method string
		ctx                  context.Context
		check                func(error) bool
	}{
		{"connection refused", closed, "sendMessage", context.Background(), func(err error) bool {
			var ue *url.Error
			return errors.As(err, &ue) && !strings.Contains(ue.URL, token) && strings.Contains(ue.URL, "<token>")
		}},
		{"cancelled", closed, "sendMessage", cancelled, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"bad URL", "http://[::1", "sendMessage", context.Background(), func(error) bool { return true }},
		{"non-JSON answer", echo.URL, "sendMessage", context.Background(), func(err error) bool {
			return strings.Contains(err.Error(), "HTTP 502") && strings.Contains(err.Error(), "bad gateway for /bot<token>/sendMessage")
		}},
		{"description", echo.URL, "editMessageText", context.Background(), func(err error) bool { return errors.Is(err, tgbot.ErrorBadRequest) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tg := tg(tc.apiURL)
			err := tg.call(tc.ctx, tc.method, params, nil)
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), token) || strings.Contains(fmt.Sprintf("%+v", err), token) {
				t.Fatalf("token in %q", err)
			}
			if !tc.check(err) {
				t.Fatalf("error %q", err)
			}
		})
	}
}

// TestCallDecodesResult: the result goes into dest in the same pass as the
// envelope; without dest it is skipped; a result of another type is an error.
func TestCallDecodesResult(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/sendMessage"):
			io.WriteString(w, `{"ok":true,"result":{"message_id":5,"date":1,"chat":{"id":501,"type":"private"},"text":"x","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}}`)
		default:
			io.WriteString(w, `{"ok":true,"result":true}`)
		}
	}))
	defer srv.Close()
	tg := &Telegram{cfg: Config{Token: "1:t", APIURL: srv.URL}, hc: srv.Client()}
	ctx := context.Background()
	var msg models.Message
	if err := tg.call(ctx, "sendMessage", &tgbot.SendMessageParams{ChatID: int64(501), Text: "x"}, &msg); err != nil ||
		msg.ID != 5 || msg.Chat.ID != 501 || msg.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "a" {
		t.Fatalf("sendMessage: %+v, %v", msg, err)
	}
	if err := tg.call(ctx, "sendMessage", &tgbot.SendMessageParams{ChatID: int64(501), Text: "x"}, nil); err != nil {
		t.Fatalf("result skipped: %v", err)
	}
	var ok bool
	if err := tg.call(ctx, "answerCallbackQuery", &tgbot.AnswerCallbackQueryParams{CallbackQueryID: "1"}, &ok); err != nil || !ok {
		t.Fatalf("answerCallbackQuery: %v, %v", ok, err)
	}
	if err := tg.call(ctx, "editMessageText", &tgbot.EditMessageTextParams{ChatID: int64(501), MessageID: 5, Text: "y"}, &msg); err == nil ||
		!strings.Contains(err.Error(), "error decode response result for method editMessageText") {
		t.Fatalf("true into a Message: %v", err)
	}
}
