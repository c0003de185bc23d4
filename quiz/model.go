package quiz

import (
	"cmp"
	"time"
)

// Role of a member in the contest.
type Role string

const (
	RoleMember    Role = "member"
	RoleHead      Role = "head"
	RoleOrganizer Role = "organizer"
)

// ParseRole accepts the roles of the roster file; empty means member.
func ParseRole(s string) (Role, bool) {
	switch Role(s) {
	case "", RoleMember:
		return RoleMember, true
	case RoleHead, RoleOrganizer:
		return Role(s), true
	}
	return "", false
}

// Platform names a messaging platform a member reaches the bot through.
type Platform string

const (
	PlatformTelegram Platform = "telegram"
	PlatformZalo     Platform = "zalo"
	PlatformWeb      Platform = "web"
)

// Unit is an agency in the province's tree: province → departments and
// districts → communes.
type Unit struct {
	ID         int64  `db:"id"`
	Code       string `db:"code"`
	Name       string `db:"name"`
	ParentID   *int64 `db:"parent_id"`
	ParentCode string `db:"parent_code"`
}

// Member is a civil servant on a unit's roster.
type Member struct {
	ID       int64  `db:"id"`
	FullName string `db:"full_name"`
	Phone    string `db:"phone"` // normalized, see NormalizePhone
	UnitID   int64  `db:"unit_id"`
	UnitCode string `db:"unit_code"`
	UnitName string `db:"unit_name"`
	Position string `db:"position"`
	Role     Role   `db:"role"`
	Active   bool   `db:"active"`
	// Gen is the roster entry's generation (members.gen), bumped by
	// PostgreSQL whenever the entry changes or an account is unlinked: a
	// cached copy whose Gen is behind the row's is not obeyed.
	Gen int64 `db:"gen"`
}

// Identity links a member to one account on one platform.
type Identity struct {
	ID            int64      `db:"id"`
	MemberID      int64      `db:"member_id"`
	Platform      Platform   `db:"platform"`
	ExternalID    string     `db:"external_id"` // the platform's user id
	ChatID        string     `db:"chat_id"`     // where to send to
	UnreachableAt *time.Time `db:"unreachable_at"`
	CreatedAt     time.Time  `db:"created_at"`
}

// Question is one multiple-choice question of the bank: 2–6 options, exactly
// one correct.
type Question struct {
	ID          int64    `db:"id"`
	Code        string   `db:"code"`
	Text        string   `db:"text"`
	Options     []string `db:"-"`
	Correct     int      `db:"correct"` // index into Options
	Explanation string   `db:"explanation"`
	Topic       string   `db:"topic"`
	Active      bool     `db:"active"`
}

// Reveal says when a member learns which answers were right.
type Reveal string

const (
	RevealAfterClose  Reveal = "after_close"
	RevealImmediately Reveal = "immediately"
)

// PredictionTarget is what the tie-break question asks members to predict.
type PredictionTarget string

const (
	PredictParticipants PredictionTarget = "participants"
	PredictPerfect      PredictionTarget = "perfect"
)

// Contest is a yearly contest with weekly rounds.
type Contest struct {
	ID                  int64            `db:"id"`
	Code                string           `db:"code"`
	Name                string           `db:"name"`
	Timezone            string           `db:"timezone"`
	QuestionsPerAttempt int              `db:"questions_per_attempt"`
	TimeLimit           time.Duration    `db:"-"`
	AttemptsPerRound    int              `db:"attempts_per_round"`
	Prediction          string           `db:"prediction"`
	PredictionTarget    PredictionTarget `db:"prediction_target"`
	// PredictionGrace is how long after an attempt's deadline its
	// prediction is still accepted; 0: only within the time limit.
	PredictionGrace time.Duration `db:"-"`
	Reveal          Reveal        `db:"reveal"`
	Reminders       []string      `db:"-"` // cron expressions
	Summary         string        `db:"summary"`
	Rounds          []Round       `db:"-"`
	// Integrity tunes the integrity signals report (quiz/integrity.go).
	// Stored apart from the contest's rules (storage.ContestIntegrity):
	// the contest loaders leave it zero, ApplyDefaults sets DefaultIntegrity.
	Integrity Integrity `db:"-"`
	// Entries is the contest file's entries: section (entries.go); nil
	// when it has none. Stored by ApplyContest; the contest loaders leave
	// it nil (storage.DB.EntriesSetup reads it).
	Entries *EntriesConfig `db:"-"`
}

// Location returns the contest's time zone (Asia/Ho_Chi_Minh when unset or
// unknown; contests are validated when applied).
func (c *Contest) Location() *time.Location {
	name := c.Timezone
	if name == "" {
		name = DefaultTimezone
	}
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.FixedZone("ICT", 7*3600)
}

