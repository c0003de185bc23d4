package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestConsoleJudgeBrowser: in headless Chromium, on a phone and on a
// desktop, a judge opens their list, an entry, is refused a point over the
// maximum, scores it and sees the total; the organizer sees the matrix.
// Screenshots as in TestConsoleBrowser (judge-*).
func TestConsoleJudgeBrowser(t *testing.T) {
	f := newEntriesFixture(t, nil)
	f.submit("a1", "Một cửa điện tử ở Sở Nội vụ", mp4(4000), "clip.mp4")
	f.submit("x1", "Xã Hòa Phú số hóa hồ sơ", pdf, "xa.pdf")
	f.clock.Advance(2 * time.Hour)
	for _, tc := range []struct {
		name          string
		width, height int
		judge         string
	}{{"phone", 375, 812, "y1"}, {"desktop", 1280, 900, "y2"}} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChrome(t, tc.width, tc.height)
			c.do("open the judge's link", chromedp.Navigate(f.link(tc.judge)), chromedp.WaitVisible(chromedp.ID("signin")),
				chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("my-entries")))
			c.expectText("h1", "Chấm bài dự thi")
			c.shot("judge-" + tc.name + "-1-list")
			c.do("open the clip", chromedp.Click(chromedp.Search(`//a[.="Một cửa điện tử ở Sở Nội vụ"]`)), chromedp.WaitVisible(chromedp.ID("player")))
			// The form without its script first (the values set without
			// events, then Lưu điểm); typing and autosave below.
			c.do("41 for Nội dung", fill(map[string]string{"p0": "41", "p1": "25"}),
				chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("problem")))
			c.expect("problem", `Điểm tiêu chí "Nội dung" phải từ 0 đến 40, không phải 41.`)
			c.shot("judge-" + tc.name + "-2-over-maximum")
			c.do("score within the rubric", fill(map[string]string{"p0": "35,5", "p2": "18", "p3": "9", "comment": "Rõ ràng, thiết thực"}),
				chromedp.Click(chromedp.ID("save")), chromedp.WaitVisible(chromedp.ID("saved")))
			c.expect("sheet", "Phiếu chấm · tổng 87,5/100")
			c.shot("judge-" + tc.name + "-3-saved")
			// Saved as they go: a changed field is saved without the
			// button, and is there after a reload.
			c.do("change Sáng tạo", fill(map[string]string{"p2": ""}), chromedp.SendKeys(chromedp.ID("p2"), "15\t"),
				chromedp.WaitVisible(chromedp.Search(`//*[@id="autosave"][starts-with(., "Đã lưu lúc")]`)))
			c.expect("sheet", "Phiếu chấm · tổng 84,5/100")
			c.do("type over the maximum", fill(map[string]string{"p3": ""}), chromedp.SendKeys(chromedp.ID("p3"), "12\t"),
				chromedp.WaitVisible(chromedp.Search(`//*[@id="autosave"][contains(., "không phải 12")]`)))
			c.expect("autosave", `Điểm tiêu chí "Tính ứng dụng" phải từ 0 đến 10, không phải 12.`)
			c.shot("judge-" + tc.name + "-4-autosave-refused")
			c.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("sheet")))
			c.expect("sheet", "Phiếu chấm · tổng 84,5/100")
		})
	}
	c := newChrome(t, 1280, 900)
	c.do("the organizer's judging page", chromedp.Navigate(f.link("org")), chromedp.WaitVisible(chromedp.ID("signin")),
		chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("kpi-rate")),
		chromedp.Navigate(f.srv.URL+"/console/judging"), chromedp.WaitVisible(chromedp.ID("matrix")))
	c.shot("judge-organizer-matrix")
}

// dropper closes the connections of the second chunk's PUTs without an
// answer, as a dropped mobile connection does, and counts the offset GETs.
type dropper struct {
	next       http.Handler
	mu         sync.Mutex
	puts, gets int
}

func (d *dropper) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/console/upload/") && !strings.HasSuffix(r.URL.Path, "/finish") {
		d.mu.Lock()
		if r.Method == http.MethodPut {
			d.puts++
		} else {
			d.gets++
		}
		// Every try of the second chunk fails until the page asked where
		// to resume: Chromium itself retries a PUT on another pooled
		// connection a few times before the script sees the failure.
		drop := r.Method == http.MethodPut && r.URL.Query().Get("offset") == "1048576" && d.gets < 2
		d.mu.Unlock()
		if drop {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
	}
	d.next.ServeHTTP(w, r)
}

// TestConsoleUploadBrowser uploads a 3 MB clip from the page in Chromium:
// the progress bar, the second chunk's connection dropped, the page
// resuming from the server's offset, the receipt with the sha256.
func TestConsoleUploadBrowser(t *testing.T) {
	f := newEntriesFixture(t, nil)
	mux := http.NewServeMux()
	f.cons.Routes(mux)
	d := &dropper{next: mux}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	clip := mp4(3 << 20)
	path := filepath.Join(t.TempDir(), "phong-su.mp4")
	if err := os.WriteFile(path, clip, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name          string
		width, height int
	}{{"phone", 375, 812}} {
		c := newChrome(t, tc.width, tc.height)
		link := strings.Replace(f.link("a1"), f.srv.URL, srv.URL, 1)
		c.do("sign in", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("signin")),
			chromedp.Click(chromedp.ID("signin")), chromedp.WaitVisible(chromedp.ID("upload")))
		c.do("fill the form", chromedp.SendKeys(chromedp.ID("title"), "Phóng sự một cửa"), chromedp.SendKeys(chromedp.ID("authors"), "Nguyễn Văn An"),
			chromedp.SetUploadFiles(chromedp.ID("file"), []string{path}))
		c.shot("upload-" + tc.name + "-1-form")
		c.do("upload", chromedp.Click(chromedp.ID("send")),
			chromedp.WaitVisible(chromedp.Search(`//*[@id="status"][starts-with(., "✅")]`)))
		c.expectText("#pct", "100% (3,0/3,0 MB)")
		c.shot("upload-" + tc.name + "-2-done")
	}
	d.mu.Lock()
	t.Logf("chunk PUTs %d, offset GETs %d", d.puts, d.gets)
	if d.gets < 2 {
		t.Errorf("the page did not ask where to resume (offset GETs %d)", d.gets)
	}
	d.mu.Unlock()
	es, _ := f.db.UnitEntries(context.Background(), f.seed.Contest.ID, f.member("a1").UnitID)
	if len(es) != 1 || es[0].FileSize != int64(len(clip)) || es[0].Title != "Phóng sự một cửa" {
		t.Fatalf("stored: %+v", es)
	}
}

// fill sets form fields by id without firing events, as a script would.
func fill(values map[string]string) chromedp.Action[chromedp.Void] {
	var js strings.Builder
	for id, v := range values {
		fmt.Fprintf(&js, "document.getElementById(%q).value = %q;", id, v)
	}
	return chromedp.Evaluate[chromedp.Void](js.String())
}
