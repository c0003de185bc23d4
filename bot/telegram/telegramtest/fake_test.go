package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"quizbot/bot/telegram/telegramtest"
)

const userID = 501

var user = models.User{ID: userID, FirstName: "Lan", LastName: "Nguyễn", Username: "lan_nguyen", LanguageCode: "vi"}

// newBot points the real client at the fake; bot.New calls getMe.
func newBot(t *testing.T, fake *telegramtest.Fake, opts ...bot.Option) *bot.Bot {
	t.Helper()
	opts = append([]bot.Option{
		bot.WithServerURL(fake.URL()),
		bot.WithErrorsHandler(func(err error) { t.Logf("bot: %v", err) }),
	}, opts...)
	b, err := bot.New(fake.Token(), opts...)
	if err != nil {
		t.Fatalf("bot.New: %v", err)
	}
	return b
}

func quizKeyboard(data ...string) *models.InlineKeyboardMarkup {
	var row []models.InlineKeyboardButton
	for i, d := range data {
		row = append(row, models.InlineKeyboardButton{Text: string(rune('A' + i)), CallbackData: d})
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
}

// wantErr asserts err wraps sentinel (if given) and mentions want.
func wantErr(t *testing.T, err error, sentinel error, want string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %v %q", sentinel, want)
	}
	if sentinel != nil && !errors.Is(err, sentinel) {
		t.Fatalf("error %v is not %v", err, sentinel)
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("error %q does not contain %q", err, want)
	}
}

func TestSendMessageRoundTrip(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake)
	ctx := context.Background()

	m1, err := b.SendMessage(ctx, &bot.SendMessageParams{
		ChatID:      userID,
		Text:        "<b>Câu 1/10</b>\nThủ đô của Việt Nam?\nA. Hà Nội\nB. Huế",
		ParseMode:   models.ParseModeHTML,
		ReplyMarkup: quizKeyboard("q:1:A", "q:1:B"),
	})
	if err != nil {
		t.Fatalf("SendMessage: %v", err)
	}
	if m1.ID != 1 || m1.Chat.ID != userID || m1.Chat.Type != models.ChatTypePrivate || m1.Date == 0 {
		t.Fatalf("message = %+v", m1)
	}
	if m1.From == nil || !m1.From.IsBot || m1.From.ID != fake.BotID() {
		t.Fatalf("from = %+v", m1.From)
	}
	if want := "Câu 1/10\nThủ đô của Việt Nam?\nA. Hà Nội\nB. Huế"; m1.Text != want {
		t.Fatalf("text = %q, want the HTML parsed away: %q", m1.Text, want)
	}
	if m1.ReplyMarkup == nil || len(m1.ReplyMarkup.InlineKeyboard[0]) != 2 || m1.ReplyMarkup.InlineKeyboard[0][1].CallbackData != "q:1:B" {
		t.Fatalf("reply_markup = %+v", m1.ReplyMarkup)
	}

	m2, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "hai"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 777, Text: "other chat"})
	if err != nil {
		t.Fatal(err)
	}
	if m2.ID != 2 || other.ID != 1 {
		t.Fatalf("message ids %d, %d: want 2 in the first chat, 1 in the other", m2.ID, other.ID)
	}

	sent := fake.Sent(userID)
	if len(sent) != 2 || sent[0].Labels()[1] != "B" || sent[1].Text != "hai" {
		t.Fatalf("Sent = %+v", sent)
	}
	if btn, ok := sent[0].Button("A"); !ok || btn.CallbackData != "q:1:A" {
		t.Fatalf("button A = %+v, %v", btn, ok)
	}
	last, _ := fake.LastMessage(userID)
	if last.ID != 2 {
		t.Fatalf("LastMessage = %+v", last)
	}

	calls := fake.CallsTo("sendMessage")
	if len(calls) != 3 || !calls[0].OK() || calls[0].ChatID != userID || calls[0].Param("parse_mode") != "HTML" {
		t.Fatalf("calls = %+v", calls)
	}
	var mk models.InlineKeyboardMarkup
	if err := calls[0].Decode("reply_markup", &mk); err != nil || mk.InlineKeyboard[0][0].Text != "A" {
		t.Fatalf("Decode reply_markup: %v %+v", err, mk)
	}
	if got := fake.CallsTo("getMe"); len(got) != 1 {
		t.Fatalf("getMe calls = %d, want the one of bot.New", len(got))
	}
	if got := fake.Recipients(); len(got) != 2 || got[0] != userID || got[1] != 777 {
		t.Fatalf("Recipients = %v", got)
	}
}

