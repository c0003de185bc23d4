package console

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
	"quizbot/reports"
	"quizbot/storage"
)

// Báo cáo: every report of `quizbot report` of a round or of the contest,
// built by package reports as the command builds it (no figure of its
// own), the province's workbook, and the activation codes of a unit. A
// head downloads the slice of their unit and the units under it; a report
// that cannot be sliced (the item analysis) is the organizers' alone.
// Every download is written to the audit log: the files hold names and
// phone numbers.

// ReportsOptions are what Báo cáo may offer.
type ReportsOptions struct {
	// Codes: members may verify by activation code (VERIFY is not
	// phone), so the page issues them.
	Codes bool
	// Builds is how many downloads this process builds at once (default
	// 1); Wait, how long a download waits for its turn before the page says
	// to try again (default a minute). Each download holds a database
	// connection while it streams (seconds for a national round's): the
	// rest of the pool stays for the chats the process answers.
	Builds int
	Wait   time.Duration
}

type reportsDeps struct {
	db    *storage.DB
	opt   ReportsOptions
	turns chan struct{} // one token per download being built
}

// UseReports gives Báo cáo the database the reports read (package reports
// builds over storage) and its options.
func (c *Console) UseReports(db *storage.DB, opt ReportsOptions) {
	opt.Builds = max(opt.Builds, 1)
	if opt.Wait <= 0 {
		opt.Wait = time.Minute
	}
	c.reports = &reportsDeps{db: db, opt: opt, turns: make(chan struct{}, opt.Builds)}
}

// errReportsBusy is the download's answer when its turn does not come.
var errReportsBusy = &Error{http.StatusServiceUnavailable,
	"Máy chủ đang xuất các báo cáo khác. Vui lòng thử lại sau ít phút."}

// turn waits for a download's turn and returns its release.
func (d *reportsDeps) turn(ctx context.Context) (func(), error) {
	t := time.NewTimer(d.opt.Wait)
	defer t.Stop()
	select {
	case d.turns <- struct{}{}:
		return func() { <-d.turns }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, errReportsBusy
	}
}

// reportDef is a report the page offers.
type reportDef struct {
	Key   string
	Name  string // Vietnamese, for the page, the file and the sheet
	Round bool   // of one round
	Whole bool   // of the whole contest
	// Province: the organizers' alone (it cannot be sliced by unit).
	Province bool
	// XLSXOnly: no CSV.
	XLSXOnly bool
	// Prizes: offered only when the contest declares that kind of prizes
	// ("round", "contest" or "units").
	Prizes string
}

var reportDefs = []reportDef{
	{Key: "workbook", Name: "Báo cáo tổng hợp", Round: true, Whole: true, XLSXOnly: true},
	{Key: "results", Name: "Kết quả cá nhân", Round: true},
	{Key: "units", Name: "Số liệu đơn vị", Round: true},
	{Key: "absent", Name: "Danh sách chưa tham gia", Round: true},
	{Key: "prizes", Name: "Giải thưởng", Round: true, Prizes: "round"},
	{Key: "prizes", Name: "Giải thưởng toàn cuộc thi", Whole: true, Prizes: "contest"},
	{Key: "unitprizes", Name: "Giải đơn vị", Whole: true, Prizes: "units"},
	{Key: "zeros", Name: "Bài thi 0 điểm", Round: true},
	{Key: "questions", Name: "Phân tích câu hỏi", Round: true, Whole: true, Province: true},
	{Key: "signals", Name: "Dấu hiệu bất thường", Round: true},
}

func findReport(key string, whole bool) (reportDef, bool) {
	for _, d := range reportDefs {
		if d.Key == key && ((whole && d.Whole) || (!whole && d.Round)) {
			return d, true
		}
	}
	return reportDef{}, false
}

type reportsData struct {
	Empty    string
	Contest  string
	Contests []contestChoice
	Scope    string
	Head     bool
	Groups   []reportGroup
	Notes    []string
	Codes    bool
	Units    []quiz.Unit
	Unit     string // the slice asked for (?unit=), "" for the default
	Days     int
}

type contestChoice struct {
	Code, Name string
	Selected   bool
}

