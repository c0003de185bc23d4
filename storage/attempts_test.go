package storage_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

const (
	msgUnfinished = "Anh/chị đang có một bài thi chưa hoàn thành."
	msgUsedUp     = "Anh/chị đã dùng hết số lượt thi của đợt này."
)

// newAttempt draws the fixture's first n questions for member at f.Now, each
// with its options in reverse order.
func newAttempt(f storagetest.Fixture, member string, n int) *quiz.Attempt {
	a := &quiz.Attempt{RoundID: f.Round.ID, MemberID: f.Members[member].ID, Platform: quiz.PlatformTelegram,
		StartedAt: f.Now, Deadline: f.Now.Add(10 * time.Minute)}
	for i, q := range f.Questions[:n] {
		order := make([]int, len(q.Options))
		for k := range order {
			order[k] = len(order) - 1 - k
		}
		a.Items = append(a.Items, quiz.Item{Position: i, QuestionID: q.ID, Order: order})
	}
	return a
}

// wantConflict fails unless err is ECONFLICT with the message msg.
func wantConflict(t *testing.T, err error, msg string) {
	t.Helper()
	var e *quiz.Error
	if !errors.As(err, &e) || e.Code != quiz.ECONFLICT || e.Message != msg {
		t.Fatalf("err %v, want ECONFLICT %q", err, msg)
	}
}

// countRows returns how many attempts and answers rows the database holds.
func countRows(t *testing.T, db *storage.DB) (attempts, answers int) {
	t.Helper()
	if err := db.QueryRowx(`SELECT (SELECT count(*) FROM attempts), (SELECT count(*) FROM answers)`).Scan(&attempts, &answers); err != nil {
		t.Fatal(err)
	}
	return attempts, answers
}

