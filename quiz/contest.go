package quiz

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	// Embedded zone data: a contest's timezone must validate and convert the
	// same on a slim container image without /usr/share/zoneinfo.
	_ "time/tzdata"

	"github.com/robfig/cron/v3"
)

// MaxTimeLimit bounds an attempt's time limit; real contests allow 10–30
// minutes, so anything longer is almost certainly a typo (20h for 20m).
const MaxTimeLimit = 3 * time.Hour

// MaxPredictionGrace bounds prediction_grace: the grace is for typing a
// number after the last question, and a long one would let members answer
// after seeing the live figures the prediction is about.
const MaxPredictionGrace = time.Hour

// LocalTimeLayout is how contest times are written and shown: local to the
// contest's timezone, to the minute.
const LocalTimeLayout = "2006-01-02 15:04"

// Problem is one rule a contest breaks. Field is the path of the field in the
// contest file ("time_limit", "rounds.2.closes_at", "schedule.reminders.0";
// numbers are 0-based indexes into lists) so that the file reader can point
// at its line; Message says what is wrong in words an organizer understands.
type Problem struct {
	Field   string
	Message string
}

// Problems is every rule a contest breaks. It is the Err of the *Error that
// Validate and the storage's apply return, so callers can list them all.
type Problems []Problem

func (ps Problems) Error() string {
	parts := make([]string, len(ps))
	for i, p := range ps {
		parts[i] = p.Field + ": " + p.Message
	}
	return strings.Join(parts, "; ")
}

// Err wraps ps as a domain error with code, or returns nil when ps is empty.
func (ps Problems) Err(code, contest string) error {
	if len(ps) == 0 {
		return nil
	}
	msg := fmt.Sprintf("cuộc thi %q bị từ chối: %s", contest, ps[0].Message)
	if len(ps) > 1 {
		msg += fmt.Sprintf(" (và %d lỗi khác)", len(ps)-1)
	}
	return &Error{Code: code, Message: msg, Err: ps}
}

var contestCode = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

// ApplyDefaults fills the fields a contest file may leave out.
// AttemptsPerRound is left alone: 0 there is a mistake to report, not a
// request for the default (the file reader defaults a missing value to 1).
func (c *Contest) ApplyDefaults() {
	if c.Timezone == "" {
		c.Timezone = DefaultTimezone
	}
	if c.PredictionTarget == "" {
		c.PredictionTarget = PredictParticipants
	}
	if c.Reveal == "" {
		c.Reveal = RevealAfterClose
	}
	if c.Integrity == (Integrity{}) {
		c.Integrity = DefaultIntegrity
	}
}

// Validate checks the rules that need no database: required fields, numbers,
// enums, the timezone, cron expressions and the rounds' windows. It returns
// an *Error with code EINVALID whose Err is the Problems found.
func (c *Contest) Validate() error {
	return c.Problems().Err(EINVALID, c.Code)
}

// Problems lists every rule of Validate that c breaks, in file order.
func (c *Contest) Problems() Problems {
	var ps Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}

	switch {
	case strings.TrimSpace(c.Code) == "":
		add("code", "bắt buộc phải có (một mã ngắn như cchc-2026)")
	case !contestCode.MatchString(c.Code):
		add("code", "%q chỉ được gồm chữ cái không dấu, chữ số, '.', '_' và '-' (ví dụ cchc-2026)", c.Code)
	}
	if strings.TrimSpace(c.Name) == "" {
		add("name", "bắt buộc phải có (tên cuộc thi)")
	}
	loc := time.FixedZone("ICT", 7*3600)
	switch l, err := time.LoadLocation(c.Timezone); {
	case c.Timezone == "" || c.Timezone == "Local":
		// "Local" would make the rounds depend on the server's settings.
		add("timezone", "phải ghi tên múi giờ IANA, ví dụ %s", DefaultTimezone)
	case err != nil:
		add("timezone", "không có múi giờ %q (ở Việt Nam dùng %s)", c.Timezone, DefaultTimezone)
	default:
		loc = l
	}
	if c.QuestionsPerAttempt < 1 {
		add("questions_per_attempt", "phải từ 1 trở lên, không được là %d", c.QuestionsPerAttempt)
	}
	switch {
	case c.TimeLimit <= 0:
		add("time_limit", "phải lớn hơn 0 (ví dụ 20m)")
	case c.TimeLimit > MaxTimeLimit:
		add("time_limit", "%s dài hơn mức tối đa cho phép là %s", c.TimeLimit, MaxTimeLimit)
	case c.TimeLimit%time.Second != 0:
		add("time_limit", "%s phải là một số giây tròn", c.TimeLimit)
	}
	switch {
	case c.PredictionGrace < 0:
		add("prediction_grace", "không được âm (ví dụ 2m, hoặc 0 nếu không cho thêm giờ)")
	case c.PredictionGrace > MaxPredictionGrace:
		add("prediction_grace", "%s dài hơn mức tối đa cho phép là %s", c.PredictionGrace, MaxPredictionGrace)
	case c.PredictionGrace%time.Second != 0:
		add("prediction_grace", "%s phải là một số giây tròn", c.PredictionGrace)
	}
	if c.AttemptsPerRound < 1 {
		add("attempts_per_round", "phải từ 1 trở lên, không được là %d", c.AttemptsPerRound)
	}
	if c.PredictionTarget != PredictParticipants && c.PredictionTarget != PredictPerfect {
		add("prediction_target", "giá trị %q không hợp lệ: dùng %q hoặc %q", c.PredictionTarget, PredictParticipants, PredictPerfect)
	}
	if c.Reveal != RevealAfterClose && c.Reveal != RevealImmediately {
		add("reveal", "giá trị %q không hợp lệ: dùng %q hoặc %q", c.Reveal, RevealAfterClose, RevealImmediately)
	}
	ps = append(ps, c.roundProblems(loc)...)
	ps = append(ps, c.Integrity.Problems()...)
	if c.Entries != nil {
		ps = append(ps, c.Entries.Problems(loc)...)
	}
	for i, expr := range c.Reminders {
		if err := checkCron(expr); err != nil {
			add(fmt.Sprintf("schedule.reminders.%d", i), "%v", err)
		}
	}
	if c.Summary != "" {
		if err := checkCron(c.Summary); err != nil {
			add("schedule.summary", "%v", err)
		}
	}
	return ps
}

