package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
)

// The rules every event passes before the conversation proper, the same on
// every platform: an account's rate, private chats only, and failures that
// a retry cannot mend.

// textSlowDown is said once when an account goes over its rate.
const textSlowDown = "Anh/chị thao tác quá nhanh, vui lòng chậm lại và thử lại sau ít giây."

// RateLimit bounds the events one account may send: at most Events per
// Window, counted in fixed windows shared by all replicas. Events <= 0 is no
// limit.
type RateLimit struct {
	Events int
	Window time.Duration
}

// EventCounter counts an account's events in the window that starts at
// start and lasts window, shared by replicas (Redis), and returns the count
// including this event; storage.Sessions implements it.
type EventCounter interface {
	CountEvent(ctx context.Context, p quiz.Platform, userID string, start time.Time, window time.Duration) (int64, error)
}

// LimitRate makes the bot answer at most l.Events events per account and
// l.Window, counting them with counter (or with the count a platform's
// pipeline passes in, see withEventCount).
func (b *Bot) LimitRate(l RateLimit, counter EventCounter) {
	b.rate, b.counter = l, counter
}

// rateWindow is the current rate window, for a platform whose update
// pipeline counts the event in its own round trip to the store (then
// withEventCount); ok is false when there is no limit.
func (b *Bot) rateWindow() (start time.Time, window time.Duration, ok bool) {
	if b.rate.Events <= 0 || b.rate.Window <= 0 || b.quiz == nil {
		return time.Time{}, 0, false
	}
	now := b.quiz.Now()
	return now.Truncate(b.rate.Window), b.rate.Window, true
}

type eventCountKey struct{}

// withEventCount passes the count of the sender's events in the current
// window (rateWindow), as the platform's pipeline counted it; 0 means the
// event was not counted (a re-delivery of an event that failed) and is let
// through.
func withEventCount(ctx context.Context, n int64) context.Context {
	return context.WithValue(ctx, eventCountKey{}, n)
}

// overRate reports whether the event is over its account's rate, and then
// deals with it: the first event over the limit gets one message, every
// tap its spinner stopped, anything else silence until the window passes.
func (b *Bot) overRate(ctx context.Context, ev Event, out Messenger) (bool, error) {
	start, window, ok := b.rateWindow()
	if !ok || ev.UserID == "" {
		return false, nil
	}
	n, counted := ctx.Value(eventCountKey{}).(int64)
	if !counted {
		if b.counter == nil {
			return false, nil
		}
		var err error
		if n, err = b.counter.CountEvent(ctx, ev.Platform, ev.UserID, start, window); err != nil {
			// The limit protects the service; a failure to count must not
			// take the service down with it.
			b.log.Warn("rate limit: count event", "platform", ev.Platform, "err", err)
			return false, nil
		}
	}
	limit := int64(b.rate.Events)
	if n <= limit {
		return false, nil
	}
	first := n == limit+1
	if first {
		b.log.Warn("rate limit: account over its rate, silent until the window passes",
			"platform", ev.Platform, "user", ev.UserID, "limit", b.rate.Events, "window", b.rate.Window)
	}
	if ev.Kind == KindCallback && ev.Callback != nil {
		// A tap is never dropped silently: the spinner stops and says why.
		if err := out.AnswerCallback(ctx, ev.Callback.ID, textSlowDown); err != nil {
			b.log.Warn("answer callback", "platform", ev.Platform, "err", err)
		}
	}
	if first && ev.Private {
		if _, err := out.Send(ctx, ev.ChatID, Message{Text: textSlowDown}); err != nil {
			// Not retried: a re-delivery would be over the limit too.
			b.log.Warn("rate limit: tell the account to slow down", "platform", ev.Platform, "err", err)
		}
	}
	return true, nil
}

// notPrivate answers an event from a group: one short note to write
// privately for a command or a contact, the same as a tap's answer, and
// silence for plain text, so that the bot neither leaks figures and names to
// a group nor chatters in it. handled is false for a private chat.
func (b *Bot) notPrivate(ctx context.Context, ev Event, out Messenger) (handled bool, err error) {
	if ev.Private {
		return false, nil
	}
	switch ev.Kind {
	case KindText, KindFile:
		return true, nil
	case KindCallback:
		if ev.Callback != nil {
			if err := out.AnswerCallback(ctx, ev.Callback.ID, textPrivateOnly); err != nil {
				b.log.Warn("answer callback", "platform", ev.Platform, "err", err)
			}
		}
		return true, nil
	}
	if _, err := out.Send(ctx, ev.ChatID, Message{Text: textPrivateOnly}); err != nil {
		return true, fmt.Errorf("send to %s group: %w", ev.Platform, err)
	}
	return true, nil
}

// settle decides what becomes of an event's error: a message the platform
// refused (a 400) or a person who cannot be reached would fail the same way
// on every re-delivery, so it is logged, with the method and the platform's
// description that the error carries, and the event is done.
func (b *Bot) settle(ev Event, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrRejected):
		b.log.Error("message refused by the platform, not retried", "platform", ev.Platform, "event", kindName(ev.Kind), "err", err)
		return nil
	case errors.Is(err, ErrUnreachable):
		b.log.Warn("recipient unreachable, not retried", "platform", ev.Platform, "event", kindName(ev.Kind), "err", err)
		return nil
	}
	return err
}

func kindName(k Kind) string {
	switch k {
	case KindCommand:
		return "command"
	case KindContact:
		return "contact"
	case KindCallback:
		return "callback"
	case KindFollow:
		return "follow"
	case KindUnfollow:
		return "unfollow"
	case KindFile:
		return "file"
	}
	return "text"
}

// TextLimiter is outbound.TextLimiter: a Messenger that declares the
// longest text it delivers; one that does not is held to MaxText
// (Telegram's, and the web chat's). It is the one declaration of a
// messenger's limit, read by the conversation and by notify alike.
type TextLimiter = outbound.TextLimiter

// textLimit is the longest text out delivers.
func textLimit(out Messenger) int { return outbound.LimitOf(out) }

// fit is outbound.Fit: a message over max split into messages that are
// not, nothing dropped, the buttons, menu and document on the last.
func fit(m Message, max int) []Message { return outbound.Fit(m, max) }

// maxField bounds a roster field (a name, a position, a unit) inside a text,
// in TextLen units: real ones are far shorter, and a long one must not push
// a message over a platform's limit.
const maxField = 120

// field shortens a roster field for a text, ending it with "…" when cut.
func field(s string) string { return Clip(strings.TrimSpace(s), maxField) }

// CommandFor parses a command message as ParseCommand does, for the bot
// named self: a command addressed to another bot ("/thi@other_bot", which
// a group delivers to every bot in it) is not ours, and ok is false. A
// command without a name, or with self's in any case, is ours; with self
// empty (the name is unknown) every command is.
func CommandFor(text, self string) (cmd, args string, ok bool) {
	word, _, _ := strings.Cut(strings.TrimPrefix(text, "/"), " ")
	if _, to, named := strings.Cut(word, "@"); named && self != "" && !strings.EqualFold(to, strings.TrimPrefix(self, "@")) {
		return "", "", false
	}
	cmd, args = ParseCommand(text)
	return cmd, args, true
}
