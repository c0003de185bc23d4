package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// PostgreSQL is the record and Redis a cache that may come back from an
// older snapshot. These tests take a snapshot as an RDB file would (DUMP of
// the keys at one moment) and restore it later (RESTORE … REPLACE), then
// check that what the member sees follows PostgreSQL.

// snapshot is the Redis keys of one member (their session and the cache of
// who is behind their account) as they were when it was taken.
type snapshot struct {
	keys map[string]string // key → DUMP payload, "" for a key absent then
}

func (r *tgRig) snapshot(u models.User, memberID int64) snapshot {
	r.t.Helper()
	ctx := context.Background()
	sn := snapshot{keys: map[string]string{}}
	for _, k := range []string{fmt.Sprintf("qb:sess:%d", memberID), fmt.Sprintf("qb:who:telegram:%d", u.ID)} {
		v, err := r.rdb.Dump(ctx, k).Result()
		if errors.Is(err, redis.Nil) {
			err = nil
		}
		if err != nil {
			r.t.Fatalf("dump %s: %v", k, err)
		}
		sn.keys[k] = v
	}
	return sn
}

// restore writes the snapshot's keys back, as a Redis restarted from it
// would hold them.
func (r *tgRig) restore(sn snapshot) {
	r.t.Helper()
	ctx := context.Background()
	for k, v := range sn.keys {
		if v == "" {
			r.rdb.Del(ctx, k)
			continue
		}
		if err := r.rdb.RestoreReplace(ctx, k, time.Hour, v).Err(); err != nil {
			r.t.Fatalf("restore %s: %v", k, err)
		}
	}
}

func (r *tgRig) memberID(phone string) int64 {
	r.t.Helper()
	m, err := r.db.MemberByPhone(context.Background(), phone)
	if err != nil {
		r.t.Fatal(err)
	}
	return m.ID
}

// A session saved before the last answer comes back after the attempt was
// submitted: /thi still asks the prediction, and the typed prediction is
// taken, not answered "Xin lỗi, tôi chưa hiểu".
func TestTelegramOldSessionSnapshotAfterLastAnswer(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	id := r.memberID("0912000001")
	r.startQuiz(an)
	r.answerAll(an, 2)
	sn := r.snapshot(an, id) // the session asks question 3
	r.answerAll(an, 1)
	if m := r.last(an); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
		t.Fatalf("after the last answer: %q", m.Text)
	}

	r.restore(sn)
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
		t.Fatalf("/thi with the old session shows %q, want the prediction question", m.Text)
	}
	r.restore(sn)
	r.send(r.fake.TextMessage(an, "57"))
	if m := r.last(an); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") || !strings.Contains(m.Text, "Dự đoán: 57") {
		t.Fatalf("typed prediction with the old session: %q", m.Text)
	}
	var prediction *int64
	if err := r.db.Get(&prediction, `SELECT prediction FROM attempts`); err != nil || prediction == nil || *prediction != 57 {
		t.Fatalf("stored prediction %v (%v), want 57", prediction, err)
	}
}

// With two attempts per round, a session of attempt 1 comes back while the
// member is on attempt 2: taps on attempt 2 are taken, and /thi shows
// attempt 2's live question.
func TestTelegramOldSessionSnapshotOfTheFirstAttempt(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, AttemptsPerRound: 2})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	id := r.memberID("0912000001")
	r.startQuiz(an)
	r.answerAll(an, 1)
	sn := r.snapshot(an, id) // attempt 1, question 2
	r.answerAll(an, 2)
	if m := r.last(an); !strings.Contains(m.Text, "Kết quả: 3/3") {
		t.Fatalf("attempt 1: %q", m.Text)
	}
	r.startQuiz(an)
	var second int64
	if err := r.db.Get(&second, `SELECT id FROM attempts WHERE seq = 2`); err != nil {
		t.Fatal(err)
	}
	onSecond := func(m telegramtest.Message) bool {
		b, ok := m.Button("A")
		return ok && strings.HasPrefix(b.CallbackData, fmt.Sprintf("a:%d:", second))
	}
	q := r.last(an)
	if !strings.HasPrefix(q.Text, "Câu 1/3") || !onSecond(q) {
		t.Fatalf("attempt 2 starts with %q", q.Text)
	}

	r.restore(sn)
	tap := r.fake.Tap(t, an, q, rightLabel(t, q))
	r.send(tap)
	if a, _ := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !strings.HasPrefix(a.Text, "Đã ghi nhận") {
		t.Fatalf("tap on attempt 2 with attempt 1's session: %q", a.Text)
	}
	q = r.last(an)
	if !strings.HasPrefix(q.Text, "Câu 2/3") || !onSecond(q) {
		t.Fatalf("after the tap: %q", q.Text)
	}

	r.restore(sn)
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.HasPrefix(m.Text, "Câu 2/3") || !onSecond(m) {
		t.Fatalf("/thi with attempt 1's session shows %q %+v, want attempt 2's question 2", m.Text, m.Buttons)
	}
	var answered int
	r.db.Get(&answered, `SELECT count(chosen) FROM answers WHERE attempt_id = $1`, second)
	if answered != 1 {
		t.Fatalf("%d answers on attempt 2, want 1", answered)
	}
}

