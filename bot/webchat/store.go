package webchat

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"quizbot/bot/chat"
)

// Limits of the in-memory state. The web chat is for trying the product and
// previewing rounds, so it keeps little and forgets idle chats.
const (
	maxMessages = 200   // per chat; older messages are dropped
	maxChats    = 1000  // beyond this the least recently active chat goes
	maxSessions = 10000 // browser sessions, likewise
	idleTTL     = 6 * time.Hour
	pruneEvery  = time.Minute
)

// errNoMessage is an Edit or a tap on a message the chat does not hold (never
// sent, or dropped as too old).
var errNoMessage = errors.New("no such message")

// Button is an inline button as the browser sees it.
type Button struct {
	Text string `json:"text"`
	Data string `json:"data"`
}

// Keyboard is what shows above the input: the menu, or the button that
// shares the person's own phone number, or nothing.
type Keyboard struct {
	Menu    [][]string `json:"menu,omitempty"`
	Contact string     `json:"contact,omitempty"`
}

// Document is a file attached to a message, downloaded separately.
type Document struct {
	Name string `json:"name"`
	Size int    `json:"size"`
}

// Message is one chat message as the browser sees it. Version is the chat's
// version when the message last changed, so that a poll returns edits too.
type Message struct {
	ID       int64      `json:"id"`
	Version  int64      `json:"version"`
	From     string     `json:"from"` // "bot" or "user"
	Text     string     `json:"text"`
	Buttons  [][]Button `json:"buttons,omitempty"`
	Document *Document  `json:"document,omitempty"`

	doc []byte
	// data is every callback data this message's buttons ever carried: a
	// tap is accepted only for one of them, as Telegram accepts callbacks
	// only from real buttons, yet a double tap racing the edit that removed
	// the buttons still reaches the conversation, which answers it.
	data map[string]bool
}

// conversation is one chat's state. Its fields are guarded by WebChat.mu,
// except handling.
type conversation struct {
	messages   []*Message // oldest first
	nextID     int64
	version    int64
	keyboard   Keyboard
	changed    chan struct{} // closed and replaced at every change: wakes long polls
	lastActive time.Time

	// handling serialises the events of one chat, so that a person's
	// message and the bot's replies keep their order.
	handling sync.Mutex
}

// touch records a change: a new version, and every waiting poll woken.
func (c *conversation) touch(now time.Time) int64 {
	c.version++
	c.lastActive = now
	close(c.changed)
	c.changed = make(chan struct{})
	return c.version
}

func (c *conversation) add(m *Message, now time.Time) *Message {
	c.nextID++
	m.ID = c.nextID
	m.Version = c.touch(now)
	c.messages = append(c.messages, m)
	if over := len(c.messages) - maxMessages; over > 0 {
		clear(c.messages[:over])
		c.messages = c.messages[over:]
	}
	return m
}

func (c *conversation) find(id int64) *Message {
	// Ids grow with position, so the binary search finds it.
	i, ok := slices.BinarySearchFunc(c.messages, id, func(m *Message, id int64) int {
		return cmp.Compare(m.ID, id)
	})
	if !ok {
		return nil
	}
	return c.messages[i]
}

// since returns copies of the messages changed after version v.
func (c *conversation) since(v int64) []Message {
	out := []Message{}
	for _, m := range c.messages {
		if m.Version > v {
			out = append(out, *m)
		}
	}
	return out
}

// chatLocked returns the chat with that id, creating it. w.mu is held.
func (w *WebChat) chatLocked(id string) *conversation {
	c, ok := w.chats[id]
	if !ok {
		c = &conversation{changed: make(chan struct{}), lastActive: w.now()}
		w.chats[id] = c
	}
	return c
}

// chat returns the chat with that id, creating it.
func (w *WebChat) chat(id string) *conversation {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pruneLocked()
	return w.chatLocked(id)
}

