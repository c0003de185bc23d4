package chat_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/bot/chat/chattest"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// The flows every member, head and organizer goes through, once for every
// platform: the conversation over the real quiz service, PostgreSQL and
// Redis, talking to an in-memory messenger with the platform's
// capabilities. What differs by capability is computed from it; the
// adapters' own tests keep only their encoding, signatures and errors.

// platform is a capability set the flows run on.
type platform struct {
	name string
	p    quiz.Platform
	caps chat.Capabilities
	// sequenced: the platform numbers both sides' messages in one
	// sequence (Telegram), so a typed letter knows which question it saw.
	sequenced bool
}

// zaloCaps are Zalo OA's. Add
//
//	{"zalo", quiz.PlatformZalo, zaloCaps, false},
//
// to platforms once the conversation adapts to them (issue 10: no edit,
// no menu, five buttons, taps not acknowledged).
var zaloCaps = chat.Capabilities{Edit: false, Buttons: 5, Menu: false, AskPhone: true, AnswerTap: false, TextLimit: 2000}

var platforms = []platform{
	{"telegram", quiz.PlatformTelegram, chat.TelegramCapabilities, true},
}

var _ = zaloCaps

// eachPlatform runs test on a rig of its own for every platform, in
// parallel: each rig owns its database and Redis database.
func eachPlatform(t *testing.T, o storagetest.SeedOptions, test func(t *testing.T, r *rig)) {
	t.Parallel()
	for _, pf := range platforms {
		t.Run(pf.name, func(t *testing.T) {
			t.Parallel()
			test(t, newRig(t, pf, o))
		})
	}
}

// rig is the conversation as serve builds it, on one platform.
type rig struct {
	t     *testing.T
	pf    platform
	caps  chat.Capabilities
	db    *storage.DB
	rdb   *redis.Client
	clock *quiz.FakeClock
	f     storagetest.Fixture
	bot   *chat.Bot
	chat  *chattest.Messenger
	logs  *syncBuffer
}

func newRig(t *testing.T, pf platform, o storagetest.SeedOptions) *rig {
	t.Helper()
	db := storagetest.NewDB(t)
	r := &rig{t: t, pf: pf, caps: pf.caps, db: db, rdb: storagetest.NewRedis(t), logs: &syncBuffer{}}
	r.f = storagetest.Seed(t, db, o)
	r.clock = quiz.NewFakeClock(r.f.Now)
	r.chat = chattest.New(t, pf.p, pf.caps, nil)
	r.chat.Sequenced = pf.sequenced
	r.start()
	return r
}

// start builds the conversation afresh over the same stores: a process
// (re)start.
func (r *rig) start() {
	b := chat.New(quiz.NewService(r.db, storage.NewSessions(r.rdb), r.clock), r.db, slog.New(slog.NewTextHandler(r.logs, nil)))
	b.Attach(r.pf.p, r.chat)
	r.bot = b
	r.chat.SetReceiver(b)
}

// people are the fixture's members as chat accounts.
var people = map[string]string{"an": "1001", "binh": "1002", "chi": "1003", "dung": "1004", "em": "1005"}

// user is the fixture member key's account, whose own phone is the
// roster's.
func (r *rig) user(key string) *chattest.User {
	m := r.f.Members[key]
	names := strings.Fields(m.FullName)
	return r.chat.User(r.t, people[key], names[len(names)-1], m.Phone)
}

// stranger is an account whose phone is not on the roster.
func (r *rig) stranger(id, phone string) *chattest.User {
	return r.chat.User(r.t, id, "Khách", phone)
}

// verify takes u through /start and sharing their own phone.
func (r *rig) verify(u *chattest.User) {
	r.t.Helper()
	u.Command("start")
	u.ShareContact()
	if m := u.Last(); !strings.Contains(m.Text, "Xác thực thành công") {
		r.t.Fatalf("verification of %s failed: %q", u.Name, m.Text)
	}
}

const startLabel = "▶️ Bắt đầu làm bài"

// startQuiz opens the week's quiz and presses the start button.
func (r *rig) startQuiz(u *chattest.User) {
	r.t.Helper()
	u.Command("thi")
	u.Tap(startLabel)
}

// question is the question on screen: the last message, which must be one.
func (r *rig) question(u *chattest.User) chattest.Message {
	r.t.Helper()
	q := u.Last()
	if !strings.HasPrefix(q.Text, "Câu ") || len(q.Buttons) == 0 {
		r.t.Fatalf("%s sees no question but %q", u.Name, q.Text)
	}
	return q
}

// answerAll answers the next n questions right.
func (r *rig) answerAll(u *chattest.User, n int) {
	r.t.Helper()
	for range n {
		q := r.question(u)
		u.TapOn(q, rightLabel(r.t, q))
	}
}

// rightLabel reads a question and returns the letter of the option
// starting with "Đúng" (the seeded bank's right answers).
func rightLabel(t testing.TB, m chattest.Message) string {
	t.Helper()
	for _, line := range strings.Split(m.Text, "\n") {
		if len(line) > 3 && line[1] == '.' && strings.HasPrefix(line[3:], "Đúng") {
			return line[:1]
		}
	}
	t.Fatalf("no right option in %q", m.Text)
	return ""
}

