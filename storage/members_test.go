package storage_test

import (
	"context"
	"slices"
	"testing"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func importMembers(t *testing.T, db *storage.DB, ms []quiz.Member) storage.ImportResult {
	t.Helper()
	res, err := db.ImportMembers(context.Background(), ms, nil)
	if err != nil {
		t.Fatalf("import members: %v", err)
	}
	return res
}

func TestMemberImportUpsertDeactivateReactivate(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	importUnits(t, db, province)
	roster := []quiz.Member{
		{FullName: "Nguyễn Văn An", Phone: "0912345678", UnitCode: "SONV", Position: "Giám đốc", Role: quiz.RoleHead},
		{FullName: "Trần Thị Bình", Phone: "0912345679", UnitCode: "SONV", Position: "Chuyên viên", Role: quiz.RoleMember},
		{FullName: "Lê Văn Cường", Phone: "0912345680", UnitCode: "X1", Role: quiz.RoleMember},
	}
	if res := importMembers(t, db, roster); res != (storage.ImportResult{Added: 3}) {
		t.Errorf("first import: %+v", res)
	}
	// Any format of the phone finds the member, with the unit filled in.
	m, err := db.MemberByPhone(ctx, "+84 912 345 678")
	if err != nil {
		t.Fatal(err)
	}
	if m.FullName != "Nguyễn Văn An" || m.Phone != "0912345678" || m.UnitCode != "SONV" || m.UnitName != "Sở Nội vụ" ||
		m.Position != "Giám đốc" || m.Role != quiz.RoleHead || !m.Active {
		t.Errorf("member: %+v", m)
	}
	byID, err := db.MemberByID(ctx, m.ID)
	if err != nil || byID != m {
		t.Errorf("MemberByID: %+v %v", byID, err)
	}

	// Again: An the same (phone written differently), Bình promoted,
	// Cường missing, Dũng new.
	again := []quiz.Member{
		{FullName: "Nguyễn Văn An", Phone: "0912.345.678", UnitCode: "SONV", Position: "Giám đốc", Role: quiz.RoleHead},
		{FullName: "Trần Thị Bình", Phone: "0912345679", UnitCode: "SONV", Position: "Phó Giám đốc", Role: quiz.RoleHead},
		{FullName: "Phạm Dũng", Phone: "0912345681", UnitCode: "H1", Role: quiz.RoleOrganizer},
	}
	if res := importMembers(t, db, again); res != (storage.ImportResult{Added: 1, Updated: 1, Unchanged: 1, Deactivated: 1}) {
		t.Errorf("second import: %+v", res)
	}
	c, err := db.MemberByPhone(ctx, "0912345680")
	if err != nil || c.Active {
		t.Errorf("Cường should be kept, inactive: %+v %v", c, err)
	}
	// The same roster again deactivates nobody new.
	if res := importMembers(t, db, again); res != (storage.ImportResult{Unchanged: 3}) {
		t.Errorf("third import: %+v", res)
	}
	// Cường is back: active again, counted as updated.
	if res := importMembers(t, db, append(again, roster[2])); res != (storage.ImportResult{Updated: 1, Unchanged: 3}) {
		t.Errorf("fourth import: %+v", res)
	}
	if back, _ := db.MemberByPhone(ctx, "0912345680"); !back.Active || back.ID != c.ID {
		t.Errorf("Cường reactivated in place: %+v", c)
	}
}

func TestMemberByPhoneErrors(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	_, err := db.MemberByPhone(ctx, "0912345678")
	if quiz.ErrorCode(err) != quiz.ENOTFOUND ||
		quiz.ErrorMessage(err) != "Số điện thoại này không có trong danh sách cán bộ dự thi. Anh/chị vui lòng liên hệ đơn vị để được bổ sung." {
		t.Errorf("unknown phone: %v", err)
	}
	if _, err := db.MemberByPhone(ctx, "12345"); quiz.ErrorCode(err) != quiz.EINVALID {
		t.Errorf("invalid phone: %v", err)
	}
	if _, err := db.MemberByID(ctx, 42); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Errorf("unknown id: %v", err)
	}
}

func TestMemberImportCheckSeesUnitsAndAborts(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	importUnits(t, db, province)
	ms := []quiz.Member{{FullName: "A", Phone: "0912345678", UnitCode: "SONV"}}
	var seen map[string]quiz.Unit
	_, err := db.ImportMembers(ctx, ms, func(units map[string]quiz.Unit) error {
		seen = units
		return quiz.Errorf(quiz.EINVALID, "no")
	})
	if quiz.ErrorCode(err) != quiz.EINVALID || len(seen) != 4 || seen["SONV"].ParentCode != "T" {
		t.Errorf("err %v, units seen %+v", err, seen)
	}
	if _, err := db.MemberByPhone(ctx, "0912345678"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Errorf("rejected import wrote a member: %v", err)
	}
	// Without a check, an unknown unit still fails, writing nothing.
	if _, err := db.ImportMembers(ctx, []quiz.Member{{FullName: "A", Phone: "0912345678", UnitCode: "ZZ"}}, nil); err == nil {
		t.Error("unknown unit accepted")
	}
}

func TestMemberUnlink(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	importUnits(t, db, province)
	importMembers(t, db, []quiz.Member{
		{FullName: "Nguyễn Văn An", Phone: "0912345678", UnitCode: "SONV"},
		{FullName: "Trần Thị Bình", Phone: "0912345679", UnitCode: "SONV"},
	})
	an, _ := db.MemberByPhone(ctx, "0912345678")
	binh, _ := db.MemberByPhone(ctx, "0912345679")
	for _, id := range []quiz.Identity{
		{MemberID: an.ID, Platform: quiz.PlatformZalo, ExternalID: "z1", ChatID: "z1"},
		{MemberID: an.ID, Platform: quiz.PlatformTelegram, ExternalID: "t1", ChatID: "t1"},
		{MemberID: binh.ID, Platform: quiz.PlatformTelegram, ExternalID: "t2", ChatID: "t2"},
	} {
		if _, err := db.ExecContext(ctx, `INSERT INTO identities (member_id, platform, external_id, chat_id) VALUES ($1, $2, $3, $4)`,
			id.MemberID, id.Platform, id.ExternalID, id.ChatID); err != nil {
			t.Fatal(err)
		}
	}
	m, ids, err := db.UnlinkMember(ctx, "+84912345678")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, id := range ids {
		got = append(got, string(id.Platform)+":"+id.ExternalID)
	}
	if m.ID != an.ID || !slices.Equal(got, []string{"telegram:t1", "zalo:z1"}) {
		t.Errorf("unlinked %+v %v", m, got)
	}
	var left []string
	if err := db.SelectContext(ctx, &left, `SELECT external_id FROM identities ORDER BY external_id`); err != nil || !slices.Equal(left, []string{"t2"}) {
		t.Errorf("identities left: %v %v", left, err)
	}
	if _, ids, err := db.UnlinkMember(ctx, "0912345678"); err != nil || len(ids) != 0 {
		t.Errorf("second unlink: %v %v", ids, err)
	}
	if _, _, err := db.UnlinkMember(ctx, "0987654321"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Errorf("unknown phone: %v", err)
	}
}
