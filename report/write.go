package report

import (
	"archive/zip"
	"compress/flate"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// BOM is the UTF-8 byte order mark. Excel reads a CSV file without it in the
// machine's legacy code page, which garbles Vietnamese.
const BOM = "\uFEFF"

// WriteCSV writes the table as CSV (comma, LF, UTF-8), prefixed by the BOM
// when withBOM: wanted for a file a person opens in Excel, unwanted on a
// pipe that a program reads. Text cells that a spreadsheet would run as a
// formula get a leading apostrophe (see inertText).
func WriteCSV(w io.Writer, t Table, withBOM bool) error {
	return WriteCSVStream(w, t.Stream(), withBOM)
}

// WriteCSVStream is WriteCSV of a StreamTable, its rows read one at a time.
func WriteCSVStream(w io.Writer, t StreamTable, withBOM bool) error {
	if withBOM {
		if _, err := io.WriteString(w, BOM); err != nil {
			return fmt.Errorf("write %s csv: %w", t.Name, err)
		}
	}
	cw := csv.NewWriter(w)
	header := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = inertText(c)
	}
	if err := cw.Write(header); err != nil {
		return fmt.Errorf("write %s csv: %w", t.Name, err)
	}
	record := make([]string, len(t.Columns))
	i := 0
	err := t.Rows(func(row []any) error {
		i++
		for j := range record {
			record[j] = ""
			if j < len(row) {
				s, err := cellText(row[j])
				if err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
				if _, text := row[j].(string); text {
					s = inertText(s)
				}
				record[j] = s
			}
		}
		return cw.Write(record)
	})
	if err != nil {
		return fmt.Errorf("write %s csv: %w", t.Name, err)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write %s csv: %w", t.Name, err)
	}
	return nil
}

// formulaLeads are the characters that make a spreadsheet read a CSV cell
// as a formula (=, +, -, @) or that hide one behind them (tab, carriage
// return), as OWASP's guidance on CSV injection lists them.
const formulaLeads = "=+-@\t\r"

// inertText keeps a text cell of a CSV from running as a formula when
// Excel or LibreOffice opens the file: names, positions and reasons are
// typed by people, and "=HYPERLINK(…)" would otherwise be a live link. A
// leading apostrophe makes the spreadsheet show the text as typed. Numbers
// are not text cells and are never touched.
func inertText(s string) string {
	if s != "" && strings.IndexByte(formulaLeads, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Spreadsheet number formats of the typed cells.
const (
	xlsxTimeFormat = "yyyy-mm-dd hh:mm:ss"
	minColWidth    = 8
	maxColWidth    = 60
)

// WriteXLSX writes the tables as one workbook, a sheet each in order: the
// header row bold and frozen, columns as wide as their longest value (within
// limits), numbers and times as spreadsheet numbers so that they sort and
// sum. Times are written as the wall clock of their location, to the second,
// as the CSV shows them: a spreadsheet has no time zones.
func WriteXLSX(w io.Writer, tables ...Table) error {
	streams := make([]StreamTable, len(tables))
	for i, t := range tables {
		streams[i] = t.Stream()
	}
	return WriteXLSXStream(w, streams...)
}

// WriteXLSXStream is WriteXLSX of sheets whose rows are read one at a time.
// The first sheet is the active one, as a new workbook's first sheet is:
// making it active again would have excelize parse the streamed sheet back
// (issue 14).
func WriteXLSXStream(w io.Writer, tables ...StreamTable) error {
	if len(tables) == 0 {
		return fmt.Errorf("write xlsx: no table")
	}
	f := excelize.NewFile()
	defer f.Close()
	styles := &xlsxStyles{f: f, ids: map[string]int{}}
	for i, t := range tables {
		name := sheetName(t.Name)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return fmt.Errorf("write %s xlsx: %w", t.Name, err)
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write %s xlsx: %w", t.Name, err)
		}
		if err := writeSheet(f, styles, name, t); err != nil {
			return fmt.Errorf("write %s xlsx: %w", t.Name, err)
		}
	}
	if err := writeFile(f, w); err != nil {
		return fmt.Errorf("write xlsx: %w", err)
	}
	return nil
}

// writeFile writes the workbook to w as f.Write does, without assembling
// the whole file in memory first: excelize's Write builds the zip in a
// bytes.Buffer as large as the file, then copies it to w; here its zip
// writer writes to w and the buffer stays empty. (excelize reads that
// buffer back only to mark an entry over 4 GiB as zip64 in its local
// header: a sheet within Excel's 1,048,576 rows of these reports' few
// columns stays far below that.) Its entries are deflated at level 2, not
// the default 6: for a national round's half a million rows the results
// workbook takes 6.0 s instead of 7.2 s, for 30 MB instead of 24 MB
// (BestSpeed is no faster, and larger still).
func writeFile(f *excelize.File, w io.Writer) error {
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter {
		zw := zip.NewWriter(w)
		zw.RegisterCompressor(zip.Deflate, newFlateWriter)
		return zw
	})
	return f.Write(w)
}

