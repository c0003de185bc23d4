package chat

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"quizbot/quiz"
)

// /lydo: a head of unit records why members of their own unit did not take
// part in a round (leave, sickness, business trip, or a typed reason), for
// the absent report due on Monday. Excused members get no more reminders.
//
// The flow is buttons all the way except the typed reason:
//
//	/lydo or "xl:<round>"         the unit's absentees, a page of buttons
//	"xp:<round>:<page>"           another page
//	"xm:<round>:<member>"         the reasons to choose from
//	"xr:<round>:<member>:<code>"  records a preset reason; code 9 asks for text
//
// Every step re-reads the head's roster entry and checks the member against
// the absentees of the head's own unit, so a head can never see or excuse
// anyone of another unit, whatever callback data a client sends.

// ExcuseStore is what /lydo needs from storage; storage.DB implements it.
type ExcuseStore interface {
	CurrentContest(ctx context.Context, t time.Time) (quiz.Contest, error)
	// ExcuseCandidates lists the unit's active members who have not taken
	// part in the round, and the reasons recorded for them.
	ExcuseCandidates(ctx context.Context, roundID, unitID int64, now time.Time) ([]quiz.Member, map[int64]string, error)
	// RecordExcuse records a reason for a member of unitID; EFORBIDDEN for
	// anyone else.
	RecordExcuse(ctx context.Context, roundID, memberID, unitID int64, reason string, by int64) (quiz.Member, error)
	SetExcusePrompt(ctx context.Context, headID, roundID, memberID int64, expires time.Time) error
	TakeExcusePrompt(ctx context.Context, headID int64, now time.Time) (roundID, memberID int64, ok bool, err error)
}

// excuses returns the store behind the bot's identity resolver: in
// production both are the one storage.DB, which spares the conversation a
// second dependency to wire. ok is false when it cannot record excuses.
func (c *conv) excuses() (ExcuseStore, bool) {
	s, ok := c.identities.(ExcuseStore)
	return s, ok
}

// StartButton is the button under a notification that starts the round's
// quiz, the same as the one /thi shows.
func StartButton(roundID int64) Button {
	return Button{Text: buttonStart, Data: startData(roundID)}
}

// ExcuseButton is the button under a head's summary card that opens /lydo
// for the round.
func ExcuseButton(roundID int64) Button {
	return Button{Text: buttonExcuses, Data: "xl:" + strconv.FormatInt(roundID, 10)}
}

// NoticeButtons makes the buttons under notify's notices (notify.Buttons):
// their taps come back to the conversation, which therefore owns their
// labels and data, and notify needs no import of it.
type NoticeButtons struct{}

// Start is StartButton.
func (NoticeButtons) Start(roundID int64) Button { return StartButton(roundID) }

// Excuse is ExcuseButton.
func (NoticeButtons) Excuse(roundID int64) Button { return ExcuseButton(roundID) }

const (
	buttonExcuses = "📝 Ghi nhận lý do vắng"
	// excusesPerPage keeps the keyboard short enough to read on a phone.
	excusesPerPage = 8
	// excusePromptTTL is how long a typed reason is awaited.
	excusePromptTTL = 15 * time.Minute
	reasonOther     = 9
)

// presetReasons are the reasons a head picks with one tap, by code.
var presetReasons = map[int64]string{1: quiz.ExcuseReasons()[0], 2: quiz.ExcuseReasons()[1], 3: quiz.ExcuseReasons()[2]}

const (
	textExcuseHeadsOnly = "Chức năng ghi nhận lý do vắng dành cho thủ trưởng đơn vị."
	textExcuseNoRound   = "Hiện chưa có đợt thi nào để ghi nhận lý do vắng."
	textExcuseNotFound  = "Không tìm thấy cán bộ này trong danh sách chưa dự thi của đơn vị anh/chị."
	textExcuseNoStore   = "Chức năng ghi nhận lý do vắng chưa sẵn sàng. Anh/chị vui lòng thử lại sau."
	textExcuseQuizFirst = "Anh/chị đang làm bài thi. Vui lòng hoàn thành bài thi (kể cả câu hỏi dự đoán) rồi nhập lý do khác sau; các lý do có sẵn vẫn chọn được ngay."
	textExcuseDropped   = "ℹ️ Lý do vắng anh/chị đang nhập dở chưa được ghi nhận; có thể ghi lại bằng /lydo sau khi làm bài."
)

