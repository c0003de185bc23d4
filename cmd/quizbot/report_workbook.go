package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"quizbot/report"
)

// workbookArgs is a parsed `quizbot report workbook` command line.
type workbookArgs struct {
	round   int
	contest contestFlag
	out     string
}

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
	if _, ok := c.RoundByNumber(a.round); a.round > 0 && !ok {
		return fmt.Errorf("report workbook: contest %s: no round %d; %s", c.Code, a.round, roundList(c))
	}
	opt := report.WorkbookOptions{Background: true}
	if a.round == 0 {
		// The entries part, when the contest has one (report_entries.go).
		if opt.Entries, err = contestEntries(ctx, db, c); err != nil {
			return fmt.Errorf("report workbook: contest %s: %w", c.Code, err)
		}
	}
	wb, err := report.BuildWorkbook(ctx, db, c, a.round, now, opt)
	if err != nil {
		return fmt.Errorf("report workbook: contest %s: %w", c.Code, err)
	}
	if err := writeFileAtomic(a.out, wb.Write); err != nil {
		return fmt.Errorf("report workbook: %w", err)
	}
	fmt.Fprintf(e.stderr, "report workbook: contest %s: %s to %s\n", c.Code, wb.Subject, a.out)
	return nil
}
