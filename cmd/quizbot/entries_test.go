package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quizbot/bot/telegram/telegramtest"

	"quizbot/config"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// testClip is a minimal MP4 of length d (its movie header), padded to
// size bytes at least.
func testClip(d time.Duration, size int) []byte {
	box := func(typ string, body []byte) []byte {
		return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(body))), typ...), body...)
	}
	mvhd := make([]byte, 100)
	binary.BigEndian.PutUint32(mvhd[12:], 600)
	binary.BigEndian.PutUint32(mvhd[16:], uint32(d.Seconds()*600))
	return bytes.Join([][]byte{box("ftyp", []byte("mp42\x00\x00\x00\x00mp42isom")), box("mdat", make([]byte, max(size-150, 10))),
		box("moov", box("mvhd", mvhd))}, nil)
}

// newEntriesTgRig is serve with an entries section open and its files in a
// directory of the test's.
func newEntriesTgRig(t *testing.T) (*tgRig, string) {
	t.Helper()
	db, dbURL := storagetest.NewDBURL(t)
	dir := t.TempDir()
	r := &tgRig{t: t, db: db, dbURL: dbURL, rdb: storagetest.NewRedis(t), logBuf: &bytes.Buffer{},
		public: "https://quizbot.example.vn", configure: func(c *config.Config) { c.EntriesDir = dir }}
	r.fake = telegramtest.New(t)
	r.f = storagetest.Seed(t, db, storagetest.SeedOptions{})
	r.clock = quiz.NewFakeClock(r.f.Now)
	c := r.f.Contest
	c.Entries = &quiz.EntriesConfig{
		OpensAt: r.f.Now.Add(-time.Hour), ClosesAt: r.f.Now.Add(time.Hour), Submitter: quiz.SubmitterHead, MinPerUnit: 1, MaxPerUnit: 2,
		Video:  &quiz.VideoRules{Formats: []string{"mp4"}, MaxDuration: 5 * time.Minute},
		Rubric: []quiz.Criterion{{Name: "Nội dung", MaxPoints: 70}, {Name: "Hình thức", MaxPoints: 30}},
		Judges: []string{r.f.Members["dung"].Phone}, Combine: quiz.CombineMean,
	}
	if _, err := db.ApplyContest(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	r.start()
	return r, dir
}

// /nopbai on Telegram through serve: the clip sent as a document is
// fetched with getFile and downloaded from the Bot API's file URL, stored
// under its hash and acknowledged with a receipt; a video over the cloud
// Bot API's 20 MB (getFile refuses it) gets a clear message and nothing is
// stored.
func TestTelegramEntryByDocument(t *testing.T) {
	t.Parallel()
	r, dir := newEntriesTgRig(t)
	chi := user(3003, "Chi")
	r.verify(chi, r.f.Members["chi"].Phone)
	r.send(r.fake.Command(chi, "nopbai"))
	r.send(r.fake.TextMessage(chi, "Một cửa liên thông"))
	r.send(r.fake.TextMessage(chi, "Lê Minh Chi"))
	if m := r.last(chi); !strings.HasPrefix(m.Text, "Bước 3/3") {
		t.Fatalf("step 3: %q", m.Text)
	}
	clip := testClip(3*time.Minute+30*time.Second, 2048)
	sum := sha256.Sum256(clip)
	hash := hex.EncodeToString(sum[:])
	r.send(r.fake.Document(chi, "clip cuối.mp4", "video/mp4", clip))
	m := r.last(chi)
	for _, want := range []string{"🧾 Biên nhận bài dự thi\n", "Tên bài: Một cửa liên thông\n", "Loại: Video MP4, thời lượng 3:30\n",
		fmt.Sprintf("Dung lượng: 2 KB (%d.%03d byte)\nMã SHA-256: %s\n", len(clip)/1000, len(clip)%1000, hash), "Thời điểm nhận: 09:00:00 ngày 02/12/2026\nNgười nộp: Lê Minh Chi"} {
		if !strings.Contains(m.Text, want) {
			t.Fatalf("receipt %q lacks %q", m.Text, want)
		}
	}
	if len(r.fake.CallsTo("getFile")) != 1 || r.fake.Downloads() != 1 {
		t.Fatalf("getFile %d calls, %d downloads", len(r.fake.CallsTo("getFile")), r.fake.Downloads())
	}
	if b, err := os.ReadFile(filepath.Join(dir, hash[:2], hash)); err != nil || !bytes.Equal(b, clip) {
		t.Fatalf("stored clip: %v", err)
	}

	// A second entry, sent as a video over 20 MB.
	r.send(r.fake.Command(chi, "nopbai"))
	r.send(r.fake.TextMessage(chi, "Bản dài"))
	r.send(r.fake.TextMessage(chi, "Lê Minh Chi"))
	big := testClip(time.Minute, 21<<20)
	r.send(r.fake.Video(chi, "lon.mp4", "video/mp4", big, 60))
	if m := r.last(chi); !strings.HasPrefix(m.Text, "⚠️ Tệp \"lon.mp4\" (21 MB) lớn hơn mức tối đa bot được tải về qua ứng dụng này nên không nhận được qua tin nhắn.") {
		t.Fatalf("a video over 20 MB: %q", m.Text)
	}
	var n int
	if err := r.db.Get(&n, `SELECT count(*) FROM entries`); err != nil || n != 1 {
		t.Fatalf("%d entries, %v", n, err)
	}
	if strings.Contains(r.logBuf.String(), r.fake.Token()) {
		t.Fatal("the token is in the log")
	}
}

// /nopbai on Zalo through serve: the clip comes as a download URL in a
// signed user_send_file event; quizbot downloads it, keeps it under its
// hash and sends the receipt as a consultation message.
func TestZaloEntryByFileURL(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "either")
	dir := t.TempDir()
	zaloConf := r.configure
	r.configure = func(c *config.Config) { zaloConf(c); c.EntriesDir = dir }
	r.start()
	c := r.f.Contest
	c.Entries = &quiz.EntriesConfig{
		OpensAt: r.f.Now.Add(-time.Hour), ClosesAt: r.f.Now.Add(time.Hour), Submitter: quiz.SubmitterMember, MaxPerUnit: 1,
		Video:  &quiz.VideoRules{Formats: []string{"mp4"}},
		Rubric: []quiz.Criterion{{Name: "Nội dung", MaxPoints: 100}}, Judges: []string{r.f.Members["dung"].Phone}, Combine: quiz.CombineMean,
	}
	if _, err := r.db.ApplyContest(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	clip := testClip(2*time.Minute, 1000)
	sum := sha256.Sum256(clip)
	hash := hex.EncodeToString(sum[:])
	cdn := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { w.Write(clip) }))
	defer cdn.Close()

	r.zverify("z-em", r.f.Members["em"].Phone)
	r.zsend(r.z.TextEvent("z-em", "/nopbai"))
	r.zsend(r.z.TextEvent("z-em", "Một cửa ở xã"))
	r.zsend(r.z.TextEvent("z-em", "Hoàng Văn Em"))
	r.zsend(r.z.FileEvent("z-em", cdn.URL+"/zalo/f/abc.mp4", "clip.mp4", len(clip)))
	if m := r.zlast("z-em"); !strings.HasPrefix(m.Text, "🧾 Biên nhận bài dự thi\n") || !strings.Contains(m.Text, "Mã SHA-256: "+hash) ||
		!strings.Contains(m.Text, "Đơn vị: UBND xã Hòa Phú") || !strings.Contains(m.Text, "thời lượng 2:00") {
		t.Fatalf("receipt: %q", m.Text)
	}
	if b, err := os.ReadFile(filepath.Join(dir, hash[:2], hash)); err != nil || !bytes.Equal(b, clip) {
		t.Fatalf("stored clip: %v", err)
	}
}
