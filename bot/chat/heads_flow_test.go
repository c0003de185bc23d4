package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quizbot/bot/chat/chattest"
	"quizbot/storage/storagetest"
)

// labelWith is the label of m's button that contains s.
func labelWith(t testing.TB, m chattest.Message, s string) string {
	t.Helper()
	for _, l := range m.Labels() {
		if strings.Contains(l, s) {
			return l
		}
	}
	t.Fatalf("no button with %q in %q", s, m.Labels())
	return ""
}

// /lydo: a head (by the menu's button, or the command) sees the absentees
// of their own unit only and records a reason with two taps; a member is
// refused.
func TestHeadsReasons(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		chi := r.user("chi")
		r.verify(chi)
		r.wantMenu(chi, headMenu...)
		if r.caps.Menu {
			chi.Type("📋 Lý do vắng")
		} else {
			chi.Command("lydo")
		}
		list := chi.Last()
		seen := list.Text + strings.Join(list.Labels(), "|")
		if !strings.Contains(seen, "Trần Thị Bình") || strings.Contains(seen, "Hoàng Văn Em") {
			t.Fatalf("absentees of the head's unit: %q %q", list.Text, list.Labels())
		}
		chi.TapOn(list, labelWith(t, list, "Trần Thị Bình"))
		tap := chi.Tap("Ốm đau")
		r.wantNote(chi, tap, func(s string) bool { return s == "Đã ghi nhận." }, "preset reason")
		if m := chi.Last(); !strings.Contains(m.Text, "✅ Đã ghi nhận lý do vắng Đợt 1: Trần Thị Bình – Ốm đau.") {
			t.Fatalf("reason recorded: %q", m.Text)
		}
		if n := r.count(`SELECT count(*) FROM excuses WHERE member_id = $1 AND reason = 'Ốm đau'`, r.memberID("binh")); n != 1 {
			t.Fatalf("%d reasons stored", n)
		}

		an := r.user("an")
		r.verify(an)
		r.wantMenu(an, memberMenu...)
		an.Command("lydo")
		if m := an.Last(); strings.Contains(m.Text, "Trần Thị Bình") || !strings.Contains(m.Text, "dành cho thủ trưởng đơn vị") {
			t.Fatalf("a member's /lydo: %q", m.Text)
		}
	})
}

// A head's "Lý do khác" prompt never takes the head's own quiz input: an
// attempt that starts drops it, it cannot be opened while the quiz awaits
// the head, and a prompt found pending when the head answers the
// prediction loses to the prediction.
func TestHeadsPendingReasonYieldsToTheQuiz(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: flowPrediction}, func(t *testing.T, r *rig) {
		chi := r.user("chi")
		r.verify(chi)
		prompts := func() int { return r.count(`SELECT count(*) FROM excuse_prompts`) }
		chi.Command("lydo")
		list := chi.Last()
		chi.TapOn(list, labelWith(t, list, "Trần Thị Bình"))
		reasons := chi.Last()
		chi.TapOn(reasons, "Lý do khác")
		if m := chi.Last(); !strings.Contains(m.Text, "nhập lý do") {
			t.Fatalf("typed reason not asked: %q", m.Text)
		}

		// The head starts the quiz instead of typing: the prompt is
		// dropped, and the head is told in one line before the first
		// question.
		r.startQuiz(chi)
		msgs := chi.Messages()
		if note := msgs[len(msgs)-2]; !strings.Contains(note.Text, "chưa được ghi nhận") {
			t.Fatalf("no note that the reason was dropped: %q", note.Text)
		}
		if q := r.question(chi); !strings.HasPrefix(q.Text, "Câu 1/3") {
			t.Fatalf("first question: %q", q.Text)
		}
		if prompts() != 0 {
			t.Fatal("the reason prompt survived the start of an attempt")
		}
		r.answerAll(chi, 3)
		if m := chi.Last(); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
			t.Fatalf("prediction question: %q", m.Text)
		}

		// While the prediction is awaited, "Lý do khác" is refused.
		chi.TapOn(reasons, "Lý do khác")
		if m := chi.Last(); !strings.Contains(m.Text, "đang làm bài thi") {
			t.Fatalf("typed reason offered during the quiz: %q", m.Text)
		}
		if prompts() != 0 {
			t.Fatal("a reason prompt was set while the prediction was awaited")
		}

		// A prompt pending all the same (set by another replica a moment
		// before the prediction was asked): the prediction wins.
		if err := r.db.SetExcusePrompt(context.Background(), r.memberID("chi"), r.f.Round.ID, r.memberID("binh"), r.clock.Now().Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		chi.Type("57")
		if m := chi.Last(); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") || !strings.Contains(m.Text, "Dự đoán: 57") {
			t.Fatalf("result: %q", m.Text)
		}
		prediction := r.count(`SELECT prediction FROM attempts`)
		if excuses := r.count(`SELECT count(*) FROM excuses`); prediction != 57 || excuses != 0 || prompts() != 0 {
			t.Fatalf("prediction %d, %d reasons and %d prompts recorded; want 57, 0, 0", prediction, excuses, prompts())
		}
	})
}
