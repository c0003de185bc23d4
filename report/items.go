package report

import (
	"fmt"
	"math/big"
	"strings"
)

// MaxOptions is the most options a question has (the bank's a–f).
const MaxOptions = 6

// MinAskedForFlags is how many times a question must have been asked before
// it is flagged: below that, one person's slip decides.
const MinAskedForFlags = 10

// RarePct is the share of answers under which a wrong option is "not
// working" (distractor analysis: fewer than 5% choose it).
const RarePct = 5

// LowDiscrimination is the discrimination under which a question is
// flagged as not telling strong from weak candidates.
var LowDiscrimination = big.NewRat(1, 10)

// QuestionStat is one question's item analysis over a round's (or a
// contest's) closed attempts, as storage computes it. Options are indexed in
// the bank's order (0 = a), whatever order each attempt showed them in.
type QuestionStat struct {
	Code     string
	Topic    string
	Round    int // 0: the whole contest
	Options  int // how many options the question has
	Key      int // the right option
	Asked    int64
	Answered int64 // asked minus left unanswered
	Correct  int64 // an unanswered question counts as missed
	Chosen   [MaxOptions]int64
	// The upper and lower 27% groups' weights among the attempts that drew
	// the question (fractional at tied cut-offs: see storage), how much of
	// that weight answered right, and the upper group's weight per option.
	UpperN, UpperCorrect, LowerN, LowerCorrect *big.Rat
	UpperChosen                                [MaxOptions]*big.Rat
}

// SetGroups reads the groups' weights from PostgreSQL's exact decimals.
func (s *QuestionStat) SetGroups(upperN, upperCorrect, lowerN, lowerCorrect string, upperChosen []string) error {
	parse := func(v string) (*big.Rat, error) {
		if v == "" {
			return new(big.Rat), nil
		}
		r, ok := new(big.Rat).SetString(v)
		if !ok {
			return nil, fmt.Errorf("not a number: %q", v)
		}
		return r, nil
	}
	var err error
	for _, p := range []struct {
		dst **big.Rat
		v   string
	}{{&s.UpperN, upperN}, {&s.UpperCorrect, upperCorrect}, {&s.LowerN, lowerN}, {&s.LowerCorrect, lowerCorrect}} {
		if *p.dst, err = parse(p.v); err != nil {
			return err
		}
	}
	for k := range s.UpperChosen {
		v := ""
		if k < len(upperChosen) {
			v = upperChosen[k]
		}
		if s.UpperChosen[k], err = parse(v); err != nil {
			return err
		}
	}
	return nil
}

// Facility is the share of the times asked that were answered right, with
// three decimals rounded half up; ok is false for a question never asked.
func (s QuestionStat) Facility() (Decimal, bool) {
	if s.Asked == 0 {
		return Decimal{}, false
	}
	return Decimal{Scaled: roundDiv(s.Correct*1000, s.Asked), Places: 3}, true
}

// discrimination is the upper group's share right minus the lower group's,
// exactly; ok is false when either group never drew the question.
func (s QuestionStat) discrimination() (*big.Rat, bool) {
	if s.UpperN == nil || s.LowerN == nil || s.UpperN.Sign() == 0 || s.LowerN.Sign() == 0 {
		return nil, false
	}
	u := new(big.Rat).Quo(s.UpperCorrect, s.UpperN)
	l := new(big.Rat).Quo(s.LowerCorrect, s.LowerN)
	return u.Sub(u, l), true
}

// Discrimination is discrimination() with three decimals, rounded half
// away from zero.
func (s QuestionStat) Discrimination() (Decimal, bool) {
	d, ok := s.discrimination()
	if !ok {
		return Decimal{}, false
	}
	return ratDecimal(d, 3), true
}

// ratDecimal rounds r to places decimals, half away from zero.
func ratDecimal(r *big.Rat, places int) Decimal {
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places)), nil)
	n := new(big.Int).Mul(new(big.Int).Abs(r.Num()), scale)
	n.Mul(n, big.NewInt(2))
	n.Add(n, r.Denom())
	n.Quo(n, new(big.Int).Mul(r.Denom(), big.NewInt(2)))
	if r.Sign() < 0 {
		n.Neg(n)
	}
	return Decimal{Scaled: n.Int64(), Places: places}
}

// Letter is an option's letter as in the bank file (0 = A).
func Letter(k int) string { return string(rune('A' + k)) }

