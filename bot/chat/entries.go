package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"quizbot/quiz"
)

// /nopbai: a unit submits its entry (a video clip, an essay, or a link to a
// video hosted elsewhere) in a short dialogue, the same on every platform:
//
//	/nopbai            the rules and the deadline; asks for the title
//	                   (a unit that has sent all it may picks an entry to
//	                   replace: "nb:r:<entry>")
//	title, authors     typed
//	the file or link   a document or video message (KindFile), which the
//	                   messenger downloads (FileFetcher), or a typed URL
//
// then a receipt (title, size, hash, time) to the submitter and the unit's
// heads. Where it is in the dialogue is kept in PostgreSQL
// (EntryDialogues), so that any replica takes the next message. /huy stops
// it.

// FileRef is a file a person sent, as the platform refers to it: Telegram's
// file_id, Zalo's download URL.
type FileRef struct {
	ID   string
	Name string // as sent, "" when the platform gives none
	Size int64  // 0 when unknown
}

// FileFetcher is a messenger that downloads the files people send it.
type FileFetcher interface {
	// FetchFile opens the file's content.
	FetchFile(ctx context.Context, ref FileRef) (io.ReadCloser, error)
	// FileLimit is the largest file the platform lets the bot download
	// (Telegram's cloud Bot API: 20 MB); 0 when it sets none.
	FileLimit() int64
}

// ErrFileTooLarge is what FetchFile returns (wrapped) for a file the
// platform refuses to hand over for its size.
var ErrFileTooLarge = errors.New("file over the platform's download limit")

// EntryFiles keeps the entries' files (entryfiles.Store).
type EntryFiles interface {
	Put(ctx context.Context, r io.Reader, name string) (quiz.EntryFile, error)
	MaxSize() int64
}

// EntryDialogues keeps where each member is in /nopbai, and finds the
// heads who get a copy of the receipt; storage.DB implements it.
type EntryDialogues interface {
	SaveEntryDraft(ctx context.Context, d quiz.EntryDialogue) error
	EntryDraftOf(ctx context.Context, memberID int64, now time.Time) (quiz.EntryDialogue, bool, error)
	DeleteEntryDraft(ctx context.Context, memberID int64) error
	UnitHeads(ctx context.Context, unitID int64) ([]quiz.Member, error)
}

// UploadLinker makes a one-time link to upload a file too large for the
// chat on the console's upload page; the console implements it (serve
// wires it). Without one, the person is told the other ways.
type UploadLinker interface {
	UploadLink(ctx context.Context, m quiz.Member, d quiz.EntryDialogue) (string, error)
}

type entryDesk struct {
	svc    *quiz.Entries
	store  EntryDialogues
	files  EntryFiles
	upload UploadLinker // nil: none yet
}

// UseEntries turns /nopbai on. upload may be nil.
func (b *Bot) UseEntries(svc *quiz.Entries, store EntryDialogues, files EntryFiles, upload UploadLinker) {
	b.entries = &entryDesk{svc: svc, store: store, files: files, upload: upload}
}

const (
	entryDraftTTL = 30 * time.Minute
	stepTitle     = "title"
	stepAuthors   = "authors"
	stepFile      = "file"

	textEntryCancelled = "Đã dừng việc nộp bài dự thi. Gõ /nopbai khi muốn nộp lại."
	textEntryNothing   = "Anh/chị không có việc nộp bài dự thi nào đang dở. Gõ /nopbai để nộp bài."
	textEntryNoDraft   = "Để nộp bài dự thi, anh/chị gõ /nopbai rồi làm theo hướng dẫn; tệp gửi lúc khác không được ghi nhận."
	textEntryAuthors   = "Bước 2/3: Nhập họ tên tác giả (nhiều người thì cách nhau bởi dấu phẩy)."
	textEntryNoFiles   = "Ứng dụng này chưa nhận được tệp gửi qua tin nhắn. Anh/chị vui lòng gửi đường dẫn (link) tới video, hoặc nộp tệp qua Telegram."
)

