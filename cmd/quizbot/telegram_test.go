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

func wrongLabel(t testing.TB, m telegramtest.Message) string {
	if rightLabel(t, m) == "A" {
		return "B"
	}
	return "A"
}

func TestTelegramVerification(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")

	r.send(r.fake.Command(an, "start"))
	m := r.last(an)
	if !strings.Contains(m.Text, "Xin chào") || !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
		t.Fatalf("greeting: %q", m.Text)
	}
	kb := r.fake.Keyboard(an.ID)
	if len(kb) != 1 || !kb[0][0].RequestContact {
		t.Fatalf("want one request_contact button, got %+v", kb)
	}

	// Someone else's contact, forwarded: refused, nothing linked.
	r.send(r.fake.ForeignContact(an, models.Contact{PhoneNumber: "0912000002", FirstName: "Bình", UserID: 2002}))
	if m := r.last(an); !strings.Contains(m.Text, "của chính anh/chị") {
		t.Fatalf("foreign contact: %q", m.Text)
	}
	// A typed contact card without user_id: refused too.
	r.send(r.fake.ForeignContact(an, models.Contact{PhoneNumber: "0912000001", FirstName: "An"}))
	if m := r.last(an); !strings.Contains(m.Text, "của chính anh/chị") {
		t.Fatalf("contact without user_id: %q", m.Text)
	}
	var links int
	r.db.Get(&links, `SELECT count(*) FROM identities`)
	if links != 0 {
		t.Fatalf("%d identities after refused contacts", links)
	}

	// An unknown phone: told to ask the unit's CCHC focal point.
	stranger := user(3003, "Khách")
	r.send(r.fake.Command(stranger, "start"))
	r.send(r.fake.Contact(stranger, "84987654321"))
	if m := r.last(stranger); !strings.Contains(m.Text, "0987654321 chưa có trong danh sách") || !strings.Contains(m.Text, "đầu mối CCHC") {
		t.Fatalf("unknown phone: %q", m.Text)
	}

	// Own contact, Telegram's format without "+": greeted by name and unit.
	r.send(r.fake.Contact(an, "84912000001"))
	m = r.last(an)
	if !strings.Contains(m.Text, "Nguyễn Văn An") || !strings.Contains(m.Text, "Sở Nội vụ") {
		t.Fatalf("verified greeting: %q", m.Text)
	}
	if kb := r.fake.Keyboard(an.ID); len(kb) == 0 || kb[0][0].Text != "📝 Vào thi" {
		t.Fatalf("menu: %+v", kb)
	}

	// A second Telegram account claiming the same phone is refused.
	other := user(4004, "An2")
	r.send(r.fake.Command(other, "start"))
	r.send(r.fake.Contact(other, "0912000001"))
	if m := r.last(other); !strings.Contains(m.Text, "đã được xác thực trên một tài khoản khác") || !strings.Contains(m.Text, "member unlink") {
		t.Fatalf("second account: %q", m.Text)
	}
	// Phone numbers never reach the logs in full.
	if strings.Contains(r.logBuf.String(), "0912000001") || strings.Contains(r.logBuf.String(), "0987654321") {
		t.Fatalf("unmasked phone in logs:\n%s", r.logBuf.String())
	}
}

