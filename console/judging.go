package console

import (
	"fmt"
	"net/http"
	"strconv"

	"quizbot/quiz"
)

// SpreadMargin is how far apart, as a share of the rubric's total, two
// judges' totals of one entry may be before the entry is flagged for the
// jury to discuss: 15 % (15 points of 100). The contest file does not set
// it yet.
const SpreadMargin = 0.15

// judgingView is the organizers' judging page.
type judgingView struct {
	Contest   string
	ContestID int64
	Max       int
	Margin    string
	Judges    []judgeProgress
	Rows      []judgingRow
	Final     bool
	CanClose  bool
	Pending   bool // entries still open
	ClosedAt  string
	Flagged   int
	Note      string
}

type judgeProgress struct {
	Name     string
	Done, Of int
	Finished bool
}

type judgingRow struct {
	ID                 int64
	Title, Unit, Kind  string
	Totals             []string
	Spread             string
	Flag               bool
	Score, Rank, Prize string
	Tied               bool
}

// organizerSetup is the contest the organizers' page is about: ?contest=
// or the entries contest of now.
func (c *Console) organizerSetup(r *Request) (quiz.EntriesSetup, error) {
	if r.Member.Role != quiz.RoleOrganizer {
		return quiz.EntriesSetup{}, Forbidden("Trang chấm bài dự thi chỉ dành cho Ban Tổ chức.")
	}
	if c.entries == nil {
		return quiz.EntriesSetup{}, errNoEntries
	}
	if s := r.URL.Query().Get("contest"); s != "" {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return quiz.EntriesSetup{}, NotFound("Không có cuộc thi này.")
		}
		setup, err := c.entries.Setup(r.Context(), id)
		if err != nil {
			return setup, quizError(err)
		}
		return setup, nil
	}
	setup, err := c.store.EntriesContest(r.Context(), c.clock.Now())
	if err != nil {
		return setup, quizError(err)
	}
	return setup, nil
}

// judgingPage shows the matrix of entries × judges: each judge's total
// ("—" where the entry is not given to the judge, "chưa chấm" where it is
// but not yet scored in full), the spread per entry (flagged past
// SpreadMargin), who has not finished (of their assigned entries),
// and the ranking from the same quiz.Entries.Results as `report entries`
// (provisional until the judging is closed).
func (c *Console) judgingPage(w http.ResponseWriter, r *Request) error {
	setup, err := c.organizerSetup(r)
	if err != nil {
		return err
	}
	res, err := c.entries.Results(r.Context(), setup.Contest.ID)
	if err != nil {
		return err
	}
	now := c.clock.Now()
	max := setup.Config.MaxScore()
	margin := quiz.Points(float64(max) * SpreadMargin * 100)
	v := judgingView{Contest: setup.Contest.Name, ContestID: setup.Contest.ID, Max: max, Margin: margin.String(), Final: res.Final,
		Pending: now.Before(setup.Config.ClosesAt)}
	v.CanClose = !v.Final && !v.Pending
	if setup.JudgingClosedAt != nil {
		v.ClosedAt = setup.JudgingClosedAt.In(setup.Contest.Location()).Format(quiz.TimeLayout)
	}
	if v.Pending {
		v.Note = "Các đơn vị còn được nộp và thay bài đến " + setup.Config.ClosesAt.In(setup.Contest.Location()).Format(quiz.TimeLayout) + "; giám khảo chấm sau thời điểm đó."
	}
	// Progress counts only the entries given to each judge.
	done, of := make([]int, len(res.Judges)), make([]int, len(res.Judges))
	for _, er := range res.Entries {
		row := judgingRow{ID: er.Entry.ID, Title: er.Entry.Title, Unit: er.Entry.UnitName, Kind: kindLabel(er.Entry.Kind)}
		var lo, hi quiz.Points
		n := 0
		for i, t := range er.Judges {
			if er.Assigned[i] {
				of[i]++
			}
			switch {
			case t == nil && !er.Assigned[i]:
				row.Totals = append(row.Totals, "—") // not given to this judge
				continue
			case t == nil:
				row.Totals = append(row.Totals, "chưa chấm")
				continue
			case er.Assigned[i]:
				done[i]++
			}
			row.Totals = append(row.Totals, t.String())
			if n == 0 || *t < lo {
				lo = *t
			}
			if n == 0 || *t > hi {
				hi = *t
			}
			n++
		}
		if n >= 2 {
			row.Spread = (hi - lo).String()
			row.Flag = hi-lo > margin
		}
		if row.Flag {
			v.Flagged++
		}
		if er.Scored {
			row.Score = quiz.FormatHundredths(er.Score)
			row.Rank = strconv.Itoa(er.Rank)
			row.Tied = er.Tied
			if er.Grade != "" {
				row.Prize = quiz.EntryGradeNames[er.Grade]
			}
		}
		v.Rows = append(v.Rows, row)
	}
	for i, j := range res.Judges {
		v.Judges = append(v.Judges, judgeProgress{Name: j.FullName, Done: done[i], Of: of[i], Finished: done[i] == of[i]})
	}
	return c.render(w, r, "judging", View{Title: "Chấm bài dự thi", Nav: navJudging, Content: v})
}

// judgingCloseConfirm asks the organizer to confirm the close.
func (c *Console) judgingCloseConfirm(w http.ResponseWriter, r *Request) error {
	setup, err := c.organizerSetup(r)
	if err != nil {
		return err
	}
	res, err := c.entries.Results(r.Context(), setup.Contest.ID)
	if err != nil {
		return err
	}
	missing := 0
	for _, er := range res.Entries {
		for i, t := range er.Judges {
			if t == nil && er.Assigned[i] {
				missing++
			}
		}
	}
	v := struct {
		Contest   string
		ContestID int64
		Entries   int
		Missing   int
		Final     bool
	}{setup.Contest.Name, setup.Contest.ID, len(res.Entries), missing, res.Final}
	return c.render(w, r, "judging_close", View{Title: "Kết thúc chấm điểm", Nav: navJudging, Content: v})
}

// judgingClose freezes the scores (quiz.Entries.CloseJudging): from then
// the judges' saves are refused and the ranking stands.
func (c *Console) judgingClose(w http.ResponseWriter, r *Request) error {
	if r.Member.Role != quiz.RoleOrganizer {
		return Forbidden("Chỉ Ban Tổ chức được kết thúc việc chấm điểm.")
	}
	if c.entries == nil {
		return errNoEntries
	}
	id, err := strconv.ParseInt(r.PostFormValue("contest"), 10, 64)
	if err != nil {
		return BadRequest("Thiếu cuộc thi cần kết thúc chấm điểm.")
	}
	setup, err := c.entries.Setup(r.Context(), id)
	if err != nil {
		return quizError(err)
	}
	now := c.clock.Now()
	if now.Before(setup.Config.ClosesAt) {
		return BadRequest("Chưa kết thúc được: các đơn vị còn được nộp bài đến " + setup.Config.ClosesAt.In(setup.Contest.Location()).Format(quiz.TimeLayout) + ".")
	}
	if setup.JudgingClosed(now) {
		return BadRequest("Việc chấm điểm của cuộc thi này đã kết thúc từ trước.")
	}
	if err := c.entries.CloseJudging(r.Context(), r.Member, id); err != nil {
		return quizError(err)
	}
	if err := c.Audit(r.Context(), r.Member, "Kết thúc chấm điểm", fmt.Sprintf("%s: điểm được chốt, xếp hạng và giải bài dự thi được công bố", setup.Contest.Name)); err != nil {
		return err
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/console/judging?contest=%d", id), http.StatusSeeOther)
	return nil
}
