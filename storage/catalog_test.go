package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lib/pq"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// catRig is a seeded database, its DB whose cache is under test, and a
// connection of another client (a psql session, another process).
type catRig struct {
	t     *testing.T
	ctx   context.Context
	db    *storage.DB
	url   string
	other *sql.DB
	f     storagetest.Fixture
}

func newCatRig(t *testing.T, d pq.Dialer) *catRig {
	t.Helper()
	db, url := storagetest.NewDBURL(t)
	if d != nil {
		db.SetCatalogDialer(d)
	}
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	other, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return &catRig{t: t, ctx: context.Background(), db: db, url: url, other: other, f: f}
}

// eventually polls cond until it holds, failing the test after 10 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// waitLive makes a read, which starts the listener, and waits until the
// cache is in use. The read is of a pool no test reads.
func (r *catRig) waitLive() {
	r.t.Helper()
	if _, err := r.db.QuestionPool(r.ctx, []string{"(khởi động)"}); err != nil {
		r.t.Fatal(err)
	}
	eventually(r.t, "the catalog listener", r.db.CatalogLive)
}

// commit runs a statement on the other connection and waits until the
// cache has heard of it.
func (r *catRig) commit(query string, args ...any) {
	r.t.Helper()
	n := r.db.CatalogNotified()
	if _, err := r.other.ExecContext(r.ctx, query, args...); err != nil {
		r.t.Fatalf("%s: %v", query, err)
	}
	eventually(r.t, "the notification of "+query, func() bool { return r.db.CatalogNotified() != n })
}

func (r *catRig) contest(at time.Time) quiz.Contest {
	r.t.Helper()
	c, err := r.db.CurrentContest(r.ctx, at)
	if err != nil {
		r.t.Fatal(err)
	}
	return c
}

func (r *catRig) pool(topics []string) []quiz.PoolQuestion {
	r.t.Helper()
	p, err := r.db.QuestionPool(r.ctx, topics)
	if err != nil {
		r.t.Fatal(err)
	}
	return p
}

// queried returns how many statements fn made the cache send.
func (r *catRig) queried(fn func()) int64 {
	n := r.db.CatalogQueries()
	fn()
	return r.db.CatalogQueries() - n
}

func (r *catRig) wantQueries(what string, want int64, fn func()) {
	r.t.Helper()
	if got := r.queried(fn); got != want {
		r.t.Errorf("%s: %d statements, want %d", what, got, want)
	}
}

// uncached opens another DB on the same database whose listener can never
// connect: it reads everything from Postgres, as before the cache.
func (r *catRig) uncached() *storage.DB {
	r.t.Helper()
	db, err := storage.Open(r.ctx, r.url)
	if err != nil {
		r.t.Fatal(err)
	}
	d := &blockDialer{}
	d.blocked.Store(true)
	db.SetCatalogDialer(d)
	r.t.Cleanup(func() { db.Close() })
	return db
}

// blockDialer fails every connection while blocked.
type blockDialer struct {
	blocked atomic.Bool
	d       net.Dialer
}

func (b *blockDialer) Dial(network, address string) (net.Conn, error) {
	if b.blocked.Load() {
		return nil, errors.New("blocked by the test")
	}
	return b.d.Dial(network, address)
}

func (b *blockDialer) DialTimeout(network, address string, timeout time.Duration) (net.Conn, error) {
	if b.blocked.Load() {
		return nil, errors.New("blocked by the test")
	}
	d := b.d
	d.Timeout = timeout
	return d.Dial(network, address)
}

func poolIDs(p []quiz.PoolQuestion) []int64 {
	ids := make([]int64, len(p))
	for i, q := range p {
		ids[i] = q.ID
	}
	return ids
}

