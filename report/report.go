// Package report turns a round's stored attempts and roster into the
// organizers' reports (results, units, absent) and writes them as CSV or
// XLSX. The rules (which attempt counts, how members rank, how a unit's
// figures are computed) are pure functions here; the SQL that feeds them
// lives in storage, and the weekly summaries reuse both.
package report

import (
	"cmp"
	"slices"
	"time"

	"quizbot/quiz"
)

// Attempt is one closed attempt of a round with the member who took it: the
// rows storage returns, one per attempt (a member may have several).
type Attempt struct {
	AttemptID   int64     `db:"attempt_id"`
	MemberID    int64     `db:"member_id"`
	FullName    string    `db:"full_name"`
	Phone       string    `db:"phone"` // national form, as stored
	UnitCode    string    `db:"unit_code"`
	Position    string    `db:"position"`
	Active      bool      `db:"active"` // still on the roster
	Correct     int       `db:"correct"`
	Total       int       `db:"total"`
	StartedAt   time.Time `db:"started_at"`
	SubmittedAt time.Time `db:"submitted_at"`
	Prediction  *int64    `db:"prediction"`
}

// DurationSeconds is the time the attempt took in whole seconds, rounded
// down. Ranking compares this figure, the one printed, so that anyone can
// check a published ranking from the sheet alone.
func (a Attempt) DurationSeconds() int64 {
	d := a.SubmittedAt.Sub(a.StartedAt)
	if d < 0 {
		return 0
	}
	return int64(d / time.Second)
}

// Perfect reports whether every answer of the attempt was right.
func (a Attempt) Perfect() bool { return a.Total > 0 && a.Correct == a.Total }

// better reports whether a beats b as the attempt that counts for a member,
// by the rule the chat uses too (quiz.Standing).
func better(a, b Attempt) bool { return a.standing().Beats(b.standing()) }

func (a Attempt) standing() quiz.Standing {
	return quiz.Standing{Correct: a.Correct, Seconds: a.DurationSeconds(), Submitted: a.SubmittedAt, ID: a.AttemptID}
}

// Best returns each member's counted attempt, ordered by member id. The input
// may hold any number of attempts per member, in any order.
func Best(attempts []Attempt) []Attempt {
	best := make(map[int64]Attempt, len(attempts))
	for _, a := range attempts {
		if b, ok := best[a.MemberID]; !ok || better(a, b) {
			best[a.MemberID] = a
		}
	}
	out := make([]Attempt, 0, len(best))
	for _, a := range best {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b Attempt) int { return cmp.Compare(a.MemberID, b.MemberID) })
	return out
}

// Actual returns the figure the prediction question asked for, from the
// members' counted attempts: how many members took part, or how many of them
// answered every question right. Members who have since left the roster
// count: they took part.
func Actual(target quiz.PredictionTarget, best []Attempt) int64 {
	if target == quiz.PredictPerfect {
		var n int64
		for _, a := range best {
			if a.Perfect() {
				n++
			}
		}
		return n
	}
	return int64(len(best))
}

// Result is one ranked member.
type Result struct {
	Rank int // 1..n, no ties
	Attempt
	// Distance is |prediction − actual|, meaningful only with a prediction.
	Distance int64
}

// Ranking is a round's results.
type Ranking struct {
	Target  quiz.PredictionTarget
	Actual  int64 // the figure predictions are measured against
	Results []Result
}

// Rank picks each member's counted attempt (see Best) and ranks the members:
// more correct answers first; then the prediction nearest the actual figure
// (a member without a prediction after every member with one); then the
// shorter duration in whole seconds; then the earlier submission; then the
// lower member id, so that the ranks are 1..n with no ties and the same on
// every run.
func Rank(attempts []Attempt, target quiz.PredictionTarget) Ranking {
	best := Best(attempts)
	return rank(best, target, Actual(target, best))
}

// RankAt is Rank measuring predictions against a given actual figure: the
// one frozen when the round settled (storage.RoundActual), so that the
// results report and the prizes agree for good.
func RankAt(attempts []Attempt, target quiz.PredictionTarget, actual int64) Ranking {
	return rank(Best(attempts), target, actual)
}

func rank(best []Attempt, target quiz.PredictionTarget, actual int64) Ranking {
	r := Ranking{Target: target, Actual: actual, Results: make([]Result, len(best))}
	for i, a := range best {
		r.Results[i] = Result{Attempt: a}
		if a.Prediction != nil {
			d := *a.Prediction - r.Actual
			if d < 0 {
				d = -d
			}
			r.Results[i].Distance = d
		}
	}
	slices.SortFunc(r.Results, compareResults)
	for i := range r.Results {
		r.Results[i].Rank = i + 1
	}
	return r
}

