package quiz_test

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// The trimmed mean on a hand-computed example: five judges give 72,5,
// 88, 90, 61 and 79,5; the highest (90) and the lowest (61) go, and
// (72,5 + 88 + 79,5) / 3 = 240 / 3 = 80. The plain mean is 391 / 5 = 78,2.
// With four judges nothing is dropped.
func TestEntriesTrimmedMeanByHand(t *testing.T) {
	pts := func(ss ...string) []quiz.Points {
		var out []quiz.Points
		for _, s := range ss {
			p, err := quiz.ParsePoints(s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, p)
		}
		return out
	}
	five := pts("72,5", "88", "90", "61", "79.5")
	if got, _ := quiz.CombineTotals(quiz.CombineTrimmed, five); got != 8000 {
		t.Errorf("trimmed mean of five = %s, want 80", quiz.FormatHundredths(got))
	}
	if got, _ := quiz.CombineTotals(quiz.CombineMean, five); got != 7820 {
		t.Errorf("mean of five = %s, want 78,2", quiz.FormatHundredths(got))
	}
	four := pts("72,5", "88", "90", "61")
	if got, _ := quiz.CombineTotals(quiz.CombineTrimmed, four); got != 7788 { // 311,5 / 4 = 77,875
		t.Errorf("trimmed mean of four = %s, want 77,88 (nothing dropped)", quiz.FormatHundredths(got))
	}
	if _, ok := quiz.CombineTotals(quiz.CombineTrimmed, nil); ok {
		t.Error("an entry nobody scored has a score")
	}
}

// Ties are shown as ties: equal scores share a rank and the prize of the
// best place they share, and the places they take are used up.
func TestEntriesRankingTies(t *testing.T) {
	p := func(n int64) quiz.Points { return quiz.Points(n * 100) }
	got := quiz.RankEntries(quiz.CombineMean, quiz.EntryPrizes{Nhat: 1, Nhi: 1, Ba: 1}, []quiz.ScoredEntry{
		{EntryID: 1, Totals: []quiz.Points{p(80), p(70)}}, // 75
		{EntryID: 2, Totals: []quiz.Points{p(90), p(90)}}, // 90
		{EntryID: 3, Totals: []quiz.Points{p(76), p(74)}}, // 75
		{EntryID: 4}, // not scored
		{EntryID: 5, Totals: []quiz.Points{p(60)}}, // 60
	})
	var lines []string
	for _, e := range got {
		lines = append(lines, strings.Join([]string{itoa(e.EntryID), itoa(int64(e.Rank)), quiz.FormatHundredths(e.Score), e.Grade, map[bool]string{true: "tie"}[e.Tied]}, " "))
	}
	want := []string{"2 1 90 nhat ", "1 2 75 nhi tie", "3 2 75 nhi tie", "5 4 60  ", "4 0 0  "}
	if strings.Join(lines, "|") != strings.Join(want, "|") {
		t.Errorf("ranking\n got %q\nwant %q", lines, want)
	}
}

func itoa(n int64) string { return strings.TrimSpace(quiz.FormatHundredths(n * 100)) }

func TestEntriesPointsWithinMaximum(t *testing.T) {
	c := quiz.Criterion{Name: "Nội dung", MaxPoints: 40}
	for _, s := range []string{"0", "40", "39,75"} {
		p, err := quiz.ParsePoints(s)
		if err != nil || quiz.CheckScore(c, p) != nil {
			t.Errorf("%s refused: %v %v", s, err, quiz.CheckScore(c, p))
		}
	}
	p, _ := quiz.ParsePoints("40,5")
	if err := quiz.CheckScore(c, p); quiz.ErrorMessage(err) != `Điểm tiêu chí "Nội dung" phải từ 0 đến 40, không phải 40,5.` {
		t.Errorf("40,5 of 40: %v", err)
	}
	for _, s := range []string{"-1", "abc", "7,555", ""} {
		if _, err := quiz.ParsePoints(s); quiz.ErrorCode(err) != quiz.EINVALID {
			t.Errorf("%q read as points", s)
		}
	}
}

// entriesRig is a contest with an entries section over the real database.
type entriesRig struct {
	*rig
	svc *quiz.Entries
	cfg quiz.EntriesConfig
}

