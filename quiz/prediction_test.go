package quiz_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// answerAll answers the rest of the attempt from v right, a minute apart,
// and returns the last answer's outcome.
func (r *rig) answerAll(ctx context.Context, m quiz.Member, v quiz.View) quiz.Answered {
	r.t.Helper()
	for {
		r.clock.Advance(time.Minute)
		res, err := r.svc.Answer(ctx, m, v.AttemptID, v.Pos, rightLetter(v))
		if err != nil {
			r.t.Fatal(err)
		}
		if res.Next == nil {
			return res
		}
		v = *res.Next
	}
}

func (r *rig) prediction(attemptID int64) *int64 {
	r.t.Helper()
	a, err := r.db.AttemptByID(context.Background(), attemptID)
	if err != nil {
		r.t.Fatal(err)
	}
	return a.Prediction
}

// Without prediction_grace, the prediction is accepted until the attempt's
// deadline only: later, nothing is stored, the attempt stays as submitted,
// and the member's number is answered with the result.
func TestPredictionClosesAtTheDeadline(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 10 * time.Minute, Prediction: "Bao nhiêu người dự thi?"})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	deadline := r.clock.Now().Add(10 * time.Minute)
	res := r.answerAll(ctx, an, v)
	if res.Predict == "" || !res.PredictBy.Equal(deadline) {
		t.Fatalf("after the last answer: predict %q by %v, want by the deadline %v", res.Predict, res.PredictBy, deadline)
	}
	// Still in time: asked.
	r.clock.Set(deadline.Add(-time.Second))
	if _, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || !waiting {
		t.Fatalf("a second before the deadline: waiting %v %v", waiting, err)
	}
	// At the deadline: no longer asked, and a number is not stored.
	r.clock.Set(deadline)
	if _, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || waiting {
		t.Fatalf("at the deadline: still waiting for the prediction (%v)", err)
	}
	a, _, err := r.svc.Predict(ctx, an, "1500")
	if !errors.Is(err, quiz.ErrPredictionLate) || a.ID != v.AttemptID || a.Correct != 3 || a.Prediction != nil {
		t.Fatalf("late prediction: %+v %v", a, err)
	}
	if p := r.prediction(v.AttemptID); p != nil {
		t.Fatalf("late prediction stored: %d", *p)
	}
	// Later numbers are recognised as a missed prediction, also once Redis
	// has forgotten the session.
	if err := r.ss.DeleteSession(ctx, an.ID); err != nil {
		t.Fatal(err)
	}
	if _, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || waiting {
		t.Fatalf("rebuilt session waits for the prediction: %v", err)
	}
	missed, _, ok, err := r.svc.MissedPrediction(ctx, an)
	if err != nil || !ok || missed.ID != v.AttemptID {
		t.Fatalf("missed prediction: %+v %v %v", missed, ok, err)
	}
	if _, _, err := r.svc.Predict(ctx, an, "1500"); quiz.ErrorCode(err) != quiz.ENOTFOUND {
		t.Fatalf("prediction without a session: %v", err)
	}
}

// A member who predicted in time has missed nothing.
func TestPredictionInTimeIsNotMissed(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 2, Prediction: "Bao nhiêu người dự thi?"})
	ctx := context.Background()
	an := r.f.Members["an"]
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	r.answerAll(ctx, an, v)
	if _, _, err := r.svc.Predict(ctx, an, "20"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(time.Hour)
	if _, _, ok, err := r.svc.MissedPrediction(ctx, an); err != nil || ok {
		t.Fatalf("missed after predicting in time: %v %v", ok, err)
	}
}

