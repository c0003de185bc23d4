// Package contestfile reads the YAML file that declares a contest
// (`quizbot contest apply contest.yaml`) into a quiz.Contest, and points every
// problem, its own or the domain's, at the line of the file it is about.
package contestfile

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
	"gopkg.in/yaml.v3"

	"quizbot/quiz"
	"quizbot/report"
)

// TimeLayouts are the accepted ways to write a round's opens_at and
// closes_at, local to the contest's timezone.
var TimeLayouts = []string{"2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02 15:04:05"}

// doc mirrors the file. Times and durations are strings so that a malformed
// one gets our message and line rather than the YAML library's.
type doc struct {
	Code                string      `yaml:"code"`
	Name                string      `yaml:"name"`
	Timezone            string      `yaml:"timezone"`
	QuestionsPerAttempt int         `yaml:"questions_per_attempt"`
	TimeLimit           string      `yaml:"time_limit"`
	AttemptsPerRound    *int        `yaml:"attempts_per_round"` // nil: default 1
	Prediction          string      `yaml:"prediction"`
	PredictionTarget    string      `yaml:"prediction_target"`
	PredictionGrace     string      `yaml:"prediction_grace"`
	Reveal              string      `yaml:"reveal"`
	Rounds              []roundDoc  `yaml:"rounds"`
	Schedule            scheduleDoc `yaml:"schedule"`
	Prizes              *prizesDoc  `yaml:"prizes"`

	// The thresholds of the integrity signals report, not rules of the quiz.
	Integrity integrityDoc `yaml:"integrity"`

	Entries *entriesDoc `yaml:"entries"`
}

// prizesDoc is the prizes: section (issue 11): individual prizes per round
// and for the contest, unit prizes for the contest. Counts are pointers so
// that a negative or missing one is told apart from 0.
type prizesDoc struct {
	Round   *memberPrizesDoc `yaml:"round"`
	Contest *memberPrizesDoc `yaml:"contest"`
	Units   *unitPrizesDoc   `yaml:"units"`
}

type memberPrizesDoc struct {
	Nhat        int `yaml:"nhat"`
	Nhi         int `yaml:"nhi"`
	Ba          int `yaml:"ba"`
	KhuyenKhich int `yaml:"khuyen_khich"`
	PerUnitMax  int `yaml:"per_unit_max"`
}

type unitPrizesDoc struct {
	Nhat             int     `yaml:"nhat"`
	Nhi              int     `yaml:"nhi"`
	Ba               int     `yaml:"ba"`
	KhuyenKhich      int     `yaml:"khuyen_khich"`
	MinParticipation float64 `yaml:"min_participation"`
	MinStaff         int     `yaml:"min_staff"`
}

// integrityDoc is the `integrity:` section (quiz.Integrity); a missing field
// keeps its default.
type integrityDoc struct {
	MinSecondsPerQuestion string `yaml:"min_seconds_per_question"` // read here: yaml.v3 truncates 2.5 to 2
	SameAnswersWindow     string `yaml:"same_answers_window"`
}

type roundDoc struct {
	Number   int      `yaml:"number"`
	OpensAt  string   `yaml:"opens_at"`
	ClosesAt string   `yaml:"closes_at"`
	Topics   []string `yaml:"topics"`
}

type scheduleDoc struct {
	Reminders []string `yaml:"reminders"`
	Summary   string   `yaml:"summary"`
}

// File is a parsed contest file: the contest and where its fields are, so
// that problems found later (by the database) can be pointed at lines too.
type File struct {
	Name    string
	Contest quiz.Contest
	// Prizes is the prizes: section; nil when the file has none.
	Prizes *report.Prizes
	root   *yaml.Node // the document's top mapping
}

// Problem is one thing wrong in a contest file.
type Problem struct {
	Line    int
	Field   string // as shown: "rounds.closes_at", "" for a YAML syntax error
	Message string
	path    string // the field's full path, to match domain problems against
}

