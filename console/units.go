package console

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
)

// roundState is the round the pages show: the open one, else the last
// that opened (as /lydo and the overview choose), with the contest and its
// started rounds; Empty says why there is none.
type roundState struct {
	Contest quiz.Contest
	Started []quiz.Round
	Round   quiz.Round
	Open    bool
	Empty   string
}

func (c *Console) roundNow(ctx context.Context) (roundState, error) {
	now := c.clock.Now()
	var st roundState
	ct, err := c.store.CurrentContest(ctx, now)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		st.Empty = "Chưa có cuộc thi nào."
		return st, nil
	}
	if err != nil {
		return st, err
	}
	st.Contest = ct
	st.Started, st.Round, st.Open = startedRounds(ct, now)
	if len(st.Started) == 0 {
		st.Empty = "Cuộc thi chưa bắt đầu."
		if next, ok := ct.NextRound(now); ok {
			st.Empty = fmt.Sprintf("Cuộc thi chưa bắt đầu: đợt %d mở lúc %s.", next.Number, outbound.When(next.OpensAt, ct.Location()))
		}
	}
	return st, nil
}

// startedRounds lists ct's rounds that opened by now, in their order, and
// the one a page shows: the open one, else the last that opened (none
// when nothing opened).
func startedRounds(ct quiz.Contest, now time.Time) (started []quiz.Round, current quiz.Round, open bool) {
	for _, rd := range ct.Rounds {
		if !rd.OpensAt.After(now) {
			started = append(started, rd)
		}
	}
	if len(started) == 0 {
		return nil, quiz.Round{}, false
	}
	current, open = ct.RoundAt(now)
	if !open {
		current = started[len(started)-1]
	}
	return started, current, open
}

// roundLabel names a round by its number and days: "Đợt 2 (08/12–14/12)".
func roundLabel(rd quiz.Round, loc *time.Location) string {
	return fmt.Sprintf("Đợt %d (%s–%s)", rd.Number, rd.OpensAt.In(loc).Format("02/01"), rd.ClosesAt.In(loc).Format("02/01"))
}

// unitRow is a unit's line in the tree: its figures with the units under
// it (the workbook's "gồm đơn vị trực thuộc").
type unitRow struct {
	Code, Name                                      string
	Level                                           int
	Staff, Verified, Participants, Rate, Avg, Zeros string
	Sub                                             int // units under it
}

func rowOf(u report.RolledUnit, level int) unitRow {
	f := u.Total
	avg := "—"
	if a, ok := f.Avg(); ok {
		avg = a.Comma()
	}
	return unitRow{Code: u.Code, Name: u.Name, Level: level,
		Staff: outbound.GroupDigits(int64(f.Staff)), Verified: outbound.GroupDigits(int64(f.Verified)),
		Participants: outbound.GroupDigits(int64(f.Participations)), Rate: pctText(f.Pct(1)),
		Avg: avg, Zeros: outbound.GroupDigits(int64(f.ZeroScores)), Sub: u.Units - 1}
}

// roundHeading is the line under a page's title: the contest and round.
type roundHeading struct {
	Contest string
	Round   int
	Open    bool
	Period  string
	Empty   string
	Updated string
}

func headingOf(st roundState) roundHeading {
	if st.Empty != "" {
		return roundHeading{Empty: st.Empty}
	}
	loc := st.Contest.Location()
	return roundHeading{Contest: st.Contest.Name, Round: st.Round.Number, Open: st.Open,
		Period: outbound.When(st.Round.OpensAt, loc) + " – " + outbound.When(st.Round.ClosesAt, loc)}
}

type unitsData struct {
	Head  roundHeading
	Scope string
	Rows  []unitRow
}

// unitsPage is the unit tree in the viewer's scope with the round's
// figures, each unit's including the units under it.
func (c *Console) unitsPage(w http.ResponseWriter, r *Request) error {
	ctx := r.Context()
	st, err := c.roundNow(ctx)
	if err != nil {
		return err
	}
	d := unitsData{Head: headingOf(st), Scope: "Toàn tỉnh"}
	if !r.Scope.All() {
		d.Scope = r.Scope.Name(r.Scope.Root())
	}
	var rolled []report.RolledUnit
	if st.Empty == "" {
		fig, err := c.figuresOf(ctx, quiz.RoundIDs(st.Started), st.Round.ID)
		if err != nil {
			return err
		}
		rolled = fig.tree(st.Round.ID)
		d.Head.Updated = fig.at.In(st.Contest.Location()).Format("15:04:05")
	} else {
		// No round: the tree alone, with its staff.
		units := r.Scope.units
		nodes := make([]report.UnitNode, len(units))
		for i, u := range units {
			nodes[i] = report.UnitNode{Code: u.Code, Name: u.Name, ParentCode: u.ParentCode}
		}
		rolled = report.RollUp(nodes)
	}
	// A head's subtree starts at their unit's level.
	base := 0
	for _, u := range rolled {
		if u.Code == r.Scope.Root() {
			base = u.Level
		}
	}
	for _, u := range rolled {
		if r.Scope.Allows(u.Code) {
			d.Rows = append(d.Rows, rowOf(u, u.Level-base))
		}
	}
	return c.render(w, r, "units", View{Title: "Đơn vị", Nav: navUnits, Content: d})
}