type reportGroup struct {
	ID, Title, Badge string
	Items            []reportItem
}

type reportItem struct {
	Name, XLSX, CSV, Note string
}

func (c *Console) reportsPage(w http.ResponseWriter, r *Request) error {
	d, err := c.reportsList(r)
	if err != nil {
		return err
	}
	return c.render(w, r, "reports", View{Title: "Báo cáo", Nav: navReports, Content: d})
}

// reportContest is the contest asked for (?contest=CODE), else the
// current one.
func (c *Console) reportContest(ctx context.Context, code string, now time.Time) (quiz.Contest, error) {
	if code != "" {
		ct, err := c.reports.db.ContestByCode(ctx, code)
		if quiz.ErrorCode(err) == quiz.ENOTFOUND {
			return ct, NotFound(fmt.Sprintf("Không có cuộc thi mã %s.", code))
		}
		return ct, err
	}
	return c.store.CurrentContest(ctx, now)
}

func (c *Console) reportsList(r *Request) (reportsData, error) {
	ctx := r.Context()
	now := c.clock.Now()
	d := reportsData{Scope: "Toàn tỉnh", Head: !r.Scope.All(), Days: quiz.DefaultCodeDays}
	// ?unit=CODE: the files of that unit and the units under it (a head's
	// own unit by default).
	d.Unit = r.URL.Query().Get("unit")
	if d.Unit != "" {
		if !r.Scope.Known(d.Unit) {
			return d, NotFound(fmt.Sprintf("Không có đơn vị mã %s.", d.Unit))
		}
		if !r.Scope.Allows(d.Unit) {
			return d, Forbidden(fmt.Sprintf("Anh/chị không có quyền tải báo cáo của đơn vị %s.", d.Unit))
		}
	}
	sliced := d.Head || d.Unit != ""
	switch {
	case d.Unit != "":
		d.Scope = r.Scope.Name(d.Unit)
	case d.Head:
		d.Scope = r.Scope.Name(r.Scope.Root())
	}
	if c.reports == nil {
		d.Empty = "Chức năng báo cáo chưa được bật trên máy chủ này."
		return d, nil
	}
	ct, err := c.reportContest(ctx, r.URL.Query().Get("contest"), now)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		d.Empty = "Chưa có cuộc thi nào."
		return d, nil
	}
	if err != nil {
		return d, err
	}
	all, err := c.reports.db.Contests(ctx)
	if err != nil {
		return d, err
	}
	if len(all) > 1 {
		for _, x := range all {
			d.Contests = append(d.Contests, contestChoice{Code: x.Code, Name: x.Name, Selected: x.Code == ct.Code})
		}
	}
	d.Contest = ct.Name
	d.Codes = c.reports.opt.Codes
	d.Units = r.Scope.Units()
	prizes, declared, err := c.reports.db.ContestPrizes(ctx, ct.ID)
	if err != nil {
		return d, err
	}
	has := map[string]bool{"round": declared && prizes.Round != nil, "contest": declared && prizes.Contest != nil, "units": declared && prizes.Units != nil}
	loc := ct.Location()
	link := func(def reportDef, round int, format string) string {
		v := url.Values{"contest": {ct.Code}, "report": {def.Key}, "format": {format}}
		if d.Unit != "" {
			v.Set("unit", d.Unit)
		}
		if round > 0 {
			v.Set("round", strconv.Itoa(round))
		}
		return "/console/reports/download?" + v.Encode()
	}
	items := func(whole bool, round int) []reportItem {
		var out []reportItem
		for _, def := range reportDefs {
			if (whole && !def.Whole) || (!whole && !def.Round) || (def.Prizes != "" && !has[def.Prizes]) {
				continue
			}
			it := reportItem{Name: def.Name}
			switch {
			case d.Head && def.Province:
				it.Note = "Chỉ Ban Tổ chức: số liệu toàn tỉnh, không tách theo đơn vị."
			case sliced && def.Province:
				it.Note = "Số liệu toàn tỉnh, không tách theo đơn vị: chọn phạm vi Toàn tỉnh."
			default:
				it.XLSX = link(def, round, "xlsx")
				if !def.XLSXOnly {
					it.CSV = link(def, round, "csv")
				}
			}
			out = append(out, it)
		}
		return out
	}
	opened, _, _ := startedRounds(ct, now)
	if len(opened) == 0 {
		d.Empty = "Chưa có đợt thi nào bắt đầu: chưa có báo cáo."
		if next, ok := ct.NextRound(now); ok {
			d.Empty = fmt.Sprintf("Chưa có đợt thi nào bắt đầu (đợt %d mở lúc %s): chưa có báo cáo.", next.Number, outbound.When(next.OpensAt, loc))
		}
		return d, nil
	}
	// The latest round first: the one people look for.
	for _, rd := range slices.Backward(opened) {
		g := reportGroup{ID: fmt.Sprintf("round-%d", rd.Number),
			Title: fmt.Sprintf("Đợt %d (%s – %s)", rd.Number, rd.OpensAt.In(loc).Format("02/01/2006"), rd.ClosesAt.In(loc).Format("02/01/2006")),
			Items: items(false, rd.Number)}
		if rd.Open(now) {
			g.Badge = "đang mở: số liệu tạm thời"
		}
		d.Groups = append(d.Groups, g)
	}
	d.Groups = append(d.Groups, reportGroup{ID: "contest", Title: "Toàn cuộc thi", Items: items(true, 0)})
	if sliced {
		d.Notes = append(d.Notes, fmt.Sprintf("Các tệp chỉ gồm %s và các đơn vị trực thuộc; thứ hạng là thứ hạng toàn tỉnh.", d.Scope))
	}
	return d, nil
}

