package webchat_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"quizbot/internal/browsertest"
	"quizbot/quiz"
)

// TestWebChatBrowser takes the quiz in headless Chromium, by clicking as a
// person would: pick a member, share the contact, "Vào thi", start, answer
// every question with its buttons, type the prediction, see the result.
// scripts/test.sh installs Debian's chromium and sets QUIZBOT_TEST_CHROMIUM;
// QUIZBOT_TEST_ARTIFACTS=DIR (scripts/test.sh sets it) also keeps the
// screenshots in DIR/webchat, as the console's go to DIR/console.
func TestWebChatBrowser(t *testing.T) {
	f := newFixture(t, quiz.SystemClock{})
	an := f.members["Nguyễn Văn An"]
	c := newChrome(t, 420, 860)
	ctx, do, shot, fail := c.ctx, c.do, c.shot, c.fail
	// button finds a button by its exact label within a part of the page.
	button := func(scope, label string) string {
		return fmt.Sprintf(`//*[@id=%q]//button[normalize-space(.)=%q]`, scope, label)
	}
	bubble := func(text string) string {
		return fmt.Sprintf(`//div[contains(@class,"bubble")][contains(., %q)]`, text)
	}

	member := chromedp.CSS(fmt.Sprintf(`button.member[data-member-id="%d"]`, an))
	do("open the page", chromedp.Navigate(f.srv.URL+"/chat"), chromedp.WaitVisible(member))
	shot("1-picker")
	do("pick a member", chromedp.Click(member), chromedp.WaitVisible(chromedp.CSS(`#keyboard button.contact`)))
	do("share the contact",
		chromedp.Click(chromedp.CSS(`#keyboard button.contact`)),
		chromedp.WaitVisible(bubble("Xác thực thành công")),
		chromedp.WaitVisible(button("keyboard", "📝 Vào thi")),
	)
	shot("2-verified")
	do("open the quiz and start",
		chromedp.Click(button("keyboard", "📝 Vào thi")),
		chromedp.WaitVisible(button("messages", "▶️ Bắt đầu làm bài")),
		chromedp.Click(button("messages", "▶️ Bắt đầu làm bài")),
	)

	answers, _ := json.Marshal(correctOf())
	for k := 1; k <= perAttempt; k++ {
		// The data of the button with the right letter, once question k
		// shows with its buttons.
		data, err := chromedp.Run(ctx, chromedp.Poll[string](fmt.Sprintf(`(() => {
			const answers = %s;
			for (const msg of document.querySelectorAll(".msg.bot")) {
				const lines = msg.querySelector(".bubble").textContent.split("\n");
				if (lines[0] !== "Câu %d/%d") continue;
				const right = answers[lines[1]];
				for (const line of lines) {
					if (line[1] !== "." || line.slice(3) !== right) continue;
					for (const b of msg.querySelectorAll(".inline button")) {
						if (b.textContent === line[0]) return b.dataset.data;
					}
				}
			}
			return false;
		})()`, answers, k, perAttempt), chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(30*time.Second)))
		if err != nil {
			fail(fmt.Sprintf("wait for question %d", k), err)
		}
		if k == 1 {
			shot("3-question")
		}
		sel := chromedp.CSS(fmt.Sprintf(`button[data-data=%q]`, data))
		// After the tap the question is edited: its buttons go.
		do(fmt.Sprintf("answer question %d", k), chromedp.Click(sel), chromedp.WaitNotPresent(sel))
	}

	do("answer the prediction",
		chromedp.WaitVisible(bubble("Câu hỏi dự đoán")),
		chromedp.SendKeys(chromedp.ID("input"), "1500"),
		chromedp.Click(chromedp.ID("send")),
		chromedp.WaitVisible(bubble("Kết quả: 3/3 câu đúng")),
	)
	shot("4-result")
	text, err := chromedp.Run(ctx, chromedp.Text(bubble("Kết quả: 3/3 câu đúng")))
	if err != nil {
		fail("read the result", err)
	}
	for _, want := range []string{"🎉 Anh/chị đã hoàn thành bài thi!", "Dự đoán: 1.500", "Cảm ơn anh/chị đã tham gia!"} {
		if !strings.Contains(text, want) {
			t.Errorf("result %q lacks %q", text, want)
		}
	}
	edited, err := chromedp.Run(ctx, chromedp.Evaluate[int](
		`[...document.querySelectorAll(".msg.bot .bubble")].filter(b => b.textContent.includes("☑️ Anh/chị chọn:")).length`))
	if err != nil {
		fail("count the answered questions", err)
	}
	if edited != perAttempt {
		t.Errorf("%d question messages show the choice, want %d", edited, perAttempt)
	}
	t.Logf("screenshots in %s", c.shots)
}

// chrome is a headless Chromium session of a test, with its own cookies.
type chrome struct {
	t     *testing.T
	ctx   context.Context
	shots string // this test's screenshots; also in QUIZBOT_TEST_ARTIFACTS/webchat when set
}

// newChrome starts Chromium with a viewport of width×height CSS pixels.
func newChrome(t *testing.T, width, height int) *chrome {
	t.Helper()
	return &chrome{t: t, ctx: browsertest.Start(t, width, height), shots: t.TempDir()}
}