// The update that recorded an answer died before showing the next
// question: a new tap on the answered question (not a re-delivery) shows
// the live question, with the answer on record.
func TestTelegramNewTapAfterCrashBeforeNextQuestion(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q1 := r.last(an)
	var id int64
	if err := r.db.Get(&id, `SELECT id FROM attempts`); err != nil {
		t.Fatal(err)
	}
	a, err := r.db.AttemptByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	// The answer is stored; the process dies before anything else.
	if ok, err := r.db.RecordAnswer(context.Background(), id, 0, a.Items[0].Order[0], false, r.clock.Now(), 0); err != nil || !ok {
		t.Fatalf("record: %v %v", ok, err)
	}
	sends := len(r.fake.CallsTo("sendMessage"))
	tap := r.fake.Tap(t, an, q1, "B")
	r.send(tap)
	if a, _ := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !strings.Contains(a.Text, "đã được ghi nhận") {
		t.Fatalf("callback answer: %q", a.Text)
	}
	if edited, _ := r.fake.Message(an.ID, q1.ID); !strings.Contains(edited.Text, "Anh/chị chọn: A") || len(edited.Buttons) != 0 {
		t.Fatalf("question 1 not shown with the answer on record: %q", edited.Text)
	}
	if n := len(r.fake.CallsTo("sendMessage")); n != sends+1 || !strings.HasPrefix(r.last(an).Text, "Câu 2/3") {
		t.Fatalf("%d messages, last %q; want question 2", n-sends, r.last(an).Text)
	}
	var chosen int
	r.db.Get(&chosen, `SELECT chosen FROM answers WHERE attempt_id = $1 AND position = 0`, id)
	if chosen != a.Items[0].Order[0] {
		t.Fatalf("the answer on record changed to %d", chosen)
	}
}

// `quizbot member unlink` clears the cache of the member behind the
// account; an old snapshot brings the entry back. It is not obeyed: the
// old account's taps record nothing. Nor is a cached member whom an
// operator deactivated by hand.
func TestTelegramUnlinkedMemberFromOldSnapshotIsRefused(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	an, binh, chi := user(1001, "An"), user(1002, "Bình"), user(1003, "Chi")
	r.verify(an, "0912000001")
	r.verify(binh, "0912000002")
	r.verify(chi, "0912000003") // a head
	anID, binhID, chiID := r.memberID("0912000001"), r.memberID("0912000002"), r.memberID("0912000003")
	r.startQuiz(an)
	q := r.last(an)
	r.send(r.fake.Command(binh, "thi"))
	rules := r.last(binh)
	r.startQuiz(chi)
	r.answerAll(chi, 3)
	if m := r.last(chi); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
		t.Fatalf("Chi's prediction question: %q", m.Text)
	}
	snAn, snBinh, snChi := r.snapshot(an, anID), r.snapshot(binh, binhID), r.snapshot(chi, chiID)

	opt := r.rdb.Options()
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": r.dbURL, "REDIS_URL": fmt.Sprintf("redis://%s/%d", opt.Addr, opt.DB)}[k]
	}
	for _, phone := range []string{"0912000001", "0912000003"} {
		if code, _, errOut := runQuizbot(getenv, "member", "unlink", phone); code != 0 {
			t.Fatalf("member unlink: %d %s", code, errOut)
		}
	}
	if _, err := r.db.Exec(`UPDATE members SET active = false WHERE phone = '0912000002'`); err != nil {
		t.Fatal(err)
	}
	r.restore(snAn)
	r.restore(snBinh)

	tap := r.fake.Tap(t, an, q, rightLabel(t, q))
	r.send(tap)
	if a, _ := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !strings.Contains(a.Text, "/start") {
		t.Fatalf("the unlinked account's tap: %q", a.Text)
	}
	var answered int
	r.db.Get(&answered, `SELECT count(chosen) FROM answers JOIN attempts a ON a.id = attempt_id WHERE a.member_id = $1`, anID)
	if answered != 0 {
		t.Fatalf("%d answers recorded from an unlinked account", answered)
	}
	// The stale entry is gone: the next message asks to verify.
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
		t.Fatalf("after the refused tap: %q", m.Text)
	}

	// Nor greeted by name on /start.
	r.restore(snAn)
	r.send(r.fake.Command(an, "start"))
	if m := r.last(an); strings.Contains(m.Text, "Nguyễn Văn An") || !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
		t.Fatalf("/start from the unlinked account: %q", m.Text)
	}

	// The unlinked head's typed prediction and /lydo are refused too.
	r.restore(snChi)
	r.send(r.fake.TextMessage(chi, "57"))
	if m := r.last(chi); !strings.Contains(m.Text, "gỡ liên kết") {
		t.Fatalf("the unlinked account's prediction: %q", m.Text)
	}
	var prediction *int64
	if err := r.db.Get(&prediction, `SELECT prediction FROM attempts WHERE member_id = $1`, chiID); err != nil || prediction != nil {
		t.Fatalf("prediction stored from an unlinked account: %v %v", prediction, err)
	}
	r.restore(snChi)
	r.send(r.fake.Command(chi, "lydo"))
	if m := r.last(chi); !strings.Contains(m.Text, "gỡ liên kết") || strings.Contains(m.Text, "Chưa dự thi") {
		t.Fatalf("the unlinked head's /lydo: %q", m.Text)
	}

	start := r.fake.Tap(t, binh, rules, "▶️ Bắt đầu làm bài")
	r.send(start)
	if a, _ := r.fake.CallbackAnswer(start.CallbackQuery.ID); !strings.Contains(a.Text, "không có tên trong danh sách") {
		t.Fatalf("the deactivated member's start: %q", a.Text)
	}
	var attempts int
	r.db.Get(&attempts, `SELECT count(*) FROM attempts WHERE member_id = $1`, binhID)
	if attempts != 0 {
		t.Fatalf("a deactivated member started %d attempts", attempts)
	}
}

