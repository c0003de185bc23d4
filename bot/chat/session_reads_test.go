package chat_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// reads counts what one event asks the stores for: the member's session
// (Sessions.Session, or CachedAccount, which reads it with the member) and
// the member behind the account (CachedAccount, or Postgres).
type reads struct {
	mu               sync.Mutex
	session, account int // Redis
	identity         int // Postgres
}

func (r *reads) take() (session, member, postgres int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	session, member, postgres = r.session+r.account, r.account+r.identity, r.identity
	r.session, r.account, r.identity = 0, 0, 0
	return
}

type countedSessions struct {
	*storage.Sessions
	n *reads
}

func (s countedSessions) Session(ctx context.Context, memberID int64) (quiz.Session, bool, error) {
	s.n.mu.Lock()
	s.n.session++
	s.n.mu.Unlock()
	return s.Sessions.Session(ctx, memberID)
}

func (s countedSessions) CachedAccount(ctx context.Context, p quiz.Platform, externalID string) (quiz.Account, error) {
	s.n.mu.Lock()
	s.n.account++
	s.n.mu.Unlock()
	return s.Sessions.CachedAccount(ctx, p, externalID)
}

// countedDB is the Postgres store (also the conversation's identity
// resolver and /lydo's store), counting member lookups by account.
type countedDB struct {
	*storage.DB
	n *reads
}

func (d countedDB) MemberByIdentity(ctx context.Context, p quiz.Platform, externalID string) (quiz.Member, error) {
	d.n.mu.Lock()
	d.n.identity++
	d.n.mu.Unlock()
	return d.DB.MemberByIdentity(ctx, p, externalID)
}

// outbox is a chat that keeps what the bot said.
type outbox struct {
	mu   sync.Mutex
	sent []chat.Message
}

func (o *outbox) Send(_ context.Context, _ string, m chat.Message) (string, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, m)
	return strconv.Itoa(len(o.sent)), nil
}
func (o *outbox) Edit(context.Context, string, string, chat.Message) error { return nil }
func (o *outbox) AnswerCallback(context.Context, string, string) error     { return nil }

func (o *outbox) last(t *testing.T) chat.Message {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.sent) == 0 {
		t.Fatal("the bot said nothing")
	}
	return o.sent[len(o.sent)-1]
}

// One event reads the member's session at most once and looks the member
// up at most once (never in Postgres when Redis has the member), on the
// paths every member takes each week: /thi before starting, /thi back into
// an attempt in progress, and the typed prediction; for a plain member and
// for a head, whose typed text /lydo looks at first; with the conversation
// reading the account itself (Handle without the ledger), or given the
// ledger's read of it in the claim's round trip (Receive, quiz.WithAccount).
func TestEventReadsTheSessionOnce(t *testing.T) {
	for _, who := range []struct{ key, phone string }{{"an", "0912000001"}, {"chi", "0912000003"}} {
		for _, platformRead := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/platform_read=%v", who.key, platformRead), func(t *testing.T) {
				testEventReadsTheSessionOnce(t, who.phone, platformRead)
			})
		}
	}
}

