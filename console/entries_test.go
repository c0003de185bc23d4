package console_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"quizbot/console"
	"quizbot/entryfiles"
	"quizbot/quiz"
)

// entriesFixture is the console's fixture with an entries section on its
// contest: any member submits for their unit, judges y1 and y2 (Sở Y tế),
// the Huế-style rubric Nội dung 40, Hình thức 30, Sáng tạo 20, Tính ứng
// dụng 10 (100 in all), the mean of the judges, Giải Nhất and Giải Nhì.
type entriesFixture struct {
	*fixture
	svc   *quiz.Entries
	files *entryfiles.Store
	cfg   quiz.EntriesConfig
}

func newEntriesFixture(t *testing.T, edit func(*quiz.EntriesConfig)) *entriesFixture {
	t.Helper()
	f := newFixture(t)
	cfg := quiz.EntriesConfig{
		OpensAt: f.seed.Now.Add(-48 * time.Hour), ClosesAt: f.seed.Now.Add(time.Hour),
		Submitter: quiz.SubmitterMember, MinPerUnit: 1, MaxPerUnit: 2,
		Video:   &quiz.VideoRules{Formats: []string{"mp4"}, MaxDuration: 5 * time.Minute},
		Essay:   &quiz.EssayRules{Formats: []string{"pdf", "docx"}},
		Link:    true,
		Rubric:  []quiz.Criterion{{Name: "Nội dung", Description: "Đúng chủ đề cải cách hành chính", MaxPoints: 40}, {Name: "Hình thức", MaxPoints: 30}, {Name: "Sáng tạo", MaxPoints: 20}, {Name: "Tính ứng dụng", MaxPoints: 10}},
		Judges:  []string{f.member("y1").Phone, f.member("y2").Phone},
		Combine: quiz.CombineMean, Prizes: quiz.EntryPrizes{Nhat: 1, Nhi: 1},
	}
	if edit != nil {
		edit(&cfg)
	}
	c := f.seed.Contest
	c.Entries = &cfg
	if _, err := f.db.ApplyContest(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	files, err := entryfiles.New(t.TempDir(), 0)
	if err != nil {
		t.Fatal(err)
	}
	files = files.WithoutFFprobe()
	svc := quiz.NewEntries(f.db, f.clock)
	if err := f.cons.UseEntries(svc, files, t.TempDir()); err != nil {
		t.Fatal(err)
	}
	return &entriesFixture{fixture: f, svc: svc, files: files, cfg: cfg}
}

// mp4 is a minimal MP4 whose header says 4 minutes, with media bytes
// that differ by position (so that a range shows which bytes came).
func mp4(media int) []byte {
	box := func(typ string, body ...[]byte) []byte {
		b := bytes.Join(body, nil)
		return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(b))), typ...), b...)
	}
	mvhd := make([]byte, 100)
	binary.BigEndian.PutUint32(mvhd[12:], 1000)
	binary.BigEndian.PutUint32(mvhd[16:], 240000)
	data := make([]byte, media)
	for i := range data {
		data[i] = byte(i * 7)
	}
	return bytes.Join([][]byte{box("ftyp", []byte("isom"), []byte{0, 0, 2, 0}, []byte("isommp41")),
		box("mdat", data), box("moov", box("mvhd", mvhd))}, nil)
}

// minimal PDF: entryfiles knows it by its %PDF- header.
var pdf = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// submit stores content (nil: a link) as member key's entry.
func (f *entriesFixture) submit(key, title string, content []byte, name string) quiz.Entry {
	f.t.Helper()
	ctx := context.Background()
	m, err := f.db.MemberByID(ctx, f.member(key).ID)
	if err != nil {
		f.t.Fatal(err)
	}
	d := quiz.EntryDraft{Title: title, Authors: m.FullName}
	if content == nil {
		d.URL = "https://www.youtube.com/watch?v=abc"
	} else {
		file, err := f.files.Put(ctx, bytes.NewReader(content), name)
		if err != nil {
			f.t.Fatal(err)
		}
		d.File = &file
	}
	e, err := f.svc.Submit(ctx, m, f.seed.Contest.ID, 0, d)
	if err != nil {
		f.t.Fatalf("submit %s: %v", title, err)
	}
	return e
}

