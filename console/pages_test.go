package console_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lib/pq"
	"github.com/xuri/excelize/v2"

	"quizbot/console"
	"quizbot/notify"
	"quizbot/quiz"
)

// pagesFixture is the console's fixture with Báo cáo and Thông báo wired
// as serve wires them: the reports over the database, codes on, and a
// notifier and scheduler over the same queue as `quizbot notify`.
func pagesFixture(t *testing.T) *fixture {
	t.Helper()
	f := newFixture(t)
	seedRound(f)
	// The schedule of examples/contest.yaml's kind: reminders on weekdays,
	// the summary on Monday mornings.
	if _, err := f.db.ExecContext(context.Background(), `UPDATE contests SET reminders = $1, summary = '0 7 * * 1'`,
		pq.StringArray{"0 8 * * 1-5", "0 14 * * 1-5"}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	n := notify.NewNotifier(f.db, f.clock, log, []quiz.Platform{quiz.PlatformTelegram})
	f.cons.UseNotify(f.db, n, notify.NewScheduler(f.db, nil, n, f.clock, log, notify.SchedulerOptions{}))
	f.cons.UseReports(f.db, console.ReportsOptions{Codes: true})
	return f
}

// fetch GETs path and returns the status, the headers and the body.
func (c *client) fetch(path string) (int, http.Header, []byte) {
	c.f.t.Helper()
	res, err := c.c.Get(c.f.srv.URL + path)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

// sheetRows reads the first sheet of an xlsx file as text.
func sheetRows(t *testing.T, data []byte, sheet string) [][]string {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not a workbook: %v (%q)", err, clip(string(data), 300))
	}
	defer x.Close()
	if sheet == "" {
		sheet = x.GetSheetName(0)
	}
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatalf("sheet %q: %v (sheets %q)", sheet, err, x.GetSheetList())
	}
	return rows
}

func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func joinRows(rows [][]string) string {
	lines := make([]string, len(rows))
	for i, r := range rows {
		lines[i] = strings.Join(r, "|")
	}
	return strings.Join(lines, "\n")
}

