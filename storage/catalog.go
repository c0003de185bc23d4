package storage

import (
	"context"
	"database/sql"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lib/pq"

	"quizbot/quiz"
)

// Every attempt reads the current contest and its round's question pool,
// which change only when an organizer applies a contest, imports questions
// or edits the tables. DB keeps both in memory (the catalog) and drops them
// the moment Postgres says the tables changed: migration 00008 makes every
// statement on contests, rounds and questions NOTIFY quizbot_catalog, which
// Postgres delivers at commit to every process that LISTENs, and each DB
// listens on a connection of its own.
//
// The rules that keep it exact:
//   - every notification, and every connection, loss or reconnection of the
//     listener (notifications may have been missed), bumps the generation
//     and drops what is cached;
//   - a result is stored only if the generation read before its query is
//     still the current one after it: a change committed while the query
//     ran wins;
//   - nothing is read from or stored in the cache unless the listener's
//     LISTEN is acknowledged and its connection up;
//   - writes through any DB of this process (ApplyContest, ImportQuestions)
//     bump catalogWrites, part of every DB's generation, when they end, so
//     that this process does not wait for the notification to see its own
//     changes.
//
// The listener starts with the first cached read, so commands that never
// read the contest open no extra connection.

// catalogChannel is the channel of migration 00008's triggers.
const catalogChannel = "quizbot_catalog"

// Listener reconnection backoff, and how often an idle listener checks its
// connection (a connection dead without a word would otherwise keep a stale
// cache until TCP gives up).
const (
	catalogMinReconnect = 100 * time.Millisecond
	catalogMaxReconnect = 5 * time.Second
	catalogPing         = time.Minute
)

// Bounds of the cache: contest answers for as many spans of time, pools for
// as many topic sets. Past them everything is dropped; a round uses one of
// each.
const (
	maxCachedContests = 8
	maxCachedPools    = 64
)

// catalogWrites counts the writes to the catalog tables that DBs of this
// process have made.
var catalogWrites atomic.Uint64

// catalogChanged records that a write to contests, rounds or questions may
// have committed.
func catalogChanged() { catalogWrites.Add(1) }

// span is the interval of time [from, to) over which CurrentContest's answer
// cannot change: between two consecutive round boundaries, each unbounded
// when NULL.
type span struct{ from, to sql.NullTime }

// contains reports whether Postgres would see t inside s. lib/pq sends t
// with nanoseconds and Postgres rounds it to microseconds, up or down: both
// must be inside.
func (s span) contains(t time.Time) bool {
	lo := t.Truncate(time.Microsecond)
	hi := lo
	if !hi.Equal(t) {
		hi = lo.Add(time.Microsecond)
	}
	return (!s.from.Valid || !lo.Before(s.from.Time)) && (!s.to.Valid || hi.Before(s.to.Time))
}

type contestEntry struct {
	sp  span
	c   quiz.Contest
	err error // ENOTFOUND, or nil
}

// catalog is DB's cache of CurrentContest and QuestionPool. Its zero value
// with url set is ready.
type catalog struct {
	url string

	mu        sync.RWMutex
	gen       uint64 // bumped by every notification and listener event
	started   bool
	closed    bool
	listening bool // LISTEN acknowledged (pq.Listener repeats it on reconnection)
	connected bool // the listener's connection is up
	resyncs   int  // reconnections whose nil notification is not consumed yet
	listener  *pq.Listener
	cacheGen  uint64 // the generation of what contests and pools hold
	contests  []contestEntry
	pools     map[string][]quiz.PoolQuestion

	// For tests (export_test.go).
	queries    atomic.Int64 // statements run by CurrentContest and QuestionPool
	afterQuery func()       // runs between a read's query and its store
	dialer     pq.Dialer    // the listener's, when set
}

// generationLocked is the generation, of this DB and of the process's
// writes, and whether the cache may be used at all.
func (c *catalog) generationLocked() (gen uint64, live bool) {
	return c.gen + catalogWrites.Load(), c.listening && c.connected && c.resyncs == 0 && !c.closed
}

// begin starts the listener, once, before a read looks up the cache. The
// listener connects in the background: until it has, reads are not cached.
func (c *catalog) begin() {
	c.mu.RLock()
	started := c.started
	c.mu.RUnlock()
	if started {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.closed {
		return
	}
	c.started = true
	if c.dialer != nil {
		c.listener = pq.NewDialListener(c.dialer, c.url, catalogMinReconnect, catalogMaxReconnect, c.event)
	} else {
		c.listener = pq.NewListener(c.url, catalogMinReconnect, catalogMaxReconnect, c.event)
	}
	go c.listen(c.listener)
	go c.consume(c.listener)
}

// listen sends LISTEN, which pq.Listener sends again after every
// reconnection; it returns once Postgres has acknowledged it.
func (c *catalog) listen(l *pq.Listener) {
	err := l.Listen(catalogChannel)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		if !c.closed {
			slog.Warn("catalog cache off: cannot LISTEN; the contest and question pool are read from PostgreSQL each time",
				"channel", catalogChannel, "err", err)
		}
		return
	}
	c.listening = true
	c.invalidateLocked()
}

