package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// contestEnv runs quizbot against a migrated database of the test's own, with
// a question bank seeded by plain SQL (the import is another command's work).
type contestEnv struct {
	t    *testing.T
	vars map[string]string
	dir  string
	db   *storage.DB
}

func newContestEnv(t *testing.T) *contestEnv {
	t.Helper()
	url := storagetest.DatabaseURL(t)
	ce := &contestEnv{t: t, dir: t.TempDir(),
		vars: map[string]string{"DATABASE_URL": url, "REDIS_URL": storagetest.RedisURL(t)}}
	if code, _, errOut := ce.run("migrate"); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errOut)
	}
	db, err := storage.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	ce.db = db
	// 30 active questions: 10 on each of two topics, 10 without a topic.
	if _, err := db.Exec(`
		INSERT INTO questions (code, text, options, correct, topic)
		SELECT 'q' || i, 'Câu hỏi số ' || i, '{"Đúng","Sai"}', 0,
		       CASE WHEN i <= 10 THEN 'Một cửa' WHEN i <= 20 THEN 'PAR Index' ELSE '' END
		FROM generate_series(1, 30) AS i`); err != nil {
		t.Fatal(err)
	}
	return ce
}

func (ce *contestEnv) run(args ...string) (int, string, string) {
	return runQuizbot(func(k string) string { return ce.vars[k] }, args...)
}

// file writes contest.yaml and returns its path.
func (ce *contestEnv) file(content string) string {
	ce.t.Helper()
	p := filepath.Join(ce.dir, "contest.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		ce.t.Fatal(err)
	}
	return p
}

// state dumps every row an apply could touch.
func (ce *contestEnv) state() string {
	ce.t.Helper()
	return dumpTables(ce.t, ce.db, "contests", "rounds", "attempts", "notifications")
}

