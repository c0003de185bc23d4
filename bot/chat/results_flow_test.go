package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/bot/chat/chattest"
	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// storage.DB is the store behind /ketqua and /donvi.
var _ chat.ResultStore = (*storage.DB)(nil)

const explanation = "Xem Điều 5 Nghị định 61/2018/NĐ-CP."

// optionLine is the line of question q showing the option of letter.
func optionLine(t testing.TB, q chattest.Message, letter string) string {
	t.Helper()
	for _, line := range strings.Split(q.Text, "\n") {
		if strings.HasPrefix(line, letter+". ") {
			return line
		}
	}
	t.Fatalf("no option %s in %q", letter, q.Text)
	return ""
}

// /ketqua: before the round closes (answers published after close), the
// score only and when the answers come; once the round is settled, the
// rank, the prize, and a review of each question with the member's choice,
// the right answer and the explanation.
func TestResultsAfterTheRoundCloses(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 2}, func(t *testing.T, r *rig) {
		if _, err := r.db.DB.Exec(`UPDATE questions SET explanation = $1`, explanation); err != nil {
			t.Fatal(err)
		}
		err := r.db.SetContestPrizes(context.Background(), r.f.Contest.Code,
			&report.Prizes{Round: &report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		binh, an := r.user("binh"), r.user("an")
		r.verify(binh)
		r.startQuiz(binh)
		r.answerAll(binh, 2)

		r.verify(an)
		an.Command("ketqua")
		if m := an.Last(); m.Text != "Anh/chị chưa có bài thi nào được ghi nhận. Gửi /thi để làm bài thi của tuần." {
			t.Fatalf("/ketqua before any attempt: %q", m.Text)
		}
		r.startQuiz(an)
		q1 := r.question(an)
		wrong := wrongLabel(t, q1)
		an.TapOn(q1, wrong)
		q2 := r.question(an)
		an.TapOn(q2, rightLabel(t, q2))

		head := "🏆 Kết quả của anh/chị – Tìm hiểu cải cách hành chính 2026\n\n📌 Đợt 1: 1/2 câu đúng, thời gian 0 giây"
		an.Command("ketqua")
		if m := an.Last(); m.Text != head+"\nĐáp án sẽ được công bố sau khi đợt thi kết thúc (16:30 thứ Sáu, 04/12/2026)." {
			t.Fatalf("/ketqua before the close:\n%s", m.Text)
		}

		r.clock.Set(r.f.Round.ClosesAt.Add(time.Hour))
		an.Command("ketqua")
		want := head + "\nXếp hạng: 2\n🎖 Anh/chị đạt Giải Nhì đợt 1. Chúc mừng anh/chị!" +
			"\n\nCâu 1: " + strings.Split(q1.Text, "\n")[1] +
			"\n❌ Anh/chị chọn: " + optionLine(t, q1, wrong) +
			"\nĐáp án đúng: " + optionLine(t, q1, rightLabel(t, q1)) +
			"\n💡 " + explanation +
			"\n\nCâu 2: " + strings.Split(q2.Text, "\n")[1] +
			"\n✅ Anh/chị chọn: " + optionLine(t, q2, rightLabel(t, q2)) +
			"\n💡 " + explanation
		if m := an.Last(); m.Text != want {
			t.Fatalf("/ketqua after the close:\n%s\nwant\n%s", m.Text, want)
		}
		binh.Command("ketqua")
		if m := binh.Last(); !strings.Contains(m.Text, "\nXếp hạng: 1\n🎖 Anh/chị đạt Giải Nhất đợt 1.") {
			t.Fatalf("the winner's /ketqua:\n%s", m.Text)
		}
	})
}

