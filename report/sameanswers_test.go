package report

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// sheet makes a sheet from answers such as "1A 2B* 3C 4-": question,
// option letter, * when the option is wrong, - for no answer.
func sheet(attempt, member, unit int64, at time.Duration, answers string) AnswerSheet {
	s := AnswerSheet{AttemptID: attempt, MemberID: member, UnitID: unit, SubmittedAt: time.Date(2026, 3, 3, 9, 0, 0, 0, time.UTC).Add(at)}
	for _, a := range strings.Fields(answers) {
		var q int64
		var opt rune
		fmt.Sscanf(a, "%d%c", &q, &opt)
		o := int64(opt - 'A')
		if opt == '-' {
			o = Unanswered
		}
		v := (q*65536 + o + 32768) * 2
		if strings.HasSuffix(a, "*") {
			v++
		}
		s.Picks = append(s.Picks, v)
	}
	return s
}

func TestSameAnswersFinder(t *testing.T) {
	f := NewSameAnswers(10*time.Minute, 3)
	var got []string
	add := func(s AnswerSheet) {
		// Read the picks into a reused buffer, as storage does: a sheet
		// still in the window must keep its own.
		s.Picks = append(f.Buffer(), s.Picks...)
		for _, p := range f.Add(s) {
			got = append(got, fmt.Sprintf("%d/%d-%d/%d common %d wrong %d", p.A.AttemptID, p.A.MemberID, p.B.AttemptID, p.B.MemberID, p.Common, p.SameWrong))
		}
	}
	const minute = time.Minute
	// Unit 1.
	add(sheet(1, 5, 1, 0, "1A 2B* 3A 4A"))
	add(sheet(2, 3, 1, 1*minute, "4A 3A 2B* 1A"))                // in another order: listed, member 3 first
	add(sheet(3, 5, 1, 2*minute, "1A 2B* 3A 4A"))                // member 5 again: not with attempt 1
	add(sheet(4, 6, 1, 3*minute, "1A 2A 3A 4A"))                 // all right: no shared mistake
	add(sheet(5, 7, 1, 4*minute, "1A 2B* 5C*"))                  // two common questions only (< 3)
	add(sheet(6, 8, 1, 10*minute, "1A 2B* 3A 9D*"))              // exactly 10 min after 1: all but 4's and 5's
	add(sheet(7, 9, 1, 12*minute+time.Microsecond, "1A 2B* 3A")) // 1, 2 and 3 out of the window (3 by a microsecond)
	add(sheet(8, 4, 1, 13*minute, "1A 2B* 3B 4-"))               // differs on question 3
	// Unit 2: its first attempt is compared with nobody of unit 1.
	add(sheet(9, 1, 2, 13*minute, "1A 2B* 3A 4A 5-"))
	add(sheet(10, 2, 2, 14*minute, "1A 1A 2B* 3A 4- 5-")) // 4 and 5 unanswered: not compared // question 1 drawn twice: counted twice, as SQL counts pairs
	want := []string{
		"2/3-1/5 common 4 wrong 1",
		"2/3-3/5 common 4 wrong 1",
		"1/5-6/8 common 3 wrong 1", "2/3-6/8 common 3 wrong 1", "3/5-6/8 common 3 wrong 1",
		"6/8-7/9 common 3 wrong 1",
		"9/1-10/2 common 4 wrong 1",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("pairs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestComparePicksCountsWrongOfA(t *testing.T) {
	// The same option is normally wrong for both; were the key changed
	// between them, a's flag counts, as in the report's definition.
	a, b := sheet(1, 1, 1, 0, "1A 2B*"), sheet(2, 2, 1, 0, "1A* 2B 3C")
	if common, wrong, ok := comparePicks(a.Picks, b.Picks); !ok || common != 2 || wrong != 1 {
		t.Errorf("common %d wrong %d ok %v, want 2, 1, true", common, wrong, ok)
	}
	if _, _, ok := comparePicks(a.Picks, sheet(3, 3, 1, 0, "2C*").Picks); ok {
		t.Error("different options on question 2 compared alike")
	}
	if common, wrong, ok := comparePicks(a.Picks, sheet(3, 3, 1, 0, "5C*").Picks); !ok || common != 0 || wrong != 0 {
		t.Errorf("no common question: common %d wrong %d ok %v", common, wrong, ok)
	}
}
