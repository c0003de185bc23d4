package chat

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"quizbot/quiz"
)

// The ledger of deliveries: every platform re-delivers an event it got no
// success for (Telegram for a day, Zalo for an hour or more), and may
// deliver it twice at once. Receive claims each delivery's key in a Ledger,
// so that an event takes effect once whatever the number of deliveries; the
// same round trip reads the sender's cached member and session and counts
// the event toward the sender's rate, and the round trip that ends the claim
// saves the session of the question the event showed. Two round trips to
// the store per event, on every platform.

// ClaimLease is how long a delivery's claim holds without renewal: after a
// crash mid-event, a re-delivery is handled once it has run out. While the
// event runs, KeepClaims renews its claim every third of it.
const ClaimLease = 15 * time.Second

// DeliveryKeep is how long a handled event's key is remembered unless its
// adapter says otherwise (Delivery.Keep): longer than Telegram re-delivers
// (24 hours).
const DeliveryKeep = 48 * time.Hour

// Claim is a delivery's hold on its event's key: the key (Delivery.Key)
// and the token that makes the hold this process's, so that a claim that
// lapsed and was taken over is neither renewed nor ended by its old owner.
type Claim struct {
	Key   string
	Token string
}

// NewClaim returns a claim of key with a new random token.
func NewClaim(key string) Claim {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return Claim{Key: key, Token: hex.EncodeToString(b[:])}
}

// Prior is what an event's key held when a delivery came to claim it.
type Prior int

const (
	// PriorNone: a new event; claimed.
	PriorNone Prior = iota
	// PriorFailed: an earlier delivery failed, or its claim lapsed (its
	// process died); claimed, and handled as a re-delivery.
	PriorFailed
	// PriorLive: another delivery holds a live claim; not claimed.
	PriorLive
	// PriorDone: handled already; not claimed.
	PriorDone
)

// RateWindow is one fixed window of an account's rate (RateLimit): the one
// that started at Start and lasts Length.
type RateWindow struct {
	Start  time.Time
	Length time.Duration
}

// ClaimRequest is what a delivery's claim asks of the ledger besides the
// claim itself.
type ClaimRequest struct {
	Lease time.Duration
	Now   time.Time // dates the lease, in the bot's clock
	// The sender, whose cached member and session are read when the event
	// is claimed (UserID "": none).
	Platform quiz.Platform
	UserID   string
	// Rate, when Length is not zero, is the window a new event (PriorNone)
	// of the sender counts in.
	Rate RateWindow
	// Inbound: the event opens the platform's reply window
	// (Delivery.Inbound); the ledger notes it in the sender's throttle slot
	// of quiz.InboundRecorder, whatever becomes of the claim.
	Inbound bool
}

// Claimed is the ledger's answer to a claim.
type Claimed struct {
	Prior Prior
	// Account is the sender's cached member and session, read when the
	// event was claimed (PriorNone, PriorFailed).
	Account quiz.Account
	// Count is the sender's events in the rate window, this one included;
	// 0 when nothing was counted (no window, no sender, a re-delivery).
	Count int64
	// InboundDue: the event was its sender's first of a throttle slot
	// (ClaimRequest.Inbound): its time is to be recorded.
	InboundDue bool
}

// Ending is how a claimed delivery ends.
type Ending struct {
	// Done marks the event handled for Keep; otherwise it is marked failed,
	// to be handled again when re-delivered (a failure does not replace a
	// done mark or another delivery's claim).
	Done bool
	Keep time.Duration
	// Shown, when not nil, is the session of a question the event showed
	// (quiz.Shown), saved for ShownTTL unless the stored one moved past it.
	Shown    *quiz.Session
	ShownTTL time.Duration
}