// handleEntry handles the event if it belongs to /nopbai; handled is
// false for any other event, which Handle then processes as usual.
func (b *Bot) handleEntry(ctx context.Context, ev Event) (handled bool, err error) {
	if b.entries == nil || b.quiz == nil {
		return false, nil
	}
	out, ok := b.messengers[ev.Platform]
	if !ok {
		return false, nil
	}
	c := &conv{Bot: b, ev: ev, out: out}
	switch ev.Kind {
	case KindCommand:
		switch ev.Command {
		case "nopbai":
			return true, c.entryStart(ctx)
		case "huy":
			return true, c.entryCancel(ctx)
		}
	case KindCallback:
		if ev.Callback == nil || !strings.HasPrefix(ev.Callback.Data, "nb:") {
			return false, nil
		}
		return true, c.finishTap(ctx, c.entryCallback(ctx))
	case KindFile:
		return true, c.entryFile(ctx)
	case KindText:
		switch strings.TrimSpace(ev.Text) {
		case menuQuiz, menuHelp, menuStats, menuUnit, menuExcuse:
			return false, nil // a menu tap is never a title
		}
		m, err := b.quiz.Identify(ctx, ev.Platform, ev.UserID)
		if err != nil {
			return false, nil // strangers are Handle's
		}
		if busy, err := c.quizAwaits(ctx, m); busy || err != nil {
			// The quiz asks for input (a live question, or the prediction
			// after the last answer): the text is its answer. (Asked first:
			// the event knows the session already, while the draft is a
			// PostgreSQL read.) An error is the quiz's to report.
			return false, nil
		}
		d, ok, err := b.entries.store.EntryDraftOf(ctx, m.ID, b.quiz.Now())
		if err != nil || !ok {
			return false, err
		}
		return true, c.entryText(ctx, m, d)
	}
	return false, nil
}

// entryMember identifies the person, fresh from PostgreSQL: an entry is
// recorded in their unit's name.
func (c *conv) entryMember(ctx context.Context) (quiz.Member, bool, error) {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return m, false, err
	}
	if m, err = c.quiz.Confirm(ctx, m); err != nil {
		return m, false, c.fail(ctx, err)
	}
	return m, true, nil
}

func (c *conv) entryStart(ctx context.Context) error {
	m, ok, err := c.entryMember(ctx)
	if !ok || err != nil {
		return err
	}
	desk, err := c.entries.svc.Desk(ctx, m)
	if err != nil {
		return c.fail(ctx, err)
	}
	cfg, loc := desk.Setup.Config, desk.Setup.Contest.Location()
	var b strings.Builder
	fmt.Fprintf(&b, "📤 Nộp bài dự thi – %s\nĐơn vị: %s\nHạn nộp: %s.\n%s\n", field(desk.Setup.Contest.Name), field(m.UnitName),
		cfg.ClosesAt.In(loc).Format(quiz.TimeLayout), cfg.AcceptedText())
	if n := len(desk.Entries); n > 0 {
		fmt.Fprintf(&b, "\nĐơn vị đã nộp %d/%d bài:", n, cfg.MaxPerUnit)
		for i, e := range desk.Entries {
			fmt.Fprintf(&b, "\n%d. %s", i+1, field(e.Title))
		}
		b.WriteString("\n")
	}
	if desk.Full() {
		b.WriteString("\nĐơn vị đã nộp đủ số bài được phép. Anh/chị có thể thay một bài đã nộp (trước hạn nộp): chọn bài muốn thay bên dưới.")
		var rows [][]Button
		for i, e := range desk.Entries {
			rows = append(rows, []Button{{Text: fmt.Sprintf("🔁 Thay bài %d: %s", i+1, Clip(e.Title, 40)), Data: "nb:r:" + strconv.FormatInt(e.ID, 10)}})
		}
		_, err := c.send(ctx, Message{Text: b.String(), Buttons: rows})
		return err
	}
	d := quiz.EntryDialogue{MemberID: m.ID, ContestID: desk.Setup.Contest.ID, Step: stepTitle, ExpiresAt: c.quiz.Now().Add(entryDraftTTL)}
	if err := c.entries.store.SaveEntryDraft(ctx, d); err != nil {
		return err
	}
	b.WriteString("\nBước 1/3: Nhập tên (tiêu đề) bài dự thi.\n(Gõ /huy để dừng.)")
	return c.say(ctx, b.String())
}

