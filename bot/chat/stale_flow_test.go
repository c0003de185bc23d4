package chat_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat/chattest"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// PostgreSQL is the record and Redis a cache that may come back from an
// older snapshot. These tests take a snapshot as an RDB file would (DUMP of
// the keys at one moment) and restore it later (RESTORE … REPLACE), then
// check that what the member sees follows PostgreSQL.

// snapshot is the Redis keys of one member (their session and the cache
// of who is behind their account) as they were when it was taken: key →
// DUMP payload, "" for a key absent then.
type snapshot map[string]string

func (r *rig) snapshot(u *chattest.User, memberID int64) snapshot {
	r.t.Helper()
	ctx := context.Background()
	sn := snapshot{}
	for _, k := range []string{fmt.Sprintf("qb:sess:%d", memberID), fmt.Sprintf("qb:who:%s:%s", r.pf.p, u.ID)} {
		v, err := r.rdb.Dump(ctx, k).Result()
		if errors.Is(err, redis.Nil) {
			err = nil
		}
		if err != nil {
			r.t.Fatalf("dump %s: %v", k, err)
		}
		sn[k] = v
	}
	return sn
}

// restore writes the snapshot's keys back, as a Redis restarted from it
// would hold them.
func (r *rig) restore(sn snapshot) {
	r.t.Helper()
	ctx := context.Background()
	for k, v := range sn {
		if v == "" {
			r.rdb.Del(ctx, k)
			continue
		}
		if err := r.rdb.RestoreReplace(ctx, k, time.Hour, v).Err(); err != nil {
			r.t.Fatalf("restore %s: %v", k, err)
		}
	}
}

// A session saved before the last answer comes back after the attempt was
// submitted: /thi still asks the prediction, and the typed prediction is
// taken, not answered "Xin lỗi, tôi chưa hiểu".
func TestOldSessionSnapshotAfterLastAnswer(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		r.answerAll(an, 2)
		sn := r.snapshot(an, r.memberID("an")) // the session asks question 3
		r.answerAll(an, 1)
		if m := an.Last(); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
			t.Fatalf("after the last answer: %q", m.Text)
		}
		r.restore(sn)
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
			t.Fatalf("/thi with the old session shows %q, want the prediction question", m.Text)
		}
		r.restore(sn)
		an.Type("57")
		if m := an.Last(); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") || !strings.Contains(m.Text, "Dự đoán: 57") {
			t.Fatalf("typed prediction with the old session: %q", m.Text)
		}
		if n := r.count(`SELECT prediction FROM attempts`); n != 57 {
			t.Fatalf("stored prediction %d, want 57", n)
		}
	})
}

// With two attempts per round, a session of attempt 1 comes back while the
// member is on attempt 2: taps on attempt 2 are taken, and /thi shows
// attempt 2's live question.
func TestOldSessionSnapshotOfTheFirstAttempt(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, AttemptsPerRound: 2}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		r.answerAll(an, 1)
		sn := r.snapshot(an, r.memberID("an")) // attempt 1, question 2
		r.answerAll(an, 2)
		if m := an.Last(); !strings.Contains(m.Text, "Kết quả: 3/3") {
			t.Fatalf("attempt 1: %q", m.Text)
		}
		r.startQuiz(an)
		second := r.count(`SELECT id FROM attempts WHERE seq = 2`)
		onSecond := func(m chattest.Message) bool {
			b, ok := m.Button("A")
			return ok && strings.HasPrefix(b.Data, fmt.Sprintf("a:%d:", second))
		}
		q := r.question(an)
		if !strings.HasPrefix(q.Text, "Câu 1/3") || !onSecond(q) {
			t.Fatalf("attempt 2 starts with %q", q.Text)
		}

		r.restore(sn)
		tap := an.TapOn(q, rightLabel(t, q))
		r.wantNote(an, tap, func(s string) bool { return strings.HasPrefix(s, "Đã ghi nhận") }, "tap on attempt 2 with attempt 1's session")
		q = r.question(an)
		if !strings.HasPrefix(q.Text, "Câu 2/3") || !onSecond(q) {
			t.Fatalf("after the tap: %q", q.Text)
		}

		r.restore(sn)
		an.Command("thi")
		if m := an.Last(); !strings.HasPrefix(m.Text, "Câu 2/3") || !onSecond(m) {
			t.Fatalf("/thi with attempt 1's session shows %q %q, want attempt 2's question 2", m.Text, m.Labels())
		}
		if n := r.count(`SELECT count(chosen) FROM answers WHERE attempt_id = $1`, second); n != 1 {
			t.Fatalf("%d answers on attempt 2, want 1", n)
		}
	})
}

