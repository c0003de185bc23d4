package notify_test

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"quizbot/notify"
	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage"
)

// summaryRig: SNV has an, binh, chi (head), dung (organizer), an
// unverified member and one who blocked the bot; XA1 has em. Round 1: an
// and binh took part. Round 2: an (3/3), binh (2/3), chi (0/3) in SNV and
// em (2/3) in XA1; dung is excused (business trip).
func summaryRig(t *testing.T) (*rig, map[string]quiz.Member) {
	r := newRig(t)
	r.linkAll()
	ms := map[string]quiz.Member{}
	for k, m := range r.f.Members {
		ms[k] = m
	}
	extra := r.addMembers(2, "SNV")
	ms["unverified"], ms["blocked"] = extra[0], extra[1]
	ctx := context.Background()
	if _, err := r.db.ExecContext(ctx, `DELETE FROM identities WHERE member_id = $1`, extra[0].ID); err != nil {
		t.Fatal(err)
	}
	if _, err := r.db.ExecContext(ctx, `UPDATE identities SET unreachable_at = now() WHERE member_id = $1`, extra[1].ID); err != nil {
		t.Fatal(err)
	}
	r.submit(ms["an"], r.f.Round.ID, 3)
	r.submit(ms["binh"], r.f.Round.ID, 1)
	r.submit(ms["an"], r.f.Next.ID, 3)
	r.submit(ms["binh"], r.f.Next.ID, 2)
	r.submit(ms["chi"], r.f.Next.ID, 0)
	r.submit(ms["em"], r.f.Next.ID, 2)
	r.excuse(ms["dung"], r.f.Next.ID, "Đi công tác")
	// Monday 07:00 after round 2 closed.
	r.clock.Set(r.f.Next.ClosesAt.Add(62*time.Hour + 30*time.Minute))
	return r, ms
}

