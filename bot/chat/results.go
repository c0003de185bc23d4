package chat

import (
	"context"
	"fmt"
	"strings"
	"time"

	"quizbot/quiz"
)

// /ketqua shows a member their rounds: the counted attempt's score, once
// the round is settled their rank and prize, and, once the answers are out
// (the round closed, or at once with reveal: immediately), a review of
// each question with their choice, the right answer and its explanation.
// /donvi shows a head their unit's live figures in the open round and who
// has not taken part yet; an organizer, any unit's by code.

// ResultStore is what /ketqua and /donvi need from storage; storage.DB
// implements it.
type ResultStore interface {
	CurrentContest(ctx context.Context, t time.Time) (quiz.Contest, error)
	MemberAttempts(ctx context.Context, roundID, memberID int64) ([]quiz.Attempt, error)
	AttemptByID(ctx context.Context, id int64) (quiz.Attempt, error)
	QuestionsByIDs(ctx context.Context, ids []int64) (map[int64]quiz.Question, error)
	RoundPlace(ctx context.Context, c quiz.Contest, r quiz.Round, memberID int64, now time.Time) (quiz.RoundPlace, bool, error)
	UnitByCode(ctx context.Context, code string) (quiz.Unit, error)
	UnitLive(ctx context.Context, roundID int64, u quiz.Unit, now time.Time) (quiz.UnitFigures, error)
}

// results returns the store behind the identity resolver, as excuses does.
func (c *conv) results() (ResultStore, bool) {
	s, ok := c.identities.(ResultStore)
	return s, ok
}

const (
	menuResults     = "🏆 Kết quả"
	menuUnit        = "🏢 Đơn vị"
	textNoStore     = "Chức năng này chưa sẵn sàng. Anh/chị vui lòng thử lại sau."
	textNoResults   = "Anh/chị chưa có bài thi nào được ghi nhận. Gửi /thi để làm bài thi của tuần."
	textUnitRefused = "Chức năng xem số liệu đơn vị dành cho thủ trưởng đơn vị và ban tổ chức."
	textUnitHint    = "Gửi /donvi kèm mã đơn vị để xem số liệu của đơn vị đó, ví dụ: /donvi SNV"
	textNoOpenRound = "Hiện không có đợt thi nào đang mở."
)

// prizeNames are the grades as a certificate names them.
var prizeNames = map[string]string{"nhat": "Giải Nhất", "nhi": "Giải Nhì", "ba": "Giải Ba", "khuyen_khich": "Giải Khuyến khích"}

// resultsCmd is /ketqua.
func (c *conv) resultsCmd(ctx context.Context) error {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	st, ok := c.results()
	if !ok {
		return c.say(ctx, textNoStore)
	}
	now := c.quiz.Now()
	contest, err := st.CurrentContest(ctx, now)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return c.say(ctx, textNoResults)
	}
	if err != nil {
		return err
	}
	var parts []string
	for _, r := range contest.Rounds {
		if now.Before(r.OpensAt) {
			continue
		}
		part, ok, err := c.roundResult(ctx, st, contest, r, m, now)
		if err != nil {
			return err
		}
		if ok {
			parts = append(parts, part)
		}
	}
	if len(parts) == 0 {
		return c.say(ctx, textNoResults)
	}
	// One text: the conversation splits it to the messenger's limit.
	text := "🏆 Kết quả của anh/chị – " + contest.Name + "\n\n" + strings.Join(parts, "\n\n")
	_, err = c.send(ctx, Message{Text: text, Menu: menuFor(m)})
	return err
}

