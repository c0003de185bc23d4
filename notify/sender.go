package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
)

// Messenger sends a message on one platform; the Telegram adapter and the
// web chat satisfy it, and so must Zalo's. Errors are outbound's: a
// *outbound.RateLimitError for 429, outbound.ErrUnreachable for 403,
// outbound.ErrRejected for a message the platform refuses.
type Messenger interface {
	Send(ctx context.Context, chatID string, m outbound.Message) (string, error)
}

// Buttons makes the buttons under notices. Their taps come back to the
// conversation, which alone knows their data: chat.NoticeButtons.
type Buttons interface {
	Start(roundID int64) outbound.Button  // starts the round's quiz, as /thi's button
	Excuse(roundID int64) outbound.Button // a head's reasons for the round's absentees (/lydo)
}

// SenderOptions tune a Sender; zero values take the defaults.
type SenderOptions struct {
	// Workers is how many sends may be in flight per platform in this
	// process (the limiter, not this, sets the rate). Default: enough to
	// keep up with the rate at ~300 ms per call.
	Workers int
	// Lease is how long a claimed notification may stay unrecorded before
	// it is presumed lost and sent again.
	Lease       time.Duration
	MaxTries    int           // sends tried before a notification fails
	Backoff     time.Duration // wait after the first failure, doubled after each
	MaxBackoff  time.Duration
	SendTimeout time.Duration // one HTTP call
	// Poll is how often an idle sender looks for work queued by another
	// process (Wake covers this process).
	Poll time.Duration
	// ProgressEvery is how often a busy sender logs its progress.
	ProgressEvery time.Duration
}

func (o *SenderOptions) defaults(rate float64) {
	if o.Workers <= 0 {
		o.Workers = min(max(4, int(rate/3)+1), 64)
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.MaxTries <= 0 {
		o.MaxTries = DefaultMaxTries
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.SendTimeout <= 0 {
		o.SendTimeout = DefaultSendTimeout
	}
	if o.SendTimeout > o.Lease/2 {
		// A send must end well within its lease, or the row would be
		// claimed again while the first call is still in flight.
		o.SendTimeout = o.Lease / 2
	}
	if o.Poll <= 0 {
		o.Poll = 2 * time.Second
	}
	if o.ProgressEvery <= 0 {
		o.ProgressEvery = 30 * time.Second
	}
}

// Sender delivers queued notifications on every platform it has a messenger
// for. Any number of Senders, in any number of processes, may run at once.
type Sender struct {
	db    SenderStore
	lim   *Limiter
	out   map[quiz.Platform]Messenger
	btn   Buttons
	clock quiz.Clock
	log   *slog.Logger
	opt   SenderOptions
	wake  chan struct{}
	cache roundCache
	// settled is signalled after each recorded outcome, for Drain.
	settled chan struct{}

	sent, failed, unreachable, cancelled, retried atomic.Int64
	observer                                      Observer // told of outcomes and pauses (Observe); nil: nobody
}

// SenderStore is what a Sender needs of storage: the queue, and the rounds
// its notices are about.
type SenderStore interface {
	Queue
	Rounds
	SummaryDocument(ctx context.Context, id int64) ([]byte, error)
}

// NewSender returns a sender over the queue in db, pacing through lim,
// sending on out with the buttons btn makes.
func NewSender(db SenderStore, lim *Limiter, out map[quiz.Platform]Messenger, btn Buttons, clock quiz.Clock, log *slog.Logger, opt SenderOptions) *Sender {
	opt.defaults(float64(time.Second) / float64(lim.Interval()))
	return &Sender{db: db, lim: lim, out: out, btn: btn, clock: clock, log: log, opt: opt,
		wake: make(chan struct{}, 1), settled: make(chan struct{}, 1), cache: roundCache{db: db, entries: map[int64]roundEntry{}}}
}

// Platforms lists the platforms this sender delivers on.
func (s *Sender) Platforms() []quiz.Platform {
	var ps []quiz.Platform
	for _, p := range DefaultPlatforms {
		if _, ok := s.out[p]; ok {
			ps = append(ps, p)
		}
	}
	return ps
}

// Wake tells an idle sender that notifications were just queued.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Stats counts outcomes since the sender started.
type Stats struct {
	Sent, Failed, Unreachable, Cancelled, Retried int64
}

// Stats returns the outcomes so far.
func (s *Sender) Stats() Stats {
	return Stats{Sent: s.sent.Load(), Failed: s.failed.Load(), Unreachable: s.unreachable.Load(),
		Cancelled: s.cancelled.Load(), Retried: s.retried.Load()}
}

// Run delivers until ctx ends, then waits for the sends in flight to finish
// and be recorded (so that a graceful stop duplicates nothing).
func (s *Sender) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for _, p := range s.Platforms() {
		wg.Go(func() { s.runPlatform(ctx, p, s.out[p]) })
	}
	wg.Go(func() { s.progress(ctx) })
	wg.Wait()
	return nil
}

// Drain delivers until every notification of the round and kinds is final
// (sent, failed, unreachable or cancelled), whoever sends them, then stops
// and waits for its sends in flight: what an operator's command runs.
func (s *Sender) Drain(ctx context.Context, roundID int64, kinds []string) error {
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		s.Run(rctx)
		close(done)
	}()
	defer func() {
		cancel()
		<-done
	}()
	for {
		n, err := s.db.PendingNotifications(ctx, roundID, kinds)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		// Outcomes recorded here signal at once; other processes' are
		// seen at the next poll.
		t := time.NewTimer(s.opt.Poll)
		select {
		case <-s.settled:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
		t.Stop()
	}
}

func (s *Sender) signal() {
	select {
	case s.settled <- struct{}{}:
	default:
	}
}

// record runs the database write that records an outcome even when ctx has
// ended: the send it records has happened.
func record(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), 15*time.Second)
}

