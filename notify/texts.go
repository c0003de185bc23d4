package notify

import (
	"fmt"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
)

// day formats a date: "04/12/2026".
func day(t time.Time, loc *time.Location) string { return t.In(loc).Format("02/01/2006") }

func minutesText(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d phút", int(d/time.Minute))
	}
	return fmt.Sprintf("%d phút %02d giây", int(d/time.Minute), int(d%time.Minute/time.Second))
}

// quizRules is the line every chasing message carries, so that nobody taps
// the start button without knowing the clock starts at once.
func quizRules(c quiz.Contest) string {
	return fmt.Sprintf("Bài thi gồm %d câu hỏi trắc nghiệm, làm trong %s; đồng hồ bắt đầu tính khi anh/chị bấm nút \"Bắt đầu làm bài\" bên dưới.",
		c.QuestionsPerAttempt, minutesText(c.TimeLimit))
}

func openText(c quiz.Contest, r quiz.Round) string {
	loc := c.Location()
	return fmt.Sprintf("📢 Đợt %d cuộc thi \"%s\" đã mở!\n\nThời gian: từ %s đến %s.\n%s\n\nMời anh/chị tham gia!",
		r.Number, c.Name, outbound.When(r.OpensAt, loc), outbound.When(r.ClosesAt, loc), quizRules(c))
}

func remindText(c quiz.Contest, r quiz.Round) string {
	return fmt.Sprintf("⏰ Nhắc nhở: anh/chị chưa tham gia Đợt %d cuộc thi \"%s\".\nHạn chót: %s.\n\n%s",
		r.Number, c.Name, outbound.When(r.ClosesAt, c.Location()), quizRules(c))
}

func lastCallText(c quiz.Contest, r quiz.Round, now time.Time) string {
	left := r.ClosesAt.Sub(now)
	var rest string
	switch {
	case left >= 90*time.Minute:
		rest = fmt.Sprintf(" (còn khoảng %d giờ)", int((left+30*time.Minute)/time.Hour))
	case left > 0:
		rest = fmt.Sprintf(" (còn khoảng %d phút)", int((left+30*time.Second)/time.Minute))
	}
	return fmt.Sprintf("⚠️ Sắp hết hạn: Đợt %d cuộc thi \"%s\" đóng lúc %s%s.\nAnh/chị chưa tham gia đợt này.\n\n%s",
		r.Number, c.Name, outbound.When(r.ClosesAt, c.Location()), rest, quizRules(c))
}

// groupDigits writes 21000 as 21.000, as the chat does (outbound.GroupDigits).
func groupDigits(n int) string { return outbound.GroupDigits(int64(n)) }
