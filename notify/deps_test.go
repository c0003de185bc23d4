package notify_test

import (
	"os/exec"
	"strings"
	"testing"
)

// ourDeps lists the packages of this module that pkg depends on, itself
// included, as `go list -deps` sees them (tests excluded).
func ourDeps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to check imports: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	var ours []string
	for _, p := range strings.Fields(string(out)) {
		if p == "quizbot" || strings.HasPrefix(p, "quizbot/") {
			ours = append(ours, p)
		}
	}
	return ours
}

// notify speaks outbound and defines the interfaces storage implements: it
// must never depend on a chat adapter, the conversation or storage, so that
// a platform is added by wiring alone and storage can import notify's types.
func TestNotifyDependsOnNoAdapterNorStorage(t *testing.T) {
	deps := ourDeps(t, "quizbot/notify")
	if len(deps) < 2 {
		t.Fatalf("go list found too little to judge: %q", deps)
	}
	for _, p := range deps {
		if p == "quizbot/bot" || strings.HasPrefix(p, "quizbot/bot/") || p == "quizbot/storage" || strings.HasPrefix(p, "quizbot/storage/") {
			t.Errorf("notify depends on %s (all: %s)", p, strings.Join(deps, " "))
		}
	}
}
