package console_test

import (
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/console"
)

// Every console response, signed in or not, page, fragment, error or
// asset, carries the headers: a policy allowing only the console's own
// assets and framing by nobody, no sniffing, no caching, no Referer to
// other sites (the sign-in page carries the token in its address).
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	org := f.signIn("org")
	anon := f.newClient()
	link := f.link("head")
	for _, tc := range []struct {
		c    *client
		path string
	}{
		{anon, strings.TrimPrefix(link, f.srv.URL)},
		{anon, "/console/login?token=forged"},
		{anon, "/console/"},
		{anon, "/console/static/live.js"},
		{org, "/console/"},
		{org, "/console/live"},
		{org, "/console/units/SNV"},
		{org, "/console/units/NOPE"},
		{org, "/console/data"},
		{org, "/console/audit"},
		{org, "/console/reports"},
		{org, "/console/notifications"},
	} {
		res, err := tc.c.c.Get(f.srv.URL + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		h := res.Header
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "form-action 'self'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: Content-Security-Policy %q lacks %q", tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: Content-Security-Policy %q allows inline code", tc.path, csp)
		}
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY",
			"Cache-Control": "no-store", "Referrer-Policy": "same-origin"} {
			if h.Get(k) != v {
				t.Errorf("%s: %s %q, want %q", tc.path, k, h.Get(k), v)
			}
		}
	}
	// The sign-in button's answer too (the cookie is set there).
	res, err := http.DefaultTransport.RoundTrip(loginRequest(t, f, link))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("Content-Security-Policy") == "" || res.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("sign-in answer headers: %v", res.Header)
	}
}

// Two presses of the same link's button at once (two tabs, a replayed
// request) open one session: the token is spent by one UPDATE … WHERE
// used_at IS NULL, which PostgreSQL serializes on the row.
func TestLoginOnceUnderConcurrency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 5 {
		link := f.link("head")
		const n = 8
		var wg sync.WaitGroup
		start := make(chan struct{})
		statuses := make([]int, n)
		cookies := make([]int, n)
		for i := range n {
			req := loginRequest(t, f, link)
			wg.Go(func() {
				<-start
				res, err := http.DefaultTransport.RoundTrip(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				statuses[i], cookies[i] = res.StatusCode, len(res.Cookies())
			})
		}
		close(start)
		wg.Wait()
		signedIn := 0
		for i := range n {
			switch {
			case statuses[i] == http.StatusSeeOther && cookies[i] == 1:
				signedIn++
			case statuses[i] == http.StatusGone && cookies[i] == 0:
			default:
				t.Errorf("press %d: %d with %d cookies", i, statuses[i], cookies[i])
			}
		}
		if signedIn != 1 {
			t.Fatalf("%d of %d simultaneous presses signed in, want 1 (%v)", signedIn, n, statuses)
		}
	}
	var sessions int
	if err := f.db.GetContext(t.Context(), &sessions, `SELECT count(*) FROM console_sessions`); err != nil {
		t.Fatal(err)
	}
	if sessions != 5 {
		t.Errorf("%d sessions for 5 links, want 5", sessions)
	}
}

// Signing in again from a browser that has a session ends that session:
// its cookie, kept by anyone (or planted before the sign-in), is dead.
func TestLoginReplacesSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.signIn("head")
	u, _ := url.Parse(f.srv.URL + "/console/")
	old := c.c.Jar.Cookies(u)
	if len(old) != 1 {
		t.Fatalf("cookies: %v", old)
	}
	if st, body := c.open(f.link("head")); st != http.StatusOK || !strings.Contains(body, "<h1>Tổng quan</h1>") {
		t.Fatalf("second sign-in: %d %s", st, text(body))
	}
	if now := c.c.Jar.Cookies(u); len(now) != 1 || now[0].Value == old[0].Value {
		t.Fatalf("the sign-in kept the cookie: %v", now)
	}
	stale := f.newClient()
	stale.c.Jar.SetCookies(u, old)
	if st, _ := stale.get("/console/"); st != http.StatusUnauthorized {
		t.Errorf("the replaced session still works: %d, want 401", st)
	}
	if st, _ := c.get("/console/"); st != http.StatusOK {
		t.Errorf("the new session: %d", st)
	}
}

