// Package reports reads the reports of `quizbot report` from the database
// and lays them out as report.Tables: the command and the web console's
// Báo cáo both build them here, so that a figure has one source. Each
// builder takes a Slice: nil for the province, or a head's units (the
// rows of other units left out; ranks stay the province's).
package reports

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

// Slice keeps the rows of the units it allows; nil keeps every row.
type Slice func(unitCode string) bool

func (s Slice) keep(code string) bool { return s == nil || s(code) }

// RoundList says which rounds a contest has, for an unknown round number.
func RoundList(c quiz.Contest) string {
	if len(c.Rounds) == 0 {
		return "it has no rounds"
	}
	ns := make([]string, len(c.Rounds))
	for i, r := range c.Rounds {
		ns[i] = strconv.Itoa(r.Number)
	}
	return "its rounds are " + strings.Join(ns, ", ")
}

// Reads are every read of the reports: storage.DB.
type Reads interface {
	report.PrizeReads
	report.SignalReads
	ZeroScores(ctx context.Context, roundID int64, now time.Time, loc *time.Location) ([]report.ZeroScore, error)
	QuestionStats(ctx context.Context, roundIDs []int64, now time.Time, emit func(report.QuestionStat) error) error
}

// Prizes names a prize report: the members' prizes of a round (Round > 0)
// or of the whole contest (Round 0), the units' prizes of the contest
// (Units), or a round's zero scores (Zeros).
type Prizes struct {
	Zeros bool
	Round int
	Units bool
}

// WholeContest reports whether the prizes are the contest's.
func (p Prizes) WholeContest() bool { return p.Round == 0 }

// BuildPrizes returns the table and what the committee must read beside
// it: the actual figures (frozen or provisional), and the ties.
func BuildPrizes(ctx context.Context, db Reads, a Prizes, c quiz.Contest, now time.Time, slice Slice) (report.Table, []string, error) {
	var notes []string
	rounds := c.Rounds
	if !a.WholeContest() {
		r, ok := c.RoundByNumber(a.Round)
		if !ok {
			return report.Table{}, nil, fmt.Errorf("no round %d; %s", a.Round, RoundList(c))
		}
		rounds = []quiz.Round{r}
	} else {
		// The rounds that have opened: the contest so far.
		rounds = slices.DeleteFunc(slices.Clone(rounds), func(r quiz.Round) bool { return now.Before(r.OpensAt) })
		if len(rounds) == 0 {
			return report.Table{}, nil, ErrNoRoundOpened
		}
	}
	ids := quiz.RoundIDs(rounds)
	provisional := false
	for _, r := range rounds {
		if now.Before(c.SettledAt(r)) {
			provisional = true
		}
	}
	if provisional {
		notes = append(notes, "a round is still open or its last attempts may still finish: the figures are provisional (kết quả tạm thời)")
	}

	if a.Zeros {
		z, err := db.ZeroScores(ctx, ids[0], now, c.Location())
		if err != nil {
			return report.Table{}, nil, err
		}
		z = slices.DeleteFunc(z, func(x report.ZeroScore) bool { return !slice.keep(x.UnitCode) })
		return report.ZerosTable(z), append(notes, fmt.Sprintf("round %d: %d zero scores", rounds[0].Number, len(z))), nil
	}

	p, ok, err := db.ContestPrizes(ctx, c.ID)
	if err != nil {
		return report.Table{}, nil, err
	}
	if a.Units {
		if !ok || p.Units == nil {
			return report.Table{}, nil, fmt.Errorf("%w: add prizes: units: {nhat: …, min_participation: …, min_staff: …} and apply it", ErrNoUnitPrizes)
		}
		awards, ties, err := report.UnitAwards(ctx, db, *p.Units, ids, now)
		if err != nil {
			return report.Table{}, nil, err
		}
		awards = slices.DeleteFunc(awards, func(a report.Award[report.UnitEntry]) bool { return !slice.keep(a.Who.Code) })
		notes = append(notes, fmt.Sprintf("%d unit prizes over %d rounds (floor %v, min staff %d)", len(awards), len(rounds), p.Units.MinParticipation, p.Units.MinStaff))
		return report.UnitPrizesTable(awards), append(notes, tieNotes(ties)...), nil
	}

	ip := p.Round
	what := "round"
	if a.WholeContest() {
		ip, what = p.Contest, "contest"
	}
	if !ok || ip == nil {
		return report.Table{}, nil, fmt.Errorf("%w: add prizes: %s: {nhat: …, nhi: …, ba: …, khuyen_khich: …} and apply it", noPrizes(what), what)
	}
	actuals, frozen, err := report.RoundActuals(ctx, db, c, rounds, now)
	if err != nil {
		return report.Table{}, nil, err
	}
	target := "participants"
	if c.PredictionTarget == quiz.PredictPerfect {
		target = "perfect scores"
	}
	for i, r := range rounds {
		state := "frozen"
		if !frozen[i] {
			state = "provisional"
		}
		notes = append(notes, fmt.Sprintf("round %d: actual %s = %d (%s)", r.Number, target, actuals[i], state))
	}
	awards, ties, err := report.MemberAwards(ctx, db, *ip, a.WholeContest(), ids, actuals, now)
	if err != nil {
		return report.Table{}, nil, err
	}
	awards = slices.DeleteFunc(awards, func(a report.Award[report.Entry]) bool { return !slice.keep(a.Who.UnitCode) })
	name := fmt.Sprintf("prizes round %d", rounds[0].Number)
	if a.WholeContest() {
		name = "prizes contest"
	}
	notes = append(notes, fmt.Sprintf("%d %s prizes", len(awards), what))
	return report.PrizesTable(name, awards), append(notes, tieNotes(ties)...), nil
}

