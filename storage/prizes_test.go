package storage_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/report/reporttest"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func prizesFixture(t *testing.T) (*storage.DB, quiz.Contest) {
	t.Helper()
	db := storagetest.NewDB(t)
	reporttest.SeedPrizes(t, db)
	c, err := db.ContestByCode(context.Background(), reporttest.PrizesContest)
	if err != nil {
		t.Fatal(err)
	}
	return db, c
}

func csvOf(t *testing.T, tb report.Table) string {
	t.Helper()
	var b bytes.Buffer
	if err := report.WriteCSV(&b, tb, false); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// rankingLines reads a whole ranking stream as "rank name correct dist dur".
func rankingLines(t *testing.T, st report.Stream[report.Entry]) []string {
	t.Helper()
	defer st.Close()
	var out []string
	for {
		e, ok, err := st.Next()
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			return out
		}
		d := "-"
		if e.Distance != nil {
			d = itoa(*e.Distance)
		}
		out = append(out, strings.Join([]string{itoa(e.Rank), e.FullName, itoa(e.Correct), d, itoa(e.DurationSeconds)}, " "))
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func roundOf(t *testing.T, c quiz.Contest, n int) quiz.Round {
	t.Helper()
	r, ok := c.RoundByNumber(n)
	if !ok {
		t.Fatalf("no round %d", n)
	}
	return r
}

func TestPrizesRoundRankingEveryLevel(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	ctx := context.Background()
	act, frozen, err := db.RoundActual(ctx, c, roundOf(t, c, 1), reporttest.PrizesNow)
	if err != nil || act != 13 || !frozen {
		t.Fatalf("round 1 actual = %d frozen=%v err=%v, want 13 participants, frozen", act, frozen, err)
	}
	st, err := db.RoundRanking(ctx, reporttest.PrizesRound1, act, reporttest.PrizesNow)
	if err != nil {
		t.Fatal(err)
	}
	assertLines(t, rankingLines(t, st), []string{
		"1 Ngô Văn Khánh 5 0 20",
		"2 Nguyễn Văn An 5 0 100", // best of two; distance 0 before Đức's 1
		"3 Đặng Văn Đức 5 1 200",  // distance beats a shorter time
		"4 Phạm Văn Dũng 5 2 40",  // 40 s attempt counts, not the 60 s one with the exact prediction
		"5 Lê Văn Cường 5 2 40",   // same figures, submitted an hour later
		"6 Trần Thị Bình 5 2 50",
		"7 Mai Văn Quang 5 - 30", // no prediction: after every one with one
		"8 Dương Thị Hoa 4 0 10", // fewer right: after every 5
		"9 Hoàng Em 4 - 5",
		"10 Hồ Văn Xuân 3 1 60", // equal on everything: one rank, shown as a tie
		"10 Đào Thị Yến 3 1 60",
		"12 Lý Văn Hùng 0 8 45",
		"13 Đinh Thị Lan 0 - 30",
	})
}

func TestPrizesRoundPerfectTarget(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `UPDATE contests SET prediction_target = 'perfect' WHERE id = $1`, c.ID); err != nil {
		t.Fatal(err)
	}
	c.PredictionTarget = quiz.PredictPerfect
	act, _, err := db.RoundActual(ctx, c, roundOf(t, c, 1), reporttest.PrizesNow)
	if err != nil || act != 7 {
		t.Fatalf("round 1 perfect scores = %d (%v), want 7", act, err)
	}
	st, err := db.RoundRanking(ctx, reporttest.PrizesRound1, act, reporttest.PrizesNow)
	if err != nil {
		t.Fatal(err)
	}
	got := rankingLines(t, st)[:7]
	assertLines(t, got, []string{
		"1 Lê Văn Cường 5 4 40",
		"2 Đặng Văn Đức 5 5 200",
		"3 Ngô Văn Khánh 5 6 20",
		"4 Nguyễn Văn An 5 6 100",
		"5 Phạm Văn Dũng 5 8 40",
		"6 Trần Thị Bình 5 8 50",
		"7 Mai Văn Quang 5 - 30",
	})
}

// awardRound runs a round's prizes as the report does.
func awardRound(t *testing.T, db *storage.DB, c quiz.Contest, n int, p report.IndividualPrizes, now time.Time) (string, []report.Tie) {
	t.Helper()
	ctx := context.Background()
	r := roundOf(t, c, n)
	act, _, err := db.RoundActual(ctx, c, r, now)
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.RoundRanking(ctx, r.ID, act, now)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	awards, ties, err := report.AwardMembers(p, st.Next)
	if err != nil {
		t.Fatal(err)
	}
	return csvOf(t, report.PrizesTable("prizes", awards)), ties
}

const prizesHeader = "prize,rank,full_name,phone,unit_code,position,correct,prediction_distance,duration_seconds\n"

func TestPrizesRoundAwardsActiveOnlyAndUnitCap(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	g := report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 2}
	// No cap: the first four active members; Khánh (rank 1) has left the
	// roster and wins nothing, but keeps his place in the ranking.
	got, ties := awardRound(t, db, c, 1, report.IndividualPrizes{GradeCounts: g}, reporttest.PrizesNow)
	want := prizesHeader +
		"nhat,2,Nguyễn Văn An,0912000001,UA,Trưởng phòng,5,0,100\n" +
		"nhi,3,Đặng Văn Đức,0912000005,UC,Chủ tịch,5,1,200\n" +
		"ba,4,Phạm Văn Dũng,0912000004,UB,'=1+1,5,2,40\n" +
		"ba,5,Lê Văn Cường,0912000003,UB,Chuyên viên,5,2,40\n"
	if got != want || len(ties) != 0 {
		t.Errorf("prizes without cap:\n%s\nwant:\n%s\nties %v", got, want, ties)
	}
	// One prize per unit: Cường (UB, Dũng won) and Bình (UA, An won) are
	// passed over for Quang (UD).
	got, _ = awardRound(t, db, c, 1, report.IndividualPrizes{GradeCounts: g, PerUnitMax: 1}, reporttest.PrizesNow)
	want = prizesHeader +
		"nhat,2,Nguyễn Văn An,0912000001,UA,Trưởng phòng,5,0,100\n" +
		"nhi,3,Đặng Văn Đức,0912000005,UC,Chủ tịch,5,1,200\n" +
		"ba,4,Phạm Văn Dũng,0912000004,UB,'=1+1,5,2,40\n" +
		"ba,7,Mai Văn Quang,0912000014,UD,Trạm trưởng,5,,30\n"
	if got != want {
		t.Errorf("prizes with per_unit_max 1:\n%s\nwant:\n%s", got, want)
	}
}