func TestReportsDownloadByScope(t *testing.T) {
	t.Parallel()
	f := pagesFixture(t)
	org, head := f.signIn("org"), f.signIn("head")

	// The organizer: every unit's members, ranked as the command ranks.
	st, h, body := org.fetch("/console/reports/download?contest=cchc&report=results&round=1&format=xlsx")
	if st != http.StatusOK {
		t.Fatalf("organizer's results: %d %s", st, body)
	}
	if got, want := h.Get("Content-Disposition"), `attachment; filename=Ket-qua-ca-nhan-dot-1.xlsx; filename*=UTF-8''K%E1%BA%BFt%20qu%E1%BA%A3%20c%C3%A1%20nh%C3%A2n%20%C4%91%E1%BB%A3t%201.xlsx`; got != want {
		t.Errorf("Content-Disposition %q, want %q", got, want)
	}
	rows := sheetRows(t, body, "")
	if got := joinRows(rows); !strings.HasPrefix(got, "Hạng|Họ và tên|Số điện thoại|Mã đơn vị|Chức vụ|Số câu đúng|Số câu hỏi|Thời gian làm bài (giây)|Dự đoán|Thời điểm nộp bài\n"+
		"1|Nguyễn Văn An|0912000003|SNV|Chuyên viên|3|3|120||") || len(rows) != 5 {
		t.Errorf("organizer's results:\n%s", got)
	}
	names := func(rows [][]string, col int) string {
		var out []string
		for _, r := range rows[1:] {
			out = append(out, r[col])
		}
		return strings.Join(out, ", ")
	}
	if got, want := names(rows, 1), "Nguyễn Văn An, Vũ Văn Hải, Hoàng Văn Em, Bùi Thị Lan"; got != want {
		t.Errorf("organizer's results rank %q, want %q", got, want)
	}

	// The head: their unit and XA1 under it, with the province's ranks.
	st, h, body = head.fetch("/console/reports/download?contest=cchc&report=results&round=1&format=xlsx")
	if st != http.StatusOK {
		t.Fatalf("head's results: %d %s", st, body)
	}
	if got := h.Get("Content-Disposition"); !strings.Contains(got, "filename=Ket-qua-ca-nhan-dot-1-SNV.xlsx;") {
		t.Errorf("head's file name: %q", got)
	}
	rows = sheetRows(t, body, "")
	if got, want := names(rows, 1)+" / ranks "+names(rows, 0), "Nguyễn Văn An, Hoàng Văn Em / ranks 1, 3"; got != want {
		t.Errorf("head's results: %q, want %q", got, want)
	}

	// The head's units report as CSV, with the BOM Excel needs.
	st, h, body = head.fetch("/console/reports/download?contest=cchc&report=units&round=1&format=csv")
	if st != http.StatusOK {
		t.Fatalf("head's units: %d %s", st, body)
	}
	if ct := h.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("CSV served as %q", ct)
	}
	if got, want := string(body), "\ufeffMã đơn vị,Tên đơn vị,Số CBCCVC,Đã kích hoạt,Số người tham gia,Tỷ lệ tham gia (%),Số câu đúng bình quân,Số bài 0 điểm\n"+
		"SNV,Sở Nội vụ,3,0,1,33.3,3.00,0\nXA1,UBND xã Hòa Phú,2,0,1,50.0,2.00,0\n"; got != want {
		t.Errorf("head's units CSV:\n%q\nwant\n%q", got, want)
	}

	// Refused: another unit's slice, the province's item analysis, bad
	// input; each says why.
	for _, tc := range []struct {
		path   string
		status int
		says   string
	}{
		{"/console/reports/download?report=results&round=1&format=xlsx&unit=SYT", 403, "Anh/chị không có quyền tải báo cáo của đơn vị SYT."},
		{"/console/reports/download?report=absent&round=1&format=csv&unit=TINH", 403, "Anh/chị không có quyền tải báo cáo của đơn vị TINH."},
		{"/console/reports/download?report=questions&round=1&format=xlsx", 403, "Phân tích câu hỏi là số liệu toàn tỉnh, không tách theo đơn vị"},
		{"/console/reports/download?report=results&round=7&format=xlsx", 404, "Cuộc thi không có đợt 7."},
		{"/console/reports/download?report=results&round=2&format=xlsx", 404, "Đợt 2 chưa bắt đầu: chưa có báo cáo."},
		{"/console/reports/download?report=results&round=1&format=pdf", 400, `Định dạng "pdf" không hợp lệ: chọn xlsx hoặc csv.`},
		{"/console/reports/download?report=results&round=x&format=csv", 400, `Số đợt "x" không hợp lệ.`},
		{"/console/reports/download?report=secret&round=1&format=csv", 400, `Không có báo cáo "secret" cho một đợt thi.`},
	} {
		st, body := head.get(tc.path)
		if st != tc.status || !strings.Contains(text(body), tc.says) {
			t.Errorf("head GET %s: %d, want %d saying %q:\n%s", tc.path, st, tc.status, tc.says, text(body))
		}
	}
	// The head's sub-unit is theirs to slice.
	st, _, body = head.fetch("/console/reports/download?report=absent&round=1&format=csv&unit=XA1")
	if got, want := string(body), "\ufeffMã đơn vị,Họ và tên,Số điện thoại,Chức vụ,Đã kích hoạt,Lý do\nXA1,Đỗ Thị Giang,0912000006,Công chức,không,chưa kích hoạt\n"; st != 200 || got != want {
		t.Errorf("head's XA1 absent: %d\n%q\nwant\n%q", st, got, want)
	}
	// The organizer gets the item analysis.
	if st, _, body := org.fetch("/console/reports/download?report=questions&format=xlsx"); st != 200 {
		t.Errorf("organizer's questions of the contest: %d %s", st, body)
	}

	// Each download is in the audit log, with whose slice.
	_, audit := org.get("/console/audit")
	for _, want := range []string{
		"Phạm Thu Dung UBND tỉnh Hòa Bình Tải báo cáo Kết quả cá nhân đợt 1, toàn tỉnh (XLSX)",
		"Lê Minh Chi Sở Nội vụ Tải báo cáo Kết quả cá nhân đợt 1, Sở Nội vụ và các đơn vị trực thuộc (XLSX)",
		"Lê Minh Chi Sở Nội vụ Tải báo cáo Danh sách chưa tham gia đợt 1, UBND xã Hòa Phú và các đơn vị trực thuộc (CSV)",
	} {
		if !strings.Contains(text(audit), want) {
			t.Errorf("audit lacks %q:\n%s", want, text(audit))
		}
	}
}

