package importer_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"quizbot/importer"
	"quizbot/outbound"
	"quizbot/quiz"
)

// fileError reads path and returns the operator's lines of the *Error it
// must be refused with.
func fileError(t *testing.T, path string) []string {
	t.Helper()
	_, err := importer.ReadFile(path)
	var ie *importer.Error
	if !errors.As(err, &ie) {
		t.Fatalf("%s: err %v, want *importer.Error", filepath.Base(path), err)
	}
	return ie.Lines()
}

// rawXLSX writes the smallest workbook Excel and excelize open, its sheets
// in order, each sheet's rows written by a function: a test can stream a
// sheet far larger than the file.
func rawXLSX(t *testing.T, path string, sheets []string, rows ...func(w io.Writer)) {
	t.Helper()
	writeXLSX(t, path, sheets, rows, nil)
}

// writeXLSX is rawXLSX with a shared strings part written by shared, when
// it is not nil.
func writeXLSX(t *testing.T, path string, sheets []string, rows []func(w io.Writer), shared func(w io.Writer)) {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	add := func(name string, write func(w io.Writer)) {
		w, err := z.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		write(w)
	}
	text := func(s string) func(w io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	const rels = `http://schemas.openxmlformats.org/package/2006/relationships`
	const relType = `http://schemas.openxmlformats.org/officeDocument/2006/relationships/`
	var types, list, links strings.Builder
	for i, name := range sheets {
		fmt.Fprintf(&types, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		fmt.Fprintf(&list, `<sheet name="%s" sheetId="%d" r:id="rId%d"/>`, name, i+1, i+1)
		fmt.Fprintf(&links, `<Relationship Id="rId%d" Type="`+relType+`worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
	}
	if shared != nil {
		types.WriteString(`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>`)
		links.WriteString(`<Relationship Id="rIdS" Type="` + relType + `sharedStrings" Target="sharedStrings.xml"/>`)
		add("xl/sharedStrings.xml", shared)
	}
	add("[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`+
		`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>`+
		`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`+types.String()+`</Types>`))
	add("_rels/.rels", text(`<Relationships xmlns="`+rels+`"><Relationship Id="rId1" Type="`+relType+`officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	add("xl/workbook.xml", text(`<workbook `+ns+`><sheets>`+list.String()+`</sheets></workbook>`))
	add("xl/_rels/workbook.xml.rels", text(`<Relationships xmlns="`+rels+`">`+links.String()+`</Relationships>`))
	for i, write := range rows {
		add(fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), func(w io.Writer) {
			io.WriteString(w, `<worksheet `+ns+`><sheetData>`)
			write(w)
			io.WriteString(w, `</sheetData></worksheet>`)
		})
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// xmlRow is a sheet row of inline strings.
func xmlRow(cells ...string) string {
	var b strings.Builder
	b.WriteString("<row>")
	for _, c := range cells {
		b.WriteString(`<c t="inlineStr"><is><t>` + c + `</t></is></c>`)
	}
	b.WriteString("</row>")
	return b.String()
}

// A workbook that decompresses past the limits is refused from its zip
// directory: nothing of it is decompressed into memory.
func TestImportXLSXDecompressionBombs(t *testing.T) {
	dir := t.TempDir()
	header := func(w io.Writer) { io.WriteString(w, xmlRow("full_name", "phone", "unit_code")) }
	// A sheet of rows past MaxUnzipSize, and a sheet that is no larger than
	// a roster's but shared strings past MaxSharedSize (excelize parses
	// those whole: 120 MB of them took 860 MB and 54 s).
	rows := filepath.Join(dir, "rows.xlsx")
	writeXLSX(t, rows, []string{"Sheet1"}, []func(io.Writer){func(w io.Writer) {
		header(w)
		chunk := strings.Repeat(xmlRow("Nguyễn Văn An", "0912345678", "SNV"), 1000)
		for n := 0; n <= importer.MaxUnzipSize; n += len(chunk) {
			io.WriteString(w, chunk)
		}
	}}, nil)
	shared := filepath.Join(dir, "shared.xlsx")
	writeXLSX(t, shared, []string{"Sheet1"}, []func(io.Writer){header}, func(w io.Writer) {
		io.WriteString(w, `<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		chunk := strings.Repeat("<si><t>a</t></si>", 1000)
		for n := 0; n <= importer.MaxSharedSize; n += len(chunk) {
			io.WriteString(w, chunk)
		}
		io.WriteString(w, `</sst>`)
	})
	for path, want := range map[string]string{
		rows:   ": tệp Excel giải nén ra hơn 128 MB: một danh sách hay ngân hàng câu hỏi không lớn như vậy (tối đa 200.000 dòng); hãy kiểm tra lại tệp",
		shared: ": phần chữ dùng chung của tệp Excel (ngoài các trang tính) giải nén ra hơn 32 MB: một danh sách hay ngân hàng câu hỏi không lớn như vậy; hãy kiểm tra lại tệp",
	} {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if st.Size() > 1<<20 {
			t.Fatalf("%s is %d bytes: not small", path, st.Size())
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		got := fileError(t, path)
		runtime.ReadMemStats(&after)
		wantLines(t, got, []string{path + want})
		// The whole of what was allocated meanwhile, freed or not: a part
		// decompressed into memory would show here.
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
			t.Errorf("%s: refusing it allocated %d MB", filepath.Base(path), alloc>>20)
		}
	}
}

// A sheet of more rows than a roster has is refused once the limit is
// passed, read as a stream: the 1 MB workbook of a million rows.
func TestImportXLSXTooManyRows(t *testing.T) {
	path := filepath.Join(t.TempDir(), "members.xlsx")
	rawXLSX(t, path, []string{"Sheet1"}, func(w io.Writer) {
		io.WriteString(w, xmlRow("full_name", "phone", "unit_code"))
		row := `<row><c><v>1</v></c></row>`
		for range 1_000_000 {
			io.WriteString(w, row)
		}
	})
	wantLines(t, fileError(t, path), []string{path + ": tệp có hơn 200.000 dòng: một danh sách hay ngân hàng câu hỏi không dài như vậy; hãy kiểm tra lại tệp"})
}

func TestImportCSVTooManyRows(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("full_name,phone,unit_code\n")
	for range importer.MaxRows - 1 {
		b.WriteString("A,091234,SNV\n")
	}
	// Exactly the limit: read (and then refused for its phones, 100 listed).
	at := filepath.Join(dir, "at.csv")
	os.WriteFile(at, []byte(b.String()), 0o644)
	tab, err := importer.ReadFile(at)
	if err != nil {
		t.Fatal(err)
	}
	_, problems := importer.ParseMembers(tab)
	got := lines("at.csv", problems)
	if len(got) != 101 || got[0] != "at.csv:2: số điện thoại 091234 không hợp lệ" || got[100] != "at.csv: … và 199.899 lỗi khác" {
		t.Errorf("%d lines: %q … %q", len(got), got[0], got[len(got)-1])
	}
	// One line more: refused as a whole.
	b.WriteString("B,091234,SNV\n")
	over := filepath.Join(dir, "over.csv")
	os.WriteFile(over, []byte(b.String()), 0o644)
	wantLines(t, fileError(t, over), []string{over + ": tệp có hơn 200.000 dòng: một danh sách hay ngân hàng câu hỏi không dài như vậy; hãy kiểm tra lại tệp"})
}

func TestImportErrorListsTheFirstHundred(t *testing.T) {
	var ps []importer.Problem
	for i := range 12_445 {
		ps = append(ps, importer.Problem{Line: 12_446 - i, Reason: "sai"})
	}
	e := &importer.Error{File: "m.csv", Problems: ps}
	got := e.Lines()
	if len(got) != 101 || got[0] != "m.csv:2: sai" || got[99] != "m.csv:101: sai" || got[100] != "m.csv: … và 12.345 lỗi khác" {
		t.Errorf("%d lines: %q, %q, %q", len(got), got[0], got[99], got[100])
	}
	if e.Error() != "m.csv: 12.445 lỗi, dòng đầu tiên: m.csv:2: sai" {
		t.Errorf("Error() = %q", e.Error())
	}
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1.000", 200_000: "200.000", 1_234_567: "1.234.567"} {
		if got := outbound.GroupDigits(int64(n)); got != want {
			t.Errorf("GroupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

// PostgreSQL refuses NUL in text, and other control characters are debris:
// each is reported at its row and column, in the columns the import keeps.
func TestImportControlCharacters(t *testing.T) {
	tab := readCSV(t, "full_name,phone,unit_code,position,ghi_chu\n"+
		"Nguyễn\x00 Văn An,0912345678,SONV,,\n"+ // 2 NUL in a name
		"Trần Thị Bình,0912345679,SONV,Chuyên\x1bviên,\n"+ // 3 ESC in the position
		"Lê Văn Cường,0912345680,SO\x7fNV,,\n"+ // 4 DEL in the unit code
		"Phạm Dung,0912345681,SONV,\"Giám đốc\tSở\",ghi\x00chú\n") // 5 a tab is fine, and a note is not imported
	_, problems := importer.ParseMembers(tab)
	wantLines(t, lines("m.csv", problems), []string{
		"m.csv:2: cột full_name (ô A2): có ký tự điều khiển U+0000 (NUL) ở ký tự thứ 7: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
		"m.csv:3: cột position (ô D3): có ký tự điều khiển U+001B ở ký tự thứ 7: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
		"m.csv:4: cột unit_code (ô C4): có ký tự điều khiển U+007F ở ký tự thứ 3: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
	})

	tab = readCSV(t, "code,question,a,b,answer\nQ1,Câu\x00 hỏi?,Có,Không,A\n")
	_, problems = importer.ParseQuestions(tab)
	wantLines(t, lines("q.csv", problems), []string{
		"q.csv:2: cột question (ô B2): có ký tự điều khiển U+0000 (NUL) ở ký tự thứ 4: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
	})
	tab = readCSV(t, "code,name\nT,\x00Tỉnh\n")
	_, problems = importer.ParseUnits(tab)
	wantLines(t, lines("u.csv", problems), []string{
		"u.csv:2: cột name (ô B2): có ký tự điều khiển U+0000 (NUL) ở ký tự thứ 1: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
	})

	// Excel writes a control character in a cell as _x0000_.
	path := filepath.Join(t.TempDir(), "units.xlsx")
	rawXLSX(t, path, []string{"Sheet1"}, func(w io.Writer) {
		io.WriteString(w, xmlRow("code", "name")+xmlRow("T", "Tỉnh_x0000_ X"))
	})
	tab, err := importer.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, problems = importer.ParseUnits(tab)
	wantLines(t, lines("units.xlsx", problems), []string{
		"units.xlsx:2: cột name (ô B2): có ký tự điều khiển U+0000 (NUL) ở ký tự thứ 5: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
	})
}

func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, u)
	}
	return b
}

// UTF-16, as Excel's "Unicode Text" saves it (tab-separated, with a BOM)
// or without a BOM, in either byte order, reads as the same UTF-8 text.
func TestImportCSVUTF16(t *testing.T) {
	want := []importer.MemberRow{
		{Line: 2, FullName: "Nguyễn Văn An", Phone: "0912345678", RawPhone: "0912345678", UnitCode: "SONV", Position: "Chuyên viên", Role: quiz.RoleMember},
		{Line: 3, FullName: "Đặng Quang Huy", Phone: "0365540484", RawPhone: "84365540484", UnitCode: "SONV", Role: quiz.RoleHead},
	}
	for _, sep := range []string{",", ";", "\t"} {
		text := strings.ReplaceAll("full_name,phone,unit_code,position,role\r\n"+
			"Nguyễn Văn An,0912345678,SONV,Chuyên viên,\r\n"+
			"Đặng Quang Huy,84365540484,SONV,,head\r\n", ",", sep)
		for _, order := range []binary.AppendByteOrder{binary.LittleEndian, binary.BigEndian} {
			for _, bom := range []bool{true, false} {
				name := fmt.Sprintf("sep %q %v bom %v", sep, order, bom)
				tab, err := importer.ReadCSV("m.csv", utf16Bytes(text, order, bom))
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				rows, problems := importer.ParseMembers(tab)
				if len(problems) > 0 || !slices.Equal(rows, want) {
					t.Errorf("%s: rows %+v, problems %v", name, rows, lines("m.csv", problems))
				}
			}
		}
	}
}

// A sheet that starts with its title: the header is found under it, the
// title rows are skipped and said so; a header with a column wrong is
// reported on its own line.
func TestImportHeaderUnderTitleRows(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "members.xlsx")
	f := excelize.NewFile()
	sheet := f.GetSheetName(0)
	for cell, v := range map[string]any{
		"A1": "UBND TỈNH HÒA BÌNH XANH", "D1": "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
		"A2": "DANH SÁCH CÁN BỘ, CÔNG CHỨC DỰ THI",
		// Row 3 blank.
		"A4": "STT", "B4": "Full_Name", "C4": "Phone", "D4": "Unit_Code",
		"A5": 1, "B5": "Nguyễn Văn An", "C5": "0912345678", "D5": "SONV",
		"A6": 2, "B6": "Trần Thị Bình", "C6": "0912345679", "D6": "SONV",
	} {
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			t.Fatal(err)
		}
	}
	f.MergeCell(sheet, "A2", "D2")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	tab, err := importer.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	rows, problems := importer.ParseMembers(tab)
	if len(problems) > 0 || len(rows) != 2 || rows[0].Line != 5 || rows[1].FullName != "Trần Thị Bình" {
		t.Fatalf("rows %+v, problems %v", rows, lines("members.xlsx", problems))
	}
	if tab.HeaderLine != 4 || tab.TitleRows != 2 {
		t.Errorf("header on line %d under %d title rows, want 4 under 2", tab.HeaderLine, tab.TitleRows)
	}

	// The same in a CSV that Excel saved, with a column misnamed.
	tab = readCSV(t, "DANH SÁCH CÁN BỘ;;;\n;;;\nSTT;full_name;so_dien_thoai;unit_code\n1;Nguyễn Văn An;0912345678;SONV\n")
	_, problems = importer.ParseMembers(tab)
	wantLines(t, lines("m.csv", problems), []string{"m.csv:3: thiếu cột bắt buộc phone (dòng tiêu đề cần: full_name, phone, unit_code)"})

	// Searched in the first 20 rows only.
	tab = readCSV(t, "DANH SÁCH\n"+strings.Repeat("ghi chú\n", 19)+"full_name,phone,unit_code\nA,0912345678,SONV\n")
	_, problems = importer.ParseMembers(tab)
	wantLines(t, lines("m.csv", problems), []string{"m.csv:1: thiếu cột bắt buộc full_name, phone, unit_code (dòng tiêu đề cần: full_name, phone, unit_code)"})
}