func TestTelegramWholeQuizAndReport(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Tuần này có bao nhiêu người dự thi?"})
	an, binh := user(1001, "An"), user(1002, "Bình")
	r.verify(an, "0912000001")
	r.verify(binh, "0912000002")

	r.send(r.fake.TextMessage(an, "📝 Vào thi"))
	rules := r.last(an)
	for _, want := range []string{"Đợt 1 – Tìm hiểu cải cách hành chính 2026", "Số câu hỏi: 3", "Thời gian làm bài: 10 phút",
		"Lượt thi còn lại: 1/1", "Hạn chót: 16:30 thứ Sáu, 04/12/2026", "câu hỏi dự đoán"} {
		if !strings.Contains(rules.Text, want) {
			t.Fatalf("rules lack %q:\n%s", want, rules.Text)
		}
	}
	r.send(r.fake.Tap(t, an, rules, "▶️ Bắt đầu làm bài"))
	if m, _ := r.fake.Message(an.ID, rules.ID); len(m.Buttons) != 0 {
		t.Fatalf("start button still there: %+v", m.Buttons)
	}
	for i := 1; i <= 3; i++ {
		q := r.last(an)
		if !strings.HasPrefix(q.Text, "Câu "+string(rune('0'+i))+"/3\n") || !strings.Contains(q.Text, "\nA. ") || !strings.Contains(q.Text, "Thời gian còn lại") {
			t.Fatalf("question %d: %q", i, q.Text)
		}
		if got := strings.Join(q.Labels(), ""); got != "ABCD" {
			t.Fatalf("buttons %q", got)
		}
		label := rightLabel(t, q)
		if i == 2 {
			label = wrongLabel(t, q)
		}
		r.clock.Advance(30 * time.Second)
		tap := r.fake.Tap(t, an, q, label)
		r.send(tap)
		if a, ok := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !ok || a.Text != "Đã ghi nhận: "+label {
			t.Fatalf("callback answer: %+v %v", a, ok)
		}
		edited, _ := r.fake.Message(an.ID, q.ID)
		if !strings.Contains(edited.Text, "Anh/chị chọn: "+label) || len(edited.Buttons) != 0 {
			t.Fatalf("answered question not shown as answered: %q %+v", edited.Text, edited.Buttons)
		}
		if strings.Contains(edited.Text, "Đúng\n") || strings.HasSuffix(edited.Text, "– Đúng") {
			t.Fatalf("right/wrong revealed with reveal: after_close: %q", edited.Text)
		}
	}
	if m := r.last(an); !strings.Contains(m.Text, "Câu hỏi dự đoán: Tuần này có bao nhiêu người dự thi?") {
		t.Fatalf("prediction question: %q", m.Text)
	}
	r.send(r.fake.TextMessage(an, "khoảng hai nghìn"))
	if m := r.last(an); !strings.Contains(m.Text, "số nguyên không âm") || !strings.Contains(m.Text, "Câu hỏi dự đoán") {
		t.Fatalf("bad prediction not asked again: %q", m.Text)
	}
	r.send(r.fake.TextMessage(an, "2"))
	res := r.last(an)
	for _, want := range []string{"Kết quả: 2/3 câu đúng", "Thời gian làm bài: 1 phút 30 giây", "Dự đoán: 2"} {
		if !strings.Contains(res.Text, want) {
			t.Fatalf("result lacks %q:\n%s", want, res.Text)
		}
	}
	// Past the limit, /thi shows the result instead.
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "đã hoàn thành đợt 1") || !strings.Contains(m.Text, "2/3 câu đúng") {
		t.Fatalf("after the attempt: %q", m.Text)
	}

	// Bình: all right, slower, prediction 5.
	r.send(r.fake.Command(binh, "thi"))
	r.send(r.fake.Tap(t, binh, r.last(binh), "▶️ Bắt đầu làm bài"))
	for range 3 {
		q := r.last(binh)
		r.clock.Advance(time.Minute)
		r.send(r.fake.Tap(t, binh, q, rightLabel(t, q)))
	}
	r.send(r.fake.TextMessage(binh, "5"))
	if m := r.last(binh); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") {
		t.Fatalf("Bình's result: %q", m.Text)
	}

	var out, errb bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": r.dbURL, "REDIS_URL": "redis://127.0.0.1:1/0"}[k]
	}
	if code := run(context.Background(), []string{"report", "results", "--round", "1", "--contest", "cchc"}, getenv, &out, &errb); code != 0 {
		t.Fatalf("report results: %d %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"rank,full_name,phone,unit_code,position,correct,total,duration_seconds,prediction,submitted_at",
		"1,Trần Thị Bình,0912000002,SNV,Chuyên viên,3,3,180,5,",
		"2,Nguyễn Văn An,0912000001,SNV,Chuyên viên,2,3,90,2,",
	}
	if len(lines) != 3 {
		t.Fatalf("results:\n%s", out.String())
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Fatalf("results line %d:\n got %s\nwant %s…", i, lines[i], want[i])
		}
	}
	out.Reset()
	if code := run(context.Background(), []string{"report", "units", "--round", "1", "--contest", "cchc"}, getenv, &out, &errb); code != 0 {
		t.Fatalf("report units: %d %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "SNV,Sở Nội vụ,4,2,2,50.0,2.50,0") {
		t.Fatalf("units report:\n%s", out.String())
	}
}

