package storage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/lib/pq"
)

// Answers are stored by group commit. Every round trip and every commit
// costs much CPU on a small machine (context switches, waking the WAL
// writer), and an answer is the most frequent write, so RecordAnswer does not
// run a statement of its own: it queues the answer and waits. One writer
// goroutine per DB takes every answer queued so far (up to maxAnswerBatch),
// stores them with one statement, hence one commit, replies to each caller
// and takes the next batch. There is no timer: an answer that finds the
// writer idle is sent at once, and answers that arrive while a batch is in
// flight make up the next one. A caller hears back only once the statement
// has committed, as before.
//
// The writer runs while there is work: the first answer starts it, it stops
// when the queue is empty, and Close waits for it.

// maxAnswerBatch caps the answers stored by one statement.
const maxAnswerBatch = 256

// answerBatchTimeout bounds one batch statement, which runs on behalf of
// many callers and so with none of their contexts.
const answerBatchTimeout = 30 * time.Second

// errClosed is the error of a call after Close.
var errClosed = errors.New("storage: database closed")

type answerReq struct {
	ctx       context.Context
	attemptID int64
	pos       int
	chosen    int
	correct   bool
	at        time.Time
	memberGen int64
	res       chan answerRes // buffered: the writer never waits for a caller
}

type answerRes struct {
	recorded bool
	err      error
}

// answerWriter is the queue and the state of the writer goroutine. Its
// zero value is ready; it belongs to one DB.
type answerWriter struct {
	mu      sync.Mutex
	queue   []*answerReq
	running bool // a writer goroutine is draining the queue
	closed  bool
	wg      sync.WaitGroup
}

// queueAnswer is RecordAnswer: it queues the answer, starting the writer if
// it is idle, and waits for the batch that carries it to commit or for ctx.
func (db *DB) queueAnswer(ctx context.Context, attemptID int64, pos, chosen int, correct bool, at time.Time, memberGen int64) (bool, error) {
	// Out of range for the smallint columns, the value would fail the
	// whole batch; refuse it here, as the statement of one answer did.
	if pos < math.MinInt16 || pos > math.MaxInt16 || chosen < math.MinInt16 || chosen > math.MaxInt16 {
		return false, fmt.Errorf("record answer: position %d or option %d out of range", pos, chosen)
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	r := &answerReq{ctx: ctx, attemptID: attemptID, pos: pos, chosen: chosen, correct: correct, at: at, memberGen: memberGen,
		res: make(chan answerRes, 1)}
	w := &db.answers
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return false, fmt.Errorf("record answer: %w", errClosed)
	}
	w.queue = append(w.queue, r)
	if !w.running {
		w.running = true
		w.wg.Add(1)
		go db.writeAnswers()
	}
	w.mu.Unlock()
	select {
	case res := <-r.res:
		return res.recorded, res.err
	case <-ctx.Done():
		// Dropped from its batch if that is not sent yet; otherwise the
		// answer may still be stored, as with a cancelled statement.
		return false, ctx.Err()
	}
}

// closeAnswers stops taking answers and waits until those queued are stored.
func (db *DB) closeAnswers() {
	w := &db.answers
	w.mu.Lock()
	w.closed = true
	w.mu.Unlock()
	w.wg.Wait()
}

// writeAnswers is the writer: it stores batches until the queue is empty.
func (db *DB) writeAnswers() {
	w := &db.answers
	defer w.wg.Done()
	for {
		w.mu.Lock()
		n := min(len(w.queue), maxAnswerBatch)
		if n == 0 {
			w.running = false
			w.mu.Unlock()
			return
		}
		var batch []*answerReq
		if n == len(w.queue) {
			batch, w.queue = w.queue, nil
		} else {
			batch = slices.Clone(w.queue[:n])
			clear(w.queue[:n])
			w.queue = w.queue[n:]
		}
		w.mu.Unlock()
		db.storeAnswers(batch)
	}
}

type answerKey struct {
	attemptID int64
	pos       int
}

// storeAnswers stores one batch and replies to each of its callers.
func (db *DB) storeAnswers(batch []*answerReq) {
	// Callers that gave up before the batch is sent are left out. Of two
	// answers for one position (a double tap), the first queued goes in and
	// the other gets false, once the batch has committed.
	send := make([]*answerReq, 0, len(batch))
	var dups []*answerReq
	seen := make(map[answerKey]bool, len(batch))
	for _, r := range batch {
		if r.ctx.Err() != nil {
			continue
		}
		k := answerKey{r.attemptID, r.pos}
		if seen[k] {
			dups = append(dups, r)
			continue
		}
		seen[k] = true
		send = append(send, r)
	}
	if len(send) == 0 {
		return
	}
	// In (attempt, position) order: see recordAnswers.
	slices.SortStableFunc(send, func(a, b *answerReq) int {
		return cmp.Or(cmp.Compare(a.attemptID, b.attemptID), cmp.Compare(a.pos, b.pos))
	})
	recorded, err := db.recordAnswers(send)
	if err != nil {
		err = fmt.Errorf("record answer (one statement for %d answers): %w", len(send), err)
	}
	for i, r := range send {
		r.res <- answerRes{recorded[i], err}
	}
	for _, r := range dups {
		r.res <- answerRes{false, err}
	}
}

