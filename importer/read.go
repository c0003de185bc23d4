// Package importer reads the organizer's files (units, the staff roster, the
// question bank) from .csv or .xlsx into validated rows. Every row remembers
// the line the operator sees in their editor, so that each problem can be
// reported as FILE:LINE: reason. The package runs no SQL: the checks that need
// the database (unknown units, cycles through stored units) take a snapshot
// of it as an argument.
package importer

import (
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
	"golang.org/x/text/unicode/norm"
)

// Table is a file as read: its header and its non-blank data rows.
type Table struct {
	File       string   // the path as the operator gave it, for messages
	HeaderLine int      // 1-based line (csv) or row (xlsx) of the header
	Columns    []string // header names, trimmed and lowercased, in file order
	Rows       []Row
	csv        bool
}

// Row is one data row. Values line up with Table.Columns.
type Row struct {
	Line   int
	Values []string
	// Extra is set when a csv row has non-empty cells past the header's
	// columns: a sign of a wrong delimiter or an unquoted comma in a name.
	Extra bool
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

// MaxFileSize bounds the files an import reads. A roster of a whole
// province (tens of thousands of rows) is a few megabytes; a file many times
// that is a wrong file, and reading it whole would only exhaust memory.
const MaxFileSize = 64 << 20

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

// ReadCSV parses csv data (UTF-8, with or without BOM). The delimiter, comma
// or semicolon, is taken from the header line: Excel in a Vietnamese locale
// saves with semicolons.
func ReadCSV(name string, data []byte) (*Table, error) {
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
	header := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		header = data[:i]
	}
	r := csv.NewReader(bytes.NewReader(data))
	if bytes.Count(header, []byte{';'}) > bytes.Count(header, []byte{','}) {
		r.Comma = ';'
	}
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
		t.add(line, rec)
	}
	if t.Columns == nil {
		return nil, fileError(name, "tệp trống")
	}
	return t, nil
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

// readXLSX reads the first sheet of a workbook.
func readXLSX(path string) (*Table, error) {
	if st, err := os.Stat(path); err != nil {
		return nil, fileError(path, "không đọc được tệp: %v", unwrapPath(err))
	} else if st.Size() == 0 {
		return nil, fileError(path, "tệp trống")
	} else if st.Size() > MaxFileSize {
		return nil, tooLarge(path)
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		return nil, fileError(path, "không đọc được tệp Excel (.xlsx): %v", unwrapPath(err))
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return nil, fileError(path, "tệp Excel không có trang tính nào")
	}
	rows, err := f.Rows(sheets[0])
	if err != nil {
		return nil, fileError(path, "không đọc được trang tính %q: %v", sheets[0], err)
	}
	defer rows.Close()
	t := &Table{File: path}
	// Next steps one row at a time, blank rows included, so counting calls
	// gives the row number Excel shows.
	for n := 1; rows.Next(); n++ {
		// Raw values: a phone typed as a number must not come back as
		// 9.12E+08 through a number format.
		cells, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, &Error{File: path, Problems: []Problem{{Line: n, Reason: fmt.Sprintf("không đọc được dòng: %v", err)}}}
		}
		t.add(n, cells)
	}
	if err := rows.Error(); err != nil {
		return nil, fileError(path, "không đọc được trang tính %q: %v", sheets[0], err)
	}
	if t.Columns == nil {
		return nil, fileError(path, "trang tính đầu tiên (%s) trống", sheets[0])
	}
	return t, nil
}

// add takes one record: the first non-blank one is the header, later blank
// ones (Excel leaves ";;;;" lines) are skipped.
func (t *Table) add(line int, rec []string) {
	blank := true
	for i := range rec {
		rec[i] = clean(rec[i])
		if rec[i] != "" {
			blank = false
		}
	}
	if blank {
		return
	}
	if t.Columns == nil {
		t.HeaderLine = line
		t.Columns = make([]string, len(rec))
		for i, c := range rec {
			t.Columns[i] = strings.ToLower(c)
		}
		return
	}
	row := Row{Line: line, Values: make([]string, len(t.Columns))}
	for i, v := range rec {
		if i < len(t.Columns) {
			row.Values[i] = v
		} else if v != "" && t.csv {
			row.Extra = true
		}
	}
	t.Rows = append(t.Rows, row)
}

// clean trims surrounding space (NBSP included) and normalizes to NFC, so
// that text typed with a decomposing keyboard compares equal to the same
// text typed elsewhere.
func clean(s string) string {
	return norm.NFC.String(strings.TrimSpace(s))
}
