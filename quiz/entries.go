package quiz

import (
	"cmp"
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The entries part (issue 13): beside the weekly quiz, each unit sends a
// video clip or an essay; judges score it against the contest's rubric and
// the best entries win prizes. This file holds its rules; entries_service.go
// the operations.

// EntryKind is what an entry is.
type EntryKind string

const (
	EntryVideo EntryKind = "video" // a video file (mp4, mov, webm)
	EntryEssay EntryKind = "essay" // a written essay (pdf, docx)
	EntryLink  EntryKind = "link"  // a link to a video hosted elsewhere
)

// Submitter says who may submit a unit's entries.
type Submitter string

const (
	SubmitterHead   Submitter = "head"   // the unit's head only
	SubmitterMember Submitter = "member" // any active member, for their unit
)

// Combine says how the judges' totals make an entry's score.
type Combine string

const (
	CombineMean Combine = "mean"
	// CombineTrimmed drops the highest and the lowest total when at least
	// TrimmedMinJudges judges scored the entry, then takes the mean.
	CombineTrimmed Combine = "trimmed"
)

// TrimmedMinJudges is the fewest judges from which the trimmed mean drops
// the extremes: with fewer, dropping two would leave too few to average.
const TrimmedMinJudges = 5

// VideoFormats and EssayFormats are the file formats quizbot can recognise
// by their content.
var (
	VideoFormats = []string{"mp4", "mov", "webm"}
	EssayFormats = []string{"pdf", "docx"}
)

// EntriesConfig is a contest's entries: section.
type EntriesConfig struct {
	OpensAt  time.Time
	ClosesAt time.Time
	// JudgingClosesAt, when set, is when scores stop being accepted; the
	// organizer may close the judging earlier (storage keeps that).
	JudgingClosesAt time.Time
	Submitter       Submitter
	MinPerUnit      int
	MaxPerUnit      int
	Video           *VideoRules // nil: videos are not accepted
	Essay           *EssayRules // nil: essays are not accepted
	Link            bool        // links to hosted videos are accepted
	Rubric          []Criterion
	Judges          []string // phones, as written in the file
	Combine         Combine
	Blind           bool
	Prizes          EntryPrizes
	// PerEntry is how many judges score each entry (assign: {per_entry:
	// N}); 0 means every judge scores every entry (assign: all). See
	// AssignJudges for who gets which.
	PerEntry int
}

// VideoRules are the accepted videos.
type VideoRules struct {
	Formats     []string      `json:"formats"`
	MaxDuration time.Duration `json:"max_duration"` // 0: no limit
}

// EssayRules are the accepted essays.
type EssayRules struct {
	Formats  []string `json:"formats"`
	MinWords int      `json:"min_words,omitempty"`
	MaxWords int      `json:"max_words,omitempty"` // 0: no limit
}

// Criterion is one line of the rubric.
type Criterion struct {
	Name        string `json:"name" db:"name"`
	Description string `json:"description" db:"description"`
	MaxPoints   int    `json:"max_points" db:"max_points"`
}

// EntryPrizes is how many entry prizes of each grade, from the highest.
type EntryPrizes struct {
	Nhat        int `json:"nhat"`
	Nhi         int `json:"nhi"`
	Ba          int `json:"ba"`
	KhuyenKhich int `json:"khuyen_khich"`
}

// Entry prize grades, as the contest file and the CSV write them.
var EntryGrades = []string{"nhat", "nhi", "ba", "khuyen_khich"}

// EntryGradeNames are the grades' Vietnamese names.
var EntryGradeNames = map[string]string{"nhat": "Giải Nhất", "nhi": "Giải Nhì", "ba": "Giải Ba", "khuyen_khich": "Giải Khuyến khích"}

// Slots lists the prizes in order, one grade per prize.
func (p EntryPrizes) Slots() []string {
	var out []string
	for i, n := range []int{p.Nhat, p.Nhi, p.Ba, p.KhuyenKhich} {
		for range n {
			out = append(out, EntryGrades[i])
		}
	}
	return out
}

// MaxScore is the rubric's total.
func (e *EntriesConfig) MaxScore() int {
	n := 0
	for _, c := range e.Rubric {
		n += c.MaxPoints
	}
	return n
}

// Accepts reports whether kind is accepted.
func (e *EntriesConfig) Accepts(kind EntryKind) bool {
	switch kind {
	case EntryVideo:
		return e.Video != nil
	case EntryEssay:
		return e.Essay != nil
	case EntryLink:
		return e.Link
	}
	return false
}

// Open reports whether entries are accepted at t.
func (e *EntriesConfig) Open(t time.Time) bool {
	return !t.Before(e.OpensAt) && t.Before(e.ClosesAt)
}

// Problems lists what is wrong with the section, with paths under
// "entries." for the file reader; loc shows times in messages.
func (e *EntriesConfig) Problems(loc *time.Location) Problems {
	var ps Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, Problem{Field: "entries." + field, Message: fmt.Sprintf(format, args...)})
	}
	show := func(t time.Time) string { return t.In(loc).Format(LocalTimeLayout) }
	switch {
	case e.OpensAt.IsZero():
		add("opens", "bắt buộc phải có: thời điểm các đơn vị bắt đầu được nộp bài (ví dụ 2026-12-07 07:30, giờ địa phương)")
	case e.ClosesAt.IsZero():
		add("closes", "bắt buộc phải có: thời điểm hết hạn nộp bài (ví dụ 2026-12-20 17:00, giờ địa phương)")
	case !e.ClosesAt.After(e.OpensAt):
		add("closes", "%s không sau thời điểm mở nộp bài (opens: %s)", show(e.ClosesAt), show(e.OpensAt))
	}
	if !e.JudgingClosesAt.IsZero() && !e.ClosesAt.IsZero() && !e.JudgingClosesAt.After(e.ClosesAt) {
		add("judging_closes", "%s không sau thời điểm hết hạn nộp bài (%s): giám khảo chỉ chấm khi bài dự thi đã chốt", show(e.JudgingClosesAt), show(e.ClosesAt))
	}
	if e.Submitter != SubmitterHead && e.Submitter != SubmitterMember {
		add("submitter", "giá trị %q không hợp lệ: dùng %q (thủ trưởng đơn vị nộp) hoặc %q (mọi cán bộ nộp cho đơn vị mình)", e.Submitter, SubmitterHead, SubmitterMember)
	}
	if e.MinPerUnit < 0 {
		add("per_unit.min", "%d: ghi số bài tối thiểu mỗi đơn vị phải nộp, từ 0 trở lên", e.MinPerUnit)
	}
	switch {
	case e.MaxPerUnit < 1:
		add("per_unit.max", "%d: mỗi đơn vị phải được nộp ít nhất 1 bài", e.MaxPerUnit)
	case e.MaxPerUnit > 100:
		add("per_unit.max", "%d bài mỗi đơn vị vượt quá mức tối đa 100", e.MaxPerUnit)
	case e.MinPerUnit > e.MaxPerUnit:
		add("per_unit.min", "%d lớn hơn per_unit.max (%d)", e.MinPerUnit, e.MaxPerUnit)
	}
	if e.Video == nil && e.Essay == nil && !e.Link {
		add("kinds", "chưa nhận loại bài dự thi nào: khai báo video, essay hoặc link")
	}
	formats := func(path string, got, known []string) {
		if len(got) == 0 {
			add(path, "ghi ít nhất một định dạng (%s)", strings.Join(known, ", "))
		}
		seen := map[string]bool{}
		for i, f := range got {
			switch {
			case !slices.Contains(known, f):
				add(fmt.Sprintf("%s.%d", path, i), "định dạng %q không hợp lệ: dùng %s", f, strings.Join(known, ", "))
			case seen[f]:
				add(fmt.Sprintf("%s.%d", path, i), "định dạng %q được ghi hai lần", f)
			}
			seen[f] = true
		}
	}
	if v := e.Video; v != nil {
		formats("kinds.video.formats", v.Formats, VideoFormats)
		if v.MaxDuration < 0 || v.MaxDuration > 3*time.Hour {
			add("kinds.video.max_duration", "%s: ghi thời lượng video dài nhất được phép, ví dụ 5m (tối đa 3h)", v.MaxDuration)
		}
	}
	if s := e.Essay; s != nil {
		formats("kinds.essay.formats", s.Formats, EssayFormats)
		if s.MinWords < 0 {
			add("kinds.essay.words.min", "%d: ghi số chữ tối thiểu, từ 0 trở lên", s.MinWords)
		}
		if s.MaxWords < 0 || (s.MaxWords > 0 && s.MaxWords < s.MinWords) {
			add("kinds.essay.words.max", "%d nhỏ hơn words.min (%d)", s.MaxWords, s.MinWords)
		}
	}
	if len(e.Rubric) == 0 {
		add("rubric", "ghi ít nhất một tiêu chí chấm (name, description, max_points)")
	}
	names := map[string]bool{}
	for i, c := range e.Rubric {
		switch {
		case strings.TrimSpace(c.Name) == "":
			add(fmt.Sprintf("rubric.%d.name", i), "tiêu chí phải có tên (ví dụ Nội dung)")
		case names[strings.ToLower(c.Name)]:
			add(fmt.Sprintf("rubric.%d.name", i), "tiêu chí %q được ghi hai lần", c.Name)
		}
		names[strings.ToLower(c.Name)] = true
		if c.MaxPoints < 1 || c.MaxPoints > 1000 {
			add(fmt.Sprintf("rubric.%d.max_points", i), "%d: ghi điểm tối đa của tiêu chí, từ 1 đến 1000", c.MaxPoints)
		}
	}
	if len(e.Judges) == 0 {
		add("judges", "ghi ít nhất một giám khảo, bằng số điện thoại có trong danh sách cán bộ")
	}
	phones := map[string]int{}
	for i, p := range e.Judges {
		n, err := NormalizePhone(p)
		if err != nil {
			add(fmt.Sprintf("judges.%d", i), "%q không phải số điện thoại", p)
			continue
		}
		if j, dup := phones[n]; dup {
			add(fmt.Sprintf("judges.%d", i), "giám khảo %s được ghi hai lần (trùng với giám khảo thứ %d)", p, j+1)
		}
		phones[n] = i
	}
	if e.Combine != CombineMean && e.Combine != CombineTrimmed {
		add("combine", "giá trị %q không hợp lệ: dùng %q hoặc %q (bỏ điểm cao nhất và thấp nhất khi có từ %d giám khảo chấm)", e.Combine, CombineMean, CombineTrimmed, TrimmedMinJudges)
	}
	switch {
	case e.PerEntry == 0:
	case e.PerEntry < 1 || e.PerEntry > len(e.Judges):
		add("assign.per_entry", "%d: ghi số giám khảo từ 1 đến %d (số giám khảo đã khai báo), hoặc assign: all để mọi giám khảo cùng chấm", e.PerEntry, len(e.Judges))
	case e.Combine == CombineTrimmed && e.PerEntry < TrimmedMinJudges:
		add("assign.per_entry", "%d giám khảo mỗi bài với combine: trimmed: chỉ bỏ điểm cao nhất và thấp nhất khi có từ %d giám khảo, nên không bài nào được bỏ điểm; ghi per_entry: %d trở lên, hoặc combine: mean", e.PerEntry, TrimmedMinJudges, TrimmedMinJudges)
	}
	for i, n := range []int{e.Prizes.Nhat, e.Prizes.Nhi, e.Prizes.Ba, e.Prizes.KhuyenKhich} {
		if n < 0 {
			add("prizes."+EntryGrades[i], "%d giải: ghi một số nguyên từ 0 trở lên", n)
		}
	}
	return ps
}

