package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/config"
	"quizbot/storage/storagetest"
)

// In a group, everything but one short note to write privately stays
// private: no figures, no names, no quiz; plain text gets no answer at all.
func TestTelegramGroupGetsOnlyThePrivateNote(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	an, chi, dung := user(1001, "An"), user(1003, "Chi"), user(1004, "Dung")
	r.verify(an, "0912000001")
	r.verify(chi, "0912000003")
	r.verify(dung, "0912000004")
	group := models.Chat{ID: -1001234567890, Type: models.ChatTypeSupergroup, Title: "CCHC Sở Nội vụ"}
	say := func(from models.User, text string) {
		m := models.Message{From: &from, Chat: group, Text: text}
		if strings.HasPrefix(text, "/") {
			cmd, _, _ := strings.Cut(text, " ")
			m.Entities = []models.MessageEntity{{Type: models.MessageEntityTypeBotCommand, Length: telegramtest.TextLength(cmd)}}
		}
		r.send(r.fake.NewMessage(m))
	}
	const note = "Vui lòng nhắn riêng cho bot"
	groupSent := func() []telegramtest.Message { return r.fake.Sent(group.ID) }
	for i, c := range []struct {
		from models.User
		text string
	}{{dung, "/thongke"}, {chi, "/lydo"}, {an, "/thi"}, {an, "/start"}, {dung, "/huongdan"}, {an, "/thi@quizbot_test_bot"},
		{chi, "/donvi"}, {dung, "/donvi SNV"}, {an, "/ketqua"}} {
		say(c.from, c.text)
		sent := groupSent()
		if len(sent) != i+1 || !strings.HasPrefix(sent[i].Text, note) || len(sent[i].Buttons) != 0 {
			t.Fatalf("%s in the group: %d messages, last %+v", c.text, len(sent), sent[len(sent)-1])
		}
	}
	// Menu labels and other text in a group: silence.
	before := len(r.fake.CallsTo("sendMessage"))
	say(dung, "📊 Thống kê")
	say(chi, "📋 Lý do vắng")
	say(an, "57")
	if n := len(r.fake.CallsTo("sendMessage")); n != before {
		t.Fatalf("plain text in a group got %d messages", n-before)
	}
	// A tap in the group: the same note as the tap's answer, nothing else.
	for _, data := range []string{"s:" + itoa(r.f.Round.ID), "xl:" + itoa(r.f.Round.ID)} {
		tap := r.fake.CallbackQuery(chi, groupSent()[0], data)
		r.send(tap)
		if a, ok := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !ok || !strings.HasPrefix(a.Text, note) {
			t.Fatalf("tap %s in the group: %+v %v", data, a, ok)
		}
	}
	if n := len(r.fake.CallsTo("sendMessage")); n != before {
		t.Fatalf("taps in a group sent %d messages", n-before)
	}
	for _, m := range groupSent() {
		for _, leak := range []string{"Đã dự thi", "Trần Thị Bình", "Nguyễn Văn An", "Câu 1", "Đợt 1"} {
			if strings.Contains(m.Text, leak) {
				t.Fatalf("the group saw %q: %q", leak, m.Text)
			}
		}
	}
	var attempts int
	r.db.Get(&attempts, `SELECT count(*) FROM attempts`)
	if attempts != 0 {
		t.Fatal("an attempt started from a group")
	}
	// The same commands in private still work.
	r.send(r.fake.Command(dung, "thongke"))
	if m := r.last(dung); !strings.Contains(m.Text, "Đã dự thi") {
		t.Fatalf("private /thongke: %q", m.Text)
	}
}

// A command for another bot in a group ("/thi@other_bot") is ignored; one
// with no name or the bot's own, in any case, works.
func TestTelegramCommandsForOtherBotsAreIgnored(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	before := len(r.fake.CallsTo("sendMessage"))
	r.send(r.fake.Command(an, "thi@other_bot"))
	r.send(r.fake.Command(an, "start@quizbot_test_bot_2"))
	if n := len(r.fake.CallsTo("sendMessage")); n != before {
		t.Fatalf("commands for other bots got %d messages", n-before)
	}
	for _, cmd := range []string{"thi@QuizBot_Test_Bot", "thi@quizbot_test_bot", "thi"} {
		r.send(r.fake.Command(an, cmd))
		if m := r.last(an); !strings.Contains(m.Text, "Số câu hỏi") {
			t.Fatalf("/%s: %q", cmd, m.Text)
		}
	}
}

