package quiz

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	memberCacheTTL   = 10 * time.Minute
	questionCacheTTL = 5 * time.Minute
	// sessionGrace keeps a session a little past its deadline so that the
	// prediction question can still be answered.
	sessionGrace = 30 * time.Minute
	// MaxPrediction bounds the prediction: no contest has more people.
	MaxPrediction = 10_000_000
)

// Service runs the quiz: verification, attempts, answers, time limits and
// predictions. It is shared by every platform.
type Service struct {
	store    Store
	sessions SessionStore
	clock    Clock
	shuffle  func(n int, swap func(i, j int))
	observer Observer // told of attempts and answers (Observe); nil: nobody

	mu        sync.Mutex
	questions map[int64]cachedQuestion
	nextPurge time.Time // when remember next drops expired questions
}

type cachedQuestion struct {
	q       Question
	expires time.Time
}

// NewService builds the quiz service.
func NewService(store Store, sessions SessionStore, clock Clock) *Service {
	return &Service{store: store, sessions: sessions, clock: clock, shuffle: rand.Shuffle,
		questions: make(map[int64]cachedQuestion)}
}

// Now is the service's clock reading.
func (s *Service) Now() time.Time { return s.clock.Now() }

// Identify finds the verified member behind a platform account. ENOTFOUND
// when the account is not verified; EFORBIDDEN when the member left the roster.
// Within an event (WithEvent) the account is looked up once: a second call
// returns what the first found. The member may come from the Redis cache,
// which an old snapshot can bring back: the paths that change something
// compare it with PostgreSQL (confirm, or the generation their writes
// check).
func (s *Service) Identify(ctx context.Context, p Platform, externalID string) (Member, error) {
	ev := eventOf(ctx)
	if m, err, ok := ev.identified(p, externalID); ok {
		return m, err
	}
	acc, ok := ev.accountOf(p, externalID) // read by the platform with its own bookkeeping
	var err error
	if !ok {
		acc, err = s.sessions.CachedAccount(ctx, p, externalID)
	}
	// A cached member who is inactive may be an old copy (re-imported
	// since): only PostgreSQL refuses them.
	if err != nil || !acc.MemberOK || !acc.Member.Active {
		return s.lookup(ctx, ev, p, externalID)
	}
	ev.read(acc.Member.ID, acc.Session, acc.SessionOK)
	ev.identify(p, externalID, acc.Member, nil, false)
	return acc.Member, nil
}

// lookup finds the member behind an account in PostgreSQL, caches it, and
// keeps it in the event as fresh.
func (s *Service) lookup(ctx context.Context, ev *event, p Platform, externalID string) (Member, error) {
	m, err := s.store.MemberByIdentity(ctx, p, externalID)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			ev.identify(p, externalID, Member{}, err, true)
		}
		// An internal failure is not kept: a second call tries again.
		return Member{}, err
	}
	_ = s.sessions.CacheMember(ctx, p, externalID, m, memberCacheTTL)
	if !m.Active {
		err = notOnRoster()
	}
	ev.identify(p, externalID, m, err, true)
	return m, err
}

// The texts for a member off the roster and for an account bound to someone
// else, said alike whether the person verifies by phone or by code.
const (
	textNotOnRoster  = "Anh/chị hiện không có tên trong danh sách dự thi. Nếu có nhầm lẫn, vui lòng liên hệ đầu mối CCHC của cơ quan, đơn vị."
	textAccountTaken = "Tài khoản này đã được xác thực cho một cán bộ khác. Vui lòng liên hệ Ban Tổ chức để được hỗ trợ."
)

func notOnRoster() error { return Errorf(EFORBIDDEN, textNotOnRoster) }

// Confirm makes sure that m, as Identify found it in this event, is not an
// old copy from the Redis cache (restored from a snapshot taken before an
// unlink, a deactivation or a roster change): its generation is compared
// with the roster entry's. A member read from PostgreSQL in this event costs
// nothing. When the copy is out of date, the account is looked up again and
// the member PostgreSQL finds is returned (with its new Gen), or the error
// Identify would give: ENOTFOUND for an unlinked account, EFORBIDDEN for a
// member no longer on the roster. The chat calls it too, on the paths that
// change something or show what only the member may see (/lydo).
func (s *Service) Confirm(ctx context.Context, m Member) (Member, error) {
	ev := eventOf(ctx)
	p, externalID, fresh, known := ev.accountFor(m.ID)
	if fresh {
		return m, nil
	}
	cur, err := s.store.MemberByID(ctx, m.ID)
	if err != nil && ErrorCode(err) != ENOTFOUND {
		return Member{}, fmt.Errorf("confirm member: %w", err)
	}
	if err == nil && cur.Gen == m.Gen {
		if known {
			ev.identify(p, externalID, m, nil, true)
		}
		return m, nil
	}
	if !known {
		// A caller outside an event: no account to ask about, the
		// roster entry decides.
		if err != nil {
			return Member{}, err
		}
		if !cur.Active {
			return cur, notOnRoster()
		}
		return cur, nil
	}
	_ = s.sessions.ForgetMember(ctx, p, externalID)
	fm, err := s.lookup(ctx, ev, p, externalID)
	switch {
	case ErrorCode(err) == ENOTFOUND:
		return Member{}, &Error{Code: ENOTFOUND, Err: err,
			Message: "Tài khoản này chưa được xác thực hoặc đã được gỡ liên kết. Anh/chị bấm /start để xác thực."}
	case err != nil:
		return fm, err
	case fm.ID != m.ID:
		// The account stands for someone else now.
		return Member{}, staleButton()
	}
	return fm, nil
}

// putSession and deleteSession change the stored session, and what the
// event knows of it. A save of a shown question still pending in the event
// would undo the change, so it is dropped.
func (s *Service) putSession(ctx context.Context, sess Session, ttl time.Duration) error {
	eventOf(ctx).wrote(sess.MemberID, sess, true)
	return s.sessions.PutSession(ctx, sess, ttl)
}

func (s *Service) deleteSession(ctx context.Context, memberID int64) error {
	eventOf(ctx).wrote(memberID, Session{}, false)
	return s.sessions.DeleteSession(ctx, memberID)
}

