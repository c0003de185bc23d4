package chat

import (
	"fmt"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
)

// MaxText is outbound.MaxText.
const MaxText = outbound.MaxText

// Menu and button labels. Menu labels come back as typed text.
const (
	menuQuiz           = "📝 Vào thi"
	menuHelp           = "ℹ️ Hướng dẫn"
	menuStats          = "📊 Thống kê"
	menuExcuse         = "📋 Lý do vắng"
	buttonShareContact = "📱 Chia sẻ số điện thoại"
	buttonStart        = "▶️ Bắt đầu làm bài"
)

const (
	textWelcome = "Xin chào! Đây là hệ thống thi trực tuyến tìm hiểu về cải cách hành chính dành cho cán bộ, công chức, viên chức.\n\n" +
		"Để tham gia, anh/chị vui lòng bấm nút \"" + buttonShareContact + "\" bên dưới để xác thực bằng số điện thoại đã đăng ký với cơ quan, đơn vị. Việc xác thực chỉ cần làm một lần."
	textNeedVerify    = "Anh/chị chưa xác thực tài khoản. Vui lòng bấm nút \"" + buttonShareContact + "\" bên dưới."
	textNotOwnContact = "Vui lòng chia sẻ số điện thoại của chính anh/chị bằng nút \"" + buttonShareContact + "\" bên dưới (không gửi danh bạ của người khác hoặc tự nhập số)."
	textPrivateOnly   = "Vui lòng nhắn riêng cho bot (bấm vào tên bot rồi chọn Nhắn tin): trong nhóm, bot không làm việc."
	textUnknown       = "Xin lỗi, tôi chưa hiểu yêu cầu này. Bấm \"" + menuQuiz + "\" (hoặc gõ /thi) để làm bài thi tuần này, /huongdan để xem hướng dẫn."
	textHelp          = "Hướng dẫn dự thi:\n" +
		"• /thi hoặc nút \"" + menuQuiz + "\": xem thể lệ và làm bài thi của tuần.\n" +
		"• Mỗi câu hỏi có các phương án A, B, C…; bấm nút tương ứng (hoặc gõ chữ cái, ví dụ: B) để trả lời. Câu trả lời được ghi nhận ngay, không sửa lại được.\n" +
		"• Thời gian được tính từ lúc bấm \"" + buttonStart + "\"; hết giờ, bài thi tự động được nộp với các câu đã trả lời.\n" +
		"• Nếu lỡ thoát ứng dụng, gõ /thi để làm tiếp câu đang dở.\n" +
		"• /ketqua: kết quả các đợt đã thi, xếp hạng, giải thưởng và đáp án kèm giải thích (sau khi đợt thi kết thúc).\n" +
		"• Thủ trưởng đơn vị: /lydo (hoặc nút \"" + menuExcuse + "\") để ghi nhận lý do vắng thi của cán bộ trong đơn vị; /donvi (hoặc nút \"" + menuUnit + "\") để xem số liệu dự thi của đơn vị và danh sách chưa dự thi.\n" +
		"• Ban tổ chức: /donvi kèm mã đơn vị (ví dụ: /donvi SNV) để xem số liệu của một đơn vị.\n" +
		"• Ban tổ chức và thủ trưởng đơn vị: /quantri (hoặc nút \"" + menuConsole + "\") để nhận đường dẫn đăng nhập trang quản trị trên web.\n" +
		"• Thắc mắc về danh sách dự thi: liên hệ đầu mối CCHC của cơ quan, đơn vị."
	textResume  = "Anh/chị đang làm dở bài thi. Mời tiếp tục:"
	textStarted = "Bài thi đã bắt đầu. Chúc anh/chị làm bài tốt!"
	textTimeUp  = "⏰ Đã hết thời gian làm bài. Bài thi đã được nộp với các câu anh/chị đã trả lời."
	// textPredictionLate answers a prediction given after its time.
	textPredictionLate = "⏰ Đã hết thời gian trả lời câu hỏi dự đoán nên con số này không được ghi nhận. Bài thi của anh/chị vẫn được tính, không kèm dự đoán."
	// textLateTap answers a tap on a question after the time ran out.
	textLateTap = "⏰ Đã hết giờ: câu trả lời này không được ghi nhận."
)

func menuFor(m quiz.Member) [][]string {
	rows := [][]string{{menuQuiz, menuHelp}}
	switch m.Role {
	case quiz.RoleOrganizer:
		rows = append(rows, []string{menuStats, menuUnit}, []string{menuConsole})
	case quiz.RoleHead:
		// Heads record why their staff did not take part (/lydo), and
		// follow their unit's figures (/donvi).
		rows = append(rows, []string{menuExcuse, menuUnit}, []string{menuConsole})
	}
	return rows
}

func welcomeBack(m quiz.Member) string {
	return fmt.Sprintf("Xin chào %s (%s)! Bấm \"%s\" để làm bài thi tuần này.", field(m.FullName), field(m.UnitName), menuQuiz)
}

