package storage_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"quizbot/bot/chat"
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

// claimFor claims a delivery's key for a minute at now, as the sender
// user (none when ""), counting it in rate when given.
func claimFor(t *testing.T, ss *storage.Sessions, c chat.Claim, now time.Time, user string, rate ...chat.RateWindow) chat.Claimed {
	t.Helper()
	r := chat.ClaimRequest{Lease: time.Minute, Now: now, Platform: quiz.PlatformTelegram, UserID: user}
	if len(rate) > 0 {
		r.Rate = rate[0]
	}
	got, err := ss.ClaimDelivery(context.Background(), c, r)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func TestDeliveryClaimAndEnd(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	now := time.Now()
	an := quiz.Member{ID: 42, FullName: "Nguyễn Văn An", Active: true}
	if err := ss.CacheMember(ctx, quiz.PlatformTelegram, "7", an, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := ss.PutSession(ctx, quiz.Session{MemberID: 42, AttemptID: 9, Pos: 1}, time.Hour); err != nil {
		t.Fatal(err)
	}
	begin := func(c chat.Claim) chat.Claimed { t.Helper(); return claimFor(t, ss, c, now, "7") }

	// A new event is claimed, with the sender's member and session, under
	// a generic key name.
	first := chat.NewClaim("tg:1")
	got := begin(first)
	if acc := got.Account; got.Prior != chat.PriorNone || !acc.MemberOK || acc.Member.ID != 42 || !acc.SessionOK || acc.Session.Pos != 1 {
		t.Fatalf("new event: %+v", got)
	}
	if ttl := rdb.TTL(ctx, "qb:upd:tg:1").Val(); ttl <= time.Minute {
		t.Fatalf("the claim's key must outlive its lease, to tell a lapsed claim: %v", ttl)
	}
	// A concurrent delivery finds it in progress and reads nothing.
	if got := begin(chat.NewClaim("tg:1")); got.Prior != chat.PriorLive || got.Account.MemberOK {
		t.Fatalf("in progress: %+v", got)
	}
	// Done, saving the session of the question shown meanwhile.
	shown := quiz.Session{MemberID: 42, AttemptID: 9, Pos: 2, MessageID: "77"}
	if err := ss.EndDelivery(ctx, first, chat.Ending{Done: true, Keep: time.Hour, Shown: &shown, ShownTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if got := begin(chat.NewClaim("tg:1")); got.Prior != chat.PriorDone {
		t.Fatalf("done: %+v", got)
	}
	if s, ok, _ := ss.Session(ctx, 42); !ok || s.Pos != 2 || s.MessageID != "77" {
		t.Fatalf("session after the event: %+v", s)
	}
	// A Telegram update's done mark is a bit, kept for the ending's Keep;
	// its claim's key goes.
	if n := rdb.Exists(ctx, "qb:upd:tg:1").Val(); n != 0 {
		t.Fatal("the done update's key is kept")
	}
	if ttl := rdb.TTL(ctx, "qb:done:tg:0").Val(); ttl <= time.Minute || ttl > time.Hour {
		t.Fatalf("done mark kept for %v", ttl)
	}
	// A failed event is claimed again by its re-delivery.
	failed := chat.NewClaim("tg:2")
	begin(failed)
	if err := ss.EndDelivery(ctx, failed, chat.Ending{Keep: time.Hour}); err != nil {
		t.Fatal(err)
	}
	again := chat.NewClaim("tg:2")
	if got := begin(again); got.Prior != chat.PriorFailed || !got.Account.MemberOK {
		t.Fatalf("re-delivered: %+v", got)
	}
	// The save at the end does not go back either: the sweeper closed the
	// attempt while the event was processed.
	if err := ss.PutSession(ctx, quiz.Session{MemberID: 42, AttemptID: 9, Pos: 3, AwaitPrediction: true}, time.Hour); err != nil {
		t.Fatal(err)
	}
	late := quiz.Session{MemberID: 42, AttemptID: 9, Pos: 2, MessageID: "78"}
	if err := ss.EndDelivery(ctx, again, chat.Ending{Done: true, Keep: time.Hour, Shown: &late, ShownTTL: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if s, _, _ := ss.Session(ctx, 42); !s.AwaitPrediction {
		t.Fatalf("the end of an event undid the sweeper: %+v", s)
	}
	// An unknown sender: claimed, nothing cached.
	if got := claimFor(t, ss, chat.NewClaim("tg:3"), now, ""); got.Prior != chat.PriorNone || got.Account.MemberOK {
		t.Fatalf("no sender: %+v", got)
	}
}

// Concurrent events share pipelined round trips; each still gets its own
// answer, each delivery is claimed once, and a Redis that lost its script
// cache (a restart, SCRIPT FLUSH) is given the scripts again.
func TestDeliveriesPipelinedConcurrently(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	now := time.Now()
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
	// Every member's event is delivered twice at once: one delivery claims
	// it, with that member's account, the other finds it in progress.
	var wg sync.WaitGroup
	claimed := make([]atomic.Int32, members)
	errs := make(chan error, 2*members)
	for i := range 2 * members {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := i % members
			c := chat.NewClaim("tg:" + strconv.Itoa(m))
			got, err := ss.ClaimDelivery(ctx, c, chat.ClaimRequest{Lease: time.Minute, Now: now, Platform: quiz.PlatformTelegram, UserID: strconv.Itoa(1000 + m)})
			switch {
			case err != nil:
				errs <- err
			case got.Prior == chat.PriorNone:
				claimed[m].Add(1)
				if !got.Account.MemberOK || got.Account.Member.ID != int64(1000+m) {
					errs <- fmt.Errorf("event %d claimed with the account of %+v", m, got.Account.Member)
				}
				shown := quiz.Session{MemberID: int64(1000 + m), AttemptID: 1, Pos: m}
				errs <- ss.EndDelivery(ctx, c, chat.Ending{Done: true, Keep: time.Hour, Shown: &shown, ShownTTL: time.Hour})
			case got.Prior != chat.PriorLive && got.Prior != chat.PriorDone:
				errs <- fmt.Errorf("event %d: second delivery found %v", m, got.Prior)
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
			t.Errorf("event %d claimed %d times", m, n)
		}
		if s, ok, err := ss.Session(ctx, int64(1000+m)); err != nil || !ok || s.Pos != m {
			t.Errorf("member %d: session %+v %v %v", 1000+m, s, ok, err)
		}
	}
}

// A claim holds for its lease unless renewed; once it lapses, the next
// delivery takes the event over as a re-delivery, and the late end of the
// lapsed claim does not undo the new one.
func TestDeliveryClaimLease(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	const lease = 15 * time.Second
	claim := func(c chat.Claim, at time.Duration) chat.Prior {
		t.Helper()
		got, err := ss.ClaimDelivery(ctx, c, chat.ClaimRequest{Lease: lease, Now: t0.Add(at), Platform: quiz.PlatformTelegram, UserID: "7"})
		if err != nil {
			t.Fatal(err)
		}
		return got.Prior
	}
	first, second := chat.NewClaim("tg:1"), chat.NewClaim("tg:1")
	if prev := claim(first, 0); prev != chat.PriorNone {
		t.Fatalf("new event: %v", prev)
	}
	if prev := claim(second, 10*time.Second); prev != chat.PriorLive {
		t.Fatalf("within the lease: %v", prev)
	}
	if ok, err := ss.RenewDelivery(ctx, first, lease, t0.Add(10*time.Second)); err != nil || !ok {
		t.Fatalf("renew: %v %v", ok, err)
	}
	if prev := claim(second, 20*time.Second); prev != chat.PriorLive {
		t.Fatalf("within the renewed lease: %v", prev)
	}
	// No renewal since: the process died.
	if prev := claim(second, 26*time.Second); prev != chat.PriorFailed {
		t.Fatalf("after the lease: %v", prev)
	}
	if ok, _ := ss.RenewDelivery(ctx, first, lease, t0.Add(27*time.Second)); ok {
		t.Fatal("the lapsed claim was renewed over the new one")
	}
	if err := ss.EndDelivery(ctx, first, chat.Ending{Keep: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if prev := claim(chat.NewClaim("tg:1"), 28*time.Second); prev != chat.PriorLive {
		t.Fatalf("the lapsed claim's failure replaced the live claim: %v", prev)
	}
	if err := ss.EndDelivery(ctx, second, chat.Ending{Done: true, Keep: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if prev := claim(chat.NewClaim("tg:1"), 29*time.Second); prev != chat.PriorDone {
		t.Fatalf("done: %v", prev)
	}
}

// Telegram's done marks are bits, one bitmap per 65,536 update_ids: a
// thousand updates done leave one key, every one of them is done when
// delivered again, an id never delivered is new, a failure neither stays
// nor undoes a done mark, and a "d" written by an older quizbot still
// counts.
func TestTelegramDoneMarksAreBits(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	now := time.Now()
	end := func(c chat.Claim, done bool) {
		t.Helper()
		if err := ss.EndDelivery(ctx, c, chat.Ending{Done: done, Keep: time.Hour}); err != nil {
			t.Fatal(err)
		}
	}
	const first = 900_000_000 // 13,732 bitmaps of ids before it
	for id := first; id < first+1000; id++ {
		if id == first+500 {
			continue // delivered later, out of order
		}
		c := chat.NewClaim("tg:" + strconv.Itoa(id))
		if got := claimFor(t, ss, c, now, ""); got.Prior != chat.PriorNone {
			t.Fatalf("update %d: %v", id, got.Prior)
		}
		end(c, true)
	}
	if keys := rdb.Keys(ctx, "*").Val(); len(keys) != 1 || keys[0] != "qb:done:tg:13732" {
		t.Fatalf("a thousand updates done leave %d keys (%v…)", len(keys), keys[:min(len(keys), 3)])
	}
	for _, id := range []int{first, first + 499, first + 501, first + 999} {
		if got := claimFor(t, ss, chat.NewClaim("tg:"+strconv.Itoa(id)), now, ""); got.Prior != chat.PriorDone {
			t.Fatalf("update %d delivered again: %v", id, got.Prior)
		}
	}
	late := chat.NewClaim("tg:" + strconv.Itoa(first+500))
	if got := claimFor(t, ss, late, now, ""); got.Prior != chat.PriorNone {
		t.Fatalf("an update delivered after later ones: %v", got.Prior)
	}
	end(late, false)
	again := chat.NewClaim(late.Key)
	if got := claimFor(t, ss, again, now, ""); got.Prior != chat.PriorFailed {
		t.Fatalf("the failed update delivered again: %v", got.Prior)
	}
	end(again, true)
	end(late, false) // the first delivery's failure, reported late
	if got := claimFor(t, ss, chat.NewClaim(late.Key), now, ""); got.Prior != chat.PriorDone {
		t.Fatalf("a late failure undid the done mark: %v", got.Prior)
	}
	// Ids either side of a bitmap's edge.
	for _, id := range []int{65_535, 65_536} {
		c := chat.NewClaim("tg:" + strconv.Itoa(id))
		claimFor(t, ss, c, now, "")
		end(c, true)
	}
	for _, id := range []int{65_535, 65_536} {
		if got := claimFor(t, ss, chat.NewClaim("tg:"+strconv.Itoa(id)), now, ""); got.Prior != chat.PriorDone {
			t.Fatalf("update %d: %v", id, got.Prior)
		}
	}
	if got := claimFor(t, ss, chat.NewClaim("tg:65537"), now, ""); got.Prior != chat.PriorNone {
		t.Fatalf("update 65537: %v", got.Prior)
	}
	// An older quizbot's done mark.
	rdb.Set(ctx, "qb:upd:tg:7", "d", time.Hour)
	if got := claimFor(t, ss, chat.NewClaim("tg:7"), now, ""); got.Prior != chat.PriorDone {
		t.Fatalf("an older done mark: %v", got.Prior)
	}
}

// Keys that are not Telegram's numbers (Zalo's msg_ids, the web chat's)
// keep their done mark in their own key, for the ending's Keep, which the
// adapter sizes to its platform's re-deliveries.
func TestOtherDoneMarksLastTheirKeep(t *testing.T) {
	rdb := storagetest.NewRedis(t)
	ss := storage.NewSessions(rdb)
	ctx := context.Background()
	c := chat.NewClaim("zalo:msg:5f1c0a")
	claimFor(t, ss, c, time.Now(), "")
	if err := ss.EndDelivery(ctx, c, chat.Ending{Done: true, Keep: 6 * time.Hour}); err != nil {
		t.Fatal(err)
	}
	if ttl := rdb.TTL(ctx, "qb:upd:zalo:msg:5f1c0a").Val(); ttl <= 5*time.Hour || ttl > 6*time.Hour {
		t.Fatalf("done mark kept for %v", ttl)
	}
	if got := claimFor(t, ss, chat.NewClaim(c.Key), time.Now(), ""); got.Prior != chat.PriorDone {
		t.Fatalf("delivered again: %v", got.Prior)
	}
	if keys := rdb.Keys(ctx, "qb:done:*").Val(); len(keys) != 0 {
		t.Fatalf("bitmaps for a Zalo key: %v", keys)
	}
}
