package console_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestUnitsBrowser opens Đơn vị in headless Chromium on a phone and on a
// desktop: the organizer's tree, then a head records a reason for a
// member of their sub-unit with the form, and reads it back.
func TestUnitsBrowser(t *testing.T) {
	f := newFixture(t)
	seedRound(f)
	f.verify("a1", "a2", "x1", "y1", "y2")
	x2 := fmt.Sprintf("#m%d", f.member("x2").ID)
	for _, tc := range []struct {
		name          string
		width, height int
		reason        string
	}{{"phone", 375, 812, "Ốm đau"}, {"desktop", 1280, 900, "Nghỉ phép"}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChrome(t, tc.width, tc.height)
			c.do("sign in as the organizer", chromedp.Navigate(f.link("org")), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")))
			c.do("open Đơn vị", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(.)="Đơn vị"]`)), chromedp.WaitVisible(chromedp.ID("tree")))
			c.expectText("#u-TINH", "UBND tỉnh Hòa Bình (3 đơn vị trực thuộc) 9 5 4 44,4% 2,00 1")
			c.expectText("#u-SYT", "Sở Y tế 3 2 2 66,7% 1,50 1")
			c.shot(tc.name + "-units-1-tree-organizer")
			c.do("open Sở Y tế", chromedp.Click(chromedp.Search(`//a[.="Sở Y tế"]`)), chromedp.WaitVisible(chromedp.ID("members")))
			c.shot(tc.name + "-units-2-unit-organizer")

			h := newChrome(t, tc.width, tc.height)
			h.do("sign in as the head", chromedp.Navigate(f.link("head")), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")))
			h.do("open Đơn vị", chromedp.Click(chromedp.Search(`//nav//a[normalize-space(.)="Đơn vị"]`)), chromedp.WaitVisible(chromedp.ID("tree")))
			h.expectText("#tree tbody", "Sở Nội vụ (1 đơn vị trực thuộc) 5 3 2 40,0% 2,50 0 UBND xã Hòa Phú 2 1 1 50,0% 2,00 0")
			h.shot(tc.name + "-units-3-tree-head")
			h.do("open Sở Nội vụ", chromedp.Click(chromedp.Search(`//a[.="Sở Nội vụ"]`)), chromedp.WaitVisible(chromedp.ID("members")))
			h.expect("kpi-rate", "40,0%")
			h.shot(tc.name + "-units-4-unit-head")
			h.do("open the sub-unit", chromedp.Click(chromedp.Search(`//table[@id="subunits"]//a[.="UBND xã Hòa Phú"]`)), chromedp.WaitVisible(chromedp.ID("members")))
			h.do("choose a reason and save", chromedp.SetValue(chromedp.CSS(x2+" select"), tc.reason),
				chromedp.Click(chromedp.CSS(x2+" button")), chromedp.WaitVisible(chromedp.ID("saved")))
			h.expect("saved", "✅ Đã ghi nhận lý do vắng của Đỗ Thị Giang: "+tc.reason+".")
			h.shot(tc.name + "-units-5-reason-saved")
			_, reasons, err := f.db.ExcuseCandidates(context.Background(), f.seed.Round.ID, f.member("x2").UnitID, f.clock.Now())
			if err != nil {
				t.Fatal(err)
			}
			if reasons[f.member("x2").ID] != tc.reason {
				t.Errorf("/lydo's list has %q", reasons[f.member("x2").ID])
			}
		})
	}
}
