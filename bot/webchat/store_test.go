package webchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/quiz"
)

// These tests need no database: they drive the in-memory messenger and the
// long poll directly.

func newBare(t *testing.T) *WebChat {
	t.Helper()
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	return New(chat.New(nil, nil, log), nil, log)
}

func TestWebChatStoreBounded(t *testing.T) {
	w := newBare(t)
	ctx := context.Background()
	for i := range maxMessages + 50 {
		if _, err := w.Send(ctx, "c1", chat.Message{Text: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	c := w.chat("c1")
	if len(c.messages) != maxMessages || c.messages[0].ID != 51 || c.messages[0].Text != "50" {
		t.Fatalf("kept %d messages from id %d", len(c.messages), c.messages[0].ID)
	}
	if err := w.Edit(ctx, "c1", "3", chat.Message{Text: "x"}); !errors.Is(err, errNoMessage) {
		t.Fatalf("edit of a dropped message: %v", err)
	}
	if err := w.Edit(ctx, "nochat", "1", chat.Message{Text: "x"}); err == nil {
		t.Fatal("edit in an unknown chat succeeded")
	}
	if err := w.Edit(ctx, "c1", "abc", chat.Message{Text: "x"}); err == nil {
		t.Fatal("edit with a bad id succeeded")
	}
}

func TestWebChatStoreEdit(t *testing.T) {
	w := newBare(t)
	ctx := context.Background()
	q := chat.Message{Text: "Câu 1/3", Buttons: [][]chat.Button{{{Text: "A", Data: "a:1:0:0"}, {Text: "B", Data: "a:1:0:1"}}}}
	id, err := w.Send(ctx, "c", q)
	if err != nil {
		t.Fatal(err)
	}
	c := w.chat("c")
	v := c.version
	if err := w.Edit(ctx, "c", id, q); err != nil || c.version != v {
		t.Fatalf("an edit to the same content: err %v, version %d→%d", err, v, c.version)
	}
	if err := w.Edit(ctx, "c", id, chat.Message{Text: "Câu 1/3 – đã chọn A"}); err != nil {
		t.Fatal(err)
	}
	m := c.find(1)
	if c.version != v+1 || m.Version != c.version || m.Text != "Câu 1/3 – đã chọn A" || m.Buttons != nil {
		t.Fatalf("after edit: version %d, %+v", c.version, m)
	}
	// The removed buttons still count as this message's, for double taps.
	if !m.data["a:1:0:1"] {
		t.Fatal("removed button data forgotten")
	}
	if got := c.since(v); len(got) != 1 || got[0].ID != 1 {
		t.Fatalf("since: %+v", got)
	}
}

func TestWebChatStoreKeyboard(t *testing.T) {
	w := newBare(t)
	ctx := context.Background()
	c := w.chat("c")
	steps := []struct {
		m    chat.Message
		want Keyboard
	}{
		{chat.Message{Text: "hi", ContactButton: "📱"}, Keyboard{Contact: "📱"}},
		{chat.Message{Text: "plain"}, Keyboard{Contact: "📱"}},
		{chat.Message{Text: "menu", Menu: [][]string{{"a", "b"}}}, Keyboard{Menu: [][]string{{"a", "b"}}}},
		{chat.Message{Text: "q", Buttons: [][]chat.Button{{{Text: "A", Data: "x"}}}}, Keyboard{Menu: [][]string{{"a", "b"}}}},
		{chat.Message{Text: "gone", RemoveMenu: true}, Keyboard{}},
	}
	for i, s := range steps {
		if _, err := w.Send(ctx, "c", s.m); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(c.keyboard)
		want, _ := json.Marshal(s.want)
		if string(got) != string(want) {
			t.Fatalf("step %d: keyboard %s, want %s", i, got, want)
		}
	}
}

func TestWebChatStoreExpiry(t *testing.T) {
	w := newBare(t)
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	w.now = func() time.Time { return now }
	ctx := context.Background()
	w.Send(ctx, "old", chat.Message{Text: "a"})
	w.mu.Lock()
	w.sessions["tok"] = &session{userID: "old", lastSeen: now}
	w.mu.Unlock()
	now = now.Add(idleTTL + time.Minute)
	w.Send(ctx, "new", chat.Message{Text: "b"})
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.chats["old"]; ok {
		t.Fatal("idle chat kept")
	}
	if _, ok := w.sessions["tok"]; ok {
		t.Fatal("idle session kept")
	}
	if _, ok := w.chats["new"]; !ok {
		t.Fatal("active chat dropped")
	}

	// Beyond the limit, the least recently active go first.
	for i := range maxChats + 10 {
		now = now.Add(time.Millisecond)
		w.chatLocked("c" + strconv.Itoa(i)).lastActive = now
		w.pruneLocked()
	}
	if len(w.chats) > maxChats {
		t.Fatalf("%d chats kept", len(w.chats))
	}
	if _, ok := w.chats["c0"]; ok {
		t.Fatal("the oldest chat was kept")
	}
	if _, ok := w.chats[fmt.Sprintf("c%d", maxChats+9)]; !ok {
		t.Fatal("the newest chat was dropped")
	}
}

// TestWebChatStoreConcurrent runs sends, edits, toasts and polls at once;
// go test -race checks the locking.
func TestWebChatStoreConcurrent(t *testing.T) {
	w := newBare(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			chatID := fmt.Sprintf("c%d", g%3)
			for i := range 100 {
				id, err := w.Send(ctx, chatID, chat.Message{Text: fmt.Sprint(i), Buttons: [][]chat.Button{{{Text: "A", Data: "d"}}}})
				if err != nil {
					t.Error(err)
					return
				}
				if err := w.Edit(ctx, chatID, id, chat.Message{Text: "edited"}); err != nil {
					t.Error(err)
					return
				}
				cb := fmt.Sprintf("cb-%d-%d", g, i)
				w.mu.Lock()
				w.toasts[cb] = ""
				w.mu.Unlock()
				if err := w.AnswerCallback(ctx, cb, "ok"); err != nil {
					t.Error(err)
				}
				w.mu.Lock()
				c := w.chatLocked(chatID)
				_ = c.since(c.version - 1)
				delete(w.toasts, cb)
				w.mu.Unlock()
			}
		})
	}
	wg.Wait()
	if err := w.AnswerCallback(ctx, "never-registered", "x"); err == nil {
		t.Fatal("answer to an unknown callback succeeded")
	}
}

// TestWebChatStoreLongPollWakes checks that a poll already waiting returns
// at the bot's next message, well before its timeout.
func TestWebChatStoreLongPollWakes(t *testing.T) {
	w := newBare(t)
	waiting := make(chan struct{}, 1)
	w.onWait = func() { waiting <- struct{}{} }
	w.sessions["tok"] = &session{member: quiz.Member{ID: 7}, userID: "web-7", lastSeen: w.now()}
	w.Send(context.Background(), "web-7", chat.Message{Text: "first"})

	mux := http.NewServeMux()
	w.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	type result struct {
		p       Poll
		err     error
		elapsed time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		req, _ := http.NewRequest("GET", srv.URL+"/chat/api/messages?after=1", nil)
		req.AddCookie(&http.Cookie{Name: cookieName, Value: "tok"})
		resp, err := http.DefaultClient.Do(req)
		var p Poll
		if err == nil {
			err = json.NewDecoder(resp.Body).Decode(&p)
			resp.Body.Close()
		}
		done <- result{p, err, time.Since(start)}
	}()
	<-waiting
	w.Send(context.Background(), "web-7", chat.Message{Text: "second"})
	r := <-done
	if r.err != nil || len(r.p.Messages) != 1 || r.p.Messages[0].Text != "second" || r.p.Version != 2 {
		t.Fatalf("poll: %v %+v", r.err, r.p)
	}
	if r.elapsed > pollWait/2 {
		t.Fatalf("the poll waited %s: it was not woken", r.elapsed)
	}
}
