package notify

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
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
	db        NotifierStore
	clock     quiz.Clock
	log       *slog.Logger
	platforms []quiz.Platform
	// Wake, when set, is called after notifications were queued (the
	// in-process sender's Wake).
	Wake func()
	// Windows are the reply windows of the platforms that have one
	// (WindowsOf): a head outside theirs gets no card, and the
	// organizers' card names them.
	Windows map[quiz.Platform]time.Duration
	// Channels are the messengers that can tell they cannot send at all
	// (ChannelsOf): the organizers' card names the broken ones.
	Channels map[quiz.Platform]ChannelChecker
	// MaxDocument is the largest workbook a card attaches (0: MaxDocument).
	// A larger one, a national round's, stays on the console's Báo cáo.
	MaxDocument int
}

// MaxDocument is the largest file a bot may send on Telegram (50 MB); the
// cards attach nothing larger.
const MaxDocument = 50 << 20

// ChannelChecker is a messenger that can tell it cannot send at all, such as
// Zalo with its tokens refused: nobody on that platform hears from quizbot
// until an admin mends it, so the organizers' card says so. The check may
// call the platform (a token refresh that is due).
type ChannelChecker interface {
	ChannelProblem(ctx context.Context) error
}

// ChannelsOf are the messengers that can check their channel.
func ChannelsOf(out map[quiz.Platform]Messenger) map[quiz.Platform]ChannelChecker {
	cs := map[quiz.Platform]ChannelChecker{}
	for p, m := range out {
		if c, ok := m.(ChannelChecker); ok {
			cs[p] = c
		}
	}
	return cs
}

