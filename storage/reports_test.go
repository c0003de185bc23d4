package storage_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/report/reporttest"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func TestReportRoundAttempts(t *testing.T) {
	db := storagetest.NewDB(t)
	reporttest.Seed(t, db)
	ctx := context.Background()

	atts, err := db.RoundAttempts(ctx, reporttest.Round1, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	// One line per attempt: member 1's two, member 7's unsubmitted attempt
	// counted at its deadline with its two right answers, no round-2 attempt.
	var got []string
	for _, a := range atts {
		p := "-"
		if a.Prediction != nil {
			p = fmt.Sprint(*a.Prediction)
		}
		got = append(got, fmt.Sprintf("%d/%d %s %s %s active=%v %d/%d %ds p=%s at=%s",
			a.AttemptID, a.MemberID, a.FullName, a.Phone, a.UnitCode, a.Active, a.Correct, a.Total,
			a.DurationSeconds(), p, a.SubmittedAt.In(hcm).Format("01-02 15:04:05.0")))
	}
	want := []string{
		"1/1 Nguyễn Văn An 0912000001 SNV active=true 2/3 50s p=9 at=03-02 07:40:50.0",
		"2/1 Nguyễn Văn An 0912000001 SNV active=true 3/3 120s p=11 at=03-02 20:02:00.0",
		"3/2 Trần Thị Bình 0912000002 SNV active=true 3/3 90s p=7 at=03-03 10:00:00.4",
		"4/3 Phạm Văn Cường 0912000003 SGD active=true 3/3 200s p=9 at=03-02 08:03:20.0",
		"5/4 Vũ Thị Dung 0912000004 SGD active=true 3/3 90s p=11 at=03-04 14:01:30.9",
		"6/5 Hoàng Em 0912000005 SGD active=true 3/3 30s p=- at=03-05 11:00:30.0",
		"7/6 Đặng Thu Giang 0912000006 XA active=true 2/3 60s p=9 at=03-02 09:01:00.0",
		"8/7 Lê Thu Hà 0912000007 XA active=true 2/3 600s p=- at=03-05 15:10:00.0",
		"9/8 Lý Văn Hùng 0912000008 XA active=true 0/3 45s p=3 at=03-06 16:00:45.0",
		"10/9 Ngô Văn Khánh 0912000009 SNV active=false 1/3 100s p=9 at=03-03 08:01:40.0",
	}
	assertLines(t, got, want)

	// While member 7's attempt is still running it does not count yet.
	atts, err = db.RoundAttempts(ctx, reporttest.Round1, reporttest.DuringRound1)
	if err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(atts, func(a report.Attempt) bool { return a.MemberID == 7 }) {
		t.Error("an attempt before its deadline counted as closed")
	}

	atts, err = db.RoundAttempts(ctx, reporttest.Round2, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 || atts[0].MemberID != 11 {
		t.Errorf("round 2 attempts = %+v, want member 11's only", atts)
	}
}

func TestReportResultsRanking(t *testing.T) {
	db := storagetest.NewDB(t)
	reporttest.Seed(t, db)
	atts, err := db.RoundAttempts(context.Background(), reporttest.Round1, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	r := report.Rank(atts, quiz.PredictParticipants)
	if r.Actual != 9 {
		t.Fatalf("actual participants = %d, want 9", r.Actual)
	}
	var b strings.Builder
	if err := report.WriteCSV(&b, report.ResultsTable(r, hcm), false); err != nil {
		t.Fatal(err)
	}
	want := `rank,full_name,phone,unit_code,position,correct,total,duration_seconds,prediction,submitted_at
1,Phạm Văn Cường,0912000003,SGD,Phó Giám đốc,3,3,200,9,2026-03-02 08:03:20
2,Trần Thị Bình,0912000002,SNV,Chuyên viên,3,3,90,7,2026-03-03 10:00:00
3,Vũ Thị Dung,0912000004,SGD,Giáo viên,3,3,90,11,2026-03-04 14:01:30
4,Nguyễn Văn An,0912000001,SNV,Giám đốc,3,3,120,11,2026-03-02 20:02:00
5,Hoàng Em,0912000005,SGD,,3,3,30,,2026-03-05 11:00:30
6,Đặng Thu Giang,0912000006,XA,Chủ tịch UBND xã,2,3,60,9,2026-03-02 09:01:00
7,Lê Thu Hà,0912000007,XA,Công chức văn phòng,2,3,600,,2026-03-05 15:10:00
8,Ngô Văn Khánh,0912000009,SNV,Chuyên viên,1,3,100,9,2026-03-03 08:01:40
9,Lý Văn Hùng,0912000008,XA,Công chức địa chính,0,3,45,3,2026-03-06 16:00:45
`
	assertLines(t, strings.Split(b.String(), "\n"), strings.Split(want, "\n"))

	// Counting perfect scores instead: members 1–5.
	if r := report.Rank(atts, quiz.PredictPerfect); r.Actual != 5 {
		t.Errorf("actual perfect = %d, want 5", r.Actual)
	}
}

func TestReportUnitRostersAndFigures(t *testing.T) {
	db := storagetest.NewDB(t)
	reporttest.Seed(t, db)
	ctx := context.Background()
	// An organizer previewed as Phúc in the web chat: that is not Phúc
	// verifying, and the figures below stay as they were.
	if _, err := db.ExecContext(ctx, `INSERT INTO identities (member_id, platform, external_id, chat_id) VALUES (13, 'web', 'web-13', 'web-13')`); err != nil {
		t.Fatal(err)
	}
	roster, err := db.UnitRosters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []report.UnitRoster{
		{Code: "SGD", Name: "Sở Giáo dục và Đào tạo", Staff: 6, Verified: 5, WebOnly: 1}, // Phúc: the web chat only
		{Code: "SNV", Name: "Sở Nội vụ", Staff: 3, Verified: 2},
		{Code: "XA", Name: "UBND xã An Hòa", Staff: 3, Verified: 3},
		{Code: "XB", Name: "UBND xã Bình Minh", Staff: 0, Verified: 0},
	}
	if !slices.Equal(roster, want) {
		t.Fatalf("rosters =\n%+v\nwant\n%+v", roster, want)
	}
	atts, err := db.RoundAttempts(ctx, reporttest.Round1, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := report.WriteCSV(&b, report.UnitsTable(report.Units(roster, atts)), false); err != nil {
		t.Fatal(err)
	}
	assertLines(t, strings.Split(b.String(), "\n"), []string{
		"unit_code,unit_name,staff,verified,participated,participation_pct,avg_correct,zero_scores",
		"SGD,Sở Giáo dục và Đào tạo,6,5,3,50.0,3.00,0",
		"SNV,Sở Nội vụ,3,2,2,66.7,3.00,0", // the member who left is not counted
		"XA,UBND xã An Hòa,3,3,3,100.0,1.33,1",
		"XB,UBND xã Bình Minh,0,0,0,,,0",
		"",
	})
}

func TestReportAbsentMembers(t *testing.T) {
	db := storagetest.NewDB(t)
	reporttest.Seed(t, db)
	ctx := context.Background()
	absent, err := db.AbsentMembers(ctx, reporttest.Round1, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := report.WriteCSV(&b, report.AbsentTable(absent), false); err != nil {
		t.Fatal(err)
	}
	// Names the Vietnamese way within a unit (Đ after D, before E).
	assertLines(t, strings.Split(b.String(), "\n"), []string{
		"unit_code,full_name,phone,position,verified,reason",
		"SGD,Bùi Văn Phúc,0912000013,Bảo vệ,không,đi công tác",
		"SGD,Lê Văn Long,0912000011,Kế toán,có,nghỉ phép",
		"SGD,Phan Thị Nga,0912000012,Giáo viên,có,",
		"SNV,Đỗ Minh,0912000010,Văn thư,không,chưa kích hoạt",
		"",
	})

	// Mid-round, member 7's running attempt does not count yet.
	absent, err = db.AbsentMembers(ctx, reporttest.Round1, reporttest.DuringRound1)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(absent, func(a report.Absent) bool { return a.MemberID == 7 && a.Verified && a.Reason() == "" }) {
		t.Errorf("member 7 not absent mid-attempt: %+v", absent)
	}

	// Round 2: member 11 took part; member 10's excuse is for round 2.
	absent, err = db.AbsentMembers(ctx, reporttest.Round2, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, a := range absent {
		lines = append(lines, fmt.Sprintf("%d %s", a.MemberID, a.Reason()))
	}
	assertLines(t, lines, []string{
		"13 chưa kích hoạt", "5 ", "3 ", "12 ", "4 ", // SGD: Bùi, Hoàng, Phạm, Phan (m < n; the tone counts only after the letters), Vũ
		"10 nghỉ ốm", "1 ", "2 ", // SNV: Đỗ, Nguyễn, Trần (byte order put Đ after Z)
		"6 ", "7 ", "8 ", // XA: Đặng, Lê, Lý
	})
}

func assertLines(t *testing.T, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("got\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
}

// BenchmarkReportRound measures the three reports' queries and layout on a
// province-sized round.
// seedReportRound adds a province-sized round to the fixture: 200 more units,
// 25,000 active members, 21,000 of them taking part with up to three
// attempts each.
func seedReportRound(tb testing.TB) *storage.DB {
	db := storagetest.NewDB(tb)
	reporttest.Seed(tb, db)
	if _, err := db.ExecContext(context.Background(), `
		INSERT INTO units (id, code, name) SELECT 1000 + u, 'B' || u, 'Đơn vị ' || u FROM generate_series(1, 200) u;
		INSERT INTO members (id, full_name, phone, unit_id, position)
			SELECT 1000 + m, 'Cán bộ ' || m, '09' || lpad(m::text, 8, '0'), 1001 + m % 200, 'Chuyên viên'
			FROM generate_series(1, 25000) m;
		INSERT INTO identities (member_id, platform, external_id, chat_id)
			SELECT 1000 + m, 'telegram', 'b' || m, 'b' || m FROM generate_series(1, 24000) m;
		INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction)
			SELECT 1, 1000 + m, s, 'telegram', t, t + interval '20 minutes', t + (m % 1200) * interval '1 second',
				(m * s) % 21, 20, CASE WHEN m % 7 = 0 THEN NULL ELSE m % 30000 END
			FROM generate_series(1, 21000) m, generate_series(1, 3) s,
				LATERAL (SELECT timestamptz '2026-03-02 08:00+07' + (m * 10 + s * 3600) * interval '1 second' AS t) x
			WHERE s = 1 OR m % s = 0;
		ANALYZE;`); err != nil {
		tb.Fatal(err)
	}
	return db
}

// BenchmarkReportRound measures the three reports' queries as `quizbot
// report results|units|absent` runs them, streamed, on a province-sized
// round.
func BenchmarkReportRound(b *testing.B) {
	db := seedReportRound(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		results := 0
		if err := db.EachResult(ctx, reporttest.Round1, 9, reporttest.Now, func(report.Result) error {
			results++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		units, err := db.UnitResults(ctx, reporttest.Round1, reporttest.Now)
		if err != nil {
			b.Fatal(err)
		}
		absent := 0
		if err := db.EachAbsent(ctx, reporttest.Round1, reporttest.Now, func(report.Absent) error {
			absent++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if results != 21009 || len(units) != 204 || absent != 4004 {
			b.Fatalf("%d results, %d units, %d absent", results, len(units), absent)
		}
	}
}

// seedTies adds to the fixture's round 1 a few hundred attempts tied at
// every level of the ranking rule: correct answers, prediction distance
// (both sides of the actual figure, and none), whole seconds of duration
// (with different fractions), submission time, plus members with several
// attempts and members who left the roster.
func seedTies(tb testing.TB, db *storage.DB) {
	tb.Helper()
	if _, err := db.ExecContext(context.Background(), `
		INSERT INTO units (id, code, name) SELECT 1000 + u, 'T' || u, 'Đơn vị ' || u FROM generate_series(1, 7) u;
		INSERT INTO members (id, full_name, phone, unit_id, position, active)
			SELECT 1000 + m, (ARRAY['Đỗ','Dương','Nguyễn','Bùi'])[1 + m % 4] || ' Văn ' || m, '09' || lpad(m::text, 8, '0'),
				1001 + m % 7, 'Chuyên viên', m % 50 <> 0
			FROM generate_series(1, 300) m;
		INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total, prediction)
			SELECT 1, 1000 + m, s, 'telegram', t, t + interval '20 minutes',
				t + (m % 3) * interval '1 second' + (m % 2) * interval '400 milliseconds',
				(m + s) % 4, 3, CASE WHEN m % 5 = 0 THEN NULL ELSE 300 + (m % 3 - 1) * (m % 4) END
			FROM generate_series(1, 240) m, generate_series(1, 2) s,
				LATERAL (SELECT timestamptz '2026-03-02 08:00+07' + (m % 11) * interval '1 minute' AS t) x
			WHERE s = 1 OR m % 3 = 0;
		ANALYZE;`); err != nil {
		tb.Fatal(err)
	}
}

// The results report ranked by PostgreSQL, streamed, is the ranking
// report.RankAt computes from every attempt in Go, line for line; the
// units' figures aggregated by PostgreSQL are report.Units'.
func TestReportStreamedAgreesWithGo(t *testing.T) {
	db := storagetest.NewDB(t)
	reporttest.Seed(t, db)
	seedTies(t, db)
	ctx := context.Background()
	c, err := db.ContestByCode(ctx, reporttest.ContestCode)
	if err != nil {
		t.Fatal(err)
	}
	atts, err := db.RoundAttempts(ctx, reporttest.Round1, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	for _, actual := range []int64{9, 300, 250} {
		want := report.ResultsTable(report.RankAt(atts, c.PredictionTarget, actual), hcm)
		var got [][]any
		if err := db.EachResult(ctx, reporttest.Round1, actual, reporttest.Now, func(x report.Result) error {
			got = append(got, report.ResultsRow(x, hcm))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if len(got) != 249 {
			t.Fatalf("actual %d: %d results, want 249", actual, len(got))
		}
		var w, g strings.Builder
		if err := report.WriteCSV(&w, want, false); err != nil {
			t.Fatal(err)
		}
		if err := report.WriteCSV(&g, report.Table{Name: "results", Columns: report.ResultsColumns, Rows: got}, false); err != nil {
			t.Fatal(err)
		}
		if g.String() != w.String() {
			t.Errorf("actual %d: streamed results differ from report.RankAt's:\n%s", actual, firstDiff(g.String(), w.String()))
		}
	}

	// The widths query's figures are at least the report's.
	longest, err := db.ResultsLongest(ctx, reporttest.Round1)
	if err != nil {
		t.Fatal(err)
	}
	exact, err := report.ResultsTable(report.RankAt(atts, c.PredictionTarget, 9), hcm).Stream().Longest()
	if err != nil {
		t.Fatal(err)
	}
	for i := range exact {
		if longest[i] < exact[i] {
			t.Errorf("column %s: longest %d, report's %d", report.ResultsColumns[i], longest[i], exact[i])
		}
	}

	roster, err := db.UnitRosters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, now := range []time.Time{reporttest.Now, reporttest.DuringRound1} {
		units, err := db.UnitResults(ctx, reporttest.Round1, now)
		if err != nil {
			t.Fatal(err)
		}
		ratts, err := db.RoundAttempts(ctx, reporttest.Round1, now)
		if err != nil {
			t.Fatal(err)
		}
		if want := report.Units(roster, ratts); !slices.Equal(units, want) {
			t.Errorf("at %s: units =\n%+v\nwant\n%+v", now, units, want)
		}
	}
}

// firstDiff shows the first line where two texts differ.
func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := range min(len(g), len(w)) {
		if g[i] != w[i] {
			return fmt.Sprintf("line %d:\n  got  %s\n  want %s", i+1, g[i], w[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(g), len(w))
}
