package report_test

import (
	"os/exec"
	"strings"
	"testing"
)

// report defines what it reads (WorkbookReads, Stream) and storage
// implements it: report must never depend on storage, nor on a chat
// adapter, so that notify can build the workbook without storage and
// storage can keep returning report's types.
func TestReportDependsOnNoStorage(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to check imports: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "quizbot/report").Output()
	if err != nil {
		t.Fatalf("go list -deps quizbot/report: %v", err)
	}
	var ours []string
	for _, p := range strings.Fields(string(out)) {
		if p == "quizbot" || strings.HasPrefix(p, "quizbot/") {
			ours = append(ours, p)
		}
	}
	if len(ours) < 2 {
		t.Fatalf("go list found too little to judge: %q", ours)
	}
	for _, p := range ours {
		if p == "quizbot/storage" || strings.HasPrefix(p, "quizbot/storage/") || p == "quizbot/bot" || strings.HasPrefix(p, "quizbot/bot/") {
			t.Errorf("report depends on %s (all: %s)", p, strings.Join(ours, " "))
		}
	}
}