// Points are a judge's points in hundredths, so that 7,5 adds up exactly.
type Points int64

// ParsePoints reads points as a judge types them: 7, 7.5 or 7,5 (at most
// two decimals).
func ParsePoints(s string) (Points, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	whole, frac, _ := strings.Cut(s, ".")
	bad := Errorf(EINVALID, "%q không phải là số điểm: nhập một số như 8 hoặc 7,5.", s)
	if whole == "" || len(frac) > 2 || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || len(whole) > 6 {
		return 0, bad
	}
	w, _ := strconv.ParseInt(whole, 10, 64)
	f := int64(0)
	if frac != "" {
		f, _ = strconv.ParseInt((frac + "0")[:2], 10, 64)
	}
	return Points(w*100 + f), nil
}

// String writes points the vi-VN way: 7,5 or 8.
func (p Points) String() string { return FormatHundredths(int64(p)) }

// FormatHundredths writes n/100 with a decimal comma and no trailing zeros.
func FormatHundredths(n int64) string {
	sign := ""
	if n < 0 {
		sign, n = "-", -n
	}
	s := fmt.Sprintf("%s%d,%02d", sign, n/100, n%100)
	s = strings.TrimSuffix(strings.TrimSuffix(s, "0"), "0")
	return strings.TrimSuffix(s, ",")
}

