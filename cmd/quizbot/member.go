package main

import (
	"context"
	"fmt"
	"strings"

	"quizbot/quiz"
	"quizbot/storage"
)

// cmdMember runs `quizbot member unlink PHONE` and `quizbot member codes`
// (codes.go).
func cmdMember(ctx context.Context, e *env, args []string) error {
	if len(args) > 0 && args[0] == "codes" {
		return memberCodes(ctx, e, args[1:])
	}
	if len(args) == 0 || args[0] != "unlink" {
		return fmt.Errorf("%w: member takes a subcommand: unlink PHONE, or codes [--unit CODE | --phone PHONE] [--days N] --out FILE.xlsx", errUsage)
	}
	if len(args) != 2 {
		return fmt.Errorf("%w: member unlink takes one PHONE", errUsage)
	}
	return memberUnlink(ctx, e, args[1])
}

// memberUnlink detaches a member's chat accounts, for a lost or replaced
// phone: the member then verifies again from the new device.
func memberUnlink(ctx context.Context, e *env, phone string) error {
	db, err := openDB(ctx, e)
	if err != nil {
		return fmt.Errorf("member unlink: %w", err)
	}
	defer db.Close()
	// Redis first: the bots cache who is behind an account, and an unlink
	// that cannot clear that cache would leave the lost phone recognised.
	rdb, err := storage.OpenRedis(ctx, e.cfg.RedisURL)
	if err != nil {
		return fmt.Errorf("member unlink: %w", err)
	}
	defer rdb.Close()
	m, ids, err := db.UnlinkMember(ctx, phone)
	switch quiz.ErrorCode(err) {
	case "":
	case quiz.EINVALID:
		return fmt.Errorf("member unlink: %s", quiz.ErrorMessage(err))
	case quiz.ENOTFOUND:
		p, _ := quiz.NormalizePhone(phone)
		return fmt.Errorf("member unlink: không có cán bộ nào có số điện thoại %s trong danh sách", quiz.MaskPhone(p))
	default:
		return fmt.Errorf("member unlink: %w", err)
	}
	who := fmt.Sprintf("%s (%s, %s)", m.FullName, quiz.MaskPhone(m.Phone), m.UnitCode)
	if len(ids) == 0 {
		fmt.Fprintf(e.stdout, "%s chưa liên kết tài khoản nào, không có gì để gỡ\n", who)
		return nil
	}
	sessions := storage.NewSessions(rdb)
	platforms := make([]string, len(ids))
	for i, id := range ids {
		platforms[i] = string(id.Platform)
		if err := sessions.ForgetMember(ctx, id.Platform, id.ExternalID); err != nil {
			return fmt.Errorf("member unlink: accounts detached in the database, but the bot cache still knows %s account (it expires by itself): %w", id.Platform, err)
		}
	}
	fmt.Fprintf(e.stdout, "đã gỡ liên kết %s của %s\n", strings.Join(platforms, ", "), who)
	e.log.Info("member unlinked", "member_id", m.ID, "phone", quiz.MaskPhone(m.Phone), "platforms", strings.Join(platforms, ","))
	return nil
}
