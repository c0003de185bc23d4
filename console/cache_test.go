package console

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"quizbot/quiz"
)

// The figures are read once however many ask at once, shared for the TTL,
// served stale while one background read refreshes them, and read again
// at once for another round or after an error.
func TestFigureCache(t *testing.T) {
	clock := quiz.NewFakeClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	fc := &figureCache{ttl: 5 * time.Second, stale: time.Minute, clock: clock}
	var reads atomic.Int32
	gate, started := make(chan struct{}), make(chan struct{})
	var once sync.Once
	read := func(ctx context.Context) (*figures, error) {
		reads.Add(1)
		once.Do(func() { close(started) })
		<-gate
		return &figures{at: clock.Now()}, nil
	}
	ctx := context.Background()

	// Ten requests at once: one read.
	var wg sync.WaitGroup
	got := make([]*figures, 10)
	for i := range got {
		wg.Go(func() {
			v, err := fc.get(ctx, "r1", read)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	<-started // the first request has started the read; others may wait on it
	close(gate)
	wg.Wait()
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d reads for ten requests at once", n)
	}
	for _, v := range got {
		if v != got[0] || v == nil {
			t.Fatal("requests got different figures")
		}
	}
	first := got[0]

	// Within the TTL: no read.
	clock.Advance(4 * time.Second)
	if v, _ := fc.get(ctx, "r1", read); v != first || reads.Load() != 1 {
		t.Errorf("within the TTL: read again (%d)", reads.Load())
	}
	// Past it: the old figures at once, a new read behind them.
	clock.Advance(2 * time.Second)
	if v, _ := fc.get(ctx, "r1", read); v != first {
		t.Error("stale figures not served while refreshing")
	}
	waitLoads(t, fc)
	if reads.Load() != 2 {
		t.Errorf("%d reads, want the refresh", reads.Load())
	}
	v, _ := fc.get(ctx, "r1", read)
	if v == first || !v.at.Equal(clock.Now()) {
		t.Error("the refreshed figures are not served")
	}
	// Another round: read at once.
	if w, _ := fc.get(ctx, "r2", read); w == v || reads.Load() != 3 {
		t.Error("another key served the cached figures")
	}
	// Too old to serve: read at once.
	clock.Advance(2 * time.Minute)
	if w, _ := fc.get(ctx, "r2", read); !w.at.Equal(clock.Now()) || reads.Load() != 4 {
		t.Error("figures older than a minute served")
	}
	// An error is not kept.
	clock.Advance(2 * time.Minute)
	boom := errors.New("boom")
	if _, err := fc.get(ctx, "r2", func(context.Context) (*figures, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("error: %v", err)
	}
	if w, _ := fc.get(ctx, "r2", read); w == nil || !w.at.Equal(clock.Now()) {
		t.Error("no read after an error")
	}

	// TTL 0: every request reads.
	off := &figureCache{clock: clock}
	before := reads.Load()
	off.get(ctx, "r1", read)
	off.get(ctx, "r1", read)
	if reads.Load() != before+2 {
		t.Error("TTL 0 cached")
	}
}

// waitLoads waits for the background reads under way to finish.
func waitLoads(t *testing.T, fc *figureCache) {
	t.Helper()
	fc.mu.Lock()
	var ls []*load
	for _, l := range fc.loading {
		ls = append(ls, l)
	}
	fc.mu.Unlock()
	for _, l := range ls {
		<-l.done
	}
}