// Error lists everything wrong with a contest file, in line order.
type Error struct {
	File     string
	Problems []Problem
	err      error // the domain error the problems came from, if any
}

func (e *Error) Error() string { return strings.Join(e.Lines(), "\n") }

// Lines returns each problem as "FILE:LINE: field: message", the form editors
// and terminals jump to.
func (e *Error) Lines() []string {
	out := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		field := ""
		if p.Field != "" {
			field = p.Field + ": "
		}
		out[i] = fmt.Sprintf("%s:%d: %s%s", e.File, p.Line, field, p.Message)
	}
	return out
}

// Unwrap gives the domain error (and so its code) behind the problems.
func (e *Error) Unwrap() error { return e.err }

// Parse decodes and checks a contest file. name is used in messages. Unknown
// fields are errors (a misspelled field must not be silently ignored), and
// so is anything quiz.Contest.Validate rejects; every problem is returned at
// once as an *Error.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Name: name}
	fail := func(line int, msg string) (*File, error) {
		return nil, f.errorOf([]Problem{{Line: line, Message: msg}}, nil)
	}

	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := syntaxError(err)
		return fail(line, "YAML không hợp lệ: "+yamlMessage(msg))
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return fail(1, "tệp trống: một cuộc thi cần ít nhất code, name, questions_per_attempt, time_limit và rounds")
	}
	f.root = root.Content[0]
	if f.root.Kind != yaml.MappingNode {
		return fail(f.root.Line, "cần khai báo một cuộc thi (các trường như code, name, rounds), nhưng tệp chứa "+
			map[yaml.Kind]string{yaml.SequenceNode: "một danh sách", yaml.ScalarNode: "một giá trị đơn", yaml.AliasNode: "một bí danh (alias)"}[f.root.Kind])
	}

	var d doc
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var ps []Problem
	if err := dec.Decode(&d); err != nil {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			line, msg := syntaxError(err)
			return fail(line, "YAML không hợp lệ: "+yamlMessage(msg))
		}
		// A wrong type leaves the other fields decoded: go on, so that one
		// run shows every problem. A duplicate key or a document that is not
		// a mapping leaves nothing decoded: stop there.
		stop := false
		for _, s := range te.Errors {
			p, known := f.typeProblem(s)
			ps = append(ps, p)
			stop = stop || !known
		}
		if stop {
			return nil, f.errorOf(ps, nil)
		}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return fail(extra.Line, "tệp có nhiều hơn một tài liệu YAML (---): mỗi tệp chỉ khai báo một cuộc thi")
	} else if !errors.Is(err, io.EOF) {
		line, msg := syntaxError(err)
		return fail(line, "YAML không hợp lệ: "+yamlMessage(msg))
	}

	f.Contest, ps = f.toContest(d, ps)
	f.Prizes, ps = f.toPrizes(d.Prizes, ps)
	// A field that could not be read also breaks a domain rule (a missing
	// time, a zero number): say only the first, more precise thing.
	unread := func(path string) bool {
		for _, p := range ps {
			if p.path != "" && (path == p.path || strings.HasPrefix(path, p.path+".")) {
				return true
			}
		}
		return false
	}
	for _, p := range f.Contest.Problems() {
		if !unread(p.Field) {
			ps = append(ps, f.problem(p))
		}
	}
	if len(ps) > 0 {
		return nil, f.errorOf(ps, nil)
	}
	return f, nil
}