// Welcome is a verified member opening the bot again (/start): an account
// marked unreachable, because the person had blocked the bot, is reachable
// again, since Telegram only delivers their message once they unblocked it.
func (s *Service) Welcome(ctx context.Context, p Platform, externalID string) (Member, error) {
	m, err := s.Identify(ctx, p, externalID)
	if err != nil {
		return m, err
	}
	// Greeted by name: not on the word of an old cached copy.
	if m, err = s.Confirm(ctx, m); ErrorCode(err) == ECONFLICT {
		return s.Identify(ctx, p, externalID) // the account is someone else's now
	} else if err != nil {
		return m, err
	}
	if err := s.store.MarkReachable(ctx, p, externalID); err != nil {
		return m, fmt.Errorf("welcome: %w", err)
	}
	return m, nil
}

// Unfollow is a person who stopped following the bot's account (Zalo):
// their account is unreachable, so that no notice is queued for it, until
// they follow again (Welcome).
func (s *Service) Unfollow(ctx context.Context, p Platform, externalID string) error {
	if err := s.store.MarkAccountUnreachable(ctx, p, externalID); err != nil {
		return fmt.Errorf("unfollow: %w", err)
	}
	return nil
}

// Verify links a platform account to the roster member with that phone,
// once. The caller has checked that the phone is the account's own.
func (s *Service) Verify(ctx context.Context, p Platform, externalID, chatID, rawPhone string) (Member, error) {
	phone, err := NormalizePhone(rawPhone)
	if err != nil {
		return Member{}, Errorf(EINVALID, "Số điện thoại chia sẻ không hợp lệ. Anh/chị vui lòng bấm nút \"Chia sẻ số điện thoại\" để xác thực.")
	}
	m, err := s.store.MemberByPhone(ctx, phone)
	if ErrorCode(err) == ENOTFOUND || (err == nil && !m.Active) {
		return Member{}, &Error{Code: ENOTFOUND, Err: err, Message: fmt.Sprintf(
			"Số điện thoại %s chưa có trong danh sách dự thi. Anh/chị vui lòng liên hệ đầu mối CCHC của cơ quan, đơn vị mình để được bổ sung vào danh sách, sau đó bấm /start để xác thực lại.", phone)}
	}
	if err != nil {
		return Member{}, fmt.Errorf("verify: %w", err)
	}
	if cur, err := s.store.MemberByIdentity(ctx, p, externalID); err == nil {
		if cur.ID == m.ID {
			eventOf(ctx).identify(p, externalID, m, nil, true)
			return m, nil // verified already: sharing the contact again is harmless
		}
		return Member{}, Errorf(ECONFLICT, textAccountTaken)
	} else if ErrorCode(err) != ENOTFOUND {
		return Member{}, fmt.Errorf("verify: %w", err)
	}
	err = s.store.LinkIdentity(ctx, Identity{MemberID: m.ID, Platform: p, ExternalID: externalID, ChatID: chatID})
	if ErrorCode(err) == ECONFLICT {
		return Member{}, &Error{Code: ECONFLICT, Err: err, Message: "Số điện thoại này đã được xác thực trên một tài khoản khác. Nếu anh/chị đã đổi điện thoại hoặc tài khoản, vui lòng đề nghị Ban Tổ chức gỡ liên kết cũ (lệnh quizbot member unlink) rồi xác thực lại."}
	}
	if err != nil {
		return Member{}, fmt.Errorf("verify: %w", err)
	}
	_ = s.sessions.CacheMember(ctx, p, externalID, m, memberCacheTTL)
	eventOf(ctx).identify(p, externalID, m, nil, true)
	return m, nil
}

// Status is what a member sees when asking for the week's quiz.
type Status struct {
	Contest Contest
	Round   *Round   // the open round, if any
	Next    *Round   // the next round, when none is open
	Over    bool     // every round has closed
	Used    int      // attempts used in the open round
	Left    int      // attempts left in the open round
	Open    *Attempt // the unfinished attempt, if any
	Best    *Attempt // the best submitted attempt in the open round
	Expired *Attempt // an attempt this call found past its deadline and submitted
	// Finished is an attempt whose every question was answered but whose
	// submission was interrupted (a crash between the last answer and the
	// submission); this call submitted it as of the last answer.
	Finished *Attempt
	Deadline time.Time
	last     *Attempt // the most recently submitted attempt
}

// Status reports the member's position in the current round.
func (s *Service) Status(ctx context.Context, m Member) (Status, error) {
	st, err := s.roundStatus(ctx)
	if err != nil || st.Round == nil {
		return st, err
	}
	return st, s.memberStatus(ctx, &st, m)
}

// roundStatus is the part of Status that is the same for every member: the
// contest and its open round (or the next one, or that it is over).
func (s *Service) roundStatus(ctx context.Context) (Status, error) {
	now := s.clock.Now()
	c, err := s.store.CurrentContest(ctx, now)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return Status{}, &Error{Code: ENOTFOUND, Err: err, Message: "Hiện chưa có cuộc thi nào được tổ chức. Anh/chị vui lòng quay lại sau."}
		}
		return Status{}, fmt.Errorf("status: %w", err)
	}
	st := Status{Contest: c}
	r, ok := c.RoundAt(now)
	if !ok {
		if next, ok := c.NextRound(now); ok {
			st.Next = &next
		} else {
			st.Over = true
		}
		return st, nil
	}
	st.Round = &r
	st.Deadline = r.ClosesAt
	return st, nil
}

// memberStatus fills in the member's attempts in the open round of st,
// submitting those past their deadline or fully answered.
func (s *Service) memberStatus(ctx context.Context, st *Status, m Member) error {
	now := s.clock.Now()
	c, r := st.Contest, *st.Round
	atts, err := s.store.MemberAttempts(ctx, r.ID, m.ID)
	if err != nil {
		return fmt.Errorf("status: %w", err)
	}
	for i := range atts {
		a := atts[i]
		if !a.Submitted() && !now.Before(a.Deadline) {
			done, _, err := s.submitAttempt(ctx, a.ID, a.Deadline)
			if err != nil {
				return fmt.Errorf("status: %w", err)
			}
			_ = s.deleteSession(ctx, m.ID)
			a = done
			st.Expired = &done
		} else if !a.Submitted() {
			done, closed, err := s.finishAnswered(ctx, a.ID)
			if err != nil {
				return fmt.Errorf("status: %w", err)
			}
			if closed {
				// The session may still ask the last question: drop it.
				_ = s.deleteSession(ctx, m.ID)
				a = done
				st.Finished = &done
			}
		}
		if !a.Submitted() {
			st.Open = &a
			continue
		}
		st.last = &a
		if st.Best == nil || a.Standing().Beats(st.Best.Standing()) {
			st.Best = &a
		}
	}
	st.Used = len(atts)
	st.Left = max(c.AttemptsPerRound-st.Used, 0)
	return nil
}

