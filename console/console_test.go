package console_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"quizbot/console"
)

// seedRound: four took part in round 1 over three days, one is taking it
// now, at the fixture's now (Wednesday 02/12/2026 09:00).
func seedRound(f *fixture) {
	loc := f.seed.Contest.Location()
	day := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, loc) }
	f.took("a1", 3, day(30, 10, 0))
	f.took("x1", 2, day(31, 14, 0)) // 01/12
	f.took("y1", 3, day(32, 8, 0))  // 02/12
	f.took("y2", 0, day(32, 8, 30))
	f.taking("a2")
}

func TestOverviewFigures(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	seedRound(f)
	for _, tc := range []struct {
		who  string
		want []string
	}{
		{"org", []string{
			"Phạm Thu Dung · Ban Tổ chức",
			"Tìm hiểu cải cách hành chính 2026 · Đợt 1 đang mở 07:30 thứ Hai, 30/11/2026 – 16:30 thứ Sáu, 04/12/2026 · Phạm vi: Toàn tỉnh",
			"Đã tham gia 4 trên 9 CBCCVC Tỷ lệ tham gia 44,4% Đang làm bài 1 cập nhật 09:00:00",
			"Đơn vị Tham gia CBCCVC Tỷ lệ Sở Y tế 2 3 66,7% Sở Nội vụ 2 5 40,0%",
			"Ngày Số người T2 30/11 1 T3 01/12 1 T4 02/12 2",
			"Đợt 1 (30/11–04/12) 4 9 44,4%",
		}},
		{"head", []string{
			"Lê Minh Chi · Thủ trưởng Sở Nội vụ",
			"Phạm vi: Sở Nội vụ",
			"Đã tham gia 2 trên 5 CBCCVC Tỷ lệ tham gia 40,0% Đang làm bài 1",
			"Đơn vị Tham gia CBCCVC Tỷ lệ UBND xã Hòa Phú 1 2 50,0%",
			"Ngày Số người T2 30/11 1 T3 01/12 1 T4 02/12 0",
			"Đợt 1 (30/11–04/12) 2 5 40,0%",
		}},
	} {
		c := f.signIn(tc.who)
		_, body := c.get("/console/")
		page := text(body)
		for _, w := range tc.want {
			if !strings.Contains(page, w) {
				t.Errorf("%s's Tổng quan lacks %q:\n%s", tc.who, w, page)
			}
		}
		// The live part alone, as live.js fetches it, has the same figures.
		st, live := c.get("/console/live")
		if st != http.StatusOK || !strings.Contains(text(live), tc.want[2]) {
			t.Errorf("%s's /console/live: %d %s", tc.who, st, text(live))
		}
	}
}

func TestScope(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head, org := f.signIn("head"), f.signIn("org")
	for _, tc := range []struct {
		c      *client
		path   string
		status int
	}{
		{head, "/console/units/SNV", http.StatusOK},
		{head, "/console/units/XA1", http.StatusOK},
		{head, "/console/units/SYT", http.StatusForbidden},
		{head, "/console/units/TINH", http.StatusForbidden},
		{head, "/console/units/NOPE", http.StatusNotFound},
		{org, "/console/units/SYT", http.StatusOK},
		{org, "/console/units/TINH", http.StatusOK},
	} {
		st, body := tc.c.get(tc.path)
		if st != tc.status {
			t.Errorf("%s: %d, want %d\n%s", tc.path, st, tc.status, text(body))
		}
		if st == http.StatusForbidden && !strings.Contains(text(body), "Anh/chị không có quyền xem đơn vị "+strings.TrimPrefix(tc.path, "/console/units/")) {
			t.Errorf("%s: the refusal does not say why: %s", tc.path, text(body))
		}
	}
	// Nobody signed in: nothing but the sign-in advice.
	st, body := f.newClient().get("/console/units/SNV")
	if st != http.StatusUnauthorized || !strings.Contains(text(body), "gửi lệnh /quantri cho bot") {
		t.Errorf("anonymous: %d %s", st, text(body))
	}
}

func TestLinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	if _, err := f.cons.Link(context.Background(), f.member("a1")); !errors.Is(err, console.ErrNotAllowed) {
		t.Errorf("a plain member's link: %v, want ErrNotAllowed", err)
	}
	bad := "Đường dẫn đăng nhập không hợp lệ, đã được sử dụng hoặc đã hết hạn"

	// Opening the link (as a messenger's preview does) spends nothing;
	// signing in does, and then the link is refused, page and button.
	link := f.link("head")
	token := tokenOf(t, link)
	for range 2 {
		if st, body := f.newClient().get(link); st != http.StatusOK || !strings.Contains(body, `id="signin"`) {
			t.Fatalf("the link's page: %d %s", st, text(body))
		}
	}
	c := f.newClient()
	// Another site's form posting the token is refused, and spends nothing.
	req := loginRequest(t, f, link)
	req.Header.Set("Origin", "https://evil.example")
	if res, err := http.DefaultTransport.RoundTrip(req); err != nil || res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
		t.Fatalf("a cross-site sign-in: %v %v", err, res)
	}
	if st, body := c.open(link); st != http.StatusOK || !strings.Contains(body, "<h1>Tổng quan</h1>") {
		t.Fatalf("first use: %d %s", st, text(body))
	}
	if st, body := f.newClient().get(link); st != http.StatusGone || !strings.Contains(text(body), bad) {
		t.Errorf("spent link: %d %s", st, text(body))
	}
	if st, body := f.newClient().post("/console/login", url.Values{"token": {token}}); st != http.StatusGone || !strings.Contains(text(body), bad) {
		t.Errorf("spent token posted: %d %s", st, text(body))
	}

	// Expired: 10 minutes and a second later.
	link = f.link("org")
	f.clock.Advance(console.LinkTTL + time.Second)
	if st, body := f.newClient().get(link); st != http.StatusGone || !strings.Contains(text(body), bad) {
		t.Errorf("expired link: %d %s", st, text(body))
	}
	if st, _ := f.newClient().post("/console/login", url.Values{"token": {tokenOf(t, link)}}); st != http.StatusGone {
		t.Errorf("expired token posted: %d", st)
	}

	// Forged: a token never issued, or none.
	real := tokenOf(t, f.link("org"))
	for _, forged := range []string{strings.Repeat("A", 43), "", real + "x", strings.Repeat("A", 500)} {
		if st, body := f.newClient().get("/console/login?token=" + forged); st < 400 || st >= 500 || !strings.Contains(text(body), bad) {
			t.Errorf("forged %q: %d %s", forged, st, text(body))
		}
		if st, body := f.newClient().post("/console/login", url.Values{"token": {forged}}); st < 400 || st >= 500 || !strings.Contains(text(body), bad) {
			t.Errorf("forged %q posted: %d %s", forged, st, text(body))
		}
	}

	// A link issued before the member was demoted signs nobody in.
	link = f.link("head")
	f.exec(`UPDATE members SET role = 'member' WHERE id = $1`, f.member("head").ID)
	if st, _ := f.newClient().open(link); st != http.StatusForbidden {
		t.Errorf("demoted member's link: %d, want 403", st)
	}
}

func tokenOf(t *testing.T, link string) string {
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("token")
}

func TestCookie(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res, err := http.DefaultTransport.RoundTrip(loginRequest(t, f, f.link("org")))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	cookies := res.Cookies()
	if len(cookies) != 1 {
		t.Fatalf("cookies: %v", cookies)
	}
	ck := cookies[0]
	if !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.MaxAge != 12*3600 || ck.Path != "/console/" || ck.Secure {
		t.Errorf("cookie over plain HTTP: %+v", ck)
	}
	// Behind a proxy that terminated HTTPS, the cookie is Secure.
	req := loginRequest(t, f, f.link("org"))
	req.Header.Set("X-Forwarded-Proto", "https")
	res, err = http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if cs := res.Cookies(); len(cs) != 1 || !cs[0].Secure {
		t.Errorf("cookie behind HTTPS: %v", cs)
	}
}

