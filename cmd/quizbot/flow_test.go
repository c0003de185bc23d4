package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/storage/storagetest"

	"github.com/go-telegram/bot/models"
)

// liveNote is the note that points at the question on screen.
func liveNote(k, n int, left string) string {
	return fmt.Sprintf("☝️ Anh/chị đang làm câu %d/%d ở tin nhắn phía trên (thời gian còn lại: %s).\n"+
		"Để trả lời, bấm nút A, B, C hoặc D dưới câu hỏi, hoặc gõ chữ cái của phương án (ví dụ: B).", k, n, left)
}

// liveQuestions returns the question messages in u's chat that still have
// buttons.
func (r *tgRig) liveQuestions(u models.User) []telegramtest.Message {
	var out []telegramtest.Message
	for _, m := range r.fake.Sent(u.ID) {
		if strings.HasPrefix(m.Text, "Câu ") && len(m.Buttons) > 0 {
			out = append(out, m)
		}
	}
	return out
}

// wantOneLive checks that the only question with buttons is message id.
func (r *tgRig) wantOneLive(u models.User, id int) {
	r.t.Helper()
	live := r.liveQuestions(u)
	if len(live) != 1 || live[0].ID != id {
		var ids []int
		for _, m := range live {
			ids = append(ids, m.ID)
		}
		r.t.Fatalf("live question messages %v, want only %d", ids, id)
	}
}

func (r *tgRig) wantLast(u models.User, want string) telegramtest.Message {
	r.t.Helper()
	m := r.last(u)
	if m.Text != want || len(m.Buttons) != 0 {
		r.t.Fatalf("last message:\n%q %v\nwant\n%q", m.Text, m.Labels(), want)
	}
	return m
}

// Issue 9, item 13: a second tap on the start button, an old start button,
// /thi and the menu's button during an attempt do not send its question
// again: a note points at the one live question, with the time left.
func TestTelegramRepeatedStartPointsAtTheLiveQuestion(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.send(r.fake.Command(an, "thi"))
	rules := r.last(an)
	start, _ := rules.Button("▶️ Bắt đầu làm bài")
	r.send(r.fake.Tap(t, an, rules, "▶️ Bắt đầu làm bài"))
	q1 := r.last(an)
	if !strings.HasPrefix(q1.Text, "Câu 1/3\n") || len(q1.Buttons) == 0 {
		t.Fatalf("question 1: %q", q1.Text)
	}

	// The double tap's second update, from the button as it was before the
	// edit reached the phone.
	r.clock.Advance(30 * time.Second)
	r.send(r.fake.CallbackQuery(an, rules, start.CallbackData))
	r.wantLast(an, liveNote(1, 3, "9 phút 30 giây"))
	r.wantOneLive(an, q1.ID)

	r.clock.Advance(time.Minute)
	r.send(r.fake.Command(an, "thi"))
	r.wantLast(an, liveNote(1, 3, "8 phút 30 giây"))
	r.send(r.fake.TextMessage(an, "📝 Vào thi"))
	r.wantLast(an, liveNote(1, 3, "8 phút 30 giây"))
	r.wantOneLive(an, q1.ID)

	// Question 1 answered, an old start button (a reminder's, say) points
	// at question 2.
	r.send(r.fake.Tap(t, an, q1, rightLabel(t, q1)))
	q2 := r.last(an)
	r.send(r.fake.CallbackQuery(an, rules, start.CallbackData))
	r.wantLast(an, liveNote(2, 3, "8 phút 30 giây"))
	r.wantOneLive(an, q2.ID)
	var attempts int
	r.db.Get(&attempts, `SELECT count(*) FROM attempts`)
	if attempts != 1 {
		t.Fatalf("%d attempts", attempts)
	}
}

