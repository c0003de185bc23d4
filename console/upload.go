package console

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	"quizbot/quiz"
)

// Uploads on the console (issue 13): the page sends the file in chunks
// (static/upload.js), each PUT at its offset and appended by the server to
// a part file named by the upload's id bound to the session (the sha256
// of the session and the id: another session cannot guess or reach it);
// a GET says how much arrived, so that after a dropped connection the page
// resumes from there. Once whole, the file is checked and stored by
// entryfiles, as in the chat, and submitted through quiz.Entries.

// ChunkMax is the largest chunk a PUT may carry.
const ChunkMax = 8 << 20

func (c *Console) uploadRoutes(mux *http.ServeMux) {
	c.open(mux, "GET /console/upload", c.uploadPage)
	c.openAction(mux, "POST /console/upload", c.uploadStart)
	c.open(mux, "GET /console/upload/{id}", c.uploadOffset)
	c.open(mux, "PUT /console/upload/{id}", c.uploadChunk)
	c.open(mux, "POST /console/upload/{id}/finish", c.uploadFinish)
}

// maySubmit says whether m may submit entries now (Desk succeeds).
func (c *Console) maySubmit(ctx context.Context, m quiz.Member) bool {
	if c.entries == nil {
		return false
	}
	_, err := c.entries.Desk(ctx, m)
	return err == nil
}

// UploadLink implements chat.UploadLinker: a one-time sign-in link that
// lands on the upload page with the dialogue's title and authors filled.
func (c *Console) UploadLink(ctx context.Context, m quiz.Member, d quiz.EntryDialogue) (string, error) {
	if !c.maySubmit(ctx, m) {
		return "", ErrNotAllowed
	}
	next := "/console/upload?" + url.Values{"title": {d.Title}, "authors": {d.Authors}, "replace": {strconv.FormatInt(d.ReplaceID, 10)}}.Encode()
	return c.link(ctx, m, next)
}

type uploadView struct {
	Problem   string
	Contest   string
	Accepted  string
	Closes    string
	Entries   []uploadedEntry
	Full      bool
	Max       int
	Title     string
	Authors   string
	Replace   int64
	MaxSize   string
	MaxBytes  int64
	ChunkSize int
}

type uploadedEntry struct {
	ID                int64
	Title, Kind, Size string
	Hash              string
	When              string
}

// uploadPage shows the rules, the unit's entries and the upload form.
func (c *Console) uploadPage(w http.ResponseWriter, r *Request) error {
	if c.entries == nil || c.files == nil {
		return errNoEntries
	}
	q := r.URL.Query()
	v := uploadView{Title: q.Get("title"), Authors: q.Get("authors"), ChunkSize: 1 << 20}
	v.Replace, _ = strconv.ParseInt(q.Get("replace"), 10, 64)
	desk, err := c.entries.Desk(r.Context(), r.Member)
	if err != nil {
		v.Problem = quiz.ErrorMessage(err)
		if quiz.ErrorCode(err) == quiz.EINTERNAL {
			return err
		}
	} else {
		s := desk.Setup
		loc := s.Contest.Location()
		v.Contest, v.Accepted, v.Max, v.Full = s.Contest.Name, s.Config.AcceptedText(), s.Config.MaxPerUnit, desk.Full()
		v.Closes = s.Config.ClosesAt.In(loc).Format(quiz.TimeLayout)
		v.MaxBytes = c.files.MaxSize()
		v.MaxSize = fileSize(v.MaxBytes)
		for _, e := range desk.Entries {
			v.Entries = append(v.Entries, uploadedEntry{ID: e.ID, Title: e.Title, Kind: kindLabel(e.Kind), Size: fileSize(e.FileSize),
				Hash: e.FileHash, When: e.UpdatedAt.In(loc).Format("15:04 02/01/2006")})
		}
	}
	return c.render(w, r, "upload", View{Title: "Nộp bài dự thi", Nav: navUpload, Content: v})
}

