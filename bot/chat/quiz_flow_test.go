package chat_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"quizbot/quiz"
	"quizbot/report"
	"quizbot/storage/storagetest"
)

// resultsCSV is `quizbot report results` for round 1.
func (r *rig) resultsCSV() string {
	r.t.Helper()
	atts, err := r.db.RoundAttempts(context.Background(), r.f.Round.ID, r.clock.Now())
	if err != nil {
		r.t.Fatal(err)
	}
	var b bytes.Buffer
	table := report.ResultsTable(report.Rank(atts, r.f.Contest.PredictionTarget), r.f.Contest.Location())
	if err := report.WriteCSV(&b, table, false); err != nil {
		r.t.Fatal(err)
	}
	return b.String()
}

// A whole quiz: the rules, the start button, three questions each shown
// answered without revealing right or wrong, the prediction asked again
// until it is a number, the result; then the ranking and the units'
// figures with the exact scores.
func TestWholeQuizAndReport(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Tuần này có bao nhiêu người dự thi?"}, func(t *testing.T, r *rig) {
		an, binh := r.user("an"), r.user("binh")
		r.verify(an)
		r.verify(binh)

		if r.caps.Menu {
			an.Type("📝 Vào thi")
		} else {
			an.Command("thi")
		}
		rules := an.Last()
		for _, want := range []string{"Đợt 1 – Tìm hiểu cải cách hành chính 2026", "Số câu hỏi: 3", "Thời gian làm bài: 10 phút",
			"Lượt thi còn lại: 1/1", "Hạn chót: 16:30 thứ Sáu, 04/12/2026", "câu hỏi dự đoán"} {
			if !strings.Contains(rules.Text, want) {
				t.Fatalf("rules lack %q:\n%s", want, rules.Text)
			}
		}
		an.TapOn(rules, startLabel)
		if r.caps.Edit {
			if m := an.Message(rules.ID); len(m.Buttons) != 0 {
				t.Fatalf("start button still there: %q", m.Labels())
			}
		}
		for i := 1; i <= 3; i++ {
			q := r.question(an)
			if !strings.HasPrefix(q.Text, "Câu "+strconv.Itoa(i)+"/3\n") || !strings.Contains(q.Text, "\nA. ") || !strings.Contains(q.Text, "Thời gian còn lại") {
				t.Fatalf("question %d: %q", i, q.Text)
			}
			if got := strings.Join(q.Labels(), ""); got != "ABCD" {
				t.Fatalf("buttons %q", got)
			}
			label := rightLabel(t, q)
			if i == 2 {
				label = wrongLabel(t, q)
			}
			r.clock.Advance(30 * time.Second)
			tap := an.TapOn(q, label)
			r.wantNote(an, tap, func(s string) bool { return s == "Đã ghi nhận: "+label }, "answer")
			r.wantAnswered(an, q, "☑️ Anh/chị chọn: "+label)
		}
		if m := an.Last(); !strings.Contains(m.Text, "Câu hỏi dự đoán: Tuần này có bao nhiêu người dự thi?") {
			t.Fatalf("prediction question: %q", m.Text)
		}
		an.Type("khoảng hai nghìn")
		if m := an.Last(); !strings.Contains(m.Text, "số nguyên không âm") || !strings.Contains(m.Text, "Câu hỏi dự đoán") {
			t.Fatalf("bad prediction not asked again: %q", m.Text)
		}
		an.Type("2")
		res := an.Last()
		for _, want := range []string{"Kết quả: 2/3 câu đúng", "Thời gian làm bài: 1 phút 30 giây", "Dự đoán: 2"} {
			if !strings.Contains(res.Text, want) {
				t.Fatalf("result lacks %q:\n%s", want, res.Text)
			}
		}
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "đã hoàn thành đợt 1") || !strings.Contains(m.Text, "2/3 câu đúng") {
			t.Fatalf("after the attempt: %q", m.Text)
		}

		// Bình: all right, slower, prediction 5.
		r.startQuiz(binh)
		for range 3 {
			q := r.question(binh)
			r.clock.Advance(time.Minute)
			binh.TapOn(q, rightLabel(t, q))
		}
		binh.Type("5")
		if m := binh.Last(); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") {
			t.Fatalf("Bình's result: %q", m.Text)
		}

		lines := strings.Split(strings.TrimSpace(r.resultsCSV()), "\n")
		want := []string{
			"rank,full_name,phone,unit_code,position,correct,total,duration_seconds,prediction,submitted_at",
			"1,Trần Thị Bình,0912000002,SNV,Chuyên viên,3,3,180,5,",
			"2,Nguyễn Văn An,0912000001,SNV,Chuyên viên,2,3,90,2,",
		}
		if len(lines) != 3 {
			t.Fatalf("results:\n%s", strings.Join(lines, "\n"))
		}
		for i := range want {
			if !strings.HasPrefix(lines[i], want[i]) {
				t.Fatalf("results line %d:\n got %s\nwant %s…", i, lines[i], want[i])
			}
		}
		if units := r.unitsCSV(); !strings.Contains(units, "SNV,Sở Nội vụ,4,2,2,50.0,2.50,0") {
			t.Fatalf("units report:\n%s", units)
		}
	})
}

