package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"quizbot/contestfile"
	"quizbot/ingest"
	"quizbot/quiz"
)

// cmdContest runs `quizbot contest apply FILE.yaml`.
func cmdContest(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: contest needs a subcommand: contest apply FILE.yaml", errUsage)
	}
	switch args[0] {
	case "apply":
		rest, dryRun := args[1:], false
		if len(rest) > 0 && rest[0] == "--dry-run" {
			rest, dryRun = rest[1:], true
		} else if len(rest) > 1 && rest[1] == "--dry-run" {
			rest, dryRun = rest[:1], true
		}
		if len(rest) != 1 || strings.HasPrefix(rest[0], "-") {
			return fmt.Errorf("%w: contest apply takes one file, and optionally --dry-run: contest apply [--dry-run] FILE.yaml", errUsage)
		}
		return contestApply(ctx, e, rest[0], dryRun)
	default:
		return fmt.Errorf("%w: unknown contest subcommand %q (want apply)", errUsage, args[0])
	}
}

// contestApply makes the database hold the contest the file declares, its
// prizes and its text, in one transaction. The file is checked on its own
// before the database is touched; the database's own checks (question pool,
// rounds with attempts) come back pointed at the file's lines too. A dry run
// makes the same checks and writes, rolls them back and says what would
// change.
func contestApply(ctx context.Context, e *env, path string, dryRun bool) error {
	data, err := readContestFile(path)
	if err != nil {
		return fmt.Errorf("contest apply: %w", err)
	}
	f, err := contestfile.Parse(path, data)
	if err != nil {
		return contestRejected(e, path, err)
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return fmt.Errorf("contest apply: %w", err)
	}
	defer db.Close()
	if dryRun {
		ch, err := ingest.PreviewContest(ctx, db, f, data)
		if err != nil {
			return contestRejected(e, path, err)
		}
		verb := "updated"
		if ch.Created {
			verb = "created"
		}
		fmt.Fprintf(e.stdout, "dry run, nothing changed: contest %s would be %s; rounds: %d added, %d updated, %d removed, %d unchanged\n",
			f.Contest.Code, verb, ch.RoundsAdded, ch.RoundsUpdated, ch.RoundsRemoved, ch.RoundsUnchanged)
		return nil
	}
	ch, err := ingest.ApplyContest(ctx, db, f, data, "")
	if err != nil {
		return contestRejected(e, path, err)
	}
	c, err := db.ContestByCode(ctx, f.Contest.Code)
	if err != nil {
		return fmt.Errorf("contest apply: applied, but reading it back failed: %w", err)
	}
	printContest(e, c, ch.Created)
	if en := f.Contest.Entries; en != nil {
		loc := c.Location()
		judges := fmt.Sprintf("%d judges", len(en.Judges))
		if len(en.Judges) == 1 {
			judges = "1 judge"
		}
		fmt.Fprintf(e.stdout, "  entries: %s → %s, %s, rubric of %d criteria (%d points)\n",
			en.OpensAt.In(loc).Format("Mon 2006-01-02 15:04"), en.ClosesAt.In(loc).Format("Mon 2006-01-02 15:04"), judges, len(en.Rubric), en.MaxScore())
	}
	return nil
}

// maxContestFile bounds a contest file: a real one is a few kilobytes, and
// a YAML parser holds many times the size of what it reads.
const maxContestFile = 1 << 20

// readContestFile reads a contest file of at most maxContestFile bytes.
func readContestFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxContestFile+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxContestFile {
		return nil, fmt.Errorf("%s is larger than %d KB: not a contest file", path, maxContestFile>>10)
	}
	return data, nil
}

// contestRejected prints a rejected file's problems, one FILE:LINE: reason
// per line, and returns the error that ends the command.
func contestRejected(e *env, path string, err error) error {
	var fe *contestfile.Error
	if !errors.As(err, &fe) {
		return err
	}
	for _, line := range fe.Lines() {
		fmt.Fprintln(e.stderr, line)
	}
	// Worded as the import commands' rejection, for the same operators.
	return fmt.Errorf("contest apply: %s bị từ chối (%d lỗi), cơ sở dữ liệu không thay đổi", path, len(fe.Problems))
}

// printContest is the short summary an organizer checks after applying: each
// round's window in the contest's own time zone.
func printContest(e *env, c quiz.Contest, created bool) {
	verb := "updated"
	if created {
		verb = "created"
	}
	rounds := fmt.Sprintf("%d rounds", len(c.Rounds))
	if len(c.Rounds) == 1 {
		rounds = "1 round"
	}
	fmt.Fprintf(e.stdout, "contest %s: %s, %s (times in %s)\n", c.Code, verb, rounds, c.Timezone)
	loc := c.Location()
	const layout = "Mon 2006-01-02 15:04"
	for _, r := range c.Rounds {
		topics := ""
		if len(r.Topics) > 0 {
			topics = ", topics: " + strings.Join(r.Topics, ", ")
		}
		fmt.Fprintf(e.stdout, "  round %d: %s → %s%s\n", r.Number, r.OpensAt.In(loc).Format(layout), r.ClosesAt.In(loc).Format(layout), topics)
	}
}
