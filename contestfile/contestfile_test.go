package contestfile_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"quizbot/contestfile"
	"quizbot/quiz"
)

const good = `# a comment
code: cchc-2026
name: "Tìm hiểu cải cách hành chính 2026"
questions_per_attempt: 20
time_limit: 20m
attempts_per_round: 3
prediction: "Bao nhiêu người tham gia?"
prediction_target: perfect
reveal: immediately
rounds:
  - number: 1
    opens_at: 2026-12-07 07:30
    closes_at: 2026-12-11T16:30:00
  - number: 2
    opens_at: "2026-12-14 07:30:00"
    closes_at: 2026-12-18 16:30
    topics: [một cửa, "PAR Index"]
schedule:
  reminders:
    - "0 8 * * 2-5"
    - "@daily"
  summary: "0 7 * * 1"
`

func TestContestFileParses(t *testing.T) {
	f, err := contestfile.Parse("contest.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Contest
	hcm, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	want := quiz.Contest{
		Code: "cchc-2026", Name: "Tìm hiểu cải cách hành chính 2026", Timezone: "Asia/Ho_Chi_Minh",
		QuestionsPerAttempt: 20, TimeLimit: 20 * time.Minute, AttemptsPerRound: 3,
		Prediction: "Bao nhiêu người tham gia?", PredictionTarget: quiz.PredictPerfect, Reveal: quiz.RevealImmediately,
		Reminders: []string{"0 8 * * 2-5", "@daily"}, Summary: "0 7 * * 1",
	}
	if c.Code != want.Code || c.Name != want.Name || c.Timezone != want.Timezone || c.QuestionsPerAttempt != 20 ||
		c.TimeLimit != want.TimeLimit || c.AttemptsPerRound != 3 || c.Prediction != want.Prediction ||
		c.PredictionTarget != want.PredictionTarget || c.Reveal != want.Reveal || c.Summary != want.Summary ||
		strings.Join(c.Reminders, "|") != strings.Join(want.Reminders, "|") {
		t.Fatalf("got %+v\nwant %+v", c, want)
	}
	if len(c.Rounds) != 2 {
		t.Fatalf("rounds: %+v", c.Rounds)
	}
	// All three accepted time formats, read as local time in the contest's zone.
	times := []time.Time{c.Rounds[0].OpensAt, c.Rounds[0].ClosesAt, c.Rounds[1].OpensAt, c.Rounds[1].ClosesAt}
	wantTimes := []time.Time{
		time.Date(2026, 12, 7, 7, 30, 0, 0, hcm), time.Date(2026, 12, 11, 16, 30, 0, 0, hcm),
		time.Date(2026, 12, 14, 7, 30, 0, 0, hcm), time.Date(2026, 12, 18, 16, 30, 0, 0, hcm),
	}
	for i := range times {
		if !times[i].Equal(wantTimes[i]) {
			t.Errorf("time %d = %s, want %s", i, times[i], wantTimes[i])
		}
	}
	if strings.Join(c.Rounds[1].Topics, "|") != "một cửa|PAR Index" || c.Rounds[0].Topics != nil {
		t.Errorf("topics %q %q", c.Rounds[0].Topics, c.Rounds[1].Topics)
	}
	if got := f.Line("rounds.1.topics"); got != 17 {
		t.Errorf("Line(rounds.1.topics) = %d, want 17", got)
	}
	if got := f.Line("rounds.1.topics.1"); got != 17 {
		t.Errorf("Line(rounds.1.topics.1) = %d, want 17", got)
	}
	if got := f.Line("schedule.reminders.1"); got != 21 {
		t.Errorf("Line(schedule.reminders.1) = %d, want 21", got)
	}
	if got := f.Line("rounds.7.opens_at"); got != 10 {
		t.Errorf("Line of a missing round = %d, want the rounds line 10", got)
	}
}

func TestContestFileDefaults(t *testing.T) {
	src := "\ufeffcode: c\nname: n\nquestions_per_attempt: 5\ntime_limit: 90s\nrounds:\n  - number: 1\n    opens_at: 2026-12-07 07:30\n    closes_at: 2026-12-08 07:30\n"
	f, err := contestfile.Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := f.Contest
	if c.Timezone != quiz.DefaultTimezone || c.AttemptsPerRound != 1 || c.PredictionTarget != quiz.PredictParticipants ||
		c.Reveal != quiz.RevealAfterClose || c.Prediction != "" || c.Reminders != nil || c.Summary != "" || c.TimeLimit != 90*time.Second {
		t.Fatalf("defaults: %+v", c)
	}
	// Another zone moves the instants.
	src = strings.Replace(src, "code: c\n", "code: c\ntimezone: Europe/Paris\n", 1)
	f, err = contestfile.Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Contest.Rounds[0].OpensAt.UTC().Format(time.DateTime); got != "2026-12-07 06:30:00" {
		t.Fatalf("Paris 07:30 in UTC = %s", got)
	}
}

func TestContestFileNormalizesVietnameseText(t *testing.T) {
	// "Một cửa" typed in decomposed form (NFD) must match the bank's NFC topic.
	nfd := "Mo\u0323\u0302t cu\u031b\u0309a"
	src := "code: c\nname: n\nquestions_per_attempt: 5\ntime_limit: 90s\nrounds:\n  - number: 1\n    opens_at: 2026-12-07 07:30\n    closes_at: 2026-12-08 07:30\n    topics: [\"" + nfd + "\"]\n"
	f, err := contestfile.Parse("c.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Contest.Rounds[0].Topics[0]; got != "Một cửa" {
		t.Fatalf("topic %q not NFC", got)
	}
}

// TestContestFileRejects checks the message an organizer sees: file, line,
// field and reason.
func TestContestFileRejects(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // a replacement in good
		want     []string
	}{
		{"misspelled field", "time_limit: 20m", "time_limt: 20m", []string{
			// A missing field is reported at the top of the contest.
			`contest.yaml:2: time_limit: phải lớn hơn 0 (ví dụ 20m)`,
			`contest.yaml:5: time_limt: không có trường này; có phải ý bạn là "time_limit"?`}},
		{"unknown field in a round", "    topics: [", "    topic: [", []string{
			`contest.yaml:17: rounds.topic: không có trường này; có phải ý bạn là "topics"?`}},
		{"unknown field far from any", "reveal: immediately", "reveal: immediately\nwinners: 6", []string{
			`contest.yaml:10: winners: không có trường này; các trường hợp lệ ở đây: code, name, timezone, questions_per_attempt, time_limit, attempts_per_round, prediction, prediction_target, prediction_grace, reveal, rounds, schedule, prizes, integrity, entries`}},
		{"duplicate field", "reveal: immediately", "reveal: immediately\nreveal: after_close", []string{
			`contest.yaml:10: reveal: trường "reveal" đã được khai báo ở dòng 9: mỗi trường chỉ ghi một lần`}},
		{"number as text", "questions_per_attempt: 20", "questions_per_attempt: twenty", []string{
			`contest.yaml:4: questions_per_attempt: cần một số nguyên, nhưng gặp chữ (twenty)`}},
		{"round number as text", "  - number: 2", "  - number: two", []string{
			`contest.yaml:14: rounds.number: cần một số nguyên, nhưng gặp chữ (two)`}},
		{"reminders not a list", "  reminders:\n    - \"0 8 * * 2-5\"\n    - \"@daily\"", "  reminders: \"0 8 * * 2-5\"", []string{
			`contest.yaml:19: schedule.reminders: cần một danh sách giá trị, nhưng gặp chữ (0 8 * *...)`}},
		{"bad time", "opens_at: 2026-12-07 07:30", "opens_at: 07/12/2026 07:30", []string{
			`contest.yaml:12: rounds.opens_at: "07/12/2026 07:30" không phải thời điểm hợp lệ: viết dạng 2026-12-07 07:30 (giờ địa phương theo múi giờ Asia/Ho_Chi_Minh)`}},
		{"time without minutes", "opens_at: 2026-12-07 07:30", "opens_at: 2026-12-07", []string{
			`contest.yaml:12: rounds.opens_at: "2026-12-07" không phải thời điểm hợp lệ: viết dạng 2026-12-07 07:30 (giờ địa phương theo múi giờ Asia/Ho_Chi_Minh)`}},
		{"bad duration", "time_limit: 20m", "time_limit: 20", []string{
			`contest.yaml:5: time_limit: "20" không phải khoảng thời gian hợp lệ: ghi số kèm đơn vị, ví dụ 20m, 1h30m hoặc 900s`}},
		{"time limit too long", "time_limit: 20m", "time_limit: 20h", []string{
			`contest.yaml:5: time_limit: 20h0m0s dài hơn mức tối đa cho phép là 3h0m0s`}},
		{"closes before it opens", "closes_at: 2026-12-18 16:30", "closes_at: 2026-12-13 16:30", []string{
			`contest.yaml:16: rounds.closes_at: đợt 2 đóng lúc 2026-12-13 16:30, không sau thời điểm mở là 2026-12-14 07:30`}},
		{"overlap", `opens_at: "2026-12-14 07:30:00"`, `opens_at: "2026-12-11 07:30:00"`, []string{
			`contest.yaml:15: rounds.opens_at: đợt 2 (2026-12-11 07:30 – 2026-12-18 16:30) trùng thời gian với đợt 1 (2026-12-07 07:30 – 2026-12-11 16:30)`}},
		{"duplicate round number", "  - number: 2", "  - number: 1", []string{
			`contest.yaml:14: rounds.number: số đợt 1 bị dùng hai lần (đợt thứ 1 và thứ 2 trong danh sách)`}},
		{"bad cron", `"@daily"`, `"0 8 * * 8"`, []string{
			`contest.yaml:21: schedule.reminders: lịch cron "0 8 * * 8" không hợp lệ`}},
		{"bad summary cron", `summary: "0 7 * * 1"`, `summary: "every monday"`, []string{
			`contest.yaml:22: schedule.summary: lịch cron "every monday" không hợp lệ`}},
		{"unknown timezone", "questions_per_attempt: 20", "timezone: Asia/Saigonn\nquestions_per_attempt: 20", []string{
			`contest.yaml:4: timezone: không có múi giờ "Asia/Saigonn" (ở Việt Nam dùng Asia/Ho_Chi_Minh)`}},
		{"zero attempts", "attempts_per_round: 3", "attempts_per_round: 0", []string{
			`contest.yaml:6: attempts_per_round: phải từ 1 trở lên, không được là 0`}},
		{"zero questions", "questions_per_attempt: 20", "questions_per_attempt: 0", []string{
			`contest.yaml:4: questions_per_attempt: phải từ 1 trở lên, không được là 0`}},
		{"unknown reveal", "reveal: immediately", "reveal: at_once", []string{
			`contest.yaml:9: reveal: giá trị "at_once" không hợp lệ: dùng "after_close" hoặc "immediately"`}},
		{"prediction grace without unit", "prediction_target: perfect", "prediction_target: perfect\nprediction_grace: 2", []string{
			`contest.yaml:9: prediction_grace: "2" không phải khoảng thời gian hợp lệ: ghi số kèm đơn vị, ví dụ 2m hoặc 90s (0 nếu không cho thêm giờ)`}},
		{"negative prediction grace", "prediction_target: perfect", "prediction_target: perfect\nprediction_grace: -1m", []string{
			`contest.yaml:9: prediction_grace: không được âm (ví dụ 2m, hoặc 0 nếu không cho thêm giờ)`}},
		{"prediction grace too long", "prediction_target: perfect", "prediction_target: perfect\nprediction_grace: 2h", []string{
			`contest.yaml:9: prediction_grace: 2h0m0s dài hơn mức tối đa cho phép là 1h0m0s`}},
		{"prediction grace in fractions of a second", "prediction_target: perfect", "prediction_target: perfect\nprediction_grace: 1.5s", []string{
			`contest.yaml:9: prediction_grace: 1.5s phải là một số giây tròn`}},
		{"prediction grace as a list", "prediction_target: perfect", "prediction_target: perfect\nprediction_grace: [2m]", []string{
			`contest.yaml:9: prediction_grace: cần một giá trị đơn, nhưng gặp một danh sách`}},
		{"unknown prediction target", "prediction_target: perfect", "prediction_target: winners", []string{
			`contest.yaml:8: prediction_target: giá trị "winners" không hợp lệ: dùng "participants" hoặc "perfect"`}},
		{"missing code and name", "code: cchc-2026\nname: \"Tìm hiểu cải cách hành chính 2026\"\n", "", []string{
			`contest.yaml:2: code: bắt buộc phải có (một mã ngắn như cchc-2026)`, `contest.yaml:2: name: bắt buộc phải có (tên cuộc thi)`}},
		{"yaml syntax", "reveal: immediately", "reveal: [immediately", []string{
			`contest.yaml:9: YAML không hợp lệ: danh sách trong [ ] thiếu dấu ',' hoặc ']'`}},
		{"yaml scanner error", "reveal: immediately", "reveal: immediately\n\tcode: x", []string{
			`contest.yaml:9: YAML không hợp lệ: có ký tự tab trong phần thụt lề: chỉ dùng dấu cách`}},
		{"yaml bad indentation", "  - number: 2\n", "  - number: 2\n   x: 1\n", []string{
			// yaml.v3 names the line where the enclosing list starts.
			`contest.yaml:11: YAML không hợp lệ: thiếu dấu '-' của một mục trong danh sách (kiểm tra thụt lề)`}},
		{"two documents", "reveal: immediately", "reveal: immediately\n---\ncode: x", []string{
			`contest.yaml:10: tệp có nhiều hơn một tài liệu YAML (---): mỗi tệp chỉ khai báo một cuộc thi`}},
		{"not a mapping", good, "- a\n- b\n", []string{
			`contest.yaml:1: cần khai báo một cuộc thi (các trường như code, name, rounds), nhưng tệp chứa một danh sách`}},
		{"empty", good, "# nothing yet\n", []string{`contest.yaml:1: tệp trống: một cuộc thi cần ít nhất code, name, questions_per_attempt, time_limit và rounds`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, tt.old, tt.new, 1)
			if src == good {
				t.Fatalf("replacement of %q changed nothing", tt.old)
			}
			f, err := contestfile.Parse("contest.yaml", []byte(src))
			if err == nil {
				t.Fatalf("accepted: %+v", f.Contest)
			}
			var fe *contestfile.Error
			if !errors.As(err, &fe) {
				t.Fatalf("%T %v is not a *contestfile.Error", err, err)
			}
			if quiz.ErrorCode(err) != quiz.EINVALID {
				t.Errorf("code %q", quiz.ErrorCode(err))
			}
			lines := fe.Lines()
			if len(lines) != len(tt.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(lines), len(tt.want), err)
			}
			for i, w := range tt.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("problem %d:\n got  %s\n want %s…", i, lines[i], w)
				}
			}
		})
	}
}

