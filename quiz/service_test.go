package quiz_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

type rig struct {
	t     *testing.T
	db    *storage.DB
	ss    *storage.Sessions
	clock *quiz.FakeClock
	svc   *quiz.Service
	f     storagetest.Fixture
}

func newRig(t *testing.T, o storagetest.SeedOptions) *rig {
	db := storagetest.NewDB(t)
	rdb := storagetest.NewRedis(t)
	f := storagetest.Seed(t, db, o)
	clock := quiz.NewFakeClock(f.Now)
	ss := storage.NewSessions(rdb)
	return &rig{t: t, db: db, ss: ss, clock: clock, svc: quiz.NewService(db, ss, clock), f: f}
}

// rightLetter returns the letter index of the right option as shown.
func rightLetter(v quiz.View) int {
	for i, o := range v.Options {
		if strings.HasPrefix(o, "Đúng") {
			return i
		}
	}
	return -1
}

func TestWholeQuizCountsRightAnswers(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i := range 3 {
		if v.Pos != i || v.Total != 3 || len(v.Options) != 4 {
			t.Fatalf("view %d: %+v", i, v)
		}
		if seen[v.Text] {
			t.Fatalf("question %q drawn twice", v.Text)
		}
		seen[v.Text] = true
		letter := rightLetter(v)
		if i == 1 {
			letter = (letter + 1) % 4 // one wrong answer
		}
		r.clock.Advance(20 * time.Second)
		res, err := r.svc.Answer(ctx, an, v.AttemptID, v.Pos, letter)
		if err != nil {
			t.Fatalf("answer %d: %v", i, err)
		}
		if i < 2 {
			v = *res.Next
			continue
		}
		if res.Submitted == nil || res.Submitted.Correct != 2 || res.Submitted.Total != 3 {
			t.Fatalf("submitted: %+v", res.Submitted)
		}
		if res.Submitted.Duration() != time.Minute {
			t.Fatalf("duration %s, want 1m", res.Submitted.Duration())
		}
		if res.Predict == "" {
			t.Fatal("prediction not asked")
		}
	}
	if _, _, err := r.svc.Predict(ctx, an, "hai mươi"); quiz.ErrorCode(err) != quiz.EINVALID {
		t.Fatalf("bad prediction accepted: %v", err)
	}
	a, _, err := r.svc.Predict(ctx, an, "21.000")
	if err != nil || a.Prediction == nil || *a.Prediction != 21000 {
		t.Fatalf("prediction: %+v %v", a.Prediction, err)
	}
	// One attempt per round: the next start is refused.
	if _, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram); quiz.ErrorCode(err) != quiz.ECONFLICT {
		t.Fatalf("second attempt: %v", err)
	}
}

func TestDoubleTapRecordsOneAnswer(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(ctx, an, v, "100"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Answer(ctx, an, v.AttemptID, 0, rightLetter(v)); err != nil {
		t.Fatal(err)
	}
	// A tap before question 2 was shown (the delivery died in between):
	// the first answer stands, and question 2 comes.
	res, err := r.svc.Answer(ctx, an, v.AttemptID, 0, (rightLetter(v)+1)%4)
	if err != nil || !res.Already || res.Letter != rightLetter(v) || res.Next == nil || res.Next.Pos != 1 {
		t.Fatalf("tap before the next question was shown: %+v %v", res, err)
	}
	if err := r.svc.SetMessage(ctx, an, *res.Next, "101"); err != nil {
		t.Fatal(err)
	}
	// Once question 2 is shown, another tap on question 1 is only told.
	_, err = r.svc.Answer(ctx, an, v.AttemptID, 0, (rightLetter(v)+1)%4)
	if quiz.ErrorCode(err) != quiz.ECONFLICT || !strings.Contains(quiz.ErrorMessage(err), "đã được ghi nhận") {
		t.Fatalf("second tap: %v", err)
	}
	a, _ := r.db.AttemptByID(ctx, v.AttemptID)
	if a.Items[0].IsCorrect == nil || !*a.Items[0].IsCorrect {
		t.Fatalf("first answer should stand: %+v", a.Items[0])
	}
	// A stale button of a made-up attempt.
	if _, err := r.svc.Answer(ctx, an, v.AttemptID+99, 1, 0); quiz.ErrorCode(err) != quiz.ECONFLICT {
		t.Fatalf("foreign attempt: %v", err)
	}
}

func TestRedisLossAndRestartResumeWhereLeft(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 4})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.Answer(ctx, an, v.AttemptID, 0, rightLetter(v))
	if err != nil {
		t.Fatal(err)
	}
	second := res.Next.Text
	// Redis loses everything, and the process restarts (a new service).
	if err := r.ss.DeleteSession(ctx, an.ID); err != nil {
		t.Fatal(err)
	}
	svc := quiz.NewService(r.db, r.ss, r.clock)
	cur, err := svc.Current(ctx, an)
	if err != nil || cur.Pos != 1 || cur.Text != second {
		t.Fatalf("resume: %+v %v (want question 2 %q)", cur, err, second)
	}
	for cur.Pos < 4 {
		res, err := svc.Answer(ctx, an, cur.AttemptID, cur.Pos, rightLetter(cur))
		if err != nil {
			t.Fatal(err)
		}
		if res.Next == nil {
			if res.Submitted.Correct != 4 {
				t.Fatalf("correct %d, want 4", res.Submitted.Correct)
			}
			break
		}
		cur = *res.Next
	}
}