// toContest converts the decoded document, reporting values it cannot read.
func (f *File) toContest(d doc, ps []Problem) (quiz.Contest, []Problem) {
	add := func(path, format string, args ...any) {
		ps = append(ps, f.problem(quiz.Problem{Field: path, Message: fmt.Sprintf(format, args...)}))
	}
	text := func(s string) string { return norm.NFC.String(strings.TrimSpace(s)) }

	c := quiz.Contest{
		Code:                text(d.Code),
		Name:                text(d.Name),
		Timezone:            strings.TrimSpace(d.Timezone),
		QuestionsPerAttempt: d.QuestionsPerAttempt,
		AttemptsPerRound:    1,
		Prediction:          text(d.Prediction),
		PredictionTarget:    quiz.PredictionTarget(strings.TrimSpace(d.PredictionTarget)),
		Reveal:              quiz.Reveal(strings.TrimSpace(d.Reveal)),
		Summary:             strings.TrimSpace(d.Schedule.Summary),
	}
	if d.AttemptsPerRound != nil {
		c.AttemptsPerRound = *d.AttemptsPerRound
	}
	// duration reads the duration at path into dst when one is written; the
	// examples say what the key expects.
	duration := func(path, raw, examples string, dst *time.Duration) {
		s := strings.TrimSpace(raw)
		if s == "" {
			return
		}
		if v, err := time.ParseDuration(s); err != nil {
			add(path, "%q không phải khoảng thời gian hợp lệ: ghi số kèm đơn vị, ví dụ "+examples, s)
		} else {
			*dst = v
		}
	}
	duration("time_limit", d.TimeLimit, "20m, 1h30m hoặc 900s", &c.TimeLimit)
	duration("prediction_grace", d.PredictionGrace, "2m hoặc 90s (0 nếu không cho thêm giờ)", &c.PredictionGrace)
	c.Integrity = quiz.DefaultIntegrity
	if s := strings.TrimSpace(d.Integrity.MinSecondsPerQuestion); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			add("integrity.min_seconds_per_question", "%q không phải số giây nguyên (ví dụ 3, hoặc 0 để tắt)", s)
		} else {
			c.Integrity.MinSecondsPerQuestion = n
		}
	}
	duration("integrity.same_answers_window", d.Integrity.SameAnswersWindow, "10m hoặc 1h", &c.Integrity.SameAnswersWindow)
	for _, r := range d.Schedule.Reminders {
		c.Reminders = append(c.Reminders, strings.TrimSpace(r))
	}
	c.ApplyDefaults()

	// Times are read in the contest's zone; when that zone is unknown, in
	// Vietnam's, so that the rounds still get checked (Validate reports the
	// zone itself).
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil || c.Timezone == "Local" {
		loc, _ = time.LoadLocation(quiz.DefaultTimezone) // embedded: cannot fail
	}
	readTime := func(path, s string) time.Time {
		s = strings.TrimSpace(s)
		if s == "" {
			return time.Time{}
		}
		for _, layout := range TimeLayouts {
			if t, err := time.ParseInLocation(layout, s, loc); err == nil {
				return t
			}
		}
		add(path, "%q không phải thời điểm hợp lệ: viết dạng 2026-12-07 07:30 (giờ địa phương theo múi giờ %s)", s, c.Timezone)
		return time.Time{}
	}
	for i, rd := range d.Rounds {
		r := quiz.Round{
			Number:   rd.Number,
			OpensAt:  readTime(fmt.Sprintf("rounds.%d.opens_at", i), rd.OpensAt),
			ClosesAt: readTime(fmt.Sprintf("rounds.%d.closes_at", i), rd.ClosesAt),
		}
		for _, t := range rd.Topics {
			r.Topics = append(r.Topics, text(t))
		}
		c.Rounds = append(c.Rounds, r)
	}
	c.Entries = toEntries(d.Entries, add, readTime)
	return c, ps
}

