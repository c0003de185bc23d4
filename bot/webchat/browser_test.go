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

	"quizbot/quiz"
)

// TestWebChatBrowser takes the quiz in headless Chromium, by clicking as a
// person would: pick a member, share the contact, "Vào thi", start, answer
// every question with its buttons, type the prediction, see the result.
// scripts/test.sh installs Debian's chromium and sets QUIZBOT_TEST_CHROMIUM;
// QUIZBOT_TEST_SCREENSHOTS=DIR also keeps the screenshots there.
func TestWebChatBrowser(t *testing.T) {
	exe := os.Getenv("QUIZBOT_TEST_CHROMIUM")
	if exe == "" {
		t.Fatal("QUIZBOT_TEST_CHROMIUM is not set: run the tests with scripts/test.sh, which installs chromium")
	}
	f := newFixture(t, quiz.SystemClock{})
	an := f.members["Nguyễn Văn An"]

	// The flags that work on this kind of machine: no sandbox as root, and
	// no background connections that the closed network refuses.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(420, 860),
	)
	// The whole browser session is bounded; chromedp wants no timeout on
	// the context of its first run, which this is the parent of.
	bound, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	actx, cancelAlloc := chromedp.NewExecAllocator(bound, opts...)
	defer cancelAlloc()
	ctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()

	shots := t.TempDir()
	keep := os.Getenv("QUIZBOT_TEST_SCREENSHOTS")
	fail := func(step string, err error) {
		t.Helper()
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\npage text:\n%s", step, err, body)
	}
	do := func(step string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			fail(step, err)
		}
	}
	shot := func(name string) {
		t.Helper()
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			fail("screenshot "+name, err)
		}
		for _, dir := range []string{shots, keep} {
			if dir == "" {
				continue
			}
			if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
				t.Fatalf("save screenshot %s: %v", name, err)
			}
		}
	}
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
	t.Logf("screenshots in %s", shots)
}
