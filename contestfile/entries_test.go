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
			`contest.yaml:L2: entries.closes: 2026-12-01 17:00 không sau thời điểm mở nộp bài (opens: 2026-12-07 07:30)`},
		{"bad time", strings.Replace(base, "2026-12-07 07:30", "7/12/2026", 1),
			`contest.yaml:L1: entries.opens: "7/12/2026" không phải thời điểm hợp lệ: viết dạng 2026-12-07 07:30 (giờ địa phương theo múi giờ Asia/Ho_Chi_Minh)`},
		{"unknown format", strings.Replace(base, "[mp4]", "[mp4, avi]", 1),
			`contest.yaml:L3: entries.kinds.video.formats: định dạng "avi" không hợp lệ: dùng mp4, mov, webm`},
		{"criterion without maximum", strings.Replace(base, ", max_points: 40", "", 1),
			`contest.yaml:L4: entries.rubric.max_points: 0: ghi điểm tối đa của tiêu chí, từ 1 đến 1000`},
		{"unknown combine", base + "  combine: median\n",
			`contest.yaml:L6: entries.combine: giá trị "median" không hợp lệ: dùng "mean" hoặc "trimmed" (bỏ điểm cao nhất và thấp nhất khi có từ 5 giám khảo chấm)`},
		{"misspelled field", base + "  blnd: true\n",
			`contest.yaml:L6: entries.blnd: không có trường này; có phải ý bạn là "blind"?`},
		{"unknown field", base + "  colour: red\n",
			`contest.yaml:L6: entries.colour: không có trường này; các trường hợp lệ ở đây: opens, closes, judging_closes, submitter, per_unit, kinds, rubric, judges, combine, blind, prizes, assign`},
		{"unknown criterion field", strings.Replace(base, "max_points: 40}", "max_points: 40, weight: 2}", 1),
			`contest.yaml:L4: entries.rubric.weight: không có trường này; các trường hợp lệ ở đây: name, description, max_points`},
		{"unknown video field", strings.Replace(base, "{formats: [mp4]}", "{formats: [mp4], size: 9}", 1),
			`contest.yaml:L3: entries.kinds.video.size: không có trường này; các trường hợp lệ ở đây: formats, max_duration`},
		{"min over max", base + "  per_unit: {min: 3, max: 2}\n",
			`contest.yaml:L6: entries.per_unit.min: 3 lớn hơn per_unit.max (2)`},
		{"judge not a phone", strings.Replace(base, `"0912000001"`, `"gk1"`, 1),
			`contest.yaml:L5: entries.judges: "gk1" không phải số điện thoại`},
		{"per_entry over the judges", base + "  assign: {per_entry: 2}\n",
			`contest.yaml:L6: entries.assign.per_entry: 2: ghi số giám khảo từ 1 đến 1 (số giám khảo đã khai báo), hoặc assign: all để mọi giám khảo cùng chấm`},
		{"per_entry zero", base + "  assign: {per_entry: 0}\n",
			`contest.yaml:L6: entries.assign.per_entry: 0: mỗi bài cần ít nhất 1 giám khảo; ghi assign: all (mọi giám khảo chấm mọi bài) hoặc assign: {per_entry: 3} (mỗi bài do 3 giám khảo chấm)`},
		{"assign a word", base + "  assign: some\n",
			`contest.yaml:L6: entries.assign: "some" không phải cách phân công hợp lệ: ghi assign: all (mọi giám khảo chấm mọi bài) hoặc assign: {per_entry: 3} (mỗi bài do 3 giám khảo chấm)`},
		{"trimmed with too few per entry", strings.Replace(base, `["0912000001"]`, `["0912000001", "0912000002", "0912000003", "0912000004", "0912000005", "0912000006"]`, 1) +
			"  combine: trimmed\n  assign:\n    per_entry: 4\n",
			`contest.yaml:L8: entries.assign.per_entry: 4 giám khảo mỗi bài với combine: trimmed: chỉ bỏ điểm cao nhất và thấp nhất khi có từ 5 giám khảo, nên không bài nào được bỏ điểm; ghi per_entry: 5 trở lên, hoặc combine: mean`},
		{"nothing accepted", strings.Replace(base, "{video: {formats: [mp4]}}", "{link: false}", 1),
			`contest.yaml:L3: entries.kinds: chưa nhận loại bài dự thi nào: khai báo video, essay hoặc link`},
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
