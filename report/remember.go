package report

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"quizbot/quiz"
)

// Remember wraps db so that each read runs once, whatever workbooks are
// built over it: the weekly summary builds one slice per head (about 200
// in a province) and the province's workbook, every one from the same
// round-wide queries, each slice filtering their rows in Go. A ranking is
// read whole once and replayed, so it sits in memory: fit for one round's
// cards, not for the command's streamed workbook of a million attempts.
// The answers are those of the first call: use it for one job, then drop it.
func Remember(db WorkbookReads) WorkbookReads {
	return &remembered{db: db, seen: map[string]any{}}
}

type remembered struct {
	db   WorkbookReads
	mu   sync.Mutex
	seen map[string]any
}

// once returns what load returned the first time key was asked for.
func once[T any](m *remembered, key string, load func() (T, error)) (T, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.seen[key]; ok {
		return v.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	m.seen[key] = v
	return v, nil
}

// drain reads a stream whole.
func drain[T any](st Stream[T], err error) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var out []T
	for {
		v, ok, err := st.Next()
		if err != nil {
			return nil, err
		}
		if !ok {
			return out, st.Close()
		}
		out = append(out, v)
	}
}

// replay is a stream over rows read before.
type replay[T any] struct{ rows []T }

func (r *replay[T]) Next() (v T, ok bool, err error) {
	if len(r.rows) == 0 {
		return v, false, nil
	}
	v, r.rows = r.rows[0], r.rows[1:]
	return v, true, nil
}

func (r *replay[T]) Close() error { return nil }

func memoKey(name string, args ...any) string { return name + fmt.Sprint(args...) }

type actualFrozen struct {
	actual int64
	frozen bool
}

type prizesOK struct {
	p  Prizes
	ok bool
}

func (m *remembered) ContestPrizes(ctx context.Context, contestID int64) (Prizes, bool, error) {
	v, err := once(m, memoKey("prizes", contestID), func() (prizesOK, error) {
		p, ok, err := m.db.ContestPrizes(ctx, contestID)
		return prizesOK{p, ok}, err
	})
	return v.p, v.ok, err
}

func (m *remembered) RoundActual(ctx context.Context, c quiz.Contest, r quiz.Round, now time.Time) (int64, bool, error) {
	v, err := once(m, memoKey("actual", r.ID, now.UnixNano()), func() (actualFrozen, error) {
		a, f, err := m.db.RoundActual(ctx, c, r, now)
		return actualFrozen{a, f}, err
	})
	return v.actual, v.frozen, err
}

func (m *remembered) RoundRanking(ctx context.Context, roundID, actual int64, now time.Time) (Stream[Entry], error) {
	r, err := m.ranking(ctx, false, []int64{roundID}, []int64{actual}, now)
	return &replay[Entry]{r.rows}, err
}

func (m *remembered) ContestRanking(ctx context.Context, roundIDs, actuals []int64, now time.Time) (Stream[Entry], error) {
	r, err := m.ranking(ctx, true, roundIDs, actuals, now)
	return &replay[Entry]{r.rows}, err
}

// byUnit is rows read whole, with the positions of each unit's, so that a
// head's slice replays its units' rows only: a national job builds 1,900
// slices of a 500,000-entry ranking.
type byUnit[T any] struct {
	rows []T
	at   map[string][]int32
}

func indexByUnit[T any](rows []T, unit func(T) string) byUnit[T] {
	b := byUnit[T]{rows: rows, at: map[string][]int32{}}
	for i, x := range rows {
		b.at[unit(x)] = append(b.at[unit(x)], int32(i))
	}
	return b
}

// slice returns the rows of the units of in, in their order in rows.
func (b byUnit[T]) slice(in map[string]bool) []T {
	var idx []int32
	for code := range in {
		idx = append(idx, b.at[code]...)
	}
	slices.Sort(idx)
	out := make([]T, len(idx))
	for k, i := range idx {
		out[k] = b.rows[i]
	}
	return out
}

// ranking reads RankingStream's ranking once. The entries' unit codes and
// positions, a few distinct values, share one copy each.
func (m *remembered) ranking(ctx context.Context, contest bool, roundIDs, actuals []int64, now time.Time) (byUnit[Entry], error) {
	return once(m, memoKey("ranking", contest, roundIDs, actuals, now.UnixNano()), func() (byUnit[Entry], error) {
		var rows []Entry
		var err error
		if contest {
			rows, err = drain(m.db.ContestRanking(ctx, roundIDs, actuals, now))
		} else {
			rows, err = drain(m.db.RoundRanking(ctx, roundIDs[0], actuals[0], now))
		}
		if err != nil {
			return byUnit[Entry]{}, err
		}
		shared := map[string]string{}
		intern := func(s string) string {
			if v, ok := shared[s]; ok {
				return v
			}
			shared[s] = s
			return s
		}
		for i := range rows {
			rows[i].UnitCode, rows[i].Position = intern(rows[i].UnitCode), intern(rows[i].Position)
		}
		return indexByUnit(rows, func(e Entry) string { return e.UnitCode }), nil
	})
}

