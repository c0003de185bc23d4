package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"quizbot/quiz"
)

// EntryFiles is where the entries' files are kept: entryfiles.Store.
type EntryFiles interface {
	Path(hash string) (string, error)
	Put(ctx context.Context, r io.Reader, name string) (quiz.EntryFile, error)
	MaxSize() int64
}

// UseEntries turns the entries part's pages on: the judges' pages, the
// organizers' judging page and the uploads, whose parts are kept in
// uploads (a directory beside the files, shared by the replicas like
// ENTRIES_DIR) until whole.
func (c *Console) UseEntries(svc *quiz.Entries, files EntryFiles, uploads string) error {
	if err := os.MkdirAll(uploads, 0o750); err != nil {
		return fmt.Errorf("uploads dir: %w", err)
	}
	c.entries, c.files, c.uploads = svc, files, uploads
	return nil
}

var errNoEntries = NotFound("Phần bài dự thi chưa được bật trên hệ thống này.")

// quizError turns the entries service's refusals into error pages.
func quizError(err error) error {
	var qe *quiz.Error
	if !errors.As(err, &qe) {
		return err
	}
	switch qe.Code {
	case quiz.EFORBIDDEN:
		return Forbidden(qe.Message)
	case quiz.ENOTFOUND:
		return NotFound(qe.Message)
	case quiz.EINVALID, quiz.ECONFLICT:
		return BadRequest(qe.Message)
	}
	return err
}

// judgeRow is an entry in a judge's list.
type judgeRow struct {
	ID          int64
	Title, Unit string
	Kind        string
	Scored, Of  int
	Total       string
	Done        bool
}

type entriesView struct {
	Contests []judgeContest
}

type judgeContest struct {
	Name    string
	Closes  string
	Note    string
	Blind   bool
	Rows    []judgeRow
	Done    int
	Closed  bool
	Pending bool // entries still open: nothing to score yet
	// PerEntry: each entry goes to this many judges (0: all of them).
	PerEntry int
}

// entriesPage lists the entries a judge scores, in every contest they
// judge (the latest first), with how far they got.
func (c *Console) entriesPage(w http.ResponseWriter, r *Request) error {
	if c.entries == nil {
		return errNoEntries
	}
	if len(r.Judging) == 0 {
		return Forbidden("Anh/chị không phải giám khảo của cuộc thi nào.")
	}
	now := c.clock.Now()
	var v entriesView
	for _, id := range r.Judging {
		setup, err := c.entries.Setup(r.Context(), id)
		if err != nil {
			return fmt.Errorf("entries of contest %d: %w", id, err)
		}
		list, err := c.entries.JudgeEntries(r.Context(), r.Member, id)
		if err != nil {
			return quizError(err)
		}
		loc := setup.Contest.Location()
		jc := judgeContest{Name: setup.Contest.Name, Blind: setup.Config.Blind, Closed: setup.JudgingClosed(now), Pending: now.Before(setup.Config.ClosesAt),
			PerEntry: setup.Config.PerEntry}
		switch {
		case jc.Pending:
			jc.Note = "Các đơn vị còn được nộp và thay bài đến " + setup.Config.ClosesAt.In(loc).Format(quiz.TimeLayout) + "; anh/chị xem trước được, chấm từ sau thời điểm đó."
		case jc.Closed:
			jc.Note = "Việc chấm điểm đã kết thúc; điểm không thay đổi được nữa."
		case !setup.Config.JudgingClosesAt.IsZero():
			jc.Note = "Chấm và sửa điểm được đến " + setup.Config.JudgingClosesAt.In(loc).Format(quiz.TimeLayout) + " hoặc đến khi Ban Tổ chức kết thúc việc chấm."
		default:
			jc.Note = "Điểm được lưu ngay và sửa được đến khi Ban Tổ chức kết thúc việc chấm."
		}
		n := len(setup.Config.Rubric)
		for _, je := range list {
			row := judgeRow{ID: je.Entry.ID, Title: je.Entry.Title, Unit: je.Entry.UnitName, Kind: kindLabel(je.Entry.Kind), Scored: len(je.Scores), Of: n}
			var t quiz.Points
			for _, s := range je.Scores {
				t += s.Points
			}
			row.Done = len(je.Scores) == n
			if len(je.Scores) > 0 {
				row.Total = t.String()
			}
			if row.Done {
				jc.Done++
			}
			jc.Rows = append(jc.Rows, row)
		}
		v.Contests = append(v.Contests, jc)
	}
	return c.render(w, r, "entries", View{Title: "Chấm bài dự thi", Nav: navEntries, Content: v})
}

