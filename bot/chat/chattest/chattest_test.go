package chattest_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"quizbot/bot/chat"
	"quizbot/bot/chat/chattest"
	"quizbot/quiz"
)

// recorder is a test that records its failures instead of failing.
type recorder struct {
	testing.TB
	failures []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// echo answers every event with its text, under one button per word.
type echo struct{ m *chattest.Messenger }

func (e echo) Receive(ctx context.Context, d chat.Delivery) chat.Outcome {
	text := d.Event.Text
	if d.Event.Callback != nil {
		text = "tap " + d.Event.Callback.Data
		e.m.AnswerCallback(ctx, d.Event.Callback.ID, "ok")
	}
	var row []chat.Button
	for _, w := range strings.Fields(text) {
		row = append(row, chat.Button{Text: w, Data: w})
	}
	if _, err := e.m.Send(ctx, d.Event.ChatID, chat.Message{Text: text, Buttons: [][]chat.Button{row}}); err != nil {
		return chat.Failed
	}
	return chat.Handled
}

// What the platform cannot do fails the test and is refused as a platform
// refuses (chat.ErrRejected); what it can do is kept as the person sees it.
func TestMessengerRefusesWhatThePlatformCannotDo(t *testing.T) {
	ctx := context.Background()
	rec := &recorder{TB: t}
	caps := chat.Capabilities{Buttons: 2, AskPhone: true}
	m := chattest.New(rec, quiz.PlatformZalo, caps, nil)
	m.Limit = 10
	for _, msg := range []chat.Message{
		{Text: "12345678901"},
		{Text: "a", Buttons: [][]chat.Button{{{Text: "A"}, {Text: "B"}, {Text: "C"}}}},
		{Text: "a", Menu: [][]string{{"x"}}},
		{Text: " "},
	} {
		if _, err := m.Send(ctx, "1", msg); !errors.Is(err, chat.ErrRejected) {
			t.Errorf("%+v: %v, want refused", msg, err)
		}
	}
	if err := m.Edit(ctx, "1", "1", chat.Message{Text: "a"}); !errors.Is(err, chat.ErrRejected) {
		t.Errorf("edit without Edit: %v", err)
	}
	if len(rec.failures) != 5 {
		t.Fatalf("%d failures recorded, want 5: %q", len(rec.failures), rec.failures)
	}

	// A person's view: the last message, its buttons, a tap on one; no
	// note where the platform cannot answer taps; a contact only by the
	// button on screen.
	m = chattest.New(t, quiz.PlatformZalo, caps, nil)
	m.Limit = 10
	m.SetReceiver(echo{m})
	u := m.User(t, "7", "Bảy", "0912000007")
	u.Type("xin chào")
	if l := u.Last(); l.Text != "xin chào" || strings.Join(l.Labels(), "|") != "xin|chào" {
		t.Fatalf("last: %+v", l)
	}
	tap := u.Tap("chào")
	if l := u.Last(); l.Text != "tap chào" {
		t.Fatalf("after the tap: %q", l.Text)
	}
	if note, ok := u.TapNote(tap); ok {
		t.Fatalf("a note %q on a platform that cannot answer taps", note)
	}
	if u.ContactButton() != "" || len(u.Messages()) != 2 {
		t.Fatalf("chat: %+v", u.Messages())
	}
}