// consume drops the cache on every notification until the listener is
// closed. pq.Listener sends a nil one after each reconnection, behind the
// notifications of the connection lost: the cache is used again only once
// it has come through.
func (c *catalog) consume(l *pq.Listener) {
	ping := time.NewTicker(catalogPing)
	defer ping.Stop()
	for {
		select {
		case n, ok := <-l.Notify:
			if !ok {
				return
			}
			c.mu.Lock()
			if n == nil && c.resyncs > 0 {
				c.resyncs--
			}
			c.invalidateLocked()
			c.mu.Unlock()
		case <-ping.C:
			// A dead connection fails the ping, and pq.Listener then
			// reconnects, with the events that drop the cache.
			go l.Ping()
		}
	}
}

// event is pq.Listener's callback for the state of its connection.
func (c *catalog) event(ev pq.ListenerEventType, err error) {
	c.mu.Lock()
	switch ev {
	case pq.ListenerEventConnected:
		c.connected = true
	case pq.ListenerEventReconnected:
		c.connected = true
		c.resyncs++
	case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
		c.connected = false
	}
	c.invalidateLocked()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return
	}
	switch ev {
	case pq.ListenerEventDisconnected:
		slog.Warn("catalog listener disconnected; the contest and question pool are read from PostgreSQL until it reconnects", "err", err)
	case pq.ListenerEventReconnected:
		slog.Info("catalog listener reconnected; caching the contest and question pool again")
	case pq.ListenerEventConnectionAttemptFailed:
		slog.Warn("catalog listener cannot connect", "err", err)
	}
}

func (c *catalog) invalidateLocked() {
	c.gen++
	c.contests, c.pools = nil, nil
}

// close stops the listener and the cache.
func (c *catalog) close() {
	c.mu.Lock()
	c.closed = true
	c.invalidateLocked()
	l := c.listener
	c.mu.Unlock()
	if l != nil {
		_ = l.Close()
	}
}

// validLocked reports whether the stored entries may be served at the
// current generation gen, live.
func (c *catalog) validLocked(gen uint64, live bool) bool {
	return live && c.cacheGen == gen
}

// storableLocked prepares the cache for an entry read at generation gen and
// reports whether it may be stored: only if nothing changed since gen.
func (c *catalog) storableLocked(gen uint64) bool {
	now, live := c.generationLocked()
	if !live || now != gen {
		return false
	}
	if c.cacheGen != gen {
		c.cacheGen, c.contests, c.pools = gen, nil, nil
	}
	return true
}

func (c *catalog) queried() {
	c.queries.Add(1)
	if c.afterQuery != nil {
		c.afterQuery()
	}
}

// CurrentContest returns the contest the bot should talk about at t (see
// currentContest for the choice), from memory when it can.
func (db *DB) CurrentContest(ctx context.Context, t time.Time) (quiz.Contest, error) {
	c := &db.catalog
	c.begin()
	c.mu.RLock()
	gen, live := c.generationLocked()
	if c.validLocked(gen, live) {
		for _, e := range c.contests {
			if e.sp.contains(t) {
				c.mu.RUnlock()
				return cloneContest(e.c), e.err
			}
		}
	}
	c.mu.RUnlock()

	contest, sp, err := db.currentContest(ctx, t)
	c.queried()
	if err != nil && quiz.ErrorCode(err) != quiz.ENOTFOUND {
		return contest, err
	}
	c.mu.Lock()
	if c.storableLocked(gen) {
		if len(c.contests) >= maxCachedContests {
			c.contests = nil
		}
		c.contests = append(c.contests, contestEntry{sp: sp, c: cloneContest(contest), err: err})
	}
	c.mu.Unlock()
	return contest, err
}

// QuestionPool lists the active questions of the topics (all topics when
// none are given), by id, with only the id and the number of options of
// each question: what an attempt draws from. The drawn questions' texts are
// read separately (and cached), so that starting an attempt does not read
// the whole bank. The pool comes from memory when it can; each caller gets a
// slice of its own (quiz.Service shuffles it).
func (db *DB) QuestionPool(ctx context.Context, topics []string) ([]quiz.PoolQuestion, error) {
	c := &db.catalog
	c.begin()
	key := poolKey(topics)
	c.mu.RLock()
	gen, live := c.generationLocked()
	if c.validLocked(gen, live) {
		if pool, ok := c.pools[key]; ok {
			c.mu.RUnlock()
			return slices.Clone(pool), nil
		}
	}
	c.mu.RUnlock()

	pool, err := db.questionPool(ctx, topics)
	c.queried()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.storableLocked(gen) {
		if len(c.pools) >= maxCachedPools || c.pools == nil {
			c.pools = map[string][]quiz.PoolQuestion{}
		}
		c.pools[key] = slices.Clone(pool)
	}
	c.mu.Unlock()
	return pool, nil
}

// poolKey names a set of topics: neither their order nor repeats change the
// pool. Each topic is length-prefixed, so that no two sets share a key; no
// topics (all of them) is "".
func poolKey(topics []string) string {
	if len(topics) == 0 {
		return ""
	}
	ts := slices.Clone(topics)
	slices.Sort(ts)
	ts = slices.Compact(ts)
	var b strings.Builder
	for _, t := range ts {
		b.WriteString(strconv.Itoa(len(t)))
		b.WriteByte(':')
		b.WriteString(t)
	}
	return b.String()
}

// cloneContest copies the slices of c, which callers may modify.
func cloneContest(c quiz.Contest) quiz.Contest {
	c.Reminders = slices.Clone(c.Reminders)
	c.Rounds = slices.Clone(c.Rounds)
	for i := range c.Rounds {
		c.Rounds[i].Topics = slices.Clone(c.Rounds[i].Topics)
	}
	return c
}