func verified(m quiz.Member) string {
	who := field(m.FullName)
	if m.Position != "" {
		who += ", " + field(m.Position)
	}
	return fmt.Sprintf("✅ Xác thực thành công!\nXin chào %s – %s.\n\nBấm \"%s\" để làm bài thi tuần này.", who, field(m.UnitName), menuQuiz)
}

// When is outbound.When: "16:30 thứ Sáu, 04/12/2026".
func When(t time.Time, loc *time.Location) string { return outbound.When(t, loc) }

// duration formats a span as minutes and seconds: "12 phút 05 giây".
func duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second) / time.Second)
	if s < 60 {
		return fmt.Sprintf("%d giây", s)
	}
	return fmt.Sprintf("%d phút %02d giây", s/60, s%60)
}

func minutes(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d phút", int(d/time.Minute))
	}
	return duration(d)
}

func contestOver(c quiz.Contest) string {
	return fmt.Sprintf("Cuộc thi \"%s\" đã kết thúc. Cảm ơn anh/chị đã tham gia!", c.Name)
}

func nextRound(c quiz.Contest, r quiz.Round) string {
	return fmt.Sprintf("Hiện chưa có đợt thi nào đang mở.\nĐợt %d của cuộc thi \"%s\" sẽ mở lúc %s.", r.Number, c.Name, When(r.OpensAt, c.Location()))
}

func rules(st quiz.Status) string {
	c, r := st.Contest, *st.Round
	var b strings.Builder
	fmt.Fprintf(&b, "📝 Đợt %d – %s\n\n", r.Number, c.Name)
	fmt.Fprintf(&b, "• Số câu hỏi: %d (trắc nghiệm, chọn 1 đáp án)\n", c.QuestionsPerAttempt)
	fmt.Fprintf(&b, "• Thời gian làm bài: %s\n", minutes(c.TimeLimit))
	fmt.Fprintf(&b, "• Lượt thi còn lại: %d/%d\n", st.Left, c.AttemptsPerRound)
	fmt.Fprintf(&b, "• Hạn chót: %s\n", When(r.ClosesAt, c.Location()))
	if c.AttemptsPerRound > 1 {
		b.WriteString("• Kết quả cao nhất trong các lượt được tính.\n")
	}
	if c.Prediction != "" {
		b.WriteString("• Sau câu cuối có một câu hỏi dự đoán, dùng để xếp hạng khi bằng điểm. ")
		if c.PredictionGrace > 0 {
			fmt.Fprintf(&b, "Câu dự đoán phải được trả lời trong thời gian làm bài hoặc chậm nhất %s sau khi hết giờ; ", minutes(c.PredictionGrace))
		} else {
			b.WriteString("Câu dự đoán phải được trả lời trong thời gian làm bài; ")
		}
		b.WriteString("quá hạn, bài thi được ghi nhận không kèm dự đoán.\n")
	}
	fmt.Fprintf(&b, "\nĐồng hồ bắt đầu tính khi anh/chị bấm \"%s\".", buttonStart)
	return b.String()
}

func alreadyDone(st quiz.Status) string {
	a := st.Best
	return fmt.Sprintf("Anh/chị đã hoàn thành đợt %d (%d/%d lượt).\nKết quả được tính: %d/%d câu đúng, thời gian %s.\n\nHẹn gặp lại anh/chị ở đợt thi sau!",
		st.Round.Number, st.Used, st.Contest.AttemptsPerRound, a.Correct, a.Total, duration(a.Duration()))
}

func letterOf(i int) string { return string(rune('A' + i)) }

func questionBody(v quiz.View) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Câu %d/%d\n%s\n", v.Pos+1, v.Total, v.Text)
	for i, o := range v.Options {
		fmt.Fprintf(&b, "\n%s. %s", letterOf(i), o)
	}
	return b.String()
}

func questionMessage(v quiz.View) Message {
	text := questionBody(v) + "\n\n⏱ Thời gian còn lại: " + duration(v.Left)
	row := make([]Button, 0, len(v.Options))
	for i := range v.Options {
		row = append(row, Button{Text: letterOf(i), Data: answerData(v.AttemptID, v.Pos, i)})
	}
	rows := [][]Button{row}
	if len(row) > 4 {
		rows = [][]Button{row[:3], row[3:]}
	}
	return Message{Text: clip(text), Buttons: rows}
}

// answeredMessage is the question message once answered: the choice shown,
// the buttons gone.
func answeredMessage(res quiz.Answered) Message {
	text := questionBody(res.Previous)
	switch {
	case res.TimedOut:
		text += "\n\n⏰ Hết giờ, câu này chưa được trả lời."
	case res.Reveal && res.Correct:
		text += "\n\n✅ Anh/chị chọn: " + letterOf(res.Letter) + " – Đúng"
	case res.Reveal:
		text += "\n\n❌ Anh/chị chọn: " + letterOf(res.Letter) + " – Chưa đúng" + correction(res)
	default:
		text += "\n\n☑️ Anh/chị chọn: " + letterOf(res.Letter)
	}
	return Message{Text: clip(text)}
}

