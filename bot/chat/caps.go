package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"quizbot/quiz"
)

// What the conversation says differently where a messenger lacks a
// capability (Capabilities): the verdict of an answer where the question
// cannot be edited, a tap's note where a tap cannot be acknowledged, the
// commands where there is no menu, the letter to type where a question has
// more options than buttons.

// ErrCannotEdit is what a messenger that cannot edit sent messages returns
// from Edit; the conversation does not call it there (Capabilities.Edit).
var ErrCannotEdit = errors.New("this messenger cannot edit a sent message")

func (c *conv) caps() Capabilities { return CapabilitiesOf(c.out) }

// verdictLine is what the edit of an answered question shows, as one line
// for the next message where the question cannot be edited.
func verdictLine(res quiz.Answered) string {
	q := fmt.Sprintf("Câu %d/%d", res.Previous.Pos+1, res.Previous.Total)
	switch {
	case res.TimedOut:
		return "⏰ " + q + ": hết giờ, câu này chưa được trả lời."
	case res.Reveal && res.Correct:
		return "✅ " + q + " – anh/chị chọn: " + letterOf(res.Letter) + " – Đúng"
	case res.Reveal:
		return "❌ " + q + " – anh/chị chọn: " + letterOf(res.Letter) + " – Chưa đúng" + correction(res)
	}
	return "☑️ " + q + " – anh/chị chọn: " + letterOf(res.Letter)
}

// withLine puts line last in text, when there is one.
func withLine(text, line string) string {
	if line == "" {
		return text
	}
	return text + "\n\n" + line
}

// typeOnly reports whether a question of n options is answered by typing
// its letter only: the messenger has fewer buttons than options.
func (c *conv) typeOnly(n int) bool { return n > c.caps().Buttons }

// textTypeLetter asks for the letter where there are no buttons for it.
func textTypeLetter(n int) string {
	return "✍️ Anh/chị gõ chữ cái của phương án để trả lời (" + letters(n) + ")."
}

// question is the question message for this messenger: its buttons, or
// the request to type the letter; the verdict of the previous answer last.
func (c *conv) question(v quiz.View, verdict string) Message {
	m := questionMessage(v)
	if c.typeOnly(len(v.Options)) {
		m.Buttons = nil
		m.Text = withLine(m.Text, textTypeLetter(len(v.Options)))
	}
	m.Text = withLine(m.Text, verdict)
	return m
}

// liveNote is liveQuestionNote for this messenger.
func (c *conv) liveNote(v quiz.View) string {
	if c.typeOnly(len(v.Options)) {
		return fmt.Sprintf("☝️ Anh/chị đang làm câu %d/%d ở tin nhắn phía trên (thời gian còn lại: %s).\n%s",
			v.Pos+1, v.Total, duration(v.Left), textTypeLetter(len(v.Options)))
	}
	return liveQuestionNote(v)
}

// Message ids of shown questions are kept in the member's session, which
// every platform shares: a member may go on with an attempt in another
// app. Telegram's are kept bare (digits, as sessions saved before other
// platforms hold them); the others carry their platform, so that a
// question shown in one app is not taken for one on screen in another.
func shownID(p quiz.Platform, id string) string {
	if p == quiz.PlatformTelegram || id == "" {
		return id
	}
	return string(p) + ":" + id
}

// shownOn returns the platform that showed a stored message id, and its
// id there.
func shownOn(stored string) (quiz.Platform, string) {
	if p, id, ok := strings.Cut(stored, ":"); ok {
		return quiz.Platform(p), id
	}
	return quiz.PlatformTelegram, stored
}

// shownHere returns the id of the message showing v in this chat's
// platform; ok is false when none does (not shown, or shown in another
// app).
func (c *conv) shownHere(v quiz.View) (string, bool) {
	p, id := shownOn(v.MessageID)
	return id, v.MessageID != "" && p == c.ev.Platform
}

// menuFree: there is no persistent menu, so texts say which command to
// send instead of which button to press.
func (c *conv) menuFree() bool { return !c.caps().Menu }

func (c *conv) welcomeBackText(m quiz.Member) string {
	if c.menuFree() {
		return fmt.Sprintf("Xin chào %s (%s)! Gửi /thi để làm bài thi tuần này, /menu để xem các lệnh.", field(m.FullName), field(m.UnitName))
	}
	return welcomeBack(m)
}

func (c *conv) verifiedText(m quiz.Member) string {
	if c.menuFree() {
		return strings.Replace(verified(m), "Bấm \""+menuQuiz+"\"", "Gửi /thi", 1) + "\nGửi /menu để xem các lệnh."
	}
	return verified(m)
}

