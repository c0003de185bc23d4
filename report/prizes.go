package report

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// Prize grades, as the contest file and the CSV write them.
const (
	GradeNhat        = "nhat"         // giải Nhất
	GradeNhi         = "nhi"          // giải Nhì
	GradeBa          = "ba"           // giải Ba
	GradeKhuyenKhich = "khuyen_khich" // giải Khuyến khích
)

// Grades lists the grades from the highest.
var Grades = []string{GradeNhat, GradeNhi, GradeBa, GradeKhuyenKhich}

// GradeCounts is how many prizes of each grade; any may be 0.
type GradeCounts struct {
	Nhat        int `json:"nhat"`
	Nhi         int `json:"nhi"`
	Ba          int `json:"ba"`
	KhuyenKhich int `json:"khuyen_khich"`
}

// Slots is the prizes in order, one grade per prize: {1,2,0,1} gives
// [nhat nhi nhi khuyen_khich].
func (g GradeCounts) Slots() []string {
	var out []string
	for i, n := range []int{g.Nhat, g.Nhi, g.Ba, g.KhuyenKhich} {
		for range n {
			out = append(out, Grades[i])
		}
	}
	return out
}

// IndividualPrizes is a round's or the contest's prizes for members.
type IndividualPrizes struct {
	GradeCounts
	// PerUnitMax caps the prizes going to members of one unit; 0: no cap.
	PerUnitMax int `json:"per_unit_max,omitempty"`
}

// UnitPrizes is the contest's prizes for units.
type UnitPrizes struct {
	GradeCounts
	// MinParticipation is the floor (0..1) of a unit's participation rate
	// averaged over the rounds, below which it cannot win.
	MinParticipation float64 `json:"min_participation,omitempty"`
	// MinStaff is the smallest active staff a unit needs to compete.
	MinStaff int `json:"min_staff,omitempty"`
}

// Prizes is the contest file's prizes: section. A nil part awards nothing.
type Prizes struct {
	Round   *IndividualPrizes `json:"round,omitempty"`
	Contest *IndividualPrizes `json:"contest,omitempty"`
	Units   *UnitPrizes       `json:"units,omitempty"`
}

// Entry is one member in a ranking, as storage streams it in rank order.
// Rank is the place in the whole ranking (members who have left the roster
// included): members the rule cannot separate share it.
type Entry struct {
	Rank     int64  `db:"rank"`
	MemberID int64  `db:"member_id"`
	FullName string `db:"full_name"`
	Phone    string `db:"phone"`
	UnitCode string `db:"unit_code"`
	Position string `db:"position"`
	Active   bool   `db:"active"`
	Correct  int64  `db:"correct"`
	// Distance is the (summed) |prediction − actual|; nil without a
	// prediction (in some round, for the contest), which ranks after every
	// member with one.
	Distance        *int64 `db:"prediction_distance"`
	DurationSeconds int64  `db:"duration_seconds"`
}

// Award is a prize given to a ranked member or unit.
type Award[T any] struct {
	Grade string
	Who   T
}

// Tie is a group of tied entries the prizes could not separate: its
// members all got the grade of the best place they share, so the grades
// below shrank (the usual "đồng giải"), or they overran the last prize, or a
// unit's cap could not choose among them. The committee is told.
type Tie struct {
	Rank    int64
	Names   []string
	Message string // for the operator's terminal
	VI      string // the same for the committee's workbook
}

func (t Tie) String() string {
	return fmt.Sprintf("rank %d (%s): %s", t.Rank, strings.Join(t.Names, ", "), t.Message)
}

// Vietnamese is the tie as the workbook's Giải thưởng sheet notes it.
func (t Tie) Vietnamese() string {
	return fmt.Sprintf("Đồng hạng %d (%s): %s", t.Rank, strings.Join(t.Names, ", "), t.VI)
}

// allocator hands out prizes to tie groups in rank order. A group ties for
// places next..next+n-1: every eligible member of it gets the grade of place
// next (the best they share), and the group uses up n places, so that the
// next grades shrink by as many. Nobody is ranked above another by a rule
// the contest did not declare.
type allocator struct {
	slots  []string
	next   int
	cap    int // per unit, 0: none
	byUnit map[string]int
	ties   []Tie
}