// fail ends the test with the page's text.
func (c *chrome) fail(step string, err error) {
	c.t.Helper()
	browsertest.Fail(c.ctx, c.t, step, err)
}

func (c *chrome) do(step string, actions ...chromedp.Action[chromedp.Void]) {
	c.t.Helper()
	browsertest.Do(c.ctx, c.t, step, actions...)
}

// shot saves a screenshot of the viewport as NAME.png.
func (c *chrome) shot(name string) {
	c.t.Helper()
	png, err := chromedp.Run(c.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		c.fail("screenshot "+name, err)
	}
	for _, dir := range []string{c.shots, browsertest.Artifacts(c.t, "webchat")} {
		if dir == "" {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
			c.t.Fatalf("save screenshot %s: %v", name, err)
		}
	}
}

// TestWebChatBrowserPicker looks for a member as a person would, on a phone
// and on a desktop: typed without diacritics, the search finds them; every
// member shows their role and unit; once picked, the header shows their
// whole name, not cut.
func TestWebChatBrowserPicker(t *testing.T) {
	f := newFixture(t, quiz.SystemClock{})
	for _, tc := range []struct {
		name          string
		width, height int
		query, member string
		role          string
		menu          string // a menu button only this role has, or the quiz's
	}{
		{"phone", 375, 812, "dang quang huy", "Đặng Quang Huy", "Thành viên", "📝 Vào thi"},
		{"desktop", 1280, 800, "THU HA", "Phạm Thị Thu Hà", "Lãnh đạo đơn vị", "📋 Lý do vắng"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newChrome(t, tc.width, tc.height)
			id := f.members[tc.member]
			member := fmt.Sprintf(`button.member[data-member-id="%d"]`, id)
			first := fmt.Sprintf(`button.member[data-member-id="%d"]`, f.members["Nguyễn Văn An"])
			c.do("open the page", chromedp.Navigate(f.srv.URL+"/chat"), chromedp.WaitVisible(chromedp.CSS(first)))

			// Every member shows a role; the fixture has one of each.
			roles, err := chromedp.Run(c.ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(
				[...document.querySelectorAll("button.member")].map(b => [b.querySelector(".name").textContent,
					b.querySelector(".role").textContent + " | " + b.querySelector(".meta").textContent]))`))
			if err != nil {
				c.fail("read the roles", err)
			}
			for name, want := range map[string]string{
				"Nguyễn Văn An":   "Thành viên | Chuyên viên · Sở Nội vụ",
				"Phạm Thị Thu Hà": "Lãnh đạo đơn vị | Giám đốc · Sở Nội vụ",
				"Trần Thị Bình":   "Ban Tổ chức | Phó Trưởng phòng · Sở Nội vụ",
			} {
				if roles[name] != want {
					t.Errorf("picker shows %s as %q, want %q", name, roles[name], want)
				}
			}
			c.shot("picker-" + tc.name)

			// Typed without diacritics: only that member is left.
			c.do("search "+tc.query, chromedp.SendKeys(chromedp.ID("filter"), tc.query))
			found, err := chromedp.Run(c.ctx, chromedp.Poll[string](`(() => {
				const bs = [...document.querySelectorAll("button.member")];
				return bs.length === 1 && bs[0].textContent;
			})()`, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
			if err != nil {
				c.fail("search "+tc.query+" leaves one member", err)
			}
			if !strings.Contains(found, tc.member) || !strings.Contains(found, tc.role) {
				t.Errorf("search %q found %q, want %s (%s)", tc.query, found, tc.member, tc.role)
			}
			c.shot("search-" + tc.name)

			c.do("pick "+tc.member, chromedp.Click(chromedp.CSS(member)), chromedp.WaitVisible(chromedp.CSS(`#keyboard button.contact`)))
			c.do("share the contact", chromedp.Click(chromedp.CSS(`#keyboard button.contact`)),
				chromedp.WaitVisible(fmt.Sprintf(`//*[@id="keyboard"]//button[normalize-space(.)=%q]`, tc.menu)))
			// The header names the member in full: no part of it is cut
			// or pushed out of the window.
			problem, err := chromedp.Run(c.ctx, chromedp.Evaluate[string](`(() => {
				const who = document.getElementById("who");
				const out = [];
				for (const e of [who, ...who.querySelectorAll("span")]) {
					if (getComputedStyle(e).display === "none") continue;
					const r = e.getBoundingClientRect();
					if (e.scrollWidth > e.clientWidth && getComputedStyle(e).display !== "inline") out.push(e.className + " overflows");
					if (r.right > window.innerWidth || r.left < 0) out.push(e.className + " outside the window");
				}
				if (getComputedStyle(who).textOverflow === "ellipsis" && who.scrollWidth > who.clientWidth) out.push("cut with …");
				return out.join("; ");
			})()`))
			if err != nil {
				c.fail("measure the header", err)
			}
			if problem != "" {
				t.Errorf("header: %s", problem)
			}
			who, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.ID("who")))
			if err != nil {
				c.fail("read the header", err)
			}
			if !strings.Contains(who, tc.member) || !strings.Contains(who, tc.role) || !strings.Contains(who, "Sở Nội vụ") {
				t.Errorf("header %q lacks the member's name, role or unit", who)
			}
			c.shot("chat-" + tc.name)
			t.Logf("screenshots in %s", c.shots)
		})
	}
}