func (c *Contest) roundProblems(loc *time.Location) Problems {
	var ps Problems
	add := func(i int, field, format string, args ...any) {
		path := "rounds"
		if i >= 0 {
			path = fmt.Sprintf("rounds.%d", i)
		}
		if field != "" {
			path += "." + field
		}
		ps = append(ps, Problem{Field: path, Message: fmt.Sprintf(format, args...)})
	}
	show := func(t time.Time) string { return t.In(loc).Format(LocalTimeLayout) }

	if len(c.Rounds) == 0 {
		add(-1, "", "phải có ít nhất một đợt thi")
		return ps
	}
	seen := map[int]int{} // round number → index of its first appearance
	var valid []int       // indexes of rounds whose own window is sound
	for i, r := range c.Rounds {
		ok := true
		if r.Number < 1 {
			add(i, "number", "số đợt phải từ 1 trở lên, không được là %d", r.Number)
			ok = false
		} else if j, dup := seen[r.Number]; dup {
			add(i, "number", "số đợt %d bị dùng hai lần (đợt thứ %d và thứ %d trong danh sách)", r.Number, j+1, i+1)
			ok = false
		} else {
			seen[r.Number] = i
		}
		switch {
		case r.OpensAt.IsZero():
			add(i, "opens_at", "đợt %d chưa có thời điểm mở", r.Number)
			ok = false
		case r.ClosesAt.IsZero():
			add(i, "closes_at", "đợt %d chưa có thời điểm đóng", r.Number)
			ok = false
		case !r.ClosesAt.After(r.OpensAt):
			add(i, "closes_at", "đợt %d đóng lúc %s, không sau thời điểm mở là %s", r.Number, show(r.ClosesAt), show(r.OpensAt))
			ok = false
		}
		topics := map[string]bool{}
		for k, t := range r.Topics {
			switch {
			case strings.TrimSpace(t) == "":
				add(i, fmt.Sprintf("topics.%d", k), "đợt %d có một chủ đề để trống", r.Number)
			case topics[t]:
				add(i, fmt.Sprintf("topics.%d", k), "đợt %d ghi chủ đề %q hai lần", r.Number, t)
			}
			topics[t] = true
		}
		if ok {
			valid = append(valid, i)
		}
	}

	// Overlaps and order are checked among the rounds that are sound on their
	// own, in time order, so that one typo gives one message.
	slices.SortStableFunc(valid, func(a, b int) int { return c.Rounds[a].OpensAt.Compare(c.Rounds[b].OpensAt) })
	for k := 1; k < len(valid); k++ {
		prev, cur := c.Rounds[valid[k-1]], c.Rounds[valid[k]]
		switch {
		case cur.OpensAt.Before(prev.ClosesAt):
			add(valid[k], "opens_at", "đợt %d (%s – %s) trùng thời gian với đợt %d (%s – %s)",
				cur.Number, show(cur.OpensAt), show(cur.ClosesAt), prev.Number, show(prev.OpensAt), show(prev.ClosesAt))
		case cur.Number < prev.Number:
			// Rounds are numbered in the order they run; anything else is
			// almost always a date copied into the wrong round.
			add(valid[k], "number", "đợt %d mở lúc %s, sau đợt %d: hãy đánh số các đợt theo thứ tự diễn ra",
				cur.Number, show(cur.OpensAt), prev.Number)
		}
	}
	return ps
}

