package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// report entries on a hand-made judging: three judges, a rubric of 70 + 30
// points, three entries. Entry 1: 80, 75,5 and 100, mean 85,17, first. Entry
// 2: 85 from every judge; entry 3: 90 and 80 (the third judge scored one
// criterion only, so does not count), mean 85: tied second, both nhi, and
// the third prize goes to nobody (the tie used its place). A title typed
// as a formula stays text.
func TestReportEntriesCommand(t *testing.T) {
	t.Parallel()
	db, url := storagetest.NewDBURL(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	ctx := context.Background()
	clock := quiz.NewFakeClock(f.Now)
	m := f.Members
	c := f.Contest
	c.Entries = &quiz.EntriesConfig{
		OpensAt: f.Now.Add(-time.Hour), ClosesAt: f.Now.Add(2 * time.Hour), Submitter: quiz.SubmitterMember, MinPerUnit: 2, MaxPerUnit: 2,
		Video: &quiz.VideoRules{Formats: []string{"mp4"}}, Essay: &quiz.EssayRules{Formats: []string{"docx"}}, Link: true,
		Rubric: []quiz.Criterion{{Name: "Nội dung", MaxPoints: 70}, {Name: "Hình thức", MaxPoints: 30}},
		Judges: []string{m["dung"].Phone, m["em"].Phone, m["binh"].Phone}, Combine: quiz.CombineMean,
		Prizes: quiz.EntryPrizes{Nhat: 1, Nhi: 1, Ba: 1},
	}
	if _, err := db.ApplyContest(ctx, c); err != nil {
		t.Fatal(err)
	}
	svc := quiz.NewEntries(db, clock)
	submit := func(who quiz.Member, d quiz.EntryDraft) quiz.Entry {
		t.Helper()
		e, err := svc.Submit(ctx, who, c.ID, 0, d)
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		return e
	}
	e1 := submit(m["an"], quiz.EntryDraft{Title: `=HYPERLINK("x")`, Authors: "Nguyễn Văn An",
		File: &quiz.EntryFile{Hash: strings.Repeat("a1", 32), Size: 1234, Format: "mp4", Duration: 245 * time.Second}})
	e2 := submit(m["em"], quiz.EntryDraft{Title: "Một cửa ở xã", Authors: "Hoàng Văn Em", URL: "https://video.example.vn/1"})
	e3 := submit(m["binh"], quiz.EntryDraft{Title: "Bài viết", Authors: "Trần Thị Bình",
		File: &quiz.EntryFile{Hash: strings.Repeat("b2", 32), Size: 20480, Format: "docx", Words: 1500}})

	clock.Set(f.Now.Add(3 * time.Hour))
	score := func(judge quiz.Member, e quiz.Entry, pts ...string) {
		t.Helper()
		var cps []quiz.CriterionPoints
		for i, s := range pts {
			p, err := quiz.ParsePoints(s)
			if err != nil {
				t.Fatal(err)
			}
			cps = append(cps, quiz.CriterionPoints{Criterion: i, Points: p})
		}
		if err := svc.ScoreEntry(ctx, judge, e.ID, cps); err != nil {
			t.Fatal(err)
		}
	}
	score(m["em"], e1, "60", "20")
	score(m["dung"], e1, "50", "25,5")
	score(m["binh"], e1, "70", "30")
	for _, j := range []string{"em", "dung", "binh"} {
		score(m[j], e2, "60", "25")
	}
	score(m["em"], e3, "65", "25")
	score(m["binh"], e3, "55", "25")
	score(m["dung"], e3, "70")
	getenv := func(k string) string { return map[string]string{"DATABASE_URL": url}[k] }

	code, out, errOut := runReport(t, getenv, "entries")
	head := "entry_id,unit_code,unit_name,title,authors,entry_kind,format,clip_seconds,words,size_bytes,sha256,url,submitted_at,updated_at,judge_1,judge_2,judge_3,judges_scored,score,rank,prize\n"
	want := head +
		`1,SNV,Sở Nội vụ,"'=HYPERLINK(""x"")",Nguyễn Văn An,video,mp4,245,,1234,` + strings.Repeat("a1", 32) + `,,2026-12-02 09:00:00,2026-12-02 09:00:00,80.00,75.50,100.00,3,85.17,1,nhat` + "\n" +
		"2,XA1,UBND xã Hòa Phú,Một cửa ở xã,Hoàng Văn Em,link,,,,,,https://video.example.vn/1,2026-12-02 09:01:00,2026-12-02 09:01:00,85.00,85.00,85.00,3,85.00,2,nhi\n" +
		"3,SNV,Sở Nội vụ,Bài viết,Trần Thị Bình,essay,docx,,1500,20480," + strings.Repeat("b2", 32) + ",,2026-12-02 09:02:00,2026-12-02 09:02:00,90.00,,80.00,2,85.00,2,nhi\n"
	if code != 0 || out != want {
		t.Fatalf("report entries: exit %d\n%s\nstderr %s\nwant\n%s", code, out, errOut, want)
	}
	for _, line := range []string{"judge_1 = Hoàng Văn Em", "judge_2 = Phạm Thu Dung", "judge_3 = Trần Thị Bình",
		"entries 2 (XA1), 3 (SNV) tie at rank 2", "the judging is open: scores, ranks and prizes are provisional",
		"1 of 2 units sent fewer than 2 entries: XA1 (1)"} {
		if !strings.Contains(errOut, line) {
			t.Errorf("stderr lacks %q:\n%s", line, errOut)
		}
	}

	if err := svc.CloseJudging(ctx, m["dung"], c.ID); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runReport(t, getenv, "entries", "--headings", "vi")
	if code != 0 || !strings.HasPrefix(out, "Mã bài,Mã đơn vị,Tên đơn vị,Tên bài,Tác giả,Loại bài,Định dạng,Thời lượng (giây),Số chữ,Dung lượng (byte),Mã SHA-256,Đường dẫn,Thời điểm nộp bài,Thời điểm cập nhật,"+
		"Giám khảo 1: Hoàng Văn Em,Giám khảo 2: Phạm Thu Dung,Giám khảo 3: Trần Thị Bình,Số giám khảo đã chấm,Điểm tổng hợp,Hạng,Giải\n") ||
		strings.TrimPrefix(out, out[:strings.IndexByte(out, '\n')+1]) != strings.TrimPrefix(want, head) || strings.Contains(errOut, "provisional") {
		t.Fatalf("report entries --headings vi: exit %d\n%s\nstderr %s", code, out, errOut)
	}

	// The whole contest's workbook has the sheet, the prizes named.
	wbPath := filepath.Join(t.TempDir(), "ca-cuoc-thi.xlsx")
	if code, _, errOut := runReport(t, getenv, "workbook", "--contest", "--out", wbPath); code != 0 {
		t.Fatalf("report workbook --contest: exit %d, stderr %s", code, errOut)
	}
	wb, err := excelize.OpenFile(wbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer wb.Close()
	rows, err := wb.GetRows("Bài dự thi", excelize.Options{RawCellValue: true})
	if err != nil || len(rows) != 5 {
		t.Fatalf("Bài dự thi: %q, %v", rows, err)
	}
	if got := strings.Join(rows[2], "|"); !strings.HasPrefix(got, `1|SNV|Sở Nội vụ|=HYPERLINK("x")|`) || !strings.HasSuffix(got, "|80|75.5|100|3|85.17|1|Giải Nhất") {
		t.Errorf("first entry's row %q", got)
	}
	if got := rows[4]; got[len(got)-1] != "Giải Nhì" || got[len(got)-2] != "2" {
		t.Errorf("tied entry's row %q", got)
	}
}