func kindLabel(k quiz.EntryKind) string {
	switch k {
	case quiz.EntryVideo:
		return "Video"
	case quiz.EntryEssay:
		return "Bài viết"
	}
	return "Đường dẫn"
}

// entryView is the judge's page of one entry.
type entryView struct {
	Entry    quiz.Entry
	Kind     string
	Blind    bool
	FileURL  string
	Inline   bool // a PDF, shown in the page
	Download string
	Size     string
	Duration string
	Criteria []criterionField
	Comment  string
	Total    string
	Max      int
	CanScore bool
	Note     string
	Saved    bool
	Error    string
	// Others: after the close, every judge's total and the result.
	Others []otherJudge
	Result string
}

type criterionField struct {
	Index      int
	Name, Desc string
	Max        int
	Value      string
}

type otherJudge struct{ Name, Total string }

// judgeEntry finds entry id for r's judge, as they may see it; 404 for an
// entry that does not exist, 403 for one of a contest they do not judge or
// one not assigned to them.
func (c *Console) judgeEntry(ctx context.Context, r *Request, id int64) (quiz.EntriesSetup, quiz.JudgeEntry, error) {
	e, err := c.storeEntry(ctx, id)
	if err != nil {
		return quiz.EntriesSetup{}, quiz.JudgeEntry{}, err
	}
	list, err := c.entries.JudgeEntries(ctx, r.Member, e.ContestID)
	if err != nil {
		return quiz.EntriesSetup{}, quiz.JudgeEntry{}, quizError(err)
	}
	setup, err := c.entries.Setup(ctx, e.ContestID)
	if err != nil {
		return setup, quiz.JudgeEntry{}, err
	}
	for _, je := range list {
		if je.Entry.ID == id {
			return setup, je, nil
		}
	}
	// The entry is of a contest they judge, but given to other judges
	// (entries.assign: per_entry): refused like another contest's.
	return setup, quiz.JudgeEntry{}, Forbidden("Bài dự thi này không được giao cho anh/chị chấm.")
}

// storeEntry reads an entry by id (NotFound when there is none).
func (c *Console) storeEntry(ctx context.Context, id int64) (quiz.Entry, error) {
	e, err := c.store.EntryByID(ctx, id)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return e, NotFound("Không tìm thấy bài dự thi này.")
	}
	return e, err
}

func entryID(r *Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, NotFound("Không tìm thấy bài dự thi này.")
	}
	return id, nil
}

func (c *Console) entryPage(w http.ResponseWriter, r *Request) error {
	return c.showEntry(w, r, http.StatusOK, "", nil)
}

