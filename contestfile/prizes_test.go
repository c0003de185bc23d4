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
			`contest.yaml:L1: prizes.round.nhat: -1 prizes: write a whole number from 0`},
		{"no prize at all", "prizes:\n  contest: {nhat: 0}\n",
			`contest.yaml:L1: prizes.contest: no prize of any grade: give at least one of nhat, nhi, ba, khuyen_khich, or leave contest out`},
		{"floor over 1", "prizes:\n  units: {nhat: 1, min_participation: 80}\n",
			`contest.yaml:L1: prizes.units.min_participation: 80 is not a share: write it between 0 and 1 (0.8 for 80%)`},
		{"misspelled grade", "prizes:\n  round: {nhat: 1, khuyenkhich: 2}\n",
			`contest.yaml:L1: prizes.round.khuyenkhich: unknown field; did you mean "khuyen_khich"?`},
		{"unit cap on units", "prizes:\n  units: {nhat: 1, per_unit_max: 1}\n",
			`contest.yaml:L1: prizes.units.per_unit_max: unknown field; known fields here: nhat, nhi, ba, khuyen_khich, min_participation, min_staff`},
		{"text count", "prizes:\n  round: {nhat: một}\n",
			`contest.yaml:L1: prizes.round.nhat: expected a whole number, found text (một)`},
		{"negative min_staff", "prizes:\n  units: {nhat: 1, min_staff: -5}\n",
			`contest.yaml:L1: prizes.units.min_staff: -5: write the smallest staff a unit needs to compete, from 0`},
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