// post sends a raw request, bypassing the client, for what it cannot send.
func post(t *testing.T, fake *telegramtest.Fake, method, contentType, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(fake.URL()+"/bot"+fake.Token()+"/"+method, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, out
}

func TestUnknownMethodAndToken(t *testing.T) {
	fake := telegramtest.New(t)
	status, body := post(t, fake, "sendMesage", "application/json", `{"chat_id":1,"text":"x"}`)
	if status != 404 || body["ok"] != false || body["error_code"] != float64(404) || body["description"] != "Not Found" {
		t.Fatalf("unknown method: %d %v", status, body)
	}
	// Method names are case-insensitive on Telegram.
	if status, body := post(t, fake, "SENDMESSAGE", "application/json", `{"chat_id":1,"text":"x"}`); status != 200 {
		t.Fatalf("upper-case method: %d %v", status, body)
	}
	if got := fake.CallsTo("sendMessage"); len(got) != 1 || got[0].Method != "sendMessage" {
		t.Fatalf("calls = %+v", got)
	}
	resp, err := http.Post(fake.URL()+"/bot123:wrong/getMe", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Fatalf("wrong token: %d", resp.StatusCode)
	}
	if _, err := bot.New("123:wrong", bot.WithServerURL(fake.URL())); !errors.Is(err, bot.ErrorUnauthorized) {
		t.Fatalf("bot.New with a wrong token: %v", err)
	}
}

func TestBodyEncodings(t *testing.T) {
	fake := telegramtest.New(t)
	for _, tc := range []struct{ ct, body string }{
		{"application/json", `{"chat_id":42,"text":"json","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}}`},
		{"application/x-www-form-urlencoded", url.Values{"chat_id": {"42"}, "text": {"form"}, "reply_markup": {`{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`}}.Encode()},
	} {
		if status, body := post(t, fake, "sendMessage", tc.ct, tc.body); status != 200 {
			t.Fatalf("%s: %d %v", tc.ct, status, body)
		}
	}
	resp, err := http.Get(fake.URL() + "/bot" + fake.Token() + "/sendMessage?chat_id=42&text=query")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sent := fake.Sent(42)
	if resp.StatusCode != 200 || len(sent) != 3 || sent[0].Text != "json" || sent[1].Text != "form" || sent[2].Text != "query" {
		t.Fatalf("status %d, sent %+v", resp.StatusCode, sent)
	}
	if sent[1].Buttons[0][0].CallbackData != "a" {
		t.Fatalf("form-encoded keyboard lost: %+v", sent[1])
	}
}

// TestJSONBodyTypes: in a JSON body, values come with their JSON types
// (numbers as numbers, booleans as booleans, reply_markup as an object) and
// Telegram takes them as the text the other encodings carry: a number or a
// boolean as its digits or true/false, an object or array as its JSON. A
// string holding JSON, or digits in a string, is accepted as well.
func TestJSONBodyTypes(t *testing.T) {
	fake := telegramtest.New(t)
	const kb = `{"inline_keyboard":[[{"text":"A","callback_data":"a:1"},{"text":"B","callback_data":"a:2","copy_text":{"text":""}}]]}`
	ok := func(method, body string) map[string]any {
		t.Helper()
		status, out := post(t, fake, method, "application/json", body)
		if status != 200 || out["ok"] != true {
			t.Fatalf("%s %s: %d %v", method, body, status, out)
		}
		res, _ := out["result"].(map[string]any)
		return res
	}
	res := ok("sendMessage", `{"chat_id":42,"text":"Câu 1","disable_notification":true,"protect_content":false,"reply_markup":`+kb+`}`)
	if res["message_id"] != float64(1) {
		t.Fatalf("result %v", res)
	}
	c := fake.CallsTo("sendMessage")[0]
	if c.ChatID != 42 || c.Param("chat_id") != "42" || c.Param("disable_notification") != "true" || c.Param("protect_content") != "false" {
		t.Fatalf("params %q", c.Params)
	}
	var mk models.InlineKeyboardMarkup
	if err := c.Decode("reply_markup", &mk); err != nil || mk.InlineKeyboard[0][1].CallbackData != "a:2" {
		t.Fatalf("reply_markup %q: %v", c.Param("reply_markup"), err)
	}
	if m, _ := fake.Message(42, 1); m.Text != "Câu 1" || len(m.Labels()) != 2 || m.Buttons[0][0].CallbackData != "a:1" {
		t.Fatalf("message %+v", m)
	}

	// The same values as strings: digits, and JSON in a string.
	ok("sendMessage", `{"chat_id":"42","text":"Câu 2","disable_notification":"true","reply_markup":`+jsonString(kb)+`}`)
	if m, _ := fake.Message(42, 2); m.Buttons[0][1].CallbackData != "a:2" {
		t.Fatalf("keyboard in a JSON string: %+v", m)
	}
	// A number where text is expected is its digits.
	ok("sendMessage", `{"chat_id":42,"text":2026}`)
	if m, _ := fake.Message(42, 3); m.Text != "2026" {
		t.Fatalf("numeric text: %+v", m)
	}
	// null is an absent parameter.
	ok("sendMessage", `{"chat_id":42,"text":"x","reply_markup":null}`)

	// Edits: message_id a number, the keyboard an object; the same content
	// again is "not modified", whatever the spacing and key order.
	ok("editMessageText", `{"chat_id":42,"message_id":1,"text":"Câu 1: A","reply_markup":`+kb+`}`)
	status, out := post(t, fake, "editMessageText", "application/json",
		`{"message_id":1,"chat_id":42,"text":"Câu 1: A","reply_markup":{ "inline_keyboard" : [[{"callback_data":"a:1","text":"A"},{"text":"B","callback_data":"a:2"}]] }}`)
	if status != 400 || !strings.Contains(out["description"].(string), "message is not modified") {
		t.Fatalf("same edit: %d %v", status, out)
	}

	// answerCallbackQuery with a JSON boolean and number.
	msg, _ := fake.Message(42, 1)
	u := fake.CallbackQuery(models.User{ID: 42, FirstName: "An"}, msg, "a:1")
	ok("answerCallbackQuery", `{"callback_query_id":"`+u.CallbackQuery.ID+`","text":"Đã ghi","show_alert":true,"cache_time":0}`)
	if a, _ := fake.CallbackAnswer(u.CallbackQuery.ID); a.Text != "Đã ghi" || !a.ShowAlert {
		t.Fatalf("answer %+v", a)
	}

	// Values of the wrong JSON type are refused.
	for _, tc := range []struct{ method, body, want string }{
		{"editMessageText", `{"chat_id":42,"message_id":true,"text":"x"}`, `field "message_id" must be an Integer`},
		{"editMessageText", `{"chat_id":42,"message_id":1.5,"text":"x"}`, `field "message_id" must be an Integer`},
		{"editMessageText", `{"chat_id":42,"message_id":[1],"text":"x"}`, `field "message_id" must be an Integer`},
		{"sendMessage", `{"chat_id":42,"text":"x","disable_notification":{"on":true}}`, `field "disable_notification" must be a Boolean`},
		{"sendMessage", `{"chat_id":42,"text":"x","disable_notification":"yes"}`, `field "disable_notification" must be a Boolean`},
		{"sendMessage", `{"chat_id":42,"text":"x","reply_markup":[[{"text":"A","callback_data":"a"}]]}`, "reply_markup"},
		{"sendMessage", `{"chat_id":42,"text":"x","reply_markup":5}`, "reply_markup"},
		{"sendMessage", `{"chat_id":42,"text":"x","reply_markup":"{inline"}`, "can't parse reply_markup JSON object"},
		{"sendMessage", `{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":7}]]}}`, ""},
		{"sendMessage", `{"chat_id":42,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"A","callback_data":"a","pay":"yes"}]]}}`, "must be a Boolean"},
		{"sendMessage", `{"chat_id":42,"text":null}`, "message text is empty"},
		{"sendMessage", `[{"chat_id":42,"text":"x"}]`, "can't parse JSON body"},
	} {
		status, out := post(t, fake, tc.method, "application/json", tc.body)
		if tc.want == "" { // accepted: Telegram takes a number where text is expected
			if status != 200 {
				t.Errorf("%s: %d %v", tc.body, status, out)
			}
			continue
		}
		if d, _ := out["description"].(string); status != 400 || !strings.Contains(d, tc.want) {
			t.Errorf("%s: %d %v, want 400 %q", tc.body, status, out, tc.want)
		}
	}
}

// jsonString makes a JSON string of s.
func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestValidation(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: ""})
	wantErr(t, err, bot.ErrorBadRequest, "Bad Request: message text is empty")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: " \n "})
	wantErr(t, err, bot.ErrorBadRequest, "message text is empty")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{Text: "no chat"})
	wantErr(t, err, bot.ErrorBadRequest, "chat not found")

	// 4096 UTF-16 code units pass, one more fails; an emoji outside the
	// BMP counts two.
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: strings.Repeat("ệ", 4096)}); err != nil {
		t.Fatalf("4096 characters: %v", err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: strings.Repeat("ệ", 4097)})
	wantErr(t, err, bot.ErrorBadRequest, "message is too long")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: strings.Repeat("a", 4095) + "🎉"})
	wantErr(t, err, bot.ErrorBadRequest, "message is too long")
	// Markup does not count.
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "<b>" + strings.Repeat("a", 4096) + "</b>", ParseMode: models.ParseModeHTML}); err != nil {
		t.Fatalf("4096 characters in bold: %v", err)
	}

	// callback_data: 1–64 bytes (Vietnamese letters take 2–3 bytes).
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "q", ReplyMarkup: quizKeyboard(strings.Repeat("x", 64))}); err != nil {
		t.Fatalf("64-byte callback_data: %v", err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "q", ReplyMarkup: quizKeyboard(strings.Repeat("x", 65))})
	wantErr(t, err, bot.ErrorBadRequest, "BUTTON_DATA_INVALID")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "q", ReplyMarkup: quizKeyboard(strings.Repeat("ệ", 22))})
	wantErr(t, err, bot.ErrorBadRequest, "BUTTON_DATA_INVALID")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "q", ReplyMarkup: &models.InlineKeyboardMarkup{
		InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "no action"}}},
	}})
	wantErr(t, err, bot.ErrorBadRequest, "Text buttons are unallowed in the inline keyboard")

	// request_contact: private chats only.
	contactKb := &models.ReplyKeyboardMarkup{
		Keyboard:       [][]models.KeyboardButton{{{Text: "Chia sẻ số điện thoại", RequestContact: true}}},
		ResizeKeyboard: true, OneTimeKeyboard: true,
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: int64(-1001234567890), Text: "share", ReplyMarkup: contactKb})
	wantErr(t, err, bot.ErrorBadRequest, "phone number can be requested in private chats only")
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "share", ReplyMarkup: contactKb}); err != nil {
		t.Fatalf("request_contact in a private chat: %v", err)
	}
	if kb := fake.Keyboard(userID); len(kb) != 1 || !kb[0][0].RequestContact {
		t.Fatalf("Keyboard = %+v", kb)
	}

	// parse_mode and the markup it parses.
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "x", ParseMode: "HTML5"})
	wantErr(t, err, bot.ErrorBadRequest, "unsupported parse_mode")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "Đơn vị <Sở Nội vụ>", ParseMode: models.ParseModeHTML})
	wantErr(t, err, bot.ErrorBadRequest, "can't parse entities")
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "Kết quả: 8/10.", ParseMode: models.ParseModeMarkdownV1})
	if err != nil {
		t.Fatalf("legacy Markdown has no reserved '.': %v", err)
	}
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "Kết quả: 8/10.", ParseMode: models.ParseModeMarkdown})
	wantErr(t, err, bot.ErrorBadRequest, "Character '.' is reserved")

	// answerCallbackQuery text ≤ 200.
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "1", Text: strings.Repeat("a", 201)})
	wantErr(t, err, bot.ErrorBadRequest, "MESSAGE_TOO_LONG")

	_, err = b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: userID, Action: "dancing"})
	wantErr(t, err, bot.ErrorBadRequest, "wrong parameter action")
	_, err = b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{{Command: "Thi", Description: "Thi"}}})
	wantErr(t, err, bot.ErrorBadRequest, "BOT_COMMAND_INVALID")

	// Every rejected call is recorded with its status and description.
	var bad int
	for _, c := range fake.Calls() {
		if c.Status == 400 {
			bad++
			if !strings.HasPrefix(c.Description, "Bad Request: ") {
				t.Errorf("description %q", c.Description)
			}
		}
	}
	if bad != 15 {
		t.Fatalf("%d calls answered 400, want 15", bad)
	}
	if n := len(fake.Sent(int64(-1001234567890))); n != 0 {
		t.Fatalf("a rejected message reached the group: %d", n)
	}
}