func TestSummaryHeadCardFiguresAndList(t *testing.T) {
	r, ms := summaryRig(t)
	slot := notify.SummarySlot(r.clock.Now(), r.f.Contest.Location())
	if n := r.enqueue(r.job(notify.KindSummary, slot, r.f.Next)); n != 2 {
		t.Fatalf("enqueued %d summaries, want 2 (the head chi, the organizer dung)", n)
	}
	r.drain(r.sender(50, notify.SenderOptions{}), r.f.Next.ID, notify.KindSummary, notify.KindSummaryOrg)

	head := r.fake.Sent(r.chats[ms["chi"].ID])
	if len(head) != 2 {
		t.Fatalf("head got %d messages, want the card and the workbook", len(head))
	}
	card := head[0].Text
	for _, want := range []string{
		"KẾT QUẢ ĐỢT 2 – Sở Nội vụ",
		"Cán bộ trong danh sách: 6",
		"Đã kích hoạt tài khoản: 5",
		"Đã dự thi: 3/6 (50,0%) (▲ tăng 16,7 điểm % so với đợt 1)",
		"Số câu đúng trung bình: 1,67/3",
		"Bài thi 0 điểm: 1",
		"Xếp hạng tỷ lệ tham gia: 2/2 đơn vị",
		// XA1, under SNV, summed up: its people are in the workbook.
		"• 1 đơn vị trực thuộc: đã dự thi 1/1 (100,0%), 0 bài 0 điểm",
		"Chưa dự thi (3 người):",
		"Phạm Thu Dung – Chuyên viên: Đi công tác",
		ms["unverified"].FullName + " – Chuyên viên: chưa kích hoạt",
		ms["blocked"].FullName + " – Chuyên viên: chưa có lý do; đã chặn tin nhắn của bot",
		"10:00 thứ Hai, 14/12/2026",
	} {
		if !strings.Contains(card, want) {
			t.Errorf("card lacks %q:\n%s", want, card)
		}
	}
	if strings.Contains(card, "dùng thử") {
		t.Errorf("a note on web chat previews, with none:\n%s", card)
	}
	// Only the head's own unit: nobody of XA1.
	if strings.Contains(card, ms["em"].FullName) || strings.Contains(card, "Hòa Phú") {
		t.Errorf("the card shows another unit:\n%s", card)
	}
	if b, ok := head[0].Button("📝 Ghi nhận lý do vắng"); !ok || b.CallbackData != "xl:"+itoa(r.f.Next.ID) {
		t.Errorf("excuse button: %+v", head[0].Buttons)
	}
	// The workbook is the province's, sliced to SNV and the unit under it
	// (XA1), with no item analysis.
	doc := head[1].Document
	if doc == nil || doc.Name != "Bao-cao-dot-2-SNV.xlsx" {
		t.Fatalf("workbook: %+v", head[1])
	}
	if want := "📎 Báo cáo Đợt 2 – Sở Nội vụ và các đơn vị trực thuộc: "; !strings.HasPrefix(head[1].Text, want) {
		t.Errorf("workbook caption %q, want it to start %q", head[1].Text, want)
	}
	if got, want := sheetNames(t, doc.Data), []string{"Tổng hợp", "Đơn vị", "Cá nhân", "Giải thưởng", "Chưa tham gia", "Điểm 0", "Dấu hiệu bất thường"}; !slices.Equal(got, want) {
		t.Errorf("head's sheets %q, want %q", got, want)
	}
	rows := sheet(t, doc.Data, "Chưa tham gia")
	reasons := map[string]string{}
	for _, row := range rows[2:] {
		reasons[row[2]] = row[len(row)-1]
	}
	if len(rows) != 5 || reasons["Phạm Thu Dung"] != "Đi công tác" || reasons[ms["unverified"].FullName] != "chưa kích hoạt" {
		t.Fatalf("absent sheet: %v", rows)
	}
	org := r.fake.Sent(r.chats[ms["dung"].ID])
	if len(org) != 2 || org[1].Document == nil || org[1].Document.Name != "Bao-cao-dot-2-toan-tinh.xlsx" {
		t.Fatalf("organizer got %+v", org)
	}
	for _, want := range []string{"TỔNG HỢP ĐỢT 2", "Đã dự thi: 4 (57,1%)", "Đơn vị dưới 50%: 0",
		"1. Sở Nội vụ: 3/6 (50,0%), TB 1,67 câu đúng", "2. UBND xã Hòa Phú: 1/1 (100,0%)"} {
		if !strings.Contains(org[0].Text, want) {
			t.Errorf("organizer card lacks %q:\n%s", want, org[0].Text)
		}
	}
	if n := len(sheet(t, org[1].Document.Data, "Đơn vị")); n != 4 {
		t.Errorf("province workbook has %d rows on Đơn vị, want the title, the headings and 2 units", n)
	}
	// The operator runs it again the same day: nothing new.
	if n := r.enqueue(r.job(notify.KindSummary, slot, r.f.Next)); n != 0 {
		t.Fatalf("second summary run enqueued %d", n)
	}
}

// TestSummaryCardsNoteWebPreviews: a member who only tried the local web
// chat is not activated, and both cards say so beside the figure.
func TestSummaryCardsNoteWebPreviews(t *testing.T) {
	r, ms := summaryRig(t)
	if _, err := r.db.ExecContext(context.Background(), `INSERT INTO identities (member_id, platform, external_id, chat_id)
		VALUES ($1, 'web', 'web-x', 'web-x')`, ms["unverified"].ID); err != nil {
		t.Fatal(err)
	}
	slot := notify.SummarySlot(r.clock.Now(), r.f.Contest.Location())
	r.enqueue(r.job(notify.KindSummary, slot, r.f.Next))
	r.drain(r.sender(50, notify.SenderOptions{}), r.f.Next.ID, notify.KindSummary, notify.KindSummaryOrg)
	head := r.fake.Sent(r.chats[ms["chi"].ID])
	org := r.fake.Sent(r.chats[ms["dung"].ID])
	if len(head) == 0 || len(org) == 0 {
		t.Fatalf("cards: head %d messages, organizer %d", len(head), len(org))
	}
	for _, want := range []string{
		"Đã kích hoạt tài khoản: 5 (không tính 1 người chỉ dùng thử trên trang web cục bộ)\n",
		ms["unverified"].FullName + " – Chuyên viên: chưa kích hoạt",
	} {
		if !strings.Contains(head[0].Text, want) {
			t.Errorf("head card lacks %q:\n%s", want, head[0].Text)
		}
	}
	if want := "đã kích hoạt: 6 (không tính 1 người chỉ dùng thử trên trang web cục bộ)\n"; !strings.Contains(org[0].Text, want) {
		t.Errorf("organizer card lacks %q:\n%s", want, org[0].Text)
	}
}