func TestTelegramDoubleTapStaleButtonAndDuplicateUpdate(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q1 := r.last(an)
	label := rightLabel(t, q1)

	// The same update delivered twice takes effect once.
	tap := r.fake.Tap(t, an, q1, label)
	r.send(tap)
	sends := len(r.fake.CallsTo("sendMessage"))
	r.send(tap)
	if n := len(r.fake.CallsTo("sendMessage")); n != sends {
		t.Fatalf("duplicate update sent %d more messages", n-sends)
	}

	// A double tap is two updates, the second from the button as it was
	// before the edit reached the phone: it gets a short answer only.
	b, _ := q1.Button(wrongLabel(t, q1))
	tap2 := r.fake.CallbackQuery(an, q1, b.CallbackData)
	r.send(tap2)
	if a, _ := r.fake.CallbackAnswer(tap2.CallbackQuery.ID); !strings.Contains(a.Text, "đã được ghi nhận") {
		t.Fatalf("double tap answer: %+v", a)
	}
	if n := len(r.fake.CallsTo("sendMessage")); n != sends {
		t.Fatalf("double tap sent %d messages", n-sends)
	}
	var answered, right int
	r.db.QueryRow(`SELECT count(chosen), count(*) FILTER (WHERE is_correct) FROM answers`).Scan(&answered, &right)
	if answered != 1 || right != 1 {
		t.Fatalf("answers recorded: %d (%d right), want 1 (1 right)", answered, right)
	}

	// Finish, then tap a button of the finished attempt.
	r.answerAll(an, 2)
	if m := r.last(an); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") {
		t.Fatalf("result: %q", m.Text)
	}
	stale := r.fake.CallbackQuery(an, q1, "a:999:0:1")
	r.send(stale)
	if a, ok := r.fake.CallbackAnswer(stale.CallbackQuery.ID); !ok || !strings.Contains(a.Text, "hết hiệu lực") {
		t.Fatalf("stale button answer: %+v %v", a, ok)
	}
	garbage := r.fake.CallbackQuery(an, q1, "xyz")
	r.send(garbage)
	if _, ok := r.fake.CallbackAnswer(garbage.CallbackQuery.ID); !ok {
		t.Fatal("unknown callback data left unanswered")
	}
}

func TestTelegramWebhookRejectsWrongSecretAndBadBodies(t *testing.T) {
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

func TestTelegramTimeLimitSubmitsAndTells(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q := r.last(an)
	r.send(r.fake.Tap(t, an, q, rightLabel(t, q)))
	q2 := r.last(an)

	r.clock.Advance(5*time.Minute + time.Second)
	if err := r.srv.conv.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	m := r.last(an)
	if !strings.Contains(m.Text, "Đã hết thời gian làm bài") || !strings.Contains(m.Text, "Kết quả: 1/3 câu đúng") || !strings.Contains(m.Text, "5 phút 00 giây") {
		t.Fatalf("time-up message: %q", m.Text)
	}
	// A tap after the time-out (from the button as it was before the
	// sweeper's edit reached the phone) changes nothing.
	b, _ := q2.Button(rightLabel(t, q2))
	late := r.fake.CallbackQuery(an, q2, b.CallbackData)
	r.send(late)
	var correct int
	r.db.Get(&correct, `SELECT correct FROM attempts`)
	if correct != 1 {
		t.Fatalf("correct = %d after a late tap", correct)
	}
}

func TestTelegramResumeAfterRedisFlushAndRestart(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 4})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q := r.last(an)
	r.send(r.fake.Tap(t, an, q, rightLabel(t, q)))

	// Redis loses everything: the next tap still counts.
	q = r.last(an)
	if err := r.rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	r.send(r.fake.Tap(t, an, q, rightLabel(t, q)))
	if m := r.last(an); !strings.HasPrefix(m.Text, "Câu 3/4") {
		t.Fatalf("after Redis flush: %q", m.Text)
	}

	// The process restarts; the member reopens the app and types /thi: a
	// note points at question 3, still on screen.
	q = r.last(an)
	r.start()
	r.send(r.fake.Command(an, "thi"))
	if note := r.last(an); !strings.Contains(note.Text, "đang làm câu 3/4 ở tin nhắn phía trên") {
		t.Fatalf("resume notice: %q", note.Text)
	}
	r.send(r.fake.Tap(t, an, q, rightLabel(t, q)))
	r.answerAll(an, 1)
	if m := r.last(an); !strings.Contains(m.Text, "Kết quả: 4/4 câu đúng") {
		t.Fatalf("result after restart: %q", m.Text)
	}
}

