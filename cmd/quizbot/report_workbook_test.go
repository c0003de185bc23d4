package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"quizbot/report"
	"quizbot/report/reporttest"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// TestReportWorkbookReadBack writes the province's workbook for round 1 of
// the prizes fixture, with its units made a three-level tree (Ban E over
// Phòng A over Phòng B, and over Xã C over Trạm D), opens it again and
// reads it cell by cell.
func TestReportWorkbookReadBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, url := storagetest.NewDBURL(t)
	reporttest.SeedPrizes(t, db)
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": url}[k] }
	if err := db.SetContestPrizes(ctx, reporttest.PrizesContest, &report.Prizes{
		Round: &report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 2}, PerUnitMax: 1},
		Units: &report.UnitPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 1}, MinParticipation: 0.6, MinStaff: 2},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE units SET parent_id = 5 WHERE code IN ('UA', 'UC');
		UPDATE units SET parent_id = 1 WHERE code = 'UB'; UPDATE units SET parent_id = 3 WHERE code = 'UD'`); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "vong1.xlsx")
	if code, stdout, errOut := runReport(t, getenv, "workbook", "--round", "1", "--out", out); code != 0 || stdout != "" {
		t.Fatalf("report workbook: exit %d, stdout %q, stderr %s", code, stdout, errOut)
	}
	f, err := excelize.OpenFile(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	wantSheets := []string{"Tổng hợp", "Đơn vị", "Cá nhân", "Giải thưởng", "Chưa tham gia", "Điểm 0", "Câu hỏi", "Dấu hiệu bất thường"}
	if got := f.GetSheetList(); !slices.Equal(got, wantSheets) {
		t.Fatalf("sheets %q, want %q", got, wantSheets)
	}
	const title = "Tìm hiểu cải cách hành chính 2026 — Kết quả vòng 1 (02/03/2026 – 06/03/2026)"
	raw := excelize.Options{RawCellValue: true}
	cell := func(sheet, ref string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, ref, raw)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	numFmt := func(sheet, ref string) string {
		t.Helper()
		id, err := f.GetCellStyle(sheet, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		if st.CustomNumFmt == nil {
			return ""
		}
		return *st.CustomNumFmt
	}
	filters := map[string]string{}
	for _, d := range f.GetDefinedName() {
		if d.Name == "_xlnm._FilterDatabase" {
			filters[d.Scope] = d.RefersTo
		}
	}
	for _, s := range wantSheets {
		if got := cell(s, "A1"); !strings.HasPrefix(got, "Tìm hiểu cải cách hành chính 2026 — ") {
			t.Errorf("%s: title row %q", s, got)
		}
		p, err := f.GetPanes(s)
		if err != nil || !p.Freeze || p.YSplit != 2 || p.TopLeftCell != "A3" {
			t.Errorf("%s: panes %+v, %v; want the title and headings frozen", s, p, err)
		}
		if !strings.HasPrefix(filters[s], "'"+s+"'!$A$2:") {
			t.Errorf("%s: autofilter %q, want one from the headings (A2)", s, filters[s])
		}
	}
	if got := cell("Tổng hợp", "A1"); got != title {
		t.Errorf("title %q, want %q", got, title)
	}
	if got := cell("Chưa tham gia", "A1"); got != "Tìm hiểu cải cách hành chính 2026 — Chưa tham gia vòng 1" {
		t.Errorf("Chưa tham gia title %q", got)
	}

	row := func(sheet string, n int) []string {
		t.Helper()
		rows, err := f.GetRows(sheet, raw)
		if err != nil {
			t.Fatal(err)
		}
		if n > len(rows) {
			t.Fatalf("%s has %d rows, want at least %d", sheet, len(rows), n)
		}
		return rows[n-1]
	}
	eq := func(what string, got []string, want ...string) {
		t.Helper()
		for len(got) > 0 && got[len(got)-1] == "" {
			got = got[:len(got)-1]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}

	// Tổng hợp: round 1, 12 of the 13 active staff (Khánh has left).
	eq("Tổng hợp headings", row("Tổng hợp", 2), "Vòng", "Thời gian", "Số CBCCVC", "Số người tham gia",
		"Tỷ lệ tham gia", "Số câu đúng bình quân", "Số bài 0 điểm")
	eq("Tổng hợp round 1", row("Tổng hợp", 3), "1", "02/03/2026 – 06/03/2026", "13", "12", "0.923", "3.67", "2")
	if got := numFmt("Tổng hợp", "E3"); got != "[$-42A]0.0%" {
		t.Errorf("Tổng hợp E3 format %q", got)
	}
	if got := numFmt("Tổng hợp", "C3"); got != "[$-42A]#,##0" {
		t.Errorf("Tổng hợp C3 format %q", got)
	}
	charts := 0
	f.Pkg.Range(func(k, _ any) bool {
		if strings.HasPrefix(k.(string), "xl/charts/chart") {
			charts++
		}
		return true
	})
	if charts != 1 {
		t.Errorf("%d charts, want the participation chart on Tổng hợp", charts)
	}

	// Đơn vị: the tree in order, each unit's own figures then the roll-up.
	eq("Đơn vị headings", row("Đơn vị", 2)[:7], "Mã đơn vị", "Tên đơn vị", "Cấp", "Đơn vị cấp trên",
		"Số CBCCVC (riêng đơn vị)", "Đã kích hoạt (riêng đơn vị)", "Số người tham gia (riêng đơn vị)")
	if got := row("Đơn vị", 2)[10]; got != "Số CBCCVC (gồm đơn vị trực thuộc)" {
		t.Errorf("Đơn vị K2 %q", got)
	}
	eq("Ban E", row("Đơn vị", 3), "UE", "Ban E", "1", "", "0", "0", "0", "", "", "0", "13", "0", "12", "0.923", "3.67", "2", "5")
	eq("Phòng A", row("Đơn vị", 4), "UA", "Phòng A", "2", "UE", "4", "0", "3", "0.75", "4.67", "0", "8", "0", "7", "0.875", "4.29", "0", "2")
	eq("Phòng B", row("Đơn vị", 5), "UB", "Phòng B", "3", "UA", "4", "0", "4", "1", "4", "0", "4", "0", "4", "1", "4", "0", "1")
	eq("Xã C", row("Đơn vị", 6), "UC", "Xã C", "2", "UE", "4", "0", "4", "1", "2.25", "2", "5", "0", "5", "1", "2.8", "2", "2")
	eq("Trạm D", row("Đơn vị", 7), "UD", "Trạm D", "3", "UC", "1", "0", "1", "1", "5", "0", "1", "0", "1", "1", "5", "0", "1")
	if got := numFmt("Đơn vị", "H4"); got != "[$-42A]0.0%" {
		t.Errorf("Đơn vị H4 format %q", got)
	}
	if got := numFmt("Đơn vị", "I4"); got != "[$-42A]#,##0.00" {
		t.Errorf("Đơn vị I4 format %q", got)
	}

	// Cá nhân: ranks 10 share the place; Đào before Hồ (Đ after D, before
	// H), not by byte order or member id. Dũng's position "=1+1" is text.
	eq("Cá nhân headings", row("Cá nhân", 2), "Hạng", "Họ và tên", "Số điện thoại", "Mã đơn vị", "Tên đơn vị",
		"Chức vụ", "Số câu đúng", "Chênh lệch dự đoán", "Thời gian làm bài (giây)", "Ghi chú")
	eq("Cá nhân rank 1", row("Cá nhân", 3), "1", "Ngô Văn Khánh", "0912000011", "UA", "Phòng A", "Chuyên viên", "5", "0", "20", "Đã rời danh sách")
	eq("Cá nhân rank 4", row("Cá nhân", 6), "4", "Phạm Văn Dũng", "0912000004", "UB", "Phòng B", "=1+1", "5", "2", "40")
	eq("Cá nhân rank 10a", row("Cá nhân", 12), "10", "Đào Thị Yến", "0912000009", "UB", "Phòng B", "Thủ quỹ", "3", "1", "60")
	eq("Cá nhân rank 10b", row("Cá nhân", 13), "10", "Hồ Văn Xuân", "0912000008", "UB", "Phòng B", "Kế toán", "3", "1", "60")
	if fm, err := f.GetCellFormula("Cá nhân", "F6"); err != nil || fm != "" {
		t.Errorf("F6 formula %q, %v: a typed name must stay text", fm, err)
	}
	if ty, err := f.GetCellType("Cá nhân", "F6"); err != nil || (ty != excelize.CellTypeInlineString && ty != excelize.CellTypeSharedString) {
		t.Errorf("F6 type %v, %v: want a text cell", ty, err)
	}
	if ty, err := f.GetCellType("Cá nhân", "G6"); err != nil || ty == excelize.CellTypeInlineString || ty == excelize.CellTypeSharedString {
		t.Errorf("G6 type %v, %v: want a number", ty, err)
	}
	if got := numFmt("Cá nhân", "G6"); got != "[$-42A]#,##0" {
		t.Errorf("Cá nhân G6 format %q", got)
	}

	// Giải thưởng, by the contest file (at most one prize per unit).
	eq("Giải Nhất", row("Giải thưởng", 3), "Giải Nhất", "2", "Nguyễn Văn An", "0912000001", "UA", "Trưởng phòng", "5", "0", "100")
	eq("Giải Ba", row("Giải thưởng", 5), "Giải Ba", "4", "Phạm Văn Dũng", "0912000004", "UB", "=1+1", "5", "2", "40")

	// Điểm 0, by unit then name.
	eq("Điểm 0 first", row("Điểm 0", 3)[:5], "1", "UC", "Xã C", "Đinh Thị Lan", "0912000012")
	eq("Điểm 0 second", row("Điểm 0", 4)[:5], "1", "UC", "Xã C", "Lý Văn Hùng", "0912000010")

	// Chưa tham gia: Đỗ Minh of Phòng A (has no chat account yet).
	eq("Chưa tham gia", row("Chưa tham gia", 3), "UA", "Phòng A", "Đỗ Minh", "0912000013", "Văn thư", "không", "chưa kích hoạt")

	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Creator != "Ban Tổ chức Tìm hiểu cải cách hành chính 2026" || props.LastModifiedBy != props.Creator || props.Title != title {
		t.Errorf("properties %+v: want the organizer as author", props)
	}
	app, err := f.GetAppProps()
	if err != nil || app.Application != "quizbot" || app.Company != props.Creator {
		t.Errorf("app properties %+v, %v", app, err)
	}

	// The whole contest counts participations over both rounds.
	whole := filepath.Join(t.TempDir(), "ca-cuoc-thi.xlsx")
	if code, _, errOut := runReport(t, getenv, "workbook", "--contest", "--out", whole); code != 0 {
		t.Fatalf("report workbook --contest: exit %d, stderr %s", code, errOut)
	}
	g, err := excelize.OpenFile(whole)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	rows, err := g.GetRows("Tổng hợp", raw)
	if err != nil || len(rows) < 4 {
		t.Fatalf("contest Tổng hợp %q, %v", rows, err)
	}
	eq("contest round 2", rows[3], "2", "09/03/2026 – 13/03/2026", "13", "6", "0.462", "4.5", "0")
	if got := g.GetSheetList(); len(got) != 9 || got[4] != "Giải đơn vị" {
		t.Errorf("contest sheets %q: want Giải đơn vị after Giải thưởng", got)
	}
	// Chưa tham gia lists every round's absent, each with its round: Đỗ
	// Minh missed both, 7 of the 13 missed round 2.
	rows, err = g.GetRows("Chưa tham gia", raw)
	if err != nil || len(rows) < 3 {
		t.Fatalf("contest Chưa tham gia %q, %v", rows, err)
	}
	eq("contest Chưa tham gia title", rows[0], "Tìm hiểu cải cách hành chính 2026 — Chưa tham gia các vòng 1–2")
	eq("contest Chưa tham gia headings", rows[1], "Vòng", "Mã đơn vị", "Tên đơn vị", "Họ và tên", "Số điện thoại", "Chức vụ", "Đã kích hoạt", "Lý do")
	eq("contest Chưa tham gia round 1", rows[2], "1", "UA", "Phòng A", "Đỗ Minh", "0912000013", "Văn thư", "không", "chưa kích hoạt")
	perRound := map[string]int{}
	for _, r := range rows[2:] {
		perRound[r[0]]++
	}
	if perRound["1"] != 1 || perRound["2"] != 7 || len(perRound) != 2 {
		t.Errorf("contest Chưa tham gia by round %v, want 1 in round 1 and 7 in round 2", perRound)
	}
	// Units on their own staff: Trạm D (100%) has under 2 staff.
	rows, err = g.GetRows("Giải đơn vị", raw)
	if err != nil || len(rows) != 5 {
		t.Fatalf("Giải đơn vị %q, %v", rows, err)
	}
	eq("unit Nhất", rows[2], "Giải Nhất", "2", "UB", "Phòng B", "4", "0.75", "4.17")
	eq("unit Nhì", rows[3], "Giải Nhì", "3", "UA", "Phòng A", "4", "0.625", "4.4")
	eq("unit Ba", rows[4], "Giải Ba", "4", "UC", "Xã C", "4", "0.625", "2.8")

	// A head's slice (the weekly card's): Phòng A and Phòng B under it,
	// their people only, no Câu hỏi.
	c, err := db.ContestByCode(ctx, reporttest.PrizesContest)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := report.BuildWorkbook(ctx, db, c, 1, reporttest.PrizesNow, report.WorkbookOptions{Unit: "UA"})
	if err != nil {
		t.Fatal(err)
	}
	sliced := filepath.Join(t.TempDir(), "UA.xlsx")
	if err := writeFileAtomic(sliced, wb.Write); err != nil {
		t.Fatal(err)
	}
	h, err := excelize.OpenFile(sliced)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if got, want := h.GetSheetList(), slices.DeleteFunc(slices.Clone(wantSheets), func(s string) bool { return s == "Câu hỏi" }); !slices.Equal(got, want) {
		t.Errorf("slice's sheets %q, want %q", got, want)
	}
	srows := func(sheet string) [][]string {
		t.Helper()
		rows, err := h.GetRows(sheet, raw)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	eq("slice title", srows("Tổng hợp")[0], title+" — Đơn vị: Phòng A (UA) và 1 đơn vị trực thuộc")
	eq("slice round 1", srows("Tổng hợp")[2], "1", "02/03/2026 – 06/03/2026", "8", "7", "0.875", "4.29", "0")
	units := srows("Đơn vị")
	if len(units) != 4 {
		t.Fatalf("slice's Đơn vị %q", units)
	}
	eq("slice Phòng A", units[2], "UA", "Phòng A", "2", "UE", "4", "0", "3", "0.75", "4.67", "0", "8", "0", "7", "0.875", "4.29", "0", "2")
	eq("slice Phòng B", units[3], "UB", "Phòng B", "3", "UA", "4", "0", "4", "1", "4", "0", "4", "0", "4", "1", "4", "0", "1")
	people := srows("Cá nhân")
	if len(people) != 10 {
		t.Errorf("slice's Cá nhân has %d rows, want the title, the headings and 8 people (Khánh, who left, included)", len(people))
	}
	for _, r := range people[2:] {
		if r[3] != "UA" && r[3] != "UB" {
			t.Errorf("slice's Cá nhân holds another unit's member: %q", r)
		}
	}
	eq("slice Chưa tham gia", srows("Chưa tham gia")[2], "UA", "Phòng A", "Đỗ Minh", "0912000013", "Văn thư", "không", "chưa kích hoạt")
	if z := srows("Điểm 0"); len(z) != 2 {
		t.Errorf("slice's Điểm 0 holds Xã C's zero scores: %q", z)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"workbook", "--out", out}, "report workbook needs --round N (a round) or --contest"},
		{[]string{"workbook", "--round", "1"}, "report workbook needs --out FILE.xlsx"},
		{[]string{"workbook", "--round", "1", "--out", "x.csv"}, "the workbook is an .xlsx file"},
		{[]string{"workbook", "--round", "3", "--out", out}, "no round 3; its rounds are 1, 2"},
	} {
		code, stdout, errOut := runReport(t, getenv, c.args...)
		if code == 0 || stdout != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, stdout %q, stderr %s; want %q", c.args, code, stdout, errOut, c.want)
		}
	}
}

// rankingReads counts the rankings a workbook reads.
type rankingReads struct {
	*storage.DB
	n int
}

func (r *rankingReads) RoundRanking(ctx context.Context, roundID, actual int64, now time.Time) (report.Stream[report.Entry], error) {
	r.n++
	return r.DB.RoundRanking(ctx, roundID, actual, now)
}

// The prizes come from the ranking that Cá nhân reads, before them in the
// workbook: one read of a national round's ranking, not two. Asked for on
// their own, they read the ranking themselves, and are the same. Nine
// prizes end in the middle of the fixture's tie at rank 10: both get the
// last, and the sheet says so under the winners.
func TestWorkbookPrizesFromMembersSheet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := storagetest.NewDB(t)
	reporttest.SeedPrizes(t, db)
	if err := db.SetContestPrizes(ctx, reporttest.PrizesContest, &report.Prizes{
		Round: &report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 2, KhuyenKhich: 5}},
	}); err != nil {
		t.Fatal(err)
	}
	c, err := db.ContestByCode(ctx, reporttest.PrizesContest)
	if err != nil {
		t.Fatal(err)
	}
	rows := func(wb report.Workbook, name string) []string {
		t.Helper()
		i := slices.IndexFunc(wb.Sheets, func(s report.Sheet) bool { return s.Name == name })
		if i < 0 {
			t.Fatalf("no sheet %s", name)
		}
		var out []string
		if err := wb.Sheets[i].Rows(func(r []any) error {
			cells := make([]string, len(r))
			for k, v := range r {
				cells[k] = fmt.Sprint(v)
			}
			out = append(out, strings.Join(cells, "|"))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	now := time.Now()
	alone := &rankingReads{DB: db}
	wb, err := report.BuildWorkbook(ctx, alone, c, 1, now, report.WorkbookOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := rows(wb, report.SheetPrizes)
	if len(want) != 12 || want[0] != "Giải Nhất|2|Nguyễn Văn An|0912000001|UA|Trưởng phòng|5|0|100" ||
		!strings.HasPrefix(want[8], "Giải Khuyến khích|10|Đào Thị Yến|") || !strings.HasPrefix(want[9], "Giải Khuyến khích|10|Hồ Văn Xuân|") ||
		want[10] != "<nil>" || want[11] != "Đồng hạng 10 (Đào Thị Yến, Hồ Văn Xuân): 2 người bằng nhau ở mọi tiêu chí tranh 1 giải cuối: tất cả cùng nhận Giải Khuyến khích (nhiều hơn số giải thể lệ quy định)." ||
		alone.n != 1 {
		t.Fatalf("prizes alone, %d ranking reads:\n%s", alone.n, strings.Join(want, "\n"))
	}

	after := &rankingReads{DB: db}
	wb, err = report.BuildWorkbook(ctx, after, c, 1, now, report.WorkbookOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if members := rows(wb, report.SheetMembers); len(members) < 4 {
		t.Fatalf("Cá nhân: %q", members)
	}
	if got := rows(wb, report.SheetPrizes); !slices.Equal(got, want) || after.n != 1 {
		t.Errorf("prizes after Cá nhân, %d ranking reads:\n%s\nwant\n%s", after.n, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
