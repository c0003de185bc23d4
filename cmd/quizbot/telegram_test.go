package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/config"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

const testSecret = "s3cret_webhook-token"

// tgRig is the whole service as `quizbot serve` assembles it, with its
// Telegram side talking to the fake Bot API and a settable clock.
type tgRig struct {
	t      testing.TB
	fake   *telegramtest.Fake
	db     *storage.DB
	dbURL  string
	rdb    *redis.Client
	clock  *quiz.FakeClock
	srv    *server
	http   *httptest.Server
	f      storagetest.Fixture
	logBuf *bytes.Buffer
	public string // PUBLIC_URL; empty for long polling
	// configure, when set, changes the configuration start gives serve.
	configure func(*config.Config)
	// leaseTicks drives the renewal of the updates' claims (nil: a real
	// ticker); set before start.
	leaseTicks func() (<-chan time.Time, func())
	stopClaims func() // the running server's claim renewer
}

func newTgRig(t testing.TB, o storagetest.SeedOptions) *tgRig {
	t.Helper()
	db, dbURL := storagetest.NewDBURL(t)
	r := &tgRig{t: t, fake: telegramtest.New(t), db: db, dbURL: dbURL, rdb: storagetest.NewRedis(t), logBuf: &bytes.Buffer{},
		public: "https://quizbot.example.vn"}
	r.f = storagetest.Seed(t, db, o)
	r.clock = quiz.NewFakeClock(r.f.Now)
	r.start()
	return r
}

// start builds a fresh server on the same databases: a process (re)start.
func (r *tgRig) start() {
	r.t.Helper()
	if r.http != nil {
		r.http.Close()
	}
	e := &env{
		cfg: config.Config{TelegramToken: r.fake.Token(), TelegramAPIURL: r.fake.URL(), TelegramWebhookSecret: testSecret,
			PublicURL: r.public, ListenAddr: ":0", NotifyRate: 25, DatabaseMaxConns: config.DefaultDatabaseMaxConns()},
		stdout: io.Discard, stderr: io.Discard,
		log:        slog.New(slog.NewTextHandler(r.logBuf, nil)),
		leaseTicks: r.leaseTicks,
	}
	if r.configure != nil {
		r.configure(&e.cfg)
	}
	r.db.SetMaxConns(e.cfg.DatabaseMaxConns) // as openDB does for serve
	srv, err := newServer(context.Background(), e, r.db, r.rdb, r.clock)
	if err != nil {
		r.t.Fatal(err)
	}
	r.srv = srv
	r.http = httptest.NewServer(srv.routes())
	r.t.Cleanup(r.http.Close)
	// As serve does; the process's renewer stops with it.
	if r.stopClaims != nil {
		r.stopClaims()
	}
	r.stopClaims = srv.keepClaims()
	r.t.Cleanup(r.stopClaims)
}

func (r *tgRig) hook() string { return r.http.URL + "/webhook/telegram" }

// send delivers an update by webhook and checks it was accepted.
func (r *tgRig) send(u *models.Update) {
	r.t.Helper()
	resp := r.fake.Post(r.t, r.hook(), testSecret, u)
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("webhook answered %d for %s", resp.StatusCode, telegramtest.String(u))
	}
}

func (r *tgRig) last(u models.User) telegramtest.Message {
	r.t.Helper()
	m, ok := r.fake.LastMessage(u.ID)
	if !ok {
		r.t.Fatalf("no message to %d", u.ID)
	}
	return m
}

func user(id int64, name string) models.User { return models.User{ID: id, FirstName: name} }

// verify takes a user through /start and sharing their own phone.
func (r *tgRig) verify(u models.User, phone string) {
	r.t.Helper()
	r.send(r.fake.Command(u, "start"))
	r.send(r.fake.Contact(u, phone))
	if m := r.last(u); !strings.Contains(m.Text, "Xác thực thành công") {
		r.t.Fatalf("verification failed: %q", m.Text)
	}
}

// startQuiz opens the week's quiz and presses the start button.
func (r *tgRig) startQuiz(u models.User) {
	r.t.Helper()
	r.send(r.fake.Command(u, "thi"))
	r.send(r.fake.Tap(r.t, u, r.last(u), "▶️ Bắt đầu làm bài"))
}

