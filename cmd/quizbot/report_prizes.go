package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/reports"
	"quizbot/storage"
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
	if err := checkHeadings(a.headings); err != nil {
		return a, err
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

// buildPrizesReport is the report of a's command line.
func buildPrizesReport(ctx context.Context, db *storage.DB, a prizesArgs, c quiz.Contest, now time.Time) (report.Table, []string, error) {
	return reports.BuildPrizes(ctx, db, reports.Prizes{Zeros: a.kind == "zeros", Round: a.round, Units: a.units}, c, now, nil)
}