// pruneLocked forgets idle chats and sessions, and the least recently
// active ones beyond the limits. It runs at most once a minute, from the
// calls that create chats and sessions; w.mu is held.
func (w *WebChat) pruneLocked() {
	now := w.now()
	if now.Sub(w.lastPrune) < pruneEvery && len(w.chats) < maxChats && len(w.sessions) < maxSessions {
		return
	}
	w.lastPrune = now
	for id, c := range w.chats {
		if now.Sub(c.lastActive) > idleTTL {
			delete(w.chats, id)
		}
	}
	for tok, s := range w.sessions {
		if now.Sub(s.lastSeen) > idleTTL {
			delete(w.sessions, tok)
		}
	}
	evictOldest(w.chats, maxChats-1, func(c *conversation) time.Time { return c.lastActive })
	evictOldest(w.sessions, maxSessions-1, func(s *session) time.Time { return s.lastSeen })
}

// evictOldest deletes the entries least recently used until at most keep
// remain.
func evictOldest[V any](m map[string]V, keep int, used func(V) time.Time) {
	if len(m) <= keep {
		return
	}
	type entry struct {
		key  string
		used time.Time
	}
	all := make([]entry, 0, len(m))
	for k, v := range m {
		all = append(all, entry{k, used(v)})
	}
	slices.SortFunc(all, func(a, b entry) int { return a.used.Compare(b.used) })
	for _, e := range all[:len(m)-keep] {
		delete(m, e.key)
	}
}

// Send implements chat.Messenger: the message is stored for the browser.
func (w *WebChat) Send(ctx context.Context, chatID string, m chat.Message) (string, error) {
	if chatID == "" {
		return "", errors.New("web chat send: empty chat id")
	}
	msg := &Message{From: "bot", Text: m.Text, Buttons: buttons(m.Buttons)}
	msg.data = make(map[string]bool)
	for _, row := range msg.Buttons {
		for _, b := range row {
			msg.data[b.Data] = true
		}
	}
	if m.Document != nil {
		msg.Document = &Document{Name: m.Document.Name, Size: len(m.Document.Data)}
		msg.doc = m.Document.Data
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pruneLocked()
	c := w.chatLocked(chatID)
	// The keyboard is chat state, as in Telegram: a message that carries
	// one replaces the previous one; other messages leave it.
	switch {
	case m.ContactButton != "":
		c.keyboard = Keyboard{Contact: m.ContactButton}
	case len(m.Menu) > 0:
		c.keyboard = Keyboard{Menu: cloneRows(m.Menu)}
	case m.RemoveMenu:
		c.keyboard = Keyboard{}
	}
	c.add(msg, w.now())
	return strconv.FormatInt(msg.ID, 10), nil
}

// Edit implements chat.Messenger: the message's text and inline buttons are
// replaced (no buttons in m removes them, as editMessageText does).
func (w *WebChat) Edit(ctx context.Context, chatID, messageID string, m chat.Message) error {
	id, err := strconv.ParseInt(messageID, 10, 64)
	if err != nil {
		return fmt.Errorf("web chat edit: message id %q: %w", messageID, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	c, ok := w.chats[chatID]
	if !ok {
		return fmt.Errorf("web chat edit %s/%d: no such chat", chatID, id)
	}
	msg := c.find(id)
	if msg == nil || msg.From != "bot" {
		return fmt.Errorf("web chat edit %s/%d: %w", chatID, id, errNoMessage)
	}
	bs := buttons(m.Buttons)
	if msg.Text == m.Text && slices.EqualFunc(msg.Buttons, bs, slices.Equal) {
		return nil // not modified: not an error, and nothing for the browser
	}
	msg.Text, msg.Buttons = m.Text, bs
	for _, row := range bs {
		for _, b := range row {
			msg.data[b.Data] = true
		}
	}
	msg.Version = c.touch(w.now())
	return nil
}

// AnswerCallback implements chat.Messenger: the text is kept for the event
// request that carried the tap, which shows it as a short toast.
func (w *WebChat) AnswerCallback(ctx context.Context, callbackID, text string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.toasts[callbackID]; !ok {
		return fmt.Errorf("web chat answer callback %q: unknown or already answered", callbackID)
	}
	w.toasts[callbackID] = text
	return nil
}

func buttons(rows [][]chat.Button) [][]Button {
	if len(rows) == 0 {
		return nil
	}
	out := make([][]Button, 0, len(rows))
	for _, row := range rows {
		r := make([]Button, 0, len(row))
		for _, b := range row {
			r = append(r, Button{Text: b.Text, Data: b.Data})
		}
		out = append(out, r)
	}
	return out
}

func cloneRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		out[i] = slices.Clone(r)
	}
	return out
}
