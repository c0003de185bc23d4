package notify_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
	"quizbot/bot/telegram"
	"quizbot/bot/telegram/telegramtest"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage"
)

// storage.DB is the store behind /lydo.
var _ chat.ExcuseStore = (*storage.DB)(nil)

// lydoRig adds the conversation over the quiz service, attached to the fake
// through the real Telegram adapter.
type lydoRig struct {
	*rig
	conv *chat.Bot
}

func newLydoRig(t *testing.T) *lydoRig {
	return newLydoRigWith(t, func(db *storage.DB) chat.ChatResolver { return db })
}

// newLydoRigWith builds the conversation over the store store returns
// (the database, or a wrapper of it).
func newLydoRigWith(t *testing.T, store func(*storage.DB) chat.ChatResolver) *lydoRig {
	r := newRig(t)
	r.linkAll()
	svc := quiz.NewService(r.db, storage.NewSessions(r.rdb), r.clock)
	conv := chat.New(svc, store(r.db), r.log)
	if _, err := telegram.New(context.Background(), telegram.Config{Token: r.fake.Token(), APIURL: r.fake.URL()},
		conv, r.log); err != nil {
		t.Fatal(err)
	}
	return &lydoRig{rig: r, conv: conv}
}

func (r *lydoRig) user(m quiz.Member) models.User {
	return models.User{ID: r.chats[m.ID], FirstName: m.FullName}
}

// handle passes an update to /lydo as the adapter would; it fails the test
// when /lydo does not take it.
func (r *lydoRig) handle(upd *models.Update) {
	r.t.Helper()
	ev, ok := telegram.Event(upd)
	if !ok {
		r.t.Fatalf("update %+v is no event", upd)
	}
	handled, err := r.conv.HandleExcuse(context.Background(), ev)
	if err != nil {
		r.t.Fatalf("lydo: %v", err)
	}
	if !handled {
		r.t.Fatalf("lydo did not handle %+v", ev)
	}
}

func (r *lydoRig) last(m quiz.Member) telegramtest.Message {
	r.t.Helper()
	msg, ok := r.fake.LastMessage(r.chats[m.ID])
	if !ok {
		r.t.Fatalf("no message to %s", m.FullName)
	}
	return msg
}

func (r *lydoRig) reasons() map[int64]string {
	r.t.Helper()
	var rows []struct {
		MemberID   int64  `db:"member_id"`
		Reason     string `db:"reason"`
		RecordedBy int64  `db:"recorded_by"`
	}
	if err := r.db.SelectContext(context.Background(), &rows, `SELECT member_id, reason, recorded_by FROM excuses WHERE round_id = $1`, r.f.Round.ID); err != nil {
		r.t.Fatal(err)
	}
	out := map[int64]string{}
	for _, x := range rows {
		if x.RecordedBy != r.f.Members["chi"].ID {
			r.t.Errorf("excuse of %d recorded by %d", x.MemberID, x.RecordedBy)
		}
		out[x.MemberID] = x.Reason
	}
	return out
}

