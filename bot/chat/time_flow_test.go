package chat_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"quizbot/bot/chat/chattest"
	"quizbot/storage/storagetest"
)

const timeUpResult = "⏰ Đã hết thời gian làm bài. Bài thi đã được nộp với các câu anh/chị đã trả lời.\n"

// Issue 9, item 14: when the time runs out the sweeper submits the attempt
// and says so, the question on screen loses its buttons (where the
// platform edits), a late tap records nothing; a tap that finds the time
// out before the sweeper does closes the attempt the same way.
func TestTimeOut(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute}, func(t *testing.T, r *rig) {
		an, binh := r.user("an"), r.user("binh")
		r.verify(an)
		r.verify(binh)
		r.startQuiz(an)
		q1 := r.question(an)
		an.TapOn(q1, rightLabel(t, q1))
		q2 := r.question(an)

		r.clock.Advance(5*time.Minute + time.Second)
		r.sweep()
		if r.caps.Edit {
			edited := an.Message(q2.ID)
			if len(edited.Buttons) != 0 || !strings.HasPrefix(edited.Text, "Câu 2/3\n") ||
				!strings.HasSuffix(edited.Text, "\n\n⏰ Hết giờ, câu này chưa được trả lời.") {
				t.Fatalf("question on screen at the time-out: %q %v", edited.Text, edited.Labels())
			}
			if live := an.Live("Câu "); len(live) != 0 {
				t.Fatalf("%d questions still have buttons", len(live))
			}
		}
		r.wantLast(an, timeUpResult+"Kết quả: 1/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\n\n"+
			"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")

		// A tap from the button as it was before the edit reached the phone.
		sent := an.Count()
		late := an.TapOn(q2, rightLabel(t, q2))
		r.wantNoteAlone(an, late, func(s string) bool {
			return s == "⏰ Đã hết thời gian làm bài: câu trả lời này không được ghi nhận."
		}, "late tap")
		if an.Count() != sent+r.notes() {
			t.Fatalf("a late tap sent %d messages", an.Count()-sent)
		}

		// Bình's time runs out before the sweeper comes by: his tap finds it.
		r.startQuiz(binh)
		bq := r.question(binh)
		r.clock.Advance(5 * time.Minute)
		tap := binh.TapOn(bq, rightLabel(t, bq))
		r.wantNote(binh, tap, func(s string) bool {
			return s == "⏰ Đã hết giờ: câu trả lời này không được ghi nhận."
		}, "tap at the time-out")
		r.wantAnswered(binh, bq, "⏰ Hết giờ, câu này chưa được trả lời.")
		r.wantLast(binh, r.withVerdict(timeUpResult+"Kết quả: 0/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\n\n"+
			"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!", bq, "⏰ Hết giờ, câu này chưa được trả lời."))

		var answered, correct int
		r.db.QueryRow(`SELECT count(chosen), count(*) FILTER (WHERE is_correct) FROM answers`).Scan(&answered, &correct)
		if answered != 1 || correct != 1 {
			t.Fatalf("answers recorded: %d (%d right), want An's first only", answered, correct)
		}
		if n := r.count(`SELECT correct FROM attempts WHERE member_id = $1`, r.memberID("an")); n != 1 {
			t.Fatalf("An's score %d after a late tap", n)
		}
	})
}

const flowPrediction = "Tuần này có bao nhiêu người dự thi?"

func predictionAsk(left string) string {
	return "❓ Câu hỏi dự đoán: " + flowPrediction + "\n\nVui lòng trả lời bằng một con số (ví dụ: 15000).\n⏱ Thời gian trả lời còn lại: " + left
}

// Issue 9, item 4: without prediction_grace, the prediction is accepted
// within the attempt's time limit only, as the rules say; a number typed
// later is not stored, and the member is told so with the result.
func TestPredictionWithinTheTimeLimit(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: flowPrediction}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		an.Command("thi")
		if rules := an.Last(); !strings.Contains(rules.Text, "• Sau câu cuối có một câu hỏi dự đoán, dùng để xếp hạng khi bằng điểm. "+
			"Câu dự đoán phải được trả lời trong thời gian làm bài; quá hạn, bài thi được ghi nhận không kèm dự đoán.\n") {
			t.Fatalf("rules:\n%s", rules.Text)
		}
		an.Tap(startLabel)
		var q chattest.Message
		for range 3 {
			q = r.question(an)
			r.clock.Advance(time.Minute)
			an.TapOn(q, rightLabel(t, q))
		}
		r.wantLast(an, r.withVerdict(predictionAsk("7 phút 00 giây"), q, "☑️ Anh/chị chọn: "+rightLabel(t, q)))
		r.clock.Advance(2 * time.Minute)
		an.Command("thi")
		r.wantLast(an, predictionAsk("5 phút 00 giây"))

		// The time limit passes: /thi no longer asks, a number is not stored.
		r.clock.Advance(5 * time.Minute)
		an.Command("thi")
		if m := an.Last(); strings.Contains(m.Text, "dự đoán") || !strings.Contains(m.Text, "đã hoàn thành đợt 1") {
			t.Fatalf("/thi after the time limit: %q", m.Text)
		}
		late := "⏰ Đã hết thời gian trả lời câu hỏi dự đoán nên con số này không được ghi nhận. Bài thi của anh/chị vẫn được tính, không kèm dự đoán.\n\n" +
			"🎉 Anh/chị đã hoàn thành bài thi!\nKết quả: 3/3 câu đúng\nThời gian làm bài: 3 phút 00 giây\n\n" +
			"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!"
		for _, text := range []string{"1500", "1.600"} {
			an.Type(text)
			if m := an.Last(); m.Text != late {
				t.Fatalf("a prediction after the time limit (%s):\n%q\nwant\n%q", text, m.Text, late)
			}
		}
		if n := r.count(`SELECT count(prediction) FROM attempts`); n != 0 {
			t.Fatal("a late prediction was stored")
		}
	})
}