// CheckScore checks one judge's points for one criterion: within 0 and the
// criterion's maximum.
func CheckScore(c Criterion, p Points) error {
	if p < 0 || p > Points(c.MaxPoints)*100 {
		return Errorf(EINVALID, "Điểm tiêu chí %q phải từ 0 đến %d, không phải %s.", c.Name, c.MaxPoints, p)
	}
	return nil
}

// CombineTotals makes an entry's score (in hundredths, rounded half away
// from zero) from its judges' totals: their mean, or under
// CombineTrimmed with at least TrimmedMinJudges totals, the mean of the
// totals without one highest and one lowest. ok is false without totals.
func CombineTotals(how Combine, totals []Points) (score int64, ok bool) {
	if len(totals) == 0 {
		return 0, false
	}
	ts := slices.Clone(totals)
	slices.Sort(ts)
	if how == CombineTrimmed && len(ts) >= TrimmedMinJudges {
		ts = ts[1 : len(ts)-1]
	}
	var sum int64
	for _, t := range ts {
		sum += int64(t)
	}
	return int64(math.Round(float64(sum) / float64(len(ts)))), true
}

// ScoredEntry is an entry with its judges' totals, for ranking.
type ScoredEntry struct {
	EntryID int64
	// Totals are the totals of the judges who scored every criterion.
	Totals []Points
	// Score is the combined score in hundredths; Scored is false when no
	// judge scored the entry in full.
	Score  int64
	Scored bool
	// Rank is the entry's place (1 = best); entries with the same score
	// share it and the next place is skipped (1, 2, 2, 4). 0: unranked.
	Rank int
	// Tied is true when another entry shares the rank.
	Tied bool
	// Grade is the prize won ("nhat"…), "" for none.
	Grade string
}