// The prize reports' refusals the console words for people.
var (
	ErrNoRoundOpened   = errors.New("no round has opened yet")
	ErrNoUnitPrizes    = errors.New("the contest file declares no unit prizes")
	ErrNoRoundPrizes   = errors.New("the contest file declares no round prizes")
	ErrNoContestPrizes = errors.New("the contest file declares no contest prizes")
)

func noPrizes(what string) error {
	if what == "contest" {
		return ErrNoContestPrizes
	}
	return ErrNoRoundPrizes
}

func tieNotes(ties []report.Tie) []string {
	out := make([]string, len(ties))
	for i, t := range ties {
		out[i] = t.Vietnamese() // for the committee, as the workbook notes it
	}
	return out
}

// Questions is the item analysis of the rounds given (the whole contest
// when whole, else the one round): the province's only, which a head's
// slice cannot cut (a question is asked across units).
func Questions(ctx context.Context, db Reads, rounds []quiz.Round, whole bool, now time.Time) (report.Table, string, error) {
	t := report.Table{Name: string(report.KindQuestions), Columns: report.QuestionsColumns}
	flagged := 0
	err := db.QuestionStats(ctx, quiz.RoundIDs(rounds), now, func(s report.QuestionStat) error {
		if !whole {
			s.Round = rounds[0].Number
		}
		row := report.QuestionRow(s)
		if row[len(row)-1] != "" {
			flagged++
		}
		t.Rows = append(t.Rows, row)
		return nil
	})
	return t, fmt.Sprintf("%d questions, %d flagged", len(t.Rows), flagged), err
}

// Signals is round r's integrity signals; a slice keeps those whose members
// are all of its units (the evidence names them).
func Signals(ctx context.Context, db Reads, c quiz.Contest, r quiz.Round, now time.Time, slice Slice) (report.Table, string, error) {
	signals, err := report.RoundSignals(ctx, db, c, r, now)
	if err != nil {
		return report.Table{}, "", err
	}
	if slice != nil {
		signals = slices.DeleteFunc(signals, func(s report.Signal) bool {
			return slices.ContainsFunc(s.Members, func(m report.SignalMember) bool { return !slice.keep(m.UnitCode) })
		})
	}
	return report.SignalsTable(signals, c.Location()), fmt.Sprintf("%d signals to check (none is a penalty)", len(signals)), nil
}