// A double tap's second tap, a button of a finished attempt and a button
// with data the bot never wrote each get a short note only; one answer is
// recorded.
func TestDoubleTapAndStaleButtons(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		q1 := r.question(an)
		an.TapOn(q1, rightLabel(t, q1))
		sent := an.Count()

		// The second tap, from the button as it was before the edit
		// reached the phone.
		tap := an.TapOn(q1, wrongLabel(t, q1))
		r.wantNoteAlone(an, tap, func(s string) bool { return strings.Contains(s, "đã được ghi nhận") }, "double tap")
		if n := an.Count(); n != sent+r.notes() {
			t.Fatalf("double tap sent %d messages", n-sent)
		}
		var answered, right int
		r.db.QueryRow(`SELECT count(chosen), count(*) FILTER (WHERE is_correct) FROM answers`).Scan(&answered, &right)
		if answered != 1 || right != 1 {
			t.Fatalf("answers recorded: %d (%d right), want 1 (1 right)", answered, right)
		}

		r.answerAll(an, 2)
		if m := an.Last(); !strings.Contains(m.Text, "Kết quả: 3/3 câu đúng") {
			t.Fatalf("result: %q", m.Text)
		}
		sent = an.Count()
		stale := an.TapData(q1.ID, "a:999:0:1")
		r.wantNoteAlone(an, stale, func(s string) bool { return strings.Contains(s, "hết hiệu lực") }, "stale button")
		garbage := an.TapData(q1.ID, "xyz")
		r.wantNoteAlone(an, garbage, func(string) bool { return true }, "unknown data")
		if n := an.Count(); n != sent+2*r.notes() {
			t.Fatalf("stale taps sent %d messages", n-sent)
		}
	})
}

// Issue 9, item 13: a second tap on the start button, an old start button,
// /thi and the menu's button during an attempt do not send its question
// again: a note points at the one live question, with the time left.
func TestRepeatedStartPointsAtTheLiveQuestion(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		an.Command("thi")
		rules := an.Last()
		an.TapOn(rules, startLabel)
		q1 := r.question(an)
		if !strings.HasPrefix(q1.Text, "Câu 1/3\n") {
			t.Fatalf("question 1: %q", q1.Text)
		}

		r.clock.Advance(30 * time.Second)
		an.TapOn(rules, startLabel)
		r.wantLast(an, liveNote(1, 3, "9 phút 30 giây"))
		r.wantOneLive(an, q1)

		r.clock.Advance(time.Minute)
		an.Command("thi")
		r.wantLast(an, liveNote(1, 3, "8 phút 30 giây"))
		if r.caps.Menu {
			an.Type("📝 Vào thi")
			r.wantLast(an, liveNote(1, 3, "8 phút 30 giây"))
		}
		r.wantOneLive(an, q1)

		// Question 1 answered, an old start button (a reminder's, say)
		// points at question 2.
		an.TapOn(q1, rightLabel(t, q1))
		q2 := r.question(an)
		an.TapOn(rules, startLabel)
		r.wantLast(an, liveNote(2, 3, "8 phút 30 giây"))
		r.wantOneLive(an, q2)
		if n := r.count(`SELECT count(*) FROM attempts`); n != 1 {
			t.Fatalf("%d attempts", n)
		}
	})
}

