package storage_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lib/pq"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// RecordAnswer group-commits: answers queued while a batch is in flight are
// stored together by the next one (storage/answers.go). These tests hold the
// writer in a batch that waits for a row lock (holdWriter) to queue answers
// into one batch, and learn that an answer is queued from its context:
// RecordAnswer watches ctx.Done() only once its answer is in the queue.

type result struct {
	ok  bool
	err error
}

// queuedCtx closes queued the first time Done is called.
type queuedCtx struct {
	context.Context
	once   sync.Once
	queued chan struct{}
}

func (c *queuedCtx) Done() <-chan struct{} {
	c.once.Do(func() { close(c.queued) })
	return c.Context.Done()
}

// answer is one call of RecordAnswer.
type answer struct {
	attemptID   int64
	pos, chosen int
	correct     bool
	at          time.Time
}

// queue calls RecordAnswer in a goroutine and returns once the answer is
// queued (the writer must be held), with the channel of its result.
func queue(t *testing.T, db *storage.DB, ctx context.Context, a answer) <-chan result {
	t.Helper()
	c := &queuedCtx{Context: ctx, queued: make(chan struct{})}
	done := make(chan result, 1)
	go func() {
		ok, err := db.RecordAnswer(c, a.attemptID, a.pos, a.chosen, a.correct, a.at, 0)
		done <- result{ok, err}
	}()
	select {
	case <-c.queued:
	case r := <-done:
		t.Fatalf("answer %+v: %v %v before it was queued behind the held writer", a, r.ok, r.err)
	}
	return done
}