// showEntry renders the entry's page; msg is a refused save's message and
// typed what the judge typed, kept in the form.
func (c *Console) showEntry(w http.ResponseWriter, r *Request, status int, msg string, typed url.Values) error {
	if c.entries == nil {
		return errNoEntries
	}
	id, err := entryID(r)
	if err != nil {
		return err
	}
	setup, je, err := c.judgeEntry(r.Context(), r, id)
	if err != nil {
		return err
	}
	now := c.clock.Now()
	e := je.Entry
	v := entryView{Entry: e, Kind: kindLabel(e.Kind), Blind: setup.Config.Blind, Max: setup.Config.MaxScore(), Error: msg,
		Saved: r.URL.Query().Get("saved") == "1"}
	if e.Kind != quiz.EntryLink {
		v.FileURL = fmt.Sprintf("/console/entries/%d/file", e.ID)
		v.Inline = e.FileFormat == "pdf"
		v.Size = fileSize(e.FileSize)
		if e.DurationMS > 0 {
			v.Duration = quiz.FormatClip(time.Duration(e.DurationMS) * time.Millisecond)
		}
	}
	closed, pending := setup.JudgingClosed(now), now.Before(setup.Config.ClosesAt)
	v.CanScore = !closed && !pending
	switch {
	case pending:
		v.Note = "Chưa chấm được: các đơn vị còn được nộp và thay bài đến " + setup.Config.ClosesAt.In(setup.Contest.Location()).Format(quiz.TimeLayout) + "."
	case closed:
		v.Note = "Việc chấm điểm đã kết thúc; điểm không thay đổi được nữa."
	}
	var total quiz.Points
	for i, cr := range setup.Config.Rubric {
		f := criterionField{Index: i, Name: cr.Name, Desc: cr.Description, Max: cr.MaxPoints}
		if s, ok := je.Scores[i]; ok {
			f.Value = s.Points.String()
			total += s.Points
			if s.Comment != "" {
				v.Comment = s.Comment
			}
		}
		if typed != nil {
			f.Value = typed.Get(fmt.Sprintf("p%d", i))
		}
		v.Criteria = append(v.Criteria, f)
	}
	if typed != nil {
		v.Comment = typed.Get("comment")
	}
	if len(je.Scores) > 0 {
		v.Total = total.String()
	}
	if closed {
		// Only now may a judge see the others' scores.
		res, err := c.entries.Results(r.Context(), setup.Contest.ID)
		if err != nil {
			return err
		}
		for _, er := range res.Entries {
			if er.Entry.ID != e.ID {
				continue
			}
			for i, j := range res.Judges {
				if er.Judges[i] == nil && !er.Assigned[i] {
					continue // not given to this judge
				}
				t := "chưa chấm đủ"
				if er.Judges[i] != nil {
					t = er.Judges[i].String()
				}
				v.Others = append(v.Others, otherJudge{Name: j.FullName, Total: t})
			}
			v.Result = resultText(er)
		}
	}
	return c.renderAt(w, r, status, "entry", View{Title: e.Title, Nav: navEntries, Content: v})
}

// resultText is an entry's score, rank and prize in words.
func resultText(er quiz.EntryResult) string {
	if !er.Scored {
		return "Chưa có điểm."
	}
	s := fmt.Sprintf("Điểm %s · hạng %d", quiz.FormatHundredths(er.Score), er.Rank)
	if er.Tied {
		s += " (đồng hạng)"
	}
	if er.Grade != "" {
		s += " · " + quiz.EntryGradeNames[er.Grade]
	}
	return s
}

