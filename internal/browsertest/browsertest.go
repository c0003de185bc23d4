// Package browsertest starts the headless Chromium of the web pages' tests
// (the web chat and the console) and keeps their screenshots.
package browsertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Start starts Chromium, with its own profile and cookies, and returns a
// browser context with a viewport of width×height CSS pixels, as on the
// device. scripts/test.sh installs Debian's chromium and sets
// QUIZBOT_TEST_CHROMIUM. The browser stops when the test ends; the whole
// session is bounded to two minutes.
func Start(t *testing.T, width, height int) context.Context {
	t.Helper()
	exe := os.Getenv("QUIZBOT_TEST_CHROMIUM")
	if exe == "" {
		t.Fatal("QUIZBOT_TEST_CHROMIUM is not set: run the tests with scripts/test.sh, which installs chromium")
	}
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
		chromedp.WindowSize(width, height),
	)
	// chromedp wants no timeout on the context of its first run, which
	// this bound is the parent of.
	bound, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	actx, cancelAlloc := chromedp.NewExecAllocator(bound, opts...)
	ctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancel() })
	// The viewport exactly: the window has borders.
	Do(ctx, t, "set the viewport", chromedp.EmulateViewport(int64(width), int64(height)))
	return ctx
}

// Fail ends the test with the step, the error and the page's text.
func Fail(ctx context.Context, t *testing.T, step string, err error) {
	t.Helper()
	body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	t.Fatalf("%s: %v\npage text:\n%s", step, err, body)
}

// Do runs the actions of a step, or fails the test with the page's text.
func Do(ctx context.Context, t *testing.T, step string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		Fail(ctx, t, step, err)
	}
}

// Artifacts is the folder kept for people to look at after a run,
// QUIZBOT_TEST_ARTIFACTS/sub (scripts/test.sh sets test-artifacts), made if
// need be; "" when the variable is unset.
func Artifacts(t *testing.T, sub string) string {
	t.Helper()
	dir := os.Getenv("QUIZBOT_TEST_ARTIFACTS")
	if dir == "" {
		return ""
	}
	dir = filepath.Join(dir, sub)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