// brokenChannels lists the platforms whose messenger cannot send, by name.
func (n *Notifier) brokenChannels(ctx context.Context) []quiz.Platform {
	var out []quiz.Platform
	for p, c := range n.Channels {
		if err := c.ChannelProblem(ctx); err != nil {
			n.log.Error("summary: a platform cannot send; the organizers' card says so", "platform", p, "err", err)
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// NotifierStore is what a Notifier needs of storage: where it queues, and
// the reads a summary's figures and workbooks come from.
type NotifierStore interface {
	Enqueuer
	SummaryReads
	report.WorkbookReads
	Documents
}

// NewNotifier enqueues for recipients on the given platforms (in order of
// preference; DefaultPlatforms when empty).
func NewNotifier(db NotifierStore, clock quiz.Clock, log *slog.Logger, platforms []quiz.Platform) *Notifier {
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
		audience := AudienceReminder
		if job.Kind == KindOpen {
			audience = AudienceVerified
		}
		logged := start
		count, err = n.db.EnqueueBroadcast(ctx, Broadcast{
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
// workbook. A card and its workbook are the same for every recipient of the
// unit (or of the province), so each is built once.
func (n *Notifier) enqueueSummary(ctx context.Context, job Job) (int, error) {
	recipients, err := n.db.RoleRecipients(ctx, []quiz.Role{quiz.RoleHead, quiz.RoleOrganizer}, n.platforms)
	if err != nil {
		return 0, err
	}
	if len(recipients) == 0 {
		return 0, nil
	}
	// Every workbook of the job, and the cards' roster and absent list,
	// from the same reads, each run once.
	reads := report.Remember(n.db)
	s, err := LoadSummary(ctx, sharedReads{n.db, reads}, job.Contest, job.Round, n.clock.Now())
	if err != nil {
		return 0, err
	}
	if _, err := n.db.PruneSummaryDocuments(ctx); err != nil { // last week's, sent
		return 0, err
	}
	if err := loadEntriesDue(ctx, n.db, s); err != nil {
		return 0, err
	}
	s.UnreachedHeads = n.unreachedHeads(recipients, s)
	s.BrokenChannels = n.brokenChannels(ctx)
	type scope struct{ kind, unit string } // no unit for the province
	payloads := map[scope][]byte{}
	var rows []NewNotification
	for _, r := range recipients {
		sc := scope{KindSummary, r.UnitCode}
		if r.Role == quiz.RoleOrganizer {
			sc = scope{KindSummaryOrg, ""}
		}
		raw, ok := payloads[sc]
		if !ok {
			if raw, err = n.summaryPayload(ctx, reads, s, sc.kind, sc.unit); err != nil {
				return 0, err
			}
			payloads[sc] = raw
		}
		rows = append(rows, NewNotification{
			DedupKey: DedupKey(sc.kind, job.Round.ID, r.MemberID, job.Slot),
			Kind:     sc.kind, RoundID: job.Round.ID, MemberID: r.MemberID,
			Platform: r.Platform, ChatID: r.ChatID, Payload: raw,
		})
	}
	return n.db.InsertNotifications(ctx, rows)
}

// sharedReads are the summary's reads with the rosters, the units' figures,
// the units and the absent list the workbooks read too, run once for both.
type sharedReads struct {
	SummaryReads
	wb report.WorkbookReads
}

func (r sharedReads) UnitRosters(ctx context.Context) ([]report.UnitRoster, error) {
	return r.wb.UnitRosters(ctx)
}

func (r sharedReads) UnitRoundFigures(ctx context.Context, roundIDs []int64, now time.Time) ([]report.UnitRoundFigure, error) {
	return r.wb.UnitRoundFigures(ctx, roundIDs, now)
}

func (r sharedReads) Units(ctx context.Context) ([]quiz.Unit, error) {
	return r.wb.Units(ctx)
}

func (r sharedReads) AbsentMembers(ctx context.Context, roundID int64, now time.Time) ([]report.Absent, error) {
	return r.wb.AbsentMembers(ctx, roundID, now)
}

// unreachedHeads are the heads whose card cannot reach them: their account
// is on a platform with a reply window and they have not written within
// it. In the order of the units (by code), as the workbook lists them.
func (n *Notifier) unreachedHeads(recipients []Recipient, s *Summary) []string {
	now := n.clock.Now()
	byUnit := map[string][]string{}
	for _, r := range recipients {
		w := n.Windows[r.Platform]
		if r.Role != quiz.RoleHead || w <= 0 || inWindow(r.LastInbound, w, now) {
			continue
		}
		u, _ := s.Unit(r.UnitCode)
		byUnit[r.UnitCode] = append(byUnit[r.UnitCode], r.FullName+" – "+cmp.Or(u.Name, r.UnitCode))
	}
	var out []string
	for _, u := range s.Units {
		out = append(out, byUnit[u.Code]...)
	}
	return out
}

// WindowsOf are the reply windows of the messengers that have one.
func WindowsOf(out map[quiz.Platform]Messenger) map[quiz.Platform]time.Duration {
	ws := map[quiz.Platform]time.Duration{}
	for p, m := range out {
		if w, ok := m.(WindowedMessenger); ok && w.Window() > 0 {
			ws[p] = w.Window()
		}
	}
	return ws
}

// summaryPayload is the payload of a summary of kind: a head's card for
// unit with the workbook's slice of their unit and the units under it, or an
// organizer's card for the province with the whole workbook, as `quizbot
// report workbook` writes it. reads is shared by the job's workbooks, so
// that each of their queries runs once.
func (n *Notifier) summaryPayload(ctx context.Context, reads report.WorkbookReads, s *Summary, kind, unit string) ([]byte, error) {
	number := s.Round.Number
	var pl payload
	if kind == KindSummaryOrg {
		ref, size, err := n.summaryDocument(ctx, reads, s, "")
		if err != nil {
			return nil, err
		}
		pl = payload{Parts: s.OrganizerCard(), Doc: &document{
			Name:    fmt.Sprintf("Bao-cao-dot-%d-toan-tinh.xlsx", number),
			Caption: fmt.Sprintf("📎 Báo cáo Đợt %d toàn tỉnh: tổng hợp theo tuần, các đơn vị, kết quả cá nhân, giải thưởng, danh sách chưa dự thi, điểm 0, phân tích câu hỏi, dấu hiệu bất thường.", number),
			Ref:     ref,
		}}
		n.keepTooLarge(&pl, size)
	} else {
		ref, size, err := n.summaryDocument(ctx, reads, s, unit)
		if err != nil {
			return nil, err
		}
		u, _ := s.Unit(unit)
		who := u.Name
		if len(s.Under[unit]) > 0 {
			who += " và các đơn vị trực thuộc"
		}
		pl = payload{Parts: s.HeadCard(unit), Doc: &document{
			Name:    fmt.Sprintf("Bao-cao-dot-%d-%s.xlsx", number, fileSafe(unit)),
			Caption: outbound.Clip(fmt.Sprintf("📎 Báo cáo Đợt %d – %s: số liệu theo tuần, kết quả từng người, giải thưởng, danh sách chưa dự thi kèm lý do, điểm 0.", number, who), 1024),
			Ref:     ref,
		}}
		n.keepTooLarge(&pl, size)
		if len(s.Absent[unit]) > 0 {
			pl.ExcuseRound = s.Round.ID
		}
	}
	raw, err := json.Marshal(pl)
	if err != nil {
		return nil, fmt.Errorf("summary payload: %w", err)
	}
	return raw, nil
}

// summaryDocument writes the round's workbook at the summary's time, the
// province's or unit's slice, and saves it once for every notification
// that attaches it: a province's workbook is megabytes, and every
// organizer gets it. A workbook over MaxDocument is not saved (ref 0): no
// card can carry it.
func (n *Notifier) summaryDocument(ctx context.Context, reads report.WorkbookReads, s *Summary, unit string) (ref int64, size int, err error) {
	wb, err := report.BuildWorkbook(ctx, reads, s.Contest, s.Round.Number, s.At, report.WorkbookOptions{Unit: unit})
	if err == nil {
		var buf bytes.Buffer
		if err = wb.Write(&buf); err == nil {
			if buf.Len() > n.maxDocument() {
				return 0, buf.Len(), nil
			}
			ref, err = n.db.SaveSummaryDocument(ctx, s.Round.ID, unit, buf.Bytes())
			return ref, buf.Len(), err
		}
	}
	if unit == "" {
		return 0, 0, fmt.Errorf("workbook of round %d: %w", s.Round.Number, err)
	}
	return 0, 0, fmt.Errorf("workbook of round %d, unit %s: %w", s.Round.Number, unit, err)
}

func (n *Notifier) maxDocument() int { return cmp.Or(n.MaxDocument, MaxDocument) }

// keepTooLarge drops the card's workbook when it is over MaxDocument and
// says where to get it instead.
func (n *Notifier) keepTooLarge(pl *payload, size int) {
	if size <= n.maxDocument() {
		return
	}
	pl.Parts = append(pl.Parts, fmt.Sprintf("📎 Tệp báo cáo %s (%s MB) lớn hơn mức %s MB gửi được qua tin nhắn: anh/chị tải tệp tại trang quản trị, mục Báo cáo (gửi /quantri để nhận đường dẫn đăng nhập).",
		pl.Doc.Name, outbound.GroupDigits(int64((size+(1<<20)-1)>>20)), outbound.GroupDigits(int64(n.maxDocument()>>20))))
	pl.Doc = nil
}

// fileSafe keeps a unit's code fit for a file name on every phone: letters,
// digits, - and _; anything else becomes -.
func fileSafe(code string) string {
	return strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_') {
			return r
		}
		return '-'
	}, code)
}

// LockKey is the Redis key a replica holds while running a job: it only
// saves work, the dedup keys decide.
func (j Job) LockKey() string {
	return "qb:notify:job:" + j.Kind + ":" + strconv.FormatInt(j.Round.ID, 10) + ":" + j.Slot
}