// HandleExcuse handles the event if it belongs to /lydo: the command, one
// of its buttons, or the reason a head types after "Lý do khác". handled is
// false for any other event, which Handle then processes as usual. It is
// what Handle calls first:
//
//	if handled, err := b.HandleExcuse(ctx, ev); handled {
//		return err
//	}
func (b *Bot) HandleExcuse(ctx context.Context, ev Event) (handled bool, err error) {
	out, ok := b.messengers[ev.Platform]
	if !ok || b.quiz == nil {
		return false, nil
	}
	c := &conv{Bot: b, ev: ev, out: out}
	switch ev.Kind {
	case KindCommand:
		if ev.Command != "lydo" {
			return false, nil
		}
		return true, c.excuseCmd(ctx)
	case KindCallback:
		if ev.Callback == nil || !IsExcuseCallback(ev.Callback.Data) {
			return false, nil
		}
		// The spinner stops (or the note is sent) even when handling
		// failed (see Handle).
		return true, c.finishTap(ctx, c.excuseCallback(ctx))
	case KindText:
		switch strings.TrimSpace(ev.Text) {
		case menuExcuse:
			return true, c.excuseCmd(ctx)
		case menuQuiz, menuHelp, menuStats, menuUnit:
			return false, nil // a menu tap is never a reason
		}
		m, err := b.quiz.Identify(ctx, ev.Platform, ev.UserID)
		if err != nil || m.Role != quiz.RoleHead {
			return false, nil // strangers and members are Handle's
		}
		return c.excuseText(ctx, m)
	}
	return false, nil
}

// IsExcuseCallback reports whether callback data belongs to /lydo.
func IsExcuseCallback(data string) bool {
	kind, _, ok := parseExcuseData(data)
	return ok && kind != ""
}

// parseExcuseData decodes /lydo callback data.
func parseExcuseData(data string) (kind string, ids []int64, ok bool) {
	parts := strings.Split(data, ":")
	want := map[string]int{"xl": 2, "xp": 3, "xm": 3, "xr": 4}[parts[0]]
	if want == 0 || len(parts) != want {
		return "", nil, false
	}
	if ids, ok = parseIDs(parts[1:]); !ok {
		return "", nil, false
	}
	return parts[0], ids, true
}

// excuseHead identifies the person as a head; ok is false when they are not
// (and have been told).
func (c *conv) excuseHead(ctx context.Context) (quiz.Member, ExcuseStore, bool, error) {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return m, nil, false, err
	}
	// The member may be an old copy from the Redis cache (a snapshot from
	// before an unlink or a roster change): /lydo shows and records names.
	if m, err = c.quiz.Confirm(ctx, m); err != nil {
		return m, nil, false, c.fail(ctx, err)
	}
	if m.Role != quiz.RoleHead || !m.Active {
		return m, nil, false, c.excuseReply(ctx, textExcuseHeadsOnly)
	}
	st, ok := c.excuses()
	if !ok {
		return m, nil, false, c.excuseReply(ctx, textExcuseNoStore)
	}
	return m, st, true, nil
}

// excuseReply answers a tap with a toast, a command with a message.
func (c *conv) excuseReply(ctx context.Context, text string) error {
	if c.ev.Kind == KindCallback {
		c.callbackText = text
		return nil
	}
	return c.say(ctx, text)
}

// excuseRound finds the round a head records reasons for: the one named (it
// must belong to the current contest and have opened), or by default the
// open round, else the one that closed last.
func (c *conv) excuseRound(ctx context.Context, st ExcuseStore, roundID int64) (quiz.Contest, quiz.Round, bool, error) {
	now := c.quiz.Now()
	contest, err := st.CurrentContest(ctx, now)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return contest, quiz.Round{}, false, nil
	}
	if err != nil {
		return contest, quiz.Round{}, false, err
	}
	if roundID != 0 {
		for _, r := range contest.Rounds {
			if r.ID == roundID && !now.Before(r.OpensAt) {
				return contest, r, true, nil
			}
		}
		return contest, quiz.Round{}, false, nil
	}
	if r, ok := contest.RoundAt(now); ok {
		return contest, r, true, nil
	}
	var last quiz.Round
	found := false
	for _, r := range contest.Rounds {
		if !r.ClosesAt.After(now) && (!found || r.ClosesAt.After(last.ClosesAt)) {
			last, found = r, true
		}
	}
	return contest, last, found, nil
}

