package notify

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

// The queue's vocabulary. The queue lives in PostgreSQL (the
// notifications table); storage implements the interfaces below over it,
// and notify depends on none of storage.

// Notification statuses. A row is inserted 'queued' before anything is sent;
// a sender claims it ('sending', under a lease) in a statement of its own, so
// no database lock is held during the HTTP call, and records the outcome.
const (
	StatusQueued      = "queued"
	StatusSending     = "sending"
	StatusSent        = "sent"
	StatusFailed      = "failed"
	StatusUnreachable = "unreachable"
	StatusCancelled   = "cancelled"
)

// Statuses lists every status, in the order status shows them.
var Statuses = []string{StatusQueued, StatusSending, StatusSent, StatusFailed, StatusUnreachable, StatusCancelled}

// Notification is one row of the queue.
type Notification struct {
	ID        int64           `db:"id"`
	DedupKey  string          `db:"dedup_key"`
	Kind      string          `db:"kind"`
	RoundID   sql.NullInt64   `db:"round_id"`
	MemberID  sql.NullInt64   `db:"member_id"`
	Platform  quiz.Platform   `db:"platform"`
	ChatID    string          `db:"chat_id"`
	Payload   json.RawMessage `db:"payload"`
	Status    string          `db:"status"`
	Tries     int             `db:"tries"`
	PartsSent int             `db:"parts_sent"`
	LastError string          `db:"last_error"`
	ClaimedAt *time.Time      `db:"claimed_at"`
	SentAt    *time.Time      `db:"sent_at"`
}

// Claimed is a notification a sender holds, with what the database knew at
// claim time about whether it is still worth sending.
type Claimed struct {
	Notification
	// Linked is nil when the chat is no longer linked to the member, else
	// whether that identity is still reachable.
	Linked *bool `db:"linked"`
	// Stale is true when the notification chases a member of a round who
	// has taken part, started an attempt (one in progress must not be
	// interrupted by a reminder; the sweeper submits it if the time runs
	// out, so it is taking part) or been excused since, or whose round has
	// closed.
	Stale bool `db:"stale"`
	// LastInbound is when quizbot last received an event from the
	// account (nil when unknown): platforms with a reply window (Zalo)
	// let a bot write only for a while after it.
	LastInbound *time.Time `db:"last_inbound"`
	// Phone and FullName are the member's, for a template message by
	// phone to someone outside the window.
	Phone    string `db:"phone"`
	FullName string `db:"full_name"`
}

// NewNotification is a notification to insert one by one (summaries).
type NewNotification struct {
	DedupKey string
	Kind     string
	RoundID  int64
	MemberID int64
	Platform quiz.Platform
	ChatID   string
	Payload  json.RawMessage
}

// Audience says which members of a round a broadcast goes to. Every
// audience is active members with a reachable account on one of the
// platforms; the round's members who have taken part or have an attempt in
// progress (which counts once submitted, by them or by the time limit) are
// always left out.
type Audience int

const (
	// AudienceVerified: everyone verified who has not taken part (round
	// opening).
	AudienceVerified Audience = iota
	// AudienceReminder: as AudienceVerified, without the excused.
	AudienceReminder
)

// Broadcast describes one job's notifications to a round's audience. The
// dedup key of each is Kind:RoundID:MemberID:Slot (DedupKey).
type Broadcast struct {
	Kind      string
	RoundID   int64
	Slot      string
	Audience  Audience
	Platforms []quiz.Platform // in order of preference when a member has several
	BatchSize int             // members per statement; default 50,000
	// Progress, when set, is called after each batch with the running total.
	Progress func(inserted int)
}

// DedupKey is the key of a broadcast notification.
func DedupKey(kind string, roundID, memberID int64, slot string) string {
	return kind + ":" + strconv.FormatInt(roundID, 10) + ":" + strconv.FormatInt(memberID, 10) + ":" + slot
}

// NotificationCount is how many notifications of a kind are in a status.
type NotificationCount struct {
	RoundID sql.NullInt64 `db:"round_id"`
	Kind    string        `db:"kind"`
	Status  string        `db:"status"`
	Count   int           `db:"count"`
	// The pace of the sends, slot by slot (a kind's slots can be days
	// apart): RateSends sends after the first of their slot took
	// RateSeconds in all.
	RateSends   int     `db:"rate_sends"`
	RateSeconds float64 `db:"rate_seconds"`
}

// Rate is the sends per second achieved while sending; ok is false when
// there were too few sends to tell.
func (n NotificationCount) Rate() (float64, bool) {
	if n.RateSends == 0 || n.RateSeconds <= 0 {
		return 0, false
	}
	return float64(n.RateSends) / n.RateSeconds, true
}

