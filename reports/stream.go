package reports

import (
	"context"
	"fmt"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

// StreamReads are RoundStream's reads: storage.DB.
type StreamReads interface {
	RoundActual(ctx context.Context, c quiz.Contest, r quiz.Round, now time.Time) (actual int64, frozen bool, err error)
	EachResult(ctx context.Context, roundID, actual int64, now time.Time, fn func(report.Result) error) error
	ResultsLongest(ctx context.Context, roundID int64) ([]int, error)
	UnitResults(ctx context.Context, roundID int64, now time.Time) ([]report.UnitResult, error)
	EachAbsent(ctx context.Context, roundID int64, now time.Time, fn func(report.Absent) error) error
	AbsentLongest(ctx context.Context, roundID int64) ([]int, error)
}

// RoundStream is a round's report of kind (results, units or absent) for a
// writer that takes rows one at a time: the results and absentees are read
// from PostgreSQL as they are written and the units' figures are aggregated
// there, so that the report's memory does not grow with the round (a
// national one has a million attempts). summary describes the rows once
// they are written.
func RoundStream(ctx context.Context, db StreamReads, kind report.Kind, c quiz.Contest, r quiz.Round, now time.Time, slice Slice) (t report.StreamTable, summary func() string, err error) {
	switch kind {
	case report.KindResults:
		// The actual figure the prizes use: frozen once the round settled.
		actual, _, err := db.RoundActual(ctx, c, r, now)
		if err != nil {
			return t, nil, err
		}
		ranked := 0
		t = report.StreamTable{Name: string(report.KindResults), Columns: report.ResultsColumns,
			Rows: func(emit func([]any) error) error {
				loc := c.Location()
				return db.EachResult(ctx, r.ID, actual, now, func(x report.Result) error {
					if !slice.keep(x.UnitCode) {
						return nil
					}
					ranked++
					return emit(report.ResultsRow(x, loc))
				})
			},
			Longest: func() ([]int, error) { return db.ResultsLongest(ctx, r.ID) }}
		what := "participants"
		if c.PredictionTarget == quiz.PredictPerfect {
			what = "perfect scores"
		}
		return t, func() string { return fmt.Sprintf("%d ranked, actual %s %d", ranked, what, actual) }, nil
	case report.KindUnits:
		all, err := db.UnitResults(ctx, r.ID, now)
		if err != nil {
			return t, nil, err
		}
		var units []report.UnitResult
		staff, took, webOnly := 0, 0, 0
		for _, u := range all {
			if slice.keep(u.Code) {
				units = append(units, u)
				staff, took, webOnly = staff+u.Staff, took+u.Participated, webOnly+u.WebOnly
			}
		}
		s := fmt.Sprintf("%d units, %d of %d staff took part", len(units), took, staff)
		if webOnly > 0 {
			// The column stays the real activation figure; say why it may
			// look low beside the participants.
			s += fmt.Sprintf("; verified leaves out %d who only tried the local web chat (không tính %d người chỉ dùng thử trên trang web cục bộ)", webOnly, webOnly)
		}
		return report.UnitsTable(units).Stream(), func() string { return s }, nil
	case report.KindAbsent:
		absent := 0
		t = report.StreamTable{Name: string(report.KindAbsent), Columns: report.AbsentColumns,
			Rows: func(emit func([]any) error) error {
				return db.EachAbsent(ctx, r.ID, now, func(a report.Absent) error {
					if !slice.keep(a.UnitCode) {
						return nil
					}
					absent++
					return emit(report.AbsentRow(a))
				})
			},
			Longest: func() ([]int, error) { return db.AbsentLongest(ctx, r.ID) }}
		return t, func() string { return fmt.Sprintf("%d absent", absent) }, nil
	}
	return t, nil, fmt.Errorf("unknown report %q", kind)
}
