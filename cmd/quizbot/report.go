package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/reports"
	"quizbot/storage"
)

// reportArgs is a parsed `quizbot report` command line.
type reportArgs struct {
	kind     report.Kind
	round    int
	contest  string
	format   string // "csv" or "xlsx"
	out      string // "" for stdout
	headings string // "vi": Vietnamese headings
}

// parseReportArgs accepts the report's name and flags in any order.
// Without --format the format follows --out's extension (.xlsx), else CSV.
func parseReportArgs(args []string) (reportArgs, error) {
	var a reportArgs
	fs := flag.NewFlagSet("report", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&a.round, "round", 0, "round number")
	fs.StringVar(&a.contest, "contest", "", "contest code")
	fs.StringVar(&a.format, "format", "", "csv or xlsx")
	fs.StringVar(&a.out, "out", "", "output file")
	fs.StringVar(&a.headings, "headings", "", "vi for Vietnamese headings")
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return a, err
	}
	if len(names) != 1 {
		return a, fmt.Errorf("%w: report takes one report name: results, units or absent", errUsage)
	}
	if err := checkHeadings(a.headings); err != nil {
		return a, err
	}
	k, ok := report.ParseKind(names[0])
	if !ok {
		return a, fmt.Errorf("%w: report %q: the reports are results, units and absent", errUsage, names[0])
	}
	a.kind = k
	if a.round < 1 {
		return a, fmt.Errorf("%w: report %s needs --round N, the round's number (1, 2, …)", errUsage, k)
	}
	if a.format, err = outputFormat(a.format, a.out); err != nil {
		return a, err
	}
	return a, nil
}

// checkHeadings refuses a --headings other than vi (Vietnamese) or the
// default, machine-readable en.
func checkHeadings(h string) error {
	switch h {
	case "", "en", "vi":
		return nil
	}
	return fmt.Errorf("%w: report --headings %q: use vi (Vietnamese) or leave it out", errUsage, h)
}

// reportValueFlags are the report flags that take the next word as their
// value (written apart, as in --out FILE).
var reportValueFlags = map[string]bool{"round": true, "out": true, "format": true, "headings": true}

// reportName is the report args name: the first word that is neither a flag
// nor a flag's value, so that `report results --out prizes` is the results
// report written to a file named prizes. --contest's optional CODE is
// passed over when it is not a report's name.
func reportName(args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if strings.HasPrefix(a, "-") {
			if name := strings.TrimLeft(a, "-"); reportValueFlags[name] {
				i++ // its value, written apart
			}
			continue
		}
		switch {
		case a == "workbook", a == "entries", isPrizesName(a), isItemsName(a),
			slices.Contains(report.Kinds, report.Kind(a)):
			return a
		}
	}
	return ""
}

// cmdReport runs `quizbot report results|units|absent --round N [--contest
// CODE] [--format csv|xlsx] [--out FILE]`: the report on stdout, or in FILE,
// and a one-line summary on stderr. An XLSX workbook goes to stdout only when
// stdout is not a terminal (a pipe or a redirection): binary on a screen is
// never what was meant.
func cmdReport(ctx context.Context, e *env, args []string) error {
	switch name := reportName(args); {
	case name == "workbook":
		return cmdReportWorkbook(ctx, e, args) // report_workbook.go
	case isPrizesName(name):
		return cmdReportPrizes(ctx, e, args) // prizes, zeros: report_prizes.go
	case name == "entries":
		return cmdReportEntries(ctx, e, args) // report_entries.go
	case isItemsName(name):
		return cmdReportItems(ctx, e, args) // questions, signals: report_items.go
	}
	a, err := parseReportArgs(args)
	if err != nil {
		return err
	}
	now := time.Now()
	db, c, err := openReport(ctx, e, string(a.kind), a.format, a.out, a.contest, now)
	if err != nil {
		return err
	}
	defer db.Close()
	r, ok := c.RoundByNumber(a.round)
	if !ok {
		return fmt.Errorf("report %s: contest %s has no round %d; %s", a.kind, c.Code, a.round, roundList(c))
	}
	t, summary, err := reports.RoundStream(ctx, db, a.kind, c, r, now, nil)
	if err != nil {
		return fmt.Errorf("report %s: contest %s round %d: %w", a.kind, c.Code, r.Number, err)
	}
	if a.headings == "vi" {
		t = t.Vietnamese()
	}

	if err := writeStream(e, t, a.format, a.out); err != nil {
		return fmt.Errorf("report %s: %w", a.kind, err)
	}

	dest := "stdout"
	if a.out != "" {
		dest = a.out
	}
	fmt.Fprintf(e.stderr, "report %s: contest %s round %d: %s, %s to %s\n", a.kind, c.Code, r.Number, summary(), a.format, dest)
	if now.Before(r.ClosesAt) {
		loc := c.Location()
		fmt.Fprintf(e.stderr, "report %s: round %d is open until %s (%s): the figures are provisional\n",
			a.kind, r.Number, r.ClosesAt.In(loc).Format(quiz.LocalTimeLayout), c.Timezone)
	}
	return nil
}