// holdWriter makes the writer wait in a batch of its own, an answer at
// position 0 of attempt blocker, which a transaction keeps locked FOR
// UPDATE. It returns the backend pid of that transaction, the channel of the
// blocker's result and a release function that commits the transaction.
func holdWriter(t *testing.T, db *storage.DB, blocker int64, at time.Time) (int, <-chan result, func()) {
	t.Helper()
	tx, pid := holdTx(t, db)
	if _, err := tx.Exec(`SELECT id FROM attempts WHERE id = $1 FOR UPDATE`, blocker); err != nil {
		t.Fatal(err)
	}
	done := make(chan result, 1)
	errs := make(chan error, 1)
	go func() {
		ok, err := db.RecordAnswer(context.Background(), blocker, 0, 0, true, at, 0)
		done <- result{ok, err}
		errs <- err
	}()
	waitBlocked(t, db, pid, errs)
	return pid, done, func() {
		t.Helper()
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

// wantRecorded fails unless the result is recorded and no error.
func wantRecorded(t *testing.T, what string, res <-chan result) {
	t.Helper()
	if r := <-res; r.err != nil || !r.ok {
		t.Fatalf("%s: %v %v, want recorded", what, r.ok, r.err)
	}
}

// seedAttempts stores n attempts of n new members at f.Now, each with every
// question of the fixture's bank in its original order.
func seedAttempts(t *testing.T, db *storage.DB, f storagetest.Fixture, n int) []*quiz.Attempt {
	t.Helper()
	ctx := context.Background()
	var as []*quiz.Attempt
	for i := range n {
		var id int64
		if err := db.GetContext(ctx, &id, `INSERT INTO members (full_name, phone, unit_id) VALUES ($1, $2, $3) RETURNING id`,
			fmt.Sprintf("Cán bộ %d", i), fmt.Sprintf("0913%06d", i), f.Members["an"].UnitID); err != nil {
			t.Fatal(err)
		}
		a := &quiz.Attempt{RoundID: f.Round.ID, MemberID: id, Platform: quiz.PlatformTelegram,
			StartedAt: f.Now, Deadline: f.Now.Add(10 * time.Minute)}
		for p, q := range f.Questions {
			a.Items = append(a.Items, quiz.Item{Position: p, QuestionID: q.ID, Order: []int{0, 1, 2, 3}})
		}
		if err := db.CreateAttempt(ctx, a, 1); err != nil {
			t.Fatal(err)
		}
		as = append(as, a)
	}
	return as
}

// wantAnswer fails unless position pos of the attempt holds a.
func wantAnswer(t *testing.T, db *storage.DB, a answer) {
	t.Helper()
	got, err := db.AttemptByID(context.Background(), a.attemptID)
	if err != nil {
		t.Fatal(err)
	}
	it := got.Items[a.pos]
	if it.Chosen == nil || *it.Chosen != a.chosen || it.IsCorrect == nil || *it.IsCorrect != a.correct ||
		it.AnsweredAt == nil || !it.AnsweredAt.Equal(a.at) {
		t.Fatalf("attempt %d position %d: chosen %v correct %v at %v; want %+v",
			a.attemptID, a.pos, deref(it.Chosen), deref(it.IsCorrect), deref(it.AnsweredAt), a)
	}
}

// wantUnanswered fails unless position pos of attempt id has no answer.
func wantUnanswered(t *testing.T, db *storage.DB, id int64, pos int) {
	t.Helper()
	got, err := db.AttemptByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if it := got.Items[pos]; it.Chosen != nil || it.IsCorrect != nil || it.AnsweredAt != nil {
		t.Fatalf("attempt %d position %d: answered %v at %v, want no answer", id, pos, *it.Chosen, deref(it.AnsweredAt))
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Many callers at once, on different attempts and positions: every answer
// is stored, with its own values.
func TestRecordAnswerConcurrent(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 8})
	as := seedAttempts(t, db, f, 40)
	var want []answer
	for i, a := range as {
		for p := range a.Items {
			chosen := (i + p) % 4
			// Times a microsecond apart, Postgres' resolution, to catch
			// answers stored at another answer's row.
			at := f.Now.Add(time.Duration(i*len(a.Items)+p+1) * time.Microsecond)
			want = append(want, answer{a.ID, p, chosen, chosen == 0, at})
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, len(want))
	// One goroutine per answer: all of them queue at once, most of them
	// behind the batch in flight.
	for _, a := range want {
		wg.Go(func() {
			<-start
			ok, err := db.RecordAnswer(context.Background(), a.attemptID, a.pos, a.chosen, a.correct, a.at, 0)
			if err == nil && !ok {
				err = fmt.Errorf("answer %+v not recorded", a)
			}
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, a := range want {
		wantAnswer(t, db, a)
	}
	var answered int
	if err := db.Get(&answered, `SELECT count(*) FROM answers WHERE chosen IS NOT NULL`); err != nil || answered != len(want) {
		t.Fatalf("%d answers stored, %v; want %d", answered, err, len(want))
	}
}

// A double tap whose two answers land in one batch: the first queued is
// stored, the second gets false. Alongside them, an answer at the deadline,
// one past it and one for a submitted attempt are refused, and the rest of
// the batch is stored.
func TestRecordAnswerOneBatch(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 4})
	ctx := context.Background()
	as := seedAttempts(t, db, f, 4)
	blocker, a, b, submitted := as[0], as[1], as[2], as[3]
	if _, _, err := db.SubmitAttempt(ctx, submitted.ID, f.Now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	at := f.Now.Add(2 * time.Minute)

	_, blocked, release := holdWriter(t, db, blocker.ID, at)
	first := answer{a.ID, 0, 2, false, at}
	tap1 := queue(t, db, ctx, first)
	tap2 := queue(t, db, ctx, answer{a.ID, 0, 0, true, at.Add(time.Second)})
	other := answer{a.ID, 1, 0, true, at}
	otherRes := queue(t, db, ctx, other)
	inTime := answer{b.ID, 1, 3, false, b.Deadline.Add(-time.Microsecond)}
	inTimeRes := queue(t, db, ctx, inTime)
	atDeadline := queue(t, db, ctx, answer{b.ID, 2, 0, true, b.Deadline})
	late := queue(t, db, ctx, answer{b.ID, 3, 0, true, b.Deadline.Add(time.Second)})
	afterSubmit := queue(t, db, ctx, answer{submitted.ID, 0, 0, true, at})

	release()
	wantRecorded(t, "blocker", blocked)
	for name, tt := range map[string]struct {
		res  <-chan result
		want bool
	}{
		"first tap":         {tap1, true},
		"second tap":        {tap2, false},
		"other position":    {otherRes, true},
		"just in time":      {inTimeRes, true},
		"at the deadline":   {atDeadline, false},
		"past the deadline": {late, false},
		"submitted attempt": {afterSubmit, false},
	} {
		if r := <-tt.res; r.err != nil || r.ok != tt.want {
			t.Errorf("%s: %v %v, want %v", name, r.ok, r.err, tt.want)
		}
	}
	wantAnswer(t, db, first)
	wantAnswer(t, db, other)
	wantAnswer(t, db, inTime)
	wantUnanswered(t, db, b.ID, 2)
	wantUnanswered(t, db, b.ID, 3)
	wantUnanswered(t, db, submitted.ID, 0)
	// The answers are stored as a lone one would be, and counted.
	got, closed, err := db.SubmitAttempt(ctx, a.ID, at.Add(time.Minute))
	if err != nil || !closed || got.Correct != 1 {
		t.Fatalf("submit: correct %d closed %v, %v; want 1", got.Correct, closed, err)
	}
}

// The same one at a time, each in a batch of its own.
func TestRecordAnswerLateOrSubmitted(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 3})
	ctx := context.Background()
	as := seedAttempts(t, db, f, 2)
	a, submitted := as[0], as[1]
	if _, _, err := db.SubmitAttempt(ctx, submitted.ID, f.Now.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name string
		a    answer
		want bool
	}{
		{"at the deadline", answer{a.ID, 0, 0, true, a.Deadline}, false},
		{"past the deadline", answer{a.ID, 0, 0, true, a.Deadline.Add(time.Hour)}, false},
		{"submitted attempt", answer{submitted.ID, 0, 0, true, f.Now.Add(2 * time.Minute)}, false},
		{"unknown attempt", answer{424242, 0, 0, true, f.Now}, false},
		{"in time", answer{a.ID, 0, 1, false, f.Now.Add(time.Minute)}, true},
		{"again", answer{a.ID, 0, 0, true, f.Now.Add(2 * time.Minute)}, false},
		{"unknown position", answer{a.ID, 7, 0, true, f.Now}, false},
	} {
		ok, err := db.RecordAnswer(ctx, tt.a.attemptID, tt.a.pos, tt.a.chosen, tt.a.correct, tt.a.at, 0)
		if err != nil || ok != tt.want {
			t.Errorf("%s: %v %v, want %v", tt.name, ok, err, tt.want)
		}
	}
	wantAnswer(t, db, answer{a.ID, 0, 1, false, f.Now.Add(time.Minute)})
	wantUnanswered(t, db, submitted.ID, 0)
	if _, err := db.RecordAnswer(ctx, a.ID, 1, 1<<16, false, f.Now, 0); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("option out of range: %v", err)
	}
}

// A submission racing answers counts exactly the answers that were
// reported recorded: each answer's batch either commits before the
// submission counts, or waits for it and finds the attempt submitted.
func TestRecordAnswerRacingSubmit(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 6})
	ctx := context.Background()
	const rounds = 30
	as := seedAttempts(t, db, f, rounds)
	for i, a := range as {
		at := f.Now.Add(time.Minute)
		recorded := make([]bool, len(a.Items))
		var wg sync.WaitGroup
		start := make(chan struct{})
		for p := range a.Items {
			wg.Go(func() {
				<-start
				ok, err := db.RecordAnswer(ctx, a.ID, p, 0, true, at, 0)
				if err != nil {
					t.Error(err)
				}
				recorded[p] = ok
			})
		}
		var got quiz.Attempt
		var submitErr error
		wg.Go(func() {
			<-start
			for range i % 3 { // vary who is likely first
				if _, err := db.AttemptByID(ctx, a.ID); err != nil {
					t.Error(err)
				}
			}
			got, _, submitErr = db.SubmitAttempt(ctx, a.ID, at)
		})
		close(start)
		wg.Wait()
		if submitErr != nil {
			t.Fatal(submitErr)
		}
		n := 0
		for _, ok := range recorded {
			if ok {
				n++
			}
		}
		var stored int
		if err := db.Get(&stored, `SELECT count(*) FROM answers WHERE attempt_id = $1 AND chosen IS NOT NULL`, a.ID); err != nil {
			t.Fatal(err)
		}
		if got.Correct != n || stored != n {
			t.Fatalf("attempt %d: %d answers reported recorded, %d stored, %d counted by the submission", i, n, stored, got.Correct)
		}
	}
}

