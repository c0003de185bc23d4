package report_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/report"
)

var t0 = time.Date(2026, 3, 2, 1, 0, 0, 0, time.UTC) // 08:00 in Vietnam

func pred(n int64) *int64 { return &n }

// att is an attempt of member id that started at t0+start and took dur.
func att(id int64, correct int, dur, start time.Duration, p *int64) report.Attempt {
	return report.Attempt{
		AttemptID: id*10 + int64(start/time.Hour), MemberID: id, FullName: fmt.Sprintf("M%d", id),
		UnitCode: "U", Active: true, Correct: correct, Total: 10,
		StartedAt: t0.Add(start), SubmittedAt: t0.Add(start + dur), Prediction: p,
	}
}

func members(r report.Ranking) []int64 {
	var ids []int64
	for _, x := range r.Results {
		ids = append(ids, x.MemberID)
	}
	return ids
}

func TestRankOrdersByCorrectThenPredictionThenDurationThenSubmission(t *testing.T) {
	s := time.Second
	atts := []report.Attempt{
		// 9 correct ranks after every 10, whatever its prediction.
		att(1, 9, 10*s, 0, pred(8)),
		// Actual participants: 8. Distance 0 beats distance 1.
		att(2, 10, 300*s, 0, pred(9)),
		att(3, 10, 500*s, 0, pred(8)),
		// Distance 2 both sides: the shorter duration wins.
		att(4, 10, 120*s, 0, pred(10)),
		att(5, 10, 100*s, 0, pred(6)),
		// No prediction: after every prediction, even the fastest.
		att(6, 10, 5*s, 0, nil),
		// Same distance (1) and duration as member 2: the earlier submission wins.
		att(7, 10, 300*s, -time.Minute, pred(7)),
		// Identical to member 7 on every key: member id decides.
		att(8, 10, 300*s, -time.Minute, pred(7)),
	}
	r := report.Rank(atts, quiz.PredictParticipants)
	if r.Actual != 8 {
		t.Fatalf("actual = %d, want 8", r.Actual)
	}
	want := []int64{3, 7, 8, 2, 5, 4, 6, 1}
	if got := members(r); !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	for i, x := range r.Results {
		if x.Rank != i+1 {
			t.Errorf("result %d has rank %d", i, x.Rank)
		}
	}
	if d := r.Results[0].Distance; d != 0 {
		t.Errorf("distance of member 3 = %d, want 0", d)
	}
	if d := r.Results[4].Distance; d != 2 {
		t.Errorf("distance of member 5 = %d, want 2", d)
	}
}

func TestRankCountsEachMembersBestAttempt(t *testing.T) {
	s := time.Second
	h := time.Hour
	atts := []report.Attempt{
		att(1, 6, 60*s, 0, pred(100)),
		att(1, 8, 200*s, 1*h, pred(50)),
		att(1, 8, 150*s, 2*h, pred(2)), // best: 8 correct, shortest
		att(2, 7, 30*s, 0, pred(2)),
		// Member 3: same correct and duration twice, the earlier counts.
		att(3, 8, 150*s, 4*h, nil),
		att(3, 8, 150*s, 3*h, pred(3)),
	}
	best := report.Best(atts)
	if len(best) != 3 {
		t.Fatalf("best = %d attempts, want 3", len(best))
	}
	r := report.Rank(atts, quiz.PredictParticipants)
	if r.Actual != 3 {
		t.Fatalf("actual = %d, want 3 distinct members", r.Actual)
	}
	if got, want := members(r), []int64{3, 1, 2}; !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	m1 := r.Results[1]
	if m1.Correct != 8 || m1.DurationSeconds() != 150 || *m1.Prediction != 2 || m1.Distance != 1 {
		t.Errorf("member 1 counted %+v, want the 8-correct 150 s attempt predicting 2", m1.Attempt)
	}
	if m3 := r.Results[0]; !m3.StartedAt.Equal(t0.Add(3*h)) || m3.Prediction == nil || *m3.Prediction != 3 {
		t.Errorf("member 3 counted %+v, want the earlier attempt", m3.Attempt)
	}
}

