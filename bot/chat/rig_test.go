package chat_test

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/bot/chat/chattest"
	"quizbot/bot/zalo"
	"quizbot/internal/testlog"
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
	// limit is the longest text the messenger declares (chat.TextLimiter).
	limit int
	// sequenced: the platform numbers both sides' messages in one
	// sequence (Telegram), so a typed letter knows which question it saw.
	sequenced bool
}

var platforms = []platform{
	{"telegram", quiz.PlatformTelegram, chat.TelegramCapabilities, chat.MaxText, true},
	{"zalo", quiz.PlatformZalo, zalo.Capabilities, zalo.MaxText, false},
}

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
	logs  *testlog.Buffer
}

func newRig(t *testing.T, pf platform, o storagetest.SeedOptions) *rig {
	t.Helper()
	db := storagetest.NewDB(t)
	r := &rig{t: t, pf: pf, caps: pf.caps, db: db, rdb: storagetest.NewRedis(t), logs: &testlog.Buffer{}}
	r.f = storagetest.Seed(t, db, o)
	r.clock = quiz.NewFakeClock(r.f.Now)
	r.chat = chattest.New(t, pf.p, pf.caps, nil)
	r.chat.Sequenced = pf.sequenced
	r.chat.Limit = pf.limit
	r.start()
	return r
}

