// Package entryfiles keeps the files of the entries part (issue 13) under
// ENTRIES_DIR: each file named by the sha256 of its content, never by the
// name it was uploaded with, written whole or not at all, its type told by
// its content (container headers, not the name or the sender's MIME type)
// and a video's length measured.
package entryfiles

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"quizbot/outbound"
	"quizbot/quiz"
)

// DefaultMaxSize bounds a stored file: a five-minute clip in full HD is a
// few hundred megabytes.
const DefaultMaxSize = 2 << 30

// Store is a directory of entry files.
type Store struct {
	dir     string
	maxSize int64
	// ffprobe is the path of ffprobe, "" when it is not installed: the
	// duration then comes from the MP4/MOV or WebM header alone.
	ffprobe string
}

// New returns the store in dir (created if missing), refusing files over
// maxSize bytes (DefaultMaxSize when 0). ffprobe is used when installed.
func New(dir string, maxSize int64) (*Store, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("entries dir %s: %w", dir, err)
	}
	s := &Store{dir: dir, maxSize: maxSize}
	s.ffprobe, _ = exec.LookPath("ffprobe")
	return s, nil
}

// MaxSize is the largest file the store takes.
func (s *Store) MaxSize() int64 { return s.maxSize }

// WithoutFFprobe makes the store read durations from container headers
// only, as on a machine without ffprobe (for tests).
func (s *Store) WithoutFFprobe() *Store { c := *s; c.ffprobe = ""; return &c }

var hashPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Path is where the file with hash is kept: DIR/ab/abcd….
func (s *Store) Path(hash string) (string, error) {
	if !hashPattern.MatchString(hash) {
		return "", fmt.Errorf("entry file: %q is not a sha256", hash)
	}
	return filepath.Join(s.dir, hash[:2], hash), nil
}

// ErrTooLarge is a file over the store's limit.
var ErrTooLarge = errors.New("entry file too large")

// Put stores what r holds and describes it. name is the name the file was
// uploaded with, kept for the record only. The content goes to a temporary
// file in the store's directory, then is renamed to its hash once whole
// and checked, so that nothing half-written or of an unknown type ever has
// a hash's name; the same content twice is stored once. A file of a type
// quizbot does not take, or over the limit, is an EINVALID quiz.Error with
// a Vietnamese message.
func (s *Store) Put(ctx context.Context, r io.Reader, name string) (quiz.EntryFile, error) {
	tmp, err := os.CreateTemp(s.dir, ".upload-*")
	if err != nil {
		return quiz.EntryFile{}, fmt.Errorf("entry file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, s.maxSize+1))
	if err != nil {
		return quiz.EntryFile{}, fmt.Errorf("entry file: receive: %w", err)
	}
	if n > s.maxSize {
		return quiz.EntryFile{}, &quiz.Error{Code: quiz.EINVALID, Err: ErrTooLarge,
			Message: fmt.Sprintf("Tệp lớn hơn giới hạn %s nên không nhận được.", Size(s.maxSize))}
	}
	if n == 0 {
		return quiz.EntryFile{}, quiz.Errorf(quiz.EINVALID, "Tệp rỗng, không có nội dung.")
	}
	if err := tmp.Sync(); err != nil {
		return quiz.EntryFile{}, fmt.Errorf("entry file: %w", err)
	}
	f := quiz.EntryFile{Hash: hex.EncodeToString(h.Sum(nil)), Size: n, Name: cleanName(name)}
	if f.Format, err = sniff(tmp); err != nil {
		return quiz.EntryFile{}, err
	}
	switch f.Format {
	case "mp4", "mov", "webm":
		f.Duration = s.duration(ctx, tmp, f.Format, n)
	case "pdf":
		// 0 when unknown (a scanned PDF, or one too large to read): the
		// word range is then left to the jury.
		f.Words, _ = pdfWords(tmp, n)
	case "docx":
		f.Words, err = docxWords(tmp, n)
		if errors.Is(err, errUnknownType) {
			return quiz.EntryFile{}, err
		}
		if err != nil {
			return quiz.EntryFile{}, quiz.Errorf(quiz.EINVALID, "Tệp DOCX bị hỏng, không đọc được nội dung.")
		}
	}
	if err := tmp.Close(); err != nil {
		return quiz.EntryFile{}, fmt.Errorf("entry file: %w", err)
	}
	final, _ := s.Path(f.Hash)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return quiz.EntryFile{}, fmt.Errorf("entry file: %w", err)
	}
	if err := os.Chmod(tmp.Name(), 0o640); err != nil {
		return quiz.EntryFile{}, fmt.Errorf("entry file: %w", err)
	}
	// rename replaces an existing file of the same hash with the same
	// bytes: harmless, and atomic.
	if err := os.Rename(tmp.Name(), final); err != nil {
		return quiz.EntryFile{}, fmt.Errorf("entry file: %w", err)
	}
	done = true
	return f, nil
}

// cleanName keeps an uploaded name printable and short, for the record.
func cleanName(s string) string {
	s = filepath.Base(strings.ReplaceAll(s, "\\", "/"))
	if s == "." || s == "/" || !utf8.ValidString(s) {
		return ""
	}
	return outbound.Clip(strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s), 200)
}