// writeReport writes t as format (csv or xlsx) to the file out, replaced
// whole, or to stdout when out is empty.
func writeReport(e *env, t report.Table, format, out string) error {
	return writeStream(e, t.Stream(), format, out)
}

// writeStream is writeReport of rows read one at a time.
func writeStream(e *env, t report.StreamTable, format, out string) error {
	write := func(w io.Writer, toFile bool) error {
		if format == "xlsx" {
			return report.WriteXLSXStream(w, t)
		}
		// Excel needs the BOM to read a file as UTF-8; a program reading
		// stdout does not want it.
		return report.WriteCSVStream(w, t, toFile)
	}
	if out == "" {
		return write(e.stdout, false)
	}
	return writeFileAtomic(out, func(w io.Writer) error { return write(w, true) })
}

// outputFormat is a report's format: as given (csv or xlsx), else xlsx for
// an --out FILE.xlsx and csv otherwise.
func outputFormat(format, out string) (string, error) {
	switch format {
	case "":
		if strings.EqualFold(filepath.Ext(out), ".xlsx") {
			return "xlsx", nil
		}
		return "csv", nil
	case "csv", "xlsx":
		return format, nil
	}
	return "", fmt.Errorf("%w: report --format %q: use csv or xlsx", errUsage, format)
}

// openReport is what every report command does first: refuse to write a
// workbook to a terminal, open the database and find the contest (see
// reportContest). The caller closes the database.
func openReport(ctx context.Context, e *env, kind, format, out, contest string, now time.Time) (*storage.DB, quiz.Contest, error) {
	if format == "xlsx" && out == "" && isTerminal(e.stdout) {
		return nil, quiz.Contest{}, fmt.Errorf("%w: report --format xlsx writes a binary workbook: give --out FILE.xlsx, or redirect stdout to a file", errUsage)
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return nil, quiz.Contest{}, fmt.Errorf("report %s: %w", kind, err)
	}
	c, err := reportContest(ctx, db, contest, now)
	if err != nil {
		db.Close()
		return nil, quiz.Contest{}, fmt.Errorf("report %s: %w", kind, err)
	}
	return db, c, nil
}

// reportContest finds the contest to report on: the one named, else the only
// one. With several and none named it refuses rather than guess, listing the
// codes and which one the bot currently runs.
func reportContest(ctx context.Context, db *storage.DB, code string, now time.Time) (quiz.Contest, error) {
	if code != "" {
		c, err := db.ContestByCode(ctx, code)
		if quiz.ErrorCode(err) == quiz.ENOTFOUND {
			codes, lerr := contestCodes(ctx, db)
			if lerr != nil {
				return c, lerr
			}
			return c, fmt.Errorf("no contest %q; %s", code, codes)
		}
		return c, err
	}
	cs, err := db.Contests(ctx)
	if err != nil {
		return quiz.Contest{}, err
	}
	switch len(cs) {
	case 0:
		return quiz.Contest{}, errors.New("no contest yet: create one with `quizbot contest apply FILE.yaml`")
	case 1:
		return cs[0], nil
	}
	codes := make([]string, len(cs))
	for i, c := range cs {
		codes[i] = c.Code
	}
	hint := ""
	if cur, err := db.CurrentContest(ctx, now); err == nil {
		hint = fmt.Sprintf(" (the current one is %s)", cur.Code)
	}
	return quiz.Contest{}, fmt.Errorf("%w: there are %d contests, %s%s: choose one with --contest CODE",
		errUsage, len(cs), strings.Join(codes, ", "), hint)
}

func contestCodes(ctx context.Context, db *storage.DB) (string, error) {
	cs, err := db.Contests(ctx)
	if err != nil {
		return "", err
	}
	if len(cs) == 0 {
		return "there is no contest yet", nil
	}
	codes := make([]string, len(cs))
	for i, c := range cs {
		codes[i] = c.Code
	}
	return "the contests are " + strings.Join(codes, ", "), nil
}

// roundList says which rounds a contest has, for an unknown round number.
func roundList(c quiz.Contest) string { return reports.RoundList(c) }

// isTerminal reports whether w is a character device such as a terminal.
// (/dev/null is one too; refusing a binary there costs nothing.)
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// writeFileAtomic writes path through a temporary file in the same directory
// renamed over it at the end, so that a failed report never leaves a
// truncated file that looks complete. The file is private to its owner: it
// holds phone numbers.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := write(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
