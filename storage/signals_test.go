package storage_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// seedSignals crafts one round with each integrity signal and a near miss
// of each. Units U1 (members 1–8) and U2 (9–10); the bank Q1–Q5, key A
// everywhere; five questions an attempt.
//
//	member unit answers submitted (07:30+ on 3 March) prediction  why
//	1      U1   AAAAA   08:00:10, started 08:00:00    12345       fast: 10 s for 5 questions (< 3 s each)
//	2      U1   DDDDD   08:00:15, started 08:00:00    12345       15 s: exactly 3 s each, not fast
//	3      U1   ABAAA   09:00                         20058       identical to 4 and 5, the same wrong B on Q2
//	4      U1   ABAAA   09:04                         20058
//	5      U1   ABAAA   09:09                         20058       (9 min after 3: within 10 min of every other)
//	6      U1   ABAAA   09:19:30                      20000       identical but 10 min 30 s after 5: not listed
//	7      U1   AAAAA   09:02                         20000       perfect like 8: agreeing on right answers is no sign
//	8      U1   AAAAA   09:03                         20000       20000 three times: a round guess, not listed
//	9      U2   ABAAA   09:01                         20058       another unit: not with 3–5
//	10     U2   (never submitted, counted at its deadline 10:10)
//
// 12345 by two members only, 20058 by two in U2: not listed.
func seedSignals(t *testing.T, db *storage.DB) {
	t.Helper()
	var b strings.Builder
	b.WriteString(`
INSERT INTO units (id, code, name) VALUES (1, 'U1', 'Sở Nội vụ'), (2, 'U2', 'UBND xã An Hòa');
INSERT INTO members (id, full_name, phone, unit_id) SELECT g, 'Người ' || g, '09120000' || lpad(g::text, 2, '0'),
	CASE WHEN g <= 8 THEN 1 ELSE 2 END FROM generate_series(1, 10) g;
INSERT INTO questions (id, code, text, options, correct) SELECT g, 'Q' || g, 'Câu ' || g, '{a,b,c,d}', 0 FROM generate_series(1, 5) g;
INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds) VALUES (1, 'c', 'Cuộc thi', 5, 600);
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
`)
	type att struct {
		member          int
		answers         string
		started, submit string
		prediction      string
	}
	for i, a := range []att{
		{1, "AAAAA", "08:00:00", "08:00:10", "12345"},
		{2, "DDDDD", "08:00:00", "08:00:15", "12345"},
		{3, "ABAAA", "08:55:00", "09:00:00", "20058"},
		{4, "ABAAA", "08:55:00", "09:04:00", "20058"},
		{5, "ABAAA", "08:55:00", "09:09:00", "20058"},
		{6, "ABAAA", "09:15:00", "09:19:30", "20000"},
		{7, "AAAAA", "08:55:00", "09:02:00", "20000"},
		{8, "AAAAA", "08:55:00", "09:03:00", "20000"},
		{9, "ABAAA", "08:55:00", "09:01:00", "20058"},
		{10, "AAAAA", "10:00:00", "", "NULL"},
	} {
		id := i + 1
		correct := strings.Count(a.answers, "A")
		submitted := "NULL"
		if a.submit != "" {
			submitted = "'2026-03-03 " + a.submit + "+07'"
		}
		fmt.Fprintf(&b, "INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction) VALUES (%d, 1, %d, 1, 'telegram', '2026-03-03 %s+07', '2026-03-03 %s+07'::timestamptz + interval '10 minutes', %s, %d, 5, %s);\n",
			id, a.member, a.started, a.started, submitted, correct, a.prediction)
		for q, c := range a.answers {
			fmt.Fprintf(&b, "INSERT INTO answers (attempt_id, position, question_id, option_order, chosen, is_correct) VALUES (%d, %d, %d, '{0,1,2,3}', %d, %v);\n",
				id, q, q+1, c-'A', c == 'A')
		}
	}
	// Chat accounts. T1 verified member 1, was unlinked, then verified
	// member 2 and, after another unlink, member 9 of U2. T2 was unlinked
	// from member 3 and linked to member 3 again (one person). The web chat
	// account W picked members 4 and 5 (a preview): none is listed.
	b.WriteString(`
INSERT INTO identities (member_id, platform, external_id, chat_id, created_at) VALUES (1, 'telegram', 'T1', 'T1', '2026-03-02 08:00+07');
DELETE FROM identities WHERE external_id = 'T1';
INSERT INTO identities (member_id, platform, external_id, chat_id, created_at) VALUES (2, 'telegram', 'T1', 'T1', '2026-03-02 08:10+07');
DELETE FROM identities WHERE external_id = 'T1';
INSERT INTO identities (member_id, platform, external_id, chat_id, created_at) VALUES (9, 'telegram', 'T1', 'T1', '2026-03-02 08:20+07');
INSERT INTO identities (member_id, platform, external_id, chat_id, created_at) VALUES (3, 'telegram', 'T2', 'T2', '2026-03-02 08:00+07');
DELETE FROM identities WHERE external_id = 'T2';
INSERT INTO identities (member_id, platform, external_id, chat_id, created_at) VALUES (3, 'telegram', 'T2', 'T2', '2026-03-02 09:00+07');
INSERT INTO identities (member_id, platform, external_id, chat_id, created_at) VALUES (4, 'web', 'W', 'W', '2026-03-02 08:00+07');
DELETE FROM identities WHERE external_id = 'W';
INSERT INTO identities (member_id, platform, external_id, chat_id, created_at) VALUES (5, 'web', 'W', 'W', '2026-03-02 08:10+07');
-- An unlink is stamped with the time it ran (now()); set the crafted times.
UPDATE identity_events SET at = CASE member_id WHEN 1 THEN '2026-03-02 08:05+07'::timestamptz ELSE '2026-03-02 08:15+07' END
	WHERE kind = 'unlink' AND external_id = 'T1';
UPDATE identity_events SET at = '2026-03-02 08:30+07' WHERE kind = 'unlink' AND external_id <> 'T1';
`)
	if _, err := db.ExecContext(context.Background(), b.String()); err != nil {
		t.Fatalf("seed signals: %v", err)
	}
}