// signInAs opens member key's link and lands on the page titled h1.
func (f *fixture) signInAs(key, h1 string) *client {
	f.t.Helper()
	c := f.newClient()
	if st, body := c.open(f.link(key)); st != http.StatusOK || !strings.Contains(body, "<h1>"+h1+"</h1>") {
		f.t.Fatalf("sign in as %s: %d\n%s", key, st, body)
	}
	return c
}

// score posts a judge's points for entry id: p0… in order, then the comment.
func (c *client) score(id int64, comment string, points ...string) (int, string) {
	c.f.t.Helper()
	form := url.Values{"csrf": {c.csrf()}, "comment": {comment}}
	for i, p := range points {
		form.Set(fmt.Sprintf("p%d", i), p)
	}
	return c.post(fmt.Sprintf("/console/entries/%d", id), form)
}

func (c *client) do(req *http.Request) (*http.Response, []byte) {
	c.f.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// The judges' pages and the organizer's, with figures checked by hand:
//
//	entry   y1                          y2                         mean
//	e1      35,5+25+18+9 = 87,5         30+20+10+5 = 65            76,25   spread 22,5 > 15 ⚑
//	e2      20+20+10+5 = 55             25+25+15+5 = 70            62,5    spread 15 (not over)
//	e3      30+20+10+2 = 62             31+21+9+2 = 63             62,5    spread 1
//
// e1 ranks 1st (Giải Nhất); e2 and e3 tie for 2nd and share Giải Nhì.
func TestConsoleJudging(t *testing.T) {
	t.Parallel()
	f := newEntriesFixture(t, nil)
	clip := mp4(4000)
	e1 := f.submit("a1", "Một cửa điện tử ở Sở Nội vụ", clip, "SNV-clip.mp4")
	e2 := f.submit("x1", "Xã Hòa Phú số hóa hồ sơ", pdf, "xa.pdf")
	e3 := f.submit("y3", "Dịch vụ công trực tuyến", nil, "")

	y1 := f.signInAs("y1", "Chấm bài dự thi")
	// Before the close: seen, not scored.
	if st, body := y1.score(e1.ID, "", "30"); st != http.StatusBadRequest || !strings.Contains(text(body), "Chưa chấm được: các đơn vị còn được nộp và thay bài đến") {
		t.Fatalf("score before the close: %d %s", st, text(body))
	}
	f.clock.Advance(2 * time.Hour)

	st, body := y1.get("/console/entries")
	if st != http.StatusOK || !strings.Contains(text(body), "#"+itoa(e1.ID)+" Một cửa điện tử ở Sở Nội vụ Sở Nội vụ Video — chưa chấm") ||
		!strings.Contains(text(body), "Đã chấm đủ 0/3 bài.") {
		t.Fatalf("judge's list: %d\n%s", st, text(body))
	}
	// The video plays in the page, from the entry's file address.
	_, body = y1.get(fmt.Sprintf("/console/entries/%d", e1.ID))
	if !strings.Contains(body, fmt.Sprintf(`<video id="player" controls preload="metadata" src="/console/entries/%d/file"`, e1.ID)) {
		t.Fatalf("no video in the page:\n%s", body)
	}
	// Seeking: a range request gets 206 and exactly those bytes.
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/console/entries/%d/file", f.srv.URL, e1.ID), nil)
	req.Header.Set("Range", "bytes=1000-1099")
	res, got := y1.do(req)
	if res.StatusCode != http.StatusPartialContent || !bytes.Equal(got, clip[1000:1100]) ||
		res.Header.Get("Content-Range") != fmt.Sprintf("bytes 1000-1099/%d", len(clip)) || res.Header.Get("Content-Type") != "video/mp4" {
		t.Fatalf("range: %d %q %q, %d bytes", res.StatusCode, res.Header.Get("Content-Range"), res.Header.Get("Content-Type"), len(got))
	}
	if d := res.Header.Get("Content-Disposition"); d != fmt.Sprintf(`inline; filename="bai-du-thi-%d.mp4"`, e1.ID) {
		t.Errorf("disposition %q", d)
	}
	// The PDF shows inline; the link is a link.
	if _, body := y1.get(fmt.Sprintf("/console/entries/%d", e2.ID)); !strings.Contains(body, `<iframe id="essay" src="/console/entries/`) {
		t.Errorf("no PDF in the page")
	}
	if _, body := y1.get(fmt.Sprintf("/console/entries/%d", e3.ID)); !strings.Contains(body, `href="https://www.youtube.com/watch?v=abc"`) {
		t.Errorf("no link in the page")
	}

	// Over a criterion's maximum: refused on the server, nothing saved.
	st, body = y1.score(e1.ID, "", "40,5", "25", "18", "9")
	if st != http.StatusBadRequest || !strings.Contains(text(body), `Điểm tiêu chí "Nội dung" phải từ 0 đến 40, không phải 40,5.`) || !strings.Contains(body, `value="40,5"`) {
		t.Fatalf("over the maximum: %d\n%s", st, text(body))
	}
	if ss, _ := f.db.Scores(context.Background(), f.seed.Contest.ID); len(ss) != 0 {
		t.Fatalf("saved despite the refusal: %+v", ss)
	}
	if st, body := y1.score(e1.ID, "", "abc"); st != http.StatusBadRequest || !strings.Contains(text(body), `"abc" không phải là số điểm`) {
		t.Fatalf("not a number: %d %s", st, text(body))
	}

	// Saved as they go: part now, the rest later.
	if st, _ := y1.score(e1.ID, "Rõ ràng, thiết thực", "35,5", "25"); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	st, body = y1.score(e1.ID, "Rõ ràng, thiết thực", "", "", "18", "9")
	if st != http.StatusOK || !strings.Contains(text(body), "Đã lưu điểm.") || !strings.Contains(text(body), "Phiếu chấm · tổng 87,5/100") {
		t.Fatalf("saved page: %d\n%s", st, text(body))
	}
	y1.score(e2.ID, "", "20", "20", "10", "5")
	y1.score(e3.ID, "", "30", "20", "10", "2")
	y2 := f.signInAs("y2", "Chấm bài dự thi")
	// No other judge's scores before the close.
	if _, body := y2.get(fmt.Sprintf("/console/entries/%d", e1.ID)); strings.Contains(text(body), "87,5") || strings.Contains(body, "Rõ ràng") {
		t.Fatalf("y2 sees y1's scores:\n%s", text(body))
	}
	y2.score(e1.ID, "", "30", "20", "10", "5")
	y2.score(e2.ID, "", "25", "25", "15", "5")

	// The organizer: the matrix, the spread, who has not finished.
	org := f.signIn("org")
	_, body = org.get("/console/judging")
	page := text(body)
	for _, want := range []string{
		"Vũ Văn Hải: 3/3 bài xong", "Bùi Thị Lan: 2/3 bài chưa xong",
		"1 #" + itoa(e1.ID) + " Một cửa điện tử ở Sở Nội vụ Video Sở Nội vụ 65 87,5 22,5 ⚑ 76,25 Giải Nhất",
		"2 #" + itoa(e2.ID) + " Xã Hòa Phú số hóa hồ sơ Bài viết UBND xã Hòa Phú 70 55 15 62,5 Giải Nhì",
		"3 #" + itoa(e3.ID) + " Dịch vụ công trực tuyến Đường dẫn Sở Y tế chưa chấm 62 — 62 ",
		"chênh nhau quá 15 điểm", "(1 bài)", "Bảng điểm (xếp hạng tạm tính)",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("judging page lacks %q:\n%s", want, page)
		}
	}
	y2.score(e3.ID, "", "31", "21", "9", "2")

	// Closing: a confirmation, CSRF, then frozen.
	if _, body := org.get("/console/judging/close?contest=" + itoa(f.seed.Contest.ID)); !strings.Contains(text(body), "Sau khi kết thúc, điểm của 3 bài dự thi") {
		t.Fatalf("confirm page:\n%s", text(body))
	}
	if st, _ := org.post("/console/judging/close", url.Values{"contest": {itoa(f.seed.Contest.ID)}}); st != http.StatusForbidden {
		t.Fatalf("close without csrf: %d", st)
	}
	head := f.signIn("head")
	if st, _ := head.post("/console/judging/close", url.Values{"contest": {itoa(f.seed.Contest.ID)}, "csrf": {head.csrf()}}); st != http.StatusForbidden {
		t.Fatalf("a head closes: %d", st)
	}
	if st, _ := head.get("/console/judging"); st != http.StatusForbidden {
		t.Fatalf("a head sees the judging: %d", st)
	}
	st, body = org.post("/console/judging/close", url.Values{"contest": {itoa(f.seed.Contest.ID)}, "csrf": {org.csrf()}})
	page = text(body)
	for _, want := range []string{
		"Kết quả: xếp hạng và giải",
		"1 #" + itoa(e1.ID) + " Một cửa điện tử ở Sở Nội vụ Video Sở Nội vụ 65 87,5 22,5 ⚑ 76,25 Giải Nhất",
		"2 (đồng hạng) #" + itoa(e2.ID) + " Xã Hòa Phú số hóa hồ sơ Bài viết UBND xã Hòa Phú 70 55 15 62,5 Giải Nhì",
		"2 (đồng hạng) #" + itoa(e3.ID) + " Dịch vụ công trực tuyến Đường dẫn Sở Y tế 63 62 1 62,5 Giải Nhì",
		"Vũ Văn Hải: 3/3 bài xong", "Bùi Thị Lan: 3/3 bài xong",
	} {
		if st != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("after the close, %d, lacks %q:\n%s", st, want, page)
		}
	}
	if strings.Contains(page, "Kết thúc chấm điểm") {
		t.Error("the close button is still there")
	}
	entries, _ := f.db.AuditEntries(context.Background(), nil, 10)
	if len(entries) == 0 || entries[0].Action != "Kết thúc chấm điểm" {
		t.Errorf("audit: %+v", entries)
	}
	// The report's figures are the page's: the same Results.
	res2, _ := f.svc.Results(context.Background(), f.seed.Contest.ID)
	if !res2.Final || res2.Entries[0].Score != 7625 {
		t.Errorf("results: %+v", res2)
	}
	// Frozen: a later save is refused and changes nothing.
	st, body = y1.score(e1.ID, "", "10")
	if st != http.StatusBadRequest || !strings.Contains(text(body), "Việc chấm điểm đã kết thúc; điểm không thay đổi được nữa.") {
		t.Fatalf("score after the close: %d\n%s", st, text(body))
	}
	// Now a judge sees every judge's total and the result.
	_, body = y1.get(fmt.Sprintf("/console/entries/%d", e1.ID))
	if page := text(body); !strings.Contains(page, "Phiếu chấm · tổng 87,5/100") || !strings.Contains(page, "Điểm 76,25 · hạng 1 · Giải Nhất") ||
		!strings.Contains(page, "Bùi Thị Lan 65") || strings.Contains(body, `id="save"`) {
		t.Errorf("entry after the close:\n%s", page)
	}
}

