package report

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// The workbook a province forwards (quizbot report workbook): Vietnamese
// sheets and headings, a title row, frozen headings with filters, and
// numbers kept as numbers with vi-VN formats.

// Sheet names of the workbook, in order.
const (
	SheetSummary = "Tổng hợp"
	SheetUnits   = "Đơn vị"
	SheetMembers = "Cá nhân"
	SheetPrizes  = "Giải thưởng"
	// SheetUnitPrizes follows Giải thưởng in the whole contest's workbook
	// when the contest file declares unit prizes.
	SheetUnitPrizes = "Giải đơn vị"
	SheetAbsent     = "Chưa tham gia"
	SheetZeros      = "Điểm 0"
	SheetItems      = "Câu hỏi"
	SheetSignals    = "Dấu hiệu bất thường"
	Organizer       = "Ban Tổ chức"
	viLocale        = "[$-42A]" // vi-VN: the format's language, so LibreOffice shows 1.234 and 25,0% whatever its own locale
	FmtInt          = viLocale + "#,##0"
	FmtPct          = viLocale + "0.0%"
	FmtDateTimeVI   = viLocale + "dd/mm/yyyy hh:mm:ss"
)

// FmtDecimal is the vi-VN format of a decimal with places digits after the
// separator: #,##0.00 for 2 (the viewer's locale shows 1.234,50).
func FmtDecimal(places int) string {
	if places <= 0 {
		return FmtInt
	}
	return FmtInt + "." + strings.Repeat("0", places)
}

// Pct is a percentage, in percentage points (Scaled 250, Places 1 is 25,0%):
// the workbook writes it as the fraction 0.25 with a percent format, so
// that it stays a number a spreadsheet can sum and chart.
type Pct Decimal

// Indented is a text cell indented by Level steps: a unit's name under its
// parent on the Đơn vị sheet, the text itself left clean for filters.
type Indented struct {
	Text  string
	Level int
}

// Column is one column of a workbook sheet: its heading and width in
// characters (0: the heading's length).
type Column struct {
	Heading string
	Width   float64
}

// Sheet is one streamed sheet: its rows come from Rows, one at a time, so
// that a sheet of a million rows never sits in memory.
type Sheet struct {
	Name    string
	Title   string // the title row; "" for the workbook's title
	Columns []Column
	Rows    func(emit func(row []any) error) error
}

// Week is one round's line on the Tổng hợp sheet.
type Week struct {
	Round        int
	Period       string // "02/03 – 08/03/2026"
	Staff        int
	Participated int
	CorrectSum   int
	ZeroScores   int
}

// Workbook is the whole file: the summary sheet with its chart, then the
// streamed sheets in order.
type Workbook struct {
	Title   string // contest and round, on every sheet's first row
	Author  string // the organizer: the contest's name or Ban Tổ chức
	Subject string
	Created time.Time
	Notes   []string // lines under the Tổng hợp table: actual figures, ties, provisional
	Weeks   []Week
	Sheets  []Sheet
	stop    func() // ends BuildWorkbook's background reads, once written
}

// SummaryColumns are the headings of the Tổng hợp table.
var SummaryColumns = []Column{{"Vòng", 8}, {"Thời gian", 24}, {"Số CBCCVC", 12}, {"Số người tham gia", 14},
	{"Tỷ lệ tham gia", 12}, {"Số câu đúng bình quân", 14}, {"Số bài 0 điểm", 12}}

