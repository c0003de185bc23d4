package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Table is a report ready to write: one header row and typed cells. A cell
// is nil (empty), a string, an int or int64, a Decimal, or a time.Time shown
// in its own location as TimeLayout. Writers keep the types: numbers stay
// numbers in XLSX.
type Table struct {
	Name    string // the sheet name in a workbook
	Columns []string
	Rows    [][]any
}

// TimeLayout is how reports show times: local to the contest, to the second.
const TimeLayout = "2006-01-02 15:04:05"

// Decimal is a fixed-point number, Scaled/10^Places. Reports round in
// integers so that the CSV and the XLSX show the same digits.
type Decimal struct {
	Scaled int64
	Places int
}

func (d Decimal) String() string {
	s := strconv.FormatInt(abs(d.Scaled), 10)
	if d.Places > 0 {
		for len(s) <= d.Places {
			s = "0" + s
		}
		s = s[:len(s)-d.Places] + "." + s[len(s)-d.Places:]
	}
	if d.Scaled < 0 {
		s = "-" + s
	}
	return s
}

// Comma is the decimal the Vietnamese way, with a decimal comma: "85,7",
// as the chat's cards and the console show it.
func (d Decimal) Comma() string { return strings.Replace(d.String(), ".", ",", 1) }

// Float is the decimal's value as a float64, for spreadsheets.
// Parsing the decimal's text gives the double nearest to it (3.67, not
// 3.6700000000000004 as repeated division by 10 does), so that a spreadsheet
// stores the figure the CSV prints.
func (d Decimal) Float() float64 {
	f, err := strconv.ParseFloat(d.String(), 64)
	if err != nil { // cannot happen: String writes digits and one point
		return float64(d.Scaled)
	}
	return f
}

func abs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

// Kind names one of the reports.
type Kind string

const (
	KindResults Kind = "results"
	KindUnits   Kind = "units"
	KindAbsent  Kind = "absent"
)

// Kinds lists the reports, in the order the usage shows them.
var Kinds = []Kind{KindResults, KindUnits, KindAbsent}

// Columns of each report, as the issue fixes them.
var (
	ResultsColumns = []string{"rank", "full_name", "phone", "unit_code", "position", "correct", "total", "duration_seconds", "prediction", "submitted_at"}
	UnitsColumns   = []string{"unit_code", "unit_name", "staff", "verified", "participated", "participation_pct", "avg_correct", "zero_scores"}
	AbsentColumns  = []string{"unit_code", "full_name", "phone", "position", "verified", "reason"}
)

// ResultsTable lays out a ranking; submission times are shown in loc, the
// contest's time zone.
func ResultsTable(r Ranking, loc *time.Location) Table {
	t := Table{Name: string(KindResults), Columns: ResultsColumns, Rows: make([][]any, len(r.Results))}
	for i, x := range r.Results {
		t.Rows[i] = ResultsRow(x, loc)
	}
	return t
}

// ResultsRow is a ranked member's line of the results report.
func ResultsRow(x Result, loc *time.Location) []any {
	var pred any
	if x.Prediction != nil {
		pred = *x.Prediction
	}
	return []any{x.Rank, x.FullName, x.Phone, x.UnitCode, x.Position,
		x.Correct, x.Total, x.DurationSeconds(), pred, x.SubmittedAt.In(loc)}
}

// UnitsTable lays out the units' figures; a percentage or average that does
// not exist (no staff, no participant) is an empty cell.
func UnitsTable(units []UnitResult) Table {
	t := Table{Name: string(KindUnits), Columns: UnitsColumns, Rows: make([][]any, len(units))}
	for i, u := range units {
		var pct, avg any
		if d, ok := u.ParticipationPct(); ok {
			pct = d
		}
		if d, ok := u.AvgCorrect(); ok {
			avg = d
		}
		t.Rows[i] = []any{u.Code, u.Name, u.Staff, u.Verified, u.Participated, pct, avg, u.ZeroScores}
	}
	return t
}

// Yes and No are how reports write a boolean.
const (
	Yes = "có"
	No  = "không"
)

// AbsentTable lays out the members who did not take part.
func AbsentTable(absent []Absent) Table {
	t := Table{Name: string(KindAbsent), Columns: AbsentColumns, Rows: make([][]any, len(absent))}
	for i, a := range absent {
		t.Rows[i] = AbsentRow(a)
	}
	return t
}

// AbsentRow is an absent member's line of the absent report.
func AbsentRow(a Absent) []any {
	verified := No
	if a.Verified {
		verified = Yes
	}
	return []any{a.UnitCode, a.FullName, a.Phone, a.Position, verified, a.Reason()}
}

// cellText is a cell as CSV shows it.
func cellText(v any) (string, error) {
	switch v := v.(type) {
	case nil:
		return "", nil
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case Decimal:
		return v.String(), nil
	case time.Time:
		return v.Format(TimeLayout), nil
	}
	return "", fmt.Errorf("report: unsupported cell type %T", v)
}

// ParseKind accepts a report's name as the command line gives it.
func ParseKind(s string) (Kind, bool) {
	for _, k := range Kinds {
		if string(k) == s {
			return k, true
		}
	}
	return "", false
}
