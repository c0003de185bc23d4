package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

// contestFlag is --contest for the prize reports: bare, it asks for the whole
// contest; --contest=CODE names the contest too (as in the other reports).
type contestFlag struct {
	set  bool
	code string
}

func (f *contestFlag) String() string { return f.code }
func (f *contestFlag) Set(s string) error {
	f.set = true
	if s != "true" {
		f.code = s
	}
	return nil
}
func (f *contestFlag) IsBoolFlag() bool { return true }

// takeCode reads `--contest CODE`, with a space, in any order of the words:
// the bool flag leaves CODE as a word beside the report's name, which isName
// recognises. It returns the words without the code.
func (f *contestFlag) takeCode(words []string, isName func(string) bool) []string {
	if len(words) != 2 || !f.set || f.code != "" {
		return words
	}
	name, code := words[0], words[1]
	if !isName(name) {
		name, code = code, name
	}
	f.code = code
	return []string{name}
}

// prizesArgs is a parsed `quizbot report prizes|zeros` command line.
type prizesArgs struct {
	kind     string // "prizes" or "zeros"
	round    int
	contest  contestFlag
	units    bool
	headings string // "" or "vi"
	format   string
	out      string
}

func (a prizesArgs) wholeContest() bool { return a.round == 0 }

// isPrizesReport tells the reports of this file from report.Kinds.
func isPrizesReport(args []string) bool {
	return slices.ContainsFunc(args, isPrizesName)
}

func isPrizesName(word string) bool { return word == "prizes" || word == "zeros" }

func parsePrizesArgs(args []string) (prizesArgs, error) {
	var a prizesArgs
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&a.round, "round", 0, "round number")
	fs.Var(&a.contest, "contest", "the whole contest, or --contest=CODE")
	fs.BoolVar(&a.units, "units", false, "unit prizes")
	fs.StringVar(&a.headings, "headings", "", "vi for Vietnamese headings")
	fs.StringVar(&a.format, "format", "", "csv or xlsx")
	fs.StringVar(&a.out, "out", "", "output file")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return a, err
	}
	words = a.contest.takeCode(words, isPrizesName)
	if len(words) != 1 {
		return a, fmt.Errorf("%w: report takes one report name", errUsage)
	}
	a.kind = words[0]
	switch {
	case a.round < 0:
		return a, fmt.Errorf("%w: report %s --round %d: give the round's number (1, 2, …)", errUsage, a.kind, a.round)
	case a.kind == "zeros" && a.round == 0:
		return a, fmt.Errorf("%w: report zeros needs --round N, the round's number (1, 2, …)", errUsage)
	case a.kind == "zeros" && a.units:
		return a, fmt.Errorf("%w: report zeros has no --units: it lists members, by unit", errUsage)
	case a.kind == "prizes" && a.round == 0 && !a.contest.set:
		return a, fmt.Errorf("%w: report prizes needs --round N (a round's prizes) or --contest (the whole contest's)", errUsage)
	case a.kind == "prizes" && a.round > 0 && a.units:
		return a, fmt.Errorf("%w: report prizes --units is for the whole contest: use --contest --units", errUsage)
	}
	switch a.headings {
	case "", "en", "vi":
	default:
		return a, fmt.Errorf("%w: report --headings %q: use vi (Vietnamese) or leave it out", errUsage, a.headings)
	}
	if a.format, err = outputFormat(a.format, a.out); err != nil {
		return a, err
	}
	return a, nil
}

// cmdReportPrizes runs `quizbot report prizes --round N | --contest
// [--units]` and `quizbot report zeros --round N`: the winners by the
// contest file's prizes: section, ranked in SQL and read row by row, and the
// zero scores by unit. Ties the rule cannot break, and the actual figure of
// every round's prediction, go to stderr for the committee.
func cmdReportPrizes(ctx context.Context, e *env, args []string) error {
	a, err := parsePrizesArgs(args)
	if err != nil {
		return err
	}
	now := time.Now()
	db, c, err := openReport(ctx, e, string(a.kind), a.format, a.out, a.contest.code, now)
	if err != nil {
		return err
	}
	defer db.Close()
	t, notes, err := buildPrizesReport(ctx, db, a, c, now)
	if err != nil {
		return fmt.Errorf("report %s: contest %s: %w", a.kind, c.Code, err)
	}
	if a.headings == "vi" {
		t = t.Vietnamese()
	}
	if err := writeReport(e, t, a.format, a.out); err != nil {
		return fmt.Errorf("report %s: %w", a.kind, err)
	}
	for _, n := range notes {
		fmt.Fprintf(e.stderr, "report %s: contest %s: %s\n", a.kind, c.Code, n)
	}
	return nil
}