// scoreEntry saves the judge's points: every criterion typed is checked
// within 0 and its maximum on the server, and nothing is saved when one is
// not; an empty field is left as it was.
func (c *Console) scoreEntry(w http.ResponseWriter, r *Request) error {
	if c.entries == nil {
		return errNoEntries
	}
	id, err := entryID(r)
	if err != nil {
		return err
	}
	setup, _, err := c.judgeEntry(r.Context(), r, id)
	if err != nil {
		return err
	}
	comment := strings.TrimSpace(r.PostFormValue("comment"))
	if len([]rune(comment)) > 2000 {
		return c.showEntry(w, r, http.StatusBadRequest, "Nhận xét dài quá 2000 ký tự; anh/chị vui lòng rút gọn.", r.PostForm)
	}
	var points []quiz.CriterionPoints
	for i, cr := range setup.Config.Rubric {
		raw := strings.TrimSpace(r.PostFormValue(fmt.Sprintf("p%d", i)))
		if raw == "" {
			continue
		}
		p, err := quiz.ParsePoints(raw)
		if err == nil {
			err = quiz.CheckScore(cr, p)
		}
		if err != nil {
			return c.showEntry(w, r, http.StatusBadRequest, quiz.ErrorMessage(err), r.PostForm)
		}
		points = append(points, quiz.CriterionPoints{Criterion: i, Points: p, Comment: comment})
	}
	if len(points) == 0 {
		return c.showEntry(w, r, http.StatusBadRequest, "Anh/chị chưa nhập điểm tiêu chí nào.", r.PostForm)
	}
	if err := c.entries.ScoreEntry(r.Context(), r.Member, id, points); err != nil {
		if qe := quizError(err); qe != err {
			return c.showEntry(w, r, http.StatusBadRequest, quiz.ErrorMessage(err), r.PostForm)
		}
		return err
	}
	var parts []string
	for _, p := range points {
		parts = append(parts, setup.Config.Rubric[p.Criterion].Name+" "+p.Points.String())
	}
	if err := c.Audit(r.Context(), r.Member, "Chấm bài dự thi", fmt.Sprintf("bài #%d: %s", id, strings.Join(parts, ", "))); err != nil {
		return err
	}
	http.Redirect(w, r.Request, fmt.Sprintf("/console/entries/%d?saved=1", id), http.StatusSeeOther)
	return nil
}

// entryFile serves an entry's file to its judges and the organizers, with
// range requests (http.ServeContent) so that a video seeks. The name is
// the entry's number, never the uploaded name, which may tell the unit.
func (c *Console) entryFile(w http.ResponseWriter, r *Request) error {
	if c.entries == nil || c.files == nil {
		return errNoEntries
	}
	id, err := entryID(r)
	if err != nil {
		return err
	}
	var e quiz.Entry
	if r.Member.Role == quiz.RoleOrganizer && r.Member.Active {
		if e, err = c.storeEntry(r.Context(), id); err != nil {
			return err
		}
	} else {
		_, je, err := c.judgeEntry(r.Context(), r, id)
		if err != nil {
			return err
		}
		e = je.Entry
	}
	if e.FileHash == "" {
		return NotFound("Bài dự thi này là một đường dẫn, không có tệp.")
	}
	path, err := c.files.Path(e.FileHash)
	if err != nil {
		return err
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return NotFound("Không tìm thấy tệp của bài dự thi trên máy chủ.")
	}
	if err != nil {
		return fmt.Errorf("entry %d file: %w", id, err)
	}
	defer f.Close()
	name := fmt.Sprintf("bai-du-thi-%d.%s", e.ID, e.FileFormat)
	w.Header().Set("Content-Type", contentTypes[e.FileFormat])
	w.Header().Set("X-Content-Type-Options", "nosniff")
	disp := "inline"
	if e.FileFormat == "docx" {
		disp = "attachment"
	}
	w.Header().Set("Content-Disposition", disp+`; filename="`+name+`"`)
	// Files never change under their hash: the browser may keep them for
	// the session while seeking.
	w.Header().Set("Cache-Control", "private, max-age=3600")
	http.ServeContent(w, r.Request, name, e.UpdatedAt, f)
	return nil
}

var contentTypes = map[string]string{
	"mp4": "video/mp4", "mov": "video/quicktime", "webm": "video/webm", "pdf": "application/pdf",
	"docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}

// fileSize writes a size the Vietnamese way (12,5 MB).
func fileSize(n int64) string {
	switch {
	case n >= 1<<30:
		return quiz.FormatHundredths(n*100/(1<<30)) + " GB"
	case n >= 1<<20:
		return quiz.FormatHundredths(n*100/(1<<20)) + " MB"
	case n >= 1<<10:
		return quiz.FormatHundredths(n*100/(1<<10)) + " KB"
	}
	return fmt.Sprintf("%d byte", n)
}