func TestTelegramStatsForOrganizersOnly(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an, dung := user(1001, "An"), user(1004, "Dung")
	r.verify(an, "0912000001")
	r.verify(dung, "0912000004")
	r.startQuiz(an)
	r.answerAll(an, 3)
	r.send(r.fake.Command(an, "thongke"))
	if m := r.last(an); !strings.Contains(m.Text, "chỉ dành cho Ban Tổ chức") || strings.Contains(m.Text, "Sở Nội vụ") {
		t.Fatalf("member got: %q", m.Text)
	}
	r.send(r.fake.Command(dung, "thongke"))
	m := r.last(dung)
	for _, want := range []string{"Đã dự thi: 1/5 người (20.0%)", "Đang làm bài: 0", "• UBND xã Hòa Phú: 0/1 (0.0%)\n• Sở Nội vụ: 1/4 (25.0%)"} {
		if !strings.Contains(m.Text, want) {
			t.Fatalf("stats lack %q:\n%s", want, m.Text)
		}
	}
}

func TestTelegramRegistersWebhookOrPolls(t *testing.T) {
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

func TestTelegramOutsideRounds(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.clock.Set(r.f.Round.OpensAt.Add(-time.Hour))
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "Hiện chưa có đợt thi nào đang mở") || !strings.Contains(m.Text, "Đợt 1") || !strings.Contains(m.Text, "07:30 thứ Hai, 30/11/2026") {
		t.Fatalf("before round 1: %q", m.Text)
	}
	// Between rounds: the next one is named.
	r.clock.Set(r.f.Round.ClosesAt.Add(time.Hour))
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "Đợt 2") || !strings.Contains(m.Text, "07:30 thứ Hai, 07/12/2026") {
		t.Fatalf("between rounds: %q", m.Text)
	}
	r.clock.Set(r.f.Next.ClosesAt.Add(time.Minute))
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "đã kết thúc") {
		t.Fatalf("after the contest: %q", m.Text)
	}
	// A start button from an earlier message, once the round closed.
	old := r.fake.CallbackQuery(an, r.last(an), "s:"+itoa(r.f.Round.ID))
	r.send(old)
	if a, _ := r.fake.CallbackAnswer(old.CallbackQuery.ID); !strings.Contains(a.Text, "Đợt thi này đã kết thúc") {
		t.Fatalf("start after close: %+v", a)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestTelegramRevealImmediatelyAndBestOfAttempts(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 2, AttemptsPerRound: 2, Reveal: quiz.RevealImmediately})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	take := func(right int) {
		r.send(r.fake.Command(an, "thi"))
		rules := r.last(an)
		if !strings.Contains(rules.Text, "Kết quả cao nhất trong các lượt được tính") {
			t.Fatalf("rules: %q", rules.Text)
		}
		r.send(r.fake.Tap(t, an, rules, "▶️ Bắt đầu làm bài"))
		for i := range 2 {
			q := r.last(an)
			label := rightLabel(t, q)
			if i >= right {
				label = wrongLabel(t, q)
			}
			r.send(r.fake.Tap(t, an, q, label))
			edited, _ := r.fake.Message(an.ID, q.ID)
			want := "– Đúng"
			if i >= right {
				want = "– Chưa đúng"
			}
			if !strings.Contains(edited.Text, "Anh/chị chọn: "+label+" "+want) {
				t.Fatalf("revealed answer: %q", edited.Text)
			}
		}
	}
	take(2)
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "Lượt thi còn lại: 1/2") {
		t.Fatalf("second attempt offered: %q", m.Text)
	}
	take(1)
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "(2/2 lượt)") || !strings.Contains(m.Text, "Kết quả được tính: 2/2 câu đúng") {
		t.Fatalf("best attempt: %q", m.Text)
	}
}

