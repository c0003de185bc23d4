package chattest

import (
	"bytes"
	"context"
	"fmt"
	"io"

	"quizbot/bot/chat"
)

// Files are the files people sent, which the messenger downloads as a
// platform's file API would (chat.FileFetcher): by reference, up to
// FileLimit bytes (0: no limit).
type files struct {
	byRef map[string][]byte
	limit int64
}

// SetFileLimit makes the messenger refuse to download files over n bytes,
// as Telegram's cloud Bot API refuses those over 20 MB.
func (m *Messenger) SetFileLimit(n int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.files.limit = n
}

// FileLimit implements chat.FileFetcher.
func (m *Messenger) FileLimit() int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.files.limit
}

// FetchFile implements chat.FileFetcher.
func (m *Messenger) FetchFile(_ context.Context, ref chat.FileRef) (io.ReadCloser, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.files.byRef[ref.ID]
	if !ok {
		return nil, fmt.Errorf("chattest: no file %q", ref.ID)
	}
	if m.files.limit > 0 && int64(len(b)) > m.files.limit {
		return nil, fmt.Errorf("chattest: file %q over the limit", ref.ID)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// SendFile sends a file named name holding data, as a document or video
// message.
func (u *User) SendFile(name string, data []byte) {
	u.t.Helper()
	u.m.mu.Lock()
	if u.m.files.byRef == nil {
		u.m.files.byRef = map[string][]byte{}
	}
	ref := fmt.Sprintf("file-%d", len(u.m.files.byRef)+1)
	u.m.files.byRef[ref] = data
	u.m.mu.Unlock()
	ev := u.event(chat.KindFile)
	ev.File = &chat.FileRef{ID: ref, Name: name, Size: int64(len(data))}
	u.Do(ev)
}
