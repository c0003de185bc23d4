package chat_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"quizbot/bot/chat"
	"quizbot/internal/testlog"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// The inbound pipeline (Receive) on real PostgreSQL and Redis, with an
// in-memory messenger: what every platform's adapter gets by calling it.

// memChat is a messenger that keeps what the bot said, in order. onSend,
// when set, runs before a message is kept: it may block, fail or panic.
type memChat struct {
	mu      sync.Mutex
	sent    []chat.Message
	answers map[string]string // callback id → text
	onSend  func(m chat.Message) error
}

func (c *memChat) Send(_ context.Context, _ string, m chat.Message) (string, error) {
	c.mu.Lock()
	hook := c.onSend
	c.mu.Unlock()
	if hook != nil {
		if err := hook(m); err != nil {
			return "", err
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sent = append(c.sent, m)
	return strconv.Itoa(len(c.sent)), nil
}

func (c *memChat) Edit(context.Context, string, string, chat.Message) error { return nil }

func (c *memChat) AnswerCallback(_ context.Context, id, text string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.answers == nil {
		c.answers = map[string]string{}
	}
	c.answers[id] = text
	return nil
}

func (c *memChat) setOnSend(f func(chat.Message) error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onSend = f
}

// said returns how many messages were sent and the last one with its id.
func (c *memChat) said() (n int, last chat.Message, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.sent) == 0 {
		return 0, chat.Message{}, ""
	}
	return len(c.sent), c.sent[len(c.sent)-1], strconv.Itoa(len(c.sent))
}

// ledgerCalls counts what the conversation asks of Redis, through the
// ledger and through the quiz service's session store alike.
type ledgerCalls struct {
	*storage.Sessions
	mu    sync.Mutex
	calls map[string]int
	kept  time.Duration // the last Ending's Keep
}

func (s *ledgerCalls) count(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls[name]++
}

func (s *ledgerCalls) take() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.calls
	s.calls = map[string]int{}
	return c
}

func (s *ledgerCalls) ClaimDelivery(ctx context.Context, c chat.Claim, r chat.ClaimRequest) (chat.Claimed, error) {
	s.count("ClaimDelivery")
	return s.Sessions.ClaimDelivery(ctx, c, r)
}
func (s *ledgerCalls) RenewDelivery(ctx context.Context, c chat.Claim, lease time.Duration, now time.Time) (bool, error) {
	s.count("RenewDelivery")
	return s.Sessions.RenewDelivery(ctx, c, lease, now)
}
func (s *ledgerCalls) EndDelivery(ctx context.Context, c chat.Claim, e chat.Ending) error {
	s.count("EndDelivery")
	s.mu.Lock()
	s.kept = e.Keep
	s.mu.Unlock()
	return s.Sessions.EndDelivery(ctx, c, e)
}

// lastKeep is how long the last ended delivery was to be remembered.
func (s *ledgerCalls) lastKeep() time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.kept
}
func (s *ledgerCalls) Session(ctx context.Context, memberID int64) (quiz.Session, bool, error) {
	s.count("Session")
	return s.Sessions.Session(ctx, memberID)
}
func (s *ledgerCalls) PutSession(ctx context.Context, sess quiz.Session, ttl time.Duration) error {
	s.count("PutSession")
	return s.Sessions.PutSession(ctx, sess, ttl)
}
func (s *ledgerCalls) SaveShown(ctx context.Context, sess quiz.Session, ttl time.Duration) (bool, error) {
	s.count("SaveShown")
	return s.Sessions.SaveShown(ctx, sess, ttl)
}
func (s *ledgerCalls) DeleteSession(ctx context.Context, memberID int64) error {
	s.count("DeleteSession")
	return s.Sessions.DeleteSession(ctx, memberID)
}
func (s *ledgerCalls) CachedAccount(ctx context.Context, p quiz.Platform, externalID string) (quiz.Account, error) {
	s.count("CachedAccount")
	return s.Sessions.CachedAccount(ctx, p, externalID)
}
func (s *ledgerCalls) CacheMember(ctx context.Context, p quiz.Platform, externalID string, m quiz.Member, ttl time.Duration) error {
	s.count("CacheMember")
	return s.Sessions.CacheMember(ctx, p, externalID, m, ttl)
}
func (s *ledgerCalls) ForgetMember(ctx context.Context, p quiz.Platform, externalID string) error {
	s.count("ForgetMember")
	return s.Sessions.ForgetMember(ctx, p, externalID)
}
func (s *ledgerCalls) CountEvent(ctx context.Context, p quiz.Platform, userID string, start time.Time, window time.Duration) (int64, error) {
	s.count("CountEvent")
	return s.Sessions.CountEvent(ctx, p, userID, start, window)
}