// Write writes the workbook. The Tổng hợp sheet is small and written cell by
// cell (its chart needs the sheet); every other sheet is streamed. No sheet
// is made active after it is written: excelize would parse it back.
func (wb Workbook) Write(w io.Writer) error {
	if wb.stop != nil {
		defer wb.stop()
	}
	f := excelize.NewFile()
	defer f.Close()
	st := &xlsxStyles{f: f, ids: map[string]int{}}
	if err := f.SetSheetName(f.GetSheetName(0), SheetSummary); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	if err := wb.writeSummary(f, st); err != nil {
		return fmt.Errorf("write workbook sheet %s: %w", SheetSummary, err)
	}
	for _, s := range wb.Sheets {
		name := sheetName(s.Name)
		if _, err := f.NewSheet(name); err != nil {
			return fmt.Errorf("write workbook sheet %s: %w", s.Name, err)
		}
		if err := wb.streamSheet(f, st, name, s); err != nil {
			return fmt.Errorf("write workbook sheet %s: %w", s.Name, err)
		}
	}
	author := wb.Author
	if author == "" {
		author = Organizer
	}
	created := wb.Created.UTC().Format(time.RFC3339)
	if err := f.SetDocProps(&excelize.DocProperties{Creator: author, LastModifiedBy: author, Title: wb.Title,
		Subject: wb.Subject, Language: "vi-VN", Created: created, Modified: created}); err != nil {
		return fmt.Errorf("write workbook properties: %w", err)
	}
	if err := f.SetAppProps(&excelize.AppProperties{Application: "quizbot", Company: author}); err != nil {
		return fmt.Errorf("write workbook properties: %w", err)
	}
	if err := writeFile(f, w); err != nil { // straight to w, not through a buffer of the whole file
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

func (st *xlsxStyles) title() (int, error) {
	return st.id("title", &excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
}

func (st *xlsxStyles) heading() (int, error) {
	return st.id("heading", &excelize.Style{Font: &excelize.Font{Bold: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}},
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center"},
		Border:    []excelize.Border{{Type: "bottom", Color: "808080", Style: 1}}})
}

// workbookCell types a cell for the workbook, with vi-VN formats. A string
// is always a text cell: the stream writer makes a formula only of a Cell
// with Formula set, which this never builds.
func (st *xlsxStyles) workbookCell(v any) (any, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return v, nil
	case Indented:
		id, err := st.id(fmt.Sprintf("indent:%d", v.Level), &excelize.Style{Alignment: &excelize.Alignment{Indent: v.Level}})
		if err != nil {
			return nil, err
		}
		return excelize.Cell{StyleID: id, Value: v.Text}, nil
	case int, int64:
		id, err := st.numFmt(FmtInt)
		if err != nil {
			return nil, err
		}
		return excelize.Cell{StyleID: id, Value: v}, nil
	case Decimal:
		id, err := st.numFmt(FmtDecimal(v.Places))
		if err != nil {
			return nil, err
		}
		return excelize.Cell{StyleID: id, Value: v.Float()}, nil
	case Pct:
		id, err := st.numFmt(FmtPct)
		if err != nil {
			return nil, err
		}
		return excelize.Cell{StyleID: id, Value: Decimal{Scaled: v.Scaled, Places: v.Places + 2}.Float()}, nil
	case time.Time:
		id, err := st.numFmt(FmtDateTimeVI)
		if err != nil {
			return nil, err
		}
		wall := time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), 0, time.UTC)
		return excelize.Cell{StyleID: id, Value: wall}, nil
	}
	return nil, fmt.Errorf("unsupported cell type %T", v)
}

func colWidth(c Column) float64 {
	w := c.Width
	if w == 0 {
		w = float64(utf8.RuneCountInString(c.Heading)) + 2
	}
	return min(max(w, minColWidth), maxColWidth)
}

// freezeBelow freezes the title and heading rows.
var freezeBelow = &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft",
	Selection: []excelize.Selection{{SQRef: "A3", ActiveCell: "A3", Pane: "bottomLeft"}}}

func (wb Workbook) streamSheet(f *excelize.File, st *xlsxStyles, name string, s Sheet) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, c := range s.Columns {
		if err := sw.SetColWidth(i+1, i+1, colWidth(c)); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(freezeBelow); err != nil {
		return err
	}
	titleID, err := st.title()
	if err != nil {
		return err
	}
	title := s.Title
	if title == "" {
		title = wb.Title
	}
	if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: titleID, Value: title}}, excelize.RowOpts{Height: 22}); err != nil {
		return err
	}
	headID, err := st.heading()
	if err != nil {
		return err
	}
	head := make([]any, len(s.Columns))
	for i, c := range s.Columns {
		head[i] = excelize.Cell{StyleID: headID, Value: c.Heading}
	}
	if err := sw.SetRow("A2", head); err != nil {
		return err
	}
	row := 2
	cells := make([]any, len(s.Columns))
	if s.Rows != nil {
		err = s.Rows(func(r []any) error {
			row++
			for j := range cells {
				cells[j] = nil
				if j < len(r) {
					c, err := st.workbookCell(r[j])
					if err != nil {
						return fmt.Errorf("row %d: %w", row, err)
					}
					cells[j] = c
				}
			}
			ref, err := excelize.CoordinatesToCellName(1, row)
			if err != nil {
				return err
			}
			return sw.SetRow(ref, cells)
		})
		if err != nil {
			return err
		}
	}
	last, err := excelize.CoordinatesToCellName(max(len(s.Columns), 1), row)
	if err != nil {
		return err
	}
	// Before Flush, AutoFilter edits the worksheet the stream writer holds
	// and writes out at its end; after it, excelize would parse the sheet.
	if err := f.AutoFilter(name, "A2:"+last, nil); err != nil {
		return err
	}
	return sw.Flush()
}

