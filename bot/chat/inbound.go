package chat

import (
	"cmp"
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"quizbot/quiz"
)

// Capabilities is what a messenger can do. The conversation asks for them
// (CapabilitiesOf) instead of assuming Telegram's: where a messenger cannot
// edit, show a menu or ask for the phone, the conversation says the same
// thing another way.
type Capabilities struct {
	// Edit: a sent message's text and buttons can be replaced (Edit).
	Edit bool
	// Buttons is how many inline buttons one message may carry (0: none);
	// a question with more options than that asks for the letter typed.
	Buttons int
	// Menu: a persistent keyboard of text buttons (Message.Menu). Without
	// it, commands and a /menu text list do the job.
	Menu bool
	// AskPhone: a button or form that hands over the person's own phone
	// number (Message.ContactButton).
	AskPhone bool
	// AnswerTap: a tap is acknowledged with a short text (AnswerCallback);
	// without it, such notes go into the next message or are dropped.
	AnswerTap bool
	// Documents: files can be sent (Message.Document).
	Documents bool
	// ReplyWindow is how long after a person's last message the platform
	// lets the bot write to them (0: no limit).
	ReplyWindow time.Duration
}

// TelegramCapabilities are Telegram's, and the default of a messenger that
// declares none.
var TelegramCapabilities = Capabilities{Edit: true, Buttons: 100, Menu: true, AskPhone: true, AnswerTap: true,
	Documents: true}

// Capable is a messenger that declares its capabilities.
type Capable interface {
	Capabilities() Capabilities
}

// CapabilitiesOf returns what m can do.
func CapabilitiesOf(m Messenger) Capabilities {
	if c, ok := m.(Capable); ok {
		return c.Capabilities()
	}
	return TelegramCapabilities
}

// Delivery is one inbound event as a platform delivered it.
type Delivery struct {
	// Key names the platform's event, the same on every re-delivery of it
	// and unique among the platform's events: "tg:<update_id>",
	// "zalo:<msg_id>". Telegram's update_ids increase, which lets the ledger
	// keep their done marks as bits (storage.Sessions).
	Key   string
	Event Event
	// Keep is how long the event is remembered once handled (or failed):
	// longer than the platform re-delivers an event, which the adapter
	// knows (0: DeliveryKeep, Telegram's). A re-delivery after that would
	// be handled again.
	Keep time.Duration
	// Inbound: the person wrote (a text, a tap, a form, a follow), which
	// opens the platform's reply window again (Zalo); Receive records the
	// time (RecordInbound).
	Inbound bool
}

// Outcome is what became of a delivery, for the platform's answer.
type Outcome int

const (
	// Handled: done, or a re-delivery of an event already done. The
	// platform is told it was received (HTTP 200).
	Handled Outcome = iota
	// Busy: another delivery of the same event is being handled; the
	// platform should deliver it again later (HTTP 503).
	Busy
	// Failed: handling failed in a way a re-delivery may mend (HTTP 500).
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Handled:
		return "handled"
	case Busy:
		return "busy"
	case Failed:
		return "failed"
	}
	return fmt.Sprintf("outcome(%d)", int(o))
}

// receive handles one delivered event once, however often the platform
// delivers it, and says what the platform should hear. Adapters call it for
// every event they decode (through Receive). With a ledger (UseLedger) it claims the
// delivery's key: a key already done is Handled at once, one under a live
// claim is Busy, one whose earlier delivery failed or died is handled again
// as a re-delivery (Redelivered). The claim's round trip also reads the
// sender's cached member and session, for the whole event (quiz.WithAccount),
// and counts the event toward the sender's rate (withEventCount); the round
// trip that ends the claim saves the session of the question the event
// showed (quiz.Shown). An event that opens its platform's reply window
// (Delivery.Inbound) is noted in the claim too, and its time recorded if it
// is its sender's first of a throttle slot (RecordInbound). A panic in
// handling is recovered: the event failed.
func (b *Bot) receive(ctx context.Context, d Delivery) Outcome {
	l := b.inbound.ledger
	if l == nil {
		if d.Inbound {
			b.recordInbound(ctx, d.Event, b.now())
		}
		if err := b.handleSafely(ctx, d); err != nil {
			b.log.Error("event failed, the platform will deliver it again", "platform", d.Event.Platform, "key", d.Key, "err", err)
			return Failed
		}
		return Handled
	}
	ev := d.Event
	claim := NewClaim(d.Key)
	req := ClaimRequest{Lease: ClaimLease, Now: b.now(), Platform: ev.Platform, UserID: ev.UserID,
		Inbound: d.Inbound && b.inbound.recorder != nil}
	if start, window, ok := b.rateWindow(); ok {
		req.Rate = RateWindow{Start: start, Length: window}
	}
	got, err := l.ClaimDelivery(ctx, claim, req)
	if err == nil && got.InboundDue {
		b.recordInbound(ctx, ev, req.Now)
	}
	switch {
	case err != nil:
		b.log.Error("claim an event, the platform will deliver it again", "platform", ev.Platform, "key", d.Key, "err", err)
		return Busy
	case got.Prior == PriorDone:
		return Handled
	case got.Prior == PriorFailed:
		ctx = Redelivered(ctx)
	case got.Prior != PriorNone:
		// A concurrent delivery: the platform comes back once it is done.
		return Busy
	}
	ctx = quiz.WithAccount(ctx, ev.Platform, ev.UserID, got.Account)
	if req.Rate.Length > 0 {
		ctx = withEventCount(ctx, got.Count)
	}
	release := b.inbound.hold(claim)
	failed := b.handleSafely(ctx, d)
	release()
	end := Ending{Done: failed == nil, Keep: cmp.Or(d.Keep, DeliveryKeep)}
	if failed != nil {
		b.log.Error("event failed, the platform will deliver it again", "platform", ev.Platform, "key", d.Key, "err", failed)
	}
	if sess, ttl, ok := quiz.Shown(ctx); ok {
		end.Shown, end.ShownTTL = &sess, ttl
	}
	if err := l.EndDelivery(context.WithoutCancel(ctx), claim, end); err != nil {
		// Done lost: a delivery after the claim lapses handles the event
		// again, whose effects (answers, attempts) are idempotent; messages
		// may repeat. Failed lost: the retry runs once the claim lapses. A
		// lost session save is caught up from PostgreSQL at the member's
		// next tap.
		b.log.Error("end the claim of an event", "platform", ev.Platform, "key", d.Key, "done", end.Done, "err", err)
	}
	if failed != nil {
		return Failed
	}
	return Handled
}

// handleSafely is Handle, a panic in it turned into an error.
func (b *Bot) handleSafely(ctx context.Context, d Delivery) (err error) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("panic handling an event", "platform", d.Event.Platform, "key", d.Key, "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return b.Handle(ctx, d.Event)
}