// prizesDB is what the prize reports read.
type prizesDB interface {
	report.PrizeReads
	ZeroScores(ctx context.Context, roundID int64, now time.Time, loc *time.Location) ([]report.ZeroScore, error)
}

// buildPrizesReport returns the table and what the committee must read
// beside it: the actual figures (frozen or provisional), and the ties.
func buildPrizesReport(ctx context.Context, db prizesDB, a prizesArgs, c quiz.Contest, now time.Time) (report.Table, []string, error) {
	var notes []string
	rounds := c.Rounds
	if !a.wholeContest() {
		r, ok := c.RoundByNumber(a.round)
		if !ok {
			return report.Table{}, nil, fmt.Errorf("no round %d; %s", a.round, roundList(c))
		}
		rounds = []quiz.Round{r}
	} else {
		// The rounds that have opened: the contest so far.
		rounds = slices.DeleteFunc(slices.Clone(rounds), func(r quiz.Round) bool { return now.Before(r.OpensAt) })
		if len(rounds) == 0 {
			return report.Table{}, nil, errors.New("no round has opened yet")
		}
	}
	ids := roundIDs(rounds)
	provisional := false
	for _, r := range rounds {
		if now.Before(c.SettledAt(r)) {
			provisional = true
		}
	}
	if provisional {
		notes = append(notes, "a round is still open or its last attempts may still finish: the figures are provisional (kết quả tạm thời)")
	}

	if a.kind == "zeros" {
		z, err := db.ZeroScores(ctx, ids[0], now, c.Location())
		if err != nil {
			return report.Table{}, nil, err
		}
		return report.ZerosTable(z), append(notes, fmt.Sprintf("round %d: %d zero scores", rounds[0].Number, len(z))), nil
	}

	p, ok, err := db.ContestPrizes(ctx, c.ID)
	if err != nil {
		return report.Table{}, nil, err
	}
	if a.units {
		if !ok || p.Units == nil {
			return report.Table{}, nil, errors.New("the contest file declares no unit prizes: add prizes: units: {nhat: …, min_participation: …, min_staff: …} and apply it")
		}
		awards, ties, err := report.UnitAwards(ctx, db, *p.Units, ids, now)
		if err != nil {
			return report.Table{}, nil, err
		}
		notes = append(notes, fmt.Sprintf("%d unit prizes over %d rounds (floor %v, min staff %d)", len(awards), len(rounds), p.Units.MinParticipation, p.Units.MinStaff))
		return report.UnitPrizesTable(awards), append(notes, tieNotes(ties)...), nil
	}

	ip := p.Round
	what := "round"
	if a.wholeContest() {
		ip, what = p.Contest, "contest"
	}
	if !ok || ip == nil {
		return report.Table{}, nil, fmt.Errorf("the contest file declares no %s prizes: add prizes: %s: {nhat: …, nhi: …, ba: …, khuyen_khich: …} and apply it", what, what)
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
	awards, ties, err := report.MemberAwards(ctx, db, *ip, a.wholeContest(), ids, actuals, now)
	if err != nil {
		return report.Table{}, nil, err
	}
	name := fmt.Sprintf("prizes round %d", rounds[0].Number)
	if a.wholeContest() {
		name = "prizes contest"
	}
	notes = append(notes, fmt.Sprintf("%d %s prizes", len(awards), what))
	return report.PrizesTable(name, awards), append(notes, tieNotes(ties)...), nil
}

func tieNotes(ties []report.Tie) []string {
	out := make([]string, len(ties))
	for i, t := range ties {
		out[i] = "TIE (đồng hạng, for the committee): " + t.String()
	}
	return out
}