// A caller whose context ends while its answer is queued gets the
// context's error, and its answer is left out of the batch.
func TestRecordAnswerCancelled(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 3})
	as := seedAttempts(t, db, f, 2)
	blocker, a := as[0], as[1]
	at := f.Now.Add(time.Minute)

	done, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := db.RecordAnswer(done, a.ID, 0, 0, true, at, 0); ok || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled before: %v %v", ok, err)
	}

	_, blocked, release := holdWriter(t, db, blocker.ID, at)
	ctx, cancel := context.WithCancel(context.Background())
	gaveUp := queue(t, db, ctx, answer{a.ID, 1, 0, true, at})
	cancel()
	if r := <-gaveUp; r.ok || !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled while queued: %v %v", r.ok, r.err)
	}
	release()
	wantRecorded(t, "blocker", blocked)
	wantUnanswered(t, db, a.ID, 0)
	// Position 1 is still free: the cancelled answer was not stored.
	if ok, err := db.RecordAnswer(context.Background(), a.ID, 1, 2, false, at, 0); err != nil || !ok {
		t.Fatalf("answer after the cancelled one: %v %v", ok, err)
	}
	wantAnswer(t, db, answer{a.ID, 1, 2, false, at})
}

// An error of the batch statement goes to every caller in the batch, the
// double tap's second answer included, and the next batch is tried afresh.
func TestRecordAnswerBatchError(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 3})
	ctx := context.Background()
	as := seedAttempts(t, db, f, 2)
	blocker, a := as[0], as[1]
	at := f.Now.Add(time.Minute)
	// failBatch cancels the statement of the writer's batch, which waits
	// for the lock that the transaction of pid holds. (A terminated backend
	// would not do: database/sql runs the statement again on another
	// connection.)
	failBatch := func(pid int) {
		t.Helper()
		var cancelled bool
		if err := db.Get(&cancelled, `SELECT pg_cancel_backend(pid) FROM pg_stat_activity
			WHERE $1 = ANY(pg_blocking_pids(pid))`, pid); err != nil || !cancelled {
			t.Fatalf("cancel the writer's statement: %v %v", cancelled, err)
		}
	}

	pid, blocked, release := holdWriter(t, db, blocker.ID, at)
	var waiting []<-chan result
	for _, x := range []answer{{a.ID, 0, 0, true, at}, {a.ID, 0, 1, false, at}, {blocker.ID, 1, 0, true, at}} {
		waiting = append(waiting, queue(t, db, ctx, x))
	}
	failBatch(pid)
	var pe *pq.Error
	if r := <-blocked; r.ok || !errors.As(r.err, &pe) || pe.Code != "57014" || !strings.Contains(r.err.Error(), "record answer") {
		t.Fatalf("blocker: %v %v, want the batch's error", r.ok, r.err)
	}
	// The queued answers are the next batch, which waits for the blocker
	// attempt's lock in turn: end it too.
	errs := make(chan error, len(waiting))
	go func() {
		for _, w := range waiting {
			errs <- (<-w).err
		}
	}()
	waitBlocked(t, db, pid, errs)
	failBatch(pid)
	for range waiting {
		if err := <-errs; !errors.As(err, &pe) || pe.Code != "57014" || !strings.Contains(err.Error(), "record answer") {
			t.Errorf("queued answer: %v, want the batch's error", err)
		}
	}
	release()
	wantUnanswered(t, db, a.ID, 0)
	wantUnanswered(t, db, blocker.ID, 0)
	for _, x := range []answer{{a.ID, 0, 1, false, at}, {blocker.ID, 0, 0, true, at}} {
		if ok, err := db.RecordAnswer(ctx, x.attemptID, x.pos, x.chosen, x.correct, x.at, 0); err != nil || !ok {
			t.Fatalf("answer after the failed batches: %v %v", ok, err)
		}
		wantAnswer(t, db, x)
	}
}

