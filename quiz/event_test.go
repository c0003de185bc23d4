package quiz_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// countedSessions counts the reads of the session store.
type countedSessions struct {
	*storage.Sessions
	reads *atomic.Int64
}

func (s countedSessions) Session(ctx context.Context, memberID int64) (quiz.Session, bool, error) {
	s.reads.Add(1)
	return s.Sessions.Session(ctx, memberID)
}

func (s countedSessions) CachedAccount(ctx context.Context, p quiz.Platform, externalID string) (quiz.Account, error) {
	s.reads.Add(1)
	return s.Sessions.CachedAccount(ctx, p, externalID)
}

// countedStore counts the member lookups by account in Postgres.
type countedStore struct {
	*storage.DB
	lookups *atomic.Int64
}

func (d countedStore) MemberByIdentity(ctx context.Context, p quiz.Platform, externalID string) (quiz.Member, error) {
	d.lookups.Add(1)
	return d.DB.MemberByIdentity(ctx, p, externalID)
}

// countedService is the rig's service over counted stores.
func (r *rig) countedService() (svc *quiz.Service, reads, lookups *atomic.Int64) {
	reads, lookups = new(atomic.Int64), new(atomic.Int64)
	return quiz.NewService(countedStore{r.db, lookups}, countedSessions{r.ss, reads}, r.clock), reads, lookups
}

// An event reads the session once, then sees what it wrote itself: the
// prediction deletes the session, and the event's next look finds none
// without asking Redis (nor taking an old copy for the truth).
func TestEventSeesTheSessionItDeleted(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 1, Prediction: "Bao nhiêu người dự thi?"})
	an := r.f.Members["an"]
	v, err := r.svc.Start(context.Background(), an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := r.svc.Answer(context.Background(), an, v.AttemptID, 0, rightLetter(v)); err != nil || res.Predict == "" {
		t.Fatalf("answer: %+v %v", res, err)
	}
	svc, reads, _ := r.countedService()
	ctx := quiz.WithEvent(context.Background())
	if _, waiting, err := svc.AwaitingPrediction(ctx, an); err != nil || !waiting {
		t.Fatalf("awaiting: %v %v", waiting, err)
	}
	if _, _, err := svc.Predict(ctx, an, "1500"); err != nil {
		t.Fatal(err)
	}
	if _, waiting, err := svc.AwaitingPrediction(ctx, an); err != nil || waiting {
		t.Fatalf("still awaiting the prediction in the event that gave it: %v %v", waiting, err)
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d session reads in the event, want 1", n)
	}
	if _, ok, _ := r.ss.Session(ctx, an.ID); ok {
		t.Fatal("the session is still stored")
	}
}

// What an event knows of the session lasts as long as the event: the next
// one reads Redis, and sees a change made there in between.
func TestNextEventReadsTheStoreAgain(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := r.f.Members["an"]
	v, err := r.svc.Start(context.Background(), an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(context.Background(), an, v, "900"); err != nil {
		t.Fatal(err)
	}
	svc, reads, _ := r.countedService()
	first := quiz.WithEvent(context.Background())
	for range 2 {
		if cur, err := svc.Current(first, an); err != nil || cur.MessageID != "900" {
			t.Fatalf("current: %+v %v", cur, err)
		}
	}
	if n := reads.Load(); n != 1 {
		t.Fatalf("%d session reads in one event, want 1", n)
	}
	// Another event (a tap handled elsewhere) moves the message.
	sess, _, _ := r.ss.Session(context.Background(), an.ID)
	sess.MessageID = "901"
	if err := r.ss.PutSession(context.Background(), sess, 30*time.Minute); err != nil {
		t.Fatal(err)
	}
	if cur, err := svc.Current(quiz.WithEvent(context.Background()), an); err != nil || cur.MessageID != "901" {
		t.Fatalf("the next event sees %+v %v, want message 901", cur, err)
	}
	if n := reads.Load(); n != 2 {
		t.Fatalf("%d session reads in two events, want 2", n)
	}
}

// A shown question's save that the store refused (its session had moved
// on) leaves the event reading the store again, not keeping its own copy.
func TestRefusedSaveIsReadAgain(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := r.f.Members["an"]
	v, err := r.svc.Start(context.Background(), an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(context.Background(), an, v, "900"); err != nil {
		t.Fatal(err)
	}
	svc, reads, _ := r.countedService()
	ctx := quiz.WithEvent(context.Background())
	cur, err := svc.Current(ctx, an)
	if err != nil || cur.Pos != 0 {
		t.Fatalf("current: %+v %v", cur, err)
	}
	// Meanwhile another event answered the first question and showed the
	// second.
	res, err := r.svc.Answer(context.Background(), an, v.AttemptID, 0, rightLetter(v))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(context.Background(), an, *res.Next, "901"); err != nil {
		t.Fatal(err)
	}
	// This event shows the first question again: the save is refused.
	if err := svc.SetMessage(ctx, an, cur, "902"); err != nil {
		t.Fatal(err)
	}
	if now, err := svc.Current(ctx, an); err != nil || now.Pos != 1 || now.MessageID != "901" {
		t.Fatalf("after the refused save the event sees %+v %v, want question 2 in message 901", now, err)
	}
	if n := reads.Load(); n != 2 {
		t.Fatalf("%d session reads, want 2 (before and after the refused save)", n)
	}
}

// Identify looks an account up once per event, including an account that
// is not linked; Verify in the same event makes it known.
func TestEventIdentifiesOnce(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{})
	svc, reads, lookups := r.countedService()
	ctx := quiz.WithEvent(context.Background())
	for range 2 {
		if _, err := svc.Identify(ctx, quiz.PlatformTelegram, "601"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
			t.Fatalf("identify a stranger: %v", err)
		}
	}
	if reads.Load() != 1 || lookups.Load() != 1 {
		t.Fatalf("a stranger looked up %d times in Redis and %d in Postgres, want once each", reads.Load(), lookups.Load())
	}
	an := r.f.Members["an"]
	if _, err := svc.Verify(ctx, quiz.PlatformTelegram, "601", "601", an.Phone); err != nil {
		t.Fatal(err)
	}
	lookups.Store(0)
	if m, err := svc.Identify(ctx, quiz.PlatformTelegram, "601"); err != nil || m.ID != an.ID {
		t.Fatalf("identify after verifying: %+v %v", m, err)
	}
	// The next event finds the member cached in Redis, not in Postgres.
	reads.Store(0)
	next := quiz.WithEvent(context.Background())
	for range 2 {
		if m, err := svc.Identify(next, quiz.PlatformTelegram, "601"); err != nil || m.ID != an.ID {
			t.Fatalf("identify in the next event: %+v %v", m, err)
		}
	}
	if reads.Load() != 1 || lookups.Load() != 0 {
		t.Fatalf("the verified member looked up %d times in Redis and %d in Postgres, want 1 and 0", reads.Load(), lookups.Load())
	}
}
