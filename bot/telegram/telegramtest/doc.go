// Package telegramtest is an in-process fake of the Telegram Bot API for
// tests. Point the real client at it:
//
//	fake := telegramtest.New(t)
//	b, err := bot.New(fake.Token(), bot.WithServerURL(fake.URL()))
//
// The fake checks every call against the Bot API spec embedded in spec.json
// (generated from ../shared/telegram-bot-api/api.json by ./gen; MIT, see
// spec.LICENSE): an unknown method answers 404, a missing required field, an
// unknown field or a value of the wrong type answers 400. On top of the spec
// it enforces the limits the real server enforces and the quiz bot can trip
// over: text length, parse modes, callback_data size, keyboard shapes,
// request_contact outside private chats, editing a message that does not
// exist or to identical content, answering a callback query twice.
//
// The fake is stricter than Telegram in one respect: the real server ignores
// parameters it does not know, the fake rejects them, because a misspelt
// parameter is a bug that would otherwise pass silently.
//
// Calls are recorded (Calls, CallsTo) and the chats are modelled as a user
// would see them (Sent, LastMessage, Keyboard). Failures can be injected per
// method and chat (FailTooManyRequests, FailServerError, FailNetwork, Block,
// OnCall). Updates are built the way Telegram builds them (TextMessage,
// Command, Contact, CallbackQuery, Tap, Document, Video) and delivered by
// long polling (Queue) or posted to a webhook (Post). The files users send
// are served as the Bot API serves them: getFile answers a file_path
// (refusing files over 20 MB, SetFileLimit) and GET /file/bot<token>/<path>
// the bytes. Wait helpers block on the fake's state, not on sleeps.
//
// A typical webhook test:
//
//	fake := telegramtest.New(t)
//	// … start quizbot with TELEGRAM_API_URL=fake.URL(), TELEGRAM_TOKEN=fake.Token()
//	hook := srv.URL + "/webhook/telegram"
//	if resp := fake.Post(t, hook, secret, fake.Command(user, "start")); resp.StatusCode != 200 { … }
//	fake.WaitMessage(t, user.ID, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "số điện thoại") })
//	fake.Post(t, hook, secret, fake.Contact(user, "84912345678"))
//	q := fake.WaitSent(t, user.ID, 3)[2]
//	fake.Post(t, hook, secret, fake.Tap(t, user, q, "A"))
//	fake.WaitCalls(t, "answerCallbackQuery", 1)
//
// Mind go-telegram's names: models.ParseModeMarkdown is "MarkdownV2";
// legacy Markdown is models.ParseModeMarkdownV1.
package telegramtest
