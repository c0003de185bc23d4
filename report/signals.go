package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"quizbot/outbound"
)

// Integrity signals: what an organizer looks at before paying a prize,
// each with its evidence. They are never penalties: the report lists, a
// person judges.

// KindSignals is the integrity signals report.
const KindSignals Kind = "signals"

// The kinds of signal, as the report's kind column writes them.
const (
	SignalFast           = "fast"            // finished implausibly fast
	SignalSameAnswers    = "same_answers"    // identical answers within a unit
	SignalSharedAccount  = "shared_account"  // one chat account verified several members
	SignalSamePrediction = "same_prediction" // one unusual prediction in several members' attempts
)

// SamePredictionMembers is how many members of one unit must give the same
// non-trivial prediction for it to be listed.
const SamePredictionMembers = 3

// SameAnswersMinCommon is how many questions two attempts must both have
// answered (the same way) to be compared; fewer when an attempt has fewer.
const SameAnswersMinCommon = 5

// SignalsColumns are the integrity report's columns. members and phones
// list the same people in the same order, separated by "; ".
var SignalsColumns = []string{"kind", "unit_code", "unit_name", "members", "phones", "evidence", "first_at", "last_at"}

// SignalMember is a member a signal names.
type SignalMember struct {
	MemberID int64  `db:"member_id"`
	FullName string `db:"full_name"`
	Phone    string `db:"phone"`
	UnitCode string `db:"unit_code"`
	UnitName string `db:"unit_name"`
}

// Signal is one row of the report.
type Signal struct {
	Kind        string
	UnitCode    string
	UnitName    string
	Members     []SignalMember
	Evidence    string // in Vietnamese
	First, Last time.Time
}

// FastAttempt is a submitted attempt that took too little time.
type FastAttempt struct {
	AttemptID int64 `db:"attempt_id"`
	SignalMember
	StartedAt   time.Time `db:"started_at"`
	SubmittedAt time.Time `db:"submitted_at"`
	Total       int       `db:"total"`
	Correct     int       `db:"correct"`
	Answered    int       `db:"answered"`
}

// SignalAttempt is one side of a pair of attempts.
type SignalAttempt struct {
	AttemptID int64 `db:"attempt_id"`
	SignalMember
	SubmittedAt time.Time `db:"submitted_at"`
}

// SamePair is two attempts of one unit with the same choices on every
// question both answered.
type SamePair struct {
	Common    int           `db:"common"`     // questions both answered
	SameWrong int           `db:"same_wrong"` // of them, wrong options chosen alike
	A         SignalAttempt `db:"a"`
	B         SignalAttempt `db:"b"`
}

// AccountEvent is a link or unlink of a chat account.
type AccountEvent struct {
	Platform   string    `db:"platform"`
	ExternalID string    `db:"external_id"`
	Kind       string    `db:"kind"` // link or unlink
	At         time.Time `db:"at"`
	SignalMember
}

// PredictionCopy is an attempt whose prediction other members of its unit
// gave too.
type PredictionCopy struct {
	AttemptID   int64     `db:"attempt_id"`
	Prediction  int64     `db:"prediction"`
	SubmittedAt time.Time `db:"submitted_at"`
	SignalMember
}

// FastSignals makes a signal of each fast attempt; minPerQuestion is the
// contest's threshold.
func FastSignals(fast []FastAttempt, minPerQuestion int, loc *time.Location) []Signal {
	out := make([]Signal, 0, len(fast))
	for _, a := range fast {
		secs := a.SubmittedAt.Sub(a.StartedAt).Seconds()
		per := 0.0
		if a.Total > 0 {
			per = secs / float64(a.Total)
		}
		out = append(out, Signal{
			Kind: SignalFast, UnitCode: a.UnitCode, UnitName: a.UnitName, Members: []SignalMember{a.SignalMember},
			Evidence: fmt.Sprintf("Làm bài %d câu trong %s giây (%s giây/câu; ngưỡng %d giây/câu), trả lời %d câu, đúng %d/%d; bắt đầu %s, nộp %s",
				a.Total, viDec(secs, 1), viDec(per, 1), minPerQuestion, a.Answered, a.Correct, a.Total,
				a.StartedAt.In(loc).Format(viTime), a.SubmittedAt.In(loc).Format(viTime)),
			First: a.StartedAt, Last: a.SubmittedAt,
		})
	}
	return out
}

// SameAnswerSignals joins the pairs into groups (two pairs sharing an
// attempt are one group) and makes a signal of each.
func SameAnswerSignals(pairs []SamePair, window time.Duration, loc *time.Location) []Signal {
	parent := map[int64]int64{}
	var find func(int64) int64
	find = func(x int64) int64 {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		parent[x] = x
		return x
	}
	atts := map[int64]SignalAttempt{}
	for _, p := range pairs {
		atts[p.A.AttemptID], atts[p.B.AttemptID] = p.A, p.B
		ra, rb := find(p.A.AttemptID), find(p.B.AttemptID)
		if ra != rb {
			parent[max(ra, rb)] = min(ra, rb)
		}
	}
	groups := map[int64][]SamePair{}
	for _, p := range pairs {
		r := find(p.A.AttemptID)
		groups[r] = append(groups[r], p)
	}
	var out []Signal
	for root, ps := range groups {
		var members []SignalAttempt
		for id, a := range atts {
			if find(id) == root {
				members = append(members, a)
			}
		}
		slices.SortFunc(members, func(a, b SignalAttempt) int {
			return cmp.Or(a.SubmittedAt.Compare(b.SubmittedAt), cmp.Compare(a.AttemptID, b.AttemptID))
		})
		s := Signal{Kind: SignalSameAnswers, UnitCode: members[0].UnitCode, UnitName: members[0].UnitName,
			First: members[0].SubmittedAt, Last: members[len(members)-1].SubmittedAt}
		for _, a := range members {
			s.Members = append(s.Members, a.SignalMember)
		}
		var details []string
		for _, p := range ps {
			details = append(details, fmt.Sprintf("%s – %s: giống nhau cả %d/%d câu cùng được hỏi, trong đó %d câu cùng chọn một phương án sai",
				p.A.FullName, p.B.FullName, p.Common, p.Common, p.SameWrong))
		}
		s.Evidence = fmt.Sprintf("%d người cùng đơn vị chọn đáp án giống hệt nhau, nộp bài từ %s đến %s (cách nhau không quá %s): %s",
			len(members), s.First.In(loc).Format(viTime), s.Last.In(loc).Format(viTime), viDuration(window), strings.Join(details, "; "))
		out = append(out, s)
	}
	sortSignals(out)
	return out
}

