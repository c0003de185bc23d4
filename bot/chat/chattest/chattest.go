// Package chattest is an in-memory chat platform for tests of the
// conversation: a chat.Messenger with declared capabilities that keeps what
// each person would see in their chat (messages, their buttons as edited
// since, the keyboard under the input field, the notes a tap shows), refuses
// what its capabilities do not allow, and lets a test act as the person
// (type, tap a button, share their phone). Adapters' tests may reuse it.
package chattest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"quizbot/bot/chat"
	"quizbot/outbound"
	"quizbot/quiz"
)

// Receiver is what events are delivered to: *chat.Bot.
type Receiver interface {
	Receive(ctx context.Context, d chat.Delivery) chat.Outcome
}

// Messenger is one platform's chats, in memory.
type Messenger struct {
	t        testing.TB
	platform quiz.Platform
	caps     chat.Capabilities
	// Sequenced: the platform numbers a chat's messages in one sequence for
	// both sides (Telegram), and typed messages carry their number
	// (chat.Event.MessageSeq).
	Sequenced bool
	// Limit is the longest text the platform delivers, in
	// outbound.TextLen units (0: outbound.MaxText).
	Limit int

	mu      sync.Mutex
	to      Receiver
	events  int
	seq     int64
	chats   map[string]*chatLog
	answers map[string]string    // callback id → the note the tap showed
	replies map[string][]Message // callback id → the messages sent while it was handled
	files   files                // what people sent (files.go)
}

type chatLog struct {
	msgs    []*Message
	menu    [][]string
	contact string
}

// Message is a message as the person sees it now: edits applied.
type Message struct {
	ID      string
	Text    string
	Buttons [][]chat.Button
	Edits   int
}

// Labels are the message's button labels, row by row.
func (m Message) Labels() []string {
	var out []string
	for _, row := range m.Buttons {
		for _, b := range row {
			out = append(out, b.Text)
		}
	}
	return out
}

// Button is the message's button labelled label.
func (m Message) Button(label string) (chat.Button, bool) {
	for _, row := range m.Buttons {
		for _, b := range row {
			if b.Text == label {
				return b, true
			}
		}
	}
	return chat.Button{}, false
}

// New returns a platform p with capabilities caps whose events go to r.
func New(t testing.TB, p quiz.Platform, caps chat.Capabilities, r Receiver) *Messenger {
	return &Messenger{t: t, platform: p, caps: caps, to: r, chats: map[string]*chatLog{}, answers: map[string]string{}, replies: map[string][]Message{}}
}

// SetReceiver sends later events to r (a restarted process).
func (m *Messenger) SetReceiver(r Receiver) {
	m.mu.Lock()
	m.to = r
	m.mu.Unlock()
}

// Capabilities implements chat.Capable.
func (m *Messenger) Capabilities() chat.Capabilities { return m.caps }

// TextLimit implements chat.TextLimiter.
func (m *Messenger) TextLimit() int {
	if m.Limit > 0 {
		return m.Limit
	}
	return outbound.MaxText
}

func (m *Messenger) chat(id string) *chatLog {
	c, ok := m.chats[id]
	if !ok {
		c = &chatLog{}
		m.chats[id] = c
	}
	return c
}

// refuse fails the test: the conversation asked for what the platform
// cannot do. The error is what a platform answers such a request with.
func (m *Messenger) refuse(format string, args ...any) error {
	err := fmt.Errorf("%s: "+format, append([]any{m.platform}, args...)...)
	m.t.Errorf("chattest: %v", err)
	return fmt.Errorf("%w: %w", chat.ErrRejected, err)
}

func (m *Messenger) check(msg chat.Message) error {
	n := 0
	for _, row := range msg.Buttons {
		n += len(row)
	}
	switch {
	case strings.TrimSpace(msg.Text) == "" && msg.Document == nil:
		return m.refuse("empty message")
	case outbound.TextLen(msg.Text) > m.TextLimit():
		return m.refuse("text of %d units over the limit of %d: %.80q", outbound.TextLen(msg.Text), m.TextLimit(), msg.Text)
	case n > m.caps.Buttons:
		return m.refuse("%d buttons, at most %d: %.80q", n, m.caps.Buttons, msg.Text)
	case len(msg.Menu) > 0 && !m.caps.Menu:
		return m.refuse("a menu, which the platform has not: %.80q", msg.Text)
	case msg.ContactButton != "" && !m.caps.AskPhone:
		return m.refuse("a contact button, which the platform has not: %.80q", msg.Text)
	case msg.Document != nil && !m.caps.Documents:
		return m.refuse("a document, which the platform cannot send")
	}
	return nil
}