// Flags are the question's warnings, machine-readable, joined by ";":
//   - wrong_key:X — the upper group chose distractor X more than the key
//     (X lists every such option, as in BC): check the answer key;
//   - never_missed — everyone who was asked it answered right;
//   - low_discrimination — discrimination under 0.1 (negative included):
//     strong and weak candidates do about as well, or the weak better;
//   - unpicked:X — nobody chose distractor X;
//   - rare:X — fewer than 5% of the answers chose distractor X.
//
// Nothing is flagged before the question was asked MinAskedForFlags times.
func (s QuestionStat) Flags() []string {
	if s.Asked < MinAskedForFlags {
		return nil
	}
	var flags, wrongKey, unpicked, rare []string
	for k := 0; k < s.Options && k < MaxOptions; k++ {
		if k == s.Key {
			continue
		}
		if s.UpperChosen[k] != nil && s.UpperChosen[s.Key] != nil && s.UpperChosen[k].Cmp(s.UpperChosen[s.Key]) > 0 {
			wrongKey = append(wrongKey, Letter(k))
		}
		switch {
		case s.Chosen[k] == 0:
			unpicked = append(unpicked, Letter(k))
		case s.Chosen[k]*100 < RarePct*s.Answered:
			rare = append(rare, Letter(k))
		}
	}
	if len(wrongKey) > 0 {
		flags = append(flags, "wrong_key:"+strings.Join(wrongKey, ""))
	}
	if s.Correct == s.Asked {
		flags = append(flags, "never_missed")
	} else if d, ok := s.discrimination(); ok && d.Cmp(LowDiscrimination) < 0 {
		flags = append(flags, "low_discrimination")
	}
	if len(unpicked) > 0 {
		flags = append(flags, "unpicked:"+strings.Join(unpicked, ""))
	}
	if len(rare) > 0 {
		flags = append(flags, "rare:"+strings.Join(rare, ""))
	}
	return flags
}

// KindQuestions is the item analysis report.
const KindQuestions Kind = "questions"

// QuestionsColumns are the item analysis report's columns.
var QuestionsColumns = []string{"question_code", "round", "topic", "asked", "answered", "facility", "discrimination",
	"key", "option_a", "option_b", "option_c", "option_d", "option_e", "option_f", "flags"}

// QuestionRow lays out one question: the round is empty for the whole
// contest, an option the question does not have is an empty cell (an option
// nobody chose is 0).
func QuestionRow(s QuestionStat) []any {
	row := make([]any, 0, len(QuestionsColumns))
	var round, fac, disc any
	if s.Round > 0 {
		round = s.Round
	}
	if d, ok := s.Facility(); ok {
		fac = d
	}
	if d, ok := s.Discrimination(); ok {
		disc = d
	}
	row = append(row, s.Code, round, s.Topic, s.Asked, s.Answered, fac, disc, Letter(s.Key))
	for k := range MaxOptions {
		if k < s.Options {
			row = append(row, s.Chosen[k])
		} else {
			row = append(row, nil)
		}
	}
	return append(row, strings.Join(s.Flags(), ";"))
}

// FlagsVI says the flags in Vietnamese, for the workbook's Câu hỏi sheet and
// anyone reading the report: "wrong_key:C;unpicked:D" becomes "Có thể sai
// đáp án: nhóm điểm cao chọn C nhiều hơn đáp án B; Phương án D không ai chọn".
func (s QuestionStat) FlagsVI() string {
	var out []string
	letters := func(xs string) string {
		parts := strings.Split(xs, "")
		return strings.Join(parts, ", ")
	}
	for _, f := range s.Flags() {
		code, arg, _ := strings.Cut(f, ":")
		switch code {
		case "wrong_key":
			out = append(out, fmt.Sprintf("Có thể sai đáp án: nhóm điểm cao chọn %s nhiều hơn đáp án %s", letters(arg), Letter(s.Key)))
		case "never_missed":
			out = append(out, "Không ai trả lời sai")
		case "low_discrimination":
			out = append(out, "Độ phân biệt thấp (dưới 0,1): câu hỏi không phân biệt được người nắm vững và người chưa nắm vững")
		case "unpicked":
			out = append(out, fmt.Sprintf("Phương án %s không ai chọn", letters(arg)))
		case "rare":
			out = append(out, fmt.Sprintf("Phương án %s ít người chọn (dưới %d%%)", letters(arg), RarePct))
		}
	}
	return strings.Join(out, "; ")
}