// One account's flood gets 20 replies, one slow-down message, then silence
// until the window passes; another account is not affected, and a quick
// quiz-taker never meets the limit.
func TestTelegramRateLimitPerAccount(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{Questions: 30, QuestionsPerAttempt: 30, TimeLimit: 30 * time.Minute})
	r.configure = func(c *config.Config) { c.RateLimitEvents, c.RateLimitWindow = 20, 10*time.Second }
	r.start()
	an, binh := user(1001, "An"), user(1002, "Bình")
	r.verify(an, "0912000001")
	r.verify(binh, "0912000002")
	// The fake clock stands still: every event below is in one window.
	r.clock.Set(r.clock.Now().Truncate(10 * time.Second).Add(10 * time.Second))
	before := len(r.fake.Sent(an.ID))
	for range 25 {
		r.send(r.fake.Command(an, "huongdan"))
	}
	sent := r.fake.Sent(an.ID)[before:]
	if len(sent) != 21 {
		t.Fatalf("25 messages got %d replies, want 20 and one slow-down message", len(sent))
	}
	for i, m := range sent[:20] {
		if !strings.HasPrefix(m.Text, "Hướng dẫn dự thi") {
			t.Fatalf("reply %d: %q", i+1, m.Text)
		}
	}
	if !strings.Contains(sent[20].Text, "thao tác quá nhanh, vui lòng chậm lại") {
		t.Fatalf("21st reply: %q", sent[20].Text)
	}
	// A tap over the limit has its spinner stopped, with the reason.
	tap := r.fake.CallbackQuery(an, sent[0], "s:"+itoa(r.f.Round.ID))
	r.send(tap)
	if a, ok := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !ok || !strings.Contains(a.Text, "thao tác quá nhanh") {
		t.Fatalf("tap over the limit: %+v %v", a, ok)
	}
	var attempts int
	r.db.Get(&attempts, `SELECT count(*) FROM attempts`)
	if attempts != 0 || len(r.fake.Sent(an.ID)) != before+21 {
		t.Fatal("an event over the limit was processed")
	}
	// Another account, in the same window: answered.
	r.send(r.fake.Command(binh, "huongdan"))
	if m := r.last(binh); !strings.HasPrefix(m.Text, "Hướng dẫn dự thi") {
		t.Fatalf("another account: %q", m.Text)
	}

	// The window passes: An is answered again, and takes the quiz at a tap
	// a second, far quicker than anyone reads a question, without meeting
	// the limit.
	r.clock.Advance(10 * time.Second)
	r.send(r.fake.Command(an, "thi"))
	r.send(r.fake.Tap(t, an, r.last(an), "▶️ Bắt đầu làm bài"))
	for i := range 30 {
		q := r.last(an)
		if !strings.HasPrefix(q.Text, "Câu "+itoa(int64(i+1))+"/30") {
			t.Fatalf("question %d: %q", i+1, q.Text)
		}
		r.clock.Advance(time.Second)
		tap := r.fake.Tap(t, an, q, rightLabel(t, q))
		r.send(tap)
		if a, _ := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !strings.HasPrefix(a.Text, "Đã ghi nhận") {
			t.Fatalf("answer %d: %+v", i+1, a)
		}
	}
	if m := r.last(an); !strings.Contains(m.Text, "Kết quả: 30/30 câu đúng") {
		t.Fatalf("result: %q", m.Text)
	}
}

// A message the Bot API refuses (400) is a permanent failure: logged with
// the method and the description, the update answered 200 and done.
func TestTelegramRejectedMessageIsNotRetried(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	an := user(1001, "An")
	r.fake.Fail("sendMessage", an.ID, 1, telegramtest.BadRequest("Bad Request: can't parse entities: unsupported start tag"))
	u := r.fake.Command(an, "start")
	if resp := r.fake.Post(t, r.hook(), testSecret, u); resp.StatusCode != http.StatusOK {
		t.Fatalf("webhook answered %d to an update whose reply got 400, want 200", resp.StatusCode)
	}
	calls := len(r.fake.CallsTo("sendMessage"))
	r.send(u) // delivered again all the same: nothing is done twice
	if n := len(r.fake.CallsTo("sendMessage")); n != calls {
		t.Fatalf("the update was processed again: %d more sendMessage", n-calls)
	}
	logs := r.logBuf.String()
	if !strings.Contains(logs, "sendMessage") || !strings.Contains(logs, "can't parse entities") || !strings.Contains(logs, "not retried") {
		t.Fatalf("the refusal is not logged with its method and description:\n%s", logs)
	}
}
