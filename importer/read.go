// Package importer reads the organizer's files (units, the staff roster, the
// question bank) from .csv or .xlsx into validated rows. Every row remembers
// the line the operator sees in their editor, so that each problem can be
// reported as FILE:LINE: reason. The package runs no SQL: the checks that need
// the database (unknown units, cycles through stored units) take a snapshot
// of it as an argument.
package importer

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/unicode/norm"

	"quizbot/outbound"
)

// Table is a file as read: its header and its non-blank data rows. The
// header is the first non-blank row until a Parse function, which knows the
// columns it needs, finds it under title rows (see findHeader).
type Table struct {
	File       string   // the path as the operator gave it, for messages
	HeaderLine int      // 1-based line (csv) or row (xlsx) of the header
	Columns    []string // header names, trimmed and lowercased, in file order
	Rows       []Row
	// TitleRows counts the non-blank rows above the header that were
	// skipped as the sheet's title.
	TitleRows int
	csv       bool
	others    []sheetTop // xlsx: the first rows of the other sheets
}

// sheetTop is the first rows of a sheet that is not read, kept to point
// the operator to it when the first sheet has no header.
type sheetTop struct {
	name string
	rows []Row
}

// Row is one data row. Values line up with Table.Columns; a row may have
// more values than the header has columns.
type Row struct {
	Line   int
	Values []string
}

// ReadFile reads a .csv or .xlsx file. Problems with the file as a whole
// (wrong extension, empty, not UTF-8, not a readable workbook) come back as
// an *Error naming the file.
func ReadFile(path string) (*Table, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".csv":
		data, err := readLimited(path)
		if err != nil {
			return nil, err
		}
		return ReadCSV(path, data)
	case ".xlsx":
		return readXLSX(path)
	case ".xls":
		return nil, fileError(path, "không nhận tệp .xls (Excel 97–2003): hãy mở bằng Excel và lưu lại dưới dạng .xlsx hoặc CSV UTF-8")
	default:
		return nil, fileError(path, "chỉ nhận tệp .csv hoặc .xlsx")
	}
}

// Limits on what an import reads: a wrong or hostile file is refused with a
// clear message instead of exhausting the memory of the operator's machine.
const (
	// MaxFileSize bounds the files an import reads. A roster of a whole
	// province (tens of thousands of rows) is a few megabytes; a file many
	// times that is a wrong file, and reading it whole would only exhaust
	// memory.
	MaxFileSize = 64 << 20
	// MaxRows bounds the rows of a file (CSV lines or sheet rows, the
	// header, title and blank rows included). A province's roster is about
	// 60,000 people and the largest provinces have a few times that; a
	// national roster (about a million) is not one instance's, and a
	// question bank is far smaller.
	MaxRows = 200_000
	// MaxUnzipSize bounds what a workbook decompresses to, all its parts
	// together. An xlsx is a zip of XML that compresses a hundredfold and
	// more: a 1 MB file can hold a million rows. A roster of MaxRows rows
	// is well under this.
	MaxUnzipSize = 128 << 20
	// MaxSharedSize bounds the parts of a workbook other than its sheets,
	// the shared strings above all: excelize parses them whole into memory,
	// at several times their size and about 0.4 s a megabyte. A roster of
	// MaxRows people has about 12 MB of them.
	MaxSharedSize = 32 << 20
	// sheetInMemory is the largest sheet excelize unzips into memory; a
	// larger one goes to a temporary file that the rows are streamed from.
	sheetInMemory = 16 << 20
)

func tooLarge(path string) *Error {
	return fileError(path, "tệp lớn hơn %d MB: đây không phải danh sách hay ngân hàng câu hỏi; hãy kiểm tra lại tệp", MaxFileSize>>20)
}

// readLimited reads a whole file of at most MaxFileSize bytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fileError(path, "không đọc được tệp: %v", unwrapPath(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fileError(path, "không đọc được tệp: %v", unwrapPath(err))
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(path)
	}
	return data, nil
}

// unwrapPath drops the path from an *os.PathError: the message names the
// file already.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

var bom = []byte("\xef\xbb\xbf")