// writeSummary writes Tổng hợp: the title, the rounds' participation and a
// chart of the rate by week, then the notes.
func (wb Workbook) writeSummary(f *excelize.File, st *xlsxStyles) error {
	name := SheetSummary
	titleID, err := st.title()
	if err != nil {
		return err
	}
	if err := f.SetCellStr(name, "A1", wb.Title); err != nil {
		return err
	}
	if err := f.SetCellStyle(name, "A1", "A1", titleID); err != nil {
		return err
	}
	if err := f.SetRowHeight(name, 1, 22); err != nil {
		return err
	}
	headID, err := st.heading()
	if err != nil {
		return err
	}
	for i, c := range SummaryColumns {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(name, col, col, colWidth(c)); err != nil {
			return err
		}
		ref := col + "2"
		if err := f.SetCellStr(name, ref, c.Heading); err != nil {
			return err
		}
		if err := f.SetCellStyle(name, ref, ref, headID); err != nil {
			return err
		}
	}
	for i, wk := range wb.Weeks {
		fig := Figures{Staff: wk.Staff, Participations: wk.Participated, CorrectSum: wk.CorrectSum, ZeroScores: wk.ZeroScores}
		var pct, avg any
		if p, ok := fig.Pct(1); ok {
			pct = p
		}
		if a, ok := fig.Avg(); ok {
			avg = a
		}
		vals := []any{wk.Round, wk.Period, wk.Staff, wk.Participated, pct, avg, wk.ZeroScores}
		for j, v := range vals {
			ref, err := excelize.CoordinatesToCellName(j+1, i+3)
			if err != nil {
				return err
			}
			if err := setTypedCell(f, st, name, ref, v); err != nil {
				return err
			}
		}
	}
	lastRow := max(len(wb.Weeks)+2, 2)
	last, _ := excelize.CoordinatesToCellName(len(SummaryColumns), lastRow)
	if err := f.AutoFilter(name, "A2:"+last, nil); err != nil {
		return err
	}
	if err := f.SetPanes(name, freezeBelow); err != nil {
		return err
	}
	for i, n := range wb.Notes {
		if err := f.SetCellStr(name, fmt.Sprintf("A%d", lastRow+2+i), n); err != nil {
			return err
		}
	}
	if len(wb.Weeks) == 0 {
		return nil
	}
	sheet := "'" + name + "'!"
	return f.AddChart(name, "I2", &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:       sheet + "$E$2",
			Categories: fmt.Sprintf("%s$A$3:$A$%d", sheet, lastRow),
			Values:     fmt.Sprintf("%s$E$3:$E$%d", sheet, lastRow),
		}},
		Title:     excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Tỷ lệ tham gia theo tuần (vòng)"}}},
		Legend:    excelize.ChartLegend{Position: "none"},
		XAxis:     excelize.ChartAxis{Title: excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "Vòng"}}}},
		YAxis:     excelize.ChartAxis{NumFmt: excelize.ChartNumFmt{CustomNumFmt: "0%"}},
		Dimension: excelize.ChartDimension{Width: 560, Height: 300},
	})
}

// setTypedCell writes one cell of a small sheet: text as a string cell
// (never a formula), numbers with their vi-VN format.
func setTypedCell(f *excelize.File, st *xlsxStyles, sheet, ref string, v any) error {
	c, err := st.workbookCell(v)
	if err != nil {
		return err
	}
	switch c := c.(type) {
	case nil:
		return nil
	case string:
		return f.SetCellStr(sheet, ref, c)
	case excelize.Cell:
		if s, ok := c.Value.(string); ok {
			if err := f.SetCellStr(sheet, ref, s); err != nil {
				return err
			}
		} else if err := f.SetCellValue(sheet, ref, c.Value); err != nil {
			return err
		}
		return f.SetCellStyle(sheet, ref, ref, c.StyleID)
	}
	return fmt.Errorf("unsupported cell %T", c)
}

// Figures are a unit's (or a week's) counts over some rounds.
type Figures struct {
	Staff          int // active staff on the roster
	Verified       int
	Participations int // distinct participants, summed over the rounds
	CorrectSum     int
	ZeroScores     int
}

func (a *Figures) add(b Figures) {
	a.Staff += b.Staff
	a.Verified += b.Verified
	a.Participations += b.Participations
	a.CorrectSum += b.CorrectSum
	a.ZeroScores += b.ZeroScores
}

// Pct is the participation rate over rounds: participations ÷ (staff ×
// rounds), one decimal, rounded half up; ok is false without staff.
func (a Figures) Pct(rounds int) (Pct, bool) {
	if a.Staff == 0 || rounds < 1 {
		return Pct{}, false
	}
	return Pct{Scaled: roundDiv(int64(a.Participations)*1000, int64(a.Staff)*int64(rounds)), Places: 1}, true
}