// Issue 9, item 15: during an attempt, a typed letter answers the question
// on screen as its button would; anything else typed says which question
// runs and how to answer it.
func TestTypedLetterAnswers(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.startQuiz(an)
		q1 := r.question(an)
		for _, text := range []string{"xin chào", "E", "AB", "1500"} {
			an.Type(text)
			r.wantLast(an, liveNote(1, 3, "10 phút 00 giây"))
		}
		r.wantOneLive(an, q1)

		// The right letter in lower case, sent twice: where the platform
		// numbers messages, the second copy left the phone before question
		// 2 appeared, so it does not answer it.
		r.clock.Advance(20 * time.Second)
		first := an.Typed(strings.ToLower(rightLabel(t, q1)))
		second := an.Typed(strings.ToLower(rightLabel(t, q1)))
		an.Do(first)
		r.wantAnswered(an, q1, "☑️ Anh/chị chọn: "+rightLabel(t, q1))
		q2 := r.question(an)
		if !strings.HasPrefix(q2.Text, "Câu 2/3\n") {
			t.Fatalf("question 2: %q", q2.Text)
		}
		if r.pf.sequenced {
			an.Do(second)
			r.wantLast(an, liveNote(2, 3, "9 phút 40 giây"))
			r.wantOneLive(an, q2)
		}

		// Question 2 wrong, "B." style; question 3 right, in quotes.
		r.clock.Advance(20 * time.Second)
		an.Type(wrongLabel(t, q2) + ".")
		q3 := r.question(an)
		if !strings.HasPrefix(q3.Text, "Câu 3/3\n") {
			t.Fatalf("question 3: %q", q3.Text)
		}
		r.clock.Advance(20 * time.Second)
		an.Type("“" + strings.ToLower(rightLabel(t, q3)) + "”")
		r.wantLast(an, r.withVerdict("🎉 Anh/chị đã hoàn thành bài thi!\nKết quả: 2/3 câu đúng\nThời gian làm bài: 1 phút 00 giây\n\n"+
			"Đáp án sẽ được công bố sau khi đợt thi kết thúc.\nCảm ơn anh/chị đã tham gia!", q3, "☑️ Anh/chị chọn: "+rightLabel(t, q3)))
		var correct, answered int
		r.db.QueryRow(`SELECT a.correct, (SELECT count(chosen) FROM answers WHERE attempt_id = a.id) FROM attempts a`).Scan(&correct, &answered)
		if correct != 2 || answered != 3 {
			t.Fatalf("attempt: %d right of %d answered, want 2 of 3", correct, answered)
		}
		// Outside an attempt, a letter is just text.
		an.Type("A")
		if m := an.Last(); !strings.Contains(m.Text, "chưa hiểu") {
			t.Fatalf("a letter after the attempt: %q", m.Text)
		}
	})
}