func newAllocator(slots []string, perUnitMax int) *allocator {
	return &allocator{slots: slots, cap: perUnitMax, byUnit: map[string]int{}}
}

func (a *allocator) done() bool { return a.next >= len(a.slots) }

// group awards one tie group; eligible says who may win at all (active
// members, units over the floor). unit is "" when no cap applies.
func (a *allocator) group(rank int64, names []string, units []string, eligible []bool) []string {
	grades := make([]string, len(names))
	if a.done() {
		return grades
	}
	// Who the cap allows, counted before the group: a cap that would have
	// to choose among tied members cannot, so it lets them all through and
	// says so.
	var winners []int
	want := map[string]int{}
	for i := range names {
		if !eligible[i] {
			continue
		}
		if a.cap > 0 && a.byUnit[units[i]] >= a.cap {
			continue
		}
		winners = append(winners, i)
		want[units[i]]++
	}
	if len(winners) == 0 {
		return grades
	}
	grade := a.slots[a.next]
	var tieNames []string
	for _, i := range winners {
		grades[i] = grade
		tieNames = append(tieNames, names[i])
	}
	end := a.next + len(winners)
	if len(winners) > 1 {
		switch {
		case end > len(a.slots):
			a.ties = append(a.ties, Tie{rank, tieNames, fmt.Sprintf("%d tied for the last %d prize(s): all get %s (more prizes than declared)", len(winners), len(a.slots)-a.next, grade),
				fmt.Sprintf("%d người bằng nhau ở mọi tiêu chí tranh %d giải cuối: tất cả cùng nhận %s (nhiều hơn số giải thể lệ quy định).", len(winners), len(a.slots)-a.next, GradeVI(grade))})
		case a.slots[end-1] != grade:
			a.ties = append(a.ties, Tie{rank, tieNames, fmt.Sprintf("%d tied across grades: all get %s, the grades below shrink", len(winners), grade),
				fmt.Sprintf("%d người bằng nhau ở mọi tiêu chí, trải qua nhiều mức giải: tất cả cùng nhận %s, số giải các mức sau giảm tương ứng.", len(winners), GradeVI(grade))})
		}
	}
	if a.cap > 0 {
		for _, u := range slices.Sorted(maps.Keys(want)) {
			if n := want[u]; a.byUnit[u]+n > a.cap {
				a.ties = append(a.ties, Tie{rank, tieNames, fmt.Sprintf("%d tied members of unit %s exceed its cap of %d: all get %s", n, u, a.cap, grade),
					fmt.Sprintf("%d người của đơn vị %s bằng nhau ở mọi tiêu chí, vượt mức tối đa %d giải một đơn vị: tất cả cùng nhận %s.", n, u, a.cap, GradeVI(grade))})
			}
		}
	}
	for _, i := range winners {
		a.byUnit[units[i]]++
	}
	a.next = end
	return grades
}

// AwardMembers streams a ranking (entries in rank order, from next) into
// the prizes: it reads entries only until the prizes run out, and returns
// the winners, tied ones by name in Vietnamese order, and the ties the
// committee must know of. next returns ok=false at the end.
func AwardMembers(p IndividualPrizes, next func() (Entry, bool, error)) ([]Award[Entry], []Tie, error) {
	a := NewMemberAwarder(p)
	for {
		e, ok, err := next()
		if err != nil {
			return nil, nil, err
		}
		if !ok || !a.Add(e) {
			break
		}
	}
	awards, ties := a.Result()
	return awards, ties, nil
}

// MemberAwarder is AwardMembers for a ranking that someone else reads: the
// workbook's Cá nhân sheet, whose rows give the prizes on the way.
type MemberAwarder struct {
	al    *allocator
	out   []Award[Entry]
	group []Entry // the entries of the rank being read
}

// NewMemberAwarder returns an awarder of the prizes p.
func NewMemberAwarder(p IndividualPrizes) *MemberAwarder {
	return &MemberAwarder{al: newAllocator(p.Slots(), p.PerUnitMax)}
}

// Add takes the ranking's next entry and says whether the prizes need more:
// once it says no, the entry given was not taken, and Result is final.
func (a *MemberAwarder) Add(e Entry) bool {
	if a.al.done() {
		return false
	}
	if len(a.group) > 0 && e.Rank != a.group[0].Rank {
		a.flush()
		if a.al.done() {
			return false
		}
	}
	a.group = append(a.group, e)
	return true
}