// /donvi: a head sees their unit's live figures and who has not taken
// part, by name the Vietnamese way; an organizer any unit's by code (a
// hint without one); a plain member is refused.
func TestUnitFigures(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 2}, func(t *testing.T, r *rig) {
		an, binh, chi, dung := r.user("an"), r.user("binh"), r.user("chi"), r.user("dung")
		r.verify(an)
		r.startQuiz(an)
		r.answerAll(an, 2)
		r.verify(binh) // scores zero
		r.startQuiz(binh)
		for range 2 {
			q := r.question(binh)
			binh.TapOn(q, wrongLabel(t, q))
		}
		r.verify(chi)
		r.verify(dung)

		if r.caps.Menu {
			chi.Type("🏢 Đơn vị")
		} else {
			chi.Command("donvi")
		}
		want := "🏢 Sở Nội vụ (SNV) – Đợt 1, số liệu lúc 09:00 thứ Tư, 02/12/2026\n" +
			"• Cán bộ trong danh sách: 4\n• Đã xác thực: 4\n• Đã dự thi: 2 (50,0%)\n" +
			"• Số câu đúng trung bình: 1,00\n• Bài thi 0 điểm: 1\n• Hạn chót: 16:30 thứ Sáu, 04/12/2026\n\n" +
			"Chưa dự thi (2 người):\n1. Lê Minh Chi – Giám đốc\n2. Phạm Thu Dung – Chuyên viên"
		if m := chi.Last(); m.Text != want {
			t.Fatalf("the head's /donvi:\n%s\nwant\n%s", m.Text, want)
		}

		dung.Command("donvi")
		if m := dung.Last(); m.Text != "Gửi /donvi kèm mã đơn vị để xem số liệu của đơn vị đó, ví dụ: /donvi SNV" {
			t.Fatalf("an organizer's /donvi without a code: %q", m.Text)
		}
		dung.Command("donvi", "xa1")
		want = "🏢 UBND xã Hòa Phú (XA1) – Đợt 1, số liệu lúc 09:00 thứ Tư, 02/12/2026\n" +
			"• Cán bộ trong danh sách: 1\n• Đã xác thực: 0\n• Đã dự thi: 0 (0,0%)\n" +
			"• Bài thi 0 điểm: 0\n• Hạn chót: 16:30 thứ Sáu, 04/12/2026\n\n" +
			"Chưa dự thi (1 người):\n1. Hoàng Văn Em – Công chức Văn phòng - Thống kê"
		if m := dung.Last(); m.Text != want {
			t.Fatalf("an organizer's /donvi XA1:\n%s\nwant\n%s", m.Text, want)
		}
		dung.Command("donvi", "ZZZ")
		if m := dung.Last(); m.Text != "Không có đơn vị mã ZZZ." {
			t.Fatalf("an unknown unit: %q", m.Text)
		}
		an.Command("donvi")
		if m := an.Last(); m.Text != "Chức năng xem số liệu đơn vị dành cho thủ trưởng đơn vị và ban tổ chức." {
			t.Fatalf("a member's /donvi: %q", m.Text)
		}
	})
}

// With reveal: immediately, /ketqua reviews the answers at once, before the
// round closes, without a rank (the ranking is not settled yet); the help
// and the command list name both commands.
func TestResultsRevealedAtOnce(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 1, Reveal: quiz.RevealImmediately}, func(t *testing.T, r *rig) {
		if _, err := r.db.DB.Exec(`UPDATE questions SET explanation = $1`, explanation); err != nil {
			t.Fatal(err)
		}
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		q := r.question(an)
		wrong := wrongLabel(t, q)
		an.TapOn(q, wrong)
		an.Command("ketqua")
		want := "🏆 Kết quả của anh/chị – Tìm hiểu cải cách hành chính 2026\n\n📌 Đợt 1: 0/1 câu đúng, thời gian 0 giây" +
			"\n\nCâu 1: " + strings.Split(q.Text, "\n")[1] +
			"\n❌ Anh/chị chọn: " + optionLine(t, q, wrong) +
			"\nĐáp án đúng: " + optionLine(t, q, rightLabel(t, q)) +
			"\n💡 " + explanation
		if m := an.Last(); m.Text != want {
			t.Fatalf("/ketqua with reveal: immediately:\n%s\nwant\n%s", m.Text, want)
		}
		an.Command("huongdan")
		if m := an.Last(); !strings.Contains(m.Text, "• /ketqua: ") || !strings.Contains(m.Text, "/donvi") {
			t.Fatalf("/huongdan: %q", m.Text)
		}
		an.Command("menu")
		if m := an.Last(); !strings.Contains(m.Text, "• /ketqua: ") || strings.Contains(m.Text, "/donvi") {
			t.Fatalf("a member's /menu: %q", m.Text)
		}
	})
}

// A review longer than the messenger's limit comes in several messages,
// each within it, nothing lost, in order.
func TestLongReviewIsSplit(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 6, Reveal: quiz.RevealImmediately}, func(t *testing.T, r *rig) {
		long := strings.Repeat("Giải thích rất dài về thủ tục hành chính. ", 20) // 840 units
		if _, err := r.db.DB.Exec(`UPDATE questions SET explanation = $1`, long); err != nil {
			t.Fatal(err)
		}
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		r.answerAll(an, 6)
		before := an.Count()
		an.Command("ketqua")
		ms := an.Messages()[before:]
		if want := (6*900)/r.chat.TextLimit() + 1; len(ms) < want {
			t.Fatalf("review in %d messages, want at least %d", len(ms), want)
		}
		var all []string
		for _, m := range ms {
			if n := chat.TextLen(m.Text); n > r.chat.TextLimit() {
				t.Fatalf("a part of %d units over %d", n, r.chat.TextLimit())
			}
			all = append(all, m.Text)
		}
		text := strings.Join(all, "\n")
		last := -1
		for k := 1; k <= 6; k++ {
			i := strings.Index(text, "\nCâu "+string(rune('0'+k))+": ")
			if i < last {
				t.Fatalf("question %d missing or out of order in:\n%s", k, text)
			}
			last = i
		}
		if n := strings.Count(text, "💡 "+strings.TrimSpace(long)); n != 6 {
			t.Fatalf("%d explanations in the review, want 6", n)
		}
	})
}
