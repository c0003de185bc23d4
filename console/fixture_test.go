package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"quizbot/console"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// fixture is a province with a console served over httptest, for every
// test of the package (phase-2 pages too): units TINH (the province, root)
// → SNV → XA1, and TINH → SYT; members by key: "org" (organizer, TINH),
// "head" (head of SNV), "a1", "a2" (SNV), "x1", "x2" (XA1), "y1", "y2",
// "y3" (SYT), the plain members.
type fixture struct {
	t     *testing.T
	db    *storage.DB
	clock *quiz.FakeClock
	cons  *console.Console
	srv   *httptest.Server
	seed  storagetest.Fixture
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := storagetest.NewDB(t)
	seed := storagetest.Seed(t, db, storagetest.SeedOptions{
		Units: []storagetest.SeedUnit{
			{Code: "TINH", Name: "UBND tỉnh Hòa Bình"},
			{Code: "SNV", Name: "Sở Nội vụ", Parent: "TINH"},
			{Code: "SYT", Name: "Sở Y tế", Parent: "TINH"},
			{Code: "XA1", Name: "UBND xã Hòa Phú", Parent: "SNV"},
		},
		Members: []storagetest.SeedMember{
			{Key: "org", Name: "Phạm Thu Dung", Phone: "0912000001", Position: "Chuyên viên", Unit: "TINH", Role: quiz.RoleOrganizer},
			{Key: "head", Name: "Lê Minh Chi", Phone: "0912000002", Position: "Giám đốc", Unit: "SNV", Role: quiz.RoleHead},
			{Key: "a1", Name: "Nguyễn Văn An", Phone: "0912000003", Position: "Chuyên viên", Unit: "SNV"},
			{Key: "a2", Name: "Trần Thị Bình", Phone: "0912000004", Position: "Chuyên viên", Unit: "SNV"},
			{Key: "x1", Name: "Hoàng Văn Em", Phone: "0912000005", Position: "Công chức", Unit: "XA1"},
			{Key: "x2", Name: "Đỗ Thị Giang", Phone: "0912000006", Position: "Công chức", Unit: "XA1"},
			{Key: "y1", Name: "Vũ Văn Hải", Phone: "0912000007", Position: "Bác sĩ", Unit: "SYT"},
			{Key: "y2", Name: "Bùi Thị Lan", Phone: "0912000008", Position: "Điều dưỡng", Unit: "SYT"},
			{Key: "y3", Name: "Ngô Văn Minh", Phone: "0912000009", Position: "Kế toán", Unit: "SYT"},
		},
	})
	clock := quiz.NewFakeClock(seed.Now)
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	cons, err := console.New(db, clock, log, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Every request reads the figures afresh: tests change the data
	// between two pages (the cache has its own test).
	cons.SetFiguresTTL(0)
	cons.Routes(mux)
	return &fixture{t: t, db: db, clock: clock, cons: cons, srv: srv, seed: seed}
}

func (f *fixture) member(key string) quiz.Member {
	f.t.Helper()
	m, ok := f.seed.Members[key]
	if !ok {
		f.t.Fatalf("no member %q", key)
	}
	return m
}

// took records that member key submitted an attempt of round 1 at `at`
// with `correct` right answers of 3, as the quiz service stores one.
func (f *fixture) took(key string, correct int, at time.Time) {
	f.t.Helper()
	_, err := f.db.ExecContext(context.Background(), `INSERT INTO attempts
		(round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total)
		VALUES ($1, $2, 1, 'telegram', $3, $4, $5, $6, 3)`,
		f.seed.Round.ID, f.member(key).ID, at.Add(-2*time.Minute), at.Add(8*time.Minute), at, correct)
	if err != nil {
		f.t.Fatal(err)
	}
}

// taking records an attempt of round 1 under way at the fixture's now.
func (f *fixture) taking(key string) {
	f.t.Helper()
	now := f.clock.Now()
	_, err := f.db.ExecContext(context.Background(), `INSERT INTO attempts
		(round_id, member_id, seq, platform, started_at, deadline, total)
		VALUES ($1, $2, 1, 'zalo', $3, $4, 3)`, f.seed.Round.ID, f.member(key).ID, now.Add(-5*time.Minute), now.Add(5*time.Minute))
	if err != nil {
		f.t.Fatal(err)
	}
}

// link issues a sign-in link for member key as they are now (the chat
// and the command read the member afresh too).
func (f *fixture) link(key string) string {
	f.t.Helper()
	m, err := f.db.MemberByID(context.Background(), f.member(key).ID)
	if err != nil {
		f.t.Fatal(err)
	}
	l, err := f.cons.Link(context.Background(), m)
	if err != nil {
		f.t.Fatalf("link for %s: %v", key, err)
	}
	return l
}

// client is a browser without JavaScript: its own cookies, no redirects
// followed silently past the first page.
type client struct {
	f *fixture
	c *http.Client
}

func (f *fixture) newClient() *client {
	jar, _ := cookiejar.New(nil)
	return &client{f: f, c: &http.Client{Jar: jar}}
}

// signIn opens member key's link and presses Đăng nhập; it must land on
// Tổng quan.
func (f *fixture) signIn(key string) *client {
	f.t.Helper()
	c := f.newClient()
	if st, body := c.open(f.link(key)); st != http.StatusOK || !strings.Contains(body, "<h1>Tổng quan</h1>") {
		f.t.Fatalf("sign in as %s: %d\n%s", key, st, body)
	}
	return c
}

// open opens a sign-in link as a person does: the page, then its
// Đăng nhập button (POST /console/login with the token), following the
// redirect. It returns the last status and page.
func (c *client) open(link string) (int, string) {
	c.f.t.Helper()
	st, body := c.get(link)
	if st != http.StatusOK {
		return st, body
	}
	u, err := url.Parse(link)
	if err != nil {
		c.f.t.Fatal(err)
	}
	return c.post("/console/login", url.Values{"token": {u.Query().Get("token")}})
}

func (c *client) get(path string) (int, string) {
	c.f.t.Helper()
	if strings.HasPrefix(path, "/") {
		path = c.f.srv.URL + path
	}
	res, err := c.c.Get(path)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (c *client) post(path string, form url.Values) (int, string) {
	c.f.t.Helper()
	res, err := c.c.PostForm(c.f.srv.URL+path, form)
	if err != nil {
		c.f.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the token the console's forms carry for this client's session.
func (c *client) csrf() string {
	c.f.t.Helper()
	_, body := c.get("/console/")
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		c.f.t.Fatalf("no csrf field on Tổng quan:\n%s", body)
	}
	return m[1]
}

// text is a page's visible text, tags dropped and spaces collapsed, for
// assertions on what a person reads.
func text(html string) string {
	html = regexp.MustCompile(`(?s)<(script|style|svg)\b.*?</(script|style|svg)>`).ReplaceAllString(html, " ")
	html = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(html, " ")
	for _, r := range [][2]string{{"&amp;", "&"}, {"&#34;", `"`}, {"&#39;", "'"}, {"&lt;", "<"}, {"&gt;", ">"}} {
		html = strings.ReplaceAll(html, r[0], r[1])
	}
	return strings.Join(strings.Fields(html), " ")
}