func TestTimeLimitSubmitsWithoutWaiting(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{TimeLimit: 5 * time.Minute})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.svc.Answer(ctx, an, v.AttemptID, 0, rightLetter(v)); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(4 * time.Minute)
	if got, err := r.svc.SweepExpired(ctx); err != nil || len(got) != 0 {
		t.Fatalf("swept early: %v %v", got, err)
	}
	r.clock.Advance(2 * time.Minute)
	got, err := r.svc.SweepExpired(ctx)
	if err != nil || len(got) != 1 {
		t.Fatalf("sweep: %v %v", got, err)
	}
	a := got[0].Attempt
	if a.Correct != 1 || a.Duration() != 5*time.Minute || a.MemberID != an.ID {
		t.Fatalf("expired attempt: %+v", a)
	}
	// A second sweeper (another replica) finds nothing more to tell.
	if again, _ := r.svc.SweepExpired(ctx); len(again) != 0 {
		t.Fatalf("swept twice: %v", again)
	}
	// A late tap is refused; the answer is not recorded, and the member,
	// told by the sweeper, is not told the time is up a second time.
	if res, err := r.svc.Answer(ctx, an, v.AttemptID, 1, 0); quiz.ErrorCode(err) != quiz.ECONFLICT || res.TimedOut {
		t.Fatalf("late answer: %+v %v", res, err)
	}
}

func TestDeadlineNeverPassesRoundClose(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{TimeLimit: 30 * time.Minute})
	ctx := context.Background()
	r.clock.Set(r.f.Round.ClosesAt.Add(-10 * time.Minute))
	v, err := r.svc.Start(ctx, r.f.Members["an"], r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Deadline.Equal(r.f.Round.ClosesAt) {
		t.Fatalf("deadline %s, want the round's close %s", v.Deadline, r.f.Round.ClosesAt)
	}
}

func TestVerify(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{})
	ctx := context.Background()
	m, err := r.svc.Verify(ctx, quiz.PlatformTelegram, "111", "111", "+84 912 000 001")
	if err != nil || m.FullName != "Nguyễn Văn An" {
		t.Fatalf("verify: %+v %v", m, err)
	}
	if _, err := r.svc.Verify(ctx, quiz.PlatformTelegram, "222", "222", "0912000001"); quiz.ErrorCode(err) != quiz.ECONFLICT {
		t.Fatalf("second account: %v", err)
	}
	if _, err := r.svc.Verify(ctx, quiz.PlatformTelegram, "333", "333", "0987654321"); quiz.ErrorCode(err) != quiz.ENOTFOUND ||
		!strings.Contains(quiz.ErrorMessage(err), "đầu mối CCHC") {
		t.Fatalf("unknown phone: %v", err)
	}
	if _, err := r.svc.Verify(ctx, quiz.PlatformTelegram, "444", "444", "0912000006"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Fatalf("inactive member: %v", err)
	}
}

