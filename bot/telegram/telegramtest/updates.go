package telegramtest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
)

// DefaultFirstUpdateID is where a Fake's update ids start: nine digits, like
// real ones, which fit in 32 bits (a bot storing them in an int4 column must
// not pass with the fake and fail with Telegram, or the other way round).
const DefaultFirstUpdateID = 800000001

func (f *Fake) newUpdateIDLocked() int64 {
	id := f.nextUpdateID
	f.nextUpdateID++
	return id
}

func (f *Fake) newQueryIDLocked() string {
	f.querySeq++
	// Real callback query ids are long decimal strings.
	return strconv.FormatUint(4372094375000000000+f.querySeq, 10)
}

// privateChat is the chat between the bot and user.
func privateChat(u models.User) models.Chat {
	return models.Chat{ID: u.ID, Type: models.ChatTypePrivate, FirstName: u.FirstName, LastName: u.LastName, Username: u.Username}
}

// userMessageLocked records a message the user sends to the bot and wraps
// it in an update.
func (f *Fake) userMessageLocked(m models.Message) *models.Update {
	c := f.chatLocked(m.Chat.ID)
	if m.Chat.Type == "" {
		m.Chat = c.info
	}
	c.setInfo(m.Chat)
	if m.Chat.Type == models.ChatTypePrivate {
		c.started = true
	}
	if c.oneTime {
		c.keyboard, c.oneTime = nil, false // a one-time keyboard hides once used
	}
	st := &msgState{Message: Message{ChatID: m.Chat.ID, Text: m.Text, RawText: m.Text, Date: f.now()}}
	c.add(st)
	m.ID = st.ID
	if m.Date == 0 {
		m.Date = int(st.Date.Unix())
	}
	f.notifyLocked()
	return &models.Update{ID: f.newUpdateIDLocked(), Message: &m}
}

// NewMessage turns m into an update as Telegram would deliver it: it gets
// the next message id of its chat, a date and a fresh update_id. Use it for
// messages the other helpers do not build (groups, other content); the chat
// defaults to the private chat of m.From.
func (f *Fake) NewMessage(m models.Message) *models.Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	if m.Chat.ID == 0 && m.From != nil {
		m.Chat = privateChat(*m.From)
	}
	return f.userMessageLocked(m)
}

// TextMessage is a text message from user in their private chat with the bot.
func (f *Fake) TextMessage(from models.User, text string) *models.Update {
	return f.NewMessage(models.Message{From: &from, Chat: privateChat(from), Text: text})
}

// Command is a /command from user in their private chat, with the
// bot_command entity Telegram adds; args, if any, follow after a space.
func (f *Fake) Command(from models.User, command string, args ...string) *models.Update {
	cmd := "/" + strings.TrimPrefix(command, "/")
	text := cmd
	if len(args) > 0 {
		text += " " + strings.Join(args, " ")
	}
	return f.NewMessage(models.Message{
		From: &from, Chat: privateChat(from), Text: text,
		Entities: []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Offset: 0, Length: TextLength(cmd)}},
	})
}

// Contact is the user sharing their own phone number through a
// request_contact button: contact.user_id is the sender's id. Phone numbers
// arrive as Telegram sends them, often without "+" (e.g. "84912345678").
func (f *Fake) Contact(from models.User, phone string) *models.Update {
	return f.ForeignContact(from, models.Contact{
		PhoneNumber: phone, FirstName: from.FirstName, LastName: from.LastName, UserID: from.ID,
	})
}

// ForeignContact is the user sending a contact card that may not be their
// own (forwarded, or typed in): contact.UserID is whatever the card says,
// 0 for a number that is not on Telegram.
func (f *Fake) ForeignContact(from models.User, contact models.Contact) *models.Update {
	return f.NewMessage(models.Message{From: &from, Chat: privateChat(from), Contact: &contact})
}