func TestReportsPageLists(t *testing.T) {
	t.Parallel()
	f := pagesFixture(t)
	_, page := f.signIn("org").get("/console/reports")
	for _, want := range []string{
		"Tìm hiểu cải cách hành chính 2026 · Phạm vi: Toàn tỉnh",
		"Đợt 1 (30/11/2026 – 04/12/2026) đang mở: số liệu tạm thời",
		"Kết quả cá nhân Excel (.xlsx) CSV Số liệu đơn vị Excel (.xlsx) CSV Danh sách chưa tham gia Excel (.xlsx) CSV Bài thi 0 điểm Excel (.xlsx) CSV Phân tích câu hỏi Excel (.xlsx) CSV Dấu hiệu bất thường Excel (.xlsx) CSV",
		"Toàn cuộc thi",
		"Mã kích hoạt tài khoản",
	} {
		if !strings.Contains(text(page), want) {
			t.Errorf("organizer's Báo cáo lacks %q:\n%s", want, text(page))
		}
	}
	_, page = f.signIn("head").get("/console/reports")
	for _, want := range []string{
		"Phạm vi: Sở Nội vụ",
		"Các tệp chỉ gồm Sở Nội vụ và các đơn vị trực thuộc; thứ hạng là thứ hạng toàn tỉnh.",
		"Phân tích câu hỏi Chỉ Ban Tổ chức: số liệu toàn tỉnh, không tách theo đơn vị.",
		`<option value="XA1">UBND xã Hòa Phú (XA1)</option>`,
	} {
		if !strings.Contains(text(page), want) && !strings.Contains(page, want) {
			t.Errorf("head's Báo cáo lacks %q:\n%s", want, text(page))
		}
	}
	if strings.Contains(page, `value="SYT"`) {
		t.Error("the head is offered SYT's units")
	}
	if st, page := f.signIn("head").get("/console/reports?unit=SYT"); st != 403 || !strings.Contains(text(page), "Anh/chị không có quyền tải báo cáo của đơn vị SYT.") {
		t.Errorf("head's Báo cáo of SYT: %d %s", st, text(page))
	}
	// An organizer picks a unit's slice: the links carry it.
	_, page = f.signIn("org").get("/console/reports?unit=SYT")
	for _, want := range []string{
		"Phạm vi: Sở Y tế",
		"Các tệp chỉ gồm Sở Y tế và các đơn vị trực thuộc; thứ hạng là thứ hạng toàn tỉnh.",
		"Phân tích câu hỏi Số liệu toàn tỉnh, không tách theo đơn vị: chọn phạm vi Toàn tỉnh.",
		`href="/console/reports/download?contest=cchc&amp;format=xlsx&amp;report=results&amp;round=1&amp;unit=SYT"`,
	} {
		if !strings.Contains(text(page), want) && !strings.Contains(page, want) {
			t.Errorf("organizer's Báo cáo of SYT lacks %q:\n%s", want, text(page))
		}
	}
}

