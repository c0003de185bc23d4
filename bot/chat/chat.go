// Package chat is the conversation every platform shares: it turns what a
// person does in a chat (a command, a shared contact, a button tap, a typed
// answer) into calls to the quiz service, and the results into Vietnamese
// messages. Telegram, Zalo and the local web chat only translate to and from
// it, so the flow, texts and rules are the same everywhere.
package chat

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
)

// Kind says what a person did.
type Kind int

const (
	KindText     Kind = iota // typed text, including menu buttons
	KindCommand              // /start, /thi…
	KindContact              // shared a phone number
	KindCallback             // tapped an inline button
	KindFollow               // started following the bot's account (Zalo OA)
	KindUnfollow             // stopped following it: cannot be messaged
	KindFile                 // sent a file or a video (File; entries.go)
)

// Event is one thing a person did, in platform-neutral terms.
type Event struct {
	Platform quiz.Platform
	UserID   string // the platform's id of the person
	ChatID   string // where replies go
	Private  bool   // a one-to-one chat with the bot
	Name     string // the person's display name, for greeting strangers
	Kind     Kind
	Text     string // KindText
	Command  string // KindCommand, lower case without slash or bot name
	Args     string
	Contact  *Contact
	Callback *Callback
	// MessageSeq numbers the person's message where the platform numbers
	// a chat's messages in one sequence for both sides (Telegram), so that
	// a letter typed before the live question was sent (sent twice, say) is
	// not taken for its answer; 0 elsewhere.
	MessageSeq int64
	File       *FileRef // KindFile
}

// Contact is a shared phone number. UserID is the platform id of the
// contact's owner, empty when unknown.
type Contact struct {
	Phone  string
	UserID string
}

// Callback is an inline button tap.
type Callback struct {
	ID        string
	Data      string
	MessageID string
}

// Message, Button and Document are outbound's: what the bot says, in
// the terms every adapter renders and notify speaks too.
type (
	Message  = outbound.Message
	Button   = outbound.Button
	Document = outbound.Document
)

// Messenger delivers messages on one platform.
type Messenger interface {
	Send(ctx context.Context, chatID string, m Message) (messageID string, err error)
	// Edit replaces a message's text and inline buttons; an edit to the
	// same content is not an error.
	Edit(ctx context.Context, chatID, messageID string, m Message) error
	// AnswerCallback stops the button's spinner, with a short text or none.
	AnswerCallback(ctx context.Context, callbackID, text string) error
}

// Bot holds the conversation.
type Bot struct {
	quiz       *quiz.Service
	identities ChatResolver
	messengers map[quiz.Platform]Messenger
	log        *slog.Logger
	rate       RateLimit     // per account (LimitRate); none when zero
	counter    EventCounter  // counts events for rate when no pipeline did
	verify     VerifyMode    // how people verify (activate.go)
	inbound    inbound       // Receive's ledger and claims (ledger.go)
	console    ConsoleLinker // the web console's links; nil when off (console.go)
	entries    *entryDesk    // /nopbai (entries.go); nil: off
}

// New returns the conversation over the quiz service.
func New(svc *quiz.Service, identities ChatResolver, log *slog.Logger) *Bot {
	return &Bot{quiz: svc, identities: identities, messengers: make(map[quiz.Platform]Messenger), log: log}
}

// Attach makes the bot reply on platform p through m.
func (b *Bot) Attach(p quiz.Platform, m Messenger) { b.messengers[p] = m }

// Callback data: "s:<round>" starts an attempt, "a:<attempt>:<pos>:<letter>"
// answers. Both stay far below Telegram's 64 bytes.
func startData(roundID int64) string { return "s:" + strconv.FormatInt(roundID, 10) }
func answerData(attemptID int64, pos, letter int) string {
	return fmt.Sprintf("a:%d:%d:%d", attemptID, pos, letter)
}

// ParseCommand splits a command message, "/start@quizbot abc", into the
// command in lower case ("start") and its arguments ("abc"), for every
// platform.
func ParseCommand(text string) (cmd, args string) {
	word, rest, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	word, _, _ = strings.Cut(word, "@")
	return strings.ToLower(word), strings.TrimSpace(rest)
}

