package quiz_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
)

var hcm = mustLoad("Asia/Ho_Chi_Minh")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func at(s string) time.Time {
	t, err := time.ParseInLocation(quiz.LocalTimeLayout, s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

// validContest is four weekly rounds, Monday 07:30 to Friday 16:30.
func validContest() quiz.Contest {
	return quiz.Contest{
		Code:                "cchc-2026",
		Name:                "Tìm hiểu cải cách hành chính 2026",
		Timezone:            quiz.DefaultTimezone,
		QuestionsPerAttempt: 20,
		TimeLimit:           20 * time.Minute,
		AttemptsPerRound:    1,
		PredictionTarget:    quiz.PredictParticipants,
		Reveal:              quiz.RevealAfterClose,
		Reminders:           []string{"0 8 * * 2-5", "0 14 * * 5"},
		Summary:             "0 7 * * 1",
		Rounds: []quiz.Round{
			{Number: 1, OpensAt: at("2026-12-07 07:30"), ClosesAt: at("2026-12-11 16:30")},
			{Number: 2, OpensAt: at("2026-12-14 07:30"), ClosesAt: at("2026-12-18 16:30")},
			{Number: 3, OpensAt: at("2026-12-21 07:30"), ClosesAt: at("2026-12-25 16:30"), Topics: []string{"một cửa"}},
			{Number: 4, OpensAt: at("2026-12-28 07:30"), ClosesAt: at("2027-01-01 16:30")},
		},
	}
}

func TestValidateAcceptsAValidContest(t *testing.T) {
	c := validContest()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	// Rounds that touch (one closes the instant the next opens) do not overlap.
	c.Rounds[1].OpensAt = c.Rounds[0].ClosesAt
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"@daily", "@weekly", "30 7 * * MON", "*/15 8-17 * * 1-5"} {
		c.Summary = d
		if err := c.Validate(); err != nil {
			t.Errorf("summary %q: %v", d, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *quiz.Contest)
		field  string
		msg    string
	}{
		{"missing code", func(c *quiz.Contest) { c.Code = "" }, "code", "bắt buộc phải có"},
		{"code with spaces", func(c *quiz.Contest) { c.Code = "cchc 2026" }, "code", `"cchc 2026" chỉ được gồm chữ cái không dấu, chữ số`},
		{"missing name", func(c *quiz.Contest) { c.Name = "  " }, "name", "bắt buộc phải có"},
		{"unknown timezone", func(c *quiz.Contest) { c.Timezone = "Asia/Hanoi" }, "timezone", `không có múi giờ "Asia/Hanoi"`},
		{"server-local timezone", func(c *quiz.Contest) { c.Timezone = "Local" }, "timezone", "phải ghi tên múi giờ IANA"},
		{"no questions", func(c *quiz.Contest) { c.QuestionsPerAttempt = 0 }, "questions_per_attempt", "từ 1 trở lên, không được là 0"},
		{"zero time limit", func(c *quiz.Contest) { c.TimeLimit = 0 }, "time_limit", "phải lớn hơn 0"},
		{"negative time limit", func(c *quiz.Contest) { c.TimeLimit = -time.Minute }, "time_limit", "phải lớn hơn 0"},
		{"huge time limit", func(c *quiz.Contest) { c.TimeLimit = 20 * time.Hour }, "time_limit", "20h0m0s dài hơn mức tối đa cho phép là 3h0m0s"},
		{"fractional time limit", func(c *quiz.Contest) { c.TimeLimit = 1500 * time.Millisecond }, "time_limit", "1.5s phải là một số giây tròn"},
		{"no attempts", func(c *quiz.Contest) { c.AttemptsPerRound = 0 }, "attempts_per_round", "từ 1 trở lên, không được là 0"},
		{"unknown prediction target", func(c *quiz.Contest) { c.PredictionTarget = "winners" }, "prediction_target", `giá trị "winners" không hợp lệ`},
		{"unknown reveal", func(c *quiz.Contest) { c.Reveal = "never" }, "reveal", `giá trị "never" không hợp lệ: dùng "after_close" hoặc "immediately"`},
		{"no rounds", func(c *quiz.Contest) { c.Rounds = nil }, "rounds", "phải có ít nhất một đợt thi"},
		{"round closes before it opens", func(c *quiz.Contest) { c.Rounds[1].ClosesAt = at("2026-12-13 16:30") },
			"rounds.1.closes_at", "đợt 2 đóng lúc 2026-12-13 16:30, không sau thời điểm mở là 2026-12-14 07:30"},
		{"round closes as it opens", func(c *quiz.Contest) { c.Rounds[1].ClosesAt = c.Rounds[1].OpensAt },
			"rounds.1.closes_at", "không sau thời điểm mở"},
		{"round without times", func(c *quiz.Contest) { c.Rounds[0].OpensAt = time.Time{} }, "rounds.0.opens_at", "đợt 1 chưa có thời điểm mở"},
		{"overlapping rounds", func(c *quiz.Contest) { c.Rounds[2].OpensAt = at("2026-12-18 16:00") },
			"rounds.2.opens_at", "đợt 3 (2026-12-18 16:00 – 2026-12-25 16:30) trùng thời gian với đợt 2 (2026-12-14 07:30 – 2026-12-18 16:30)"},
		{"duplicate round number", func(c *quiz.Contest) { c.Rounds[3].Number = 2 }, "rounds.3.number", "số đợt 2 bị dùng hai lần"},
		{"round number zero", func(c *quiz.Contest) { c.Rounds[0].Number = 0 }, "rounds.0.number", "từ 1 trở lên"},
		{"rounds out of order", func(c *quiz.Contest) { c.Rounds[0].Number, c.Rounds[1].Number = 2, 1 },
			"rounds.1.number", "đợt 1 mở lúc 2026-12-14 07:30, sau đợt 2"},
		{"empty topic", func(c *quiz.Contest) { c.Rounds[2].Topics = []string{"một cửa", ""} }, "rounds.2.topics.1", "đợt 3 có một chủ đề để trống"},
		{"duplicate topic", func(c *quiz.Contest) { c.Rounds[2].Topics = []string{"a", "a"} }, "rounds.2.topics.1", `ghi chủ đề "a" hai lần`},
		{"invalid reminder cron", func(c *quiz.Contest) { c.Reminders[1] = "0 25 * * 5" }, "schedule.reminders.1", `lịch cron "0 25 * * 5" không hợp lệ (25: giá trị 25 lớn hơn mức tối đa 23)`},
		{"six-field reminder cron", func(c *quiz.Contest) { c.Reminders[0] = "0 0 8 * * 2-5" }, "schedule.reminders.0", `lịch cron "0 0 8 * * 2-5" không hợp lệ (cần đúng 5 trường, đang có 6)`},
		{"empty reminder", func(c *quiz.Contest) { c.Reminders[0] = " " }, "schedule.reminders.0", "lịch cron để trống"},
		{"reminder with its own zone", func(c *quiz.Contest) { c.Reminders[0] = "CRON_TZ=UTC 0 8 * * 2-5" }, "schedule.reminders.0", "tự ghi múi giờ riêng"},
		{"invalid summary cron", func(c *quiz.Contest) { c.Summary = "@fortnightly" }, "schedule.summary", `lịch cron "@fortnightly" không hợp lệ (không có lịch mô tả sẵn @fortnightly`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validContest()
			tt.change(&c)
			err := c.Validate()
			if quiz.ErrorCode(err) != quiz.EINVALID {
				t.Fatalf("code %q (%v), want %q", quiz.ErrorCode(err), err, quiz.EINVALID)
			}
			var ps quiz.Problems
			if !errors.As(err, &ps) {
				t.Fatalf("%v carries no Problems", err)
			}
			if len(ps) != 1 {
				t.Fatalf("want one problem, got %d: %v", len(ps), ps)
			}
			if ps[0].Field != tt.field || !strings.Contains(ps[0].Message, tt.msg) {
				t.Fatalf("got %s: %s\nwant %s: …%s…", ps[0].Field, ps[0].Message, tt.field, tt.msg)
			}
			if !strings.Contains(quiz.ErrorMessage(err), tt.msg) {
				t.Fatalf("user message %q lacks %q", quiz.ErrorMessage(err), tt.msg)
			}
		})
	}
}

func TestValidateListsEveryProblem(t *testing.T) {
	c := validContest()
	c.Name = ""
	c.TimeLimit = 0
	c.Summary = "bad"
	err := c.Validate()
	var ps quiz.Problems
	if !errors.As(err, &ps) || len(ps) != 3 {
		t.Fatalf("got %v, want 3 problems", err)
	}
	if !strings.Contains(quiz.ErrorMessage(err), "và 2 lỗi khác") {
		t.Fatalf("message %q", quiz.ErrorMessage(err))
	}
}

func TestContestApplyDefaults(t *testing.T) {
	c := quiz.Contest{}
	c.ApplyDefaults()
	if c.Timezone != quiz.DefaultTimezone || c.PredictionTarget != quiz.PredictParticipants || c.Reveal != quiz.RevealAfterClose {
		t.Fatalf("defaults: %+v", c)
	}
	if c.AttemptsPerRound != 0 {
		t.Fatal("ApplyDefaults must not hide a zero attempts_per_round")
	}
	c = quiz.Contest{Timezone: "UTC", PredictionTarget: quiz.PredictPerfect, Reveal: quiz.RevealImmediately}
	c.ApplyDefaults()
	if c.Timezone != "UTC" || c.PredictionTarget != quiz.PredictPerfect || c.Reveal != quiz.RevealImmediately {
		t.Fatalf("ApplyDefaults overwrote values: %+v", c)
	}
}

func TestRoundAtNextRoundLastRound(t *testing.T) {
	c := validContest()
	// Rounds listed out of time order must not matter.
	c.Rounds[0], c.Rounds[3] = c.Rounds[3], c.Rounds[0]
	tests := []struct {
		t          time.Time
		open, next int // 0 = none
	}{
		{at("2026-12-01 00:00"), 0, 1},
		{at("2026-12-07 07:29"), 0, 1},
		{at("2026-12-07 07:30"), 1, 2}, // opening instant belongs to the round
		{at("2026-12-11 16:29"), 1, 2},
		{at("2026-12-11 16:30"), 0, 2}, // closing instant does not
		{at("2026-12-16 12:00"), 2, 3},
		{at("2026-12-28 07:30"), 4, 0},
		{at("2027-01-01 16:30"), 0, 0},
	}
	for _, tt := range tests {
		r, ok := c.RoundAt(tt.t)
		if got := num(r, ok); got != tt.open {
			t.Errorf("RoundAt(%s) = %d, want %d", tt.t, got, tt.open)
		}
		r, ok = c.NextRound(tt.t)
		if got := num(r, ok); got != tt.next {
			t.Errorf("NextRound(%s) = %d, want %d", tt.t, got, tt.next)
		}
	}
	if r, ok := c.LastRound(); num(r, ok) != 4 {
		t.Errorf("LastRound = %d", num(r, ok))
	}
	if r, ok := c.RoundByNumber(3); num(r, ok) != 3 || r.Topics[0] != "một cửa" {
		t.Errorf("RoundByNumber(3) = %+v", r)
	}
	if _, ok := c.RoundByNumber(9); ok {
		t.Error("RoundByNumber(9) found a round")
	}
	empty := quiz.Contest{}
	if _, ok := empty.LastRound(); ok {
		t.Error("LastRound of no rounds")
	}
	if _, ok := empty.NextRound(at("2026-12-01 00:00")); ok {
		t.Error("NextRound of no rounds")
	}
}

func num(r quiz.Round, ok bool) int {
	if !ok {
		return 0
	}
	return r.Number
}

// The attempt a member is shown as their best is the one the reports rank:
// time counts in whole seconds, as printed, then the earlier submission.
func TestStandingOrdersAttemptsAsTheReports(t *testing.T) {
	start := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	attempt := func(id int64, correct int, took time.Duration, startedLater time.Duration) quiz.Attempt {
		s := start.Add(startedLater)
		done := s.Add(took)
		return quiz.Attempt{ID: id, Correct: correct, StartedAt: s, SubmittedAt: &done}
	}
	for _, c := range []struct {
		name string
		a, b quiz.Attempt
		want bool // a beats b
	}{
		{"more right answers", attempt(2, 9, time.Hour, 0), attempt(1, 8, time.Minute, 0), true},
		{"fewer whole seconds", attempt(2, 9, 10*time.Second, time.Hour), attempt(1, 9, 11*time.Second, 0), true},
		{"same second: the earlier submission", attempt(2, 9, 10200*time.Millisecond, time.Hour), attempt(1, 9, 10900*time.Millisecond, 0), false},
		{"identical: the lower id", attempt(1, 9, 10*time.Second, 0), attempt(2, 9, 10*time.Second, 0), true},
	} {
		if got := c.a.Standing().Beats(c.b.Standing()); got != c.want {
			t.Errorf("%s: a beats b = %v", c.name, got)
		}
		if c.a.Standing().Beats(c.b.Standing()) == c.b.Standing().Beats(c.a.Standing()) {
			t.Errorf("%s: not a strict order", c.name)
		}
	}
}
