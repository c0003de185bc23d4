package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/reports"
)

func isItemsName(word string) bool {
	return word == string(report.KindQuestions) || word == string(report.KindSignals)
}

// itemsArgs is a parsed `quizbot report questions|signals` command line.
type itemsArgs struct {
	kind     report.Kind
	round    int
	contest  contestFlag // bare: the whole contest; a code names the contest
	format   string
	out      string
	headings string // "vi": Vietnamese headings
}

// whole reports whether the whole contest was asked for (--contest without
// --round).
func (a itemsArgs) whole() bool { return a.contest.set && a.round == 0 }

// parseItemsArgs accepts `questions --round N`, `questions --contest
// [CODE]` (the whole contest) and `signals --round N`, with --contest CODE,
// --format and --out as the other reports take them.
func parseItemsArgs(args []string) (itemsArgs, error) {
	var a itemsArgs
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&a.round, "round", 0, "round number")
	fs.Var(&a.contest, "contest", "the whole contest, or --contest=CODE")
	fs.StringVar(&a.format, "format", "", "csv or xlsx")
	fs.StringVar(&a.out, "out", "", "output file")
	fs.StringVar(&a.headings, "headings", "", "vi for Vietnamese headings")
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return a, err
	}
	names = a.contest.takeCode(names, isItemsName)
	if len(names) != 1 {
		return a, fmt.Errorf("%w: report takes one report name, got %q", errUsage, strings.Join(names, " "))
	}
	a.kind = report.Kind(names[0])
	switch {
	case a.kind == report.KindSignals && a.round < 1:
		return a, fmt.Errorf("%w: report signals needs --round N, the round's number (1, 2, …)", errUsage)
	case a.kind == report.KindQuestions && a.round < 1 && !a.whole():
		return a, fmt.Errorf("%w: report questions needs --round N (one round) or --contest (the whole contest)", errUsage)
	case a.round > 0 && a.contest.set && a.contest.code == "":
		return a, fmt.Errorf("%w: report %s takes --round N or --contest, not both", errUsage, a.kind)
	}
	if err := checkHeadings(a.headings); err != nil {
		return a, err
	}
	if a.format, err = outputFormat(a.format, a.out); err != nil {
		return a, err
	}
	return a, nil
}

// cmdReportItems runs `quizbot report questions|signals`, written like the
// other reports (CSV on stdout, or --out FILE, or --format xlsx).
func cmdReportItems(ctx context.Context, e *env, args []string) error {
	a, err := parseItemsArgs(args)
	if err != nil {
		return err
	}
	now := time.Now()
	db, c, err := openReport(ctx, e, string(a.kind), a.format, a.out, a.contest.code, now)
	if err != nil {
		return err
	}
	defer db.Close()
	scope := "the whole contest"
	var rounds []quiz.Round
	if a.whole() {
		rounds = c.Rounds
	} else {
		r, ok := c.RoundByNumber(a.round)
		if !ok {
			return fmt.Errorf("report %s: contest %s has no round %d; %s", a.kind, c.Code, a.round, roundList(c))
		}
		rounds, scope = []quiz.Round{r}, fmt.Sprintf("round %d", r.Number)
	}
	loc := c.Location()

	var t report.Table
	var summary string
	switch a.kind {
	case report.KindQuestions:
		t, summary, err = reports.Questions(ctx, db, rounds, a.whole(), now)
	case report.KindSignals:
		t, summary, err = reports.Signals(ctx, db, c, rounds[0], now, nil)
	}
	if err != nil {
		return fmt.Errorf("report %s: contest %s %s: %w", a.kind, c.Code, scope, err)
	}

	if a.headings == "vi" {
		t = t.Vietnamese()
	}
	dest := cmp.Or(a.out, "stdout")
	if err := writeReport(e, t, a.format, a.out); err != nil {
		return fmt.Errorf("report %s: %w", a.kind, err)
	}
	fmt.Fprintf(e.stderr, "report %s: contest %s %s: %s, %s to %s\n", a.kind, c.Code, scope, summary, a.format, dest)
	for _, r := range rounds {
		if now.Before(r.ClosesAt) {
			fmt.Fprintf(e.stderr, "report %s: round %d is open until %s (%s): the figures are provisional\n",
				a.kind, r.Number, r.ClosesAt.In(loc).Format(quiz.LocalTimeLayout), c.Timezone)
		}
	}
	return nil
}