// ParseCallback decodes callback data; ok is false for anything else.
func ParseCallback(data string) (kind string, ids []int64, ok bool) {
	parts := strings.Split(data, ":")
	switch {
	case len(parts) == 2 && parts[0] == "s":
	case len(parts) == 4 && parts[0] == "a":
	default:
		return "", nil, false
	}
	ids, ok = parseIDs(parts[1:])
	if !ok || (parts[0] == "a" && (ids[1] > 1000 || ids[2] > 5)) {
		return "", nil, false
	}
	return parts[0], ids, true
}

// parseIDs decodes the numbers of callback data, each written the one way
// the bot writes it: decimal digits, no sign, no leading zero, at most 18.
func parseIDs(parts []string) ([]int64, bool) {
	var ids []int64
	for _, p := range parts {
		if p == "" || len(p) > 18 || (len(p) > 1 && p[0] == '0') || strings.Trim(p, "0123456789") != "" {
			return nil, false
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, false
		}
		ids = append(ids, n)
	}
	return ids, true
}

type redeliveredKey struct{}

// Redelivered marks ctx as handling an event the platform delivers again
// after its earlier handling failed part-way: what the person already did
// stands, and what they should have been shown is shown again.
func Redelivered(ctx context.Context) context.Context {
	return context.WithValue(ctx, redeliveredKey{}, true)
}

func isRedelivered(ctx context.Context) bool {
	v, _ := ctx.Value(redeliveredKey{}).(bool)
	return v
}

// Handle processes one event. It returns an error only for failures worth a
// retry (the platform re-delivers the event); what the person did wrong is
// answered in chat and is not an error.
func (b *Bot) Handle(ctx context.Context, ev Event) error {
	out, ok := b.messengers[ev.Platform]
	if !ok {
		return fmt.Errorf("no messenger for platform %s", ev.Platform)
	}
	if over, err := b.overRate(ctx, ev, out); over {
		return b.settle(ev, err)
	}
	if handled, err := b.notPrivate(ctx, ev, out); handled {
		return b.settle(ev, err)
	}
	ctx = quiz.WithEvent(ctx)
	// /lydo and the rest share the event (WithEvent), so that the person
	// is identified once however the event is routed.
	if handled, err := b.HandleExcuse(ctx, ev); handled {
		return b.settle(ev, err)
	}
	if handled, err := b.handleEntry(ctx, ev); handled {
		return b.settle(ev, err)
	}
	c := &conv{Bot: b, ev: ev, out: out}
	var err error
	switch ev.Kind {
	case KindCommand:
		err = c.command(ctx)
	case KindContact:
		err = c.contact(ctx)
	case KindCallback:
		err = c.callback(ctx)
	case KindFollow:
		err = c.start(ctx) // greets, and asks a stranger to verify
	case KindUnfollow:
		err = c.unfollow(ctx)
	default:
		err = c.text(ctx)
	}
	err = c.finishTap(ctx, err)
	return b.settle(ev, err)
}

// conv is one event being handled.
type conv struct {
	*Bot
	ev           Event
	out          Messenger
	answered     bool
	callbackText string
	sent         int // messages sent for the event
}

// send sends m, in several messages when its text is over the platform's
// limit; the id is the last one's, which carries the buttons.
func (c *conv) send(ctx context.Context, m Message) (string, error) {
	if !c.caps().Menu {
		// No menu to show or take away: the texts say the commands.
		m.Menu, m.RemoveMenu = nil, false
	}
	var id string
	for _, part := range fit(m, textLimit(c.out)) {
		var err error
		if id, err = c.out.Send(ctx, c.ev.ChatID, part); err != nil {
			return "", fmt.Errorf("send to %s chat: %w", c.ev.Platform, err)
		}
		c.sent++
	}
	return id, nil
}

func (c *conv) say(ctx context.Context, text string) error {
	_, err := c.send(ctx, Message{Text: text})
	return err
}

// fail answers a domain error in chat and swallows it; internal errors are
// returned for a retry.
func (c *conv) fail(ctx context.Context, err error) error {
	if quiz.ErrorCode(err) == quiz.EINTERNAL {
		var e *quiz.Error
		if errors.As(err, &e) && e.Message != "" {
			// An internal problem with a message for the person (e.g. an
			// empty question bank): tell them, log it, don't retry.
			c.log.Error("quiz", "platform", c.ev.Platform, "err", err)
			return c.say(ctx, e.Message)
		}
		return err
	}
	if c.ev.Kind == KindCallback {
		c.callbackText = quiz.ErrorMessage(err)
		return nil
	}
	return c.say(ctx, quiz.ErrorMessage(err))
}

