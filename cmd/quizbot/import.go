package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"quizbot/config"
	"quizbot/importer"
	"quizbot/ingest"
	"quizbot/outbound"
	"quizbot/storage"
)

// cmdImport runs `quizbot import units|members|questions [--dry-run |
// --confirm TOKEN] FILE`: all or nothing. A rejected file lists every bad
// row on stderr as FILE:LINE: reason and changes nothing; an accepted one
// prints what changed. --dry-run runs the same checks and prints what would
// change, and a token that --confirm takes to apply exactly that: the file
// and the stored rows as they were previewed, or nothing.
func cmdImport(ctx context.Context, e *env, args []string) error {
	const usage = "import takes what to import (units, members or questions), optionally --dry-run or --confirm TOKEN, and a .csv or .xlsx FILE"
	var (
		dryRun        bool
		token         string
		kindArg, path string
		rest          []string
	)
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--dry-run":
			dryRun = true
		case a == "--confirm" && i+1 < len(args):
			i++
			token = args[i]
		case strings.HasPrefix(a, "--confirm="):
			token = strings.TrimPrefix(a, "--confirm=")
		case strings.HasPrefix(a, "--"):
			return fmt.Errorf("%w: %s: unknown flag %s", errUsage, usage, a)
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) != 2 || (dryRun && token != "") || (token == "" && slices.Contains(args, "--confirm")) {
		return fmt.Errorf("%w: %s", errUsage, usage)
	}
	kindArg, path = rest[0], rest[1]
	kind, ok := ingest.ParseKind(kindArg)
	if !ok {
		return fmt.Errorf("%w: import %s: can import units, members or questions", errUsage, kindArg)
	}
	// The file first: its mistakes should show even when the database is down.
	t, err := importer.ReadFile(path)
	if err != nil {
		return rejected(e, kindArg, err)
	}
	sum, err := ingest.SumFile(path)
	if err != nil {
		return fmt.Errorf("import %s: %w", kind, err)
	}
	f := ingest.Parse(kind, t, sum)
	if !f.Ready() {
		return rejected(e, kindArg, f.Err())
	}
	db, err := openImportDB(ctx, e, kindArg, t.File, f.Problems)
	if err != nil {
		return err
	}
	defer db.Close()
	var res ingest.Result
	if dryRun {
		res, err = f.Preview(ctx, db)
	} else {
		res, err = f.Apply(ctx, db, token)
	}
	if ingest.IsStale(err) {
		return fmt.Errorf("import %s: %s: the file or the stored data changed since the dry run, nothing was changed: run --dry-run again", kind, path)
	}
	if err != nil {
		return rejected(e, kindArg, err)
	}
	if t.TitleRows > 0 {
		// Said, so that the operator sees which rows were not imported.
		fmt.Fprintf(e.stdout, "%s: dòng tiêu đề là dòng %d; %d dòng phía trên (tên bảng) không được nhập\n", t.File, t.HeaderLine, t.TitleRows)
	}
	if dryRun {
		fmt.Fprint(e.stdout, "dry run, nothing changed: would be ")
	}
	fmt.Fprintf(e.stdout, "%d added, %d updated, %d unchanged", res.Added, res.Updated, res.Unchanged)
	if kind == ingest.Members {
		fmt.Fprintf(e.stdout, ", %d deactivated", res.Deactivated)
	}
	fmt.Fprintln(e.stdout)
	if dryRun {
		fmt.Fprintf(e.stdout, "to apply exactly this: quizbot import %s --confirm %s %s\n", kind, res.Token, path)
		return nil
	}
	if kind != ingest.Questions && res.Updated+res.Deactivated > 0 {
		forgetCachedMembers(ctx, e)
	}
	return nil
}

// importNeeds is what an import cannot run without: units and members may
// change who a chat account stands for, so they clear the bots' cache of
// members in Redis; questions need only Postgres.
func importNeeds(args []string) config.Need {
	for _, a := range args {
		if a == "units" || a == "members" {
			return config.NeedDatabase | config.NeedRedis
		}
	}
	return config.NeedDatabase
}

// forgetCachedMembers clears the bots' cache of who is behind each account
// after a roster or unit change, so that an inactive member or a changed
// role takes effect at once. The import is already committed: a failure here
// is a warning (the cache expires by itself within minutes).
func forgetCachedMembers(ctx context.Context, e *env) {
	warn := func(err error) {
		fmt.Fprintf(e.stderr, "quizbot: warning: the import is saved, but the bots' cache could not be cleared (it expires within 10 minutes): %v\n", err)
	}
	rdb, err := storage.OpenRedis(ctx, e.cfg.RedisURL)
	if err != nil {
		warn(err)
		return
	}
	defer rdb.Close()
	if _, err := storage.NewSessions(rdb).ForgetAllMembers(ctx); err != nil {
		warn(err)
	}
}

// openImportDB opens the database for an import whose file has the problems
// found so far. When the database cannot be reached those problems are still
// listed, so that the operator can fix the file meanwhile; the checks that
// need the database (units, parents) come once it answers.
func openImportDB(ctx context.Context, e *env, kind, file string, problems []importer.Problem) (*storage.DB, error) {
	db, err := openDB(ctx, e)
	if err == nil {
		return db, nil
	}
	if len(problems) == 0 {
		return nil, fmt.Errorf("import %s: %w", kind, err)
	}
	for _, line := range (&importer.Error{File: file, Problems: problems}).Lines() {
		fmt.Fprintln(e.stderr, line)
	}
	return nil, fmt.Errorf("import %s: %s bị từ chối (%s lỗi; chưa kiểm tra được phần cần cơ sở dữ liệu: %w)", kind, file, outbound.GroupDigits(int64(len(problems))), err)
}

// rejected prints a rejected file's problems, one FILE:LINE: reason per
// line, and returns the error that ends the command.
func rejected(e *env, kind string, err error) error {
	var ie *importer.Error
	if !errors.As(err, &ie) {
		// Storage errors carry their "import KIND:" context already.
		return err
	}
	for _, line := range ie.Lines() {
		fmt.Fprintln(e.stderr, line)
	}
	return fmt.Errorf("import %s: %s bị từ chối (%s lỗi), cơ sở dữ liệu không thay đổi", kind, ie.File, outbound.GroupDigits(int64(len(ie.Problems))))
}
