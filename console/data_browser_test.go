package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestDataBrowser uploads a roster with errors in headless Chromium and
// sees them, then a good one: its preview's counts, Apply, and the members
// changed; on a phone and on a desktop, with screenshots (see
// TestConsoleBrowser for where they go).
func TestDataBrowser(t *testing.T) {
	for _, tc := range []struct {
		name          string
		width, height int
	}{{"phone", 375, 812}, {"desktop", 1280, 900}} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			dir := t.TempDir()
			file := func(name, content string) string {
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			bad, good := file("danh-sach-loi.csv", rosterBad), file("danh-sach.csv", rosterGood)
			before := f.roster()

			c := newChrome(t, tc.width, tc.height)
			c.do("sign in", chromedp.Navigate(f.link("org")), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")))
			c.do("open Dữ liệu", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(.)="Dữ liệu"]`)),
				chromedp.WaitVisible(chromedp.ID("upload-submit")))
			c.shot(tc.name + "-data-0-page")

			upload := func(path string, wait string) {
				t.Helper()
				c.do("upload "+filepath.Base(path),
					chromedp.SetValue(chromedp.ID("kind"), "members"),
					chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}),
					chromedp.Click(chromedp.ID("upload-submit")),
					chromedp.WaitVisible(chromedp.ID(wait)))
			}
			upload(bad, "import-problems")
			c.expectText("#import-rejected", "Tệp có lỗi nên không được nạp; dữ liệu chưa thay đổi gì. Hãy sửa các dòng dưới đây rồi tải tệp lên lại.")
			c.expectText("#import-problems tbody", "3 phone số điện thoại 09120 không hợp lệ 5 unit_code không có đơn vị mã SXD 6 full_name thiếu họ tên (full_name)")
			c.shot(tc.name + "-data-1-errors")
			if f.roster() != before {
				t.Fatal("the rejected upload changed the roster")
			}

			upload(good, "import-apply")
			c.expect("count-added", "2")
			c.expect("count-updated", "1")
			c.expect("count-deactivated", "1")
			c.expect("count-unchanged", "7")
			c.shot(tc.name + "-data-2-preview")
			if f.roster() != before {
				t.Fatal("the preview changed the roster")
			}

			c.do("apply", chromedp.Click(chromedp.ID("import-apply")), chromedp.WaitVisible(chromedp.ID("import-applied")))
			c.expectText("#import-applied", "Đã nạp xong tệp danh-sach.csv.")
			c.shot(tc.name + "-data-3-applied")
			got := f.roster()
			for _, want := range []string{
				"0912000004|Trần Thị Bình|SNV|Phó Trưởng phòng|member|true",
				"0912000009|Ngô Văn Minh|SYT|Kế toán|member|false",
				"0912000010|Đinh Quốc Khánh|SYT|Dược sĩ|member|true",
				"0912000011|Mai Thị Oanh|XA1|Công chức|member|true",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("roster lacks %q:\n%s", want, got)
				}
			}

			// The contest file: a mistake shown on its line.
			c.do("check a contest file", chromedp.Navigate(f.srv.URL+"/console/data?contest=new#contest"),
				chromedp.SetValue(chromedp.ID("source"), "code: thu-2027\nname: Thi thử\nquestions_per_attempt: 3\ntime_limit: 10\nrounds:\n  - number: 1\n    opens_at: 2027-01-04 07:30\n    closes_at: 2027-01-08 16:30\n"),
				chromedp.Click(chromedp.ID("contest-check")), chromedp.WaitVisible(chromedp.ID("contest-problems")))
			c.expectText("#contest-problems tbody", `4 time_limit "10" không phải khoảng thời gian hợp lệ: ghi số kèm đơn vị, ví dụ 20m, 1h30m hoặc 900s`)
			c.shot(tc.name + "-data-4-contest-errors")

			// The head reads the page, without the forms.
			h := newChrome(t, tc.width, tc.height)
			h.do("sign in as the head", chromedp.Navigate(f.link("head")), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")),
				chromedp.Navigate(f.srv.URL+"/console/data"), chromedp.WaitVisible(chromedp.ID("data-heads")))
			h.shot(tc.name + "-data-5-head")
			t.Logf("screenshots in %s", c.shots)
		})
	}
}