// Close stores the answers already queued, then refuses more.
func TestRecordAnswerClose(t *testing.T) {
	db, url := storagetest.NewDBURL(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 3})
	ctx := context.Background()
	as := seedAttempts(t, db, f, 2)
	blocker, a := as[0], as[1]
	at := f.Now.Add(time.Minute)

	own, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	_, blocked, release := holdWriter(t, own, blocker.ID, at)
	queued := queue(t, own, ctx, answer{a.ID, 0, 1, false, at})
	closed := make(chan error, 1)
	go func() { closed <- own.Close() }()
	// Wait until Close refuses answers, then let the writer go. A probe
	// that comes before is queued, and withdrawn.
	isClosed := func() bool {
		pctx, cancel := context.WithCancel(ctx)
		defer cancel()
		c := &queuedCtx{Context: pctx, queued: make(chan struct{})}
		res := make(chan error, 1)
		go func() {
			_, err := own.RecordAnswer(c, a.ID, 1, 0, true, at, 0)
			res <- err
		}()
		select {
		case <-c.queued:
			cancel()
			<-res
			return false
		case err := <-res:
			return err != nil && strings.Contains(err.Error(), "closed")
		}
	}
	for !isClosed() {
		runtime.Gosched() // polling a condition, not a guess at timing
	}
	release()
	wantRecorded(t, "blocker", blocked)
	wantRecorded(t, "answer queued before Close", queued)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wantAnswer(t, db, answer{a.ID, 0, 1, false, at})
	if ok, err := own.RecordAnswer(ctx, a.ID, 1, 0, true, at, 0); ok || err == nil || !strings.Contains(err.Error(), "closed") {
		t.Fatalf("answer after Close: %v %v", ok, err)
	}
	wantUnanswered(t, db, a.ID, 1)
}

