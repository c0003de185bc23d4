package importer

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"quizbot/quiz"
)

// Columns of each kind of file. Columns not listed are ignored (an "STT"
// column, notes), so an organizer can import the sheet they already keep.
var (
	unitRequired     = []string{"code", "name"}
	unitOptional     = []string{"parent_code"}
	memberRequired   = []string{"full_name", "phone", "unit_code"}
	memberOptional   = []string{"position", "role"}
	questionRequired = []string{"code", "question", "a", "b", "answer"}
	questionOptional = []string{"c", "d", "e", "f", "explanation", "topic"}
)

// optionLetters name the columns of a question's options, in order.
const optionLetters = "abcdef"

// fields gives a row's values by column name; an absent optional column
// reads as empty.
type fields struct {
	index map[string]int
	known []string // the columns of the file that the import reads, in file order
	width int      // the header's number of columns
	csv   bool
}

func (f fields) get(r Row, col string) string {
	if i, ok := f.index[col]; ok && i < len(r.Values) {
		return r.Values[i]
	}
	return ""
}

// check reports what is wrong with a row whatever the kind of file: cells
// past the header's columns in a CSV, and control characters in the
// columns the import stores.
func (f fields) check(r Row) []Problem {
	var problems []Problem
	if f.csv {
		for _, v := range r.Values[min(f.width, len(r.Values)):] {
			if v != "" {
				problems = append(problems, Problem{Line: r.Line, Reason: "dòng có nhiều ô hơn dòng tiêu đề: kiểm tra dấu phân cách hoặc bao ô có dấu phẩy trong ngoặc kép"})
				break
			}
		}
	}
	for _, col := range f.known {
		i := f.index[col]
		if i < len(r.Values) {
			if reason := control(r.Values[i]); reason != "" {
				problems = append(problems, Problem{Line: r.Line, Column: col, Reason: fmt.Sprintf("cột %s (ô %s): %s", col, cellName(i, r.Line), reason)})
			}
		}
	}
	return problems
}

// control describes the first control character in s, or is "" when there
// is none. PostgreSQL refuses NUL in text, and the other control characters
// (tab and line breaks aside) are invisible debris of a conversion: both are
// refused, located, before anything is written.
func control(s string) string {
	for i, r := range s {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || r == 0x7f {
			name := ""
			if r == 0 {
				name = " (NUL)"
			}
			return fmt.Sprintf("có ký tự điều khiển U+%04X%s ở ký tự thứ %d: hãy xoá ký tự này (thường do chép từ phần mềm khác)",
				r, name, utf8.RuneCountInString(s[:i])+1)
		}
	}
	return ""
}

// cellName is the spreadsheet's name of the cell in the 0-based column i
// of a line (row): a CSV opens in Excel with the same columns.
func cellName(i, line int) string {
	name, err := excelize.CoordinatesToCellName(i+1, line)
	if err != nil {
		return fmt.Sprintf("cột %d, dòng %d", i+1, line)
	}
	return name
}

// findHeader moves the header down to where it is when the first non-blank
// row lacks a required column: a sheet often starts with title rows (the
// national motto, the agency, "DANH SÁCH CÁN BỘ…"). The first row within
// the first headerSearchRows rows that has every required column becomes
// the header and the rows above it are skipped. Without such a row, the
// row with the most required columns is taken for the header meant, so
// that what it lacks is reported on its line.
func (t *Table) findHeader(required []string) {
	has := func(cols []string) int {
		n := 0
		for _, c := range required {
			if slices.Contains(cols, c) {
				n++
			}
		}
		return n
	}
	best, bestN := -1, has(t.Columns)
	if bestN == len(required) {
		return
	}
	for i, r := range t.Rows {
		if r.Line > headerSearchRows {
			break
		}
		if n := has(lower(r.Values)); n > bestN {
			best, bestN = i, n
			if n == len(required) {
				break
			}
		}
	}
	if best < 0 {
		return
	}
	t.TitleRows += best + 1
	t.HeaderLine = t.Rows[best].Line
	t.Columns = lower(t.Rows[best].Values)
	t.Rows = t.Rows[best+1:]
}

