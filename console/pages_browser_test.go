package console_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// download fetches the link matched by css with the browser's session, as
// a click on it downloads it, and returns the status, the
// Content-Disposition and the file.
func (c *chrome) download(css string) (int, string, []byte) {
	c.t.Helper()
	type got struct {
		Status      int    `json:"status"`
		Disposition string `json:"disposition"`
		Body        string `json:"body"`
	}
	js := `(async () => {
		const a = document.querySelector(` + "`" + css + "`" + `);
		if (!a) return {status: 0, disposition: "", body: ""};
		const r = await fetch(a.href);
		const b = new Uint8Array(await r.arrayBuffer());
		let s = "";
		for (let i = 0; i < b.length; i++) s += String.fromCharCode(b[i]);
		return {status: r.status, disposition: r.headers.get("Content-Disposition") || "", body: btoa(s)};
	})()`
	g, err := chromedp.Run(c.ctx, chromedp.Evaluate[got](js, chromedp.EvalAwaitPromise))
	if err != nil {
		c.fail("download "+css, err)
	}
	if g.Status == 0 {
		c.fail("download "+css, errNoLink)
	}
	b, err := base64.StdEncoding.DecodeString(g.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return g.Status, g.Disposition, b
}

type linkError struct{}

func (linkError) Error() string { return "no such link on the page" }

var errNoLink = linkError{}

// TestReportsAndNotificationsBrowser opens Báo cáo and Thông báo in
// headless Chromium as an organizer and as a head, at phone and desktop
// widths: the organizer downloads reports and reads them back, sends a
// reminder with the button (once, however often pressed), and the head
// gets their slice and no button. Screenshots go where the console's do.
func TestReportsAndNotificationsBrowser(t *testing.T) {
	f := remindFixture(t)
	for _, tc := range []struct {
		name          string
		width, height int
	}{{"phone", 375, 812}, {"desktop", 1280, 900}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChrome(t, tc.width, tc.height)
			c.do("sign in as the organizer", chromedp.Navigate(f.link("org")), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")))
			c.do("open Báo cáo", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(.)="Báo cáo"]`)),
				chromedp.WaitVisible(chromedp.ID("round-1")))
			c.shot(tc.name + "-8-reports-organizer")

			st, disp, body := c.download(`#round-1 a[href*="report=results"][href*="format=xlsx"]`)
			if st != http.StatusOK || !strings.Contains(disp, "filename=Ket-qua-ca-nhan-dot-1.xlsx") {
				t.Fatalf("results download: %d %q", st, disp)
			}
			rows := sheetRows(t, body, "")
			var ranked []string
			for _, r := range rows[1:] {
				ranked = append(ranked, r[0]+" "+r[1]+" "+r[3]+" "+r[5])
			}
			if got, want := strings.Join(ranked, "; "), "1 Nguyễn Văn An SNV 3; 2 Vũ Văn Hải SYT 3; 3 Hoàng Văn Em XA1 2; 4 Bùi Thị Lan SYT 0"; got != want {
				t.Errorf("results read back: %q, want %q", got, want)
			}
			// The round's workbook, as `quizbot report workbook --round 1`
			// writes it.
			st, disp, body = c.download(`#round-1 a[href*="report=workbook"]`)
			if st != http.StatusOK || !strings.Contains(disp, "filename=Bao-cao-tong-hop-dot-1.xlsx") {
				t.Fatalf("workbook download: %d %q", st, disp)
			}
			// The figures by hand: TINH has the organizer; SNV the head,
			// a1 (3 right) and a2 (taking it), all three linked; XA1 x1 (2
			// right) and x2 (linked); SYT y1 (3), y2 (0) and y3 (linked).
			if got, want := joinRows(sheetRows(t, body, "Đơn vị")[2:]),
				"TINH|UBND tỉnh Hòa Bình|1||1|0|0|0.0%||0|9|5|4|44.4%|2.00|1|4\n"+
					"SNV|Sở Nội vụ|2|TINH|3|3|1|33.3%|3.00|0|5|4|2|40.0%|2.50|0|2\n"+
					"XA1|UBND xã Hòa Phú|3|SNV|2|1|1|50.0%|2.00|0|2|1|1|50.0%|2.00|0|1\n"+
					"SYT|Sở Y tế|2|TINH|3|1|2|66.7%|1.50|1|3|1|2|66.7%|1.50|1|1"; got != want {
				t.Errorf("workbook's Đơn vị:\n%s\nwant\n%s", got, want)
			}
			if got, want := joinRows(sheetRows(t, body, "Tổng hợp")[2:3]), "1|30/11/2026 – 04/12/2026|9|4|44.4%|2.00|1"; got != want {
				t.Errorf("workbook's Tổng hợp: %q, want %q", got, want)
			}

			c.do("open Thông báo", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(.)="Thông báo"]`)),
				chromedp.WaitVisible(chromedp.ID("remind")))
			c.do("press Gửi nhắc nhở ngay", chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Gửi nhắc nhở ngay"]`)),
				chromedp.WaitVisible(chromedp.ID("flash")))
			// The phone presses first: 3 queued; the desktop's press is
			// the same day's second: nothing new.
			if tc.name == "phone" {
				c.expect("flash", "Đã xếp hàng 3 tin nhắc nhở đợt 1; hệ thống đang gửi.")
			} else {
				c.expect("flash", "Không có tin nhắc nhở mới: hôm nay đã gửi nhắc nhở đợt 1, hoặc mọi cán bộ đã kích hoạt đều đã dự thi.")
			}
			c.expectText("#counts tbody", "Nhắc nhở 3 0 0 0 0 0 3")
			c.shot(tc.name + "-9-notifications-organizer")

			h := newChrome(t, tc.width, tc.height)
			h.do("sign in as the head", chromedp.Navigate(f.link("head")), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")),
				chromedp.Navigate(f.srv.URL+"/console/reports"), chromedp.WaitVisible(chromedp.ID("round-1")))
			h.shot(tc.name + "-10-reports-head")
			st, disp, body = h.download(`#round-1 a[href*="report=results"][href*="format=xlsx"]`)
			if st != http.StatusOK || !strings.Contains(disp, "filename=Ket-qua-ca-nhan-dot-1-SNV.xlsx") {
				t.Fatalf("head's results download: %d %q", st, disp)
			}
			if rows := sheetRows(t, body, ""); len(rows) != 3 || rows[1][1] != "Nguyễn Văn An" || rows[2][1] != "Hoàng Văn Em" {
				t.Errorf("head's results read back:\n%s", joinRows(rows))
			}
			st, disp, body = h.download(`#round-1 a[href*="report=workbook"]`)
			if st != http.StatusOK || !strings.Contains(disp, "filename=Bao-cao-tong-hop-dot-1-SNV.xlsx") {
				t.Fatalf("head's workbook download: %d %q", st, disp)
			}
			if got, want := joinRows(sheetRows(t, body, "Đơn vị")[1:]),
				"Mã đơn vị|Tên đơn vị|Cấp|Đơn vị cấp trên|Số CBCCVC (riêng đơn vị)|Đã kích hoạt (riêng đơn vị)|Số người tham gia (riêng đơn vị)|Tỷ lệ tham gia (riêng đơn vị)|Số câu đúng bình quân (riêng đơn vị)|Số bài 0 điểm (riêng đơn vị)|Số CBCCVC (gồm đơn vị trực thuộc)|Đã kích hoạt (gồm đơn vị trực thuộc)|Số người tham gia (gồm đơn vị trực thuộc)|Tỷ lệ tham gia (gồm đơn vị trực thuộc)|Số câu đúng bình quân (gồm đơn vị trực thuộc)|Số bài 0 điểm (gồm đơn vị trực thuộc)|Số đơn vị cộng dồn\n"+
					"SNV|Sở Nội vụ|2|TINH|3|3|1|33.3%|3.00|0|5|4|2|40.0%|2.50|0|2\n"+
					"XA1|UBND xã Hòa Phú|3|SNV|2|1|1|50.0%|2.00|0|2|1|1|50.0%|2.00|0|1"; got != want {
				t.Errorf("head's workbook's Đơn vị:\n%s\nwant\n%s", got, want)
			}
			if x, err := excelize.OpenReader(bytes.NewReader(body)); err != nil || slices.Contains(x.GetSheetList(), "Câu hỏi") {
				t.Errorf("the head's workbook has the province's item analysis (%v)", err)
			}
			h.do("edit the address to another unit", chromedp.Navigate(f.srv.URL+"/console/reports/download?report=results&round=1&format=xlsx&unit=SYT"),
				chromedp.WaitVisible(chromedp.CSS(".error")))
			h.expectText(".error", "Anh/chị không có quyền tải báo cáo của đơn vị SYT.")
			h.do("open Thông báo", chromedp.Navigate(f.srv.URL+"/console/notifications"), chromedp.WaitVisible(chromedp.ID("counts")))
			h.expectText("#counts tbody", "Nhắc nhở 2 0 0 0 0 0 2")
			if n, err := chromedp.Run(h.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#remind").length`)); err != nil || n != 0 {
				t.Errorf("the head sees the button (%d, %v)", n, err)
			}
			h.shot(tc.name + "-11-notifications-head")
		})
	}
	if n := f.queued("remind"); n != 3 {
		t.Errorf("%d reminders queued after two presses, want 3", n)
	}
}