// Size writes a byte count for people: 20 MB, 1,5 GB.
func Size(n int64) string {
	switch {
	case n >= 1<<30:
		return strings.Replace(strconv.FormatFloat(float64(n)/(1<<30), 'f', -1, 64), ".", ",", 1) + " GB"
	case n >= 1<<20:
		return strings.Replace(strconv.FormatFloat(float64(n*10/(1<<20))/10, 'f', -1, 64), ".", ",", 1) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " byte"
}

var errUnknownType = quiz.Errorf(quiz.EINVALID, "Không nhận ra loại tệp: chỉ nhận video MP4, MOV, WebM và bài viết PDF, DOCX.")

// sniff tells the format by the file's first bytes.
func sniff(f *os.File) (string, error) {
	head := make([]byte, 64)
	n, _ := f.ReadAt(head, 0)
	head = head[:n]
	switch {
	case len(head) >= 12 && string(head[4:8]) == "ftyp":
		if string(head[8:12]) == "qt  " {
			return "mov", nil
		}
		return "mp4", nil
	case bytes.HasPrefix(head, []byte{0x1a, 0x45, 0xdf, 0xa3}):
		if bytes.Contains(head, []byte("webm")) {
			return "webm", nil
		}
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return "pdf", nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		return "docx", nil // checked by docxWords: a zip without Word's document is refused
	}
	return "", errUnknownType
}

// docxWords counts the words of a DOCX's main document: the text of its
// runs, paragraph by paragraph.
func docxWords(f *os.File, size int64) (int, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return 0, err
	}
	for _, zf := range zr.File {
		if zf.Name != "word/document.xml" {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return 0, err
		}
		defer rc.Close()
		dec := xml.NewDecoder(io.LimitReader(rc, 256<<20))
		words, inText := 0, false
		var para strings.Builder
		for {
			tok, err := dec.Token()
			if err == io.EOF {
				return words + len(strings.Fields(para.String())), nil
			}
			if err != nil {
				return 0, err
			}
			switch t := tok.(type) {
			case xml.StartElement:
				inText = t.Name.Local == "t"
				if t.Name.Local == "tab" || t.Name.Local == "br" {
					para.WriteByte(' ')
				}
			case xml.EndElement:
				inText = false
				if t.Name.Local == "p" {
					words += len(strings.Fields(para.String()))
					para.Reset()
				}
			case xml.CharData:
				if inText {
					para.Write(t)
				}
			}
		}
	}
	return 0, errUnknownType
}

// duration measures a video: by ffprobe when installed, else from an MP4
// or MOV's movie header (mvhd) or a WebM's Info; 0 when unknown.
func (s *Store) duration(ctx context.Context, f *os.File, format string, size int64) time.Duration {
	if s.ffprobe != "" {
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, s.ffprobe, "-v", "error", "-show_entries", "format=duration",
			"-of", "default=noprint_wrappers=1:nokey=1", f.Name()).Output()
		if err == nil {
			if sec, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64); err == nil && sec >= 0 {
				return time.Duration(sec * float64(time.Second))
			}
		}
	}
	if format == "webm" {
		d, _ := WebMDuration(f, size)
		return d
	}
	d, _ := MP4Duration(f)
	return d
}

// MP4Duration reads the duration of an MP4 or MOV file from its movie
// header: the moov box, wherever it is among the top-level boxes, and its
// mvhd's timescale and duration.
func MP4Duration(r io.ReaderAt) (time.Duration, error) {
	moov, moovSize, err := findBox(r, 0, -1, "moov")
	if err != nil {
		return 0, err
	}
	mvhd, mvhdSize, err := findBox(r, moov, moovSize, "mvhd")
	if err != nil {
		return 0, err
	}
	b := make([]byte, 32)
	if mvhdSize < 24 {
		return 0, errors.New("mp4: mvhd too short")
	}
	n, _ := r.ReadAt(b[:min(int64(len(b)), mvhdSize)], mvhd)
	b = b[:n]
	var scale uint32
	var dur uint64
	switch {
	case len(b) >= 20 && b[0] == 0:
		scale, dur = binary.BigEndian.Uint32(b[12:16]), uint64(binary.BigEndian.Uint32(b[16:20]))
	case len(b) >= 32 && b[0] == 1:
		scale, dur = binary.BigEndian.Uint32(b[20:24]), binary.BigEndian.Uint64(b[24:32])
	default:
		return 0, errors.New("mp4: unknown mvhd version")
	}
	if scale == 0 {
		return 0, errors.New("mp4: mvhd timescale 0")
	}
	return time.Duration(float64(dur) / float64(scale) * float64(time.Second)), nil
}

// findBox finds the box of type typ among the boxes in [off, off+size)
// (to the end when size < 0) and returns its payload's offset and size.
func findBox(r io.ReaderAt, off, size int64, typ string) (int64, int64, error) {
	end := off + size
	hdr := make([]byte, 16)
	for i := 0; i < 10000 && (size < 0 || off+8 <= end); i++ {
		n, err := r.ReadAt(hdr, off)
		if n < 8 {
			if err == nil || errors.Is(err, io.EOF) {
				return 0, 0, fmt.Errorf("mp4: no %s box", typ)
			}
			return 0, 0, err
		}
		boxSize, head := int64(binary.BigEndian.Uint32(hdr[:4])), int64(8)
		switch boxSize {
		case 1:
			if n < 16 {
				return 0, 0, errors.New("mp4: truncated box")
			}
			boxSize, head = int64(binary.BigEndian.Uint64(hdr[8:16])), 16
		case 0:
			if size < 0 {
				return 0, 0, fmt.Errorf("mp4: no %s box", typ)
			}
			boxSize = end - off
		}
		if boxSize < head {
			return 0, 0, errors.New("mp4: bad box size")
		}
		if string(hdr[4:8]) == typ {
			return off + head, boxSize - head, nil
		}
		off += boxSize
	}
	return 0, 0, fmt.Errorf("mp4: no %s box", typ)
}
