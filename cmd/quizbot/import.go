package main

import (
	"context"
	"errors"
	"fmt"

	"quizbot/config"
	"quizbot/importer"
	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/storage"
)

// cmdImport runs `quizbot import units|members|questions FILE`: all or
// nothing. A rejected file lists every bad row on stderr as FILE:LINE: reason
// and changes nothing; an accepted one prints what changed.
func cmdImport(ctx context.Context, e *env, args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("%w: import takes what to import (units, members or questions) and a .csv or .xlsx FILE", errUsage)
	}
	kind, path := args[0], args[1]
	if kind != "units" && kind != "members" && kind != "questions" {
		return fmt.Errorf("%w: import %s: can import units, members or questions", errUsage, kind)
	}
	// The file first: its mistakes should show even when the database is down.
	t, err := importer.ReadFile(path)
	if err != nil {
		return rejected(e, kind, err)
	}

	// Each kind parses its rows and says how to store them; the checks that
	// need the database run in store, under the import lock.
	var (
		problems []importer.Problem // found in the file alone
		parsed   bool               // the rows can go on to the database's checks
		store    func(*storage.DB) (storage.ImportResult, error)
	)
	switch kind {
	case "units":
		var rows []importer.UnitRow
		rows, problems = importer.ParseUnits(t)
		parsed = rows != nil
		store = func(db *storage.DB) (storage.ImportResult, error) {
			return db.ImportUnits(ctx, importer.Units(rows), func(existing map[string]quiz.Unit) error {
				return importer.Reject(t.File, append(problems, importer.CheckUnitTree(rows, existing)...))
			})
		}
	case "members":
		var rows []importer.MemberRow
		rows, problems = importer.ParseMembers(t)
		parsed = rows != nil
		store = func(db *storage.DB) (storage.ImportResult, error) {
			return db.ImportMembers(ctx, importer.Members(rows), func(units map[string]quiz.Unit) error {
				return importer.Reject(t.File, append(problems, importer.CheckMemberUnits(rows, units)...))
			})
		}
	case "questions":
		var rows []importer.QuestionRow
		rows, problems = importer.ParseQuestions(t)
		parsed = len(problems) == 0
		// A question drawn for an attempt keeps its number of options and
		// its correct option.
		store = func(db *storage.DB) (storage.ImportResult, error) {
			return db.ImportQuestions(ctx, importer.Questions(rows), func(used map[string]quiz.Question) error {
				return importer.Reject(t.File, importer.CheckUsedQuestions(rows, used))
			})
		}
	}
	if !parsed {
		return rejected(e, kind, importer.Reject(t.File, problems))
	}
	db, err := openImportDB(ctx, e, kind, t.File, problems)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := store(db)
	if err != nil {
		return rejected(e, kind, err)
	}
	if t.TitleRows > 0 {
		// Said, so that the operator sees which rows were not imported.
		fmt.Fprintf(e.stdout, "%s: dòng tiêu đề là dòng %d; %d dòng phía trên (tên bảng) không được nhập\n", t.File, t.HeaderLine, t.TitleRows)
	}
	fmt.Fprintf(e.stdout, "%d added, %d updated, %d unchanged", res.Added, res.Updated, res.Unchanged)
	if kind == "members" {
		fmt.Fprintf(e.stdout, ", %d deactivated", res.Deactivated)
	}
	fmt.Fprintln(e.stdout)
	if kind != "questions" && res.Updated+res.Deactivated > 0 {
		forgetCachedMembers(ctx, e)
	}
	return nil
}

// importNeeds is what an import cannot run without: units and members may
// change who a chat account stands for, so they clear the bots' cache of
// members in Redis; questions need only Postgres.
func importNeeds(args []string) config.Need {
	if len(args) > 0 && (args[0] == "units" || args[0] == "members") {
		return config.NeedDatabase | config.NeedRedis
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