func TestTelegramHeadMenuOpensExcuses(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{})
	chi := user(1003, "Chi")
	r.verify(chi, "0912000003")
	kb := r.fake.Keyboard(chi.ID)
	if len(kb) != 2 || kb[1][0].Text != "📋 Lý do vắng" {
		t.Fatalf("head's menu: %+v", kb)
	}
	r.send(r.fake.TextMessage(chi, "📋 Lý do vắng"))
	m := r.last(chi)
	// Chi's unit (Sở Nội vụ) only: Bình is listed, Em (another unit) is not.
	if !strings.Contains(m.Text+strings.Join(m.Labels(), "|"), "Trần Thị Bình") || strings.Contains(m.Text+strings.Join(m.Labels(), "|"), "Hoàng Văn Em") {
		t.Fatalf("absentees of the head's unit: %q %v", m.Text, m.Labels())
	}
	// A member's menu has no such button, and /lydo is refused.
	an := user(1001, "An")
	r.verify(an, "0912000001")
	if kb := r.fake.Keyboard(an.ID); len(kb) != 1 {
		t.Fatalf("member's menu: %+v", kb)
	}
	r.send(r.fake.Command(an, "lydo"))
	if m := r.last(an); strings.Contains(m.Text, "Trần Thị Bình") {
		t.Fatalf("member saw absentees: %q", m.Text)
	}
}

func TestTelegramRetriedAnswerShowsTheNextQuestion(t *testing.T) {
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

func TestTelegramQuizAfterCrashBetweenLastAnswerAndSubmission(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	r.answerAll(an, 2)
	// The last answer is stored, then the process dies before submitting.
	ctx := context.Background()
	var id int64
	if err := r.db.Get(&id, `SELECT id FROM attempts`); err != nil {
		t.Fatal(err)
	}
	a, err := r.db.AttemptByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := r.db.RecordAnswer(ctx, id, 2, a.Items[2].Order[0], false, r.clock.Now(), 0); err != nil || !ok {
		t.Fatalf("record last answer: %v %v", ok, err)
	}
	r.start()
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
		t.Fatalf("after /thi the member sees %q, want the prediction question", m.Text)
	}
	r.send(r.fake.TextMessage(an, "1500"))
	if m := r.last(an); !strings.Contains(m.Text, "câu đúng") || !strings.Contains(m.Text, "Dự đoán: 1.500") {
		t.Fatalf("result: %q", m.Text)
	}
}

func TestTelegramStartAfterUnblockingMakesReachable(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	// The member had blocked the bot: a reminder got 403.
	if _, err := r.db.Exec(`UPDATE identities SET unreachable_at = now()`); err != nil {
		t.Fatal(err)
	}
	// Unblocking in Telegram sends /start.
	r.send(r.fake.Command(an, "start"))
	if m := r.last(an); !strings.Contains(m.Text, "Xin chào Nguyễn Văn An") {
		t.Fatalf("welcome back: %q", m.Text)
	}
	var unreachable int
	r.db.Get(&unreachable, `SELECT count(*) FROM identities WHERE unreachable_at IS NOT NULL`)
	if unreachable != 0 {
		t.Fatal("the account is still marked unreachable after the member wrote to the bot")
	}
}

// The session of the question on screen, with its message, is saved by the
// round trip that marks the update done: the next tap reads it instead of
// rebuilding it from Postgres.
func TestTelegramUpdateSavesTheShownQuestionsSession(t *testing.T) {
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
