package entryfiles_test

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"quizbot/entryfiles"
)

// el is an EBML element: its ID as written, an 8-byte size (or unknown,
// all ones, when size < 0) and its payload.
func el(id uint32, size int, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	var b []byte
	for s := 24; s >= 0; s -= 8 {
		if c := byte(id >> s); c != 0 || len(b) > 0 {
			b = append(b, c)
		}
	}
	if size < 0 {
		b = append(b, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF)
	} else {
		b = append(b, 0x01)
		b = append(b, binary.BigEndian.AppendUint64(nil, uint64(len(body)))[1:]...)
	}
	return append(b, body...)
}

func f64(v float64) []byte { return binary.BigEndian.AppendUint64(nil, math.Float64bits(v)) }
func f32(v float32) []byte { return binary.BigEndian.AppendUint32(nil, math.Float32bits(v)) }

// WebM is a minimal WebM: the EBML header, then a Segment (of unknown
// size when unknownSize) holding a SeekHead, the Info with the given
// TimecodeScale (none when 0) and Duration, and a Cluster.
func WebM(scale []byte, duration []byte, unknownSize bool) []byte {
	header := el(0x1A45DFA3, 0, el(0x4286, 0, []byte{1}), el(0x4282, 0, []byte("webm")))
	var info [][]byte
	if scale != nil {
		info = append(info, el(0x2AD7B1, 0, scale))
	}
	info = append(info, el(0x4D80, 0, []byte("quizbot test")))
	if duration != nil {
		info = append(info, el(0x4489, 0, duration))
	}
	size := 0
	if unknownSize {
		size = -1
	}
	return append(header, el(0x18538067, size,
		el(0x114D9B74, 0, el(0x4DBB, 0, []byte{1, 2, 3})),
		el(0x1549A966, 0, info...),
		el(0x1F43B675, 0, bytes.Repeat([]byte{0xAB}, 300)))...)
}

func TestWebMDuration(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		data []byte
		want time.Duration
	}{
		{"default scale, float64", WebM(nil, f64(245_000), false), 245 * time.Second},
		{"scale in microseconds, float32", WebM([]byte{0x03, 0xE8}, f32(90_500_000), false), 90500 * time.Millisecond},
		{"unknown-size segment", WebM([]byte{0x0F, 0x42, 0x40}, f64(299_999.5), true), 299_999_500 * time.Microsecond},
	} {
		got, err := entryfiles.WebMDuration(bytes.NewReader(c.data), int64(len(c.data)))
		if err != nil || got != c.want {
			t.Errorf("%s: %v, %v; want %v", c.name, got, err, c.want)
		}
	}
	// The store measures it without ffprobe, so the contest's longest
	// duration applies.
	s, _ := newStore(t, 0)
	f, err := s.Put(context.Background(), bytes.NewReader(WebM(nil, f64(361_000), false)), "clip.webm")
	if err != nil || f.Format != "webm" || f.Duration != 361*time.Second {
		t.Fatalf("put: %+v, %v", f, err)
	}
}

// Garbage, truncated or lying files give an error, never a panic, a loop
// or a large allocation.
func TestWebMDurationBadInput(t *testing.T) {
	t.Parallel()
	good := WebM(nil, f64(1000), false)
	for n := range len(good) {
		if d, err := entryfiles.WebMDuration(bytes.NewReader(good[:n]), int64(n)); err == nil && d != time.Second {
			t.Fatalf("prefix %d: %v", n, d)
		}
	}
	huge := append(el(0x1A45DFA3, 0), el(0x18538067, 0, []byte{0x15, 0x49, 0xA9, 0x66, 0x01, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF})...)
	for name, data := range map[string][]byte{
		"no duration":       WebM(nil, nil, false),
		"duration 3 bytes":  WebM(nil, []byte{1, 2, 3}, false),
		"scale 0":           WebM([]byte{0}, f64(5), false),
		"NaN":               WebM(nil, f64(math.NaN()), false),
		"negative":          WebM(nil, f64(-5), false),
		"info past the end": huge,
		"zeros":             make([]byte, 100),
		"all ones":          bytes.Repeat([]byte{0xFF}, 100),
	} {
		if d, err := entryfiles.WebMDuration(bytes.NewReader(data), int64(len(data))); err == nil {
			t.Errorf("%s: %v, no error", name, d)
		}
	}
}

