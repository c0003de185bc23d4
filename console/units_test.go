package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// verify links a Telegram account for each member key, as /start with a
// phone number does: they count as verified (activated).
func (f *fixture) verify(keys ...string) {
	f.t.Helper()
	for _, k := range keys {
		id := f.member(k).ID
		f.exec(`INSERT INTO identities (member_id, platform, external_id, chat_id) VALUES ($1, 'telegram', $2, $2)`, id, fmt.Sprint(9000+id))
	}
}

func TestUnitTree(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedRound(f)
	f.verify("a1", "a2", "x1", "y1", "y2")
	for _, tc := range []struct {
		who, want string
		not       []string
	}{
		// Each unit with the units under it, as the workbook's Đơn vị
		// sheet: staff, verified, took part, rate, mean correct, zeros.
		{"org", "UBND tỉnh Hòa Bình (3 đơn vị trực thuộc) 9 5 4 44,4% 2,00 1 " +
			"Sở Nội vụ (1 đơn vị trực thuộc) 5 3 2 40,0% 2,50 0 " +
			"UBND xã Hòa Phú 2 1 1 50,0% 2,00 0 " +
			"Sở Y tế 3 2 2 66,7% 1,50 1", nil},
		{"head", "Sở Nội vụ (1 đơn vị trực thuộc) 5 3 2 40,0% 2,50 0 UBND xã Hòa Phú 2 1 1 50,0% 2,00 0",
			[]string{"Sở Y tế", "UBND tỉnh Hòa Bình ("}},
	} {
		st, body := f.signIn(tc.who).get("/console/units")
		page := text(body)
		if st != http.StatusOK || !strings.Contains(page, "Đơn vị CBCCVC Đã kích hoạt Đã thi Tỷ lệ Câu đúng bình quân Bài 0 điểm "+tc.want) {
			t.Errorf("%s's tree: %d, want %q in\n%s", tc.who, st, tc.want, page)
		}
		if !strings.Contains(page, "Đợt 1 đang mở") {
			t.Errorf("%s's tree does not name the round:\n%s", tc.who, page)
		}
		for _, n := range tc.not {
			if strings.Contains(page, n) {
				t.Errorf("%s's tree shows %q:\n%s", tc.who, n, page)
			}
		}
	}
}

