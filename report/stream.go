package report

import "unicode/utf8"

// StreamTable is a report whose rows are read one at a time, straight from
// PostgreSQL to the CSV or XLSX writer, so that a report of a million
// attempts never sits in memory.
type StreamTable struct {
	Name    string // the sheet name in a workbook
	Columns []string
	// Rows calls emit with each row in order (cells as in Table); it stops
	// at emit's first error and returns it.
	Rows func(emit func(row []any) error) error
	// Longest, when set, returns each column's longest cell text in
	// characters (the header aside), or more: an XLSX sheet's column
	// widths precede its rows, so a streamed sheet learns them first (a
	// cheap aggregate query). Nil: the headings alone size the columns.
	Longest func() ([]int, error)
}

// Stream is the table as a StreamTable, its widths measured from its rows.
func (t Table) Stream() StreamTable {
	return StreamTable{Name: t.Name, Columns: t.Columns,
		Rows: func(emit func(row []any) error) error {
			for _, row := range t.Rows {
				if err := emit(row); err != nil {
					return err
				}
			}
			return nil
		},
		Longest: func() ([]int, error) {
			longest := make([]int, len(t.Columns))
			for _, row := range t.Rows {
				for j := 0; j < len(row) && j < len(longest); j++ {
					s, err := cellText(row[j])
					if err != nil {
						return nil, err
					}
					longest[j] = max(longest[j], utf8.RuneCountInString(s))
				}
			}
			return longest, nil
		}}
}

// Digits is how many characters n takes as CSV writes it, for Longest.
func Digits(n int64) int {
	d := 1
	if n < 0 {
		d, n = 2, -n
	}
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// Vietnamese is the table with the Vietnamese headings of Headings (the
// workbook's and `--headings vi`), its rows unchanged.
func (t StreamTable) Vietnamese() StreamTable {
	t.Columns = Table{Columns: t.Columns}.Vietnamese().Columns
	return t
}