// TestSummaryLongListSplit: a unit with hundreds of absentees gets its list
// over several messages, each within Telegram's limit, nobody lost.
func TestSummaryLongListSplit(t *testing.T) {
	r, ms := summaryRig(t)
	ctx := context.Background()
	if _, err := r.db.ExecContext(ctx, `INSERT INTO members (full_name, phone, unit_id, position)
		SELECT 'Nguyễn Thị Cán Bộ Có Tên Rất Dài Số ' || g, '0987' || lpad(g::text, 6, '0'),
			(SELECT id FROM units WHERE code = 'SNV'), 'Chuyên viên chính Phòng Cải cách hành chính'
		FROM generate_series(1, 300) g`); err != nil {
		t.Fatal(err)
	}
	r.enqueue(r.job(notify.KindSummary, "d", r.f.Next))
	r.drain(r.sender(100, notify.SenderOptions{}), r.f.Next.ID, notify.KindSummary, notify.KindSummaryOrg)
	msgs := r.fake.Sent(r.chats[ms["chi"].ID])
	if len(msgs) < 4 {
		t.Fatalf("head got %d messages, want the card in several parts and the workbook", len(msgs))
	}
	var all strings.Builder
	for i, m := range msgs[:len(msgs)-1] {
		if i > 0 && !strings.HasPrefix(m.Text, "📊 Đợt 2 – Sở Nội vụ (tiếp theo)") {
			t.Errorf("part %d starts %q", i+1, m.Text[:40])
		}
		all.WriteString(m.Text)
	}
	for _, n := range []string{"Số 1 –", "Số 150 –", "Số 300 –"} {
		if !strings.Contains(all.String(), n) {
			t.Errorf("the list lost %q", n)
		}
	}
	if !strings.Contains(all.String(), "303. ") {
		t.Error("the numbering does not reach 303")
	}
	if msgs[len(msgs)-1].Document == nil {
		t.Fatal("the workbook is not last")
	}
}

// sheet reads a sheet of an attached workbook, numbers as stored (0.5, not
// 50,0%), without the empty cells that end a row.
func sheet(t *testing.T, data []byte, name string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("sheet %s: %v", name, err)
	}
	for i, r := range rows {
		for len(r) > 0 && r[len(r)-1] == "" {
			r = r[:len(r)-1]
		}
		rows[i] = r
	}
	return rows
}

func sheetNames(t *testing.T, data []byte) []string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	return f.GetSheetList()
}

