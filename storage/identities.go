package storage

import (
	"context"
	"fmt"

	"quizbot/quiz"
)

// MemberByIdentity finds the member behind a platform account.
func (db *DB) MemberByIdentity(ctx context.Context, p quiz.Platform, externalID string) (quiz.Member, error) {
	var m quiz.Member
	err := db.GetContext(ctx, &m, `
		SELECT `+memberColumns+`
		FROM identities i JOIN members m ON m.id = i.member_id JOIN units u ON u.id = m.unit_id
		WHERE i.platform = $1 AND i.external_id = $2`, p, externalID)
	if notFound(err) {
		return m, quiz.Errorf(quiz.ENOTFOUND, "Tài khoản chưa được xác thực.")
	}
	if err != nil {
		return m, fmt.Errorf("member by identity: %w", err)
	}
	return m, nil
}

// LinkIdentity links a platform account to a member, once per platform.
func (db *DB) LinkIdentity(ctx context.Context, id quiz.Identity) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO identities (member_id, platform, external_id, chat_id) VALUES ($1, $2, $3, $4)`,
		id.MemberID, id.Platform, id.ExternalID, id.ChatID)
	if isUniqueViolation(err, "") {
		return &quiz.Error{Code: quiz.ECONFLICT, Err: err, Message: "Tài khoản đã được liên kết."}
	}
	if err != nil {
		return fmt.Errorf("link identity: %w", err)
	}
	return nil
}

// IdentityOf returns the member's account on a platform.
func (db *DB) IdentityOf(ctx context.Context, memberID int64, p quiz.Platform) (quiz.Identity, error) {
	var id quiz.Identity
	err := db.GetContext(ctx, &id, `
		SELECT id, member_id, platform, external_id, chat_id, unreachable_at, created_at
		FROM identities WHERE member_id = $1 AND platform = $2`, memberID, p)
	if notFound(err) {
		return id, quiz.Errorf(quiz.ENOTFOUND, "Thành viên chưa kích hoạt trên nền tảng này.")
	}
	if err != nil {
		return id, fmt.Errorf("identity of member %d: %w", memberID, err)
	}
	return id, nil
}

// MarkReachable clears the account's unreachable mark, if it has one.
func (db *DB) MarkReachable(ctx context.Context, p quiz.Platform, externalID string) error {
	_, err := db.ExecContext(ctx, `UPDATE identities SET unreachable_at = NULL
		WHERE platform = $1 AND external_id = $2 AND unreachable_at IS NOT NULL`, p, externalID)
	if err != nil {
		return fmt.Errorf("mark account reachable: %w", err)
	}
	return nil
}

// MarkAccountUnreachable marks the account unreachable, if it is not yet.
func (db *DB) MarkAccountUnreachable(ctx context.Context, p quiz.Platform, externalID string) error {
	_, err := db.ExecContext(ctx, `UPDATE identities SET unreachable_at = now()
		WHERE platform = $1 AND external_id = $2 AND unreachable_at IS NULL`, p, externalID)
	if err != nil {
		return fmt.Errorf("mark account unreachable: %w", err)
	}
	return nil
}
