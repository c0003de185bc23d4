package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// importEnv runs quizbot commands against a database of the test's own and
// writes the operator's files into a temporary directory.
type importEnv struct {
	t     *testing.T
	vars  map[string]string
	dir   string
	dbURL string
	conn  *storage.DB // opened by db on first use
}

func newImportEnv(t *testing.T) *importEnv {
	url := storagetest.DatabaseURL(t)
	return &importEnv{t: t, dir: t.TempDir(), dbURL: url,
		vars: map[string]string{"DATABASE_URL": url, "REDIS_URL": storagetest.RedisURL(t)}}
}

// runQuizbot runs quizbot with args and the environment getenv reads, and
// returns the exit code, stdout and stderr.
func runQuizbot(getenv func(string) string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, getenv, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// run runs quizbot with args and returns the exit code, stdout and stderr.
func (ie *importEnv) run(args ...string) (int, string, string) {
	return runQuizbot(func(k string) string { return ie.vars[k] }, args...)
}

// file writes a file for the operator to import and returns its path.
func (ie *importEnv) file(name, content string) string {
	p := filepath.Join(ie.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		ie.t.Fatal(err)
	}
	return p
}

// xlsx writes a workbook whose first sheet holds rows, header first.
func (ie *importEnv) xlsx(name string, rows [][]any) string {
	f := excelize.NewFile()
	defer f.Close()
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow(f.GetSheetName(0), cell, &r); err != nil {
			ie.t.Fatal(err)
		}
	}
	p := filepath.Join(ie.dir, name)
	if err := f.SaveAs(p); err != nil {
		ie.t.Fatal(err)
	}
	return p
}

// mustImport imports a file that must be accepted and returns stdout.
func (ie *importEnv) mustImport(kind, path string) string {
	ie.t.Helper()
	code, out, errOut := ie.run("import", kind, path)
	if code != 0 || errOut != "" {
		ie.t.Fatalf("import %s %s: exit %d\n%s", kind, filepath.Base(path), code, errOut)
	}
	return out
}

