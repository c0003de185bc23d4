package chat

import (
	"context"
	"fmt"
	"runtime/debug"
	"time"

	"quizbot/outbound"
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
	// TextLimit is the longest text, in outbound.TextLen units.
	TextLimit int
	// ReplyWindow is how long after a person's last message the platform
	// lets the bot write to them (0: no limit).
	ReplyWindow time.Duration
}

// TelegramCapabilities are Telegram's, and the default of a messenger that
// declares none.
var TelegramCapabilities = Capabilities{Edit: true, Buttons: 100, Menu: true, AskPhone: true, AnswerTap: true,
	Documents: true, TextLimit: outbound.MaxText}

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
	// "zalo:<msg_id>".
	Key   string
	Event Event
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

// Receive handles one delivered event, recovering from a panic in it, and
// says what the platform should hear. Adapters call it for every event
// they decode; the de-duplication of re-deliveries, the per-event memo of
// the member and the session, and the session save of a shown question
// belong here, once for every platform.
func (b *Bot) Receive(ctx context.Context, d Delivery) (out Outcome) {
	defer func() {
		if p := recover(); p != nil {
			b.log.Error("panic handling an event", "platform", d.Event.Platform, "key", d.Key, "panic", p, "stack", string(debug.Stack()))
			out = Failed
		}
	}()
	if err := b.Handle(ctx, d.Event); err != nil {
		b.log.Error("event failed, the platform will deliver it again", "platform", d.Event.Platform, "key", d.Key, "err", err)
		return Failed
	}
	return Handled
}