// finishAnswered submits an unfinished attempt whose every question has an
// answer, as of its last answer; closed reports whether this call did.
func (s *Service) finishAnswered(ctx context.Context, attemptID int64) (Attempt, bool, error) {
	a, err := s.store.AttemptByID(ctx, attemptID)
	if err != nil {
		return a, false, err
	}
	at, ok := lastAnswer(a)
	if a.Submitted() || !ok {
		return a, false, nil
	}
	return s.submitAttempt(ctx, attemptID, at)
}

// lastAnswer is when the last question of an attempt was answered; ok is
// false while a question has no answer.
func lastAnswer(a Attempt) (last time.Time, ok bool) {
	for _, it := range a.Items {
		if it.Chosen == nil || it.AnsweredAt == nil {
			return time.Time{}, false
		}
		if it.AnsweredAt.After(last) {
			last = *it.AnsweredAt
		}
	}
	return last, len(a.Items) > 0
}

// View is one question of an attempt as shown to the member.
type View struct {
	AttemptID int64
	Pos       int // 0-based
	Total     int
	Text      string
	Options   []string // in the order shown, letter A first
	Deadline  time.Time
	Left      time.Duration
	MessageID string // the message that showed it last, if any

	sess *Session // the session to save once this question is shown
}

// Start begins a new attempt in the open round, or returns the current
// question of the member's unfinished one.
func (s *Service) Start(ctx context.Context, m Member, roundID int64, p Platform) (View, error) {
	m, err := s.Confirm(ctx, m)
	if err != nil {
		return View{}, err
	}
	st, err := s.roundStatus(ctx)
	if err != nil {
		return View{}, err
	}
	if st.Round == nil || (roundID != 0 && st.Round.ID != roundID) {
		return View{}, Errorf(EINVALID, "Đợt thi này đã kết thúc. Bấm /thi để xem đợt thi hiện tại.")
	}
	// Most starts are a member's first in the round: try to create the
	// attempt straight away, since CreateAttempt itself refuses a second
	// unfinished attempt or one past the limit. Only then are the member's
	// attempts read (and any past its deadline submitted) to tell why.
	v, err := s.create(ctx, m, st, p)
	if ErrorCode(err) != ECONFLICT {
		return v, err
	}
	if err := s.memberStatus(ctx, &st, m); err != nil {
		return View{}, err
	}
	if st.Open != nil {
		// The session may be an old copy (a Redis snapshot): compare it
		// with the attempts just read.
		cur, ok := s.stored(ctx, m)
		sess, ok, err := s.settle(ctx, m, &st, cur, ok)
		if err != nil {
			return View{}, err
		}
		return s.currentOf(ctx, sess, ok)
	}
	if st.Left <= 0 {
		return View{}, Errorf(ECONFLICT, "Anh/chị đã dùng hết số lượt thi của đợt này.")
	}
	// The member's unfinished attempt was past its deadline, or fully
	// answered: memberStatus submitted it, and a new one can start.
	v, err = s.create(ctx, m, st, p)
	if ErrorCode(err) == ECONFLICT {
		// A second tap raced this one: show what it started.
		return s.Current(ctx, m)
	}
	return v, err
}

// create draws the questions of a new attempt of m in the open round of st
// and stores it. ECONFLICT when m has an unfinished attempt or none left.
func (s *Service) create(ctx context.Context, m Member, st Status, p Platform) (View, error) {
	now := s.clock.Now()
	c, r := st.Contest, *st.Round
	pool, err := s.store.QuestionPool(ctx, r.Topics)
	if err != nil {
		return View{}, fmt.Errorf("start attempt: %w", err)
	}
	n := c.QuestionsPerAttempt
	if len(pool) < n {
		return View{}, &Error{Code: EINTERNAL, Err: fmt.Errorf("round %d pool has %d questions, needs %d", r.Number, len(pool), n),
			Message: "Ngân hàng câu hỏi của đợt thi chưa sẵn sàng. Anh/chị vui lòng thử lại sau; Ban Tổ chức đã được báo."}
	}
	s.shuffle(len(pool), func(i, j int) { pool[i], pool[j] = pool[j], pool[i] })
	deadline := now.Add(c.TimeLimit)
	if r.ClosesAt.Before(deadline) {
		deadline = r.ClosesAt
	}
	a := Attempt{RoundID: r.ID, MemberID: m.ID, StartedAt: now, Deadline: deadline, Total: n, Platform: p}
	for i, q := range pool[:n] {
		order := make([]int, q.Options)
		for k := range order {
			order[k] = k
		}
		s.shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		a.Items = append(a.Items, Item{Position: i, QuestionID: q.ID, Order: order})
	}
	if err := s.store.CreateAttempt(ctx, &a, c.AttemptsPerRound); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return View{}, err
		}
		return View{}, fmt.Errorf("start attempt: %w", err)
	}
	if s.observer != nil {
		s.observer.AttemptStarted(p)
	}
	// The session is saved once its first question is shown (SetMessage).
	return s.view(ctx, sessionOf(a, c))
}

func sessionOf(a Attempt, c Contest) Session {
	return sessionWith(a, c.Reveal == RevealImmediately, c.Prediction, c.PredictionDeadline(a))
}

// sessionWith is the session of attempt a, with the contest's rules the
// answers need.
func sessionWith(a Attempt, reveal bool, predict string, predictBy time.Time) Session {
	sess := Session{MemberID: a.MemberID, AttemptID: a.ID, Version: a.Version, RoundID: a.RoundID, Deadline: a.Deadline, Pos: len(a.Items),
		Reveal: reveal, Predict: predict, PredictBy: predictBy}
	for _, it := range a.Items {
		sess.Items = append(sess.Items, SessionItem{QuestionID: it.QuestionID, Order: it.Order})
		if it.Chosen == nil && it.Position < sess.Pos {
			sess.Pos = it.Position
		}
	}
	return sess
}