func TestParsePrediction(t *testing.T) {
	good := map[string]int64{"0": 0, "15000": 15000, "21.000": 21000, "21,000": 21000, "1 234 567": 1234567, " 42 ": 42}
	for in, want := range good {
		if got, err := quiz.ParsePrediction(in); err != nil || got != want {
			t.Errorf("ParsePrediction(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "-5", "1.5", "abc", "12a", "1e6", "99999999999", "2.10", "١٢"} {
		if _, err := quiz.ParsePrediction(bad); err == nil {
			t.Errorf("ParsePrediction(%q) accepted", bad)
		}
	}
}

// crashAfterLastAnswer answers every question but the last through the
// service, then records the last one the way a delivery that crashed before
// submitting leaves it: stored, the attempt still open.
func crashAfterLastAnswer(t *testing.T, r *rig, m quiz.Member, n int) quiz.View {
	t.Helper()
	ctx := context.Background()
	v, err := r.svc.Start(ctx, m, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	// Each question is shown in chat, as the platforms do.
	show := func(v quiz.View) {
		if err := r.svc.SetMessage(ctx, m, v, fmt.Sprint(100+v.Pos)); err != nil {
			t.Fatal(err)
		}
	}
	show(v)
	for v.Pos < n-1 {
		r.clock.Advance(10 * time.Second)
		res, err := r.svc.Answer(ctx, m, v.AttemptID, v.Pos, rightLetter(v))
		if err != nil {
			t.Fatal(err)
		}
		v = *res.Next
		show(v)
	}
	r.clock.Advance(10 * time.Second)
	a, err := r.db.AttemptByID(ctx, v.AttemptID)
	if err != nil {
		t.Fatal(err)
	}
	letter := rightLetter(v)
	ok, err := r.db.RecordAnswer(ctx, v.AttemptID, v.Pos, a.Items[v.Pos].Order[letter], true, r.clock.Now(), m.Gen)
	if err != nil || !ok {
		t.Fatalf("record last answer: %v %v", ok, err)
	}
	r.clock.Advance(time.Minute) // Telegram re-delivers a while later
	return v
}

func TestCrashBetweenLastAnswerAndSubmissionRedelivered(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	ctx := context.Background()
	an := r.f.Members["an"]
	v := crashAfterLastAnswer(t, r, an, 3)
	// The re-delivered tap finishes the attempt, as of the last answer.
	res, err := r.svc.Answer(ctx, an, v.AttemptID, v.Pos, rightLetter(v))
	if err != nil {
		t.Fatalf("re-delivered last tap: %v", err)
	}
	if res.Submitted == nil || res.Submitted.Correct != 3 || res.Submitted.Duration() != 30*time.Second {
		t.Fatalf("submitted: %+v", res.Submitted)
	}
	if res.Letter != rightLetter(v) || res.Predict == "" {
		t.Fatalf("answered: %+v", res)
	}
	// Once: another tap is told the attempt is in.
	if _, err := r.svc.Answer(ctx, an, v.AttemptID, v.Pos, rightLetter(v)); quiz.ErrorCode(err) != quiz.ECONFLICT {
		t.Fatalf("second tap: %v", err)
	}
	if q, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || !waiting || q == "" {
		t.Fatalf("prediction: %q %v %v", q, waiting, err)
	}
}

func TestCrashBetweenLastAnswerAndSubmissionThenRedisLost(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	ctx := context.Background()
	an := r.f.Members["an"]
	v := crashAfterLastAnswer(t, r, an, 3)
	if err := r.ss.DeleteSession(ctx, an.ID); err != nil {
		t.Fatal(err)
	}
	st, err := r.svc.Status(ctx, an)
	if err != nil {
		t.Fatal(err)
	}
	if st.Open != nil || st.Finished == nil || st.Finished.ID != v.AttemptID ||
		st.Finished.Correct != 3 || st.Finished.Duration() != 30*time.Second {
		t.Fatalf("status: open %+v finished %+v", st.Open, st.Finished)
	}
	if q, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || !waiting || q == "" {
		t.Fatalf("prediction: %q %v %v", q, waiting, err)
	}
}

func TestPredictionOfLaterWorseAttemptSurvivesRedisLoss(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 2, AttemptsPerRound: 2, Prediction: "Bao nhiêu người dự thi?"})
	ctx := context.Background()
	an := r.f.Members["an"]
	for attempt, wrong := range []bool{false, true} {
		v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
		if err != nil {
			t.Fatal(err)
		}
		for {
			letter := rightLetter(v)
			if wrong {
				letter = (letter + 1) % len(v.Options)
			}
			res, err := r.svc.Answer(ctx, an, v.AttemptID, v.Pos, letter)
			if err != nil {
				t.Fatal(err)
			}
			if res.Next == nil {
				break
			}
			v = *res.Next
		}
		if attempt == 0 {
			if _, _, err := r.svc.Predict(ctx, an, "100"); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The second (worse) attempt waits for its prediction; Redis loses it.
	if err := r.ss.DeleteSession(ctx, an.ID); err != nil {
		t.Fatal(err)
	}
	if q, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || !waiting || q == "" {
		t.Fatalf("prediction of the second attempt not asked after Redis loss: %q %v %v", q, waiting, err)
	}
}

// The session is saved when a question is shown. When that save is lost
// (the platform failed after showing the question), the member's tap on the
// question they see is still taken: the session catches up from the Store.
func TestTapAheadOfALaggingSessionIsTaken(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(ctx, an, v, "100"); err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.Answer(ctx, an, v.AttemptID, 0, rightLetter(v))
	if err != nil {
		t.Fatal(err)
	}
	// Question 2 was shown but its session was never saved.
	if sess, _, _ := r.ss.Session(ctx, an.ID); sess.Pos != 0 || sess.MessageID != "100" {
		t.Fatalf("stored session before the tap: pos %d, message %q", sess.Pos, sess.MessageID)
	}
	next := *res.Next
	res, err = r.svc.Answer(ctx, an, next.AttemptID, 1, rightLetter(next))
	if err != nil || res.Pos != 1 || res.Next == nil || res.Next.Pos != 2 {
		t.Fatalf("tap on question 2: %+v %v", res, err)
	}
	// A tap on a question not shown yet is still refused.
	if _, err := r.svc.Answer(ctx, an, next.AttemptID, 2+1, 0); quiz.ErrorCode(err) != quiz.ECONFLICT {
		t.Fatalf("tap beyond the attempt: %v", err)
	}
}

// The time-out sweeper closes an attempt while an answer is being
// delivered: the delivery's session save must not bring the closed attempt
// back, so the member is still asked the prediction (within its grace).
func TestShownQuestionDoesNotUndoTheSweeper(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute, Prediction: "Bao nhiêu người dự thi?",
		PredictionGrace: 5 * time.Minute})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(ctx, an, v, "100"); err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.Answer(ctx, an, v.AttemptID, 0, rightLetter(v))
	if err != nil {
		t.Fatal(err)
	}
	// The sweeper runs between the answer and the showing of question 2.
	r.clock.Advance(6 * time.Minute)
	if got, err := r.svc.SweepExpired(ctx); err != nil || len(got) != 1 {
		t.Fatalf("sweep: %v %v", got, err)
	}
	if err := r.svc.SetMessage(ctx, an, *res.Next, "101"); err != nil {
		t.Fatal(err)
	}
	if q, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || !waiting || q == "" {
		t.Fatalf("prediction after the sweep: %q %v %v", q, waiting, err)
	}
}

// A platform that reads the account with its own bookkeeping of the event
// (quiz.WithAccount) gets the shown question's session back to save when
// it ends the event, instead of a write of its own.
func TestEventWithAccountDefersTheShownSession(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := r.f.Members["an"]
	// As read by the platform: Identify uses it (the name shows it was not
	// read again).
	read := an
	read.FullName = "Đọc cùng sự kiện"
	ctx := quiz.WithAccount(context.Background(), quiz.PlatformTelegram, "501", quiz.Account{Member: read, MemberOK: true})
	m, err := r.svc.Identify(ctx, quiz.PlatformTelegram, "501")
	if err != nil || m.FullName != read.FullName {
		t.Fatalf("identify: %+v %v", m, err)
	}
	v, err := r.svc.Start(ctx, m, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(ctx, m, v, "900"); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := r.ss.Session(ctx, an.ID); ok {
		t.Fatal("the session was written during the event")
	}
	sess, ttl, ok := quiz.Shown(ctx)
	if !ok || sess.AttemptID != v.AttemptID || sess.Pos != 0 || sess.MessageID != "900" || ttl <= 0 {
		t.Fatalf("shown: %+v %v %v", sess, ttl, ok)
	}
	// Within the event, the pending session is the member's session.
	if cur, err := r.svc.Current(ctx, m); err != nil || cur.Pos != 0 || cur.MessageID != "900" {
		t.Fatalf("current during the event: %+v %v", cur, err)
	}
	// The platform saves it when the event ends; the next event answers.
	if _, err := r.ss.SaveShown(ctx, sess, ttl); err != nil {
		t.Fatal(err)
	}
	next := quiz.WithEvent(context.Background())
	if m, err = r.svc.Identify(next, quiz.PlatformTelegram, "501"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		// The account was never linked: only the platform's copy knew it.
		t.Fatalf("identify without the platform's copy: %+v %v", m, err)
	}
	res, err := r.svc.Answer(next, an, v.AttemptID, 0, rightLetter(v))
	if err != nil || res.Previous.MessageID != "900" || res.Next == nil {
		t.Fatalf("answer in the next event: %+v %v", res, err)
	}
}

// A change of the stored session after a question was shown in the same
// event drops the pending save, which would undo the change.
func TestSessionChangeDropsThePendingShownSession(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 1, Prediction: "Bao nhiêu người dự thi?"})
	an := r.f.Members["an"]
	ctx := quiz.WithAccount(context.Background(), quiz.PlatformTelegram, "502", quiz.Account{Member: an, MemberOK: true})
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(ctx, an, v, "900"); err != nil {
		t.Fatal(err)
	}
	// The only question is answered: the attempt is submitted and the
	// session waits for the prediction.
	if res, err := r.svc.Answer(ctx, an, v.AttemptID, 0, rightLetter(v)); err != nil || res.Submitted == nil {
		t.Fatalf("answer: %+v %v", res, err)
	}
	if sess, _, ok := quiz.Shown(ctx); ok {
		t.Fatalf("a stale shown session is still to be saved: %+v", sess)
	}
	if q, waiting, err := r.svc.AwaitingPrediction(context.Background(), an); err != nil || !waiting || q == "" {
		t.Fatalf("prediction: %q %v %v", q, waiting, err)
	}
}