// excuseCmd is /lydo.
func (c *conv) excuseCmd(ctx context.Context) error {
	head, st, ok, err := c.excuseHead(ctx)
	if !ok || err != nil {
		return err
	}
	return c.excuseList(ctx, head, st, 0, 0, false)
}

// excuseCallback handles every /lydo button.
func (c *conv) excuseCallback(ctx context.Context) error {
	kind, ids, ok := parseExcuseData(c.ev.Callback.Data)
	if !ok {
		c.callbackText = "Nút này không còn hiệu lực."
		return nil
	}
	head, st, ok, err := c.excuseHead(ctx)
	if !ok || err != nil {
		return err
	}
	switch kind {
	case "xl":
		return c.excuseList(ctx, head, st, ids[0], 0, false)
	case "xp":
		return c.excuseList(ctx, head, st, ids[0], int(min(ids[1], 1000)), true)
	case "xm":
		return c.excuseAsk(ctx, head, st, ids[0], ids[1])
	default:
		return c.excuseRecordPreset(ctx, head, st, ids[0], ids[1], ids[2])
	}
}

// excuseList shows a page of the head's unit's absentees, a button each.
func (c *conv) excuseList(ctx context.Context, head quiz.Member, st ExcuseStore, roundID int64, page int, edit bool) error {
	_, round, ok, err := c.excuseRound(ctx, st, roundID)
	if err != nil {
		return err
	}
	if !ok {
		return c.excuseReply(ctx, textExcuseNoRound)
	}
	ms, reasons, err := st.ExcuseCandidates(ctx, round.ID, head.UnitID, c.quiz.Now())
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "📝 Lý do vắng – Đợt %d – %s\n", round.Number, field(head.UnitName))
	if len(ms) == 0 {
		b.WriteString("\n✅ Tất cả cán bộ của đơn vị đã tham gia đợt này.")
		return c.excuseShow(ctx, Message{Text: b.String()}, edit)
	}
	fmt.Fprintf(&b, "Chưa dự thi: %d người, đã có lý do: %d.\nBấm vào tên để ghi nhận hoặc sửa lý do.\n", len(ms), len(reasons))
	per := c.excusesPerPage(len(ms))
	pages := (len(ms) + per - 1) / per
	page = min(max(page, 0), pages-1)
	from, to := page*per, min((page+1)*per, len(ms))
	var rows [][]Button
	for i := from; i < to; i++ {
		m := ms[i]
		reason := reasons[m.ID]
		if reason == "" {
			reason = "chưa có lý do"
		}
		fmt.Fprintf(&b, "\n%d. %s – %s", i+1, field(m.FullName), reason)
		label := fmt.Sprintf("%d. %s", i+1, Clip(m.FullName, 60))
		if reasons[m.ID] != "" {
			label = "✓ " + label
		}
		rows = append(rows, []Button{{Text: label, Data: fmt.Sprintf("xm:%d:%d", round.ID, m.ID)}})
	}
	var nav []Button
	if page > 0 {
		nav = append(nav, Button{Text: "◀️ Trước", Data: fmt.Sprintf("xp:%d:%d", round.ID, page-1)})
	}
	if page < pages-1 {
		nav = append(nav, Button{Text: "Sau ▶️", Data: fmt.Sprintf("xp:%d:%d", round.ID, page+1)})
	}
	if len(nav) > 0 {
		fmt.Fprintf(&b, "\n\nTrang %d/%d", page+1, pages)
		rows = append(rows, nav)
	}
	return c.excuseShow(ctx, Message{Text: clip(b.String()), Buttons: rows}, edit)
}

// excusesPerPage is how many of n absentees a page lists: where one
// message carries fewer buttons than a page and its turns (Zalo's 5), all
// when they fit, else fewer, leaving room for the turns.
func (c *conv) excusesPerPage(n int) int {
	b := c.caps().Buttons
	switch {
	case b >= excusesPerPage+2:
		return excusesPerPage
	case n <= b:
		return max(n, 1)
	}
	return max(1, b-2)
}

// excuseShow replaces the message whose button was tapped when asked to (a
// page turn), else sends a new one.
func (c *conv) excuseShow(ctx context.Context, m Message, edit bool) error {
	if edit && c.caps().Edit && c.ev.Kind == KindCallback && c.ev.Callback.MessageID != "" {
		if err := c.out.Edit(ctx, c.ev.ChatID, c.ev.Callback.MessageID, m); err == nil {
			return nil
		}
	}
	_, err := c.send(ctx, m)
	return err
}