func testEventReadsTheSessionOnce(t *testing.T, phone string, platformRead bool) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	n := &reads{}
	ss := storage.NewSessions(storagetest.NewRedis(t))
	store := countedDB{DB: db, n: n}
	sessions := countedSessions{Sessions: ss, n: n}
	svc := quiz.NewService(store, sessions, quiz.NewFakeClock(f.Now))
	bot := chat.New(svc, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	out := &outbox{}
	bot.Attach(quiz.PlatformTelegram, out)
	ctx := context.Background()
	const user = "501"

	handle := func(ev chat.Event) {
		t.Helper()
		ev.Platform, ev.UserID, ev.ChatID, ev.Private = quiz.PlatformTelegram, user, user, true
		ctx := ctx
		if platformRead {
			// As the Telegram adapter does: the account read with its own
			// bookkeeping, the shown question saved when the event ends.
			acc, err := sessions.CachedAccount(ctx, quiz.PlatformTelegram, user)
			if err != nil {
				t.Fatal(err)
			}
			ctx = quiz.WithAccount(ctx, quiz.PlatformTelegram, user, acc)
		}
		if err := bot.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
		if sess, ttl, ok := quiz.Shown(ctx); ok {
			if _, err := ss.SaveShown(ctx, sess, ttl); err != nil {
				t.Fatal(err)
			}
		}
	}
	measure := func(what string, ev chat.Event) {
		t.Helper()
		n.take()
		handle(ev)
		session, member, postgres := n.take()
		if session > 1 || member > 1 || postgres > 0 {
			t.Errorf("%s: %d session reads, %d member lookups (%d in Postgres) in one event, want at most 1, 1 (0)",
				what, session, member, postgres)
		}
	}
	tap := func(data string) chat.Event {
		return chat.Event{Kind: chat.KindCallback, Callback: &chat.Callback{ID: "cb", Data: data, MessageID: "1"}}
	}
	answer := func() {
		t.Helper()
		q := out.last(t)
		if len(q.Buttons) == 0 || !strings.HasPrefix(q.Text, "Câu ") {
			t.Fatalf("not a question: %q", q.Text)
		}
		handle(tap(q.Buttons[0][0].Data))
	}

	handle(chat.Event{Kind: chat.KindContact, Contact: &chat.Contact{Phone: phone, UserID: user}})
	if m := out.last(t); !strings.Contains(m.Text, "Xác thực thành công") {
		t.Fatalf("verification: %q", m.Text)
	}

	measure("/thi before starting", chat.Event{Kind: chat.KindCommand, Command: "thi"})
	rules := out.last(t)
	if len(rules.Buttons) != 1 || rules.Buttons[0][0].Data != "s:"+strconv.FormatInt(f.Round.ID, 10) {
		t.Fatalf("/thi: %q %+v", rules.Text, rules.Buttons)
	}
	handle(tap(rules.Buttons[0][0].Data))
	answer()

	q2 := out.last(t)
	measure("/thi resuming", chat.Event{Kind: chat.KindCommand, Command: "thi"})
	if note := out.last(t); !strings.Contains(note.Text, "đang làm câu 2/3 ở tin nhắn phía trên") {
		t.Fatalf("/thi resuming shows %q, want a note pointing at question 2", note.Text)
	}
	handle(tap(q2.Buttons[0][0].Data))
	answer()
	if m := out.last(t); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
		t.Fatalf("after the last answer: %q", m.Text)
	}

	measure("a wrong prediction", chat.Event{Kind: chat.KindText, Text: "nhiều lắm"})
	if m := out.last(t); !strings.Contains(m.Text, "số nguyên không âm") || !strings.Contains(m.Text, "Câu hỏi dự đoán") {
		t.Fatalf("wrong prediction: %q", m.Text)
	}
	measure("prediction", chat.Event{Kind: chat.KindText, Text: "1500"})
	if m := out.last(t); !strings.Contains(m.Text, "Dự đoán: 1.500") {
		t.Fatalf("result: %q", m.Text)
	}
	// The session is gone: the next text is not a prediction.
	measure("text after the prediction", chat.Event{Kind: chat.KindText, Text: "1600"})
	if m := out.last(t); strings.Contains(m.Text, "Dự đoán") {
		t.Fatalf("a second prediction was taken: %q", m.Text)
	}
}

// A stranger's typed text is looked up once, not once by /lydo and again
// by the conversation.
func TestStrangerTextIsLookedUpOnce(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	n := &reads{}
	store := countedDB{DB: db, n: n}
	svc := quiz.NewService(store, countedSessions{Sessions: storage.NewSessions(storagetest.NewRedis(t)), n: n}, quiz.NewFakeClock(f.Now))
	bot := chat.New(svc, store, slog.New(slog.NewTextHandler(io.Discard, nil)))
	out := &outbox{}
	bot.Attach(quiz.PlatformTelegram, out)
	ev := chat.Event{Platform: quiz.PlatformTelegram, UserID: "777", ChatID: "777", Private: true, Kind: chat.KindText, Text: "xin chào"}
	if err := bot.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if m := out.last(t); m.ContactButton == "" {
		t.Fatalf("the stranger is not asked to verify: %+v", m)
	}
	if _, member, postgres := n.take(); member > 2 || postgres > 1 {
		t.Fatalf("%d member lookups (%d in Postgres), want one in Redis and one in Postgres", member, postgres)
	}
}