// Before the first round, between rounds and after the contest, /thi says
// when the next round opens or that the contest is over; an old start
// button after the close is refused.
func TestOutsideRounds(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		an := r.user("an")
		r.verify(an)
		r.clock.Set(r.f.Round.OpensAt.Add(-time.Hour))
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "Hiện chưa có đợt thi nào đang mở") || !strings.Contains(m.Text, "Đợt 1") || !strings.Contains(m.Text, "07:30 thứ Hai, 30/11/2026") {
			t.Fatalf("before round 1: %q", m.Text)
		}
		r.clock.Set(r.f.Round.ClosesAt.Add(time.Hour))
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "Đợt 2") || !strings.Contains(m.Text, "07:30 thứ Hai, 07/12/2026") {
			t.Fatalf("between rounds: %q", m.Text)
		}
		r.clock.Set(r.f.Next.ClosesAt.Add(time.Minute))
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "đã kết thúc") {
			t.Fatalf("after the contest: %q", m.Text)
		}
		sent := an.Count()
		old := an.TapData(an.Last().ID, "s:"+strconv.FormatInt(r.f.Round.ID, 10))
		r.wantNoteAlone(an, old, func(s string) bool { return strings.Contains(s, "Đợt thi này đã kết thúc") }, "start after close")
		if n := r.count(`SELECT count(*) FROM attempts`); n != 0 || an.Count() != sent+r.notes() {
			t.Fatalf("a start after the close: %d attempts, %d messages", n, an.Count()-sent)
		}
	})
}

// With reveal immediately each answer shows right or wrong; with two
// attempts the best counts.
func TestRevealImmediatelyAndBestOfAttempts(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 2, AttemptsPerRound: 2, Reveal: quiz.RevealImmediately}, func(t *testing.T, r *rig) {
		if _, err := r.db.DB.Exec(`UPDATE questions SET explanation = 'Xem Điều 5 Nghị định 61/2018/NĐ-CP.'`); err != nil {
			t.Fatal(err)
		}
		an := r.user("an")
		r.verify(an)
		take := func(right int) {
			t.Helper()
			an.Command("thi")
			rules := an.Last()
			if !strings.Contains(rules.Text, "Kết quả cao nhất trong các lượt được tính") {
				t.Fatalf("rules: %q", rules.Text)
			}
			an.TapOn(rules, startLabel)
			for i := range 2 {
				q := r.question(an)
				label, verdict := rightLabel(t, q), "✅ Anh/chị chọn: %s – Đúng"
				if i >= right {
					// A wrong answer is corrected at once, with the
					// question's explanation.
					label = wrongLabel(t, q)
					verdict = "❌ Anh/chị chọn: %s – Chưa đúng\nĐáp án đúng: " + rightLabel(t, q) + "\n💡 Xem Điều 5 Nghị định 61/2018/NĐ-CP."
				}
				an.TapOn(q, label)
				r.wantAnswered(an, q, strings.Replace(verdict, "%s", label, 1))
			}
		}
		take(2)
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "Lượt thi còn lại: 1/2") {
			t.Fatalf("second attempt offered: %q", m.Text)
		}
		take(1)
		an.Command("thi")
		if m := an.Last(); !strings.Contains(m.Text, "(2/2 lượt)") || !strings.Contains(m.Text, "Kết quả được tính: 2/2 câu đúng") {
			t.Fatalf("best attempt: %q", m.Text)
		}
	})
}

// /thongke: the live figures for organizers, refused to anyone else.
func TestStatsForOrganizersOnly(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{QuestionsPerAttempt: 3}, func(t *testing.T, r *rig) {
		an, dung := r.user("an"), r.user("dung")
		r.verify(an)
		r.verify(dung)
		r.wantMenu(dung, organizerMenu...)
		r.startQuiz(an)
		r.answerAll(an, 3)
		an.Command("thongke")
		if m := an.Last(); !strings.Contains(m.Text, "chỉ dành cho Ban Tổ chức") || strings.Contains(m.Text, "Sở Nội vụ") {
			t.Fatalf("member got: %q", m.Text)
		}
		if r.caps.Menu {
			dung.Type("📊 Thống kê")
		} else {
			dung.Command("thongke")
		}
		m := dung.Last()
		for _, want := range []string{"Đã dự thi: 1/5 người (20,0%)", "Đang làm bài: 0", "• UBND xã Hòa Phú: 0/1 (0,0%)\n• Sở Nội vụ: 1/4 (25,0%)"} {
			if !strings.Contains(m.Text, want) {
				t.Fatalf("stats lack %q:\n%s", want, m.Text)
			}
		}
	})
}