// predictBy is when the session's prediction stops being accepted.
func (sess Session) predictBy() time.Time {
	if sess.PredictBy.IsZero() {
		return sess.Deadline
	}
	return sess.PredictBy
}

// predictionOpen reports whether the session's prediction is still
// accepted at now.
func (sess Session) predictionOpen(now time.Time) bool {
	return sess.Predict != "" && now.Before(sess.predictBy())
}

func (s *Service) sessionTTL(sess Session) time.Duration {
	ttl := sess.Deadline.Sub(s.clock.Now()) + sessionGrace
	if ttl < time.Minute {
		ttl = time.Minute
	}
	return ttl
}

// session returns the member's session, rebuilding it from the Store when
// Redis lost it. ok is false when the member has no attempt in progress and
// no prediction to give. The session read from Redis is trusted as it is:
// the paths where an old copy could mislead compare it with the Store
// (checkSession), or carry the comparison in their writes.
func (s *Service) session(ctx context.Context, m Member) (Session, bool, error) {
	if sess, ok := s.stored(ctx, m); ok {
		return sess, true, nil
	}
	return s.rebuild(ctx, m)
}

// stored returns the member's session as the event knows it or as Redis
// holds it; ok is false when there is none, or Redis could not say.
func (s *Service) stored(ctx context.Context, m Member) (Session, bool) {
	ev := eventOf(ctx)
	sess, ok, known := ev.session(m.ID)
	if !known {
		var err error
		if sess, ok, err = s.sessions.Session(ctx, m.ID); err != nil {
			return Session{}, false // rebuilt from the Store
		}
		ev.read(m.ID, sess, ok)
	}
	return sess, ok
}

// checkSession returns the member's session compared with the Store, which
// wins: a copy that Redis brought back from an older snapshot (an earlier
// question, before the submission, an earlier attempt) is rebuilt. It costs
// one read of the member's attempts, once per event; it is for the paths
// where session and event disagree or that act on the session's word alone
// (typed text while no prediction is awaited, /thi, a tap on another
// attempt), not for every answer.
func (s *Service) checkSession(ctx context.Context, m Member) (Session, bool, error) {
	sess, ok, err := s.session(ctx, m)
	ev := eventOf(ctx)
	if err != nil || ev.checked(m.ID) {
		return sess, ok, err
	}
	st, err := s.roundStatus(ctx)
	if ErrorCode(err) == ENOTFOUND || (err == nil && st.Round == nil) {
		return sess, ok, nil // no open round: nothing to compare with
	}
	if err != nil {
		return Session{}, false, err
	}
	atts, err := s.store.MemberAttempts(ctx, st.Round.ID, m.ID)
	if err != nil {
		return Session{}, false, fmt.Errorf("check session: %w", err)
	}
	for i := range atts {
		if a := atts[i]; !a.Submitted() {
			st.Open = &a
		} else {
			st.last = &a
		}
	}
	if s.matches(sess, ok, &st) {
		ev.check(m.ID, sess, ok)
		return sess, ok, nil
	}
	return s.rebuild(ctx, m)
}

// matches reports whether a session (ok: there is one) is the one the
// member's attempts in st imply: the open attempt at its version, or the
// last one, at its version, waiting for its prediction, or none.
func (s *Service) matches(sess Session, ok bool, st *Status) bool {
	switch {
	case st.Open != nil:
		return ok && !sess.AwaitPrediction && sess.AttemptID == st.Open.ID && sess.Version == st.Open.Version
	case s.owesPrediction(st):
		return ok && sess.AwaitPrediction && sess.AttemptID == st.last.ID && sess.Version == st.last.Version
	}
	return !ok
}

// predictionPending reports whether the member of st has none open and has
// not given the prediction of their last submitted attempt, which the
// contest asks for; whether they still may is the deadline's say.
func predictionPending(st *Status) bool {
	return st.Open == nil && st.last != nil && st.last.Prediction == nil && st.Contest.Prediction != ""
}

// owesPrediction reports whether the member of st has yet to give the
// prediction of their last submitted attempt, and may still.
func (s *Service) owesPrediction(st *Status) bool {
	return predictionPending(st) && s.clock.Now().Before(st.Contest.PredictionDeadline(*st.last))
}

// settle returns cur (ok: there is one) if it matches the member's attempts
// in st, as memberStatus read them, and otherwise the session rebuilt from
// them.
func (s *Service) settle(ctx context.Context, m Member, st *Status, cur Session, ok bool) (Session, bool, error) {
	ev := eventOf(ctx)
	if ev.checked(m.ID) || s.matches(cur, ok, st) {
		ev.check(m.ID, cur, ok)
		return cur, ok, nil
	}
	return s.build(ctx, m, st)
}

// rebuild makes the member's session again from the Store, which holds
// every answer: after Redis lost it, when it lags behind what the member
// was shown, or when it is an old copy.
func (s *Service) rebuild(ctx context.Context, m Member) (Session, bool, error) {
	st, err := s.Status(ctx, m)
	if err != nil || st.Round == nil {
		return Session{}, false, err
	}
	return s.build(ctx, m, &st)
}

// build makes and saves the session the member's attempts in st imply.
func (s *Service) build(ctx context.Context, m Member, st *Status) (Session, bool, error) {
	ev := eventOf(ctx)
	var sess Session
	switch {
	case st.Open != nil:
		a, err := s.store.AttemptByID(ctx, st.Open.ID)
		if err != nil {
			return Session{}, false, fmt.Errorf("rebuild session: %w", err)
		}
		sess = sessionOf(a, st.Contest)
	case s.owesPrediction(st):
		last := st.last
		sess = Session{MemberID: m.ID, AttemptID: last.ID, Version: last.Version, RoundID: last.RoundID, Deadline: last.Deadline,
			Pos: last.Total, AwaitPrediction: true, Reveal: st.Contest.Reveal == RevealImmediately, Predict: st.Contest.Prediction,
			PredictBy: st.Contest.PredictionDeadline(*last)}
	default:
		if _, had, _ := ev.session(m.ID); had {
			_ = s.deleteSession(ctx, m.ID) // an old copy
		}
		ev.check(m.ID, Session{}, false)
		return Session{}, false, nil
	}
	_ = s.putSession(ctx, sess, s.sessionTTL(sess))
	ev.check(m.ID, sess, true)
	return sess, true, nil
}