// Issue 9, item 14: when the time runs out the question on screen loses its
// buttons, a late tap is told its answer was not recorded, and the result
// says the time ran out instead of congratulating.
func TestTelegramTimeOutTakesTheButtonsAway(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute})
	an, binh := user(1001, "An"), user(1002, "Bình")
	r.verify(an, "0912000001")
	r.verify(binh, "0912000002")
	r.startQuiz(an)
	q1 := r.last(an)
	r.send(r.fake.Tap(t, an, q1, rightLabel(t, q1)))
	q2 := r.last(an)

	// The sweeper closes An's attempt.
	r.clock.Advance(5*time.Minute + time.Second)
	if err := r.srv.conv.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	edited, _ := r.fake.Message(an.ID, q2.ID)
	if len(edited.Buttons) != 0 || !strings.HasPrefix(edited.Text, "Câu 2/3\n") ||
		!strings.HasSuffix(edited.Text, "\n\n⏰ Hết giờ, câu này chưa được trả lời.") {
		t.Fatalf("question on screen at the time-out: %q %v", edited.Text, edited.Labels())
	}
	if live := r.liveQuestions(an); len(live) != 0 {
		t.Fatalf("%d questions still have buttons", len(live))
	}
	r.wantLast(an, "⏰ Đã hết thời gian làm bài. Bài thi đã được nộp với các câu anh/chị đã trả lời.\n"+
		"Kết quả: 1/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\n\n"+
		"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")

	// A tap from the button as it was before the edit reached the phone.
	sends := len(r.fake.CallsTo("sendMessage"))
	b, _ := q2.Button(rightLabel(t, q2))
	late := r.fake.CallbackQuery(an, q2, b.CallbackData)
	r.send(late)
	if a, _ := r.fake.CallbackAnswer(late.CallbackQuery.ID); a.Text != "⏰ Đã hết thời gian làm bài: câu trả lời này không được ghi nhận." {
		t.Fatalf("late tap answered %q", a.Text)
	}
	if n := len(r.fake.CallsTo("sendMessage")); n != sends {
		t.Fatalf("a late tap sent %d messages", n-sends)
	}

	// Bình's time runs out before the sweeper comes by: his tap finds it.
	r.startQuiz(binh)
	bq := r.last(binh)
	r.clock.Advance(5 * time.Minute)
	tap := r.fake.Tap(t, binh, bq, rightLabel(t, bq))
	r.send(tap)
	if a, _ := r.fake.CallbackAnswer(tap.CallbackQuery.ID); a.Text != "⏰ Đã hết giờ: câu trả lời này không được ghi nhận." {
		t.Fatalf("tap at the time-out answered %q", a.Text)
	}
	if edited, _ := r.fake.Message(binh.ID, bq.ID); len(edited.Buttons) != 0 || !strings.HasSuffix(edited.Text, "⏰ Hết giờ, câu này chưa được trả lời.") {
		t.Fatalf("Bình's question: %q %v", edited.Text, edited.Labels())
	}
	r.wantLast(binh, "⏰ Đã hết thời gian làm bài. Bài thi đã được nộp với các câu anh/chị đã trả lời.\n"+
		"Kết quả: 0/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\n\n"+
		"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")

	var answered, correct int
	r.db.QueryRow(`SELECT count(chosen), count(*) FILTER (WHERE is_correct) FROM answers`).Scan(&answered, &correct)
	if answered != 1 || correct != 1 {
		t.Fatalf("answers recorded: %d (%d right), want An's first only", answered, correct)
	}
}

