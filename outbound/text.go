package outbound

import (
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf16"
)

// MaxText is the longest message every platform accepts, in TextLen units
// (Telegram 4096, Zalo 2000: the Zalo adapter splits further).
const MaxText = 4096

// TextLen is a text's length as Telegram counts it: in UTF-16 code units,
// so that an emoji outside the Basic Multilingual Plane counts 2.
func TextLen(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r) // 1 or 2: ranging a string never yields a surrogate
	}
	return n
}

// Clip cuts s to at most max TextLen units, ending it with "…" when cut.
func Clip(s string, max int) string {
	if TextLen(s) <= max {
		return s
	}
	n := 0
	for i, r := range s {
		l := utf16.RuneLen(r)
		if n+l > max-1 {
			return s[:i] + "…"
		}
		n += l
	}
	return s
}

// Split cuts a long text at line breaks into parts of at most max TextLen
// units; a line longer than max is cut at spaces (or, in a word longer than
// max, anywhere), so that nothing is lost.
func Split(s string, max int) []string {
	var parts []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if n > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			n = 0
		}
	}
	for _, line := range strings.Split(s, "\n") {
		for _, piece := range splitLine(line, max) {
			l := TextLen(piece) + 1
			if n > 0 && n+l > max+1 {
				flush()
			}
			cur.WriteString(piece)
			cur.WriteByte('\n')
			n += l
		}
	}
	flush()
	return parts
}

// splitLine cuts a line into pieces of at most max TextLen units, at the
// last space that fits when there is one.
func splitLine(line string, max int) []string {
	var pieces []string
	for TextLen(line) > max {
		cut, n, space := 0, 0, -1
		for i, r := range line {
			l := utf16.RuneLen(r)
			if n+l > max {
				cut = i
				break
			}
			if r == ' ' && i > 0 {
				space = i
			}
			n += l
		}
		if space > 0 {
			cut = space
		}
		pieces = append(pieces, line[:cut])
		line = strings.TrimLeft(line[cut:], " ")
	}
	return append(pieces, line)
}

var weekdays = [...]string{"Chủ nhật", "thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy"}

// When formats a moment the Vietnamese way, in zone loc: "16:30 thứ Sáu,
// 04/12/2026".
func When(t time.Time, loc *time.Location) string {
	t = t.In(loc)
	return fmt.Sprintf("%s %s, %s", t.Format("15:04"), weekdays[t.Weekday()], t.Format("02/01/2006"))
}

// GroupDigits writes 21000 as 21.000, the Vietnamese way.
func GroupDigits(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "." + s[i:]
	}
	if neg {
		s = "-" + s
	}
	return s
}

// Percent writes a percentage the Vietnamese way, one decimal after a
// comma, rounded half away from zero: 25 as "25,0%", 1234.56 as "1.234,6%".
func Percent(p float64) string {
	tenths := int64(math.Round(p * 10))
	neg := tenths < 0
	if neg {
		tenths = -tenths
	}
	s := fmt.Sprintf("%s,%d%%", GroupDigits(tenths/10), tenths%10)
	if neg && tenths != 0 {
		s = "-" + s
	}
	return s
}

// TextLimiter is a messenger that declares the longest text it delivers, in
// TextLen units (UTF-16 code units, which never undercounts characters).
// A messenger that does not is held to MaxText.
type TextLimiter interface {
	TextLimit() int
}

// LimitOf is the longest text messenger delivers: its TextLimit, or
// MaxText.
func LimitOf(messenger any) int {
	if l, ok := messenger.(TextLimiter); ok && l.TextLimit() > 0 {
		return l.TextLimit()
	}
	return MaxText
}

// Fit splits a message whose text is over max into messages that are not:
// the text is cut as Split cuts it, nothing is dropped, and the last part
// carries the buttons, menu and document.
func Fit(m Message, max int) []Message {
	if TextLen(m.Text) <= max {
		return []Message{m}
	}
	parts := Split(m.Text, max)
	out := make([]Message, 0, len(parts))
	for _, p := range parts[:len(parts)-1] {
		out = append(out, Message{Text: p})
	}
	m.Text = parts[len(parts)-1]
	return append(out, m)
}