// toPrizes checks the prizes: section: counts are whole numbers from 0, the
// floor a share between 0 and 1 (0.8 for 80%), and every prize goes to a
// place, so that a section awarding nothing is refused as a mistake.
func (f *File) toPrizes(d *prizesDoc, ps []Problem) (*report.Prizes, []Problem) {
	if d == nil {
		return nil, ps
	}
	add := func(path, format string, args ...any) {
		ps = append(ps, f.problem(quiz.Problem{Field: path, Message: fmt.Sprintf(format, args...)}))
	}
	counts := func(part string, g report.GradeCounts) {
		for i, n := range []int{g.Nhat, g.Nhi, g.Ba, g.KhuyenKhich} {
			if n < 0 {
				add("prizes."+part+"."+report.Grades[i], "%d giải: ghi một số nguyên từ 0 trở lên", n)
			}
		}
		unread := slices.ContainsFunc(ps, func(p Problem) bool { return strings.HasPrefix(p.path, "prizes."+part+".") })
		if g.Nhat+g.Nhi+g.Ba+g.KhuyenKhich == 0 && !unread {
			add("prizes."+part, "chưa có giải nào: ghi ít nhất một trong nhat, nhi, ba, khuyen_khich, hoặc bỏ hẳn mục %s", part)
		}
	}
	p := &report.Prizes{}
	member := func(part string, m *memberPrizesDoc) *report.IndividualPrizes {
		if m == nil {
			return nil
		}
		ip := &report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: m.Nhat, Nhi: m.Nhi, Ba: m.Ba, KhuyenKhich: m.KhuyenKhich}, PerUnitMax: m.PerUnitMax}
		counts(part, ip.GradeCounts)
		if m.PerUnitMax < 0 {
			add("prizes."+part+".per_unit_max", "%d: ghi số giải nhiều nhất cán bộ của một đơn vị được nhận (0 hoặc bỏ trống nếu không giới hạn)", m.PerUnitMax)
		}
		return ip
	}
	p.Round = member("round", d.Round)
	p.Contest = member("contest", d.Contest)
	if u := d.Units; u != nil {
		p.Units = &report.UnitPrizes{GradeCounts: report.GradeCounts{Nhat: u.Nhat, Nhi: u.Nhi, Ba: u.Ba, KhuyenKhich: u.KhuyenKhich},
			MinParticipation: u.MinParticipation, MinStaff: u.MinStaff}
		counts("units", p.Units.GradeCounts)
		if u.MinParticipation < 0 || u.MinParticipation > 1 {
			add("prizes.units.min_participation", "%v không phải tỉ lệ hợp lệ: ghi số từ 0 đến 1 (0.8 là 80%%)", u.MinParticipation)
		}
		if u.MinStaff < 0 {
			add("prizes.units.min_staff", "%d: ghi số biên chế tối thiểu để đơn vị được xét giải, từ 0 trở lên", u.MinStaff)
		}
	}
	if p.Round == nil && p.Contest == nil && p.Units == nil {
		add("prizes", "trống: khai báo giải round, contest hoặc units, hoặc bỏ hẳn mục prizes")
	}
	return p, ps
}

// Explain points the quiz.Problems carried by err (from Validate or from the
// database's checks on apply) at the file's lines, as an *Error that still
// unwraps to err. Any other error comes back as it is.
func (f *File) Explain(err error) error {
	var qps quiz.Problems
	if err == nil || !errors.As(err, &qps) {
		return err
	}
	ps := make([]Problem, len(qps))
	for i, p := range qps {
		ps[i] = f.problem(p)
	}
	return f.errorOf(ps, err)
}

func (f *File) problem(p quiz.Problem) Problem {
	return Problem{Line: f.Line(p.Field), Field: display(p.Field), Message: p.Message, path: p.Field}
}

// errorOf sorts ps by line into an *Error; err is the domain error behind
// them, or nil for problems of the file itself (then an EINVALID one).
func (f *File) errorOf(ps []Problem, err error) *Error {
	if err == nil {
		err = quiz.Errorf(quiz.EINVALID, "%s: %s (%d lỗi)", f.Name, ps[0].Message, len(ps))
	}
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	return &Error{File: f.Name, Problems: ps, err: err}
}

// Line returns the line of the field at path ("rounds.2.closes_at"), or of
// its nearest enclosing field present in the file when it is missing.
func (f *File) Line(path string) int {
	n := f.root
	if n == nil {
		return 1
	}
	line := n.Line
	if path == "" {
		return line
	}
	for seg := range strings.SplitSeq(path, ".") {
		switch n.Kind {
		case yaml.MappingNode:
			var next *yaml.Node
			for k := 0; k+1 < len(n.Content); k += 2 {
				if n.Content[k].Value == seg {
					// The key's line: for a block list that is the line that
					// names the field, not the first item under it.
					line, next = n.Content[k].Line, n.Content[k+1]
					break
				}
			}
			if next == nil {
				return line
			}
			n = next
		case yaml.SequenceNode:
			i, err := strconv.Atoi(seg)
			if err != nil || i < 0 || i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
			line = n.Line
		default:
			return line
		}
	}
	return line
}

