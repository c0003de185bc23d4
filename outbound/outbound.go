// Package outbound is what quizbot says to a person on any chat platform,
// in platform-neutral terms: a Message with its buttons and document, the
// ways a platform can refuse to deliver one, and the text helpers that keep
// a message within a platform's limits and write dates and numbers the
// Vietnamese way.
//
// The conversation (bot/chat) and the notifications (notify) both speak it,
// and every adapter (bot/telegram, bot/zalo, bot/webchat) renders it; so it
// imports nothing of quizbot's, and neither speaker needs the other.
package outbound

// Button is an inline button. Data comes back to the conversation when the
// button is tapped.
type Button struct {
	Text string
	Data string // ≤ 64 bytes
}

// Message is what the bot says.
type Message struct {
	Text    string
	Buttons [][]Button // inline buttons under the message
	// Menu is a persistent keyboard of text buttons; ContactButton asks for
	// the person's own phone number instead. RemoveMenu hides any keyboard.
	Menu          [][]string
	ContactButton string
	RemoveMenu    bool
	Document      *Document
}

// Document is a file sent with a message.
type Document struct {
	Name string
	Data []byte
}