// entryCallback is a tap on "Thay bài …".
func (c *conv) entryCallback(ctx context.Context) error {
	id, err := strconv.ParseInt(strings.TrimPrefix(c.ev.Callback.Data, "nb:r:"), 10, 64)
	if err != nil || !strings.HasPrefix(c.ev.Callback.Data, "nb:r:") {
		c.callbackText = "Nút này không còn hiệu lực."
		return nil
	}
	m, ok, err := c.entryMember(ctx)
	if !ok || err != nil {
		return err
	}
	desk, err := c.entries.svc.Desk(ctx, m)
	if err != nil {
		return c.fail(ctx, err)
	}
	for _, e := range desk.Entries {
		if e.ID != id {
			continue
		}
		d := quiz.EntryDialogue{MemberID: m.ID, ContestID: desk.Setup.Contest.ID, ReplaceID: id, Step: stepTitle, ExpiresAt: c.quiz.Now().Add(entryDraftTTL)}
		if err := c.entries.store.SaveEntryDraft(ctx, d); err != nil {
			return err
		}
		c.ackTap(ctx, "")
		return c.say(ctx, fmt.Sprintf("🔁 Thay bài \"%s\".\nBước 1/3: Nhập tên (tiêu đề) bài dự thi mới.\n(Gõ /huy để dừng; bài cũ được giữ nguyên cho đến khi bài mới được nhận.)", field(e.Title)))
	}
	c.callbackText = "Không tìm thấy bài này trong các bài của đơn vị."
	return nil
}

func (c *conv) entryCancel(ctx context.Context) error {
	m, ok, err := c.member(ctx)
	if !ok || err != nil {
		return err
	}
	_, pending, err := c.entries.store.EntryDraftOf(ctx, m.ID, c.quiz.Now())
	if err != nil {
		return err
	}
	if !pending {
		return c.say(ctx, textEntryNothing)
	}
	if err := c.entries.store.DeleteEntryDraft(ctx, m.ID); err != nil {
		return err
	}
	_, err = c.send(ctx, Message{Text: textEntryCancelled, Menu: menuFor(m)})
	return err
}

// entryText takes the typed step of the dialogue.
func (c *conv) entryText(ctx context.Context, m quiz.Member, d quiz.EntryDialogue) error {
	d.ExpiresAt = c.quiz.Now().Add(entryDraftTTL)
	switch d.Step {
	case stepTitle:
		title, err := quiz.CheckTitle(c.ev.Text)
		if err != nil {
			return c.fail(ctx, err)
		}
		d.Title, d.Step = title, stepAuthors
		if err := c.entries.store.SaveEntryDraft(ctx, d); err != nil {
			return err
		}
		return c.say(ctx, textEntryAuthors)
	case stepAuthors:
		authors, err := quiz.CheckAuthors(c.ev.Text)
		if err != nil {
			return c.fail(ctx, err)
		}
		d.Authors, d.Step = authors, stepFile
		if err := c.entries.store.SaveEntryDraft(ctx, d); err != nil {
			return err
		}
		setup, err := c.entries.svc.Setup(ctx, d.ContestID)
		if err != nil {
			return c.fail(ctx, err)
		}
		return c.say(ctx, "Bước 3/3: Gửi tệp bài dự thi vào đây (gửi dạng tệp/tài liệu để giữ nguyên chất lượng), hoặc dán đường dẫn tới video.\n"+setup.Config.AcceptedText())
	}
	url, ok := quiz.ParseEntryLink(c.ev.Text)
	if !ok {
		return c.say(ctx, "Anh/chị vui lòng gửi tệp bài dự thi, hoặc dán đường dẫn bắt đầu bằng https:// (gõ /huy để dừng).")
	}
	return c.entrySubmit(ctx, m, d, quiz.EntryDraft{Title: d.Title, Authors: d.Authors, URL: url})
}