// roundResult is one round's part of /ketqua; ok is false when the member
// has no closed attempt in it.
func (c *conv) roundResult(ctx context.Context, st ResultStore, contest quiz.Contest, r quiz.Round, m quiz.Member, now time.Time) (string, bool, error) {
	as, err := st.MemberAttempts(ctx, r.ID, m.ID)
	if err != nil {
		return "", false, err
	}
	var best *quiz.Attempt
	for i := range as {
		a := &as[i]
		if !a.Submitted() {
			continue
		}
		if best == nil || a.Standing().Beats(best.Standing()) {
			best = a
		}
	}
	if best == nil {
		return "", false, nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📌 Đợt %d: %d/%d câu đúng, thời gian %s", r.Number, best.Correct, best.Total, duration(best.Duration()))
	if best.Prediction != nil {
		fmt.Fprintf(&b, ", dự đoán %s", GroupDigits(*best.Prediction))
	}
	loc := contest.Location()
	settled := r.ClosesAt.Add(contest.TimeLimit + contest.PredictionGrace)
	switch {
	case !now.Before(settled):
		place, ok, err := st.RoundPlace(ctx, contest, r, m.ID, now)
		if err != nil {
			return "", false, err
		}
		if ok {
			fmt.Fprintf(&b, "\nXếp hạng: %s", GroupDigits(place.Rank))
			if contest.Prediction != "" {
				fmt.Fprintf(&b, " (con số thực tế của câu dự đoán: %s)", GroupDigits(place.Actual))
			}
			if name, ok := prizeNames[place.Prize]; ok {
				fmt.Fprintf(&b, "\n🎖 Anh/chị đạt %s đợt %d. Chúc mừng anh/chị!", name, r.Number)
			}
		}
	case !now.Before(r.ClosesAt):
		fmt.Fprintf(&b, "\nXếp hạng sẽ có từ %s.", When(settled, loc))
	}
	if contest.Reveal != quiz.RevealImmediately && now.Before(r.ClosesAt) {
		fmt.Fprintf(&b, "\nĐáp án sẽ được công bố sau khi đợt thi kết thúc (%s).", When(r.ClosesAt, loc))
		return b.String(), true, nil
	}
	review, err := c.review(ctx, st, best.ID)
	if err != nil {
		return "", false, err
	}
	b.WriteString(review)
	return b.String(), true, nil
}

// review lists the attempt's questions: the member's choice, the right
// answer, with the letters as the member saw them, and the explanation.
func (c *conv) review(ctx context.Context, st ResultStore, attemptID int64) (string, error) {
	a, err := st.AttemptByID(ctx, attemptID)
	if err != nil {
		return "", err
	}
	ids := make([]int64, len(a.Items))
	for i, it := range a.Items {
		ids[i] = it.QuestionID
	}
	qs, err := st.QuestionsByIDs(ctx, ids)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for _, it := range a.Items {
		q, ok := qs[it.QuestionID]
		if !ok {
			continue
		}
		option := func(i int) string {
			for letter, o := range it.Order {
				if o == i && i < len(q.Options) {
					return letterOf(letter) + ". " + q.Options[i]
				}
			}
			return ""
		}
		fmt.Fprintf(&b, "\n\nCâu %d: %s", it.Position+1, q.Text)
		switch {
		case it.Chosen == nil:
			b.WriteString("\n⏰ Chưa trả lời")
		case *it.Chosen == q.Correct:
			b.WriteString("\n✅ Anh/chị chọn: " + option(*it.Chosen))
		default:
			b.WriteString("\n❌ Anh/chị chọn: " + option(*it.Chosen))
		}
		if it.Chosen == nil || *it.Chosen != q.Correct {
			b.WriteString("\nĐáp án đúng: " + option(q.Correct))
		}
		if e := strings.TrimSpace(q.Explanation); e != "" {
			b.WriteString("\n💡 " + e)
		}
	}
	return b.String(), nil
}

// unitCmd is /donvi: a head's own unit, an organizer's any by code.
func (c *conv) unitCmd(ctx context.Context) error {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	st, ok := c.results()
	if !ok {
		return c.say(ctx, textNoStore)
	}
	var u quiz.Unit
	code := strings.ToUpper(strings.TrimSpace(c.ev.Args))
	switch {
	case m.Role == quiz.RoleOrganizer && code == "":
		return c.say(ctx, textUnitHint)
	case m.Role == quiz.RoleOrganizer:
		if u, err = st.UnitByCode(ctx, code); err != nil {
			return c.fail(ctx, err)
		}
	case m.Role == quiz.RoleHead:
		u = quiz.Unit{ID: m.UnitID, Code: m.UnitCode, Name: m.UnitName}
	default:
		return c.say(ctx, textUnitRefused)
	}
	now := c.quiz.Now()
	contest, err := st.CurrentContest(ctx, now)
	if err != nil && quiz.ErrorCode(err) != quiz.ENOTFOUND {
		return err
	}
	round, ok := contest.RoundAt(now)
	if !ok {
		return c.say(ctx, textNoOpenRound)
	}
	f, err := st.UnitLive(ctx, round.ID, u, now)
	if err != nil {
		return err
	}
	_, err = c.send(ctx, Message{Text: unitText(round, f, contest.Location(), now), Menu: menuFor(m)})
	return err
}

// unitText is /donvi's card: the unit's figures so far and its absentees.
func unitText(r quiz.Round, f quiz.UnitFigures, loc *time.Location, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "🏢 %s (%s) – Đợt %d, số liệu lúc %s\n", field(f.Unit.Name), f.Unit.Code, r.Number, When(now, loc))
	rate := 0.0
	if f.Staff > 0 {
		rate = 100 * float64(f.Participants) / float64(f.Staff)
	}
	fmt.Fprintf(&b, "• Cán bộ trong danh sách: %s\n", count(f.Staff))
	fmt.Fprintf(&b, "• Đã xác thực: %s\n", count(f.Verified))
	fmt.Fprintf(&b, "• Đã dự thi: %s (%s)\n", count(f.Participants), Percent(rate))
	if f.Participants > 0 {
		avg := float64(f.CorrectSum) / float64(f.Participants)
		fmt.Fprintf(&b, "• Số câu đúng trung bình: %s\n", decimal2(avg))
	}
	fmt.Fprintf(&b, "• Bài thi 0 điểm: %s\n", count(f.Zero))
	fmt.Fprintf(&b, "• Hạn chót: %s", When(r.ClosesAt, loc))
	if len(f.Absent) == 0 {
		b.WriteString("\n\nTất cả cán bộ của đơn vị đã dự thi.")
		return b.String()
	}
	fmt.Fprintf(&b, "\n\nChưa dự thi (%s người):", count(len(f.Absent)))
	for i, a := range f.Absent {
		fmt.Fprintf(&b, "\n%d. %s", i+1, field(a.FullName))
		if a.Position != "" {
			b.WriteString(" – " + field(a.Position))
		}
	}
	return b.String()
}

// decimal2 writes a figure with two decimals after a comma: 2,50.
func decimal2(x float64) string {
	return strings.Replace(fmt.Sprintf("%.2f", x), ".", ",", 1)
}