func (c *conv) unknownText() string {
	if c.menuFree() {
		return "Xin lỗi, tôi chưa hiểu yêu cầu này. Gửi /thi để làm bài thi tuần này, /menu để xem các lệnh."
	}
	return textUnknown
}

// helpBody is the help for this messenger, before the line on verifying.
func (c *conv) helpBody() string {
	if !c.menuFree() {
		return textHelp
	}
	r := strings.NewReplacer(
		"/thi hoặc nút \""+menuQuiz+"\"", "/thi",
		"/lydo (hoặc nút \""+menuExcuse+"\")", "/lydo",
		"/donvi (hoặc nút \""+menuUnit+"\")", "/donvi",
		"bấm nút tương ứng (hoặc gõ chữ cái, ví dụ: B)", "bấm nút tương ứng hoặc gõ chữ cái (ví dụ: B)",
	)
	return r.Replace(textHelp) + "\n• /menu: danh sách các lệnh."
}

// menuCmd is /menu: the commands this person can use, where a menu of
// buttons is missing or was closed; with the menu where there is one.
func (c *conv) menuCmd(ctx context.Context) error {
	m, err := c.quiz.Identify(ctx, c.ev.Platform, c.ev.UserID)
	known := err == nil
	var b strings.Builder
	b.WriteString("Các lệnh của hệ thống thi:\n")
	if !known {
		b.WriteString("• /start: bắt đầu, xác thực tài khoản\n")
		if c.verifyMode() != VerifyPhone {
			b.WriteString("• " + codeExample + ": kích hoạt bằng mã do thủ trưởng đơn vị cấp\n")
		}
	}
	b.WriteString("• /thi: xem thể lệ và làm bài thi của tuần\n")
	b.WriteString("• /huongdan: hướng dẫn dự thi\n")
	if known {
		b.WriteString("• /ketqua: kết quả, xếp hạng và đáp án của các đợt đã thi\n")
		b.WriteString("• /nopbai: nộp bài dự thi của đơn vị (video, bài viết hoặc đường dẫn)\n")
	}
	if known && m.Role == quiz.RoleOrganizer {
		b.WriteString("• /thongke: số liệu dự thi đến thời điểm này\n")
		b.WriteString("• /donvi: số liệu dự thi của một đơn vị (gửi kèm mã đơn vị, ví dụ: /donvi SNV)\n")
	}
	if known && m.Role == quiz.RoleHead {
		b.WriteString("• /lydo: ghi nhận lý do vắng thi của cán bộ trong đơn vị\n")
		b.WriteString("• /donvi: số liệu dự thi của đơn vị và danh sách chưa dự thi\n")
	}
	if known && (m.Role == quiz.RoleOrganizer || m.Role == quiz.RoleHead) {
		b.WriteString("• /quantri: đường dẫn đăng nhập trang quản trị trên web\n")
	}
	b.WriteString("• /menu: danh sách này")
	msg := Message{Text: b.String()}
	if known && !c.menuFree() {
		msg.Menu = menuFor(m)
	}
	_, err = c.send(ctx, msg)
	return err
}

// finishTap ends the handling of a tap: where taps are acknowledged, the
// note (or none) stops the spinner; elsewhere a note that matters, one for
// a tap that got no message at all (a stale button, a late tap, a person
// not verified), is sent as a message.
func (c *conv) finishTap(ctx context.Context, err error) error {
	if c.ev.Kind != KindCallback || c.answered {
		return err
	}
	if c.caps().AnswerTap {
		// The spinner must always stop, even when handling failed. A
		// failed answer is only logged: the spinner stops by itself, and a
		// re-delivered tap cannot be answered twice.
		if aerr := c.out.AnswerCallback(ctx, c.ev.Callback.ID, c.callbackText); aerr != nil {
			c.log.Warn("answer callback", "platform", c.ev.Platform, "err", aerr)
		}
		return err
	}
	if err != nil || c.callbackText == "" || c.sent > 0 {
		return err
	}
	return c.say(ctx, c.callbackText)
}

// ackTap acknowledges a tap handled in full, where taps are acknowledged.
func (c *conv) ackTap(ctx context.Context, note string) {
	c.answered = true
	if !c.caps().AnswerTap {
		return
	}
	if err := c.out.AnswerCallback(ctx, c.ev.Callback.ID, note); err != nil {
		c.log.Warn("answer callback", "err", err)
	}
}

// unfollow: the person stopped following the bot's account (Zalo); nothing
// can reach them there until they follow again, and nothing is sent.
func (c *conv) unfollow(ctx context.Context) error {
	return c.quiz.Unfollow(ctx, c.ev.Platform, c.ev.UserID)
}
