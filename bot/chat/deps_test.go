package chat_test

import (
	"os/exec"
	"strings"
	"testing"
)

// goList runs `go list` with args and returns the packages of this module
// it prints (for -deps: tests excluded).
func goList(t *testing.T, args ...string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to check imports: %v", err)
	}
	out, err := exec.Command(goBin, append([]string{"list"}, args...)...).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", strings.Join(args, " "), err)
	}
	var ours []string
	for _, p := range strings.Fields(string(out)) {
		if p == "quizbot" || strings.HasPrefix(p, "quizbot/") {
			ours = append(ours, p)
		}
	}
	return ours
}

// adapterOf is the adapter a package of bot/ belongs to ("telegram" for
// quizbot/bot/telegram/telegramtest), or "".
func adapterOf(pkg string) string {
	rest, ok := strings.CutPrefix(pkg, "quizbot/bot/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// The conversation and the adapters are thin layers over one engine: the
// conversation depends on no adapter and no storage (storage implements its
// Ledger), and an adapter (bot/telegram, bot/webchat, bot/zalo, any other)
// depends on the conversation but on neither storage nor another adapter,
// so that the inbound pipeline is the conversation's, the same for all.
func TestAdaptersDependOnNoStorageNorEachOther(t *testing.T) {
	pkgs := goList(t, "quizbot/bot/...")
	var adapters int
	for _, pkg := range pkgs {
		own := adapterOf(pkg)
		if own == "" || strings.Count(pkg, "/") > 2 {
			continue // a test helper (telegramtest) is checked with its tests
		}
		if own != "chat" {
			adapters++
		}
		for _, dep := range goList(t, "-deps", pkg) {
			other := adapterOf(dep)
			switch {
			case dep == "quizbot/storage" || strings.HasPrefix(dep, "quizbot/storage/"):
				t.Errorf("%s depends on %s", pkg, dep)
			case other != "" && other != own && other != "chat":
				t.Errorf("%s depends on the adapter %s", pkg, dep)
			}
		}
	}
	if adapters < 3 {
		t.Fatalf("found %d adapters in %q: too few to judge", adapters, pkgs)
	}
}
