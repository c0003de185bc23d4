package contestfile_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"quizbot/contestfile"
	"quizbot/quiz"
)

const withEntries = good + `entries:
  opens: 2026-12-07 07:30
  closes: 2026-12-20 17:00
  submitter: member
  per_unit: {min: 1, max: 2}
  kinds:
    video: {formats: [mp4, MOV], max_duration: 5m}
    essay: {formats: [pdf, docx], words: {min: 1000, max: 2000}}
    link: true
  rubric:
    - {name: Nội dung, description: Đúng chủ đề cải cách hành chính, max_points: 40}
    - {name: Hình thức, description: Hình ảnh và âm thanh, max_points: 30}
    - {name: Sáng tạo, max_points: 20}
    - {name: Tính ứng dụng, max_points: 10}
  judges: [0912000001, "0912 000 002"]
  combine: trimmed
  blind: true
  prizes: {nhat: 1, nhi: 2, ba: 2, khuyen_khich: 3}
`

func TestContestFileEntries(t *testing.T) {
	f, err := contestfile.Parse("contest.yaml", []byte(withEntries))
	if err != nil {
		t.Fatal(err)
	}
	e := f.Contest.Entries
	if e == nil {
		t.Fatal("no entries section")
	}
	loc, _ := time.LoadLocation(quiz.DefaultTimezone)
	if !e.OpensAt.Equal(time.Date(2026, 12, 7, 7, 30, 0, 0, loc)) || !e.ClosesAt.Equal(time.Date(2026, 12, 20, 17, 0, 0, 0, loc)) {
		t.Errorf("window %v – %v", e.OpensAt, e.ClosesAt)
	}
	if e.Submitter != quiz.SubmitterMember || e.MinPerUnit != 1 || e.MaxPerUnit != 2 || !e.Link || !e.Blind || e.Combine != quiz.CombineTrimmed {
		t.Errorf("rules %+v", e)
	}
	if strings.Join(e.Video.Formats, ",") != "mp4,mov" || e.Video.MaxDuration != 5*time.Minute ||
		strings.Join(e.Essay.Formats, ",") != "pdf,docx" || e.Essay.MinWords != 1000 || e.Essay.MaxWords != 2000 {
		t.Errorf("kinds %+v %+v", e.Video, e.Essay)
	}
	if len(e.Rubric) != 4 || e.Rubric[0] != (quiz.Criterion{Name: "Nội dung", Description: "Đúng chủ đề cải cách hành chính", MaxPoints: 40}) || e.MaxScore() != 100 {
		t.Errorf("rubric %+v", e.Rubric)
	}
	if strings.Join(e.Judges, "|") != "0912000001|0912 000 002" {
		t.Errorf("judges %q", e.Judges)
	}
	if e.Prizes != (quiz.EntryPrizes{Nhat: 1, Nhi: 2, Ba: 2, KhuyenKhich: 3}) {
		t.Errorf("prizes %+v", e.Prizes)
	}
	if e.PerEntry != 0 {
		t.Errorf("no assign: per entry %d, want 0 (all)", e.PerEntry)
	}
	for src, want := range map[string]int{"  assign: all\n": 0, "  assign: {per_entry: 2}\n": 2} {
		f, err := contestfile.Parse("contest.yaml", []byte(strings.Replace(withEntries, "combine: trimmed", "combine: mean", 1)+src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := f.Contest.Entries.PerEntry; got != want {
			t.Errorf("%s: per entry %d, want %d", src, got, want)
		}
	}
}

func TestContestFileEntriesProblems(t *testing.T) {
	line := strings.Count(good, "\n") + 1 // the entries: line
	base := "entries:\n  opens: 2026-12-07 07:30\n  closes: 2026-12-20 17:00\n  kinds: {video: {formats: [mp4]}}\n" +
		"  rubric: [{name: Nội dung, max_points: 40}]\n  judges: [\"0912000001\"]\n"
	for _, c := range []struct{ name, yaml, want string }{
		{"closes before opens", strings.Replace(base, "2026-12-20 17:00", "2026-12-01 17:00", 1),
			`contest.yaml:L2: entries.closes: 2026-12-01 17:00 is not after opens (2026-12-07 07:30)`},
		{"bad time", strings.Replace(base, "2026-12-07 07:30", "7/12/2026", 1),
			`contest.yaml:L1: entries.opens: "7/12/2026" is not a date and time: write it as 2026-12-07 07:30 (local time in Asia/Ho_Chi_Minh)`},
		{"unknown format", strings.Replace(base, "[mp4]", "[mp4, avi]", 1),
			`contest.yaml:L3: entries.kinds.video.formats: unknown format "avi": use mp4, mov, webm`},
		{"criterion without maximum", strings.Replace(base, ", max_points: 40", "", 1),
			`contest.yaml:L4: entries.rubric.max_points: 0: write the criterion's maximum, from 1 to 1000`},
		{"unknown combine", base + "  combine: median\n",
			`contest.yaml:L6: entries.combine: unknown value "median": use "mean" or "trimmed" (drop the highest and the lowest when at least 5 judges scored)`},
		{"misspelled field", base + "  blnd: true\n",
			`contest.yaml:L6: entries.blnd: unknown field; did you mean "blind"?`},
		{"min over max", base + "  per_unit: {min: 3, max: 2}\n",
			`contest.yaml:L6: entries.per_unit.min: 3 is more than per_unit.max (2)`},
		{"judge not a phone", strings.Replace(base, `"0912000001"`, `"gk1"`, 1),
			`contest.yaml:L5: entries.judges: "gk1" is not a phone number`},
		{"per_entry over the judges", base + "  assign: {per_entry: 2}\n",
			`contest.yaml:L6: entries.assign.per_entry: 2: write a number of judges from 1 to 1 (the judges listed), or assign: all for every judge`},
		{"per_entry zero", base + "  assign: {per_entry: 0}\n",
			`contest.yaml:L6: entries.assign.per_entry: 0: each entry needs at least 1 judge; write assign: all (every judge scores every entry) or assign: {per_entry: 3} (each entry scored by 3 judges)`},
		{"assign a word", base + "  assign: some\n",
			`contest.yaml:L6: entries.assign: "some" is not an assignment: write assign: all (every judge scores every entry) or assign: {per_entry: 3} (each entry scored by 3 judges)`},
		{"trimmed with too few per entry", strings.Replace(base, `["0912000001"]`, `["0912000001", "0912000002", "0912000003", "0912000004", "0912000005", "0912000006"]`, 1) +
			"  combine: trimmed\n  assign:\n    per_entry: 4\n",
			`contest.yaml:L8: entries.assign.per_entry: 4 judges per entry with combine: trimmed: the highest and lowest are dropped only from 5 judges, so no entry would be trimmed; write per_entry: 5 or more, or combine: mean`},
		{"nothing accepted", strings.Replace(base, "{video: {formats: [mp4]}}", "{link: false}", 1),
			`contest.yaml:L3: entries.kinds: no kind of entry accepted: declare video, essay or link`},
	} {
		_, err := contestfile.Parse("contest.yaml", []byte(good+c.yaml))
		var fe *contestfile.Error
		if !errors.As(err, &fe) {
			t.Errorf("%s: err = %v", c.name, err)
			continue
		}
		want := c.want
		for k := 8; k >= 1; k-- {
			want = strings.ReplaceAll(want, "L"+itoa(k), itoa(line+k))
		}
		if got := strings.Join(fe.Lines(), "\n"); got != want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, want)
		}
	}
}