// CallbackQuery is the user pressing a button with data on msg, a message
// the bot sent, with a fresh callback query id that answerCallbackQuery will
// accept once. The data need not be on the message now, so that stale and
// forged buttons can be tested. A deleted message comes as an inaccessible
// message, as on Telegram.
func (f *Fake) CallbackQuery(from models.User, msg Message, data string) *models.Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, st, id := f.newCallbackLocked(msg)
	q := &models.CallbackQuery{
		ID:           id,
		From:         from,
		ChatInstance: chatInstance(msg.ChatID),
		Data:         data,
	}
	if st != nil {
		q.Message = models.MaybeInaccessibleMessage{Type: models.MaybeInaccessibleMessageTypeMessage, Message: f.modelMessageLocked(c, st)}
	} else {
		q.Message = models.MaybeInaccessibleMessage{
			Type:                models.MaybeInaccessibleMessageTypeInaccessibleMessage,
			InaccessibleMessage: &models.InaccessibleMessage{Chat: c.info, MessageID: msg.ID},
		}
	}
	return &models.Update{ID: f.newUpdateIDLocked(), CallbackQuery: q}
}

// CallbackQueryJSON is CallbackQuery's update as the JSON Telegram posts to
// a webhook, written straight from the fake's state: the same values as
// String(CallbackQuery(from, msg, data)) (the message's reply_markup as the
// fake normalised it), at a fraction of the cost, for benchmarks that
// build an update per answer.
func (f *Fake) CallbackQueryJSON(from models.User, msg Message, data string) []byte {
	fromJSON := mustJSON(from) // outside the lock
	f.mu.Lock()
	defer f.mu.Unlock()
	c, st, id := f.newCallbackLocked(msg)
	b := make([]byte, 0, 512+len(data)+len(fromJSON))
	b = append(b, `{"update_id":`...)
	b = appendInt(b, f.newUpdateIDLocked())
	b = append(b, `,"callback_query":{"id":`...)
	b = appendJSONString(b, id)
	b = append(b, `,"from":`...)
	b = append(b, fromJSON...)
	b = append(b, `,"message":`...)
	if st != nil {
		b = f.appendMessageLocked(b, c, st)
	} else {
		b = append(b, `{"chat":`...)
		b = append(b, c.infoJSON()...)
		b = append(b, `,"message_id":`...)
		b = appendInt(b, int64(msg.ID))
		b = append(b, `,"date":0}`...)
	}
	b = append(b, `,"chat_instance":`...)
	b = appendJSONString(b, chatInstance(msg.ChatID))
	if data != "" {
		b = append(b, `,"data":`...)
		b = appendJSONString(b, data)
	}
	return append(b, "}}"...)
}

// newCallbackLocked registers a query on msg and returns its chat, the
// message if it is still there, and the query id.
func (f *Fake) newCallbackLocked(msg Message) (*chatState, *msgState, string) {
	c := f.chatLocked(msg.ChatID)
	id := f.newQueryIDLocked()
	f.callbacks[id] = &callbackState{chatID: msg.ChatID}
	f.notifyLocked()
	st := c.byID[msg.ID]
	if st != nil && st.deleted {
		st = nil
	}
	return c, st, id
}

func chatInstance(chatID int64) string { return strconv.FormatInt(-chatID*7919, 10) }

// Tap is the user pressing the inline button labelled label on msg as it
// is now (after edits); it fails the test if there is no such button.
func (f *Fake) Tap(t testing.TB, from models.User, msg Message, label string) *models.Update {
	t.Helper()
	cur, ok := f.Message(msg.ChatID, msg.ID)
	if !ok {
		t.Fatalf("telegramtest: Tap %q: no message %d in chat %d", label, msg.ID, msg.ChatID)
	}
	b, ok := cur.Button(label)
	if !ok || b.CallbackData == "" {
		t.Fatalf("telegramtest: Tap %q: message %d in chat %d has no such callback button; it has %q", label, msg.ID, msg.ChatID, cur.Labels())
	}
	return f.CallbackQuery(from, cur, b.CallbackData)
}

