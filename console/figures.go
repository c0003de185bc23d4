package console

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
)

// figures are a moment's participation figures of every unit, the same for
// every viewer (a page filters them by the viewer's scope): the units, the
// rosters, the counted attempts by unit, round and day for the started
// rounds, and the attempts under way in the current round.
type figures struct {
	at       time.Time // when they were read; the queries' now
	units    []quiz.Unit
	rosters  []report.UnitRoster
	days     []storage.UnitRoundDay
	progress []storage.UnitCount
}

// figuresTTL is how long the figures are served without reading them
// again, and figuresStale how long older ones are still served while one
// request reads them afresh in the background: at 60,000 staff a read
// costs a few hundred milliseconds, every page after it none of that.
const (
	figuresTTL   = 5 * time.Second
	figuresStale = time.Minute
)

// SetFiguresTTL sets how long the participation figures are shared
// between requests (5 s unless set); 0 reads them for every request, as
// the tests that change the data between two pages need. Call it before
// serving.
func (c *Console) SetFiguresTTL(ttl time.Duration) {
	c.cache.ttl, c.cache.stale = ttl, max(ttl, figuresStale)
}

// figuresOf returns the figures for the started rounds ids (current is the
// round whose attempts under way are counted), from the shared cache.
func (c *Console) figuresOf(ctx context.Context, ids []int64, current int64) (*figures, error) {
	key := fmt.Sprint(ids, current)
	return c.cache.get(ctx, key, func(ctx context.Context) (*figures, error) {
		now := c.clock.Now()
		f := &figures{at: now}
		ct, err := c.store.CurrentContest(ctx, now)
		if err != nil {
			return nil, err
		}
		if f.units, err = c.store.Units(ctx); err != nil {
			return nil, err
		}
		if f.rosters, err = c.store.UnitRosters(ctx); err != nil {
			return nil, err
		}
		// One pass over the counted attempts gives every participation
		// figure: by unit, round and day.
		if f.days, err = c.store.UnitRoundDays(ctx, ids, now, ct.Location().String()); err != nil {
			return nil, err
		}
		if f.progress, err = c.store.InProgressByUnit(ctx, current, now); err != nil {
			return nil, err
		}
		return f, nil
	})
}

// tree is the units rolled up (report.RollUp, as the workbook's Đơn vị
// sheet) with round's figures: staff and verified from the rosters,
// participants, correct answers and zero scores from the counted attempts.
func (f *figures) tree(round int64) []report.RolledUnit {
	staff := make(map[string]report.UnitRoster, len(f.rosters))
	for _, ro := range f.rosters {
		staff[ro.Code] = ro
	}
	nodes := make([]report.UnitNode, len(f.units))
	index := make(map[string]int, len(f.units))
	for i, u := range f.units {
		nodes[i] = report.UnitNode{Code: u.Code, Name: u.Name, ParentCode: u.ParentCode}
		nodes[i].Own.Staff = staff[u.Code].Staff
		nodes[i].Own.Verified = staff[u.Code].Verified
		index[u.Code] = i
	}
	for _, d := range f.days {
		if i, ok := index[d.UnitCode]; ok && d.RoundID == round {
			nodes[i].Own.Participations += d.Participated
			nodes[i].Own.CorrectSum += d.CorrectSum
			nodes[i].Own.ZeroScores += d.ZeroScores
		}
	}
	return report.RollUp(nodes)
}

// figureCache shares one value for a few seconds between requests, and
// reads it once however many ask at the same time (single flight).
type figureCache struct {
	ttl, stale time.Duration
	clock      quiz.Clock
	log        *slog.Logger // a background read's failure; nil: none

	mu      sync.Mutex
	key     string
	val     *figures
	loading map[string]*load
}

// load is a read under way; done closes when val or err is set.
type load struct {
	done chan struct{}
	val  *figures
	err  error
}

// get returns the value for key: the cached one while younger than ttl;
// one younger than stale while a background read refreshes it; else the
// result of a read (started by the first caller, awaited by the others).
func (fc *figureCache) get(ctx context.Context, key string, read func(context.Context) (*figures, error)) (*figures, error) {
	if fc.ttl <= 0 {
		return read(ctx)
	}
	fc.mu.Lock()
	if fc.val != nil && fc.key == key {
		age := fc.clock.Now().Sub(fc.val.at)
		if age < fc.ttl {
			v := fc.val
			fc.mu.Unlock()
			return v, nil
		}
		if age < fc.stale {
			v := fc.val
			fc.start(key, read)
			fc.mu.Unlock()
			return v, nil
		}
	}
	l := fc.start(key, read)
	fc.mu.Unlock()
	select {
	case <-l.done:
		return l.val, l.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// start begins a read of key unless one is under way (fc.mu held). The
// read has its own deadline, not the request's: other requests await it.
func (fc *figureCache) start(key string, read func(context.Context) (*figures, error)) *load {
	if l, ok := fc.loading[key]; ok {
		return l
	}
	if fc.loading == nil {
		fc.loading = map[string]*load{}
	}
	l := &load{done: make(chan struct{})}
	fc.loading[key] = l
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		l.val, l.err = read(ctx)
		fc.mu.Lock()
		delete(fc.loading, key)
		if l.err == nil {
			fc.key, fc.val = key, l.val
		} else if fc.log != nil {
			fc.log.Error("console figures", "key", key, "err", l.err)
		}
		fc.mu.Unlock()
		close(l.done)
	}()
	return l
}
