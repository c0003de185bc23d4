package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
)

// workbookArgs is a parsed `quizbot report workbook` command line.
type workbookArgs struct {
	round   int
	contest contestFlag
	out     string
}

func isWorkbookReport(args []string) bool { return slices.Contains(args, "workbook") }

func parseWorkbookArgs(args []string) (workbookArgs, error) {
	var a workbookArgs
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&a.round, "round", 0, "round number")
	fs.Var(&a.contest, "contest", "the whole contest, or --contest=CODE")
	fs.StringVar(&a.out, "out", "", "output file")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return a, err
	}
	words = a.contest.takeCode(words, func(w string) bool { return w == "workbook" })
	switch {
	case len(words) != 1 || words[0] != "workbook":
		return a, fmt.Errorf("%w: report workbook takes no other report name", errUsage)
	case a.round < 0:
		return a, fmt.Errorf("%w: report workbook --round %d: give the round's number (1, 2, …)", errUsage, a.round)
	case a.round == 0 && !a.contest.set:
		return a, fmt.Errorf("%w: report workbook needs --round N (a round) or --contest (the whole contest)", errUsage)
	case a.out == "":
		return a, fmt.Errorf("%w: report workbook needs --out FILE.xlsx", errUsage)
	case !strings.EqualFold(filepath.Ext(a.out), ".xlsx"):
		return a, fmt.Errorf("%w: report workbook --out %q: the workbook is an .xlsx file", errUsage, a.out)
	}
	return a, nil
}

// cmdReportWorkbook runs `quizbot report workbook --round N | --contest
// --out FILE.xlsx`: every report of the round (or the contest so far) in one
// Vietnamese workbook for the province.
func cmdReportWorkbook(ctx context.Context, e *env, args []string) error {
	a, err := parseWorkbookArgs(args)
	if err != nil {
		return err
	}
	now := time.Now()
	db, c, err := openReport(ctx, e, "workbook", "xlsx", a.out, a.contest.code, now)
	if err != nil {
		return err
	}
	defer db.Close()
	wb, err := buildWorkbook(ctx, db, c, a.round, now)
	if err != nil {
		return fmt.Errorf("report workbook: contest %s: %w", c.Code, err)
	}
	if err := writeFileAtomic(a.out, wb.Write); err != nil {
		return fmt.Errorf("report workbook: %w", err)
	}
	fmt.Fprintf(e.stderr, "report workbook: contest %s: %s to %s\n", c.Code, wb.Subject, a.out)
	return nil
}

var signalKindsVI = map[string]string{
	report.SignalFast:           "Làm bài quá nhanh",
	report.SignalSameAnswers:    "Đáp án giống hệt nhau",
	report.SignalSharedAccount:  "Một tài khoản xác thực nhiều người",
	report.SignalSamePrediction: "Dự đoán trùng nhau",
}

