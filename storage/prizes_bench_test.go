package storage_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// benchPrizesSQL seeds n/200 units, n/2 members and n attempts (two per
// member) in round 1 of a closed contest, 20 questions each, with scores,
// durations and predictions spread so that ties are few but real.
func benchPrizesSQL(n int) string {
	units := strconv.Itoa(n / 200)
	return strings.NewReplacer("$U", units, "$W", strconv.Itoa(max(3, len(units))), "$M", strconv.Itoa(n/2)).Replace(`
INSERT INTO units (id, code, name) SELECT i, 'U' || lpad(i::text, $W, '0'), 'Đơn vị ' || i FROM generate_series(1, $U) i;
INSERT INTO members (id, full_name, phone, unit_id, position)
	SELECT i, (ARRAY['Nguyễn','Trần','Lê','Phạm','Đặng','Đỗ','Dương'])[1 + i % 7] || ' Văn ' || i,
		'09' || lpad(i::text, 8, '0'), 1 + i % $U, 'Chuyên viên'
	FROM generate_series(1, $M) i;
INSERT INTO contests (id, code, name, timezone, questions_per_attempt, time_limit_seconds, attempts_per_round, prediction, prediction_target)
	VALUES (1, 'bench', 'Bench', 'Asia/Ho_Chi_Minh', 20, 1200, 3, 'Bao nhiêu người?', 'participants');
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction)
	SELECT 1, m, s, 'telegram',
		'2026-03-02 08:00+07'::timestamptz + (m * 2 + s) * interval '1 second',
		'2026-03-02 08:20+07'::timestamptz + (m * 2 + s) * interval '1 second',
		'2026-03-02 08:00+07'::timestamptz + (m * 2 + s) * interval '1 second' + (30 + (m * 7 + s * 13) % 900) * interval '1 second',
		CASE WHEN m % 50 = 0 THEN 0 ELSE (m * 31 + s * 17) % 21 END, 20, 40000 + (m * 97 + s) % 20000
	FROM generate_series(1, $M) m, generate_series(1, 2) s;
ANALYZE;`)
}

func benchPrizes(b *testing.B, n int) (*storage.DB, quiz.Contest) {
	b.Helper()
	db := storagetest.NewDB(b)
	if _, err := db.ExecContext(context.Background(), benchPrizesSQL(n)); err != nil {
		b.Fatal(err)
	}
	c, err := db.ContestByCode(context.Background(), "bench")
	if err != nil {
		b.Fatal(err)
	}
	return db, c
}

// BenchmarkPrizesRound100k is `report prizes --round 1` at 100,000
// attempts: the frozen actual figure, the ranking computed by PostgreSQL and
// read only as far as the 6 prizes (per_unit_max 1) need. The 1M variants
// of this file's benchmarks are the same at 1,000,000 attempts, 500,000
// members in 5,000 units:
//
//	scripts/test.sh -run '^$' -bench 'Prizes.*1M|ZeroScores1M' -benchtime 3x -timeout 60m ./storage/
func BenchmarkPrizesRound100k(b *testing.B) { benchPrizesRound(b, 100_000) }
func BenchmarkPrizesRound1M(b *testing.B)   { benchPrizesRound(b, 1_000_000) }

func benchPrizesRound(b *testing.B, n int) {
	db, c := benchPrizes(b, n)
	ctx := context.Background()
	r, _ := c.RoundByNumber(1)
	p := report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 2, Ba: 3}, PerUnitMax: 1}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		act, _, err := db.RoundActual(ctx, c, r, reporttestNow)
		if err != nil {
			b.Fatal(err)
		}
		st, err := db.RoundRanking(ctx, r.ID, act, reporttestNow)
		if err != nil {
			b.Fatal(err)
		}
		awards, _, err := report.AwardMembers(p, st.Next)
		st.Close()
		if err != nil || len(awards) != 6 {
			b.Fatalf("%d awards, %v", len(awards), err)
		}
	}
}

// BenchmarkPrizesUnits100k is `report prizes --contest --units`.
func BenchmarkPrizesUnits100k(b *testing.B) { benchPrizesUnits(b, 100_000) }
func BenchmarkPrizesUnits1M(b *testing.B)   { benchPrizesUnits(b, 1_000_000) }

func benchPrizesUnits(b *testing.B, n int) {
	db, _ := benchPrizes(b, n)
	ctx := context.Background()
	p := report.UnitPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 2, Ba: 2}, MinParticipation: 0.5, MinStaff: 5}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		st, err := db.UnitRanking(ctx, []int64{1}, reporttestNow, p)
		if err != nil {
			b.Fatal(err)
		}
		awards, _, err := report.AwardUnits(p, st.Next)
		st.Close()
		if err != nil || len(awards) == 0 {
			b.Fatalf("%d awards, %v", len(awards), err)
		}
	}
}

// BenchmarkZeroScores100k is `report zeros --round 1` (1,000 named; 10,000
// at 1M).
func BenchmarkZeroScores100k(b *testing.B) { benchZeroScores(b, 100_000) }
func BenchmarkZeroScores1M(b *testing.B)   { benchZeroScores(b, 1_000_000) }

func benchZeroScores(b *testing.B, n int) {
	db, c := benchPrizes(b, n)
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		z, err := db.ZeroScores(ctx, 1, reporttestNow, c.Location())
		if err != nil || len(z) != n/100 {
			b.Fatalf("%d zeros, %v", len(z), err)
		}
	}
}

// reporttestNow is after the bench round settled.
var reporttestNow = time.Date(2026, 3, 14, 3, 0, 0, 0, time.UTC)

// BenchmarkPrizesContest100k is `report prizes --contest` over the round.
func BenchmarkPrizesContest100k(b *testing.B) { benchPrizesContest(b, 100_000) }
func BenchmarkPrizesContest1M(b *testing.B)   { benchPrizesContest(b, 1_000_000) }

func benchPrizesContest(b *testing.B, n int) {
	db, c := benchPrizes(b, n)
	ctx := context.Background()
	r, _ := c.RoundByNumber(1)
	p := report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 2, KhuyenKhich: 4}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		act, _, err := db.RoundActual(ctx, c, r, reporttestNow)
		if err != nil {
			b.Fatal(err)
		}
		st, err := db.ContestRanking(ctx, []int64{r.ID}, []int64{act}, reporttestNow)
		if err != nil {
			b.Fatal(err)
		}
		awards, _, err := report.AwardMembers(p, st.Next)
		st.Close()
		if err != nil || len(awards) < 8 {
			b.Fatalf("%d awards, %v", len(awards), err)
		}
	}
}