// A cross-site form without Origin (Fetch Metadata says cross-site) does
// not sign the visitor in as the link's owner (login CSRF).
func TestLoginCrossSiteWithoutOrigin(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	link := f.link("head")
	req := loginRequest(t, f, link)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
		t.Fatalf("cross-site sign-in without Origin: %d %v", res.StatusCode, res.Cookies())
	}
	// Refused before spending: the owner's own press still works.
	if st, body := f.newClient().open(link); st != http.StatusOK || !strings.Contains(body, "<h1>Tổng quan</h1>") {
		t.Errorf("the owner's sign-in after the refused one: %d %s", st, text(body))
	}
}

// Names, positions, unit names and reasons are data typed by people: a
// name that is markup or a javascript: address shows as text on every
// page, fragment and chart, and runs nothing.
func TestHostileNamesShowAsText(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const (
		name     = `<script>alert("n")</script>`
		position = `"><img src=x onerror=alert('p')>`
		unit     = `</title><svg onload=alert(1)>`
		sub      = `javascript:alert(2)`
		reason   = `<script>alert('r')</script>`
	)
	f.exec(`UPDATE members SET full_name = $2, position = $3 WHERE id = $1`, f.member("a1").ID, name, position)
	f.exec(`UPDATE units SET name = $1 WHERE code = 'SNV'`, unit)
	f.exec(`UPDATE units SET name = $1 WHERE code = 'XA1'`, sub)
	f.verify("a1")
	f.took("x1", 2, f.clock.Now().Add(-time.Hour))
	head, org := f.signIn("head"), f.signIn("org")
	form := url.Values{"csrf": {head.csrf()}, "member": {fmt.Sprint(f.member("a1").ID)}, "round": {fmt.Sprint(f.seed.Round.ID)},
		"reason": {"other"}, "other": {reason}}
	if st, body := head.post("/console/units/SNV/excuses", form); st != http.StatusOK || !strings.Contains(text(body), "Đã ghi nhận lý do vắng của "+name+": "+reason) {
		t.Fatalf("recording the reason: %d %s", st, text(body))
	}
	for _, c := range []*client{head, org} {
		for _, path := range []string{"/console/", "/console/live", "/console/units", "/console/units/SNV", "/console/units/XA1", "/console/audit", "/console/reports", "/console/notifications"} {
			st, body := c.get(path)
			if st != http.StatusOK {
				t.Errorf("%s: %d", path, st)
				continue
			}
			for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload", `href="javascript:`, `" onerror=`, `" onload=`} {
				if strings.Contains(body, bad) {
					t.Errorf("%s: %q in the page:\n%s", path, bad, body)
				}
			}
		}
	}
	// And they read as typed.
	_, body := org.get("/console/units/SNV")
	if page := text(body); !strings.Contains(page, name+" "+position) || !strings.Contains(page, sub) {
		t.Errorf("SNV's page does not show the names as typed:\n%s", page)
	}
	_, body = org.get("/console/audit")
	if page := text(body); !strings.Contains(page, name+" ("+"SNV), đợt 1: "+reason) {
		t.Errorf("the audit page does not show the entry as typed:\n%s", page)
	}
}

// A head's rights follow the roster on the very next request: demoted,
// moved to another unit, or their sub-unit moved out from under them.
func TestRightsFollowTheRoster(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	head := f.signIn("head")
	if st, _ := head.get("/console/units/XA1"); st != http.StatusOK {
		t.Fatalf("head's sub-unit: %d", st)
	}
	// XA1 moves under SYT: the head loses it at once, page and form.
	f.exec(`UPDATE units SET parent_id = (SELECT id FROM units WHERE code = 'SYT') WHERE code = 'XA1'`)
	if st, _ := head.get("/console/units/XA1"); st != http.StatusForbidden {
		t.Errorf("a sub-unit moved away: %d, want 403", st)
	}
	form := url.Values{"csrf": {head.csrf()}, "member": {fmt.Sprint(f.member("x2").ID)}, "round": {fmt.Sprint(f.seed.Round.ID)}, "reason": {"Ốm đau"}}
	if st, _ := head.post("/console/units/XA1/excuses", form); st != http.StatusForbidden {
		t.Errorf("a reason for a sub-unit moved away: %d, want 403", st)
	}
	// Demoted to a plain member, or an organizer made a head: every
	// session of theirs ends (the member's generation moved on).
	org := f.signIn("org")
	f.exec(`UPDATE members SET role = 'member' WHERE id = $1`, f.member("head").ID)
	f.exec(`UPDATE members SET role = 'head' WHERE id = $1`, f.member("org").ID)
	for name, c := range map[string]*client{"demoted head": head, "organizer made head": org} {
		if st, _ := c.get("/console/"); st != http.StatusUnauthorized {
			t.Errorf("%s's session: %d, want 401", name, st)
		}
	}
}

// Over HTTPS (here behind a proxy that says so) the console asks the
// browser to keep to HTTPS; over plain HTTP it says nothing (browsers
// would ignore it).
func TestHSTS(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	link := f.link("head")
	for _, path := range []string{strings.TrimPrefix(link, f.srv.URL), "/console/"} {
		for _, proto := range []string{"", "https"} {
			req, err := http.NewRequest(http.MethodGet, f.srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if proto != "" {
				req.Header.Set("X-Forwarded-Proto", proto)
			}
			res, err := http.DefaultTransport.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got, want := res.Header.Get("Strict-Transport-Security"), ""
			if proto == "https" {
				want = "max-age=31536000"
			}
			if got != want {
				t.Errorf("%s over %q: Strict-Transport-Security %q, want %q", path, proto, got, want)
			}
		}
	}
}

// Refusals are logged with who and where, and never with the token, the
// cookie or the full phone number.
func TestRefusalsLogged(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	var buf syncBuffer
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cons, err := console.New(f.db, f.clock, slog.New(slog.NewTextHandler(&buf, nil)), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	cons.Routes(mux)
	g := *f
	g.srv, g.cons = srv, cons
	head := g.signIn("head")
	link := g.link("head")
	token := tokenOf(t, link)
	g.newClient().get("/console/login?token=" + token + "x")
	head.get("/console/units/SYT")
	head.post("/console/logout", url.Values{"csrf": {"forged"}})
	u, _ := url.Parse(srv.URL + "/console/")
	cookie := head.c.Jar.Cookies(u)[0].Value
	log := buf.String()
	for _, want := range []string{
		`msg="console refused" path=/console/login method=GET status=410`,
		`msg="console refused" path=/console/units/SYT method=GET status=403 remote=127.0.0.1:`,
		`path=/console/logout method=POST status=403`,
		fmt.Sprintf(`member=%d`, f.member("head").ID),
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	for _, secret := range []string{token, cookie, f.member("head").Phone} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds %q:\n%s", secret, log)
		}
	}
}

// syncBuffer is a log's output written by the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A unit code with characters that mean something in an address ("/",
// "?", "#", a space) still leads to its unit: from the tree, the
// overview, the parent's page, and the reason form posts to it.
func TestUnitCodesInAddresses(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const code = "XÃ 1/2?a#b"
	f.exec(`UPDATE units SET code = $1 WHERE code = 'XA1'`, code)
	f.verify("x1")
	head := f.signIn("head")
	href := regexp.MustCompile(`href="(/console/units/[^"]*)">UBND xã Hòa Phú<`)
	for _, from := range []string{"/console/units", "/console/units/SNV", "/console/"} {
		_, body := head.get(from)
		m := href.FindStringSubmatch(body)
		if m == nil {
			t.Errorf("%s: no link to the unit:\n%s", from, body)
			continue
		}
		link := html.UnescapeString(m[1])
		if st, body := head.get(link); st != http.StatusOK || !strings.Contains(text(body), "Hoàng Văn Em") {
			t.Errorf("%s: the link %s: %d %s", from, link, st, text(body))
		}
	}
	_, body := head.get("/console/units/" + url.PathEscape(code))
	action := regexp.MustCompile(`<form method="post" action="([^"]*)" class="excuse">`).FindStringSubmatch(body)
	if action == nil {
		t.Fatalf("no reason form:\n%s", body)
	}
	form := url.Values{"csrf": {head.csrf()}, "member": {fmt.Sprint(f.member("x1").ID)}, "round": {fmt.Sprint(f.seed.Round.ID)}, "reason": {"Ốm đau"}}
	if st, body := head.post(html.UnescapeString(action[1]), form); st != http.StatusOK || !strings.Contains(text(body), "Đã ghi nhận lý do vắng của Hoàng Văn Em: Ốm đau.") {
		t.Errorf("the reason form %s: %d %s", action[1], st, text(body))
	}
}