// otherSheet names another sheet of the workbook whose first rows have
// every required column, as a hint when the first sheet has none.
func (t *Table) otherSheet(required []string) string {
	for _, o := range t.others {
		for _, r := range o.rows {
			cols := lower(r.Values)
			if !slices.ContainsFunc(required, func(c string) bool { return !slices.Contains(cols, c) }) {
				return fmt.Sprintf("; bảng có vẻ nằm ở trang tính %q (dòng tiêu đề ở dòng %d) nhưng chỉ trang tính đầu tiên được đọc: hãy kéo trang tính đó lên đầu", o.name, r.Line)
			}
		}
	}
	return ""
}

// header finds and checks the header line: every required column present,
// none twice. Missing columns are reported once, on the header line, not on
// every row.
func header(t *Table, required, optional []string) (fields, []Problem) {
	t.findHeader(required)
	f := fields{index: map[string]int{}, width: len(t.Columns), csv: t.csv}
	var problems []Problem
	for i, c := range t.Columns {
		if c == "" {
			continue
		}
		if _, dup := f.index[c]; dup {
			if slices.Contains(required, c) || slices.Contains(optional, c) {
				problems = append(problems, Problem{Line: t.HeaderLine, Column: c, Reason: fmt.Sprintf("cột %s có hai lần", c)})
			}
			continue
		}
		f.index[c] = i
		if slices.Contains(required, c) || slices.Contains(optional, c) {
			f.known = append(f.known, c)
		}
	}
	var missing []string
	for _, c := range required {
		if _, ok := f.index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		problems = append(problems, Problem{Line: t.HeaderLine, Reason: fmt.Sprintf("thiếu cột bắt buộc %s (dòng tiêu đề cần: %s)%s",
			strings.Join(missing, ", "), strings.Join(required, ", "), t.otherSheet(required))})
	}
	if len(problems) == 0 && len(t.Rows) == 0 {
		// Rejected rather than imported: an empty roster would deactivate
		// every member.
		problems = append(problems, Problem{Line: 0, Reason: "tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào"})
	}
	return f, problems
}

// UnitRow is a unit as read from a file.
type UnitRow struct {
	Line       int
	Code       string
	Name       string
	ParentCode string
}

// ParseUnits reads a units file: code, name, parent_code. Rows come back
// even when they have problems, so that CheckUnitTree can report on them too;
// a header problem returns no rows.
func ParseUnits(t *Table) ([]UnitRow, []Problem) {
	f, problems := header(t, unitRequired, unitOptional)
	if len(problems) > 0 {
		return nil, problems
	}
	seen := map[string]int{}
	rows := make([]UnitRow, 0, len(t.Rows))
	for _, r := range t.Rows {
		u := UnitRow{Line: r.Line, Code: f.get(r, "code"), Name: f.get(r, "name"), ParentCode: f.get(r, "parent_code")}
		bad := func(col, format string, args ...any) {
			problems = append(problems, Problem{Line: r.Line, Column: col, Reason: fmt.Sprintf(format, args...)})
		}
		problems = append(problems, f.check(r)...)
		if u.Code == "" {
			bad("code", "thiếu mã đơn vị (code)")
		} else if first, ok := seen[u.Code]; ok {
			bad("code", "trùng mã đơn vị %s với dòng %d", u.Code, first)
		} else {
			seen[u.Code] = r.Line
		}
		if u.Name == "" {
			bad("name", "thiếu tên đơn vị (name)")
		}
		rows = append(rows, u)
	}
	return rows, problems
}

// CheckUnitTree checks the file's units against those already stored
// (by code): every parent must exist in the file or the database, and the
// tree the import would leave must have no cycle.
func CheckUnitTree(rows []UnitRow, existing map[string]quiz.Unit) []Problem {
	parent := make(map[string]string, len(existing)+len(rows))
	for code, u := range existing {
		parent[code] = u.ParentCode
	}
	var mine []UnitRow // first row of each code; duplicates are reported already
	inFile := map[string]bool{}
	for _, u := range rows {
		if u.Code == "" || inFile[u.Code] {
			continue
		}
		inFile[u.Code] = true
		parent[u.Code] = u.ParentCode
		mine = append(mine, u)
	}
	var problems []Problem
	for _, u := range mine {
		if u.ParentCode == "" {
			continue
		}
		if _, ok := parent[u.ParentCode]; !ok {
			problems = append(problems, Problem{Line: u.Line, Column: "parent_code", Reason: fmt.Sprintf("không có đơn vị cha mã %s", u.ParentCode)})
			continue
		}
		// Walk up from u; coming back to u means u is on a cycle. Every
		// cycle goes through at least one row of the file (the stored tree
		// has none), and each such row reports it.
		path := []string{u.Code}
		for c := u.ParentCode; c != "" && len(path) <= len(parent); c = parent[c] {
			path = append(path, c)
			if c == u.Code {
				problems = append(problems, Problem{Line: u.Line, Column: "parent_code", Reason: "vòng lặp đơn vị cha: " + strings.Join(path, " → ")})
				break
			}
		}
	}
	return problems
}