func TestUnknownAndMissingFields(t *testing.T) {
	fake := telegramtest.New(t)
	cases := []struct {
		name, ct, body, want string
	}{
		{"unknown top-level field", "application/json", `{"chat_id":1,"text":"x","parse_mod":"HTML"}`, `Bad Request: unknown field "parse_mod"`},
		{"unknown field in a button", "application/json", `{"chat_id":1,"text":"x","reply_markup":{"inline_keyboard":[[{"text":"A","callback":"a"}]]}}`, `unknown field "callback"`},
		{"missing chat_id", "application/json", `{"text":"x"}`, "Bad Request: chat_id is empty"},
		{"missing text", "application/x-www-form-urlencoded", "chat_id=1", "Bad Request: message text is empty"},
		{"integer expected", "application/json", `{"chat_id":1,"message_id":"first"}`, `field "message_id" must be an Integer`},
		{"reply_markup not JSON", "application/x-www-form-urlencoded", "chat_id=1&text=x&reply_markup=%7Binline", "can't parse reply_markup JSON object"},
		{"reply_markup of no keyboard type", "application/json", `{"chat_id":1,"text":"x","reply_markup":{"buttons":[]}}`, `unknown field "buttons"`},
		{"not a Boolean", "application/json", `{"chat_id":1,"text":"x","disable_notification":"yes"}`, "must be a Boolean"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			method := "sendMessage"
			if strings.Contains(tc.body, "message_id") {
				method = "deleteMessage"
			}
			status, body := post(t, fake, method, tc.ct, tc.body)
			if status != 400 || body["error_code"] != float64(400) {
				t.Fatalf("status %d, body %v", status, body)
			}
			if d, _ := body["description"].(string); !strings.Contains(d, tc.want) {
				t.Fatalf("description %q, want %q", d, tc.want)
			}
		})
	}
}