// reject applies content, which must be rejected with exactly the problem
// lines given (without the "PATH" prefix) and a closing summary, changing
// nothing.
func (ce *contestEnv) reject(content string, problems ...string) {
	ce.t.Helper()
	path := ce.file(content)
	before := ce.state()
	code, out, errOut := ce.run("contest", "apply", path)
	var want strings.Builder
	for _, p := range problems {
		want.WriteString(path + p + "\n")
	}
	want.WriteString("quizbot: contest apply: " + path + " bị từ chối (" + strconv.Itoa(len(problems)) + " lỗi), cơ sở dữ liệu không thay đổi\n")
	if code != 1 || out != "" || errOut != want.String() {
		ce.t.Errorf("exit %d, stdout %q\nstderr:\n%s\nwant:\n%s", code, out, errOut, want.String())
	}
	if after := ce.state(); after != before {
		ce.t.Errorf("a rejected apply changed the database:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

const contestYAML = `code: cchc-2026
name: "Cuộc thi tìm hiểu CCHC 2026"
questions_per_attempt: 20
time_limit: 20m
prediction: "Theo anh/chị, tuần này sẽ có bao nhiêu người tham gia dự thi?"
rounds:
  - number: 1
    opens_at: 2026-12-07 07:30
    closes_at: 2026-12-11 16:30
  - number: 2
    opens_at: 2026-12-14 07:30:00
    closes_at: 2026-12-18T16:30:00
  - number: 3
    opens_at: 2026-12-21 07:30
    closes_at: 2026-12-25 16:30
    topics: [Một cửa, PAR Index]
  - number: 4
    opens_at: 2027-01-04 07:30
    closes_at: 2027-01-08 16:30
schedule:
  reminders: ["0 8 * * 2-5", "0 14 * * 5"]
  summary: "0 7 * * 1"
`

const contestSummary = ` (times in Asia/Ho_Chi_Minh)
  round 1: Mon 2026-12-07 07:30 → Fri 2026-12-11 16:30
  round 2: Mon 2026-12-14 07:30 → Fri 2026-12-18 16:30
  round 3: Mon 2026-12-21 07:30 → Fri 2026-12-25 16:30, topics: Một cửa, PAR Index
  round 4: Mon 2027-01-04 07:30 → Fri 2027-01-08 16:30
`

func TestContestApplyCreatesThenUpdates(t *testing.T) {
	ce := newContestEnv(t)
	path := ce.file(contestYAML)
	code, out, errOut := ce.run("contest", "apply", path)
	if want := "contest cchc-2026: created, 4 rounds" + contestSummary; code != 0 || errOut != "" || out != want {
		t.Fatalf("first apply: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	code, out, errOut = ce.run("contest", "apply", path)
	if want := "contest cchc-2026: updated, 4 rounds" + contestSummary; code != 0 || errOut != "" || out != want {
		t.Fatalf("re-apply: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}

	// Drop round 4, rename, move round 2.
	edited := strings.Replace(contestYAML, "  - number: 4\n    opens_at: 2027-01-04 07:30\n    closes_at: 2027-01-08 16:30\n", "", 1)
	edited = strings.Replace(edited, "CCHC 2026", "CCHC năm 2026", 1)
	edited = strings.Replace(edited, "2026-12-18T16:30:00", "2026-12-19 11:30", 1)
	code, out, errOut = ce.run("contest", "apply", ce.file(edited))
	want := "contest cchc-2026: updated, 3 rounds (times in Asia/Ho_Chi_Minh)\n" +
		"  round 1: Mon 2026-12-07 07:30 → Fri 2026-12-11 16:30\n" +
		"  round 2: Mon 2026-12-14 07:30 → Sat 2026-12-19 11:30\n" +
		"  round 3: Mon 2026-12-21 07:30 → Fri 2026-12-25 16:30, topics: Một cửa, PAR Index\n"
	if code != 0 || errOut != "" || out != want {
		t.Fatalf("edit: exit %d\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", code, out, want, errOut)
	}
	var name string
	if err := ce.db.Get(&name, `SELECT name FROM contests WHERE code = 'cchc-2026'`); err != nil || name != "Cuộc thi tìm hiểu CCHC năm 2026" {
		t.Fatalf("name %q %v", name, err)
	}
}

func TestContestApplyExampleFile(t *testing.T) {
	ce := newContestEnv(t)
	code, out, errOut := ce.run("contest", "apply", "../../examples/contest.yaml")
	if code != 0 || errOut != "" || !strings.HasPrefix(out, "contest cchc-2026: created, 4 rounds (times in Asia/Ho_Chi_Minh)\n  round 1: Mon 2026-12-07 07:30 → Fri 2026-12-11 16:30\n") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var prizes string
	if err := ce.db.Get(&prizes, `SELECT prizes::text FROM contests WHERE code = 'cchc-2026'`); err != nil ||
		prizes != `{"round": {"ba": 3, "nhi": 2, "nhat": 1, "khuyen_khich": 0, "per_unit_max": 1}, "units": {"ba": 2, "nhi": 2, "nhat": 1, "min_staff": 5, "khuyen_khich": 0, "min_participation": 0.8}, "contest": {"ba": 2, "nhi": 1, "nhat": 1, "khuyen_khich": 4}}` {
		t.Errorf("stored prizes = %s (%v)", prizes, err)
	}
}

// TestContestApplyRejects covers each rejection class: what the organizer
// reads, and that the stored contest is untouched.
func TestContestApplyRejects(t *testing.T) {
	ce := newContestEnv(t)
	if code, _, errOut := ce.run("contest", "apply", ce.file(contestYAML)); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	tests := []struct {
		name     string
		old, new string
		want     []string
	}{
		{"closes before it opens", "closes_at: 2026-12-11 16:30", "closes_at: 2026-12-06 16:30", []string{
			":9: rounds.closes_at: đợt 1 đóng lúc 2026-12-06 16:30, không sau thời điểm mở là 2026-12-07 07:30"}},
		{"closes as it opens", "closes_at: 2026-12-11 16:30", "closes_at: 2026-12-07 07:30", []string{
			":9: rounds.closes_at: đợt 1 đóng lúc 2026-12-07 07:30, không sau thời điểm mở là 2026-12-07 07:30"}},
		{"overlapping rounds", "opens_at: 2026-12-14 07:30:00", "opens_at: 2026-12-11 08:00", []string{
			":11: rounds.opens_at: đợt 2 (2026-12-11 08:00 – 2026-12-18 16:30) trùng thời gian với đợt 1 (2026-12-07 07:30 – 2026-12-11 16:30)"}},
		{"duplicate round number", "  - number: 4", "  - number: 3", []string{
			":17: rounds.number: số đợt 3 bị dùng hai lần (đợt thứ 3 và thứ 4 trong danh sách)"}},
		{"bad time", "opens_at: 2026-12-21 07:30", "opens_at: 21/12/2026 07:30", []string{
			`:14: rounds.opens_at: "21/12/2026 07:30" không phải thời điểm hợp lệ: viết dạng 2026-12-07 07:30 (giờ địa phương theo múi giờ Asia/Ho_Chi_Minh)`}},
		{"invalid reminder cron", `"0 14 * * 5"`, `"61 14 * * 5"`, []string{
			`:21: schedule.reminders: lịch cron "61 14 * * 5" không hợp lệ (61: giá trị 61 lớn hơn mức tối đa 59): ghi 5 trường phút giờ ngày-trong-tháng tháng thứ-trong-tuần, ví dụ "0 8 * * 1-5", hoặc @daily`}},
		{"invalid summary cron", `summary: "0 7 * * 1"`, `summary: "0 7 * *"`, []string{
			`:22: schedule.summary: lịch cron "0 7 * *" không hợp lệ (cần đúng 5 trường, đang có 4): ghi 5 trường phút giờ ngày-trong-tháng tháng thứ-trong-tuần, ví dụ "0 8 * * 1-5", hoặc @daily`}},
		{"unknown timezone", "questions_per_attempt: 20\n", "timezone: Asia/Hanoi\nquestions_per_attempt: 20\n", []string{
			`:3: timezone: không có múi giờ "Asia/Hanoi" (ở Việt Nam dùng Asia/Ho_Chi_Minh)`}},
		{"zero time limit", "time_limit: 20m", "time_limit: 0s", []string{
			":4: time_limit: phải lớn hơn 0 (ví dụ 20m)"}},
		{"time limit too long", "time_limit: 20m", "time_limit: 4h", []string{
			":4: time_limit: 4h0m0s dài hơn mức tối đa cho phép là 3h0m0s"}},
		{"time limit without unit", "time_limit: 20m", "time_limit: 20", []string{
			`:4: time_limit: "20" không phải khoảng thời gian hợp lệ: ghi số kèm đơn vị, ví dụ 20m, 1h30m hoặc 900s`}},
		{"no questions per attempt", "questions_per_attempt: 20", "questions_per_attempt: 0", []string{
			":3: questions_per_attempt: phải từ 1 trở lên, không được là 0"}},
		{"no attempts per round", "time_limit: 20m\n", "time_limit: 20m\nattempts_per_round: 0\n", []string{
			":5: attempts_per_round: phải từ 1 trở lên, không được là 0"}},
		{"unknown reveal", "time_limit: 20m\n", "time_limit: 20m\nreveal: later\n", []string{
			`:5: reveal: giá trị "later" không hợp lệ: dùng "after_close" hoặc "immediately"`}},
		{"unknown prediction target", "time_limit: 20m\n", "time_limit: 20m\nprediction_target: everyone\n", []string{
			`:5: prediction_target: giá trị "everyone" không hợp lệ: dùng "participants" hoặc "perfect"`}},
		{"missing code", "code: cchc-2026\n", "", []string{
			":1: code: bắt buộc phải có (một mã ngắn như cchc-2026)"}},
		{"missing name", `name: "Cuộc thi tìm hiểu CCHC 2026"`, `name: ""`, []string{
			":2: name: bắt buộc phải có (tên cuộc thi)"}},
		{"misspelled field", "time_limit: 20m", "timelimit: 20m", []string{
			":1: time_limit: phải lớn hơn 0 (ví dụ 20m)",
			`:4: timelimit: không có trường này; có phải ý bạn là "time_limit"?`}},
		{"invalid YAML", "time_limit: 20m", "time_limit: [20m", []string{
			":4: YAML không hợp lệ: danh sách trong [ ] thiếu dấu ',' hoặc ']'"}},
		{"more questions than the bank holds", "questions_per_attempt: 20", "questions_per_attempt: 31", []string{
			":3: questions_per_attempt: mỗi bài thi cần 31 câu hỏi, nhưng ngân hàng câu hỏi chỉ có 30 câu đang dùng",
			":16: rounds.topics: đợt 3 cần 31 câu hỏi mỗi bài thi, nhưng các chủ đề của đợt chỉ có 20 câu đang dùng"}},
		{"more questions than the round's topics hold", "topics: [Một cửa, PAR Index]", "topics: [Một cửa]", []string{
			":16: rounds.topics: đợt 3 cần 20 câu hỏi mỗi bài thi, nhưng các chủ đề của đợt chỉ có 10 câu đang dùng"}},
		{"topic without questions", "topics: [Một cửa, PAR Index]", "topics: [Một cửa, Chỉ số PAR]", []string{
			`:16: rounds.topics: đợt 3: chủ đề "Chỉ số PAR" không có câu hỏi nào đang dùng (các chủ đề trong ngân hàng: "Một cửa", "PAR Index")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := strings.Replace(contestYAML, tt.old, tt.new, 1)
			if content == contestYAML {
				t.Fatalf("%q is not in the file", tt.old)
			}
			ce.t = t
			ce.reject(content, tt.want...)
		})
	}
}

func TestContestApplyRejectsFirstApplyStoresNothing(t *testing.T) {
	ce := newContestEnv(t)
	ce.reject(strings.Replace(contestYAML, "topics: [Một cửa, PAR Index]", "topics: [Một cửa, Chỉ số PAR]", 1),
		`:16: rounds.topics: đợt 3: chủ đề "Chỉ số PAR" không có câu hỏi nào đang dùng (các chủ đề trong ngân hàng: "Một cửa", "PAR Index")`)
	var n int
	if err := ce.db.Get(&n, `SELECT count(*) FROM contests`); err != nil || n != 0 {
		t.Fatalf("%d contests stored, %v", n, err)
	}
}

func TestContestApplyRoundsWithAttempts(t *testing.T) {
	ce := newContestEnv(t)
	if code, _, errOut := ce.run("contest", "apply", ce.file(contestYAML)); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	// A member took round 1.
	if _, err := ce.db.Exec(`
		WITH u AS (INSERT INTO units (code, name) VALUES ('SNV', 'Sở Nội vụ') RETURNING id),
		     m AS (INSERT INTO members (full_name, phone, unit_id) SELECT 'Trần Thị B', '0912345678', id FROM u RETURNING id)
		INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, total)
		SELECT r.id, m.id, 1, 'telegram', r.opens_at, r.opens_at + interval '20 minutes', 20
		FROM rounds r JOIN contests c ON c.id = r.contest_id, m WHERE c.code = 'cchc-2026' AND r.number = 1`); err != nil {
		t.Fatal(err)
	}

	ce.reject(strings.Replace(contestYAML, "opens_at: 2026-12-07 07:30", "opens_at: 2026-12-08 07:30", 1),
		":8: rounds.opens_at: đợt 1 đã có bài thi: không thể đổi opens_at từ 2026-12-07 07:30 thành 2026-12-08 07:30")
	ce.reject(strings.Replace(contestYAML, "closes_at: 2026-12-11 16:30", "closes_at: 2026-12-11 17:30", 1),
		":9: rounds.closes_at: đợt 1 đã có bài thi: không thể đổi closes_at từ 2026-12-11 16:30 thành 2026-12-11 17:30")
	ce.reject(strings.Replace(contestYAML, "    closes_at: 2026-12-11 16:30\n", "    closes_at: 2026-12-11 16:30\n    topics: [Một cửa]\n", 1),
		":10: rounds.topics: đợt 1 đã có bài thi: không thể đổi topics từ (mọi chủ đề) thành [Một cửa]")
	ce.reject(strings.Replace(contestYAML, "  - number: 1\n    opens_at: 2026-12-07 07:30\n    closes_at: 2026-12-11 16:30\n", "", 1),
		":6: rounds: đợt 1 đã có bài thi nên không thể xoá")
	ce.reject(strings.Replace(contestYAML, "time_limit: 20m", "time_limit: 15m\nattempts_per_round: 2\nreveal: immediately\nprediction_target: perfect", 1),
		":4: time_limit: không thể đổi từ 20m0s thành 15m0s: đợt 1 đã có bài thi",
		":5: attempts_per_round: không thể đổi từ 1 thành 2: đợt 1 đã có bài thi",
		":6: reveal: không thể đổi từ after_close thành immediately: đợt 1 đã có bài thi",
		":7: prediction_target: không thể đổi từ participants thành perfect: đợt 1 đã có bài thi")
	ce.reject(strings.Replace(contestYAML, "questions_per_attempt: 20", "questions_per_attempt: 15", 1),
		":3: questions_per_attempt: không thể đổi từ 20 thành 15: đợt 1 đã có bài thi")
	ce.reject(strings.Replace(contestYAML, `prediction: "Theo anh/chị, tuần này sẽ có bao nhiêu người tham gia dự thi?"`, `prediction: ""`, 1),
		`:5: prediction: không thể đổi từ "Theo anh/chị, tuần này sẽ có bao nhiêu người tham gia dự thi?" thành "": đợt 1 đã có bài thi`)

	// The name, the schedule and the rounds without attempts stay free.
	edited := strings.Replace(contestYAML, "CCHC 2026", "CCHC năm 2026", 1)
	edited = strings.Replace(edited, `summary: "0 7 * * 1"`, `summary: "@weekly"`, 1)
	edited = strings.Replace(edited, "opens_at: 2027-01-04 07:30", "opens_at: 2027-01-05 07:30", 1)
	code, out, errOut := ce.run("contest", "apply", ce.file(edited))
	if code != 0 || errOut != "" || !strings.Contains(out, "contest cchc-2026: updated, 4 rounds") ||
		!strings.Contains(out, "round 4: Tue 2027-01-05 07:30 → Fri 2027-01-08 16:30") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

func TestContestApplyUsage(t *testing.T) {
	ce := &contestEnv{t: t, vars: map[string]string{
		"DATABASE_URL": "postgres://127.0.0.1:1/none?sslmode=disable", "REDIS_URL": "redis://127.0.0.1:1/0"}}
	for _, args := range [][]string{{"contest"}, {"contest", "apply"}, {"contest", "apply", "a.yaml", "b.yaml"}, {"contest", "show"}} {
		code, out, errOut := ce.run(args...)
		if code != 2 || out != "" || !strings.Contains(errOut, "quizbot contest apply FILE.yaml") {
			t.Errorf("%q: exit %d, stdout %q, stderr:\n%s", args, code, out, errOut)
		}
	}
	// A file that is not there is reported before any database is needed.
	code, _, errOut := ce.run("contest", "apply", filepath.Join(t.TempDir(), "missing.yaml"))
	if code != 1 || !strings.Contains(errOut, "missing.yaml: no such file or directory") {
		t.Errorf("missing file: exit %d, stderr:\n%s", code, errOut)
	}
	// Nor is one far too large to be a contest file, which is not read whole.
	huge := filepath.Join(t.TempDir(), "huge.yaml")
	if err := os.WriteFile(huge, []byte("code: x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, 1<<20+1); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = ce.run("contest", "apply", huge)
	if want := "quizbot: contest apply: " + huge + " is larger than 1024 KB: not a contest file\n"; code != 1 || errOut != want {
		t.Errorf("huge file: exit %d, stderr:\n%s\nwant:\n%s", code, errOut, want)
	}
}

// The entries: section goes in with the contest: a judge off the roster is
// pointed at in the file and nothing is stored; once the judge is on the
// roster the section is applied and summed up.
func TestContestApplyEntries(t *testing.T) {
	ce := newContestEnv(t)
	if _, err := ce.db.Exec(`WITH u AS (INSERT INTO units (code, name) VALUES ('SNV', 'Sở Nội vụ') RETURNING id)
		INSERT INTO members (full_name, phone, unit_id) SELECT 'Phạm Thu Dung', '0912000004', id FROM u`); err != nil {
		t.Fatal(err)
	}
	entries := contestYAML + `entries:
  opens: 2026-12-07 07:30
  closes: 2026-12-20 17:00
  kinds: {video: {formats: [mp4], max_duration: 5m}, link: true}
  rubric:
    - {name: Nội dung, max_points: 70}
    - {name: Hình thức, max_points: 30}
  judges:
    - "0912000004"
    - "0999888777"
`
	line := strings.Count(contestYAML, "\n") + 10
	ce.reject(entries, ":"+strconv.Itoa(line)+": entries.judges: 099****777 không phải cán bộ đang hoạt động trong danh sách: hãy nhập giám khảo vào danh sách trước")
	code, out, errOut := ce.run("contest", "apply", ce.file(strings.Replace(entries, "    - \"0999888777\"\n", "", 1)))
	if code != 0 || errOut != "" || !strings.HasSuffix(out, "  entries: Mon 2026-12-07 07:30 → Sun 2026-12-20 17:00, 1 judge, rubric of 2 criteria (100 points)\n") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	var n int
	if err := ce.db.Get(&n, `SELECT count(*) FROM entry_criteria`); err != nil || n != 2 {
		t.Fatalf("%d criteria stored, %v", n, err)
	}
}