// Send implements chat.Messenger.
func (m *Messenger) Send(_ context.Context, chatID string, msg chat.Message) (string, error) {
	if err := m.check(msg); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.chat(chatID)
	m.seq++
	id := strconv.FormatInt(m.seq, 10)
	c.msgs = append(c.msgs, &Message{ID: id, Text: msg.Text, Buttons: slices.Clone(msg.Buttons)})
	// The keyboard under the input field, as Telegram keeps it: inline
	// buttons leave it as it is.
	if len(msg.Buttons) == 0 {
		switch {
		case msg.ContactButton != "":
			c.contact, c.menu = msg.ContactButton, nil
		case len(msg.Menu) > 0:
			c.contact, c.menu = "", msg.Menu
		case msg.RemoveMenu:
			c.contact, c.menu = "", nil
		}
	}
	return id, nil
}

// Edit implements chat.Messenger: the text and buttons replaced.
func (m *Messenger) Edit(_ context.Context, chatID, messageID string, msg chat.Message) error {
	if !m.caps.Edit {
		return m.refuse("edit of message %s, which the platform cannot edit: %.80q", messageID, msg.Text)
	}
	if err := m.check(msg); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, old := range m.chat(chatID).msgs {
		if old.ID == messageID {
			old.Text, old.Buttons = msg.Text, slices.Clone(msg.Buttons)
			old.Edits++
			return nil
		}
	}
	return fmt.Errorf("%w: edit: no message %s in chat %s", chat.ErrRejected, messageID, chatID)
}

// AnswerCallback implements chat.Messenger. Where the platform cannot
// acknowledge a tap, the note is seen by nobody.
func (m *Messenger) AnswerCallback(_ context.Context, callbackID, text string) error {
	if !m.caps.AnswerTap {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, done := m.answers[callbackID]; done {
		return fmt.Errorf("%w: callback %s answered twice", chat.ErrRejected, callbackID)
	}
	m.answers[callbackID] = text
	return nil
}

// Deliver hands d to the receiver as the platform would.
func (m *Messenger) Deliver(d chat.Delivery) chat.Outcome {
	m.mu.Lock()
	to := m.to
	m.mu.Unlock()
	return to.Receive(context.Background(), d)
}

// User is a person in a private chat with the bot.
type User struct {
	m    *Messenger
	t    testing.TB
	ID   string
	Name string
	// Phone is the person's own number, which ShareContact hands over.
	Phone string
}

// User returns the person with platform id id, whose chat has the same id.
func (m *Messenger) User(t testing.TB, id, name, phone string) *User {
	return &User{m: m, t: t, ID: id, Name: name, Phone: phone}
}

// Event returns an event from u of kind k, its key not yet given.
func (u *User) event(k chat.Kind) chat.Event {
	return chat.Event{Platform: u.m.platform, UserID: u.ID, ChatID: u.ID, Private: true, Name: u.Name, Kind: k}
}

// Delivery wraps ev with a key of its own, for a test that delivers it
// (again) itself.
func (u *User) Delivery(ev chat.Event) chat.Delivery {
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	u.m.events++
	return chat.Delivery{Key: fmt.Sprintf("%s:%d", u.m.platform, u.m.events), Event: ev}
}

// Do delivers ev, which must be handled.
func (u *User) Do(ev chat.Event) chat.Delivery {
	u.t.Helper()
	d := u.Delivery(ev)
	if out := u.m.Deliver(d); out != chat.Handled {
		u.t.Fatalf("event %s (%q) was %s", d.Key, describe(ev), out)
	}
	return d
}

func describe(ev chat.Event) string {
	switch {
	case ev.Callback != nil:
		return "tap " + ev.Callback.Data
	case ev.Contact != nil:
		return "contact " + quiz.MaskPhone(ev.Contact.Phone)
	case ev.Kind == chat.KindCommand:
		return "/" + ev.Command + " " + ev.Args
	case ev.File != nil:
		return "file " + ev.File.Name
	}
	return ev.Text
}

// Type sends text as the person types it; "/…" is a command.
func (u *User) Type(text string) {
	u.t.Helper()
	u.Do(u.Typed(text))
}

// Typed is the event of text typed, numbered where the platform numbers
// messages (Sequenced) at the moment it is made: a test may deliver it
// later, as a message that left the phone before the bot's last one came.
func (u *User) Typed(text string) chat.Event {
	ev := u.event(chat.KindText)
	ev.Text = text
	if strings.HasPrefix(text, "/") {
		ev.Kind = chat.KindCommand
		ev.Command, ev.Args = chat.ParseCommand(text)
	}
	if u.m.Sequenced {
		u.m.mu.Lock()
		u.m.seq++
		ev.MessageSeq = u.m.seq
		u.m.mu.Unlock()
	}
	return ev
}

// Follow is the person following the bot's account (Zalo's follow).
func (u *User) Follow() {
	u.t.Helper()
	u.Do(u.event(chat.KindFollow))
}

// Unfollow is the person ceasing to follow it.
func (u *User) Unfollow() {
	u.t.Helper()
	u.Do(u.event(chat.KindUnfollow))
}

// Command sends /cmd with args.
func (u *User) Command(cmd string, args ...string) {
	u.t.Helper()
	u.Type(strings.TrimSpace("/" + cmd + " " + strings.Join(args, " ")))
}

// ShareContact shares the person's own phone, by the contact button that
// must be on screen.
func (u *User) ShareContact() {
	u.t.Helper()
	if u.ContactButton() == "" {
		u.t.Fatalf("%s: no contact button on screen", u.Name)
	}
	u.SendContact(u.Phone, u.ID)
}

// SendContact sends a contact card of phone whose owner is ownerID (empty
// for a typed card, another id for a forwarded one).
func (u *User) SendContact(phone, ownerID string) {
	u.t.Helper()
	ev := u.event(chat.KindContact)
	ev.Contact = &chat.Contact{Phone: phone, UserID: ownerID}
	u.Do(ev)
}

// Tap taps the button labelled label of the latest message that shows one,
// and returns the tap's id (see TapNote).
func (u *User) Tap(label string) string {
	u.t.Helper()
	msgs := u.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if _, ok := msgs[i].Button(label); ok {
			return u.TapOn(msgs[i], label)
		}
	}
	u.t.Fatalf("%s: no button %q on screen", u.Name, label)
	return ""
}