// answerAll answers the remaining questions right.
func (r *tgRig) answerAll(u models.User, n int) {
	r.t.Helper()
	for range n {
		q := r.last(u)
		r.send(r.fake.Tap(r.t, u, q, rightLabel(r.t, q)))
	}
}

// rightLabel reads a question message and returns the letter of the option
// starting with "Đúng" (the seeded bank's right answers).
func rightLabel(t testing.TB, m telegramtest.Message) string {
	t.Helper()
	for _, line := range strings.Split(m.Text, "\n") {
		if len(line) > 3 && line[1] == '.' && strings.HasPrefix(line[3:], "Đúng") {
			return line[:1]
		}
	}
	t.Fatalf("no right option in %q", m.Text)
	return ""
}

// wrongLabel is a wrong option's letter of the question m.
func wrongLabel(t testing.TB, m telegramtest.Message) string {
	if rightLabel(t, m) == "A" {
		return "B"
	}
	return "A"
}

// The conversation's flows are tested once for every platform in bot/chat
// (against chattest's in-memory messenger); here, what is Telegram's own:
// how its updates decode into the conversation's events and how the
// conversation's messages render in the Bot API, through serve's wiring.

// Telegram's contact, keyboards, inline buttons, edits and message numbers
// carry the conversation: the contact button is a request_contact
// keyboard; a contact's user_id tells one's own from a forwarded or typed
// card; the menu is a persistent keyboard; a question's letters are inline
// buttons whose tap is answered and whose message is edited without them;
// and a letter typed before the next question arrived (its message_id
// lower) does not answer it.
func TestTelegramRendersTheConversation(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.send(r.fake.Command(an, "start"))
	if kb := r.fake.Keyboard(an.ID); len(kb) != 1 || len(kb[0]) != 1 || !kb[0][0].RequestContact || kb[0][0].Text != "📱 Chia sẻ số điện thoại" {
		t.Fatalf("want one request_contact button, got %+v", kb)
	}
	r.send(r.fake.ForeignContact(an, models.Contact{PhoneNumber: "0912000002", FirstName: "Bình", UserID: 2002}))
	if m := r.last(an); !strings.Contains(m.Text, "của chính anh/chị") {
		t.Fatalf("forwarded contact: %q", m.Text)
	}
	r.send(r.fake.ForeignContact(an, models.Contact{PhoneNumber: "0912000001", FirstName: "An"}))
	if m := r.last(an); !strings.Contains(m.Text, "của chính anh/chị") {
		t.Fatalf("contact without user_id: %q", m.Text)
	}
	// Telegram's own format without "+".
	r.send(r.fake.Contact(an, "84912000001"))
	if m := r.last(an); !strings.Contains(m.Text, "Xác thực thành công") {
		t.Fatalf("own contact: %q", m.Text)
	}
	if kb := r.fake.Keyboard(an.ID); len(kb) != 1 || kb[0][0].Text != "📝 Vào thi" || kb[0][1].Text != "ℹ️ Hướng dẫn" {
		t.Fatalf("menu: %+v", kb)
	}

	r.send(r.fake.TextMessage(an, "📝 Vào thi"))
	rules := r.last(an)
	r.send(r.fake.Tap(t, an, rules, "▶️ Bắt đầu làm bài"))
	if m, _ := r.fake.Message(an.ID, rules.ID); len(m.Buttons) != 0 {
		t.Fatalf("start button still there: %+v", m.Buttons)
	}
	q1 := r.last(an)
	if got := strings.Join(q1.Labels(), ""); !strings.HasPrefix(q1.Text, "Câu 1/3\n") || got != "ABCD" {
		t.Fatalf("question 1: %q %q", q1.Text, got)
	}
	label := rightLabel(t, q1)
	tap := r.fake.Tap(t, an, q1, label)
	r.send(tap)
	if a, ok := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !ok || a.Text != "Đã ghi nhận: "+label {
		t.Fatalf("callback answer: %+v %v", a, ok)
	}
	if edited, _ := r.fake.Message(an.ID, q1.ID); !strings.HasSuffix(edited.Text, "\n\n☑️ Anh/chị chọn: "+label) || len(edited.Buttons) != 0 {
		t.Fatalf("answered question: %q %+v", edited.Text, edited.Buttons)
	}

	// Two copies of a letter, both sent before question 3 arrived: the
	// first answers question 2, the second (numbered before question 3) is
	// pointed at question 3 instead of answering it.
	q2 := r.last(an)
	first := r.fake.TextMessage(an, strings.ToLower(rightLabel(t, q2)))
	second := r.fake.TextMessage(an, strings.ToLower(rightLabel(t, q2)))
	r.send(first)
	q3 := r.last(an)
	if !strings.HasPrefix(q3.Text, "Câu 3/3\n") {
		t.Fatalf("question 3: %q", q3.Text)
	}
	r.send(second)
	if m := r.last(an); !strings.Contains(m.Text, "đang làm câu 3/3 ở tin nhắn phía trên") {
		t.Fatalf("the second copy: %q", m.Text)
	}
	var answered int
	r.db.Get(&answered, `SELECT count(chosen) FROM answers`)
	if answered != 2 {
		t.Fatalf("%d answers recorded, want 2", answered)
	}
}