func itoa(n int64) string { return fmt.Sprint(n) }

// A judge opens only their contest's entries; a member who neither judges
// nor may submit cannot sign in; a judge cannot open the staff's pages.
func TestConsoleJudgeConfined(t *testing.T) {
	t.Parallel()
	f := newEntriesFixture(t, nil)
	e1 := f.submit("a1", "Một cửa điện tử", mp4(100), "clip.mp4")
	f.clock.Advance(2 * time.Hour)
	// A second contest whose only judge is x2.
	other := f.seed.Contest
	other.ID, other.Code, other.Name = 0, "CT2", "Cuộc thi thứ hai"
	for i := range other.Rounds {
		other.Rounds[i].ID, other.Rounds[i].ContestID = 0, 0
	}
	cfg := f.cfg
	cfg.Judges = []string{f.member("x2").Phone}
	other.Entries = &cfg
	if _, err := f.db.ApplyContest(context.Background(), other); err != nil {
		t.Fatal(err)
	}
	x2 := f.signInAs("x2", "Chấm bài dự thi")
	for _, path := range []string{"/console/entries/%d", "/console/entries/%d/file"} {
		if st, body := x2.get(fmt.Sprintf(path, e1.ID)); st != http.StatusForbidden || !strings.Contains(text(body), "Anh/chị không phải giám khảo của cuộc thi này.") {
			t.Errorf("%s: %d %s", path, st, text(body))
		}
	}
	if st, _ := x2.score(e1.ID, "", "10"); st != http.StatusForbidden {
		t.Errorf("score another contest's entry: %d", st)
	}
	if ss, _ := f.db.Scores(context.Background(), f.seed.Contest.ID); len(ss) != 0 {
		t.Errorf("saved: %+v", ss)
	}
	if st, _ := x2.get("/console/entries/999999"); st != http.StatusNotFound {
		t.Errorf("no such entry: %d", st)
	}
	for _, path := range []string{"/console/units/XA1", "/console/audit", "/console/judging"} {
		if st, _ := x2.get(path); st != http.StatusForbidden {
			t.Errorf("a judge opens %s: %d", path, st)
		}
	}
	// a2 neither judges nor may submit now (closed): no link.
	a2, _ := f.db.MemberByID(context.Background(), f.member("a2").ID)
	if _, err := f.cons.Link(context.Background(), a2); err != console.ErrNotAllowed {
		t.Errorf("a plain member's link: %v", err)
	}
}

