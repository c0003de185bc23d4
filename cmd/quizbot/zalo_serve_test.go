package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/bot/zalo"
	"quizbot/bot/zalo/zalotest"
	"quizbot/config"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// zaloRig is serve with Zalo on (and Telegram too), Zalo talking to the fake
// OA, which holds the token pair the stored one is refreshed from.
type zaloRig struct {
	*tgRig
	z *zalotest.Fake
}

func newZaloRig(t *testing.T, o storagetest.SeedOptions, verify string) *zaloRig {
	t.Helper()
	db, dbURL := storagetest.NewDBURL(t)
	z := zalotest.New(t)
	_, refresh := z.IssuePair()
	r := &tgRig{t: t, fake: telegramtest.New(t), db: db, dbURL: dbURL, rdb: storagetest.NewRedis(t), logBuf: &bytes.Buffer{},
		public: "https://quizbot.example.vn"}
	r.f = storagetest.Seed(t, db, o)
	r.clock = quiz.NewFakeClock(r.f.Now)
	r.configure = func(c *config.Config) {
		c.Zalo = config.Zalo{AppID: zalotest.AppID, AppSecret: zalotest.AppSecret, OASecretKey: zalotest.OASecretKey,
			RefreshToken: refresh, APIURL: z.URL(), OAuthURL: z.URL(), TemplateURL: z.URL()}
		c.Verify = verify
	}
	r.start()
	return &zaloRig{tgRig: r, z: z}
}

func (r *zaloRig) zhook() string { return r.http.URL + zalo.WebhookPath }

// zsend posts a signed event and checks it was accepted.
func (r *zaloRig) zsend(body []byte) {
	r.t.Helper()
	resp := zalotest.Post(r.t, r.zhook(), body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		r.t.Fatalf("zalo webhook answered %d for %s", resp.StatusCode, body)
	}
}

// zsent is what the OA sent to user since the first n messages of all.
func (r *zaloRig) zsent(user string, n int) []zalotest.Sent {
	var out []zalotest.Sent
	for _, s := range r.z.Sent()[n:] {
		if s.UserID == user {
			out = append(out, s)
		}
	}
	return out
}

func (r *zaloRig) zlast(user string) zalotest.Sent {
	r.t.Helper()
	s := r.zsent(user, 0)
	if len(s) == 0 {
		r.t.Fatalf("nothing sent to %s", user)
	}
	return s[len(s)-1]
}

// ztap presses the button titled title of message m, as Zalo delivers it:
// a user_send_text whose text is the button's payload.
func (r *zaloRig) ztap(user string, m zalotest.Sent, title string) {
	r.t.Helper()
	for _, b := range m.Buttons {
		if b.Title == title {
			if b.Type != "oa.query.hide" || !strings.HasPrefix(b.Payload, zalo.PayloadPrefix) {
				r.t.Fatalf("button %+v", b)
			}
			r.zsend(r.z.TextEvent(user, b.Payload))
			return
		}
	}
	r.t.Fatalf("no button %q under %q (%+v)", title, m.Text, m.Buttons)
}

func zright(t *testing.T, m zalotest.Sent) string {
	t.Helper()
	return rightLabel(t, telegramtest.Message{Text: m.Text})
}

func lastLine(s string) string { return s[strings.LastIndex(s, "\n")+1:] }

// zverify takes a Zalo user through follow and the phone form.
func (r *zaloRig) zverify(user, phone string) {
	r.t.Helper()
	r.zsend(r.z.FollowEvent(user))
	r.zsend(r.z.SubmitInfoEvent(user, "Người dùng Zalo", phone))
	if m := r.zlast(user); !strings.Contains(m.Text, "Xác thực thành công") {
		r.t.Fatalf("verification failed: %q", m.Text)
	}
}

