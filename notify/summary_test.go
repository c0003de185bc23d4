package notify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"quizbot/notify"
	"quizbot/quiz"
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
	doc := head[1].Document
	if doc == nil || doc.Name != "bao-cao-dot-2-SNV.xlsx" {
		t.Fatalf("workbook: %+v", head[1])
	}
	rows := sheet(t, doc.Data, "absent")
	reasons := map[string]string{}
	for _, row := range rows[1:] {
		reasons[row[1]] = row[len(row)-1]
	}
	if len(rows) != 4 || reasons["Phạm Thu Dung"] != "Đi công tác" || reasons[ms["unverified"].FullName] != "chưa kích hoạt" {
		t.Fatalf("absent sheet: %v", rows)
	}
	for _, row := range sheet(t, doc.Data, "results")[1:] {
		if row[3] != "SNV" {
			t.Fatalf("the unit's workbook holds another unit's result: %v", row)
		}
	}

	org := r.fake.Sent(r.chats[ms["dung"].ID])
	if len(org) != 2 || org[1].Document == nil || org[1].Document.Name != "tong-hop-dot-2.xlsx" {
		t.Fatalf("organizer got %+v", org)
	}
	for _, want := range []string{"TỔNG HỢP ĐỢT 2", "Đã dự thi: 4 (57,1%)", "Đơn vị dưới 50%: 0",
		"1. Sở Nội vụ: 3/6 (50,0%), TB 1,67 câu đúng", "2. UBND xã Hòa Phú: 1/1 (100,0%)"} {
		if !strings.Contains(org[0].Text, want) {
			t.Errorf("organizer card lacks %q:\n%s", want, org[0].Text)
		}
	}
	if n := len(sheet(t, org[1].Document.Data, "units")); n != 3 {
		t.Errorf("province workbook has %d unit rows, want 2 and the header", n)
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

func sheet(t *testing.T, data []byte, name string) [][]string {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("open workbook: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows(name)
	if err != nil {
		t.Fatalf("sheet %s: %v", name, err)
	}
	return rows
}