// The result after the prediction shows right and wrong answers as the
// contest says, from the session's copy of the rule, also when the sweeper
// closed the attempt.
func TestPredictReportsTheContestsReveal(t *testing.T) {
	for _, swept := range []bool{false, true} {
		r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 1, TimeLimit: 5 * time.Minute,
			Reveal: quiz.RevealImmediately, Prediction: "Bao nhiêu người dự thi?", PredictionGrace: 5 * time.Minute})
		ctx := context.Background()
		an := r.f.Members["an"]
		v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
		if err != nil {
			t.Fatal(err)
		}
		if swept {
			r.clock.Advance(6 * time.Minute)
			if got, err := r.svc.SweepExpired(ctx); err != nil || len(got) != 1 {
				t.Fatalf("sweep: %v %v", got, err)
			}
		} else if _, err := r.svc.Answer(ctx, an, v.AttemptID, 0, rightLetter(v)); err != nil {
			t.Fatal(err)
		}
		if _, reveal, err := r.svc.Predict(ctx, an, "100"); err != nil || !reveal {
			t.Fatalf("swept %v: prediction: reveal %v, %v", swept, reveal, err)
		}
	}
}

// Start creates the attempt before it reads the member's attempts; each
// reason it cannot must still end as it did: the unfinished attempt comes
// back, one past its deadline (not swept yet) is submitted and a new one
// starts, and past the limit the member is told so.
func TestStartWhenAnAttemptIsInTheWay(t *testing.T) {
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 2, AttemptsPerRound: 2, TimeLimit: 10 * time.Minute})
	ctx := context.Background()
	an := r.f.Members["an"]
	first, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(ctx, an, first, "100"); err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.Answer(ctx, an, first.AttemptID, 0, rightLetter(first))
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.SetMessage(ctx, an, *res.Next, "101"); err != nil {
		t.Fatal(err)
	}
	// A second tap on the start button brings back the question in progress.
	again, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil || again.AttemptID != first.AttemptID || again.Pos != 1 {
		t.Fatalf("start with an attempt in progress: %+v %v", again, err)
	}
	// The time runs out before the sweeper comes by: the next start submits
	// the old attempt with its one answer, and starts the second.
	r.clock.Advance(11 * time.Minute)
	second, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil || second.AttemptID == first.AttemptID || second.Pos != 0 {
		t.Fatalf("start after a time-out: %+v %v", second, err)
	}
	old, err := r.db.AttemptByID(ctx, first.AttemptID)
	if err != nil || !old.Submitted() || old.Correct != 1 {
		t.Fatalf("the timed-out attempt: %+v %v", old, err)
	}
	for v := second; ; {
		res, err := r.svc.Answer(ctx, an, v.AttemptID, v.Pos, rightLetter(v))
		if err != nil {
			t.Fatal(err)
		}
		if res.Next == nil {
			break
		}
		v = *res.Next
	}
	// Both attempts used.
	_, err = r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if quiz.ErrorCode(err) != quiz.ECONFLICT || quiz.ErrorMessage(err) != "Anh/chị đã dùng hết số lượt thi của đợt này." {
		t.Fatalf("start past the limit: %v", err)
	}
	var n int
	if err := r.db.GetContext(ctx, &n, `SELECT count(*) FROM attempts WHERE member_id = $1`, an.ID); err != nil || n != 2 {
		t.Fatalf("%d attempts stored (%v), want 2", n, err)
	}
}