// With prediction_grace, a time-out still asks for the prediction (the
// sweeper's, a late tap's), until the deadline plus the grace; a session
// rebuilt from Postgres keeps the same window.
func TestPredictionGraceAfterTimeOut(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute, Prediction: "Bao nhiêu người dự thi?",
		PredictionGrace: 2 * time.Minute})
	ctx := context.Background()
	an, binh := r.f.Members["an"], r.f.Members["binh"]
	start := r.clock.Now()
	deadline := start.Add(5 * time.Minute)
	if _, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram); err != nil {
		t.Fatal(err)
	}
	vb, err := r.svc.Start(ctx, binh, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	// An's time runs out; the sweeper closes both and asks for the
	// prediction, until two minutes past the deadline.
	r.clock.Set(deadline.Add(time.Second))
	swept, err := r.svc.SweepExpired(ctx)
	if err != nil || len(swept) != 2 {
		t.Fatalf("sweep: %+v %v", swept, err)
	}
	for _, e := range swept {
		if e.Predict == "" || !e.PredictBy.Equal(deadline.Add(2*time.Minute)) || !e.Attempt.TimedOut() {
			t.Fatalf("swept: predict %q by %v, timed out %v", e.Predict, e.PredictBy, e.Attempt.TimedOut())
		}
	}
	// An answers within the grace, after Redis lost the session.
	if err := r.ss.DeleteSession(ctx, an.ID); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(deadline.Add(90 * time.Second))
	if _, by, waiting, err := r.svc.PredictionDue(ctx, an); err != nil || !waiting || !by.Equal(deadline.Add(2*time.Minute)) {
		t.Fatalf("within the grace: waiting %v until %v (%v)", waiting, by, err)
	}
	if a, _, err := r.svc.Predict(ctx, an, "300"); err != nil || a.Prediction == nil || *a.Prediction != 300 {
		t.Fatalf("prediction within the grace: %+v %v", a.Prediction, err)
	}
	// Bình answers past it: not stored.
	r.clock.Set(deadline.Add(2 * time.Minute))
	if _, _, err := r.svc.Predict(ctx, binh, "400"); !errors.Is(err, quiz.ErrPredictionLate) {
		t.Fatalf("prediction past the grace: %v", err)
	}
	if p := r.prediction(vb.AttemptID); p != nil {
		t.Fatalf("prediction past the grace stored: %d", *p)
	}
}

// Without grace, the sweeper asks for no prediction: the time for it is
// over too. A tap on the question the time left unanswered says so, and a
// tap on an answered one that it was recorded.
func TestTimeOutWithoutGraceAndLateTaps(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute, Prediction: "Bao nhiêu người dự thi?"})
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
	if err := r.svc.SetMessage(ctx, an, *res.Next, "101"); err != nil {
		t.Fatal(err)
	}
	r.clock.Advance(6 * time.Minute)
	swept, err := r.svc.SweepExpired(ctx)
	if err != nil || len(swept) != 1 {
		t.Fatalf("sweep: %+v %v", swept, err)
	}
	e := swept[0]
	if e.Predict != "" || !e.Attempt.TimedOut() || e.Attempt.Correct != 1 {
		t.Fatalf("swept: %+v", e)
	}
	// The sweeper knows the live question and its message, to take the
	// buttons away.
	if e.Question == nil || e.Question.MessageID != "101" || e.Question.Pos != 1 || e.Question.Text == "" {
		t.Fatalf("swept question: %+v", e.Question)
	}
	if _, waiting, err := r.svc.AwaitingPrediction(ctx, an); err != nil || waiting {
		t.Fatalf("prediction asked after the time: %v", err)
	}
	_, err = r.svc.Answer(ctx, an, v.AttemptID, 1, 0)
	if quiz.ErrorCode(err) != quiz.ECONFLICT || quiz.ErrorMessage(err) != "⏰ Đã hết thời gian làm bài: câu trả lời này không được ghi nhận." {
		t.Fatalf("late tap: %v", err)
	}
	if _, err := r.svc.Answer(ctx, an, v.AttemptID, 0, 1); !strings.Contains(quiz.ErrorMessage(err), "đã được ghi nhận") {
		t.Fatalf("tap on an answered question: %v", err)
	}
	// Someone else's attempt is only a stale button.
	if _, err := r.svc.Answer(ctx, r.f.Members["binh"], v.AttemptID, 1, 0); !strings.Contains(quiz.ErrorMessage(err), "hết hiệu lực") {
		t.Fatalf("tap on another member's attempt: %v", err)
	}
	a, _ := r.db.AttemptByID(ctx, v.AttemptID)
	if a.Correct != 1 || a.Items[1].Chosen != nil {
		t.Fatalf("a late tap changed the attempt: %+v", a)
	}
}

// The prediction's window ends when the round closes, whatever the grace.
func TestPredictionWindowEndsAtRoundClose(t *testing.T) {
	t.Parallel()
	r := newRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 1, TimeLimit: 10 * time.Minute, Prediction: "Bao nhiêu người dự thi?",
		PredictionGrace: 5 * time.Minute})
	ctx := context.Background()
	an := r.f.Members["an"]
	r.clock.Set(r.f.Round.ClosesAt.Add(-3 * time.Minute))
	v, err := r.svc.Start(ctx, an, r.f.Round.ID, quiz.PlatformTelegram)
	if err != nil {
		t.Fatal(err)
	}
	res := r.answerAll(ctx, an, v)
	if !res.PredictBy.Equal(r.f.Round.ClosesAt) {
		t.Fatalf("prediction accepted until %v, want the round's close %v", res.PredictBy, r.f.Round.ClosesAt)
	}
}