// TimeLayout is how a message to users writes a moment (in the contest's
// time zone): "07:30 ngày 07/12/2026".
const TimeLayout = "15:04 ngày 02/01/2006"

// SettledAt is when nothing of round r can change any more: its close, plus
// the time limit of an attempt started at the last moment, plus the grace
// for typing its prediction. Until then its results are provisional.
func (c *Contest) SettledAt(r Round) time.Time {
	return r.ClosesAt.Add(c.TimeLimit + c.PredictionGrace)
}

// PredictionDeadline is when attempt a's prediction stops being accepted:
// its deadline plus the contest's grace, and never after its round closes
// (the figures it predicts are nearly known by then).
func (c *Contest) PredictionDeadline(a Attempt) time.Time {
	by := a.Deadline.Add(c.PredictionGrace)
	for _, r := range c.Rounds {
		if r.ID == a.RoundID && r.ClosesAt.Before(by) {
			by = r.ClosesAt
		}
	}
	return by
}

// DefaultTimezone is Vietnam's.
const DefaultTimezone = "Asia/Ho_Chi_Minh"

// Round is one weekly round (đợt thi) of a contest.
type Round struct {
	ID        int64     `db:"id"`
	ContestID int64     `db:"contest_id"`
	Number    int       `db:"number"`
	OpensAt   time.Time `db:"opens_at"`
	ClosesAt  time.Time `db:"closes_at"`
	Topics    []string  `db:"-"`
}

// Open reports whether the round accepts attempts at t.
func (r Round) Open(t time.Time) bool {
	return !t.Before(r.OpensAt) && t.Before(r.ClosesAt)
}

// Attempt is one member's try at a round's quiz.
type Attempt struct {
	ID          int64      `db:"id"`
	RoundID     int64      `db:"round_id"`
	MemberID    int64      `db:"member_id"`
	Seq         int        `db:"seq"` // 1..attempts_per_round
	StartedAt   time.Time  `db:"started_at"`
	Deadline    time.Time  `db:"deadline"`
	SubmittedAt *time.Time `db:"submitted_at"`
	Correct     int        `db:"correct"`
	Total       int        `db:"total"`
	Prediction  *int64     `db:"prediction"`
	Platform    Platform   `db:"platform"`
	// Version counts the attempt's changes in PostgreSQL (every answer, the
	// submission, the prediction); a session made at another version is
	// out of date.
	Version int64  `db:"version"`
	Items   []Item `db:"-"`
}

// Submitted reports whether the attempt is closed.
func (a *Attempt) Submitted() bool { return a.SubmittedAt != nil }

// TimedOut reports whether the time limit closed the attempt: it was
// submitted at its deadline (an answer counts only before it, so an attempt
// finished by its last answer is submitted earlier).
func (a *Attempt) TimedOut() bool {
	return a.SubmittedAt != nil && !a.SubmittedAt.Before(a.Deadline)
}

// Duration is the server-measured time the attempt took.
func (a *Attempt) Duration() time.Duration {
	if a.SubmittedAt == nil {
		return 0
	}
	return a.SubmittedAt.Sub(a.StartedAt)
}

// Standing is what decides which of a member's attempts counts: more right
// answers, then less time in whole seconds (the figure the reports print),
// then the earlier submission, then the lower id. The chat and the reports
// both use it, so that the attempt a member is shown as their best is the
// one ranked.
type Standing struct {
	Correct   int
	Seconds   int64
	Submitted time.Time
	ID        int64
}

// Beats reports whether s counts before o.
func (s Standing) Beats(o Standing) bool {
	if c := cmp.Compare(o.Correct, s.Correct); c != 0 {
		return c < 0
	}
	if c := cmp.Compare(s.Seconds, o.Seconds); c != 0 {
		return c < 0
	}
	if c := s.Submitted.Compare(o.Submitted); c != 0 {
		return c < 0
	}
	return s.ID < o.ID
}

// Standing is a submitted attempt's standing.
func (a *Attempt) Standing() Standing {
	s := Standing{Correct: a.Correct, Seconds: max(int64(a.Duration()/time.Second), 0), ID: a.ID}
	if a.SubmittedAt != nil {
		s.Submitted = *a.SubmittedAt
	}
	return s
}

// Item is one question of an attempt, with its options in the order shown.
// Order[i] is the index in Question.Options of the option shown at letter i.
type Item struct {
	Position   int        `db:"position"` // 0-based
	QuestionID int64      `db:"question_id"`
	Order      []int      `db:"-"`
	Chosen     *int       `db:"chosen"` // index in Question.Options, nil until answered
	IsCorrect  *bool      `db:"is_correct"`
	AnsweredAt *time.Time `db:"answered_at"`
}