// loginRequest is the Đăng nhập button's request for the link.
func loginRequest(t *testing.T, f *fixture, link string) *http.Request {
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/console/login", strings.NewReader(url.Values{"token": {tokenOf(t, link)}}.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}

func (f *fixture) exec(query string, args ...any) {
	f.t.Helper()
	if _, err := f.db.ExecContext(context.Background(), query, args...); err != nil {
		f.t.Fatal(err)
	}
}

func TestCSRFAndSignOut(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signIn("head")
	token := c.csrf()
	for _, form := range []url.Values{nil, {"csrf": {"forged"}}, {"csrf": {""}}} {
		if st, body := c.post("/console/logout", form); st != http.StatusForbidden || !strings.Contains(text(body), "mã bảo vệ biểu mẫu") {
			t.Errorf("POST with csrf %v: %d %s", form, st, text(body))
		}
	}
	if st, _ := c.get("/console/"); st != http.StatusOK {
		t.Fatalf("the refused POSTs ended the session: %d", st)
	}
	// Another session's token is no good either.
	other := f.signIn("head")
	if st, _ := c.post("/console/logout", url.Values{"csrf": {other.csrf()}}); st != http.StatusForbidden {
		t.Errorf("another session's token: %d", st)
	}
	if st, body := c.post("/console/logout", url.Values{"csrf": {token}}); st != http.StatusOK || !strings.Contains(text(body), "Anh/chị đã đăng xuất") {
		t.Fatalf("sign out: %d %s", st, text(body))
	}
	if st, _ := c.get("/console/"); st != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", st)
	}
	if st, _ := other.get("/console/"); st != http.StatusOK {
		t.Errorf("the other session ended too: %d", st)
	}
}

func TestSessionEndsWithMember(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name, key, query string
	}{
		{"deactivated", "head", `UPDATE members SET active = false WHERE id = $1`},
		{"unlinked", "org", `UPDATE members SET gen = gen + 1 WHERE id = $1`},
	} {
		c := f.signIn(tc.key)
		f.exec(tc.query, f.member(tc.key).ID)
		if st, body := c.get("/console/"); st != http.StatusUnauthorized {
			t.Errorf("%s member's session: %d %s", tc.name, st, text(body))
		}
	}
	// Sessions expire after 12 hours.
	c := f.signIn("org")
	f.clock.Advance(console.SessionTTL)
	if st, _ := c.get("/console/"); st != http.StatusUnauthorized {
		t.Errorf("after 12 h: %d", st)
	}
}

func TestAudit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if err := f.cons.Audit(ctx, f.member("head"), "Ghi nhận lý do vắng", "Trần Thị Bình: đi công tác"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	if err := f.cons.Audit(ctx, f.member("org"), "Áp dụng cuộc thi", "cchc"); err != nil {
		t.Fatal(err)
	}
	_, body := f.signIn("org").get("/console/audit")
	// The organizer's own sign-in is the latest entry.
	want := "09:01:00 02/12/2026 Phạm Thu Dung UBND tỉnh Hòa Bình Đăng nhập bằng đường dẫn một lần " +
		"09:01:00 02/12/2026 Phạm Thu Dung UBND tỉnh Hòa Bình Áp dụng cuộc thi cchc " +
		"09:00:00 02/12/2026 Lê Minh Chi Sở Nội vụ Ghi nhận lý do vắng Trần Thị Bình: đi công tác"
	if !strings.Contains(text(body), want) {
		t.Errorf("organizer's audit page lacks %q:\n%s", want, text(body))
	}
	_, body = f.signIn("head").get("/console/audit")
	if page := text(body); !strings.Contains(page, "Lê Minh Chi Sở Nội vụ Ghi nhận lý do vắng") || strings.Contains(page, "Áp dụng cuộc thi") {
		t.Errorf("head's audit page shows other than their subtree's entries:\n%s", page)
	}
}
