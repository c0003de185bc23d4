package storage_test

import (
	"context"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func TestCachedAccountReadsMemberAndSessionTogether(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	an := quiz.Member{ID: 42, FullName: "Nguyễn Văn An", Phone: "0912345678", UnitCode: "SONV", Role: quiz.RoleHead, Active: true}

	acc, err := ss.CachedAccount(ctx, quiz.PlatformTelegram, "7")
	if err != nil || acc.MemberOK || acc.SessionOK {
		t.Fatalf("nothing cached: %+v %v", acc, err)
	}
	if err := ss.CacheMember(ctx, quiz.PlatformTelegram, "7", an, time.Hour); err != nil {
		t.Fatal(err)
	}
	acc, err = ss.CachedAccount(ctx, quiz.PlatformTelegram, "7")
	if err != nil || !acc.MemberOK || acc.Member != an || acc.SessionOK {
		t.Fatalf("member without a session: %+v %v", acc, err)
	}
	sess := quiz.Session{MemberID: 42, AttemptID: 9, Pos: 3, MessageID: "555",
		Items: []quiz.SessionItem{{QuestionID: 1, Order: []int{2, 0, 1}}}}
	if err := ss.PutSession(ctx, sess, time.Hour); err != nil {
		t.Fatal(err)
	}
	acc, err = ss.CachedAccount(ctx, quiz.PlatformTelegram, "7")
	if err != nil || !acc.MemberOK || !acc.SessionOK || acc.Session.AttemptID != 9 || acc.Session.Pos != 3 ||
		acc.Session.MessageID != "555" || acc.Session.Items[0].Order[0] != 2 {
		t.Fatalf("member with a session: %+v %v", acc, err)
	}
	// Another account's session is not this one's.
	if err := ss.CacheMember(ctx, quiz.PlatformTelegram, "8", quiz.Member{ID: 43, Active: true}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if acc, err := ss.CachedAccount(ctx, quiz.PlatformTelegram, "8"); err != nil || !acc.MemberOK || acc.SessionOK {
		t.Fatalf("other account: %+v %v", acc, err)
	}
	// Unreadable entries count as absent (rebuilt from Postgres).
	rdb.Set(ctx, "qb:who:telegram:9", "not json", time.Hour)
	if acc, err := ss.CachedAccount(ctx, quiz.PlatformTelegram, "9"); err != nil || acc.MemberOK {
		t.Fatalf("garbage member: %+v %v", acc, err)
	}
	rdb.Set(ctx, "qb:sess:42", "{", time.Hour)
	if acc, err := ss.CachedAccount(ctx, quiz.PlatformTelegram, "7"); err != nil || !acc.MemberOK || acc.SessionOK {
		t.Fatalf("garbage session: %+v %v", acc, err)
	}
}

func TestSaveShownNeverGoesBack(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	save := func(attempt int64, pos int, await bool) bool {
		t.Helper()
		ok, err := ss.SaveShown(ctx, quiz.Session{MemberID: 1, AttemptID: attempt, Pos: pos, AwaitPrediction: await}, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	stored := func() (int64, int, bool) {
		t.Helper()
		s, ok, err := ss.Session(ctx, 1)
		if err != nil || !ok {
			t.Fatalf("session: %v %v", ok, err)
		}
		return s.AttemptID, s.Pos, s.AwaitPrediction
	}
	for _, step := range []struct {
		attempt int64
		pos     int
		saved   bool
		why     string
	}{
		{5, 0, true, "no session yet"},
		{5, 1, true, "the next question"},
		{5, 1, true, "the same question shown again (/thi)"},
		{5, 0, false, "an earlier question"},
		{4, 3, false, "an older attempt"},
		{6, 0, true, "a newer attempt"},
	} {
		if got := save(step.attempt, step.pos, false); got != step.saved {
			t.Errorf("%s: saved %v", step.why, got)
		}
	}
	if a, p, _ := stored(); a != 6 || p != 0 {
		t.Fatalf("stored: attempt %d pos %d", a, p)
	}
	// The sweeper closed attempt 6 and waits for the prediction: a late
	// delivery of its next question does not reopen it.
	if err := ss.PutSession(ctx, quiz.Session{MemberID: 1, AttemptID: 6, Pos: 3, AwaitPrediction: true}, time.Hour); err != nil {
		t.Fatal(err)
	}
	if save(6, 1, false) {
		t.Error("a question of a closed attempt replaced the prediction session")
	}
	if a, _, await := stored(); a != 6 || !await {
		t.Fatalf("stored: attempt %d awaiting %v", a, await)
	}
	if ttl := rdb.PTTL(ctx, "qb:sess:1").Val(); ttl <= 0 {
		t.Fatalf("session without expiry: %v", ttl)
	}
	// An unreadable stored session is replaced.
	rdb.Set(ctx, "qb:sess:1", "{", time.Hour)
	if !save(7, 0, false) {
		t.Error("garbage not replaced")
	}
}
