package entryfiles

import (
	"bytes"
	"compress/zlib"
	"errors"
	"io"
	"strconv"
)

// maxPDFRead bounds the PDF read into memory for counting words: an essay
// is a few megabytes; a larger PDF (scanned pages, pictures) is left
// uncounted.
const maxPDFRead = 64 << 20

// PDFWords estimates the words of a text PDF (Word's "Save as PDF" and
// the like) without external tools and without its cross-reference table:
// every `stream … endstream` whose dictionary is not an image, a font, an
// object stream or metadata is inflated (FlateDecode, or unfiltered), all
// of them together to at most inflateFactor × the file's size (at least
// minInflate), and the
// strings its text operators show (Tj, TJ, ', ") are counted as words.
//
// It is an estimate (within about 10% on a Word essay): where a font's
// strings are glyph numbers rather than text (hex or CID strings), words
// are told apart by the gaps between strings instead: a TJ kerning below
// -200 thousandths, a new line or position (Td, TD, T*, Tm) or the end of
// a text object (ET), and glyph 3 (the space of most TrueType fonts). It
// is wrong for scanned PDFs (pictures of pages: 0 words, the range cannot
// be checked), for text drawn as paths, and is off where a generator
// places each letter on its own. 0 means unknown.
func PDFWords(data []byte) int {
	var c wordCounter
	budget := max(int64(len(data))*inflateFactor, minInflate)
	for i, n := 0, 0; n < 100_000; n++ {
		j := bytes.Index(data[i:], []byte("stream"))
		if j < 0 {
			break
		}
		start := i + j
		i = start + len("stream")
		// "endstream" also holds "stream"; a stream keyword is followed
		// by an end of line.
		if start >= 3 && string(data[start-3:start]) == "end" {
			continue
		}
		body := i
		if body < len(data) && data[body] == '\r' {
			body++
		}
		if body < len(data) && data[body] == '\n' {
			body++
		} else if body == i {
			continue
		}
		end := bytes.Index(data[body:], []byte("endstream"))
		if end < 0 {
			break
		}
		i = body + end
		dict := data[max(0, bytes.LastIndex(data[:start], []byte("obj"))):start]
		if !contentStream(dict) {
			continue
		}
		raw := data[body : body+end]
		var content []byte
		if bytes.Contains(dict, []byte("/FlateDecode")) {
			if budget <= 0 {
				break
			}
			zr, err := zlib.NewReader(bytes.NewReader(raw))
			if err != nil {
				continue
			}
			// A truncated stream still gives its first part.
			content, _ = io.ReadAll(io.LimitReader(zr, budget))
			budget -= int64(len(content))
		} else {
			content = raw
		}
		c.content(content)
	}
	return c.words
}

// inflateFactor and minInflate bound what PDFWords inflates in all (and
// so the memory and time a crafted zip bomb can take): 16 times the file,
// at least 64 MB; a page's text compresses about 3 to 5 times.
const inflateFactor, minInflate = 16, 64 << 20

// contentStream tells a page's content stream (or a form's) by its
// dictionary: neither a picture, a font, an object or xref stream, nor
// metadata, and no filter but FlateDecode.
func contentStream(dict []byte) bool {
	for _, k := range []string{"/Image", "/FontFile", "/Length1", "/ObjStm", "/XRef", "/Metadata", "/DCTDecode", "/JPXDecode", "/CCITTFax", "/JBIG2", "/LZW", "/ASCII", "/RunLength", "/ICCBased", "/N "} {
		if bytes.Contains(dict, []byte(k)) {
			return false
		}
	}
	if i := bytes.Index(dict, []byte("/Filter")); i >= 0 && !bytes.Contains(dict[i:], []byte("/FlateDecode")) {
		return false
	}
	return true
}

type wordCounter struct {
	words  int
	inWord bool
}

func (c *wordCounter) letter() {
	if !c.inWord {
		c.words++
		c.inWord = true
	}
}

func (c *wordCounter) gap() { c.inWord = false }

// show counts a shown string: text when its bytes are characters, glyph
// numbers (two bytes each) when it holds control bytes, as a CID font's do.
func (c *wordCounter) show(s []byte) {
	cid := len(s)%2 == 0 && len(s) > 0
	if cid {
		cid = false
		for _, b := range s {
			if b < 0x20 && b != '\t' && b != '\n' && b != '\r' {
				cid = true
				break
			}
		}
	}
	if cid {
		for k := 0; k+1 < len(s); k += 2 {
			if s[k] == 0 && s[k+1] == 3 {
				c.gap()
			} else {
				c.letter()
			}
		}
		return
	}
	for _, b := range s {
		switch {
		case b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == 0 || b == 0xA0:
			c.gap()
		case b < 0xC0 && !('0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'):
			// Punctuation (WinAnsi's dashes and quotes too) neither
			// starts a word nor ends one: a comma placed on its own
			// after a word is no word.
		default:
			c.letter()
		}
	}
}