func TestCatalogSecondReadIsFromMemory(t *testing.T) {
	r := newCatRig(t, nil)
	ref := r.uncached()
	r.waitLive()

	var first, second quiz.Contest
	r.wantQueries("first contest read", 1, func() { first = r.contest(r.f.Now) })
	r.wantQueries("second contest read", 0, func() { second = r.contest(r.f.Now) })
	want, err := ref.CurrentContest(r.ctx, r.f.Now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(first, want) || !reflect.DeepEqual(second, want) {
		t.Errorf("contest\nfirst  %+v\nsecond %+v\nwant   %+v", first, second, want)
	}

	all := poolIDs(nil)
	for _, q := range r.f.Questions {
		all = append(all, q.ID)
	}
	for _, c := range []struct {
		topics  []string
		queries int64
		want    []int64
	}{
		{nil, 1, all},
		{nil, 0, all},
		{[]string{}, 0, all}, // no topics is all of them, as nil
		{[]string{"chung"}, 1, all},
		{[]string{"chung", "chung"}, 0, all},
		{[]string{""}, 1, nil}, // the topic "", not all topics
		{[]string{""}, 0, nil},
		{[]string{"khác", "chung"}, 1, all},
		{[]string{"chung", "khác"}, 0, all},
		{[]string{"khác"}, 1, nil},
	} {
		var got []quiz.PoolQuestion
		r.wantQueries(fmt.Sprintf("pool %q", c.topics), c.queries, func() { got = r.pool(c.topics) })
		if !slices.Equal(poolIDs(got), c.want) {
			t.Errorf("pool %q = %v, want %v", c.topics, poolIDs(got), c.want)
		}
		want, err := ref.QuestionPool(r.ctx, c.topics)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pool %q = %#v, uncached %#v", c.topics, got, want)
		}
	}
}

func TestCatalogSeesCommitsOfOtherConnections(t *testing.T) {
	r := newCatRig(t, nil)
	r.waitLive()
	r1 := r.f.Round.ID
	for _, c := range []struct {
		query string
		check func() error
	}{
		{`UPDATE contests SET name = 'Tên mới'`, func() error {
			if c := r.contest(r.f.Now); c.Name != "Tên mới" {
				return fmt.Errorf("name %q", c.Name)
			}
			return nil
		}},
		{fmt.Sprintf(`UPDATE rounds SET topics = '{chung}' WHERE id = %d`, r1), func() error {
			if c := r.contest(r.f.Now); !slices.Equal(c.Rounds[0].Topics, []string{"chung"}) {
				return fmt.Errorf("round 1 topics %q", c.Rounds[0].Topics)
			}
			return nil
		}},
		{`INSERT INTO questions (code, text, options, correct, topic) VALUES ('N1', 'Câu mới?', '{a,b}', 0, 'chung')`, func() error {
			if p := r.pool([]string{"chung"}); len(p) != 7 || p[6].Options != 2 {
				return fmt.Errorf("pool %+v", p)
			}
			return nil
		}},
		{`UPDATE questions SET active = false WHERE code IN ('Q01', 'Q02')`, func() error {
			if p := r.pool(nil); len(p) != 5 {
				return fmt.Errorf("pool %+v", p)
			}
			return nil
		}},
		{`DELETE FROM questions WHERE code = 'N1'`, func() error {
			if p := r.pool(nil); len(p) != 4 {
				return fmt.Errorf("pool %+v", p)
			}
			return nil
		}},
		{`DELETE FROM rounds WHERE number = 2`, func() error {
			if c := r.contest(r.f.Now); len(c.Rounds) != 1 {
				return fmt.Errorf("rounds %+v", c.Rounds)
			}
			return nil
		}},
		{`TRUNCATE questions, contests CASCADE`, func() error {
			if p := r.pool(nil); len(p) != 0 {
				return fmt.Errorf("pool %+v", p)
			}
			if _, err := r.db.CurrentContest(r.ctx, r.f.Now); quiz.ErrorCode(err) != quiz.ENOTFOUND {
				return fmt.Errorf("current contest: %v, want ENOTFOUND", err)
			}
			return nil
		}},
	} {
		// Both reads cached before the change.
		r.contest(r.f.Now)
		r.pool(nil)
		r.pool([]string{"chung"})
		r.wantQueries("warm reads", 0, func() {
			r.contest(r.f.Now)
			r.pool(nil)
			r.pool([]string{"chung"})
		})
		r.commit(c.query)
		if err := c.check(); err != nil {
			t.Errorf("after %s: %v", c.query, err)
		}
	}
	// ENOTFOUND is cached too, and a contest applied after it is seen.
	r.wantQueries("no contest, again", 0, func() {
		if _, err := r.db.CurrentContest(r.ctx, r.f.Now); quiz.ErrorCode(err) != quiz.ENOTFOUND {
			t.Errorf("current contest: %v, want ENOTFOUND", err)
		}
	})
	r.commit(`INSERT INTO contests (code, name, questions_per_attempt, time_limit_seconds) VALUES ('x', 'Cuộc thi X', 1, 60)`)
	if c := r.contest(r.f.Now); c.Code != "x" {
		t.Errorf("current contest %q, want x", c.Code)
	}
}