// checkCron parses expr as a standard 5-field cron expression or a
// descriptor such as @daily, the way the scheduler will.
func checkCron(expr string) error {
	if strings.TrimSpace(expr) == "" {
		return fmt.Errorf("lịch cron để trống")
	}
	if t := strings.TrimSpace(expr); strings.HasPrefix(t, "CRON_TZ=") || strings.HasPrefix(t, "TZ=") {
		// The parser would let it override the contest's timezone.
		return fmt.Errorf("lịch cron %q tự ghi múi giờ riêng; lịch chạy theo múi giờ của cuộc thi: hãy bỏ phần tiền tố này", expr)
	}
	if _, err := ParseCron(expr); err != nil {
		return fmt.Errorf("lịch cron %q không hợp lệ (%s): ghi 5 trường phút giờ ngày-trong-tháng tháng thứ-trong-tuần, ví dụ \"0 8 * * 1-5\", hoặc @daily", expr, cronReason(err))
	}
	return nil
}

// cronReasons put the cron parser's usual complaints in Vietnamese, keeping
// the values it names; any other one is passed on as the parser words it.
var cronReasons = []struct {
	re   *regexp.Regexp
	tmpl string
}{
	{regexp.MustCompile(`^expected exactly 5 fields, found (\d+): \[.*\]$`), "cần đúng 5 trường, đang có $1"},
	{regexp.MustCompile(`^end of range \((\d+)\) above maximum \((\d+)\): (.*)$`), "$3: giá trị $1 lớn hơn mức tối đa $2"},
	{regexp.MustCompile(`^beginning of range \((\d+)\) below minimum \((\d+)\): (.*)$`), "$3: giá trị $1 nhỏ hơn mức tối thiểu $2"},
	{regexp.MustCompile(`^beginning of range \((\d+)\) beyond end of range \((\d+)\): (.*)$`), "$3: khoảng bắt đầu ($1) sau điểm kết thúc ($2)"},
	{regexp.MustCompile(`^unrecognized descriptor: (.*)$`), "không có lịch mô tả sẵn $1 (dùng @daily, @weekly, @monthly, @hourly hoặc @every 1h)"},
	{regexp.MustCompile(`^failed to parse int from (\S*): .*$`), "\"$1\" không phải số"},
	{regexp.MustCompile(`^failed to parse duration (@every \S*): .*$`), "$1: khoảng thời gian không hợp lệ (ví dụ @every 1h)"},
	{regexp.MustCompile(`^step of range should be a positive number: (.*)$`), "$1: bước nhảy phải là số dương"},
	{regexp.MustCompile(`^provided bad value (.*)$`), "giá trị $1 không hợp lệ"},
}

func cronReason(err error) string {
	msg := err.Error()
	for _, r := range cronReasons {
		if r.re.MatchString(msg) {
			return r.re.ReplaceAllString(msg, r.tmpl)
		}
	}
	return msg
}

// ParseCron parses a reminder or summary schedule of a contest: standard
// 5-field cron or a descriptor (@daily, @weekly, @every 1h). The schedule runs
// in the time zone of the times it is given, so pass times in the contest's
// Location.
func ParseCron(expr string) (cron.Schedule, error) {
	return cron.ParseStandard(expr)
}

// RoundAt returns the round open at t.
func (c *Contest) RoundAt(t time.Time) (Round, bool) {
	for _, r := range c.Rounds {
		if r.Open(t) {
			return r, true
		}
	}
	return Round{}, false
}

// NextRound returns the first round to open after t (a round opening exactly
// at t is already open: see RoundAt).
func (c *Contest) NextRound(t time.Time) (Round, bool) {
	var next Round
	found := false
	for _, r := range c.Rounds {
		if r.OpensAt.After(t) && (!found || r.OpensAt.Before(next.OpensAt)) {
			next, found = r, true
		}
	}
	return next, found
}

// LastRound returns the round that closes last.
func (c *Contest) LastRound() (Round, bool) {
	var last Round
	found := false
	for _, r := range c.Rounds {
		if !found || r.ClosesAt.After(last.ClosesAt) {
			last, found = r, true
		}
	}
	return last, found
}

// RoundByNumber returns the round numbered n.
func (c *Contest) RoundByNumber(n int) (Round, bool) {
	for _, r := range c.Rounds {
		if r.Number == n {
			return r, true
		}
	}
	return Round{}, false
}

// RoundIDs lists the rounds' ids, in their order, for queries over several
// rounds.
func RoundIDs(rs []Round) []int64 {
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.ID
	}
	return ids
}