// buildWorkbook gathers the small figures at once (units × rounds) and
// leaves the long lists (Cá nhân above all) to stream from PostgreSQL while
// the file is written. round 0 is the whole contest so far.
func buildWorkbook(ctx context.Context, db *storage.DB, c quiz.Contest, round int, now time.Time) (report.Workbook, error) {
	loc := c.Location()
	opened := slices.DeleteFunc(slices.Clone(c.Rounds), func(r quiz.Round) bool { return now.Before(r.OpensAt) })
	var scope, weeks []quiz.Round
	title := c.Name
	if title == "" {
		title = c.Code
	}
	author := c.Name
	if author == "" {
		author = report.Organizer
	} else {
		author = report.Organizer + " " + c.Name
	}
	wb := report.Workbook{Author: author, Created: now}
	if round > 0 {
		r, ok := c.RoundByNumber(round)
		if !ok {
			return wb, fmt.Errorf("no round %d; %s", round, roundList(c))
		}
		scope = []quiz.Round{r}
		for _, o := range opened {
			if o.Number <= r.Number {
				weeks = append(weeks, o)
			}
		}
		if !slices.ContainsFunc(weeks, func(o quiz.Round) bool { return o.ID == r.ID }) {
			weeks = append(weeks, r)
		}
		wb.Title = fmt.Sprintf("%s — Kết quả vòng %d (%s)", title, r.Number, period(r, loc))
		wb.Subject = fmt.Sprintf("vòng %d", r.Number)
	} else {
		if len(opened) == 0 {
			return wb, errors.New("no round has opened yet")
		}
		scope, weeks = opened, opened
		wb.Title = fmt.Sprintf("%s — Kết quả toàn cuộc thi (vòng %d–%d)", title, opened[0].Number, opened[len(opened)-1].Number)
		wb.Subject = "toàn cuộc thi"
	}
	provisional := false
	for _, r := range scope {
		provisional = provisional || now.Before(storage.SettledAt(c, r))
	}
	if provisional {
		wb.Title += " — SỐ LIỆU TẠM THỜI"
	}
	ids := roundIDs(scope)

	// Unit figures: the roster now, the rounds' counts by SQL aggregates.
	units, err := db.Units(ctx)
	if err != nil {
		return wb, err
	}
	rosters, err := db.UnitRosters(ctx)
	if err != nil {
		return wb, err
	}
	figs, err := db.UnitRoundFigures(ctx, roundIDs(weeks), now)
	if err != nil {
		return wb, err
	}
	inScope := map[int64]bool{}
	for _, id := range ids {
		inScope[id] = true
	}
	nodes := make([]report.UnitNode, len(units))
	index := map[string]int{}
	names := map[string]string{}
	for i, u := range units {
		nodes[i] = report.UnitNode{Code: u.Code, Name: u.Name, ParentCode: u.ParentCode}
		index[u.Code] = i
		names[u.Code] = u.Name
	}
	staff := 0
	for _, r := range rosters {
		if i, ok := index[r.Code]; ok {
			nodes[i].Own.Staff, nodes[i].Own.Verified = r.Staff, r.Verified
		}
		staff += r.Staff
	}
	byRound := map[int64]*report.Week{}
	for _, r := range weeks {
		wb.Weeks = append(wb.Weeks, report.Week{Round: r.Number, Period: period(r, loc), Staff: staff})
	}
	for i, r := range weeks {
		byRound[r.ID] = &wb.Weeks[i]
	}
	for _, f := range figs {
		if w := byRound[f.RoundID]; w != nil {
			w.Participated += f.Participated
			w.CorrectSum += f.CorrectSum
			w.ZeroScores += f.ZeroScores
		}
		if i, ok := index[f.UnitCode]; ok && inScope[f.RoundID] {
			nodes[i].Own.Participations += f.Participated
			nodes[i].Own.CorrectSum += f.CorrectSum
			nodes[i].Own.ZeroScores += f.ZeroScores
		}
	}
	rolled := report.RollUp(nodes)
	what := "Số người tham gia"
	if round == 0 {
		what = "Lượt tham gia"
	}
	wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetUnits, Columns: report.UnitsSheetColumns(what),
		Rows: func(emit func([]any) error) error {
			for _, u := range rolled {
				if err := emit(report.UnitsSheetRow(u, len(scope))); err != nil {
					return err
				}
			}
			return nil
		}})

	// The actual figures the predictions are measured against.
	actuals := make([]int64, len(scope))
	target := "số người tham gia"
	if c.PredictionTarget == quiz.PredictPerfect {
		target = "số người trả lời đúng tất cả"
	}
	for i, r := range scope {
		act, frozen, err := db.RoundActual(ctx, c, r, now)
		if err != nil {
			return wb, err
		}
		actuals[i] = act
		state := "đã chốt"
		if !frozen {
			state = "tạm thời"
		}
		wb.Notes = append(wb.Notes, fmt.Sprintf("Vòng %d: đáp án câu dự đoán (%s) là %s (%s).", r.Number, target, outbound.GroupDigits(act), state))
	}
	wb.Notes = append(wb.Notes, "Số CBCCVC là danh sách hiện tại; tỷ lệ tham gia tính trên cán bộ còn trong danh sách.")

	memberCols := []report.Column{col("Hạng", 8), col("Họ và tên", 28), col("Số điện thoại", 14), col("Mã đơn vị", 12),
		col("Tên đơn vị", 32), col("Chức vụ", 24), col("Số câu đúng", 10), col("Chênh lệch dự đoán", 12),
		col("Thời gian làm bài (giây)", 12), col("Ghi chú", 16)}
	wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetMembers, Columns: memberCols,
		Rows: func(emit func([]any) error) error {
			var st *storage.Stream[report.Entry]
			var err error
			if round == 0 {
				st, err = db.ContestRanking(ctx, ids, actuals, now)
			} else {
				st, err = db.RoundRanking(ctx, ids[0], actuals[0], now)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			// Members sharing a rank come by name, the Vietnamese way; a
			// rank's group is small (equal on every criterion).
			var group []report.Entry
			flush := func() error {
				if len(group) > 1 { // most ranks hold one member: no collation
					report.SortByName(group, func(e report.Entry) string { return e.FullName })
				}
				for _, e := range group {
					var dist any
					if e.Distance != nil {
						dist = *e.Distance
					}
					note := ""
					if !e.Active {
						note = "Đã rời danh sách"
					}
					if err := emit([]any{e.Rank, e.FullName, e.Phone, e.UnitCode, names[e.UnitCode], e.Position,
						e.Correct, dist, e.DurationSeconds, note}); err != nil {
						return err
					}
				}
				group = group[:0]
				return nil
			}
			for {
				e, ok, err := st.Next()
				if err != nil {
					return err
				}
				if !ok {
					break
				}
				if len(group) > 0 && group[0].Rank != e.Rank {
					if err := flush(); err != nil {
						return err
					}
				}
				group = append(group, e)
			}
			return flush()
		}})

	// Prizes, by the contest file.
	prizeCols := []report.Column{col("Giải", 18), col("Hạng", 8), col("Họ và tên", 28), col("Số điện thoại", 14),
		col("Mã đơn vị", 12), col("Chức vụ", 24), col("Số câu đúng", 10), col("Chênh lệch dự đoán", 12), col("Thời gian làm bài (giây)", 12)}
	p, ok, err := db.ContestPrizes(ctx, c.ID)
	if err != nil {
		return wb, err
	}
	ip := p.Round
	if round == 0 {
		ip = p.Contest
	}
	var prizeRows [][]any
	if ok && ip != nil {
		pa := prizesArgs{kind: "prizes", round: round}
		pa.contest.set = round == 0
		t, _, err := buildPrizesReport(ctx, db, pa, c, now)
		if err != nil {
			return wb, err
		}
		for _, r := range t.Rows {
			r = slices.Clone(r)
			if g, ok := r[0].(string); ok {
				r[0] = report.GradeVI(g)
			}
			prizeRows = append(prizeRows, r)
		}
	} else {
		prizeRows = [][]any{{"Thể lệ cuộc thi không quy định giải cá nhân cho phạm vi này."}}
	}
	wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetPrizes, Columns: prizeCols, Rows: rowsOf(prizeRows)})
	if round == 0 && ok && p.Units != nil {
		// The units' prizes: each unit with its own staff, no roll-up.
		pa := prizesArgs{kind: "prizes", units: true}
		pa.contest.set = true
		t, _, err := buildPrizesReport(ctx, db, pa, c, now)
		if err != nil {
			return wb, err
		}
		var rows [][]any
		for _, r := range t.Rows {
			r = slices.Clone(r)
			if g, ok := r[0].(string); ok {
				r[0] = report.GradeVI(g)
			}
			if d, ok := r[5].(report.Decimal); ok {
				r[5] = report.Pct(d)
			}
			rows = append(rows, r)
		}
		wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetUnitPrizes, Rows: rowsOf(rows),
			Columns: []report.Column{col("Giải", 18), col("Hạng", 8), col("Mã đơn vị", 12), col("Tên đơn vị", 32),
				col("Số CBCCVC", 12), col("Tỷ lệ tham gia bình quân", 14), col("Số câu đúng bình quân", 14)}})
	}

	// Absent: the last round of the scope.
	last := scope[len(scope)-1]
	wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetAbsent,
		Title: fmt.Sprintf("%s — Chưa tham gia vòng %d", title, last.Number),
		Columns: []report.Column{col("Mã đơn vị", 12), col("Tên đơn vị", 32), col("Họ và tên", 28), col("Số điện thoại", 14),
			col("Chức vụ", 24), col("Đã kích hoạt", 10), col("Lý do", 30)},
		Rows: func(emit func([]any) error) error {
			absent, err := db.AbsentMembers(ctx, last.ID, now)
			if err != nil {
				return err
			}
			for _, x := range absent {
				v := report.No
				if x.Verified {
					v = report.Yes
				}
				if err := emit([]any{x.UnitCode, names[x.UnitCode], x.FullName, x.Phone, x.Position, v, x.Reason()}); err != nil {
					return err
				}
			}
			return nil
		}})

	wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetZeros,
		Columns: []report.Column{col("Vòng", 8), col("Mã đơn vị", 12), col("Tên đơn vị", 32), col("Họ và tên", 28),
			col("Số điện thoại", 14), col("Chức vụ", 24), col("Số câu hỏi", 10), col("Thời gian làm bài (giây)", 12), col("Thời điểm nộp bài", 20)},
		Rows: func(emit func([]any) error) error {
			for _, r := range scope {
				z, err := db.ZeroScores(ctx, r.ID, now, loc)
				if err != nil {
					return err
				}
				for _, x := range z {
					if err := emit([]any{r.Number, x.UnitCode, x.UnitName, x.FullName, x.Phone, x.Position,
						x.Total, x.DurationSeconds, x.SubmittedAt}); err != nil {
						return err
					}
				}
			}
			return nil
		}})

	itemCols := []report.Column{col("Mã câu hỏi", 12), col("Vòng", 8), col("Chủ đề", 24), col("Số lần hỏi", 10),
		col("Số lần trả lời", 10), col("Độ khó (tỷ lệ đúng)", 12), col("Độ phân biệt", 12), col("Đáp án", 8)}
	for k := range report.MaxOptions {
		itemCols = append(itemCols, report.Column{Heading: "Chọn " + report.Letter(k), Width: 9})
	}
	itemCols = append(itemCols, report.Column{Heading: "Cảnh báo", Width: 60})
	wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetItems, Columns: itemCols,
		Rows: func(emit func([]any) error) error {
			return db.QuestionStats(ctx, ids, now, func(s report.QuestionStat) error {
				if round > 0 {
					s.Round = round
				}
				row := report.QuestionRow(s)
				row[len(row)-1] = s.FlagsVI()
				return emit(row)
			})
		}})

	wb.Sheets = append(wb.Sheets, report.Sheet{Name: report.SheetSignals,
		Columns: []report.Column{col("Vòng", 8), col("Loại dấu hiệu", 24), col("Mã đơn vị", 12), col("Tên đơn vị", 28),
			col("Thành viên", 36), col("Số điện thoại", 24), col("Bằng chứng", 60), col("Từ lúc", 20), col("Đến lúc", 20)},
		Rows: func(emit func([]any) error) error {
			for _, r := range scope {
				signals, err := roundSignals(ctx, db, c, r, now)
				if err != nil {
					return err
				}
				for _, row := range report.SignalsTable(signals, loc).Rows {
					if k, ok := signalKindsVI[row[0].(string)]; ok {
						row[0] = k
					}
					if err := emit(append([]any{r.Number}, row...)); err != nil {
						return err
					}
				}
			}
			return nil
		}})
	return wb, nil
}

func rowsOf(rows [][]any) func(func([]any) error) error {
	return func(emit func([]any) error) error {
		for _, r := range rows {
			if err := emit(r); err != nil {
				return err
			}
		}
		return nil
	}
}

func roundIDs(rs []quiz.Round) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}

// period is a round's dates, day first as Vietnamese write them.
func period(r quiz.Round, loc *time.Location) string {
	return r.OpensAt.In(loc).Format("02/01/2006") + " – " + r.ClosesAt.In(loc).Format("02/01/2006")
}

func col(heading string, width float64) report.Column {
	return report.Column{Heading: heading, Width: width}
}