// Current returns the question the member is on, as the Store says.
func (s *Service) Current(ctx context.Context, m Member) (View, error) {
	sess, ok, err := s.checkSession(ctx, m)
	if err != nil {
		return View{}, err
	}
	return s.currentOf(ctx, sess, ok)
}

func (s *Service) currentOf(ctx context.Context, sess Session, ok bool) (View, error) {
	if !ok || sess.AwaitPrediction || sess.Pos >= len(sess.Items) {
		return View{}, Errorf(ENOTFOUND, "Anh/chị không có bài thi nào đang làm dở.")
	}
	return s.view(ctx, sess)
}

// SetMessage saves the session once question v is shown in chat message
// messageID (so that the message can be edited once answered). This one
// write is the session's only save per answer: a session left behind by a
// failure here or before it is caught up from the Store when the member
// taps the next question.
func (s *Service) SetMessage(ctx context.Context, m Member, v View, messageID string) error {
	if v.sess == nil || v.sess.MemberID != m.ID {
		return nil
	}
	sess := *v.sess
	sess.MessageID = messageID
	ev := eventOf(ctx)
	if ev.deferShow(sess, s.sessionTTL(sess)) {
		return nil
	}
	saved, err := s.sessions.SaveShown(ctx, sess, s.sessionTTL(sess))
	if err != nil || !saved {
		// The stored session moved past this one, or may have: read it.
		ev.forget(m.ID)
	} else {
		ev.wrote(m.ID, sess, true)
	}
	if err != nil {
		return fmt.Errorf("save session: %w", err)
	}
	return nil
}

func (s *Service) view(ctx context.Context, sess Session) (View, error) {
	it := sess.Items[sess.Pos]
	q, err := s.question(ctx, it.QuestionID, sess.Items)
	if err != nil {
		return View{}, err
	}
	v := View{AttemptID: sess.AttemptID, Pos: sess.Pos, Total: len(sess.Items), Text: q.Text,
		Deadline: sess.Deadline, Left: sess.Deadline.Sub(s.clock.Now()), MessageID: sess.MessageID, sess: &sess}
	for _, k := range it.Order {
		v.Options = append(v.Options, q.Options[k])
	}
	return v, nil
}

// question returns a question from the in-process cache, loading every
// question of the attempt at once on a miss.
func (s *Service) question(ctx context.Context, id int64, items []SessionItem) (Question, error) {
	now := s.clock.Now()
	s.mu.Lock()
	c, ok := s.questions[id]
	s.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.q, nil
	}
	ids := make([]int64, 0, len(items))
	for _, it := range items {
		ids = append(ids, it.QuestionID)
	}
	qs, err := s.store.QuestionsByIDs(ctx, ids)
	if err != nil {
		return Question{}, fmt.Errorf("load questions: %w", err)
	}
	for _, q := range qs {
		s.remember(q)
	}
	q, ok := qs[id]
	if !ok {
		return Question{}, fmt.Errorf("question %d: %w", id, Errorf(ENOTFOUND, "Không tìm thấy câu hỏi."))
	}
	return q, nil
}

// remember caches a question. Expired questions are dropped once per TTL,
// so that the cache holds only the questions drawn lately, not every
// question ever drawn by the process.
func (s *Service) remember(q Question) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !now.Before(s.nextPurge) {
		for id, c := range s.questions {
			if !now.Before(c.expires) {
				delete(s.questions, id)
			}
		}
		s.nextPurge = now.Add(questionCacheTTL)
	}
	s.questions[q.ID] = cachedQuestion{q: q, expires: now.Add(questionCacheTTL)}
}

// Answered is the outcome of an answer.
type Answered struct {
	Pos       int
	Letter    int
	Correct   bool // whether the answer was right (shown only with reveal: immediately)
	Reveal    bool
	Previous  View      // the question just answered, for editing its message
	Next      *View     // the next question, if any
	Submitted *Attempt  // the attempt, when this answer finished it
	TimedOut  bool      // the time limit had passed: the attempt was submitted without this answer
	Predict   string    // the prediction question to ask now, if any
	PredictBy time.Time // when the prediction stops being accepted
	Deadline  time.Time // of the attempt
	// Right and Explanation: the letter of the right option and the
	// question's explanation, for a wrong answer under reveal: immediately.
	Right       int
	Explanation string
	// Already: the question had its answer on record before this tap
	// (Letter is that answer); Next is the member's live question.
	Already bool
}

// corrected adds to a wrong answer revealed at once (reveal: immediately)
// the letter of q's right option as shown (order) and q's explanation.
func corrected(res Answered, q Question, order []int) Answered {
	if res.Reveal && !res.Correct {
		res.Right, res.Explanation = indexOf(order, q.Correct), q.Explanation
	}
	return res
}

// ErrStale marks a button that no longer applies.
func staleButton() error {
	return Errorf(ECONFLICT, "Nút này đã hết hiệu lực. Bấm /thi để tiếp tục.")
}

