package report

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
)

// Building the province's workbook from the database's reads. report
// defines what it reads (WorkbookReads) and storage implements it, so that
// the command and the weekly cards build the same workbook and report never
// depends on storage.

// Stream is a query's rows read one at a time (a ranking of a whole round):
// Next's ok is false at the end; Close may be called twice.
type Stream[T any] interface {
	Next() (v T, ok bool, err error)
	Close() error
}

// UnitRoundFigure is one unit's counts in one round: its active members who
// took part, their counted attempts' correct answers and zero scores.
type UnitRoundFigure struct {
	UnitCode     string `db:"unit_code"`
	RoundID      int64  `db:"round_id"`
	Participated int    `db:"participated"`
	CorrectSum   int    `db:"correct_sum"`
	ZeroScores   int    `db:"zero_scores"`
}

// PrizeReads are the reads the prizes come from.
type PrizeReads interface {
	// ContestPrizes is the contest file's prizes: section; ok is false
	// when it declared none.
	ContestPrizes(ctx context.Context, contestID int64) (p Prizes, ok bool, err error)
	// RoundActual is the figure the round's predictions are measured
	// against, frozen once the round is settled.
	RoundActual(ctx context.Context, c quiz.Contest, r quiz.Round, now time.Time) (actual int64, frozen bool, err error)
	RoundRanking(ctx context.Context, roundID, actual int64, now time.Time) (Stream[Entry], error)
	ContestRanking(ctx context.Context, roundIDs, actuals []int64, now time.Time) (Stream[Entry], error)
	UnitRanking(ctx context.Context, roundIDs []int64, now time.Time, p UnitPrizes) (Stream[UnitEntry], error)
}

// SignalReads are the reads the integrity signals come from.
type SignalReads interface {
	ContestIntegrity(ctx context.Context, contestID int64) (quiz.Integrity, error)
	FastAttempts(ctx context.Context, roundID int64, now time.Time, minPerQuestion int) ([]FastAttempt, error)
	SameAnswerPairs(ctx context.Context, roundID int64, now time.Time, window time.Duration, minCommon int) ([]SamePair, error)
	SharedAccountEvents(ctx context.Context, until time.Time) ([]AccountEvent, error)
	SamePredictions(ctx context.Context, roundID int64, now time.Time, minMembers int) ([]PredictionCopy, error)
}

// WorkbookReads are every read of the workbook.
type WorkbookReads interface {
	PrizeReads
	SignalReads
	Units(ctx context.Context) ([]quiz.Unit, error)
	UnitRosters(ctx context.Context) ([]UnitRoster, error)
	UnitRoundFigures(ctx context.Context, roundIDs []int64, now time.Time) ([]UnitRoundFigure, error)
	AbsentMembers(ctx context.Context, roundID int64, now time.Time) ([]Absent, error)
	ZeroScores(ctx context.Context, roundID int64, now time.Time, loc *time.Location) ([]ZeroScore, error)
	QuestionStats(ctx context.Context, roundIDs []int64, now time.Time, emit func(QuestionStat) error) error
}

// RoundActuals reads the actual figure of each round, and whether it is
// frozen, once for every sheet and table that needs it.
func RoundActuals(ctx context.Context, db PrizeReads, c quiz.Contest, rounds []quiz.Round, now time.Time) (actuals []int64, frozen []bool, err error) {
	actuals, frozen = make([]int64, len(rounds)), make([]bool, len(rounds))
	for i, r := range rounds {
		if actuals[i], frozen[i], err = db.RoundActual(ctx, c, r, now); err != nil {
			return nil, nil, err
		}
	}
	return actuals, frozen, nil
}

// RankingStream streams the individual ranking: of one round (roundIDs and
// actuals of one), or of the whole contest over the rounds given (by its
// sums, even of one round).
func RankingStream(ctx context.Context, db PrizeReads, contest bool, roundIDs, actuals []int64, now time.Time) (Stream[Entry], error) {
	if contest {
		return db.ContestRanking(ctx, roundIDs, actuals, now)
	}
	return db.RoundRanking(ctx, roundIDs[0], actuals[0], now)
}