// TestExcuseFlowRecordsReasonsAndStopsReminders: /lydo lists the head's
// unit's absentees, a tap on a preset reason records it, "Lý do khác" takes
// typed text, and excused members get no reminder.
func TestExcuseFlowRecordsReasonsAndStopsReminders(t *testing.T) {
	r := newLydoRig(t)
	ms := r.f.Members
	chi, binh, dung := ms["chi"], ms["binh"], ms["dung"]
	r.submit(ms["an"], r.f.Round.ID, 3)

	r.handle(r.fake.Command(r.user(chi), "lydo"))
	list := r.last(chi)
	if !strings.Contains(list.Text, "Chưa dự thi: 3 người, đã có lý do: 0") {
		t.Fatalf("list:\n%s", list.Text)
	}
	if got := strings.Join(list.Labels(), "|"); got != "1. Lê Minh Chi|2. Phạm Thu Dung|3. Trần Thị Bình" {
		t.Fatalf("buttons %q", got)
	}
	if strings.Contains(list.Text, ms["em"].FullName) {
		t.Fatal("the list shows a member of another unit")
	}

	// A preset reason: two taps.
	r.handle(r.fake.Tap(t, r.user(chi), list, "3. Trần Thị Bình"))
	ask := r.last(chi)
	if !strings.HasPrefix(ask.Text, "Lý do Trần Thị Bình – Chuyên viên không tham gia Đợt 1") {
		t.Fatalf("ask: %q", ask.Text)
	}
	tap := r.fake.Tap(t, r.user(chi), ask, "Nghỉ phép")
	r.handle(tap)
	if a, ok := r.fake.CallbackAnswer(tap.CallbackQuery.ID); !ok || a.Text != "Đã ghi nhận." {
		t.Errorf("callback answer: %+v %v", a, ok)
	}
	if !strings.Contains(r.last(chi).Text, "✅ Đã ghi nhận lý do vắng Đợt 1: Trần Thị Bình – Nghỉ phép.") {
		t.Fatalf("confirmation: %q", r.last(chi).Text)
	}

	// Another reason, typed.
	r.handle(r.fake.Tap(t, r.user(chi), list, "2. Phạm Thu Dung"))
	r.handle(r.fake.Tap(t, r.user(chi), r.last(chi), "Lý do khác"))
	if !strings.Contains(r.last(chi).Text, "nhập lý do Phạm Thu Dung") {
		t.Fatalf("prompt: %q", r.last(chi).Text)
	}
	r.handle(r.fake.TextMessage(r.user(chi), "  Tập huấn nghiệp vụ tại Hà Nội "))
	if got := r.reasons(); len(got) != 2 || got[binh.ID] != "Nghỉ phép" || got[dung.ID] != "Tập huấn nghiệp vụ tại Hà Nội" {
		t.Fatalf("recorded %v", got)
	}
	// The prompt is used up: the next text is not a reason.
	ev, _ := telegram.Event(r.fake.TextMessage(r.user(chi), "xin chào"))
	if handled, err := r.conv.HandleExcuse(context.Background(), ev); handled || err != nil {
		t.Fatalf("a second text was taken as a reason: %v %v", handled, err)
	}

	// The list now shows the reasons; the reminder leaves the excused out.
	r.handle(r.fake.Command(r.user(chi), "lydo"))
	if l := r.last(chi); !strings.Contains(l.Text, "đã có lý do: 2") || !strings.Contains(l.Text, "Trần Thị Bình – Nghỉ phép") {
		t.Fatalf("list after:\n%s", l.Text)
	}
	if n := r.enqueue(r.job(notify.KindRemind, "s", r.f.Round)); n != 2 {
		t.Fatalf("reminders to %d, want 2 (chi, em)", n)
	}
}

// TestExcuseHeadsOnlyOwnUnit: members cannot use /lydo, and a head cannot
// see or excuse anyone of another unit, whatever callback data is sent.
func TestExcuseHeadsOnlyOwnUnit(t *testing.T) {
	r := newLydoRig(t)
	ms := r.f.Members
	chi, em := ms["chi"], ms["em"]
	round := itoa(r.f.Round.ID)

	r.handle(r.fake.Command(r.user(ms["an"]), "lydo"))
	if !strings.Contains(r.last(ms["an"]).Text, "dành cho thủ trưởng đơn vị") {
		t.Fatalf("member got %q", r.last(ms["an"]).Text)
	}

	r.handle(r.fake.Command(r.user(chi), "lydo"))
	list := r.last(chi)
	before := len(r.fake.Sent(r.chats[chi.ID]))
	for _, data := range []string{"xm:" + round + ":" + itoa(em.ID), "xr:" + round + ":" + itoa(em.ID) + ":1",
		"xr:" + round + ":" + itoa(em.ID) + ":9"} {
		upd := r.fake.CallbackQuery(r.user(chi), list, data)
		r.handle(upd)
		if a, _ := r.fake.CallbackAnswer(upd.CallbackQuery.ID); !strings.Contains(a.Text, "Không tìm thấy cán bộ này") {
			t.Errorf("%s answered %q", data, a.Text)
		}
	}
	if n := len(r.fake.Sent(r.chats[chi.ID])); n != before {
		t.Fatalf("forged taps sent %d messages", n-before)
	}
	for _, m := range r.fake.Sent(r.chats[chi.ID]) {
		if strings.Contains(m.Text, em.FullName) {
			t.Fatalf("the head saw another unit's member: %q", m.Text)
		}
	}
	if got := r.reasons(); len(got) != 0 {
		t.Fatalf("recorded %v", got)
	}
	// Storage refuses too, even called directly.
	if _, err := r.db.RecordExcuse(context.Background(), r.f.Round.ID, em.ID, chi.UnitID, "Nghỉ phép", chi.ID); quiz.ErrorCode(err) != quiz.EFORBIDDEN {
		t.Fatalf("RecordExcuse across units: %v", err)
	}
	// A round of another contest, or one not yet open, is refused.
	upd := r.fake.CallbackQuery(r.user(chi), list, "xl:"+itoa(r.f.Next.ID))
	r.handle(upd)
	if a, _ := r.fake.CallbackAnswer(upd.CallbackQuery.ID); !strings.Contains(a.Text, "chưa có đợt thi") {
		t.Errorf("future round answered %q", a.Text)
	}
}