func TestZaloFollowPhoneFormVerifies(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "either")
	r.zsend(r.z.FollowEvent("z-an"))
	got := r.zsent("z-an", 0)
	if len(got) != 2 || !strings.Contains(got[0].Text, "Xin chào") || !strings.Contains(got[0].Text, "/kichhoat ABCD-EFGH") {
		t.Fatalf("greeting: %+v", got)
	}
	form := got[1]
	if form.TemplateType != "request_user_info" || len(form.Elements) != 1 || form.Elements[0].Title != "📱 Chia sẻ số điện thoại" ||
		form.Elements[0].ImageURL != "https://quizbot.example.vn/zalo/verify.png" || !strings.Contains(form.Elements[0].Subtitle, "số điện thoại") {
		t.Fatalf("form: %+v", form)
	}
	// The form's picture is served.
	if code, body := get(t, r.http.URL+"/zalo/verify.png"); code != 200 || !strings.HasPrefix(body, "\x89PNG") {
		t.Fatalf("picture: %d %.8q", code, body)
	}
	// The form's answer with a roster phone, as Zalo writes it.
	r.zsend(r.z.SubmitInfoEvent("z-an", "An Nguyễn", "84912000001"))
	m := r.zlast("z-an")
	if !strings.Contains(m.Text, "✅ Xác thực thành công!\nXin chào Nguyễn Văn An, Chuyên viên – Sở Nội vụ.") ||
		!strings.Contains(m.Text, "Gửi /thi") || strings.Contains(m.Text, "Vào thi") {
		t.Fatalf("welcome: %q", m.Text)
	}
	// Every message counts as the person writing: Zalo's reply window opens
	// again from the time quizbot received it.
	if _, err := r.db.Exec(`UPDATE identities SET last_inbound_at = now() - interval '30 days' WHERE external_id = 'z-an'`); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(11 * time.Minute)
	r.zsend(r.z.TextEvent("z-an", "/huongdan"))
	var inbound time.Time
	if err := r.db.Get(&inbound, `SELECT last_inbound_at FROM identities WHERE platform = 'zalo' AND external_id = 'z-an'`); err != nil ||
		!inbound.Equal(r.clock.Now()) {
		t.Fatalf("last inbound time %v (%v), want %v", inbound, err, r.clock.Now())
	}
	// An unknown phone is told whom to ask.
	r.zsend(r.z.SubmitInfoEvent("z-x", "Khách", "84987654321"))
	if m := r.zlast("z-x"); !strings.Contains(m.Text, "0987654321 chưa có trong danh sách") {
		t.Fatalf("unknown phone: %q", m.Text)
	}
	if strings.Contains(r.logBuf.String(), "0912000001") {
		t.Fatal("unmasked phone in the logs")
	}
}

func TestZaloVerifyCodeRefusesTheForm(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "code")
	r.zsend(r.z.FollowEvent("z-an"))
	for _, s := range r.zsent("z-an", 0) {
		if s.TemplateType != "" || !strings.Contains(s.Text, "mã kích hoạt") {
			t.Fatalf("VERIFY=code greeting: %+v", s)
		}
	}
	r.zsend(r.z.SubmitInfoEvent("z-an", "An", "84912000001"))
	var n int
	r.db.Get(&n, `SELECT count(*) FROM identities`)
	if m := r.zlast("z-an"); n != 0 || !strings.Contains(m.Text, "không dùng số điện thoại") {
		t.Fatalf("form under VERIFY=code: %d identities, %q", n, m.Text)
	}
}