// Issue 9, item 4: with prediction_grace, an attempt closed by its time
// limit still asks for the prediction, until the grace ends; the sweeper
// does not ask once it has.
func TestPredictionGraceAfterTheTimeLimit(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute, Prediction: flowPrediction,
		PredictionGrace: 2 * time.Minute}, func(t *testing.T, r *rig) {
		an, binh := r.user("an"), r.user("binh")
		r.verify(an)
		r.verify(binh)
		an.Command("thi")
		if rules := an.Last(); !strings.Contains(rules.Text, "Câu dự đoán phải được trả lời trong thời gian làm bài hoặc chậm nhất 2 phút sau khi hết giờ; "+
			"quá hạn, bài thi được ghi nhận không kèm dự đoán.\n") {
			t.Fatalf("rules:\n%s", rules.Text)
		}
		an.Tap(startLabel)
		q := r.question(an)
		an.TapOn(q, rightLabel(t, q))

		r.clock.Advance(5*time.Minute + time.Second)
		r.sweep()
		r.wantLast(an, strings.TrimSuffix(timeUpResult, "\n")+"\n\n"+predictionAsk("1 phút 59 giây"))
		r.clock.Advance(time.Minute)
		an.Command("thi")
		r.wantLast(an, predictionAsk("59 giây"))
		an.Type("1.200")
		r.wantLast(an, timeUpResult+"Kết quả: 1/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\nDự đoán: 1.200\n\n"+
			"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")

		// Bình's attempt is swept after its grace: no prediction asked.
		r.startQuiz(binh)
		r.clock.Advance(7*time.Minute + time.Second)
		r.sweep()
		r.wantLast(binh, timeUpResult+"Kết quả: 0/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\n\n"+
			"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")
		binh.Type("900")
		if m := binh.Last(); !strings.HasPrefix(m.Text, "⏰ Đã hết thời gian trả lời câu hỏi dự đoán") {
			t.Fatalf("Bình's late prediction: %q", m.Text)
		}
		var predictions []int64
		r.db.Select(&predictions, `SELECT prediction FROM attempts WHERE prediction IS NOT NULL`)
		if len(predictions) != 1 || predictions[0] != 1200 {
			t.Fatalf("predictions stored: %v, want An's 1200 only", predictions)
		}
	})
}

// Redis loses everything mid-attempt: the next tap still counts. The
// process restarts: /thi points at the question on screen, which still
// takes its answer, and the score is exact.
func TestResumeAfterRedisLossAndRestart(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 4}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		r.answerAll(an, 1)

		q := r.question(an)
		if err := r.rdb.FlushDB(context.Background()).Err(); err != nil {
			t.Fatal(err)
		}
		an.TapOn(q, rightLabel(t, q))
		if m := r.question(an); !strings.HasPrefix(m.Text, "Câu 3/4") {
			t.Fatalf("after the Redis flush: %q", m.Text)
		}

		q = r.question(an)
		r.start()
		an.Command("thi")
		if note := an.Last(); !strings.Contains(note.Text, "đang làm câu 3/4 ở tin nhắn phía trên") {
			t.Fatalf("resume notice: %q", note.Text)
		}
		an.TapOn(q, rightLabel(t, q))
		r.answerAll(an, 1)
		if m := an.Last(); !strings.Contains(m.Text, "Kết quả: 4/4 câu đúng") {
			t.Fatalf("result after restart: %q", m.Text)
		}
	})
}

// The last answer is stored, then the process dies before submitting: /thi
// asks the prediction, and the prediction gives the result.
func TestQuizAfterCrashBetweenLastAnswerAndSubmission(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		r.answerAll(an, 2)
		ctx := context.Background()
		id := int64(r.count(`SELECT id FROM attempts`))
		a, err := r.db.AttemptByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok, err := r.db.RecordAnswer(ctx, id, 2, a.Items[2].Order[0], false, r.clock.Now(), 0); err != nil || !ok {
			t.Fatalf("record last answer: %v %v", ok, err)
		}
		r.start()
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
			t.Fatalf("after /thi the member sees %q, want the prediction question", m.Text)
		}
		an.Type("1500")
		if m := an.Last(); !strings.Contains(m.Text, "câu đúng") || !strings.Contains(m.Text, "Dự đoán: 1.500") {
			t.Fatalf("result: %q", m.Text)
		}
	})
}
