package console

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"quizbot/contestfile"
	"quizbot/importer"
	"quizbot/ingest"
	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/storage"
)

// dataStore is what the Dữ liệu page needs: the imports and the contest
// file through package ingest (the commands' own checks), and the uploads
// kept between a preview and its confirmation.
type dataStore interface {
	ingest.Store
	ingest.ContestStore
	Contests(ctx context.Context) ([]quiz.Contest, error)
	ContestSource(ctx context.Context, code string) (string, bool, error)
	SaveConsoleUpload(ctx context.Context, u storage.ConsoleUpload) error
	ConsoleUpload(ctx context.Context, id string, session []byte, now time.Time) (storage.ConsoleUpload, bool, error)
	DeleteConsoleUpload(ctx context.Context, id string) error
}

// Bounds of what the page accepts. A province's roster is a few megabytes;
// a larger file goes through `quizbot import`, which reads up to
// importer.MaxFileSize.
const (
	maxUpload      = 20 << 20
	maxContestForm = 1 << 20
)

// OnRosterChange sets what runs after an import of units or members
// changed a row: serve clears the bots' cache of who is behind each chat
// account, as the import command does.
func (c *Console) OnRosterChange(fn func(context.Context) error) { c.rosterChanged = fn }

func (c *Console) dataRoutes(mux *http.ServeMux) {
	c.page(mux, "GET /console/data", c.dataPage)
	mux.HandleFunc("POST /console/data/upload", c.limitBody(maxUpload, c.serve(c.dataUpload, true, false)))
	c.action(mux, "POST /console/data/apply", c.dataApply)
	mux.HandleFunc("POST /console/data/contest", c.limitBody(maxContestForm, c.serve(c.dataContest, true, false)))
}

// limitBody refuses a body larger than max before anything reads it (the
// CSRF check parses the form), with a message that says why.
func (c *Console) limitBody(max int64, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			setHeaders(w)
			// Not drained: the connection closes after the answer.
			c.fail(w, r, nil, &Error{http.StatusRequestEntityTooLarge, fmt.Sprintf(
				"Tệp lớn hơn %d MB: trang quản trị không nhận tệp lớn như vậy. Hãy kiểm tra lại tệp, hoặc nhờ quản trị hệ thống nạp bằng lệnh quizbot import.", max>>20)})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next(w, r)
	}
}

// kindNames are the kinds of file, as the page names them.
var kindNames = map[ingest.Kind]string{
	ingest.Units:     "Danh sách đơn vị",
	ingest.Members:   "Danh sách cán bộ",
	ingest.Questions: "Ngân hàng câu hỏi",
}

// kindOrder is the order of kindNames on the page: units before the roster
// that names them.
var kindOrder = []ingest.Kind{ingest.Units, ingest.Members, ingest.Questions}

type kindOption struct {
	Value, Name string
	Selected    bool
}

type problemRow struct {
	Line, Column, Problem string
}

// importView is an uploaded file's preview, or what its apply did.
type importView struct {
	KindName, FileName string
	Problems           []problemRow
	More               string // how many problems past those listed, "" for none
	Added, Updated     string
	Deactivated        string // "" for a kind that deactivates nothing
	Unchanged          string
	TitleNote          string
	UploadID, Token    string
	Stale              bool // the apply found the data changed since the preview
	Applied            bool
}

type contestOption struct {
	Code, Name string
	Selected   bool
}

// contestView is the contest file's form and what its check or apply said.
type contestView struct {
	Contests []contestOption
	Code     string // the contest whose file is shown; "" for a new one
	Source   string
	Missing  bool // the contest's text was not kept (applied before)
	Problems []problemRow
	Summary  string // what the check found would change, or what was done
	Sum      string // the checked text's digest, for the apply
	State    string // the stored contest as checked, for the apply
	Checked  bool   // checked and accepted: the Apply button shows
	Applied  bool
	Stale    string // why the apply was refused, when it was
}

type dataView struct {
	Organizer bool
	Kinds     []kindOption
	Import    *importView
	Contest   contestView
}

func (c *Console) dataPage(w http.ResponseWriter, r *Request) error {
	v, err := c.dataBase(r, "", r.URL.Query().Get("contest"), true, true)
	if err != nil {
		return err
	}
	return c.renderData(w, r, v)
}

