package chat_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"quizbot/bot/chat/chattest"
	"quizbot/entryfiles"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// mp4Clip is a minimal MP4 of the given length (its movie header's
// duration, at timescale 1000), its media data after the header.
func mp4Clip(d time.Duration) []byte {
	box := func(typ string, body []byte) []byte {
		return append(append(binary.BigEndian.AppendUint32(nil, uint32(8+len(body))), typ...), body...)
	}
	mvhd := make([]byte, 100)
	binary.BigEndian.PutUint32(mvhd[12:], 1000)
	binary.BigEndian.PutUint32(mvhd[16:], uint32(d/time.Millisecond))
	return bytes.Join([][]byte{box("ftyp", []byte("isom\x00\x00\x02\x00isommp41")), box("moov", box("mvhd", mvhd)),
		box("mdat", bytes.Repeat([]byte{7}, 300))}, nil)
}

// withEntries gives the rig's contest an entries section (any member
// submits for their unit, one entry a unit) and turns /nopbai on, with the
// files under a directory of the test's.
func withEntries(t *testing.T, r *rig) (dir string, cfg quiz.EntriesConfig) {
	t.Helper()
	cfg = quiz.EntriesConfig{
		OpensAt: r.f.Now.Add(-24 * time.Hour), ClosesAt: r.f.Now.Add(48 * time.Hour),
		Submitter: quiz.SubmitterMember, MinPerUnit: 1, MaxPerUnit: 1,
		Video:  &quiz.VideoRules{Formats: []string{"mp4", "mov"}, MaxDuration: 5 * time.Minute},
		Essay:  &quiz.EssayRules{Formats: []string{"pdf", "docx"}},
		Link:   true,
		Rubric: []quiz.Criterion{{Name: "Nội dung", MaxPoints: 70}, {Name: "Hình thức", MaxPoints: 30}},
		Judges: []string{r.f.Members["dung"].Phone}, Combine: quiz.CombineMean,
	}
	c := r.f.Contest
	c.Entries = &cfg
	if _, err := r.db.ApplyContest(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	files, err := entryfiles.New(dir, 0)
	if err != nil {
		t.Fatal(err)
	}
	r.bot.UseEntries(quiz.NewEntries(r.db, r.clock), r.db, files.WithoutFFprobe(), nil)
	return dir, cfg
}

// /nopbai end to end: a member sends the unit's clip in three steps and
// gets a receipt (title, size, hash, time), of which the unit's head gets a
// copy; the file is kept under its hash; a second entry replaces the
// first; a file too large for the channel, a file of another type and a
// clip too long are refused with the reason; after the close nothing is
// taken.
func TestEntriesSubmittedInChat(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		dir, cfg := withEntries(t, r)
		an, chi := r.user("an"), r.user("chi")
		r.verify(an)
		r.verify(chi)

		an.Command("nopbai")
		if m := an.Last().Text; !strings.Contains(m, "📤 Nộp bài dự thi – Tìm hiểu cải cách hành chính 2026\nĐơn vị: Sở Nội vụ\nHạn nộp: 09:00 ngày 04/12/2026.") ||
			!strings.HasSuffix(m, "Bước 1/3: Nhập tên (tiêu đề) bài dự thi.\n(Gõ /huy để dừng.)") ||
			!strings.Contains(m, "Cuộc thi nhận: tệp video (MP4, MOV, dài tối đa 5:00); tệp bài viết (PDF, DOCX); đường dẫn (link) tới video đăng trên mạng.") {
			t.Fatalf("/nopbai: %q", m)
		}
		// /huy stops a dialogue, and says so when there is none.
		an.Command("huy")
		if m := an.Last().Text; m != "Đã dừng việc nộp bài dự thi. Gõ /nopbai khi muốn nộp lại." {
			t.Fatalf("/huy: %q", m)
		}
		an.Command("huy")
		if m := an.Last().Text; m != "Anh/chị không có việc nộp bài dự thi nào đang dở. Gõ /nopbai để nộp bài." {
			t.Fatalf("/huy with nothing to stop: %q", m)
		}
		an.Command("nopbai")
		an.Type("Một cửa  hiện đại ở Sở Nội vụ")
		if m := an.Last().Text; m != "Bước 2/3: Nhập họ tên tác giả (nhiều người thì cách nhau bởi dấu phẩy)." {
			t.Fatalf("after the title: %q", m)
		}
		an.Type("Nguyễn Văn An, Trần Thị Bình")
		if m := an.Last().Text; !strings.HasPrefix(m, "Bước 3/3: Gửi tệp bài dự thi") {
			t.Fatalf("after the authors: %q", m)
		}

		// Not a video: refused, the step stays.
		an.SendFile("clip.mp4", []byte("đây là văn bản, không phải video"))
		if m := an.Last().Text; m != "Không nhận ra loại tệp: chỉ nhận video MP4, MOV, WebM và bài viết PDF, DOCX." {
			t.Fatalf("a text file: %q", m)
		}
		an.SendFile("dai.mp4", mp4Clip(5*time.Minute+2*time.Second))
		if m := an.Last().Text; m != "Video dài 5:02, quá thời lượng tối đa 5:00." {
			t.Fatalf("a clip too long: %q", m)
		}
		clip := mp4Clip(4*time.Minute + 5*time.Second)
		sum := sha256.Sum256(clip)
		hash := hex.EncodeToString(sum[:])
		an.SendFile("Video dự thi.mp4", clip)
		receipt := "🧾 Biên nhận bài dự thi\nCuộc thi: Tìm hiểu cải cách hành chính 2026\nĐơn vị: Sở Nội vụ\n" +
			"Tên bài: Một cửa hiện đại ở Sở Nội vụ\nTác giả: Nguyễn Văn An, Trần Thị Bình\n" +
			fmt.Sprintf("Loại: Video MP4, thời lượng 4:05\nDung lượng: %d byte\nMã SHA-256: %s\n", len(clip), hash) +
			"Thời điểm nhận: 09:00:00 ngày 02/12/2026\nNgười nộp: Nguyễn Văn An\n\n" +
			"Đơn vị có thể thay bài đến 09:00 ngày 04/12/2026; sau thời điểm đó bài được giữ nguyên để chấm."
		if m := an.Last().Text; m != receipt {
			t.Fatalf("receipt:\n%s\nwant\n%s", m, receipt)
		}
		if m := chi.Last().Text; m != "📨 Bản sao biên nhận gửi thủ trưởng đơn vị\n\n"+receipt {
			t.Fatalf("the head's copy: %q", m)
		}
		if stored, err := os.ReadFile(filepath.Join(dir, hash[:2], hash)); err != nil || !bytes.Equal(stored, clip) {
			t.Fatalf("stored file: %v", err)
		}
		if n := r.count(`SELECT count(*) FROM entries WHERE title = 'Một cửa hiện đại ở Sở Nội vụ' AND original_name = 'Video dự thi.mp4'`); n != 1 {
			t.Fatalf("%d entries stored", n)
		}
		// A file out of the dialogue is not taken.
		an.SendFile("khac.mp4", clip)
		if m := an.Last().Text; !strings.HasPrefix(m, "Để nộp bài dự thi, anh/chị gõ /nopbai") {
			t.Fatalf("a file out of the dialogue: %q", m)
		}

		// The unit has sent its one entry: /nopbai offers to replace it;
		// a file over the channel's limit is refused with the sizes.
		r.chat.SetFileLimit(int64(len(clip)) - 1)
		chi.Command("nopbai")
		if m := chi.Last(); !strings.Contains(m.Text, "Đơn vị đã nộp 1/1 bài:\n1. Một cửa hiện đại ở Sở Nội vụ") {
			t.Fatalf("/nopbai of a full unit: %q", m.Text)
		}
		chi.Tap("🔁 Thay bài 1: Một cửa hiện đại ở Sở Nội vụ")
		chi.Type("Bản mới")
		chi.Type("Lê Minh Chi")
		chi.SendFile("lon.mp4", clip)
		if m := chi.Last().Text; !strings.HasPrefix(m, fmt.Sprintf("⚠️ Tệp \"lon.mp4\" (%d byte) lớn hơn mức tối đa bot được tải về qua ứng dụng này (%d byte) nên không nhận được qua tin nhắn.", len(clip), len(clip)-1)) {
			t.Fatalf("a file over the channel's limit: %q", m)
		}
		chi.Type("https://www.youtube.com/watch?v=abc123")
		if m := chi.Last().Text; !strings.HasPrefix(m, "🧾 Biên nhận bài dự thi (thay thế bài đã nộp)") || !strings.Contains(m, "Đường dẫn: https://www.youtube.com/watch?v=abc123") {
			t.Fatalf("replacement's receipt: %q", m)
		}
		if n := r.count(`SELECT count(*) FROM entries WHERE title = 'Bản mới' AND kind = 'link'`); n != 1 || r.count(`SELECT count(*) FROM entries`) != 1 {
			t.Fatal("the link did not replace the clip")
		}

		// A dialogue begun before the close and finished after it: the
		// file is refused, and the dialogue is over.
		em := r.user("em")
		r.verify(em)
		r.clock.Set(cfg.ClosesAt.Add(-10 * time.Minute))
		em.Command("nopbai")
		em.Type("Bài muộn")
		em.Type("Hoàng Văn Em")
		r.clock.Set(cfg.ClosesAt)
		em.SendFile("muon.mp4", clip)
		if m := em.Last().Text; m != "Đã hết hạn nộp bài dự thi (09:00 ngày 04/12/2026). Bài đã nộp được giữ nguyên, không thể nộp thêm hay thay thế." {
			t.Fatalf("a file after the close: %q", m)
		}
		if n := r.count(`SELECT count(*) FROM entries WHERE title = 'Bài muộn'`) + r.count(`SELECT count(*) FROM entry_drafts`); n != 0 {
			t.Fatalf("a late file left %d entries and drafts", n)
		}

		// After the close: refused, nothing changes.
		an.Command("nopbai")
		if m := an.Last().Text; m != "Đã hết hạn nộp bài dự thi (09:00 ngày 04/12/2026). Bài đã nộp được giữ nguyên, không thể nộp thêm hay thay thế." {
			t.Fatalf("/nopbai after the close: %q", m)
		}
		// The frozen entry's receipt, once, to its submitter (the head,
		// who replaced it) and no copy to the same person.
		n := chi.Count()
		for range 2 {
			if err := r.bot.SendFrozenReceipts(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if m := chi.Last().Text; chi.Count() != n+1 || !strings.HasPrefix(m, "🧾 Biên nhận bài dự thi – bài đã được chốt\nCuộc thi: Tìm hiểu cải cách hành chính 2026\nĐơn vị: Sở Nội vụ\nTên bài: Bản mới\n") ||
			!strings.HasSuffix(m, "Người nộp: Lê Minh Chi\n\nHạn nộp bài đã kết thúc lúc 09:00 ngày 04/12/2026: bài được giữ nguyên như trên để Ban Giám khảo chấm.") {
			t.Fatalf("frozen receipt (%d messages): %q", chi.Count()-n, m)
		}
	})
}

// A dialogue of /nopbai left at a step does not take the quiz's input: a
// member who starts the quiz in between answers its prediction question
// with a number, which is the prediction, not the entry's authors; the
// dialogue then goes on where it was.
func TestEntryDraftLeavesThePredictionToTheQuiz(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{Prediction: "Tuần này có bao nhiêu người dự thi?"}, func(t *testing.T, r *rig) {
		withEntries(t, r)
		an := r.user("an")
		r.verify(an)
		an.Command("nopbai")
		an.Type("Một cửa hiện đại")
		if m := an.Last().Text; m != "Bước 2/3: Nhập họ tên tác giả (nhiều người thì cách nhau bởi dấu phẩy)." {
			t.Fatalf("after the title: %q", m)
		}
		r.startQuiz(an)
		r.answerAll(an, 3)
		if m := an.Last(); !strings.Contains(m.Text, "Câu hỏi dự đoán") {
			t.Fatalf("prediction question: %q", m.Text)
		}
		an.Type("2")
		if m := an.Last().Text; !strings.Contains(m, "Dự đoán: 2") {
			t.Fatalf("the prediction went elsewhere: %q", m)
		}
		an.Type("Nguyễn Văn An")
		if m := an.Last().Text; !strings.HasPrefix(m, "Bước 3/3: Gửi tệp bài dự thi") {
			t.Fatalf("the dialogue after the quiz: %q", m)
		}
	})
}