// MemberAwards awards p over the ranking (RankingStream), measured against the
// rounds' actual figures: the part of the prizes that ranks, apart from the
// reads of the prizes and the actuals, which the caller does once.
func MemberAwards(ctx context.Context, db PrizeReads, p IndividualPrizes, contest bool, roundIDs, actuals []int64, now time.Time) ([]Award[Entry], []Tie, error) {
	st, err := RankingStream(ctx, db, contest, roundIDs, actuals, now)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	awards, ties, err := AwardMembers(p, st.Next)
	if err != nil {
		return nil, nil, fmt.Errorf("ranking: %w", err)
	}
	return awards, ties, nil
}

// UnitAwards awards the contest's unit prizes over the rounds.
func UnitAwards(ctx context.Context, db PrizeReads, p UnitPrizes, roundIDs []int64, now time.Time) ([]Award[UnitEntry], []Tie, error) {
	st, err := db.UnitRanking(ctx, roundIDs, now, p)
	if err != nil {
		return nil, nil, err
	}
	defer st.Close()
	awards, ties, err := AwardUnits(p, st.Next)
	if err != nil {
		return nil, nil, fmt.Errorf("unit ranking: %w", err)
	}
	return awards, ties, nil
}

// RoundSignals gathers round r's integrity signals, kind by kind, with the
// contest's thresholds.
func RoundSignals(ctx context.Context, db SignalReads, c quiz.Contest, r quiz.Round, now time.Time) ([]Signal, error) {
	g, err := db.ContestIntegrity(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	loc := c.Location()
	var out []Signal
	fast, err := db.FastAttempts(ctx, r.ID, now, g.MinSecondsPerQuestion)
	if err != nil {
		return nil, err
	}
	out = append(out, FastSignals(fast, g.MinSecondsPerQuestion, loc)...)
	pairs, err := db.SameAnswerPairs(ctx, r.ID, now, g.SameAnswersWindow, min(SameAnswersMinCommon, c.QuestionsPerAttempt))
	if err != nil {
		return nil, err
	}
	out = append(out, SameAnswerSignals(pairs, g.SameAnswersWindow, loc)...)
	events, err := db.SharedAccountEvents(ctx, now)
	if err != nil {
		return nil, err
	}
	out = append(out, SharedAccountSignals(events, loc)...)
	preds, err := db.SamePredictions(ctx, r.ID, now, SamePredictionMembers)
	if err != nil {
		return nil, err
	}
	return append(out, PredictionSignals(preds, loc)...), nil
}

// roundSignals is RoundSignals, made once per round over Remember's reads:
// each head's slice filters the same signals.
func roundSignals(ctx context.Context, db WorkbookReads, c quiz.Contest, r quiz.Round, now time.Time) ([]Signal, error) {
	if m, ok := db.(*remembered); ok {
		return once(m, memoKey("signals", r.ID, now.UnixNano()), func() ([]Signal, error) {
			return RoundSignals(ctx, m.db, c, r, now)
		})
	}
	return RoundSignals(ctx, db, c, r, now)
}

// WorkbookOptions choose what a workbook covers.
type WorkbookOptions struct {
	// Unit, when set, is a unit's code: the workbook keeps that unit and
	// every unit under it (a head's slice, for the weekly card), and leaves
	// out Câu hỏi, whose item analysis is the province's.
	Unit string
	// Entries, for the whole contest (round 0) of a contest with an
	// entries part, are its results: the Bài dự thi sheet, after the
	// prizes.
	Entries *quiz.EntryResults
	// Background reads the last, small sheets on a second database
	// connection while the others are written: for `quizbot report
	// workbook`, which has the machine to itself. A serving process keeps
	// its connections for the chats.
	Background bool
}

var signalKindsVI = map[string]string{
	SignalFast:           "Làm bài quá nhanh",
	SignalSameAnswers:    "Đáp án giống hệt nhau",
	SignalSharedAccount:  "Một tài khoản xác thực nhiều người",
	SignalSamePrediction: "Dự đoán trùng nhau",
}

// errNoRoundOpened is BuildWorkbook's error for the whole contest before
// its first round opens.
var errNoRoundOpened = errors.New("no round has opened yet")

// Weeks are the rounds a round's workbook shows week by week: those opened
// by now up to it, and it.
func Weeks(c quiz.Contest, r quiz.Round, now time.Time) []quiz.Round {
	var weeks []quiz.Round
	for _, o := range c.Rounds {
		if !now.Before(o.OpensAt) && o.Number <= r.Number {
			weeks = append(weeks, o)
		}
	}
	if !slices.ContainsFunc(weeks, func(o quiz.Round) bool { return o.ID == r.ID }) {
		weeks = append(weeks, r)
	}
	return weeks
}

// UnitResults are a round's figures of every unit of the rosters, by the
// rosters' order, from the rounds' figures (UnitRoundFigures; a unit
// without any in the round took no part).
func UnitResults(rosters []UnitRoster, figs []UnitRoundFigure, roundID int64) []UnitResult {
	byUnit := map[string]UnitRoundFigure{}
	for _, f := range figs {
		if f.RoundID == roundID {
			byUnit[f.UnitCode] = f
		}
	}
	out := make([]UnitResult, len(rosters))
	for i, r := range rosters {
		f := byUnit[r.Code]
		out[i] = UnitResult{UnitRoster: r, Participated: f.Participated, CorrectSum: f.CorrectSum, ZeroScores: f.ZeroScores}
	}
	return out
}

// BuildWorkbook gathers the small figures at once (units × rounds) and
// leaves the long lists (Cá nhân above all) to stream from db while the file
// is written. round 0 is the whole contest so far.
func BuildWorkbook(ctx context.Context, db WorkbookReads, c quiz.Contest, round int, now time.Time, opt WorkbookOptions) (Workbook, error) {
	loc := c.Location()
	opened := slices.DeleteFunc(slices.Clone(c.Rounds), func(r quiz.Round) bool { return now.Before(r.OpensAt) })
	var scope, weeks []quiz.Round
	title := c.Name
	if title == "" {
		title = c.Code
	}
	author := c.Name
	if author == "" {
		author = Organizer
	} else {
		author = Organizer + " " + c.Name
	}
	wb := Workbook{Author: author, Created: now}
	if round > 0 {
		r, ok := c.RoundByNumber(round)
		if !ok {
			return wb, fmt.Errorf("no round %d", round)
		}
		scope, weeks = []quiz.Round{r}, Weeks(c, r, now)
		wb.Title = fmt.Sprintf("%s — Kết quả vòng %d (%s)", title, r.Number, period(r, loc))
		wb.Subject = fmt.Sprintf("vòng %d", r.Number)
	} else {
		if len(opened) == 0 {
			return wb, errNoRoundOpened
		}
		scope, weeks = opened, opened
		wb.Title = fmt.Sprintf("%s — Kết quả toàn cuộc thi (vòng %d–%d)", title, opened[0].Number, opened[len(opened)-1].Number)
		wb.Subject = "toàn cuộc thi"
	}

	units, err := db.Units(ctx)
	if err != nil {
		return wb, err
	}
	// keep says whether a unit's rows go in: every unit, or a head's
	// subtree.
	keep := func(string) bool { return true }
	slice := ""
	var in map[string]bool // the slice's units
	if opt.Unit != "" {
		var label string
		var err error
		in, label, err = subtree(units, opt.Unit)
		if err != nil {
			return wb, err
		}
		keep = func(code string) bool { return in[code] }
		slice = " — " + label
		wb.Title += slice
		wb.Subject += " — " + opt.Unit
	}
	// With opt.Background, the small sheets at the end (Điểm 0, Câu hỏi,
	// Dấu hiệu bất thường) are read in the background, one after another
	// on a connection of their own, while the figures below are read and
	// the long sheets stream: on two cores PostgreSQL answers them while Go
	// writes Cá nhân (a national round's workbook took 15.7 s so instead of
	// 21.2 s, measured before the other savings of BENCHMARKS.md).
	lane := newLane(ctx, opt.Background)
	wb.stop = lane.stop
	built := false
	defer func() {
		if !built {
			lane.stop()
		}
	}()
	ids := quiz.RoundIDs(scope)
	late := lane.run(endSheets(lane.ctx, db, c, round, scope, now, keep, opt.Unit == ""))
	provisional := false
	for _, r := range scope {
		provisional = provisional || now.Before(c.SettledAt(r))
	}
	if provisional {
		wb.Title += " — SỐ LIỆU TẠM THỜI"
	}
	// Unit figures: the roster now, the rounds' counts by SQL aggregates.
	rosters, err := db.UnitRosters(ctx)
	if err != nil {
		return wb, err
	}
	figs, err := db.UnitRoundFigures(ctx, quiz.RoundIDs(weeks), now)
	if err != nil {
		return wb, err
	}
	inScope := map[int64]bool{}
	for _, id := range ids {
		inScope[id] = true
	}
	nodes := make([]UnitNode, len(units))
	index := map[string]int{}
	names := map[string]string{}
	for i, u := range units {
		nodes[i] = UnitNode{Code: u.Code, Name: u.Name, ParentCode: u.ParentCode}
		index[u.Code] = i
		names[u.Code] = u.Name
	}
	staff := 0
	for _, r := range rosters {
		if i, ok := index[r.Code]; ok {
			nodes[i].Own.Staff, nodes[i].Own.Verified = r.Staff, r.Verified
		}
		if keep(r.Code) {
			staff += r.Staff
		}
	}
	byRound := map[int64]*Week{}
	for _, r := range weeks {
		wb.Weeks = append(wb.Weeks, Week{Round: r.Number, Period: period(r, loc), Staff: staff})
	}
	for i, r := range weeks {
		byRound[r.ID] = &wb.Weeks[i]
	}
	for _, f := range figs {
		if w := byRound[f.RoundID]; w != nil && keep(f.UnitCode) {
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
	rolled := slices.DeleteFunc(RollUp(nodes), func(u RolledUnit) bool { return !keep(u.Code) })
	what := "Số người tham gia"
	if round == 0 {
		what = "Lượt tham gia"
	}
	wb.Sheets = append(wb.Sheets, Sheet{Name: SheetUnits, Columns: UnitsSheetColumns(what),
		Rows: func(emit func([]any) error) error {
			for _, u := range rolled {
				if err := emit(UnitsSheetRow(u, len(scope))); err != nil {
					return err
				}
			}
			return nil
		}})

	// The actual figures the predictions are measured against, read once
	// for the notes, the ranking and the prizes.
	actuals, frozen, err := RoundActuals(ctx, db, c, scope, now)
	if err != nil {
		return wb, err
	}
	target := "số người tham gia"
	if c.PredictionTarget == quiz.PredictPerfect {
		target = "số người trả lời đúng tất cả"
	}
	for i, r := range scope {
		state := "đã chốt"
		if !frozen[i] {
			state = "tạm thời"
		}
		wb.Notes = append(wb.Notes, fmt.Sprintf("Vòng %d: đáp án câu dự đoán (%s) là %s (%s).", r.Number, target, outbound.GroupDigits(actuals[i]), state))
	}
	wb.Notes = append(wb.Notes, "Số CBCCVC là danh sách hiện tại; tỷ lệ tham gia tính trên cán bộ còn trong danh sách.")

	// The individual prizes are awarded from the head of the ranking that
	// Cá nhân reads anyway (a national round's ranking takes seconds);
	// Giải thưởng reads it again only when Cá nhân has not run to the end.
	p, ok, err := db.ContestPrizes(ctx, c.ID)
	if err != nil {
		return wb, err
	}
	ip := p.Round
	if round == 0 {
		ip = p.Contest
	}
	var awarded struct {
		awards []Award[Entry]
		ties   []Tie
		ok     bool
	}

	memberCols := []Column{col("Hạng", 8), col("Họ và tên", 28), col("Số điện thoại", 14), col("Mã đơn vị", 12),
		col("Tên đơn vị", 32), col("Chức vụ", 24), col("Số câu đúng", 10), col("Chênh lệch dự đoán", 12),
		col("Thời gian làm bài (giây)", 12), col("Ghi chú", 16)}
	wb.Sheets = append(wb.Sheets, Sheet{Name: SheetMembers, Columns: memberCols,
		Rows: func(emit func([]any) error) error {
			var aw *MemberAwarder
			if ok && ip != nil {
				aw = NewMemberAwarder(*ip)
			}
			var st Stream[Entry]
			var err error
			if m, isM := db.(*remembered); isM && in != nil {
				// A head's slice of the job's ranking, its units' entries
				// only; the prizes are the whole ranking's (Giải thưởng
				// reads them).
				st, err = m.sliceRanking(ctx, round == 0, ids, actuals, now, in)
				aw = nil
			} else {
				st, err = RankingStream(ctx, db, round == 0, ids, actuals, now)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			// Members sharing a rank come by name, the Vietnamese way; a
			// rank's group is small (equal on every criterion).
			var group []Entry
			flush := func() error {
				if len(group) > 1 { // most ranks hold one member: no collation
					SortByName(group, func(e Entry) string { return e.FullName })
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
				if aw != nil && !aw.Add(e) {
					awarded.awards, awarded.ties = aw.Result()
					awarded.ok, aw = true, nil
				}
				if !keep(e.UnitCode) {
					continue
				}
				if len(group) > 0 && group[0].Rank != e.Rank {
					if err := flush(); err != nil {
						return err
					}
				}
				group = append(group, e)
			}
			if aw != nil { // the whole ranking went to the prizes
				awarded.awards, awarded.ties = aw.Result()
				awarded.ok = true
			}
			return flush()
		}})

	prizeCols := []Column{col("Giải", 18), col("Hạng", 8), col("Họ và tên", 28), col("Số điện thoại", 14),
		col("Mã đơn vị", 12), col("Chức vụ", 24), col("Số câu đúng", 10), col("Chênh lệch dự đoán", 12), col("Thời gian làm bài (giây)", 12)}
	wb.Sheets = append(wb.Sheets, Sheet{Name: SheetPrizes, Columns: prizeCols,
		Rows: func(emit func([]any) error) error {
			if !ok || ip == nil {
				return emit([]any{"Thể lệ cuộc thi không quy định giải cá nhân cho phạm vi này."})
			}
			awards, ties := awarded.awards, awarded.ties
			if !awarded.ok {
				var err error
				if awards, ties, err = MemberAwards(ctx, db, *ip, round == 0, ids, actuals, now); err != nil {
					return err
				}
			}
			awards = slices.DeleteFunc(slices.Clone(awards), func(a Award[Entry]) bool { return !keep(a.Who.UnitCode) })
			if len(awards) == 0 && opt.Unit != "" {
				return emit([]any{"Đơn vị không có cá nhân đoạt giải trong phạm vi này."})
			}
			for _, r := range PrizesTable("", awards).Rows {
				if g, ok := r[0].(string); ok {
					r[0] = GradeVI(g)
				}
				if err := emit(r); err != nil {
					return err
				}
			}
			if opt.Unit == "" {
				return emitTies(emit, ties)
			}
			return nil
		}})
	if round == 0 && ok && p.Units != nil {
		// The units' prizes: each unit with its own staff, no roll-up.
		awards, ties, err := UnitAwards(ctx, db, *p.Units, ids, now)
		if err != nil {
			return wb, err
		}
		awards = slices.DeleteFunc(awards, func(a Award[UnitEntry]) bool { return !keep(a.Who.Code) })
		var rows [][]any
		for _, r := range UnitPrizesTable(awards).Rows {
			if g, ok := r[0].(string); ok {
				r[0] = GradeVI(g)
			}
			if d, ok := r[5].(Decimal); ok {
				r[5] = Pct(d)
			}
			rows = append(rows, r)
		}
		if opt.Unit == "" {
			_ = emitTies(func(r []any) error { rows = append(rows, r); return nil }, ties)
		}
		wb.Sheets = append(wb.Sheets, Sheet{Name: SheetUnitPrizes, Rows: rowsOf(rows),
			Columns: []Column{col("Giải", 18), col("Hạng", 8), col("Mã đơn vị", 12), col("Tên đơn vị", 32),
				col("Số CBCCVC", 12), col("Tỷ lệ tham gia bình quân", 14), col("Số câu đúng bình quân", 14)}})
	}

	if round == 0 && opt.Entries != nil {
		wb.Sheets = append(wb.Sheets, entriesSheet(*opt.Entries, c))
	}

	// Absent: a round's, or every round's of the contest, each line with
	// its round.
	absentCols := []Column{col("Mã đơn vị", 12), col("Tên đơn vị", 32), col("Họ và tên", 28), col("Số điện thoại", 14),
		col("Chức vụ", 24), col("Đã kích hoạt", 10), col("Lý do", 30)}
	absentTitle := fmt.Sprintf("%s — Chưa tham gia vòng %d", title, scope[0].Number)
	if round == 0 {
		absentCols = append([]Column{col("Vòng", 8)}, absentCols...)
		absentTitle = fmt.Sprintf("%s — Chưa tham gia các vòng %d–%d", title, scope[0].Number, scope[len(scope)-1].Number)
	}
	wb.Sheets = append(wb.Sheets, Sheet{Name: SheetAbsent, Title: absentTitle + slice, Columns: absentCols,
		Rows: func(emit func([]any) error) error {
			for _, r := range scope {
				line := func(x Absent) error {
					if !keep(x.UnitCode) {
						return nil
					}
					v := No
					if x.Verified {
						v = Yes
					}
					row := []any{x.UnitCode, names[x.UnitCode], x.FullName, x.Phone, x.Position, v, x.Reason()}
					if round == 0 {
						row = append([]any{r.Number}, row...)
					}
					return emit(row)
				}
				// Straight from storage, one unit's absentees at a time,
				// unless the reads are remembered for several workbooks.
				if each, ok := db.(absentStreamer); ok {
					if err := each.EachAbsent(ctx, r.ID, now, line); err != nil {
						return err
					}
					continue
				}
				var absent []Absent
				var err error
				if m, isM := db.(*remembered); isM && in != nil {
					absent, err = m.sliceAbsent(ctx, r.ID, now, in)
				} else {
					absent, err = db.AbsentMembers(ctx, r.ID, now)
				}
				if err != nil {
					return err
				}
				for _, x := range absent {
					if err := line(x); err != nil {
						return err
					}
				}
			}
			return nil
		}})

	wb.Sheets = append(wb.Sheets, late...)
	built = true
	return wb, nil
}

// endSheets are the workbook's last sheets: Điểm 0, Câu hỏi (items says
// whether: the province's workbook has it, a head's slice not) and Dấu hiệu
// bất thường, each small (zero scores, questions and signals, not
// attempts), with the rows of the units keep keeps.
func endSheets(ctx context.Context, db WorkbookReads, c quiz.Contest, round int, scope []quiz.Round, now time.Time,
	keep func(string) bool, items bool) []Sheet {
	loc := c.Location()
	ids := quiz.RoundIDs(scope)
	var sheets []Sheet
	sheets = append(sheets, Sheet{Name: SheetZeros,
		Columns: []Column{col("Vòng", 8), col("Mã đơn vị", 12), col("Tên đơn vị", 32), col("Họ và tên", 28),
			col("Số điện thoại", 14), col("Chức vụ", 24), col("Số câu hỏi", 10), col("Thời gian làm bài (giây)", 12), col("Thời điểm nộp bài", 20)},
		Rows: func(emit func([]any) error) error {
			for _, r := range scope {
				z, err := db.ZeroScores(ctx, r.ID, now, loc)
				if err != nil {
					return err
				}
				for _, x := range z {
					if !keep(x.UnitCode) {
						continue
					}
					if err := emit([]any{r.Number, x.UnitCode, x.UnitName, x.FullName, x.Phone, x.Position,
						x.Total, x.DurationSeconds, x.SubmittedAt}); err != nil {
						return err
					}
				}
			}
			return nil
		}})

	if items {
		itemCols := []Column{col("Mã câu hỏi", 12), col("Vòng", 8), col("Chủ đề", 24), col("Số lần hỏi", 10),
			col("Số lần trả lời", 10), col("Độ khó (tỷ lệ đúng)", 12), col("Độ phân biệt", 12), col("Đáp án", 8)}
		for k := range MaxOptions {
			itemCols = append(itemCols, Column{Heading: "Chọn " + Letter(k), Width: 9})
		}
		itemCols = append(itemCols, Column{Heading: "Cảnh báo", Width: 60})
		sheets = append(sheets, Sheet{Name: SheetItems, Columns: itemCols,
			Rows: func(emit func([]any) error) error {
				return db.QuestionStats(ctx, ids, now, func(s QuestionStat) error {
					if round > 0 {
						s.Round = round
					}
					row := QuestionRow(s)
					row[len(row)-1] = s.FlagsVI()
					return emit(row)
				})
			}})
	}

	sheets = append(sheets, Sheet{Name: SheetSignals,
		Columns: []Column{col("Vòng", 8), col("Loại dấu hiệu", 24), col("Mã đơn vị", 12), col("Tên đơn vị", 28),
			col("Thành viên", 36), col("Số điện thoại", 24), col("Bằng chứng", 60), col("Từ lúc", 20), col("Đến lúc", 20)},
		Rows: func(emit func([]any) error) error {
			for i, r := range scope {
				signals, err := roundSignals(ctx, db, c, r, now)
				if err != nil {
					return err
				}
				// A slice keeps the signals whose members are all its
				// own: the evidence names them. A shared account is no
				// round's (its history until now): the whole contest
				// lists it once, under the last round.
				last := i == len(scope)-1
				signals = slices.DeleteFunc(slices.Clone(signals), func(s Signal) bool {
					return (s.Kind == SignalSharedAccount && !last) ||
						slices.ContainsFunc(s.Members, func(m SignalMember) bool { return !keep(m.UnitCode) })
				})
				for _, row := range SignalsTable(signals, loc).Rows {
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
	return sheets
}

// emitTies writes, under a prizes table, the ties that the contest's rule
// could not break and how the prizes went (the committee decides with
// them in view), after a blank row; nothing without ties. The province's
// workbook only: a tie's members may be of several units.
func emitTies(emit func([]any) error, ties []Tie) error {
	if len(ties) == 0 {
		return nil
	}
	if err := emit([]any{nil}); err != nil {
		return err
	}
	for _, t := range ties {
		if err := emit([]any{t.Vietnamese()}); err != nil {
			return err
		}
	}
	return nil
}

// subtree is the set of the unit code and every unit under it, and how the
// title names the slice.
func subtree(units []quiz.Unit, code string) (map[string]bool, string, error) {
	i := slices.IndexFunc(units, func(u quiz.Unit) bool { return u.Code == code })
	if i < 0 {
		return nil, "", fmt.Errorf("no unit %q", code)
	}
	under := Descendants(units)[code]
	in := map[string]bool{code: true}
	for _, c := range under {
		in[c] = true
	}
	label := fmt.Sprintf("Đơn vị: %s (%s)", units[i].Name, code)
	if n := len(under); n > 0 {
		label += fmt.Sprintf(" và %s đơn vị trực thuộc", outbound.GroupDigits(int64(n)))
	}
	return in, label, nil
}

// Descendants lists, for each unit with units under it, every one of them
// at any depth (a district's communes and their stations), by code.
func Descendants(units []quiz.Unit) map[string][]string {
	children := map[string][]string{}
	for _, u := range units {
		if u.ParentCode != "" && u.ParentCode != u.Code {
			children[u.ParentCode] = append(children[u.ParentCode], u.Code)
		}
	}
	under := map[string][]string{}
	for code := range children {
		seen := map[string]bool{code: true}
		queue := slices.Clone(children[code])
		for len(queue) > 0 {
			c := queue[0]
			queue = queue[1:]
			if seen[c] { // a cycle, which the importer refuses, cannot loop
				continue
			}
			seen[c] = true
			under[code] = append(under[code], c)
			queue = append(queue, children[c]...)
		}
		slices.Sort(under[code])
	}
	return under
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

// period is a round's dates, day first as Vietnamese write them.
func period(r quiz.Round, loc *time.Location) string {
	return r.OpensAt.In(loc).Format("02/01/2006") + " – " + r.ClosesAt.In(loc).Format("02/01/2006")
}

func col(heading string, width float64) Column {
	return Column{Heading: heading, Width: width}
}

// absentStreamer reads a round's absentees in AbsentMembers' order without
// holding them all (storage.DB): a national round has a hundred thousand.
type absentStreamer interface {
	EachAbsent(ctx context.Context, roundID int64, now time.Time, fn func(Absent) error) error
}
