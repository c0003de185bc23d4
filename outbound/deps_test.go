package outbound_test

import (
	"os/exec"
	"strings"
	"testing"
)

// outbound is shared by the conversation, notify and every adapter: it
// must import nothing of quizbot's, or one of them would drag in another.
func TestOutboundImportsNothingOfOurs(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to check imports: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "quizbot/outbound").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	seen := false
	for _, p := range strings.Fields(string(out)) {
		switch {
		case p == "quizbot/outbound":
			seen = true
		case p == "quizbot" || strings.HasPrefix(p, "quizbot/"):
			t.Errorf("outbound depends on %s", p)
		}
	}
	if !seen {
		t.Fatalf("go list did not list quizbot/outbound itself:\n%s", out)
	}
}