func wrongLabel(t testing.TB, m chattest.Message) string {
	if rightLabel(t, m) == "A" {
		return "B"
	}
	return "A"
}

// wantAnswered checks that u sees question q answered with verdict (the
// line "☑️ Anh/chị chọn: B", or with the reveal "✅ … – Đúng"): q itself
// edited, its buttons gone, where the platform edits; else on the last line
// of the message after q.
func (r *rig) wantAnswered(u *chattest.User, q chattest.Message, verdict string) {
	r.t.Helper()
	if r.caps.Edit {
		m := u.Message(q.ID)
		if len(m.Buttons) != 0 || !strings.HasSuffix(m.Text, "\n\n"+verdict) {
			r.t.Fatalf("question %.20q after the answer: %q %q, want it ending %q without buttons", q.Text, m.Text, m.Labels(), verdict)
		}
		return
	}
	next := r.after(u, q)
	if lines := strings.Split(next.Text, "\n"); lines[len(lines)-1] != verdict {
		r.t.Fatalf("message after question %.20q: %q, want its last line %q", q.Text, next.Text, verdict)
	}
}

// after is the message u got right after m.
func (r *rig) after(u *chattest.User, m chattest.Message) chattest.Message {
	r.t.Helper()
	msgs := u.Messages()
	for i, x := range msgs {
		if x.ID == m.ID && i+1 < len(msgs) {
			return msgs[i+1]
		}
	}
	r.t.Fatalf("no message after %.40q", m.Text)
	return chattest.Message{}
}

// wantNote checks the note tap id showed, where the platform shows one.
func (r *rig) wantNote(u *chattest.User, tap string, want func(string) bool, what string) {
	r.t.Helper()
	if !r.caps.AnswerTap {
		return
	}
	note, ok := u.TapNote(tap)
	if !ok || !want(note) {
		r.t.Fatalf("%s: the tap showed %q (%v)", what, note, ok)
	}
}

// wantOneLive checks that the question one can answer is q: the only one
// with buttons where answered questions lose theirs (Edit), else the last
// question shown.
func (r *rig) wantOneLive(u *chattest.User, q chattest.Message) {
	r.t.Helper()
	live := u.Live("Câu ")
	var ids []string
	for _, m := range live {
		ids = append(ids, m.ID)
	}
	if len(live) == 0 || live[len(live)-1].ID != q.ID || (r.caps.Edit && len(live) != 1) {
		r.t.Fatalf("questions with buttons %v, want %s the live one", ids, q.ID)
	}
}

// wantLast checks the last message's text, without buttons.
func (r *rig) wantLast(u *chattest.User, want string) chattest.Message {
	r.t.Helper()
	m := u.Last()
	if m.Text != want || len(m.Buttons) != 0 {
		r.t.Fatalf("last message:\n%q %v\nwant\n%q", m.Text, m.Labels(), want)
	}
	return m
}

// wantMenu checks that u can reach the quiz (and, for a head, /lydo; for
// an organizer, the figures) from the last message: the menu's buttons,
// else the commands in its text.
func (r *rig) wantMenu(u *chattest.User, want ...string) {
	r.t.Helper()
	if r.caps.Menu {
		var got []string
		for _, row := range u.Menu() {
			got = append(got, row...)
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			r.t.Fatalf("%s's menu %q, want %q", u.Name, got, want)
		}
		return
	}
	if m := u.Last(); !strings.Contains(m.Text, "/thi") {
		r.t.Fatalf("without a menu, %q does not say /thi", m.Text)
	}
}

var (
	memberMenu    = []string{"📝 Vào thi", "ℹ️ Hướng dẫn"}
	headMenu      = append(append([]string{}, memberMenu...), "📋 Lý do vắng")
	organizerMenu = append(append([]string{}, memberMenu...), "📊 Thống kê")
)

// sweep runs the sweeper of expired attempts as serve does.
func (r *rig) sweep() {
	r.t.Helper()
	if err := r.bot.SweepExpired(context.Background()); err != nil {
		r.t.Fatal(err)
	}
}

func (r *rig) count(query string, args ...any) int {
	r.t.Helper()
	var n int
	if err := r.db.Get(&n, query, args...); err != nil {
		r.t.Fatalf("%s: %v", query, err)
	}
	return n
}

func (r *rig) memberID(key string) int64 { return r.f.Members[key].ID }

// syncBuffer is the log, written by the conversation.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// liveNote is the note that points at the question on screen.
func liveNote(k, n int, left string) string {
	return fmt.Sprintf("☝️ Anh/chị đang làm câu %d/%d ở tin nhắn phía trên (thời gian còn lại: %s).\n"+
		"Để trả lời, bấm nút A, B, C hoặc D dưới câu hỏi, hoặc gõ chữ cái của phương án (ví dụ: B).", k, n, left)
}
