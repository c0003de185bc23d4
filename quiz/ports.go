package quiz

import (
	"context"
	"time"
)

// Store is the durable state the quiz needs. storage.DB implements it on
// Postgres.
type Store interface {
	MemberByPhone(ctx context.Context, phone string) (Member, error)
	MemberByID(ctx context.Context, id int64) (Member, error)
	// MemberByIdentity finds the member behind a platform account;
	// ENOTFOUND when the account is not linked.
	MemberByIdentity(ctx context.Context, p Platform, externalID string) (Member, error)
	// LinkIdentity links an account to a member. ECONFLICT when the
	// member already has another account on that platform, or the account
	// belongs to another member.
	LinkIdentity(ctx context.Context, id Identity) error
	IdentityOf(ctx context.Context, memberID int64, p Platform) (Identity, error)
	// MarkReachable clears an account's unreachable mark (set when the
	// person blocked the bot) once they write to the bot again.
	MarkReachable(ctx context.Context, p Platform, externalID string) error
	// MarkAccountUnreachable marks an account unreachable: the person
	// stopped following the bot's account (a Zalo OA's unfollow).
	MarkAccountUnreachable(ctx context.Context, p Platform, externalID string) error

	CurrentContest(ctx context.Context, t time.Time) (Contest, error)
	RoundByID(ctx context.Context, id int64) (Round, error)
	ContestByID(ctx context.Context, id int64) (Contest, error)
	// QuestionPool lists the active questions of the topics (all topics
	// when none are given), by id, with their number of options: what an
	// attempt draws from. The texts are loaded for the drawn ones only.
	QuestionPool(ctx context.Context, topics []string) ([]PoolQuestion, error)
	QuestionsByIDs(ctx context.Context, ids []int64) (map[int64]Question, error)

	// CreateAttempt stores a new attempt with its items, numbering it
	// after the member's earlier attempts in the round. ECONFLICT when an
	// unfinished attempt exists or maxAttempts are used.
	CreateAttempt(ctx context.Context, a *Attempt, maxAttempts int) error
	// AttemptByID returns an attempt with its items.
	AttemptByID(ctx context.Context, id int64) (Attempt, error)
	// MemberAttempts returns the member's attempts in a round, oldest
	// first, without items.
	MemberAttempts(ctx context.Context, roundID, memberID int64) ([]Attempt, error)
	// RecordAnswer stores the answer at position pos if that position has
	// none yet, the attempt is open and before its deadline at `at`, and
	// the attempt's member is still at generation memberGen; storing it
	// bumps the attempt's version. It reports whether this call recorded it.
	RecordAnswer(ctx context.Context, attemptID int64, pos, chosen int, correct bool, at time.Time, memberGen int64) (bool, error)
	// SubmitAttempt closes an attempt at `at`, counting its correct
	// answers and bumping its version; it reports whether this call closed
	// it.
	SubmitAttempt(ctx context.Context, attemptID int64, at time.Time) (Attempt, bool, error)
	// SetPrediction stores the prediction of a submitted attempt that has
	// none and is its member's latest in the round, if the member is still
	// at generation memberGen, bumping the attempt's version; it reports
	// whether it did.
	SetPrediction(ctx context.Context, attemptID int64, n int64, memberGen int64) (bool, error)
	// ExpiredAttempts lists unfinished attempts whose deadline is before now.
	ExpiredAttempts(ctx context.Context, now time.Time, limit int) ([]Attempt, error)
	LiveStats(ctx context.Context, roundID int64, now time.Time) (LiveStats, error)
}

// Session is the hot state of a member's attempt in progress, kept in Redis
// with a TTL. Everything in it can be rebuilt from the Store, so losing it
// loses nothing the member already answered. Redis may also bring back an
// older copy (a restart from an old snapshot): the session says what it was
// derived from (the attempt, its position, whether it waits for the
// prediction, and the attempt's Version), so that it can be compared with
// the Store, which wins.
type Session struct {
	MemberID        int64         `json:"m"`
	AttemptID       int64         `json:"a"`
	Version         int64         `json:"v,omitempty"` // the attempt's version the session is at
	RoundID         int64         `json:"r"`
	Pos             int           `json:"p"` // the question being asked (0-based); = len(Items) when done
	Deadline        time.Time     `json:"d"`
	Items           []SessionItem `json:"i"`
	AwaitPrediction bool          `json:"ap,omitempty"`
	// The contest's rules the answers need, copied at the start so that an
	// answer reads no contest from Postgres.
	Reveal  bool   `json:"rv,omitempty"`
	Predict string `json:"pq,omitempty"`
	// PredictBy is when the prediction stops being accepted (the attempt's
	// deadline plus the contest's prediction_grace), so that checking it
	// reads nothing; zero in a session saved before it existed: the
	// deadline.
	PredictBy time.Time `json:"pb,omitempty"`
	// MessageID is the chat message showing the current question.
	MessageID string `json:"mid,omitempty"`
}

// SessionItem is what answering a question needs, without a database read.
type SessionItem struct {
	QuestionID int64 `json:"q"`
	Order      []int `json:"o"`
}

// SessionStore keeps sessions and a short-lived cache of who is behind a
// platform account.
type SessionStore interface {
	Session(ctx context.Context, memberID int64) (Session, bool, error)
	PutSession(ctx context.Context, s Session, ttl time.Duration) error
	// SaveShown saves the session of a question just shown, unless the
	// stored session has moved past it (a later question, a newer
	// attempt, or the attempt closed and waiting for the prediction); it
	// reports whether it saved.
	SaveShown(ctx context.Context, s Session, ttl time.Duration) (bool, error)
	DeleteSession(ctx context.Context, memberID int64) error
	// CachedAccount returns the cached member behind an account and, in
	// the same round trip, the member's session.
	CachedAccount(ctx context.Context, p Platform, externalID string) (Account, error)
	CacheMember(ctx context.Context, p Platform, externalID string, m Member, ttl time.Duration) error
	ForgetMember(ctx context.Context, p Platform, externalID string) error
}

// Account is what the session store holds for a platform account.
type Account struct {
	Member    Member
	MemberOK  bool // the member is cached
	Session   Session
	SessionOK bool // the member has a session
}

// PoolQuestion is a question an attempt may draw.
type PoolQuestion struct {
	ID      int64 `db:"id"`
	Options int   `db:"options"`
}

// LiveStats are an open round's figures so far, for organizers.
type LiveStats struct {
	Staff        int
	Participants int
	InProgress   int
	Units        []UnitLive
}

// UnitLive is one unit's participation so far.
type UnitLive struct {
	Code         string  `db:"code"`
	Name         string  `db:"name"`
	Staff        int     `db:"staff"`
	Participants int     `db:"participants"`
	Pct          float64 `db:"-"`
}