func TestZaloWholeQuizByButtonsAndLetters(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3}, "")
	r.zverify("z-an", "84912000001")
	r.zverify("z-binh", "84912000002")

	// An taps the buttons; the second answer is wrong.
	r.zsend(r.z.TextEvent("z-an", "/thi"))
	rules := r.zlast("z-an")
	if !strings.Contains(rules.Text, "Số câu hỏi: 3") {
		t.Fatalf("rules: %q", rules.Text)
	}
	r.ztap("z-an", rules, "▶️ Bắt đầu làm bài")
	var q1 zalotest.Sent
	prev := ""
	for i := 1; i <= 3; i++ {
		q := r.zlast("z-an")
		if !strings.HasPrefix(q.Text, fmt.Sprintf("Câu %d/3\n", i)) || len(q.Buttons) != 4 || q.Buttons[0].Title != "A" {
			t.Fatalf("question %d: %q %+v", i, q.Text, q.Buttons)
		}
		if i > 1 && lastLine(q.Text) != fmt.Sprintf("☑️ Câu %d/3 – anh/chị chọn: %s", i-1, prev) {
			t.Fatalf("question %d does not end with the verdict of %d: %q", i, i-1, q.Text)
		}
		if i == 1 {
			q1 = q
		}
		prev = zright(t, q)
		if i == 2 {
			prev = wrongLabel(t, telegramtest.Message{Text: q.Text})
		}
		r.clock.Advance(30 * time.Second)
		n := len(r.z.Sent())
		r.ztap("z-an", q, prev)
		if sends := len(r.z.Sent()) - n; sends != 1 {
			t.Fatalf("answer %d: %d messages sent, want 1 (no edit, no toast)", i, sends)
		}
	}
	res := r.zlast("z-an")
	if !strings.Contains(res.Text, "Kết quả: 2/3 câu đúng") || lastLine(res.Text) != "☑️ Câu 3/3 – anh/chị chọn: "+prev {
		t.Fatalf("result: %q", res.Text)
	}
	// A button of an answered question, tapped again: said so, since Zalo
	// has no toast.
	n := len(r.z.Sent())
	r.ztap("z-an", q1, "B")
	if got := r.zsent("z-an", n); len(got) != 1 || !strings.Contains(got[0].Text, "đã được ghi nhận") {
		t.Fatalf("old button: %+v", got)
	}

	// Bình types the letters, in either case.
	r.zsend(r.z.TextEvent("z-binh", "/thi"))
	r.ztap("z-binh", r.zlast("z-binh"), "▶️ Bắt đầu làm bài")
	for i := 1; i <= 3; i++ {
		q := r.zlast("z-binh")
		if !strings.HasPrefix(q.Text, fmt.Sprintf("Câu %d/3\n", i)) {
			t.Fatalf("Bình's question %d: %q", i, q.Text)
		}
		r.clock.Advance(time.Minute)
		r.zsend(r.z.TextEvent("z-binh", strings.ToLower(zright(t, q))))
	}
	if m := r.zlast("z-binh"); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") {
		t.Fatalf("Bình's result: %q", m.Text)
	}

	var out, errb bytes.Buffer
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": r.dbURL}[k] }
	if code := run(context.Background(), []string{"report", "results", "--round", "1", "--contest", "cchc"}, getenv, &out, &errb); code != 0 {
		t.Fatalf("report results: %d %s", code, errb.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{"", "1,Trần Thị Bình,0912000002,SNV,Chuyên viên,3,3,180,,", "2,Nguyễn Văn An,0912000001,SNV,Chuyên viên,2,3,90,,"}
	if len(lines) != 3 || !strings.HasPrefix(lines[1], want[1]) || !strings.HasPrefix(lines[2], want[2]) {
		t.Fatalf("results:\n%s", out.String())
	}
}

func TestZaloSixOptionsAskForTheLetter(t *testing.T) {
	t.Parallel()
	six := []string{"Đúng", "Sai 1", "Sai 2", "Sai 3", "Sai 4", "Sai 5"}
	r := newZaloRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 2, Bank: []quiz.Question{
		{Code: "Q1", Text: "Câu hỏi sáu phương án thứ nhất?", Options: six, Correct: 0},
		{Code: "Q2", Text: "Câu hỏi sáu phương án thứ hai?", Options: six, Correct: 0},
	}}, "")
	r.zverify("z-an", "84912000001")
	r.zsend(r.z.TextEvent("z-an", "/thi"))
	r.ztap("z-an", r.zlast("z-an"), "▶️ Bắt đầu làm bài")
	for i := 1; i <= 2; i++ {
		q := r.zlast("z-an")
		if !strings.HasPrefix(q.Text, fmt.Sprintf("Câu %d/2\n", i)) || len(q.Buttons) != 0 || !strings.Contains(q.Text, "\nF. ") ||
			!strings.Contains(q.Text, "gõ chữ cái của phương án để trả lời (A, B, C, D, E hoặc F)") {
			t.Fatalf("question %d: %q %+v", i, q.Text, q.Buttons)
		}
		// /thi meanwhile points at it, asking for the letter.
		if i == 1 {
			r.zsend(r.z.TextEvent("z-an", "/thi"))
			if m := r.zlast("z-an"); !strings.Contains(m.Text, "đang làm câu 1/2") || strings.Contains(m.Text, "bấm nút") {
				t.Fatalf("live note: %q", m.Text)
			}
		}
		r.zsend(r.z.TextEvent("z-an", zright(t, q)))
	}
	if m := r.zlast("z-an"); !strings.Contains(m.Text, "Kết quả: 2/2 câu đúng") {
		t.Fatalf("result: %q", m.Text)
	}
}