// entryFile takes a file: at the dialogue's last step it is downloaded,
// stored and submitted.
func (c *conv) entryFile(ctx context.Context) error {
	m, ok, err := c.entryMember(ctx)
	if !ok || err != nil {
		return err
	}
	d, ok, err := c.entries.store.EntryDraftOf(ctx, m.ID, c.quiz.Now())
	if err != nil {
		return err
	}
	if !ok || d.Step != stepFile {
		return c.say(ctx, textEntryNoDraft)
	}
	// Closed (or the member may no longer submit) since the dialogue
	// began: said before anything is downloaded.
	if _, err := c.entries.svc.Desk(ctx, m); err != nil {
		if code := quiz.ErrorCode(err); code == quiz.EINVALID || code == quiz.EFORBIDDEN {
			if derr := c.entries.store.DeleteEntryDraft(ctx, m.ID); derr != nil {
				return derr
			}
		}
		return c.fail(ctx, err)
	}
	ref := c.ev.File
	fetch, ok := c.out.(FileFetcher)
	if !ok || ref == nil {
		return c.say(ctx, textEntryNoFiles)
	}
	limit := c.entries.files.MaxSize()
	if l := fetch.FileLimit(); l > 0 && l < limit {
		limit = l
	}
	if ref.Size > limit {
		return c.entryTooLarge(ctx, m, d, ref, limit, limit == fetch.FileLimit())
	}
	rc, err := fetch.FetchFile(ctx, *ref)
	if errors.Is(err, ErrFileTooLarge) {
		return c.entryTooLarge(ctx, m, d, ref, 0, true)
	}
	if err != nil {
		return fmt.Errorf("fetch entry file: %w", err)
	}
	defer rc.Close()
	f, err := c.entries.files.Put(ctx, rc, ref.Name)
	if err != nil {
		return c.fail(ctx, err)
	}
	return c.entrySubmit(ctx, m, d, quiz.EntryDraft{Title: d.Title, Authors: d.Authors, File: &f})
}

// entryTooLarge answers a file the channel cannot bring (channel) or the
// store does not take, over limit bytes (0: the platform did not say):
// where the console gives one-time upload links, with one; otherwise with
// the other ways.
func (c *conv) entryTooLarge(ctx context.Context, m quiz.Member, d quiz.EntryDialogue, ref *FileRef, limit int64, channel bool) error {
	name := ref.Name
	if name == "" {
		name = "đã gửi"
	}
	what := "giới hạn của hệ thống"
	if channel {
		what = "mức tối đa bot được tải về qua ứng dụng này"
	}
	if limit > 0 {
		what += " (" + FileSize(limit) + ")"
	}
	text := fmt.Sprintf("⚠️ Tệp \"%s\" (%s) lớn hơn %s nên không nhận được qua tin nhắn.", field(name), FileSize(ref.Size), what)
	if up := c.entries.upload; up != nil {
		link, err := up.UploadLink(ctx, m, d)
		if err == nil {
			return c.say(ctx, text+"\nAnh/chị vui lòng tải tệp lên qua đường dẫn dùng một lần sau (trên máy tính): "+link)
		}
		c.log.Warn("entries: upload link", "err", err)
	}
	// No console, or its link failed: the other ways.
	return c.say(ctx, text+"\nAnh/chị có thể: nén hoặc rút gọn tệp rồi gửi lại; dán đường dẫn tới video đã đăng trên mạng (nếu cuộc thi nhận); hoặc liên hệ Ban Tổ chức để được hướng dẫn nộp tệp lớn.")
}