// Issue 9, item 15: during an attempt, a typed letter answers the question
// on screen as its button would; anything else typed says which question
// runs and how to answer it.
func TestTelegramTypedLetterAnswers(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.startQuiz(an)
	q1 := r.last(an)

	for _, text := range []string{"xin chào", "E", "AB", "1500"} {
		r.send(r.fake.TextMessage(an, text))
		r.wantLast(an, liveNote(1, 3, "10 phút 00 giây"))
	}
	r.wantOneLive(an, q1.ID)

	// The right letter in lower case, sent twice: the second copy left
	// the phone before question 2 appeared, so it does not answer it.
	r.clock.Advance(20 * time.Second)
	first := r.fake.TextMessage(an, strings.ToLower(rightLabel(t, q1)))
	second := r.fake.TextMessage(an, strings.ToLower(rightLabel(t, q1)))
	r.send(first)
	if edited, _ := r.fake.Message(an.ID, q1.ID); len(edited.Buttons) != 0 ||
		!strings.HasSuffix(edited.Text, "\n\n☑️ Anh/chị chọn: "+rightLabel(t, q1)) {
		t.Fatalf("question 1 after the typed answer: %q %v", edited.Text, edited.Labels())
	}
	q2 := r.last(an)
	if !strings.HasPrefix(q2.Text, "Câu 2/3\n") || len(q2.Buttons) == 0 {
		t.Fatalf("question 2: %q", q2.Text)
	}
	r.send(second)
	r.wantLast(an, liveNote(2, 3, "9 phút 40 giây"))
	r.wantOneLive(an, q2.ID)

	// Question 2 wrong, "B." style; question 3 right, in quotes.
	r.clock.Advance(20 * time.Second)
	r.send(r.fake.TextMessage(an, wrongLabel(t, q2)+"."))
	q3 := r.last(an)
	if !strings.HasPrefix(q3.Text, "Câu 3/3\n") {
		t.Fatalf("question 3: %q", q3.Text)
	}
	r.clock.Advance(20 * time.Second)
	r.send(r.fake.TextMessage(an, "“"+strings.ToLower(rightLabel(t, q3))+"”"))
	r.wantLast(an, "🎉 Anh/chị đã hoàn thành bài thi!\nKết quả: 2/3 câu đúng\nThời gian làm bài: 1 phút 00 giây\n\n"+
		"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")
	var correct, answered int
	r.db.QueryRow(`SELECT a.correct, (SELECT count(chosen) FROM answers WHERE attempt_id = a.id) FROM attempts a`).Scan(&correct, &answered)
	if correct != 2 || answered != 3 {
		t.Fatalf("attempt: %d right of %d answered, want 2 of 3", correct, answered)
	}
	// Outside an attempt, a letter is just text.
	r.send(r.fake.TextMessage(an, "A"))
	if m := r.last(an); !strings.Contains(m.Text, "chưa hiểu") {
		t.Fatalf("a letter after the attempt: %q", m.Text)
	}
}

const flowPrediction = "Tuần này có bao nhiêu người dự thi?"

func predictionAsk(left string) string {
	return "❓ Câu hỏi dự đoán: " + flowPrediction + "\n\nVui lòng trả lời bằng một con số (ví dụ: 15000).\n⏱ Thời gian trả lời còn lại: " + left
}

// Issue 9, item 4: without prediction_grace, the prediction is accepted
// within the attempt's time limit only, as the rules say; a number typed
// later is not stored, and the member is told so with the result.
func TestTelegramPredictionWithinTheTimeLimit(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: flowPrediction})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	r.send(r.fake.Command(an, "thi"))
	if rules := r.last(an); !strings.Contains(rules.Text, "• Sau câu cuối có một câu hỏi dự đoán, dùng để xếp hạng khi bằng điểm. "+
		"Câu dự đoán phải được trả lời trong thời gian làm bài; quá hạn, bài thi được ghi nhận không kèm dự đoán.\n") {
		t.Fatalf("rules:\n%s", rules.Text)
	}
	r.send(r.fake.Tap(t, an, r.last(an), "▶️ Bắt đầu làm bài"))
	for range 3 {
		q := r.last(an)
		r.clock.Advance(time.Minute)
		r.send(r.fake.Tap(t, an, q, rightLabel(t, q)))
	}
	r.wantLast(an, predictionAsk("7 phút 00 giây"))
	r.clock.Advance(2 * time.Minute)
	r.send(r.fake.Command(an, "thi"))
	r.wantLast(an, predictionAsk("5 phút 00 giây"))

	// The time limit passes: /thi no longer asks, a number is not stored.
	r.clock.Advance(5 * time.Minute)
	r.send(r.fake.Command(an, "thi"))
	if m := r.last(an); strings.Contains(m.Text, "dự đoán") || !strings.Contains(m.Text, "đã hoàn thành đợt 1") {
		t.Fatalf("/thi after the time limit: %q", m.Text)
	}
	late := "⏰ Đã hết thời gian trả lời câu hỏi dự đoán nên con số này không được ghi nhận. Bài thi của anh/chị vẫn được tính, không kèm dự đoán.\n\n" +
		"🎉 Anh/chị đã hoàn thành bài thi!\nKết quả: 3/3 câu đúng\nThời gian làm bài: 3 phút 00 giây\n\n" +
		"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!"
	for _, text := range []string{"1500", "1.600"} {
		r.send(r.fake.TextMessage(an, text))
		if m := r.last(an); m.Text != late {
			t.Fatalf("a prediction after the time limit (%s):\n%q\nwant\n%q", text, m.Text, late)
		}
	}
	var predicted int
	r.db.Get(&predicted, `SELECT count(prediction) FROM attempts`)
	if predicted != 0 {
		t.Fatal("a late prediction was stored")
	}
}