// member identifies the person; ok is false when they are not verified (and
// have been told how to verify).
func (c *conv) member(ctx context.Context) (quiz.Member, bool, error) {
	m, err := c.quiz.Identify(ctx, c.ev.Platform, c.ev.UserID)
	switch quiz.ErrorCode(err) {
	case "":
		return m, true, nil
	case quiz.ENOTFOUND:
		if c.ev.Kind == KindCallback {
			c.callbackText = "Anh/chị chưa xác thực. Bấm /start để bắt đầu."
			return m, false, nil
		}
		return m, false, c.askContact(ctx, textNeedVerify)
	case quiz.EFORBIDDEN:
		return m, false, c.fail(ctx, err)
	default:
		return m, false, err
	}
}

func (c *conv) askContact(ctx context.Context, text string) error {
	if !c.ev.Private {
		return c.say(ctx, textPrivateOnly)
	}
	_, err := c.send(ctx, c.verifyPrompt(text))
	return err
}

func (c *conv) command(ctx context.Context) error {
	switch c.ev.Command {
	case "start":
		return c.start(ctx)
	case "thi":
		return c.quizCmd(ctx)
	case "thongke":
		return c.stats(ctx)
	case "huongdan", "help":
		return c.help(ctx)
	case "kichhoat":
		return c.activate(ctx, c.ev.Args)
	case "menu":
		return c.menuCmd(ctx)
	case "ketqua":
		return c.resultsCmd(ctx)
	case "donvi":
		return c.unitCmd(ctx)
	case "quantri":
		return c.consoleCmd(ctx)
	default:
		return c.say(ctx, textUnknown)
	}
}

func (c *conv) text(ctx context.Context) error {
	switch strings.TrimSpace(c.ev.Text) {
	case menuQuiz:
		return c.quizCmd(ctx)
	case menuHelp:
		return c.help(ctx)
	case menuStats:
		return c.stats(ctx)
	case menuUnit:
		return c.unitCmd(ctx)
	case menuConsole:
		return c.consoleCmd(ctx)
	}
	if handled, err := c.typedCode(ctx); handled {
		return err
	}
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	question, by, waiting, err := c.quiz.PredictionDue(ctx, m)
	if err != nil {
		return c.fail(ctx, err)
	}
	if waiting {
		a, reveal, err := c.quiz.Predict(ctx, m, c.ev.Text)
		if quiz.ErrorCode(err) == quiz.EINVALID {
			return c.say(ctx, quiz.ErrorMessage(err)+"\n\n"+predictionText(question, by.Sub(c.quiz.Now())))
		}
		if errors.Is(err, quiz.ErrPredictionLate) {
			return c.latePrediction(ctx, m, a, reveal)
		}
		if err != nil && !errors.Is(err, quiz.ErrNoPrediction) {
			return c.fail(ctx, err)
		}
		if err == nil {
			return c.result(ctx, m, a, reveal)
		}
		// No prediction awaited after all (the session was an old copy):
		// an ordinary text.
	}
	if handled, err := c.typedDuringQuiz(ctx, m); handled || err != nil {
		return err
	}
	if _, err := quiz.ParsePrediction(c.ev.Text); err == nil {
		// A number after the prediction's time: say so, with the result.
		a, reveal, missed, err := c.quiz.MissedPrediction(ctx, m)
		if err != nil && quiz.ErrorCode(err) != quiz.ENOTFOUND {
			return c.fail(ctx, err)
		}
		if missed {
			return c.latePrediction(ctx, m, a, reveal)
		}
	}
	_, err = c.send(ctx, Message{Text: c.unknownText(), Menu: menuFor(m)})
	return err
}

// typedDuringQuiz takes a text typed while a question is live: a letter of
// its options is the answer, exactly as the button's tap would be; any
// other text is told which question runs and how to answer it. handled is
// false when no question is live.
func (c *conv) typedDuringQuiz(ctx context.Context, m quiz.Member) (handled bool, err error) {
	v, err := c.quiz.Current(ctx, m)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return false, nil
	}
	if err != nil {
		return true, c.fail(ctx, err)
	}
	if letter, ok := ParseLetter(c.ev.Text); ok && letter < len(v.Options) && !c.typedBefore(v) {
		return true, c.answer(ctx, m, v.AttemptID, v.Pos, letter)
	}
	if v.Left <= 0 {
		// The time ran out unnoticed: /thi submits the attempt and says so.
		return true, c.quizCmd(ctx)
	}
	return true, c.showLive(ctx, m, v)
}

