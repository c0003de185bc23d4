package report

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"quizbot/quiz"
)

// The entries report (issue 13): every entry of a contest's entries part
// with its unit, kind, each judge's total, the combined score, the rank and
// the prize.

// EntriesColumns are the report's columns before the judges' (judge_1…,
// one per judge in the order of the judges list) and after them.
var (
	EntriesColumns     = []string{"entry_id", "unit_code", "unit_name", "title", "authors", "entry_kind", "format", "clip_seconds", "words", "size_bytes", "sha256", "url", "submitted_at", "updated_at"}
	EntriesScoreColumn = []string{"judges_scored", "score", "rank", "prize"}
)

// entriesHeadings are the entries report's Vietnamese headings, looked up
// before the shared Headings (whose "kind", say, is the signals').
var entriesHeadings = map[string]string{
	"entry_id": "Mã bài", "title": "Tên bài", "authors": "Tác giả", "entry_kind": "Loại bài", "format": "Định dạng",
	"clip_seconds": "Thời lượng (giây)", "words": "Số chữ", "size_bytes": "Dung lượng (byte)", "sha256": "Mã SHA-256",
	"url": "Đường dẫn", "updated_at": "Thời điểm cập nhật", "judges_scored": "Số giám khảo đã chấm",
	"score": "Điểm tổng hợp",
}

// EntriesTable lays out the ranked entries; times are shown in loc. Each
// judge's column holds their total over the rubric, empty until they have
// scored every criterion; tied entries share their rank.
func EntriesTable(res quiz.EntryResults, loc *time.Location) Table {
	cols := append([]string{}, EntriesColumns...)
	for i := range res.Judges {
		cols = append(cols, "judge_"+strconv.Itoa(i+1))
	}
	cols = append(cols, EntriesScoreColumn...)
	t := Table{Name: "entries", Columns: cols}
	opt := func(ok bool, v any) any {
		if !ok {
			return nil
		}
		return v
	}
	for _, r := range res.Entries {
		e := r.Entry
		row := []any{e.ID, e.UnitCode, e.UnitName, e.Title, e.Authors, string(e.Kind), opt(e.FileFormat != "", e.FileFormat),
			opt(e.DurationMS > 0, (e.DurationMS+500)/1000), opt(e.Words > 0, e.Words), opt(e.FileSize > 0, e.FileSize),
			opt(e.FileHash != "", e.FileHash), opt(e.URL != "", e.URL), e.SubmittedAt.In(loc), e.UpdatedAt.In(loc)}
		for _, p := range r.Judges {
			var cell any // empty where the judge has not scored
			if p != nil {
				cell = Decimal{Scaled: int64(*p), Places: 2}
			}
			row = append(row, cell)
		}
		row = append(row, len(r.Totals), opt(r.Scored, Decimal{Scaled: r.Score, Places: 2}), opt(r.Rank > 0, r.Rank), opt(r.Grade != "", r.Grade))
		t.Rows = append(t.Rows, row)
	}
	return t
}

// EntriesVietnamese gives the entries table its Vietnamese headings, the
// judges' columns named: "Giám khảo 1: Phạm Thu Dung".
func EntriesVietnamese(t Table, judges []quiz.Member) Table {
	cols := make([]string, len(t.Columns))
	for k, c := range t.Columns {
		cols[k] = c
		if h, ok := entriesHeadings[c]; ok {
			cols[k] = h
		} else if h, ok := Headings[c]; ok {
			cols[k] = h
		}
		for i, j := range judges {
			if c == "judge_"+strconv.Itoa(i+1) {
				cols[k] = fmt.Sprintf("Giám khảo %d: %s", i+1, j.FullName)
			}
		}
	}
	t.Columns = cols
	return t
}

// SheetEntries is the workbook's sheet of the entries part.
const SheetEntries = "Bài dự thi"

// entriesSheet is the whole contest's Bài dự thi sheet: report entries in
// Vietnamese, the prizes named (Giải Nhất…).
func entriesSheet(res quiz.EntryResults, c quiz.Contest) Sheet {
	t := EntriesVietnamese(EntriesTable(res, c.Location()), res.Judges)
	cols := make([]Column, len(t.Columns))
	for i, h := range t.Columns {
		cols[i] = Column{Heading: h, Width: 14}
	}
	rows := make([][]any, len(t.Rows))
	for i, r := range t.Rows {
		r = slices.Clone(r)
		if g, ok := r[len(r)-1].(string); ok {
			r[len(r)-1] = GradeVI(g)
		}
		rows[i] = r
	}
	s := Sheet{Name: SheetEntries, Columns: cols, Rows: rowsOf(rows)}
	if !res.Final {
		s.Title = c.Name + " — Bài dự thi — SỐ LIỆU TẠM THỜI (chưa kết thúc chấm điểm)"
	}
	return s
}
