package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"quizbot/storage/storagetest"
)

// A head asks for the console in Telegram, members take the week's quiz in
// Telegram, and the head's console shows what they did: the figures come
// from the chat's own attempts, through serve's one listener.
func TestConsoleShowsWhatMembersDidInChat(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3})
	an, em, chi := user(3001, "An"), user(3005, "Em"), user(3003, "Chi")
	r.verify(an, "0912000001")
	r.verify(em, "0912000005")
	r.verify(chi, "0912000003")
	r.startQuiz(an)
	r.answerAll(an, 3) // 3/3
	r.startQuiz(em)    // under way

	r.send(r.fake.Command(chi, "quantri"))
	link := regexp.MustCompile(`https://quizbot\.example\.vn(/console/login\?token=([A-Za-z0-9_-]{43}))`).FindStringSubmatch(r.last(chi).Text)
	if link == nil {
		t.Fatalf("/quantri gave no link: %q", r.last(chi).Text)
	}
	// PUBLIC_URL is the rig's https address: the test server is the same
	// serve, reached over plain HTTP, so the cookie is carried by hand.
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.PostForm(r.http.URL+"/console/login", url.Values{"token": {link[2]}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	var cookies []*http.Cookie
	for _, c := range res.Cookies() {
		if c.Value != "" {
			cookies = append(cookies, c)
		}
	}
	if len(cookies) == 0 {
		t.Fatalf("sign-in by the chat's link: %d, no session cookie", res.StatusCode)
	}
	get := func(path string) string {
		t.Helper()
		req, _ := http.NewRequest("GET", r.http.URL+path, nil)
		for _, c := range cookies {
			req.AddCookie(c)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %.300s", path, res.StatusCode, body)
		}
		return visible(string(body))
	}

	// SNV's head sees SNV and XA1 under it: 5 active staff, 3 verified in
	// chat, An took part with 3/3, Em (XA1) is under way.
	page := get("/console/units/SNV")
	for _, want := range []string{
		"Đã thi 1 trên 5 CBCCVC Tỷ lệ tham gia 20,0% đã kích hoạt 3 Câu đúng bình quân 3,00",
		"Nguyễn Văn An Chuyên viên Đã thi 3/3 09:00 02/12/2026",
		"UBND xã Hòa Phú 1 1 0 0,0%",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("SNV's page lacks %q:\n%s", want, page)
		}
	}
	if xa1 := get("/console/units/XA1"); !strings.Contains(xa1, "Hoàng Văn Em Công chức Văn phòng - Thống kê Đang thi") {
		t.Errorf("Em, under way, is not shown as such on XA1's page:\n%s", xa1)
	}
	if overview := get("/console/"); !strings.Contains(overview, "Đã tham gia 1 trên 5 CBCCVC") || !strings.Contains(overview, "Đang làm bài 1") {
		t.Errorf("Tổng quan of SNV's head:\n%s", overview)
	}
}

// visible is a page's text as a person reads it: tags dropped, spaces
// collapsed.
func visible(html string) string {
	html = regexp.MustCompile(`(?s)<(script|style)\b.*?</(script|style)>`).ReplaceAllString(html, " ")
	html = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")
	return strings.Join(strings.Fields(strings.NewReplacer("&amp;", "&", "&#39;", "'", "&quot;", `"`).Replace(html)), " ")
}
