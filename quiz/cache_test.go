package quiz

import (
	"testing"
	"time"
)

func TestQuestionCacheDropsExpiredQuestions(t *testing.T) {
	clock := NewFakeClock(time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC))
	s := NewService(nil, nil, clock)
	for week := range 10 {
		// Each week draws from a new pool of questions.
		for i := range 1000 {
			s.remember(Question{ID: int64(week*1000 + i), Text: "câu hỏi"})
		}
		clock.Advance(7 * 24 * time.Hour)
	}
	s.remember(Question{ID: 1_000_000})
	if n := len(s.questions); n > 1000 {
		t.Fatalf("the cache holds %d questions, most of them expired", n)
	}
	if _, ok := s.questions[1_000_000]; !ok {
		t.Fatal("the question just drawn is not cached")
	}
}
