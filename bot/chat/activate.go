package chat

import (
	"context"
	"errors"
	"strings"

	"quizbot/quiz"
)

// VerifyMode says how people prove who they are (VERIFY): by sharing their
// phone, by an activation code from their unit's head, or either.
type VerifyMode string

const (
	VerifyEither VerifyMode = "either"
	VerifyPhone  VerifyMode = "phone"
	VerifyCode   VerifyMode = "code"
)

// SetVerify chooses how people verify; the default is VerifyEither.
func (b *Bot) SetVerify(m VerifyMode) { b.verify = m }

// verifyMode is VERIFY, except in the local web chat, where the member
// picked is the verification and codes have no place.
func (c *conv) verifyMode() VerifyMode {
	switch {
	case c.ev.Platform == quiz.PlatformWeb:
		return VerifyPhone
	case c.verify == "":
		return VerifyEither
	}
	return c.verify
}

const (
	codeExample = "/kichhoat ABCD-EFGH"
	// textOrCode follows the phone prompts where codes are accepted too.
	textOrCode = "Nếu không dùng được số điện thoại, anh/chị có thể gửi mã kích hoạt 8 ký tự do thủ trưởng đơn vị cấp, ví dụ: " + codeExample + "."

	textWelcomeCode = "Xin chào! Đây là hệ thống thi trực tuyến tìm hiểu về cải cách hành chính dành cho cán bộ, công chức, viên chức.\n\n" +
		"Để tham gia, anh/chị vui lòng gửi mã kích hoạt 8 ký tự do thủ trưởng đơn vị cấp, ví dụ: " + codeExample + " (hoặc chỉ gõ mã). Việc kích hoạt chỉ cần làm một lần."
	textNeedCode     = "Anh/chị chưa kích hoạt tài khoản. Vui lòng gửi mã kích hoạt do thủ trưởng đơn vị cấp, ví dụ: " + codeExample + "."
	textPhoneRefused = "Hệ thống này xác thực bằng mã kích hoạt, không dùng số điện thoại. Anh/chị vui lòng đề nghị thủ trưởng đơn vị cấp mã kích hoạt, rồi gửi " + codeExample + "."
	textCodesUnused  = "Hệ thống này không dùng mã kích hoạt: anh/chị vui lòng xác thực bằng nút \"" + buttonShareContact + "\" bên dưới."
	textCodeMissing  = "Vui lòng gửi kèm mã kích hoạt 8 ký tự do thủ trưởng đơn vị cấp, ví dụ: " + codeExample + "."
)

// verifyPrompt is the message that asks a person to verify, the phone
// prompt text as VERIFY has it: with the contact button (and a word on
// codes where they are accepted), or asking for the code alone.
func (c *conv) verifyPrompt(text string) Message {
	switch c.verifyMode() {
	case VerifyPhone:
		return Message{Text: text, ContactButton: buttonShareContact}
	case VerifyCode:
		if text == textWelcome {
			return Message{Text: textWelcomeCode, RemoveMenu: true}
		}
		return Message{Text: textNeedCode, RemoveMenu: true}
	}
	return Message{Text: text + "\n\n" + textOrCode, ContactButton: buttonShareContact}
}

// helpText is the help, with how to verify as VERIFY has it.
func (c *conv) helpText() string {
	switch c.verifyMode() {
	case VerifyPhone:
		return c.helpBody()
	case VerifyCode:
		return c.helpBody() + "\n• Kích hoạt tài khoản: gửi " + codeExample + " với mã do thủ trưởng đơn vị cấp."
	}
	return c.helpBody() + "\n• Xác thực: bấm \"" + buttonShareContact + "\", hoặc gửi " + codeExample + " với mã do thủ trưởng đơn vị cấp."
}

// refuseContact answers a shared contact where only codes verify; ok is
// false when phones are accepted.
func (c *conv) refuseContact(ctx context.Context) (bool, error) {
	if c.verifyMode() != VerifyCode {
		return false, nil
	}
	_, err := c.send(ctx, Message{Text: textPhoneRefused, RemoveMenu: true})
	return true, err
}

// typedCode activates a person who is not verified yet and typed only a
// code; handled is false for any other text.
func (c *conv) typedCode(ctx context.Context) (handled bool, err error) {
	if c.verifyMode() == VerifyPhone || !quiz.LooksLikeCode(c.ev.Text) {
		return false, nil
	}
	// Identify is answered from the event when asked again.
	if _, err := c.quiz.Identify(ctx, c.ev.Platform, c.ev.UserID); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		return false, nil
	}
	return true, c.activate(ctx, c.ev.Text)
}

// activate is /kichhoat CODE, or a code typed alone.
func (c *conv) activate(ctx context.Context, typed string) error {
	if c.verifyMode() == VerifyPhone {
		_, err := c.send(ctx, Message{Text: textCodesUnused, ContactButton: buttonShareContact})
		return err
	}
	if strings.TrimSpace(typed) == "" {
		return c.say(ctx, textCodeMissing)
	}
	m, err := c.quiz.Activate(ctx, c.ev.Platform, c.ev.UserID, c.ev.ChatID, typed)
	if err != nil {
		if quiz.ErrorCode(err) == quiz.EINTERNAL {
			return err
		}
		// Never the code in the logs: the reason is enough.
		c.log.Info("activation refused", "platform", c.ev.Platform, "reason", quiz.ErrorCode(err), "err", errDetail(err))
		return c.say(ctx, quiz.ErrorMessage(err))
	}
	c.log.Info("member activated by code", "platform", c.ev.Platform, "member", m.ID)
	_, err = c.send(ctx, Message{Text: c.verifiedText(m), Menu: menuFor(m)})
	return err
}

// errDetail is the log detail of a domain error, without its message.
func errDetail(err error) string {
	var e *quiz.Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err.Error()
	}
	return ""
}