func TestRankPerfectTargetAndWholeSeconds(t *testing.T) {
	ms := time.Millisecond
	atts := []report.Attempt{
		att(1, 10, 59800*ms, 0, pred(5)),
		att(2, 10, 59200*ms, 0, pred(1)), // 59 s like member 1, submitted earlier
		att(3, 9, 10000*ms, 0, pred(2)),
		att(3, 10, 70000*ms, time.Hour, nil), // member 3's best is perfect
		att(4, 3, 1000*ms, 0, pred(3)),
	}
	r := report.Rank(atts, quiz.PredictPerfect)
	if r.Actual != 3 {
		t.Fatalf("actual perfect = %d, want 3", r.Actual)
	}
	// Members 1 and 2 are both 2 off and both took 59 whole seconds, so the
	// earlier submission (member 2) wins; member 3's counted attempt has no
	// prediction.
	if got, want := members(r), []int64{2, 1, 3, 4}; !slices.Equal(got, want) {
		t.Fatalf("order = %v, want %v", got, want)
	}
	if d := r.Results[0].DurationSeconds(); d != 59 {
		t.Errorf("duration = %d, want 59 (rounded down)", d)
	}
}

func TestRankEmptyRound(t *testing.T) {
	r := report.Rank(nil, quiz.PredictParticipants)
	if r.Actual != 0 || len(r.Results) != 0 {
		t.Fatalf("empty round ranked %+v", r)
	}
}

func TestReportUnitsFigures(t *testing.T) {
	roster := []report.UnitRoster{
		{Code: "B", Name: "Bê", Staff: 3, Verified: 2},
		{Code: "A", Name: "A", Staff: 16, Verified: 16},
		{Code: "C", Name: "Chưa có ai", Staff: 0},
	}
	in := func(a report.Attempt, unit string, active bool) report.Attempt {
		a.UnitCode, a.Active = unit, active
		return a
	}
	s := time.Second
	atts := []report.Attempt{
		in(att(1, 7, s, 0, nil), "B", true),
		in(att(1, 9, s, time.Hour, nil), "B", true), // best of member 1: 9
		in(att(2, 0, s, 0, nil), "B", true),         // a zero score
		in(att(3, 10, s, 0, nil), "B", false),       // left the roster: not counted
		in(att(4, 5, s, 0, nil), "A", true),
	}
	got := report.Units(roster, atts)
	type row struct {
		code                    string
		participated, sum, zero int
		pct, avg                string
	}
	var rows []row
	for _, u := range got {
		r := row{code: u.Code, participated: u.Participated, sum: u.CorrectSum, zero: u.ZeroScores}
		if d, ok := u.ParticipationPct(); ok {
			r.pct = d.String()
		}
		if d, ok := u.AvgCorrect(); ok {
			r.avg = d.String()
		}
		rows = append(rows, r)
	}
	want := []row{
		{"A", 1, 5, 0, "6.3", "5.00"}, // 1/16 = 6.25% rounds half up
		{"B", 2, 9, 1, "66.7", "4.50"},
		{"C", 0, 0, 0, "", ""},
	}
	if !slices.Equal(rows, want) {
		t.Fatalf("units =\n%+v\nwant\n%+v", rows, want)
	}
}

func TestReportAbsentReason(t *testing.T) {
	for _, tc := range []struct {
		a    report.Absent
		want string
	}{
		{report.Absent{Verified: true}, ""},
		{report.Absent{Verified: false}, "chưa kích hoạt"},
		{report.Absent{Verified: false, Excuse: "nghỉ phép"}, "nghỉ phép"},
		{report.Absent{Verified: true, Excuse: "đi công tác"}, "đi công tác"},
	} {
		if got := tc.a.Reason(); got != tc.want {
			t.Errorf("%+v: reason %q, want %q", tc.a, got, tc.want)
		}
	}
}

func TestReportDecimal(t *testing.T) {
	for _, tc := range []struct {
		d           report.Decimal
		want, comma string
		f           float64
	}{
		{report.Decimal{Scaled: 667, Places: 1}, "66.7", "66,7", 66.7},
		{report.Decimal{Scaled: 1000, Places: 1}, "100.0", "100,0", 100},
		{report.Decimal{Scaled: 5, Places: 2}, "0.05", "0,05", 0.05},
		{report.Decimal{Scaled: 0, Places: 2}, "0.00", "0,00", 0},
		{report.Decimal{Scaled: -15, Places: 1}, "-1.5", "-1,5", -1.5},
		{report.Decimal{Scaled: 42}, "42", "42", 42},
	} {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("%+v = %q, want %q", tc.d, got, tc.want)
		}
		if got := tc.d.Float(); got != tc.f {
			t.Errorf("%+v float = %v, want %v", tc.d, got, tc.f)
		}
		if got := tc.d.Comma(); got != tc.comma {
			t.Errorf("%+v comma = %q, want %q", tc.d, got, tc.comma)
		}
	}
}

func TestReportParseKind(t *testing.T) {
	for _, k := range []string{"results", "units", "absent"} {
		if got, ok := report.ParseKind(k); !ok || string(got) != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, ok)
		}
	}
	if _, ok := report.ParseKind("Results"); ok {
		t.Error("ParseKind accepted Results")
	}
}