// CallbackAnswer returns how the bot answered the callback query id, if it did.
func (f *Fake) CallbackAnswer(id string) (CallbackAnswer, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	q, ok := f.callbacks[id]
	if !ok || !q.answered {
		return CallbackAnswer{}, false
	}
	return q.answer, true
}

func (f *Fake) modelMessageLocked(c *chatState, st *msgState) *models.Message {
	bot := f.BotUser()
	m := &models.Message{
		ID:   st.ID,
		From: &bot,
		Chat: c.info,
		Date: int(st.Date.Unix()),
		Text: st.Text,
	}
	if st.Edits > 0 {
		m.EditDate = int(st.EditDate.Unix())
	}
	if st.Buttons != nil {
		var mk models.InlineKeyboardMarkup
		if err := json.Unmarshal([]byte(st.Markup), &mk); err == nil {
			m.ReplyMarkup = &mk
		}
	}
	if st.Method != "sendMessage" {
		m.Text, m.Caption = "", st.Text
	}
	if st.Document != nil {
		m.Document = documentOf(st.Document)
	}
	return m
}

// queued is an update waiting to be fetched by getUpdates.
type queued struct {
	id        int64
	kind      string // "message", "callback_query"…: for allowed_updates
	raw       json.RawMessage
	delivered bool
}

// Queue makes updates available to getUpdates, in order. Queueing an
// update again delivers it again with the same update_id, as Telegram does
// when a poller did not confirm it: that is how to test duplicate delivery.
func (f *Fake) Queue(updates ...*models.Update) {
	for _, u := range updates {
		f.QueueRaw(mustJSON(u))
	}
}

// QueueRaw queues an update given as JSON, e.g. a malformed one.
func (f *Fake) QueueRaw(raw json.RawMessage) {
	var head map[string]json.RawMessage
	_ = json.Unmarshal(raw, &head)
	q := &queued{raw: raw}
	_ = json.Unmarshal(head["update_id"], &q.id)
	for k := range head {
		if k != "update_id" {
			q.kind = k
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.queue = append(f.queue, q)
	f.notifyLocked()
}

// Pending counts queued updates not yet confirmed by a later getUpdates.
func (f *Fake) Pending() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.queue)
}

// WaitDelivered blocks until every queued update was fetched and confirmed
// (by a getUpdates with a higher offset).
func (f *Fake) WaitDelivered(t testing.TB) {
	t.Helper()
	f.waitState(t, "all queued updates confirmed", func() bool { return len(f.queue) == 0 })
}

// WaitPolling blocks until a getUpdates long poll is waiting for updates:
// the bot has started polling. (Polls are recorded as calls only when they
// return.)
func (f *Fake) WaitPolling(t testing.TB) {
	t.Helper()
	f.waitState(t, "a waiting getUpdates", func() bool { return f.pollers > 0 })
}

// defaultNotAllowed are the update kinds Telegram leaves out unless
// allowed_updates lists them.
var defaultNotAllowed = map[string]bool{"chat_member": true, "message_reaction": true, "message_reaction_count": true}

func (f *Fake) allowedLocked(kind string) bool {
	if len(f.allowed) == 0 {
		return !defaultNotAllowed[kind]
	}
	return contains(f.allowed, kind)
}

