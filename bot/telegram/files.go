package telegram

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"quizbot/bot/chat"
)

// Telegram's download limits: the cloud Bot API hands bots files up to
// 20 MB; a self-hosted telegram-bot-api server (TELEGRAM_API_URL) in
// --local mode up to 2 GB, by a path on its own disk.
const (
	CloudFileLimit = 20 << 20
	LocalFileLimit = 2000 << 20
	officialAPI    = "https://api.telegram.org"
)

// FileLimit implements chat.FileFetcher.
func (t *Telegram) FileLimit() int64 {
	if strings.TrimRight(t.cfg.APIURL, "/") == officialAPI {
		return CloudFileLimit
	}
	return LocalFileLimit
}

// fileRef is the file of a document or video message; nil for any other.
func fileRef(m *models.Message) *chat.FileRef {
	switch {
	case m.Document != nil:
		d := m.Document
		return &chat.FileRef{ID: d.FileID, Name: d.FileName, Size: d.FileSize}
	case m.Video != nil:
		v := m.Video
		return &chat.FileRef{ID: v.FileID, Name: v.FileName, Size: v.FileSize}
	}
	return nil
}

// FetchFile implements chat.FileFetcher: getFile for the file's path, then
// the download from TELEGRAM_API_URL/file/bot<token>/<path>; a local
// server's absolute path (--local mode) is read from its disk, which
// quizbot must share. The token never appears in an error.
func (t *Telegram) FetchFile(ctx context.Context, ref chat.FileRef) (io.ReadCloser, error) {
	var f models.File
	if err := t.call(ctx, "getFile", map[string]string{"file_id": ref.ID}, &f); err != nil {
		if errors.Is(err, tgbot.ErrorBadRequest) && strings.Contains(err.Error(), "too big") {
			return nil, fmt.Errorf("telegram getFile: %w (%v)", chat.ErrFileTooLarge, err)
		}
		return nil, fmt.Errorf("telegram getFile: %w", err)
	}
	if f.FilePath == "" {
		return nil, errors.New("telegram getFile: no file_path in the answer")
	}
	if path.IsAbs(f.FilePath) && t.FileLimit() == LocalFileLimit {
		return os.Open(f.FilePath)
	}
	u := t.cfg.APIURL + "/file/bot" + t.cfg.Token + "/" + (&url.URL{Path: f.FilePath}).EscapedPath()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, t.redacted(fmt.Errorf("telegram file download: %w", err))
	}
	resp, err := t.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			ue.URL = redactToken(ue.URL, t.cfg.Token)
		}
		return nil, t.redacted(fmt.Errorf("telegram file download: %w", err))
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("telegram file download: HTTP %d", resp.StatusCode)
	}
	return resp.Body, nil
}
