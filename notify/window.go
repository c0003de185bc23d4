package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
)

// WindowedMessenger is a messenger whose platform lets a bot write to a
// person only for a while after that person last wrote to it (Zalo's
// consultation messages: 7 days). notify sends there only to accounts whose
// last inbound time (quiz.InboundRecorder) is within Window; the others get
// a template message by phone (TemplateSender) when it is a reminder and
// one is configured, else the notification is settled unreachable with
// window_closed and their head's card names them.
type WindowedMessenger interface {
	Messenger
	Window() time.Duration
}

// TemplateSender is a windowed messenger that can reach a person outside
// the window by phone with a template approved in advance (Zalo's template
// messages, paid per message): reminders only.
type TemplateSender interface {
	// RemindTemplate reports whether a reminder template is configured.
	RemindTemplate() bool
	// SendRemindTemplate sends it to phone (84 and 9 digits) with the
	// template's parameters (TemplateData).
	SendRemindTemplate(ctx context.Context, phone string, data map[string]string, trackingID string) (string, error)
}

// Quiet hours: no message is sent between QuietFrom and QuietUntil o'clock in
// the contest's time zone, on any platform; what falls due then waits in the
// queue until QuietUntil.
const (
	QuietFrom  = 22
	QuietUntil = 6
)

// QuietEnd reports whether t falls in the quiet hours of loc, and when they
// end (QuietUntil o'clock that morning).
func QuietEnd(t time.Time, loc *time.Location) (time.Time, bool) {
	l := t.In(loc)
	switch h := l.Hour(); {
	case h >= QuietFrom:
		d := l.AddDate(0, 0, 1)
		return time.Date(d.Year(), d.Month(), d.Day(), QuietUntil, 0, 0, 0, loc), true
	case h < QuietUntil:
		return time.Date(l.Year(), l.Month(), l.Day(), QuietUntil, 0, 0, 0, loc), true
	}
	return time.Time{}, false
}

// The parameters a reminder template must declare (README, "Zalo
// template"): the member's name, the contest, the round's number and its
// deadline.
const (
	ParamName     = "ten"
	ParamContest  = "cuoc_thi"
	ParamRound    = "dot_thi"
	ParamDeadline = "han_chot"
)

// templateParamMax bounds a parameter's value: Zalo limits each parameter
// of a template (the limit depends on the parameter's type; 100 fits the
// usual text types' and is checked again by Zalo).
const templateParamMax = 100

// TemplateData is the reminder template's parameters for a member.
func TemplateData(c quiz.Contest, r quiz.Round, fullName string) map[string]string {
	return map[string]string{
		ParamName:     outbound.Clip(fullName, templateParamMax),
		ParamContest:  outbound.Clip(c.Name, templateParamMax),
		ParamRound:    strconv.Itoa(r.Number),
		ParamDeadline: r.ClosesAt.In(c.Location()).Format("15:04 02/01/2006"),
	}
}

// templatePhone turns a roster phone (0 and 9 digits) into Zalo's 84 form.
func templatePhone(phone string) (string, bool) {
	if len(phone) != 10 || phone[0] != '0' || strings.Trim(phone, "0123456789") != "" {
		return "", false
	}
	return "84" + phone[1:], true
}

// inWindow reports whether the account wrote within window before now.
func inWindow(lastInbound *time.Time, window time.Duration, now time.Time) bool {
	return lastInbound != nil && now.Sub(*lastInbound) <= window
}

// template is how a notification reaches someone outside the window: the
// messenger's template, to the member's phone in Zalo's 84 form.
type template struct {
	ts    TemplateSender
	phone string
}

// reachByTemplate reports whether a notification that cannot go as a
// message goes as a template: a reminder, on a messenger with a reminder
// template configured, to a phone that can take one; why not otherwise.
func reachByTemplate(m Messenger, c Claimed) (template, bool, string) {
	ts, ok := m.(TemplateSender)
	switch {
	case c.Kind != KindRemind && c.Kind != KindLastCall:
		return template{}, false, "only reminders go by template message"
	case !ok || !ts.RemindTemplate():
		return template{}, false, "no reminder template is configured"
	}
	phone, ok := templatePhone(c.Phone)
	if !ok {
		return template{}, false, "their phone " + quiz.MaskPhone(c.Phone) + " cannot take a template message"
	}
	return template{ts: ts, phone: phone}, true, ""
}

// templateOrSettle returns the template that reaches c outside the reply
// window (why), or settles c and returns false.
func (s *Sender) templateOrSettle(ctx context.Context, p quiz.Platform, m Messenger, c Claimed, parts int, why string) (template, bool) {
	tmpl, ok, not := reachByTemplate(m, c)
	if !ok {
		s.settleWindow(ctx, p, c, parts, why+"; "+not)
	}
	return tmpl, ok
}

func windowReason(p quiz.Platform, window time.Duration, c Claimed) string {
	last := "never"
	if c.LastInbound != nil {
		last = c.LastInbound.UTC().Format(time.RFC3339)
	}
	return fmt.Sprintf("outside %s's %s reply window (their last message: %s)", p, window, last)
}

// settleWindow settles a notification that cannot reach the account now.
func (s *Sender) settleWindow(ctx context.Context, p quiz.Platform, c Claimed, parts int, reason string) {
	rctx, cancel := record(ctx)
	defer cancel()
	defer s.signal()
	s.log.Info("notify: outside the reply window, not sent", "platform", p, "member", c.MemberID.Int64, "kind", c.Kind, "reason", reason)
	if _, err := s.db.SettleWindowClosed(rctx, c, parts, clip(reason)); err != nil {
		s.log.Error("notify: record window closed", "id", c.ID, "err", err)
	}
	s.count(c, OutcomeUnreachable)
}

// sendTemplate sends a reminder as a template message by phone, to someone
// outside the window. The caller has taken the rate slot.
func (s *Sender) sendTemplate(ctx context.Context, p quiz.Platform, tmpl template, c Claimed, why string) {
	contest, round, err := s.cache.get(ctx, c.RoundID.Int64)
	if err != nil {
		s.retry(ctx, c, c.PartsSent, fmt.Errorf("prepare template message: %w", err))
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.SendTimeout)
	_, err = tmpl.ts.SendRemindTemplate(sctx, tmpl.phone, TemplateData(contest, round, c.FullName), "qb-n"+strconv.FormatInt(c.ID, 10))
	cancel()
	var rl *outbound.RateLimitError
	switch {
	case err == nil:
		rctx, cancel := record(ctx)
		defer cancel()
		defer s.signal()
		if _, err := s.db.MarkSent(rctx, c, 1); err != nil {
			s.log.Error("notify: record sent", "id", c.ID, "err", err)
			return
		}
		s.log.Info("notify: sent as a template message by phone", "platform", p, "member", c.MemberID.Int64,
			"phone", quiz.MaskPhone(c.Phone), "kind", c.Kind, "why", why)
		s.count(c, OutcomeSent)
	case errors.As(err, &rl):
		s.sendFailed(ctx, p, c, c.PartsSent, err)
	case errors.Is(err, outbound.ErrRejected), errors.Is(err, outbound.ErrUnreachable):
		s.settleWindow(ctx, p, c, c.PartsSent, why+"; the template message failed: "+err.Error())
	default:
		s.retry(ctx, c, c.PartsSent, fmt.Errorf("template message: %w", err))
	}
}