// flakyExcuses is the database with one-off failures of the /lydo store's
// calls, as a dropped connection would cause.
type flakyExcuses struct {
	*storage.DB
	mu   sync.Mutex
	fail map[string]int // call → failures left
}

var errFlaky = errors.New("connection reset by peer")

func (s *flakyExcuses) failNext(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[call]++
}

func (s *flakyExcuses) failing(call string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail[call] == 0 {
		return false
	}
	s.fail[call]--
	return true
}

func (s *flakyExcuses) TakeExcusePrompt(ctx context.Context, headID int64, now time.Time) (int64, int64, bool, error) {
	if s.failing("take") {
		return 0, 0, false, errFlaky
	}
	return s.DB.TakeExcusePrompt(ctx, headID, now)
}

func (s *flakyExcuses) RecordExcuse(ctx context.Context, roundID, memberID, unitID int64, reason string, by int64) (quiz.Member, error) {
	if s.failing("record") {
		return quiz.Member{}, errFlaky
	}
	return s.DB.RecordExcuse(ctx, roundID, memberID, unitID, reason, by)
}

// TestExcuseTypedReasonSurvivesFailures: when the store fails while a
// head's typed reason is handled, the event fails (so that it is delivered
// again) instead of passing the reason on as an ordinary text, and the
// event delivered again still records the reason.
func TestExcuseTypedReasonSurvivesFailures(t *testing.T) {
	store := &flakyExcuses{fail: map[string]int{}}
	r := newLydoRigWith(t, func(db *storage.DB) chat.ChatResolver { store.DB = db; return store })
	chi, dung := r.f.Members["chi"], r.f.Members["dung"]
	r.handle(r.fake.Command(r.user(chi), "lydo"))
	r.handle(r.fake.Tap(t, r.user(chi), r.last(chi), "3. Phạm Thu Dung"))
	r.handle(r.fake.Tap(t, r.user(chi), r.last(chi), "Lý do khác"))

	ev, _ := telegram.Event(r.fake.TextMessage(r.user(chi), "Tập huấn tại Hà Nội"))
	for _, call := range []string{"take", "record"} {
		store.failNext(call)
		handled, err := r.conv.HandleExcuse(context.Background(), ev)
		if !handled || !errors.Is(err, errFlaky) {
			t.Fatalf("%s failing: handled %v, err %v; want the event failed with the store's error", call, handled, err)
		}
		if got := r.reasons(); len(got) != 0 {
			t.Fatalf("%s failing: recorded %v", call, got)
		}
	}
	// Delivered again, the text is still the reason awaited.
	r.handle(r.fake.TextMessage(r.user(chi), "Tập huấn tại Hà Nội"))
	if got := r.reasons(); len(got) != 1 || got[dung.ID] != "Tập huấn tại Hà Nội" {
		t.Fatalf("recorded %v", got)
	}
}