// entrySubmit submits the dialogue's entry and sends the receipts.
func (c *conv) entrySubmit(ctx context.Context, m quiz.Member, d quiz.EntryDialogue, draft quiz.EntryDraft) error {
	e, setup, err := c.entries.svc.SubmitForReceipt(ctx, m, d.ContestID, d.ReplaceID, draft)
	if err != nil {
		over := false
		switch quiz.ErrorCode(err) {
		case quiz.EFORBIDDEN, quiz.ECONFLICT:
			over = true
		case quiz.EINVALID:
			// Closed meanwhile: no other file or link can be taken.
			s, serr := c.entries.svc.Setup(ctx, d.ContestID)
			over = serr == nil && !s.Config.Open(c.quiz.Now())
		}
		if over {
			// Nothing more can come of this dialogue.
			if derr := c.entries.store.DeleteEntryDraft(ctx, m.ID); derr != nil {
				return derr
			}
		}
		return c.fail(ctx, err)
	}
	if err := c.entries.store.DeleteEntryDraft(ctx, m.ID); err != nil {
		return err
	}
	receipt := entryReceipt(setup, e, m.FullName, d.ReplaceID != 0, false)
	c.log.Info("entry submitted", "platform", c.ev.Platform, "member", m.ID, "entry", e.ID, "kind", e.Kind, "replace", d.ReplaceID != 0)
	if _, err := c.send(ctx, Message{Text: receipt, Menu: menuFor(m)}); err != nil {
		return err
	}
	c.copyToHeads(ctx, m, receipt)
	return nil
}

// copyToHeads sends the receipt to the unit's heads other than the
// submitter, where they use the bot; a failure is logged, never retried
// (the entry is in).
func (c *conv) copyToHeads(ctx context.Context, m quiz.Member, receipt string) {
	heads, err := c.entries.store.UnitHeads(ctx, m.UnitID)
	if err != nil {
		c.log.Warn("entries: heads of unit", "unit", m.UnitID, "err", err)
		return
	}
	c.sendToHeads(ctx, heads, m.ID, c.ev.Platform, receipt)
}

// sendToHeads sends a copy of the receipt to each of the heads but the
// submitter, from the platform prefer on (sendToMember).
func (b *Bot) sendToHeads(ctx context.Context, heads []quiz.Member, submitter int64, prefer quiz.Platform, receipt string) {
	for _, h := range heads {
		if h.ID != submitter {
			b.sendToMember(ctx, h.ID, prefer, textHeadCopy+receipt)
		}
	}
}

const textHeadCopy = "📨 Bản sao biên nhận gửi thủ trưởng đơn vị\n\n"

// sendToMember sends text to the member on the first platform, from
// prefer, where they use the bot; false when it reached nobody (logged).
func (b *Bot) sendToMember(ctx context.Context, memberID int64, prefer quiz.Platform, text string) bool {
	for _, p := range []quiz.Platform{prefer, quiz.PlatformTelegram, quiz.PlatformZalo, quiz.PlatformWeb} {
		out, ok := b.messengers[p]
		if !ok {
			continue
		}
		chatID, err := b.chatOf(ctx, memberID, p)
		if err != nil {
			continue
		}
		if _, err := out.Send(ctx, chatID, Message{Text: text}); err != nil {
			b.log.Warn("entries: receipt", "platform", p, "member", memberID, "err", err)
			continue
		}
		return true
	}
	return false
}

// EntryFreezer claims the entries frozen by their close whose receipt is
// still to send (storage.DB).
type EntryFreezer interface {
	ClaimFrozenEntries(ctx context.Context, now time.Time, limit int) ([]quiz.Entry, error)
}

// SendFrozenReceipts sends, once per entry, the receipt of each entry
// frozen by the close of its contest's entries to its submitter and the
// unit's heads: what will be judged. serve calls it with the sweeper.
func (b *Bot) SendFrozenReceipts(ctx context.Context) error {
	if b.entries == nil {
		return nil
	}
	fr, ok := b.entries.store.(EntryFreezer)
	if !ok {
		return nil
	}
	es, err := fr.ClaimFrozenEntries(ctx, b.quiz.Now(), 200)
	if err != nil {
		return err
	}
	// A batch may hold several entries of one contest or of one unit: each
	// setup and each unit's heads are read once.
	setups := map[int64]quiz.EntriesSetup{}
	unitHeads := map[int64][]quiz.Member{}
	for _, e := range es {
		s, ok := setups[e.ContestID]
		if !ok {
			if s, err = b.entries.svc.Setup(ctx, e.ContestID); err != nil {
				return err
			}
			setups[e.ContestID] = s
		}
		receipt := entryReceipt(s, e, e.SubmitterName, false, true)
		b.sendToMember(ctx, e.SubmittedBy, quiz.PlatformTelegram, receipt)
		heads, ok := unitHeads[e.UnitID]
		if !ok {
			if heads, err = b.entries.store.UnitHeads(ctx, e.UnitID); err != nil {
				return err
			}
			unitHeads[e.UnitID] = heads
		}
		b.sendToHeads(ctx, heads, e.SubmittedBy, quiz.PlatformTelegram, receipt)
	}
	return nil
}