func (s *Sender) runPlatform(ctx context.Context, p quiz.Platform, m Messenger) {
	slots := make(chan struct{}, s.opt.Workers)
	var inflight sync.WaitGroup
	defer inflight.Wait()
	var released time.Time
	errWait := time.Second
	// quiet is when the quiet hours, met on the last claim, end: nothing is
	// claimed before (the clock is looked at again at least every Poll).
	var quiet time.Time
	for ctx.Err() == nil {
		if now := s.clock.Now(); now.Before(quiet) {
			s.sleep(ctx, min(quiet.Sub(now), s.opt.Poll), true)
			continue
		}
		if time.Since(released) > s.opt.Lease/4 {
			if n, err := s.db.ReleaseExpiredLeases(ctx); err != nil {
				s.log.Warn("notify: release expired leases", "err", err)
			} else if n > 0 {
				s.log.Warn("notify: notifications whose sender stopped mid-send are queued again", "count", n)
			}
			released = time.Now()
		}
		// A 429 pauses the platform: claim nothing until the pause ends.
		if d, err := s.lim.Paused(ctx, p); err == nil && d > 0 {
			s.sleep(ctx, d, false)
			continue
		}
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		// The claim must not be cut short by a stop: a claim committed on
		// the server but abandoned by the client would leave its row
		// stranded until the lease ran out.
		cctx, cancel := record(ctx)
		c, ok, err := s.db.ClaimNotification(cctx, p, s.opt.Lease, s.clock.Now())
		cancel()
		if err == nil && ok && ctx.Err() != nil {
			s.giveBack(ctx, c, c.PartsSent, "the sender stopped")
			<-slots
			return
		}
		if err != nil {
			<-slots
			if ctx.Err() == nil {
				s.log.Error("notify: claim", "platform", p, "err", err)
				s.sleep(ctx, errWait, false)
				errWait = min(2*errWait, time.Minute)
			}
			continue
		}
		errWait = time.Second
		if !ok {
			<-slots
			s.idle(ctx, p)
			continue
		}
		if s.skip(ctx, c) {
			<-slots
			continue
		}
		if end, ok := s.quiet(ctx, c); ok {
			s.giveBack(ctx, c, c.PartsSent, "quiet hours: waits until "+end.Format("15:04 02/01/2006 MST"))
			s.log.Info("notify: quiet hours, sending resumes at "+end.Format("15:04 02/01/2006 MST"), "platform", p)
			quiet = end
			<-slots
			continue
		}
		// Outside the platform's reply window: a reminder goes as a
		// template message by phone, anything else is settled at once
		// (without taking a rate slot).
		var tmpl template
		var byTemplate bool
		var why string
		if w, ok := m.(WindowedMessenger); ok && w.Window() > 0 && !inWindow(c.LastInbound, w.Window(), s.clock.Now()) {
			why = windowReason(p, w.Window(), c)
			if tmpl, byTemplate = s.templateOrSettle(ctx, p, m, c, c.PartsSent, why); !byTemplate {
				<-slots
				continue
			}
		}
		// The claim's lease runs while waiting for a slot: give the row
		// back rather than risk outliving the lease.
		wctx, cancel := context.WithTimeout(ctx, s.opt.Lease/4)
		err = s.lim.Wait(wctx, p)
		cancel()
		if err != nil {
			s.giveBack(ctx, c, c.PartsSent, "waited too long for the rate limiter")
			<-slots
			if ctx.Err() == nil && !errors.Is(err, context.DeadlineExceeded) {
				s.log.Error("notify: rate limiter", "platform", p, "err", err)
				s.sleep(ctx, errWait, false)
			}
			continue
		}
		inflight.Go(func() {
			defer func() { <-slots }()
			if byTemplate {
				s.sendTemplate(ctx, p, tmpl, c, why)
				return
			}
			s.deliver(ctx, p, m, c)
		})
	}
}