func TestTooManyRequests(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	fake.FailTooManyRequests("sendMessage", userID, 7, 2)
	for i := 0; i < 2; i++ {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "x"})
		var tooMany *bot.TooManyRequestsError
		if !errors.As(err, &tooMany) || tooMany.RetryAfter != 7 {
			t.Fatalf("attempt %d: %v, want *bot.TooManyRequestsError with RetryAfter 7", i, err)
		}
	}
	// Another chat is not affected, and the third attempt goes through.
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: 999, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "x"}); err != nil {
		t.Fatalf("after two 429s: %v", err)
	}
	calls := fake.CallsToChat(userID)
	if len(calls) != 3 || calls[0].Status != 429 || calls[0].RetryAfter != 7 || !calls[2].OK() {
		t.Fatalf("calls = %+v", calls)
	}
	if len(fake.Sent(userID)) != 1 {
		t.Fatalf("a 429 must not deliver the message")
	}
}

func TestForbiddenAndServerErrors(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	fake.Block(userID)
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "x"})
	wantErr(t, err, bot.ErrorForbidden, "bot was blocked by the user")
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: userID, Document: &models.InputFileString{Data: "https://example.org/a.xlsx"}})
	wantErr(t, err, bot.ErrorForbidden, "blocked")
	fake.Unblock(userID)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "x"}); err != nil {
		t.Fatalf("after Unblock: %v", err)
	}

	fake.FailServerError("", 0, http.StatusBadGateway, 1)
	_, err = b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "y"})
	if err == nil || errors.Is(err, bot.ErrorForbidden) || !strings.Contains(err.Error(), "502") {
		t.Fatalf("502: %v", err)
	}
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "y"}); err != nil {
		t.Fatalf("after one 502: %v", err)
	}

	strict := telegramtest.New(t, telegramtest.WithStrictChats())
	sb := newBot(t, strict, bot.WithSkipGetMe())
	_, err = sb.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "hello"})
	wantErr(t, err, bot.ErrorForbidden, "bot can't initiate conversation with a user")
	strict.Queue(strict.Command(user, "start"))
	if _, err := sb.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "hello"}); err != nil {
		t.Fatalf("after /start: %v", err)
	}
}