// TestSummaryWorkbooksSliceAndProvince: em heads XA1 (under SNV), which
// has one more member, who did not take part; the round gives a Nhất and a
// Nhì. Each head's card attaches the province workbook's slice of their
// unit and the units under it, the organizer's the whole province's: read
// back cell by cell.
func TestSummaryWorkbooksSliceAndProvince(t *testing.T) {
	r, ms := summaryRig(t)
	ctx := context.Background()
	if _, err := r.db.ExecContext(ctx, `UPDATE members SET role = CASE id WHEN $1 THEN 'head' ELSE 'organizer' END
		WHERE id IN ($1, $2)`, ms["em"].ID, ms["binh"].ID); err != nil {
		t.Fatal(err)
	}
	absentee := r.addMembers(1, "XA1")[0]
	if err := r.db.SetContestPrizes(ctx, r.f.Contest.Code, &report.Prizes{
		Round: &report.IndividualPrizes{GradeCounts: report.GradeCounts{Nhat: 1, Nhi: 1}}}); err != nil {
		t.Fatal(err)
	}
	slot := notify.SummarySlot(r.clock.Now(), r.f.Contest.Location())
	if n := r.enqueue(r.job(notify.KindSummary, slot, r.f.Next)); n != 4 {
		t.Fatalf("enqueued %d summaries, want 4 (the heads chi and em, the organizers binh and dung)", n)
	}
	// One copy of each workbook (SNV's, XA1's, the province's), however
	// many cards attach it; the rows carry the cards' text only.
	var docs, orgRefs int
	var largest int64
	if err := r.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM summary_documents WHERE round_id = $1),
		(SELECT count(DISTINCT payload->'doc'->>'ref') FROM notifications WHERE round_id = $1 AND kind = 'summary_org'),
		(SELECT max(octet_length(payload::text)) FROM notifications WHERE round_id = $1)`, r.f.Next.ID).Scan(&docs, &orgRefs, &largest); err != nil {
		t.Fatal(err)
	}
	if docs != 3 || orgRefs != 1 || largest > 4000 {
		t.Errorf("%d documents saved, the organizers' cards refer to %d, the largest payload has %d bytes; want 3, 1 and under 4,000", docs, orgRefs, largest)
	}
	r.drain(r.sender(50, notify.SenderOptions{}), r.f.Next.ID, notify.KindSummary, notify.KindSummaryOrg)
	attached := func(key string) *outbound.Document {
		t.Helper()
		msgs := r.fake.Sent(r.chats[ms[key].ID])
		if len(msgs) == 0 || msgs[len(msgs)-1].Document == nil {
			t.Fatalf("%s got no workbook: %+v", key, msgs)
		}
		d := msgs[len(msgs)-1].Document
		return &outbound.Document{Name: d.Name, Data: d.Data}
	}
	eq := func(what string, got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
	loc := r.f.Contest.Location()
	period := func(rd quiz.Round) string {
		return rd.OpensAt.In(loc).Format("02/01/2006") + " – " + rd.ClosesAt.In(loc).Format("02/01/2006")
	}
	title := "Tìm hiểu cải cách hành chính 2026 — Kết quả vòng 2 (" + period(r.f.Next) + ")"
	person := func(rank string, m quiz.Member, unit, unitName, correct string) []string {
		return []string{rank, m.FullName, m.Phone, unit, unitName, m.Position, correct, "", "300"}
	}

	// em's slice: XA1 alone, nobody of SNV; no unit under it to sum up.
	if msgs := r.fake.Sent(r.chats[ms["em"].ID]); len(msgs) == 0 || strings.Contains(msgs[0].Text, "trực thuộc") {
		t.Errorf("em's card: %+v", msgs)
	}
	xa := attached("em")
	if xa.Name != "Bao-cao-dot-2-XA1.xlsx" {
		t.Errorf("em's workbook is %q", xa.Name)
	}
	eq("XA1 sheets", sheetNames(t, xa.Data), "Tổng hợp", "Đơn vị", "Cá nhân", "Giải thưởng", "Chưa tham gia", "Điểm 0", "Dấu hiệu bất thường")
	sum := sheet(t, xa.Data, "Tổng hợp")
	eq("XA1 title", sum[0], title+" — Đơn vị: UBND xã Hòa Phú (XA1)")
	eq("XA1 round 1", sum[2], "1", period(r.f.Round), "2", "0", "0", "", "0")
	eq("XA1 round 2", sum[3], "2", period(r.f.Next), "2", "1", "0.5", "2", "0")
	units := sheet(t, xa.Data, "Đơn vị")
	if len(units) != 3 {
		t.Fatalf("XA1 Đơn vị: %q", units)
	}
	eq("XA1 Đơn vị", units[2], "XA1", "UBND xã Hòa Phú", "2", "SNV", "2", "2", "1", "0.5", "2", "0", "2", "2", "1", "0.5", "2", "0", "1")
	members := sheet(t, xa.Data, "Cá nhân")
	if len(members) != 3 {
		t.Fatalf("XA1 Cá nhân: %q", members)
	}
	eq("XA1 Cá nhân", members[2], person("2", ms["em"], "XA1", "UBND xã Hòa Phú", "2")...)
	prizes := sheet(t, xa.Data, "Giải thưởng")
	if len(prizes) != 3 {
		t.Fatalf("XA1 Giải thưởng: %q", prizes)
	}
	eq("XA1 Giải Nhì", prizes[2], "Giải Nhì", "2", ms["em"].FullName, ms["em"].Phone, "XA1", ms["em"].Position, "2", "", "300")
	absent := sheet(t, xa.Data, "Chưa tham gia")
	eq("XA1 Chưa tham gia title", absent[0], "Tìm hiểu cải cách hành chính 2026 — Chưa tham gia vòng 2 — Đơn vị: UBND xã Hòa Phú (XA1)")
	if len(absent) != 3 {
		t.Fatalf("XA1 Chưa tham gia: %q", absent)
	}
	eq("XA1 absentee", absent[2], "XA1", "UBND xã Hòa Phú", absentee.FullName, absentee.Phone, "Chuyên viên", "có")
	if z := sheet(t, xa.Data, "Điểm 0"); len(z) != 2 {
		t.Errorf("XA1 Điểm 0 holds another unit's zero score: %q", z)
	}

	// chi's slice: SNV and XA1 under it.
	snv := attached("chi")
	eq("SNV title", sheet(t, snv.Data, "Tổng hợp")[0], title+" — Đơn vị: Sở Nội vụ (SNV) và 1 đơn vị trực thuộc")
	eq("SNV round 2", sheet(t, snv.Data, "Tổng hợp")[3], "2", period(r.f.Next), "8", "4", "0.5", "1.75", "1")
	snvMembers := sheet(t, snv.Data, "Cá nhân")
	if n := len(snvMembers); n != 6 {
		t.Errorf("SNV Cá nhân has %d rows, want the title, the headings and 4 people", n)
	}
	// The slice's two units interleaved in rank order (the job's ranking,
	// replayed by unit), a tie by name.
	var order []string
	for _, row := range snvMembers[2:] {
		order = append(order, row[0]+" "+row[3]+" "+row[1])
	}
	eq("SNV Cá nhân order", order, "1 SNV Nguyễn Văn An", "2 XA1 Hoàng Văn Em", "2 SNV Trần Thị Bình", "4 SNV Lê Minh Chi")

	// The organizer's: the whole province, with Câu hỏi.
	prov := attached("dung")
	eq("province sheets", sheetNames(t, prov.Data), "Tổng hợp", "Đơn vị", "Cá nhân", "Giải thưởng", "Chưa tham gia", "Điểm 0", "Câu hỏi", "Dấu hiệu bất thường")
	sum = sheet(t, prov.Data, "Tổng hợp")
	eq("province title", sum[0], title)
	eq("province round 1", sum[2], "1", period(r.f.Round), "8", "2", "0.25", "2", "0")
	eq("province round 2", sum[3], "2", period(r.f.Next), "8", "4", "0.5", "1.75", "1")
	units = sheet(t, prov.Data, "Đơn vị")
	eq("province SNV", units[2], "SNV", "Sở Nội vụ", "1", "", "6", "5", "3", "0.5", "1.67", "1", "8", "7", "4", "0.5", "1.75", "1", "2")
	members = sheet(t, prov.Data, "Cá nhân")
	if len(members) != 6 {
		t.Fatalf("province Cá nhân: %q", members)
	}
	eq("rank 1", members[2], person("1", ms["an"], "SNV", "Sở Nội vụ", "3")...)
	eq("rank 2 (H before T)", members[3], person("2", ms["em"], "XA1", "UBND xã Hòa Phú", "2")...)
	eq("rank 2 (T)", members[4], person("2", ms["binh"], "SNV", "Sở Nội vụ", "2")...)
	eq("rank 4", members[5], person("4", ms["chi"], "SNV", "Sở Nội vụ", "0")...)
	// Em and Bình tie for the one Giải Nhì: both get it, and the
	// province's sheet says so under the winners (the slice does not).
	prizes = sheet(t, prov.Data, "Giải thưởng")
	if len(prizes) != 7 || prizes[2][0] != "Giải Nhất" || prizes[2][2] != ms["an"].FullName || len(prizes[5]) != 0 ||
		prizes[6][0] != "Đồng hạng 2 (Hoàng Văn Em, Trần Thị Bình): 2 người bằng nhau ở mọi tiêu chí tranh 1 giải cuối: tất cả cùng nhận Giải Nhì (nhiều hơn số giải thể lệ quy định)." {
		t.Errorf("province Giải thưởng: %q", prizes)
	}
	if n := len(sheet(t, prov.Data, "Chưa tham gia")); n != 6 {
		t.Errorf("province Chưa tham gia has %d rows, want 4 absentees", n)
	}
	eq("province Điểm 0", sheet(t, prov.Data, "Điểm 0")[2][:5], "2", "SNV", "Sở Nội vụ", ms["chi"].FullName, ms["chi"].Phone)
}

// countingDB is the real storage, counting the summary's and workbooks'
// round-wide reads.
type countingDB struct {
	*storage.DB
	mu    sync.Mutex
	calls map[string]int
}

func (c *countingDB) count(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls[name]++
}

func (c *countingDB) UnitRosters(ctx context.Context) ([]report.UnitRoster, error) {
	c.count("UnitRosters")
	return c.DB.UnitRosters(ctx)
}

func (c *countingDB) AbsentMembers(ctx context.Context, roundID int64, now time.Time) ([]report.Absent, error) {
	c.count("AbsentMembers")
	return c.DB.AbsentMembers(ctx, roundID, now)
}

func (c *countingDB) Units(ctx context.Context) ([]quiz.Unit, error) {
	c.count("Units")
	return c.DB.Units(ctx)
}

func (c *countingDB) UnitRoundFigures(ctx context.Context, roundIDs []int64, now time.Time) ([]report.UnitRoundFigure, error) {
	c.count("UnitRoundFigures")
	return c.DB.UnitRoundFigures(ctx, roundIDs, now)
}

func (c *countingDB) RoundActual(ctx context.Context, ct quiz.Contest, r quiz.Round, now time.Time) (int64, bool, error) {
	c.count("RoundActual")
	return c.DB.RoundActual(ctx, ct, r, now)
}

func (c *countingDB) ContestPrizes(ctx context.Context, contestID int64) (report.Prizes, bool, error) {
	c.count("ContestPrizes")
	return c.DB.ContestPrizes(ctx, contestID)
}

func (c *countingDB) RoundRanking(ctx context.Context, roundID, actual int64, now time.Time) (report.Stream[report.Entry], error) {
	c.count("RoundRanking")
	return c.DB.RoundRanking(ctx, roundID, actual, now)
}

func (c *countingDB) ZeroScores(ctx context.Context, roundID int64, now time.Time, loc *time.Location) ([]report.ZeroScore, error) {
	c.count("ZeroScores")
	return c.DB.ZeroScores(ctx, roundID, now, loc)
}

func (c *countingDB) QuestionStats(ctx context.Context, roundIDs []int64, now time.Time, emit func(report.QuestionStat) error) error {
	c.count("QuestionStats")
	return c.DB.QuestionStats(ctx, roundIDs, now, emit)
}

func (c *countingDB) FastAttempts(ctx context.Context, roundID int64, now time.Time, minPerQuestion int) ([]report.FastAttempt, error) {
	c.count("FastAttempts")
	return c.DB.FastAttempts(ctx, roundID, now, minPerQuestion)
}

func (c *countingDB) SameAnswerPairs(ctx context.Context, roundID int64, now time.Time, window time.Duration, minCommon int) ([]report.SamePair, error) {
	c.count("SameAnswerPairs")
	return c.DB.SameAnswerPairs(ctx, roundID, now, window, minCommon)
}

func (c *countingDB) SamePredictions(ctx context.Context, roundID int64, now time.Time, minMembers int) ([]report.PredictionCopy, error) {
	c.count("SamePredictions")
	return c.DB.SamePredictions(ctx, roundID, now, minMembers)
}

func (c *countingDB) SharedAccountEvents(ctx context.Context, until time.Time) ([]report.AccountEvent, error) {
	c.count("SharedAccountEvents")
	return c.DB.SharedAccountEvents(ctx, until)
}

// TestSummaryJobReadsOnce: the job builds three workbooks (two heads'
// slices, the province's for two organizers) and the cards, and runs each
// round-wide read once, each slice filtering the same rows.
func TestSummaryJobReadsOnce(t *testing.T) {
	r, ms := summaryRig(t)
	ctx := context.Background()
	if _, err := r.db.ExecContext(ctx, `UPDATE members SET role = CASE id WHEN $1 THEN 'head' ELSE 'organizer' END
		WHERE id IN ($1, $2)`, ms["em"].ID, ms["binh"].ID); err != nil {
		t.Fatal(err)
	}
	db := &countingDB{DB: r.db, calls: map[string]int{}}
	n, err := notify.NewNotifier(db, r.clock, r.log, nil).Run(ctx, r.job(notify.KindSummary, "d", r.f.Next))
	if err != nil || n != 4 {
		t.Fatalf("summary job: %d queued, %v; want 4", n, err)
	}
	for _, name := range []string{"UnitRosters", "AbsentMembers", "Units", "UnitRoundFigures", "RoundActual", "ContestPrizes",
		"RoundRanking", "ZeroScores", "QuestionStats", "FastAttempts", "SameAnswerPairs", "SamePredictions", "SharedAccountEvents"} {
		if db.calls[name] != 1 {
			t.Errorf("%s ran %d times, want once", name, db.calls[name])
		}
	}
}

// A workbook too large for a message (a national round's, over Telegram's
// 50 MB) is not attached: the card says where to download it instead.
func TestSummaryWorkbookTooLargeStaysOnTheConsole(t *testing.T) {
	r, ms := summaryRig(t)
	ctx := context.Background()
	n := r.notifier()
	n.MaxDocument = 1 << 10 // every workbook is larger
	slot := notify.SummarySlot(r.clock.Now(), r.f.Contest.Location())
	if _, err := n.Run(ctx, r.job(notify.KindSummary, slot, r.f.Next)); err != nil {
		t.Fatal(err)
	}
	var docs int
	if err := r.db.QueryRowContext(ctx, `SELECT count(*) FROM summary_documents WHERE round_id = $1`, r.f.Next.ID).Scan(&docs); err != nil {
		t.Fatal(err)
	}
	if docs != 0 {
		t.Errorf("%d workbooks saved that no card can carry", docs)
	}
	r.drain(r.sender(50, notify.SenderOptions{}), r.f.Next.ID, notify.KindSummary, notify.KindSummaryOrg)
	for _, key := range []string{"chi", "dung"} { // the head, the organizer
		msgs := r.fake.Sent(r.chats[ms[key].ID])
		if len(msgs) == 0 {
			t.Fatalf("%s got no card", key)
		}
		last := msgs[len(msgs)-1]
		if last.Document != nil {
			t.Errorf("%s got the workbook %s attached", key, last.Document.Name)
		}
		if !strings.Contains(last.Text, "gửi được qua tin nhắn: anh/chị tải tệp tại trang quản trị, mục Báo cáo (gửi /quantri") {
			t.Errorf("%s's card does not say where the workbook is:\n%s", key, last.Text)
		}
	}
}
