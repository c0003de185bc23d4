package chat

import (
	"strings"
	"testing"
)

// A text over a messenger's limit is split, never cut: every part fits, the
// words are all there in order, and the buttons come with the last part.
func TestFitSplitsWithoutLoss(t *testing.T) {
	lines := make([]string, 0, 120)
	for i := range 120 {
		lines = append(lines, strings.Repeat("Đơn vị số ", 4)+string(rune('A'+i%26))+" 🎉")
	}
	oneLine := strings.Repeat("Nguyễn Văn ", 454) + "An"
	noSpace := strings.Repeat("x", 4500)
	for _, text := range []string{strings.Join(lines, "\n"), oneLine, noSpace, "ngắn"} {
		m := Message{Text: text, Buttons: [][]Button{{{Text: "A", Data: "a"}}}}
		parts := fit(m, 2000)
		var got []string
		for i, p := range parts {
			if TextLen(p.Text) > 2000 || p.Text == "" {
				t.Fatalf("part %d of %d units", i, TextLen(p.Text))
			}
			if (len(p.Buttons) > 0) != (i == len(parts)-1) {
				t.Fatalf("buttons on part %d of %d", i, len(parts))
			}
			got = append(got, p.Text)
		}
		if strings.Join(strings.Fields(strings.Join(got, "")), "") != strings.Join(strings.Fields(text), "") && text != noSpace {
			t.Fatalf("text changed in the split (%d parts)", len(parts))
		}
		if text == noSpace && strings.Join(got, "") != noSpace {
			t.Fatal("a word longer than the limit lost characters")
		}
	}
}