// formatErr is the error of a bad ?format=.
func formatErr(f string) error {
	return BadRequest(fmt.Sprintf("Định dạng %q không hợp lệ: chọn xlsx hoặc csv.", f))
}

// download serves one report as a file.
func (c *Console) download(w http.ResponseWriter, r *Request) error {
	if c.reports == nil {
		return NotFound("Chức năng báo cáo chưa được bật trên máy chủ này.")
	}
	ctx := r.Context()
	now := c.clock.Now()
	q := r.URL.Query()
	format := q.Get("format")
	if format != "xlsx" && format != "csv" {
		return formatErr(format)
	}
	ct, err := c.reportContest(ctx, q.Get("contest"), now)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return NotFound("Chưa có cuộc thi nào.")
	}
	if err != nil {
		return err
	}
	round := 0
	if s := q.Get("round"); s != "" {
		if round, err = strconv.Atoi(s); err != nil || round < 1 {
			return BadRequest(fmt.Sprintf("Số đợt %q không hợp lệ.", s))
		}
	}
	def, ok := findReport(q.Get("report"), round == 0)
	if !ok {
		return BadRequest(fmt.Sprintf("Không có báo cáo %q cho %s.", q.Get("report"), map[bool]string{true: "toàn cuộc thi", false: "một đợt thi"}[round == 0]))
	}
	var rd quiz.Round
	if round > 0 {
		if rd, ok = ct.RoundByNumber(round); !ok {
			return NotFound(fmt.Sprintf("Cuộc thi không có đợt %d.", round))
		}
		if now.Before(rd.OpensAt) {
			return NotFound(fmt.Sprintf("Đợt %d chưa bắt đầu: chưa có báo cáo.", round))
		}
	}
	if def.XLSXOnly && format != "xlsx" {
		return formatErr(format)
	}
	// The slice: ?unit=CODE (a unit of the member's scope and the units
	// under it), else a head's own unit, else the province.
	unit := q.Get("unit")
	if unit == "" && !r.Scope.All() {
		unit = r.Scope.Root()
	}
	var slice reports.Slice
	if unit != "" {
		if !r.Scope.Known(unit) {
			return NotFound(fmt.Sprintf("Không có đơn vị mã %s.", unit))
		}
		if !r.Scope.Allows(unit) {
			return Forbidden(fmt.Sprintf("Anh/chị không có quyền tải báo cáo của đơn vị %s.", unit))
		}
		if def.Province {
			return Forbidden(fmt.Sprintf("%s là số liệu toàn tỉnh, không tách theo đơn vị: chỉ Ban Tổ chức tải được bản toàn tỉnh.", def.Name))
		}
		slice = NewScope(quiz.Member{Role: quiz.RoleHead, UnitCode: unit}, r.Scope.units).Allows
	}

	what := def.Name
	if round > 0 {
		what += fmt.Sprintf(" đợt %d", round)
	}
	file := what
	if unit != "" {
		file += " - " + unit
	}
	release, err := c.reports.turn(ctx)
	if err != nil {
		return err
	}
	defer release()
	// Everything that can refuse is read before the first byte goes out;
	// the rows then stream from PostgreSQL to the response, so that a
	// national report never sits in memory.
	var write func(io.Writer) error
	if def.Key == "workbook" {
		// The command's workbook; a slice leaves out Câu hỏi, the
		// province's item analysis, as the heads' weekly cards do, and Bài
		// dự thi, every unit's entries and scores.
		opt := report.WorkbookOptions{Unit: unit}
		if round == 0 && unit == "" && c.entries != nil {
			res, err := c.entries.Results(ctx, ct.ID)
			switch {
			case err == nil:
				opt.Entries = &res
			case quiz.ErrorCode(err) != quiz.ENOTFOUND: // ENOTFOUND: no entries part
				return err
			}
		}
		wb, err := report.BuildWorkbook(ctx, c.reports.db, ct, round, now, opt)
		if err != nil {
			return c.reportErr(err)
		}
		write = wb.Write
	} else {
		t, err := c.buildTable(ctx, def, ct, rd, round, now, slice)
		if err != nil {
			return c.reportErr(err)
		}
		t = t.Vietnamese()
		t.Name = def.Name
		if format == "xlsx" {
			write = func(w io.Writer) error { return report.WriteXLSXStream(w, t) }
		} else {
			write = func(w io.Writer) error { return report.WriteCSVStream(w, t, true) } // with the BOM that Excel needs
		}
	}
	scope := "toàn tỉnh"
	if unit != "" {
		scope = r.Scope.Name(unit) + " và các đơn vị trực thuộc"
	}
	if err := c.Audit(ctx, r.Member, "Tải báo cáo", fmt.Sprintf("%s, %s (%s)", what, scope, strings.ToUpper(format))); err != nil {
		return err
	}
	ctype := "text/csv; charset=utf-8"
	if format == "xlsx" {
		ctype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Content-Disposition", attachment(file+"."+format))
	if err := write(w); err != nil {
		// The status has gone out: the browser sees a cut download.
		c.log.Error("console: report download cut off", "report", def.Key, "round", round, "err", err)
	}
	return nil
}