// getUpdates serves the queue like the real long poll: updates below
// offset that were delivered are confirmed and dropped; the call returns as
// soon as something is queued, or when timeout (seconds, real time) passes.
// A newer poll ends an older one with 409, as on Telegram.
func (f *Fake) getUpdates(r *http.Request, call *Call) outcome {
	p := call.Params
	offset, _ := strconv.ParseInt(p["offset"], 10, 64)
	limit, _ := strconv.Atoi(p["limit"])
	if limit <= 0 || limit > 100 {
		limit = 100
	}
	timeout, _ := strconv.Atoi(p["timeout"])

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.webhook.URL != "" {
		return outcome{err: &apiError{status: http.StatusConflict, description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}}
	}
	if a := p["allowed_updates"]; a != "" {
		var list []string
		if err := json.Unmarshal([]byte(a), &list); err == nil {
			f.allowed = list
		}
	}
	f.pollGen++
	gen := f.pollGen
	if offset > 0 {
		kept := f.queue[:0]
		for _, q := range f.queue {
			if !(q.delivered && q.id < offset) {
				kept = append(kept, q)
			}
		}
		f.queue = kept
	}
	f.notifyLocked() // wakes an older poll, which then ends with 409

	var deadline <-chan time.Time
	if timeout > 0 {
		timer := time.NewTimer(time.Duration(timeout) * time.Second)
		defer timer.Stop()
		deadline = timer.C
	}
	for {
		if gen != f.pollGen {
			return outcome{err: &apiError{status: http.StatusConflict, description: "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"}}
		}
		if r.Context().Err() != nil {
			// The client is gone: hand out nothing it would never see.
			return outcome{result: []json.RawMessage{}}
		}
		var batch []json.RawMessage
		kept := f.queue[:0]
		for _, q := range f.queue {
			if !f.allowedLocked(q.kind) {
				continue // filtered out for good, as Telegram does
			}
			kept = append(kept, q)
			if len(batch) < limit {
				batch = append(batch, q.raw)
				q.delivered = true
			}
		}
		f.queue = kept
		if len(batch) > 0 || deadline == nil {
			if batch == nil {
				batch = []json.RawMessage{}
			}
			return outcome{result: batch}
		}
		f.pollers++
		f.notifyLocked() // WaitPolling
		// Taken after notifying: the channel taken before would be closed
		// already, and the poll would spin instead of waiting.
		changed := f.changedLocked()
		f.mu.Unlock()
		select {
		case <-changed:
		case <-deadline:
			deadline = nil
		case <-r.Context().Done():
			deadline = nil
		case <-f.closed:
			deadline = nil
		}
		f.mu.Lock()
		f.pollers--
	}
}

// Post delivers u to a webhook the way Telegram does: a JSON POST with the
// secret in X-Telegram-Bot-Api-Secret-Token (left out when secret is "").
// The response body is read in full, so closing it is optional. Post the
// same update twice to test duplicate delivery.
//
// Like Telegram, when the webhook answers 2xx with a JSON body naming a
// "method", the fake carries that call out (validated and recorded as any
// other call), after the answer is read.
func (f *Fake) Post(t testing.TB, webhookURL, secret string, u *models.Update) *http.Response {
	t.Helper()
	resp := PostRaw(t, webhookURL, secret, mustJSON(u))
	f.callFromWebhookAnswer(t, resp)
	return resp
}

// callFromWebhookAnswer makes the Bot API call a webhook put in its answer.
func (f *Fake) callFromWebhookAnswer(t testing.TB, resp *http.Response) {
	t.Helper()
	if resp.StatusCode/100 != 2 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		return
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(data))
	var params map[string]json.RawMessage
	if json.Unmarshal(data, &params) != nil {
		return
	}
	var method string
	if json.Unmarshal(params["method"], &method) != nil || method == "" {
		return
	}
	delete(params, "method")
	body, _ := json.Marshal(params)
	r, err := http.Post(f.URL()+"/bot"+f.Token()+"/"+method, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("telegramtest: the call in the webhook's answer: %v", err)
	}
	io.Copy(io.Discard, r.Body)
	r.Body.Close()
}

// PostRaw posts body as an update to a webhook, e.g. to test malformed input.
func PostRaw(t testing.TB, webhookURL, secret string, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("telegramtest: Post: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	if secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
	}
	// Telegram gives up on a webhook after about a minute.
	client := &http.Client{Timeout: 60 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("telegramtest: Post %s: %v", webhookURL, err)
	}
	data, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		t.Fatalf("telegramtest: Post %s: reading the answer: %v", webhookURL, err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return resp
}

// String renders an update as JSON, for failure messages.
func String(u *models.Update) string { return string(mustJSON(u)) }