// The event that recorded an answer died before showing the next
// question: a new tap on the answered question (not a re-delivery) shows
// the live question, with the answer on record.
func TestNewTapAfterCrashBeforeNextQuestion(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		q1 := r.question(an)
		ctx := context.Background()
		id := int64(r.count(`SELECT id FROM attempts`))
		a, err := r.db.AttemptByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		// The answer is stored; the process dies before anything else.
		if ok, err := r.db.RecordAnswer(ctx, id, 0, a.Items[0].Order[0], false, r.clock.Now(), 0); err != nil || !ok {
			t.Fatalf("record: %v %v", ok, err)
		}
		sent := an.Count()
		tap := an.TapOn(q1, "B")
		r.wantNote(an, tap, func(s string) bool { return strings.Contains(s, "đã được ghi nhận") }, "tap on the answered question")
		r.wantAnswered(an, q1, "☑️ Anh/chị chọn: A")
		if n := an.Count(); n != sent+1 || !strings.HasPrefix(an.Last().Text, "Câu 2/3") {
			t.Fatalf("%d messages, last %q; want question 2", n-sent, an.Last().Text)
		}
		if n := r.count(`SELECT chosen FROM answers WHERE attempt_id = $1 AND position = 0`, id); n != a.Items[0].Order[0] {
			t.Fatalf("the answer on record changed to %d", n)
		}
	})
}

// unlink is `quizbot member unlink PHONE`: the accounts detached in
// PostgreSQL, the cache of who is behind them cleared.
func (r *rig) unlink(phone string) {
	r.t.Helper()
	ctx := context.Background()
	_, ids, err := r.db.UnlinkMember(ctx, phone)
	if err != nil {
		r.t.Fatal(err)
	}
	for _, id := range ids {
		if err := storage.NewSessions(r.rdb).ForgetMember(ctx, id.Platform, id.ExternalID); err != nil {
			r.t.Fatal(err)
		}
	}
}

// An unlink clears the cache of the member behind the account; an old
// snapshot brings the entry back. It is not obeyed: the old account's taps
// record nothing, its /start greets no one by name, its typed prediction
// and /lydo are refused. Nor is a cached member whom an operator
// deactivated by hand.
func TestUnlinkedMemberFromOldSnapshotIsRefused(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"}, func(t *testing.T, r *rig) {
		an, binh, chi := r.user("an"), r.user("binh"), r.user("chi")
		r.verify(an)
		r.verify(binh)
		r.verify(chi) // a head
		anID, binhID, chiID := r.memberID("an"), r.memberID("binh"), r.memberID("chi")
		r.startQuiz(an)
		q := r.question(an)
		binh.Command("thi")
		rules := binh.Last()
		r.startQuiz(chi)
		r.answerAll(chi, 3)
		if m := chi.Last(); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
			t.Fatalf("Chi's prediction question: %q", m.Text)
		}
		snAn, snBinh, snChi := r.snapshot(an, anID), r.snapshot(binh, binhID), r.snapshot(chi, chiID)
		r.unlink("0912000001")
		r.unlink("0912000003")
		if _, err := r.db.Exec(`UPDATE members SET active = false WHERE phone = '0912000002'`); err != nil {
			t.Fatal(err)
		}
		r.restore(snAn)
		r.restore(snBinh)

		sent := an.Count()
		tap := an.TapOn(q, rightLabel(t, q))
		r.wantNoteAlone(an, tap, func(s string) bool { return strings.Contains(s, "/start") }, "the unlinked account's tap")
		if n := r.count(`SELECT count(chosen) FROM answers JOIN attempts a ON a.id = attempt_id WHERE a.member_id = $1`, anID); n != 0 {
			t.Fatalf("%d answers recorded from an unlinked account", n)
		}
		if an.Count() != sent+r.notes() {
			t.Fatalf("the unlinked account's tap sent %d messages", an.Count()-sent)
		}
		// The stale entry is gone: the next message asks to verify.
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
			t.Fatalf("after the refused tap: %q", m.Text)
		}
		r.restore(snAn)
		an.Command("start")
		if m := an.Last(); strings.Contains(m.Text, "Nguyễn Văn An") || !strings.Contains(m.Text, "Chia sẻ số điện thoại") {
			t.Fatalf("/start from the unlinked account: %q", m.Text)
		}

		r.restore(snChi)
		chi.Type("57")
		if m := chi.Last(); !strings.Contains(m.Text, "gỡ liên kết") {
			t.Fatalf("the unlinked account's prediction: %q", m.Text)
		}
		if n := r.count(`SELECT count(prediction) FROM attempts WHERE member_id = $1`, chiID); n != 0 {
			t.Fatal("a prediction stored from an unlinked account")
		}
		r.restore(snChi)
		chi.Command("lydo")
		if m := chi.Last(); !strings.Contains(m.Text, "gỡ liên kết") || strings.Contains(m.Text, "Chưa dự thi") {
			t.Fatalf("the unlinked head's /lydo: %q", m.Text)
		}

		start := binh.TapOn(rules, startLabel)
		r.wantNoteAlone(binh, start, func(s string) bool { return strings.Contains(s, "không có tên trong danh sách") }, "the deactivated member's start")
		if n := r.count(`SELECT count(*) FROM attempts WHERE member_id = $1`, binhID); n != 0 {
			t.Fatalf("a deactivated member started %d attempts", n)
		}
	})
}