func TestPrizesTieNeverSettledSilently(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	// Eight active members before the tie at rank 10; the 9th and 10th
	// prizes are ba and khuyen_khich: both tied get ba, the grade below
	// shrinks, the committee is told. Tied names in Vietnamese order (Đ
	// before H), not by id.
	got, ties := awardRound(t, db, c, 1, report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 7, KhuyenKhich: 1}}, reporttest.PrizesNow)
	tail := "ba,10,Đào Thị Yến,0912000009,UB,Thủ quỹ,3,1,60\nba,10,Hồ Văn Xuân,0912000008,UB,Kế toán,3,1,60\n"
	if !strings.HasSuffix(got, tail) || strings.Contains(got, "khuyen_khich") {
		t.Errorf("tie across grades:\n%s\nwant it to end with:\n%s", got, tail)
	}
	if len(ties) != 1 || ties[0].String() != "rank 10 (Đào Thị Yến, Hồ Văn Xuân): 2 tied across grades: all get ba, the grades below shrink" {
		t.Errorf("ties = %v", ties)
	}
	// One prize left for the two: both get it, flagged.
	got, ties = awardRound(t, db, c, 1, report.IndividualPrizes{GradeCounts: report.GradeCounts{KhuyenKhich: 9}}, reporttest.PrizesNow)
	if strings.Count(got, "khuyen_khich,10,") != 2 || len(ties) != 1 ||
		ties[0].Message != "2 tied for the last 1 prize(s): all get khuyen_khich (more prizes than declared)" {
		t.Errorf("tie for the last prize:\n%s\nties %v", got, ties)
	}
}