// Units turns rows into domain units for storage.
func Units(rows []UnitRow) []quiz.Unit {
	out := make([]quiz.Unit, len(rows))
	for i, r := range rows {
		out[i] = quiz.Unit{Code: r.Code, Name: r.Name, ParentCode: r.ParentCode}
	}
	return out
}

// MemberRow is a roster row. Phone is normalized; RawPhone is as written,
// for messages to the operator about their own file.
type MemberRow struct {
	Line     int
	FullName string
	Phone    string
	RawPhone string
	UnitCode string
	Position string
	Role     quiz.Role
}

// ParseMembers reads a roster: full_name, phone, unit_code, position, role.
func ParseMembers(t *Table) ([]MemberRow, []Problem) {
	f, problems := header(t, memberRequired, memberOptional)
	if len(problems) > 0 {
		return nil, problems
	}
	seen := map[string]int{} // normalized phone → first line
	rows := make([]MemberRow, 0, len(t.Rows))
	for _, r := range t.Rows {
		m := MemberRow{Line: r.Line, FullName: f.get(r, "full_name"), RawPhone: f.get(r, "phone"),
			UnitCode: f.get(r, "unit_code"), Position: f.get(r, "position")}
		bad := func(col, format string, args ...any) {
			problems = append(problems, Problem{Line: r.Line, Column: col, Reason: fmt.Sprintf(format, args...)})
		}
		problems = append(problems, f.check(r)...)
		if m.FullName == "" {
			bad("full_name", "thiếu họ tên (full_name)")
		}
		if m.RawPhone == "" {
			bad("phone", "thiếu số điện thoại (phone)")
		} else if p, err := quiz.NormalizePhone(excelPhone(m.RawPhone)); err != nil {
			bad("phone", "số điện thoại %s không hợp lệ", m.RawPhone)
		} else if first, ok := seen[p]; ok {
			m.Phone = p
			bad("phone", "trùng số điện thoại với dòng %d", first)
		} else {
			m.Phone = p
			seen[p] = r.Line
		}
		if m.UnitCode == "" {
			bad("unit_code", "thiếu mã đơn vị (unit_code)")
		}
		role, ok := quiz.ParseRole(strings.ToLower(f.get(r, "role")))
		if !ok {
			bad("role", "vai trò %q không hợp lệ: để trống hoặc ghi member, head, organizer", f.get(r, "role"))
		}
		m.Role = role
		rows = append(rows, m)
	}
	return rows, problems
}

// excelPhone restores the leading 0 that Excel drops when a phone number is
// typed into a number cell (0912345678 becomes 912345678): a bare 9- or
// 10-digit number cannot be a valid phone otherwise.
func excelPhone(s string) string {
	if (len(s) == 9 || len(s) == 10) && s[0] != '0' && strings.Trim(s, "0123456789") == "" {
		return "0" + s
	}
	return s
}

// CheckMemberUnits checks that every row's unit exists (units by code).
func CheckMemberUnits(rows []MemberRow, units map[string]quiz.Unit) []Problem {
	var problems []Problem
	for _, m := range rows {
		if m.UnitCode == "" {
			continue
		}
		if _, ok := units[m.UnitCode]; !ok {
			problems = append(problems, Problem{Line: m.Line, Column: "unit_code", Reason: fmt.Sprintf("không có đơn vị mã %s", m.UnitCode)})
		}
	}
	return problems
}

// Members turns rows into domain members for storage.
func Members(rows []MemberRow) []quiz.Member {
	out := make([]quiz.Member, len(rows))
	for i, r := range rows {
		out[i] = quiz.Member{FullName: r.FullName, Phone: r.Phone, UnitCode: r.UnitCode,
			Position: r.Position, Role: r.Role, Active: true}
	}
	return out
}

