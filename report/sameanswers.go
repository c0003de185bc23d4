package report

import (
	"slices"
	"time"
)

// AnswerSheet is one closed attempt's choices, for the identical-answers
// signal.
type AnswerSheet struct {
	AttemptID, MemberID, UnitID int64
	SubmittedAt                 time.Time
	// Picks are the drawn questions and the options chosen, sorted, as the
	// database writes them (storage/migrations/00028_attempt_picks.sql):
	// ((question × 65536) + option + 32768) × 2 + 1 if the option is wrong,
	// option 32767 for a question left unanswered.
	Picks []int64
}

// Unanswered is the option of a pick whose question was left unanswered.
const Unanswered = 32767

// PickOption is the option of a pick, or Unanswered.
func PickOption(p int64) int { return int((p>>1)&0xFFFF) - 32768 }

// SameAnswers finds the pairs of the identical-answers signal: two attempts
// by two members of one unit, submitted at most a window apart, that chose
// the same option on every question both answered, at least minCommon
// questions, with at least one wrong option chosen alike (two members who
// both know every answer agree without copying; sharing a mistake is the
// sign). Attempts draw their questions at random, so the comparison is on
// the questions they share, whatever their positions.
//
// The sheets come in (unit, submission time, attempt id) order, and only the
// current unit's last window of them is kept: a national round of a million
// attempts is compared in the memory of its busiest ten minutes.
type SameAnswers struct {
	window    time.Duration
	minCommon int
	recent    []AnswerSheet // the current unit's, oldest first
	free      [][]int64     // picks of sheets gone from recent, for reuse
}

// NewSameAnswers returns a finder for a window and a minimum of common
// questions.
func NewSameAnswers(window time.Duration, minCommon int) *SameAnswers {
	return &SameAnswers{window: window, minCommon: minCommon}
}

// Buffer returns an empty slice to read the next sheet's picks into: one
// that a sheet out of the window no longer needs, when there is one.
func (f *SameAnswers) Buffer() []int64 {
	if n := len(f.free); n > 0 {
		b := f.free[n-1]
		f.free = f.free[:n-1]
		return b[:0]
	}
	return nil
}

// Add compares the next sheet with the earlier ones of its unit in the
// window, and returns the pairs it makes, with A the attempt of the member
// with the lower id. Only AttemptID, MemberID and SubmittedAt of A and B are
// set. Add keeps x.Picks until the sheet leaves the window.
func (f *SameAnswers) Add(x AnswerSheet) []SamePair {
	// Only the answered questions are compared.
	x.Picks = slices.DeleteFunc(x.Picks, func(p int64) bool { return PickOption(p) == Unanswered })
	if !slices.IsSorted(x.Picks) {
		slices.Sort(x.Picks)
	}
	if len(f.recent) > 0 && f.recent[0].UnitID != x.UnitID {
		f.drop(len(f.recent))
	}
	from := x.SubmittedAt.Add(-f.window)
	n := 0
	for n < len(f.recent) && f.recent[n].SubmittedAt.Before(from) {
		n++
	}
	f.drop(n)
	var out []SamePair
	for _, y := range f.recent {
		if y.MemberID == x.MemberID {
			continue
		}
		a, b := y, x
		if x.MemberID < y.MemberID {
			a, b = x, y
		}
		common, sameWrong, ok := comparePicks(a.Picks, b.Picks)
		if ok && common >= f.minCommon && sameWrong >= 1 {
			out = append(out, SamePair{Common: common, SameWrong: sameWrong,
				A: SignalAttempt{AttemptID: a.AttemptID, SignalMember: SignalMember{MemberID: a.MemberID}, SubmittedAt: a.SubmittedAt},
				B: SignalAttempt{AttemptID: b.AttemptID, SignalMember: SignalMember{MemberID: b.MemberID}, SubmittedAt: b.SubmittedAt}})
		}
	}
	f.recent = append(f.recent, x)
	return out
}

// drop forgets the n oldest sheets of the window.
func (f *SameAnswers) drop(n int) {
	if n == 0 {
		return
	}
	for _, s := range f.recent[:n] {
		if s.Picks != nil {
			f.free = append(f.free, s.Picks)
		}
	}
	f.recent = append(f.recent[:0], f.recent[n:]...)
}

// comparePicks compares two sorted pick lists on the questions both
// answered: common counts the pairs of picks of one question (one per
// question when no question is drawn twice), sameWrong those with one option
// that is wrong in a. ok is false at the first pair of one question with
// two options: the attempts then differ, and the counts are left unfinished.
func comparePicks(a, b []int64) (common, sameWrong int, ok bool) {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		qa, qb := a[i]>>17, b[j]>>17
		switch {
		case qa < qb:
			i++
		case qa > qb:
			j++
		default:
			i2, j2 := i+1, j+1
			for i2 < len(a) && a[i2]>>17 == qa {
				i2++
			}
			for j2 < len(b) && b[j2]>>17 == qb {
				j2++
			}
			for _, u := range a[i:i2] {
				for _, v := range b[j:j2] {
					if u>>1 != v>>1 {
						return common, sameWrong, false
					}
					common++
					if u&1 == 1 {
						sameWrong++
					}
				}
			}
			i, j = i2, j2
		}
	}
	return common, sameWrong, true
}
