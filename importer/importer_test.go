package importer_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"quizbot/importer"
	"quizbot/quiz"
)

func readCSV(t *testing.T, data string) *importer.Table {
	t.Helper()
	tab, err := importer.ReadCSV("f.csv", []byte(data))
	if err != nil {
		t.Fatalf("ReadCSV: %v", err)
	}
	return tab
}

// lines renders problems as the command prints them.
func lines(file string, ps []importer.Problem) []string {
	if len(ps) == 0 {
		return nil
	}
	return (&importer.Error{File: file, Problems: ps}).Lines()
}

func wantLines(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n got  %q\n want %q", got, want)
	}
}

func TestImportReadCSVBOMSemicolonAndLines(t *testing.T) {
	// BOM, semicolons (Excel in a Vietnamese locale), headers in another
	// order and case, a quoted field over two lines, a blank ";;" line, and
	// text typed decomposed (NFD) with surrounding spaces.
	nfd := "Nguye\u0302\u0303n Va\u0306n A" // "Nguyễn Văn A" decomposed
	data := "\ufeff Unit_Code ;PHONE;Full_Name\n" +
		"SONV;0912 345 678; " + nfd + " \n" +
		";;\n" +
		"SONV;\"0912.345.679\";\"Trần\nThị B\"\n" +
		"UBND;+84912345680;Lê Văn C\n"
	tab := readCSV(t, data)
	if !slices.Equal(tab.Columns, []string{"unit_code", "phone", "full_name"}) || tab.HeaderLine != 1 {
		t.Fatalf("header %q at %d", tab.Columns, tab.HeaderLine)
	}
	rows, problems := importer.ParseMembers(tab)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []importer.MemberRow{
		{Line: 2, FullName: "Nguyễn Văn A", Phone: "0912345678", RawPhone: "0912 345 678", UnitCode: "SONV", Role: quiz.RoleMember},
		{Line: 4, FullName: "Trần\nThị B", Phone: "0912345679", RawPhone: "0912.345.679", UnitCode: "SONV", Role: quiz.RoleMember},
		{Line: 6, FullName: "Lê Văn C", Phone: "0912345680", RawPhone: "+84912345680", UnitCode: "UBND", Role: quiz.RoleMember},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("rows:\n got  %+v\n want %+v", rows, want)
	}
	if rows[0].FullName != "Nguy\u1ec5n V\u0103n A" {
		t.Errorf("name not NFC: %q", rows[0].FullName)
	}
}

func TestImportReadCSVCommaAndExtraCells(t *testing.T) {
	// A name with an unquoted comma shifts the row: reported, not guessed.
	tab := readCSV(t, "code,name,parent_code\nT,Tỉnh X,\nSONV,Sở Nội vụ, tỉnh X,T\n")
	_, problems := importer.ParseUnits(tab)
	wantLines(t, lines("f.csv", problems), []string{
		"f.csv:3: dòng có nhiều ô hơn dòng tiêu đề: kiểm tra dấu phân cách hoặc bao ô có dấu phẩy trong ngoặc kép",
	})
}

func TestImportReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		path string
		want string
	}{
		{write("empty.csv", ""), "empty.csv: tệp trống"},
		{write("blank.csv", "\ufeff \n\n"), "blank.csv: tệp trống"},
		{write("units.txt", "code,name\n"), "units.txt: chỉ nhận tệp .csv hoặc .xlsx"},
		{write("old.xls", "x"), "old.xls: không nhận tệp .xls (Excel 97–2003): hãy mở bằng Excel và lưu lại dưới dạng .xlsx hoặc CSV UTF-8"},
		{write("latin.csv", "code,name\nA,Sở\nB,S\xf4\n"), `latin.csv:3: tệp không phải văn bản UTF-8: hãy lưu lại bằng "CSV UTF-8 (Comma delimited)" hoặc dùng .xlsx`},
		{write("quote.csv", "code,name\nA,\"Sở\n"), `quote.csv:2: thiếu dấu ngoặc kép (") đóng ô`},
		{write("empty.xlsx", ""), "empty.xlsx: tệp trống"},
		{write("broken.xlsx", "this is not a zip"), "broken.xlsx: không đọc được tệp Excel (.xlsx): zip: not a valid zip file"},
		{filepath.Join(dir, "missing.csv"), "missing.csv: không đọc được tệp: no such file or directory"},
	}
	// Too large to be a roster: refused without reading it whole.
	for _, name := range []string{"huge.csv", "huge.xlsx"} {
		if err := os.Truncate(write(name, "code,name\n"), importer.MaxFileSize+1); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			path string
			want string
		}{filepath.Join(dir, name), name + ": tệp lớn hơn 64 MB: đây không phải danh sách hay ngân hàng câu hỏi; hãy kiểm tra lại tệp"})
	}
	for _, c := range cases {
		_, err := importer.ReadFile(c.path)
		var ie *importer.Error
		if !errors.As(err, &ie) {
			t.Errorf("%s: err %v, want *importer.Error", c.path, err)
			continue
		}
		got := strings.TrimPrefix(strings.Join(ie.Lines(), "\n"), dir+"/")
		if got != c.want {
			t.Errorf("%s:\n got  %q\n want %q", filepath.Base(c.path), got, c.want)
		}
	}
}

