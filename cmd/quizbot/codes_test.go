package main

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

var codeCell = regexp.MustCompile(`^[` + quiz.CodeAlphabet + `]{4}-[` + quiz.CodeAlphabet + `]{4}$`)

// codeRow is a member's row of the codes workbook.
type codeRow struct{ Name, Position, Code, Expires string }

// readCodes reads the codes workbook cell by cell: the sheets in order, and
// each sheet's title, header and rows, every cell a text cell.
func readCodes(t *testing.T, path string) (sheets []string, titles map[string]string, rows map[string][]codeRow) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	titles, rows = map[string]string{}, map[string][]codeRow{}
	for _, sh := range f.GetSheetList() {
		sheets = append(sheets, sh)
		cell := func(col string, row int) string {
			ref := col + strconv.Itoa(row)
			v, err := f.GetCellValue(sh, ref)
			if err != nil {
				t.Fatal(err)
			}
			if v == "" {
				return ""
			}
			if ty, err := f.GetCellType(sh, ref); err != nil || (ty != excelize.CellTypeSharedString && ty != excelize.CellTypeInlineString) {
				t.Fatalf("%s!%s %q is not a text cell (%v %v)", sh, ref, v, ty, err)
			}
			return v
		}
		titles[sh] = cell("A", 1)
		if h := []string{cell("A", 3), cell("B", 3), cell("C", 3), cell("D", 3)}; !slices.Equal(h, []string{"Họ và tên", "Chức vụ", "Mã kích hoạt", "Hết hạn"}) {
			t.Fatalf("%s header %q", sh, h)
		}
		for r := 4; cell("A", r) != ""; r++ {
			rows[sh] = append(rows[sh], codeRow{cell("A", r), cell("B", r), cell("C", r), cell("D", r)})
		}
	}
	return sheets, titles, rows
}