// fieldAt returns the path of the deepest field written on line, for the
// YAML library's type errors, which name only a line.
func (f *File) fieldAt(line int) string {
	best, bestDepth := "", -1
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		if n.Line == line && len(path) > bestDepth {
			best, bestDepth = strings.Join(path, "."), len(path)
		}
		switch n.Kind {
		case yaml.MappingNode:
			for k := 0; k+1 < len(n.Content); k += 2 {
				p := append(slices.Clone(path), n.Content[k].Value)
				if n.Content[k].Line == line && len(p) > bestDepth {
					best, bestDepth = strings.Join(p, "."), len(p)
				}
				walk(n.Content[k+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, append(slices.Clone(path), strconv.Itoa(i)))
			}
		}
	}
	if f.root != nil {
		walk(f.root, nil)
	}
	return best
}

// valueAt returns the path of the field on line whose value is the scalar
// value, for a one-line mapping where several fields share the line; "" if
// none or several.
func (f *File) valueAt(line int, value string) string {
	var found []string
	var walk func(n *yaml.Node, path []string)
	walk = func(n *yaml.Node, path []string) {
		switch n.Kind {
		case yaml.MappingNode:
			for k := 0; k+1 < len(n.Content); k += 2 {
				v := n.Content[k+1]
				p := append(slices.Clone(path), n.Content[k].Value)
				if v.Kind == yaml.ScalarNode && v.Line == line && v.Value == value {
					found = append(found, strings.Join(p, "."))
				}
				walk(v, p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, append(slices.Clone(path), strconv.Itoa(i)))
			}
		}
	}
	if f.root != nil {
		walk(f.root, nil)
	}
	if len(found) != 1 {
		return ""
	}
	return found[0]
}

var (
	yamlLine     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownField = regexp.MustCompile(`^field (\S+) not found in type (\S+)$`)
	cannotDecode = regexp.MustCompile("^cannot unmarshal !!(\\w+)(?: `(.*)`)? into (.+)$")
)

// typeProblem rewrites one of yaml.v3's "line N: …" type errors into words
// about the contest, naming the field; known is false for errors it does
// not recognise.
func (f *File) typeProblem(s string) (p Problem, known bool) {
	line, msg := splitYAMLError(s)
	path := f.fieldAt(line)
	p = Problem{Line: line, Field: display(path), Message: msg, path: path}
	known = true
	if m := unknownField.FindStringSubmatch(msg); m != nil {
		// A one-line mapping ({nhat: 1, nhii: 2}) puts several fields on
		// the line: name the unknown one, not the first.
		// (A list's items on the line, as in topic: [a, b], come after
		// their field: they are not fields.)
		field := path
		for i := strings.LastIndexByte(field, '.'); i >= 0; i = strings.LastIndexByte(field, '.') {
			if _, err := strconv.Atoi(field[i+1:]); err != nil {
				break
			}
			field = field[:i]
		}
		if i := strings.LastIndexByte(field, '.'); i >= 0 && field[i+1:] != m[1] {
			path = field[:i+1] + m[1]
			p.Field, p.path = display(path), path
		}
		p.Message = "không có trường này"
		if s := suggest(m[1], knownFields(m[2])); s != "" {
			p.Message += fmt.Sprintf("; có phải ý bạn là %q?", s)
		} else {
			p.Message += "; các trường hợp lệ ở đây: " + strings.Join(knownFields(m[2]), ", ")
		}
	} else if m := cannotDecode.FindStringSubmatch(msg); m != nil {
		if m[2] != "" {
			if vp := f.valueAt(line, m[2]); vp != "" {
				path = vp
				p.Field, p.path = display(path), path
			}
		}
		got := map[string]string{"str": "chữ", "int": "một số", "float": "một số", "bool": "true/false",
			"seq": "một danh sách", "map": "một nhóm trường", "null": "giá trị trống", "timestamp": "một ngày"}[m[1]]
		if got == "" {
			got = m[1]
		}
		if m[2] != "" {
			got += fmt.Sprintf(" (%s)", m[2])
		}
		p.Message = fmt.Sprintf("cần %s, nhưng gặp %s", describe(m[3]), got)
	} else {
		p.Message = yamlMessage(msg)
		known = false
	}
	return p, known
}