// excuseMember finds an absentee of the head's unit in the round.
func (c *conv) excuseMember(ctx context.Context, head quiz.Member, st ExcuseStore, roundID, memberID int64) (quiz.Round, quiz.Member, bool, error) {
	_, round, ok, err := c.excuseRound(ctx, st, roundID)
	if err != nil || !ok {
		return round, quiz.Member{}, false, err
	}
	ms, _, err := st.ExcuseCandidates(ctx, round.ID, head.UnitID, c.quiz.Now())
	if err != nil {
		return round, quiz.Member{}, false, err
	}
	for _, m := range ms {
		if m.ID == memberID {
			return round, m, true, nil
		}
	}
	return round, quiz.Member{}, false, nil
}

// excuseAsk offers the reasons for one absentee.
func (c *conv) excuseAsk(ctx context.Context, head quiz.Member, st ExcuseStore, roundID, memberID int64) error {
	round, m, ok, err := c.excuseMember(ctx, head, st, roundID, memberID)
	if err != nil {
		return err
	}
	if !ok {
		return c.excuseReply(ctx, textExcuseNotFound)
	}
	data := func(code int64) string { return fmt.Sprintf("xr:%d:%d:%d", round.ID, m.ID, code) }
	who := field(m.FullName)
	if m.Position != "" {
		who += " – " + field(m.Position)
	}
	_, err = c.send(ctx, Message{
		Text: fmt.Sprintf("Lý do %s không tham gia Đợt %d:", who, round.Number),
		Buttons: [][]Button{
			{{Text: presetReasons[1], Data: data(1)}, {Text: presetReasons[2], Data: data(2)}},
			{{Text: presetReasons[3], Data: data(3)}, {Text: "Lý do khác", Data: data(reasonOther)}},
			{{Text: "◀️ Danh sách", Data: fmt.Sprintf("xl:%d", round.ID)}},
		},
	})
	return err
}

// excuseRecordPreset records a tapped reason, or asks for a typed one.
func (c *conv) excuseRecordPreset(ctx context.Context, head quiz.Member, st ExcuseStore, roundID, memberID, code int64) error {
	round, m, ok, err := c.excuseMember(ctx, head, st, roundID, memberID)
	if err != nil {
		return err
	}
	if !ok {
		return c.excuseReply(ctx, textExcuseNotFound)
	}
	if code == reasonOther {
		// One typed input awaited at a time, and the quiz's comes first:
		// a reason typed now could be taken for an answer or the
		// prediction, or the other way round.
		busy, err := c.quizAwaits(ctx, head)
		if err != nil {
			return err
		}
		if busy {
			return c.say(ctx, textExcuseQuizFirst)
		}
		if err := st.SetExcusePrompt(ctx, head.ID, round.ID, m.ID, c.quiz.Now().Add(excusePromptTTL)); err != nil {
			return err
		}
		return c.say(ctx, fmt.Sprintf("Anh/chị nhập lý do %s không tham gia Đợt %d (tối đa 200 ký tự):", field(m.FullName), round.Number))
	}
	reason, ok := presetReasons[code]
	if !ok {
		c.callbackText = "Nút này không còn hiệu lực."
		return nil
	}
	return c.excuseRecord(ctx, head, st, round, m.ID, reason)
}

func (c *conv) excuseRecord(ctx context.Context, head quiz.Member, st ExcuseStore, round quiz.Round, memberID int64, reason string) error {
	// A typed reason comes here without excuseHead: confirm the head (free
	// when excuseHead did it in this event).
	head, err := c.quiz.Confirm(ctx, head)
	if err != nil {
		return c.fail(ctx, err)
	}
	if head.Role != quiz.RoleHead {
		return c.excuseReply(ctx, textExcuseHeadsOnly)
	}
	m, err := st.RecordExcuse(ctx, round.ID, memberID, head.UnitID, reason, head.ID)
	if err != nil {
		return c.fail(ctx, err)
	}
	c.log.Info("excuse recorded", "head", head.ID, "member", m.ID, "round", round.ID)
	if c.ev.Kind == KindCallback {
		c.callbackText = "Đã ghi nhận."
	}
	_, err = c.send(ctx, Message{
		Text:    fmt.Sprintf("✅ Đã ghi nhận lý do vắng Đợt %d: %s – %s.", round.Number, field(m.FullName), reason),
		Buttons: [][]Button{{{Text: "◀️ Danh sách", Data: fmt.Sprintf("xl:%d", round.ID)}}},
	})
	return err
}

