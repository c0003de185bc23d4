package console_test

import (
	"bytes"
	"context"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// rosterGood is the fixture's roster with Bình promoted (updated), Ngô Văn
// Minh missing (deactivated), and two new members (added); the other seven,
// the organizer and the head among them, are unchanged.
const rosterGood = "full_name,phone,unit_code,position,role\n" +
	"Phạm Thu Dung,0912000001,TINH,Chuyên viên,organizer\n" +
	"Lê Minh Chi,0912000002,SNV,Giám đốc,head\n" +
	"Nguyễn Văn An,0912000003,SNV,Chuyên viên,\n" +
	"Trần Thị Bình,0912000004,SNV,Phó Trưởng phòng,\n" +
	"Hoàng Văn Em,0912000005,XA1,Công chức,\n" +
	"Đỗ Thị Giang,0912000006,XA1,Công chức,\n" +
	"Vũ Văn Hải,0912000007,SYT,Bác sĩ,\n" +
	"Bùi Thị Lan,0912000008,SYT,Điều dưỡng,\n" +
	"Đinh Quốc Khánh,0912000010,SYT,Dược sĩ,\n" +
	"Mai Thị Oanh,0912000011,XA1,Công chức,\n"

// rosterBad has a bad phone (line 3), an unknown unit (line 5, found by
// the database's check) and a missing name (line 6).
const rosterBad = "full_name,phone,unit_code,position,role\n" +
	"Phạm Thu Dung,0912000001,TINH,Chuyên viên,organizer\n" +
	"Lê Minh Chi,09120,SNV,Giám đốc,head\n" +
	"Nguyễn Văn An,0912000003,SNV,Chuyên viên,\n" +
	"Trần Thị Bình,0912000004,SXD,Chuyên viên,\n" +
	",0912000005,XA1,Công chức,\n"

// upload posts a file as the page's form does.
func (c *client) upload(kind, name, content, csrf string) (int, string) {
	c.f.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if csrf != "" {
		w.WriteField("csrf", csrf)
	}
	w.WriteField("kind", kind)
	fw, _ := w.CreateFormFile("file", name)
	io.WriteString(fw, content)
	w.Close()
	res, err := c.c.Post(c.f.srv.URL+"/console/data/upload", w.FormDataContentType(), &b)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// roster is the members as stored: phone|name|unit|position|role|active.
func (f *fixture) roster() string {
	f.t.Helper()
	var rows []string
	if err := f.db.SelectContext(context.Background(), &rows, `SELECT m.phone || '|' || m.full_name || '|' || u.code || '|' ||
		m.position || '|' || m.role || '|' || m.active FROM members m JOIN units u ON u.id = m.unit_id ORDER BY m.phone`); err != nil {
		f.t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

var hiddenField = func(name, body string) string {
	i := strings.Index(body, `name="`+name+`" value="`)
	if i < 0 {
		return ""
	}
	rest := body[i+len(`name="`+name+`" value="`):]
	return rest[:strings.IndexByte(rest, '"')]
}

func TestDataUploadPreviewAndApply(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signIn("org")
	csrf := c.csrf()
	before := f.roster()

	// Errors first: listed by line and column, nothing changed, no Apply.
	st, body := c.upload("members", "danh-sach.csv", rosterBad, csrf)
	page := text(body)
	want := "Dòng Cột Lỗi 3 phone số điện thoại 09120 không hợp lệ 5 unit_code không có đơn vị mã SXD 6 full_name thiếu họ tên (full_name)"
	if st != http.StatusOK || !strings.Contains(page, want) || strings.Contains(body, `id="import-apply"`) {
		t.Fatalf("bad roster: %d, want %q in\n%s", st, want, page)
	}
	if f.roster() != before {
		t.Fatal("a rejected upload changed the roster")
	}

	// A good one: the preview's counts, still nothing changed.
	st, body = c.upload("members", "danh-sach.csv", rosterGood, csrf)
	page = text(body)
	want = "Sẽ thêm mới 2 Sẽ cập nhật 1 Sẽ ngừng tham gia 1 có trong danh sách cũ, không có trong tệp Không đổi 7"
	if st != http.StatusOK || !strings.Contains(page, want) || !strings.Contains(body, `id="import-apply"`) {
		t.Fatalf("good roster: %d, want %q in\n%s", st, want, page)
	}
	if f.roster() != before {
		t.Fatal("a preview changed the roster")
	}
	upload, token := hiddenField("upload", body), hiddenField("token", body)

	// Without the CSRF token: refused, nothing changed.
	if st, _ := c.post("/console/data/apply", url.Values{"upload": {upload}, "token": {token}}); st != http.StatusForbidden {
		t.Errorf("apply without csrf: %d", st)
	}
	// Another session cannot apply this one's upload.
	other := f.signIn("org")
	if st, body := other.post("/console/data/apply", url.Values{"csrf": {other.csrf()}, "upload": {upload}, "token": {token}}); st != http.StatusBadRequest ||
		!strings.Contains(text(body), "Tệp đã xem trước không còn được lưu") {
		t.Errorf("another session's apply: %d %s", st, text(body))
	}
	if f.roster() != before {
		t.Fatal("a refused apply changed the roster")
	}

	st, body = c.post("/console/data/apply", url.Values{"csrf": {csrf}, "upload": {upload}, "token": {token}})
	page = text(body)
	want = "Đã nạp xong tệp danh-sach.csv. Đã thêm mới 2 Đã cập nhật 1 Đã chuyển ngừng tham gia 1"
	if st != http.StatusOK || !strings.Contains(page, want) {
		t.Fatalf("apply: %d, want %q in\n%s", st, want, page)
	}
	wantRoster := "0912000001|Phạm Thu Dung|TINH|Chuyên viên|organizer|true\n" +
		"0912000002|Lê Minh Chi|SNV|Giám đốc|head|true\n" +
		"0912000003|Nguyễn Văn An|SNV|Chuyên viên|member|true\n" +
		"0912000004|Trần Thị Bình|SNV|Phó Trưởng phòng|member|true\n" +
		"0912000005|Hoàng Văn Em|XA1|Công chức|member|true\n" +
		"0912000006|Đỗ Thị Giang|XA1|Công chức|member|true\n" +
		"0912000007|Vũ Văn Hải|SYT|Bác sĩ|member|true\n" +
		"0912000008|Bùi Thị Lan|SYT|Điều dưỡng|member|true\n" +
		"0912000009|Ngô Văn Minh|SYT|Kế toán|member|false\n" +
		"0912000010|Đinh Quốc Khánh|SYT|Dược sĩ|member|true\n" +
		"0912000011|Mai Thị Oanh|XA1|Công chức|member|true"
	if got := f.roster(); got != wantRoster {
		t.Errorf("roster after apply:\n%s\nwant:\n%s", got, wantRoster)
	}
	// Applied once: the upload is gone.
	if st, _ := c.post("/console/data/apply", url.Values{"csrf": {csrf}, "upload": {upload}, "token": {token}}); st != http.StatusBadRequest {
		t.Errorf("second apply: %d", st)
	}
	_, body = c.get("/console/audit")
	if want := "Phạm Thu Dung UBND tỉnh Hòa Bình Nạp danh sách cán bộ danh-sach.csv: 2 thêm mới, 1 cập nhật, 7 không đổi, 1 ngừng tham gia"; !strings.Contains(text(body), want) {
		t.Errorf("audit lacks %q:\n%s", want, text(body))
	}
}

func TestDataApplyRefusesAStalePreview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signIn("org")
	csrf := c.csrf()
	_, body := c.upload("members", "danh-sach.csv", rosterGood, csrf)
	upload, token := hiddenField("upload", body), hiddenField("token", body)
	// Someone changes the roster between the preview and the Apply.
	f.exec(`UPDATE members SET position = 'Trưởng phòng' WHERE phone = '0912000003'`)
	before := f.roster()
	st, body := c.post("/console/data/apply", url.Values{"csrf": {csrf}, "upload": {upload}, "token": {token}})
	page := text(body)
	if st != http.StatusOK || !strings.Contains(page, "Dữ liệu đã thay đổi sau khi xem trước") ||
		!strings.Contains(page, "Sẽ thêm mới 2 Sẽ cập nhật 2 Sẽ ngừng tham gia 1") {
		t.Fatalf("stale apply: %d\n%s", st, page)
	}
	if f.roster() != before {
		t.Fatal("a stale apply changed the roster")
	}
	// The fresh preview's token applies.
	st, body = c.post("/console/data/apply", url.Values{"csrf": {csrf}, "upload": {hiddenField("upload", body)}, "token": {hiddenField("token", body)}})
	if st != http.StatusOK || !strings.Contains(text(body), "Đã thêm mới 2 Đã cập nhật 2") {
		t.Fatalf("apply after the fresh preview: %d\n%s", st, text(body))
	}
}

func TestDataHeadsAndLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	h := f.signIn("head")
	st, body := h.get("/console/data")
	if page := text(body); st != http.StatusOK || !strings.Contains(page, "Việc nạp danh sách, ngân hàng câu hỏi và tệp cuộc thi do Ban Tổ chức thực hiện.") ||
		strings.Contains(body, `action="/console/data/upload"`) || strings.Contains(body, "<textarea") {
		t.Errorf("head's Dữ liệu: %d\n%s", st, page)
	}
	before := f.roster()
	if st, body := h.upload("members", "danh-sach.csv", rosterGood, h.csrf()); st != http.StatusForbidden ||
		!strings.Contains(text(body), "Chỉ Ban Tổ chức được nạp") {
		t.Errorf("head's upload: %d %s", st, text(body))
	}
	if st, _ := h.post("/console/data/contest", url.Values{"csrf": {h.csrf()}, "source": {"code: x"}, "op": {"apply"}}); st != http.StatusForbidden {
		t.Errorf("head's contest apply: %d", st)
	}
	o := f.signIn("org")
	if st, _ := o.upload("members", "danh-sach.csv", rosterGood, ""); st != http.StatusForbidden {
		t.Errorf("upload without csrf: %d", st)
	}
	if st, body := o.upload("members", "lon.csv", strings.Repeat("x", 21<<20), o.csrf()); st != http.StatusRequestEntityTooLarge ||
		!strings.Contains(text(body), "Tệp lớn hơn 20 MB") {
		t.Errorf("a 21 MB upload: %d %s", st, text(body))
	}
	if st, body := o.upload("members", "danh-sach.xls", "x", o.csrf()); st != http.StatusOK ||
		!strings.Contains(text(body), "cả tệp không nhận tệp .xls (Excel 97–2003)") {
		t.Errorf("an .xls upload: %d %s", st, text(body))
	}
	if f.roster() != before {
		t.Fatal("refused uploads changed the roster")
	}
}

func TestDataContestFile(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signIn("org")
	csrf := c.csrf()
	yaml := "code: thu-2027\nname: Thi thử 2027\nquestions_per_attempt: 3\ntime_limit: 10m\nrounds:\n" +
		"  - number: 1\n    opens_at: 2027-01-04 07:30\n    closes_at: 2027-01-08 16:30\n"
	count := func() (n int) {
		if err := f.db.GetContext(context.Background(), &n, `SELECT count(*) FROM contests`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Problems with their lines, the database's (the bank holds 6) too.
	bad := strings.Replace(yaml, "questions_per_attempt: 3", "questions_per_attempt: 7", 1)
	bad = strings.Replace(bad, "closes_at: 2027-01-08 16:30", "closes_at: 2027-01-01 16:30", 1)
	st, body := c.post("/console/data/contest", url.Values{"csrf": {csrf}, "source": {bad}, "op": {"check"}})
	want := "Dòng Trường Lỗi 8 rounds.closes_at đợt 1 đóng lúc 2027-01-01 16:30, không sau thời điểm mở là 2027-01-04 07:30"
	if page := text(body); st != http.StatusOK || !strings.Contains(page, want) || strings.Contains(body, `id="contest-apply"`) {
		t.Fatalf("bad contest: %d, want %q\n%s", st, want, page)
	}
	st, body = c.post("/console/data/contest", url.Values{"csrf": {csrf}, "source": {strings.Replace(bad, "2027-01-01", "2027-01-08", 1)}, "op": {"check"}})
	want = "Dòng Trường Lỗi 3 questions_per_attempt mỗi bài thi cần 7 câu hỏi, nhưng ngân hàng câu hỏi chỉ có 6 câu đang dùng"
	if page := text(body); st != http.StatusOK || !strings.Contains(page, want) {
		t.Fatalf("contest beyond the bank: %d, want %q\n%s", st, want, page)
	}
	if count() != 1 {
		t.Fatal("a rejected contest file was stored")
	}
	// Checked, then applied.
	st, body = c.post("/console/data/contest", url.Values{"csrf": {csrf}, "source": {yaml}, "op": {"check"}})
	want = "Kiểm tra xong, tệp hợp lệ, chưa có gì thay đổi. Cuộc thi thu-2027 sẽ được tạo mới; các đợt thi: 1 thêm, 0 sửa, 0 xoá, 0 giữ nguyên."
	if page := text(body); st != http.StatusOK || !strings.Contains(page, want) || !strings.Contains(body, `id="contest-apply"`) {
		t.Fatalf("check: %d, want %q\n%s", st, want, page)
	}
	if count() != 1 {
		t.Fatal("a check stored the contest")
	}
	form := url.Values{"csrf": {csrf}, "source": {yaml}, "op": {"apply"}, "sum": {hiddenField("sum", body)}, "state": {hiddenField("state", body)}}
	// The text edited after the check: checked again, not applied.
	edited := url.Values{}
	for k, v := range form {
		edited[k] = v
	}
	edited.Set("source", strings.Replace(yaml, "Thi thử", "Thi thử lần hai", 1))
	if _, body := c.post("/console/data/contest", edited); !strings.Contains(text(body), "Nội dung tệp đã được sửa sau lần kiểm tra") || count() != 1 {
		t.Fatalf("edited after the check:\n%s", text(body))
	}
	st, body = c.post("/console/data/contest", form)
	if page := text(body); st != http.StatusOK || !strings.Contains(page, "Cuộc thi thu-2027 đã được tạo mới; các đợt thi: 1 thêm") {
		t.Fatalf("apply: %d\n%s", st, page)
	}
	// Its page now shows the text applied.
	_, body = c.get("/console/data?contest=thu-2027")
	if !strings.Contains(body, "Thi thử 2027\nquestions_per_attempt: 3") {
		t.Errorf("the applied text is not shown:\n%s", body)
	}
	_, body = c.get("/console/audit")
	if !strings.Contains(text(body), "Áp dụng tệp cuộc thi Cuộc thi thu-2027 đã được tạo mới") {
		t.Errorf("audit:\n%s", text(body))
	}
}

func TestDataUploadXLSX(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signIn("org")
	wb := excelize.NewFile()
	defer wb.Close()
	// A title row above the header, as organizers' sheets have.
	rows := [][]any{{"DANH SÁCH CÁN BỘ"}, {"full_name", "phone", "unit_code", "position", "role"}}
	for _, line := range strings.Split(strings.TrimSpace(rosterGood), "\n")[1:] {
		var r []any
		for _, v := range strings.Split(line, ",") {
			r = append(r, v)
		}
		rows = append(rows, r)
	}
	for i, r := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := wb.SetSheetRow(wb.GetSheetName(0), cell, &r); err != nil {
			t.Fatal(err)
		}
	}
	var b bytes.Buffer
	if err := wb.Write(&b); err != nil {
		t.Fatal(err)
	}
	st, body := c.upload("members", "danh-sach.xlsx", b.String(), c.csrf())
	want := "Dòng tiêu đề là dòng 2; 1 dòng phía trên (tên bảng) không được nhập. Sẽ thêm mới 2 Sẽ cập nhật 1 Sẽ ngừng tham gia 1"
	if page := text(body); st != http.StatusOK || !strings.Contains(page, want) {
		t.Fatalf("xlsx roster: %d, want %q in\n%s", st, want, page)
	}
}