func TestNetworkFailures(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	fake.FailNetwork("sendMessage", userID, 1)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "lost"}); err == nil {
		t.Fatal("dropped connection: no error")
	}
	if c := fake.CallsTo("sendMessage"); len(c) != 1 || !c[0].Dropped || c[0].Status != 0 {
		t.Fatalf("calls = %+v", c)
	}
	if len(fake.Sent(userID)) != 0 {
		t.Fatal("a call dropped before processing delivered its message")
	}

	// A response lost after the message went out: the client sees an
	// error, the user sees the message. Retrying naively sends it twice.
	reply := telegramtest.DropConnection()
	reply.AfterProcessing = true
	fake.Fail("sendMessage", userID, 1, reply)
	if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "delivered"}); err == nil {
		t.Fatal("lost response: no error")
	}
	if sent := fake.Sent(userID); len(sent) != 1 || sent[0].Text != "delivered" {
		t.Fatalf("Sent = %+v", sent)
	}
}

func TestOnCallHook(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()
	n := 0
	fake.OnCall(func(c telegramtest.Call) *telegramtest.Reply {
		if c.Method != "sendMessage" {
			return nil
		}
		n++
		if n == 2 {
			return telegramtest.ServerError(http.StatusInternalServerError)
		}
		return nil
	})
	for i := 0; i < 3; i++ {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "x"})
		if (err != nil) != (i == 1) {
			t.Fatalf("send %d: %v", i, err)
		}
	}
	fake.OnCall(nil)
	if len(fake.Sent(userID)) != 2 {
		t.Fatalf("Sent = %d, want 2", len(fake.Sent(userID)))
	}
}

func TestEditMessage(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	q, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "Câu 1/2", ReplyMarkup: quizKeyboard("a1", "b1")})
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: userID, MessageID: q.ID, Text: "Câu 1/2", ReplyMarkup: quizKeyboard("a1", "b1")})
	wantErr(t, err, bot.ErrorBadRequest, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: userID, MessageID: q.ID, ReplyMarkup: quizKeyboard("a1", "b1")})
	wantErr(t, err, bot.ErrorBadRequest, "message is not modified")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: userID, MessageID: 99, Text: "x"})
	wantErr(t, err, bot.ErrorBadRequest, "Bad Request: message to edit not found")
	_, err = b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: 12345, MessageID: q.ID, ReplyMarkup: quizKeyboard("a")})
	wantErr(t, err, bot.ErrorBadRequest, "message to edit not found")

	edited, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: userID, MessageID: q.ID, Text: "Câu 1/2\nBạn chọn: <b>A</b>", ParseMode: models.ParseModeHTML})
	if err != nil {
		t.Fatal(err)
	}
	if edited.EditDate == 0 || edited.Text != "Câu 1/2\nBạn chọn: A" || edited.ReplyMarkup != nil {
		t.Fatalf("edited = %+v", edited)
	}
	m, _ := fake.Message(userID, q.ID)
	if m.Edits != 1 || m.Buttons != nil || m.RawText != "Câu 1/2\nBạn chọn: <b>A</b>" {
		t.Fatalf("after edit without reply_markup the keyboard must be gone: %+v", m)
	}
	// Same visible text without the bold is a different message.
	if _, err := b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: userID, MessageID: q.ID, Text: "Câu 1/2\nBạn chọn: A"}); err != nil {
		t.Fatalf("dropping the bold: %v", err)
	}
	if _, err := b.EditMessageReplyMarkup(ctx, &bot.EditMessageReplyMarkupParams{ChatID: userID, MessageID: q.ID, ReplyMarkup: quizKeyboard("again")}); err != nil {
		t.Fatal(err)
	}
	if m, _ := fake.LastMessage(userID); m.Labels()[0] != "A" || m.Buttons[0][0].CallbackData != "again" || m.Edits != 3 {
		t.Fatalf("after markup edit: %+v", m)
	}

	ok, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: userID, MessageID: q.ID})
	if err != nil || !ok {
		t.Fatalf("DeleteMessage: %v", err)
	}
	if len(fake.Sent(userID)) != 0 {
		t.Fatal("deleted message still shown")
	}
	_, err = b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: userID, MessageID: q.ID})
	wantErr(t, err, bot.ErrorBadRequest, "message to delete not found")
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: userID, MessageID: q.ID, Text: "late"})
	wantErr(t, err, bot.ErrorBadRequest, "message to edit not found")
}

