package chat_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// zaloLike is a messenger with Zalo's text limit (2,000 units), its events
// handed to Handle without the inbound pipeline's ledger, so that the
// conversation counts the rate itself.
type zaloLike struct {
	outbox
	mu      sync.Mutex
	answers map[string]string
}

func (z *zaloLike) TextLimit() int { return 2000 }

func (z *zaloLike) AnswerCallback(_ context.Context, id, text string) error {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.answers == nil {
		z.answers = map[string]string{}
	}
	z.answers[id] = text
	return nil
}

func (z *zaloLike) texts() []string {
	z.outbox.mu.Lock()
	defer z.outbox.mu.Unlock()
	var out []string
	for _, m := range z.sent {
		out = append(out, m.Text)
	}
	return out
}

// The rules before the conversation hold for events handled without the
// ledger (Handle alone): the rate per account is counted in Redis by the
// conversation, and every text fits the messenger's declared limit.
func TestRulesHoldOnAPlatformWithoutPipeline(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	long := strings.Repeat("Nguyễn Văn ", 454) + "An"
	if _, err := db.Exec(`UPDATE members SET full_name = $1, position = $1 WHERE phone = '0912000001'`, long); err != nil {
		t.Fatal(err)
	}
	ss := storage.NewSessions(storagetest.NewRedis(t))
	clock := quiz.NewFakeClock(f.Now.Truncate(10 * time.Second))
	bot := chat.New(quiz.NewService(db, ss, clock), db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	bot.LimitRate(chat.RateLimit{Events: 3, Window: 10 * time.Second}, ss)
	z := &zaloLike{}
	bot.Attach(quiz.PlatformZalo, z)
	handle := func(user string, ev chat.Event) {
		t.Helper()
		ev.Platform, ev.UserID, ev.ChatID, ev.Private = quiz.PlatformZalo, user, user, true
		if err := bot.Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	help := chat.Event{Kind: chat.KindCommand, Command: "huongdan"}

	handle("a", chat.Event{Kind: chat.KindContact, Contact: &chat.Contact{Phone: "0912000001", UserID: "a"}})
	welcome := z.last(t).Text
	if chat.TextLen(welcome) > 2000 || !strings.Contains(welcome, "Xác thực thành công") || !strings.Contains(welcome, "…") {
		t.Fatalf("welcome of %d units: %.200q", chat.TextLen(welcome), welcome)
	}
	for range 4 {
		handle("a", help)
	}
	texts := z.texts()
	if len(texts) != 4 || !strings.Contains(texts[3], "thao tác quá nhanh") {
		t.Fatalf("5 events with a limit of 3: %d messages, last %q", len(texts), texts[len(texts)-1])
	}
	handle("a", chat.Event{Kind: chat.KindCallback, Callback: &chat.Callback{ID: "cb1", Data: "s:1"}})
	if len(z.texts()) != 4 || !strings.Contains(z.answers["cb1"], "thao tác quá nhanh") {
		t.Fatalf("a tap over the limit: %d messages, answer %q", len(z.texts()), z.answers["cb1"])
	}
	handle("b", help)
	if len(z.texts()) != 5 {
		t.Fatal("another account was limited")
	}
	clock.Advance(10 * time.Second)
	handle("a", help)
	if m := z.last(t); !strings.HasPrefix(m.Text, "Hướng dẫn") {
		t.Fatalf("after the window: %q", m.Text)
	}
}