// The commands (quizbot contest apply, quizbot import questions) write
// through a DB of their own; in this process their changes are seen at once,
// without waiting for the notification.
func TestCatalogSeesApplyAndImport(t *testing.T) {
	r := newCatRig(t, nil)
	r.waitLive()
	cli, err := storage.Open(r.ctx, r.url)
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()

	r.contest(r.f.Now)
	r.pool(nil)
	c := r.f.Contest
	c.Name = "Cuộc thi đổi tên"
	c.Rounds = slices.Clone(c.Rounds)
	c.Rounds[0].Topics = []string{"chung"}
	w := storage.CatalogWrites()
	if _, err := cli.ApplyContest(r.ctx, c); err != nil {
		t.Fatal(err)
	}
	// Not waiting for the notification: every DB of the process knows.
	if storage.CatalogWrites() == w {
		t.Error("ApplyContest did not count as a write to the catalog")
	}
	got := r.contest(r.f.Now)
	if got.Name != c.Name || !slices.Equal(got.Rounds[0].Topics, []string{"chung"}) {
		t.Errorf("after apply: %q, round 1 topics %q", got.Name, got.Rounds[0].Topics)
	}

	q := quiz.Question{Code: "IMP1", Text: "Câu nhập?", Options: []string{"Đúng", "Sai", "Sai nữa"}, Correct: 0, Topic: "chung"}
	w = storage.CatalogWrites()
	if _, err := cli.ImportQuestions(r.ctx, []quiz.Question{q}, nil); err != nil {
		t.Fatal(err)
	}
	if storage.CatalogWrites() == w {
		t.Error("ImportQuestions did not count as a write to the catalog")
	}
	if p := r.pool(nil); len(p) != 7 || p[6].Options != 3 {
		t.Errorf("after import: pool %+v", p)
	}
	// And through the DB that caches.
	q.Code = "IMP2"
	if _, err := r.db.ImportQuestions(r.ctx, []quiz.Question{q}, nil); err != nil {
		t.Fatal(err)
	}
	if p := r.pool(nil); len(p) != 8 {
		t.Errorf("after import: pool %+v", p)
	}
}

// A commit that lands while a read's query runs wins: the read's result is
// not stored.
func TestCatalogReadOverlappingCommitIsNotStored(t *testing.T) {
	r := newCatRig(t, nil)
	r.waitLive()
	var stmt string
	r.db.SetCatalogAfterQuery(func() {
		if stmt != "" {
			q := stmt
			stmt = ""
			r.commit(q)
		}
	})

	stmt = `UPDATE contests SET name = 'Đổi giữa chừng'`
	if c := r.contest(r.f.Now); c.Name != r.f.Contest.Name {
		t.Fatalf("the read saw %q: the change did not overlap it", c.Name)
	}
	r.wantQueries("read after the overlapping commit", 1, func() {
		if c := r.contest(r.f.Now); c.Name != "Đổi giữa chừng" {
			t.Errorf("name %q after the commit", c.Name)
		}
	})
	r.wantQueries("read after that", 0, func() { r.contest(r.f.Now) })

	stmt = `UPDATE questions SET active = false WHERE code = 'Q01'`
	if p := r.pool(nil); len(p) != 6 {
		t.Fatalf("the read saw %d questions: the change did not overlap it", len(p))
	}
	r.wantQueries("pool after the overlapping commit", 1, func() {
		if p := r.pool(nil); len(p) != 5 {
			t.Errorf("pool %+v after the commit", p)
		}
	})
	r.wantQueries("pool after that", 0, func() { r.pool(nil) })
}

