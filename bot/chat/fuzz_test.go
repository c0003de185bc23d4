package chat

import (
	"strings"
	"testing"

	"quizbot/outbound"
)

func TestParseCallback(t *testing.T) {
	good := map[string][]int64{"s:12": {12}, "a:5:0:3": {5, 0, 3}, "a:9007199254740:19:5": {9007199254740, 19, 5}}
	for in, want := range good {
		kind, ids, ok := ParseCallback(in)
		if !ok || kind != in[:1] || len(ids) != len(want) {
			t.Fatalf("ParseCallback(%q) = %q %v %v", in, kind, ids, ok)
		}
		for i := range want {
			if ids[i] != want[i] {
				t.Fatalf("ParseCallback(%q) ids %v", in, ids)
			}
		}
	}
	for _, bad := range []string{"", "s", "s:", "s:-1", "s:01", "a:1:2", "a:1:2:6", "a:1:2:3:4", "x:1", "a:1:2:a", "s:99999999999999999999", "a:1:1001:0", " s:1", "s:1 "} {
		if _, _, ok := ParseCallback(bad); ok {
			t.Errorf("ParseCallback(%q) accepted", bad)
		}
	}
}

// FuzzParseCallback: whatever a client sends as callback data, parsing
// never panics, and what it accepts is exactly what the bot itself encodes.
func FuzzParseCallback(f *testing.F) {
	for _, s := range []string{"s:1", "a:1:0:0", "a:123:19:3", "", "a::", "s:0x1", "a:1:2:3:4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		kind, ids, ok := ParseCallback(data)
		if !ok {
			return
		}
		var again string
		switch kind {
		case "s":
			again = startData(ids[0])
		case "a":
			again = answerData(ids[0], int(ids[1]), int(ids[2]))
		default:
			t.Fatalf("unknown kind %q", kind)
		}
		if again != data {
			t.Fatalf("accepted %q but encodes as %q", data, again)
		}
		if len(data) > 64 || strings.ContainsAny(data, " \n") {
			t.Fatalf("accepted data Telegram would not carry: %q", data)
		}
	})
}

func TestParseCommand(t *testing.T) {
	cases := map[string][2]string{"/start": {"start", ""}, "/THI@quizbot_bot": {"thi", ""}, "/lydo  abc ": {"lydo", "abc"}, "/": {"", ""}}
	for in, want := range cases {
		c, a := ParseCommand(in)
		if c != want[0] || a != want[1] {
			t.Errorf("ParseCommand(%q) = %q, %q", in, c, a)
		}
	}
}

// Telegram counts a message's length in UTF-16 code units: an emoji outside
// the Basic Multilingual Plane counts two, a Vietnamese letter one.
func TestTextLengthAsTelegramCountsIt(t *testing.T) {
	if n := TextLen("Đúng 📊"); n != 7 {
		t.Errorf("TextLen = %d, want 7", n)
	}
	if got := Clip("ab📊cd", 4); got != "ab…" {
		t.Errorf("Clip = %q, want %q", got, "ab…")
	}
	if got := Clip("ab📊", 4); got != "ab📊" {
		t.Errorf("Clip of a text that fits = %q", got)
	}
	// 3,000 emoji are 6,000 units: never one message.
	long := strings.Repeat("📊", 3000)
	for _, part := range outbound.Split(long, MaxText) {
		if TextLen(part) > MaxText {
			t.Fatalf("a part of %d units", TextLen(part))
		}
	}
	if got := clip(long); TextLen(got) > MaxText || TextLen(got) < MaxText-1 || !strings.HasSuffix(got, "…") {
		t.Errorf("clip: %d units", TextLen(got))
	}
}