// sleep waits d, or less when woken (if wakeable) or stopped.
func (s *Sender) sleep(ctx context.Context, d time.Duration, wakeable bool) {
	t := time.NewTimer(d)
	defer t.Stop()
	wake := s.wake
	if !wakeable {
		wake = nil
	}
	select {
	case <-ctx.Done():
	case <-t.C:
	case <-wake:
	}
}

// idle waits for work: the next retry that falls due, a Wake, or a poll for
// work queued by other processes.
func (s *Sender) idle(ctx context.Context, p quiz.Platform) {
	d := s.opt.Poll
	if wait, ok, err := s.db.NextNotificationDue(ctx, p); err == nil && ok {
		d = min(d, wait+5*time.Millisecond)
	}
	s.sleep(ctx, d, true)
}

// skip settles, without sending, a claimed notification that is no longer
// worth sending.
func (s *Sender) skip(ctx context.Context, c Claimed) bool {
	rctx, cancel := record(ctx)
	defer cancel()
	var err error
	switch {
	case c.Linked == nil:
		_, err = s.db.MarkCancelled(rctx, c, "the account was unlinked from the member")
		s.count(c, OutcomeCancelled)
	case !*c.Linked:
		_, err = s.db.MarkUnreachable(rctx, c, c.PartsSent, "the account is unreachable (blocked the bot)")
		s.count(c, OutcomeUnreachable)
	case c.Stale:
		_, err = s.db.MarkCancelled(rctx, c, "no longer needed: the member took part or was excused, or the round closed")
		s.count(c, OutcomeCancelled)
	default:
		return false
	}
	if err != nil {
		s.log.Error("notify: record skipped notification", "id", c.ID, "err", err)
	}
	s.signal()
	return true
}

