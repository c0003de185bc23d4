package storage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"quizbot/notify"
	"quizbot/quiz"
)

// TestSummaryDocuments: a workbook is saved once per round, scope and
// content; it is kept while a card that attaches it is still to be sent,
// and pruned once none is (an hour after it was saved).
func TestSummaryDocuments(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, f := notifySeed(t)
	province, err := db.SaveSummaryDocument(ctx, f.Round.ID, "", []byte("tỉnh"))
	if err != nil {
		t.Fatal(err)
	}
	again, err := db.SaveSummaryDocument(ctx, f.Round.ID, "", []byte("tỉnh"))
	if err != nil || again != province {
		t.Fatalf("saved again: id %d, %v; want the same id %d", again, err, province)
	}
	unit, err := db.SaveSummaryDocument(ctx, f.Round.ID, "SNV", []byte("tỉnh"))
	if err != nil || unit == province {
		t.Fatalf("another scope: id %d, %v; want a new id", unit, err)
	}
	young, err := db.SaveSummaryDocument(ctx, f.Round.ID, "XA1", []byte("xã"))
	if err != nil {
		t.Fatal(err)
	}
	if data, err := db.SummaryDocument(ctx, province); err != nil || !bytes.Equal(data, []byte("tỉnh")) {
		t.Fatalf("read back %q, %v", data, err)
	}
	// Two organizers' cards attach the province's; nothing attaches SNV's.
	var rows []notify.NewNotification
	for i, m := range []quiz.Member{f.Members["dung"], f.Members["chi"]} {
		pl, _ := json.Marshal(map[string]any{"parts": []string{"thẻ"}, "doc": map[string]any{"name": "Bao-cao.xlsx", "ref": province}})
		rows = append(rows, notify.NewNotification{DedupKey: fmt.Sprintf("summary_org:%d:%d:d", f.Round.ID, i), Kind: notify.KindSummaryOrg,
			RoundID: f.Round.ID, MemberID: m.ID, Platform: quiz.PlatformTelegram, ChatID: fmt.Sprint(900 + m.ID), Payload: pl})
	}
	if n, err := db.InsertNotifications(ctx, rows); err != nil || n != 2 {
		t.Fatalf("insert: %d, %v", n, err)
	}
	if _, err := db.ExecContext(ctx, `UPDATE summary_documents SET created_at = now() - interval '2 hours' WHERE id <> $1`, young); err != nil {
		t.Fatal(err)
	}
	kept := func() []int64 {
		t.Helper()
		if _, err := db.PruneSummaryDocuments(ctx); err != nil {
			t.Fatal(err)
		}
		var ids []int64
		if err := db.SelectContext(ctx, &ids, `SELECT id FROM summary_documents ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := kept(); len(got) != 2 || got[0] != province || got[1] != young {
		t.Fatalf("after pruning %v, want the province's (queued cards) and the young one %v", got, []int64{province, young})
	}
	// One card sent, the other still queued: kept.
	if _, err := db.ExecContext(ctx, `UPDATE notifications SET status = 'sent' WHERE member_id = $1`, f.Members["dung"].ID); err != nil {
		t.Fatal(err)
	}
	if got := kept(); len(got) != 2 {
		t.Fatalf("after one card sent %v, want both kept", got)
	}
	if _, err := db.ExecContext(ctx, `UPDATE notifications SET status = 'failed'`); err != nil {
		t.Fatal(err)
	}
	if got := kept(); len(got) != 1 || got[0] != young {
		t.Fatalf("after every card settled %v, want only the young one", got)
	}
}