// parserProblems are the syntax errors of yaml.v3's parser (as opposed to
// its scanner), which it reports one line early: it prints the 0-based line
// of the construct being parsed.
var parserProblems = []string{
	"did not find expected <stream-start>", "did not find expected <document start>",
	"did not find expected node content", "did not find expected '-' indicator",
	"did not find expected key", "did not find expected ',' or ']'", "did not find expected ',' or '}'",
	"found undefined tag handle", "found duplicate %YAML directive", "found incompatible YAML document",
	"found duplicate %TAG directive",
}

// syntaxError returns the line and the text of a YAML syntax error.
func syntaxError(err error) (int, string) {
	s := err.Error()
	line, msg := splitYAMLError(s)
	if slices.Contains(parserProblems, msg) && yamlLine.MatchString(s) {
		line++
	}
	return line, msg
}

func splitYAMLError(s string) (int, string) {
	if m := yamlLine.FindStringSubmatch(strings.TrimSpace(s)); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, m[2]
	}
	return 1, strings.TrimPrefix(s, "yaml: ")
}

// describe names a Go type of doc the way an organizer thinks of it.
func describe(goType string) string {
	switch strings.TrimPrefix(goType, "*") {
	case "int":
		return "một số nguyên"
	case "string":
		return "một giá trị đơn"
	case "[]string":
		return "một danh sách giá trị"
	case "[]contestfile.roundDoc":
		return "một danh sách đợt thi"
	case "contestfile.roundDoc":
		return "một đợt thi (number, opens_at, closes_at, topics)"
	case "contestfile.scheduleDoc":
		return "lịch nhắc (reminders, summary)"
	case "contestfile.doc":
		return "một cuộc thi (code, name, rounds, …)"
	case "contestfile.prizesDoc":
		return "cơ cấu giải (round, contest, units)"
	case "contestfile.memberPrizesDoc":
		return "cơ cấu giải cá nhân (nhat, nhi, ba, khuyen_khich, per_unit_max)"
	case "contestfile.unitPrizesDoc":
		return "cơ cấu giải tập thể (nhat, nhi, ba, khuyen_khich, min_participation, min_staff)"
	case "float64":
		return "một số"
	case "contestfile.integrityDoc":
		return "ngưỡng phát hiện bất thường (min_seconds_per_question, same_answers_window)"
	}
	if s, ok := entriesTypes[strings.TrimPrefix(goType, "*")]; ok {
		return s
	}
	return goType
}

func knownFields(goType string) []string {
	var t reflect.Type
	switch goType {
	case "contestfile.doc":
		t = reflect.TypeFor[doc]()
	case "contestfile.roundDoc":
		t = reflect.TypeFor[roundDoc]()
	case "contestfile.scheduleDoc":
		t = reflect.TypeFor[scheduleDoc]()
	case "contestfile.prizesDoc":
		t = reflect.TypeFor[prizesDoc]()
	case "contestfile.memberPrizesDoc":
		t = reflect.TypeFor[memberPrizesDoc]()
	case "contestfile.unitPrizesDoc":
		t = reflect.TypeFor[unitPrizesDoc]()
	case "contestfile.integrityDoc":
		t = reflect.TypeFor[integrityDoc]()
	case "contestfile.entriesDoc":
		t = reflect.TypeFor[entriesDoc]()
	case "contestfile.perUnitDoc":
		t = reflect.TypeFor[perUnitDoc]()
	case "contestfile.kindsDoc":
		t = reflect.TypeFor[kindsDoc]()
	case "contestfile.videoDoc":
		t = reflect.TypeFor[videoDoc]()
	case "contestfile.essayDoc":
		t = reflect.TypeFor[essayDoc]()
	case "contestfile.criterionDoc":
		t = reflect.TypeFor[criterionDoc]()
	case "contestfile.entryPrizesDoc":
		t = reflect.TypeFor[entryPrizesDoc]()
	default:
		return nil
	}
	var names []string
	for i := range t.NumField() {
		names = append(names, t.Field(i).Tag.Get("yaml"))
	}
	return names
}