func newEntriesRig(t *testing.T, edit func(*quiz.EntriesConfig)) *entriesRig {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{})
	cfg := quiz.EntriesConfig{
		OpensAt: r.f.Now.Add(-24 * time.Hour), ClosesAt: r.f.Now.Add(24 * time.Hour),
		Submitter: quiz.SubmitterHead, MinPerUnit: 1, MaxPerUnit: 1,
		Video:   &quiz.VideoRules{Formats: []string{"mp4"}, MaxDuration: 5 * time.Minute},
		Essay:   &quiz.EssayRules{Formats: []string{"pdf", "docx"}},
		Link:    true,
		Rubric:  []quiz.Criterion{{Name: "Nội dung", MaxPoints: 70}, {Name: "Hình thức", MaxPoints: 30}},
		Judges:  []string{r.f.Members["dung"].Phone, r.f.Members["em"].Phone},
		Combine: quiz.CombineMean, Blind: true, Prizes: quiz.EntryPrizes{Nhat: 1, Nhi: 1},
	}
	if edit != nil {
		edit(&cfg)
	}
	applyEntries(t, r.db, r.f.Contest, cfg)
	return &entriesRig{rig: r, svc: quiz.NewEntries(r.db, r.clock), cfg: cfg}
}

func applyEntries(t *testing.T, db *storage.DB, c quiz.Contest, cfg quiz.EntriesConfig) {
	t.Helper()
	c.Entries = &cfg
	if _, err := db.ApplyContest(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

var clip = quiz.EntryDraft{Title: "Cải cách  hành chính ở Sở", Authors: "Lê Minh Chi, Trần Thị Bình",
	File: &quiz.EntryFile{Hash: strings.Repeat("ab", 32), Size: 1234, Format: "mp4", Duration: 4 * time.Minute, Name: "clip.mp4"}}

// Only the head submits; the unit's count is kept; an entry is replaced
// until the close and frozen after it: a late submission is refused.
func TestEntriesSubmitReplaceFreeze(t *testing.T) {
	r := newEntriesRig(t, nil)
	ctx := context.Background()
	chi, an := r.f.Members["chi"], r.f.Members["an"]
	if _, err := r.svc.Desk(ctx, an); quiz.ErrorCode(err) != quiz.EFORBIDDEN || !strings.Contains(quiz.ErrorMessage(err), "thủ trưởng đơn vị nộp") {
		t.Fatalf("a member's desk: %v", err)
	}
	desk, err := r.svc.Desk(ctx, chi)
	if err != nil || len(desk.Entries) != 0 || desk.Full() {
		t.Fatalf("desk %+v, %v", desk, err)
	}
	cid := desk.Setup.Contest.ID
	e, err := r.svc.Submit(ctx, chi, cid, 0, clip)
	if err != nil {
		t.Fatal(err)
	}
	if e.Title != "Cải cách hành chính ở Sở" || e.Kind != quiz.EntryVideo {
		t.Errorf("entry %+v", e)
	}
	if _, err := r.svc.Submit(ctx, chi, cid, 0, clip); quiz.ErrorCode(err) != quiz.ECONFLICT || !strings.Contains(quiz.ErrorMessage(err), "đã nộp đủ 1 bài") {
		t.Fatalf("a second entry over the maximum: %v", err)
	}
	long := clip
	long.File = &quiz.EntryFile{Hash: strings.Repeat("cd", 32), Size: 99, Format: "mp4", Duration: 5*time.Minute + time.Second}
	if _, err := r.svc.Submit(ctx, chi, cid, e.ID, long); quiz.ErrorMessage(err) != "Video dài 5:01, quá thời lượng tối đa 5:00." {
		t.Fatalf("a clip too long: %v", err)
	}
	link := quiz.EntryDraft{Title: "Bản mới", Authors: "Lê Minh Chi", URL: "https://www.youtube.com/watch?v=abc"}
	if _, err := r.svc.Submit(ctx, chi, cid, e.ID, link); err != nil {
		t.Fatal(err)
	}
	got, err := r.db.EntryByID(ctx, e.ID)
	if err != nil || got.Title != "Bản mới" || got.Kind != quiz.EntryLink || got.FileHash != "" || got.URL != link.URL {
		t.Fatalf("replaced entry %+v, %v", got, err)
	}

	r.clock.Set(r.cfg.ClosesAt)
	if _, err := r.svc.Desk(ctx, chi); quiz.ErrorCode(err) != quiz.EINVALID || !strings.Contains(quiz.ErrorMessage(err), "Đã hết hạn nộp bài dự thi") {
		t.Fatalf("desk after the close: %v", err)
	}
	if _, err := r.svc.Submit(ctx, chi, cid, e.ID, clip); quiz.ErrorCode(err) != quiz.EINVALID {
		t.Fatalf("a late replacement: %v", err)
	}
	if got, _ := r.db.EntryByID(ctx, e.ID); got.Title != "Bản mới" {
		t.Fatalf("a late replacement changed the entry: %+v", got)
	}
}

// Judges score within each criterion's maximum, after the close and until
// the judging closes; a judge sees only their contest's entries, without
// the unit under blind judging; the ranking gives the prizes.
func TestEntriesJudging(t *testing.T) {
	r := newEntriesRig(t, func(c *quiz.EntriesConfig) { c.Submitter = quiz.SubmitterMember })
	ctx := context.Background()
	an, em, dung, chi := r.f.Members["an"], r.f.Members["em"], r.f.Members["dung"], r.f.Members["chi"]
	desk, err := r.svc.Desk(ctx, an)
	if err != nil {
		t.Fatal(err)
	}
	cid := desk.Setup.Contest.ID
	snv, err := r.svc.Submit(ctx, an, cid, 0, clip)
	if err != nil {
		t.Fatal(err)
	}
	xa := clip
	xa.Title = "Một cửa ở xã"
	xaEntry, err := r.svc.Submit(ctx, em, cid, 0, xa)
	if err != nil {
		t.Fatal(err)
	}
	score := func(judge quiz.Member, id int64, a, b string) error {
		pa, _ := quiz.ParsePoints(a)
		pb, _ := quiz.ParsePoints(b)
		return r.svc.ScoreEntry(ctx, judge, id, []quiz.CriterionPoints{{Criterion: 0, Points: pa}, {Criterion: 1, Points: pb}})
	}
	if err := score(dung, snv.ID, "60", "20"); quiz.ErrorCode(err) != quiz.EINVALID || !strings.Contains(quiz.ErrorMessage(err), "Chưa chấm được") {
		t.Fatalf("scoring before the close: %v", err)
	}
	r.clock.Set(r.cfg.ClosesAt.Add(time.Hour))
	if err := score(chi, snv.ID, "60", "20"); quiz.ErrorCode(err) != quiz.EFORBIDDEN {
		t.Fatalf("a head who is no judge scored: %v", err)
	}
	if err := score(dung, snv.ID, "60", "31"); quiz.ErrorMessage(err) != `Điểm tiêu chí "Hình thức" phải từ 0 đến 30, không phải 31.` {
		t.Fatalf("31 of 30: %v", err)
	}
	var n int
	if err := r.db.Get(&n, `SELECT count(*) FROM entry_scores`); err != nil || n != 0 {
		t.Fatalf("%d scores saved from a refused sheet", n)
	}
	// The database refuses it too, whoever writes.
	if err := r.db.SaveScores(ctx, []quiz.Score{{EntryID: snv.ID, JudgeID: dung.ID, Criterion: 1, Points: 3100, UpdatedAt: r.clock.Now()}}); err == nil {
		t.Fatal("the database took 31 of 30")
	}
	for _, s := range []struct {
		judge quiz.Member
		id    int64
		a, b  string
	}{{dung, snv.ID, "50", "20"}, {em, snv.ID, "60", "25,5"}, {dung, xaEntry.ID, "60", "25"}, {em, xaEntry.ID, "65", "20"}} {
		if err := score(s.judge, s.id, s.a, s.b); err != nil {
			t.Fatal(err)
		}
	}
	// A judge changes their mind before the close of the judging.
	if err := score(em, snv.ID, "62", "25,5"); err != nil {
		t.Fatal(err)
	}

	seen, err := r.svc.JudgeEntries(ctx, dung, cid)
	if err != nil || len(seen) != 2 {
		t.Fatalf("judge's entries %+v, %v", seen, err)
	}
	for _, je := range seen {
		if je.Entry.UnitName != "" || je.Entry.Authors != "" || je.Entry.SubmittedBy != 0 {
			t.Errorf("blind judging shows %+v", je.Entry)
		}
		if len(je.Scores) != 2 {
			t.Errorf("judge sees %d scores of their own", len(je.Scores))
		}
	}

	// Another contest's judge sees none of these.
	other := r.f.Contest
	other.ID, other.Code = 0, "cchc-khac"
	for i := range other.Rounds {
		other.Rounds[i].ID = 0
	}
	cfg := r.cfg
	cfg.Judges = []string{r.f.Members["binh"].Phone}
	applyEntries(t, r.db, other, cfg)
	binh := r.f.Members["binh"]
	if _, err := r.svc.JudgeEntries(ctx, binh, cid); quiz.ErrorCode(err) != quiz.EFORBIDDEN {
		t.Fatalf("another contest's judge listed the entries: %v", err)
	}
	if err := score(binh, snv.ID, "1", "1"); quiz.ErrorCode(err) != quiz.EFORBIDDEN {
		t.Fatalf("another contest's judge scored: %v", err)
	}

	// SNV: (70 + 87,5) / 2 = 78,75; XA1: (85 + 85) / 2 = 85.
	if err := r.svc.CloseJudging(ctx, dung, cid); err != nil {
		t.Fatal(err)
	}
	if err := score(em, snv.ID, "70", "30"); quiz.ErrorCode(err) != quiz.EINVALID || !strings.Contains(quiz.ErrorMessage(err), "đã kết thúc") {
		t.Fatalf("a score after the judging closed: %v", err)
	}
	res, err := r.svc.Results(ctx, cid)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range res.Entries {
		lines = append(lines, e.Entry.UnitCode+" "+quiz.FormatHundredths(e.Score)+" "+e.Grade)
	}
	if !res.Final || strings.Join(lines, "|") != "XA1 85 nhat|SNV 78,75 nhi" {
		t.Fatalf("results %v (final %v)", lines, res.Final)
	}
}

// TestAssignJudgesByHand: 5 entries over 4 judges, 2 per entry. Judges in
// member-id order 10, 20, 30, 40; entries in id order 101…105 (ids of
// other contests' entries between them do not matter), so entry at
// position p gets the judges from position 2p on, wrapping:
//
//	101 (p0): 10 20    102 (p1): 30 40    103 (p2): 10 20
//	104 (p3): 30 40    105 (p4): 10 20
//
// Loads: 10 and 20 three entries each, 30 and 40 two. A sixth entry
// (107) goes to 30 40 and changes nobody else's.
func TestAssignJudgesByHand(t *testing.T) {
	t.Parallel()
	judges := []int64{40, 10, 30, 20}
	got := quiz.AssignJudges(2, judges, []int64{105, 101, 103, 102, 104})
	want := map[int64][]int64{101: {10, 20}, 102: {30, 40}, 103: {10, 20}, 104: {30, 40}, 105: {10, 20}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("assignment %v, want %v", got, want)
	}
	more := quiz.AssignJudges(2, judges, []int64{101, 102, 103, 104, 105, 107})
	for id, js := range want {
		if !reflect.DeepEqual(more[id], js) {
			t.Errorf("entry %d moved from %v to %v when 107 came", id, js, more[id])
		}
	}
	if !reflect.DeepEqual(more[107], []int64{30, 40}) {
		t.Errorf("entry 107 to %v, want [30 40]", more[107])
	}
	// Three per entry spreads the pairs: 0 1 2, 3 0 1, 2 3 0, 1 2 3.
	three := quiz.AssignJudges(3, judges, []int64{1, 2, 3, 4})
	if want := map[int64][]int64{1: {10, 20, 30}, 2: {40, 10, 20}, 3: {30, 40, 10}, 4: {20, 30, 40}}; !reflect.DeepEqual(three, want) {
		t.Errorf("three per entry %v, want %v", three, want)
	}
	// All (0) and as many as the judges: every judge, every entry.
	for _, n := range []int{0, 4} {
		if a := quiz.AssignJudges(n, judges, []int64{1, 2}); !reflect.DeepEqual(a[2], []int64{10, 20, 30, 40}) {
			t.Errorf("per entry %d: %v", n, a)
		}
	}
}

func TestEntriesAssignProblems(t *testing.T) {
	t.Parallel()
	e := quiz.EntriesConfig{Judges: []string{"0912000001", "0912000002"}, Combine: quiz.CombineMean, PerEntry: 3}
	want := "entries.assign.per_entry: 3: ghi số giám khảo từ 1 đến 2 (số giám khảo đã khai báo), hoặc assign: all để mọi giám khảo cùng chấm"
	found := false
	for _, p := range e.Problems(time.UTC) {
		found = found || p.Field+": "+p.Message == want
	}
	if !found {
		t.Errorf("no problem %q in %v", want, e.Problems(time.UTC))
	}
}