// typedBefore reports whether the person's message is older than the one
// showing v: it answered an earlier question, or nothing. A tap carries its
// question in its data; this is a typed letter's equivalent.
func (c *conv) typedBefore(v quiz.View) bool {
	shown, err := strconv.ParseInt(v.MessageID, 10, 64)
	return c.ev.MessageSeq > 0 && err == nil && c.ev.MessageSeq < shown
}

// showLive shows the member the live question of their attempt again: a
// note pointing at the message that shows it, or, when no such message is
// known (the session was rebuilt), the question itself.
//
// Why a pointer and not the question moved down (the old copy edited
// without its buttons, a fresh copy sent): the pointer needs no edit, so it
// works the same on a platform that cannot edit messages (Zalo), where a
// moved question would leave a second copy with live buttons; and on a
// phone it lands right under the question it points at (a repeat comes
// from a double tap or from /thi, with at most short notes in between),
// with the time actually left, which the question's own line stopped
// counting when it was sent.
func (c *conv) showLive(ctx context.Context, m quiz.Member, v quiz.View) error {
	if _, ok := c.shownHere(v); !ok {
		// Not on screen here: not yet shown, or shown in another app.
		if err := c.say(ctx, textResume); err != nil {
			return err
		}
		return c.sendQuestion(ctx, m, v)
	}
	return c.say(ctx, c.liveNote(v))
}

// latePrediction tells the member their prediction came too late, with
// the attempt's result.
func (c *conv) latePrediction(ctx context.Context, m quiz.Member, a quiz.Attempt, reveal bool) error {
	_, err := c.send(ctx, Message{Text: textPredictionLate + "\n\n" + resultText(a, reveal), Menu: menuFor(m)})
	return err
}

func (c *conv) start(ctx context.Context) error {
	m, err := c.quiz.Welcome(ctx, c.ev.Platform, c.ev.UserID)
	switch quiz.ErrorCode(err) {
	case "":
		_, err = c.send(ctx, Message{Text: c.welcomeBackText(m), Menu: menuFor(m)})
		return err
	case quiz.ENOTFOUND:
		return c.askContact(ctx, textWelcome)
	case quiz.EFORBIDDEN:
		return c.fail(ctx, err)
	default:
		return err
	}
}

func (c *conv) contact(ctx context.Context) error {
	ct := c.ev.Contact
	if refused, err := c.refuseContact(ctx); refused {
		return err
	}
	if ct.UserID == "" || ct.UserID != c.ev.UserID {
		// A forwarded or typed contact: only one's own number verifies.
		return c.askContact(ctx, textNotOwnContact)
	}
	m, err := c.quiz.Verify(ctx, c.ev.Platform, c.ev.UserID, c.ev.ChatID, ct.Phone)
	if err != nil {
		if quiz.ErrorCode(err) == quiz.EINTERNAL {
			return err
		}
		c.log.Info("verification refused", "platform", c.ev.Platform, "phone", quiz.MaskPhone(ct.Phone), "reason", quiz.ErrorCode(err))
		_, serr := c.send(ctx, Message{Text: quiz.ErrorMessage(err), RemoveMenu: true})
		return serr
	}
	c.log.Info("member verified", "platform", c.ev.Platform, "member", m.ID, "phone", quiz.MaskPhone(m.Phone))
	_, err = c.send(ctx, Message{Text: c.verifiedText(m), Menu: menuFor(m)})
	return err
}