// A previewed file (a whole roster: names and phones) is not kept past
// its hour for want of another upload: the next sign-in of anyone drops
// it, and signing out drops it at once.
func TestUploadsNotKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	count := func() int {
		var n int
		if err := f.db.GetContext(t.Context(), &n, `SELECT count(*) FROM console_uploads`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	org := f.signIn("org")
	if st, body := org.upload("members", "danh-sach.csv", rosterGood, org.csrf()); st != http.StatusOK || count() != 1 {
		t.Fatalf("preview: %d, %d kept\n%s", st, count(), text(body))
	}
	f.clock.Advance(time.Hour + time.Second)
	f.signIn("head")
	if n := count(); n != 0 {
		t.Errorf("%d uploads kept past their hour", n)
	}
	org.upload("members", "danh-sach.csv", rosterGood, org.csrf())
	if st, _ := org.post("/console/logout", url.Values{"csrf": {org.csrf()}}); st != http.StatusOK {
		t.Fatalf("sign out: %d", st)
	}
	if n := count(); n != 0 {
		t.Errorf("%d uploads kept after sign-out", n)
	}
}

// Every state-changing address refuses a POST without the session's CSRF
// token, even the organizer's, and the organizers' ones refuse a head's
// POST that carries it; nothing changes either way.
func TestEveryPostGuarded(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	org, head := f.signIn("org"), f.signIn("head")
	before := f.roster()
	posts := []string{"/console/data/upload", "/console/data/apply", "/console/data/contest", // organizers only
		"/console/logout", "/console/units/SNV/excuses", "/console/reports/codes", "/console/notifications/remind"}
	for _, p := range posts {
		for _, form := range []url.Values{{}, {"csrf": {"forged"}}, {"csrf": {head.csrf()}}} {
			if st, body := org.post(p, form); st != http.StatusForbidden || !strings.Contains(text(body), "mã bảo vệ biểu mẫu") {
				t.Errorf("organizer's POST %s with %v: %d %s", p, form, st, text(body))
			}
		}
	}
	for _, p := range posts[:3] {
		if st, body := head.post(p, url.Values{"csrf": {head.csrf()}, "source": {"code: x"}}); st != http.StatusForbidden || !strings.Contains(text(body), "Chỉ Ban Tổ chức") {
			t.Errorf("head's POST %s: %d %s", p, st, text(body))
		}
	}
	if st, _ := org.get("/console/"); st != http.StatusOK {
		t.Errorf("the organizer's session did not survive the refused sign-outs: %d", st)
	}
	if f.roster() != before {
		t.Error("a refused POST changed the roster")
	}
}
