package telegram

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
	"quizbot/bot/telegram/telegramtest"
)

// sentRequest is a request as it reached the server.
type sentRequest struct {
	method        string
	contentType   string
	contentLength int64
	chunked       bool
	body          []byte
}

// recordingProxy forwards to target and records every request.
func recordingProxy(t *testing.T, target string) (string, func() []sentRequest) {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(u)
	var mu sync.Mutex
	var reqs []sentRequest
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		mu.Lock()
		reqs = append(reqs, sentRequest{
			method:        r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:],
			contentType:   ct,
			contentLength: r.ContentLength,
			chunked:       len(r.TransferEncoding) > 0,
			body:          body,
		})
		mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		r.TransferEncoding = nil
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []sentRequest {
		mu.Lock()
		defer mu.Unlock()
		return append([]sentRequest(nil), reqs...)
	}
}

func newTestTelegram(t *testing.T, token, apiURL string) *Telegram {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	tg, err := New(context.Background(), Config{Token: token, APIURL: apiURL}, chat.New(nil, nil, log), log)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

// TestHotCallsGoOutAsJSON: sendMessage, editMessageText and
// answerCallbackQuery are JSON bodies with a Content-Length, with numbers as
// numbers and the keyboard as an object, and the fake (which validates them
// against the Bot API spec) carries them out; documents still go as
// multipart.
func TestHotCallsGoOutAsJSON(t *testing.T) {
	fake := telegramtest.New(t)
	proxy, sent := recordingProxy(t, fake.URL())
	tg := newTestTelegram(t, fake.Token(), proxy)
	ctx := context.Background()
	const chatID = 501

	quiz := chat.Message{Text: "Câu 1/10\nThủ đô?", Buttons: [][]chat.Button{{{Text: "A", Data: "a:1:1:0"}, {Text: "B", Data: "a:1:1:1"}}}}
	id, err := tg.Send(ctx, "501", quiz)
	if err != nil || id != "1" {
		t.Fatalf("Send = %q, %v", id, err)
	}
	if _, err := tg.Send(ctx, "501", chat.Message{Text: "Số điện thoại?", ContactButton: "Chia sẻ số điện thoại"}); err != nil {
		t.Fatal(err)
	}
	if kb := fake.Keyboard(chatID); len(kb) != 1 || !kb[0][0].RequestContact {
		t.Fatalf("contact keyboard = %+v", kb)
	}
	if _, err := tg.Send(ctx, "501", chat.Message{Text: "Menu", Menu: [][]string{{"Thi", "Kết quả"}}}); err != nil {
		t.Fatal(err)
	}
	if kb := fake.Keyboard(chatID); len(kb) != 1 || len(kb[0]) != 2 || kb[0][1].Text != "Kết quả" {
		t.Fatalf("menu = %+v", kb)
	}
	if _, err := tg.Send(ctx, "501", chat.Message{Text: "Xong", RemoveMenu: true}); err != nil {
		t.Fatal(err)
	}
	if kb := fake.Keyboard(chatID); kb != nil {
		t.Fatalf("menu not removed: %+v", kb)
	}

	answered := chat.Message{Text: "Câu 1/10\nThủ đô?\nBạn chọn: A"}
	if err := tg.Edit(ctx, "501", "1", answered); err != nil {
		t.Fatal(err)
	}
	// The same edit again: Telegram answers "message is not modified",
	// which is success.
	if err := tg.Edit(ctx, "501", "1", answered); err != nil {
		t.Fatalf("unmodified edit: %v", err)
	}
	if err := tg.Edit(ctx, "501", "1", quiz); err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.Message(chatID, 1); m.Edits != 2 || len(m.Buttons) != 1 || m.Buttons[0][1].CallbackData != "a:1:1:1" {
		t.Fatalf("edited message = %+v", m)
	}

	// Outside a webhook request the callback is answered by a call.
	msg, _ := fake.Message(chatID, 1)
	u := fake.CallbackQuery(models.User{ID: chatID, FirstName: "An"}, msg, "a:1:1:0")
	if err := tg.AnswerCallback(ctx, u.CallbackQuery.ID, "Đã ghi nhận"); err != nil {
		t.Fatal(err)
	}
	if a, ok := fake.CallbackAnswer(u.CallbackQuery.ID); !ok || a.Text != "Đã ghi nhận" {
		t.Fatalf("callback answer = %+v, %v", a, ok)
	}

	if _, err := tg.Send(ctx, "501", chat.Message{Text: "Báo cáo", Document: &chat.Document{Name: "r.csv", Data: []byte("a,b\n")}}); err != nil {
		t.Fatal(err)
	}

	for i, c := range fake.Calls() {
		if !c.OK() && !strings.Contains(c.Description, "message is not modified") {
			t.Errorf("call %d %s answered %d %s", i, c.Method, c.Status, c.Description)
		}
	}
	counts := map[string]int{}
	for _, r := range sent() {
		counts[r.method]++
		switch r.method {
		case "sendMessage", "editMessageText", "answerCallbackQuery":
			if r.contentType != "application/json" || r.chunked || r.contentLength != int64(len(r.body)) || len(r.body) == 0 {
				t.Errorf("%s: Content-Type %q, chunked %v, Content-Length %d for %d bytes", r.method, r.contentType, r.chunked, r.contentLength, len(r.body))
			}
			var p map[string]json.RawMessage
			if err := json.Unmarshal(r.body, &p); err != nil {
				t.Fatalf("%s: body %s: %v", r.method, r.body, err)
			}
			if r.method != "answerCallbackQuery" && string(p["chat_id"]) != "501" {
				t.Errorf("%s: chat_id %s, want the number 501", r.method, p["chat_id"])
			}
			if r.method == "editMessageText" && string(p["message_id"]) != "1" {
				t.Errorf("editMessageText: message_id %s, want the number 1", p["message_id"])
			}
			if mk, ok := p["reply_markup"]; ok && !bytes.HasPrefix(mk, []byte("{")) {
				t.Errorf("%s: reply_markup %s is not a JSON object", r.method, mk)
			}
			if txt := p["text"]; len(txt) > 0 && txt[0] != '"' {
				t.Errorf("%s: text %s is not a JSON string", r.method, txt)
			}
		case "sendDocument":
			if r.contentType != "multipart/form-data" {
				t.Errorf("sendDocument: Content-Type %q", r.contentType)
			}
		}
	}
	if counts["sendMessage"] != 4 || counts["editMessageText"] != 3 || counts["answerCallbackQuery"] != 1 || counts["sendDocument"] != 1 {
		t.Fatalf("requests per method: %v", counts)
	}
	var p struct {
		ReplyMarkup models.InlineKeyboardMarkup `json:"reply_markup"`
	}
	if err := json.Unmarshal(sent()[1].body, &p); err != nil || p.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "a:1:1:0" {
		t.Fatalf("first sendMessage's keyboard: %+v, %v", p, err)
	}
}

// TestCallErrorsMapToChatErrors: the Bot API's error answers, on the JSON
// path, become the same conversation errors as on the library's.
func TestCallErrorsMapToChatErrors(t *testing.T) {
	fake := telegramtest.New(t)
	tg := newTestTelegram(t, fake.Token(), fake.URL())
	ctx := context.Background()
	const chatID = 501
	q := chat.Message{Text: "Câu 1", Buttons: [][]chat.Button{{{Text: "A", Data: "a:1:1:0"}}}}
	if _, err := tg.Send(ctx, "501", q); err != nil {
		t.Fatal(err)
	}

	fake.FailTooManyRequests("sendMessage", chatID, 7, 1)
	_, err := tg.Send(ctx, "501", q)
	var rl *chat.RateLimitError
	if !errors.As(err, &rl) || rl.RetryAfter != 7*time.Second || !strings.Contains(err.Error(), "Too Many Requests: retry after 7") {
		t.Fatalf("429: %v", err)
	}
	fake.FailTooManyRequests("editMessageText", chatID, 3, 1)
	if err := tg.Edit(ctx, "501", "1", chat.Message{Text: "x"}); !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("429 on edit: %v", err)
	}

	fake.Block(chatID)
	_, err = tg.Send(ctx, "501", q)
	if !errors.Is(err, chat.ErrUnreachable) || !strings.Contains(err.Error(), telegramtest.Blocked) {
		t.Fatalf("403: %v", err)
	}
	if err := tg.Edit(ctx, "501", "1", chat.Message{Text: "x"}); !errors.Is(err, chat.ErrUnreachable) {
		t.Fatalf("403 on edit: %v", err)
	}
	fake.Unblock(chatID)

	fake.Fail("sendMessage", chatID, 1, telegramtest.BadRequest("Bad Request: chat not found"))
	if _, err := tg.Send(ctx, "501", q); !errors.Is(err, chat.ErrUnreachable) {
		t.Fatalf("400 chat not found: %v", err)
	}
	// A 400 the fake finds itself: the message is refused.
	_, err = tg.Send(ctx, "501", chat.Message{Text: " "})
	if !errors.Is(err, chat.ErrRejected) || errors.Is(err, chat.ErrUnreachable) || !strings.Contains(err.Error(), "message text is empty") {
		t.Fatalf("400: %v", err)
	}
	if err := tg.Edit(ctx, "501", "99", chat.Message{Text: "x"}); !errors.Is(err, chat.ErrRejected) {
		t.Fatalf("400 on edit: %v", err)
	}

	for _, status := range []int{500, 502} {
		fake.FailServerError("sendMessage", chatID, status, 1)
		_, err = tg.Send(ctx, "501", q)
		if err == nil || errors.Is(err, chat.ErrRejected) || errors.Is(err, chat.ErrUnreachable) || errors.As(err, &rl) ||
			!strings.Contains(err.Error(), fmt.Sprint(status)) {
			t.Fatalf("%d: %v", status, err)
		}
	}
	fake.FailNetwork("sendMessage", chatID, 1)
	if _, err = tg.Send(ctx, "501", q); err == nil || errors.Is(err, chat.ErrRejected) || errors.Is(err, chat.ErrUnreachable) {
		t.Fatalf("dropped connection: %v", err)
	}

	fake.Fail("answerCallbackQuery", 0, 1, telegramtest.Forbidden("Forbidden: bot was blocked by the user"))
	if err := tg.AnswerCallback(ctx, "1", ""); !errors.Is(err, chat.ErrUnreachable) {
		t.Fatalf("403 on answerCallbackQuery: %v", err)
	}
	if err := tg.AnswerCallback(ctx, "424242", ""); !errors.Is(err, chat.ErrRejected) {
		t.Fatalf("400 on answerCallbackQuery: %v", err)
	}
	for _, s := range fake.Calls() {
		if strings.Contains(s.Param("text"), fake.Token()) {
			t.Fatal("token in a parameter")
		}
	}
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
			// And as the conversation sees it.
			if _, err := tg.Send(tc.ctx, "501", chat.Message{Text: "x"}); err == nil || strings.Contains(err.Error(), token) {
				t.Fatalf("Send: %v", err)
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