// The same update delivered twice takes effect once.
func TestTelegramDuplicateUpdateTakesEffectOnce(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q1 := r.last(an)
	tap := r.fake.Tap(t, an, q1, rightLabel(t, q1))
	r.send(tap)
	sends := len(r.fake.CallsTo("sendMessage"))
	r.send(tap)
	if n := len(r.fake.CallsTo("sendMessage")); n != sends {
		t.Fatalf("duplicate update sent %d more messages", n-sends)
	}
	var answered int
	r.db.Get(&answered, `SELECT count(chosen) FROM answers`)
	if answered != 1 {
		t.Fatalf("%d answers recorded, want 1", answered)
	}
}

func TestTelegramWebhookRejectsWrongSecretAndBadBodies(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")
	before := len(r.fake.Calls())
	for _, secret := range []string{"", "wrong", testSecret + "x"} {
		resp := r.fake.Post(t, r.hook(), secret, r.fake.Command(an, "start"))
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("secret %q: status %d", secret, resp.StatusCode)
		}
	}
	// An update over 1 MiB is no real update (they are a few kilobytes).
	huge := `{"update_id":77,"message":{"message_id":1,"date":1,"chat":{"id":1001,"type":"private"},"from":{"id":1001,"is_bot":false,"first_name":"An"},"text":"/start ` +
		strings.Repeat("x", 1<<20) + `"}}`
	for _, body := range []string{"", "{", `{"update_id":0}`, `[1,2]`, huge} {
		resp := telegramtest.PostRaw(t, r.hook(), testSecret, []byte(body))
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("body %.80q: status %d", body, resp.StatusCode)
		}
	}
	if n := len(r.fake.Calls()); n != before {
		t.Fatalf("rejected requests made %d Bot API calls", n-before)
	}
}

func TestTelegramFailedUpdateIsRetried(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")
	r.fake.FailServerError("sendMessage", an.ID, 502, 1)
	u := r.fake.Command(an, "start")
	if resp := r.fake.Post(t, r.hook(), testSecret, u); resp.StatusCode < 500 {
		t.Fatalf("failed update answered %d, want 5xx so Telegram retries", resp.StatusCode)
	}
	r.send(u) // Telegram's re-delivery
	if m := r.last(an); !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
		t.Fatalf("after retry: %q", m.Text)
	}
}

