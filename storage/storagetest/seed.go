package storagetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/lib/pq"

	"quizbot/quiz"
	"quizbot/storage"
)

// Fixture is a small contest seeded with plain SQL: two units, a few
// members, a question bank whose right answer is always the option text
// starting with "Đúng", and one contest with an open round.
type Fixture struct {
	Contest   quiz.Contest
	Round     quiz.Round // open at Now
	Next      quiz.Round // opens a week after Round
	Members   map[string]quiz.Member
	Questions []quiz.Question
	Now       time.Time
}

// SeedOptions tunes the fixture.
type SeedOptions struct {
	Questions           int // in the bank; default 6
	QuestionsPerAttempt int // default 3
	TimeLimit           time.Duration
	AttemptsPerRound    int    // default 1
	Prediction          string // tie-break question, empty for none
	Reveal              quiz.Reveal
}

// Seed fills db with the fixture. Members (by key): "an" (member, unit SNV),
// "binh" (member, SNV), "chi" (head, SNV), "dung" (organizer, SNV), "em"
// (member, XA1), "giang" (inactive, XA1).
func Seed(t testing.TB, db *storage.DB, o SeedOptions) Fixture {
	t.Helper()
	ctx := context.Background()
	if o.Questions == 0 {
		o.Questions = 6
	}
	if o.QuestionsPerAttempt == 0 {
		o.QuestionsPerAttempt = 3
	}
	if o.TimeLimit == 0 {
		o.TimeLimit = 10 * time.Minute
	}
	if o.AttemptsPerRound == 0 {
		o.AttemptsPerRound = 1
	}
	if o.Reveal == "" {
		o.Reveal = quiz.RevealAfterClose
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("seed: %v", err)
		}
	}
	var snv, xa int64
	must(db.GetContext(ctx, &snv, `INSERT INTO units (code, name) VALUES ('SNV', 'Sở Nội vụ') RETURNING id`))
	must(db.GetContext(ctx, &xa, `INSERT INTO units (code, name, parent_id) VALUES ('XA1', 'UBND xã Hòa Phú', $1) RETURNING id`, snv))
	f := Fixture{Members: map[string]quiz.Member{}}
	people := []struct {
		key, name, phone, pos string
		unit                  int64
		role                  quiz.Role
		active                bool
	}{
		{"an", "Nguyễn Văn An", "0912000001", "Chuyên viên", snv, quiz.RoleMember, true},
		{"binh", "Trần Thị Bình", "0912000002", "Chuyên viên", snv, quiz.RoleMember, true},
		{"chi", "Lê Minh Chi", "0912000003", "Giám đốc", snv, quiz.RoleHead, true},
		{"dung", "Phạm Thu Dung", "0912000004", "Chuyên viên", snv, quiz.RoleOrganizer, true},
		{"em", "Hoàng Văn Em", "0912000005", "Công chức Văn phòng - Thống kê", xa, quiz.RoleMember, true},
		{"giang", "Đỗ Thị Giang", "0912000006", "Chuyên viên", xa, quiz.RoleMember, false},
	}
	for _, p := range people {
		var id int64
		must(db.GetContext(ctx, &id, `INSERT INTO members (full_name, phone, unit_id, position, role, active)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, p.name, p.phone, p.unit, p.pos, p.role, p.active))
		m, err := db.MemberByID(ctx, id)
		must(err)
		f.Members[p.key] = m
	}
	for i := range o.Questions {
		opts := []string{fmt.Sprintf("Đúng %d", i+1), fmt.Sprintf("Sai %d-1", i+1), fmt.Sprintf("Sai %d-2", i+1), fmt.Sprintf("Sai %d-3", i+1)}
		var id int64
		must(db.GetContext(ctx, &id, `INSERT INTO questions (code, text, options, correct, topic)
			VALUES ($1, $2, $3, 0, 'chung') RETURNING id`, fmt.Sprintf("Q%02d", i+1),
			fmt.Sprintf("Câu hỏi thử số %d về cải cách hành chính?", i+1), pq.Array(opts)))
		f.Questions = append(f.Questions, quiz.Question{ID: id, Code: fmt.Sprintf("Q%02d", i+1), Options: opts})
	}
	loc, _ := time.LoadLocation(quiz.DefaultTimezone)
	f.Now = time.Date(2026, 12, 2, 9, 0, 0, 0, loc)
	opens := time.Date(2026, 11, 30, 7, 30, 0, 0, loc)
	closes := time.Date(2026, 12, 4, 16, 30, 0, 0, loc)
	var cid int64
	must(db.GetContext(ctx, &cid, `INSERT INTO contests (code, name, questions_per_attempt, time_limit_seconds,
		attempts_per_round, prediction, prediction_target, reveal)
		VALUES ('cchc', 'Tìm hiểu cải cách hành chính 2026', $1, $2, $3, $4, 'participants', $5) RETURNING id`,
		o.QuestionsPerAttempt, int(o.TimeLimit/time.Second), o.AttemptsPerRound, o.Prediction, o.Reveal))
	for i := range 2 {
		var rid int64
		must(db.GetContext(ctx, &rid, `INSERT INTO rounds (contest_id, number, opens_at, closes_at)
			VALUES ($1, $2, $3, $4) RETURNING id`, cid, i+1, opens.AddDate(0, 0, 7*i), closes.AddDate(0, 0, 7*i)))
	}
	c, err := db.ContestByCode(ctx, "cchc")
	must(err)
	f.Contest = c
	f.Round, f.Next = c.Rounds[0], c.Rounds[1]
	return f
}

// DrawQuestions records, with plain SQL, that a member's attempt drew the
// questions with the codes (a unit, member, contest, round and attempt of
// their own); the first one is answered.
func DrawQuestions(t testing.TB, db *storage.DB, codes ...string) {
	t.Helper()
	_, err := db.ExecContext(context.Background(), `
		WITH u AS (INSERT INTO units (code, name) VALUES ('DRAW', 'Đơn vị dự thi') RETURNING id),
		m AS (INSERT INTO members (full_name, phone, unit_id) SELECT 'Nguyễn Văn Thi', '0900000001', id FROM u RETURNING id),
		c AS (INSERT INTO contests (code, name, questions_per_attempt, time_limit_seconds)
			VALUES ('DRAW', 'Cuộc thi', cardinality($1::text[]), 600) RETURNING id),
		r AS (INSERT INTO rounds (contest_id, number, opens_at, closes_at)
			SELECT id, 1, now() - interval '1 day', now() + interval '6 days' FROM c RETURNING id),
		a AS (INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, total)
			SELECT r.id, m.id, 1, 'telegram', now(), now() + interval '10 minutes', cardinality($1::text[]) FROM r, m RETURNING id)
		INSERT INTO answers (attempt_id, position, question_id, option_order, chosen, is_correct, answered_at)
		SELECT a.id, f.pos, q.id,
			(SELECT array_agg(i - 1 ORDER BY i DESC) FROM generate_subscripts(q.options, 1) AS i)::smallint[],
			CASE WHEN f.pos = 1 THEN 0 END, CASE WHEN f.pos = 1 THEN q.correct = 0 END, CASE WHEN f.pos = 1 THEN now() END
		FROM a, unnest($1::text[]) WITH ORDINALITY AS f(code, pos) JOIN questions q ON q.code = f.code`,
		pq.Array(codes))
	if err != nil {
		t.Fatal(err)
	}
}