// Blind judging: the unit, the authors and the uploaded name are nowhere
// on the judge's pages or in the file's headers.
func TestConsoleBlindJudging(t *testing.T) {
	t.Parallel()
	f := newEntriesFixture(t, func(c *quiz.EntriesConfig) { c.Blind = true })
	e1 := f.submit("a1", "Một cửa điện tử", mp4(100), "SNV-Nguyen-Van-An.mp4")
	f.clock.Advance(2 * time.Hour)
	y1 := f.signInAs("y1", "Chấm bài dự thi")
	_, list := y1.get("/console/entries")
	_, page := y1.get(fmt.Sprintf("/console/entries/%d", e1.ID))
	req, _ := http.NewRequest("GET", fmt.Sprintf("%s/console/entries/%d/file", f.srv.URL, e1.ID), nil)
	res, _ := y1.do(req)
	for _, s := range []string{list, page, fmt.Sprint(res.Header)} {
		for _, hidden := range []string{"Sở Nội vụ", "SNV", "Nguyễn Văn An", "Nguyen"} {
			if strings.Contains(s, hidden) {
				t.Errorf("blind judging shows %q:\n%s", hidden, text(s))
			}
		}
	}
	if !strings.Contains(text(list), "Chấm ẩn danh: tên đơn vị và tác giả không hiển thị.") || !strings.Contains(text(page), "Một cửa điện tử") {
		t.Errorf("blind list:\n%s", text(list))
	}
}