// Issue 9, item 4: with prediction_grace, an attempt closed by its time
// limit still asks for the prediction, until the grace ends; the sweeper
// does not ask once it has.
func TestTelegramPredictionGraceAfterTheTimeLimit(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, TimeLimit: 5 * time.Minute, Prediction: flowPrediction,
		PredictionGrace: 2 * time.Minute})
	an, binh := user(1001, "An"), user(1002, "Bình")
	r.verify(an, "0912000001")
	r.verify(binh, "0912000002")
	r.send(r.fake.Command(an, "thi"))
	if rules := r.last(an); !strings.Contains(rules.Text, "Câu dự đoán phải được trả lời trong thời gian làm bài hoặc chậm nhất 2 phút sau khi hết giờ; "+
		"quá hạn, bài thi được ghi nhận không kèm dự đoán.\n") {
		t.Fatalf("rules:\n%s", rules.Text)
	}
	r.send(r.fake.Tap(t, an, r.last(an), "▶️ Bắt đầu làm bài"))
	q := r.last(an)
	r.send(r.fake.Tap(t, an, q, rightLabel(t, q)))

	// An's time runs out: the sweeper asks for the prediction.
	r.clock.Advance(5*time.Minute + time.Second)
	if err := r.srv.conv.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.wantLast(an, "⏰ Đã hết thời gian làm bài. Bài thi đã được nộp với các câu anh/chị đã trả lời.\n\n"+predictionAsk("1 phút 59 giây"))
	r.clock.Advance(time.Minute)
	r.send(r.fake.Command(an, "thi"))
	r.wantLast(an, predictionAsk("59 giây"))
	r.send(r.fake.TextMessage(an, "1.200"))
	r.wantLast(an, "⏰ Đã hết thời gian làm bài. Bài thi đã được nộp với các câu anh/chị đã trả lời.\n"+
		"Kết quả: 1/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\nDự đoán: 1.200\n\n"+
		"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")

	// Bình's attempt is swept after its grace: no prediction asked.
	r.startQuiz(binh)
	r.clock.Advance(7*time.Minute + time.Second)
	if err := r.srv.conv.SweepExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.wantLast(binh, "⏰ Đã hết thời gian làm bài. Bài thi đã được nộp với các câu anh/chị đã trả lời.\n"+
		"Kết quả: 0/3 câu đúng\nThời gian làm bài: 5 phút 00 giây\n\n"+
		"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!")
	r.send(r.fake.TextMessage(binh, "900"))
	if m := r.last(binh); !strings.HasPrefix(m.Text, "⏰ Đã hết thời gian trả lời câu hỏi dự đoán") {
		t.Fatalf("Bình's late prediction: %q", m.Text)
	}
	var predictions []int64
	r.db.Select(&predictions, `SELECT prediction FROM attempts WHERE prediction IS NOT NULL`)
	if len(predictions) != 1 || predictions[0] != 1200 {
		t.Fatalf("predictions stored: %v, want An's 1200 only", predictions)
	}
}