// Answer records the member's choice (letter index into the options as
// shown) for question pos of attempt attemptID.
func (s *Service) Answer(ctx context.Context, m Member, attemptID int64, pos, letter int) (Answered, error) {
	now := s.clock.Now()
	sess, ok, err := s.session(ctx, m)
	if err != nil {
		return Answered{}, err
	}
	if ok && sess.AttemptID != attemptID {
		// A tap on another attempt than the session's: the session may be
		// an old copy (Redis restored from a snapshot taken before this
		// attempt began). The Store says.
		if sess, ok, err = s.checkSession(ctx, m); err != nil {
			return Answered{}, err
		}
	}
	if ok && sess.AttemptID == attemptID && !sess.AwaitPrediction && pos > sess.Pos {
		// The member was shown a later question than the session knows
		// (its save failed): catch up from the Store.
		if sess, ok, err = s.rebuild(ctx, m); err != nil {
			return Answered{}, err
		}
	}
	if !ok || sess.AttemptID != attemptID || sess.AwaitPrediction {
		// Not the live question of the member's attempt: say why.
		return Answered{}, s.closedTap(ctx, m, attemptID, pos)
	}
	if pos < sess.Pos {
		return Answered{}, Errorf(ECONFLICT, "Câu trả lời cho câu này đã được ghi nhận.")
	}
	if pos != sess.Pos || pos >= len(sess.Items) {
		return Answered{}, staleButton()
	}
	it := sess.Items[pos]
	if letter < 0 || letter >= len(it.Order) {
		return Answered{}, staleButton()
	}
	prev, err := s.view(ctx, sess)
	if err != nil {
		return Answered{}, err
	}
	if !now.Before(sess.Deadline) {
		return s.expire(ctx, sess, prev)
	}
	q, err := s.question(ctx, it.QuestionID, sess.Items)
	if err != nil {
		return Answered{}, err
	}
	chosen := it.Order[letter]
	correct := chosen == q.Correct
	// The write checks that the member is still at the generation of the
	// copy the event found (not unlinked or deactivated since): no read of
	// the member per answer.
	recorded, err := s.store.RecordAnswer(ctx, attemptID, pos, chosen, correct, now, m.Gen)
	if err != nil {
		return Answered{}, fmt.Errorf("record answer: %w", err)
	}
	if !recorded {
		// The member may be an old copy from the Redis cache: compare with
		// PostgreSQL, and answer again as the member it finds (once:
		// confirm's member is fresh for the rest of the event).
		fm, err := s.Confirm(ctx, m)
		if err != nil {
			return Answered{}, err
		}
		if fm.Gen != m.Gen {
			return s.Answer(ctx, fm, attemptID, pos, letter)
		}
		// Lost a race with a double tap or with the deadline, or the
		// session is behind the Store: re-read.
		_ = s.deleteSession(ctx, m.ID)
		a, err := s.store.AttemptByID(ctx, attemptID)
		if err != nil {
			return Answered{}, fmt.Errorf("record answer: %w", err)
		}
		if !a.Submitted() && !now.Before(a.Deadline) {
			return s.expire(ctx, sess, prev)
		}
		if a.Submitted() && a.TimedOut() && pos < len(a.Items) && a.Items[pos].Chosen == nil {
			return Answered{}, errTimeUpTap()
		}
		if a.Submitted() {
			return Answered{}, Errorf(ECONFLICT, "Bài thi này đã được nộp.")
		}
		if at, ok := lastAnswer(a); ok && pos < len(a.Items) {
			// Every question has its answer but the attempt is open: the
			// delivery that recorded the last one failed before submitting.
			// Submit it now, once, as of that answer.
			done, err := s.submit(ctx, sess, at, "submit answered attempt")
			if err != nil {
				return Answered{}, err
			}
			it := a.Items[pos]
			return corrected(Answered{Pos: pos, Letter: indexOf(it.Order, *it.Chosen), Correct: it.IsCorrect != nil && *it.IsCorrect,
				Reveal: sess.Reveal, Previous: prev, Submitted: &done, Predict: s.predictNow(sess), PredictBy: sess.predictBy(),
				Deadline: sess.Deadline}, q, it.Order), nil
		}
		if pos < len(a.Items) && a.Items[pos].Chosen != nil {
			// This question has its answer, but the session was still on
			// it: the delivery that recorded it died before showing the
			// next question, or Redis brought back an older session. Show
			// the member's live question, with the answer on record.
			live := sessionWith(a, sess.Reveal, sess.Predict, sess.PredictBy)
			eventOf(ctx).check(m.ID, Session{}, false)
			next, err := s.view(ctx, live)
			if err != nil {
				return Answered{}, err
			}
			it := a.Items[pos]
			return corrected(Answered{Pos: pos, Letter: indexOf(it.Order, *it.Chosen), Correct: it.IsCorrect != nil && *it.IsCorrect,
				Reveal: sess.Reveal, Previous: prev, Next: &next, Deadline: sess.Deadline, Already: true}, q, it.Order), nil
		}
		return Answered{}, Errorf(ECONFLICT, "Câu trả lời cho câu này đã được ghi nhận.")
	}
	if s.observer != nil {
		s.observer.AnswerRecorded(correct)
	}
	res := corrected(Answered{Pos: pos, Letter: letter, Correct: correct, Reveal: sess.Reveal,
		Previous: prev, Deadline: sess.Deadline}, q, it.Order)
	sess.Pos++
	sess.Version++ // the stored answer bumped the attempt's
	sess.MessageID = ""
	if sess.Pos < len(sess.Items) {
		// The session is saved once the next question is shown (SetMessage).
		next, err := s.view(ctx, sess)
		if err != nil {
			return Answered{}, err
		}
		res.Next = &next
		return res, nil
	}
	a, err := s.submit(ctx, sess, now, "submit attempt")
	if err != nil {
		return Answered{}, err
	}
	res.Submitted = &a
	res.Predict, res.PredictBy = s.predictNow(sess), sess.predictBy()
	return res, nil
}

// predictNow is the prediction question to ask once the session's attempt
// is submitted: none when the contest has none or its time has passed.
func (s *Service) predictNow(sess Session) string {
	if !sess.predictionOpen(s.clock.Now()) {
		return ""
	}
	return sess.Predict
}

// errTimeUpTap answers a tap on a question the time limit left unanswered.
func errTimeUpTap() error {
	return Errorf(ECONFLICT, "⏰ Đã hết thời gian làm bài: câu trả lời này không được ghi nhận.")
}

// closedTap explains a tap on question pos of an attempt that is not the
// member's live question: the attempt closed or another one runs. It reads
// the attempt, which only such rare taps pay for: a question the time limit
// left unanswered is told apart from one answered, and from a button that is
// stale for any other reason.
func (s *Service) closedTap(ctx context.Context, m Member, attemptID int64, pos int) error {
	a, err := s.store.AttemptByID(ctx, attemptID)
	if ErrorCode(err) == ENOTFOUND || (err == nil && (a.MemberID != m.ID || pos < 0 || pos >= len(a.Items))) {
		return staleButton()
	}
	if err != nil {
		return fmt.Errorf("closed attempt's button: %w", err)
	}
	switch {
	case a.Items[pos].Chosen != nil:
		return Errorf(ECONFLICT, "Câu trả lời cho câu này đã được ghi nhận.")
	case a.Submitted() && a.TimedOut():
		return errTimeUpTap()
	}
	return staleButton()
}