// sliceRanking is RankingStream's ranking restricted to the units of in,
// in rank order.
func (m *remembered) sliceRanking(ctx context.Context, contest bool, roundIDs, actuals []int64, now time.Time, in map[string]bool) (Stream[Entry], error) {
	r, err := m.ranking(ctx, contest, roundIDs, actuals, now)
	if err != nil {
		return nil, err
	}
	return &replay[Entry]{r.slice(in)}, nil
}

// absent reads AbsentMembers once.
func (m *remembered) absent(ctx context.Context, roundID int64, now time.Time) (byUnit[Absent], error) {
	return once(m, memoKey("absent", roundID, now.UnixNano()), func() (byUnit[Absent], error) {
		rows, err := m.db.AbsentMembers(ctx, roundID, now)
		return indexByUnit(rows, func(a Absent) string { return a.UnitCode }), err
	})
}

// sliceAbsent is AbsentMembers restricted to the units of in, in its order.
func (m *remembered) sliceAbsent(ctx context.Context, roundID int64, now time.Time, in map[string]bool) ([]Absent, error) {
	a, err := m.absent(ctx, roundID, now)
	if err != nil {
		return nil, err
	}
	return a.slice(in), nil
}

func (m *remembered) UnitRanking(ctx context.Context, roundIDs []int64, now time.Time, p UnitPrizes) (Stream[UnitEntry], error) {
	rows, err := once(m, memoKey("unit ranking", roundIDs, now.UnixNano(), p), func() ([]UnitEntry, error) {
		return drain(m.db.UnitRanking(ctx, roundIDs, now, p))
	})
	return &replay[UnitEntry]{rows}, err
}

func (m *remembered) ContestIntegrity(ctx context.Context, contestID int64) (quiz.Integrity, error) {
	return once(m, memoKey("integrity", contestID), func() (quiz.Integrity, error) {
		return m.db.ContestIntegrity(ctx, contestID)
	})
}

func (m *remembered) FastAttempts(ctx context.Context, roundID int64, now time.Time, minPerQuestion int) ([]FastAttempt, error) {
	return once(m, memoKey("fast", roundID, now.UnixNano(), minPerQuestion), func() ([]FastAttempt, error) {
		return m.db.FastAttempts(ctx, roundID, now, minPerQuestion)
	})
}

func (m *remembered) SameAnswerPairs(ctx context.Context, roundID int64, now time.Time, window time.Duration, minCommon int) ([]SamePair, error) {
	return once(m, memoKey("same answers", roundID, now.UnixNano(), window, minCommon), func() ([]SamePair, error) {
		return m.db.SameAnswerPairs(ctx, roundID, now, window, minCommon)
	})
}

func (m *remembered) SharedAccountEvents(ctx context.Context, until time.Time) ([]AccountEvent, error) {
	return once(m, memoKey("shared accounts", until.UnixNano()), func() ([]AccountEvent, error) {
		return m.db.SharedAccountEvents(ctx, until)
	})
}

func (m *remembered) SamePredictions(ctx context.Context, roundID int64, now time.Time, minMembers int) ([]PredictionCopy, error) {
	return once(m, memoKey("same predictions", roundID, now.UnixNano(), minMembers), func() ([]PredictionCopy, error) {
		return m.db.SamePredictions(ctx, roundID, now, minMembers)
	})
}

func (m *remembered) Units(ctx context.Context) ([]quiz.Unit, error) {
	return once(m, memoKey("units"), func() ([]quiz.Unit, error) { return m.db.Units(ctx) })
}

func (m *remembered) UnitRosters(ctx context.Context) ([]UnitRoster, error) {
	return once(m, memoKey("rosters"), func() ([]UnitRoster, error) { return m.db.UnitRosters(ctx) })
}

func (m *remembered) UnitRoundFigures(ctx context.Context, roundIDs []int64, now time.Time) ([]UnitRoundFigure, error) {
	return once(m, memoKey("unit figures", roundIDs, now.UnixNano()), func() ([]UnitRoundFigure, error) {
		return m.db.UnitRoundFigures(ctx, roundIDs, now)
	})
}

func (m *remembered) AbsentMembers(ctx context.Context, roundID int64, now time.Time) ([]Absent, error) {
	a, err := m.absent(ctx, roundID, now)
	return a.rows, err
}

func (m *remembered) ZeroScores(ctx context.Context, roundID int64, now time.Time, loc *time.Location) ([]ZeroScore, error) {
	return once(m, memoKey("zeros", roundID, now.UnixNano(), loc.String()), func() ([]ZeroScore, error) {
		return m.db.ZeroScores(ctx, roundID, now, loc)
	})
}

func (m *remembered) QuestionStats(ctx context.Context, roundIDs []int64, now time.Time, emit func(QuestionStat) error) error {
	stats, err := once(m, memoKey("questions", roundIDs, now.UnixNano()), func() ([]QuestionStat, error) {
		var out []QuestionStat
		err := m.db.QuestionStats(ctx, roundIDs, now, func(s QuestionStat) error {
			out = append(out, s)
			return nil
		})
		return out, err
	})
	if err != nil {
		return err
	}
	for _, s := range stats {
		if err := emit(s); err != nil {
			return err
		}
	}
	return nil
}
