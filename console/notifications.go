package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"quizbot/notify"
	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/storage"
)

// Thông báo: the schedule, the queue's counts by kind and status, the
// failures with their reasons, and the organizers' "send a reminder now",
// which runs the same job as `quizbot notify remind` (notify.ManualRemind:
// one slot a day, so that a second press queues nothing).

// NotifyStore is what the page reads of the queue (storage.DB).
type NotifyStore interface {
	NotificationTally(ctx context.Context, roundID int64, units []string) ([]storage.KindStatusCount, error)
	FailedNotifications(ctx context.Context, roundID int64, units []string, limit, offset int) ([]storage.FailedNotification, int, error)
}

// Notifier runs a notification job through the queue (notify.Notifier).
type Notifier interface {
	Run(ctx context.Context, job notify.Job) (int, error)
}

// Schedule tells the jobs to come (notify.Scheduler).
type Schedule interface {
	Upcoming(c quiz.Contest, now time.Time, limit int) []notify.Upcoming
}

// notifyDeps are the page's parts, given by UseNotify.
type notifyDeps struct {
	db    NotifyStore
	n     Notifier
	sched Schedule
}

// UseNotify gives Thông báo the queue's reads, the notifier the reminder
// button runs (serve's, whose sender it wakes) and the scheduler whose
// slots the page lists.
func (c *Console) UseNotify(db NotifyStore, n Notifier, sched Schedule) {
	c.notify = &notifyDeps{db: db, n: n, sched: sched}
}

// failuresPerPage is how many failures a page lists.
const failuresPerPage = 20

var noticeKindNames = map[string]string{
	notify.KindOpen:       "Mở đợt thi",
	notify.KindRemind:     "Nhắc nhở",
	notify.KindLastCall:   "Nhắc lần cuối",
	notify.KindSummary:    "Báo cáo tuần (thủ trưởng)",
	notify.KindSummaryOrg: "Báo cáo tuần (Ban Tổ chức)",
}

var statusNames = map[string]string{
	notify.StatusQueued:      "Đang chờ gửi",
	notify.StatusSending:     "Đang gửi",
	notify.StatusSent:        "Đã gửi",
	notify.StatusFailed:      "Lỗi",
	notify.StatusUnreachable: "Không liên lạc được",
	notify.StatusCancelled:   "Đã huỷ",
}

var platformNames = map[string]string{"telegram": "Telegram", "zalo": "Zalo", "web": "Trang web"}

func nameOr(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return v
	}
	return k
}

type notifyData struct {
	Empty     string
	Contest   string
	Scope     string
	Rounds    []roundChoice
	Round     int
	Open      bool
	Organizer bool
	Flash     string
	Quiet     string
	Upcoming  []upcomingLine
	Statuses  []string
	Counts    []countLine
	Total     string
	Failures  []failureLine
	FailTotal string
	Page      int
	Prev      string
	Next      string
	PageOf    string
}

type roundChoice struct {
	Number   int
	Label    string
	Selected bool
}

type upcomingLine struct{ When, What string }

type countLine struct {
	Kind   string
	Counts []countCell
	Total  string
}

// countCell is a count with its status, the label a phone shows beside it.
type countCell struct{ Status, N string }

type failureLine struct {
	When, Who, Phone, Unit, Kind, Platform, Status, Tries, Reason string
}

func (c *Console) notificationsPage(w http.ResponseWriter, r *Request) error {
	d, err := c.notifyFigures(r)
	if err != nil {
		return err
	}
	return c.render(w, r, "notifications", View{Title: "Thông báo", Nav: navNotifications, Content: d})
}

// pickRound is the round asked for (?round=N), else the open one, else the
// last that opened, else the first.
func pickRound(ct quiz.Contest, q string, now time.Time) (quiz.Round, bool, error) {
	if q != "" {
		n, err := strconv.Atoi(q)
		if err != nil {
			return quiz.Round{}, false, BadRequest(fmt.Sprintf("Số đợt %q không hợp lệ.", q))
		}
		rd, ok := ct.RoundByNumber(n)
		if !ok {
			return quiz.Round{}, false, NotFound(fmt.Sprintf("Cuộc thi không có đợt %d.", n))
		}
		return rd, true, nil
	}
	started, rd, _ := startedRounds(ct, now)
	if len(started) == 0 {
		if len(ct.Rounds) > 0 {
			return ct.Rounds[0], true, nil
		}
		return quiz.Round{}, false, nil
	}
	return rd, true, nil
}