// One member verified in Telegram by phone and in Zalo by an activation
// code takes one attempt, half in each app, and counts once.
func TestZaloAndTelegramOneMemberOneAttempt(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 4}, "")
	out := filepath.Join(t.TempDir(), "codes.xlsx")
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": r.dbURL}[k] }
	if code, _, stderr := runQuizbot(getenv, "member", "codes", "--out", out); code != 0 {
		t.Fatalf("member codes: %s", stderr)
	}
	codes := codesByName(t, out)
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.zsend(r.z.FollowEvent("z-an"))
	r.zsend(r.z.TextEvent("z-an", "/kichhoat "+codes["Nguyễn Văn An"]))
	if m := r.zlast("z-an"); !strings.Contains(m.Text, "Xin chào Nguyễn Văn An") {
		t.Fatalf("code in Zalo: %q", m.Text)
	}

	// Two answers in Telegram.
	r.startQuiz(an)
	r.answerAll(an, 2)
	if q := r.last(an); !strings.HasPrefix(q.Text, "Câu 3/4") {
		t.Fatalf("telegram: %q", q.Text)
	}
	// In Zalo, /thi shows question 3 (it is on screen in Telegram only).
	n := len(r.z.Sent())
	r.zsend(r.z.TextEvent("z-an", "/thi"))
	got := r.zsent("z-an", n)
	if len(got) != 2 || !strings.Contains(got[0].Text, "đang làm dở") || !strings.HasPrefix(got[1].Text, "Câu 3/4\n") {
		t.Fatalf("resume in Zalo: %+v", got)
	}
	r.ztap("z-an", got[1], zright(t, got[1]))
	q4 := r.zlast("z-an")
	if !strings.HasPrefix(q4.Text, "Câu 4/4\n") {
		t.Fatalf("question 4: %q", q4.Text)
	}
	r.zsend(r.z.TextEvent("z-an", zright(t, q4)))
	if m := r.zlast("z-an"); !strings.Contains(m.Text, "Kết quả: 4/4 câu đúng") {
		t.Fatalf("result: %q", m.Text)
	}
	var o, e bytes.Buffer
	if code := run(context.Background(), []string{"report", "results", "--round", "1", "--contest", "cchc"}, getenv, &o, &e); code != 0 {
		t.Fatalf("report: %s", e.String())
	}
	lines := strings.Split(strings.TrimSpace(o.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[1], "1,Nguyễn Văn An,0912000001,SNV,Chuyên viên,4,4,") {
		t.Fatalf("results:\n%s", o.String())
	}
	var ids, attempts int
	r.db.Get(&ids, `SELECT count(*) FROM identities`)
	r.db.Get(&attempts, `SELECT count(*) FROM attempts`)
	if ids != 2 || attempts != 1 {
		t.Fatalf("%d identities, %d attempts", ids, attempts)
	}
}

func TestZaloBadSignatureChangesNothing(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "")
	body := r.z.SubmitInfoEvent("z-an", "An", "84912000001")
	for _, sig := range []string{"", "mac=" + strings.Repeat("0", 64), "mac=zz", zalotest.Header(append([]byte(nil), body[:len(body)-1]...))} {
		req, _ := http.NewRequest(http.MethodPost, r.zhook(), bytes.NewReader(body))
		if sig != "" {
			req.Header.Set(zalo.SignatureHeader, sig)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("signature %q: %d", sig, resp.StatusCode)
		}
	}
	var n int
	r.db.Get(&n, `SELECT count(*) FROM identities`)
	if n != 0 || len(r.z.Sent()) != 0 {
		t.Fatalf("%d identities, %d messages after refused events", n, len(r.z.Sent()))
	}
}

