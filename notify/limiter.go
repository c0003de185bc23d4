package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/quiz"
)

// Limiter paces sends per platform with one budget shared by every replica,
// kept in Redis: a GCRA (generic cell rate algorithm) spacing sends at least
// 1/rate apart, no bursts, so that any one-second window holds at most rate
// sends; and a pause key that a 429 sets for retry_after, during which
// nothing at all is sent on the platform.
//
// Time is Redis' own (TIME inside the script), so replicas with skewed
// clocks still agree.
type Limiter struct {
	rdb      *redis.Client
	interval time.Duration
	// per is the spacing of the platforms whose rate is their own (Zalo's
	// ZALO_NOTIFY_RATE); set before the limiter is used.
	per map[quiz.Platform]time.Duration
}

// headroom stretches the spacing a little beyond 1/rate: requests spaced
// exactly 1/rate apart at the limiter can arrive closer together at the
// platform after network jitter, and the limit is the platform's count.
const headroom = 1.03

// NewLimiter paces at most rate sends per second per platform.
func NewLimiter(rdb *redis.Client, rate float64) *Limiter {
	if rate <= 0 {
		rate = 1
	}
	return &Limiter{rdb: rdb, interval: spacing(rate)}
}

// SetRate paces platform p at rate sends per second instead of the
// default (a rate of 0 or less keeps it); every replica must set the same.
// It returns l, and must be called before l is used.
func (l *Limiter) SetRate(p quiz.Platform, rate float64) *Limiter {
	if rate > 0 {
		if l.per == nil {
			l.per = map[quiz.Platform]time.Duration{}
		}
		l.per[p] = spacing(rate)
	}
	return l
}

func spacing(rate float64) time.Duration {
	return time.Duration(float64(time.Second) / rate * headroom)
}

// Interval is the default spacing between two sends on one platform.
func (l *Limiter) Interval() time.Duration { return l.interval }

// IntervalOf is the spacing between two sends on platform p.
func (l *Limiter) IntervalOf(p quiz.Platform) time.Duration {
	if d, ok := l.per[p]; ok {
		return d
	}
	return l.interval
}

func rateKey(p quiz.Platform) string  { return "qb:notify:rate:" + string(p) }
func pauseKey(p quiz.Platform) string { return "qb:notify:pause:" + string(p) }

// gcra returns 0 and takes a slot when a send may go now, otherwise the
// microseconds to wait (the pause left, or until the next slot). KEYS[1] is
// the theoretical arrival time of the next slot, KEYS[2] the pause;
// ARGV[1] the interval in microseconds.
var gcra = redis.NewScript(`
local pause = redis.call('PTTL', KEYS[2])
if pause > 0 then return pause * 1000 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat > now then return tat - now end
redis.call('SET', KEYS[1], string.format('%d', now + interval), 'PX', math.ceil(interval / 1000) + 1000)
return 0
`)

// pauseScript extends the pause to ARGV[1] milliseconds from now unless it
// already lasts longer.
var pauseScript = redis.NewScript(`
local left = redis.call('PTTL', KEYS[1])
if left < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], '1', 'PX', ARGV[1]) end
return 0
`)

// Wait blocks until a send on platform p may go, and takes its slot.
func (l *Limiter) Wait(ctx context.Context, p quiz.Platform) error {
	keys := []string{rateKey(p), pauseKey(p)}
	for {
		us, err := gcra.Run(ctx, l.rdb, keys, l.IntervalOf(p).Microseconds()).Int64()
		if err != nil {
			return fmt.Errorf("notify rate limiter for %s: %w", p, err)
		}
		if us <= 0 {
			return nil
		}
		t := time.NewTimer(time.Duration(us) * time.Microsecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Pause stops every send on platform p, on every replica, for d.
func (l *Limiter) Pause(ctx context.Context, p quiz.Platform, d time.Duration) error {
	ms := max(d.Milliseconds(), 1)
	if err := pauseScript.Run(ctx, l.rdb, []string{pauseKey(p)}, ms).Err(); err != nil {
		return fmt.Errorf("pause %s sends: %w", p, err)
	}
	return nil
}

// Paused returns how long sends on p stay paused (0 when they are not).
func (l *Limiter) Paused(ctx context.Context, p quiz.Platform) (time.Duration, error) {
	d, err := l.rdb.PTTL(ctx, pauseKey(p)).Result()
	if err != nil {
		return 0, fmt.Errorf("pause of %s sends: %w", p, err)
	}
	return max(d, 0), nil
}