func TestUnitPage(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedRound(f)
	f.verify("a1", "a2", "x1", "y1", "y2")
	head := f.signIn("head")
	st, body := head.get("/console/units/SNV")
	page := text(body)
	for _, want := range []string{
		"Đã thi 2 trên 5 CBCCVC Tỷ lệ tham gia 40,0% đã kích hoạt 3 Câu đúng bình quân 2,50 bài 0 điểm: 0",
		"Riêng đơn vị: đã thi 1/3 (33,3%)",
		"UBND xã Hòa Phú 2 1 1 50,0% 2,00 0",
		"Cán bộ của đơn vị (3) Đã thi: 1 Đang thi: 1 Chưa thi: 0 Chưa kích hoạt: 1",
		// By name the Vietnamese way, local time.
		"Lê Minh Chi Giám đốc Chưa kích hoạt",
		"Nguyễn Văn An Chuyên viên Đã thi 3/3 10:00 30/11/2026 —",
		"Trần Thị Bình Chuyên viên Đang thi",
	} {
		if st != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("SNV's page: %d, want %q in\n%s", st, want, page)
		}
	}
	if i, j := strings.Index(page, "Lê Minh Chi Giám"), strings.Index(page, "Trần Thị Bình Chuyên"); i < 0 || j < i {
		t.Errorf("members not by name:\n%s", page)
	}

	// The head records a reason for a member of their sub-unit, which the
	// chat's /lydo (their own unit only) cannot.
	token := head.csrf()
	x2 := f.member("x2")
	st, body = head.post("/console/units/XA1/excuses", url.Values{"csrf": {token}, "member": {fmt.Sprint(x2.ID)},
		"round": {fmt.Sprint(f.seed.Round.ID)}, "reason": {"Đi công tác"}})
	if page := text(body); st != http.StatusOK || !strings.Contains(page, "Đã ghi nhận lý do vắng của Đỗ Thị Giang: Đi công tác.") {
		t.Fatalf("record a reason: %d\n%s", st, page)
	}
	// The same storage the chat and the absent report read.
	ctx := context.Background()
	_, reasons, err := f.db.ExcuseCandidates(ctx, f.seed.Round.ID, x2.UnitID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if reasons[x2.ID] != "Đi công tác" {
		t.Errorf("/lydo's list has %q for Đỗ Thị Giang", reasons[x2.ID])
	}
	// Changed, by the organizer, to a typed reason.
	org := f.signIn("org")
	st, body = org.post("/console/units/XA1/excuses", url.Values{"csrf": {org.csrf()}, "member": {fmt.Sprint(x2.ID)},
		"round": {fmt.Sprint(f.seed.Round.ID)}, "reason": {"other"}, "other": {"  Nghỉ chế độ thai sản "}})
	if page := text(body); st != http.StatusOK || !strings.Contains(page, "Đỗ Thị Giang Công chức Chưa kích hoạt") {
		t.Fatalf("change the reason: %d\n%s", st, page)
	}
	absent, err := f.db.AbsentMembers(ctx, f.seed.Round.ID, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range absent {
		if a.MemberID == x2.ID && a.Excuse != "Nghỉ chế độ thai sản" {
			t.Errorf("absent report: %q", a.Excuse)
		}
	}
	if _, body = org.get("/console/units/XA1"); !strings.Contains(body, `value="Nghỉ chế độ thai sản"`) || !strings.Contains(body, `<option value="other" selected>`) {
		t.Errorf("XA1's page does not show the typed reason in its form:\n%s", text(body))
	}
	if _, body = org.get("/console/audit"); !strings.Contains(text(body), "Phạm Thu Dung UBND tỉnh Hòa Bình Ghi nhận lý do vắng Đỗ Thị Giang (XA1), đợt 1: Nghỉ chế độ thai sản") ||
		!strings.Contains(text(body), "Lê Minh Chi Sở Nội vụ Ghi nhận lý do vắng Đỗ Thị Giang (XA1), đợt 1: Đi công tác") {
		t.Errorf("audit log lacks the reasons:\n%s", text(body))
	}

	// Bad input changes nothing.
	for _, tc := range []struct {
		name string
		form url.Values
		want string
	}{
		{"no reason", url.Values{"member": {fmt.Sprint(x2.ID)}}, "Anh/chị chưa chọn lý do vắng."},
		{"other, empty", url.Values{"member": {fmt.Sprint(x2.ID)}, "reason": {"other"}, "other": {"  "}}, "Anh/chị chọn \"Lý do khác\" nhưng chưa nhập lý do."},
		{"other, too long", url.Values{"member": {fmt.Sprint(x2.ID)}, "reason": {"other"}, "other": {strings.Repeat("ư", 201)}}, "Lý do dài quá 200 ký tự"},
		{"unknown preset", url.Values{"member": {fmt.Sprint(x2.ID)}, "reason": {"Đi chơi"}}, "Lý do vắng không hợp lệ."},
		{"took part", url.Values{"member": {fmt.Sprint(f.member("x1").ID)}, "reason": {"Ốm đau"}}, "Hoàng Văn Em đã tham gia đợt 1"},
		{"another unit's member", url.Values{"member": {fmt.Sprint(f.member("a2").ID)}, "reason": {"Ốm đau"}}, "Không có cán bộ này trong danh sách của đơn vị XA1."},
		{"old round", url.Values{"member": {fmt.Sprint(x2.ID)}, "reason": {"Ốm đau"}, "round": {"999"}}, "Đợt thi đã thay đổi"},
	} {
		form := tc.form
		form.Set("csrf", token)
		if form.Get("round") == "" {
			form.Set("round", fmt.Sprint(f.seed.Round.ID))
		}
		if st, body := head.post("/console/units/XA1/excuses", form); st != http.StatusBadRequest || !strings.Contains(text(body), tc.want) {
			t.Errorf("%s: %d, want 400 %q:\n%s", tc.name, st, tc.want, text(body))
		}
	}
	if _, reasons, _ = f.db.ExcuseCandidates(ctx, f.seed.Round.ID, x2.UnitID, f.clock.Now()); reasons[x2.ID] != "Nghỉ chế độ thai sản" || len(reasons) != 1 {
		t.Errorf("bad input changed the reasons: %v", reasons)
	}
}

func TestUnitPageRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedRound(f)
	head := f.signIn("head")
	y3 := f.member("y3")
	if st, body := head.get("/console/units/SYT"); st != http.StatusForbidden || !strings.Contains(text(body), "Anh/chị không có quyền xem đơn vị SYT.") {
		t.Errorf("another unit's page: %d %s", st, text(body))
	}
	if st, _ := head.get("/console/units/NOPE"); st != http.StatusNotFound {
		t.Errorf("an unknown unit: %d", st)
	}
	form := url.Values{"csrf": {head.csrf()}, "member": {fmt.Sprint(y3.ID)}, "round": {fmt.Sprint(f.seed.Round.ID)}, "reason": {"Ốm đau"}}
	if st, body := head.post("/console/units/SYT/excuses", form); st != http.StatusForbidden || !strings.Contains(text(body), "không có quyền ghi nhận lý do vắng cho đơn vị SYT") {
		t.Errorf("another unit's reason: %d %s", st, text(body))
	}
	// Another unit's member through the head's own unit's address.
	if st, _ := head.post("/console/units/SNV/excuses", form); st != http.StatusBadRequest {
		t.Errorf("another unit's member under SNV: %d", st)
	}
	// Without the CSRF token, even the organizer is refused.
	org := f.signIn("org")
	form.Del("csrf")
	if st, body := org.post("/console/units/SYT/excuses", form); st != http.StatusForbidden || !strings.Contains(text(body), "mã bảo vệ biểu mẫu") {
		t.Errorf("without CSRF: %d %s", st, text(body))
	}
	if _, reasons, _ := f.db.ExcuseCandidates(context.Background(), f.seed.Round.ID, y3.UnitID, f.clock.Now()); len(reasons) != 0 {
		t.Errorf("a refused request recorded %v", reasons)
	}
}

