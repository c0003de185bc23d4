package outbound_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"quizbot/outbound"
)

func TestTextLenCountsUTF16(t *testing.T) {
	// Vietnamese in NFC is one unit a character; an emoji outside the BMP two.
	if n := outbound.TextLen("Đợt 1 📊"); n != 8 {
		t.Errorf("TextLen = %d, want 8", n)
	}
}

func TestClip(t *testing.T) {
	if got := outbound.Clip("Nguyễn Văn An", 20); got != "Nguyễn Văn An" {
		t.Errorf("a short text is kept: %q", got)
	}
	if got := outbound.Clip("Nguyễn Văn An", 8); got != "Nguyễn …" || outbound.TextLen(got) > 8 {
		t.Errorf("Clip = %q", got)
	}
	// An emoji is never cut in half.
	if got := outbound.Clip("ab📊cd", 4); got != "ab…" {
		t.Errorf("Clip across an emoji = %q", got)
	}
}

func TestSplitLosesNothing(t *testing.T) {
	text := strings.Repeat("Cán bộ chưa dự thi\n", 30) + strings.Repeat("x", 25)
	parts := outbound.Split(text, 20)
	for _, p := range parts {
		if outbound.TextLen(p) > 20 {
			t.Fatalf("part over the limit: %q", p)
		}
	}
	joined := strings.ReplaceAll(strings.Join(parts, ""), "\n", "")
	want := strings.ReplaceAll(strings.ReplaceAll(text, "\n", ""), " ", "")
	if strings.ReplaceAll(joined, " ", "") != want {
		t.Errorf("text lost in the split:\n%q", parts)
	}
	if got := outbound.Split("Câu 1/10\nA. Có", 100); !slices.Equal(got, []string{"Câu 1/10\nA. Có"}) {
		t.Errorf("a short text is one part: %q", got)
	}
}

func TestVietnameseFormats(t *testing.T) {
	loc := time.FixedZone("ICT", 7*3600)
	if got := outbound.When(time.Date(2026, 12, 5, 9, 30, 0, 0, time.UTC), loc); got != "16:30 thứ Bảy, 05/12/2026" {
		t.Errorf("When = %q", got)
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 21000: "21.000", 1234567: "1.234.567", -4500: "-4.500"} {
		if got := outbound.GroupDigits(n); got != want {
			t.Errorf("GroupDigits(%d) = %q, want %q", n, got, want)
		}
	}
}

// Percentages are written one way in every chat text: one decimal after a
// comma, thousands grouped with dots, rounded half away from zero.
func TestPercent(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{25, "25,0%"}, {0, "0,0%"}, {100, "100,0%"}, {33.333, "33,3%"}, {66.666, "66,7%"}, {12.25, "12,3%"}, {1234.56, "1.234,6%"}, {-2.5, "-2,5%"}, {-0.01, "0,0%"}} {
		if got := outbound.Percent(c.in); got != c.want {
			t.Errorf("Percent(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