// ReadCSV parses csv data: UTF-8 with or without BOM, or UTF-16 (Excel's
// "Unicode Text") with or without BOM. The delimiter, comma, semicolon or
// tab, is the most frequent of them in the first lines: Excel in a
// Vietnamese locale saves with semicolons, "Unicode Text" with tabs.
func ReadCSV(name string, data []byte) (*Table, error) {
	if order, ok := utf16Order(data); ok {
		decoded, err := unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, fileError(name, `tệp là văn bản UTF-16 nhưng không đọc được (%v): hãy lưu lại bằng "CSV UTF-8 (Comma delimited)" hoặc dùng .xlsx`, err)
		}
		data = decoded
	}
	data = bytes.TrimPrefix(data, bom)
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fileError(name, "tệp trống")
	}
	if !utf8.Valid(data) {
		i := 0
		for i < len(data) {
			r, size := utf8.DecodeRune(data[i:])
			if r == utf8.RuneError && size == 1 {
				break
			}
			i += size
		}
		line := 1 + bytes.Count(data[:i], []byte{'\n'})
		return nil, &Error{File: name, Problems: []Problem{{Line: line,
			Reason: `tệp không phải văn bản UTF-8: hãy lưu lại bằng "CSV UTF-8 (Comma delimited)" hoặc dùng .xlsx`}}}
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = delimiter(data)
	r.FieldsPerRecord = -1
	t := &Table{File: name, csv: true}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, &Error{File: name, Problems: []Problem{{Line: pe.Line, Reason: csvReason(pe.Err)}}}
			}
			return nil, fileError(name, "không đọc được tệp CSV: %v", err)
		}
		line, _ := r.FieldPos(0)
		if line > MaxRows {
			// A wrong file: not worth reading to its end.
			return nil, tooManyRows(name)
		}
		t.add(line, rec)
	}
	if t.Columns == nil {
		return nil, fileError(name, "tệp trống")
	}
	return t, nil
}

// utf16Order tells whether data is UTF-16 text and in which byte order:
// by its BOM, or, without one, by the zero bytes that ASCII text (the
// header's column names at least) has on every other byte. UTF-8 text has
// no zero byte at all.
func utf16Order(data []byte) (unicode.Endianness, bool) {
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}):
		return unicode.LittleEndian, true
	case bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return unicode.BigEndian, true
	}
	head := data[:min(len(data), 512)]
	pairs, evenZero, oddZero := len(head)/2, 0, 0
	for i := 0; i+1 < len(head); i += 2 {
		if head[i] == 0 {
			evenZero++
		}
		if head[i+1] == 0 {
			oddZero++
		}
	}
	switch {
	case pairs < 2:
		return unicode.BigEndian, false
	case oddZero*2 > pairs && evenZero*10 < pairs:
		return unicode.LittleEndian, true
	case evenZero*2 > pairs && oddZero*10 < pairs:
		return unicode.BigEndian, true
	}
	return unicode.BigEndian, false
}

// delimiter picks the most frequent of comma, semicolon and tab in the
// first lines (title rows included), comma on a tie.
func delimiter(data []byte) rune {
	head := data
	for i, n := 0, 0; i < len(data); i++ {
		if data[i] == '\n' {
			if n++; n == headerSearchRows {
				head = data[:i]
				break
			}
		}
	}
	best, most := ',', bytes.Count(head, []byte{','})
	for _, d := range []rune{';', '\t'} {
		if n := bytes.Count(head, []byte{byte(d)}); n > most {
			best, most = d, n
		}
	}
	return best
}

func csvReason(err error) string {
	switch {
	case errors.Is(err, csv.ErrBareQuote):
		return `dấu ngoặc kép (") đặt giữa ô không được bao trong ngoặc kép`
	case errors.Is(err, csv.ErrQuote):
		return `thiếu dấu ngoặc kép (") đóng ô`
	default:
		return fmt.Sprintf("lỗi định dạng CSV: %v", err)
	}
}

// readXLSX reads the first sheet of a workbook, and the first rows of the
// others to point to the right one when the first has no header.
func readXLSX(path string) (*Table, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fileError(path, "không đọc được tệp: %v", unwrapPath(err))
	} else if st.Size() == 0 {
		return nil, fileError(path, "tệp trống")
	} else if st.Size() > MaxFileSize {
		return nil, tooLarge(path)
	}
	if err := checkUnzipSize(path); err != nil {
		return nil, err
	}
	// The same bounds again for excelize, which checks them as it unzips.
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: MaxUnzipSize, UnzipXMLSizeLimit: sheetInMemory})
	if err != nil {
		return nil, fileError(path, "không đọc được tệp Excel (.xlsx): %v", unwrapPath(err))
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError(path, "tệp Excel không có trang tính nào")
	}
	t := &Table{File: path}
	if err := readSheet(f, path, sheets[0], MaxRows, t.add); err != nil {
		return nil, err
	}
	for _, name := range sheets[1:] {
		top := sheetTop{name: name}
		// Best effort: a sheet that cannot be read is no hint.
		_ = readSheet(f, path, name, headerSearchRows, func(line int, rec []string) {
			for i := range rec {
				rec[i] = clean(rec[i])
			}
			if !blank(rec) {
				top.rows = append(top.rows, Row{Line: line, Values: rec})
			}
		})
		if len(top.rows) > 0 {
			t.others = append(t.others, top)
		}
	}
	if t.Columns == nil {
		var names []string
		for _, o := range t.others {
			names = append(names, fmt.Sprintf("%q", o.name))
		}
		if len(names) > 0 {
			return nil, fileError(path, "trang tính đầu tiên (%s) trống; chỉ trang tính đầu tiên được đọc: hãy đưa trang tính chứa bảng (%s) lên đầu",
				sheets[0], strings.Join(names, ", "))
		}
		return nil, fileError(path, "trang tính đầu tiên (%s) trống", sheets[0])
	}
	return t, nil
}

