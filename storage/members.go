package storage

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/quiz"
)

// memberColumns are quiz.Member's, from members m joined with units u.
const memberColumns = `m.id, m.full_name, m.phone, m.unit_id, u.code AS unit_code, u.name AS unit_name, m.position, m.role, m.active, m.gen`

const memberSelect = `SELECT ` + memberColumns + ` FROM members m JOIN units u ON u.id = m.unit_id`

// MemberByPhone finds a member, active or not, by phone in any format.
// EINVALID when the phone is not a phone number, ENOTFOUND when nobody on the
// roster has it.
func (db *DB) MemberByPhone(ctx context.Context, phone string) (quiz.Member, error) {
	p, err := quiz.NormalizePhone(phone)
	if err != nil {
		return quiz.Member{}, err
	}
	var m quiz.Member
	err = db.GetContext(ctx, &m, memberSelect+` WHERE m.phone = $1`, p)
	if notFound(err) {
		// The message goes to chat and into logs: no phone in it.
		return m, &quiz.Error{Code: quiz.ENOTFOUND, Err: err,
			Message: "Số điện thoại này không có trong danh sách cán bộ dự thi. Anh/chị vui lòng liên hệ đơn vị để được bổ sung."}
	}
	if err != nil {
		return m, fmt.Errorf("member by phone %s: %w", quiz.MaskPhone(p), err)
	}
	return m, nil
}

// MemberByID returns a member; ENOTFOUND when there is none.
func (db *DB) MemberByID(ctx context.Context, id int64) (quiz.Member, error) {
	var m quiz.Member
	err := db.GetContext(ctx, &m, memberSelect+` WHERE m.id = $1`, id)
	if notFound(err) {
		return m, &quiz.Error{Code: quiz.ENOTFOUND, Message: "Không tìm thấy cán bộ này.", Err: fmt.Errorf("member %d: %w", id, err)}
	}
	if err != nil {
		return m, fmt.Errorf("member %d: %w", id, err)
	}
	return m, nil
}

// ImportMembers upserts a whole roster by phone in one transaction. Each
// member names its unit by UnitCode. check sees the stored units, by code,
// under the import lock; an error from it aborts the import and is returned
// as is. Members missing from the roster are made inactive (never deleted:
// their results stay); members who reappear become active again.
func (db *DB) ImportMembers(ctx context.Context, members []quiz.Member, check func(units map[string]quiz.Unit) error) (ImportResult, error) {
	plan, err := db.ImportMembersWith(ctx, members, check, ImportOptions{})
	return plan.ImportResult, err
}