// indexOf is the position of x in xs, or -1.
func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// expire submits an attempt whose time ran out, with the answers given.
func (s *Service) expire(ctx context.Context, sess Session, prev View) (Answered, error) {
	a, err := s.submit(ctx, sess, sess.Deadline, "submit expired attempt")
	if err != nil {
		return Answered{}, err
	}
	return Answered{Pos: prev.Pos, Previous: prev, Submitted: &a, TimedOut: true, Reveal: sess.Reveal,
		Predict: s.predictNow(sess), PredictBy: sess.predictBy(), Deadline: sess.Deadline}, nil
}

// submit closes the session's attempt as of at (what names the step in an
// error), then leaves the session waiting for the prediction or removes it.
// ECONFLICT when the attempt was closed already: a double tap, /thi or the
// sweeper closed it first and told the member.
func (s *Service) submit(ctx context.Context, sess Session, at time.Time, what string) (Attempt, error) {
	a, closed, err := s.submitAttempt(ctx, sess.AttemptID, at)
	if err != nil {
		return Attempt{}, fmt.Errorf("%s: %w", what, err)
	}
	if !closed {
		return Attempt{}, Errorf(ECONFLICT, "Bài thi này đã được nộp.")
	}
	sess.Version = a.Version
	if err := s.afterSubmit(ctx, sess); err != nil {
		return Attempt{}, err
	}
	return a, nil
}

// afterSubmit leaves the session waiting for the prediction, or removes it.
func (s *Service) afterSubmit(ctx context.Context, sess Session) error {
	now := s.clock.Now()
	if !sess.predictionOpen(now) {
		// No prediction, or its time is over: the attempt is final.
		return s.deleteSession(ctx, sess.MemberID)
	}
	sess.AwaitPrediction = true
	sess.Pos = len(sess.Items)
	sess.MessageID = ""
	// Kept only while the prediction is accepted (and a minute more, so
	// that a number typed at the very end finds it and is told it is late).
	ttl := sess.predictBy().Sub(now) + time.Minute
	return s.putSession(ctx, sess, ttl)
}

// contestOf returns the contest a round belongs to.
func (s *Service) contestOf(ctx context.Context, roundID int64) (Contest, error) {
	r, err := s.store.RoundByID(ctx, roundID)
	if err != nil {
		return Contest{}, fmt.Errorf("load round %d: %w", roundID, err)
	}
	c, err := s.store.ContestByID(ctx, r.ContestID)
	if err != nil {
		return Contest{}, fmt.Errorf("load contest of round %d: %w", roundID, err)
	}
	return c, nil
}

// AwaitingPrediction reports whether the member's next text is their
// prediction, and the question to ask. A session that does not wait for one
// may be an old copy (Redis restored from a snapshot taken before the last
// answer): the Store is asked before the text is taken for something else.
func (s *Service) AwaitingPrediction(ctx context.Context, m Member) (string, bool, error) {
	q, _, ok, err := s.PredictionDue(ctx, m)
	return q, ok, err
}

// PredictionDue reports whether the member's next text is their
// prediction: the question to ask, and until when it is accepted.
func (s *Service) PredictionDue(ctx context.Context, m Member) (q string, by time.Time, ok bool, err error) {
	sess, ok, err := s.session(ctx, m)
	if err == nil && !(ok && sess.AwaitPrediction) {
		// The session does not wait for a prediction: it may be an old
		// copy (Redis restored from a snapshot taken before the last
		// answer). The Store is asked before the text is taken for
		// something else.
		sess, ok, err = s.checkSession(ctx, m)
	}
	if err != nil || !ok || !sess.AwaitPrediction || !sess.predictionOpen(s.clock.Now()) {
		return "", time.Time{}, false, err
	}
	return sess.Predict, sess.predictBy(), true, nil
}

// ErrPredictionLate is Predict's error for a prediction given after its
// time: the attempt stays submitted without one.
var ErrPredictionLate = &Error{Code: ECONFLICT, Message: "Đã hết thời gian trả lời câu hỏi dự đoán."}

// MissedPrediction returns the member's latest submitted attempt in the open
// round when the contest asks for a prediction and the attempt's time for
// it has passed without one: a number typed then is answered with that
// attempt's result. It reads the member's attempts (it serves only texts
// that nothing else took).
func (s *Service) MissedPrediction(ctx context.Context, m Member) (a Attempt, reveal, missed bool, err error) {
	st, err := s.Status(ctx, m)
	if err != nil || st.Round == nil || !predictionPending(&st) ||
		s.clock.Now().Before(st.Contest.PredictionDeadline(*st.last)) {
		return Attempt{}, false, false, err
	}
	return *st.last, st.Contest.Reveal == RevealImmediately, true, nil
}

var predictionRe = regexp.MustCompile(`^(\d{1,3}([., ]\d{3})+|\d+)$`)

// ParsePrediction accepts a non-negative whole number, with Vietnamese or
// English thousands separators ("21.000", "21,000", "21 000").
func ParsePrediction(text string) (int64, error) {
	t := strings.TrimSpace(text)
	if !predictionRe.MatchString(t) {
		return 0, Errorf(EINVALID, "Vui lòng trả lời bằng một số nguyên không âm, ví dụ: 15000.")
	}
	t = strings.NewReplacer(".", "", ",", "", " ", "").Replace(t)
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n > MaxPrediction {
		return 0, Errorf(EINVALID, "Con số dự đoán quá lớn. Vui lòng nhập một số từ 0 đến %d.", MaxPrediction)
	}
	return n, nil
}