// buildTable builds a report other than the workbook, as the command does:
// results, units and absent stream their rows from PostgreSQL.
func (c *Console) buildTable(ctx context.Context, def reportDef, ct quiz.Contest, rd quiz.Round, round int, now time.Time, slice reports.Slice) (report.StreamTable, error) {
	db := c.reports.db
	var t report.Table
	var err error
	switch def.Key {
	case "results", "units", "absent":
		st, _, err := reports.RoundStream(ctx, db, report.Kind(def.Key), ct, rd, now, slice)
		return st, err
	case "prizes", "unitprizes", "zeros":
		t, _, err = reports.BuildPrizes(ctx, db, reports.Prizes{Zeros: def.Key == "zeros", Round: round, Units: def.Key == "unitprizes"}, ct, now, slice)
	case "questions":
		rounds := []quiz.Round{rd}
		if round == 0 {
			rounds = ct.Rounds
		}
		t, _, err = reports.Questions(ctx, db, rounds, round == 0, now)
	case "signals":
		t, _, err = reports.Signals(ctx, db, ct, rd, now, slice)
	default:
		return report.StreamTable{}, BadRequest(fmt.Sprintf("Không có báo cáo %q.", def.Key))
	}
	return t.Stream(), err
}

// reportErr words the reports' refusals for people.
func (c *Console) reportErr(err error) error {
	switch {
	case errors.Is(err, reports.ErrNoRoundOpened):
		return NotFound("Chưa có đợt thi nào bắt đầu: chưa có báo cáo.")
	case errors.Is(err, reports.ErrNoRoundPrizes), errors.Is(err, reports.ErrNoContestPrizes), errors.Is(err, reports.ErrNoUnitPrizes):
		return NotFound("Thể lệ cuộc thi không quy định giải thưởng này.")
	}
	return err
}

