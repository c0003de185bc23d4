package chat

import (
	"context"
	"fmt"

	"quizbot/quiz"
)

// menuConsole opens the web console: organizers' and heads' menus.
const menuConsole = "🖥 Trang quản trị"

// ConsoleLinker issues the web console's one-time sign-in links
// (console.Console.Link).
type ConsoleLinker interface {
	Link(ctx context.Context, m quiz.Member) (string, error)
}

// UseConsole lets organizers and heads ask for a console link (/quantri).
func (b *Bot) UseConsole(l ConsoleLinker) { b.console = l }

const (
	textConsoleRefused = "Xin lỗi, trang quản trị chỉ dành cho Ban Tổ chức cuộc thi và thủ trưởng các đơn vị."
	textConsoleOff     = "Trang quản trị chưa được bật trên hệ thống này. Vui lòng liên hệ Ban Tổ chức."
	textConsoleLink    = "🖥 Đường dẫn đăng nhập trang quản trị (chỉ dùng được một lần, trong 10 phút; không chuyển cho người khác):\n%s\n\nPhiên làm việc kéo dài 12 giờ."
)

// consoleCmd answers /quantri with a sign-in link for organizers and
// heads; everyone else is told it is not for them.
func (c *conv) consoleCmd(ctx context.Context) error {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	// The cached copy may be old: the role is read again.
	if m, err = c.quiz.Confirm(ctx, m); err != nil {
		return c.fail(ctx, err)
	}
	if c.console == nil {
		if m.Role != quiz.RoleOrganizer && m.Role != quiz.RoleHead {
			return c.say(ctx, textConsoleRefused)
		}
		return c.say(ctx, textConsoleOff)
	}
	// The console decides: organizers, heads, and the entries' judges.
	link, err := c.console.Link(ctx, m)
	if quiz.ErrorCode(err) == quiz.EFORBIDDEN {
		return c.say(ctx, textConsoleRefused)
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	_, err = c.send(ctx, Message{Text: fmt.Sprintf(textConsoleLink, link), Menu: menuFor(m)})
	return err
}