// Result returns the winners and the ties, from the entries taken: all of
// the ranking, or as many as Add asked for.
func (a *MemberAwarder) Result() ([]Award[Entry], []Tie) {
	a.flush()
	return a.out, a.al.ties
}

// flush awards the rank read so far.
func (a *MemberAwarder) flush() {
	if len(a.group) == 0 {
		return
	}
	group := a.group
	SortByName(group, func(e Entry) string { return e.FullName })
	names, units, elig := make([]string, len(group)), make([]string, len(group)), make([]bool, len(group))
	for i, e := range group {
		names[i], units[i], elig[i] = e.FullName, e.UnitCode, e.Active
	}
	for i, g := range a.al.group(group[0].Rank, names, units, elig) {
		if g != "" {
			a.out = append(a.out, Award[Entry]{g, group[i]})
		}
	}
	a.group = a.group[:0] // the awards hold copies
}

// UnitEntry is a unit in the contest's unit ranking, in rank order: by
// participation rate (distinct participants ÷ active staff, averaged over
// the rounds), then the average correct answers of its participants.
type UnitEntry struct {
	Rank     int64  `db:"rank"`
	Code     string `db:"code"`
	Name     string `db:"name"`
	Staff    int64  `db:"staff"`
	Eligible bool   `db:"eligible"` // over the floor and the minimum staff
	// Participations is the sum over rounds of distinct participants;
	// Rounds the number of rounds averaged over; CorrectSum their counted
	// attempts' correct answers.
	Participations int64 `db:"participations"`
	Rounds         int64 `db:"rounds"`
	CorrectSum     int64 `db:"correct_sum"`
}

// ParticipationPct is the average rate as a percentage, one decimal, half up.
func (u UnitEntry) ParticipationPct() Decimal {
	if u.Staff == 0 || u.Rounds == 0 {
		return Decimal{Places: 1}
	}
	return Decimal{Scaled: roundDiv(u.Participations*1000, u.Staff*u.Rounds), Places: 1}
}

// AvgCorrect is the participants' average correct answers, two decimals.
func (u UnitEntry) AvgCorrect() (Decimal, bool) {
	if u.Participations == 0 {
		return Decimal{}, false
	}
	return Decimal{Scaled: roundDiv(u.CorrectSum*100, u.Participations), Places: 2}, true
}

// AwardUnits is AwardMembers for units: no cap, only eligible units win.
func AwardUnits(p UnitPrizes, next func() (UnitEntry, bool, error)) ([]Award[UnitEntry], []Tie, error) {
	al := newAllocator(p.Slots(), 0)
	var out []Award[UnitEntry]
	var group []UnitEntry
	flush := func() {
		if len(group) == 0 {
			return
		}
		SortByName(group, func(u UnitEntry) string { return u.Name })
		names, units, elig := make([]string, len(group)), make([]string, len(group)), make([]bool, len(group))
		for i, u := range group {
			names[i], units[i], elig[i] = u.Name, u.Code, u.Eligible
		}
		for i, g := range al.group(group[0].Rank, names, units, elig) {
			if g != "" {
				out = append(out, Award[UnitEntry]{g, group[i]})
			}
		}
		group = group[:0]
	}
	for !al.done() {
		u, ok, err := next()
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			break
		}
		if len(group) > 0 && u.Rank != group[0].Rank {
			flush()
			if al.done() {
				break
			}
		}
		group = append(group, u)
	}
	flush()
	return out, al.ties, nil
}

// Columns of the prize reports, as the issue fixes them, and their
// Vietnamese headings (--headings vi).
var (
	PrizesColumns     = []string{"prize", "rank", "full_name", "phone", "unit_code", "position", "correct", "prediction_distance", "duration_seconds"}
	UnitPrizesColumns = []string{"prize", "rank", "unit_code", "unit_name", "staff", "participation_pct", "avg_correct"}
	ZerosColumns      = []string{"unit_code", "unit_name", "full_name", "phone", "position", "total", "duration_seconds", "submitted_at"}
)

