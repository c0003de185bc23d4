package reports

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"quizbot/quiz"
	"quizbot/storage"
)

// The activation codes' workbook (`quizbot member codes`, the console's
// Báo cáo): one sheet per unit for heads to hand out.

// codeColumns are the workbook's columns, under a title row and a note row.
var codeColumns = []string{"Họ và tên", "Chức vụ", "Mã kích hoạt", "Hết hạn"}

// CodesByUnit groups codes by unit, in the order they come (by unit code).
func CodesByUnit(issued []storage.IssuedCode) [][]storage.IssuedCode {
	var groups [][]storage.IssuedCode
	for i, c := range issued {
		if i == 0 || c.Member.UnitID != issued[i-1].Member.UnitID {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], c)
	}
	return groups
}

// VNTime is a time as the codes workbook writes it, in Vietnam.
func VNTime(t time.Time) string {
	return t.In((&quiz.Contest{}).Location()).Format("02/01/2006 15:04")
}

// WriteCodesWorkbook writes one sheet per unit, named by its code: a title
// row naming the unit, a note, then the header and one row per member.
// Every cell is text (a code of digits must not turn into a number).
func WriteCodesWorkbook(w io.Writer, issued []storage.IssuedCode, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	if err != nil {
		return err
	}
	textFmt := "@"
	code, err := f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt, Font: &excelize.Font{Family: "Consolas", Size: 13, Bold: true}})
	if err != nil {
		return err
	}
	text, err := f.NewStyle(&excelize.Style{CustomNumFmt: &textFmt})
	if err != nil {
		return err
	}
	names := sheetNames{}
	for i, g := range CodesByUnit(issued) {
		u := g[0].Member
		name := names.name(u.UnitCode)
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		widths := []float64{float64(utf8.RuneCountInString(codeColumns[0])), float64(utf8.RuneCountInString(codeColumns[1])), 14, 18}
		for _, c := range g {
			widths[0] = max(widths[0], float64(utf8.RuneCountInString(c.Member.FullName)))
			widths[1] = max(widths[1], float64(utf8.RuneCountInString(c.Member.Position)))
		}
		for i, wd := range widths {
			if err := sw.SetColWidth(i+1, i+1, min(wd+2, 60)); err != nil {
				return err
			}
		}
		rows := [][]any{
			{excelize.Cell{StyleID: title, Value: fmt.Sprintf("Mã kích hoạt tài khoản dự thi – %s (%s)", u.UnitName, u.UnitCode)}},
			{excelize.Cell{StyleID: text, Value: fmt.Sprintf("Cấp lúc %s. Mỗi mã dùng một lần: cán bộ gửi /kichhoat MÃ cho bot (Telegram, Zalo) để kích hoạt tài khoản. Giữ kín, không gửi mã của người này cho người khác.", VNTime(now))}},
			{excelize.Cell{StyleID: bold, Value: codeColumns[0]}, excelize.Cell{StyleID: bold, Value: codeColumns[1]},
				excelize.Cell{StyleID: bold, Value: codeColumns[2]}, excelize.Cell{StyleID: bold, Value: codeColumns[3]}},
		}
		for _, c := range g {
			rows = append(rows, []any{
				excelize.Cell{StyleID: text, Value: c.Member.FullName},
				excelize.Cell{StyleID: text, Value: c.Member.Position},
				excelize.Cell{StyleID: code, Value: quiz.FormatCode(c.Code)},
				excelize.Cell{StyleID: text, Value: VNTime(c.Expires)},
			})
		}
		for r, row := range rows {
			ref, _ := excelize.CoordinatesToCellName(1, r+1)
			if err := sw.SetRow(ref, row); err != nil {
				return err
			}
		}
		if err := sw.Flush(); err != nil {
			return err
		}
	}
	// The first sheet is active already: making it active again would have
	// excelize parse the streamed sheet back (issue 14).
	return f.Write(w)
}

// sheetNames makes unit codes acceptable, distinct sheet names: at most 31
// characters, none of : \ / ? * [ ], not starting or ending with an
// apostrophe, and unique ignoring case, as Excel requires.
type sheetNames map[string]bool

func (s sheetNames) name(code string) string {
	base := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`:\/?*[]`, r) {
			return '_'
		}
		return r
	}, strings.Trim(code, "'"))
	if base == "" || strings.EqualFold(base, "History") {
		base = "_" + base
	}
	for n := 1; ; n++ {
		name := base
		if n > 1 {
			name = fmt.Sprintf("~%d", n)
			name = truncRunes(base, 31-utf8.RuneCountInString(name)) + name
		}
		name = truncRunes(name, 31)
		if !s[strings.ToLower(name)] {
			s[strings.ToLower(name)] = true
			return name
		}
	}
}

func truncRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
