package telegramtest

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

// Calls returns every call received so far, in order. The maps inside are
// shared with the fake: read them, do not change them.
func (f *Fake) Calls() []Call {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, b := range f.calls {
		n += len(b)
	}
	if n == 0 {
		return nil
	}
	out := make([]Call, 0, n)
	for _, b := range f.calls {
		out = append(out, b...)
	}
	return out
}

// CallsTo returns the calls to method (any spelling, any outcome).
func (f *Fake) CallsTo(method string) []Call {
	return filterCalls(f.Calls(), method, 0)
}

// CallsToChat returns the calls aimed at chatID, of any method.
func (f *Fake) CallsToChat(chatID int64) []Call {
	return filterCalls(f.Calls(), "", chatID)
}

func filterCalls(calls []Call, method string, chatID int64) []Call {
	var out []Call
	for _, c := range calls {
		if method != "" && !strings.EqualFold(c.Method, method) {
			continue
		}
		if chatID != 0 && c.ChatID != chatID {
			continue
		}
		out = append(out, c)
	}
	return out
}

// ForgetCalls drops the recorded calls (chats and messages stay), so that
// long benchmarks do not accumulate them.
func (f *Fake) ForgetCalls() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = nil
}

// Sent returns the bot's messages in chatID as the user sees them now:
// deleted ones left out, edits applied, oldest first.
func (f *Fake) Sent(chatID int64) []Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sentLocked(chatID)
}

func (f *Fake) sentLocked(chatID int64) []Message {
	c, ok := f.chats[chatID]
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range c.msgs {
		if m.FromBot && !m.deleted {
			out = append(out, m.Message)
		}
	}
	return out
}

// LastMessage returns the bot's latest message still in chatID.
func (f *Fake) LastMessage(chatID int64) (Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.chats[chatID]; ok {
		for i := len(c.msgs) - 1; i >= 0; i-- {
			if m := c.msgs[i]; m.FromBot && !m.deleted {
				return m.Message, true
			}
		}
	}
	return Message{}, false
}

// Message returns message id of chatID (the bot's or the user's) as it is
// now, unless it was deleted.
func (f *Fake) Message(chatID int64, id int) (Message, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.chats[chatID]
	if !ok {
		return Message{}, false
	}
	m, ok := c.byID[id]
	if !ok || m.deleted {
		return Message{}, false
	}
	return m.Message, true
}

// Keyboard returns the reply keyboard shown under the input field of
// chatID (nil if none): set by a message with a ReplyKeyboardMarkup,
// removed by ReplyKeyboardRemove or, when one-time, by the user's next
// message.
func (f *Fake) Keyboard(chatID int64) [][]Button {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.chats[chatID]; ok {
		return c.keyboard
	}
	return nil
}

// Recipients lists, sorted, the chats holding at least one message of the bot.
func (f *Fake) Recipients() []int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []int64
	for id := range f.chats {
		if len(f.sentLocked(id)) > 0 {
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Webhook returns the webhook the bot set (zero URL if none).
func (f *Fake) Webhook() WebhookState {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.webhook
}

// MaxInWindow is the largest number of calls received within any window
// of the given length (a call at t and one at t+window are in different
// windows), to check a send rate: e.g. MaxInWindow(fake.CallsTo("sendMessage"), time.Second).
// Receive times come from the fake's clock (WithNow).
func MaxInWindow(calls []Call, window time.Duration) int {
	times := make([]time.Time, len(calls))
	for i, c := range calls {
		times[i] = c.Time
	}
	sort.Slice(times, func(i, j int) bool { return times[i].Before(times[j]) })
	best, lo := 0, 0
	for hi := range times {
		for times[hi].Sub(times[lo]) >= window {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// WaitFor blocks until cond holds for the calls received so far and
// returns them; it fails the test after timeout (0: the fake's default,
// DefaultWaitTimeout). cond runs on a copy, without the fake's lock.
func (f *Fake) WaitFor(t testing.TB, cond func(calls []Call) bool, timeout time.Duration) []Call {
	t.Helper()
	var calls []Call
	f.wait(t, "condition on calls", timeout, func() bool {
		calls = f.Calls()
		return cond(calls)
	})
	return calls
}

// WaitCalls blocks until at least n calls to method were received (with
// any outcome) and returns the calls to method.
func (f *Fake) WaitCalls(t testing.TB, method string, n int) []Call {
	t.Helper()
	var got []Call
	f.wait(t, fmt.Sprintf("%d calls to %s", n, method), 0, func() bool {
		got = f.CallsTo(method)
		return len(got) >= n
	})
	return got
}

// WaitSent blocks until chatID shows at least n messages of the bot and
// returns them.
func (f *Fake) WaitSent(t testing.TB, chatID int64, n int) []Message {
	t.Helper()
	var got []Message
	f.wait(t, fmt.Sprintf("%d messages in chat %d", n, chatID), 0, func() bool {
		got = f.Sent(chatID)
		return len(got) >= n
	})
	return got
}

// WaitMessage blocks until one of the bot's messages in chatID satisfies
// cond, and returns the latest such message.
func (f *Fake) WaitMessage(t testing.TB, chatID int64, cond func(Message) bool) Message {
	t.Helper()
	var found Message
	f.wait(t, fmt.Sprintf("a matching message in chat %d", chatID), 0, func() bool {
		sent := f.Sent(chatID)
		for i := len(sent) - 1; i >= 0; i-- {
			if cond(sent[i]) {
				found = sent[i]
				return true
			}
		}
		return false
	})
	return found
}

// waitState waits on a condition over the fake's state, checked with the
// lock held.
func (f *Fake) waitState(t testing.TB, what string, cond func() bool) {
	t.Helper()
	f.wait(t, what, 0, func() bool {
		f.mu.Lock()
		defer f.mu.Unlock()
		return cond()
	})
}

// wait re-checks check every time the fake's state changes (no polling,
// no sleeps) until it holds, the timeout passes or the fake closes.
func (f *Fake) wait(t testing.TB, what string, timeout time.Duration, check func() bool) {
	t.Helper()
	if timeout <= 0 {
		timeout = f.waitTimeout
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for {
		// Take the channel before checking, so that a change between the
		// check and the select is not missed.
		f.mu.Lock()
		changed := f.changedLocked()
		f.mu.Unlock()
		if check() {
			return
		}
		select {
		case <-changed:
		case <-timer.C:
			t.Fatalf("telegramtest: gave up after %v waiting for %s", timeout, what)
		case <-f.closed:
			if check() {
				return
			}
			t.Fatalf("telegramtest: fake closed while waiting for %s", what)
		}
	}
}
