package storage_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

var hcm, _ = time.LoadLocation("Asia/Ho_Chi_Minh")

func at(s string) time.Time {
	t, err := time.ParseInLocation(quiz.LocalTimeLayout, s, hcm)
	if err != nil {
		panic(err)
	}
	return t
}

// contest is four weekly rounds, Monday 07:30 to Friday 16:30; round 3
// draws from two topics.
func contest() quiz.Contest {
	return quiz.Contest{
		Code:                "cchc-2026",
		Name:                "Tìm hiểu cải cách hành chính 2026",
		QuestionsPerAttempt: 5,
		TimeLimit:           20 * time.Minute,
		AttemptsPerRound:    1,
		Prediction:          "Bao nhiêu người tham gia?",
		Reminders:           []string{"0 8 * * 2-5", "0 14 * * 5"},
		Summary:             "0 7 * * 1",
		Rounds: []quiz.Round{
			{Number: 1, OpensAt: at("2026-12-07 07:30"), ClosesAt: at("2026-12-11 16:30")},
			{Number: 2, OpensAt: at("2026-12-14 07:30"), ClosesAt: at("2026-12-18 16:30")},
			{Number: 3, OpensAt: at("2026-12-21 07:30"), ClosesAt: at("2026-12-25 16:30"), Topics: []string{"Một cửa", "PAR Index"}},
			{Number: 4, OpensAt: at("2027-01-04 07:30"), ClosesAt: at("2027-01-08 16:30")},
		},
	}
}

// seedQuestions adds n active questions on topic with plain SQL (the import
// is another package's work).
func seedQuestions(t *testing.T, db *storage.DB, topic string, n int) {
	t.Helper()
	for i := range n {
		code := fmt.Sprintf("%s-%d", strings.ReplaceAll(topic, " ", "_"), i)
		if _, err := db.Exec(`INSERT INTO questions (code, text, options, correct, topic) VALUES ($1, $2, '{"Đúng","Sai"}', 0, $3)`,
			code, "Câu hỏi "+code, topic); err != nil {
			t.Fatal(err)
		}
	}
}