// Only the first sheet is read: a roster on another one is pointed to.
func TestImportHeaderOnAnotherSheet(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "members.xlsx")
	rawXLSX(t, path, []string{"Hướng dẫn", "DanhSach"},
		func(w io.Writer) {
			io.WriteString(w, xmlRow("Điền danh sách vào trang DanhSach")+xmlRow("Mỗi người một dòng"))
		},
		func(w io.Writer) {
			io.WriteString(w, xmlRow("DANH SÁCH")+xmlRow()+xmlRow("full_name", "phone", "unit_code")+xmlRow("Nguyễn Văn An", "0912345678", "SONV"))
		})
	tab, err := importer.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, problems := importer.ParseMembers(tab)
	wantLines(t, lines("members.xlsx", problems), []string{
		`members.xlsx:1: thiếu cột bắt buộc full_name, phone, unit_code (dòng tiêu đề cần: full_name, phone, unit_code); ` +
			`bảng có vẻ nằm ở trang tính "DanhSach" (dòng tiêu đề ở dòng 3) nhưng chỉ trang tính đầu tiên được đọc: hãy kéo trang tính đó lên đầu`,
	})

	// An empty first sheet.
	rawXLSX(t, path, []string{"Sheet1", "DanhSach"},
		func(w io.Writer) {},
		func(w io.Writer) { io.WriteString(w, xmlRow("full_name", "phone", "unit_code")) })
	wantLines(t, fileError(t, path), []string{
		path + `: trang tính đầu tiên (Sheet1) trống; chỉ trang tính đầu tiên được đọc: hãy đưa trang tính chứa bảng ("DanhSach") lên đầu`,
	})
}
