// Package ingest imports the organizer's files (units, the roster, the
// question bank) into storage, for the command line and the web console
// alike: a preview that parses, validates and counts what would change
// without changing anything, and an apply that re-runs every check in its
// own transaction and refuses to go on when the file or the stored rows are
// not those its preview showed.
package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"

	"quizbot/importer"
	"quizbot/quiz"
	"quizbot/storage"
)

// Kind is what a file holds.
type Kind string

const (
	Units     Kind = "units"
	Members   Kind = "members"
	Questions Kind = "questions"
)

// ParseKind reads a kind as the command line names it.
func ParseKind(s string) (Kind, bool) {
	switch k := Kind(s); k {
	case Units, Members, Questions:
		return k, true
	}
	return "", false
}

// Store is what an import needs of storage.
type Store interface {
	ImportUnitsWith(ctx context.Context, units []quiz.Unit, check func(map[string]quiz.Unit) error, opt storage.ImportOptions) (storage.ImportPlan, error)
	ImportMembersWith(ctx context.Context, members []quiz.Member, check func(map[string]quiz.Unit) error, opt storage.ImportOptions) (storage.ImportPlan, error)
	ImportQuestionsWith(ctx context.Context, questions []quiz.Question, check func(map[string]quiz.Question) error, opt storage.ImportOptions) (storage.ImportPlan, error)
}

// File is a file read and parsed, with what its rows alone show wrong.
type File struct {
	Kind  Kind
	Table *importer.Table
	// Sum digests the file's bytes, so that a preview's token names the
	// very file it counted.
	Sum string
	// Problems were found in the file alone; the database's checks add
	// theirs in Preview and Apply.
	Problems []importer.Problem
	parsed   bool // the rows can go on to the database's checks
	store    func(ctx context.Context, db Store, opt storage.ImportOptions) (storage.ImportPlan, error)
}

// Sum is the digest of a file's bytes that File.Sum holds.
func Sum(data []byte) string {
	s := sha256.Sum256(data)
	return hex.EncodeToString(s[:])[:16]
}

// SumFile is Sum of the file at path, read as it streams.
func SumFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.LimitReader(f, importer.MaxFileSize+1)); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// Parse parses a table of the kind. sum is the file's Sum.
func Parse(kind Kind, t *importer.Table, sum string) *File {
	f := &File{Kind: kind, Table: t, Sum: sum}
	// Each kind parses its rows and says how to store them; the checks that
	// need the database run in store, under the import lock.
	switch kind {
	case Units:
		var rows []importer.UnitRow
		rows, f.Problems = importer.ParseUnits(t)
		f.parsed = rows != nil
		f.store = func(ctx context.Context, db Store, opt storage.ImportOptions) (storage.ImportPlan, error) {
			return db.ImportUnitsWith(ctx, importer.Units(rows), func(existing map[string]quiz.Unit) error {
				return importer.Reject(t.File, append(f.Problems, importer.CheckUnitTree(rows, existing)...))
			}, opt)
		}
	case Members:
		var rows []importer.MemberRow
		rows, f.Problems = importer.ParseMembers(t)
		f.parsed = rows != nil
		f.store = func(ctx context.Context, db Store, opt storage.ImportOptions) (storage.ImportPlan, error) {
			return db.ImportMembersWith(ctx, importer.Members(rows), func(units map[string]quiz.Unit) error {
				return importer.Reject(t.File, append(f.Problems, importer.CheckMemberUnits(rows, units)...))
			}, opt)
		}
	case Questions:
		var rows []importer.QuestionRow
		rows, f.Problems = importer.ParseQuestions(t)
		f.parsed = len(f.Problems) == 0
		// A question drawn for an attempt keeps its number of options and
		// its correct option.
		f.store = func(ctx context.Context, db Store, opt storage.ImportOptions) (storage.ImportPlan, error) {
			return db.ImportQuestionsWith(ctx, importer.Questions(rows), func(used map[string]quiz.Question) error {
				return importer.Reject(t.File, importer.CheckUsedQuestions(rows, used))
			}, opt)
		}
	default:
		f.Problems = []importer.Problem{{Reason: fmt.Sprintf("không nhập được loại tệp %q", kind)}}
	}
	return f
}

// Ready tells whether the rows can go on to the database's checks: false
// when the file alone is wrong in a way that makes them meaningless (a
// missing column), and then Err is what to show.
func (f *File) Ready() bool { return f.parsed }

// Err is the file's own problems as an *importer.Error, or nil.
func (f *File) Err() error { return importer.Reject(f.Table.File, f.Problems) }

// Result is what an import would change (a preview) or changed (an apply).
type Result struct {
	storage.ImportPlan
	// Token binds an apply to this preview: the file's Sum and the State of
	// the stored rows it counted.
	Token string
}

// Preview runs every check and counts what the file would change, under
// the import lock, and changes nothing. A file with problems gets them as
// an *importer.Error, the database's checks included.
func (f *File) Preview(ctx context.Context, db Store) (Result, error) {
	return f.run(ctx, db, storage.ImportOptions{DryRun: true})
}

// ErrStale is an apply whose file or stored rows are not those of its
// preview; nothing was changed.
var ErrStale = storage.ErrStale

// IsStale tells whether err is ErrStale.
func IsStale(err error) bool { return errors.Is(err, ErrStale) }

// Apply imports the file, all or nothing, after the same checks as
// Preview, in the transaction that writes. With a token (from Preview) it
// refuses, with ErrStale, a file or stored rows other than the preview's;
// without one it applies whatever the checks accept, as the command line
// always has.
func (f *File) Apply(ctx context.Context, db Store, token string) (Result, error) {
	opt := storage.ImportOptions{}
	if token != "" {
		if len(token) != 32 || token[:16] != f.Sum {
			return Result{}, fmt.Errorf("import %s: %w", f.Kind, ErrStale)
		}
		opt.ExpectState = token[16:]
	}
	return f.run(ctx, db, opt)
}

func (f *File) run(ctx context.Context, db Store, opt storage.ImportOptions) (Result, error) {
	if !f.parsed || f.store == nil {
		return Result{}, f.Err()
	}
	res, err := f.store(ctx, db, opt)
	if errors.Is(err, ErrStale) {
		return Result{}, fmt.Errorf("import %s: %w", f.Kind, err)
	}
	if err != nil {
		// Storage's errors carry their "import KIND:" already.
		return Result{}, err
	}
	return Result{ImportPlan: res, Token: f.Sum + res.State}, nil
}