// membersPerPage keeps a department of 500 readable and its page light.
const membersPerPage = 100

type memberRow struct {
	ID                     int64
	Name, Position, Status string
	Class                  string // the status's badge
	Score, When            string
	Excuse                 string
	Absent                 bool // no counted attempt: a reason may be recorded
	Preset                 string
	Other                  string
}

type unitData struct {
	Head      roundHeading
	Code      string
	Unit      unitRow
	Own       unitRow // its own roster only
	Parent    string  // the parent's code when the viewer may open it
	ParentNm  string
	Subunits  []unitRow
	Members   []memberRow
	Counts    []statusCount
	Page      int
	Pages     []pageLink
	From, To  int
	Total     int
	RoundID   int64
	Reasons   []string
	MaxExcuse int
	Saved     string
}

type statusCount struct{ Label, Class, N string }

type pageLink struct {
	N       int
	Current bool
}

// Member statuses, as the page shows them.
const (
	statusInactive = "Chưa kích hoạt"
	statusNotYet   = "Chưa thi"
	statusTaking   = "Đang thi"
	statusDone     = "Đã thi"
)

// unitPage is a unit's figures, the units under it, and its members with
// where they stand in the round, a reason for absence recordable for each
// absent one.
func (c *Console) unitPage(w http.ResponseWriter, r *Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	if !r.Scope.Known(code) {
		return NotFound(fmt.Sprintf("Không có đơn vị mã %s.", code))
	}
	if !r.Scope.Allows(code) {
		return Forbidden(fmt.Sprintf("Anh/chị không có quyền xem đơn vị %s.", code))
	}
	var unit quiz.Unit
	for _, u := range r.Scope.units {
		if u.Code == code {
			unit = u
		}
	}
	st, err := c.roundNow(ctx)
	if err != nil {
		return err
	}
	d := unitData{Head: headingOf(st), Code: code, Reasons: quiz.ExcuseReasons(), MaxExcuse: storage.MaxExcuseLength}
	if unit.ParentCode != "" && r.Scope.Allows(unit.ParentCode) {
		d.Parent, d.ParentNm = unit.ParentCode, r.Scope.Name(unit.ParentCode)
	}
	title := "Đơn vị " + unit.Name
	if st.Empty != "" {
		return c.render(w, r, "unit", View{Title: title, Nav: navUnits, Content: d})
	}
	loc := st.Contest.Location()
	d.RoundID = st.Round.ID
	fig, err := c.figuresOf(ctx, quiz.RoundIDs(st.Started), st.Round.ID)
	if err != nil {
		return err
	}
	d.Head.Updated = fig.at.In(loc).Format("15:04:05")
	for _, u := range fig.tree(st.Round.ID) {
		switch {
		case u.Code == code:
			d.Unit = rowOf(u, 0)
			own := u
			own.Total = u.Own
			d.Own = rowOf(own, 0)
		case u.ParentCode == code && r.Scope.Allows(u.Code):
			d.Subunits = append(d.Subunits, rowOf(u, 1))
		}
	}

	ms, err := c.store.UnitMembers(ctx, st.Round.ID, unit.ID, c.clock.Now())
	if err != nil {
		return err
	}
	report.SortByName(ms, func(m storage.UnitMemberStatus) string { return m.FullName })
	counts := map[string]int{}
	rows := make([]memberRow, len(ms))
	for i, m := range ms {
		row := memberRow{ID: m.ID, Name: m.FullName, Position: m.Position, Excuse: m.Excuse}
		switch {
		case m.Counted:
			row.Status, row.Class = statusDone, "done"
			row.Score = fmt.Sprintf("%d/%d", m.Correct, m.Total)
			if m.SubmittedAt != nil {
				row.When = m.SubmittedAt.In(loc).Format("15:04 02/01/2006")
			}
		case m.InProgress:
			row.Status, row.Class = statusTaking, "taking"
		case !m.Verified:
			row.Status, row.Class = statusInactive, "inactive"
		default:
			row.Status, row.Class = statusNotYet, "notyet"
		}
		row.Absent = !m.Counted
		if row.Excuse != "" {
			if slices.Contains(d.Reasons, row.Excuse) {
				row.Preset = row.Excuse
			} else {
				row.Preset, row.Other = "other", row.Excuse
			}
		}
		counts[row.Status]++
		rows[i] = row
	}
	for _, s := range []struct{ label, class string }{{statusDone, "done"}, {statusTaking, "taking"}, {statusNotYet, "notyet"}, {statusInactive, "inactive"}} {
		d.Counts = append(d.Counts, statusCount{Label: s.label, Class: s.class, N: outbound.GroupDigits(int64(counts[s.label]))})
	}
	d.Total = len(rows)
	pages := max(1, (len(rows)+membersPerPage-1)/membersPerPage)
	d.Page, _ = strconv.Atoi(r.URL.Query().Get("trang"))
	d.Page = min(max(d.Page, 1), pages)
	if pages > 1 {
		for p := 1; p <= pages; p++ {
			d.Pages = append(d.Pages, pageLink{N: p, Current: p == d.Page})
		}
	}
	from := (d.Page - 1) * membersPerPage
	to := min(from+membersPerPage, len(rows))
	d.Members = rows[from:to]
	d.From, d.To = from+1, to
	if id, err := strconv.ParseInt(r.URL.Query().Get("daluu"), 10, 64); err == nil {
		for _, m := range rows {
			if m.ID == id {
				d.Saved = fmt.Sprintf("Đã ghi nhận lý do vắng của %s: %s.", m.Name, m.Excuse)
			}
		}
	}
	return c.render(w, r, "unit", View{Title: title, Nav: navUnits, Content: d})
}