func (c *Console) renderData(w http.ResponseWriter, r *Request, v dataView) error {
	return c.render(w, r, "data", View{Title: "Dữ liệu", Nav: navData, Content: v})
}

// dataBase is the page without a preview: the kinds, the contests and the
// text of the contest code; with latest, "" means the latest contest, else
// a new one.
func (c *Console) dataBase(r *Request, kind ingest.Kind, code string, latest, loadSource bool) (dataView, error) {
	v := dataView{Organizer: r.Member.Role == quiz.RoleOrganizer}
	for _, k := range kindOrder {
		v.Kinds = append(v.Kinds, kindOption{Value: string(k), Name: kindNames[k], Selected: k == kind})
	}
	if !v.Organizer {
		return v, nil
	}
	contests, err := c.store.Contests(r.Context())
	if err != nil {
		return v, err
	}
	if latest && code == "" && len(contests) > 0 {
		code = contests[len(contests)-1].Code
	}
	for _, ct := range contests {
		v.Contest.Contests = append(v.Contest.Contests, contestOption{Code: ct.Code, Name: ct.Name, Selected: ct.Code == code})
	}
	if !slices.ContainsFunc(contests, func(ct quiz.Contest) bool { return ct.Code == code }) {
		code = ""
	}
	v.Contest.Code = code
	if loadSource && code != "" {
		src, ok, err := c.store.ContestSource(r.Context(), code)
		if err != nil {
			return v, err
		}
		v.Contest.Source, v.Contest.Missing = src, !ok
	}
	return v, nil
}

// organizer refuses heads: they may read the page, not change the data.
func organizer(r *Request) error {
	if r.Member.Role != quiz.RoleOrganizer {
		return Forbidden("Chỉ Ban Tổ chức được nạp danh sách, ngân hàng câu hỏi và tệp cuộc thi. Anh/chị vẫn xem được hướng dẫn ở trang Dữ liệu.")
	}
	return nil
}