func TestPrizesActualFrozenAndRerunIdentical(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	ctx := context.Background()
	r1 := roundOf(t, c, 1)
	// Before the last attempt could finish: a figure, not frozen.
	if act, frozen, err := db.RoundActual(ctx, c, r1, reporttest.Round1Unsettled); err != nil || frozen || act != 13 {
		t.Fatalf("unsettled actual = %d frozen=%v err=%v", act, frozen, err)
	}
	p := report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 7, KhuyenKhich: 1}}
	first, _ := awardRound(t, db, c, 1, p, reporttest.PrizesNow)
	// A correction after publication (an attempt removed, a member moved
	// off the roster) does not move the frozen figure: the distances stay.
	if _, err := db.ExecContext(ctx, `DELETE FROM attempts WHERE round_id = $1 AND member_id = 12`, reporttest.PrizesRound1); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE members SET active = false WHERE id = 13`); err != nil {
		t.Fatal(err)
	}
	if act, frozen, err := db.RoundActual(ctx, c, r1, reporttest.PrizesNow.Add(48*time.Hour)); err != nil || !frozen || act != 13 {
		t.Fatalf("frozen actual = %d frozen=%v err=%v, want 13", act, frozen, err)
	}
	again, _ := awardRound(t, db, c, 1, p, reporttest.PrizesNow.Add(48*time.Hour))
	if again != first {
		t.Errorf("re-run differs:\n%s\nfirst:\n%s", again, first)
	}
}

func TestPrizesContestRanking(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	ctx := context.Background()
	var ids, acts []int64
	for _, r := range c.Rounds {
		act, _, err := db.RoundActual(ctx, c, r, reporttest.PrizesNow)
		if err != nil {
			t.Fatal(err)
		}
		ids, acts = append(ids, r.ID), append(acts, act)
	}
	if acts[1] != 6 {
		t.Fatalf("round 2 actual = %d, want 6", acts[1])
	}
	st, err := db.ContestRanking(ctx, ids, acts, reporttest.PrizesNow)
	if err != nil {
		t.Fatal(err)
	}
	assertLines(t, rankingLines(t, st), []string{
		"1 Nguyễn Văn An 10 0 200",
		"2 Đặng Văn Đức 10 1 300",
		"3 Phạm Văn Dũng 10 3 80",
		"4 Mai Văn Quang 10 - 60", // a round without prediction: after all with
		"5 Lê Văn Cường 9 2 80",
		"6 Ngô Văn Khánh 5 0 20",
		"7 Trần Thị Bình 5 2 50",
		"8 Dương Thị Hoa 4 0 10",
		"9 Hoàng Em 4 - 5",
		"10 Đỗ Minh 3 0 100",
		"11 Hồ Văn Xuân 3 1 60",
		"11 Đào Thị Yến 3 1 60",
		"13 Lý Văn Hùng 0 8 45",
		"14 Đinh Thị Lan 0 - 30",
	})
}

func awardUnits(t *testing.T, db *storage.DB, c quiz.Contest, p report.UnitPrizes) string {
	t.Helper()
	ids := []int64{reporttest.PrizesRound1, reporttest.PrizesRound2}
	st, err := db.UnitRanking(context.Background(), ids, reporttest.PrizesNow, p)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	awards, _, err := report.AwardUnits(p, st.Next)
	if err != nil {
		t.Fatal(err)
	}
	return csvOf(t, report.UnitPrizesTable(awards))
}

func TestPrizesUnits(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	// UD: 2 of 2 (100%) but 1 staff, under min_staff 2. UB 6/8 = 75%. UA and
	// UC 5/8 = 62.5% each: UA's 22/5 = 4.40 right beats UC's 14/5 = 2.80.
	// Khánh (UA, inactive) counts nowhere.
	p := report.UnitPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 1}, MinParticipation: 0.6, MinStaff: 2}
	want := "prize,rank,unit_code,unit_name,staff,participation_pct,avg_correct\n" +
		"nhat,2,UB,Phòng B,4,75.0,4.17\n" +
		"nhi,3,UA,Phòng A,4,62.5,4.40\n" +
		"ba,4,UC,Xã C,4,62.5,2.80\n"
	if got := awardUnits(t, db, c, p); got != want {
		t.Errorf("unit prizes:\n%s\nwant:\n%s", got, want)
	}
	// A floor of 70% leaves UB alone; min_staff 1 lets UD win.
	p.MinParticipation, p.MinStaff = 0.7, 1
	want = "prize,rank,unit_code,unit_name,staff,participation_pct,avg_correct\n" +
		"nhat,1,UD,Trạm D,1,100.0,5.00\n" +
		"nhi,2,UB,Phòng B,4,75.0,4.17\n"
	if got := awardUnits(t, db, c, p); got != want {
		t.Errorf("unit prizes, floor 0.7:\n%s\nwant:\n%s", got, want)
	}
}

func TestZeroScoresByUnitNamed(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	z, err := db.ZeroScores(context.Background(), reporttest.PrizesRound1, reporttest.PrizesNow, c.Location())
	if err != nil {
		t.Fatal(err)
	}
	want := "unit_code,unit_name,full_name,phone,position,total,duration_seconds,submitted_at\n" +
		"UC,Xã C,Đinh Thị Lan,0912000012,Tư pháp,5,30,2026-03-06 10:00:30\n" +
		"UC,Xã C,Lý Văn Hùng,0912000010,Địa chính,5,45,2026-03-06 09:00:45\n"
	if got := csvOf(t, report.ZerosTable(z)); got != want {
		t.Errorf("zeros:\n%s\nwant:\n%s", got, want)
	}
}

func TestContestPrizesStored(t *testing.T) {
	t.Parallel()
	db, c := prizesFixture(t)
	ctx := context.Background()
	if _, ok, err := db.ContestPrizes(ctx, c.ID); err != nil || ok {
		t.Fatalf("prizes before any: ok=%v err=%v", ok, err)
	}
	p := &report.Prizes{Round: &report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 2, Ba: 3}, PerUnitMax: 1},
		Units: &report.UnitPrizes{GradeCounts: report.GradeCounts{Nhat: 1}, MinParticipation: 0.8, MinStaff: 5}}
	if err := db.SetContestPrizes(ctx, c.Code, p); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.ContestPrizes(ctx, c.ID)
	if err != nil || !ok || *got.Round != *p.Round || *got.Units != *p.Units || got.Contest != nil {
		t.Fatalf("prizes read back = %+v ok=%v err=%v", got, ok, err)
	}
}

// The /lydo list of a unit's absentees reads the Vietnamese way: Đinh after
// Dương, before Lý (byte order put Đ after Z).
func TestExcuseCandidatesVietnameseOrder(t *testing.T) {
	t.Parallel()
	db, _ := prizesFixture(t)
	ms, _, err := db.ExcuseCandidates(context.Background(), reporttest.PrizesRound2, 3, reporttest.PrizesNow)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range ms {
		got = append(got, m.FullName)
	}
	assertLines(t, got, []string{"Dương Thị Hoa", "Đinh Thị Lan", "Lý Văn Hùng"})
}
