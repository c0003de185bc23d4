package main

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A video too large for the chat gets the console's one-time upload link
// (chat.UploadLinker, served by serve's console): opened, it signs the
// head in and lands on the upload page with the dialogue's title filled.
func TestTelegramTooLargeGetsUploadLink(t *testing.T) {
	t.Parallel()
	r, _ := newEntriesTgRig(t)
	chi := user(3003, "Chi")
	r.verify(chi, r.f.Members["chi"].Phone)
	r.send(r.fake.Command(chi, "nopbai"))
	r.send(r.fake.TextMessage(chi, "Bản dài"))
	r.send(r.fake.TextMessage(chi, "Lê Minh Chi"))
	r.send(r.fake.Video(chi, "lon.mp4", "video/mp4", testClip(time.Minute, 21<<20), 60))
	m := r.last(chi)
	link := regexp.MustCompile(`https://quizbot\.example\.vn/console/login\?\S+`).FindString(m.Text)
	if !strings.Contains(m.Text, "Anh/chị vui lòng tải tệp lên qua đường dẫn dùng một lần sau (trên máy tính): ") || link == "" {
		t.Fatalf("too large: %q", m.Text)
	}
	link = strings.Replace(link, "https://quizbot.example.vn", r.http.URL, 1)
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	next := regexp.MustCompile(`name="next" value="([^"]+)"`).FindStringSubmatch(string(b))
	if res.StatusCode != http.StatusOK || next == nil {
		t.Fatalf("link page: %d\n%s", res.StatusCode, b)
	}
	u, _ := url.Parse(link)
	res, err = c.PostForm(r.http.URL+"/console/login", url.Values{"token": {u.Query().Get("token")}, "next": {html.UnescapeString(next[1])}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ = io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(b), "<h1>Nộp bài dự thi</h1>") || !strings.Contains(string(b), `value="Bản dài"`) ||
		!strings.Contains(string(b), `value="Lê Minh Chi"`) {
		t.Fatalf("upload page: %d\n%s", res.StatusCode, b)
	}
}