// recordAnswers stores distinct answers, sorted by attempt and position, in
// one statement, as a transaction
// of its own, and reports which of them it stored. The inputs are typed
// integers, booleans and times whose ranges RecordAnswer checks, so no row
// can fail the statement; an error is the database's (down, a timeout), and
// every answer of the batch gets it.
//
// An answer is stored under the conditions of a lone one: its position has
// no answer yet, the attempt is not submitted, the answer's time is before
// the deadline, and the attempt's member is at the generation the answer
// was given with (members.gen: the cached member is current). Each attempt
// that gets answers has its version bumped by their number, in the same
// statement. The attempts are locked FOR NO KEY UPDATE (they are updated
// anyway), so that quizbot_submit_attempt (migrations/00007_submit_attempt.sql
// and 00009), which locks its attempt FOR UPDATE, either waits for the batch
// and counts its answers, or goes first, and the batch, re-reading the
// attempt once the lock is free, finds it submitted and stores none of its
// answers.
//
// Locks: the attempts are locked in id order and the answer rows are given
// in (attempt, position) order. Within a process there is one writer, so
// batches never wait for each other; a submission or the sweeper locks one
// attempt only, and CreateAttempt locks no existing attempt, so none of them
// can close a cycle with a batch. Only the batches of two processes could
// meet on the same answer rows (double taps sent to two replicas); a
// deadlock there, were it to happen, is retried.
func (db *DB) recordAnswers(rs []*answerReq) ([]bool, error) {
	ids := make([]int64, len(rs))
	pos := make([]int64, len(rs))
	chosen := make([]int64, len(rs))
	correct := make([]bool, len(rs))
	at := make([]string, len(rs))
	gen := make([]int64, len(rs))
	for i, r := range rs {
		ids[i], pos[i], chosen[i], correct[i], gen[i] = r.attemptID, int64(r.pos), int64(r.chosen), r.correct, r.memberGen
		at[i] = string(pq.FormatTimestamp(r.at)) // as lib/pq sends a lone time.Time
	}
	ctx, cancel := context.WithTimeout(context.Background(), answerBatchTimeout)
	defer cancel()
	var stored []int
	var err error
	for try := 1; ; try++ {
		stored = stored[:0]
		err = db.SelectContext(ctx, &stored, `
			WITH input AS (
				SELECT * FROM unnest($1::bigint[], $2::int[], $3::int[], $4::boolean[], $5::timestamptz[], $6::bigint[])
					WITH ORDINALITY AS t(attempt_id, position, chosen, is_correct, at, gen, i)
			), open AS (
				SELECT id, deadline, member_id FROM attempts
				WHERE id = ANY($1::bigint[]) AND submitted_at IS NULL
					AND EXISTS (SELECT 1 FROM input WHERE input.attempt_id = attempts.id AND input.at < attempts.deadline)
				ORDER BY id
				FOR NO KEY UPDATE
			), stored AS (
				UPDATE answers SET chosen = input.chosen, is_correct = input.is_correct, answered_at = input.at
				FROM input JOIN open ON open.id = input.attempt_id AND open.deadline > input.at
					JOIN members m ON m.id = open.member_id AND m.gen = input.gen
				WHERE answers.attempt_id = input.attempt_id AND answers.position = input.position AND answers.chosen IS NULL
				RETURNING input.i, input.attempt_id
			), bumped AS (
				UPDATE attempts SET version = attempts.version + s.n
				FROM (SELECT attempt_id, count(*) AS n FROM stored GROUP BY attempt_id) s
				WHERE attempts.id = s.attempt_id
			)
			SELECT i FROM stored`,
			pq.Array(ids), pq.Array(pos), pq.Array(chosen), pq.Array(correct), pq.Array(at), pq.Array(gen))
		if pe := (*pq.Error)(nil); try < 3 && errors.As(err, &pe) && pe.Code == "40P01" {
			continue // deadlock_detected, with another process's batch
		}
		break
	}
	recorded := make([]bool, len(rs))
	if err != nil {
		return recorded, err
	}
	for _, i := range stored {
		recorded[i-1] = true
	}
	return recorded, nil
}
