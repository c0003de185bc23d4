package storagetest

import (
	"context"
	"database/sql"
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
	PredictionGrace     time.Duration
	Reveal              quiz.Reveal
	ContestName         string // default "Tìm hiểu cải cách hành chính 2026"
	// Now, when set, moves the rounds so that round 1 is open at Now as it
	// is at the default Now (2026-12-02 09:00 Asia/Ho_Chi_Minh): opened two
	// days and 1h30 before, closing two days and 7h30 after.
	Now time.Time
	// Units and Members, when set, replace the default roster; Members'
	// Unit is a unit code, and Fixture.Members is keyed by Key.
	Units   []SeedUnit
	Members []SeedMember
	// Bank, when set, replaces the generated question bank whose right
	// answer starts with "Đúng" (Questions is then ignored): Code, Text,
	// Options and Correct of each. Fixture.Questions has them with their IDs.
	Bank []quiz.Question
}

// SeedUnit is a unit of a roster that replaces the default one.
type SeedUnit struct{ Code, Name, Parent string }

// SeedMember is a member of a roster that replaces the default one.
type SeedMember struct {
	Key, Name, Phone, Position, Unit string
	Role                             quiz.Role // default member
	Inactive                         bool
}

// defaultUnits and defaultMembers are the roster Seed documents.
var defaultUnits = []SeedUnit{{"SNV", "Sở Nội vụ", ""}, {"XA1", "UBND xã Hòa Phú", "SNV"}}

var defaultMembers = []SeedMember{
	{"an", "Nguyễn Văn An", "0912000001", "Chuyên viên", "SNV", quiz.RoleMember, false},
	{"binh", "Trần Thị Bình", "0912000002", "Chuyên viên", "SNV", quiz.RoleMember, false},
	{"chi", "Lê Minh Chi", "0912000003", "Giám đốc", "SNV", quiz.RoleHead, false},
	{"dung", "Phạm Thu Dung", "0912000004", "Chuyên viên", "SNV", quiz.RoleOrganizer, false},
	{"em", "Hoàng Văn Em", "0912000005", "Công chức Văn phòng - Thống kê", "XA1", quiz.RoleMember, false},
	{"giang", "Đỗ Thị Giang", "0912000006", "Chuyên viên", "XA1", quiz.RoleMember, true},
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
	if o.Units == nil {
		o.Units, o.Members = defaultUnits, defaultMembers
	}
	units := map[string]int64{}
	for _, u := range o.Units {
		var id int64
		must(db.GetContext(ctx, &id, `INSERT INTO units (code, name, parent_id) VALUES ($1, $2, $3) RETURNING id`,
			u.Code, u.Name, sql.NullInt64{Int64: units[u.Parent], Valid: u.Parent != ""}))
		units[u.Code] = id
	}
	f := Fixture{Members: map[string]quiz.Member{}}
	for _, p := range o.Members {
		if p.Role == "" {
			p.Role = quiz.RoleMember
		}
		var id int64
		must(db.GetContext(ctx, &id, `INSERT INTO members (full_name, phone, unit_id, position, role, active)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, p.Name, p.Phone, units[p.Unit], p.Position, p.Role, !p.Inactive))
		m, err := db.MemberByID(ctx, id)
		must(err)
		f.Members[p.Key] = m
	}
	bank := o.Bank
	if bank == nil {
		for i := range o.Questions {
			bank = append(bank, quiz.Question{Code: fmt.Sprintf("Q%02d", i+1),
				Text:    fmt.Sprintf("Câu hỏi thử số %d về cải cách hành chính?", i+1),
				Options: []string{fmt.Sprintf("Đúng %d", i+1), fmt.Sprintf("Sai %d-1", i+1), fmt.Sprintf("Sai %d-2", i+1), fmt.Sprintf("Sai %d-3", i+1)}})
		}
	}
	for _, q := range bank {
		must(db.GetContext(ctx, &q.ID, `INSERT INTO questions (code, text, options, correct, topic)
			VALUES ($1, $2, $3, $4, 'chung') RETURNING id`, q.Code, q.Text, pq.Array(q.Options), q.Correct))
		f.Questions = append(f.Questions, q)
	}
	loc, _ := time.LoadLocation(quiz.DefaultTimezone)
	f.Now = time.Date(2026, 12, 2, 9, 0, 0, 0, loc)
	opens := time.Date(2026, 11, 30, 7, 30, 0, 0, loc)
	closes := time.Date(2026, 12, 4, 16, 30, 0, 0, loc)
	if !o.Now.IsZero() {
		shift := o.Now.Sub(f.Now)
		f.Now, opens, closes = o.Now, opens.Add(shift), closes.Add(shift)
	}
	if o.ContestName == "" {
		o.ContestName = "Tìm hiểu cải cách hành chính 2026"
	}
	var cid int64
	must(db.GetContext(ctx, &cid, `INSERT INTO contests (code, name, questions_per_attempt, time_limit_seconds,
		attempts_per_round, prediction, prediction_target, reveal)
		VALUES ('cchc', $6, $1, $2, $3, $4, 'participants', $5) RETURNING id`,
		o.QuestionsPerAttempt, int(o.TimeLimit/time.Second), o.AttemptsPerRound, o.Prediction, o.Reveal, o.ContestName))
	if o.PredictionGrace > 0 {
		_, err := db.ExecContext(ctx, `UPDATE contests SET prediction_grace_seconds = $2 WHERE id = $1`, cid, int(o.PredictionGrace/time.Second))
		must(err)
	}
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