// pipeRig is a conversation with its ledger in Redis, as serve wires it.
type pipeRig struct {
	t     *testing.T
	f     storagetest.Fixture
	db    *storage.DB
	ss    *storage.Sessions
	calls *ledgerCalls
	clock *quiz.FakeClock
	bot   *chat.Bot
	out   *memChat
	logs  *testlog.Buffer
}

func newPipeRig(t *testing.T) *pipeRig {
	t.Helper()
	db := storagetest.NewDB(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	ss := storage.NewSessions(storagetest.NewRedis(t))
	r := &pipeRig{t: t, f: f, db: db, ss: ss, calls: &ledgerCalls{Sessions: ss, calls: map[string]int{}},
		clock: quiz.NewFakeClock(f.Now), out: &memChat{}, logs: &testlog.Buffer{}}
	r.bot = chat.New(quiz.NewService(db, r.calls, r.clock), db, slog.New(slog.NewTextHandler(r.logs, nil)))
	r.bot.UseLedger(r.calls)
	r.bot.Attach(quiz.PlatformTelegram, r.out)
	return r
}

// deliver hands the event of user (private chat) to Receive under key.
func (r *pipeRig) deliver(key, user string, ev chat.Event) chat.Outcome {
	ev.Platform, ev.UserID, ev.ChatID, ev.Private = quiz.PlatformTelegram, user, user, true
	return r.bot.Receive(context.Background(), chat.Delivery{Key: key, Event: ev})
}

// mustDeliver is deliver that expects Handled.
func (r *pipeRig) mustDeliver(key, user string, ev chat.Event) {
	r.t.Helper()
	if out := r.deliver(key, user, ev); out != chat.Handled {
		r.t.Fatalf("%s: %v\n%s", key, out, r.logs)
	}
}

var help = chat.Event{Kind: chat.KindCommand, Command: "huongdan"}

func command(name string) chat.Event { return chat.Event{Kind: chat.KindCommand, Command: name} }

func tap(id, data, messageID string) chat.Event {
	return chat.Event{Kind: chat.KindCallback, Callback: &chat.Callback{ID: id, Data: data, MessageID: messageID}}
}

// startQuiz verifies user as the roster's An and starts the week's attempt;
// it returns the first question and its message id.
func (r *pipeRig) startQuiz(user string) (chat.Message, string) {
	r.t.Helper()
	r.mustDeliver("t:verify:"+user, user, chat.Event{Kind: chat.KindContact, Contact: &chat.Contact{Phone: "0912000001", UserID: user}})
	if _, m, _ := r.out.said(); !strings.Contains(m.Text, "Xác thực thành công") {
		r.t.Fatalf("verification: %q", m.Text)
	}
	r.mustDeliver("t:start:"+user, user, tap("cb-start", fmt.Sprintf("s:%d", r.f.Round.ID), ""))
	_, q, id := r.out.said()
	if !strings.HasPrefix(q.Text, "Câu 1/3") || len(q.Buttons) == 0 {
		r.t.Fatalf("first question: %q", q.Text)
	}
	return q, id
}

// slowFirstSend makes the first message sent wait until release is
// called (at the latest when the test ends); arrived is closed once it
// waits.
func slowFirstSend(t *testing.T, out *memChat) (arrived chan struct{}, release func()) {
	arrived, free := make(chan struct{}), make(chan struct{})
	release = sync.OnceFunc(func() { close(free) })
	t.Cleanup(release)
	var held atomic.Bool
	out.setOnSend(func(chat.Message) error {
		if held.CompareAndSwap(false, true) {
			close(arrived)
			<-free
		}
		return nil
	})
	return arrived, release
}

// A delivery of an event already handled is Handled at once: the person
// hears nothing twice.
func TestReceiveHandlesAnEventOnce(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	r.mustDeliver("t:1", "7", help)
	n, m, _ := r.out.said()
	if n != 1 || !strings.HasPrefix(m.Text, "Hướng dẫn") {
		t.Fatalf("%d messages, last %q", n, m.Text)
	}
	for range 2 {
		r.mustDeliver("t:1", "7", help)
	}
	r.mustDeliver("t:2", "7", help) // another event, the same text
	if n, _, _ := r.out.said(); n != 2 {
		t.Fatalf("%d messages for two events delivered four times", n)
	}
}

// An event whose handling failed is Failed, and handled again when
// delivered again, as a re-delivery: an answer recorded by the failed
// delivery stands, and the question that did not reach the person follows.
func TestReceiveHandlesAFailedEventAgain(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	q, id := r.startQuiz("7")
	r.out.setOnSend(func(m chat.Message) error {
		return errors.New("connection reset by peer")
	})
	answer := tap("cb-a1", q.Buttons[0][0].Data, id)
	if out := r.deliver("t:a1", "7", answer); out != chat.Failed {
		t.Fatalf("the next question could not be sent: %v", out)
	}
	if !strings.Contains(r.logs.String(), "connection reset by peer") {
		t.Fatalf("the failure is not logged:\n%s", r.logs)
	}
	r.out.setOnSend(nil)
	r.mustDeliver("t:a1", "7", answer)
	n, next, _ := r.out.said()
	if !strings.HasPrefix(next.Text, "Câu 2/3") {
		t.Fatalf("after the re-delivery the member sees %q", next.Text)
	}
	if a := r.out.answers["cb-a1"]; !strings.Contains(a, "đã được ghi nhận") && !strings.Contains(a, "Đã ghi nhận") {
		t.Fatalf("the tap's answer: %q", a)
	}
	r.mustDeliver("t:a1", "7", answer)
	if m, _, _ := r.out.said(); m != n {
		t.Fatal("a done event was handled again")
	}
}

// A delivery of an event another delivery is handling is Busy (the
// platform comes back later), and the event takes effect once.
func TestReceiveIsBusyWhileAnotherDeliveryRuns(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	arrived, release := slowFirstSend(t, r.out)
	done := make(chan chat.Outcome, 1)
	go func() { done <- r.deliver("t:1", "7", help) }()
	<-arrived
	if out := r.deliver("t:1", "7", help); out != chat.Busy {
		t.Fatalf("a second delivery meanwhile: %v", out)
	}
	release()
	if out := <-done; out != chat.Handled {
		t.Fatalf("the first delivery: %v", out)
	}
	r.mustDeliver("t:1", "7", help)
	if n, _, _ := r.out.said(); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

// A panic in handling is recovered and logged: the event failed, its claim
// is released at once, and its re-delivery is handled.
func TestReceiveRecoversAPanic(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	r.out.setOnSend(func(chat.Message) error { panic("a nil map somewhere") })
	if out := r.deliver("t:1", "7", help); out != chat.Failed {
		t.Fatalf("a panicking event: %v", out)
	}
	if !strings.Contains(r.logs.String(), "panic handling an event") || !strings.Contains(r.logs.String(), "a nil map somewhere") {
		t.Fatalf("the panic is not logged:\n%s", r.logs)
	}
	r.out.setOnSend(nil)
	r.mustDeliver("t:1", "7", help)
	if n, m, _ := r.out.said(); n != 1 || !strings.HasPrefix(m.Text, "Hướng dẫn") {
		t.Fatalf("after the panic: %d messages, last %q", n, m.Text)
	}
}

// A claim is a lease: the claim of a process that died (it neither renews
// nor ends it) keeps re-deliveries Busy until it runs out, seconds later;
// then the next delivery handles the event.
func TestReceiveTakesOverTheClaimOfADeadProcess(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	dead := chat.NewClaim("t:1")
	if _, err := r.ss.ClaimDelivery(context.Background(), dead, chat.ClaimRequest{Lease: chat.ClaimLease, Now: r.clock.Now(),
		Platform: quiz.PlatformTelegram, UserID: "7"}); err != nil {
		t.Fatal(err)
	}
	if out := r.deliver("t:1", "7", help); out != chat.Busy {
		t.Fatalf("under the dead process's claim: %v", out)
	}
	r.clock.Advance(chat.ClaimLease + time.Second)
	r.mustDeliver("t:1", "7", help)
	if n, m, _ := r.out.said(); n != 1 || !strings.HasPrefix(m.Text, "Hướng dẫn") {
		t.Fatalf("after the lease: %d messages, last %q", n, m.Text)
	}
}

// While an event runs, KeepClaims renews its claim: a re-delivery past the
// first lease is still Busy, and the event takes effect once.
func TestReceiveRenewsTheClaimsOfEventsInProgress(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	ticks := make(chan time.Time)
	ctx, stop := context.WithCancel(context.Background())
	kept := make(chan struct{})
	go func() { defer close(kept); r.bot.KeepClaims(ctx, ticks) }()
	t.Cleanup(func() { stop(); <-kept })

	arrived, release := slowFirstSend(t, r.out)
	done := make(chan chat.Outcome, 1)
	go func() { done <- r.deliver("t:1", "7", help) }()
	<-arrived
	r.clock.Advance(10 * time.Second)
	// The renewer takes one tick at a time: once it takes the second, it
	// has finished renewing on the first.
	ticks <- r.clock.Now()
	ticks <- r.clock.Now()
	r.clock.Advance(10 * time.Second) // past the first lease
	if out := r.deliver("t:1", "7", help); out != chat.Busy {
		t.Fatalf("a re-delivery while the event runs: %v", out)
	}
	release()
	if out := <-done; out != chat.Handled {
		t.Fatalf("the slow event: %v", out)
	}
	r.mustDeliver("t:1", "7", help)
	if n, _, _ := r.out.said(); n != 1 {
		t.Fatalf("%d messages", n)
	}
}

// The rate is counted in the claim's round trip, by the ledger alone (the
// conversation has no counter of its own here): a new event counts, the
// re-delivery of a failed one does not, and the event over the limit is
// told to slow down.
func TestReceiveCountsTheRateInTheClaim(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	r.bot.LimitRate(chat.RateLimit{Events: 2, Window: time.Minute}, nil)
	r.mustDeliver("t:1", "7", help)
	r.out.setOnSend(func(chat.Message) error { return errors.New("timeout") })
	if out := r.deliver("t:2", "7", help); out != chat.Failed {
		t.Fatalf("the failing event: %v", out)
	}
	r.out.setOnSend(nil)
	r.mustDeliver("t:2", "7", help) // not counted again
	if n, m, _ := r.out.said(); n != 2 || !strings.HasPrefix(m.Text, "Hướng dẫn") {
		t.Fatalf("two events within the limit: %d messages, last %q", n, m.Text)
	}
	r.mustDeliver("t:3", "7", help)
	if n, m, _ := r.out.said(); n != 3 || !strings.Contains(m.Text, "thao tác quá nhanh") {
		t.Fatalf("the third event: %d messages, last %q", n, m.Text)
	}
	r.mustDeliver("t:4", "8", help) // another account
	if _, m, _ := r.out.said(); !strings.HasPrefix(m.Text, "Hướng dẫn") {
		t.Fatalf("another account: %q", m.Text)
	}
	if c := r.calls.take(); c["CountEvent"] != 0 {
		t.Fatalf("the conversation counted events itself: %v", c)
	}
}

// An answer costs Redis two round trips, whatever the platform: the claim,
// which also reads the member and the session, and its end, which also
// saves the session of the next question shown (with its message id).
func TestReceiveAnswerIsTwoRoundTrips(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	r.bot.LimitRate(chat.RateLimit{Events: 100, Window: time.Minute}, r.calls)
	q, id := r.startQuiz("7")
	r.calls.take()
	r.mustDeliver("t:a1", "7", tap("cb-a1", q.Buttons[0][0].Data, id))
	calls := r.calls.take()
	if len(calls) != 2 || calls["ClaimDelivery"] != 1 || calls["EndDelivery"] != 1 {
		t.Fatalf("Redis calls of an answer: %v", calls)
	}
	_, next, nextID := r.out.said()
	if !strings.HasPrefix(next.Text, "Câu 2/3") {
		t.Fatalf("the next question: %q", next.Text)
	}
	sess, ok, err := r.ss.Session(context.Background(), r.f.Members["an"].ID)
	if err != nil || !ok || sess.Pos != 1 || sess.MessageID != nextID {
		t.Fatalf("the session saved with the claim's end: %+v %v %v", sess, ok, err)
	}
}

// A handled or failed event is remembered for as long as its adapter says
// its platform may deliver it again, two days when it does not say.
func TestReceiveKeepsTheMarkAsLongAsTheAdapterSays(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	ev := help
	ev.Platform, ev.UserID, ev.ChatID, ev.Private = quiz.PlatformTelegram, "7", "7", true
	for _, c := range []struct {
		keep, want time.Duration
		fail       bool
	}{{0, chat.DeliveryKeep, false}, {6 * time.Hour, 6 * time.Hour, false}, {time.Minute, time.Minute, true}} {
		r.out.setOnSend(nil)
		if c.fail {
			r.out.setOnSend(func(chat.Message) error { return errors.New("timeout") })
		}
		key := fmt.Sprintf("t:keep:%v", c.keep)
		r.bot.Receive(context.Background(), chat.Delivery{Key: key, Event: ev, Keep: c.keep})
		if got := r.calls.lastKeep(); got != c.want {
			t.Errorf("Keep %v (failed %v): remembered for %v, want %v", c.keep, c.fail, got, c.want)
		}
	}
}

// An event that opens its platform's reply window is noted in the claim's
// round trip (no Redis call of its own), and its time written once per
// throttle slot: the first event of a slot moves the account's last inbound
// time, the next ones in it do not, the first of the next slot does.
func TestReceiveRecordsTheReplyWindowInTheClaim(t *testing.T) {
	t.Parallel()
	r := newPipeRig(t)
	r.bot.RecordInbound(r.db)
	r.mustDeliver("t:verify", "7", chat.Event{Kind: chat.KindContact, Contact: &chat.Contact{Phone: "0912000001", UserID: "7"}})
	inbound := func() time.Time {
		t.Helper()
		var at sql.NullTime
		if err := r.db.GetContext(context.Background(), &at, `SELECT last_inbound_at FROM identities WHERE platform = 'telegram' AND external_id = '7'`); err != nil {
			t.Fatal(err)
		}
		return at.Time
	}
	wrote := func(key string) {
		t.Helper()
		ev := help
		ev.Platform, ev.UserID, ev.ChatID, ev.Private = quiz.PlatformTelegram, "7", "7", true
		r.calls.take()
		if out := r.bot.Receive(context.Background(), chat.Delivery{Key: key, Event: ev, Inbound: true}); out != chat.Handled {
			t.Fatalf("%s: %v", key, out)
		}
		// The claim and its end (none for a re-delivery of a done event).
		if c := r.calls.take(); c["ClaimDelivery"] != 1 || c["EndDelivery"] > 1 || len(c) > 2 {
			t.Fatalf("%s: Redis calls %v", key, c)
		}
	}
	// Linking wrote the database's time: start from none.
	if _, err := r.db.ExecContext(context.Background(), `UPDATE identities SET last_inbound_at = NULL`); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(storage.InboundEvery) // a slot of its own, after the verification's
	first := r.clock.Now()
	wrote("t:w1")
	if got := inbound(); !got.Equal(first) {
		t.Fatalf("last inbound %v, want %v", got, first)
	}
	r.clock.Advance(time.Minute)
	wrote("t:w2")
	wrote("t:w1") // a re-delivery
	if got := inbound(); !got.Equal(first) {
		t.Fatalf("within the slot the time moved: %v, want %v", got, first)
	}
	r.clock.Advance(storage.InboundEvery)
	wrote("t:w3")
	if got := inbound(); !got.Equal(r.clock.Now()) {
		t.Fatalf("next slot: last inbound %v, want %v", got, r.clock.Now())
	}
}