func TestImportReadXLSX(t *testing.T) {
	path := filepath.Join(t.TempDir(), "members.xlsx")
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	set := func(cell string, v any) {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	set("A1", "STT") // ignored column
	set("B1", "Full_Name")
	set("C1", "phone")
	set("D1", "unit_code")
	set("E1", "Role")
	set("A2", 1)
	set("B2", "Nguyễn Văn A")
	set("C2", 912345678) // Excel dropped the leading 0 of a number cell
	set("D2", "SONV")
	set("E2", "Head")
	// Row 3 blank: skipped, but row numbers stay Excel's.
	set("A4", 2)
	set("B4", "  Trần Thị B ")
	set("C4", "0912 345 679")
	set("D4", "SONV")
	// A second sheet is not read.
	f.NewSheet("Ghi chú")
	f.SetCellValue("Ghi chú", "A1", "not a header")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	tab, err := importer.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := importer.ParseMembers(tab)
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	want := []importer.MemberRow{
		{Line: 2, FullName: "Nguyễn Văn A", Phone: "0912345678", RawPhone: "912345678", UnitCode: "SONV", Role: quiz.RoleHead},
		{Line: 4, FullName: "Trần Thị B", Phone: "0912345679", RawPhone: "0912 345 679", UnitCode: "SONV", Role: quiz.RoleMember},
	}
	if !slices.Equal(rows, want) {
		t.Errorf("rows:\n got  %+v\n want %+v", rows, want)
	}
}

func TestImportParseUnits(t *testing.T) {
	tab := readCSV(t, "code,name,parent_code\n"+
		"T,Tỉnh X,\n"+
		",Sở thiếu mã,T\n"+
		"SONV,,T\n"+
		"T,Tỉnh Y,\n")
	_, problems := importer.ParseUnits(tab)
	wantLines(t, lines("u.csv", problems), []string{
		"u.csv:3: thiếu mã đơn vị (code)",
		"u.csv:4: thiếu tên đơn vị (name)",
		"u.csv:5: trùng mã đơn vị T với dòng 2",
	})

	// parent_code is optional: a flat list of units.
	rows, problems := importer.ParseUnits(readCSV(t, "name,code\nTỉnh X,T\n"))
	if len(problems) > 0 || len(rows) != 1 || rows[0].Code != "T" || rows[0].ParentCode != "" {
		t.Errorf("flat units: %+v %v", rows, problems)
	}

	_, problems = importer.ParseUnits(readCSV(t, "ma,name,parent_code\nT,Tỉnh X,\n"))
	wantLines(t, lines("u.csv", problems), []string{"u.csv:1: thiếu cột bắt buộc code (dòng tiêu đề cần: code, name)"})

	_, problems = importer.ParseUnits(readCSV(t, "code,name,Code\nT,Tỉnh X,T\n"))
	wantLines(t, lines("u.csv", problems), []string{"u.csv:1: cột code có hai lần"})

	_, problems = importer.ParseUnits(readCSV(t, "code,name\n"))
	wantLines(t, lines("u.csv", problems), []string{"u.csv: tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào"})
}

func TestImportCheckUnitTree(t *testing.T) {
	stored := map[string]quiz.Unit{
		"T":    {Code: "T"},
		"SONV": {Code: "SONV", ParentCode: "T"},
		"H1":   {Code: "H1", ParentCode: "T"},
		"X1":   {Code: "X1", ParentCode: "H1"},
	}
	cases := []struct {
		name string
		csv  string
		want []string
	}{
		{"parents in file and in db", "code,name,parent_code\nH2,Huyện 2,T\nX2,Xã 2,H2\nX3,Xã 3,X1\n", nil},
		{"unknown parent", "code,name,parent_code\nH2,Huyện 2,T\nX2,Xã 2,H9\n", []string{"u.csv:3: không có đơn vị cha mã H9"}},
		{"self", "code,name,parent_code\nA,A,A\n", []string{"u.csv:2: vòng lặp đơn vị cha: A → A"}},
		{"cycle in file", "code,name,parent_code\nA,A,B\nB,B,C\nC,C,A\nD,D,A\n", []string{
			"u.csv:2: vòng lặp đơn vị cha: A → B → C → A",
			"u.csv:3: vòng lặp đơn vị cha: B → C → A → B",
			"u.csv:4: vòng lặp đơn vị cha: C → A → B → C",
		}},
		// Moving H1 under its own commune X1, which the database holds.
		{"cycle through db", "code,name,parent_code\nH1,Huyện 1,X1\n", []string{"u.csv:2: vòng lặp đơn vị cha: H1 → X1 → H1"}},
		// Re-parenting the root under a stored grandchild.
		{"root under descendant", "code,name,parent_code\nT,Tỉnh,X1\n", []string{"u.csv:2: vòng lặp đơn vị cha: T → X1 → H1 → T"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, problems := importer.ParseUnits(readCSV(t, c.csv))
			if len(problems) > 0 {
				t.Fatalf("parse: %v", problems)
			}
			wantLines(t, lines("u.csv", importer.CheckUnitTree(rows, stored)), c.want)
		})
	}
}

func TestImportParseMembers(t *testing.T) {
	tab := readCSV(t, "full_name,phone,unit_code,position,role\n"+
		"Nguyễn Văn A,0912345678,SONV,Chuyên viên,\n"+ // 2
		"Trần Thị B,091234,SONV,,\n"+ // 3 invalid phone
		"Lê Văn C,+84 912 345 678,SONV,,\n"+ // 4 same phone as line 2
		",0912345680,SONV,,\n"+ // 5 empty name
		"Phạm D,0912345681,,,Trưởng phòng\n"+ // 6 no unit, unknown role
		"Hoàng E,0912345682,SONV,Giám đốc,HEAD\n"+ // 7 fine: roles ignore case
		"Vũ F,,SONV,,\n"+ // 8 no phone
		"Đỗ G,0912345683,XYZ,,organizer\n") // 9 unit checked against the db
	rows, problems := importer.ParseMembers(tab)
	problems = append(problems, importer.CheckMemberUnits(rows, map[string]quiz.Unit{"SONV": {Code: "SONV"}})...)
	wantLines(t, lines("m.csv", problems), []string{
		"m.csv:3: số điện thoại 091234 không hợp lệ",
		"m.csv:4: trùng số điện thoại với dòng 2",
		"m.csv:5: thiếu họ tên (full_name)",
		"m.csv:6: thiếu mã đơn vị (unit_code)",
		`m.csv:6: vai trò "Trưởng phòng" không hợp lệ: để trống hoặc ghi member, head, organizer`,
		"m.csv:8: thiếu số điện thoại (phone)",
		"m.csv:9: không có đơn vị mã XYZ",
	})
	if rows[5].Role != quiz.RoleHead || rows[5].Position != "Giám đốc" || rows[7].Role != quiz.RoleOrganizer {
		t.Errorf("roles: %+v %+v", rows[5], rows[7])
	}

	_, problems = importer.ParseMembers(readCSV(t, "full_name;unit_code\nA;SONV\n"))
	wantLines(t, lines("m.csv", problems), []string{"m.csv:1: thiếu cột bắt buộc phone (dòng tiêu đề cần: full_name, phone, unit_code)"})
}

func TestImportParseQuestions(t *testing.T) {
	tab := readCSV(t, "code,question,a,b,c,d,e,f,answer,explanation,topic\n"+
		"Q1,Câu một?,Đúng,Sai,,,,,a,Vì vậy.,CCHC\n"+ // 2 fine, answer lower case
		"Q2,Câu hai?,A1,B1,C1,D1,E1,F1,F,,\n"+ // 3 fine, six options
		"Q3,Câu ba?,A1,B1,,D1,,,B,,\n"+ // 4 gap at C
		"Q4,Câu bốn?,A1,,,,,,A,,\n"+ // 5 one option
		"Q5,Câu năm?,A1,B1,,,,,,,\n"+ // 6 no answer
		"Q6,Câu sáu?,A1,B1,,,,,C,,\n"+ // 7 answer names an empty option
		"Q7,Câu bảy?,A1,B1,,,,,G,,\n"+ // 8 not a letter A–F
		"Q1,,A1,B1,,,,,A,,\n"+ // 9 duplicate code, no text
		",Câu chín?,A1,A1,,,,,A,,\n") // 10 no code, same option twice
	rows, problems := importer.ParseQuestions(tab)
	wantLines(t, lines("q.csv", problems), []string{
		"q.csv:4: phương án C để trống nhưng phương án sau nó có nội dung",
		"q.csv:5: cần ít nhất hai phương án trả lời (cột a và b)",
		"q.csv:6: thiếu đáp án (answer)",
		"q.csv:7: đáp án C chỉ vào phương án để trống",
		`q.csv:8: đáp án "G" không hợp lệ: ghi một chữ cái từ A đến F`,
		"q.csv:9: trùng mã câu hỏi Q1 với dòng 2",
		"q.csv:9: thiếu nội dung câu hỏi (question)",
		"q.csv:10: thiếu mã câu hỏi (code)",
		"q.csv:10: phương án B trùng với phương án A",
	})
	q1 := rows[0].Question
	if q1.Code != "Q1" || q1.Text != "Câu một?" || !slices.Equal(q1.Options, []string{"Đúng", "Sai"}) ||
		q1.Correct != 0 || q1.Explanation != "Vì vậy." || q1.Topic != "CCHC" {
		t.Errorf("Q1: %+v", q1)
	}
	if q2 := rows[1].Question; len(q2.Options) != 6 || q2.Correct != 5 {
		t.Errorf("Q2: %+v", q2)
	}

	// Columns c–f, explanation and topic are optional.
	rows, problems = importer.ParseQuestions(readCSV(t, "answer,b,a,question,code\nB,Sai,Đúng,Câu?,Q1\n"))
	if len(problems) > 0 || !slices.Equal(rows[0].Question.Options, []string{"Đúng", "Sai"}) || rows[0].Question.Correct != 1 {
		t.Errorf("minimal bank: %+v %v", rows, problems)
	}
	_, problems = importer.ParseQuestions(readCSV(t, "code,question,a,b\nQ1,Câu?,Đúng,Sai\n"))
	wantLines(t, lines("q.csv", problems), []string{"q.csv:1: thiếu cột bắt buộc answer (dòng tiêu đề cần: code, question, a, b, answer)"})
}

func TestImportCheckUsedQuestions(t *testing.T) {
	used := map[string]quiz.Question{
		"Q1": {Code: "Q1", Options: []string{"Đúng", "Sai", "Không rõ"}, Correct: 0},
		"Q2": {Code: "Q2", Options: []string{"Sai", "Đúng"}, Correct: 1},
		"Q9": {Code: "Q9", Options: []string{"A", "B"}, Correct: 0}, // not in the file
	}
	rows, problems := importer.ParseQuestions(readCSV(t, "code,question,a,b,c,answer\n"+
		"Q1,Câu một (sửa chính tả)?,Đúng ạ,Sai ạ,Không rõ ạ,A\n"+ // 2 fine: texts only
		"Q2,Câu hai?,Sai,Đúng,Chưa chắc,B\n"+ // 3 a third option
		"Q3,Câu ba?,Đúng,Sai,,B\n")) // 4 fine: never drawn
	if len(problems) > 0 {
		t.Fatalf("parse: %v", problems)
	}
	const reason = " đã được dùng trong bài thi: không được đổi số phương án hoặc đáp án đúng; hãy thêm câu hỏi mới với mã khác"
	wantLines(t, lines("q.csv", importer.CheckUsedQuestions(rows, used)), []string{"q.csv:3: câu hỏi Q2" + reason})

	rows, _ = importer.ParseQuestions(readCSV(t, "code,question,a,b,c,answer\nQ1,Câu một?,Đúng,Sai,Không rõ,C\nQ2,Câu hai?,Sai,Đúng,,A\n"))
	wantLines(t, lines("q.csv", importer.CheckUsedQuestions(rows, used)), []string{"q.csv:2: câu hỏi Q1" + reason, "q.csv:3: câu hỏi Q2" + reason})
}