// deliver sends the notification's parts from the first not yet delivered,
// and records the outcome. The caller has taken the rate slot of the first.
func (s *Sender) deliver(ctx context.Context, p quiz.Platform, m Messenger, c Claimed) {
	msgs, err := s.render(ctx, c)
	if err != nil {
		s.retry(ctx, c, c.PartsSent, fmt.Errorf("prepare notification: %w", err))
		return
	}
	msgs = fitTo(msgs, outbound.LimitOf(m))
	parts := c.PartsSent
	for parts < len(msgs) {
		if parts > c.PartsSent {
			wctx, cancel := context.WithTimeout(ctx, s.opt.Lease/4)
			err := s.lim.Wait(wctx, p)
			cancel()
			if err != nil {
				s.giveBack(ctx, c, parts, "stopped between the parts of a notification")
				return
			}
		}
		// The call runs to its own timeout even when ctx ends: a send
		// abandoned midway could still arrive and be sent again.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.SendTimeout)
		_, err := m.Send(sctx, c.ChatID, msgs[parts])
		cancel()
		if errors.Is(err, outbound.ErrWindowClosed) {
			// The platform says the window has closed, whatever the last
			// inbound time said: as outside it.
			s.windowClosed(ctx, p, m, c, parts, err)
			return
		}
		if err != nil {
			s.sendFailed(ctx, p, c, parts, err)
			return
		}
		parts++
		if parts < len(msgs) {
			rctx, cancel := record(ctx)
			_, err := s.db.MarkPartsSent(rctx, c, parts, s.opt.Lease)
			cancel()
			if err != nil {
				s.log.Error("notify: record progress", "id", c.ID, "err", err)
			}
		}
	}
	rctx, cancel := record(ctx)
	defer cancel()
	defer s.signal()
	ok, err := s.db.MarkSent(rctx, c, parts)
	if err != nil {
		s.log.Error("notify: record sent", "id", c.ID, "err", err)
		return
	}
	if !ok {
		s.log.Warn("notify: sent after the lease ran out; it may be sent twice", "id", c.ID, "kind", c.Kind)
	}
	s.count(c, OutcomeSent)
}

// quiet reports whether c's contest is in its quiet hours now, and when
// they end. A notification whose round cannot be read is not held: its
// rendering reports the error.
func (s *Sender) quiet(ctx context.Context, c Claimed) (time.Time, bool) {
	if !c.RoundID.Valid {
		return time.Time{}, false
	}
	contest, _, err := s.cache.get(ctx, c.RoundID.Int64)
	if err != nil {
		return time.Time{}, false
	}
	return QuietEnd(s.clock.Now(), contest.Location())
}

// windowClosed handles a send the platform refused as outside its reply
// window: a reminder goes as a template message (after a rate slot of its
// own), anything else is settled.
func (s *Sender) windowClosed(ctx context.Context, p quiz.Platform, m Messenger, c Claimed, parts int, err error) {
	why := fmt.Sprintf("the platform said the reply window has closed (%v)", err)
	if parts > 0 {
		s.settleWindow(ctx, p, c, parts, why+"; some parts were sent")
		return
	}
	tmpl, ok := s.templateOrSettle(ctx, p, m, c, parts, why)
	if !ok {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, s.opt.Lease/4)
	werr := s.lim.Wait(wctx, p)
	cancel()
	if werr != nil {
		s.giveBack(ctx, c, parts, "stopped before the template message")
		return
	}
	s.sendTemplate(ctx, p, tmpl, c, why)
}

// sendFailed records a failed send: 429 pauses the platform and retries
// the same notification after retry_after; 403 marks the recipient
// unreachable for good; 400 (the message itself is refused) fails at once;
// anything else is retried with back-off up to MaxTries.
func (s *Sender) sendFailed(ctx context.Context, p quiz.Platform, c Claimed, parts int, err error) {
	rctx, cancel := record(ctx)
	defer cancel()
	defer s.signal()
	var rl *outbound.RateLimitError
	switch {
	case errors.As(err, &rl):
		wait := max(rl.RetryAfter, time.Second)
		if perr := s.lim.Pause(rctx, p, wait); perr != nil {
			s.log.Error("notify: pause sends", "platform", p, "err", perr)
		}
		s.log.Warn("notify: the platform asked to slow down; pausing", "platform", p, "retry_after", wait)
		if s.observer != nil {
			s.observer.RateLimited(p, wait)
		}
		if _, rerr := s.db.Requeue(rctx, c, parts, wait, clip(err.Error()), false); rerr != nil {
			s.log.Error("notify: requeue", "id", c.ID, "err", rerr)
		}
		s.count(c, OutcomeRetried)
	case errors.Is(err, outbound.ErrUnreachable):
		s.log.Info("notify: recipient unreachable", "platform", p, "member", c.MemberID.Int64, "kind", c.Kind)
		if _, rerr := s.db.MarkUnreachable(rctx, c, parts, clip(err.Error())); rerr != nil {
			s.log.Error("notify: record unreachable", "id", c.ID, "err", rerr)
		}
		s.count(c, OutcomeUnreachable)
	case errors.Is(err, outbound.ErrRejected):
		s.log.Error("notify: message rejected by the platform, not retried", "platform", p, "id", c.ID, "kind", c.Kind, "err", err)
		if _, rerr := s.db.MarkFailed(rctx, c, parts, clip(err.Error())); rerr != nil {
			s.log.Error("notify: record failure", "id", c.ID, "err", rerr)
		}
		s.count(c, OutcomeFailed)
	default:
		s.retry(ctx, c, parts, err)
	}
}