// Headings are the Vietnamese headings of every column of the CSV reports.
var Headings = map[string]string{
	"prize": "Giải", "rank": "Hạng", "full_name": "Họ và tên", "phone": "Số điện thoại",
	"unit_code": "Mã đơn vị", "unit_name": "Tên đơn vị", "position": "Chức vụ",
	"correct": "Số câu đúng", "total": "Số câu hỏi", "prediction_distance": "Chênh lệch dự đoán",
	"duration_seconds": "Thời gian làm bài (giây)", "staff": "Số CBCCVC",
	"participation_pct": "Tỷ lệ tham gia (%)", "avg_correct": "Số câu đúng bình quân",
	"submitted_at": "Thời điểm nộp bài", "prediction": "Dự đoán", "verified": "Đã kích hoạt",
	"participated": "Số người tham gia", "zero_scores": "Số bài 0 điểm", "reason": "Lý do",
	// The item analysis and the signals, as the workbook heads them.
	"question_code": "Mã câu hỏi", "round": "Vòng", "topic": "Chủ đề", "asked": "Số lần hỏi",
	"answered": "Số lần trả lời", "facility": "Độ khó (tỷ lệ đúng)", "discrimination": "Độ phân biệt",
	"key": "Đáp án", "option_a": "Chọn A", "option_b": "Chọn B", "option_c": "Chọn C", "option_d": "Chọn D",
	"option_e": "Chọn E", "option_f": "Chọn F", "flags": "Cảnh báo",
	"kind": "Loại dấu hiệu", "members": "Thành viên", "phones": "Số điện thoại", "evidence": "Bằng chứng",
	"first_at": "Từ lúc", "last_at": "Đến lúc",
}

// Vietnamese returns the table with its headings in Vietnamese (a column
// without a translation keeps its name).
func (t Table) Vietnamese() Table {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c
		if h, ok := Headings[c]; ok {
			cols[i] = h
		}
	}
	t.Columns = cols
	return t
}

// PrizesTable lays out the members' awards.
func PrizesTable(name string, awards []Award[Entry]) Table {
	t := Table{Name: name, Columns: PrizesColumns, Rows: make([][]any, len(awards))}
	for i, a := range awards {
		var dist any
		if a.Who.Distance != nil {
			dist = *a.Who.Distance
		}
		e := a.Who
		t.Rows[i] = []any{a.Grade, e.Rank, e.FullName, e.Phone, e.UnitCode, e.Position, e.Correct, dist, e.DurationSeconds}
	}
	return t
}

// UnitPrizesTable lays out the units' awards.
func UnitPrizesTable(awards []Award[UnitEntry]) Table {
	t := Table{Name: "unit_prizes", Columns: UnitPrizesColumns, Rows: make([][]any, len(awards))}
	for i, a := range awards {
		var avg any
		if d, ok := a.Who.AvgCorrect(); ok {
			avg = d
		}
		u := a.Who
		t.Rows[i] = []any{a.Grade, u.Rank, u.Code, u.Name, u.Staff, u.ParticipationPct(), avg}
	}
	return t
}

// ZeroScore is an active member whose counted attempt had no right answer.
type ZeroScore struct {
	UnitCode        string    `db:"unit_code"`
	UnitName        string    `db:"unit_name"`
	MemberID        int64     `db:"member_id"`
	FullName        string    `db:"full_name"`
	Phone           string    `db:"phone"`
	Position        string    `db:"position"`
	Total           int64     `db:"total"`
	DurationSeconds int64     `db:"duration_seconds"`
	SubmittedAt     time.Time `db:"submitted_at"`
}

// SortZeroScores orders the list by unit code, then name the Vietnamese way.
func SortZeroScores(z []ZeroScore) {
	SortByKey(z, func(x ZeroScore) (string, string) { return x.UnitCode, x.FullName })
}

// ZerosTable lays out the zero scores, submission times as stored (the
// caller puts them in the contest's zone).
func ZerosTable(z []ZeroScore) Table {
	t := Table{Name: "zeros", Columns: ZerosColumns, Rows: make([][]any, len(z))}
	for i, x := range z {
		t.Rows[i] = []any{x.UnitCode, x.UnitName, x.FullName, x.Phone, x.Position, x.Total, x.DurationSeconds, x.SubmittedAt}
	}
	return t
}