// ImportMembersWith is ImportMembers as a preview or as the apply of one
// (see ImportOptions).
func (db *DB) ImportMembersWith(ctx context.Context, members []quiz.Member, check func(units map[string]quiz.Unit) error, opt ImportOptions) (ImportPlan, error) {
	var res ImportPlan
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockImports(ctx, tx); err != nil {
			return err
		}
		units, err := unitsByCode(ctx, tx)
		if err != nil {
			return fmt.Errorf("import members: %w", err)
		}
		if check != nil {
			if err := check(units); err != nil {
				return err
			}
		}
		var stored []quiz.Member
		if err := tx.SelectContext(ctx, &stored, `SELECT id, full_name, phone, unit_id, position, role, active FROM members ORDER BY id`); err != nil {
			return fmt.Errorf("import members: %w", err)
		}
		state := newStateHash("members")
		state.units(units)
		for _, m := range stored {
			state.row(m.ID, m.FullName, m.Phone, m.UnitID, m.Position, string(m.Role), m.Active)
		}
		res.State = state.sum()
		byPhone := make(map[string]quiz.Member, len(stored))
		for _, m := range stored {
			byPhone[m.Phone] = m
		}

		var add, upd rosterColumns
		inFile := make(map[string]bool, len(members))
		for i, m := range members {
			p, err := quiz.NormalizePhone(m.Phone)
			if err != nil {
				return fmt.Errorf("import members: row %d: %w", i+1, err)
			}
			if inFile[p] {
				return fmt.Errorf("import members: row %d: phone %s twice", i+1, quiz.MaskPhone(p))
			}
			inFile[p] = true
			u, ok := units[m.UnitCode]
			if !ok {
				return fmt.Errorf("import members: row %d: unknown unit %s", i+1, m.UnitCode)
			}
			role, ok := quiz.ParseRole(string(m.Role))
			if !ok {
				return fmt.Errorf("import members: row %d: unknown role %q", i+1, m.Role)
			}
			m.Phone, m.UnitID, m.Role = p, u.ID, role
			old, ok := byPhone[p]
			switch {
			case !ok:
				res.Added++
				add.append(m)
			case old.FullName != m.FullName || old.UnitID != m.UnitID || old.Position != m.Position || old.Role != m.Role || !old.Active:
				res.Updated++
				upd.append(m)
			default:
				res.Unchanged++
			}
		}
		var gone []int64
		for _, m := range stored {
			if m.Active && !inFile[m.Phone] {
				gone = append(gone, m.ID)
			}
		}
		res.Deactivated = len(gone)
		if err := checkExpected(opt.ExpectState, res.State); err != nil || opt.DryRun {
			return err
		}

		if len(add.phone) > 0 {
			if _, err := tx.ExecContext(ctx, `INSERT INTO members (phone, full_name, unit_id, position, role)
				SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])`, add.args()...); err != nil {
				return fmt.Errorf("import members: insert: %w", err)
			}
		}
		if len(upd.phone) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE members m SET full_name = f.full_name, unit_id = f.unit_id,
					position = f.position, role = f.role, active = true, updated_at = now()
				FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[])
					AS f(phone, full_name, unit_id, position, role)
				WHERE m.phone = f.phone`, upd.args()...); err != nil {
				return fmt.Errorf("import members: update: %w", err)
			}
		}
		if len(gone) > 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE members SET active = false, updated_at = now() WHERE id = ANY($1::bigint[])`,
				pq.Array(gone)); err != nil {
				return fmt.Errorf("import members: deactivate: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return ImportPlan{}, err
	}
	return res, nil
}

// rosterColumns holds members column-wise for one unnest() statement: a
// roster of tens of thousands goes in a few round trips.
type rosterColumns struct {
	phone, name, position, role []string
	unit                        []int64
}

func (c *rosterColumns) append(m quiz.Member) {
	c.phone = append(c.phone, m.Phone)
	c.name = append(c.name, m.FullName)
	c.unit = append(c.unit, m.UnitID)
	c.position = append(c.position, m.Position)
	c.role = append(c.role, string(m.Role))
}

func (c *rosterColumns) args() []any {
	return []any{pq.Array(c.phone), pq.Array(c.name), pq.Array(c.unit), pq.Array(c.position), pq.Array(c.role)}
}

// UnlinkMember detaches every chat account (all platforms) of the member
// with the phone, so that they can verify again from a new device. It returns
// the member and the identities removed (none when nothing was linked).
// Errors as MemberByPhone.
func (db *DB) UnlinkMember(ctx context.Context, phone string) (quiz.Member, []quiz.Identity, error) {
	m, err := db.MemberByPhone(ctx, phone)
	if err != nil {
		return m, nil, err
	}
	var ids []quiz.Identity
	if err := db.SelectContext(ctx, &ids, `DELETE FROM identities WHERE member_id = $1
		RETURNING id, member_id, platform, external_id, chat_id, unreachable_at, created_at`, m.ID); err != nil {
		return m, nil, fmt.Errorf("unlink member %d: %w", m.ID, err)
	}
	slices.SortFunc(ids, func(a, b quiz.Identity) int { return strings.Compare(string(a.Platform), string(b.Platform)) })
	return m, ids, nil
}