func FuzzWebMDuration(f *testing.F) {
	f.Add(WebM(nil, f64(245_000), false))
	f.Add(WebM([]byte{0x03, 0xE8}, f32(90_500_000), true))
	f.Add([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84})
	f.Fuzz(func(t *testing.T, b []byte) {
		entryfiles.WebMDuration(bytes.NewReader(b), int64(len(b)))
	})
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// PDF is a minimal PDF without a cross-reference table: a page whose
// content stream (FlateDecode) is content, and an embedded font program
// full of text-like bytes that must not be counted.
func PDF(content string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n")
	b.WriteString("3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>\nendobj\n")
	z := deflate([]byte(content))
	fmt.Fprintf(&b, "4 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\r\n", len(z))
	b.Write(z)
	b.WriteString("\r\nendstream\nendobj\n")
	font := deflate([]byte(strings.Repeat("BT (not words at all) Tj ET ", 50)))
	fmt.Fprintf(&b, "5 0 obj\n<< /Length %d /Length1 1400 /Filter /FlateDecode >>\nstream\n", len(font))
	b.Write(font)
	b.WriteString("\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")
	return b.Bytes()
}

// loremText shows n words "lorem", ten to a line, as literal strings.
func loremText(n int) string {
	var b strings.Builder
	b.WriteString("BT /F1 12 Tf 72 800 Td\n")
	for i := 0; i < n; i += 10 {
		b.WriteString("(" + strings.TrimSpace(strings.Repeat("lorem ", min(10, n-i))) + ") Tj 0 -14 Td\n")
	}
	b.WriteString("ET\n")
	return b.String()
}

// loremCID shows n words as Word's "Save as PDF" does with a CID font:
// glyph numbers in hex strings, the words parted by glyph 3 (a space), by
// TJ kerning or by a new line, never by a text space.
func loremCID(n int) string {
	const word = "004F0052005500480050" // l o r e m as glyph numbers
	var b strings.Builder
	b.WriteString("BT\n/F1 12 Tf\n")
	for i := 0; i < n; i += 6 {
		fmt.Fprintf(&b, "1 0 0 1 72 %d Tm\n[<%s0003%s>-3<0003%s>-333<%s>-250<%s0003>]TJ\n", 800-i, word, word, word, word, word)
		b.WriteString("T*\n[(\\000l\\000o)-12<005500480050>] TJ\n") // one word, kerned inside
	}
	b.WriteString("ET\nq 100 0 0 100 0 0 cm /Im1 Do Q\n")
	return b.String()
}

func TestPDFWords(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{
		{"text strings", PDF(loremText(1200)), 1200},
		{"glyph numbers", PDF(loremCID(1200)), 1200},
		{"punctuation on its own", PDF("BT (Xin ch\\340o) Tj 40 0 Td (,) Tj 0 -14 Td [(H)20(\\362a)-300(An.)] TJ (\\227) ' ET"), 4},
		{"no text (a scan)", PDF("q 595 0 0 842 0 0 cm /Im1 Do Q\n"), 0},
		{"garbage", []byte("%PDF-1.4\nstream\n\x78\x9c garbage endstream stream"), 0},
	} {
		got := entryfiles.PDFWords(c.data)
		// An estimate: within 10%.
		if math.Abs(float64(got-c.want)) > float64(c.want)/10 {
			t.Errorf("%s: %d words, want about %d", c.name, got, c.want)
		}
	}
	// Through the store: the words are recorded, so the contest's word
	// range applies to a PDF as to a DOCX.
	s, _ := newStore(t, 0)
	f, err := s.Put(context.Background(), bytes.NewReader(PDF(loremText(1500))), "bai.pdf")
	if err != nil || f.Format != "pdf" || f.Words != 1500 {
		t.Fatalf("put: %+v, %v", f, err)
	}
}

func TestPDFWordsBadInput(t *testing.T) {
	t.Parallel()
	good := PDF(loremCID(60))
	for n := range len(good) {
		entryfiles.PDFWords(good[:n])
	}
	for _, b := range [][]byte{
		[]byte("BT (unclosed \\"), []byte("stream\n(((((("), []byte("stream\r\n<0003 BI"),
		PDF("[<00>-300<0003> 1 2 3 '\n\" BI ID"), PDF(strings.Repeat("(", 1000)),
	} {
		entryfiles.PDFWords(b)
	}
}

func FuzzPDFWords(f *testing.F) {
	f.Add(PDF(loremText(30)))
	f.Add(PDF(loremCID(12)))
	f.Add([]byte("%PDF-1.4\n1 0 obj<<>>stream\n(a b) Tj [<0001>-250(c)] TJ BI x EI endstream"))
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := entryfiles.PDFWords(b); n < 0 || n > len(b)*8 {
			t.Fatalf("%d words from %d bytes", n, len(b))
		}
	})
}