// Predict records the member's prediction and returns the finished attempt,
// and whether the contest shows right and wrong answers (the session's copy
// of the rule, so that the result needs no contest read).
func (s *Service) Predict(ctx context.Context, m Member, text string) (a Attempt, reveal bool, err error) {
	sess, ok, err := s.session(ctx, m)
	if err != nil {
		return Attempt{}, false, err
	}
	if !ok || !sess.AwaitPrediction {
		return Attempt{}, false, noPredictionAwaited()
	}
	if !sess.predictionOpen(s.clock.Now()) {
		// Too late: nothing is stored, and the attempt is final.
		_ = s.deleteSession(ctx, m.ID)
		a, err = s.store.AttemptByID(ctx, sess.AttemptID)
		if err != nil {
			return Attempt{}, false, fmt.Errorf("late prediction: %w", err)
		}
		return a, sess.Reveal, ErrPredictionLate
	}
	ev := eventOf(ctx)
	n, err := ParsePrediction(text)
	if err != nil {
		// Before asking again: the session may be an old copy, and the
		// member owe no prediction at all.
		if ns, nok, cerr := s.checkSession(ctx, m); cerr != nil {
			return Attempt{}, false, cerr
		} else if !nok || !ns.AwaitPrediction {
			return Attempt{}, false, noPredictionAwaited()
		}
		return Attempt{}, false, err
	}
	// The write checks what the session and the member say: the attempt is
	// the member's latest and has no prediction, the member is current.
	stored, err := s.store.SetPrediction(ctx, sess.AttemptID, n, m.Gen)
	if err != nil {
		return Attempt{}, false, fmt.Errorf("save prediction: %w", err)
	}
	if !stored {
		fm, err := s.Confirm(ctx, m)
		if err != nil {
			return Attempt{}, false, err
		}
		if fm.Gen != m.Gen {
			return s.Predict(ctx, fm, text) // once: fm is fresh now
		}
		if !ev.checked(m.ID) {
			ns, nok, err := s.checkSession(ctx, m)
			if err != nil {
				return Attempt{}, false, err
			}
			if nok && ns.AwaitPrediction && ns.AttemptID != sess.AttemptID {
				return s.Predict(ctx, m, text) // once: the session is checked now
			}
			if nok {
				return Attempt{}, false, noPredictionAwaited() // an attempt in progress
			}
		}
		// Given already (the same text delivered twice): the attempt as
		// stored, if it has it.
		a, err := s.store.AttemptByID(ctx, sess.AttemptID)
		if err != nil {
			return Attempt{}, false, fmt.Errorf("save prediction: %w", err)
		}
		if a.Prediction == nil {
			return Attempt{}, false, noPredictionAwaited()
		}
		return a, sess.Reveal, nil
	}
	_ = s.deleteSession(ctx, m.ID)
	a, err = s.store.AttemptByID(ctx, sess.AttemptID)
	if err != nil {
		return Attempt{}, false, fmt.Errorf("save prediction: %w", err)
	}
	return a, sess.Reveal, nil
}

func noPredictionAwaited() error { return ErrNoPrediction }

// ErrNoPrediction is Predict's error when no prediction is awaited after
// all (the session was an old copy): the text is an ordinary one.
var ErrNoPrediction = &Error{Code: ENOTFOUND, Message: "Không có câu hỏi dự đoán nào đang chờ trả lời."}

// Expired is an attempt the time limit closed, to be told to its member.
type Expired struct {
	Attempt   Attempt
	Predict   string    // the prediction question to ask, while it is accepted
	PredictBy time.Time // until when
	Reveal    bool      // the contest shows right and wrong answers
	// Question is the question on screen when the time ran out, with the
	// message showing it (MessageID), whose buttons are to go; nil when
	// the session did not know it.
	Question *View
}

// SweepExpired submits every attempt whose time ran out, with the answers
// given. Each attempt is returned by exactly one sweeper, even with several
// replicas, so its member is told once.
func (s *Service) SweepExpired(ctx context.Context) ([]Expired, error) {
	now := s.clock.Now()
	due, err := s.store.ExpiredAttempts(ctx, now, 500)
	if err != nil {
		return nil, fmt.Errorf("sweep expired attempts: %w", err)
	}
	var out []Expired
	var errs []error
	for _, a := range due {
		done, closed, err := s.submitAttempt(ctx, a.ID, a.Deadline)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !closed {
			continue
		}
		c, err := s.contestOf(ctx, a.RoundID)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		e := Expired{Attempt: done, Reveal: c.Reveal == RevealImmediately}
		if live, ok, err := s.sessions.Session(ctx, a.MemberID); err == nil && ok && live.AttemptID == a.ID &&
			!live.AwaitPrediction && live.MessageID != "" && live.Pos < len(live.Items) {
			if v, err := s.view(ctx, live); err == nil {
				e.Question = &v
			}
		}
		sess := Session{MemberID: a.MemberID, AttemptID: a.ID, Version: done.Version, RoundID: a.RoundID, Deadline: a.Deadline,
			Reveal: e.Reveal, Predict: c.Prediction, PredictBy: c.PredictionDeadline(done)}
		if err := s.afterSubmit(ctx, sess); err != nil {
			errs = append(errs, err)
		}
		if done.Prediction == nil {
			e.Predict, e.PredictBy = s.predictNow(sess), sess.predictBy()
		}
		out = append(out, e)
	}
	return out, errors.Join(errs...)
}

// LiveStats returns the open round's figures for organizers only.
func (s *Service) LiveStats(ctx context.Context, m Member) (Round, LiveStats, error) {
	m, err := s.Confirm(ctx, m) // an old cached copy may still say organizer
	if err != nil {
		return Round{}, LiveStats{}, err
	}
	if m.Role != RoleOrganizer {
		return Round{}, LiveStats{}, Errorf(EFORBIDDEN, "Xin lỗi, chức năng thống kê chỉ dành cho Ban Tổ chức cuộc thi.")
	}
	now := s.clock.Now()
	c, err := s.store.CurrentContest(ctx, now)
	if err != nil {
		if ErrorCode(err) == ENOTFOUND {
			return Round{}, LiveStats{}, Errorf(ENOTFOUND, "Hiện chưa có cuộc thi nào.")
		}
		return Round{}, LiveStats{}, err
	}
	r, ok := c.RoundAt(now)
	if !ok {
		return Round{}, LiveStats{}, Errorf(ENOTFOUND, "Hiện không có đợt thi nào đang mở.")
	}
	ls, err := s.store.LiveStats(ctx, r.ID, now)
	if err != nil {
		return r, ls, fmt.Errorf("live stats: %w", err)
	}
	for i := range ls.Units {
		u := &ls.Units[i]
		if u.Staff > 0 {
			u.Pct = 100 * float64(u.Participants) / float64(u.Staff)
		}
	}
	sort.SliceStable(ls.Units, func(i, j int) bool {
		if ls.Units[i].Pct != ls.Units[j].Pct {
			return ls.Units[i].Pct < ls.Units[j].Pct
		}
		return ls.Units[i].Code < ls.Units[j].Code
	})
	return r, ls, nil
}