// RankEntries combines each entry's totals, ranks the entries by score
// (ties share a rank, shown as ties: nothing the contest did not declare
// separates them) and gives the prizes in rank order: an entry gets the
// grade of its place, so that tied entries share the grade of the best
// place they share and the places they take are used up. Entries no judge
// scored in full are left unranked, after the others. The result is in
// rank order, then by entry id.
func RankEntries(how Combine, prizes EntryPrizes, entries []ScoredEntry) []ScoredEntry {
	out := slices.Clone(entries)
	for i := range out {
		out[i].Score, out[i].Scored = CombineTotals(how, out[i].Totals)
		out[i].Rank, out[i].Tied, out[i].Grade = 0, false, ""
	}
	slices.SortStableFunc(out, func(a, b ScoredEntry) int {
		if a.Scored != b.Scored {
			if a.Scored {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		return cmp.Compare(a.EntryID, b.EntryID)
	})
	slots := prizes.Slots()
	for i := range out {
		if !out[i].Scored {
			break
		}
		if i > 0 && out[i-1].Score == out[i].Score {
			out[i].Rank = out[i-1].Rank
			out[i].Tied, out[i-1].Tied = true, true
		} else {
			out[i].Rank = i + 1
		}
		if out[i].Rank-1 < len(slots) {
			out[i].Grade = slots[out[i].Rank-1]
		}
	}
	return out
}

// Entry is one submitted entry.
type Entry struct {
	ID          int64  `db:"id"`
	ContestID   int64  `db:"contest_id"`
	UnitID      int64  `db:"unit_id"`
	UnitCode    string `db:"unit_code"`
	UnitName    string `db:"unit_name"`
	SubmittedBy int64  `db:"submitted_by"`
	// SubmitterName is the submitter's full name, for receipts.
	SubmitterName string    `db:"submitter_name"`
	Title         string    `db:"title"`
	Authors       string    `db:"authors"`
	Kind          EntryKind `db:"kind"`
	// The file, for a video or an essay.
	FileHash     string `db:"file_hash"`
	FileSize     int64  `db:"file_size"`
	FileFormat   string `db:"file_format"`
	OriginalName string `db:"original_name"` // as uploaded, for the record only
	// DurationMS is a video's length in milliseconds, 0 when unknown.
	DurationMS int64 `db:"duration_ms"`
	// Words is an essay's word count, 0 when unknown (a scanned PDF): the
	// word range is then not checked, the jury judges.
	Words       int       `db:"words"`
	URL         string    `db:"url"` // a link's
	SubmittedAt time.Time `db:"submitted_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// EntryFile is a file stored for an entry, named by its content's hash.
type EntryFile struct {
	Hash     string // sha256, hex
	Size     int64
	Format   string // mp4, mov, webm, pdf, docx
	Duration time.Duration
	Words    int
	Name     string // the name it was uploaded with, for the record only
}

// Kind is the entry kind the file's format makes.
func (f EntryFile) Kind() EntryKind {
	if slices.Contains(EssayFormats, f.Format) {
		return EntryEssay
	}
	return EntryVideo
}

// EntryDraft is what an entry is made of, as the submitter gave it.
type EntryDraft struct {
	Title   string
	Authors string
	File    *EntryFile // a video or an essay
	URL     string     // or a link
}

// MaxTitle and MaxAuthors bound the texts of an entry.
const (
	MaxTitle   = 300
	MaxAuthors = 500
)

// CheckTitle checks an entry's title as typed.
func CheckTitle(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case s == "":
		return "", Errorf(EINVALID, "Tên bài dự thi không được để trống.")
	case len([]rune(s)) > MaxTitle:
		return "", Errorf(EINVALID, "Tên bài dự thi dài quá %d ký tự; anh/chị vui lòng rút gọn.", MaxTitle)
	}
	return s, nil
}

// CheckAuthors checks an entry's authors as typed.
func CheckAuthors(s string) (string, error) {
	s = strings.Join(strings.Fields(s), " ")
	switch {
	case s == "":
		return "", Errorf(EINVALID, "Vui lòng nhập tên tác giả (nhiều người thì cách nhau bởi dấu phẩy).")
	case len([]rune(s)) > MaxAuthors:
		return "", Errorf(EINVALID, "Danh sách tác giả dài quá %d ký tự; anh/chị vui lòng rút gọn.", MaxAuthors)
	}
	return s, nil
}

// ParseEntryLink reads a link to a video hosted elsewhere: an http(s) URL
// with a host; ok is false for any other text.
func ParseEntryLink(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, " \n\t") || len(s) > 2000 {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}

// checkDraft checks a draft against the contest's kinds.
func (e *EntriesConfig) checkDraft(d EntryDraft) (EntryKind, error) {
	switch {
	case d.File != nil:
		f := d.File
		kind := f.Kind()
		if !e.Accepts(kind) {
			return "", Errorf(EINVALID, "Cuộc thi không nhận %s. %s", kindName(kind), e.AcceptedText())
		}
		if kind == EntryVideo {
			if !slices.Contains(e.Video.Formats, f.Format) {
				return "", Errorf(EINVALID, "Cuộc thi không nhận video định dạng %s. %s", strings.ToUpper(f.Format), e.AcceptedText())
			}
			if max := e.Video.MaxDuration; max > 0 && f.Duration > max {
				return "", Errorf(EINVALID, "Video dài %s, quá thời lượng tối đa %s.", FormatClip(f.Duration), FormatClip(max))
			}
			return kind, nil
		}
		if !slices.Contains(e.Essay.Formats, f.Format) {
			return "", Errorf(EINVALID, "Cuộc thi không nhận bài viết định dạng %s. %s", strings.ToUpper(f.Format), e.AcceptedText())
		}
		if f.Words > 0 {
			if f.Words < e.Essay.MinWords {
				return "", Errorf(EINVALID, "Bài viết có %d chữ, ít hơn mức tối thiểu %d chữ.", f.Words, e.Essay.MinWords)
			}
			if e.Essay.MaxWords > 0 && f.Words > e.Essay.MaxWords {
				return "", Errorf(EINVALID, "Bài viết có %d chữ, nhiều hơn mức tối đa %d chữ.", f.Words, e.Essay.MaxWords)
			}
		}
		return kind, nil
	case d.URL != "":
		if !e.Link {
			return "", Errorf(EINVALID, "Cuộc thi không nhận đường dẫn video. %s", e.AcceptedText())
		}
		return EntryLink, nil
	}
	return "", Errorf(EINVALID, "Bài dự thi cần có tệp hoặc đường dẫn. %s", e.AcceptedText())
}

func kindName(k EntryKind) string {
	switch k {
	case EntryVideo:
		return "video"
	case EntryEssay:
		return "bài viết"
	}
	return "đường dẫn video"
}

// AcceptedText says in Vietnamese what may be sent.
func (e *EntriesConfig) AcceptedText() string {
	var parts []string
	if v := e.Video; v != nil {
		s := "tệp video (" + upperJoin(v.Formats)
		if v.MaxDuration > 0 {
			s += ", dài tối đa " + FormatClip(v.MaxDuration)
		}
		parts = append(parts, s+")")
	}
	if s := e.Essay; s != nil {
		t := "tệp bài viết (" + upperJoin(s.Formats)
		switch {
		case s.MinWords > 0 && s.MaxWords > 0:
			t += fmt.Sprintf(", từ %d đến %d chữ", s.MinWords, s.MaxWords)
		case s.MaxWords > 0:
			t += fmt.Sprintf(", tối đa %d chữ", s.MaxWords)
		case s.MinWords > 0:
			t += fmt.Sprintf(", tối thiểu %d chữ", s.MinWords)
		}
		parts = append(parts, t+")")
	}
	if e.Link {
		parts = append(parts, "đường dẫn (link) tới video đăng trên mạng")
	}
	return "Cuộc thi nhận: " + strings.Join(parts, "; ") + "."
}

func upperJoin(fs []string) string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = strings.ToUpper(f)
	}
	return strings.Join(out, ", ")
}

// FormatClip writes a clip's length as m:ss (4:05).
func FormatClip(d time.Duration) string {
	s := int64(d.Round(time.Second) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// EntryDialogue is where a member is in the chat's /nopbai dialogue: the
// contest, the entry being replaced (0 for a new one), the step awaited
// (title, authors, file) and what was typed so far.
type EntryDialogue struct {
	MemberID  int64     `db:"member_id"`
	ContestID int64     `db:"contest_id"`
	ReplaceID int64     `db:"replace_id"`
	Step      string    `db:"step"`
	Title     string    `db:"title"`
	Authors   string    `db:"authors"`
	ExpiresAt time.Time `db:"expires_at"`
}

// UnitsShort lists the units (of all, by code) that have sent fewer than
// the section's minimum of entries, with their counts: those the
// organizers chase.
func (e *EntriesConfig) UnitsShort(all []Unit, entries []Entry) (short []Unit, counts map[string]int) {
	counts = map[string]int{}
	for _, en := range entries {
		counts[en.UnitCode]++
	}
	for _, u := range all {
		if counts[u.Code] < e.MinPerUnit {
			short = append(short, u)
		}
	}
	return short, counts
}

// AssignJudges says which judges score which entry under perEntry judges
// per entry (0: all of them). The rule, deterministic and stable when
// entries are added: the judges are taken in the order of their member id
// (the roster's order), the entries in the order of their id (the order
// they were first submitted; a replaced entry keeps its id); the entry at
// position p (0, 1, 2…) gets the perEntry judges from position
// p·perEntry on, wrapping round. Consecutive entries so take the next
// judges in turn, and no judge has more than one entry above another.
// A new entry comes last, so it changes no earlier entry's judges. The
// result maps each entry id to its judges' ids.
func AssignJudges(perEntry int, judges, entries []int64) map[int64][]int64 {
	js := slices.Clone(judges)
	slices.Sort(js)
	es := slices.Clone(entries)
	slices.Sort(es)
	out := make(map[int64][]int64, len(es))
	if perEntry <= 0 || perEntry >= len(js) {
		for _, e := range es {
			out[e] = js
		}
		return out
	}
	for p, e := range es {
		for k := range perEntry {
			out[e] = append(out[e], js[(p*perEntry+k)%len(js)])
		}
	}
	return out
}