func signalsCSV(t *testing.T, db *storage.DB, now time.Time) string {
	t.Helper()
	ctx := context.Background()
	loc, _ := time.LoadLocation("Asia/Ho_Chi_Minh")
	g := quiz.DefaultIntegrity
	var all []report.Signal
	fast, err := db.FastAttempts(ctx, 1, now, g.MinSecondsPerQuestion)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, report.FastSignals(fast, g.MinSecondsPerQuestion, loc)...)
	pairs, err := db.SameAnswerPairs(ctx, 1, now, g.SameAnswersWindow, report.SameAnswersMinCommon)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, report.SameAnswerSignals(pairs, g.SameAnswersWindow, loc)...)
	events, err := db.SharedAccountEvents(ctx, now)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, report.SharedAccountSignals(events, loc)...)
	preds, err := db.SamePredictions(ctx, 1, now, report.SamePredictionMembers)
	if err != nil {
		t.Fatal(err)
	}
	all = append(all, report.PredictionSignals(preds, loc)...)
	var buf bytes.Buffer
	if err := report.WriteCSV(&buf, report.SignalsTable(all, loc), false); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestIntegritySignals(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	seedSignals(t, db)
	got := signalsCSV(t, db, time.Date(2026, 3, 9, 1, 0, 0, 0, time.UTC))
	want := `kind,unit_code,unit_name,members,phones,evidence,first_at,last_at
fast,U1,Sở Nội vụ,Người 1,0912000001,"Làm bài 5 câu trong 10,0 giây (2,0 giây/câu; ngưỡng 3 giây/câu), trả lời 5 câu, đúng 5/5; bắt đầu 08:00:00 03/03/2026, nộp 08:00:10 03/03/2026",2026-03-03 08:00:00,2026-03-03 08:00:10
same_answers,U1,Sở Nội vụ,Người 3; Người 4; Người 5,0912000003; 0912000004; 0912000005,"3 người cùng đơn vị chọn đáp án giống hệt nhau, nộp bài từ 09:00:00 03/03/2026 đến 09:09:00 03/03/2026 (cách nhau không quá 10 phút): Người 3 – Người 4: giống nhau cả 5/5 câu cùng được hỏi, trong đó 1 câu cùng chọn một phương án sai; Người 3 – Người 5: giống nhau cả 5/5 câu cùng được hỏi, trong đó 1 câu cùng chọn một phương án sai; Người 4 – Người 5: giống nhau cả 5/5 câu cùng được hỏi, trong đó 1 câu cùng chọn một phương án sai",2026-03-03 09:00:00,2026-03-03 09:09:00
shared_account,"U1, U2",,Người 1; Người 2; Người 9,0912000001; 0912000002; 0912000009,Một tài khoản Telegram (mã T1) đã lần lượt xác thực 3 người: 08:00:00 02/03/2026 liên kết với Người 1; 08:05:00 02/03/2026 hủy liên kết với Người 1; 08:10:00 02/03/2026 liên kết với Người 2; 08:15:00 02/03/2026 hủy liên kết với Người 2; 08:20:00 02/03/2026 liên kết với Người 9,2026-03-02 08:00:00,2026-03-02 08:20:00
same_prediction,U1,Sở Nội vụ,Người 3; Người 4; Người 5,0912000003; 0912000004; 0912000005,"3 người cùng đơn vị cùng dự đoán một con số giống hệt nhau, 20.058: Người 3 nộp 09:00:00 03/03/2026; Người 4 nộp 09:04:00 03/03/2026; Người 5 nộp 09:09:00 03/03/2026",2026-03-03 09:00:00,2026-03-03 09:09:00
`
	if got != want {
		t.Errorf("signals:\n%s\nwant\n%s", got, want)
	}
}