// Recipient is where a member with a role gets their summary.
type Recipient struct {
	MemberID int64         `db:"member_id"`
	FullName string        `db:"full_name"`
	UnitID   int64         `db:"unit_id"`
	UnitCode string        `db:"unit_code"`
	Role     quiz.Role     `db:"role"`
	Platform quiz.Platform `db:"platform"`
	ChatID   string        `db:"chat_id"`
	// LastInbound is when the account last wrote (WindowedMessenger).
	LastInbound *time.Time `db:"last_inbound"`
}

// Queue is the queue as a Sender works through it: claim a due
// notification, record its outcome. Recording is conditional on the claim
// still holding (ok false otherwise), so that a sender whose lease ran out
// never overwrites a row claimed again. storage.DB implements it.
type Queue interface {
	// ClaimNotification takes the next due notification of a platform,
	// 'sending' until now+lease; ok is false when nothing is due. now
	// decides staleness; leases use the database's clock.
	ClaimNotification(ctx context.Context, p quiz.Platform, lease time.Duration, now time.Time) (c Claimed, ok bool, err error)
	MarkSent(ctx context.Context, c Claimed, parts int) (bool, error)
	// MarkPartsSent records progress through a multi-part notification and
	// extends the lease.
	MarkPartsSent(ctx context.Context, c Claimed, parts int, lease time.Duration) (bool, error)
	// Requeue puts it back, due after `after`; countTry false gives back
	// the try its claim counted.
	Requeue(ctx context.Context, c Claimed, parts int, after time.Duration, reason string, countTry bool) (bool, error)
	MarkFailed(ctx context.Context, c Claimed, parts int, reason string) (bool, error)
	MarkCancelled(ctx context.Context, c Claimed, reason string) (bool, error)
	// MarkUnreachable also marks the account unreachable, so that nothing
	// more is queued for it.
	MarkUnreachable(ctx context.Context, c Claimed, parts int, reason string) (bool, error)
	// SettleWindowClosed records that the notification cannot reach the
	// account now, because the person has not written within the
	// platform's reply window: unreachable, never retried, and the account
	// stays reachable (their next message opens the window again).
	SettleWindowClosed(ctx context.Context, c Claimed, parts int, reason string) (bool, error)
	// ReleaseExpiredLeases queues again what a dead sender held.
	ReleaseExpiredLeases(ctx context.Context) (int, error)
	// NextNotificationDue is how long until the platform's next queued
	// notification is due; ok is false when none is queued.
	NextNotificationDue(ctx context.Context, p quiz.Platform) (wait time.Duration, ok bool, err error)
	// PendingNotifications counts the round's notifications of kinds that
	// are queued or sending.
	PendingNotifications(ctx context.Context, roundID int64, kinds []string) (int, error)
}

// Rounds reads the round a notification is about, and its contest.
type Rounds interface {
	RoundByID(ctx context.Context, id int64) (quiz.Round, error)
	ContestByID(ctx context.Context, id int64) (quiz.Contest, error)
}

// Enqueuer is where a Notifier queues a job's notifications and records
// the job done. Inserts skip a notification whose dedup key exists and
// return how many they inserted.
type Enqueuer interface {
	EnqueueBroadcast(ctx context.Context, b Broadcast) (int, error)
	InsertNotifications(ctx context.Context, ns []NewNotification) (int, error)
	// RoleRecipients lists the active members with one of the roles who can
	// be messaged on one of the platforms, one account each (the first
	// platform in the order given).
	RoleRecipients(ctx context.Context, roles []quiz.Role, platforms []quiz.Platform) ([]Recipient, error)
	MarkJobDone(ctx context.Context, kind string, roundID int64, slot string, enqueued int) error
}

// Jobs tells the Scheduler the contests to schedule and the jobs already
// done.
type Jobs interface {
	Contests(ctx context.Context) ([]quiz.Contest, error)
	JobDone(ctx context.Context, kind string, roundID int64, slot string) (bool, error)
}

// Store is everything a Service needs of storage: storage.DB.
type Store interface {
	Queue
	Rounds
	Enqueuer
	Jobs
	SummaryReads
	report.WorkbookReads
	Documents
}

// Documents keeps a summary's workbook once for every notification that
// attaches it (the province's goes to every organizer, a unit's to each of
// its heads): a payload carries its id, not a copy of its bytes.
type Documents interface {
	// SaveSummaryDocument returns the id of data, saved for the round and
	// scope (a unit's code, or "" for the province), the same id for the
	// same bytes.
	SaveSummaryDocument(ctx context.Context, roundID int64, scope string, data []byte) (int64, error)
	SummaryDocument(ctx context.Context, id int64) ([]byte, error)
	// PruneSummaryDocuments deletes the documents that no notification
	// still to be sent refers to.
	PruneSummaryDocuments(ctx context.Context) (int64, error)
}