// reasonOther is the form's value for a typed reason ("Lý do khác").
const reasonOther = "other"

// recordExcuse records (or changes) why an absent member of the unit did
// not take part in the round, through the storage function /lydo uses: a
// head for the units of their subtree, an organizer for any.
func (c *Console) recordExcuse(w http.ResponseWriter, r *Request) error {
	ctx := r.Context()
	code := r.PathValue("code")
	if !r.Scope.Known(code) {
		return NotFound(fmt.Sprintf("Không có đơn vị mã %s.", code))
	}
	if !r.Scope.Allows(code) {
		return Forbidden(fmt.Sprintf("Anh/chị không có quyền ghi nhận lý do vắng cho đơn vị %s.", code))
	}
	memberID, err := strconv.ParseInt(r.PostFormValue("member"), 10, 64)
	if err != nil {
		return BadRequest("Thiếu cán bộ cần ghi nhận lý do vắng.")
	}
	roundID, _ := strconv.ParseInt(r.PostFormValue("round"), 10, 64)
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	switch {
	case reason == reasonOther:
		reason = strings.TrimSpace(r.PostFormValue("other"))
		if reason == "" {
			return BadRequest("Anh/chị chọn \"Lý do khác\" nhưng chưa nhập lý do.")
		}
	case slices.Contains(quiz.ExcuseReasons(), reason):
	case reason == "":
		return BadRequest("Anh/chị chưa chọn lý do vắng.")
	default:
		return BadRequest("Lý do vắng không hợp lệ.")
	}
	st, err := c.roundNow(ctx)
	if err != nil {
		return err
	}
	if st.Empty != "" || st.Round.ID != roundID {
		return BadRequest("Đợt thi đã thay đổi kể từ khi anh/chị mở trang. Vui lòng tải lại trang rồi ghi nhận lại.")
	}
	m, err := c.store.MemberByID(ctx, memberID)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND || (err == nil && (m.UnitCode != code || !m.Active)) {
		return BadRequest(fmt.Sprintf("Không có cán bộ này trong danh sách của đơn vị %s.", code))
	}
	if err != nil {
		return err
	}
	// Only someone without a counted attempt, as /lydo lists them.
	absent, _, err := c.store.ExcuseCandidates(ctx, roundID, m.UnitID, c.clock.Now())
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(absent, func(a quiz.Member) bool { return a.ID == m.ID }) {
		return BadRequest(fmt.Sprintf("%s đã tham gia đợt %d, không cần ghi nhận lý do vắng.", m.FullName, st.Round.Number))
	}
	if _, err := c.store.RecordExcuse(ctx, roundID, m.ID, m.UnitID, reason, r.Member.ID); err != nil {
		if code := quiz.ErrorCode(err); code == quiz.EINVALID || code == quiz.EFORBIDDEN {
			return BadRequest(quiz.ErrorMessage(err))
		}
		return err
	}
	if err := c.Audit(ctx, r.Member, "Ghi nhận lý do vắng",
		fmt.Sprintf("%s (%s), đợt %d: %s", m.FullName, code, st.Round.Number, reason)); err != nil {
		return err
	}
	q := url.Values{"daluu": {strconv.FormatInt(m.ID, 10)}}
	if p := r.PostFormValue("trang"); p != "" {
		q.Set("trang", p)
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/console/units/%s?%s#m%d", url.PathEscape(code), q.Encode(), m.ID), http.StatusSeeOther)
	return nil
}