func roundChoices(ct quiz.Contest, sel int, loc *time.Location) []roundChoice {
	out := make([]roundChoice, len(ct.Rounds))
	for i, rd := range ct.Rounds {
		out[i] = roundChoice{Number: rd.Number, Selected: rd.Number == sel,
			Label: roundLabel(rd, loc)}
	}
	return out
}

func (c *Console) notifyFigures(r *Request) (notifyData, error) {
	ctx := r.Context()
	now := c.clock.Now()
	d := notifyData{Organizer: r.Scope.All(), Scope: "Toàn tỉnh"}
	if !r.Scope.All() {
		d.Scope = r.Scope.Name(r.Scope.Root())
	}
	if c.notify == nil {
		d.Empty = "Chức năng thông báo chưa được bật trên máy chủ này."
		return d, nil
	}
	ct, err := c.store.CurrentContest(ctx, now)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		d.Empty = "Chưa có cuộc thi nào."
		return d, nil
	}
	if err != nil {
		return d, err
	}
	loc := ct.Location()
	d.Contest = ct.Name
	rd, ok, err := pickRound(ct, r.URL.Query().Get("round"), now)
	if err != nil {
		return d, err
	}
	if !ok {
		d.Empty = "Cuộc thi chưa có đợt nào."
		return d, nil
	}
	d.Round, d.Open = rd.Number, rd.Open(now)
	d.Rounds = roundChoices(ct, rd.Number, loc)
	switch q := r.URL.Query().Get("queued"); {
	case q == "0":
		d.Flash = fmt.Sprintf("Không có tin nhắc nhở mới: hôm nay đã gửi nhắc nhở đợt %d, hoặc mọi cán bộ đã kích hoạt đều đã dự thi.", rd.Number)
	case q != "":
		if n, err := strconv.Atoi(q); err == nil {
			d.Flash = fmt.Sprintf("Đã xếp hàng %s tin nhắc nhở đợt %d; hệ thống đang gửi.", outbound.GroupDigits(int64(n)), rd.Number)
			if end, quiet := notify.QuietEnd(now, loc); quiet {
				d.Flash = fmt.Sprintf("Đã xếp hàng %s tin nhắc nhở đợt %d. Đang trong giờ nghỉ: tin sẽ được gửi từ %s.", outbound.GroupDigits(int64(n)), rd.Number, outbound.When(end, loc))
			}
		}
	}
	d.Quiet = fmt.Sprintf("Không gửi tin trong giờ nghỉ (%02d:00–%02d:00); tin đến hạn trong giờ nghỉ được gửi lúc %02d:00.", notify.QuietFrom, notify.QuietUntil, notify.QuietUntil)

	for _, u := range c.notify.sched.Upcoming(ct, now, 8) {
		what := fmt.Sprintf("%s · Đợt %d", nameOr(noticeKindNames, u.Kind), u.Round.Number)
		if u.Kind == notify.KindSummary {
			what = fmt.Sprintf("Báo cáo tuần đợt %d (thủ trưởng và Ban Tổ chức)", u.Round.Number)
		}
		d.Upcoming = append(d.Upcoming, upcomingLine{When: outbound.When(u.At, loc), What: what})
	}

	counts, err := c.notify.db.NotificationTally(ctx, rd.ID, r.Scope.Codes())
	if err != nil {
		return d, err
	}
	byKind := map[string]map[string]int{}
	for _, n := range counts {
		if byKind[n.Kind] == nil {
			byKind[n.Kind] = map[string]int{}
		}
		byKind[n.Kind][n.Status] += n.Count
	}
	for _, s := range notify.Statuses {
		d.Statuses = append(d.Statuses, statusNames[s])
	}
	total := 0
	for _, k := range notify.Kinds {
		if byKind[k] == nil {
			continue
		}
		line := countLine{Kind: nameOr(noticeKindNames, k)}
		sum := 0
		for _, s := range notify.Statuses {
			line.Counts = append(line.Counts, countCell{statusNames[s], outbound.GroupDigits(int64(byKind[k][s]))})
			sum += byKind[k][s]
		}
		line.Total = outbound.GroupDigits(int64(sum))
		total += sum
		d.Counts = append(d.Counts, line)
	}
	d.Total = outbound.GroupDigits(int64(total))

	d.Page = 1
	if p := r.URL.Query().Get("page"); p != "" {
		if d.Page, err = strconv.Atoi(p); err != nil || d.Page < 1 {
			return d, BadRequest(fmt.Sprintf("Số trang %q không hợp lệ.", p))
		}
	}
	fails, n, err := c.notify.db.FailedNotifications(ctx, rd.ID, r.Scope.Codes(), failuresPerPage, (d.Page-1)*failuresPerPage)
	if err != nil {
		return d, err
	}
	d.FailTotal = outbound.GroupDigits(int64(n))
	pages := max(1, (n+failuresPerPage-1)/failuresPerPage)
	d.PageOf = fmt.Sprintf("Trang %d/%d", d.Page, pages)
	link := func(page int) string {
		return "/console/notifications?" + url.Values{"round": {strconv.Itoa(rd.Number)}, "page": {strconv.Itoa(page)}}.Encode() + "#failures"
	}
	if d.Page > 1 {
		d.Prev = link(d.Page - 1)
	}
	if d.Page < pages {
		d.Next = link(d.Page + 1)
	}
	for _, f := range fails {
		who := f.FullName
		if who == "" {
			who = "—"
		}
		d.Failures = append(d.Failures, failureLine{
			When: f.At.In(loc).Format("15:04 02/01/2006"), Who: who, Phone: quiz.MaskPhone(f.Phone),
			Unit: r.Scope.Name(f.UnitCode), Kind: nameOr(noticeKindNames, f.Kind), Platform: nameOr(platformNames, f.Platform),
			Status: nameOr(statusNames, f.Status), Tries: strconv.Itoa(f.Tries), Reason: f.LastError,
		})
	}
	return d, nil
}