// The upload page: a member opens the chat's one-time upload link, lands
// on the page with the title filled; the file goes half, the connection
// drops, the page asks where to resume, sends the rest, and the entry is
// stored with the file's sha256.
func TestConsoleResumableUpload(t *testing.T) {
	t.Parallel()
	f := newEntriesFixture(t, nil)
	ctx := context.Background()
	a1, _ := f.db.MemberByID(ctx, f.member("a1").ID)
	link, err := f.cons.UploadLink(ctx, a1, quiz.EntryDialogue{Title: "Một cửa điện tử", Authors: "Nguyễn Văn An"})
	if err != nil {
		t.Fatal(err)
	}
	c := f.newClient()
	st, body := c.get(link)
	if st != http.StatusOK {
		t.Fatalf("link: %d %s", st, text(body))
	}
	u, _ := url.Parse(link)
	next := regexp.MustCompile(`name="next" value="([^"]+)"`).FindStringSubmatch(body)
	if next == nil {
		t.Fatalf("no next in the sign-in form:\n%s", body)
	}
	st, body = c.post("/console/login", url.Values{"token": {u.Query().Get("token")}, "next": {html.UnescapeString(next[1])}})
	if st != http.StatusOK || !strings.Contains(body, "<h1>Nộp bài dự thi</h1>") || !strings.Contains(body, `value="Một cửa điện tử"`) {
		t.Fatalf("upload page: %d\n%s", st, text(body))
	}
	csrf := csrfField.FindStringSubmatch(body)[1]
	clip := mp4(300_000)
	half := len(clip) / 2
	var start struct {
		ID     string `json:"id"`
		Offset int64  `json:"offset"`
		Error  string `json:"error"`
	}
	st, body = c.post("/console/upload", url.Values{"csrf": {csrf}, "title": {"Một cửa điện tử"}, "authors": {"Nguyễn Văn An"}, "replace": {"0"},
		"name": {"clip.mp4"}, "size": {itoa(int64(len(clip)))}})
	if err := json.Unmarshal([]byte(body), &start); st != http.StatusCreated || err != nil || start.ID == "" {
		t.Fatalf("start: %d %s", st, body)
	}
	// Half the file, then the connection drops (the request said more).
	conn, err := net.Dial("tcp", strings.TrimPrefix(f.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	srvURL, _ := url.Parse(f.srv.URL)
	var cookie string
	for _, ck := range c.c.Jar.Cookies(&url.URL{Scheme: "http", Host: srvURL.Host, Path: "/console/"}) {
		cookie += ck.Name + "=" + ck.Value
	}
	fmt.Fprintf(conn, "PUT /console/upload/%s?offset=0 HTTP/1.1\r\nHost: %s\r\nCookie: %s\r\nX-CSRF-Token: %s\r\nContent-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n",
		start.ID, srvURL.Host, cookie, csrf, len(clip))
	conn.Write(clip[:half])
	conn.(*net.TCPConn).CloseWrite()
	io.Copy(io.Discard, bufio.NewReader(conn)) // the server is done with it
	conn.Close()

	offset := func(cl *client) (int, int64) {
		res, b := cl.do(mustReq("GET", f.srv.URL+"/console/upload/"+start.ID, nil, ""))
		var s struct{ Offset int64 }
		json.Unmarshal(b, &s)
		return res.StatusCode, s.Offset
	}
	if st, off := offset(c); st != http.StatusOK || off != int64(half) {
		t.Fatalf("offset after the drop: %d %d, want %d", st, off, half)
	}
	// Another session cannot see or feed the upload.
	other := f.signInAs("a2", "Nộp bài dự thi")
	if st, _ := offset(other); st != http.StatusNotFound {
		t.Errorf("another session's offset: %d", st)
	}
	// A chunk at a wrong offset: 409 with where the server is.
	res, b := c.do(mustReq("PUT", f.srv.URL+"/console/upload/"+start.ID+"?offset=0", clip[:10], csrf))
	if res.StatusCode != http.StatusConflict || !strings.Contains(string(b), fmt.Sprintf(`"offset":%d`, half)) {
		t.Fatalf("wrong offset: %d %s", res.StatusCode, b)
	}
	// Finishing too early is refused.
	if res, _ := c.do(mustReq("POST", f.srv.URL+"/console/upload/"+start.ID+"/finish", nil, csrf)); res.StatusCode != http.StatusConflict {
		t.Fatalf("early finish: %d", res.StatusCode)
	}
	// Resume: the rest.
	res, b = c.do(mustReq("PUT", f.srv.URL+"/console/upload/"+start.ID+fmt.Sprintf("?offset=%d", half), clip[half:], csrf))
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), fmt.Sprintf(`"offset":%d`, len(clip))) {
		t.Fatalf("resume: %d %s", res.StatusCode, b)
	}
	res, b = c.do(mustReq("POST", f.srv.URL+"/console/upload/"+start.ID+"/finish", nil, csrf))
	sum := sha256.Sum256(clip)
	want := hex.EncodeToString(sum[:])
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "Đã nhận bài dự thi \\\"Một cửa điện tử\\\" (MP4") || !strings.Contains(string(b), want) {
		t.Fatalf("finish: %d %s", res.StatusCode, b)
	}
	es, _ := f.db.UnitEntries(ctx, f.seed.Contest.ID, a1.UnitID)
	if len(es) != 1 || es[0].FileHash != want || es[0].FileSize != int64(len(clip)) || es[0].Title != "Một cửa điện tử" || es[0].DurationMS != 240000 {
		t.Fatalf("stored: %+v", es)
	}
	path, _ := f.files.Path(want)
	if stored, err := os.ReadFile(path); err != nil || !bytes.Equal(stored, clip) {
		t.Fatalf("file on disk: %v", err)
	}
	// The upload is gone once stored.
	if st, _ := offset(c); st != http.StatusNotFound {
		t.Errorf("upload after finish: %d", st)
	}
}