// attachment is a Content-Disposition for a file named name: an ASCII
// name without diacritics for old clients (đ as d, spaces as one dash), and
// the Vietnamese name for the others (RFC 6266, RFC 5987).
func attachment(name string) string {
	ascii := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			return r
		case r == ' ':
			return '-'
		}
		return -1
	}, foldKeepCase(name))
	for strings.Contains(ascii, "--") {
		ascii = strings.ReplaceAll(ascii, "--", "-")
	}
	return mime.FormatMediaType("attachment", map[string]string{"filename": ascii}) +
		"; filename*=UTF-8''" + url.PathEscape(name)
}

// foldKeepCase drops the diacritics of s (đ as d, Đ as D), keeping case.
func foldKeepCase(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ':
			r = 'd'
		case r == 'Đ':
			r = 'D'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// issueCodes gives every active member of a unit and of the units under it
// a new activation code and sends the workbook of `quizbot member codes`.
// The codes commit only once the workbook is written in memory, and are
// voided if it cannot be sent: every valid code is in a file someone got.
func (c *Console) issueCodes(w http.ResponseWriter, r *Request) error {
	if c.reports == nil || !c.reports.opt.Codes {
		return NotFound("Máy chủ này không dùng mã kích hoạt (cán bộ xác thực bằng số điện thoại).")
	}
	ctx := r.Context()
	code := strings.TrimSpace(r.PostFormValue("unit"))
	if !r.Scope.Known(code) {
		return NotFound(fmt.Sprintf("Không có đơn vị mã %s.", code))
	}
	if !r.Scope.Allows(code) {
		return Forbidden(fmt.Sprintf("Anh/chị không có quyền cấp mã cho đơn vị %s.", code))
	}
	days := quiz.DefaultCodeDays
	if s := strings.TrimSpace(r.PostFormValue("days")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 366 {
			return BadRequest(fmt.Sprintf("Số ngày hiệu lực %q không hợp lệ: nhập một số từ 1 đến 366.", s))
		}
		days = n
	}
	if r.PostFormValue("confirm") != "1" {
		return BadRequest("Vui lòng đánh dấu ô xác nhận: cấp mã mới làm mã cũ của các cán bộ này hết hiệu lực.")
	}
	now := c.clock.Now()
	expires := now.AddDate(0, 0, days)
	var body bytes.Buffer
	issued, err := c.reports.db.IssueActivationCodes(ctx, storage.CodeScope{UnitCode: code}, now, expires, quiz.NewCode,
		func(codes []storage.IssuedCode) error { return reports.WriteCodesWorkbook(&body, codes, now) })
	if err != nil {
		return fmt.Errorf("issue codes for %s: %w", code, err)
	}
	if len(issued) == 0 {
		return BadRequest(fmt.Sprintf("Đơn vị %s và các đơn vị trực thuộc không có cán bộ nào đang trong danh sách dự thi: không cấp mã nào.", r.Scope.Name(code)))
	}
	if err := c.Audit(ctx, r.Member, "Cấp mã kích hoạt", fmt.Sprintf("%s (%s) và các đơn vị trực thuộc: %s mã, hết hạn %s",
		r.Scope.Name(code), code, outbound.GroupDigits(int64(len(issued))), reports.VNTime(expires))); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", attachment("Mã kích hoạt - "+code+".xlsx"))
	w.Header().Set("Content-Length", strconv.Itoa(body.Len()))
	if _, err := w.Write(body.Bytes()); err != nil {
		// Nobody has these codes: void them (the previous ones are gone
		// too, as after the command's failed rename).
		if verr := c.reports.db.VoidActivationCodes(context.WithoutCancel(ctx), issued, c.clock.Now()); verr != nil {
			c.log.Error("console: codes issued but not sent, and not voided", "unit", code, "err", verr)
		}
		c.log.Error("console: codes workbook not sent; codes voided", "unit", code, "err", err)
	}
	return nil
}