// retry schedules another try after back-off, or gives up after MaxTries.
func (s *Sender) retry(ctx context.Context, c Claimed, parts int, err error) {
	rctx, cancel := record(ctx)
	defer cancel()
	defer s.signal()
	if c.Tries >= s.opt.MaxTries {
		s.log.Warn("notify: giving up", "id", c.ID, "kind", c.Kind, "member", c.MemberID.Int64, "tries", c.Tries, "err", err)
		if _, rerr := s.db.MarkFailed(rctx, c, parts, clip(err.Error())); rerr != nil {
			s.log.Error("notify: record failure", "id", c.ID, "err", rerr)
		}
		s.count(c, OutcomeFailed)
		return
	}
	wait := s.backoff(c.Tries)
	s.log.Info("notify: send failed, will retry", "id", c.ID, "kind", c.Kind, "tries", c.Tries, "in", wait, "err", err)
	if _, rerr := s.db.Requeue(rctx, c, parts, wait, clip(err.Error()), true); rerr != nil {
		s.log.Error("notify: requeue", "id", c.ID, "err", rerr)
	}
	s.count(c, OutcomeRetried)
}

// giveBack returns a claimed notification to the queue without counting a
// try, when this sender stops or cannot get a rate slot in time.
func (s *Sender) giveBack(ctx context.Context, c Claimed, parts int, reason string) {
	rctx, cancel := record(ctx)
	defer cancel()
	if _, err := s.db.Requeue(rctx, c, parts, 0, reason, false); err != nil {
		s.log.Error("notify: give back notification", "id", c.ID, "err", err)
	}
}

func (s *Sender) backoff(tries int) time.Duration {
	d := s.opt.Backoff
	for i := 1; i < tries && d < s.opt.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.opt.MaxBackoff)
}

// clip bounds an error text stored in last_error.
func clip(s string) string {
	if len(s) > 500 {
		return s[:500]
	}
	return s
}

// progress logs what the sender achieved, every ProgressEvery while busy.
func (s *Sender) progress(ctx context.Context) {
	t := time.NewTicker(s.opt.ProgressEvery)
	defer t.Stop()
	last := s.Stats()
	lastAt := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := s.Stats()
		if st == last {
			continue
		}
		rate := float64(st.Sent-last.Sent) / time.Since(lastAt).Seconds()
		s.log.Info("notify: progress", "sent", st.Sent, "failed", st.Failed, "unreachable", st.Unreachable,
			"cancelled", st.Cancelled, "retried", st.Retried, "rate_per_s", fmt.Sprintf("%.1f", rate))
		last, lastAt = st, time.Now()
	}
}

// payload is what a notification carries when its messages are not derived
// from its kind and round alone: the parts of a summary card, rendered when
// the summary was computed so that every part shows the same figures, and
// the workbook sent after them.
type payload struct {
	Parts []string `json:"parts,omitempty"`
	// ExcuseRound puts the "record reasons" button under the last part.
	ExcuseRound int64     `json:"excuse_round,omitempty"`
	Doc         *document `json:"doc,omitempty"`
}