// seedAttempt records an attempt at the contest's round number.
func seedAttempt(t *testing.T, db *storage.DB, contestID int64, number int) {
	t.Helper()
	_, err := db.Exec(`
		WITH u AS (INSERT INTO units (code, name) VALUES ('u-' || md5(random()::text), 'Sở Nội vụ') RETURNING id),
		     m AS (INSERT INTO members (full_name, phone, unit_id)
		           SELECT 'Nguyễn Văn A', '09' || lpad((floor(random() * 1e8))::bigint::text, 8, '0'), id FROM u RETURNING id)
		INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, total)
		SELECT r.id, m.id, 1, 'telegram', r.opens_at, r.opens_at + interval '20 minutes', 5
		FROM rounds r, m WHERE r.contest_id = $1 AND r.number = $2`, contestID, number)
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot is every contest and round row, to check that a rejected apply
// changed nothing.
func snapshot(t *testing.T, db *storage.DB) string {
	t.Helper()
	var rows []string
	if err := db.Select(&rows, `SELECT row_to_json(c)::text FROM contests c ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	var rounds []string
	if err := db.Select(&rounds, `SELECT row_to_json(r)::text FROM rounds r ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	return strings.Join(append(rows, rounds...), "\n")
}

func problemsOf(t *testing.T, err error, code string) quiz.Problems {
	t.Helper()
	if quiz.ErrorCode(err) != code {
		t.Fatalf("got %q (%v), want %q", quiz.ErrorCode(err), err, code)
	}
	var ps quiz.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("%v carries no problems", err)
	}
	return ps
}

func assertProblems(t *testing.T, ps quiz.Problems, want ...string) {
	t.Helper()
	if len(ps) != len(want) {
		t.Fatalf("got %d problems, want %d: %v", len(ps), len(want), ps)
	}
	for i, w := range want {
		if got := ps[i].Field + ": " + ps[i].Message; !strings.HasPrefix(got, w) {
			t.Errorf("problem %d:\n got  %s\n want %s…", i, got, w)
		}
	}
}

func TestApplyContestCreatesAndReadsBack(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seedQuestions(t, db, "Một cửa", 3)
	seedQuestions(t, db, "PAR Index", 2)
	seedQuestions(t, db, "", 1)

	created, err := db.ApplyContest(ctx, contest())
	if err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	c, err := db.ContestByCode(ctx, "cchc-2026")
	if err != nil {
		t.Fatal(err)
	}
	want := contest()
	if c.ID == 0 || c.Name != want.Name || c.Timezone != quiz.DefaultTimezone || c.QuestionsPerAttempt != 5 ||
		c.TimeLimit != 20*time.Minute || c.AttemptsPerRound != 1 || c.Prediction != want.Prediction ||
		c.PredictionTarget != quiz.PredictParticipants || c.Reveal != quiz.RevealAfterClose ||
		!slices.Equal(c.Reminders, want.Reminders) || c.Summary != want.Summary {
		t.Fatalf("read back %+v", c)
	}
	if len(c.Rounds) != 4 {
		t.Fatalf("rounds %+v", c.Rounds)
	}
	for i, r := range c.Rounds {
		w := want.Rounds[i]
		if r.ID == 0 || r.ContestID != c.ID || r.Number != w.Number || !r.OpensAt.Equal(w.OpensAt) || !r.ClosesAt.Equal(w.ClosesAt) ||
			!slices.Equal(r.Topics, append([]string{}, w.Topics...)) {
			t.Errorf("round %d: %+v, want %+v", i, r, w)
		}
		if r.OpensAt.Location().String() != quiz.DefaultTimezone {
			t.Errorf("round %d is in %s, want the contest's zone", i, r.OpensAt.Location())
		}
	}

	byID, err := db.ContestByID(ctx, c.ID)
	if err != nil || byID.Code != c.Code || len(byID.Rounds) != 4 {
		t.Fatalf("ContestByID: %+v %v", byID, err)
	}
	all, err := db.Contests(ctx)
	if err != nil || len(all) != 1 || len(all[0].Rounds) != 4 || all[0].TimeLimit != 20*time.Minute {
		t.Fatalf("Contests: %+v %v", all, err)
	}
	r3, err := db.RoundByNumber(ctx, c.ID, 3)
	if err != nil || r3.ID != c.Rounds[2].ID || !slices.Equal(r3.Topics, []string{"Một cửa", "PAR Index"}) || r3.OpensAt.Location().String() != quiz.DefaultTimezone {
		t.Fatalf("RoundByNumber: %+v %v", r3, err)
	}
	r1, err := db.RoundByID(ctx, c.Rounds[0].ID)
	if err != nil || r1.Number != 1 || !r1.ClosesAt.Equal(at("2026-12-11 16:30")) {
		t.Fatalf("RoundByID: %+v %v", r1, err)
	}

	// prediction_grace is stored and read back, by every reader.
	graced := contest()
	graced.PredictionGrace = 90 * time.Second
	if _, err := db.ApplyContest(ctx, graced); err != nil {
		t.Fatal(err)
	}
	if c, err := db.ContestByCode(ctx, "cchc-2026"); err != nil || c.PredictionGrace != 90*time.Second {
		t.Fatalf("prediction grace read back: %v %v", c.PredictionGrace, err)
	}
	if all, err := db.Contests(ctx); err != nil || all[0].PredictionGrace != 90*time.Second {
		t.Fatalf("Contests: prediction grace %+v %v", all, err)
	}

	for name, err := range map[string]error{
		"ContestByCode": func() error { _, err := db.ContestByCode(ctx, "nope"); return err }(),
		"ContestByID":   func() error { _, err := db.ContestByID(ctx, c.ID+100); return err }(),
		"RoundByNumber": func() error { _, err := db.RoundByNumber(ctx, c.ID, 9); return err }(),
		"RoundByID":     func() error { _, err := db.RoundByID(ctx, 999999); return err }(),
	} {
		if quiz.ErrorCode(err) != quiz.ENOTFOUND {
			t.Errorf("%s of a missing one: %v", name, err)
		}
	}
}

func TestApplyContestUpdates(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seedQuestions(t, db, "Một cửa", 5)
	seedQuestions(t, db, "PAR Index", 5)
	if _, err := db.ApplyContest(ctx, contest()); err != nil {
		t.Fatal(err)
	}
	before, _ := db.ContestByCode(ctx, "cchc-2026")

	// Re-applying the same file is an update that changes nothing.
	created, err := db.ApplyContest(ctx, contest())
	if err != nil || created {
		t.Fatalf("re-apply: created %v, %v", created, err)
	}
	same, _ := db.ContestByCode(ctx, "cchc-2026")
	if fmt.Sprint(same) != fmt.Sprint(before) {
		t.Fatalf("re-apply changed\n%+v\nto\n%+v", before, same)
	}

	// Change everything, drop round 4 and add round 5.
	c := contest()
	c.Name = "Tên mới"
	c.Timezone = "Asia/Bangkok"
	c.QuestionsPerAttempt = 10
	c.TimeLimit = 30 * time.Minute
	c.AttemptsPerRound = 3
	c.Prediction = ""
	c.PredictionTarget = quiz.PredictPerfect
	c.Reveal = quiz.RevealImmediately
	c.Reminders = nil
	c.Summary = ""
	c.Rounds[1].ClosesAt = at("2026-12-19 16:30")
	c.Rounds[2].Topics = []string{"Một cửa", "PAR Index"}
	c.Rounds = append(c.Rounds[:3], quiz.Round{Number: 5, OpensAt: at("2027-01-11 07:30"), ClosesAt: at("2027-01-15 16:30")})
	if created, err := db.ApplyContest(ctx, c); err != nil || created {
		t.Fatalf("update: created %v, %v", created, err)
	}
	got, err := db.ContestByCode(ctx, "cchc-2026")
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != before.ID || got.Name != "Tên mới" || got.Timezone != "Asia/Bangkok" || got.QuestionsPerAttempt != 10 ||
		got.TimeLimit != 30*time.Minute || got.AttemptsPerRound != 3 || got.Prediction != "" ||
		got.PredictionTarget != quiz.PredictPerfect || got.Reveal != quiz.RevealImmediately ||
		len(got.Reminders) != 0 || got.Summary != "" {
		t.Fatalf("updated contest %+v", got)
	}
	var numbers []int
	for _, r := range got.Rounds {
		numbers = append(numbers, r.Number)
	}
	if !slices.Equal(numbers, []int{1, 2, 3, 5}) {
		t.Fatalf("rounds %v, want 1 2 3 5", numbers)
	}
	// Rounds that stay keep their id: attempts refer to it.
	for i := range 3 {
		if got.Rounds[i].ID != before.Rounds[i].ID {
			t.Errorf("round %d changed id", i+1)
		}
	}
	if !got.Rounds[1].ClosesAt.Equal(at("2026-12-19 16:30")) {
		t.Errorf("round 2 closes %s", got.Rounds[1].ClosesAt)
	}
	if _, err := db.RoundByID(ctx, before.Rounds[3].ID); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Errorf("round 4 still there: %v", err)
	}
}

