package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

// cmdReportEntries runs `quizbot report entries [--contest CODE] [--headings
// vi] [--format csv|xlsx] [--out FILE]`: every entry of the contest's
// entries part with its unit, kind, each judge's total, the combined score,
// the rank and the prize. Who each judge column is, ties, and whether the
// judging is still open (the ranks then provisional) go to stderr.
func cmdReportEntries(ctx context.Context, e *env, args []string) error {
	var contest, headings, format, out string
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&contest, "contest", "", "contest code")
	fs.StringVar(&headings, "headings", "", "vi for Vietnamese headings")
	fs.StringVar(&format, "format", "", "csv or xlsx")
	fs.StringVar(&out, "out", "", "output file")
	words, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(words) != 1 || words[0] != "entries" {
		return fmt.Errorf("%w: report entries takes no other words: report entries [--contest CODE] [--headings vi] [--out FILE]", errUsage)
	}
	if err := checkHeadings(headings); err != nil {
		return err
	}
	if format, err = outputFormat(format, out); err != nil {
		return err
	}
	now := time.Now()
	db, c, err := openReport(ctx, e, "entries", format, out, contest, now)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := quiz.NewEntries(db, quiz.SystemClock{}).Results(ctx, c.ID)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return fmt.Errorf("report entries: contest %s has no entries: section", c.Code)
	}
	if err != nil {
		return fmt.Errorf("report entries: contest %s: %w", c.Code, err)
	}
	t := report.EntriesTable(res, c.Location())
	if headings == "vi" {
		t = report.EntriesVietnamese(t, res.Judges)
	}
	if err := writeReport(e, t, format, out); err != nil {
		return fmt.Errorf("report entries: %w", err)
	}
	for i, j := range res.Judges {
		fmt.Fprintf(e.stderr, "report entries: contest %s: judge_%d = %s (%s)\n", c.Code, i+1, j.FullName, quiz.MaskPhone(j.Phone))
	}
	ties := map[int][]string{}
	for _, r := range res.Entries {
		if r.Tied {
			ties[r.Rank] = append(ties[r.Rank], fmt.Sprintf("%d (%s)", r.Entry.ID, r.Entry.UnitCode))
		}
	}
	for rank := 1; len(ties) > 0; rank++ {
		if ids, ok := ties[rank]; ok {
			fmt.Fprintf(e.stderr, "report entries: contest %s: entries %s tie at rank %d\n", c.Code, strings.Join(ids, ", "), rank)
			delete(ties, rank)
		}
	}
	if min := res.Setup.Config.MinPerUnit; min > 0 {
		units, err := db.Units(ctx)
		if err != nil {
			return fmt.Errorf("report entries: %w", err)
		}
		var es []quiz.Entry
		for _, r := range res.Entries {
			es = append(es, r.Entry)
		}
		short, counts := res.Setup.Config.UnitsShort(units, es)
		if len(short) > 0 {
			names := make([]string, len(short))
			for i, u := range short {
				names[i] = fmt.Sprintf("%s (%d)", u.Code, counts[u.Code])
			}
			fmt.Fprintf(e.stderr, "report entries: contest %s: %d of %d units sent fewer than %d entries: %s\n",
				c.Code, len(short), len(units), min, strings.Join(names, ", "))
		}
	}
	if !res.Final {
		fmt.Fprintf(e.stderr, "report entries: contest %s: the judging is open: scores, ranks and prizes are provisional\n", c.Code)
	}
	return nil
}

// contestEntries is the contest's entries part for the whole contest's
// workbook: nil when the contest file has no entries: section.
func contestEntries(ctx context.Context, db quiz.EntryStore, c quiz.Contest) (*quiz.EntryResults, error) {
	res, err := quiz.NewEntries(db, quiz.SystemClock{}).Results(ctx, c.ID)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("entries of contest %s: %w", c.Code, err)
	}
	return &res, nil
}
