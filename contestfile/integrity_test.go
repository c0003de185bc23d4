package contestfile_test

import (
	"strings"
	"testing"
	"time"

	"quizbot/contestfile"
	"quizbot/quiz"
)

// TestContestFileIntegrity: the integrity section, defaults for what it
// leaves out, and every wrong value pointed at its line.
func TestContestFileIntegrity(t *testing.T) {
	for _, tt := range []struct {
		section string
		want    quiz.Integrity
	}{
		{"", quiz.DefaultIntegrity},
		{"integrity:\n  min_seconds_per_question: 5\n  same_answers_window: 15m", quiz.Integrity{MinSecondsPerQuestion: 5, SameAnswersWindow: 15 * time.Minute}},
		{"integrity: {min_seconds_per_question: 0}", quiz.Integrity{MinSecondsPerQuestion: 0, SameAnswersWindow: 10 * time.Minute}},
		{"integrity: {same_answers_window: 1h}", quiz.Integrity{MinSecondsPerQuestion: 3, SameAnswersWindow: time.Hour}},
	} {
		f, err := contestfile.Parse("contest.yaml", []byte(good+tt.section+"\n"))
		if err != nil {
			t.Fatalf("%q: %v", tt.section, err)
		}
		if f.Contest.Integrity != tt.want {
			t.Errorf("%q: integrity %+v, want %+v", tt.section, f.Contest.Integrity, tt.want)
		}
	}

	// good has 22 lines; the section starts on line 23.
	if n := strings.Count(good, "\n"); n != 22 {
		t.Fatalf("good has %d lines", n)
	}
	for _, tt := range []struct{ section, want string }{
		{"integrity:\n  min_seconds_per_question: -1", `contest.yaml:24: integrity.min_seconds_per_question: phải là số giây tròn từ 0 (tắt) đến 600, không được là -1`},
		{"integrity:\n  min_seconds_per_question: 2.5", `contest.yaml:24: integrity.min_seconds_per_question: "2.5" không phải số giây nguyên (ví dụ 3, hoặc 0 để tắt)`},
		{"integrity:\n  same_answers_window: 10", `contest.yaml:24: integrity.same_answers_window: "10" không phải khoảng thời gian hợp lệ: ghi số kèm đơn vị, ví dụ 10m hoặc 1h`},
		{"integrity:\n  same_answers_window: 30s", `contest.yaml:24: integrity.same_answers_window: 30s nằm ngoài khoảng 1m đến 24h (ví dụ 10m)`},
		{"integrity:\n  same_answer_window: 10m", `contest.yaml:24: integrity.same_answer_window: không có trường này; có phải ý bạn là "same_answers_window"?`},
	} {
		_, err := contestfile.Parse("contest.yaml", []byte(good+tt.section+"\n"))
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q:\n got  %v\n want %s…", tt.section, err, tt.want)
		}
	}
}