// QuestionRow is a question as read from a file.
type QuestionRow struct {
	Line     int
	Question quiz.Question
}

// ParseQuestions reads a question bank: code, question, a–f, answer,
// explanation, topic. The filled options must run from A without a gap (A, B
// and D with C empty is almost surely a slip); the answer is a letter naming
// one of them.
func ParseQuestions(t *Table) ([]QuestionRow, []Problem) {
	f, problems := header(t, questionRequired, questionOptional)
	if len(problems) > 0 {
		return nil, problems
	}
	seen := map[string]int{}
	rows := make([]QuestionRow, 0, len(t.Rows))
	for _, r := range t.Rows {
		q := quiz.Question{Code: f.get(r, "code"), Text: f.get(r, "question"),
			Explanation: f.get(r, "explanation"), Topic: f.get(r, "topic"), Active: true}
		bad := func(col, format string, args ...any) {
			problems = append(problems, Problem{Line: r.Line, Column: col, Reason: fmt.Sprintf(format, args...)})
		}
		problems = append(problems, f.check(r)...)
		if q.Code == "" {
			bad("code", "thiếu mã câu hỏi (code)")
		} else if first, ok := seen[q.Code]; ok {
			bad("code", "trùng mã câu hỏi %s với dòng %d", q.Code, first)
		} else {
			seen[q.Code] = r.Line
		}
		if q.Text == "" {
			bad("question", "thiếu nội dung câu hỏi (question)")
		}

		var opts [len(optionLetters)]string
		filled, last := 0, -1
		for i := range optionLetters {
			opts[i] = f.get(r, optionLetters[i:i+1])
			if opts[i] != "" {
				filled, last = filled+1, i
			}
		}
		optionsOK := true
		if filled < 2 {
			bad("a", "cần ít nhất hai phương án trả lời (cột a và b)")
			optionsOK = false
		} else {
			for i := 0; i < last; i++ {
				if opts[i] == "" {
					bad(optionLetters[i:i+1], "phương án %c để trống nhưng phương án sau nó có nội dung", upper(i))
					optionsOK = false
					break
				}
			}
		}
		if optionsOK {
			q.Options = slices.Clone(opts[:last+1])
			for i := 1; i < len(q.Options); i++ {
				if j := slices.Index(q.Options[:i], q.Options[i]); j >= 0 {
					bad(optionLetters[i:i+1], "phương án %c trùng với phương án %c", upper(i), upper(j))
				}
			}
		}

		answer := strings.ToUpper(f.get(r, "answer"))
		switch {
		case answer == "":
			bad("answer", "thiếu đáp án (answer)")
		case len(answer) != 1 || answer[0] < 'A' || answer[0] > 'F':
			bad("answer", "đáp án %q không hợp lệ: ghi một chữ cái từ A đến F", f.get(r, "answer"))
		case opts[answer[0]-'A'] == "":
			bad("answer", "đáp án %s chỉ vào phương án để trống", answer)
		default:
			q.Correct = int(answer[0] - 'A')
		}
		rows = append(rows, QuestionRow{Line: r.Line, Question: q})
	}
	return rows, problems
}

func upper(i int) rune { return rune('A' + i) }

// CheckUsedQuestions checks the file's questions against the stored ones, by
// code, that have been drawn for an attempt (any of them; those the file does
// not name are ignored). Past answers store option indices, so such a
// question keeps its number of options and its correct option; typos in its
// texts may still be fixed.
func CheckUsedQuestions(rows []QuestionRow, used map[string]quiz.Question) []Problem {
	var problems []Problem
	for _, r := range rows {
		old, ok := used[r.Question.Code]
		if !ok || (len(old.Options) == len(r.Question.Options) && old.Correct == r.Question.Correct) {
			continue
		}
		problems = append(problems, Problem{Line: r.Line, Column: "answer", Reason: fmt.Sprintf("câu hỏi %s đã được dùng trong bài thi: "+
			"không được đổi số phương án hoặc đáp án đúng; hãy thêm câu hỏi mới với mã khác", r.Question.Code)})
	}
	return problems
}

// Questions turns rows into domain questions for storage.
func Questions(rows []QuestionRow) []quiz.Question {
	out := make([]quiz.Question, len(rows))
	for i, r := range rows {
		out[i] = r.Question
	}
	return out
}