// An update's claim is a short lease: when the process holding it dies
// (SIGKILL: it neither renews nor ends the claim), a re-delivery is
// processed once the lease has run out, seconds later; while the process
// lives, it renews the claim and re-deliveries wait.
func TestTelegramClaimOfADeadProcessLapses(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q := r.last(an)
	tap := r.fake.Tap(t, an, q, rightLabel(t, q))

	// A process claimed the tap and was killed.
	dead := storage.NewClaim(fmt.Sprintf("qb:tg:upd:%d", tap.ID))
	if _, _, _, err := storage.NewSessions(r.rdb).ClaimUpdate(context.Background(), dead, 15*time.Second, r.clock.Now(),
		quiz.PlatformTelegram, fmt.Sprint(an.ID)); err != nil {
		t.Fatal(err)
	}
	if resp := r.fake.Post(t, r.hook(), testSecret, tap); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("re-delivery under a live claim: %d", resp.StatusCode)
	}
	r.clock.Advance(16 * time.Second)
	r.send(tap)
	if m := r.last(an); !strings.HasPrefix(m.Text, "Câu 2/3") {
		t.Fatalf("after the lease ran out the member sees %q", m.Text)
	}
}

func TestTelegramLiveClaimIsRenewed(t *testing.T) {
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	ticks := make(chan time.Time)
	r.leaseTicks = func() (<-chan time.Time, func()) { return ticks, func() {} }
	r.start()
	an := user(1001, "An")
	r.verify(an, "0912000001")

	// /thi is slow: its message waits until released.
	arrived, release := make(chan struct{}), make(chan struct{})
	var freed sync.Once
	free := func() { freed.Do(func() { close(release) }) }
	t.Cleanup(free) // before the server's close, which waits for the update
	var held atomic.Bool
	r.fake.OnCall(func(c telegramtest.Call) *telegramtest.Reply {
		if c.Method == "sendMessage" && c.ChatID == an.ID && held.CompareAndSwap(false, true) {
			close(arrived)
			<-release
		}
		return nil
	})
	thi := r.fake.Command(an, "thi")
	done := make(chan int)
	go func() { done <- r.fake.Post(t, r.hook(), testSecret, thi).StatusCode }()
	<-arrived

	r.clock.Advance(10 * time.Second)
	// The renewer takes one tick at a time: once it takes the second, it
	// has finished renewing on the first.
	ticks <- r.clock.Now()
	ticks <- r.clock.Now()
	r.clock.Advance(10 * time.Second) // past the first lease
	if resp := r.fake.Post(t, r.hook(), testSecret, thi); resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("re-delivery while the update runs: %d", resp.StatusCode)
	}
	r.fake.OnCall(nil)
	free()
	if code := <-done; code != http.StatusOK {
		t.Fatalf("the slow update: %d", code)
	}
	sends := len(r.fake.CallsTo("sendMessage"))
	r.send(thi)
	if n := len(r.fake.CallsTo("sendMessage")); n != sends {
		t.Fatalf("a done update ran again: %d messages", n-sends)
	}
}