func TestCallbackQueries(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	q, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "Câu 1", ReplyMarkup: quizKeyboard("ans:1:A", "ans:1:B")})
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := fake.LastMessage(userID)
	u1 := fake.Tap(t, user, msg, "B")
	u2 := fake.Tap(t, user, msg, "B") // a double tap: two updates, two query ids
	cq := u1.CallbackQuery
	if cq == nil || cq.Data != "ans:1:B" || cq.From.ID != userID || cq.Message.Message == nil || cq.Message.Message.ID != q.ID {
		t.Fatalf("callback query = %+v", cq)
	}
	if u2.ID <= u1.ID || u2.CallbackQuery.ID == cq.ID {
		t.Fatalf("double tap must be two updates with two query ids: %d/%s, %d/%s", u1.ID, cq.ID, u2.ID, u2.CallbackQuery.ID)
	}
	if cq.Message.Message.ReplyMarkup == nil || cq.Message.Message.ReplyMarkup.InlineKeyboard[0][0].CallbackData != "ans:1:A" {
		t.Fatalf("callback message carries the keyboard: %+v", cq.Message.Message.ReplyMarkup)
	}

	if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID, Text: "Đã ghi nhận"}); err != nil {
		t.Fatal(err)
	}
	if a, ok := fake.CallbackAnswer(cq.ID); !ok || a.Text != "Đã ghi nhận" {
		t.Fatalf("CallbackAnswer = %+v %v", a, ok)
	}
	const tooOld = "Bad Request: query is too old and response timeout expired or query ID is invalid"
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: cq.ID})
	wantErr(t, err, bot.ErrorBadRequest, tooOld)
	_, err = b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: "424242"})
	wantErr(t, err, bot.ErrorBadRequest, tooOld)
	if c := fake.CallsTo("answerCallbackQuery"); c[0].ChatID != userID {
		t.Fatalf("answerCallbackQuery is attributed to the chat of its query: %+v", c[0])
	}

	// A stale button on a deleted message arrives as an inaccessible message.
	if _, err := b.DeleteMessage(ctx, &bot.DeleteMessageParams{ChatID: userID, MessageID: q.ID}); err != nil {
		t.Fatal(err)
	}
	stale := fake.CallbackQuery(user, msg, "ans:1:A")
	if im := stale.CallbackQuery.Message; im.Type != models.MaybeInaccessibleMessageTypeInaccessibleMessage || im.InaccessibleMessage.MessageID != q.ID {
		t.Fatalf("stale callback = %+v", im)
	}
	// The update survives the JSON round trip the way the client decodes it.
	var decoded models.Update
	if err := json.Unmarshal([]byte(telegramtest.String(stale)), &decoded); err != nil || decoded.CallbackQuery.Message.InaccessibleMessage == nil {
		t.Fatalf("decoded = %+v, %v", decoded, err)
	}
}

func TestUpdateBuilders(t *testing.T) {
	fake := telegramtest.New(t, telegramtest.WithFirstUpdateID(1000))
	start := fake.Command(user, "/start", "ref42")
	if start.ID != 1000 || start.Message.Text != "/start ref42" || start.Message.Chat.ID != userID || start.Message.Chat.Type != models.ChatTypePrivate {
		t.Fatalf("command = %+v", start.Message)
	}
	if e := start.Message.Entities; len(e) != 1 || e[0].Type != models.MessageEntityTypeBotCommand || e[0].Offset != 0 || e[0].Length != 6 {
		t.Fatalf("entities = %+v", e)
	}
	own := fake.Contact(user, "84912345678")
	if own.ID != 1001 || own.Message.Contact.UserID != user.ID || own.Message.Contact.PhoneNumber != "84912345678" || own.Message.From.ID != user.ID {
		t.Fatalf("own contact = %+v", own.Message.Contact)
	}
	foreign := fake.ForeignContact(user, models.Contact{PhoneNumber: "+84987654321", FirstName: "Hùng", UserID: 9090})
	if foreign.Message.Contact.UserID == foreign.Message.From.ID {
		t.Fatal("foreign contact carries the sender's id")
	}
	text := fake.TextMessage(user, "42")
	if text.Message.ID != 4 || text.Message.Date == 0 {
		t.Fatalf("user messages take the chat's message ids in turn: %+v", text.Message)
	}
	group := fake.NewMessage(models.Message{From: &user, Chat: models.Chat{ID: -100777, Type: models.ChatTypeSupergroup, Title: "Sở Nội vụ"}, Text: "hi"})
	if group.Message.ID != 1 || group.Message.Chat.Title != "Sở Nội vụ" {
		t.Fatalf("group message = %+v", group.Message)
	}

	// By default ids look like Telegram's: nine digits, within 32 bits.
	first := telegramtest.New(t).TextMessage(user, "a")
	if first.ID != telegramtest.DefaultFirstUpdateID || first.ID > 1<<31-1 {
		t.Fatalf("first update id %d", first.ID)
	}
}

