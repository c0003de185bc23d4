package quiz

import (
	"strings"
)

// NormalizePhone turns the many ways a Vietnamese phone number is written
// (0912345678, +84912345678, 84 912 345 678, 0912.345.678, (091) 234-5678)
// into one canonical national form: a leading 0 followed by 9 or 10 digits.
func NormalizePhone(s string) (string, error) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			// Leading plus of the international form.
		case r == ' ' || r == '.' || r == '-' || r == '(' || r == ')' || r == '\u00a0':
		default:
			return "", Errorf(EINVALID, "số điện thoại %q không hợp lệ", s)
		}
	}
	d := b.String()
	switch {
	case strings.HasPrefix(d, "84") && (len(d) == 11 || len(d) == 12):
		d = "0" + d[2:]
	case strings.HasPrefix(d, "0084") && (len(d) == 13 || len(d) == 14):
		d = "0" + d[4:]
	}
	if len(d) < 10 || len(d) > 11 || d[0] != '0' || d[1] == '0' {
		return "", Errorf(EINVALID, "số điện thoại %q không hợp lệ", s)
	}
	return d, nil
}

// MaskPhone hides the middle of a phone number for logs: 0912345678 → 091****678.
func MaskPhone(p string) string {
	if len(p) < 7 {
		return strings.Repeat("*", len(p))
	}
	return p[:3] + strings.Repeat("*", len(p)-6) + p[len(p)-3:]
}