// TapOn taps the button labelled label of m as the person saw it (m may
// be an old copy: a tap on a button that an edit had not yet removed on
// the phone).
func (u *User) TapOn(m Message, label string) string {
	u.t.Helper()
	b, ok := m.Button(label)
	if !ok {
		u.t.Fatalf("%s: no button %q under %.60q (buttons %q)", u.Name, label, m.Text, m.Labels())
	}
	return u.TapData(m.ID, b.Data)
}

// TapData taps a button with data under message id (an old or forged one).
func (u *User) TapData(messageID, data string) string {
	u.t.Helper()
	ev := u.event(chat.KindCallback)
	d := u.Delivery(ev)
	ev.Callback = &chat.Callback{ID: "cb-" + d.Key, Data: data, MessageID: messageID}
	d.Event = ev
	before := u.Count()
	if out := u.m.Deliver(d); out != chat.Handled {
		u.t.Fatalf("tap %s on message %s was %s", data, messageID, out)
	}
	replies := u.Messages()[before:]
	u.m.mu.Lock()
	u.m.replies[ev.Callback.ID] = replies
	u.m.mu.Unlock()
	return ev.Callback.ID
}

// TapReplies are the messages the person got while the tap id was
// handled, as they were sent.
func (u *User) TapReplies(id string) []Message {
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	return u.m.replies[id]
}

// TapNote is the short note the tap id showed; ok is false when it showed
// none (unanswered, or the platform cannot answer taps).
func (u *User) TapNote(id string) (string, bool) {
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	text, ok := u.m.answers[id]
	return text, ok
}

// Messages is the person's chat, oldest first, as it looks now.
func (u *User) Messages() []Message {
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	var out []Message
	for _, m := range u.m.chat(u.ID).msgs {
		c := *m
		c.Buttons = slices.Clone(m.Buttons)
		out = append(out, c)
	}
	return out
}

// Count is how many messages the chat has.
func (u *User) Count() int { return len(u.Messages()) }

// Last is the latest message.
func (u *User) Last() Message {
	u.t.Helper()
	msgs := u.Messages()
	if len(msgs) == 0 {
		u.t.Fatalf("%s: the bot said nothing", u.Name)
	}
	return msgs[len(msgs)-1]
}

// Message is message id as it looks now.
func (u *User) Message(id string) Message {
	u.t.Helper()
	for _, m := range u.Messages() {
		if m.ID == id {
			return m
		}
	}
	u.t.Fatalf("%s: no message %s", u.Name, id)
	return Message{}
}

// Menu is the keyboard of text buttons under the input field (nil: none).
func (u *User) Menu() [][]string {
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	return u.m.chat(u.ID).menu
}

// ContactButton is the label of the button that shares the person's
// phone, when one is on screen.
func (u *User) ContactButton() string {
	u.m.mu.Lock()
	defer u.m.mu.Unlock()
	return u.m.chat(u.ID).contact
}

// Live is the messages that start with prefix and still show buttons:
// with "Câu ", the questions one can still tap an answer under.
func (u *User) Live(prefix string) []Message {
	var out []Message
	for _, m := range u.Messages() {
		if strings.HasPrefix(m.Text, prefix) && len(m.Buttons) > 0 {
			out = append(out, m)
		}
	}
	return out
}
