package storage_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
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

func TestUpdateBeginAndEnd(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	an := quiz.Member{ID: 42, FullName: "Nguyễn Văn An", Active: true}
	if err := ss.CacheMember(ctx, quiz.PlatformTelegram, "7", an, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := ss.PutSession(ctx, quiz.Session{MemberID: 42, AttemptID: 9, Pos: 1}, time.Hour); err != nil {
		t.Fatal(err)
	}
	begin := func(key string) (string, quiz.Account) {
		t.Helper()
		prev, acc, err := ss.BeginUpdate(ctx, key, time.Minute, quiz.PlatformTelegram, "7")
		if err != nil {
			t.Fatal(err)
		}
		return prev, acc
	}

	// A new update is claimed, with the sender's member and session.
	prev, acc := begin("u:1")
	if prev != "" || !acc.MemberOK || acc.Member.ID != 42 || !acc.SessionOK || acc.Session.Pos != 1 {
		t.Fatalf("new update: %q %+v", prev, acc)
	}
	if ttl := rdb.TTL(ctx, "u:1").Val(); ttl <= time.Minute {
		t.Fatalf("the claim's key must outlive its lease, to tell a lapsed claim: %v", ttl)
	}
	// A concurrent delivery finds it in progress and reads nothing.
	if prev, acc := begin("u:1"); prev != "p" || acc.MemberOK {
		t.Fatalf("in progress: %q %+v", prev, acc)
	}
	// Done, saving the session of the question shown meanwhile.
	shown := quiz.Session{MemberID: 42, AttemptID: 9, Pos: 2, MessageID: "77"}
	if err := ss.EndUpdate(ctx, "u:1", "d", time.Hour, &shown, time.Hour); err != nil {
		t.Fatal(err)
	}
	if prev, _ := begin("u:1"); prev != "d" {
		t.Fatalf("done: %q", prev)
	}
	if s, ok, _ := ss.Session(ctx, 42); !ok || s.Pos != 2 || s.MessageID != "77" {
		t.Fatalf("session after the update: %+v", s)
	}
	if ttl := rdb.TTL(ctx, "u:1").Val(); ttl <= time.Minute {
		t.Fatalf("done mark kept for %v", ttl)
	}
	// A failed update is claimed again by its re-delivery.
	begin("u:2")
	if err := ss.EndUpdate(ctx, "u:2", "r", time.Hour, nil, 0); err != nil {
		t.Fatal(err)
	}
	if prev, acc := begin("u:2"); prev != "r" || !acc.MemberOK {
		t.Fatalf("re-delivered: %q %+v", prev, acc)
	}
	// The save at the end does not go back either: the sweeper closed the
	// attempt while the update was processed.
	if err := ss.PutSession(ctx, quiz.Session{MemberID: 42, AttemptID: 9, Pos: 3, AwaitPrediction: true}, time.Hour); err != nil {
		t.Fatal(err)
	}
	late := quiz.Session{MemberID: 42, AttemptID: 9, Pos: 2, MessageID: "78"}
	if err := ss.EndUpdate(ctx, "u:2", "d", time.Hour, &late, time.Hour); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := ss.Session(ctx, 42); !s.AwaitPrediction {
		t.Fatalf("the end of an update undid the sweeper: %+v", s)
	}
	// An unknown sender: claimed, nothing cached.
	prev, acc, err := ss.BeginUpdate(ctx, "u:3", time.Minute, quiz.PlatformTelegram, "")
	if err != nil || prev != "" || acc.MemberOK {
		t.Fatalf("no sender: %q %+v %v", prev, acc, err)
	}
}

// Concurrent updates share pipelined round trips; each still gets its own
// answer, each delivery is claimed once, and a Redis that lost its script
// cache (a restart, SCRIPT FLUSH) is given the scripts again.
func TestUpdatesPipelinedConcurrently(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	const members = 50
	for i := range members {
		id := strconv.Itoa(1000 + i)
		if err := ss.CacheMember(ctx, quiz.PlatformTelegram, id, quiz.Member{ID: int64(1000 + i), Active: true}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// Every member's update is delivered twice at once: one delivery claims
	// it, with that member's account, the other finds it in progress.
	var wg sync.WaitGroup
	claimed := make([]atomic.Int32, members)
	errs := make(chan error, 2*members)
	for i := range 2 * members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := i % members
			prev, acc, err := ss.BeginUpdate(ctx, "u:"+strconv.Itoa(m), time.Minute, quiz.PlatformTelegram, strconv.Itoa(1000+m))
			switch {
			case err != nil:
				errs <- err
			case prev == "":
				claimed[m].Add(1)
				if !acc.MemberOK || acc.Member.ID != int64(1000+m) {
					errs <- fmt.Errorf("update %d claimed with the account of %+v", m, acc.Member)
				}
				shown := quiz.Session{MemberID: int64(1000 + m), AttemptID: 1, Pos: m}
				errs <- ss.EndUpdate(ctx, "u:"+strconv.Itoa(m), "d", time.Hour, &shown, time.Hour)
			case prev != "p" && prev != "d":
				errs <- fmt.Errorf("update %d: second delivery found %q", m, prev)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for m := range members {
		if n := claimed[m].Load(); n != 1 {
			t.Errorf("update %d claimed %d times", m, n)
		}
		if s, ok, err := ss.Session(ctx, int64(1000+m)); err != nil || !ok || s.Pos != m {
			t.Errorf("member %d: session %+v %v %v", 1000+m, s, ok, err)
		}
	}
}

// A claim holds for its lease unless renewed; once it lapses, the next
// delivery takes the update over as a re-delivery ("r"), and the late end
// of the lapsed claim does not undo the new one.
func TestUpdateClaimLease(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	const lease = 15 * time.Second
	claim := func(c storage.Claim, at time.Duration) string {
		t.Helper()
		prev, _, _, err := ss.ClaimUpdate(ctx, c, lease, t0.Add(at), quiz.PlatformTelegram, "7")
		if err != nil {
			t.Fatal(err)
		}
		return prev
	}
	first, second := storage.NewClaim("u:1"), storage.NewClaim("u:1")
	if prev := claim(first, 0); prev != "" {
		t.Fatalf("new update: %q", prev)
	}
	if prev := claim(second, 10*time.Second); prev != "p" {
		t.Fatalf("within the lease: %q", prev)
	}
	if ok, err := ss.RenewClaim(ctx, first, lease, t0.Add(10*time.Second)); err != nil || !ok {
		t.Fatalf("renew: %v %v", ok, err)
	}
	if prev := claim(second, 20*time.Second); prev != "p" {
		t.Fatalf("within the renewed lease: %q", prev)
	}
	// No renewal since: the process died.
	if prev := claim(second, 26*time.Second); prev != "r" {
		t.Fatalf("after the lease: %q", prev)
	}
	if ok, _ := ss.RenewClaim(ctx, first, lease, t0.Add(27*time.Second)); ok {
		t.Fatal("the lapsed claim was renewed over the new one")
	}
	if err := ss.EndClaim(ctx, first, "r", time.Hour, nil, 0); err != nil {
		t.Fatal(err)
	}
	if prev := claim(storage.NewClaim("u:1"), 28*time.Second); prev != "p" {
		t.Fatalf("the lapsed claim's failure replaced the live claim: %q", prev)
	}
	if err := ss.EndClaim(ctx, second, "d", time.Hour, nil, 0); err != nil {
		t.Fatal(err)
	}
	if prev := claim(storage.NewClaim("u:1"), 29*time.Second); prev != "d" {
		t.Fatalf("done: %q", prev)
	}
}
