package entryfiles_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quizbot/entryfiles"
	"quizbot/quiz"
)

func box(typ string, payload ...[]byte) []byte {
	body := bytes.Join(payload, nil)
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
	return append(append(b, typ...), body...)
}

// MP4 is a minimal MP4 (or MOV, by brand) whose movie header says
// duration/timescale seconds, its moov after the media data as most
// cameras write it.
func MP4(brand string, timescale, duration uint32) []byte {
	mvhd := make([]byte, 100)
	binary.BigEndian.PutUint32(mvhd[12:], timescale)
	binary.BigEndian.PutUint32(mvhd[16:], duration)
	return bytes.Join([][]byte{
		box("ftyp", []byte(brand), []byte{0, 0, 2, 0}, []byte("isommp41")),
		box("mdat", bytes.Repeat([]byte{0xAB}, 500)),
		box("moov", box("mvhd", mvhd), box("trak", []byte("....")))}, nil)
}

func docx(t *testing.T, xmlBody string) []byte {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create("word/document.xml")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(`<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + xmlBody + `</w:body></w:document>`))
	zw.Close()
	return buf.Bytes()
}

func newStore(t *testing.T, max int64) (*entryfiles.Store, string) {
	dir := t.TempDir()
	s, err := entryfiles.New(dir, max)
	if err != nil {
		t.Fatal(err)
	}
	return s.WithoutFFprobe(), dir
}

// files lists what dir holds, temporary files included.
func files(t *testing.T, dir string) []string {
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

func TestPutNamesByHashAndReadsTheHeader(t *testing.T) {
	t.Parallel()
	s, dir := newStore(t, 0)
	ctx := context.Background()
	clip := MP4("isom", 1000, 245_000) // 4:05
	f, err := s.Put(ctx, bytes.NewReader(clip), "../../Video hay.mp4")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(clip)
	want := hex.EncodeToString(sum[:])
	if f.Hash != want || f.Size != int64(len(clip)) || f.Format != "mp4" || f.Duration != 245*time.Second || f.Name != "Video hay.mp4" {
		t.Fatalf("stored %+v", f)
	}
	if got := files(t, dir); strings.Join(got, ",") != filepath.Join(want[:2], want) {
		t.Fatalf("dir holds %q", got)
	}
	p, _ := s.Path(f.Hash)
	if b, _ := os.ReadFile(p); !bytes.Equal(b, clip) {
		t.Fatal("stored bytes differ")
	}
	// The same content again: one file.
	if _, err := s.Put(ctx, bytes.NewReader(clip), "khac.mp4"); err != nil || len(files(t, dir)) != 1 {
		t.Fatalf("second put: %v, %q", err, files(t, dir))
	}

	for _, c := range []struct {
		name, format string
		data         []byte
		words        int
		dur          time.Duration
	}{
		{"mov", "mov", MP4("qt  ", 600, 600*90), 0, 90 * time.Second},
		{"webm", "webm", append([]byte{0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x82, 0x84}, "webm...."...), 0, 0},
		{"pdf", "pdf", []byte("%PDF-1.7\n%âãÏÓ\n1 0 obj\n"), 0, 0},
		{"docx", "docx", docx(t, `<w:p><w:r><w:t>Cải cách</w:t></w:r><w:r><w:t xml:space="preserve"> hành chính</w:t></w:r></w:p><w:p><w:r><w:t>tỉnh Hòa An.</w:t></w:r></w:p>`), 7, 0},
	} {
		f, err := s.Put(ctx, bytes.NewReader(c.data), "x")
		if err != nil || f.Format != c.format || f.Words != c.words || f.Duration != c.dur {
			t.Errorf("%s: %+v, %v", c.name, f, err)
		}
	}
}

// What is not a video or an essay, or is over the limit, is refused with a
// message, and leaves nothing behind.
func TestPutRefuses(t *testing.T) {
	t.Parallel()
	s, dir := newStore(t, 1000)
	ctx := context.Background()
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"a text named .mp4", []byte("đây không phải video"), "Không nhận ra loại tệp: chỉ nhận video MP4, MOV, WebM và bài viết PDF, DOCX."},
		{"a zip that is no DOCX", func() []byte {
			var buf bytes.Buffer
			zw := zip.NewWriter(&buf)
			w, _ := zw.Create("a.txt")
			w.Write([]byte("x"))
			zw.Close()
			return buf.Bytes()
		}(), "Không nhận ra loại tệp: chỉ nhận video MP4, MOV, WebM và bài viết PDF, DOCX."},
		{"empty", nil, "Tệp rỗng, không có nội dung."},
		{"over the limit", append(MP4("isom", 1, 1), make([]byte, 1000)...), "Tệp lớn hơn giới hạn 1000 byte nên không nhận được."},
	} {
		_, err := s.Put(ctx, bytes.NewReader(c.data), "clip.mp4")
		if quiz.ErrorCode(err) != quiz.EINVALID || quiz.ErrorMessage(err) != c.want {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	if got := files(t, dir); len(got) != 0 {
		t.Fatalf("refused files left %q", got)
	}
}