// uploadMeta is what the start of an upload declared, kept beside the part.
type uploadMeta struct {
	MemberID  int64  `json:"member_id"`
	ContestID int64  `json:"contest_id"`
	Replace   int64  `json:"replace"`
	Title     string `json:"title"`
	Authors   string `json:"authors"`
	Name      string `json:"name"`
	Size      int64  `json:"size"`
}

var uploadIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{20,64}$`)

// uploadPath is the part file of upload id in r's session (and its
// metadata with ".json"); NotFound for an id of the wrong shape.
func (c *Console) uploadPath(r *Request, id string) (string, error) {
	if !uploadIDPattern.MatchString(id) {
		return "", NotFound("Không tìm thấy lượt tải lên này.")
	}
	h := sha256.New()
	h.Write(r.session)
	h.Write([]byte(id))
	return filepath.Join(c.uploads, hex.EncodeToString(h.Sum(nil))+".part"), nil
}

// jsonReply writes v as JSON with status.
func jsonReply(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(v)
}

type uploadState struct {
	ID      string `json:"id,omitempty"`
	Offset  int64  `json:"offset"`
	Size    int64  `json:"size,omitempty"`
	Error   string `json:"error,omitempty"`
	Message string `json:"message,omitempty"`
	Hash    string `json:"hash,omitempty"`
}

// uploadStart checks the title, authors and declared size, and opens an
// upload: its id and offset 0.
func (c *Console) uploadStart(w http.ResponseWriter, r *Request) error {
	if c.entries == nil || c.files == nil {
		return errNoEntries
	}
	refuse := func(msg string) error { return jsonReply(w, http.StatusBadRequest, uploadState{Error: msg}) }
	desk, err := c.entries.Desk(r.Context(), r.Member)
	if err != nil {
		if quiz.ErrorCode(err) == quiz.EINTERNAL {
			return err
		}
		return refuse(quiz.ErrorMessage(err))
	}
	title, err := quiz.CheckTitle(r.PostFormValue("title"))
	if err != nil {
		return refuse(quiz.ErrorMessage(err))
	}
	authors, err := quiz.CheckAuthors(r.PostFormValue("authors"))
	if err != nil {
		return refuse(quiz.ErrorMessage(err))
	}
	replace, _ := strconv.ParseInt(r.PostFormValue("replace"), 10, 64)
	if replace != 0 && !containsEntry(desk.Entries, replace) {
		return refuse("Bài cần thay thế không phải bài của đơn vị anh/chị.")
	}
	if replace == 0 && desk.Full() {
		return refuse(fmt.Sprintf("Đơn vị đã nộp đủ %d bài dự thi; anh/chị chọn một bài để thay thế.", desk.Setup.Config.MaxPerUnit))
	}
	size, err := strconv.ParseInt(r.PostFormValue("size"), 10, 64)
	if err != nil || size <= 0 {
		return refuse("Anh/chị chưa chọn tệp, hoặc tệp rỗng.")
	}
	if size > c.files.MaxSize() {
		return refuse(fmt.Sprintf("Tệp (%s) lớn hơn giới hạn %s nên không nhận được.", fileSize(size), fileSize(c.files.MaxSize())))
	}
	c.pruneUploads()
	id := randomToken()
	path, _ := c.uploadPath(r, id)
	meta := uploadMeta{MemberID: r.Member.ID, ContestID: desk.Setup.Contest.ID, Replace: replace, Title: title, Authors: authors,
		Name: r.PostFormValue("name"), Size: size}
	b, _ := json.Marshal(meta)
	if err := os.WriteFile(path+".json", b, 0o640); err != nil {
		return fmt.Errorf("upload start: %w", err)
	}
	if err := os.WriteFile(path, nil, 0o640); err != nil {
		return fmt.Errorf("upload start: %w", err)
	}
	c.log.Info("console upload start", "member", r.Member.ID, "size", size)
	return jsonReply(w, http.StatusCreated, uploadState{ID: id, Offset: 0, Size: size})
}

func containsEntry(es []quiz.Entry, id int64) bool {
	for _, e := range es {
		if e.ID == id {
			return true
		}
	}
	return false
}

// openUpload reads upload id's metadata and how much arrived.
func (c *Console) openUpload(r *Request) (string, uploadMeta, int64, error) {
	if c.entries == nil || c.files == nil {
		return "", uploadMeta{}, 0, errNoEntries
	}
	path, err := c.uploadPath(r, r.PathValue("id"))
	if err != nil {
		return "", uploadMeta{}, 0, err
	}
	b, err := os.ReadFile(path + ".json")
	if errors.Is(err, os.ErrNotExist) {
		return "", uploadMeta{}, 0, NotFound("Không tìm thấy lượt tải lên này (đã xong, đã hủy hoặc thuộc phiên đăng nhập khác). Vui lòng chọn tệp và tải lên lại.")
	}
	if err != nil {
		return "", uploadMeta{}, 0, fmt.Errorf("upload: %w", err)
	}
	var meta uploadMeta
	if err := json.Unmarshal(b, &meta); err != nil || meta.MemberID != r.Member.ID {
		return "", uploadMeta{}, 0, NotFound("Không tìm thấy lượt tải lên này.")
	}
	st, err := os.Stat(path)
	if err != nil {
		return "", uploadMeta{}, 0, fmt.Errorf("upload: %w", err)
	}
	return path, meta, st.Size(), nil
}

// uploadOffset says how much of the upload arrived: where to resume.
func (c *Console) uploadOffset(w http.ResponseWriter, r *Request) error {
	_, meta, off, err := c.openUpload(r)
	if err != nil {
		return uploadError(w, err)
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(off, 10))
	return jsonReply(w, http.StatusOK, uploadState{ID: r.PathValue("id"), Offset: off, Size: meta.Size})
}

// uploadError answers the script in JSON with the error page's message.
func uploadError(w http.ResponseWriter, err error) error {
	var e *Error
	if errors.As(err, &e) {
		return jsonReply(w, e.Status, uploadState{Error: e.Message})
	}
	return err
}

// headerCSRF checks the X-CSRF-Token header of the script's requests.
func headerCSRF(r *Request) bool {
	got := r.Header.Get("X-CSRF-Token")
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(r.CSRF)) == 1
}

// uploadChunk appends a chunk sent at ?offset=, which must be where the
// part file ends (409 with the right offset otherwise: a chunk sent twice
// after a dropped answer is not appended twice).
func (c *Console) uploadChunk(w http.ResponseWriter, r *Request) error {
	if !headerCSRF(r) {
		return uploadError(w, Forbidden("Yêu cầu không hợp lệ (thiếu mã bảo vệ). Vui lòng tải lại trang rồi thử lại."))
	}
	path, meta, off, err := c.openUpload(r)
	if err != nil {
		return uploadError(w, err)
	}
	at, err := strconv.ParseInt(r.URL.Query().Get("offset"), 10, 64)
	if err != nil {
		return uploadError(w, BadRequest("Thiếu vị trí của phần tệp."))
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return fmt.Errorf("upload chunk: %w", err)
	}
	// One chunk at a time: a browser may retry a PUT while the first try
	// is still being written; the lock makes the second see the new end.
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return fmt.Errorf("upload chunk: lock: %w", err)
	}
	if st, err := f.Stat(); err == nil {
		off = st.Size()
	}
	if at != off {
		f.Close()
		w.Header().Set("Upload-Offset", strconv.FormatInt(off, 10))
		return jsonReply(w, http.StatusConflict, uploadState{Offset: off, Size: meta.Size, Error: "Vị trí không khớp; tiếp tục từ phần đã nhận."})
	}
	limit := min(meta.Size-off, ChunkMax)
	n, cerr := io.Copy(f, io.LimitReader(r.Body, limit+1))
	if n > limit {
		// Over the declared size: keep nothing of this chunk.
		f.Truncate(off)
		f.Close()
		return uploadError(w, BadRequest("Phần tệp gửi lên vượt quá kích thước đã khai báo."))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("upload chunk: %w", err)
	}
	// A dropped connection keeps what arrived: the page asks for the
	// offset and resumes from there.
	off += n
	if cerr != nil {
		c.log.Info("console upload chunk cut", "member", r.Member.ID, "offset", off, "err", cerr)
		return nil
	}
	w.Header().Set("Upload-Offset", strconv.FormatInt(off, 10))
	return jsonReply(w, http.StatusOK, uploadState{Offset: off, Size: meta.Size})
}

// uploadFinish stores the whole file through entryfiles (type, duration
// and words checked there) and submits the entry.
func (c *Console) uploadFinish(w http.ResponseWriter, r *Request) error {
	if !headerCSRF(r) {
		return uploadError(w, Forbidden("Yêu cầu không hợp lệ (thiếu mã bảo vệ). Vui lòng tải lại trang rồi thử lại."))
	}
	path, meta, off, err := c.openUpload(r)
	if err != nil {
		return uploadError(w, err)
	}
	if off != meta.Size {
		return jsonReply(w, http.StatusConflict, uploadState{Offset: off, Size: meta.Size, Error: "Tệp chưa tải lên đủ; tiếp tục từ phần đã nhận."})
	}
	discard := func() { os.Remove(path); os.Remove(path + ".json") }
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("upload finish: %w", err)
	}
	file, err := c.files.Put(r.Context(), f, meta.Name)
	f.Close()
	if err != nil {
		if quiz.ErrorCode(err) == quiz.EINVALID {
			discard()
			return jsonReply(w, http.StatusBadRequest, uploadState{Error: quiz.ErrorMessage(err)})
		}
		return fmt.Errorf("upload finish: %w", err)
	}
	e, err := c.entries.Submit(r.Context(), r.Member, meta.ContestID, meta.Replace, quiz.EntryDraft{Title: meta.Title, Authors: meta.Authors, File: &file})
	if err != nil {
		if quiz.ErrorCode(err) == quiz.EINTERNAL {
			return err
		}
		discard()
		return jsonReply(w, http.StatusBadRequest, uploadState{Error: quiz.ErrorMessage(err)})
	}
	discard()
	what := "Nộp bài dự thi"
	if meta.Replace != 0 {
		what = "Thay bài dự thi"
	}
	if err := c.Audit(r.Context(), r.Member, what, fmt.Sprintf("bài #%d \"%s\": %s, %s, sha256 %s", e.ID, e.Title, strings.ToUpper(file.Format), fileSize(file.Size), file.Hash)); err != nil {
		return err
	}
	msg := fmt.Sprintf("Đã nhận bài dự thi \"%s\" (%s, %s) lúc %s. Mã kiểm tra (sha256): %s", e.Title, strings.ToUpper(file.Format), fileSize(file.Size),
		e.UpdatedAt.In(c.location(r.Context())).Format(quiz.TimeLayout), file.Hash)
	return jsonReply(w, http.StatusOK, uploadState{Offset: off, Size: meta.Size, Message: msg, Hash: file.Hash})
}

// UploadTTL is how long an unfinished upload is kept after its last chunk.
const UploadTTL = 48 * time.Hour

// pruneUploads removes the uploads nobody resumed within UploadTTL (by the
// files' own times, which the file system writes).
func (c *Console) pruneUploads() {
	des, err := os.ReadDir(c.uploads)
	if err != nil {
		c.log.Warn("console uploads prune", "err", err)
		return
	}
	for _, de := range des {
		if info, err := de.Info(); err == nil && time.Since(info.ModTime()) > UploadTTL {
			os.Remove(filepath.Join(c.uploads, de.Name()))
		}
	}
}