func TestActivationCodesFromConsole(t *testing.T) {
	t.Parallel()
	f := pagesFixture(t)
	head := f.signIn("head")
	token := head.csrf()
	post := func(form url.Values) (*http.Response, []byte) {
		t.Helper()
		res, err := head.c.PostForm(f.srv.URL+"/console/reports/codes", form)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	live := func() int {
		var n int
		if err := f.db.GetContext(context.Background(), &n, `SELECT count(*) FROM activation_codes WHERE used_at IS NULL AND voided_at IS NULL`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tc := range []struct {
		form   url.Values
		status int
		says   string
	}{
		{url.Values{"unit": {"SYT"}, "confirm": {"1"}, "csrf": {token}}, 403, "Anh/chị không có quyền cấp mã cho đơn vị SYT."},
		{url.Values{"unit": {"XA1"}, "csrf": {token}}, 400, "Vui lòng đánh dấu ô xác nhận"},
		{url.Values{"unit": {"XA1"}, "confirm": {"1"}, "days": {"400"}, "csrf": {token}}, 400, `Số ngày hiệu lực "400" không hợp lệ`},
		{url.Values{"unit": {"XA1"}, "confirm": {"1"}}, 403, "thiếu hoặc sai mã bảo vệ biểu mẫu"},
	} {
		res, b := post(tc.form)
		if res.StatusCode != tc.status || !strings.Contains(text(string(b)), tc.says) {
			t.Errorf("codes %v: %d, want %d saying %q: %s", tc.form, res.StatusCode, tc.status, tc.says, text(string(b)))
		}
	}
	if n := live(); n != 0 {
		t.Fatalf("%d codes issued by refused requests", n)
	}
	res, b := post(url.Values{"unit": {"XA1"}, "confirm": {"1"}, "days": {"7"}, "csrf": {token}})
	if res.StatusCode != 200 {
		t.Fatalf("codes for XA1: %d %s", res.StatusCode, text(string(b)))
	}
	if cd := res.Header.Get("Content-Disposition"); !strings.Contains(cd, "filename=Ma-kich-hoat-XA1.xlsx;") {
		t.Errorf("codes file name: %q", cd)
	}
	rows := sheetRows(t, b, "XA1")
	if len(rows) != 5 || joinRows(rows[2:3]) != "Họ và tên|Chức vụ|Mã kích hoạt|Hết hạn" ||
		rows[3][0] != "Đỗ Thị Giang" || rows[4][0] != "Hoàng Văn Em" || rows[3][3] != "09/12/2026 09:00" {
		t.Errorf("codes workbook:\n%s", joinRows(rows))
	}
	if n := live(); n != 2 {
		t.Errorf("%d live codes, want XA1's 2", n)
	}
	// The code binds a chat account to its member, as a slip from `quizbot
	// member codes` does.
	code, ok := quiz.NormalizeCode(rows[3][2])
	if !ok {
		t.Fatalf("not a code: %q", rows[3][2])
	}
	m, outcome, err := f.db.RedeemActivationCode(context.Background(), quiz.HashCode(code),
		quiz.Identity{Platform: quiz.PlatformTelegram, ExternalID: "777", ChatID: "777"}, f.clock.Now())
	if err != nil || outcome != quiz.CodeRedeemed || m.FullName != "Đỗ Thị Giang" {
		t.Errorf("redeem the sheet's code: %v %v %v", m.FullName, outcome, err)
	}
	_, audit := f.signIn("org").get("/console/audit")
	if want := "Lê Minh Chi Sở Nội vụ Cấp mã kích hoạt UBND xã Hòa Phú (XA1) và các đơn vị trực thuộc: 2 mã, hết hạn 09/12/2026 09:00"; !strings.Contains(text(audit), want) {
		t.Errorf("audit lacks %q:\n%s", want, text(audit))
	}
}

// remindFixture links chat accounts for head, a1, a2, x2 and y3; after
// seedRound, the reminder's audience is head, x2 and y3 (a1 took part,
// a2 is taking it).
func remindFixture(t *testing.T) *fixture {
	f := pagesFixture(t)
	for i, key := range []string{"head", "a1", "a2", "x2", "y3"} {
		if err := f.db.LinkIdentity(context.Background(), quiz.Identity{MemberID: f.member(key).ID, Platform: quiz.PlatformTelegram,
			ExternalID: fmt.Sprint(100 + i), ChatID: fmt.Sprint(100 + i)}); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *fixture) queued(kind string) int {
	f.t.Helper()
	var n int
	if err := f.db.GetContext(context.Background(), &n, `SELECT count(*) FROM notifications WHERE kind = $1`, kind); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestRemindNowOncePerDay(t *testing.T) {
	t.Parallel()
	f := remindFixture(t)
	org := f.signIn("org")

	// Without the form's token: refused, nothing queued.
	if st, body := org.post("/console/notifications/remind", url.Values{"round": {"1"}}); st != 403 ||
		!strings.Contains(text(body), "Yêu cầu không hợp lệ (thiếu hoặc sai mã bảo vệ biểu mẫu).") {
		t.Errorf("remind without csrf: %d %s", st, text(body))
	}
	// A head: refused even with the token.
	head := f.signIn("head")
	if st, body := head.post("/console/notifications/remind", url.Values{"round": {"1"}, "csrf": {head.csrf()}}); st != 403 ||
		!strings.Contains(text(body), "Chỉ Ban Tổ chức được gửi nhắc nhở.") {
		t.Errorf("head's remind: %d %s", st, text(body))
	}
	if n := f.queued(notify.KindRemind); n != 0 {
		t.Fatalf("%d reminders queued by refused requests", n)
	}

	token := org.csrf()
	st, body := org.post("/console/notifications/remind", url.Values{"round": {"1"}, "csrf": {token}})
	if st != 200 || !strings.Contains(text(body), "Đã xếp hàng 3 tin nhắc nhở đợt 1; hệ thống đang gửi.") {
		t.Fatalf("first press: %d %s", st, text(body))
	}
	// Pressed again the same day (later that day): the same slot, nothing new.
	f.clock.Advance(5 * time.Hour)
	st, body = org.post("/console/notifications/remind", url.Values{"round": {"1"}, "csrf": {token}})
	if st != 200 || !strings.Contains(text(body), "Không có tin nhắc nhở mới: hôm nay đã gửi nhắc nhở đợt 1") {
		t.Fatalf("second press: %d %s", st, text(body))
	}
	if n := f.queued(notify.KindRemind); n != 3 {
		t.Errorf("%d reminders queued after two presses, want 3", n)
	}
	// The command's run on the same day adds nothing either: one queue, one
	// slot.
	job, _ := notify.ManualRemind(f.seed.Contest, f.seed.Round, f.clock.Now())
	if job.Slot != "manual-2026-12-02" {
		t.Errorf("slot %q", job.Slot)
	}

	// A sender claims one and it fails; the page counts it and says why.
	c, ok, err := f.db.ClaimNotification(context.Background(), quiz.PlatformTelegram, time.Minute, f.clock.Now())
	if err != nil || !ok {
		t.Fatalf("claim: %v %v", ok, err)
	}
	if _, err := f.db.MarkFailed(context.Background(), c, 0, "Bad Request: chat not found"); err != nil {
		t.Fatal(err)
	}
	_, page := org.get("/console/notifications?round=1")
	for _, want := range []string{
		"Lịch gửi sắp tới Thời gian Nội dung 08:00 thứ Năm, 03/12/2026 Nhắc nhở · Đợt 1 14:00 thứ Năm, 03/12/2026 Nhắc nhở · Đợt 1 08:00 thứ Sáu, 04/12/2026 Nhắc nhở · Đợt 1 " +
			"13:30 thứ Sáu, 04/12/2026 Nhắc lần cuối · Đợt 1 07:00 thứ Hai, 07/12/2026 Báo cáo tuần đợt 1 (thủ trưởng và Ban Tổ chức) " +
			"07:30 thứ Hai, 07/12/2026 Mở đợt thi · Đợt 2",
		"Loại Đang chờ gửi Đang gửi Đã gửi Lỗi Không liên lạc được Đã huỷ Tổng Nhắc nhở 2 0 0 1 0 0 3",
		"Thông báo không gửi được (1)",
		// (the time is the claim's, the database's clock)
		"Lê Minh Chi 091****002 Sở Nội vụ Nhắc nhở Telegram Lỗi 1 Bad Request: chat not found Trang 1/1",
	} {
		if !strings.Contains(text(page), want) {
			t.Errorf("Thông báo lacks %q:\n%s", want, text(page))
		}
	}
	// The head sees their units' share, and no button.
	_, page = head.get("/console/notifications")
	if !strings.Contains(text(page), "Nhắc nhở 1 0 0 1 0 0 2") || strings.Contains(page, "/console/notifications/remind") {
		t.Errorf("head's Thông báo:\n%s", text(page))
	}
	_, audit := org.get("/console/audit")
	if got := strings.Count(text(audit), "Gửi nhắc nhở ngay Đợt 1:"); got != 2 ||
		!strings.Contains(text(audit), "Gửi nhắc nhở ngay Đợt 1: 0 tin nhắc nhở được xếp hàng") {
		t.Errorf("audit has %d reminders:\n%s", got, text(audit))
	}
}

func TestNotificationFailuresPaginated(t *testing.T) {
	t.Parallel()
	f := pagesFixture(t)
	// 23 failed reminders of x2 (XA1) and 2 unreachable of y3 (SYT), as a
	// sender records them (rows written directly: one member's 25 slots).
	for i := range 25 {
		who, status := "x2", "failed"
		if i >= 23 {
			who, status = "y3", "unreachable"
		}
		if _, err := f.db.ExecContext(context.Background(), `INSERT INTO notifications
			(dedup_key, kind, round_id, member_id, platform, chat_id, status, tries, last_error)
			VALUES ($1, 'remind', $2, $3, 'zalo', 'c', $4, 5, $5)`,
			fmt.Sprintf("remind:%d:%d:slot-%02d", f.seed.Round.ID, f.member(who).ID, i), f.seed.Round.ID, f.member(who).ID, status,
			fmt.Sprintf("lỗi số %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	org := f.signIn("org")
	_, page := org.get("/console/notifications?round=1")
	body := text(page)
	if !strings.Contains(body, "Thông báo không gửi được (25)") || !strings.Contains(body, "Trang 1/2") ||
		strings.Count(body, "Nhắc nhở Zalo") != 20 || !strings.Contains(page, `href="/console/notifications?page=2&amp;round=1#failures"`) ||
		!strings.Contains(body, "Ngô Văn Minh 091****009 Sở Y tế Nhắc nhở Zalo Không liên lạc được 5 lỗi số 24") ||
		strings.Contains(body, "lỗi số 4 ") {
		t.Errorf("page 1:\n%s", body)
	}
	_, page = org.get("/console/notifications?round=1&page=2")
	body = text(page)
	if !strings.Contains(body, "Trang 2/2") || strings.Count(body, "Nhắc nhở Zalo") != 5 ||
		!strings.Contains(body, "Đỗ Thị Giang 091****006 UBND xã Hòa Phú Nhắc nhở Zalo Lỗi 5 lỗi số 0") {
		t.Errorf("page 2:\n%s", body)
	}
	// The head sees XA1's 23, not SYT's.
	_, page = f.signIn("head").get("/console/notifications?round=1&page=2")
	if body = text(page); !strings.Contains(body, "Thông báo không gửi được (23)") || strings.Contains(body, "Ngô Văn Minh") {
		t.Errorf("head's page 2:\n%s", body)
	}
	if st, page := org.get("/console/notifications?round=1&page=0"); st != 400 || !strings.Contains(text(page), `Số trang "0" không hợp lệ.`) {
		t.Errorf("page 0: %d %s", st, text(page))
	}
}

// TestPrizesAndZerosSliced: the round's prizes and zero scores, as the
// organizer gets them and as a head's slice (SNV and XA1) has them.
func TestPrizesAndZerosSliced(t *testing.T) {
	t.Parallel()
	f := pagesFixture(t)
	if _, err := f.db.ExecContext(context.Background(), `UPDATE contests SET prizes = '{"round": {"nhat": 1, "nhi": 1, "ba": 1}}'`); err != nil {
		t.Fatal(err)
	}
	org, head := f.signIn("org"), f.signIn("head")
	if _, page := head.get("/console/reports"); !strings.Contains(text(page), "Giải thưởng Excel (.xlsx) CSV") {
		t.Errorf("the round's prizes are not offered:\n%s", text(page))
	}
	csv := func(c *client, path string) string {
		t.Helper()
		st, _, b := c.fetch(path)
		if st != 200 {
			t.Fatalf("GET %s: %d %s", path, st, text(string(b)))
		}
		return strings.TrimPrefix(string(b), "\ufeff")
	}
	const prizes = "/console/reports/download?report=prizes&round=1&format=csv"
	if got, want := csv(org, prizes), "Giải,Hạng,Họ và tên,Số điện thoại,Mã đơn vị,Chức vụ,Số câu đúng,Chênh lệch dự đoán,Thời gian làm bài (giây)\n"+
		"nhat,1,Nguyễn Văn An,0912000003,SNV,Chuyên viên,3,,120\nnhi,2,Vũ Văn Hải,0912000007,SYT,Bác sĩ,3,,120\nba,3,Hoàng Văn Em,0912000005,XA1,Công chức,2,,120\n"; got != want {
		t.Errorf("organizer's prizes:\n%s\nwant\n%s", got, want)
	}
	if got, want := csv(head, prizes), "Giải,Hạng,Họ và tên,Số điện thoại,Mã đơn vị,Chức vụ,Số câu đúng,Chênh lệch dự đoán,Thời gian làm bài (giây)\n"+
		"nhat,1,Nguyễn Văn An,0912000003,SNV,Chuyên viên,3,,120\nba,3,Hoàng Văn Em,0912000005,XA1,Công chức,2,,120\n"; got != want {
		t.Errorf("head's prizes:\n%s\nwant\n%s", got, want)
	}
	const zeros = "/console/reports/download?report=zeros&round=1&format=csv"
	if got := csv(org, zeros); !strings.Contains(got, "\nSYT,Sở Y tế,Bùi Thị Lan,0912000008,Điều dưỡng,3,120,") || strings.Count(got, "\n") != 2 {
		t.Errorf("organizer's zero scores:\n%s", got)
	}
	if got := csv(head, zeros); strings.Count(got, "\n") != 1 {
		t.Errorf("head's zero scores hold another unit's:\n%s", got)
	}
	// The contest declares no contest prizes: not offered, and asked for,
	// said so.
	if st, page := org.get("/console/reports/download?report=prizes&format=csv"); st != 404 || !strings.Contains(text(page), "Thể lệ cuộc thi không quy định giải thưởng này.") {
		t.Errorf("contest prizes: %d %s", st, text(page))
	}
}

// A download waits for its turn while others are built (each holds a
// database connection the chats also need), and says so when its turn does
// not come; then it works again.
func TestReportsDownloadWaitsItsTurn(t *testing.T) {
	t.Parallel()
	f := pagesFixture(t)
	f.cons.UseReports(f.db, console.ReportsOptions{Codes: true, Wait: 20 * time.Millisecond})
	org := f.signIn("org")
	release := f.cons.HoldReportTurns(t)
	st, body := org.get("/console/reports/download?contest=cchc&report=units&round=1&format=csv")
	if st != http.StatusServiceUnavailable || !strings.Contains(text(body), "Máy chủ đang xuất các báo cáo khác. Vui lòng thử lại sau ít phút.") {
		t.Errorf("download while others are built: %d\n%s", st, text(body))
	}
	release()
	if st, _, body := org.fetch("/console/reports/download?contest=cchc&report=units&round=1&format=csv"); st != http.StatusOK || !strings.HasPrefix(string(body), "\ufeffMã đơn vị,") {
		t.Errorf("download after: %d %.200q", st, body)
	}
}