// The answer depends on the time through the rounds' boundaries: it is
// cached over the span between two of them, and a time outside goes to
// Postgres.
func TestCatalogContestChangesAtRoundBoundaries(t *testing.T) {
	r := newCatRig(t, nil)
	// A second contest whose only round runs between the fixture's two.
	bOpens := r.f.Round.ClosesAt.Add(time.Hour)
	bCloses := bOpens.Add(24 * time.Hour)
	var bID int64
	if err := r.other.QueryRowContext(r.ctx, `INSERT INTO contests (code, name, questions_per_attempt, time_limit_seconds)
		VALUES ('b', 'Cuộc thi B', 3, 600) RETURNING id`).Scan(&bID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.other.ExecContext(r.ctx, `INSERT INTO rounds (contest_id, number, opens_at, closes_at) VALUES ($1, 1, $2, $3)`,
		bID, bOpens, bCloses); err != nil {
		t.Fatal(err)
	}
	ref := r.uncached()
	r.waitLive()

	closes := r.f.Round.ClosesAt
	for _, c := range []struct {
		name    string
		at      time.Time
		code    string
		queries int64
	}{
		{"round 1 open", r.f.Now, "cchc", 1},
		{"round 1 open, again", r.f.Now, "cchc", 0},
		{"round 1 opens", r.f.Round.OpensAt, "cchc", 0},
		{"last microsecond of round 1", closes.Add(-time.Microsecond), "cchc", 0},
		// Postgres rounds times to microseconds: this one is closes.
		{"last nanosecond of round 1", closes.Add(-time.Nanosecond), "b", 1},
		{"round 1 closes", closes, "b", 0},
		{"before b opens", bOpens.Add(-time.Minute), "b", 0},
		{"b open", bOpens.Add(time.Minute), "b", 1},
		{"b closed", bCloses, "cchc", 1},
		{"round 2 open", r.f.Next.OpensAt.Add(time.Hour), "cchc", 1},
		{"all over", r.f.Next.ClosesAt.AddDate(1, 0, 0), "cchc", 1},
		{"before anything", r.f.Round.OpensAt.Add(-time.Second), "cchc", 1},
		{"round 1 open, once more", r.f.Now.Add(time.Hour), "cchc", 0},
		{"b open, once more", bCloses.Add(-time.Second), "b", 0},
	} {
		var got quiz.Contest
		r.wantQueries(c.name, c.queries, func() { got = r.contest(c.at) })
		want, err := ref.CurrentContest(r.ctx, c.at)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != c.code || want.Code != c.code || !reflect.DeepEqual(got, want) {
			t.Errorf("%s (%s): %q, uncached %q, want %q", c.name, c.at.Format(time.RFC3339Nano), got.Code, want.Code, c.code)
		}
	}
}

// While the listener is down nothing is cached; once it is back, the cache
// works again and shows what changed meanwhile.
func TestCatalogListenerDown(t *testing.T) {
	d := &blockDialer{}
	r := newCatRig(t, d)
	r.waitLive()
	r.contest(r.f.Now)
	r.pool(nil)
	r.wantQueries("warm reads", 0, func() { r.contest(r.f.Now); r.pool(nil) })

	d.blocked.Store(true)
	var pid int
	if err := r.other.QueryRowContext(r.ctx, `SELECT pid FROM pg_stat_activity
		WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&pid); err != nil {
		t.Fatalf("the listener's backend: %v", err)
	}
	if _, err := r.other.ExecContext(r.ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the listener to be down", func() bool { return !r.db.CatalogLive() })

	r.wantQueries("reads while down", 4, func() {
		r.contest(r.f.Now)
		r.contest(r.f.Now)
		r.pool(nil)
		r.pool(nil)
	})
	// Changes nobody is told of.
	if _, err := r.other.ExecContext(r.ctx, `UPDATE contests SET name = 'Đổi khi mất kết nối'`); err != nil {
		t.Fatal(err)
	}
	r.wantQueries("read after a change while down", 1, func() {
		if c := r.contest(r.f.Now); c.Name != "Đổi khi mất kết nối" {
			t.Errorf("name %q", c.Name)
		}
	})
	if _, err := r.other.ExecContext(r.ctx, `UPDATE contests SET name = 'Đổi lần nữa'; UPDATE questions SET active = false WHERE code = 'Q01'`); err != nil {
		t.Fatal(err)
	}

	d.blocked.Store(false)
	eventually(t, "the listener to reconnect", r.db.CatalogLive)
	r.wantQueries("first reads after reconnecting", 2, func() {
		if c := r.contest(r.f.Now); c.Name != "Đổi lần nữa" {
			t.Errorf("name %q after reconnecting", c.Name)
		}
		if p := r.pool(nil); len(p) != 5 {
			t.Errorf("pool %+v after reconnecting", p)
		}
	})
	r.wantQueries("reads after that", 0, func() {
		if c := r.contest(r.f.Now); c.Name != "Đổi lần nữa" {
			t.Errorf("name %q", c.Name)
		}
		r.pool(nil)
	})
	r.commit(`UPDATE contests SET name = 'Sau khi kết nối lại'`)
	if c := r.contest(r.f.Now); c.Name != "Sau khi kết nối lại" {
		t.Errorf("name %q after a notified change", c.Name)
	}
}

// quiz.Service shuffles the pool it gets: no caller may see another's.
func TestCatalogCopiesAreNotShared(t *testing.T) {
	r := newCatRig(t, nil)
	r.waitLive()
	first := r.pool(nil) // not cached yet: stores its result
	want := poolIDs(first)
	first[0].ID = -1
	a := r.pool(nil)
	b := r.pool(nil)
	a[1].ID, a[1].Options = -1, -1
	slices.Reverse(b)
	if got := r.pool(nil); !slices.Equal(poolIDs(got), want) || got[1].Options != 4 {
		t.Errorf("pool %+v after callers changed theirs, want ids %v", got, want)
	}

	c := r.contest(r.f.Now) // not cached yet
	c.Rounds[0].Number = 99
	c.Rounds[0].Topics = append(c.Rounds[0].Topics, "x")
	c.Reminders = append(c.Reminders, "x")
	c2 := r.contest(r.f.Now)
	c2.Rounds[1].Number = 98
	if got := r.contest(r.f.Now); got.Rounds[0].Number != 1 || got.Rounds[1].Number != 2 ||
		len(got.Rounds[0].Topics) != 0 || len(got.Reminders) != 0 {
		t.Errorf("contest %+v after callers changed theirs", got)
	}
}

// A DB opens the listener's connection only once it reads the contest or a
// pool, and Close closes it.
func TestCatalogListenerLifetime(t *testing.T) {
	r := newCatRig(t, nil)
	listeners := func() int {
		var n int
		if err := r.other.QueryRowContext(r.ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN %'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	db, err := storage.Open(r.ctx, r.url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ContestByCode(r.ctx, "cchc"); err != nil {
		t.Fatal(err)
	}
	if n := listeners(); n != 0 {
		t.Errorf("%d listeners before any cached read", n)
	}
	if _, err := db.QuestionPool(r.ctx, nil); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the listener", func() bool { return listeners() == 1 })
	db.Close()
	eventually(t, "the listener to close", func() bool { return listeners() == 0 })
}

// Readers and writers at once: -race checks the cache, and once the writes
// are over the readers see the last one.
func TestCatalogConcurrentReaders(t *testing.T) {
	r := newCatRig(t, nil)
	r.waitLive()
	const writes = 20
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := r.db.CurrentContest(r.ctx, r.f.Now.Add(time.Duration(i)*time.Minute))
				if err != nil {
					errs <- err
					return
				}
				c.Rounds[0].Topics = append(c.Rounds[0].Topics, "x")
				p, err := r.db.QuestionPool(r.ctx, nil)
				if err != nil {
					errs <- err
					return
				}
				if len(p) != 6 {
					errs <- fmt.Errorf("pool of %d", len(p))
					return
				}
				slices.Reverse(p)
			}
		}()
	}
	for i := range writes {
		if _, err := r.other.ExecContext(r.ctx, `UPDATE contests SET name = $1`, fmt.Sprint("v", i)); err != nil {
			t.Fatal(err)
		}
	}
	last := fmt.Sprint("v", writes-1)
	eventually(t, "the last name", func() bool { return r.contest(r.f.Now).Name == last })
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for i := range 8 {
		if c := r.contest(r.f.Now.Add(time.Duration(i) * time.Minute)); c.Name != last {
			t.Errorf("reader %d's time: name %q, want %q", i, c.Name, last)
		}
	}
}