func TestGetUpdatesDeliversQueuedUpdates(t *testing.T) {
	fake := telegramtest.New(t)
	got := make(chan *models.Update, 10)
	// Handlers in order, so that the order of delivery shows.
	b := newBot(t, fake, bot.WithNotAsyncHandlers(), bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) { got <- u }))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { b.Start(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	// The client long-polls (timeout 59 s): queued updates must arrive at
	// once, not when the poll times out.
	fake.WaitPolling(t)
	start := fake.Command(user, "start")
	fake.Queue(start, fake.TextMessage(user, "xin chào"))
	recv := func() *models.Update {
		select {
		case u := <-got:
			return u
		case <-time.After(10 * time.Second):
			t.Fatal("no update delivered")
			return nil
		}
	}
	u1, u2 := recv(), recv()
	if u1.ID != start.ID || u1.Message.Text != "/start" || u2.Message.Text != "xin chào" {
		t.Fatalf("updates %+v, %+v", u1.Message, u2.Message)
	}
	fake.WaitDelivered(t)

	// Duplicate delivery: the same update again, same update_id.
	fake.Queue(start)
	if dup := recv(); dup.ID != start.ID {
		t.Fatalf("duplicate has id %d, want %d", dup.ID, start.ID)
	}
	fake.WaitDelivered(t)
	if fake.Pending() != 0 {
		t.Fatalf("pending = %d", fake.Pending())
	}
	polls := fake.CallsTo("getUpdates")
	if polls[0].Int("timeout") < 1 {
		t.Fatalf("the client long-polls: %+v", polls[0].Params)
	}
}

func TestWebhookStateAndPost(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	_, err := b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "http://quiz.example.org/webhook/telegram"})
	wantErr(t, err, bot.ErrorBadRequest, "HTTPS URL must be provided")
	_, err = b.SetWebhook(ctx, &bot.SetWebhookParams{URL: "https://quiz.example.org/webhook/telegram", SecretToken: "not secret!"})
	wantErr(t, err, bot.ErrorBadRequest, "secret token contains unallowed characters")
	ok, err := b.SetWebhook(ctx, &bot.SetWebhookParams{
		URL: "https://quiz.example.org/webhook/telegram", SecretToken: "s3cr3t_-", AllowedUpdates: []string{"message", "callback_query"},
	})
	if err != nil || !ok {
		t.Fatal(err)
	}
	wh := fake.Webhook()
	if wh.URL != "https://quiz.example.org/webhook/telegram" || wh.SecretToken != "s3cr3t_-" || len(wh.AllowedUpdates) != 2 {
		t.Fatalf("Webhook = %+v", wh)
	}
	info, err := b.GetWebhookInfo(ctx)
	if err != nil || info.URL != wh.URL || info.MaxConnections != 40 {
		t.Fatalf("GetWebhookInfo = %+v, %v", info, err)
	}
	status, body := post(t, fake, "getUpdates", "application/json", `{}`)
	if status != 409 || !strings.Contains(body["description"].(string), "webhook is active") {
		t.Fatalf("getUpdates with a webhook: %d %v", status, body)
	}
	if _, err := b.DeleteWebhook(ctx, &bot.DeleteWebhookParams{DropPendingUpdates: true}); err != nil {
		t.Fatal(err)
	}
	if fake.Webhook().URL != "" {
		t.Fatal("webhook still set")
	}

	// Post delivers to a webhook handler with the secret header.
	type seen struct {
		secret string
		update models.Update
	}
	ch := make(chan seen, 2)
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u models.Update
		data, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(data, &u); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		ch <- seen{r.Header.Get("X-Telegram-Bot-Api-Secret-Token"), u}
		w.WriteHeader(http.StatusOK)
	})
	hs := newHTTPServer(t, handler)
	u := fake.Contact(user, "84912345678")
	for i := 0; i < 2; i++ { // the second time is a duplicate delivery
		resp := fake.Post(t, hs, "s3cr3t_-", u)
		if resp.StatusCode != 200 {
			t.Fatalf("Post: %d", resp.StatusCode)
		}
		s := <-ch
		if s.secret != "s3cr3t_-" || s.update.ID != u.ID || s.update.Message.Contact.UserID != userID {
			t.Fatalf("webhook saw %+v", s)
		}
	}
	if resp := telegramtest.PostRaw(t, hs, "", []byte("{not json")); resp.StatusCode != 400 {
		t.Fatalf("PostRaw: %d", resp.StatusCode)
	}
}