func TestContestFileExplainsDatabaseProblems(t *testing.T) {
	f, err := contestfile.Parse("contest.yaml", []byte(good))
	if err != nil {
		t.Fatal(err)
	}
	dbErr := &quiz.Error{Code: quiz.ECONFLICT, Message: "rejected", Err: quiz.Problems{
		{Field: "rounds.1.topics.0", Message: `đợt 2: chủ đề "một cửa" không có câu hỏi nào đang dùng`},
		{Field: "rounds", Message: "đợt 3 đã có bài thi nên không thể xoá"},
	}}
	err = f.Explain(dbErr)
	var fe *contestfile.Error
	if !errors.As(err, &fe) || quiz.ErrorCode(err) != quiz.ECONFLICT {
		t.Fatalf("got %T %v", err, err)
	}
	want := "contest.yaml:10: rounds: đợt 3 đã có bài thi nên không thể xoá\n" +
		`contest.yaml:17: rounds.topics: đợt 2: chủ đề "một cửa" không có câu hỏi nào đang dùng`
	if err.Error() != want {
		t.Fatalf("got\n%s\nwant\n%s", err, want)
	}
	other := errors.New("connection refused")
	if f.Explain(other) != other || f.Explain(nil) != nil {
		t.Fatal("Explain changed an error without problems")
	}
}