// document is a file sent after the parts: its bytes, or Ref, the id of a
// saved summary document (Documents) that several notifications share.
type document struct {
	Name    string `json:"name"`
	Caption string `json:"caption,omitempty"`
	Data    []byte `json:"data,omitempty"`
	Ref     int64  `json:"ref,omitempty"`
}

func (pl payload) messages(btn Buttons) []outbound.Message {
	var out []outbound.Message
	for i, t := range pl.Parts {
		m := outbound.Message{Text: t}
		if i == len(pl.Parts)-1 && pl.ExcuseRound != 0 {
			m.Buttons = [][]outbound.Button{{btn.Excuse(pl.ExcuseRound)}}
		}
		out = append(out, m)
	}
	if pl.Doc != nil {
		out = append(out, outbound.Message{Text: pl.Doc.Caption, Document: &outbound.Document{Name: pl.Doc.Name, Data: pl.Doc.Data}})
	}
	return out
}

// fitTo splits each message over max into parts that are not, for a
// platform whose limit is below the MaxText the cards are laid out for
// (Zalo: 2,000). The split depends on the text and the platform alone, so
// a send resumed after some parts counts the same parts.
func fitTo(msgs []outbound.Message, max int) []outbound.Message {
	var out []outbound.Message
	for _, m := range msgs {
		out = append(out, outbound.Fit(m, max)...)
	}
	return out
}

// render returns the notification's messages, in order.
func (s *Sender) render(ctx context.Context, c Claimed) ([]outbound.Message, error) {
	var pl payload
	if len(c.Payload) > 0 {
		if err := json.Unmarshal(c.Payload, &pl); err != nil {
			return nil, fmt.Errorf("notification %d payload: %w", c.ID, err)
		}
	}
	if pl.Doc != nil && pl.Doc.Ref != 0 && len(pl.Doc.Data) == 0 {
		data, err := s.db.SummaryDocument(ctx, pl.Doc.Ref)
		if err != nil {
			return nil, fmt.Errorf("notification %d: %w", c.ID, err)
		}
		pl.Doc.Data = data
	}
	if len(pl.Parts) > 0 || pl.Doc != nil {
		return pl.messages(s.btn), nil
	}
	contest, round, err := s.cache.get(ctx, c.RoundID.Int64)
	if err != nil {
		return nil, err
	}
	var text string
	switch c.Kind {
	case KindOpen:
		text = openText(contest, round)
	case KindRemind:
		text = remindText(contest, round)
	case KindLastCall:
		text = lastCallText(contest, round, s.clock.Now())
	default:
		return nil, fmt.Errorf("notification %d: kind %q has no text", c.ID, c.Kind)
	}
	return []outbound.Message{{Text: text, Buttons: [][]outbound.Button{{s.btn.Start(round.ID)}}}}, nil
}

// roundCache keeps rounds and their contests for a minute: a broadcast
// renders the same round's text for every recipient.
type roundCache struct {
	db      Rounds
	mu      sync.Mutex
	entries map[int64]roundEntry
}

type roundEntry struct {
	contest quiz.Contest
	round   quiz.Round
	at      time.Time
}

func (rc *roundCache) get(ctx context.Context, roundID int64) (quiz.Contest, quiz.Round, error) {
	rc.mu.Lock()
	e, ok := rc.entries[roundID]
	rc.mu.Unlock()
	if ok && time.Since(e.at) < time.Minute {
		return e.contest, e.round, nil
	}
	r, err := rc.db.RoundByID(ctx, roundID)
	if err != nil {
		return quiz.Contest{}, quiz.Round{}, err
	}
	c, err := rc.db.ContestByID(ctx, r.ContestID)
	if err != nil {
		return quiz.Contest{}, quiz.Round{}, err
	}
	rc.mu.Lock()
	rc.entries[roundID] = roundEntry{contest: c, round: r, at: time.Now()}
	rc.mu.Unlock()
	return c, r, nil
}