// correction follows a wrong answer's verdict under reveal: immediately:
// the right option's letter, and the question's explanation if it has one.
func correction(res quiz.Answered) string {
	s := "\nĐáp án đúng: " + letterOf(res.Right)
	if e := strings.TrimSpace(res.Explanation); e != "" {
		s += "\n💡 " + e
	}
	return s
}

// predictionText asks the prediction question, accepted for left more.
func predictionText(q string, left time.Duration) string {
	return "❓ Câu hỏi dự đoán: " + q + "\n\nVui lòng trả lời bằng một con số (ví dụ: 15000).\n⏱ Thời gian trả lời còn lại: " + duration(left)
}

// letters lists the letters of n options: "A, B, C hoặc D".
func letters(n int) string {
	ls := make([]string, n)
	for i := range ls {
		ls[i] = letterOf(i)
	}
	if n < 2 {
		return strings.Join(ls, "")
	}
	return strings.Join(ls[:n-1], ", ") + " hoặc " + ls[n-1]
}

// liveQuestionNote points at the question on screen, the live one, with
// the time actually left (the question's own clock shows the time when it
// was sent) and both ways to answer it.
func liveQuestionNote(v quiz.View) string {
	return fmt.Sprintf("☝️ Anh/chị đang làm câu %d/%d ở tin nhắn phía trên (thời gian còn lại: %s).\n"+
		"Để trả lời, bấm nút %s dưới câu hỏi, hoặc gõ chữ cái của phương án (ví dụ: B).",
		v.Pos+1, v.Total, duration(v.Left), letters(len(v.Options)))
}

// ParseLetter reads a typed answer: one letter A–F in either case,
// optionally quoted or followed by "." or ")" ("b", "\"C\"", "D.", "(a)").
// It returns the option's index.
func ParseLetter(text string) (int, bool) {
	t := strings.TrimSpace(text)
	t = strings.Trim(t, "\"'“”‘’«»`()[]")
	t = strings.TrimSpace(strings.TrimRight(t, ".):"))
	t = strings.Trim(t, "\"'“”‘’«»`()[]")
	if len(t) != 1 {
		return 0, false
	}
	c := t[0] | 0x20 // lower case
	if c < 'a' || c > 'f' {
		return 0, false
	}
	return int(c - 'a'), true
}

func resultText(a quiz.Attempt, reveal bool) string {
	var b strings.Builder
	if a.TimedOut() {
		// Not "hoàn thành": the time limit closed it, maybe with questions
		// unanswered.
		b.WriteString(textTimeUp + "\n")
	} else {
		b.WriteString("🎉 Anh/chị đã hoàn thành bài thi!\n")
	}
	fmt.Fprintf(&b, "Kết quả: %d/%d câu đúng\n", a.Correct, a.Total)
	fmt.Fprintf(&b, "Thời gian làm bài: %s", duration(a.Duration()))
	if a.Prediction != nil {
		fmt.Fprintf(&b, "\nDự đoán: %s", GroupDigits(*a.Prediction))
	}
	if !reveal {
		b.WriteString("\n\nĐáp án sẽ được công bố sau khi đợt thi kết thúc.")
	}
	b.WriteString("\nCảm ơn anh/chị đã tham gia!")
	return b.String()
}

// GroupDigits is outbound.GroupDigits: 21000 as 21.000.
func GroupDigits(n int64) string { return outbound.GroupDigits(n) }

// Percent is outbound.Percent: 25 as 25,0%.
func Percent(p float64) string { return outbound.Percent(p) }

// count writes a count of people the vi-VN way, as GroupDigits.
func count[T ~int | ~int64](n T) string { return outbound.GroupDigits(int64(n)) }

func statsText(r quiz.Round, ls quiz.LiveStats) string {
	var b strings.Builder
	pct := 0.0
	if ls.Staff > 0 {
		pct = 100 * float64(ls.Participants) / float64(ls.Staff)
	}
	fmt.Fprintf(&b, "📊 Đợt %d – số liệu đến thời điểm này\n", r.Number)
	fmt.Fprintf(&b, "Đã dự thi: %s/%s người (%s)\nĐang làm bài: %s\n\nTỷ lệ tham gia theo đơn vị (thấp nhất trước):",
		count(ls.Participants), count(ls.Staff), Percent(pct), count(ls.InProgress))
	for _, u := range ls.Units {
		fmt.Fprintf(&b, "\n• %s: %s/%s (%s)", field(u.Name), count(u.Participants), count(u.Staff), Percent(u.Pct))
	}
	return b.String()
}

// TextLen is outbound.TextLen, in UTF-16 code units.
func TextLen(s string) int { return outbound.TextLen(s) }

// Clip is outbound.Clip: s cut to at most max TextLen units, ending with
// "…" when cut.
func Clip(s string, max int) string { return outbound.Clip(s, max) }

// clip keeps a text within MaxText.
func clip(s string) string { return Clip(s, MaxText) }