func mustReq(method, u string, body []byte, csrf string) *http.Request {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		panic(err)
	}
	if csrf != "" {
		req.Header.Set("X-CSRF-Token", csrf)
	}
	return req
}

// TestConsoleJudgingAssigned: assign: {per_entry: 2} over 4 judges, by
// member id x2 < y1 < y2 < y3, and 5 entries e1…e5 in id order. By the
// rotation (quiz.AssignJudges) entry p gets judges 2p, 2p+1 (mod 4):
//
//	e1: x2 y1   e2: y2 y3   e3: x2 y1   e4: y2 y3   e5: x2 y1
//
// so x2 and y1 see e1, e3, e5; y2 and y3 see e2, e4. A judge is refused
// an entry not given to them (page, file, score) like another contest's;
// the organizer's matrix shows "—" there and counts each judge's progress
// over their own entries only.
func TestConsoleJudgingAssigned(t *testing.T) {
	t.Parallel()
	f := newEntriesFixture(t, func(c *quiz.EntriesConfig) {
		c.MaxPerUnit = 5
		c.PerEntry = 2
	})
	// Judges listed out of id order: the rotation sorts them by id.
	f.cfg.Judges = []string{f.member("y3").Phone, f.member("x2").Phone, f.member("y2").Phone, f.member("y1").Phone}
	c := f.seed.Contest
	c.Entries = &f.cfg
	if _, err := f.db.ApplyContest(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if ids := []int64{f.member("x2").ID, f.member("y1").ID, f.member("y2").ID, f.member("y3").ID}; !slices.IsSorted(ids) {
		t.Fatalf("the seed's member ids are not in the order this test counts on: %v", ids)
	}
	var es []quiz.Entry
	for _, title := range []string{"Bài A", "Bài B", "Bài C", "Bài D", "Bài E"} {
		es = append(es, f.submit("a1", title, pdf, "bai.pdf"))
	}
	f.clock.Advance(2 * time.Hour)
	sees := map[string][]int{"x2": {0, 2, 4}, "y1": {0, 2, 4}, "y2": {1, 3}, "y3": {1, 3}}
	judges := map[string]*client{}
	for key, mine := range sees {
		j := f.signInAs(key, "Chấm bài dự thi")
		judges[key] = j
		_, body := j.get("/console/entries")
		page := text(body)
		for i, e := range es {
			has := strings.Contains(page, "#"+itoa(e.ID)+" "+e.Title)
			if has != slices.Contains(mine, i) {
				t.Errorf("%s sees %s: %v, want %v\n%s", key, e.Title, has, !has, page)
			}
		}
		if want := fmt.Sprintf("Đã chấm đủ 0/%d bài. Mỗi bài do 2 giám khảo chấm; dưới đây là các bài được giao cho anh/chị.", len(mine)); !strings.Contains(page, want) {
			t.Errorf("%s's list lacks %q:\n%s", key, want, page)
		}
	}

	// y2 is refused e1 (given to x2 and y1): page, file and score.
	y2 := judges["y2"]
	for _, path := range []string{"/console/entries/%d", "/console/entries/%d/file"} {
		if st, body := y2.get(fmt.Sprintf(path, es[0].ID)); st != http.StatusForbidden || !strings.Contains(text(body), "Bài dự thi này không được giao cho anh/chị chấm.") {
			t.Errorf("%s: %d %s", path, st, text(body))
		}
	}
	if st, body := y2.score(es[0].ID, "", "30", "20", "10", "5"); st != http.StatusForbidden || !strings.Contains(text(body), "Bài dự thi này không được giao cho anh/chị chấm.") {
		t.Errorf("score an entry not given: %d %s", st, text(body))
	}
	if ss, _ := f.db.Scores(context.Background(), f.seed.Contest.ID); len(ss) != 0 {
		t.Fatalf("saved: %+v", ss)
	}
	// Its own entry opens and scores.
	if st, _ := y2.get(fmt.Sprintf("/console/entries/%d/file", es[1].ID)); st != http.StatusOK {
		t.Errorf("y2's own entry's file: %d", st)
	}

	// x2 scores e1, e3 (not e5); y1 all three; y2 both; y3 none.
	full := func(key string, i int, first string) {
		if st, body := judges[key].score(es[i].ID, "", first, "20", "10", "5"); st != http.StatusOK {
			t.Fatalf("%s scores %s: %d %s", key, es[i].Title, st, text(body))
		}
	}
	full("x2", 0, "30")
	full("x2", 2, "30")
	full("y1", 0, "20")
	full("y1", 2, "20")
	full("y1", 4, "20")
	full("y2", 1, "25")
	full("y2", 3, "25")

	org := f.signIn("org")
	_, body := org.get("/console/judging")
	page := text(body)
	for _, want := range []string{
		"Đỗ Thị Giang: 2/3 bài chưa xong", "Vũ Văn Hải: 3/3 bài xong",
		"Bùi Thị Lan: 2/2 bài xong", "Ngô Văn Minh: 0/2 bài chưa xong",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("judging page lacks %q:\n%s", want, page)
		}
	}
	// The matrix's cells, in the page's judge order.
	setup, err := f.svc.Setup(context.Background(), f.seed.Contest.ID)
	if err != nil {
		t.Fatal(err)
	}
	cells := map[string][]string{ // by judge key: e1…e5
		"x2": {"65", "—", "65", "—", "chưa chấm"},
		"y1": {"55", "—", "55", "—", "55"},
		"y2": {"—", "60", "—", "60", "—"},
		"y3": {"—", "chưa chấm", "—", "chưa chấm", "—"},
	}
	keyOf := map[int64]string{}
	for k := range cells {
		keyOf[f.member(k).ID] = k
	}
	for i, e := range es {
		var want []string
		for _, j := range setup.Judges {
			want = append(want, cells[keyOf[j.ID]][i])
		}
		start := strings.Index(body, fmt.Sprintf(`<tr data-entry="%d"`, e.ID))
		if start < 0 {
			t.Fatalf("no row for %s", e.Title)
		}
		row := text(body[start : start+strings.Index(body[start:], "</tr>")])
		if w := "Sở Nội vụ " + strings.Join(want, " ") + " "; !strings.Contains(row, w) {
			t.Errorf("row of %s: %q, want %q", e.Title, row, w)
		}
	}
	// The close counts the missing scores among the given entries only:
	// x2 on e5, y3 on e2 and e4.
	if _, body := org.get("/console/judging/close?contest=" + itoa(f.seed.Contest.ID)); !strings.Contains(text(body), "Còn 3 lượt chấm chưa đủ tiêu chí") {
		t.Errorf("confirm page:\n%s", text(body))
	}
}

// The whole contest's workbook from Báo cáo has the Bài dự thi sheet, as
// the command's has; a head's slice has not: it lists every unit's entries
// and scores.
func TestConsoleContestWorkbookHasEntries(t *testing.T) {
	t.Parallel()
	f := newEntriesFixture(t, nil)
	f.cons.UseReports(f.db, console.ReportsOptions{})
	f.submit("a1", "Một cửa điện tử ở Sở Nội vụ", nil, "")
	workbook := func(key string) *excelize.File {
		t.Helper()
		st, _, body := f.signIn(key).fetch("/console/reports/download?report=workbook&format=xlsx")
		if st != http.StatusOK {
			t.Fatalf("%s's workbook: %d %s", key, st, clip(string(body), 300))
		}
		x, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { x.Close() })
		return x
	}
	rows, err := workbook("org").GetRows("Bài dự thi")
	if err != nil || !strings.Contains(fmt.Sprint(rows), "Một cửa điện tử ở Sở Nội vụ") {
		t.Errorf("organizer's Bài dự thi: %q, %v", rows, err)
	}
	if got := workbook("head").GetSheetList(); slices.Contains(got, "Bài dự thi") {
		t.Errorf("head's slice: %q, want no Bài dự thi", got)
	}
}
