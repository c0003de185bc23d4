package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
)

// Job is one scheduled (or operator-requested) run of a kind for a round.
// Slot names the schedule slot; it is part of every dedup key, so that
// running a job twice enqueues nothing new.
type Job struct {
	Kind    string
	Contest quiz.Contest
	Round   quiz.Round
	Slot    string
}

func (j Job) String() string {
	return fmt.Sprintf("%s/%s/round %d/%s", j.Kind, j.Contest.Code, j.Round.Number, j.Slot)
}

// Slots. A cron slot is the slot's local time to the minute; the round
// opening and the last call happen once per round; a summary is keyed by
// its local date so that an operator's re-run on the day of the scheduled one
// sends nothing new; an operator's reminder by its local date too.
func CronSlot(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02T15:04") }
func SummarySlot(t time.Time, loc *time.Location) string {
	return t.In(loc).Format("2006-01-02")
}
func ManualRemindSlot(t time.Time, loc *time.Location) string {
	return "manual-" + t.In(loc).Format("2006-01-02")
}

const (
	OpenSlot     = "open"
	LastCallSlot = "last"
)

// Notifier enqueues jobs' notifications.
type Notifier struct {
	db        *storage.DB
	clock     quiz.Clock
	log       *slog.Logger
	platforms []quiz.Platform
	// Wake, when set, is called after notifications were queued (the
	// in-process sender's Wake).
	Wake func()
}

// NewNotifier enqueues for recipients on the given platforms (in order of
// preference; DefaultPlatforms when empty).
func NewNotifier(db *storage.DB, clock quiz.Clock, log *slog.Logger, platforms []quiz.Platform) *Notifier {
	if len(platforms) == 0 {
		platforms = DefaultPlatforms
	}
	return &Notifier{db: db, clock: clock, log: log, platforms: platforms}
}

// Run enqueues the job's notifications and records the job as done. It is
// idempotent: notifications already queued by an earlier run of the same
// slot are skipped by their dedup keys.
func (n *Notifier) Run(ctx context.Context, job Job) (int, error) {
	start := time.Now()
	var count int
	var err error
	switch job.Kind {
	case KindOpen, KindRemind, KindLastCall:
		audience := storage.AudienceReminder
		if job.Kind == KindOpen {
			audience = storage.AudienceVerified
		}
		logged := start
		count, err = n.db.EnqueueBroadcast(ctx, storage.Broadcast{
			Kind: job.Kind, RoundID: job.Round.ID, Slot: job.Slot, Audience: audience, Platforms: n.platforms,
			Progress: func(total int) {
				if n.Wake != nil {
					n.Wake() // the senders start on the first batches
				}
				if time.Since(logged) > 10*time.Second {
					n.log.Info("notify: enqueuing", "job", job.String(), "so_far", total)
					logged = time.Now()
				}
			},
		})
	case KindSummary:
		count, err = n.enqueueSummary(ctx, job)
	default:
		err = fmt.Errorf("unknown notification kind %q", job.Kind)
	}
	if err != nil {
		return count, fmt.Errorf("notify job %s: %w", job, err)
	}
	if err := n.db.MarkJobDone(ctx, job.Kind, job.Round.ID, job.Slot, count); err != nil {
		return count, err
	}
	if n.Wake != nil {
		n.Wake()
	}
	n.log.Info("notify: job enqueued", "job", job.String(), "notifications", count, "took", time.Since(start).Round(time.Millisecond))
	return count, nil
}

// enqueueSummary computes the round's figures once and queues every head's
// card for their unit and every organizer's province card, each with its
// workbook.
func (n *Notifier) enqueueSummary(ctx context.Context, job Job) (int, error) {
	recipients, err := n.db.RoleRecipients(ctx, []quiz.Role{quiz.RoleHead, quiz.RoleOrganizer}, n.platforms)
	if err != nil {
		return 0, err
	}
	if len(recipients) == 0 {
		return 0, nil
	}
	s, err := LoadSummary(ctx, n.db, job.Contest, job.Round, n.clock.Now())
	if err != nil {
		return 0, err
	}
	var province []byte
	units := map[string][]byte{}
	var rows []storage.NewNotification
	for _, r := range recipients {
		var pl payload
		kind := KindSummary
		if r.Role == quiz.RoleOrganizer {
			kind = KindSummaryOrg
			if province == nil {
				if province, err = s.RoundWorkbook(); err != nil {
					return 0, err
				}
			}
			pl = payload{Parts: s.OrganizerCard(), Doc: &document{
				Name:    fmt.Sprintf("tong-hop-dot-%d.xlsx", job.Round.Number),
				Caption: fmt.Sprintf("📎 Tổng hợp Đợt %d: số liệu các đơn vị, danh sách chưa dự thi, kết quả.", job.Round.Number),
				Data:    province,
			}}
		} else {
			wb, ok := units[r.UnitCode]
			if !ok {
				if wb, err = s.UnitWorkbook(r.UnitCode); err != nil {
					return 0, err
				}
				units[r.UnitCode] = wb
			}
			u, _ := s.Unit(r.UnitCode)
			pl = payload{Parts: s.HeadCard(r.UnitCode), Doc: &document{
				Name:    fmt.Sprintf("bao-cao-dot-%d-%s.xlsx", job.Round.Number, r.UnitCode),
				Caption: clipText(fmt.Sprintf("📎 Báo cáo Đợt %d – %s: số liệu, danh sách chưa dự thi kèm lý do, kết quả từng người.", job.Round.Number, u.Name), 1024),
				Data:    wb,
			}}
			if len(s.Absent[r.UnitCode]) > 0 {
				pl.ExcuseRound = job.Round.ID
			}
		}
		raw, err := json.Marshal(pl)
		if err != nil {
			return 0, fmt.Errorf("summary payload: %w", err)
		}
		rows = append(rows, storage.NewNotification{
			DedupKey: storage.DedupKey(kind, job.Round.ID, r.MemberID, job.Slot),
			Kind:     kind, RoundID: job.Round.ID, MemberID: r.MemberID,
			Platform: r.Platform, ChatID: r.ChatID, Payload: raw,
		})
	}
	return n.db.InsertNotifications(ctx, rows)
}

// LockKey is the Redis key a replica holds while running a job: it only
// saves work, the dedup keys decide.
func (j Job) LockKey() string {
	return "qb:notify:job:" + j.Kind + ":" + strconv.FormatInt(j.Round.ID, 10) + ":" + j.Slot
}