func TestTelegramRegistersWebhookOrPolls(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.srv.tg.Run(ctx); close(done) }()
	r.fake.WaitCalls(t, "setWebhook", 1)
	cancel()
	<-done
	w := r.fake.Webhook()
	if w.URL != "https://quizbot.example.vn/webhook/telegram" || w.SecretToken != testSecret {
		t.Fatalf("webhook: %+v", w)
	}
	if got := strings.Join(w.AllowedUpdates, ","); got != "message,callback_query" {
		t.Fatalf("allowed updates %q", got)
	}

	// Without PUBLIC_URL: long polling.
	r.public = ""
	r.start()
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go r.srv.tg.Run(ctx)
	an := user(1001, "An")
	r.fake.Queue(r.fake.Command(an, "start"))
	m := r.fake.WaitMessage(t, an.ID, func(m telegramtest.Message) bool { return strings.Contains(m.Text, "Chia sẻ số điện thoại") })
	if m.Text == "" {
		t.Fatal("no greeting by polling")
	}
	if len(r.fake.CallsTo("deleteWebhook")) == 0 {
		t.Fatal("polling without deleteWebhook")
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTelegramRetriedAnswerShowsTheNextQuestion(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q1 := r.last(an)
	// The next question cannot be sent: the update fails, Telegram retries.
	r.fake.FailServerError("sendMessage", an.ID, 502, 1)
	b, _ := q1.Button(rightLabel(t, q1))
	tap := r.fake.CallbackQuery(an, q1, b.CallbackData)
	if resp := r.fake.Post(t, r.hook(), testSecret, tap); resp.StatusCode < 500 {
		t.Fatalf("failed update answered %d", resp.StatusCode)
	}
	r.send(tap)
	if m := r.last(an); !strings.HasPrefix(m.Text, "Câu 2/3") {
		t.Fatalf("after the retry the member sees %q, want question 2", m.Text)
	}
	// And a plain double tap (another update) still sends nothing more.
	sends := len(r.fake.CallsTo("sendMessage"))
	r.send(r.fake.CallbackQuery(an, q1, b.CallbackData))
	if n := len(r.fake.CallsTo("sendMessage")); n != sends {
		t.Fatalf("double tap sent %d messages", n-sends)
	}
	var answered int
	r.db.Get(&answered, `SELECT count(chosen) FROM answers`)
	if answered != 1 {
		t.Fatalf("%d answers recorded, want 1", answered)
	}
}

func TestTelegramAnswersCallbackInWebhookResponse(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q := r.last(an)
	before := len(r.fake.CallsTo("answerCallbackQuery"))
	tap := r.fake.Tap(t, an, q, rightLabel(t, q))
	resp := telegramtest.PostRaw(t, r.hook(), testSecret, []byte(telegramtest.String(tap)))
	body, _ := io.ReadAll(resp.Body)
	want := `{"callback_query_id":"` + tap.CallbackQuery.ID + `","method":"answerCallbackQuery","text":"Đã ghi nhận: ` + rightLabel(t, q) + `"}`
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" || string(body) != want {
		t.Fatalf("webhook answer: %d %q %s\nwant %s", resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
	}
	if n := len(r.fake.CallsTo("answerCallbackQuery")); n != before {
		t.Fatalf("%d separate answerCallbackQuery calls, want none", n-before)
	}
	// The next question was still sent the ordinary way.
	if m := r.last(an); !strings.HasPrefix(m.Text, "Câu 2/3") {
		t.Fatalf("next question: %q", m.Text)
	}
}

// The session of the question on screen, with its message, is saved by the
// round trip that marks the update done: the next tap reads it instead of
// rebuilding it from Postgres.
func TestTelegramUpdateSavesTheShownQuestionsSession(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	ctx := context.Background()
	an := user(1001, "An")
	r.verify(an, "0912000001")
	m, err := r.db.MemberByPhone(ctx, "0912000001")
	if err != nil {
		t.Fatal(err)
	}
	sessions := storage.NewSessions(r.rdb)
	check := func(pos int, q telegramtest.Message) {
		t.Helper()
		s, ok, err := sessions.Session(ctx, m.ID)
		if err != nil || !ok || s.Pos != pos || s.MessageID != strconv.Itoa(q.ID) {
			t.Fatalf("stored session: %+v %v %v, want question %d in message %d", s, ok, err, pos+1, q.ID)
		}
	}
	r.startQuiz(an)
	q := r.last(an)
	check(0, q)
	r.send(r.fake.Tap(t, an, q, rightLabel(t, q)))
	q = r.last(an)
	if !strings.HasPrefix(q.Text, "Câu 2/3") {
		t.Fatalf("next question: %q", q.Text)
	}
	check(1, q)
}
