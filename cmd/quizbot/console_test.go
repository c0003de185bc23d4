package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"quizbot/config"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// `quizbot console link PHONE` prints a head's or an organizer's sign-in
// link alone on a line, on the listen address when there is no PUBLIC_URL,
// and the link signs in on serve's public listener; a plain member, an
// unknown phone and a wrong one are refused with the reason.
func TestConsoleLinkCommand(t *testing.T) {
	ie := newImportEnv(t)
	if code, _, errOut := ie.run("migrate"); code != 0 {
		t.Fatal(errOut)
	}
	storagetest.Seed(t, ie.db(), storagetest.SeedOptions{})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{cfg: config.Config{ListenAddr: ln.Addr().String()}, stdout: io.Discard, stderr: io.Discard,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := newServer(ctx, e, ie.db(), storagetest.NewRedis(t), quiz.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, ln, nil) }()

	ie.vars["LISTEN_ADDR"] = ln.Addr().String()
	code, out, errOut := ie.run("console", "link", "0912 000 003") // chi, the head
	line := regexp.MustCompile(`^http://` + regexp.QuoteMeta(ln.Addr().String()) + `/console/login\?token=[A-Za-z0-9_-]{43}\n$`)
	if code != 0 || !line.MatchString(out) {
		t.Fatalf("console link for a head: %d %q %q", code, out, errOut)
	}
	jar, _ := cookiejar.New(nil)
	// The link's page, then its Đăng nhập button.
	link := strings.TrimSpace(out)
	client := &http.Client{Jar: jar}
	if res, err := client.Get(link); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("the link's page: %v %v", err, res)
	} else {
		res.Body.Close()
	}
	res, err := client.PostForm("http://"+ln.Addr().String()+"/console/login", url.Values{"token": {link[strings.Index(link, "token=")+len("token="):]}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "Lê Minh Chi") || !strings.Contains(string(body), "<h1>Tổng quan</h1>") {
		t.Errorf("the link on serve's listener: %d %.300s", res.StatusCode, body)
	}

	ie.vars["PUBLIC_URL"] = "https://thi.example.gov.vn/"
	if code, out, _ := ie.run("console", "link", "0912000004"); code != 0 || !strings.HasPrefix(out, "https://thi.example.gov.vn/console/login?token=") {
		t.Errorf("console link for an organizer with PUBLIC_URL: %d %q", code, out)
	}
	for _, tc := range []struct{ phone, want string }{
		{"0912000001", "quizbot: console link: Nguyễn Văn An (091****001, SNV) không phải Ban Tổ chức, thủ trưởng đơn vị hay giám khảo đang hoạt động: trang quản trị chỉ dành cho họ\n"},
		{"0999999999", "quizbot: console link: không có cán bộ nào có số điện thoại 099****999 trong danh sách\n"},
	} {
		if code, out, errOut := ie.run("console", "link", tc.phone); code != 1 || out != "" || errOut != tc.want {
			t.Errorf("console link %s: %d %q %q, want %q", tc.phone, code, out, errOut, tc.want)
		}
	}
	if code, _, errOut := ie.run("console", "link"); code != 2 || !strings.Contains(errOut, "console link takes one PHONE") {
		t.Errorf("console link without a phone: %d %q", code, errOut)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}
