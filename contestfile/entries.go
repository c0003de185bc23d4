package contestfile

import (
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"quizbot/quiz"
)

// entriesDoc is the entries: section (issue 13): the video clips and essays
// units send, and how judges score them.
type entriesDoc struct {
	Opens         string         `yaml:"opens"`
	Closes        string         `yaml:"closes"`
	JudgingCloses string         `yaml:"judging_closes"`
	Submitter     string         `yaml:"submitter"`
	PerUnit       perUnitDoc     `yaml:"per_unit"`
	Kinds         kindsDoc       `yaml:"kinds"`
	Rubric        []criterionDoc `yaml:"rubric"`
	Judges        []string       `yaml:"judges"`
	Combine       string         `yaml:"combine"`
	Blind         bool           `yaml:"blind"`
	Prizes        entryPrizesDoc `yaml:"prizes"`
	// Assign is "all" (the default) or {per_entry: N}; read by hand, as
	// it is either a word or a mapping.
	Assign yaml.Node `yaml:"assign"`
}

type perUnitDoc struct {
	Min *int `yaml:"min"`
	Max *int `yaml:"max"`
}

type kindsDoc struct {
	Video *videoDoc `yaml:"video"`
	Essay *essayDoc `yaml:"essay"`
	Link  bool      `yaml:"link"`
}

type videoDoc struct {
	Formats     []string `yaml:"formats"`
	MaxDuration string   `yaml:"max_duration"`
}

type essayDoc struct {
	Formats []string `yaml:"formats"`
	Words   struct {
		Min int `yaml:"min"`
		Max int `yaml:"max"`
	} `yaml:"words"`
}

type criterionDoc struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	MaxPoints   int    `yaml:"max_points"`
}

type entryPrizesDoc struct {
	Nhat        int `yaml:"nhat"`
	Nhi         int `yaml:"nhi"`
	Ba          int `yaml:"ba"`
	KhuyenKhich int `yaml:"khuyen_khich"`
}

// toEntries converts the entries: section; add reports what it cannot
// read, readTime reads a local time. The domain's rules
// (quiz.EntriesConfig.Problems) are checked with the contest's.
func toEntries(d *entriesDoc, add func(path, format string, args ...any), readTime func(path, s string) time.Time) *quiz.EntriesConfig {
	if d == nil {
		return nil
	}
	text := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	e := &quiz.EntriesConfig{
		OpensAt:         readTime("entries.opens", d.Opens),
		ClosesAt:        readTime("entries.closes", d.Closes),
		JudgingClosesAt: readTime("entries.judging_closes", d.JudgingCloses),
		Submitter:       quiz.Submitter(strings.TrimSpace(d.Submitter)),
		MinPerUnit:      0,
		MaxPerUnit:      1,
		Link:            d.Kinds.Link,
		Combine:         quiz.Combine(strings.TrimSpace(d.Combine)),
		Blind:           d.Blind,
		Prizes:          quiz.EntryPrizes{Nhat: d.Prizes.Nhat, Nhi: d.Prizes.Nhi, Ba: d.Prizes.Ba, KhuyenKhich: d.Prizes.KhuyenKhich},
	}
	if e.Submitter == "" {
		e.Submitter = quiz.SubmitterHead
	}
	if e.Combine == "" {
		e.Combine = quiz.CombineMean
	}
	if d.PerUnit.Min != nil {
		e.MinPerUnit = *d.PerUnit.Min
	}
	if d.PerUnit.Max != nil {
		e.MaxPerUnit = *d.PerUnit.Max
	}
	lower := func(fs []string) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(f), "."))
		}
		return out
	}
	if v := d.Kinds.Video; v != nil {
		e.Video = &quiz.VideoRules{Formats: lower(v.Formats)}
		if s := strings.TrimSpace(v.MaxDuration); s != "" {
			if dur, err := time.ParseDuration(s); err != nil {
				add("entries.kinds.video.max_duration", "%q không phải khoảng thời gian hợp lệ: ghi ví dụ 5m hoặc 4m30s", s)
			} else {
				e.Video.MaxDuration = dur
			}
		}
	}
	if s := d.Kinds.Essay; s != nil {
		e.Essay = &quiz.EssayRules{Formats: lower(s.Formats), MinWords: s.Words.Min, MaxWords: s.Words.Max}
	}
	for _, c := range d.Rubric {
		e.Rubric = append(e.Rubric, quiz.Criterion{Name: text(c.Name), Description: strings.TrimSpace(c.Description), MaxPoints: c.MaxPoints})
	}
	for _, j := range d.Judges {
		e.Judges = append(e.Judges, strings.TrimSpace(j))
	}
	e.PerEntry = readAssign(&d.Assign, add)
	return e
}

// readAssign reads entries.assign: absent or "all" is 0 (every judge
// scores every entry), {per_entry: N} is N (checked against the judges by
// quiz.EntriesConfig.Problems).
func readAssign(n *yaml.Node, add func(path, format string, args ...any)) int {
	const how = "ghi assign: all (mọi giám khảo chấm mọi bài) hoặc assign: {per_entry: 3} (mỗi bài do 3 giám khảo chấm)"
	switch {
	case n.Kind == 0:
		return 0
	case n.Kind == yaml.ScalarNode && strings.TrimSpace(n.Value) == "all":
		return 0
	case n.Kind != yaml.MappingNode:
		add("entries.assign", "%q không phải cách phân công hợp lệ: %s", n.Value, how)
		return 0
	}
	per := -1
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value != "per_entry" {
			add("entries.assign."+k.Value, "assign không có trường %q: %s", k.Value, how)
			continue
		}
		p, err := strconv.Atoi(strings.TrimSpace(v.Value))
		if err != nil || v.Kind != yaml.ScalarNode {
			add("entries.assign.per_entry", "%q không phải số nguyên: %s", v.Value, how)
			continue
		}
		if p < 1 {
			add("entries.assign.per_entry", "%d: mỗi bài cần ít nhất 1 giám khảo; %s", p, how)
			continue
		}
		per = p
	}
	if per < 0 {
		if len(n.Content) == 0 {
			add("entries.assign", "thiếu per_entry: %s", how)
		}
		return 0
	}
	return per
}

// entriesTypes names the section's types for messages about unknown or
// mistyped fields.
var entriesTypes = map[string]string{
	"contestfile.entriesDoc":     "bài dự thi (opens, closes, submitter, per_unit, kinds, rubric, judges, combine, blind, prizes, assign)",
	"contestfile.perUnitDoc":     "số bài mỗi đơn vị (min, max)",
	"contestfile.kindsDoc":       "loại bài dự thi (video, essay, link)",
	"contestfile.videoDoc":       "quy định video (formats, max_duration)",
	"contestfile.essayDoc":       "quy định bài viết (formats, words)",
	"contestfile.criterionDoc":   "một tiêu chí chấm (name, description, max_points)",
	"[]contestfile.criterionDoc": "một danh sách tiêu chí chấm",
	"contestfile.entryPrizesDoc": "cơ cấu giải bài dự thi (nhat, nhi, ba, khuyen_khich)",
	"bool":                       "true hoặc false",
}
