package quiz

import (
	"context"
	"sync"
	"time"
)

// eventKey carries one incoming event's *event (see WithEvent).
type eventKey struct{}

// event holds what one incoming event read and wrote of the member and the
// session store, so that the event asks Redis for each at most once
// whatever path it takes. It lives as long as the event's ctx: the next
// event reads the store afresh.
type event struct {
	mu sync.Mutex

	// The account as the platform read it (WithAccount), for Identify.
	platform   Platform
	externalID string
	account    *Account

	// Identify's result, for its later calls in the event.
	who *identified

	// The members' sessions as the event last read or wrote them (a
	// missing entry is unknown: read the store).
	sessions map[int64]knownSession

	// With deferShown, the session of a question shown during the event,
	// for the platform to save when it ends the event (Shown).
	deferShown bool
	shown      *Session
	shownTTL   time.Duration
}

type identified struct {
	platform   Platform
	externalID string
	member     Member
	err        error
	// fresh: the member was read from PostgreSQL in this event, or the
	// cached copy was compared with it (confirm), so it is not an old copy
	// from Redis.
	fresh bool
}

type knownSession struct {
	sess Session
	ok   bool // the member has a session
	// checked: the session was compared with PostgreSQL in this event (or
	// rebuilt from it, or written after that), so it is not an old copy.
	checked bool
}

// WithEvent marks ctx as the handling of one incoming event (a message, a
// tap). Identify then reads the member and the member's session in one
// round trip, and the event keeps both: later calls in the event use the
// member found and the session as read, or as the event itself saved or
// deleted it since. A ctx already marked (by WithAccount) is returned as it
// is.
func WithEvent(ctx context.Context) context.Context {
	if _, ok := ctx.Value(eventKey{}).(*event); ok {
		return ctx
	}
	return context.WithValue(ctx, eventKey{}, &event{})
}

// WithAccount is WithEvent for a platform that read the sender's account
// (CachedAccount's result) in the same round trip as its own bookkeeping of
// the event, and that saves the session itself when the event ends: Identify
// uses acc, and the session of a question shown during the event is left
// for the platform to save (Shown) in the same round trip as marking the
// event done.
func WithAccount(ctx context.Context, p Platform, externalID string, acc Account) context.Context {
	ev := &event{platform: p, externalID: externalID, account: &acc, deferShown: true}
	if acc.MemberOK {
		ev.read(acc.Member.ID, acc.Session, acc.SessionOK)
	}
	return context.WithValue(ctx, eventKey{}, ev)
}

// Shown returns the session to save for the question shown during an event
// marked by WithAccount, and its TTL; ok is false when no question was
// shown.
func Shown(ctx context.Context) (sess Session, ttl time.Duration, ok bool) {
	ev := eventOf(ctx)
	if ev == nil {
		return Session{}, 0, false
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.shown == nil {
		return Session{}, 0, false
	}
	return *ev.shown, ev.shownTTL, true
}

// eventOf is ctx's event; nil (whose methods do nothing) outside one.
func eventOf(ctx context.Context) *event {
	ev, _ := ctx.Value(eventKey{}).(*event)
	return ev
}

// accountOf returns the platform's read of the account, if it is this one.
func (ev *event) accountOf(p Platform, externalID string) (Account, bool) {
	if ev == nil {
		return Account{}, false
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.account == nil || ev.platform != p || ev.externalID != externalID {
		return Account{}, false
	}
	return *ev.account, true
}

// identified returns what Identify found for the account in this event.
func (ev *event) identified(p Platform, externalID string) (Member, error, bool) {
	if ev == nil {
		return Member{}, nil, false
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.who == nil || ev.who.platform != p || ev.who.externalID != externalID {
		return Member{}, nil, false
	}
	return ev.who.member, ev.who.err, true
}

// identify keeps what Identify (or Verify) found for the account; fresh
// when it was read from PostgreSQL.
func (ev *event) identify(p Platform, externalID string, m Member, err error, fresh bool) {
	if ev == nil {
		return
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	ev.who = &identified{platform: p, externalID: externalID, member: m, err: err, fresh: fresh}
}

// accountFor returns the account Identify found member memberID behind in
// this event, and whether that member is known fresh; ok is false when the
// event identified no account as that member.
func (ev *event) accountFor(memberID int64) (p Platform, externalID string, fresh, ok bool) {
	if ev == nil {
		return "", "", false, false
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.who == nil || ev.who.err != nil || ev.who.member.ID != memberID {
		return "", "", false, false
	}
	return ev.who.platform, ev.who.externalID, ev.who.fresh, true
}

// checked reports whether the event compared the member's session with
// PostgreSQL already.
func (ev *event) checked(memberID int64) bool {
	if ev == nil {
		return false
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return ev.sessions[memberID].checked
}

// check keeps a session the event compared with PostgreSQL (or rebuilt).
func (ev *event) check(memberID int64, sess Session, ok bool) {
	if ev == nil {
		return
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.shown != nil && ev.shown.MemberID == memberID && !(ok && sess.AttemptID == ev.shown.AttemptID && sess.Pos == ev.shown.Pos) {
		ev.shown = nil // would undo what PostgreSQL says
	}
	ev.set(memberID, knownSession{sess: sess, ok: ok, checked: true})
}

// session returns the member's session as the event knows it: the shown
// question still to be saved, else what the event last read or wrote;
// known is false when the store must be read.
func (ev *event) session(memberID int64) (sess Session, ok, known bool) {
	if ev == nil {
		return Session{}, false, false
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.shown != nil && ev.shown.MemberID == memberID {
		return *ev.shown, true, true
	}
	k, known := ev.sessions[memberID]
	return k.sess, k.ok, known
}

// read keeps a session read from the store, unless the event already knows
// it: what the event wrote since is newer.
func (ev *event) read(memberID int64, sess Session, ok bool) {
	if ev == nil {
		return
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if _, known := ev.sessions[memberID]; !known {
		ev.set(memberID, knownSession{sess: sess, ok: ok})
	}
}

// wrote keeps a session the event saved (ok) or deleted. A save of a shown
// question still pending would undo it, so it is dropped.
func (ev *event) wrote(memberID int64, sess Session, ok bool) {
	if ev == nil {
		return
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if ev.shown != nil && ev.shown.MemberID == memberID {
		ev.shown = nil
	}
	// A write derived from a checked session is as current as it was.
	ev.set(memberID, knownSession{sess: sess, ok: ok, checked: ev.sessions[memberID].checked})
}

// forget makes the event read the member's session from the store again:
// a write whose outcome the event cannot tell.
func (ev *event) forget(memberID int64) {
	if ev == nil {
		return
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	delete(ev.sessions, memberID)
}

func (ev *event) set(memberID int64, k knownSession) {
	if ev.sessions == nil {
		ev.sessions = make(map[int64]knownSession, 1)
	}
	ev.sessions[memberID] = k
}

// deferShow keeps the session of a question shown for the platform to save
// when the event ends; false when the event saves nothing itself.
func (ev *event) deferShow(sess Session, ttl time.Duration) bool {
	if ev == nil {
		return false
	}
	ev.mu.Lock()
	defer ev.mu.Unlock()
	if !ev.deferShown {
		return false
	}
	ev.shown, ev.shownTTL = &sess, ttl
	return true
}