// flateWriters keeps the deflaters of written entries for the next ones, as
// archive/zip does for its own: each holds about a megabyte of tables, and
// the weekly summary writes a workbook of a dozen entries per head.
var flateWriters sync.Pool

func newFlateWriter(out io.Writer) (io.WriteCloser, error) {
	fw, ok := flateWriters.Get().(*flate.Writer)
	if ok {
		fw.Reset(out)
	} else {
		var err error
		if fw, err = flate.NewWriter(out, 2); err != nil {
			return nil, err
		}
	}
	return &pooledFlateWriter{fw: fw}, nil
}

// pooledFlateWriter is a deflater that goes back to flateWriters when
// closed; one goroutine writes a zip, so it needs no lock.
type pooledFlateWriter struct{ fw *flate.Writer }

func (w *pooledFlateWriter) Write(p []byte) (int, error) {
	if w.fw == nil {
		return 0, errors.New("write to a closed deflater")
	}
	return w.fw.Write(p)
}

func (w *pooledFlateWriter) Close() error {
	if w.fw == nil {
		return nil
	}
	err := w.fw.Close()
	flateWriters.Put(w.fw)
	w.fw = nil
	return err
}

func writeSheet(f *excelize.File, styles *xlsxStyles, name string, t StreamTable) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	widths, err := colWidths(t)
	if err != nil {
		return err
	}
	// Widths and panes must precede the first row of a stream.
	for i, wd := range widths {
		if err := sw.SetColWidth(i+1, i+1, wd); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	bold, err := styles.id("bold", &excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	header := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: c}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	cells := make([]any, len(t.Columns))
	i := 0
	err = t.Rows(func(row []any) error {
		i++
		for j := range cells {
			cells[j] = nil
			if j < len(row) {
				var err error
				if cells[j], err = styles.cell(row[j]); err != nil {
					return fmt.Errorf("row %d: %w", i, err)
				}
			}
		}
		ref, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		return sw.SetRow(ref, cells)
	})
	if err != nil {
		return err
	}
	return sw.Flush()
}

// xlsxStyles creates each style once per workbook.
type xlsxStyles struct {
	f    *excelize.File
	ids  map[string]int
	fmts map[string]int // number format code → style id
}

func (s *xlsxStyles) id(key string, st *excelize.Style) (int, error) {
	if id, ok := s.ids[key]; ok {
		return id, nil
	}
	id, err := s.f.NewStyle(st)
	if err != nil {
		return 0, err
	}
	s.ids[key] = id
	return id, nil
}

func (s *xlsxStyles) numFmt(code string) (int, error) {
	if id, ok := s.fmts[code]; ok { // per cell: no key to build
		return id, nil
	}
	id, err := s.id("fmt:"+code, &excelize.Style{CustomNumFmt: &code})
	if err != nil {
		return 0, err
	}
	if s.fmts == nil {
		s.fmts = map[string]int{}
	}
	s.fmts[code] = id
	return id, nil
}

// cell converts a table cell to a typed spreadsheet cell. A string is
// written as an inline string cell, never as a formula, whatever it starts
// with: the stream writer makes a formula only of an excelize.Cell with its
// Formula set, which no table cell is.
func (s *xlsxStyles) cell(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, int, int64:
		return v, nil
	case Decimal:
		code := "0"
		if v.Places > 0 {
			code += "." + strings.Repeat("0", v.Places)
		}
		id, err := s.numFmt(code)
		if err != nil {
			return nil, err
		}
		return excelize.Cell{StyleID: id, Value: v.Float()}, nil
	case time.Time:
		id, err := s.numFmt(xlsxTimeFormat)
		if err != nil {
			return nil, err
		}
		wall := time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), 0, time.UTC)
		return excelize.Cell{StyleID: id, Value: wall}, nil
	}
	return nil, fmt.Errorf("unsupported cell type %T", v)
}

// colWidths sizes each column to its longest text (in characters), within
// [minColWidth, maxColWidth], plus a margin.
func colWidths(t StreamTable) ([]float64, error) {
	widths := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		widths[i] = float64(utf8.RuneCountInString(c))
	}
	if t.Longest != nil {
		longest, err := t.Longest()
		if err != nil {
			return nil, err
		}
		for j := 0; j < len(longest) && j < len(widths); j++ {
			widths[j] = max(widths[j], float64(longest[j]))
		}
	}
	for i := range widths {
		widths[i] = min(max(widths[i]+2, minColWidth), maxColWidth)
	}
	return widths, nil
}

// sheetName makes a table name acceptable to Excel: at most 31 characters,
// none of : \ / ? * [ ].
func sheetName(name string) string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.Trim(name, "'"))
	if utf8.RuneCountInString(name) > 31 {
		name = string([]rune(name)[:31])
	}
	if name == "" {
		name = "Sheet1"
	}
	return name
}