func (c *conv) quizCmd(ctx context.Context) error {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	if q, by, waiting, err := c.quiz.PredictionDue(ctx, m); err == nil && waiting {
		return c.say(ctx, predictionText(q, by.Sub(c.quiz.Now())))
	}
	st, err := c.quiz.Status(ctx, m)
	if err != nil {
		return c.fail(ctx, err)
	}
	// predictionLeft is how long attempt a's prediction is still accepted.
	predictionLeft := func(a *quiz.Attempt) (time.Duration, bool) {
		if st.Contest.Prediction == "" || a.Prediction != nil {
			return 0, false
		}
		left := st.Contest.PredictionDeadline(*a).Sub(c.quiz.Now())
		return left, left > 0
	}
	if a := st.Expired; a != nil {
		if left, ok := predictionLeft(a); ok {
			return c.say(ctx, textTimeUp+"\n\n"+predictionText(st.Contest.Prediction, left))
		}
		return c.result(ctx, m, *a, st.Contest.Reveal == quiz.RevealImmediately)
	}
	if a := st.Finished; a != nil {
		// Every answer was in but the submission had been interrupted.
		if left, ok := predictionLeft(a); ok {
			return c.say(ctx, predictionText(st.Contest.Prediction, left))
		}
		return c.result(ctx, m, *a, st.Contest.Reveal == quiz.RevealImmediately)
	}
	switch {
	case st.Over:
		return c.say(ctx, contestOver(st.Contest))
	case st.Round == nil && st.Next != nil:
		return c.say(ctx, nextRound(st.Contest, *st.Next))
	case st.Open != nil:
		v, err := c.quiz.Current(ctx, m)
		if err != nil {
			return c.fail(ctx, err)
		}
		return c.showLive(ctx, m, v)
	case st.Left <= 0 && st.Best != nil:
		return c.say(ctx, alreadyDone(st))
	}
	_, err = c.send(ctx, Message{Text: rules(st),
		Buttons: [][]Button{{{Text: buttonStart, Data: startData(st.Round.ID)}}}})
	return err
}

func (c *conv) sendQuestion(ctx context.Context, m quiz.Member, v quiz.View) error {
	return c.sendQuestionAfter(ctx, m, v, "")
}

// sendQuestionAfter sends question v with the verdict of the previous
// answer on its last line (where that question could not be edited).
func (c *conv) sendQuestionAfter(ctx context.Context, m quiz.Member, v quiz.View, verdict string) error {
	id, err := c.send(ctx, c.question(v, verdict))
	if err != nil {
		return err
	}
	if err := c.quiz.SetMessage(ctx, m, v, shownID(c.ev.Platform, id)); err != nil {
		c.log.Warn("remember question message", "err", err)
	}
	return nil
}

func (c *conv) callback(ctx context.Context) error {
	kind, ids, ok := ParseCallback(c.ev.Callback.Data)
	if !ok {
		c.callbackText = "Nút này không còn hiệu lực."
		return nil
	}
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	switch kind {
	case "s":
		v, err := c.quiz.Start(ctx, m, ids[0], c.ev.Platform)
		if err != nil {
			return c.fail(ctx, err)
		}
		c.ackTap(ctx, "")
		if c.ev.Callback.MessageID != "" && c.caps().Edit {
			// Take the start button away so it is not tapped twice.
			if err := c.out.Edit(ctx, c.ev.ChatID, c.ev.Callback.MessageID, Message{Text: textStarted}); err != nil {
				c.log.Warn("edit start message", "err", err)
			}
		}
		c.dropExcusePrompt(ctx, m)
		if v.MessageID != "" {
			// A repeat (a double tap, an old start button): the attempt
			// runs, and its question is on screen already.
			return c.showLive(ctx, m, v)
		}
		return c.sendQuestion(ctx, m, v)
	default:
		return c.answer(ctx, m, ids[0], int(ids[1]), int(ids[2]))
	}
}

func (c *conv) answer(ctx context.Context, m quiz.Member, attemptID int64, pos, letter int) error {
	res, err := c.quiz.Answer(ctx, m, attemptID, pos, letter)
	if err != nil && quiz.ErrorCode(err) == quiz.ECONFLICT && isRedelivered(ctx) {
		// The answer was recorded by the failed first delivery, but what
		// follows it may not have reached the person: show it again.
		return c.resume(ctx, m, quiz.ErrorMessage(err))
	}
	if err != nil {
		return c.fail(ctx, err)
	}
	// A typed letter answers as a tap does, with no spinner to stop.
	msgID, _ := c.shownHere(res.Previous)
	if c.ev.Kind == KindCallback {
		note := textLateTap
		switch {
		case res.Already:
			// Answered before (a delivery that died before showing the
			// next question): the answer on record stands, the live
			// question follows.
			note = "Câu trả lời cho câu này đã được ghi nhận."
		case !res.TimedOut:
			note = "Đã ghi nhận: " + letterOf(letter)
		}
		c.ackTap(ctx, note)
		if c.ev.Callback.MessageID != "" {
			msgID = c.ev.Callback.MessageID
		}
	}
	// The answered question shows the choice, or, where it cannot be
	// edited, the next message does on its last line.
	verdict := ""
	if !c.caps().Edit {
		verdict = verdictLine(res)
	} else if msgID != "" {
		if err := c.out.Edit(ctx, c.ev.ChatID, msgID, answeredMessage(res)); err != nil {
			c.log.Warn("edit answered question", "err", err)
		}
	}
	if res.Next != nil {
		return c.sendQuestionAfter(ctx, m, *res.Next, verdict)
	}
	if res.Predict != "" {
		c.dropExcusePrompt(ctx, m)
		text := predictionText(res.Predict, res.PredictBy.Sub(c.quiz.Now()))
		if res.TimedOut {
			text = textTimeUp + "\n\n" + text
		}
		return c.say(ctx, withLine(text, verdict))
	}
	// A timed-out attempt's result says so itself.
	_, err = c.send(ctx, Message{Text: withLine(resultText(*res.Submitted, res.Reveal), verdict), Menu: menuFor(m)})
	return err
}