// readSheet gives add the first limit rows of a sheet, streamed: a
// sheet's rows are never all in memory at once. More rows than MaxRows is
// an error; limit below it just stops.
func readSheet(f *excelize.File, path, sheet string, limit int, add func(line int, rec []string)) error {
	rows, err := f.Rows(sheet)
	if err != nil {
		return fileError(path, "không đọc được trang tính %q: %v", sheet, err)
	}
	defer rows.Close()
	// Next steps one row at a time, blank rows included, so counting calls
	// gives the row number Excel shows.
	for n := 1; rows.Next(); n++ {
		if n > limit {
			if limit < MaxRows {
				return nil
			}
			return tooManyRows(path)
		}
		// Raw values: a phone typed as a number must not come back as
		// 9.12E+08 through a number format.
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return &Error{File: path, Problems: []Problem{{Line: n, Reason: fmt.Sprintf("không đọc được dòng: %v", err)}}}
		}
		add(n, cells)
	}
	if err := rows.Error(); err != nil {
		return fileError(path, "không đọc được trang tính %q: %v", sheet, err)
	}
	return nil
}

// checkUnzipSize refuses a workbook whose parts decompress to more than
// MaxUnzipSize, or whose parts other than the sheets decompress to more
// than MaxSharedSize, from the sizes its zip directory declares, before
// anything is decompressed. A part cannot decompress to more than it
// declares: archive/zip fails the read past it.
func checkUnzipSize(path string) error {
	z, err := zip.OpenReader(path)
	if err != nil {
		return fileError(path, "không đọc được tệp Excel (.xlsx): %v", unwrapPath(err))
	}
	defer z.Close()
	var total, shared uint64
	for _, f := range z.File {
		total += f.UncompressedSize64
		name := strings.ToLower(strings.ReplaceAll(f.Name, "\\", "/"))
		if !strings.HasPrefix(name, "xl/worksheets/") {
			shared += f.UncompressedSize64
		}
		// Each size on its own too: the sum could wrap.
		if total > MaxUnzipSize || f.UncompressedSize64 > MaxUnzipSize {
			return fileError(path, "tệp Excel giải nén ra hơn %d MB: một danh sách hay ngân hàng câu hỏi không lớn như vậy (tối đa %s dòng); hãy kiểm tra lại tệp",
				MaxUnzipSize>>20, outbound.GroupDigits(int64(MaxRows)))
		}
		if shared > MaxSharedSize {
			return fileError(path, "phần chữ dùng chung của tệp Excel (ngoài các trang tính) giải nén ra hơn %d MB: một danh sách hay ngân hàng câu hỏi không lớn như vậy; hãy kiểm tra lại tệp",
				MaxSharedSize>>20)
		}
	}
	return nil
}

func tooManyRows(path string) *Error {
	return fileError(path, "tệp có hơn %s dòng: một danh sách hay ngân hàng câu hỏi không dài như vậy; hãy kiểm tra lại tệp", outbound.GroupDigits(int64(MaxRows)))
}

// headerSearchRows is how far down a sheet the header is looked for, under
// the title rows that an organizer's sheet often starts with (the national
// motto, the agency, "DANH SÁCH CÁN BỘ…", a blank row).
const headerSearchRows = 20

// add takes one record: the first non-blank one is the header until
// findHeader says otherwise, later blank ones (Excel leaves ";;;;" lines)
// are skipped.
func (t *Table) add(line int, rec []string) {
	for i := range rec {
		rec[i] = clean(rec[i])
	}
	if blank(rec) {
		return
	}
	if t.Columns == nil {
		t.HeaderLine = line
		t.Columns = lower(rec)
		return
	}
	t.Rows = append(t.Rows, Row{Line: line, Values: rec})
}

func blank(rec []string) bool {
	for _, v := range rec {
		if v != "" {
			return false
		}
	}
	return true
}

func lower(rec []string) []string {
	out := make([]string, len(rec))
	for i, c := range rec {
		out[i] = strings.ToLower(c)
	}
	return out
}

// clean trims surrounding space (NBSP included) and normalizes to NFC, so
// that text typed with a decomposing keyboard compares equal to the same
// text typed elsewhere.
func clean(s string) string {
	return norm.NFC.String(strings.TrimSpace(s))
}