// waitWaiting waits until the backend pid waits for a lock; done reports a
// call that finished instead.
func waitWaiting(t *testing.T, db *storage.DB, pid int, done <-chan error) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; {
		var waiting bool
		if err := db.Get(&waiting, `SELECT cardinality(pg_blocking_pids($1)) > 0`, pid); err != nil {
			t.Fatal(err)
		}
		if waiting {
			return
		}
		select {
		case err := <-done:
			t.Fatalf("finished without waiting for a lock: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("never waited for a lock")
		}
		time.Sleep(5 * time.Millisecond) // polling a condition, not a guess at timing
	}
}

// A batch chosen as the victim of a real deadlock is run again, and its
// callers hear the outcome of that second run. Two batches never deadlock
// with each other: both lock the attempts FOR SHARE, which never conflict,
// and the plan updates the answer rows in the order of the sorted input. So
// the other side of the cycle is a transaction, other, that holds an answer
// row the batch needs and then waits for a lock the batch holds.
//
// The batch stores positions 0, 1 and 2 of attempt x, in that order. other
// has stored position 2 of x (the double tap that reached another replica)
// and holds its row; gate holds position 1. The batch updates position 0
// and waits for gate; other asks for the answers table in SHARE mode, which
// waits for the batch's ROW EXCLUSIVE lock; gate lets go, the batch reaches
// position 2 and waits for other, closing the cycle. The batch's wait is the
// newest and other's deadlock_timeout is an hour, so the batch's backend
// finds the cycle, one deadlock_timeout later, and is the victim: its
// statement is rolled back, and the lock manager hands the table lock to
// other as the batch's locks are released, before the batch's error reaches
// the writer. The retry waits for other's table lock; once other commits it
// stores positions 0 and 1 and finds 2 answered. (A row lock would not do
// for other's second lock: a row the victim frees goes to whoever takes it
// first, and the retry, taking it first, meets the same cycle again.)
func TestRecordAnswerDeadlockRetried(t *testing.T) {
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 3})
	ctx := context.Background()
	as := seedAttempts(t, db, f, 4)
	blocker, x, y, z := as[0], as[1], as[2], as[3]
	at := f.Now.Add(time.Minute)

	// other: position 2 of x answered elsewhere, not committed yet.
	theirs := answer{x.ID, 2, 3, false, at.Add(-time.Second)}
	other, otherPid := holdTx(t, db)
	if _, err := other.Exec(`SET LOCAL deadlock_timeout = '1h'`); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(`UPDATE answers SET chosen = $3, is_correct = $4, answered_at = $5
		WHERE attempt_id = $1 AND position = $2`, theirs.attemptID, theirs.pos, theirs.chosen, theirs.correct, theirs.at); err != nil {
		t.Fatal(err)
	}
	gate, gatePid := holdTx(t, db)
	if _, err := gate.Exec(`SELECT 1 FROM answers WHERE attempt_id = $1 AND position = 1 FOR UPDATE`, x.ID); err != nil {
		t.Fatal(err)
	}

	// The batch: three positions of x, a double tap on one of them and an
	// answer for y.
	_, blocked, release := holdWriter(t, db, blocker.ID, at)
	x0 := answer{x.ID, 0, 1, false, at}
	x1 := answer{x.ID, 1, 0, true, at.Add(time.Microsecond)}
	x2 := answer{x.ID, 2, 2, true, at.Add(2 * time.Microsecond)}
	y0 := answer{y.ID, 0, 0, true, at.Add(3 * time.Microsecond)}
	x0Res := queue(t, db, ctx, x0)
	x1Res := queue(t, db, ctx, x1)
	tapRes := queue(t, db, ctx, answer{x.ID, 1, 2, false, at.Add(4 * time.Microsecond)})
	x2Res := queue(t, db, ctx, x2)
	y0Res := queue(t, db, ctx, y0)
	release()
	wantRecorded(t, "blocker", blocked)
	waitBlocked(t, db, gatePid, nil) // the batch holds position 0 of x

	// Answers that come while the batch is in flight make up the next one:
	// a late tap on position 0 of x and an answer for z.
	lateTap := queue(t, db, ctx, answer{x.ID, 0, 3, false, at.Add(5 * time.Second)})
	z0 := answer{z.ID, 0, 2, false, at.Add(5 * time.Second)}
	z0Res := queue(t, db, ctx, z0)

	otherLocked := make(chan error, 1)
	go func() {
		_, err := other.Exec(`LOCK TABLE answers IN SHARE MODE`)
		otherLocked <- err
	}()
	waitWaiting(t, db, otherPid, otherLocked) // for the batch
	if err := gate.Rollback(); err != nil {
		t.Fatal(err)
	}
	// other gets the table only once the batch's statement is rolled back
	// as the deadlock's victim.
	if err := <-otherLocked; err != nil {
		t.Fatalf("the other transaction's lock: %v, want the batch to be the deadlock's victim", err)
	}
	if err := other.Commit(); err != nil {
		t.Fatal(err)
	}

	for name, tt := range map[string]struct {
		res  <-chan result
		want bool
	}{
		"position 0":                     {x0Res, true},
		"position 1":                     {x1Res, true},
		"double tap in the batch":        {tapRes, false},
		"position 2, answered elsewhere": {x2Res, false},
		"other attempt":                  {y0Res, true},
		"late tap on position 0":         {lateTap, false},
		"answer in the next batch":       {z0Res, true},
	} {
		if r := <-tt.res; r.err != nil || r.ok != tt.want {
			t.Errorf("%s: %v %v, want %v", name, r.ok, r.err, tt.want)
		}
	}
	for _, a := range []answer{x0, x1, theirs, y0, z0, {blocker.ID, 0, 0, true, at}} {
		wantAnswer(t, db, a)
	}
	var answered int
	if err := db.Get(&answered, `SELECT count(*) FROM answers WHERE chosen IS NOT NULL`); err != nil || answered != 6 {
		t.Fatalf("%d answers stored, %v; want 6", answered, err)
	}
}