// excuseText takes a head's typed reason after "Lý do khác". handled is
// false when no reason was awaited: the text is for someone else.
func (c *conv) excuseText(ctx context.Context, m quiz.Member) (handled bool, err error) {
	if m.Role != quiz.RoleHead {
		return false, nil
	}
	st, ok := c.excuses()
	if !ok {
		return false, nil
	}
	now := c.quiz.Now()
	// One round trip takes the prompt when there is one; the paths that do
	// not use it put it back. A failure here leaves unknown whether the
	// text is the reason awaited: the event fails (and is delivered again)
	// rather than go to Handle, which would take the reason for an
	// ordinary text (handled false would drop the error too).
	roundID, memberID, ok, err := st.TakeExcusePrompt(ctx, m.ID, now)
	if err != nil {
		return true, err
	}
	if !ok {
		return false, nil
	}
	// The quiz's prompt wins: the text is the head's own answer or
	// prediction, and the reason awaited is dropped (taken already).
	busy, err := c.quizAwaits(ctx, m)
	if err != nil {
		return true, keepExcusePrompt(ctx, st, m.ID, roundID, memberID, now, err)
	}
	if busy {
		c.log.Info("excuse prompt dropped: the quiz awaits the head's input", "head", m.ID)
		if err := c.say(ctx, textExcuseDropped); err != nil {
			return true, err // delivered again, the text goes to the quiz
		}
		return false, nil
	}
	reason := strings.TrimSpace(c.ev.Text)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		// Ask again rather than lose the head's place.
		if err := st.SetExcusePrompt(ctx, m.ID, roundID, memberID, now.Add(excusePromptTTL)); err != nil {
			return true, err
		}
		return true, c.say(ctx, "Lý do cần từ 1 đến 200 ký tự. Anh/chị vui lòng nhập lại:")
	}
	// The prompt is taken: a failure from here puts it back, so that the
	// event delivered again still finds the reason awaited.
	round, _, found, err := c.excuseMember(ctx, m, st, roundID, memberID)
	if err != nil {
		return true, keepExcusePrompt(ctx, st, m.ID, roundID, memberID, now, err)
	}
	if !found {
		return true, c.say(ctx, textExcuseNotFound)
	}
	if err := c.excuseRecord(ctx, m, st, round, memberID, reason); err != nil {
		return true, keepExcusePrompt(ctx, st, m.ID, roundID, memberID, now, err)
	}
	return true, nil
}

// quizAwaits reports whether the member's quiz awaits their input: a
// question of an attempt in progress, or the prediction.
func (c *conv) quizAwaits(ctx context.Context, m quiz.Member) (bool, error) {
	_, waiting, err := c.quiz.AwaitingPrediction(ctx, m)
	if err != nil || waiting {
		return waiting, err
	}
	_, err = c.quiz.Current(ctx, m)
	switch code := quiz.ErrorCode(err); {
	case err == nil:
		return true, nil
	case code == quiz.EINTERNAL:
		return false, err
	}
	return false, nil // no attempt in progress
}

// dropExcusePrompt forgets a reason the head was about to type, when the
// quiz starts asking for their input (an attempt starts, the prediction is
// asked), and tells them in one line. It only logs its failures: what the
// quiz shows next matters more.
func (c *conv) dropExcusePrompt(ctx context.Context, m quiz.Member) {
	if m.Role != quiz.RoleHead {
		return
	}
	st, ok := c.excuses()
	if !ok {
		return
	}
	_, _, dropped, err := st.TakeExcusePrompt(ctx, m.ID, c.quiz.Now())
	if err != nil {
		c.log.Warn("drop excuse prompt", "head", m.ID, "err", err)
		return
	}
	if dropped {
		if err := c.say(ctx, textExcuseDropped); err != nil {
			c.log.Warn("tell excuse prompt dropped", "head", m.ID, "err", err)
		}
	}
}

// keepExcusePrompt puts back a taken prompt after err, and returns err.
func keepExcusePrompt(ctx context.Context, st ExcuseStore, headID, roundID, memberID int64, now time.Time, err error) error {
	if perr := st.SetExcusePrompt(ctx, headID, roundID, memberID, now.Add(excusePromptTTL)); perr != nil {
		return errors.Join(err, fmt.Errorf("put back the excuse prompt: %w", perr))
	}
	return err
}
