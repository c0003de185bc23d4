package telegramtest

import (
	"fmt"
	"net/http"
	"path"
	"strings"

	"github.com/go-telegram/bot/models"
)

// Files people send: Document and Video make the message updates, with a
// file_id the fake keeps; getFile answers its file_path (refusing files
// over the cloud's 20 MB, or FileLimit), and GET /file/bot<token>/<path>
// serves the bytes, as api.telegram.org does.

// DefaultFileLimit is what the cloud Bot API lets a bot download.
const DefaultFileLimit = 20 << 20

// SetFileLimit changes the largest file getFile hands out (a self-hosted
// server's is 2 GB).
func (f *Fake) SetFileLimit(n int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fileLimit = n
}

// userFileLocked keeps a file a user sends and returns its file_id.
func (f *Fake) userFileLocked(kind, name, mime string, data []byte) File {
	f.fileSeq++
	up := File{Field: kind, Name: name, ContentType: mime, Data: data,
		FileID: fmt.Sprintf("BAACAgIAAxkBAAI%08d", f.fileSeq),
		Path:   fmt.Sprintf("%ss/file_%d%s", kind, f.fileSeq, path.Ext(name))}
	f.files[up.FileID] = up
	return up
}

// Document is a file sent as a document by user in their private chat.
func (f *Fake) Document(from models.User, name, mime string, data []byte) *models.Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	up := f.userFileLocked("document", name, mime, data)
	return f.userMessageLocked(models.Message{From: &from, Chat: privateChat(from), Document: &models.Document{
		FileID: up.FileID, FileUniqueID: "u" + up.FileID, FileName: name, MimeType: mime, FileSize: int64(len(data))}})
}

// Video is a file sent as a video by user in their private chat.
func (f *Fake) Video(from models.User, name, mime string, data []byte, seconds int) *models.Update {
	f.mu.Lock()
	defer f.mu.Unlock()
	up := f.userFileLocked("video", name, mime, data)
	return f.userMessageLocked(models.Message{From: &from, Chat: privateChat(from), Video: &models.Video{
		FileID: up.FileID, FileUniqueID: "u" + up.FileID, Width: 1280, Height: 720, Duration: seconds,
		FileName: name, MimeType: mime, FileSize: int64(len(data))}})
}

// getFileLocked answers getFile.
func (f *Fake) getFileLocked(call *Call) (any, *apiError) {
	up, ok := f.files[call.Params["file_id"]]
	if !ok {
		return nil, badRequest("invalid file_id")
	}
	limit := f.fileLimit
	if limit == 0 {
		limit = DefaultFileLimit
	}
	if int64(len(up.Data)) > limit {
		return nil, badRequest("file is too big")
	}
	if up.Path == "" {
		f.fileSeq++
		up.Path = fmt.Sprintf("documents/file_%d%s", f.fileSeq, path.Ext(up.Name))
		f.files[up.FileID] = up
	}
	return models.File{FileID: up.FileID, FileUniqueID: "u" + up.FileID, FileSize: int64(len(up.Data)), FilePath: up.Path}, nil
}

// serveFile serves GET /file/bot<token>/<path>; ok is false for other
// paths.
func (f *Fake) serveFile(w http.ResponseWriter, r *http.Request) bool {
	rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot")
	if !ok {
		return false
	}
	token, p, _ := strings.Cut(rest, "/")
	if token != DefaultToken {
		http.Error(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, http.StatusUnauthorized)
		return true
	}
	f.mu.Lock()
	var data []byte
	found := false
	for _, up := range f.files {
		if up.Path != "" && up.Path == p {
			data, found = up.Data, true
			break
		}
	}
	f.downloads++
	f.notifyLocked()
	f.mu.Unlock()
	if !found {
		http.Error(w, `{"ok":false,"error_code":404,"description":"Not Found"}`, http.StatusNotFound)
		return true
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Write(data)
	return true
}

// Downloads is how many file downloads the fake served (or refused).
func (f *Fake) Downloads() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.downloads
}