// Avg is the participants' mean of correct answers, two decimals.
func (a Figures) Avg() (Decimal, bool) {
	if a.Participations == 0 {
		return Decimal{}, false
	}
	return Decimal{Scaled: roundDiv(int64(a.CorrectSum)*100, int64(a.Participations)), Places: 2}, true
}

// UnitNode is a unit with its own figures (its own roster only).
type UnitNode struct {
	Code, Name, ParentCode string
	Own                    Figures
}

// RolledUnit is a unit in the tree's order with its own figures and the
// roll-up over it and every unit under it.
type RolledUnit struct {
	UnitNode
	Level int // 0 for a unit without parent
	Total Figures
	Units int // how many units the roll-up covers, itself included
}

// RollUp orders the units as a tree (each unit followed by the units under
// it, siblings by code) and adds every unit's figures into each of its
// ancestors: a district includes its communes, the province all. A unit
// whose parent is unknown is a root; a cycle (which the importer refuses)
// cannot loop.
func RollUp(nodes []UnitNode) []RolledUnit {
	byCode := make(map[string]int, len(nodes))
	for i, n := range nodes {
		byCode[n.Code] = i
	}
	children := make(map[string][]int, len(nodes))
	var roots []int
	for i, n := range nodes {
		if _, ok := byCode[n.ParentCode]; ok && n.ParentCode != n.Code {
			children[n.ParentCode] = append(children[n.ParentCode], i)
		} else {
			roots = append(roots, i)
		}
	}
	byCodeOrder := func(ix []int) {
		slices.SortFunc(ix, func(a, b int) int { return strings.Compare(nodes[a].Code, nodes[b].Code) })
	}
	byCodeOrder(roots)
	out := make([]RolledUnit, 0, len(nodes))
	seen := make([]bool, len(nodes))
	var walk func(i, level int) Figures
	walk = func(i, level int) Figures {
		seen[i] = true
		at := len(out)
		out = append(out, RolledUnit{UnitNode: nodes[i], Level: level, Total: nodes[i].Own, Units: 1})
		kids := children[nodes[i].Code]
		byCodeOrder(kids)
		for _, k := range kids {
			if seen[k] {
				continue
			}
			before := len(out)
			t := walk(k, level+1)
			out[at].Total.add(t)
			out[at].Units += len(out) - before
		}
		return out[at].Total
	}
	for _, r := range roots {
		walk(r, 0)
	}
	for i := range nodes { // members of a cycle: shown flat, never lost
		if !seen[i] {
			walk(i, 0)
		}
	}
	return out
}

// UnitsSheetColumns are the Đơn vị sheet's headings: the unit's own figures,
// then the same rolled up over the units under it. what names the count of
// participants ("Số người tham gia" for a round, "Lượt tham gia" summed over
// the rounds of the contest).
func UnitsSheetColumns(what string) []Column {
	cols := []Column{{"Mã đơn vị", 12}, {"Tên đơn vị", 40}, {"Cấp", 6}, {"Đơn vị cấp trên", 14}}
	for _, scope := range []string{"riêng đơn vị", "gồm đơn vị trực thuộc"} {
		cols = append(cols,
			Column{"Số CBCCVC (" + scope + ")", 14}, Column{"Đã kích hoạt (" + scope + ")", 14},
			Column{what + " (" + scope + ")", 14}, Column{"Tỷ lệ tham gia (" + scope + ")", 14},
			Column{"Số câu đúng bình quân (" + scope + ")", 14}, Column{"Số bài 0 điểm (" + scope + ")", 14})
	}
	return append(cols, Column{"Số đơn vị cộng dồn", 12})
}

// UnitsSheetRow lays out a rolled-up unit over rounds rounds.
func UnitsSheetRow(u RolledUnit, rounds int) []any {
	row := []any{u.Code, Indented{Text: u.Name, Level: u.Level}, u.Level + 1, u.ParentCode}
	for _, f := range []Figures{u.Own, u.Total} {
		var pct, avg any
		if p, ok := f.Pct(rounds); ok {
			pct = p
		}
		if a, ok := f.Avg(); ok {
			avg = a
		}
		row = append(row, f.Staff, f.Verified, f.Participations, pct, avg, f.ZeroScores)
	}
	return append(row, u.Units)
}

// GradeVI is a prize grade as the committee writes it.
func GradeVI(g string) string {
	switch g {
	case GradeNhat:
		return "Giải Nhất"
	case GradeNhi:
		return "Giải Nhì"
	case GradeBa:
		return "Giải Ba"
	case GradeKhuyenKhich:
		return "Giải Khuyến khích"
	}
	return g
}