// dataUpload reads an uploaded file and shows its preview: the row errors,
// or what would change and the Apply button. Nothing changes yet; a file
// that passes is kept in PostgreSQL for the confirmation.
func (c *Console) dataUpload(w http.ResponseWriter, r *Request) error {
	if err := organizer(r); err != nil {
		return err
	}
	kind, ok := ingest.ParseKind(r.PostFormValue("kind"))
	if !ok {
		return BadRequest("Hãy chọn loại dữ liệu cần nạp (đơn vị, cán bộ hoặc câu hỏi).")
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return BadRequest("Chưa chọn tệp để tải lên (.xlsx hoặc .csv).")
	}
	defer file.Close()
	data, err := io.ReadAll(file)
	if err != nil {
		return BadRequest("Không đọc được tệp tải lên. Vui lòng thử lại.")
	}
	name := filepath.Base(strings.ReplaceAll(hdr.Filename, `\`, "/"))
	v, err := c.dataBase(r, kind, "", true, true)
	if err != nil {
		return err
	}
	iv, f, err := c.preview(r, kind, name, data)
	if err != nil {
		return err
	}
	if f != nil && len(iv.Problems) == 0 {
		id := randomToken()
		if err := c.store.SaveConsoleUpload(r.Context(), storage.ConsoleUpload{ID: id, Session: r.session,
			Kind: string(kind), FileName: name, Data: data, CreatedAt: c.clock.Now()}); err != nil {
			return err
		}
		iv.UploadID = id
	}
	v.Import = iv
	return c.renderData(w, r, v)
}

// preview parses and checks a file of the kind and counts what it would
// change; f is nil when the file could not be read at all.
func (c *Console) preview(r *Request, kind ingest.Kind, name string, data []byte) (*importView, *ingest.File, error) {
	iv := &importView{KindName: kindNames[kind], FileName: name}
	t, err := readUpload(name, data)
	if err != nil {
		return iv, nil, problemsOf(iv, err)
	}
	f := ingest.Parse(kind, t, ingest.Sum(data))
	if t.TitleRows > 0 {
		iv.TitleNote = fmt.Sprintf("Dòng tiêu đề là dòng %d; %d dòng phía trên (tên bảng) không được nhập.", t.HeaderLine, t.TitleRows)
	}
	res, err := f.Preview(r.Context(), c.store)
	if err != nil {
		return iv, f, problemsOf(iv, err)
	}
	iv.counts(kind, res)
	return iv, f, nil
}

func (iv *importView) counts(kind ingest.Kind, res ingest.Result) {
	n := func(i int) string { return outbound.GroupDigits(int64(i)) }
	iv.Added, iv.Updated, iv.Unchanged, iv.Token = n(res.Added), n(res.Updated), n(res.Unchanged), res.Token
	if kind == ingest.Members {
		iv.Deactivated = n(res.Deactivated)
	}
}

// problemsOf puts a rejected file's problems in iv, in line order, the
// first importer.MaxListed of them; any other error is returned.
func problemsOf(iv *importView, err error) error {
	var ie *importer.Error
	if !errors.As(err, &ie) {
		return err
	}
	listed, more := ie.Listed()
	for _, p := range listed {
		row := problemRow{Line: "cả tệp", Column: p.Column, Problem: p.Reason}
		if p.Line > 0 {
			row.Line = strconv.Itoa(p.Line)
		}
		iv.Problems = append(iv.Problems, row)
	}
	if more > 0 {
		iv.More = outbound.GroupDigits(int64(more))
	}
	return nil
}

// readUpload reads an uploaded .csv or .xlsx as the import command reads
// a file (a workbook goes through a temporary file, which excelize
// streams its sheet from).
func readUpload(name string, data []byte) (*importer.Table, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv":
		return importer.ReadCSV(name, data)
	case ".xlsx":
		dir, err := os.MkdirTemp("", "quizbot-upload-")
		if err != nil {
			return nil, fmt.Errorf("upload: %w", err)
		}
		defer os.RemoveAll(dir)
		path := filepath.Join(dir, "upload.xlsx")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("upload: %w", err)
		}
		t, err := importer.ReadFile(path)
		if t != nil {
			t.File = name
		}
		return t, err
	default:
		// The command's message for a wrong extension.
		return importer.ReadFile(name)
	}
}

// dataApply applies the upload previewed, after the same checks in the
// transaction that writes, and only if neither the file nor the stored
// rows changed since the preview; otherwise it shows the preview anew.
func (c *Console) dataApply(w http.ResponseWriter, r *Request) error {
	if err := organizer(r); err != nil {
		return err
	}
	u, ok, err := c.store.ConsoleUpload(r.Context(), r.PostFormValue("upload"), r.session, c.clock.Now())
	if err != nil {
		return err
	}
	if !ok {
		return BadRequest("Tệp đã xem trước không còn được lưu (đã áp dụng, đã quá 1 giờ, hoặc anh/chị đã tải lên tệp khác). Vui lòng tải tệp lên lại.")
	}
	kind, _ := ingest.ParseKind(u.Kind)
	v, err := c.dataBase(r, kind, "", true, true)
	if err != nil {
		return err
	}
	t, err := readUpload(u.FileName, u.Data)
	if err != nil {
		return err // it was read at the preview
	}
	f := ingest.Parse(kind, t, ingest.Sum(u.Data))
	res, err := f.Apply(r.Context(), c.store, r.PostFormValue("token"))
	if ingest.IsStale(err) {
		// Shown afresh, with its new counts and token: never applied
		// without the organizer seeing them.
		iv, _, err := c.preview(r, kind, u.FileName, u.Data)
		if err != nil {
			return err
		}
		iv.Stale = true
		if len(iv.Problems) == 0 {
			iv.UploadID = u.ID
		}
		v.Import = iv
		return c.renderData(w, r, v)
	}
	iv := &importView{KindName: kindNames[kind], FileName: u.FileName}
	if err != nil {
		if err := problemsOf(iv, err); err != nil {
			return err
		}
		v.Import = iv
		return c.renderData(w, r, v)
	}
	iv.counts(kind, res)
	iv.Applied, iv.Token = true, ""
	if err := c.store.DeleteConsoleUpload(r.Context(), u.ID); err != nil {
		c.log.Warn("console: applied upload not deleted", "err", err)
	}
	detail := fmt.Sprintf("%s: %s thêm mới, %s cập nhật, %s không đổi", u.FileName, iv.Added, iv.Updated, iv.Unchanged)
	if iv.Deactivated != "" {
		detail += ", " + iv.Deactivated + " ngừng tham gia"
	}
	if err := c.Audit(r.Context(), r.Member, "Nạp "+strings.ToLower(kindNames[kind]), detail); err != nil {
		return err
	}
	if kind != ingest.Questions && res.Updated+res.Deactivated > 0 && c.rosterChanged != nil {
		// The import is saved: a failure here only delays the change in
		// the bots until the cache expires.
		if err := c.rosterChanged(r.Context()); err != nil {
			c.log.Warn("console: the bots' member cache was not cleared after an import", "err", err)
		}
	}
	v.Import = iv
	return c.renderData(w, r, v)
}

// dataContest checks (op=check) or applies (op=apply) the contest file in
// the text area, with the command's checks and line numbers. Apply takes
// only the text that was checked, against the contest as it was then.
func (c *Console) dataContest(w http.ResponseWriter, r *Request) error {
	if err := organizer(r); err != nil {
		return err
	}
	source := strings.ReplaceAll(r.PostFormValue("source"), "\r\n", "\n")
	v, err := c.dataBase(r, "", r.PostFormValue("contest"), false, false)
	if err != nil {
		return err
	}
	cv := &v.Contest
	cv.Source = source
	data := []byte(source)
	f, err := contestfile.Parse("tệp cuộc thi", data)
	if err != nil {
		return c.contestProblems(w, r, v, err)
	}
	if r.PostFormValue("op") == "apply" {
		if r.PostFormValue("sum") != ingest.Sum(data) {
			cv.Stale = "Nội dung tệp đã được sửa sau lần kiểm tra: hãy bấm Kiểm tra lại trước khi áp dụng."
		} else {
			ch, err := ingest.ApplyContest(r.Context(), c.store, f, data, r.PostFormValue("state"))
			switch {
			case ingest.IsStale(err):
				cv.Stale = "Cuộc thi vừa được thay đổi (có người khác vừa áp dụng tệp) sau lần kiểm tra của anh/chị: hãy xem lại kết quả kiểm tra mới dưới đây rồi mới áp dụng."
			case err != nil:
				return c.contestProblems(w, r, v, err)
			default:
				cv.Applied, cv.Summary, cv.Code = true, contestSummary(f.Contest.Code, ch, false), f.Contest.Code
				if err := c.Audit(r.Context(), r.Member, "Áp dụng tệp cuộc thi", cv.Summary); err != nil {
					return err
				}
				return c.renderData(w, r, v)
			}
		}
	}
	ch, err := ingest.PreviewContest(r.Context(), c.store, f, data)
	if err != nil {
		return c.contestProblems(w, r, v, err)
	}
	cv.Checked, cv.Summary, cv.Sum, cv.State = true, contestSummary(f.Contest.Code, ch, true), ingest.Sum(data), ch.State
	return c.renderData(w, r, v)
}

func (c *Console) contestProblems(w http.ResponseWriter, r *Request, v dataView, err error) error {
	var fe *contestfile.Error
	if !errors.As(err, &fe) {
		return err
	}
	for _, p := range fe.Problems {
		v.Contest.Problems = append(v.Contest.Problems, problemRow{Line: strconv.Itoa(p.Line), Column: p.Field, Problem: p.Message})
	}
	return c.renderData(w, r, v)
}

// contestSummary says what an apply did or would do, in Vietnamese.
func contestSummary(code string, ch storage.ContestChange, would bool) string {
	verb := "cập nhật"
	if ch.Created {
		verb = "tạo mới"
	}
	if would {
		verb = "sẽ được " + verb
	} else {
		verb = "đã được " + verb
	}
	return fmt.Sprintf("Cuộc thi %s %s; các đợt thi: %d thêm, %d sửa, %d xoá, %d giữ nguyên.",
		code, verb, ch.RoundsAdded, ch.RoundsUpdated, ch.RoundsRemoved, ch.RoundsUnchanged)
}
