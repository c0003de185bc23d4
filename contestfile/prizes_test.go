package contestfile_test

import (
	"errors"
	"strings"
	"testing"

	"quizbot/contestfile"
	"quizbot/report"
)

const withPrizes = good + `prizes:
  round:   {nhat: 1, nhi: 2, ba: 3, khuyen_khich: 0, per_unit_max: 1}   # each round
  contest: {nhat: 1, nhi: 1, ba: 2, khuyen_khich: 4}
  units:   {nhat: 1, nhi: 2, ba: 2, min_participation: 0.8, min_staff: 5}
`

func TestContestFilePrizes(t *testing.T) {
	f, err := contestfile.Parse("contest.yaml", []byte(withPrizes))
	if err != nil {
		t.Fatal(err)
	}
	p := f.Prizes
	if p == nil || p.Round == nil || p.Contest == nil || p.Units == nil {
		t.Fatalf("prizes = %+v", p)
	}
	if *p.Round != (report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 2, Ba: 3}, PerUnitMax: 1}) ||
		*p.Contest != (report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1, Ba: 2, KhuyenKhich: 4}}) ||
		*p.Units != (report.UnitPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 2, Ba: 2}, MinParticipation: 0.8, MinStaff: 5}) {
		t.Errorf("prizes = %+v %+v %+v", *p.Round, *p.Contest, *p.Units)
	}
	if f, err := contestfile.Parse("contest.yaml", []byte(good)); err != nil || f.Prizes != nil {
		t.Errorf("a file without prizes: %+v, %v", f, err)
	}
}

func TestContestFilePrizesProblems(t *testing.T) {
	line := strings.Count(good, "\n") + 1 // the prizes: line
	for _, c := range []struct{ name, yaml, want string }{
		{"negative count", "prizes:\n  round: {nhat: -1, nhi: 2}\n",
			`contest.yaml:L1: prizes.round.nhat: -1 giải: ghi một số nguyên từ 0 trở lên`},
		{"no prize at all", "prizes:\n  contest: {nhat: 0}\n",
			`contest.yaml:L1: prizes.contest: chưa có giải nào: ghi ít nhất một trong nhat, nhi, ba, khuyen_khich, hoặc bỏ hẳn mục contest`},
		{"floor over 1", "prizes:\n  units: {nhat: 1, min_participation: 80}\n",
			`contest.yaml:L1: prizes.units.min_participation: 80 không phải tỉ lệ hợp lệ: ghi số từ 0 đến 1 (0.8 là 80%)`},
		{"misspelled grade", "prizes:\n  round: {nhat: 1, khuyenkhich: 2}\n",
			`contest.yaml:L1: prizes.round.khuyenkhich: không có trường này; có phải ý bạn là "khuyen_khich"?`},
		{"unit cap on units", "prizes:\n  units: {nhat: 1, per_unit_max: 1}\n",
			`contest.yaml:L1: prizes.units.per_unit_max: không có trường này; các trường hợp lệ ở đây: nhat, nhi, ba, khuyen_khich, min_participation, min_staff`},
		{"text count", "prizes:\n  round: {nhat: một}\n",
			`contest.yaml:L1: prizes.round.nhat: cần một số nguyên, nhưng gặp chữ (một)`},
		{"negative min_staff", "prizes:\n  units: {nhat: 1, min_staff: -5}\n",
			`contest.yaml:L1: prizes.units.min_staff: -5: ghi số biên chế tối thiểu để đơn vị được xét giải, từ 0 trở lên`},
	} {
		_, err := contestfile.Parse("contest.yaml", []byte(good+c.yaml))
		var fe *contestfile.Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		want := strings.ReplaceAll(c.want, "L1", itoa(line+1))
		if got := strings.Join(fe.Lines(), "\n"); got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, want)
		}
	}
}

func itoa(n int) string {
	s := ""
	for ; n > 0; n /= 10 {
		s = string(rune('0'+n%10)) + s
	}
	return s
}
