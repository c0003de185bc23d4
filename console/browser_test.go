package console_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quizbot/internal/browsertest"
)

// TestConsoleBrowser signs in by link in headless Chromium as an organizer
// and as a head, on a phone and on a desktop, reads the figures as they
// show, is refused another unit, and signs out. scripts/test.sh installs
// chromium and sets QUIZBOT_TEST_CHROMIUM; the screenshots go to
// QUIZBOT_TEST_ARTIFACTS when set (else a temporary directory, logged).
func TestConsoleBrowser(t *testing.T) {
	f := newFixture(t)
	seedRound(f)
	// Entries for Nhật ký's screenshots (the page is tested in TestAudit).
	if err := f.cons.Audit(context.Background(), f.member("head"), "Ghi nhận lý do vắng", "Trần Thị Bình (SNV), đợt 1: đi công tác"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		width, height int
	}{{"phone", 375, 812}, {"desktop", 1280, 900}} {
		t.Run(tc.name, func(t *testing.T) {
			// The organizer: the province's figures.
			c := newChrome(t, tc.width, tc.height)
			c.do("open the organizer's link", chromedp.Navigate(f.link("org")), chromedp.WaitVisible(chromedp.ID("signin")))
			c.shot(tc.name + "-0-sign-in")
			c.do("press Đăng nhập", chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")))
			// The phone runs first; y3 finishes during it (below).
			if tc.name == "phone" {
				c.expect("kpi-participants", "4")
				c.expect("kpi-rate", "44,4%")
			} else {
				c.expect("kpi-participants", "5")
				c.expect("kpi-rate", "55,6%")
			}
			c.expect("kpi-progress", "1")
			if tc.name == "phone" {
				c.expectText("#units tbody", "Sở Y tế 2 3 66,7% Sở Nội vụ 2 5 40,0%")
			}
			c.shot(tc.name + "-1-overview-organizer")
			// Someone finishes: the next refresh (live.js, every 15 s; called
			// here at once) shows them without a reload.
			if tc.name == "phone" {
				f.took("y3", 1, f.clock.Now().Add(-time.Minute))
				c.do("refresh the live figures", chromedp.Evaluate[chromedp.Void]("consoleRefresh()"),
					chromedp.WaitVisible(chromedp.Search(`//*[@id="kpi-participants"][.="5"]`)))
				c.expect("kpi-rate", "55,6%")
				c.expectText("#units tbody", "Sở Y tế 3 3 100,0% Sở Nội vụ 2 5 40,0%")
			}
			c.do("scroll to the days", chromedp.ScrollIntoView(chromedp.ID("days")))
			c.shot(tc.name + "-2-overview-organizer-days")
			c.do("open Nhật ký", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(.)="Nhật ký"]`)), chromedp.WaitVisible(chromedp.Search(`//h1[.="Nhật ký thao tác"]`)))
			c.shot(tc.name + "-3-audit")

			// The head: their unit's subtree only.
			h := newChrome(t, tc.width, tc.height)
			headLink := f.link("head")
			h.do("open the head's link", chromedp.Navigate(headLink), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")))
			h.expect("kpi-participants", "2")
			h.expect("kpi-rate", "40,0%")
			h.expectText("#units tbody", "UBND xã Hòa Phú 1 2 50,0%")
			h.shot(tc.name + "-4-overview-head")
			h.do("edit the address to another unit", chromedp.Navigate(f.srv.URL+"/console/units/SYT"), chromedp.WaitVisible(chromedp.CSS(".error")))
			h.expectText(".error", "Anh/chị không có quyền xem đơn vị SYT.")
			h.shot(tc.name + "-5-forbidden")
			h.do("sign out", chromedp.Click(chromedp.Search(`//button[normalize-space(.)="Đăng xuất"]`)),
				chromedp.WaitVisible(chromedp.Search(`//h1[.="Đã đăng xuất"]`)))
			h.shot(tc.name + "-6-signed-out")
			h.do("come back", chromedp.Navigate(f.srv.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS(".error")))
			h.expectText(".error", "Anh/chị chưa đăng nhập hoặc phiên làm việc đã kết thúc. Để đăng nhập, gửi lệnh /quantri cho bot thi trực tuyến (hoặc bấm nút \"🖥 Trang quản trị\") rồi mở đường dẫn bot gửi trong vòng 10 phút.")

			// The head's link again: spent.
			h.do("open the spent link", chromedp.Navigate(headLink), chromedp.WaitVisible(chromedp.CSS(".error")))
			h.expectText(".error", "Đường dẫn đăng nhập không hợp lệ, đã được sử dụng hoặc đã hết hạn (đường dẫn chỉ dùng được một lần, trong 10 phút). Vui lòng gửi lại lệnh /quantri cho bot để nhận đường dẫn mới.")
			h.shot(tc.name + "-7-spent-link")
			t.Logf("screenshots in %s", c.shots)
		})
	}
}

// chrome is a headless Chromium session of a test, with its own cookies.
type chrome struct {
	t     *testing.T
	ctx   context.Context
	shots string
}

// newChrome starts Chromium with a viewport of width×height CSS pixels; its
// screenshots are kept in QUIZBOT_TEST_ARTIFACTS/console when set.
func newChrome(t *testing.T, width, height int) *chrome {
	t.Helper()
	shots := browsertest.Artifacts(t, "console")
	if shots == "" {
		shots = t.TempDir()
	}
	return &chrome{t: t, ctx: browsertest.Start(t, width, height), shots: shots}
}

func (c *chrome) fail(step string, err error) {
	c.t.Helper()
	browsertest.Fail(c.ctx, c.t, step, err)
}

func (c *chrome) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	browsertest.Do(c.ctx, c.t, step, actions...)
}

// expect checks the text of the element with the id.
func (c *chrome) expect(id, want string) {
	c.t.Helper()
	c.expectText("#"+id, want)
}

// expectText checks the visible text of the first element matching css,
// spaces collapsed.
func (c *chrome) expectText(css, want string) {
	c.t.Helper()
	got, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		c.fail("read "+css, err)
	}
	if got = strings.Join(strings.Fields(got), " "); got != want {
		c.t.Errorf("%s shows %q, want %q", css, got, want)
	}
}

// shot saves a full-page screenshot as NAME.png.
func (c *chrome) shot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		c.fail("screenshot "+name, err)
	}
	if err := os.WriteFile(filepath.Join(c.shots, name+".png"), png, 0o644); err != nil {
		c.t.Fatalf("save screenshot %s: %v", name, err)
	}
}