// reject imports a file that must be rejected, checks that stderr lists
// exactly the problem lines (FILE: prefix added) and the closing summary,
// and that the database did not change.
func (ie *importEnv) reject(kind, path string, problems ...string) {
	ie.t.Helper()
	before := ie.state()
	code, out, errOut := ie.run("import", kind, path)
	var want strings.Builder
	for _, p := range problems {
		want.WriteString(path + p + "\n")
	}
	want.WriteString("quizbot: import " + kind + ": " + path + " bị từ chối (" + strconv.Itoa(len(problems)) +
		" lỗi), cơ sở dữ liệu không thay đổi\n")
	if code != 1 || out != "" || errOut != want.String() {
		ie.t.Errorf("import %s %s: exit %d, stdout %q\nstderr:\n%s\nwant:\n%s", kind, filepath.Base(path), code, out, errOut, want.String())
	}
	if after := ie.state(); after != before {
		ie.t.Errorf("rejected import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// state dumps every row an import could touch, timestamps included.
func (ie *importEnv) state() string {
	ie.t.Helper()
	return dumpTables(ie.t, ie.db(), "units", "members", "questions", "identities")
}

// dumpTables renders every row of the tables, timestamps included, for
// comparing the database before and after a command.
func dumpTables(t testing.TB, db *storage.DB, tables ...string) string {
	t.Helper()
	var b strings.Builder
	for _, table := range tables {
		var s string
		if err := db.Get(&s, `SELECT coalesce(string_agg(x::text, E'\n' ORDER BY x.id), '') FROM `+table+` x`); err != nil {
			t.Fatal(err)
		}
		b.WriteString(table + ":\n" + s + "\n")
	}
	return b.String()
}

// db connects to the test's database once, on first use (commands migrate
// it), and keeps the connection for the rest of the test.
func (ie *importEnv) db() *storage.DB {
	ie.t.Helper()
	if ie.conn == nil {
		db, err := storage.Open(context.Background(), ie.dbURL)
		if err != nil {
			ie.t.Fatal(err)
		}
		ie.t.Cleanup(func() { db.Close() })
		ie.conn = db
	}
	return ie.conn
}

// rows runs a query whose rows are one text column each.
func (ie *importEnv) rows(query string) string {
	ie.t.Helper()
	var out []string
	if err := ie.db().Select(&out, query); err != nil {
		ie.t.Fatal(err)
	}
	return strings.Join(out, "\n")
}

const unitsCSV = "code,name,parent_code\n" +
	"T,UBND tỉnh Hòa Bình Xanh,\n" +
	"SONV,Sở Nội vụ,T\n" +
	"H1,UBND huyện Đồng Tâm,T\n" +
	"X1,UBND xã Tân Lập,H1\n"

func TestImportUnitsUpsert(t *testing.T) {
	ie := newImportEnv(t)
	// BOM, semicolons, columns in another order and case: what Excel
	// saves in a Vietnamese locale. The commune comes before its district.
	first := ie.file("units.csv", "\ufeffName ; CODE ;parent_code\n"+
		"UBND tỉnh Hòa Bình Xanh;T;\n"+
		"UBND xã Tân Lập;X1;H1\n"+
		"  Sở Nội vụ ;SONV;T\n"+
		"UBND huyện Đồng Tâm;H1;T\n")
	if out := ie.mustImport("units", first); out != "4 added, 0 updated, 0 unchanged\n" {
		t.Errorf("first import: %q", out)
	}
	// Again: SONV renamed, X1 moved under the province, H2 new, and T
	// missing from the file (kept).
	second := ie.file("units2.csv", "code,name,parent_code\n"+
		"SONV,Sở Nội vụ tỉnh,T\n"+
		"H1,UBND huyện Đồng Tâm,T\n"+
		"X1,UBND xã Tân Lập,T\n"+
		"H2,UBND huyện Sông Lam,T\n")
	if out := ie.mustImport("units", second); out != "1 added, 2 updated, 1 unchanged\n" {
		t.Errorf("second import: %q", out)
	}
	if out := ie.mustImport("units", second); out != "0 added, 0 updated, 4 unchanged\n" {
		t.Errorf("third import: %q", out)
	}
	got := ie.rows(`SELECT u.code || '|' || u.name || '|' || coalesce(p.code, '') FROM units u LEFT JOIN units p ON p.id = u.parent_id ORDER BY u.code`)
	want := "H1|UBND huyện Đồng Tâm|T\nH2|UBND huyện Sông Lam|T\nSONV|Sở Nội vụ tỉnh|T\nT|UBND tỉnh Hòa Bình Xanh|\nX1|UBND xã Tân Lập|T"
	if got != want {
		t.Errorf("units:\n%s\nwant:\n%s", got, want)
	}
}

func TestImportUnitsRejected(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	path := ie.file("bad.csv", "code,name,parent_code\n"+
		"H2,UBND huyện Sông Lam,T\n"+ // 2 fine: parent in the database
		"X2,UBND xã Hòa Lạc,H2\n"+ // 3 fine: parent in the file
		"X3,UBND xã Mới,H9\n"+ // 4 unknown parent
		"H1,UBND huyện Đồng Tâm,X1\n"+ // 5 cycle with X1 in the database
		"A,Đơn vị A,B\n"+ // 6 cycle within the file
		"B,Đơn vị B,A\n"+ // 7
		"SONV,,T\n"+ // 8 no name
		"H2,Trùng,T\n"+ // 9 duplicate code
		",Không mã,T\n") // 10 no code
	ie.reject("units", path,
		":4: không có đơn vị cha mã H9",
		":5: vòng lặp đơn vị cha: H1 → X1 → H1",
		":6: vòng lặp đơn vị cha: A → B → A",
		":7: vòng lặp đơn vị cha: B → A → B",
		":8: thiếu tên đơn vị (name)",
		":9: trùng mã đơn vị H2 với dòng 2",
		":10: thiếu mã đơn vị (code)",
	)
}

func TestImportMembersXLSXUpsertAndDeactivate(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	header := []any{"STT", "Full_Name", "Phone", "Unit_Code", "Position", "Role"}
	first := ie.xlsx("members.xlsx", [][]any{header,
		{1, "Nguyễn Văn An", "0912 345 678", "SONV", "Giám đốc", "head"},
		{2, "Trần Thị Bình", 912345679, "SONV", "Chuyên viên", ""}, // number cell: Excel dropped the 0
		{3, "Lê Văn Cường", "+84 912 345 680", "X1", "", "Organizer"},
	})
	if out := ie.mustImport("members", first); out != "3 added, 0 updated, 0 unchanged, 0 deactivated\n" {
		t.Errorf("first import: %q", out)
	}
	// Again: An the same in another phone format, Bình promoted, Cường
	// gone, Dũng new.
	second := ie.xlsx("members2.xlsx", [][]any{header,
		{1, "Nguyễn Văn An", "0912.345.678", "SONV", "Giám đốc", "head"},
		{2, "Trần Thị Bình", "0912345679", "SONV", "Phó Giám đốc", "head"},
		{3, "Phạm Dũng", "0987654321", "H1", "", ""},
	})
	if out := ie.mustImport("members", second); out != "1 added, 1 updated, 1 unchanged, 1 deactivated\n" {
		t.Errorf("second import: %q", out)
	}
	got := ie.rows(`SELECT m.phone || '|' || m.full_name || '|' || u.code || '|' || m.position || '|' || m.role || '|' || m.active
		FROM members m JOIN units u ON u.id = m.unit_id ORDER BY m.phone`)
	want := "0912345678|Nguyễn Văn An|SONV|Giám đốc|head|true\n" +
		"0912345679|Trần Thị Bình|SONV|Phó Giám đốc|head|true\n" +
		"0912345680|Lê Văn Cường|X1||organizer|false\n" +
		"0987654321|Phạm Dũng|H1||member|true"
	if got != want {
		t.Errorf("members:\n%s\nwant:\n%s", got, want)
	}
	// Cường comes back: active again.
	third := ie.file("members3.csv", "full_name,phone,unit_code,position,role\n"+
		"Nguyễn Văn An,0912345678,SONV,Giám đốc,head\n"+
		"Trần Thị Bình,0912345679,SONV,Phó Giám đốc,head\n"+
		"Lê Văn Cường,0912345680,X1,,organizer\n"+
		"Phạm Dũng,0987654321,H1,,\n")
	if out := ie.mustImport("members", third); out != "0 added, 1 updated, 3 unchanged, 0 deactivated\n" {
		t.Errorf("third import: %q", out)
	}
	if got := ie.rows(`SELECT active::text FROM members WHERE phone = '0912345680'`); got != "true" {
		t.Errorf("Cường active = %s", got)
	}
}

func TestImportMembersRejected(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("members.csv", "full_name,phone,unit_code\nNguyễn Văn An,0912345678,SONV\n"))
	path := ie.file("bad.csv", "full_name;phone;unit_code;position;role\n"+
		"Nguyễn Văn An;0912345678;SONV;;\n"+ // 2 fine
		"Trần Thị Bình;091234;SONV;;\n"+ // 3 invalid phone
		"Lê Văn Cường;+84 912 345 678;SONV;;\n"+ // 4 An's phone in another format
		"Phạm Dũng;0912345681;XYZ;;\n"+ // 5 unknown unit
		"Hoàng Em;0912345682;SONV;;trưởng phòng\n"+ // 6 unknown role
		";0912345683;SONV;;\n"+ // 7 no name
		"Vũ Giang;0912345684;;;\n") // 8 no unit
	ie.reject("members", path,
		":3: số điện thoại 091234 không hợp lệ",
		":4: trùng số điện thoại với dòng 2",
		":5: không có đơn vị mã XYZ",
		`:6: vai trò "trưởng phòng" không hợp lệ: để trống hoặc ghi member, head, organizer`,
		":7: thiếu họ tên (full_name)",
		":8: thiếu mã đơn vị (unit_code)",
	)
}

func TestImportMissingRequiredColumn(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	// Reported once, on the header line, not on every row.
	ie.reject("members", ie.file("members.csv", "full_name,so_dien_thoai,unit_code\nA,0912345678,SONV\nB,0912345679,SONV\n"),
		":1: thiếu cột bắt buộc phone (dòng tiêu đề cần: full_name, phone, unit_code)")
	ie.reject("questions", ie.file("questions.csv", "code,question,a\nQ1,Câu?,Đúng\n"),
		":1: thiếu cột bắt buộc b, answer (dòng tiêu đề cần: code, question, a, b, answer)")
	ie.reject("units", ie.file("u.csv", "name,parent_code\nA,T\n"),
		":1: thiếu cột bắt buộc code (dòng tiêu đề cần: code, name)")
}

const questionsCSV = "code,question,a,b,c,d,e,f,answer,explanation,topic\n" +
	"Q1,Nghị quyết 76/NQ-CP ban hành ngày nào?,15/7/2021,1/1/2021,,,,,a,Ngày 15/7/2021.,chương trình\n" +
	"Q2,\"Bộ phận Một cửa, theo Nghị định 61/2018/NĐ-CP, thuộc đâu?\",Văn phòng UBND,Sở Nội vụ,Sở Tư pháp,,,,C,,một cửa\n"

func TestImportQuestionsUpsert(t *testing.T) {
	ie := newImportEnv(t)
	if out := ie.mustImport("questions", ie.file("q.csv", questionsCSV)); out != "2 added, 0 updated, 0 unchanged\n" {
		t.Errorf("first import: %q", out)
	}
	// A second file: Q1 the same, Q3 new, Q2 absent (kept).
	second := ie.xlsx("q2.xlsx", [][]any{
		{"Code", "Question", "A", "B", "C", "D", "Answer", "Topic"},
		{"Q1", "Nghị quyết 76/NQ-CP ban hành ngày nào?", "15/7/2021", "1/1/2021", "", "", "A", "chương trình"},
		{"Q3", "SIPAS đo gì?", "Sự hài lòng", "Ngân sách", "Biên chế", "Tiền lương", "a", "chỉ số"},
	})
	// Q1 has no explanation column here, so its explanation is now empty.
	if out := ie.mustImport("questions", second); out != "1 added, 1 updated, 0 unchanged\n" {
		t.Errorf("second import: %q", out)
	}
	if out := ie.mustImport("questions", second); out != "0 added, 0 updated, 2 unchanged\n" {
		t.Errorf("third import: %q", out)
	}
	got := ie.rows(`SELECT code || '|' || text || '|' || array_to_string(options, '/') || '|' || correct || '|' || explanation || '|' || topic || '|' || active
		FROM questions ORDER BY code`)
	want := "Q1|Nghị quyết 76/NQ-CP ban hành ngày nào?|15/7/2021/1/1/2021|0||chương trình|true\n" +
		"Q2|Bộ phận Một cửa, theo Nghị định 61/2018/NĐ-CP, thuộc đâu?|Văn phòng UBND/Sở Nội vụ/Sở Tư pháp|2||một cửa|true\n" +
		"Q3|SIPAS đo gì?|Sự hài lòng/Ngân sách/Biên chế/Tiền lương|0||chỉ số|true"
	if got != want {
		t.Errorf("questions:\n%s\nwant:\n%s", got, want)
	}
}

func TestImportQuestionsRejected(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("questions", ie.file("q.csv", questionsCSV))
	path := ie.file("bad.csv", "code,question,a,b,c,d,e,f,answer,explanation,topic\n"+
		"Q1,Câu một?,Đúng,Sai,,,,,B,,\n"+ // 2 fine (would update Q1)
		"Q3,Câu ba?,A1,B1,,D1,,,A,,\n"+ // 3 gap: C empty, D filled
		"Q4,Câu bốn?,A1,,,,,,A,,\n"+ // 4 one option
		"Q5,Câu năm?,A1,B1,,,,,,,\n"+ // 5 no answer
		"Q6,Câu sáu?,A1,B1,,,,,D,,\n"+ // 6 answer names an empty option
		"Q7,,A1,B1,,,,,A,,\n"+ // 7 no question text
		"Q1,Câu một lần nữa?,A1,B1,,,,,A,,\n") // 8 duplicate code
	ie.reject("questions", path,
		":3: phương án C để trống nhưng phương án sau nó có nội dung",
		":4: cần ít nhất hai phương án trả lời (cột a và b)",
		":5: thiếu đáp án (answer)",
		":6: đáp án D chỉ vào phương án để trống",
		":7: thiếu nội dung câu hỏi (question)",
		":8: trùng mã câu hỏi Q1 với dòng 2",
	)
}

const answersRows = `SELECT a.position || '|' || q.code || '|' || a.option_order::text || '|' || coalesce(a.chosen::text, '') || '|' ||
	coalesce(a.is_correct::text, '') FROM answers a JOIN questions q ON q.id = a.question_id ORDER BY a.position`

const questionsRows = `SELECT code || '|' || text || '|' || array_to_string(options, '/') || '|' || correct || '|' || explanation || '|' || topic
	FROM questions ORDER BY code`

func TestImportQuestionsDrawnKeepShape(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("questions", ie.file("q.csv", questionsCSV))
	storagetest.DrawQuestions(t, ie.db(), "Q1", "Q2")
	answers := ie.rows(answersRows)
	if answers != "1|Q1|{1,0}|0|true\n2|Q2|{2,1,0}||" {
		t.Fatalf("seeded answers:\n%s", answers)
	}
	// Every reshaping of a drawn question is listed, with the other rows'
	// problems; a new question in the same file is not added either.
	path := ie.file("reshape.csv", "code,question,a,b,c,d,e,f,answer,explanation,topic\n"+
		"Q1,Nghị quyết 76/NQ-CP ban hành ngày nào?,15/7/2021,1/1/2021,1/7/2021,,,,a,Ngày 15/7/2021.,chương trình\n"+ // 2 a third option
		"Q2,\"Bộ phận Một cửa, theo Nghị định 61/2018/NĐ-CP, thuộc đâu?\",Văn phòng UBND,Sở Nội vụ,Sở Tư pháp,,,,B,,một cửa\n"+ // 3 another answer
		"Q3,SIPAS đo gì?,Sự hài lòng,Ngân sách,,,,,A,,chỉ số\n") // 4 fine: new
	ie.reject("questions", path,
		":2: câu hỏi Q1 đã được dùng trong bài thi: không được đổi số phương án hoặc đáp án đúng; hãy thêm câu hỏi mới với mã khác",
		":3: câu hỏi Q2 đã được dùng trong bài thi: không được đổi số phương án hoặc đáp án đúng; hãy thêm câu hỏi mới với mã khác",
	)
	// Fewer options is a reshaping too.
	ie.reject("questions", ie.file("fewer.csv", "code,question,a,b,c,answer\n"+
		"Q2,Bộ phận Một cửa thuộc đâu?,Văn phòng UBND,Sở Tư pháp,,B\n"),
		":2: câu hỏi Q2 đã được dùng trong bài thi: không được đổi số phương án hoặc đáp án đúng; hãy thêm câu hỏi mới với mã khác",
	)
	if got := ie.rows(answersRows); got != answers {
		t.Errorf("answers changed:\n%s", got)
	}
	want := "Q1|Nghị quyết 76/NQ-CP ban hành ngày nào?|15/7/2021/1/1/2021|0|Ngày 15/7/2021.|chương trình\n" +
		"Q2|Bộ phận Một cửa, theo Nghị định 61/2018/NĐ-CP, thuộc đâu?|Văn phòng UBND/Sở Nội vụ/Sở Tư pháp|2||một cửa"
	if got := ie.rows(questionsRows); got != want {
		t.Errorf("questions after rejected imports:\n%s\nwant:\n%s", got, want)
	}
}

func TestImportQuestionsDrawnTypoFix(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("questions", ie.file("q.csv", questionsCSV))
	storagetest.DrawQuestions(t, ie.db(), "Q1", "Q2")
	// A typo in the answered Q1's text; Q2 as it was.
	fixed := ie.file("typo.csv", "code,question,a,b,c,d,e,f,answer,explanation,topic\n"+
		"Q1,Nghị quyết 76/NQ-CP được ban hành ngày nào?,15/7/2021,1/1/2021,,,,,A,Ngày 15/7/2021.,chương trình\n"+
		"Q2,\"Bộ phận Một cửa, theo Nghị định 61/2018/NĐ-CP, thuộc đâu?\",Văn phòng UBND,Sở Nội vụ,Sở Tư pháp,,,,C,,một cửa\n")
	if out := ie.mustImport("questions", fixed); out != "0 added, 1 updated, 1 unchanged\n" {
		t.Errorf("typo in the text: %q", out)
	}
	// Option texts, explanation and topic of the drawn Q2, with the same
	// number of options and the same right one.
	fixed = ie.file("typo2.csv", "code,question,a,b,c,answer,explanation,topic\n"+
		"Q2,\"Bộ phận Một cửa, theo Nghị định 61/2018/NĐ-CP, thuộc đâu?\",Văn phòng UBND tỉnh,Sở Nội vụ,Trung tâm Phục vụ hành chính công,C,Điều 7 Nghị định 61/2018/NĐ-CP.,mot-cua\n")
	if out := ie.mustImport("questions", fixed); out != "0 added, 1 updated, 0 unchanged\n" {
		t.Errorf("typos in the options: %q", out)
	}
	want := "Q1|Nghị quyết 76/NQ-CP được ban hành ngày nào?|15/7/2021/1/1/2021|0|Ngày 15/7/2021.|chương trình\n" +
		"Q2|Bộ phận Một cửa, theo Nghị định 61/2018/NĐ-CP, thuộc đâu?|Văn phòng UBND tỉnh/Sở Nội vụ/Trung tâm Phục vụ hành chính công|2|Điều 7 Nghị định 61/2018/NĐ-CP.|mot-cua"
	if got := ie.rows(questionsRows); got != want {
		t.Errorf("questions:\n%s\nwant:\n%s", got, want)
	}
}

func TestImportFileErrors(t *testing.T) {
	ie := newImportEnv(t)
	// These files are refused before the database is opened; migrate it
	// so that the test can still see that nothing changed.
	if code, _, errOut := ie.run("migrate"); code != 0 {
		t.Fatalf("migrate: %s", errOut)
	}
	broken := ie.file("broken.xlsx", "PK not really a zip")
	for _, c := range []struct {
		path, problem string
	}{
		{ie.file("empty.csv", ""), ": tệp trống"},
		{ie.file("members.txt", "full_name,phone,unit_code\n"), ": chỉ nhận tệp .csv hoặc .xlsx"},
		{ie.file("latin1.csv", "full_name,phone,unit_code\nNguy\xean V\xe3n An,0912345678,SONV\n"),
			`:2: tệp không phải văn bản UTF-8: hãy lưu lại bằng "CSV UTF-8 (Comma delimited)" hoặc dùng .xlsx`},
		{broken, ": không đọc được tệp Excel (.xlsx): zip: not a valid zip file"},
		{ie.file("header-only.csv", "full_name,phone,unit_code\n"), ": tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào"},
	} {
		ie.reject("members", c.path, c.problem)
	}
}

// A file's own problems are listed even when the database is down: the
// operator can fix them meanwhile.
func TestImportListsFileProblemsWithTheDatabaseDown(t *testing.T) {
	ie := newImportEnv(t)
	ie.vars["DATABASE_URL"] = "postgres://postgres@127.0.0.1:1/quizbot?sslmode=disable&connect_timeout=2"
	for _, c := range []struct {
		kind, name, content, problem string
	}{
		{"members", "members.csv", "full_name,phone,unit_code\nNguyễn Văn An,091234,SONV\n", ":2: số điện thoại 091234 không hợp lệ"},
		{"units", "units.csv", "code,name,parent_code\nT,,\n", ":2: thiếu tên đơn vị (name)"},
	} {
		path := ie.file(c.name, c.content)
		code, out, errOut := ie.run("import", c.kind, path)
		lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
		if code != 1 || out != "" || len(lines) != 2 || lines[0] != path+c.problem ||
			!strings.HasPrefix(lines[1], "quizbot: import "+c.kind+": "+path+" bị từ chối (1 lỗi; chưa kiểm tra được phần cần cơ sở dữ liệu: connect to postgres: ") {
			t.Errorf("import %s with the database down: exit %d, stdout %q, stderr:\n%s", c.kind, code, out, errOut)
		}
	}
	// A sound file with the database down gets the database's error alone.
	path := ie.file("ok.csv", "code,name,parent_code\nT,UBND tỉnh,\n")
	code, _, errOut := ie.run("import", "units", path)
	if code != 1 || !strings.HasPrefix(errOut, "quizbot: import units: connect to postgres: ") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("sound file, database down: exit %d, stderr %q", code, errOut)
	}
}

func TestImportUsage(t *testing.T) {
	ie := newImportEnv(t)
	for _, args := range [][]string{
		{"import"},
		{"import", "units"},
		{"import", "staff", "x.csv"},
		{"import", "units", "a.csv", "b.csv"},
	} {
		code, _, errOut := ie.run(args...)
		if code != 2 || !strings.HasPrefix(errOut, "quizbot: usage: import") || !strings.Contains(errOut, "Usage:") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestMemberUnlinkCommand(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("members.csv", "full_name,phone,unit_code\n"+
		"Nguyễn Văn An,0912345678,SONV\nTrần Thị Bình,0912345679,SONV\n"))
	db := ie.db()
	if _, err := db.Exec(`INSERT INTO identities (member_id, platform, external_id, chat_id)
		SELECT id, p, p || phone, p || phone FROM members, unnest(ARRAY['zalo', 'telegram']) AS p`); err != nil {
		t.Fatal(err)
	}
	// The bots cache who is behind an account; unlink must clear it.
	ctx := context.Background()
	rdb, err := storage.OpenRedis(ctx, ie.vars["REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	cache := storage.NewSessions(rdb)
	an, err := db.MemberByPhone(ctx, "0912345678")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range [][2]string{{"telegram", "telegram0912345678"}, {"telegram", "telegram0912345679"}} {
		if err := cache.CacheMember(ctx, quiz.Platform(key[0]), key[1], an, time.Hour); err != nil {
			t.Fatal(err)
		}
	}

	code, out, errOut := ie.run("member", "unlink", "+84 912 345 678")
	if code != 0 || out != "đã gỡ liên kết telegram, zalo của Nguyễn Văn An (091****678, SONV)\n" {
		t.Errorf("unlink: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if !strings.Contains(errOut, "member unlinked") || strings.Contains(errOut, "0912345678") {
		t.Errorf("log must record the unlink with a masked phone: %q", errOut)
	}
	if got := ie.rows(`SELECT m.phone || '|' || i.platform FROM identities i JOIN members m ON m.id = i.member_id ORDER BY 1`); got != "0912345679|telegram\n0912345679|zalo" {
		t.Errorf("identities left:\n%s", got)
	}
	if acc, _ := cache.CachedAccount(ctx, quiz.PlatformTelegram, "telegram0912345678"); acc.MemberOK {
		t.Error("unlinked account still cached")
	}
	if acc, _ := cache.CachedAccount(ctx, quiz.PlatformTelegram, "telegram0912345679"); !acc.MemberOK {
		t.Error("another member's cache entry was cleared")
	}

	code, out, _ = ie.run("member", "unlink", "0912345678")
	if code != 0 || out != "Nguyễn Văn An (091****678, SONV) chưa liên kết tài khoản nào, không có gì để gỡ\n" {
		t.Errorf("second unlink: exit %d, stdout %q", code, out)
	}
	code, out, errOut = ie.run("member", "unlink", "0987654321")
	if code != 1 || out != "" || errOut != "quizbot: member unlink: không có cán bộ nào có số điện thoại 098****321 trong danh sách\n" {
		t.Errorf("unknown phone: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = ie.run("member", "unlink", "12ab")
	if code != 1 || errOut != "quizbot: member unlink: số điện thoại \"12ab\" không hợp lệ\n" {
		t.Errorf("invalid phone: exit %d, stderr %q", code, errOut)
	}
	for _, args := range [][]string{{"member"}, {"member", "unlink"}, {"member", "delete", "0912345678"}, {"member", "unlink", "1", "2"}} {
		if code, _, errOut := ie.run(args...); code != 2 || !strings.HasPrefix(errOut, "quizbot: usage: member") {
			t.Errorf("%q: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// TestImportMembersClearsTheBotsCache: a re-imported roster that changes
// anyone takes effect in the bots at once: the cache of who is behind each
// account is emptied (a member dropped from the roster must not keep taking
// the quiz for the cache's lifetime). An import that changes nothing keeps it.
func TestImportMembersClearsTheBotsCache(t *testing.T) {
	ie := newImportEnv(t)
	ctx := context.Background()
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("m1.csv", "full_name,phone,unit_code\nNguyễn Văn An,0912345678,SONV\nTrần Thị Bình,0912345679,SONV\n"))
	rdb, err := storage.OpenRedis(ctx, ie.vars["REDIS_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer rdb.Close()
	sessions := storage.NewSessions(rdb)
	cache := func() bool {
		acc, err := sessions.CachedAccount(ctx, quiz.PlatformTelegram, "555")
		if err != nil {
			t.Fatal(err)
		}
		return acc.MemberOK
	}
	if err := sessions.CacheMember(ctx, quiz.PlatformTelegram, "555", quiz.Member{ID: 2, FullName: "Trần Thị Bình", Active: true}, time.Hour); err != nil {
		t.Fatal(err)
	}
	ie.mustImport("members", ie.file("m2.csv", "full_name,phone,unit_code\nNguyễn Văn An,0912345678,SONV\nTrần Thị Bình,0912345679,SONV\n"))
	if !cache() {
		t.Fatal("an import that changed nothing emptied the cache")
	}
	if out := ie.mustImport("members", ie.file("m3.csv", "full_name,phone,unit_code\nNguyễn Văn An,0912345678,SONV\n")); !strings.Contains(out, "1 deactivated") {
		t.Fatalf("import: %q", out)
	}
	if cache() {
		t.Fatal("Bình was dropped from the roster but the bots still know her account")
	}
}

// A NUL byte, which PostgreSQL refuses in text, or another control
// character is reported at its line and column, before anything is
// written.
func TestImportControlCharactersRejected(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("members.csv", "full_name,phone,unit_code\nNguyễn Văn An,0912345678,SONV\n"))
	ie.reject("members", ie.file("nul.csv", "full_name,phone,unit_code,position\n"+
		"Nguyễn Văn An,0912345678,SONV,Giám\x00 đốc\n"+
		"Trần Thị Bình,0912345679,SONV,\x01Chuyên viên\n"),
		":2: cột position (ô D2): có ký tự điều khiển U+0000 (NUL) ở ký tự thứ 5: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
		":3: cột position (ô D3): có ký tự điều khiển U+0001 ở ký tự thứ 1: hãy xoá ký tự này (thường do chép từ phần mềm khác)")
	ie.reject("units", ie.file("nul-units.csv", "code,name,parent_code\nT,UBND tỉnh\x00,\n"),
		":2: cột name (ô B2): có ký tự điều khiển U+0000 (NUL) ở ký tự thứ 10: hãy xoá ký tự này (thường do chép từ phần mềm khác)")
	ie.reject("questions", ie.file("nul-q.csv", questionsCSV+"Q3,Câu ba?,Có,Không\x00,,,,,A,,\n"),
		":4: cột b (ô D4): có ký tự điều khiển U+0000 (NUL) ở ký tự thứ 6: hãy xoá ký tự này (thường do chép từ phần mềm khác)")
}

// encodeUTF16LE is text as Excel's "Unicode Text" saves it, without its BOM.
func encodeUTF16LE(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, u)
	}
	return string(b)
}

// A roster saved as "Unicode Text" (UTF-16, tab-separated), even without
// its BOM, imports as the same text.
func TestImportUTF16Roster(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	path := ie.file("members.csv", encodeUTF16LE("full_name\tphone\tunit_code\tposition\r\n"+
		"Nguyễn Văn An\t0912345678\tSONV\tGiám đốc Sở Nội vụ\r\n"+
		"Đặng Quang Huy\t0912345679\tX1\t\r\n"))
	if out := ie.mustImport("members", path); out != "2 added, 0 updated, 0 unchanged, 0 deactivated\n" {
		t.Errorf("import: %q", out)
	}
	got := ie.rows(`SELECT full_name || '|' || phone || '|' || position FROM members ORDER BY phone`)
	if want := "Nguyễn Văn An|0912345678|Giám đốc Sở Nội vụ\nĐặng Quang Huy|0912345679|"; got != want {
		t.Errorf("members:\n%s\nwant:\n%s", got, want)
	}
}

// An organizer's sheet with its title above the table imports, and says
// which rows it skipped; a roster on the second sheet is pointed to, and
// nothing changes.
func TestImportHeaderUnderTitleOrOnAnotherSheet(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	titled := ie.xlsx("members.xlsx", [][]any{
		{"UBND TỈNH HÒA BÌNH XANH", nil, nil, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"},
		{"DANH SÁCH CÁN BỘ, CÔNG CHỨC DỰ THI"},
		{},
		{"STT", "Họ và tên", "full_name", "phone", "unit_code"},
		{1, "", "Nguyễn Văn An", "0912345678", "SONV"},
	})
	if out := ie.mustImport("members", titled); out != titled+": dòng tiêu đề là dòng 4; 2 dòng phía trên (tên bảng) không được nhập\n"+
		"1 added, 0 updated, 0 unchanged, 0 deactivated\n" {
		t.Errorf("titled sheet: %q", out)
	}

	f := excelize.NewFile()
	defer f.Close()
	f.SetCellValue("Sheet1", "A1", "Hướng dẫn: điền danh sách ở trang DanhSach")
	f.NewSheet("DanhSach")
	f.SetSheetRow("DanhSach", "A1", &[]any{"full_name", "phone", "unit_code"})
	f.SetSheetRow("DanhSach", "A2", &[]any{"Trần Thị Bình", "0912345679", "SONV"})
	second := filepath.Join(ie.dir, "second.xlsx")
	if err := f.SaveAs(second); err != nil {
		t.Fatal(err)
	}
	ie.reject("members", second, `:1: thiếu cột bắt buộc full_name, phone, unit_code (dòng tiêu đề cần: full_name, phone, unit_code); `+
		`bảng có vẻ nằm ở trang tính "DanhSach" (dòng tiêu đề ở dòng 1) nhưng chỉ trang tính đầu tiên được đọc: hãy kéo trang tính đó lên đầu`)
}

// A small workbook that would decompress past the limit is refused before
// it is decompressed, and a file with thousands of bad rows lists the first
// hundred and counts the rest.
func TestImportBoundsLargeFiles(t *testing.T) {
	ie := newImportEnv(t)
	ie.mustImport("units", ie.file("units.csv", unitsCSV))
	ie.mustImport("members", ie.file("members.csv", "full_name,phone,unit_code\nNguyễn Văn An,0912345678,SONV\n"))

	var zb bytes.Buffer
	z := zip.NewWriter(&zb)
	w, _ := z.Create("xl/worksheets/sheet1.xml")
	row := strings.Repeat(`<row><c t="inlineStr"><is><t>Nguyễn Văn An</t></is></c></row>`, 1000)
	for n := 0; n <= 130<<20; n += len(row) {
		io.WriteString(w, row)
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if zb.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", zb.Len())
	}
	ie.reject("members", ie.file("bomb.xlsx", zb.String()),
		": tệp Excel giải nén ra hơn 128 MB: một danh sách hay ngân hàng câu hỏi không lớn như vậy (tối đa 200.000 dòng); hãy kiểm tra lại tệp")

	var b strings.Builder
	b.WriteString("full_name,phone,unit_code\n")
	for range 12_445 {
		b.WriteString("Trần Thị Bình,091234,SONV\n")
	}
	path := ie.file("many.csv", b.String())
	before := ie.state()
	code, out, errOut := ie.run("import", "members", path)
	lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	if code != 1 || out != "" || len(lines) != 102 ||
		lines[0] != path+":2: số điện thoại 091234 không hợp lệ" ||
		lines[99] != path+":101: số điện thoại 091234 không hợp lệ" ||
		lines[100] != path+": … và 12.345 lỗi khác" ||
		lines[101] != "quizbot: import members: "+path+" bị từ chối (12.445 lỗi), cơ sở dữ liệu không thay đổi" {
		t.Errorf("exit %d, stdout %q, %d lines on stderr, the last two: %q", code, out, len(lines), lines[max(0, len(lines)-2):])
	}
	if after := ie.state(); after != before {
		t.Errorf("rejected import changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}
