package quiz

import (
	"fmt"
	"time"
)

// Integrity holds the thresholds of the integrity signals report (`quizbot
// report signals`), from the contest file's `integrity:` section. Signals
// are for a person to judge: these figures decide what is listed, never a
// score.
type Integrity struct {
	// MinSecondsPerQuestion: an attempt submitted in less than this many
	// seconds per question it drew is listed as too fast. 0 turns the
	// signal off.
	MinSecondsPerQuestion int
	// SameAnswersWindow: attempts of one unit submitted at most this far
	// apart are compared for identical answers.
	SameAnswersWindow time.Duration
}

// DefaultIntegrity is what a contest file without `integrity:` gets: reading
// a question and 2–6 options on administrative law takes a civil servant
// more than 3 seconds; 10 minutes is about one attempt's length.
var DefaultIntegrity = Integrity{MinSecondsPerQuestion: 3, SameAnswersWindow: 10 * time.Minute}

// Bounds of the integrity thresholds.
const (
	MaxMinSecondsPerQuestion = 600
	MinSameAnswersWindow     = time.Minute
	MaxSameAnswersWindow     = 24 * time.Hour
)

// Problems lists what is wrong with the thresholds, with the contest file's
// field paths. The zero value stands for the defaults (a contest built
// without ApplyDefaults) and is accepted.
func (g Integrity) Problems() Problems {
	var ps Problems
	if g == (Integrity{}) {
		return nil
	}
	if g.MinSecondsPerQuestion < 0 || g.MinSecondsPerQuestion > MaxMinSecondsPerQuestion {
		ps = append(ps, Problem{Field: "integrity.min_seconds_per_question",
			Message: fmt.Sprintf("phải là số giây tròn từ 0 (tắt) đến %d, không được là %d", MaxMinSecondsPerQuestion, g.MinSecondsPerQuestion)})
	}
	switch w := g.SameAnswersWindow; {
	case w < MinSameAnswersWindow || w > MaxSameAnswersWindow:
		ps = append(ps, Problem{Field: "integrity.same_answers_window",
			Message: fmt.Sprintf("%s nằm ngoài khoảng 1m đến 24h (ví dụ 10m)", w)})
	case w%time.Second != 0:
		ps = append(ps, Problem{Field: "integrity.same_answers_window",
			Message: fmt.Sprintf("%s phải là một số giây tròn", w)})
	}
	return ps
}
