package report_test

import (
	"math/big"
	"testing"

	"quizbot/report"
)

func TestQuestionFlagsVI(t *testing.T) {
	s := report.QuestionStat{Options: 4, Key: 1, Asked: 40, Answered: 40, Correct: 10,
		Chosen: [6]int64{29, 10, 1, 0}, UpperN: big.NewRat(10, 1), UpperCorrect: big.NewRat(1, 1),
		LowerN: big.NewRat(10, 1), LowerCorrect: big.NewRat(4, 1)}
	for k, v := range []int64{9, 1, 0, 0, 0, 0} {
		s.UpperChosen[k] = big.NewRat(v, 1)
	}
	if got, want := s.FlagsVI(), "Có thể sai đáp án: nhóm điểm cao chọn A nhiều hơn đáp án B; "+
		"Độ phân biệt thấp (dưới 0,1): câu hỏi không phân biệt được người nắm vững và người chưa nắm vững; "+
		"Phương án D không ai chọn; Phương án C ít người chọn (dưới 5%)"; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	s.Asked = 9 // under the minimum: no flag
	if got := s.FlagsVI(); got != "" {
		t.Errorf("flagged under the minimum: %s", got)
	}
}
