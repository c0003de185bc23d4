package main

import (
	"context"
	"fmt"

	"quizbot/console"
	"quizbot/quiz"
)

// cmdConsole runs `quizbot console link PHONE`: a one-time sign-in link to
// the web console for an organizer or a head, the URL alone on one line
// (for the first organizer, before anyone can ask the bot with /quantri).
func cmdConsole(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "link" {
		return fmt.Errorf("%w: console takes a subcommand: link PHONE", errUsage)
	}
	if len(args) != 2 {
		return fmt.Errorf("%w: console link takes one PHONE", errUsage)
	}
	phone, err := quiz.NormalizePhone(args[1])
	if err != nil {
		return fmt.Errorf("console link: %s", quiz.ErrorMessage(err))
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return fmt.Errorf("console link: %w", err)
	}
	defer db.Close()
	m, err := db.MemberByPhone(ctx, phone)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return fmt.Errorf("console link: không có cán bộ nào có số điện thoại %s trong danh sách", quiz.MaskPhone(phone))
	}
	if err != nil {
		return fmt.Errorf("console link: %w", err)
	}
	c, err := console.New(db, quiz.SystemClock{}, e.log, console.BaseURL(e.cfg.PublicURL, e.cfg.ListenAddr))
	if err != nil {
		return err
	}
	link, err := c.Link(ctx, m)
	if quiz.ErrorCode(err) == quiz.EFORBIDDEN {
		return fmt.Errorf("console link: %s (%s, %s) không phải Ban Tổ chức, thủ trưởng đơn vị hay giám khảo đang hoạt động: trang quản trị chỉ dành cho họ",
			m.FullName, quiz.MaskPhone(m.Phone), m.UnitCode)
	}
	if err != nil {
		return fmt.Errorf("console link: %w", err)
	}
	fmt.Fprintln(e.stdout, link)
	return nil
}
