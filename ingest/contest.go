package ingest

import (
	"context"

	"quizbot/contestfile"
	"quizbot/quiz"
	"quizbot/storage"
)

// ContestStore is what applying a contest file needs of storage.
type ContestStore interface {
	ApplyContestWith(ctx context.Context, c quiz.Contest, opt storage.ContestOptions) (storage.ContestChange, error)
}

// PreviewContest runs every check of applying the parsed contest file f,
// the database's included, and every write, then rolls them back: what
// would change, or the problems pointed at f's lines (*contestfile.Error).
func PreviewContest(ctx context.Context, db ContestStore, f *contestfile.File, source []byte) (storage.ContestChange, error) {
	return applyContest(ctx, db, f, source, storage.ContestOptions{DryRun: true})
}

// ApplyContest applies the parsed contest file f with its prizes and its
// text, all in one transaction, after the same checks. With expect (a
// preview's State) it refuses, with ErrStale, a contest changed since.
func ApplyContest(ctx context.Context, db ContestStore, f *contestfile.File, source []byte, expect string) (storage.ContestChange, error) {
	return applyContest(ctx, db, f, source, storage.ContestOptions{ExpectState: expect})
}

func applyContest(ctx context.Context, db ContestStore, f *contestfile.File, source []byte, opt storage.ContestOptions) (storage.ContestChange, error) {
	opt.SaveFile, opt.Prizes, opt.Source = true, f.Prizes, string(source)
	ch, err := db.ApplyContestWith(ctx, f.Contest, opt)
	return ch, f.Explain(err)
}