// TestContestFilePredictionGrace: prediction_grace is a duration, none (0)
// when left out.
func TestContestFilePredictionGrace(t *testing.T) {
	for _, tt := range []struct {
		line string
		want time.Duration
	}{{"", 0}, {"prediction_grace: 2m", 2 * time.Minute}, {"prediction_grace: 90s", 90 * time.Second}, {"prediction_grace: 0", 0}} {
		src := strings.Replace(good, "prediction_target: perfect", "prediction_target: perfect\n"+tt.line, 1)
		f, err := contestfile.Parse("contest.yaml", []byte(src))
		if err != nil {
			t.Fatalf("%q: %v", tt.line, err)
		}
		if f.Contest.PredictionGrace != tt.want {
			t.Errorf("%q: prediction grace %v, want %v", tt.line, f.Contest.PredictionGrace, tt.want)
		}
	}
}

func TestContestFileExampleIsValid(t *testing.T) {
	data, err := os.ReadFile("../examples/contest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := contestfile.Parse("examples/contest.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	c := f.Contest
	if len(c.Rounds) != 4 || c.QuestionsPerAttempt != 20 || c.TimeLimit != 20*time.Minute || c.AttemptsPerRound != 1 ||
		c.PredictionTarget != quiz.PredictParticipants || c.Reveal != quiz.RevealAfterClose || c.Prediction == "" ||
		len(c.Reminders) == 0 || c.Summary == "" {
		t.Fatalf("example: %+v", c)
	}
	for _, r := range c.Rounds {
		open := r.OpensAt.In(c.Location())
		closes := r.ClosesAt.In(c.Location())
		if open.Weekday() != time.Monday || open.Format("15:04") != "07:30" ||
			closes.Weekday() != time.Friday || closes.Format("15:04") != "16:30" {
			t.Errorf("round %d: %s – %s is not Monday 07:30 to Friday 16:30", r.Number, open, closes)
		}
	}
}