// entryReceipt is the receipt of an entry: what was received, its size and
// hash (which prove what was sent), and when.
func entryReceipt(s quiz.EntriesSetup, e quiz.Entry, by string, replaced, frozen bool) string {
	loc := s.Contest.Location()
	var b strings.Builder
	b.WriteString("🧾 Biên nhận bài dự thi")
	switch {
	case frozen:
		b.WriteString(" – bài đã được chốt")
	case replaced:
		b.WriteString(" (thay thế bài đã nộp)")
	}
	fmt.Fprintf(&b, "\nCuộc thi: %s\nĐơn vị: %s\nTên bài: %s\nTác giả: %s\n", field(s.Contest.Name), field(e.UnitName), field(e.Title), field(e.Authors))
	switch e.Kind {
	case quiz.EntryLink:
		fmt.Fprintf(&b, "Loại: đường dẫn video\nĐường dẫn: %s\n", e.URL)
	default:
		kind := "Video"
		if e.Kind == quiz.EntryEssay {
			kind = "Bài viết"
		}
		fmt.Fprintf(&b, "Loại: %s %s", kind, strings.ToUpper(e.FileFormat))
		switch {
		case e.DurationMS > 0:
			fmt.Fprintf(&b, ", thời lượng %s", quiz.FormatClip(time.Duration(e.DurationMS)*time.Millisecond))
		case e.Words > 0:
			fmt.Fprintf(&b, ", %s chữ", GroupDigits(int64(e.Words)))
		case e.Kind == quiz.EntryEssay && s.Config.Essay != nil && (s.Config.Essay.MinWords > 0 || s.Config.Essay.MaxWords > 0):
			// A scanned PDF has no text to count: taken, the jury judges.
			b.WriteString(" (không đếm được số chữ trong tệp, có thể là bản scan; bài vẫn được nhận, ban giám khảo sẽ xem xét độ dài bài)")
		}
		size := FileSize(e.FileSize)
		if e.FileSize >= 1<<10 {
			size += " (" + GroupDigits(e.FileSize) + " byte)" // exact, as the hash is
		}
		fmt.Fprintf(&b, "\nDung lượng: %s\nMã SHA-256: %s\n", size, e.FileHash)
	}
	fmt.Fprintf(&b, "Thời điểm nhận: %s\nNgười nộp: %s\n\n", e.UpdatedAt.In(loc).Format("15:04:05 ngày 02/01/2006"), field(by))
	if frozen {
		fmt.Fprintf(&b, "Hạn nộp bài đã kết thúc lúc %s: bài được giữ nguyên như trên để Ban Giám khảo chấm.", s.Config.ClosesAt.In(loc).Format(quiz.TimeLayout))
	} else {
		fmt.Fprintf(&b, "Đơn vị có thể thay bài đến %s; sau thời điểm đó bài được giữ nguyên để chấm.", s.Config.ClosesAt.In(loc).Format(quiz.TimeLayout))
	}
	return b.String()
}

// FileSize writes a byte count the vi-VN way, to a tenth: 12,3 MB.
func FileSize(n int64) string {
	unit := func(div float64, name string) string {
		v := math.Round(float64(n)/div*10) / 10
		return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1) + " " + name
	}
	switch {
	case n >= 1<<30:
		return unit(1<<30, "GB")
	case n >= 1<<20:
		return unit(1<<20, "MB")
	case n >= 1<<10:
		return unit(1<<10, "KB")
	}
	return GroupDigits(n) + " byte"
}
