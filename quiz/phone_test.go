package quiz

import "testing"

func TestNormalizePhone(t *testing.T) {
	same := []string{"0912345678", "+84912345678", "84 912 345 678", "0912.345.678", "(091) 234-5678", "84912345678", "0084912345678", " 0912 345 678 "}
	for _, in := range same {
		got, err := NormalizePhone(in)
		if err != nil || got != "0912345678" {
			t.Errorf("NormalizePhone(%q) = %q, %v; want 0912345678", in, got, err)
		}
	}
	if got, err := NormalizePhone("02343822123"); err != nil || got != "02343822123" {
		t.Errorf("landline: got %q, %v", got, err)
	}
	for _, bad := range []string{"", "12345", "091234567a", "0012345678", "09123456789012", "+", "912345678", "0912+345678"} {
		if got, err := NormalizePhone(bad); err == nil {
			t.Errorf("NormalizePhone(%q) = %q, want error", bad, got)
		} else if ErrorCode(err) != EINVALID {
			t.Errorf("NormalizePhone(%q) code = %s", bad, ErrorCode(err))
		}
	}
}

func TestMaskPhone(t *testing.T) {
	if got := MaskPhone("0912345678"); got != "091****678" {
		t.Fatalf("got %q", got)
	}
}