// start builds the conversation afresh over the same stores: a process
// (re)start.
func (r *rig) start() {
	ss := storage.NewSessions(r.rdb)
	b := chat.New(quiz.NewService(r.db, ss, r.clock), r.db, slog.New(slog.NewTextHandler(r.logs, nil)))
	b.UseLedger(ss) // every delivery through the pipeline, as serve wires it
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
		live := u.Live("Câu ")
		if len(live) == 0 {
			r.t.Fatalf("%s sees no question to answer", u.Name)
		}
		// The latest question shown, maybe above a note.
		q := live[len(live)-1]
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

// wantAnswered checks that u sees question q answered with verdict (as
// the edited question says it: "☑️ Anh/chị chọn: B", "✅ … – Đúng",
// "⏰ Hết giờ, …"): q itself edited, its buttons gone, where the platform
// edits; else the message after q ends with the verdict naming q
// ("☑️ Câu 1/3 – anh/chị chọn: B").
func (r *rig) wantAnswered(u *chattest.User, q chattest.Message, verdict string) {
	r.t.Helper()
	if r.caps.Edit {
		m := u.Message(q.ID)
		if len(m.Buttons) != 0 || !strings.HasSuffix(m.Text, "\n\n"+verdict) {
			r.t.Fatalf("question %.20q after the answer: %q %q, want it ending %q without buttons", q.Text, m.Text, m.Labels(), verdict)
		}
		return
	}
	if m := u.Message(q.ID); m.Text != q.Text || m.Edits != 0 {
		r.t.Fatalf("question %.20q changed on a platform without edits: %q", q.Text, m.Text)
	}
	line := verdictOf(r.t, q, verdict)
	seen := false
	for _, m := range u.Messages() {
		if seen && strings.HasSuffix(m.Text, "\n\n"+line) {
			return
		}
		seen = seen || m.ID == q.ID
	}
	r.t.Fatalf("no message after question %.20q ends with %q; last: %q", q.Text, line, u.Last().Text)
}

// withVerdict is text as the message after the answer to q says it: with
// the verdict on its last line where q cannot be edited.
func (r *rig) withVerdict(text string, q chattest.Message, verdict string) string {
	r.t.Helper()
	if r.caps.Edit {
		return text
	}
	return text + "\n\n" + verdictOf(r.t, q, verdict)
}

// verdictOf is the line that tells the answer to question q, verdict as
// the edited question shows it, where the question cannot be edited.
func verdictOf(t testing.TB, q chattest.Message, verdict string) string {
	t.Helper()
	var k, n int
	if _, err := fmt.Sscanf(q.Text, "Câu %d/%d", &k, &n); err != nil {
		t.Fatalf("not a question: %q", q.Text)
	}
	mark, rest, _ := strings.Cut(verdict, " ")
	if rest == "Hết giờ, câu này chưa được trả lời." {
		return fmt.Sprintf("%s Câu %d/%d: hết giờ, câu này chưa được trả lời.", mark, k, n)
	}
	return fmt.Sprintf("%s Câu %d/%d – %s", mark, k, n, strings.Replace(rest, "Anh/chị", "anh/chị", 1))
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

// wantNote checks the note a tap handled in full showed (an answer, a
// reason recorded), where the platform shows one; elsewhere the note is
// dropped for what the tap brought (the next question with the verdict,
// the result), and the tap must have brought something.
func (r *rig) wantNote(u *chattest.User, tap string, want func(string) bool, what string) {
	r.t.Helper()
	if !r.caps.AnswerTap {
		if len(u.TapReplies(tap)) == 0 {
			r.t.Fatalf("%s: the tap got no message", what)
		}
		return
	}
	note, ok := u.TapNote(tap)
	if !ok || !want(note) {
		r.t.Fatalf("%s: the tap showed %q (%v)", what, note, ok)
	}
}

// wantNoteAlone checks a tap that brings nothing but its note (a stale
// button, a refusal): shown on the tap where the platform shows notes,
// with no message; elsewhere sent as the one message.
func (r *rig) wantNoteAlone(u *chattest.User, tap string, want func(string) bool, what string) {
	r.t.Helper()
	replies := u.TapReplies(tap)
	if !r.caps.AnswerTap {
		if len(replies) != 1 || !want(replies[0].Text) || len(replies[0].Buttons) != 0 {
			r.t.Fatalf("%s: the tap got %d messages %+v, want the note alone", what, len(replies), replies)
		}
		return
	}
	note, ok := u.TapNote(tap)
	if !ok || !want(note) || len(replies) != 0 {
		r.t.Fatalf("%s: the tap showed %q (%v) and got %d messages", what, note, ok, len(replies))
	}
}

// notes is how many messages a tap's note adds where taps show none.
func (r *rig) notes() int {
	if r.caps.AnswerTap {
		return 0
	}
	return 1
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
// an organizer, the figures) from the last message: the menu's buttons;
// else its text says /thi and /menu, and /menu lists the commands.
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
	if m := u.Last(); !strings.Contains(m.Text, "/thi") || !strings.Contains(m.Text, "/menu") {
		r.t.Fatalf("without a menu, %q does not say /thi and /menu", m.Text)
	}
	u.Command("menu")
	list := u.Last().Text
	for label, cmd := range menuCommands {
		if strings.Contains(list, "• "+cmd+":") != slices.Contains(want, label) {
			r.t.Fatalf("%s's /menu, for a menu of %q:\n%s", u.Name, want, list)
		}
	}
}

// menuCommands are the commands that do what the menu's buttons do.
var menuCommands = map[string]string{"📝 Vào thi": "/thi", "ℹ️ Hướng dẫn": "/huongdan", "📋 Lý do vắng": "/lydo", "📊 Thống kê": "/thongke", "🏢 Đơn vị": "/donvi", "🖥 Trang quản trị": "/quantri"}

var (
	memberMenu    = []string{"📝 Vào thi", "ℹ️ Hướng dẫn"}
	headMenu      = append(append([]string{}, memberMenu...), "📋 Lý do vắng", "🏢 Đơn vị", "🖥 Trang quản trị")
	organizerMenu = append(append([]string{}, memberMenu...), "📊 Thống kê", "🏢 Đơn vị", "🖥 Trang quản trị")
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

// liveNote is the note that points at the question on screen.
func liveNote(k, n int, left string) string {
	return fmt.Sprintf("☝️ Anh/chị đang làm câu %d/%d ở tin nhắn phía trên (thời gian còn lại: %s).\n"+
		"Để trả lời, bấm nút A, B, C hoặc D dưới câu hỏi, hoặc gõ chữ cái của phương án (ví dụ: B).", k, n, left)
}