// The close freezes several entries of one unit: each receipt goes to its
// submitter, and the unit's head gets a copy of every one of them.
func TestFrozenReceiptsOfOneUnit(t *testing.T) {
	eachPlatform(t, storagetest.SeedOptions{}, func(t *testing.T, r *rig) {
		_, cfg := withEntries(t, r)
		cfg.MaxPerUnit = 2
		c := r.f.Contest
		c.Entries = &cfg
		if _, err := r.db.ApplyContest(context.Background(), c); err != nil {
			t.Fatal(err)
		}
		an, binh, chi := r.user("an"), r.user("binh"), r.user("chi")
		for _, u := range []*chattest.User{an, binh, chi} {
			r.verify(u)
		}
		titles := map[*chattest.User]string{an: "Bài của An", binh: "Bài của Bình"}
		for _, u := range []*chattest.User{an, binh} {
			u.Command("nopbai")
			u.Type(titles[u])
			u.Type("Nguyễn Văn An, Trần Thị Bình")
			u.Type("https://v.example.vn/" + strings.ToLower(u.Name))
			if m := u.Last().Text; !strings.HasPrefix(m, "🧾 Biên nhận bài dự thi\n") {
				t.Fatalf("receipt of %s: %q", titles[u], m)
			}
		}

		r.clock.Set(cfg.ClosesAt)
		counts := map[*chattest.User]int{an: an.Count(), binh: binh.Count(), chi: chi.Count()}
		if err := r.bot.SendFrozenReceipts(context.Background()); err != nil {
			t.Fatal(err)
		}
		frozen := func(title string) string {
			return "🧾 Biên nhận bài dự thi – bài đã được chốt\nCuộc thi: Tìm hiểu cải cách hành chính 2026\nĐơn vị: Sở Nội vụ\nTên bài: " + title + "\n"
		}
		for _, u := range []*chattest.User{an, binh} {
			ms := u.Messages()[counts[u]:]
			if len(ms) != 1 || !strings.HasPrefix(ms[0].Text, frozen(titles[u])) {
				t.Fatalf("%s's frozen receipt: %+v", titles[u], ms)
			}
		}
		ms := chi.Messages()[counts[chi]:]
		var got []string
		for _, m := range ms {
			for _, title := range titles {
				if strings.HasPrefix(m.Text, "📨 Bản sao biên nhận gửi thủ trưởng đơn vị\n\n"+frozen(title)) {
					got = append(got, title)
				}
			}
		}
		if len(ms) != 2 || len(got) != 2 || got[0] == got[1] {
			t.Fatalf("the head's copies: %+v", ms)
		}
	})
}
