package storage

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/quiz"
)

// InboundEvery is how often at most TouchInbound writes an account's last
// inbound time: once per slot of this length. The time then lags by up to
// that much, which only judges a 7-day reply window 10 minutes short.
const InboundEvery = 10 * time.Minute

// Inbound records when quizbot last received an event from each chat
// account (identities.last_inbound_at): quiz.InboundRecorder.
//
// It is throttled in Redis, not by a guarded UPDATE (… WHERE
// last_inbound_at < at - interval): the guarded UPDATE writes nothing when
// throttled but still costs PostgreSQL a statement and a pooled connection
// per event, and PostgreSQL is what a quiz's answers wait on (a few
// connections per core, BENCHMARKS.md); a SET NX is one Redis round trip,
// of the kind each event already makes (dedup, rate limit, session).
// Measured on the 2-core test machine (BenchmarkTouchInbound*, 1,000
// accounts): 24 µs per throttled event against 36 µs for the guarded
// UPDATE, and above all no PostgreSQL work at all.
type Inbound struct {
	db    *DB
	rdb   *redis.Client
	every time.Duration
}

// NewInbound records inbound times in db, throttled through rdb.
func NewInbound(db *DB, rdb *redis.Client) *Inbound {
	return &Inbound{db: db, rdb: rdb, every: InboundEvery}
}

var _ quiz.InboundRecorder = (*Inbound)(nil)

// TouchInbound records that an event from the account was received at at.
// The first call of each InboundEvery slot (of at, so that every replica
// agrees) writes PostgreSQL; the others only ask Redis. A call for an
// account not linked yet writes nothing (linking records its own time).
// If Redis fails, it writes PostgreSQL anyway: the time matters more than
// the saving.
func (in *Inbound) TouchInbound(ctx context.Context, p quiz.Platform, externalID string, at time.Time) error {
	key := inboundKey(p, externalID, at, in.every)
	first, rerr := in.rdb.SetNX(ctx, key, "1", in.every+time.Minute).Result()
	if rerr == nil && !first {
		return nil
	}
	if err := in.db.TouchInbound(ctx, p, externalID, at); err != nil {
		if rerr == nil {
			// The next event of the slot must try again.
			in.rdb.Del(context.WithoutCancel(ctx), key)
		}
		return err
	}
	if rerr != nil {
		return fmt.Errorf("inbound time of a %s account: throttle: %w", p, rerr)
	}
	return nil
}

const inboundPrefix = "qb:inbound:"

// inboundKey is the mark of an account's slot of length every that holds
// at: set by the slot's first event (here, or in the claim of a delivery:
// Sessions.ClaimDelivery), kept a minute past the slot.
func inboundKey(p quiz.Platform, externalID string, at time.Time, every time.Duration) string {
	return inboundPrefix + string(p) + ":" + externalID + ":" + strconv.FormatInt(at.UnixNano()/int64(every), 10)
}

// TouchInbound writes the account's last inbound time, unthrottled; it
// never moves the time back (events handled out of order).
func (db *DB) TouchInbound(ctx context.Context, p quiz.Platform, externalID string, at time.Time) error {
	_, err := db.ExecContext(ctx, `UPDATE identities SET last_inbound_at = $3
		WHERE platform = $1 AND external_id = $2 AND (last_inbound_at IS NULL OR last_inbound_at < $3)`,
		p, externalID, at)
	if err != nil {
		return fmt.Errorf("inbound time of a %s account: %w", p, err)
	}
	return nil
}