// content reads a content stream's operators, counting the strings that
// text operators show; operands are kept until their operator comes.
func (c *wordCounter) content(b []byte) {
	var strs [][]byte // strings and, as nil with a number, TJ's kerning
	var kern []float64
	reset := func() { strs, kern = strs[:0], kern[:0] }
	for i := 0; i < len(b); {
		ch := b[i]
		switch {
		case isSpace(ch):
			i++
		case ch == '%':
			for i < len(b) && b[i] != '\n' && b[i] != '\r' {
				i++
			}
		case ch == '(':
			s, n := literal(b[i:])
			strs, kern = append(strs, s), append(kern, 0)
			i += n
		case ch == '<' && i+1 < len(b) && b[i+1] == '<', ch == '>' && i+1 < len(b) && b[i+1] == '>':
			i += 2
		case ch == '<':
			s, n := hexString(b[i:])
			strs, kern = append(strs, s), append(kern, 0)
			i += n
		case ch == '[', ch == ']', ch == '{', ch == '}', ch == '>', ch == ')':
			i++
		case ch == '/':
			i++
			for i < len(b) && !isSpace(b[i]) && !isDelim(b[i]) {
				i++
			}
		default:
			j := i
			for j < len(b) && !isSpace(b[j]) && !isDelim(b[j]) {
				j++
			}
			if j == i {
				j++
			}
			tok := string(b[i:j])
			i = j
			if f, err := strconv.ParseFloat(tok, 64); err == nil {
				if len(strs) > 0 {
					// A number after a string inside TJ's array: kerning.
					strs, kern = append(strs, nil), append(kern, f)
				}
				continue
			}
			switch tok {
			case "Tj", "TJ":
				for k, s := range strs {
					if s == nil {
						if kern[k] < -200 {
							c.gap()
						}
						continue
					}
					c.show(s)
				}
			case "'", `"`:
				c.gap()
				for _, s := range strs {
					if s != nil {
						c.show(s)
					}
				}
			case "Td", "TD", "T*", "Tm", "ET", "BT":
				c.gap()
			case "BI":
				// An inline image: its bytes run to EI.
				k := bytes.Index(b[i:], []byte("EI"))
				if k < 0 {
					return
				}
				i += k + 2
			}
			reset()
		}
	}
}

func isSpace(b byte) bool {
	return b == ' ' || b == '\n' || b == '\r' || b == '\t' || b == '\f' || b == 0
}

func isDelim(b byte) bool {
	return bytes.IndexByte([]byte("()<>[]{}/%"), b) >= 0
}

// literal reads a (string) at b[0], with its escapes and nested
// parentheses, and returns it and the bytes it took.
func literal(b []byte) ([]byte, int) {
	var out []byte
	depth := 0
	for i := 0; i < len(b); i++ {
		ch := b[i]
		switch ch {
		case '(':
			if depth > 0 {
				out = append(out, ch)
			}
			depth++
		case ')':
			depth--
			if depth == 0 {
				return out, i + 1
			}
			out = append(out, ch)
		case '\\':
			i++
			if i >= len(b) {
				return out, i
			}
			switch e := b[i]; e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b', 'f':
			case '\r', '\n':
				if e == '\r' && i+1 < len(b) && b[i+1] == '\n' {
					i++
				}
			default:
				if e >= '0' && e <= '7' {
					v, k := 0, 0
					for ; k < 3 && i+k < len(b) && b[i+k] >= '0' && b[i+k] <= '7'; k++ {
						v = v*8 + int(b[i+k]-'0')
					}
					i += k - 1
					out = append(out, byte(v))
				} else {
					out = append(out, e)
				}
			}
		default:
			out = append(out, ch)
		}
	}
	return out, len(b)
}

// hexString reads a <hex string> at b[0].
func hexString(b []byte) ([]byte, int) {
	var out []byte
	var hi byte
	half := false
	for i := 1; i < len(b); i++ {
		ch := b[i]
		var v byte
		switch {
		case ch == '>':
			if half {
				out = append(out, hi<<4)
			}
			return out, i + 1
		case ch >= '0' && ch <= '9':
			v = ch - '0'
		case ch >= 'a' && ch <= 'f':
			v = ch - 'a' + 10
		case ch >= 'A' && ch <= 'F':
			v = ch - 'A' + 10
		default:
			continue
		}
		if half {
			out = append(out, hi<<4|v)
		} else {
			hi = v
		}
		half = !half
	}
	return out, len(b)
}

var errPDFTooLarge = errors.New("pdf: too large to count")

// pdfWords counts a stored PDF's words (0 when unknown).
func pdfWords(r io.ReaderAt, size int64) (int, error) {
	if size > maxPDFRead {
		return 0, errPDFTooLarge
	}
	b := make([]byte, size)
	if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	return PDFWords(b), nil
}