func compareResults(a, b Result) int {
	if c := cmp.Compare(b.Correct, a.Correct); c != 0 {
		return c
	}
	switch {
	case a.Prediction != nil && b.Prediction == nil:
		return -1
	case a.Prediction == nil && b.Prediction != nil:
		return 1
	case a.Prediction != nil:
		if c := cmp.Compare(a.Distance, b.Distance); c != 0 {
			return c
		}
	}
	if c := cmp.Compare(a.DurationSeconds(), b.DurationSeconds()); c != 0 {
		return c
	}
	if c := a.SubmittedAt.Compare(b.SubmittedAt); c != 0 {
		return c
	}
	return cmp.Compare(a.MemberID, b.MemberID)
}

// UnitRoster is a unit with its active staff: the members directly on its
// roster (not its children's), and how many of them have linked a chat
// account.
type UnitRoster struct {
	Code     string `db:"code"`
	Name     string `db:"name"`
	Staff    int    `db:"staff"`
	Verified int    `db:"verified"`
	// WebOnly is how many of the staff have only an account of the local
	// web chat: a preview, not in Verified, which a real unit's activation
	// figure must never include. Shown beside it so that a demo's "0
	// verified" next to its participants reads right.
	WebOnly int `db:"web_only"`
}

// UnitResult is a unit's figures for a round.
type UnitResult struct {
	UnitRoster
	Participated int // active staff who took part
	CorrectSum   int // their counted attempts' correct answers
	ZeroScores   int // of them, counted attempts with no correct answer
}

// ParticipationPct is Participated/Staff as a percentage with one decimal,
// rounded half up; ok is false for a unit without staff.
func (u UnitResult) ParticipationPct() (d Decimal, ok bool) {
	if u.Staff == 0 {
		return Decimal{}, false
	}
	return Decimal{Scaled: roundDiv(int64(u.Participated)*1000, int64(u.Staff)), Places: 1}, true
}

// AvgCorrect is the mean of the participants' correct answers with two
// decimals, rounded half up; ok is false when nobody took part.
func (u UnitResult) AvgCorrect() (d Decimal, ok bool) {
	if u.Participated == 0 {
		return Decimal{}, false
	}
	return Decimal{Scaled: roundDiv(int64(u.CorrectSum)*100, int64(u.Participated)), Places: 2}, true
}

// roundDiv is n/d rounded half up, for n ≥ 0 and d > 0.
func roundDiv(n, d int64) int64 { return (2*n + d) / (2 * d) }

// Units computes every roster unit's figures from the round's attempts,
// ordered by unit code. Only active members count, in staff and in
// participation alike, so that a unit's participation never exceeds 100%;
// members who left the roster still appear in the results report.
func Units(roster []UnitRoster, attempts []Attempt) []UnitResult {
	out := make([]UnitResult, len(roster))
	index := make(map[string]int, len(roster))
	for i, u := range roster {
		out[i] = UnitResult{UnitRoster: u}
		index[u.Code] = i
	}
	for _, a := range Best(attempts) {
		i, ok := index[a.UnitCode]
		if !ok || !a.Active {
			continue
		}
		u := &out[i]
		u.Participated++
		u.CorrectSum += a.Correct
		if a.Correct == 0 {
			u.ZeroScores++
		}
	}
	slices.SortFunc(out, func(a, b UnitResult) int { return cmp.Compare(a.Code, b.Code) })
	return out
}

// ReasonNotActivated is the absent report's reason for a member who never
// linked a chat account and has no recorded excuse.
const ReasonNotActivated = "chưa kích hoạt"

// Absent is an active member who did not take part in a round.
type Absent struct {
	MemberID int64  `db:"member_id"`
	UnitCode string `db:"unit_code"`
	FullName string `db:"full_name"`
	Phone    string `db:"phone"`
	Position string `db:"position"`
	Verified bool   `db:"verified"` // has linked at least one chat account
	Excuse   string `db:"excuse"`   // recorded by the unit's head; empty when none
}

// Reason is what the absent report says: the recorded excuse, else "chưa
// kích hoạt" for a member who never verified, else nothing.
func (a Absent) Reason() string {
	switch {
	case a.Excuse != "":
		return a.Excuse
	case !a.Verified:
		return ReasonNotActivated
	}
	return ""
}
