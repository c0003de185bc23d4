package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quizbot/notify"
	"quizbot/outbound"
	"quizbot/quiz"
)

// While entries are open, the head's card says their unit has not
// submitted and the organizers' card lists the units that have not: here
// em submitted for XA1, nobody for SNV.
func TestSummaryCardsSayWhoHasNotSubmitted(t *testing.T) {
	r, ms := summaryRig(t)
	ctx := context.Background()
	now := r.clock.Now()
	closes := now.Add(72 * time.Hour)
	cfg := quiz.EntriesConfig{OpensAt: now.Add(-time.Hour), ClosesAt: closes, Submitter: quiz.SubmitterMember, MinPerUnit: 1, MaxPerUnit: 1,
		Link: true, Rubric: []quiz.Criterion{{Name: "Nội dung", MaxPoints: 100}}, Judges: []string{ms["dung"].Phone}, Combine: quiz.CombineMean}
	c := r.f.Contest
	c.Entries = &cfg
	if _, err := r.db.ApplyContest(ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, err := quiz.NewEntries(r.db, r.clock).Submit(ctx, ms["em"], r.f.Contest.ID, 0,
		quiz.EntryDraft{Title: "Hòa Phú số hóa", Authors: ms["em"].FullName, URL: "https://example.org/v"}); err != nil {
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
	when := outbound.When(closes, r.f.Contest.Location())
	if want := "• Bài dự thi: ⚠️ đơn vị chưa nộp (cần ít nhất 1 bài, hạn " + when + "); gửi /nopbai cho bot để nộp\n"; !strings.Contains(head[0].Text, want) {
		t.Errorf("head card lacks %q:\n%s", want, head[0].Text)
	}
	if want := "📝 Đơn vị chưa nộp đủ bài dự thi (1/2 đơn vị, hạn " + when + "):\n• Sở Nội vụ (0/1 bài)"; !strings.Contains(org[0].Text, want) {
		t.Errorf("organizer card lacks %q:\n%s", want, org[0].Text)
	}
	if strings.Contains(org[0].Text, "• UBND xã Hòa Phú (") {
		t.Errorf("XA1 submitted but is listed:\n%s", org[0].Text)
	}
}
