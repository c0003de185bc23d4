package chat

import (
	"strings"
	"testing"

	"quizbot/quiz"
)

// A PDF whose words cannot be counted (a scan) is taken, and the receipt
// says so where the contest has a word range, instead of a count.
func TestReceiptOfAnUncountedPDF(t *testing.T) {
	s := quiz.EntriesSetup{Config: quiz.EntriesConfig{Essay: &quiz.EssayRules{Formats: []string{"pdf"}, MinWords: 1000, MaxWords: 2000}}}
	e := quiz.Entry{Kind: quiz.EntryEssay, FileFormat: "pdf", FileSize: 2048}
	want := "Loại: Bài viết PDF (không đếm được số chữ trong tệp, có thể là bản scan; bài vẫn được nhận, ban giám khảo sẽ xem xét độ dài bài)\n"
	if got := entryReceipt(s, e, "An", false, false); !strings.Contains(got, want) {
		t.Fatalf("receipt:\n%s", got)
	}
	e.Words = 1234
	if got := entryReceipt(s, e, "An", false, false); !strings.Contains(got, "Loại: Bài viết PDF, 1.234 chữ\n") {
		t.Fatalf("receipt:\n%s", got)
	}
}
