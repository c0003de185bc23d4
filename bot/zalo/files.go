package zalo

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"quizbot/bot/chat"
)

// fileClient downloads the files people send: no overall timeout (a clip
// of hundreds of megabytes takes a while), the request's context bounds
// it.
var fileClient = &http.Client{}

// FileLimit implements chat.FileFetcher: Zalo hands over what the person
// could send; the entries' store applies its own limit.
func (a *Adapter) FileLimit() int64 { return 0 }

// FetchFile implements chat.FileFetcher: Zalo delivers a file or video as
// a download URL in its signed event (user_send_file, user_send_video).
// Only an http(s) URL is followed; the URL is not logged, since it grants
// the file to whoever has it.
func (a *Adapter) FetchFile(ctx context.Context, ref chat.FileRef) (io.ReadCloser, error) {
	u, err := url.Parse(ref.ID)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("zalo file: not a download URL")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("zalo file: %w", err)
	}
	resp, err := fileClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("zalo file download from %s failed", u.Host)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, fmt.Errorf("zalo file download from %s: HTTP %d", u.Host, resp.StatusCode)
	}
	return resp.Body, nil
}