func TestMenuCommandEverywhere(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "")
	r.zverify("z-chi", "84912000003") // a head
	r.zsend(r.z.TextEvent("z-chi", "/menu"))
	m := r.zlast("z-chi")
	for _, want := range []string{"/thi", "/huongdan", "/lydo", "/menu"} {
		if !strings.Contains(m.Text, want) {
			t.Fatalf("Zalo /menu lacks %s: %q", want, m.Text)
		}
	}
	r.zsend(r.z.TextEvent("z-chi", "gì vậy"))
	if m := r.zlast("z-chi"); !strings.Contains(m.Text, "Gửi /thi") || strings.Contains(m.Text, "Vào thi") {
		t.Fatalf("unknown text in Zalo: %q", m.Text)
	}
	// In Telegram it lists them too, with the menu of buttons.
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.send(r.fake.Command(an, "menu"))
	if m := r.last(an); !strings.Contains(m.Text, "/thi") || strings.Contains(m.Text, "/lydo") {
		t.Fatalf("Telegram /menu: %q", m.Text)
	}
	if kb := r.fake.Keyboard(an.ID); len(kb) == 0 || kb[0][0].Text != "📝 Vào thi" {
		t.Fatalf("Telegram menu: %+v", kb)
	}
}

func TestZaloUnfollowMarksUnreachable(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "")
	r.zverify("z-an", "84912000001")
	n := len(r.z.Sent())
	r.zsend(r.z.UnfollowEvent("z-an"))
	var unreachable int
	r.db.Get(&unreachable, `SELECT count(*) FROM identities WHERE platform = 'zalo' AND unreachable_at IS NOT NULL`)
	if unreachable != 1 || len(r.z.Sent()) != n {
		t.Fatalf("after unfollow: %d unreachable, %d messages sent", unreachable, len(r.z.Sent())-n)
	}
	// Following again: welcomed back, reachable.
	r.zsend(r.z.FollowEvent("z-an"))
	r.db.Get(&unreachable, `SELECT count(*) FROM identities WHERE unreachable_at IS NOT NULL`)
	if m := r.zlast("z-an"); unreachable != 0 || !strings.Contains(m.Text, "Xin chào Nguyễn Văn An") {
		t.Fatalf("follow again: %d unreachable, %q", unreachable, m.Text)
	}
}

// The OA's access was removed: the event fails (Zalo delivers it again),
// and /readyz names the problem while the replica stays ready for the
// other platforms.
func TestZaloRevokedTokensInReadyz(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "")
	if code, body := get(t, r.http.URL+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("readyz: %d %q", code, body)
	}
	r.z.RevokeAll()
	resp := zalotest.Post(t, r.zhook(), r.z.FollowEvent("z-an"))
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("follow with revoked tokens: %d", resp.StatusCode)
	}
	code, body := get(t, r.http.URL+"/readyz")
	if code != 200 || !strings.HasPrefix(body, "ready\nzalo: ") || !strings.Contains(body, "quizbot zalo connect") {
		t.Fatalf("readyz: %d %q", code, body)
	}
	// The organizers' weekly card asks the same of the adapter.
	if err := r.srv.za.ChannelProblem(context.Background()); !errors.Is(err, zalo.ErrTokenRevoked) {
		t.Fatalf("channel problem: %v, want the revoked tokens", err)
	}
}