// Ledger records deliveries, shared by every replica; storage.Sessions
// implements it in Redis. Keys are Delivery.Key as the platform's adapter
// made it; the ledger names its own records after them.
type Ledger interface {
	// ClaimDelivery claims c's key until r.Now+r.Lease, unless it is done
	// or under a live claim, and in the same round trip reads the sender's
	// account and counts the event in r.Rate.
	ClaimDelivery(ctx context.Context, c Claim, r ClaimRequest) (Claimed, error)
	// RenewDelivery extends c to now+lease; false when the key is no
	// longer c's (it lapsed and another delivery took it over).
	RenewDelivery(ctx context.Context, c Claim, lease time.Duration, now time.Time) (bool, error)
	// EndDelivery marks c's key done or failed and saves the shown session,
	// in one round trip.
	EndDelivery(ctx context.Context, c Claim, e Ending) error
}

// UseLedger makes Receive claim every delivery in l. Without a ledger,
// Receive handles every delivery it is given (tools, tests). The claims of
// the events in progress are renewed only while KeepClaims runs.
func (b *Bot) UseLedger(l Ledger) { b.inbound.ledger = l }

// RecordInbound makes Receive record the time of the events that open
// their platform's reply window (Delivery.Inbound) in r, unthrottled: with
// a ledger, only the first event of each of the sender's slots, which the
// claim's round trip tells; without one, every such event. A failed write
// is logged and left to the next slot.
func (b *Bot) RecordInbound(r quiz.InboundRecorder) { b.inbound.recorder = r }

// inbound is Receive's state: the ledger and the claims held.
type inbound struct {
	ledger   Ledger
	observer Observer // told every event's outcome (Observe); nil: nobody
	recorder quiz.InboundRecorder
	mu       sync.Mutex
	held     map[string]Claim // by token
}

// hold keeps c renewed by KeepClaims until the returned function is called.
// The events in progress share KeepClaims's one goroutine, so that an event
// costs a map entry rather than a goroutine and a timer of its own.
func (in *inbound) hold(c Claim) (release func()) {
	in.mu.Lock()
	if in.held == nil {
		in.held = make(map[string]Claim)
	}
	in.held[c.Token] = c
	in.mu.Unlock()
	return func() {
		in.mu.Lock()
		delete(in.held, c.Token)
		in.mu.Unlock()
	}
}

// KeepClaims renews the claims of the events in progress on every tick
// until ctx ends; serve runs it for as long as it receives events, shutdown
// included. ticks nil is a ticker of a third of ClaimLease (tests pass
// their own). A renewal that fails is logged and tried at the next tick;
// one that finds the claim taken over (this process stalled past the lease)
// drops it.
func (b *Bot) KeepClaims(ctx context.Context, ticks <-chan time.Time) {
	in := &b.inbound
	if in.ledger == nil {
		return
	}
	if ticks == nil {
		tk := time.NewTicker(ClaimLease / 3)
		defer tk.Stop()
		ticks = tk.C
	}
	var held []Claim
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
		}
		in.mu.Lock()
		held = held[:0]
		for _, c := range in.held {
			held = append(held, c)
		}
		in.mu.Unlock()
		now := b.now()
		for _, c := range held {
			ok, err := in.ledger.RenewDelivery(ctx, c, ClaimLease, now)
			if err != nil {
				b.log.Warn("renew the claim of an event", "key", c.Key, "err", err)
				continue
			}
			if !ok {
				in.mu.Lock()
				_, live := in.held[c.Token] // else it ended meanwhile: nothing to say
				delete(in.held, c.Token)
				in.mu.Unlock()
				if live {
					b.log.Warn("the claim of an event was taken over by another delivery", "key", c.Key)
				}
			}
		}
	}
}

// now is the bot's clock: the quiz service's, which tests set.
func (b *Bot) now() time.Time {
	if b.quiz == nil {
		return time.Now()
	}
	return b.quiz.Now()
}

// recordInbound writes the time of ev, which opened its platform's reply
// window.
func (b *Bot) recordInbound(ctx context.Context, ev Event, at time.Time) {
	if b.inbound.recorder == nil || ev.UserID == "" {
		return
	}
	if err := b.inbound.recorder.TouchInbound(ctx, ev.Platform, ev.UserID, at); err != nil {
		b.log.Warn("record the last inbound time", "platform", ev.Platform, "err", err)
	}
}