func TestApplyContestRemovesRoundDetachingItsNotifications(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seedQuestions(t, db, "Một cửa", 5)
	seedQuestions(t, db, "PAR Index", 5)
	if _, err := db.ApplyContest(ctx, contest()); err != nil {
		t.Fatal(err)
	}
	c, _ := db.ContestByCode(ctx, "cchc-2026")
	r4 := c.Rounds[3].ID
	if _, err := db.Exec(`INSERT INTO notifications (dedup_key, kind, round_id, platform, chat_id, status)
		VALUES ('open:4:1', 'round_open', $1, 'telegram', '1', 'sent'), ('remind:4:1', 'remind', $1, 'telegram', '1', 'queued')`, r4); err != nil {
		t.Fatal(err)
	}
	next := contest()
	next.Rounds = next.Rounds[:3]
	if _, err := db.ApplyContest(ctx, next); err != nil {
		t.Fatal(err)
	}
	var states []string
	if err := db.Select(&states, `SELECT dedup_key || ' ' || status || ' ' || coalesce(round_id::text, '-') FROM notifications ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"open:4:1 sent -", "remind:4:1 failed -"}; !slices.Equal(states, want) {
		t.Fatalf("notifications %q, want %q", states, want)
	}
}

func TestApplyContestRejectsWhatValidateRejects(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seedQuestions(t, db, "Một cửa", 5)
	seedQuestions(t, db, "PAR Index", 5)
	c := contest()
	c.Rounds[1].ClosesAt = c.Rounds[1].OpensAt
	_, err := db.ApplyContest(ctx, c)
	assertProblems(t, problemsOf(t, err, quiz.EINVALID), "rounds.1.closes_at: đợt 2 đóng lúc 2026-12-14 07:30, không sau thời điểm mở")
	if s := snapshot(t, db); s != "" {
		t.Fatalf("a rejected contest was stored:\n%s", s)
	}
}

func TestApplyContestChecksQuestionPool(t *testing.T) {
	tests := []struct {
		name   string
		seed   map[string]int
		change func(c *quiz.Contest)
		want   []string
	}{
		{"empty bank", nil, func(c *quiz.Contest) { c.Rounds[2].Topics = nil },
			[]string{"questions_per_attempt: mỗi bài thi cần 5 câu hỏi, nhưng ngân hàng câu hỏi chỉ có 0 câu đang dùng (hãy nhập câu hỏi trước"}},
		{"bank smaller than an attempt", map[string]int{"Một cửa": 2, "PAR Index": 2}, func(c *quiz.Contest) { c.Rounds[2].Topics = nil },
			[]string{"questions_per_attempt: mỗi bài thi cần 5 câu hỏi, nhưng ngân hàng câu hỏi chỉ có 4 câu đang dùng"}},
		{"topics smaller than an attempt", map[string]int{"Một cửa": 2, "PAR Index": 2, "": 10}, nil,
			[]string{"rounds.2.topics: đợt 3 cần 5 câu hỏi mỗi bài thi, nhưng các chủ đề của đợt chỉ có 4 câu đang dùng"}},
		{"topic without questions", map[string]int{"Một cửa": 5, "": 10}, nil,
			[]string{`rounds.2.topics.1: đợt 3: chủ đề "PAR Index" không có câu hỏi nào đang dùng (các chủ đề trong ngân hàng: "Một cửa")`}},
		{"inactive questions do not count", map[string]int{"Một cửa": 5, "PAR Index": 5, "retired": 1}, func(c *quiz.Contest) { c.Rounds[0].Topics = []string{"retired"} },
			[]string{`rounds.0.topics.0: đợt 1: chủ đề "retired" không có câu hỏi nào đang dùng`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storagetest.NewDB(t)
			ctx := context.Background()
			for topic, n := range tt.seed {
				seedQuestions(t, db, topic, n)
			}
			if _, err := db.Exec(`UPDATE questions SET active = false WHERE topic = 'retired'`); err != nil {
				t.Fatal(err)
			}
			c := contest()
			if tt.change != nil {
				tt.change(&c)
			}
			_, err := db.ApplyContest(ctx, c)
			assertProblems(t, problemsOf(t, err, quiz.EINVALID), tt.want...)
			if s := snapshot(t, db); s != "" {
				t.Fatalf("a rejected contest was stored:\n%s", s)
			}
		})
	}
}

func TestApplyContestLocksRoundsWithAttempts(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *quiz.Contest)
		want   []string
	}{
		{"round 1 opens later", func(c *quiz.Contest) { c.Rounds[0].OpensAt = at("2026-12-08 07:30") },
			[]string{"rounds.0.opens_at: đợt 1 đã có bài thi: không thể đổi opens_at từ 2026-12-07 07:30 thành 2026-12-08 07:30"}},
		{"round 1 closes later", func(c *quiz.Contest) { c.Rounds[0].ClosesAt = at("2026-12-12 16:30") },
			[]string{"rounds.0.closes_at: đợt 1 đã có bài thi: không thể đổi closes_at từ 2026-12-11 16:30 thành 2026-12-12 16:30"}},
		{"round 1 gets topics", func(c *quiz.Contest) { c.Rounds[0].Topics = []string{"Một cửa"} },
			[]string{"rounds.0.topics: đợt 1 đã có bài thi: không thể đổi topics từ (mọi chủ đề) thành [Một cửa]"}},
		{"round 1 removed", func(c *quiz.Contest) { c.Rounds = c.Rounds[1:] },
			[]string{"rounds: đợt 1 đã có bài thi nên không thể xoá"}},
		{"timezone moves round 1", func(c *quiz.Contest) {
			c.Timezone = "Asia/Tokyo"
			for i := range c.Rounds {
				// The same wall-clock times in another zone.
				c.Rounds[i].OpensAt = relocate(c.Rounds[i].OpensAt, "Asia/Tokyo")
				c.Rounds[i].ClosesAt = relocate(c.Rounds[i].ClosesAt, "Asia/Tokyo")
			}
		}, []string{
			"rounds.0.opens_at: đợt 1 đã có bài thi: không thể đổi opens_at từ 2026-12-07 07:30 Asia/Ho_Chi_Minh thành 2026-12-07 07:30 Asia/Tokyo",
			"rounds.0.closes_at: đợt 1 đã có bài thi: không thể đổi closes_at"}},
		{"questions per attempt", func(c *quiz.Contest) { c.QuestionsPerAttempt = 4 },
			[]string{"questions_per_attempt: không thể đổi từ 5 thành 4: đợt 1 đã có bài thi"}},
		{"time limit", func(c *quiz.Contest) { c.TimeLimit = 30 * time.Minute },
			[]string{"time_limit: không thể đổi từ 20m0s thành 30m0s: đợt 1 đã có bài thi"}},
		{"attempts per round", func(c *quiz.Contest) { c.AttemptsPerRound = 3 },
			[]string{"attempts_per_round: không thể đổi từ 1 thành 3: đợt 1 đã có bài thi"}},
		{"prediction", func(c *quiz.Contest) { c.Prediction = "" },
			[]string{`prediction: không thể đổi từ "Bao nhiêu người tham gia?" thành "": đợt 1 đã có bài thi`}},
		{"prediction target", func(c *quiz.Contest) { c.PredictionTarget = quiz.PredictPerfect },
			[]string{"prediction_target: không thể đổi từ participants thành perfect: đợt 1 đã có bài thi"}},
		{"reveal", func(c *quiz.Contest) { c.Reveal = quiz.RevealImmediately },
			[]string{"reveal: không thể đổi từ after_close thành immediately: đợt 1 đã có bài thi"}},
		{"prediction grace", func(c *quiz.Contest) { c.PredictionGrace = 2 * time.Minute },
			[]string{"prediction_grace: không thể đổi từ 0s thành 2m0s: đợt 1 đã có bài thi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := storagetest.NewDB(t)
			ctx := context.Background()
			seedQuestions(t, db, "Một cửa", 5)
			seedQuestions(t, db, "PAR Index", 5)
			if _, err := db.ApplyContest(ctx, contest()); err != nil {
				t.Fatal(err)
			}
			c, _ := db.ContestByCode(ctx, "cchc-2026")
			seedAttempt(t, db, c.ID, 1)
			before := snapshot(t, db)

			next := contest()
			tt.change(&next)
			_, err := db.ApplyContest(ctx, next)
			assertProblems(t, problemsOf(t, err, quiz.ECONFLICT), tt.want...)
			if after := snapshot(t, db); after != before {
				t.Fatalf("a rejected apply changed the database:\n%s\n---\n%s", before, after)
			}
		})
	}
}

func relocate(t time.Time, zone string) time.Time {
	loc, _ := time.LoadLocation(zone)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), 0, 0, loc)
}

func TestApplyContestAllowsFreeChangesOnceRoundsHaveAttempts(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seedQuestions(t, db, "Một cửa", 5)
	seedQuestions(t, db, "PAR Index", 5)
	if _, err := db.ApplyContest(ctx, contest()); err != nil {
		t.Fatal(err)
	}
	c, _ := db.ContestByCode(ctx, "cchc-2026")
	seedAttempt(t, db, c.ID, 1)
	seedAttempt(t, db, c.ID, 2)
	// Questions retired since round 1 ran must not block the change: frozen
	// rounds are not pool-checked.
	if _, err := db.Exec(`UPDATE questions SET active = false WHERE topic = 'PAR Index'`); err != nil {
		t.Fatal(err)
	}

	next := contest()
	next.Name = "Tên mới"
	// Bangkok keeps Vietnam's offset: the same wall-clock times are the same
	// instants, so attempts are not affected.
	next.Timezone = "Asia/Bangkok"
	for i := range next.Rounds {
		next.Rounds[i].OpensAt = relocate(next.Rounds[i].OpensAt, "Asia/Bangkok")
		next.Rounds[i].ClosesAt = relocate(next.Rounds[i].ClosesAt, "Asia/Bangkok")
	}
	next.Reminders = []string{"@daily"}
	next.Summary = "0 9 * * 1"
	next.Rounds[2].Topics = []string{"Một cửa"}     // no attempts yet: may change
	next.Rounds[2].OpensAt = at("2026-12-22 07:30") // likewise
	next.Rounds = next.Rounds[:3]                   // and round 4, which has none, goes
	if _, err := db.ApplyContest(ctx, next); err != nil {
		t.Fatal(err)
	}
	got, _ := db.ContestByCode(ctx, "cchc-2026")
	if got.Name != "Tên mới" || got.Timezone != "Asia/Bangkok" || !slices.Equal(got.Reminders, []string{"@daily"}) || got.Summary != "0 9 * * 1" ||
		len(got.Rounds) != 3 || !slices.Equal(got.Rounds[2].Topics, []string{"Một cửa"}) || !got.Rounds[2].OpensAt.Equal(at("2026-12-22 07:30")) {
		t.Fatalf("got %+v", got)
	}

	// Two locked rounds are named together.
	next.AttemptsPerRound = 2
	_, err := db.ApplyContest(ctx, next)
	assertProblems(t, problemsOf(t, err, quiz.ECONFLICT), "attempts_per_round: không thể đổi từ 1 thành 2: các đợt 1, 2 đã có bài thi")
}

func TestApplyContestConcurrentFirstApplies(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seedQuestions(t, db, "Một cửa", 5)
	seedQuestions(t, db, "PAR Index", 5)
	var wg sync.WaitGroup
	created := make([]bool, 4)
	errs := make([]error, 4)
	for i := range created {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], errs[i] = db.ApplyContest(ctx, contest())
		}()
	}
	wg.Wait()
	n := 0
	for i := range created {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if created[i] {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d applies created the contest, want exactly 1", n)
	}
}

func TestContestCurrent(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if _, err := db.CurrentContest(ctx, at("2026-12-01 00:00")); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Fatalf("no contests: %v", err)
	}
	seedQuestions(t, db, "Một cửa", 5)
	seedQuestions(t, db, "PAR Index", 5)
	a := contest() // December 2026 – January 2027
	b := contest()
	b.Code = "cchc-2027"
	for i := range b.Rounds {
		b.Rounds[i].OpensAt = b.Rounds[i].OpensAt.AddDate(0, 3, 0)
		b.Rounds[i].ClosesAt = b.Rounds[i].ClosesAt.AddDate(0, 3, 0)
	}
	for _, c := range []quiz.Contest{a, b} {
		if _, err := db.ApplyContest(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		at   string
		want string
	}{
		{"2026-11-01 00:00", "cchc-2026"}, // before everything: the first to open
		{"2026-12-09 12:00", "cchc-2026"}, // round 1 of a open
		{"2026-12-12 12:00", "cchc-2026"}, // between rounds of a
		{"2027-02-01 00:00", "cchc-2027"}, // a finished, b next
		{"2027-03-08 07:30", "cchc-2027"}, // b's round 1 opens
		{"2027-06-01 00:00", "cchc-2027"}, // all finished: the last to close
	}
	for _, tt := range tests {
		c, err := db.CurrentContest(ctx, at(tt.at))
		if err != nil || c.Code != tt.want || len(c.Rounds) != 4 {
			t.Errorf("CurrentContest(%s) = %s %v, want %s", tt.at, c.Code, err, tt.want)
		}
	}
}

// An attempt stored while an apply waits for the rounds' lock is seen by
// the apply: its round keeps its rules. (The attempt's insert holds a key
// share lock on its round until it commits; the apply must judge which
// rounds have attempts after that commit, not from before it.)
func TestApplyContestSeesAttemptCommittedWhileWaiting(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	seedQuestions(t, db, "Một cửa", 5)
	seedQuestions(t, db, "PAR Index", 5)
	if _, err := db.ApplyContest(ctx, contest()); err != nil {
		t.Fatal(err)
	}
	c, _ := db.ContestByCode(ctx, "cchc-2026")

	tx, pid := holdTx(t, db)
	if _, err := tx.Exec(`
		WITH u AS (INSERT INTO units (code, name) VALUES ('u-race', 'Sở Nội vụ') RETURNING id),
		     m AS (INSERT INTO members (full_name, phone, unit_id) SELECT 'Nguyễn Văn A', '0912345678', id FROM u RETURNING id)
		INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, total)
		SELECT r.id, m.id, 1, 'telegram', r.opens_at, r.opens_at + interval '20 minutes', 5
		FROM rounds r, m WHERE r.contest_id = $1 AND r.number = 1`, c.ID); err != nil {
		t.Fatal(err)
	}

	next := contest()
	next.Rounds[0].OpensAt = at("2026-12-08 07:30")
	done := make(chan error, 1)
	go func() {
		_, err := db.ApplyContest(ctx, next)
		done <- err
	}()
	// Wait until the apply is blocked by the attempt's transaction.
	waitBlocked(t, db, pid, done)
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	assertProblems(t, problemsOf(t, <-done, quiz.ECONFLICT),
		"rounds.0.opens_at: đợt 1 đã có bài thi: không thể đổi opens_at từ 2026-12-07 07:30 thành 2026-12-08 07:30")
}

// A contest without rounds (only plain SQL makes one: ApplyContest requires
// rounds) loads with no rounds, and is the current contest when no contest
// has rounds; an unknown contest is ENOTFOUND.
func TestContestWithoutRounds(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	var id int64
	if err := db.GetContext(ctx, &id, `INSERT INTO contests (code, name, questions_per_attempt, time_limit_seconds)
		VALUES ('bare', 'Cuộc thi chưa có đợt', 10, 600) RETURNING id`); err != nil {
		t.Fatal(err)
	}
	c, err := db.ContestByID(ctx, id)
	if err != nil || c.ID != id || c.Code != "bare" || c.QuestionsPerAttempt != 10 || c.TimeLimit != 10*time.Minute || len(c.Rounds) != 0 {
		t.Fatalf("ContestByID = %+v, %v", c, err)
	}
	if c, err := db.CurrentContest(ctx, at("2026-12-01 00:00")); err != nil || c.ID != id || len(c.Rounds) != 0 {
		t.Fatalf("CurrentContest = %+v, %v", c, err)
	}
	_, err = db.ContestByID(ctx, id+1)
	if want := fmt.Sprintf("Không tìm thấy cuộc thi số %d.", id+1); quiz.ErrorCode(err) != quiz.ENOTFOUND || quiz.ErrorMessage(err) != want {
		t.Fatalf("unknown contest: %v, want ENOTFOUND %q", err, want)
	}
	if _, err := db.ContestByCode(ctx, "khong-co"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Fatalf("unknown code: %v", err)
	}
}