// The time limit runs out in Zalo: the sweeper tells the member there,
// without editing anything (Zalo cannot).
func TestZaloTimeUpIsToldInZalo(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute}, "")
	r.zverify("z-an", "84912000001")
	r.zsend(r.z.TextEvent("z-an", "/thi"))
	r.ztap("z-an", r.zlast("z-an"), "▶️ Bắt đầu làm bài")
	q := r.zlast("z-an")
	r.zsend(r.z.TextEvent("z-an", zright(t, q)))
	r.clock.Advance(5*time.Minute + time.Second)
	if err := r.srv.conv.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	if m := r.zlast("z-an"); !strings.Contains(m.Text, "Đã hết thời gian làm bài") || !strings.Contains(m.Text, "Kết quả: 1/3 câu đúng") {
		t.Fatalf("time-up: %q", m.Text)
	}
	// A tap on the question left on screen: said to be too late.
	q2 := r.zsent("z-an", 0)
	r.ztap("z-an", q2[len(q2)-2], "A")
	if m := r.zlast("z-an"); !strings.Contains(m.Text, "hết thời gian") {
		t.Fatalf("late tap: %q", m.Text)
	}
}

// After the last question, the verdict ends the prediction question.
func TestZaloVerdictEndsThePredictionQuestion(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 1, Prediction: "Bao nhiêu người dự thi?", Reveal: quiz.RevealImmediately}, "")
	r.zverify("z-an", "84912000001")
	r.zsend(r.z.TextEvent("z-an", "/thi"))
	r.ztap("z-an", r.zlast("z-an"), "▶️ Bắt đầu làm bài")
	q := r.zlast("z-an")
	label := zright(t, q)
	r.ztap("z-an", q, label)
	m := r.zlast("z-an")
	if !strings.Contains(m.Text, "Câu hỏi dự đoán: Bao nhiêu người dự thi?") || lastLine(m.Text) != "✅ Câu 1/1 – anh/chị chọn: "+label+" – Đúng" {
		t.Fatalf("prediction: %q", m.Text)
	}
	r.zsend(r.z.TextEvent("z-an", "1500"))
	if m := r.zlast("z-an"); !strings.Contains(m.Text, "Kết quả: 1/1 câu đúng") || !strings.Contains(m.Text, "Dự đoán: 1.500") {
		t.Fatalf("result: %q", m.Text)
	}
}

// TestZaloRemindersKeepToTheWindow runs `notify remind` with Zalo on: a Zalo
// member who wrote yesterday gets a consultation message, one who last wrote
// eight days ago gets none (Zalo would refuse it, or bill it) and, with a
// reminder template configured, gets the template by phone instead.
func TestZaloRemindersKeepToTheWindow(t *testing.T) {
	for _, template := range []string{"", "7301"} {
		t.Run("template="+template, func(t *testing.T) {
			db, f, tg, getenv := notifyEnv(t)
			z := zalotest.New(t)
			_, refresh := z.IssuePair()
			vars := map[string]string{"ZALO_APP_ID": zalotest.AppID, "ZALO_APP_SECRET": zalotest.AppSecret,
				"ZALO_OA_SECRET_KEY": zalotest.OASecretKey, "ZALO_REFRESH_TOKEN": refresh, "ZALO_API_URL": z.URL(),
				"ZALO_OAUTH_URL": z.URL(), "ZALO_TEMPLATE_URL": z.URL(), "ZALO_TEMPLATE_REMIND": template}
			env := func(k string) string {
				if v, ok := vars[k]; ok {
					return v
				}
				return getenv(k)
			}
			// Two members move from Telegram to Zalo: one wrote a day ago,
			// the other eight days ago.
			var recent, old quiz.Member
			for _, m := range f.Members {
				if !m.Active {
					continue
				}
				if recent.ID == 0 {
					recent = m
				} else if old.ID == 0 {
					old = m
				}
			}
			for _, c := range []struct {
				m   quiz.Member
				ago string
			}{{recent, "1 day"}, {old, "8 days"}} {
				if _, err := db.Exec(`UPDATE identities SET platform = 'zalo', external_id = $2, chat_id = $2,
					last_inbound_at = now() - $3::interval WHERE member_id = $1`, c.m.ID, fmt.Sprintf("z-%d", c.m.ID), c.ago); err != nil {
					t.Fatal(err)
				}
			}
			code, out, errOut := runNotify(t, env, "remind", "--round", "1")
			if code != 0 {
				t.Fatalf("exit %d: %s%s", code, out, errOut)
			}
			var toRecent, toOld, templates []zalotest.Sent
			for _, s := range z.Sent() {
				switch {
				case s.Endpoint == "message/template":
					templates = append(templates, s)
				case s.UserID == fmt.Sprintf("z-%d", recent.ID):
					toRecent = append(toRecent, s)
				case s.UserID == fmt.Sprintf("z-%d", old.ID):
					toOld = append(toOld, s)
				}
			}
			if len(toRecent) != 1 || !strings.Contains(toRecent[0].Text, "Đợt") && !strings.Contains(toRecent[0].Text, "đợt") {
				t.Fatalf("the member inside the window: %+v", toRecent)
			}
			if len(toOld) != 0 {
				t.Fatalf("a consultation message outside the 7-day window: %+v", toOld)
			}
			wantPhone := "84" + strings.TrimPrefix(old.Phone, "0")
			switch {
			case template == "" && len(templates) != 0:
				t.Fatalf("templates sent without one configured: %+v", templates)
			case template != "" && (len(templates) != 1 || templates[0].Phone != wantPhone || templates[0].TemplateID != template):
				t.Fatalf("template by phone: %+v, want one to %s", templates, wantPhone)
			}
			if n := len(tg.CallsTo("sendMessage")); n != 3 {
				t.Fatalf("%d Telegram reminders, want 3 (the members left on Telegram)", n)
			}
		})
	}
}