// remindNow queues a reminder of the round now, for organizers: the job of
// `quizbot notify remind`, whose slot is the day, so that a second press
// the same day queues nothing.
func (c *Console) remindNow(w http.ResponseWriter, r *Request) error {
	if !r.Scope.All() {
		return Forbidden("Chỉ Ban Tổ chức được gửi nhắc nhở.")
	}
	if c.notify == nil {
		return BadRequest("Chức năng thông báo chưa được bật trên máy chủ này.")
	}
	ctx := r.Context()
	now := c.clock.Now()
	ct, err := c.store.CurrentContest(ctx, now)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return BadRequest("Chưa có cuộc thi nào.")
	}
	if err != nil {
		return err
	}
	rd, ok, err := pickRound(ct, r.PostFormValue("round"), now)
	if err != nil {
		return err
	}
	job, open := notify.ManualRemind(ct, rd, now)
	if !ok || !open {
		return BadRequest(fmt.Sprintf("Đợt %d không mở vào lúc này: không thể gửi nhắc nhở.", rd.Number))
	}
	queued, err := c.notify.n.Run(ctx, job)
	if err != nil {
		return err
	}
	if err := c.Audit(ctx, r.Member, "Gửi nhắc nhở ngay",
		fmt.Sprintf("Đợt %d: %s tin nhắc nhở được xếp hàng", rd.Number, outbound.GroupDigits(int64(queued)))); err != nil {
		return err
	}
	http.Redirect(w, r.Request, "/console/notifications?"+url.Values{"round": {strconv.Itoa(rd.Number)}, "queued": {strconv.Itoa(queued)}}.Encode(), http.StatusSeeOther)
	return nil
}