// holdTx begins a transaction and returns it with its backend's pid, for
// waitBlocked; it is rolled back when the test ends unless committed.
func holdTx(t *testing.T, db *storage.DB) (*sqlx.Tx, int) {
	t.Helper()
	tx, err := db.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tx.Rollback() })
	var pid int
	if err := tx.Get(&pid, `SELECT pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}
	return tx, pid
}

// waitBlocked waits until some session waits for a lock that the backend
// pid holds; done reports a call that finished instead of waiting.
func waitBlocked(t *testing.T, db *storage.DB, pid int, done <-chan error) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var blocked bool
		if err := db.Get(&blocked, `SELECT EXISTS (SELECT 1 FROM pg_stat_activity
			WHERE $1 = ANY(pg_blocking_pids(pid)))`, pid); err != nil {
			t.Fatal(err)
		}
		if blocked {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("finished without waiting for the other transaction: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("never waited for the other transaction")
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not a guess at timing
	}
}

func TestCreateAttemptNumbersAndRefuses(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{AttemptsPerRound: 2})
	ctx := context.Background()

	first := newAttempt(f, "an", 3)
	if err := db.CreateAttempt(ctx, first, 2); err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Seq != 1 || first.Total != 3 {
		t.Fatalf("first attempt: id %d seq %d total %d", first.ID, first.Seq, first.Total)
	}
	got, err := db.AttemptByID(ctx, first.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Seq != 1 || got.Total != 3 || got.Platform != quiz.PlatformTelegram || !got.StartedAt.Equal(f.Now) ||
		!got.Deadline.Equal(first.Deadline) || got.Submitted() || len(got.Items) != 3 {
		t.Fatalf("stored attempt %+v", got)
	}
	for i, it := range got.Items {
		want := first.Items[i]
		if it.Position != want.Position || it.QuestionID != want.QuestionID || len(it.Order) != len(want.Order) ||
			it.Order[0] != want.Order[0] || it.Chosen != nil {
			t.Errorf("item %d: %+v, want %+v", i, it, want)
		}
	}

	// Another member's attempt is numbered on its own.
	other := newAttempt(f, "binh", 3)
	if err := db.CreateAttempt(ctx, other, 2); err != nil || other.Seq != 1 {
		t.Fatalf("other member: seq %d, %v", other.Seq, err)
	}

	wantConflict(t, db.CreateAttempt(ctx, newAttempt(f, "an", 3), 2), msgUnfinished)
	if _, _, err := db.SubmitAttempt(ctx, first.ID, f.Now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	second := newAttempt(f, "an", 3)
	if err := db.CreateAttempt(ctx, second, 2); err != nil || second.Seq != 2 {
		t.Fatalf("second attempt: seq %d, %v", second.Seq, err)
	}
	if _, _, err := db.SubmitAttempt(ctx, second.ID, f.Now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	wantConflict(t, db.CreateAttempt(ctx, newAttempt(f, "an", 3), 2), msgUsedUp)
	if attempts, answers := countRows(t, db); attempts != 3 || answers != 9 {
		t.Fatalf("%d attempts and %d answers stored, want 3 and 9", attempts, answers)
	}
}

// A question whose number of options no longer matches the shuffled order
// (the bank was re-imported after the questions were read) fails the whole
// start: no attempt, no answers.
func TestCreateAttemptRefusesStaleQuestion(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	a := newAttempt(f, "an", 3)
	a.Items[2].Order = a.Items[2].Order[:3] // read when it had 3 options
	err := db.CreateAttempt(ctx, a, 1)
	if quiz.ErrorCode(err) != quiz.EINTERNAL || !strings.Contains(err.Error(), "question bank changed") {
		t.Fatalf("err %v, want the question bank changed", err)
	}
	if attempts, answers := countRows(t, db); attempts != 0 || answers != 0 {
		t.Fatalf("%d attempts and %d answers stored, want none", attempts, answers)
	}
	// The member can start afresh.
	if err := db.CreateAttempt(ctx, newAttempt(f, "an", 3), 1); err != nil {
		t.Fatal(err)
	}
}

// A start that waits for an import reshaping one of its questions (the
// import locks the question FOR UPDATE, then sees it has not been drawn)
// compares with the question as the import left it, not as it was when the
// start began.
func TestCreateAttemptSeesQuestionReshapedWhileWaiting(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	tx, pid := holdTx(t, db)
	q := f.Questions[1]
	if _, err := tx.Exec(`SELECT id FROM questions WHERE id = $1 FOR UPDATE`, q.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(`UPDATE questions SET options = options[1:3] WHERE id = $1`, q.ID); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- db.CreateAttempt(ctx, newAttempt(f, "an", 3), 1) }()
	waitBlocked(t, db, pid, done)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; quiz.ErrorCode(err) != quiz.EINTERNAL || !strings.Contains(err.Error(), "question bank changed") {
		t.Fatalf("err %v, want the question bank changed", err)
	}
	if attempts, answers := countRows(t, db); attempts != 0 || answers != 0 {
		t.Fatalf("%d attempts and %d answers stored, want none", attempts, answers)
	}
}

// Two starts by one member at once: the one that loses the race on the
// unique indexes ends as if it had started after the winner.
func TestCreateAttemptRacingAnotherStart(t *testing.T) {
	tests := []struct {
		name        string
		submitted   bool // the winner's attempt is already submitted
		maxAttempts int
		wantSeq     int    // the loser's attempt, or 0
		wantMsg     string // the loser's ECONFLICT
	}{
		{"winner unfinished", false, 2, 0, msgUnfinished},
		{"winner submitted, attempts left", true, 2, 2, ""},
		{"winner submitted, no attempts left", true, 1, 0, msgUsedUp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storagetest.NewDB(t)
			f := storagetest.Seed(t, db, storagetest.SeedOptions{})
			ctx := context.Background()
			// The winner's attempt, stored and not yet committed.
			tx, pid := holdTx(t, db)
			if _, err := tx.Exec(`INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, total, submitted_at)
				VALUES ($1, $2, 1, 'telegram', $3, $4, 3, CASE WHEN $5 THEN $3::timestamptz END)`,
				f.Round.ID, f.Members["an"].ID, f.Now, f.Now.Add(10*time.Minute), tt.submitted); err != nil {
				t.Fatal(err)
			}
			a := newAttempt(f, "an", 3)
			done := make(chan error, 1)
			go func() { done <- db.CreateAttempt(ctx, a, tt.maxAttempts) }()
			waitBlocked(t, db, pid, done)
			if err := tx.Commit(); err != nil {
				t.Fatal(err)
			}
			err := <-done
			if tt.wantMsg != "" {
				wantConflict(t, err, tt.wantMsg)
				if attempts, answers := countRows(t, db); attempts != 1 || answers != 0 {
					t.Fatalf("%d attempts and %d answers stored, want only the winner's", attempts, answers)
				}
				return
			}
			if err != nil || a.Seq != tt.wantSeq {
				t.Fatalf("seq %d, %v; want seq %d", a.Seq, err, tt.wantSeq)
			}
			if attempts, answers := countRows(t, db); attempts != 2 || answers != 3 {
				t.Fatalf("%d attempts and %d answers stored, want 2 and 3", attempts, answers)
			}
		})
	}
}

// Many starts by one member at once: one attempt, every other start a
// conflict.
func TestCreateAttemptConcurrentStarts(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	const n = 8
	errs := make(chan error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			a := newAttempt(f, "an", 3)
			<-start
			errs <- db.CreateAttempt(ctx, a, 2)
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	created := 0
	for err := range errs {
		if err == nil {
			created++
			continue
		}
		wantConflict(t, err, msgUnfinished)
	}
	if attempts, answers := countRows(t, db); created != 1 || attempts != 1 || answers != 3 {
		t.Fatalf("%d starts succeeded, %d attempts and %d answers stored; want 1, 1 and 3", created, attempts, answers)
	}
}

func TestSubmitAttempt(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	if _, _, err := db.SubmitAttempt(ctx, 424242, f.Now); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Fatalf("unknown attempt: %v", err)
	}

	a := newAttempt(f, "an", 3)
	if err := db.CreateAttempt(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	// Option 0 of each question is right; the order is reversed, so the
	// right option is shown last.
	for pos, chosen := range []int{0, 1, 0} {
		if ok, err := db.RecordAnswer(ctx, a.ID, pos, chosen, chosen == 0, f.Now.Add(time.Minute), 0); err != nil || !ok {
			t.Fatalf("answer %d: %v %v", pos, ok, err)
		}
	}
	late := a.Deadline.Add(time.Hour)
	got, closed, err := db.SubmitAttempt(ctx, a.ID, late)
	if err != nil || !closed {
		t.Fatalf("submit: closed %v, %v", closed, err)
	}
	if got.ID != a.ID || got.MemberID != a.MemberID || got.RoundID != a.RoundID || got.Seq != 1 || got.Total != 3 ||
		got.Correct != 2 || got.SubmittedAt == nil || !got.SubmittedAt.Equal(a.Deadline) || got.Platform != quiz.PlatformTelegram {
		t.Fatalf("submitted %+v, want 2 correct, submitted at the deadline %v", got, a.Deadline)
	}
	if ok, err := db.RecordAnswer(ctx, a.ID, 2, 0, true, f.Now.Add(2*time.Minute), 0); err != nil || ok {
		t.Fatalf("answer after submission: %v %v", ok, err)
	}

	again, closed, err := db.SubmitAttempt(ctx, a.ID, f.Now.Add(2*time.Minute))
	if err != nil || closed || again.Correct != 2 || !again.SubmittedAt.Equal(a.Deadline) {
		t.Fatalf("second submit: %+v closed %v, %v; want it as it was", again, closed, err)
	}
	// The submission writes the attempt's picks (migration 00028), read by
	// the identical-answers signal and the item analysis: question × 65536
	// + option + 32768, doubled, plus one for a wrong option; option 32767
	// for a question left unanswered.
	pick := func(q int64, chosen int64, wrong bool) int64 {
		v := (q*65536 + chosen + 32768) * 2
		if wrong {
			v++
		}
		return v
	}
	want := []int64{pick(f.Questions[0].ID, 0, false), pick(f.Questions[1].ID, 1, true), pick(f.Questions[2].ID, 0, false)}
	slices.Sort(want)
	if got := attemptPicks(t, db, a.ID); !slices.Equal(got, want) {
		t.Errorf("picks %v, want %v", got, want)
	}

	b := newAttempt(f, "binh", 3)
	if err := db.CreateAttempt(ctx, b, 1); err != nil {
		t.Fatal(err)
	}
	early := f.Now.Add(3 * time.Minute)
	if got, closed, err := db.SubmitAttempt(ctx, b.ID, early); err != nil || !closed || got.Correct != 0 || !got.SubmittedAt.Equal(early) {
		t.Fatalf("submit in time: %+v closed %v, %v", got, closed, err)
	}
	want = []int64{pick(f.Questions[0].ID, 32767, false), pick(f.Questions[1].ID, 32767, false), pick(f.Questions[2].ID, 32767, false)}
	slices.Sort(want)
	if got := attemptPicks(t, db, b.ID); !slices.Equal(got, want) {
		t.Errorf("picks of an attempt with no answer: %v, want the three questions unanswered %v", got, want)
	}
}

// attemptPicks returns the picks written on an attempt, nil if none are.
func attemptPicks(t *testing.T, db *storage.DB, id int64) []int64 {
	t.Helper()
	var picks pq.Int64Array
	if err := db.Get(&picks, `SELECT picks FROM attempts WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	return picks
}