// TestZaloRedeliveredEventTakesEffectOnce posts the same signed event again,
// as Zalo does when its answer came late: the second delivery is answered
// 200 and changes nothing, so the member sees one question, not two, and
// the answer is recorded once.
func TestZaloRedeliveredEventTakesEffectOnce(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3}, "")
	r.zverify("z-an", "84912000001")
	r.zsend(r.z.TextEvent("z-an", "/thi"))
	rules := r.zlast("z-an")
	var start []byte
	for _, b := range rules.Buttons {
		if b.Title == "▶️ Bắt đầu làm bài" {
			start = r.z.TextEvent("z-an", b.Payload)
		}
	}
	if start == nil {
		t.Fatalf("no start button under %q", rules.Text)
	}
	n := len(r.z.Sent())
	r.zsend(start)
	r.zsend(start) // the same msg_id again
	if got := r.zsent("z-an", n); len(got) != 1 || !strings.HasPrefix(got[0].Text, "Câu 1/3\n") {
		t.Fatalf("start delivered twice: %d messages %+v, want question 1 once", len(got), got)
	}
	q := r.zlast("z-an")
	var answer []byte
	for _, b := range q.Buttons {
		if b.Title == zright(t, q) {
			answer = r.z.TextEvent("z-an", b.Payload)
		}
	}
	if answer == nil {
		t.Fatalf("no button for the right answer under %q", q.Text)
	}
	n = len(r.z.Sent())
	r.zsend(answer)
	r.zsend(answer)
	if got := r.zsent("z-an", n); len(got) != 1 || !strings.HasPrefix(got[0].Text, "Câu 2/3\n") {
		t.Fatalf("answer delivered twice: %+v, want question 2 once", got)
	}
	var answered int
	if err := r.db.Get(&answered, `SELECT count(*) FROM answers WHERE chosen IS NOT NULL`); err != nil || answered != 1 {
		t.Fatalf("%d answers recorded (%v), want 1", answered, err)
	}
	// The events' done marks last Zalo's re-delivery horizon, not two days.
	ctx := context.Background()
	keys := r.rdb.Keys(ctx, "qb:upd:zalo:*").Val()
	if len(keys) == 0 {
		t.Fatal("no done mark of a Zalo event")
	}
	for _, k := range keys {
		if ttl := r.rdb.TTL(ctx, k).Val(); ttl <= zalo.Redelivery-time.Hour || ttl > zalo.Redelivery {
			t.Errorf("%s kept for %v, want %v", k, ttl, zalo.Redelivery)
		}
	}
}