// suggest returns the known field closest to a misspelled one, if close.
func suggest(name string, known []string) string {
	best, bestD := "", 3 // more than two edits away is not a typo
	for _, k := range known {
		if d := distance(strings.ToLower(name), k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// display turns a path into the field name shown to the organizer: list
// indexes go (the line says which round), so "rounds.2.closes_at" reads
// "rounds.closes_at".
func display(path string) string {
	var keep []string
	for seg := range strings.SplitSeq(path, ".") {
		if _, err := strconv.Atoi(seg); err != nil && seg != "" {
			keep = append(keep, seg)
		}
	}
	return strings.Join(keep, ".")
}

// yamlMessages say yaml.v3's common syntax errors in Vietnamese; any other
// comes through in the library's words, quoted, so that nothing is lost.
var yamlMessages = map[string]string{
	"mapping values are not allowed in this context":               "dấu ':' đặt sai chỗ (thường do thụt lề sai hoặc thiếu dấu cách sau ':')",
	"found character that cannot start any token":                  "có ký tự không được đứng đầu một giá trị (thường là tab hoặc ký tự như @, `): hãy bao giá trị trong ngoặc kép",
	"did not find expected key":                                    "không tìm thấy tên trường ở chỗ cần có (kiểm tra thụt lề)",
	"did not find expected node content":                           "thiếu giá trị ở chỗ cần có",
	"did not find expected '-' indicator":                          "thiếu dấu '-' của một mục trong danh sách (kiểm tra thụt lề)",
	"did not find expected ',' or ']'":                             "danh sách trong [ ] thiếu dấu ',' hoặc ']'",
	"did not find expected ',' or '}'":                             "nhóm trường trong { } thiếu dấu ',' hoặc '}'",
	"could not find expected ':'":                                  "thiếu dấu ':' sau tên trường",
	"found unexpected end of stream":                               "tệp kết thúc giữa chừng (thiếu dấu ngoặc kép hoặc ngoặc đóng)",
	"found a tab character that violates indentation":              "có ký tự tab trong phần thụt lề: chỉ dùng dấu cách",
	"found a tab character where an indentation space is expected": "có ký tự tab trong phần thụt lề: chỉ dùng dấu cách",
	"block sequence entries are not allowed in this context":       "mục danh sách ('-') đặt sai chỗ (kiểm tra thụt lề)",
	"found unknown escape character":                               "chuỗi trong ngoặc kép có ký tự thoát (\\) không hợp lệ",
	"control characters are not allowed":                           "tệp có ký tự điều khiển: hãy xoá ký tự đó",
	"invalid leading UTF-8 octet":                                  "tệp không phải văn bản UTF-8: hãy lưu lại tệp với mã hoá UTF-8",
	"incomplete UTF-8 octet sequence":                              "tệp không phải văn bản UTF-8: hãy lưu lại tệp với mã hoá UTF-8",
}

var duplicateKey = regexp.MustCompile(`^mapping key "(.*)" already defined at line (\d+)$`)

func yamlMessage(msg string) string {
	if v, ok := yamlMessages[msg]; ok {
		return v
	}
	if m := duplicateKey.FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("trường %q đã được khai báo ở dòng %s: mỗi trường chỉ ghi một lần", m[1], m[2])
	}
	return fmt.Sprintf("lỗi cú pháp (%q)", msg)
}