// A submission that waits for an answer being stored (RecordAnswer holds a
// share lock on the attempt) counts that answer once it commits. A count
// taken with a snapshot from before the wait would miss it.
func TestSubmitAttemptCountsAnswerCommittedWhileWaiting(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	a := newAttempt(f, "an", 3)
	if err := db.CreateAttempt(ctx, a, 1); err != nil {
		t.Fatal(err)
	}
	if ok, err := db.RecordAnswer(ctx, a.ID, 0, 0, true, f.Now.Add(time.Minute), 0); err != nil || !ok {
		t.Fatalf("answer 0: %v %v", ok, err)
	}
	// RecordAnswer's statement, in a transaction held open.
	tx, pid := holdTx(t, db)
	res, err := tx.Exec(`
		WITH a AS (
			SELECT id FROM attempts
			WHERE id = $1 AND submitted_at IS NULL AND deadline > $5
			FOR SHARE
		)
		UPDATE answers SET chosen = $3, is_correct = $4, answered_at = $5
		WHERE attempt_id = (SELECT id FROM a) AND position = $2 AND chosen IS NULL`,
		a.ID, 1, 0, true, f.Now.Add(2*time.Minute))
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("answer 1: %d rows, %v", n, err)
	}

	type result struct {
		a      quiz.Attempt
		closed bool
		err    error
	}
	done := make(chan result, 1)
	errs := make(chan error, 1)
	go func() {
		got, closed, err := db.SubmitAttempt(ctx, a.ID, f.Now.Add(3*time.Minute))
		done <- result{got, closed, err}
		errs <- err
	}()
	waitBlocked(t, db, pid, errs)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || !r.closed || r.a.Correct != 2 {
		t.Fatalf("submit: correct %d closed %v, %v; want the 2 right answers, one committed while it waited", r.a.Correct, r.closed, r.err)
	}
}