// A department of 250: the members come by pages of 100, by name (Bùi Thị
// Lan first, then Cán bộ 001…, Ngô, Vũ).
func TestUnitPagePages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.exec(`INSERT INTO members (full_name, phone, unit_id, position)
		SELECT 'Cán bộ ' || lpad(i::text, 3, '0'), '0913' || lpad(i::text, 6, '0'), u.id, 'Chuyên viên'
		FROM generate_series(1, 247) i, units u WHERE u.code = 'SYT'`)
	org := f.signIn("org")
	_, body := org.get("/console/units/SYT?trang=3")
	page := text(body)
	if !strings.Contains(page, "Cán bộ của đơn vị (250)") || !strings.Contains(page, "Hiển thị 201–250 trên 250 người.") ||
		!strings.Contains(page, "Cán bộ 200 Chuyên viên Chưa kích hoạt") || strings.Contains(page, "Cán bộ 199 ") ||
		!strings.Contains(page, "Cán bộ 247 Chuyên viên Chưa kích hoạt — Chọn lý do — Nghỉ phép Ốm đau Đi công tác Lý do khác Lưu Ngô Văn Minh") ||
		!strings.Contains(page, "Vũ Văn Hải Bác sĩ Chưa kích hoạt — Chọn lý do — Nghỉ phép Ốm đau Đi công tác Lý do khác Lưu 1 2 3 ") {
		t.Errorf("page 3 of SYT:\n%s", page)
	}
	if st, _ := org.get("/console/units/SYT?trang=99"); st != http.StatusOK {
		t.Errorf("a page past the end: %d", st)
	}
}
