package report_test

import (
	"strings"
	"testing"

	"quizbot/report"
)

func feed[T any](xs []T) func() (T, bool, error) {
	return func() (T, bool, error) {
		var zero T
		if len(xs) == 0 {
			return zero, false, nil
		}
		x := xs[0]
		xs = xs[1:]
		return x, true, nil
	}
}

func awardLines[T any](as []report.Award[T], name func(T) string) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(a.Grade + " " + name(a.Who) + "\n")
	}
	return b.String()
}

// Two members of one unit tied: a cap of 1 cannot choose between them, so
// both win and the committee is told; the next unit's member still wins.
func TestAwardMembersCapCannotSplitATie(t *testing.T) {
	t.Parallel()
	es := []report.Entry{
		{Rank: 1, FullName: "Trần Bình", UnitCode: "A", Active: true},
		{Rank: 1, FullName: "Đỗ An", UnitCode: "A", Active: true},
		{Rank: 3, FullName: "Lê Cường", UnitCode: "A", Active: true},
		{Rank: 4, FullName: "Vũ Dung", UnitCode: "B", Active: true},
	}
	as, ties, err := report.AwardMembers(report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 2}, PerUnitMax: 1}, feed(es))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := awardLines(as, func(e report.Entry) string { return e.FullName }), "nhat Đỗ An\nnhat Trần Bình\nnhi Vũ Dung\n"; got != want {
		t.Errorf("awards:\n%s\nwant:\n%s", got, want)
	}
	var msgs []string
	for _, x := range ties {
		msgs = append(msgs, x.String())
	}
	want := "rank 1 (Đỗ An, Trần Bình): 2 tied across grades: all get nhat, the grades below shrink|" +
		"rank 1 (Đỗ An, Trần Bình): 2 tied members of unit A exceed its cap of 1: all get nhat"
	if got := strings.Join(msgs, "|"); got != want {
		t.Errorf("ties:\n%s\nwant:\n%s", got, want)
	}
	// The same for the workbook.
	msgs = msgs[:0]
	for _, x := range ties {
		msgs = append(msgs, x.Vietnamese())
	}
	want = "Đồng hạng 1 (Đỗ An, Trần Bình): 2 người bằng nhau ở mọi tiêu chí, trải qua nhiều mức giải: tất cả cùng nhận Giải Nhất, số giải các mức sau giảm tương ứng.|" +
		"Đồng hạng 1 (Đỗ An, Trần Bình): 2 người của đơn vị A bằng nhau ở mọi tiêu chí, vượt mức tối đa 1 giải một đơn vị: tất cả cùng nhận Giải Nhất."
	if got := strings.Join(msgs, "|"); got != want {
		t.Errorf("ties in Vietnamese:\n%s\nwant:\n%s", got, want)
	}
}

// Units tied on rate and average share the first prize; the second
// shrinks; an ineligible unit keeps its rank and wins nothing.
func TestAwardUnitsTie(t *testing.T) {
	t.Parallel()
	us := []report.UnitEntry{
		{Rank: 1, Code: "X", Name: "Xã Tân An", Eligible: false},
		{Rank: 2, Code: "B", Name: "Phòng B", Eligible: true},
		{Rank: 2, Code: "A", Name: "Phòng A", Eligible: true},
		{Rank: 4, Code: "C", Name: "Phòng C", Eligible: true},
		{Rank: 5, Code: "D", Name: "Phòng D", Eligible: true},
	}
	as, ties, err := report.AwardUnits(report.UnitPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 1}}, feed(us))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := awardLines(as, func(u report.UnitEntry) string { return u.Code }), "nhat A\nnhat B\nba C\n"; got != want {
		t.Errorf("awards:\n%s\nwant:\n%s", got, want)
	}
	if len(ties) != 1 || !strings.Contains(ties[0].String(), "rank 2 (Phòng A, Phòng B): 2 tied across grades") {
		t.Errorf("ties = %v", ties)
	}
}
