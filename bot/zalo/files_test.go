package zalo_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"quizbot/bot/chat"
	"quizbot/bot/zalo"
	"quizbot/bot/zalo/zalotest"
)

// A file a person sends comes as a download URL in a signed
// user_send_file event: it decodes into the conversation's file event, and
// the adapter downloads it from the URL.
func TestFileEventDecodesAndDownloads(t *testing.T) {
	t.Parallel()
	content := []byte("nội dung tệp dự thi")
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/f/abc.mp4" {
			http.NotFound(w, r)
			return
		}
		w.Write(content)
	}))
	defer files.Close()
	f := zalotest.New(t)
	body := f.FileEvent("USER9", files.URL+"/f/abc.mp4", "Video dự thi.mp4", len(content))
	ev, err := zalo.VerifyEvent(body, zalotest.Header(body), zalotest.AppID, zalotest.OASecretKey)
	if err != nil {
		t.Fatal(err)
	}
	ce, ok := zalo.Decode(ev)
	if !ok || ce.Kind != chat.KindFile || ce.File == nil || ce.File.ID != files.URL+"/f/abc.mp4" || ce.File.Name != "Video dự thi.mp4" || ce.File.Size != int64(len(content)) {
		t.Fatalf("decoded %+v %+v", ce, ce.File)
	}
	a := zalo.NewAdapter(nil, zalo.AdapterConfig{AppID: zalotest.AppID}, chat.New(nil, nil, slog.New(slog.DiscardHandler)))
	rc, err := a.FetchFile(context.Background(), *ce.File)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != string(content) {
		t.Fatalf("downloaded %q", got)
	}
	if _, err := a.FetchFile(context.Background(), chat.FileRef{ID: files.URL + "/khong-co"}); err == nil {
		t.Fatal("a 404 was downloaded")
	}
	if _, err := a.FetchFile(context.Background(), chat.FileRef{ID: "file:///etc/passwd"}); err == nil {
		t.Fatal("a file: URL was followed")
	}
}