func TestSendDocumentAndOtherMethods(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()

	data := []byte("PK\x03\x04 fake xlsx bytes")
	m, err := b.SendDocument(ctx, &bot.SendDocumentParams{
		ChatID:    userID,
		Document:  &models.InputFileUpload{Filename: "bao-cao-tuan-12.xlsx", Data: bytes.NewReader(data)},
		Caption:   "<b>Báo cáo</b> tuần 12",
		ParseMode: models.ParseModeHTML,
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Document == nil || m.Document.FileName != "bao-cao-tuan-12.xlsx" || m.Document.FileSize != int64(len(data)) || m.Caption != "Báo cáo tuần 12" {
		t.Fatalf("document message = %+v %+v", m, m.Document)
	}
	last, _ := fake.LastMessage(userID)
	if last.Document == nil || !bytes.Equal(last.Document.Data, data) || last.Document.Name != "bao-cao-tuan-12.xlsx" {
		t.Fatalf("LastMessage.Document = %+v", last.Document)
	}
	if up := fake.CallsTo("sendDocument")[0].Files["document"]; up.Name != "bao-cao-tuan-12.xlsx" || !bytes.Equal(up.Data, data) {
		t.Fatalf("recorded upload = %+v", up)
	}
	// Forwarding by file_id reuses the upload.
	again, err := b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 888, Document: &models.InputFileString{Data: m.Document.FileID}})
	if err != nil || again.Document.FileName != "bao-cao-tuan-12.xlsx" {
		t.Fatalf("resend by file_id: %+v, %v", again, err)
	}
	_, err = b.SendDocument(ctx, &bot.SendDocumentParams{ChatID: 888, Document: &models.InputFileString{Data: "no-such-file"}})
	wantErr(t, err, bot.ErrorBadRequest, "wrong file identifier")

	if ok, err := b.SetMyCommands(ctx, &bot.SetMyCommandsParams{Commands: []models.BotCommand{
		{Command: "start", Description: "Bắt đầu"}, {Command: "thi", Description: "Làm bài thi tuần"},
	}}); err != nil || !ok {
		t.Fatal(err)
	}
	cmds, err := b.GetMyCommands(ctx, &bot.GetMyCommandsParams{})
	if err != nil || len(cmds) != 2 || cmds[1].Command != "thi" {
		t.Fatalf("GetMyCommands = %+v, %v", cmds, err)
	}
	if ok, err := b.SendChatAction(ctx, &bot.SendChatActionParams{ChatID: userID, Action: models.ChatActionTyping}); err != nil || !ok {
		t.Fatal(err)
	}
	// Other methods returning a Message get one, with the caption.
	photo, err := b.SendPhoto(ctx, &bot.SendPhotoParams{ChatID: userID, Photo: &models.InputFileString{Data: "https://example.org/chart.png"}, Caption: "Biểu đồ"})
	if err != nil || photo.Caption != "Biểu đồ" || photo.ID == 0 {
		t.Fatalf("SendPhoto = %+v, %v", photo, err)
	}
	if last, _ := fake.LastMessage(userID); last.Method != "sendPhoto" || last.Text != "Biểu đồ" {
		t.Fatalf("LastMessage = %+v", last)
	}
	_, err = b.EditMessageText(ctx, &bot.EditMessageTextParams{ChatID: userID, MessageID: photo.ID, Text: "x"})
	wantErr(t, err, bot.ErrorBadRequest, "there is no text in the message to edit")
	// A method the fake does not model is validated, recorded and accepted.
	if ok, err := b.PinChatMessage(ctx, &bot.PinChatMessageParams{ChatID: userID, MessageID: m.ID}); err != nil || !ok {
		t.Fatalf("PinChatMessage: %v", err)
	}
	if len(fake.CallsTo("pinChatMessage")) != 1 {
		t.Fatal("pinChatMessage not recorded")
	}
}

func TestClockAndRateWindows(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	fake := telegramtest.New(t, telegramtest.WithNow(clock))
	b := newBot(t, fake, bot.WithSkipGetMe())
	ctx := context.Background()
	// 3 sends in the first second, 2 in the next.
	for _, step := range []time.Duration{0, 300 * time.Millisecond, 300 * time.Millisecond, 500 * time.Millisecond, 100 * time.Millisecond} {
		advance(step)
		if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: userID, Text: "x"}); err != nil {
			t.Fatal(err)
		}
	}
	calls := fake.CallsTo("sendMessage")
	if !calls[0].Time.Equal(time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)) {
		t.Fatalf("receive time %v", calls[0].Time)
	}
	if got := telegramtest.MaxInWindow(calls, time.Second); got != 4 {
		// 0.3, 0.6, 1.1, 1.2 fall in one second.
		t.Fatalf("MaxInWindow = %d, want 4", got)
	}
	if m, _ := fake.LastMessage(userID); m.Date.Unix() != now.Unix() {
		t.Fatalf("message date %v, want the fake clock", m.Date)
	}
}

func TestWaitHelpers(t *testing.T) {
	fake := telegramtest.New(t)
	b := newBot(t, fake, bot.WithSkipGetMe())
	go func() {
		for i := 0; i < 3; i++ {
			_, _ = b.SendMessage(context.Background(), &bot.SendMessageParams{ChatID: userID, Text: "tin " + string(rune('1'+i))})
		}
	}()
	calls := fake.WaitCalls(t, "sendMessage", 3)
	if len(calls) != 3 {
		t.Fatalf("WaitCalls returned %d", len(calls))
	}
	m := fake.WaitMessage(t, userID, func(m telegramtest.Message) bool { return m.Text == "tin 3" })
	if m.ID != 3 {
		t.Fatalf("WaitMessage = %+v", m)
	}
	if sent := fake.WaitSent(t, userID, 3); len(sent) != 3 {
		t.Fatalf("WaitSent = %d", len(sent))
	}
	got := fake.WaitFor(t, func(calls []telegramtest.Call) bool { return len(calls) >= 3 }, 0)
	if len(got) < 3 {
		t.Fatal("WaitFor")
	}

	// A condition that never holds fails the test after the timeout.
	short := telegramtest.New(t, telegramtest.WithWaitTimeout(20*time.Millisecond))
	rec := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		short.WaitCalls(rec, "sendMessage", 1)
	}()
	<-done
	if !strings.Contains(rec.msg, "gave up") {
		t.Fatalf("WaitCalls did not fail: %q", rec.msg)
	}
}

func newHTTPServer(t *testing.T, h http.Handler) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// fatalRecorder stands in for a test that is expected to fail.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (r *fatalRecorder) Helper() {}

func (r *fatalRecorder) Fatalf(format string, args ...any) {
	r.msg = fmt.Sprintf(format, args...)
	runtime.Goexit() // as testing.T does: stop the goroutine
}