// resume shows what comes next in the member's attempt: the current
// question, or the prediction question.
func (c *conv) resume(ctx context.Context, m quiz.Member, note string) error {
	c.callbackText = note
	if v, err := c.quiz.Current(ctx, m); err == nil {
		return c.sendQuestion(ctx, m, v)
	}
	if q, by, waiting, err := c.quiz.PredictionDue(ctx, m); err == nil && waiting {
		return c.say(ctx, predictionText(q, by.Sub(c.quiz.Now())))
	}
	return nil
}

func (c *conv) result(ctx context.Context, m quiz.Member, a quiz.Attempt, reveal bool) error {
	_, err := c.send(ctx, Message{Text: resultText(a, reveal), Menu: menuFor(m)})
	return err
}

func (c *conv) stats(ctx context.Context) error {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	r, ls, err := c.quiz.LiveStats(ctx, m)
	if err != nil {
		return c.fail(ctx, err)
	}
	// send splits it to the messenger's limit.
	return c.say(ctx, statsText(r, ls))
}

func (c *conv) help(ctx context.Context) error {
	m, err := c.quiz.Identify(ctx, c.ev.Platform, c.ev.UserID)
	if err != nil {
		return c.say(ctx, c.helpText())
	}
	_, err = c.send(ctx, Message{Text: c.helpText(), Menu: menuFor(m)})
	return err
}

// SweepExpired submits attempts whose time ran out and tells their members
// at once, without waiting for their next message.
func (b *Bot) SweepExpired(ctx context.Context) error {
	expired, err := b.quiz.SweepExpired(ctx)
	for _, e := range expired {
		// Told where the member was last shown a question: an attempt may
		// go on in another app than the one it started in.
		p, msgID := e.Attempt.Platform, ""
		if q := e.Question; q != nil && q.MessageID != "" {
			if shown, id := shownOn(q.MessageID); b.messengers[shown] != nil {
				p, msgID = shown, id
			}
		}
		out, ok := b.messengers[p]
		if !ok {
			continue
		}
		chatID, cerr := b.chatOf(ctx, e.Attempt.MemberID, p)
		if cerr != nil {
			err = errors.Join(err, cerr)
			continue
		}
		if q := e.Question; q != nil && msgID != "" && CapabilitiesOf(out).Edit {
			// The question on screen loses its buttons: nothing can be
			// answered any more.
			timedOut := answeredMessage(quiz.Answered{Pos: q.Pos, Previous: *q, TimedOut: true})
			if eerr := out.Edit(ctx, chatID, msgID, timedOut); eerr != nil {
				b.log.Warn("edit timed-out question", "platform", e.Attempt.Platform, "err", eerr)
			}
		}
		text := resultText(e.Attempt, e.Reveal) // says the time ran out
		if e.Predict != "" {
			text = textTimeUp + "\n\n" + predictionText(e.Predict, e.PredictBy.Sub(b.quiz.Now()))
		}
		if _, serr := out.Send(ctx, chatID, Message{Text: text}); serr != nil {
			err = errors.Join(err, fmt.Errorf("tell member %d time is up: %w", e.Attempt.MemberID, serr))
		}
	}
	return err
}

// ChatResolver finds where to reach a member on a platform.
type ChatResolver interface {
	IdentityOf(ctx context.Context, memberID int64, p quiz.Platform) (quiz.Identity, error)
}

func (b *Bot) chatOf(ctx context.Context, memberID int64, p quiz.Platform) (string, error) {
	id, err := b.identities.IdentityOf(ctx, memberID, p)
	if err != nil {
		return "", err
	}
	return id.ChatID, nil
}