// SharedAccountSignals makes a signal of each chat account that verified
// several members, from its history (events ordered by account and time).
func SharedAccountSignals(events []AccountEvent, loc *time.Location) []Signal {
	var out []Signal
	for i := 0; i < len(events); {
		j := i
		for j < len(events) && events[j].Platform == events[i].Platform && events[j].ExternalID == events[i].ExternalID {
			j++
		}
		acc := events[i:j]
		s := Signal{Kind: SignalSharedAccount, First: acc[0].At, Last: acc[len(acc)-1].At}
		seen := map[int64]bool{}
		var steps, units []string
		for _, e := range acc {
			if !seen[e.MemberID] {
				seen[e.MemberID] = true
				s.Members = append(s.Members, e.SignalMember)
				if !slices.Contains(units, e.UnitCode) {
					units = append(units, e.UnitCode)
				}
			}
			verb := "liên kết với"
			if e.Kind == "unlink" {
				verb = "hủy liên kết với"
			}
			steps = append(steps, fmt.Sprintf("%s %s %s", e.At.In(loc).Format(viTime), verb, e.FullName))
		}
		s.UnitCode = strings.Join(units, ", ")
		if len(units) == 1 {
			s.UnitName = acc[0].UnitName
		}
		s.Evidence = fmt.Sprintf("Một tài khoản %s (mã %s) đã lần lượt xác thực %d người: %s",
			platformName(acc[0].Platform), acc[0].ExternalID, len(s.Members), strings.Join(steps, "; "))
		out = append(out, s)
		i = j
	}
	sortSignals(out)
	return out
}

// PredictionSignals makes a signal of each (unit, prediction) that several
// members gave (rows ordered by unit and value).
func PredictionSignals(rows []PredictionCopy, loc *time.Location) []Signal {
	var out []Signal
	for i := 0; i < len(rows); {
		j := i
		for j < len(rows) && rows[j].UnitCode == rows[i].UnitCode && rows[j].Prediction == rows[i].Prediction {
			j++
		}
		g := rows[i:j]
		s := Signal{Kind: SignalSamePrediction, UnitCode: g[0].UnitCode, UnitName: g[0].UnitName,
			First: g[0].SubmittedAt, Last: g[len(g)-1].SubmittedAt}
		seen := map[int64]bool{}
		var times []string
		for _, r := range g {
			if !seen[r.MemberID] {
				seen[r.MemberID] = true
				s.Members = append(s.Members, r.SignalMember)
			}
			times = append(times, fmt.Sprintf("%s nộp %s", r.FullName, r.SubmittedAt.In(loc).Format(viTime)))
		}
		s.Evidence = fmt.Sprintf("%d người cùng đơn vị cùng dự đoán một con số giống hệt nhau, %s: %s",
			len(s.Members), outbound.GroupDigits(g[0].Prediction), strings.Join(times, "; "))
		out = append(out, s)
		i = j
	}
	return out
}

func sortSignals(s []Signal) {
	slices.SortFunc(s, func(a, b Signal) int {
		return cmp.Or(strings.Compare(a.UnitCode, b.UnitCode), a.First.Compare(b.First), a.Last.Compare(b.Last))
	})
}

// SignalsTable lays out the signals; times in loc, the contest's zone.
func SignalsTable(signals []Signal, loc *time.Location) Table {
	t := Table{Name: string(KindSignals), Columns: SignalsColumns, Rows: make([][]any, len(signals))}
	for i, s := range signals {
		names := make([]string, len(s.Members))
		phones := make([]string, len(s.Members))
		for k, m := range s.Members {
			names[k], phones[k] = m.FullName, m.Phone
		}
		t.Rows[i] = []any{s.Kind, s.UnitCode, s.UnitName, strings.Join(names, "; "), strings.Join(phones, "; "),
			s.Evidence, s.First.In(loc), s.Last.In(loc)}
	}
	return t
}

// viTime is how evidence writes a time: the Vietnamese day-first date.
const viTime = "15:04:05 02/01/2006"

func platformName(p string) string {
	switch p {
	case "telegram":
		return "Telegram"
	case "zalo":
		return "Zalo"
	}
	return p
}

// viDec writes f with places decimals and a decimal comma: 1,6.
func viDec(f float64, places int) string {
	s := strconv.FormatFloat(f, 'f', places, 64)
	ip, fp, _ := strings.Cut(s, ".")
	n, _ := strconv.ParseInt(ip, 10, 64)
	if fp == "" {
		return outbound.GroupDigits(n)
	}
	return outbound.GroupDigits(n) + "," + fp
}

func viDuration(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("%d giờ", d/time.Hour)
	}
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d phút", d/time.Minute)
	}
	return fmt.Sprintf("%d giây", d/time.Second)
}