func TestMemberCodesWorkbook(t *testing.T) {
	t.Parallel()
	db, url := storagetest.NewDBURL(t)
	long := "PHONG-VAN-HOA-THONG-TIN-HUYEN-HOA-AN" // 36 characters
	storagetest.Seed(t, db, storagetest.SeedOptions{
		Units: []storagetest.SeedUnit{{Code: "T", Name: "UBND tỉnh Hòa An", Parent: ""}, {Code: "SNV", Name: "Sở Nội vụ", Parent: "T"}, {Code: "SNV/VP", Name: "Văn phòng Sở Nội vụ", Parent: "SNV"},
			{Code: long, Name: "Phòng Văn hóa và Thông tin", Parent: "SNV"}, {Code: "SGD", Name: "Sở Giáo dục và Đào tạo", Parent: "T"}},
		Members: []storagetest.SeedMember{
			{Key: "b", Name: "Trần Thị Bình", Phone: "0912000002", Position: "Chuyên viên", Unit: "SNV"},
			{Key: "a", Name: "Nguyễn Văn An", Phone: "0912000001", Position: "Giám đốc", Unit: "SNV", Role: quiz.RoleHead},
			{Key: "z", Name: "Đỗ Văn Cũ", Phone: "0912000009", Unit: "SNV", Inactive: true},
			{Key: "v", Name: "=Lê Văn Vụ", Phone: "0912000003", Position: "Văn thư", Unit: "SNV/VP"},
			{Key: "h", Name: "Phạm Thu Hà", Phone: "0912000004", Unit: long},
			{Key: "g", Name: "Vũ Giáo", Phone: "0912000005", Unit: "SGD"},
		},
	})
	dir := t.TempDir()
	out := filepath.Join(dir, "ma-kich-hoat.xlsx")
	vars := map[string]string{"DATABASE_URL": url} // no Redis needed
	getenv := func(k string) string { return vars[k] }

	code, stdout, stderr := runQuizbot(getenv, "member", "codes", "--unit", "SNV", "--days", "10", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sheets, titles, rows := readCodes(t, out)
	// One sheet per unit with active members, by unit code, named by it
	// within Excel's rules; SGD is outside the tree, T has nobody.
	if want := []string{"PHONG-VAN-HOA-THONG-TIN-HUYEN-H", "SNV", "SNV_VP"}; !slices.Equal(sheets, want) {
		t.Fatalf("sheets %q, want %q", sheets, want)
	}
	if titles["SNV"] != "Mã kích hoạt tài khoản dự thi – Sở Nội vụ (SNV)" || !strings.Contains(titles["SNV_VP"], "Văn phòng Sở Nội vụ (SNV/VP)") {
		t.Fatalf("titles %q", titles)
	}
	// Names in byte order, as the reports sort them; the inactive member
	// gets no code; a name starting with "=" stays text.
	if got := rows["SNV"]; len(got) != 2 || got[0].Name != "Nguyễn Văn An" || got[0].Position != "Giám đốc" || got[1].Name != "Trần Thị Bình" {
		t.Fatalf("SNV rows %+v", got)
	}
	if got := rows["SNV_VP"]; len(got) != 1 || got[0].Name != "=Lê Văn Vụ" {
		t.Fatalf("SNV/VP rows %+v", got)
	}
	var all []string
	for _, sh := range sheets {
		for _, r := range rows[sh] {
			if !codeCell.MatchString(r.Code) || !regexp.MustCompile(`^\d\d/\d\d/\d{4} \d\d:\d\d$`).MatchString(r.Expires) {
				t.Fatalf("%s row %+v", sh, r)
			}
			all = append(all, r.Code)
		}
	}
	// The count printed per unit matches the workbook; no code is printed.
	for _, line := range []string{"PHONG-VAN-HOA-THONG-TIN-HUYEN-HOA-AN\tPhòng Văn hóa và Thông tin\t1 mã\n", "SNV\tSở Nội vụ\t2 mã\n", "SNV/VP\tVăn phòng Sở Nội vụ\t1 mã\n",
		"đã cấp 4 mã kích hoạt cho 3 đơn vị"} {
		if !strings.Contains(stdout, line) {
			t.Fatalf("stdout lacks %q:\n%s", line, stdout)
		}
	}
	if !strings.Contains(stdout, out) {
		t.Fatalf("stdout does not name the file:\n%s", stdout)
	}
	for _, c := range all {
		for _, form := range []string{c, strings.ReplaceAll(c, "-", "")} {
			if strings.Contains(stdout+stderr, form) {
				t.Fatalf("code %s printed:\n%s\n%s", c, stdout, stderr)
			}
		}
	}
	// The database holds as many live codes, none in clear.
	var live int
	if err := db.Get(&live, `SELECT count(*) FROM activation_codes WHERE voided_at IS NULL AND used_at IS NULL`); err != nil || live != len(all) {
		t.Fatalf("%d live codes in the database, %d in the workbook (%v)", live, len(all), err)
	}
	dump := strings.ToUpper(dumpTables(t, db, "activation_codes"))
	for _, c := range all {
		plain := strings.ReplaceAll(c, "-", "")
		if strings.Contains(dump, plain) || strings.Contains(dump, c) || strings.Contains(dump, strings.ToUpper(hex.EncodeToString([]byte(plain)))) {
			t.Fatalf("code %s stored in clear", c)
		}
	}
	// The workbook is for the operator's eyes only, and nothing is left
	// beside it.
	if st, err := os.Stat(out); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("workbook mode %v (%v), want 0600", st.Mode(), err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Fatalf("files left in the folder: %v", ents)
	}

	// Everyone: five active members, SGD included; the earlier codes of
	// SNV's tree are void.
	code, stdout, stderr = runQuizbot(getenv, "member", "codes", "--out", out)
	if code != 0 || !strings.Contains(stdout, "SGD\tSở Giáo dục và Đào tạo\t1 mã\n") || !strings.Contains(stdout, "đã cấp 5 mã kích hoạt cho 4 đơn vị") {
		t.Fatalf("everyone: exit %d\n%s%s", code, stdout, stderr)
	}
	if err := db.Get(&live, `SELECT count(*) FROM activation_codes WHERE voided_at IS NULL AND used_at IS NULL`); err != nil || live != 5 {
		t.Fatalf("%d live codes after the re-issue, want 5 (%v)", live, err)
	}

	// One member's lost slip: a new code for them alone, the others' kept.
	code, stdout, stderr = runQuizbot(getenv, "member", "codes", "--phone", "+84 912 000 002", "--out", out)
	if code != 0 || stdout != "SNV\tSở Nội vụ\t1 mã\n"+stdout[strings.Index(stdout, "đã cấp"):] || !strings.Contains(stdout, "đã cấp 1 mã kích hoạt cho 1 đơn vị") {
		t.Fatalf("--phone: exit %d\n%s%s", code, stdout, stderr)
	}
	if sheets, _, rows := readCodes(t, out); !slices.Equal(sheets, []string{"SNV"}) || len(rows["SNV"]) != 1 || rows["SNV"][0].Name != "Trần Thị Bình" {
		t.Fatalf("--phone workbook: %q %+v", sheets, rows)
	}
	if err := db.Get(&live, `SELECT count(*) FROM activation_codes WHERE voided_at IS NULL AND used_at IS NULL`); err != nil || live != 5 {
		t.Fatalf("%d live codes after one member's re-issue, want 5 (%v)", live, err)
	}

	// Wrong command lines change nothing.
	before := dumpTables(t, db, "activation_codes")
	for _, tc := range []struct {
		args []string
		exit int
		msg  string
	}{
		{[]string{"member", "codes"}, 2, "member codes needs --out FILE.xlsx"},
		{[]string{"member", "codes", "--out", filepath.Join(dir, "x.csv")}, 2, "--out must end in .xlsx"},
		{[]string{"member", "codes", "--days", "0", "--out", out}, 2, "--days must be a whole number from 1 to 366"},
		{[]string{"member", "codes", "--days", "ba", "--out", out}, 2, "invalid value"},
		{[]string{"member", "codes", "--unit", "KHONG", "--out", out}, 1, "không có đơn vị mã KHONG"},
		{[]string{"member", "codes", "--unit", "SNV", "--phone", "0912000002", "--out", out}, 2, "--unit or --phone, not both"},
		{[]string{"member", "codes", "--phone", "0912000009", "--out", out}, 1, "không có cán bộ nào có số điện thoại 091****009"},
		{[]string{"member", "codes", "--phone", "12345", "--out", out}, 1, "member codes: "},
		{[]string{"member", "codes", "--unit", "T", "--out", filepath.Join(dir, "missing", "x.xlsx")}, 1, "does not exist"},
	} {
		code, _, stderr := runQuizbot(getenv, tc.args...)
		if code != tc.exit || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, tc.exit, tc.msg)
		}
	}
	if after := dumpTables(t, db, "activation_codes"); after != before {
		t.Fatal("a refused command line changed the codes")
	}

	// The workbook cannot take its place (--out is a folder): the codes
	// issued for it are voided, and no file is left.
	folder := filepath.Join(dir, "folder.xlsx")
	if err := os.MkdirAll(filepath.Join(folder, "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runQuizbot(getenv, "member", "codes", "--unit", "SGD", "--out", folder)
	if code != 1 || !strings.Contains(stderr, "the new codes are voided") {
		t.Fatalf("rename failure: exit %d %s", code, stderr)
	}
	if err := db.Get(&live, `SELECT count(*) FROM activation_codes c JOIN members m ON m.id = c.member_id
		WHERE m.full_name = 'Vũ Giáo' AND voided_at IS NULL AND used_at IS NULL`); err != nil || live != 0 {
		t.Fatalf("%d live codes for SGD after a failed issue (%v)", live, err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 2 {
		t.Fatalf("files left in the folder: %v", ents)
	}
}

// codesByName reads the workbook into member name → code.
func codesByName(t *testing.T, path string) map[string]string {
	t.Helper()
	sheets, _, rows := readCodes(t, path)
	out := map[string]string{}
	for _, sh := range sheets {
		for _, r := range rows[sh] {
			out[r.Name] = r.Code
		}
	}
	return out
}

// A code from the command's workbook, typed alone in Telegram to the bot
// that serve runs, verifies the member as the phone does. The rules of
// codes in chat (once only, the lockout, a re-issue, two apps) are the
// conversation's: bot/chat TestActivationCodes.
func TestWorkbookCodeActivatesInTelegram(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{})
	out := filepath.Join(t.TempDir(), "codes.xlsx")
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": r.dbURL}[k] }
	if code, _, stderr := runQuizbot(getenv, "member", "codes", "--out", out); code != 0 {
		t.Fatalf("member codes: %s", stderr)
	}
	codes := codesByName(t, out)
	an := user(1001, "An")
	r.send(r.fake.Command(an, "start"))
	if m := r.last(an); !strings.Contains(m.Text, "/kichhoat ABCD-EFGH") {
		t.Fatalf("welcome: %q", m.Text)
	}
	r.send(r.fake.TextMessage(an, strings.ToLower(codes["Nguyễn Văn An"])))
	if m := r.last(an); !strings.Contains(m.Text, "✅ Xác thực thành công!\nXin chào Nguyễn Văn An, Chuyên viên – Sở Nội vụ.") {
		t.Fatalf("after the code: %q", m.Text)
	}
	if kb := r.fake.Keyboard(an.ID); len(kb) == 0 || kb[0][0].Text != "📝 Vào thi" {
		t.Fatalf("menu: %+v", kb)
	}
	for _, v := range codes {
		if strings.Contains(r.logBuf.String(), v) {
			t.Fatalf("code %s in the logs", v)
		}
	}
}