// TestContestIntegrityApplied: the contest file's thresholds are stored by
// ApplyContest, and may change after attempts exist (they only tune a
// report); a contest never applied with them gets the defaults.
func TestContestIntegrityApplied(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	fx := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	if g, err := db.ContestIntegrity(ctx, fx.Contest.ID); err != nil || g != quiz.DefaultIntegrity {
		t.Fatalf("before apply: %+v, %v; want the defaults", g, err)
	}
	c := fx.Contest
	c.Integrity = quiz.Integrity{MinSecondsPerQuestion: 5, SameAnswersWindow: 15 * time.Minute}
	if _, err := db.ApplyContest(ctx, c); err != nil {
		t.Fatal(err)
	}
	if g, err := db.ContestIntegrity(ctx, fx.Contest.ID); err != nil || g != c.Integrity {
		t.Fatalf("after apply: %+v, %v; want %+v", g, err, c.Integrity)
	}
}

// TestIdentityHistoryFromEveryWriter: LinkIdentity, UnlinkMember and an
// activation code all leave their trace in identity_events, so one account
// that verified several members in turn is found whichever way it went.
func TestIdentityHistoryFromEveryWriter(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	fx := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	an, binh, em := fx.Members["an"], fx.Members["binh"], fx.Members["em"]
	link := func(m quiz.Member) {
		t.Helper()
		if err := db.LinkIdentity(ctx, quiz.Identity{MemberID: m.ID, Platform: quiz.PlatformTelegram, ExternalID: "777", ChatID: "777"}); err != nil {
			t.Fatal(err)
		}
	}
	unlink := func(m quiz.Member) {
		t.Helper()
		if _, _, err := db.UnlinkMember(ctx, m.Phone); err != nil {
			t.Fatal(err)
		}
	}
	link(an)
	unlink(an)
	link(binh)
	unlink(binh)
	// Em redeems an activation code from the same account.
	if _, err := db.ExecContext(ctx, `INSERT INTO activation_codes (member_id, code_hash, issued_at, expires_at)
		VALUES ($1, $2, now(), now() + interval '1 day')`, em.ID, quiz.HashCode("ABCDEFGH")); err != nil {
		t.Fatal(err)
	}
	if _, outcome, err := db.RedeemActivationCode(ctx, quiz.HashCode("ABCDEFGH"),
		quiz.Identity{Platform: quiz.PlatformTelegram, ExternalID: "777", ChatID: "777"}, time.Now()); err != nil || outcome != quiz.CodeRedeemed {
		t.Fatalf("redeem: %v, %v", outcome, err)
	}
	events, err := db.SharedAccountEvents(ctx, time.Now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range events {
		got = append(got, e.Platform+"/"+e.ExternalID+" "+e.Kind+" "+e.FullName)
	}
	want := []string{
		"telegram/777 link " + an.FullName, "telegram/777 unlink " + an.FullName,
		"telegram/777 link " + binh.FullName, "telegram/777 unlink " + binh.FullName,
		"telegram/777 link " + em.FullName,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("events:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestSameAnswersOnCommonQuestions: identical answers are judged on the
// questions both attempts drew and answered, whatever else each drew. Bank
// Q1–Q8, key A everywhere, one unit, all submitted within four minutes;
// "-" is a question drawn but not answered:
//
//	attempt drew         answers  with 1
//	1       Q1–Q6        ABAAAC
//	2       Q1–Q5, Q7    ABAAAD   5 common, all alike, B on Q2 shared: listed
//	3       Q2–Q6, Q8    BAAACA   5 common (Q2–Q6), two wrong shared: listed
//	4       Q1–Q6        AB-AAC   5 answered by both, alike: listed
//	5       Q1–Q6        ABAADC   Q5 differs: with nobody
//
// 2 and 3 share Q2–Q5 only (4 < 5), 2 and 4 Q1, Q2, Q4, Q5 (4), 3 and 4
// Q2, Q4–Q6 (4): none listed. In unit U2, attempts 6, 7 and 8 answer as 1
// does, 7 and 8 at the same second, exactly ten minutes (the window) after
// 6: each two of them once.
func TestSameAnswersOnCommonQuestions(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	var b strings.Builder
	b.WriteString(`
INSERT INTO units (id, code, name) VALUES (1, 'U1', 'Sở Nội vụ'), (2, 'U2', 'UBND xã An Hòa');
INSERT INTO members (id, full_name, phone, unit_id) SELECT g, 'Người ' || g, '09120000' || lpad(g::text, 2, '0'),
	CASE WHEN g <= 5 THEN 1 ELSE 2 END FROM generate_series(1, 8) g;
INSERT INTO questions (id, code, text, options, correct) SELECT g, 'Q' || g, 'Câu ' || g, '{a,b,c,d}', 0 FROM generate_series(1, 8) g;
INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds) VALUES (1, 'c', 'Cuộc thi', 6, 600);
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
`)
	for i, a := range []struct {
		qs      []int
		answers string
		minutes int // after 08:55
	}{
		{[]int{1, 2, 3, 4, 5, 6}, "ABAAAC", 0},
		{[]int{1, 2, 3, 4, 5, 7}, "ABAAAD", 1},
		{[]int{2, 3, 4, 5, 6, 8}, "BAAACA", 2},
		{[]int{1, 2, 3, 4, 5, 6}, "AB-AAC", 3},
		{[]int{1, 2, 3, 4, 5, 6}, "ABAADC", 4},
		{[]int{1, 2, 3, 4, 5, 6}, "ABAAAC", 65},
		{[]int{1, 2, 3, 4, 5, 6}, "ABAAAC", 75},
		{[]int{1, 2, 3, 4, 5, 6}, "ABAAAC", 75},
	} {
		id := i + 1
		fmt.Fprintf(&b, "INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total) VALUES (%d, 1, %d, 1, 'telegram', '2026-03-03 08:50+07', '2026-03-03 11:00+07', '2026-03-03 08:55+07'::timestamptz + %d * interval '1 minute', %d, 6);\n",
			id, id, a.minutes, strings.Count(a.answers, "A"))
		// Positions in reverse question order: the comparison is by question.
		for p, q := range a.qs {
			chosen, ok := "NULL", "NULL"
			if c := a.answers[p]; c != '-' {
				chosen, ok = fmt.Sprint(int(c-'A')), fmt.Sprint(c == 'A')
			}
			fmt.Fprintf(&b, "INSERT INTO answers (attempt_id, position, question_id, option_order, chosen, is_correct) VALUES (%d, %d, %d, '{0,1,2,3}', %s, %s);\n",
				id, len(a.qs)-1-p, q, chosen, ok)
		}
	}
	if _, err := db.ExecContext(context.Background(), b.String()); err != nil {
		t.Fatalf("seed: %v", err)
	}
	want := []string{"1-2 common 5 wrong 1", "1-3 common 5 wrong 2", "1-4 common 5 wrong 2",
		"6-7 common 6 wrong 2", "6-8 common 6 wrong 2", "7-8 common 6 wrong 2"}
	check := func(how string) {
		t.Helper()
		pairs, err := db.SameAnswerPairs(context.Background(), 1, time.Date(2026, 3, 9, 1, 0, 0, 0, time.UTC),
			quiz.DefaultIntegrity.SameAnswersWindow, report.SameAnswersMinCommon)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range pairs {
			got = append(got, fmt.Sprintf("%d-%d common %d wrong %d", p.A.AttemptID, p.B.AttemptID, p.Common, p.SameWrong))
		}
		if strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Errorf("pairs, %s:\n%s\nwant\n%s", how, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	// Attempts inserted as they are here have no picks written: they are
	// computed from the answers. Then as a submission writes them.
	check("picks computed")
	if _, err := db.ExecContext(context.Background(), `UPDATE attempts SET picks = quizbot_attempt_picks(id) WHERE id % 2 = 0`); err != nil {
		t.Fatal(err)
	}
	check("picks of half the attempts written")
	if _, err := db.ExecContext(context.Background(), `UPDATE attempts SET picks = quizbot_attempt_picks(id)`); err != nil {
		t.Fatal(err)
	}
	check("picks written")
}

// The seeded contests of the benchmarks and of scripts/scale.sh write each
// attempt's correct count and picks by formula, not by submission: they must
// be what a submission writes, or the measured reports read other data.
func TestSeedScaleAttemptsAsSubmitted(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if err := storagetest.SeedScale(ctx, db, storagetest.Scale{Units: 5, Members: 40, Attempts: 100, Rounds: 2}); err != nil {
		t.Fatal(err)
	}
	var n, wrong int
	if err := db.QueryRowxContext(ctx, `SELECT count(*), count(*) FILTER (WHERE picks IS DISTINCT FROM quizbot_attempt_picks(id)
		OR correct <> (SELECT count(*) FROM answers WHERE attempt_id = attempts.id AND is_correct))
		FROM attempts`).Scan(&n, &wrong); err != nil {
		t.Fatal(err)
	}
	if n != 200 || wrong != 0 {
		t.Errorf("%d attempts, %d of them with picks or correct unlike a submission's; want 200 and 0", n, wrong)
	}
}

// A prediction is copied when three members give it, not three attempts:
// a member's second attempt with the same figure is no one else's.
func TestSamePredictionsCountsMembers(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `
INSERT INTO units (id, code, name) VALUES (1, 'U1', 'Sở Nội vụ');
INSERT INTO members (id, full_name, phone, unit_id) SELECT g, 'Người ' || g, '09120000' || lpad(g::text, 2, '0'), 1 FROM generate_series(1, 3) g;
INSERT INTO contests (id, code, name, questions_per_attempt, time_limit_seconds) VALUES (1, 'c', 'Cuộc thi', 5, 600);
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction) VALUES
	(1, 1, 1, 1, 'telegram', '2026-03-03 08:00+07', '2026-03-03 08:10+07', '2026-03-03 08:05+07', 5, 5, 20058),
	(2, 1, 1, 2, 'telegram', '2026-03-03 09:00+07', '2026-03-03 09:10+07', '2026-03-03 09:05+07', 5, 5, 20058),
	(3, 1, 2, 1, 'telegram', '2026-03-03 10:00+07', '2026-03-03 10:10+07', '2026-03-03 10:05+07', 5, 5, 20058);`); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	got := func() string {
		t.Helper()
		copies, err := db.SamePredictions(ctx, 1, now, report.SamePredictionMembers)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range copies {
			out = append(out, fmt.Sprintf("%d:%d", c.AttemptID, c.MemberID))
		}
		return strings.Join(out, " ")
	}
	if g := got(); g != "" {
		t.Errorf("two members, three attempts: %q, want none", g)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO members (id, full_name, phone, unit_id) VALUES (4, 'Người 4', '0912000004', 1);
		INSERT INTO attempts (id, round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction) VALUES
		(4, 1, 4, 1, 'telegram', '2026-03-03 11:00+07', '2026-03-03 11:10+07', '2026-03-03 11:05+07', 5, 5, 20058)`); err != nil {
		t.Fatal(err)
	}
	if g, want := got(), "1:1 2:1 3:2 4:4"; g != want {
		t.Errorf("three members: %q, want %q", g, want)
	}
}
