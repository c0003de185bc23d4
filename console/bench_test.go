package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"quizbot/console"
	"quizbot/entryfiles"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// benchProvinceSQL seeds a province of 200 units (the province, 20
// departments and districts, 179 communes under the districts) and 60,000
// staff, one of them the organizer (member 1), the department D002 of 500
// (the others 300 or 299), and round 1, open, with 45,000 members'
// attempts over its first three days and 300 under way.
const benchProvinceSQL = `
INSERT INTO units (id, code, name, parent_id) VALUES (1, 'TINH', 'UBND tỉnh', NULL);
INSERT INTO units (id, code, name, parent_id) SELECT i, 'D' || lpad(i::text, 3, '0'), 'Sở, huyện ' || i, 1 FROM generate_series(2, 21) i;
INSERT INTO units (id, code, name, parent_id) SELECT i, 'X' || lpad(i::text, 3, '0'), 'UBND xã ' || i, 2 + i % 20 FROM generate_series(22, 200) i;
INSERT INTO members (id, full_name, phone, unit_id, position, role)
	SELECT i, 'Cán bộ ' || i, '09' || lpad(i::text, 8, '0'), 1 + i % 200, 'Chuyên viên',
		CASE WHEN i = 1 THEN 'organizer' ELSE 'member' END
	FROM generate_series(1, 60000) i;
UPDATE members SET unit_id = 2 WHERE id >= 59800; -- 200 more: 500
SELECT setval('members_id_seq', 60000);
INSERT INTO contests (id, code, name, timezone, questions_per_attempt, time_limit_seconds, attempts_per_round, prediction, prediction_target)
	VALUES (1, 'bench', 'Bench', 'Asia/Ho_Chi_Minh', 20, 1200, 3, '', 'participants');
INSERT INTO rounds (id, contest_id, number, opens_at, closes_at) VALUES (1, 1, 1, '2026-03-02 07:30+07', '2026-03-06 16:30+07');
INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total)
	SELECT 1, m, 1, 'telegram',
		'2026-03-02 08:00+07'::timestamptz + m * interval '5 seconds',
		'2026-03-02 08:20+07'::timestamptz + m * interval '5 seconds',
		'2026-03-02 08:05+07'::timestamptz + m * interval '5 seconds', m % 21, 20
	FROM generate_series(2, 45001) m;
INSERT INTO attempts (round_id, member_id, seq, platform, started_at, deadline, total)
	SELECT 1, m, 1, 'zalo', '2026-03-05 09:55+07', '2026-03-05 10:15+07', 20 FROM generate_series(50001, 50300) m;
`

// benchPagesSQL adds what the other pages read: the round's reminders to
// 60,000 staff (300 of them failed), 5,000 audit entries, and the
// contest's entries, closed and being judged: one link entry per unit
// (200), five judges (members 2–6) over a rubric of four criteria, four of
// them done, the fifth halfway.
const benchPagesSQL = `
UPDATE contests SET reminders = '{"0 8 * * 1-5","0 14 * * 1-5"}', summary = '0 7 * * 1';
INSERT INTO notifications (dedup_key, kind, round_id, member_id, platform, chat_id, status, tries, last_error, created_at, sent_at)
	SELECT 'remind:1:' || i, 'remind', 1, i, 'telegram', (100000 + i)::text,
		CASE WHEN i % 200 = 0 THEN 'failed' ELSE 'sent' END,
		CASE WHEN i % 200 = 0 THEN 5 ELSE 1 END,
		CASE WHEN i % 200 = 0 THEN 'Forbidden: bot was blocked by the user' ELSE '' END,
		'2026-03-02 08:00+07', CASE WHEN i % 200 = 0 THEN NULL ELSE '2026-03-02 08:01+07'::timestamptz END
	FROM generate_series(1, 60000) i;
INSERT INTO console_audit (at, member_id, actor_name, unit_code, action, detail)
	SELECT '2026-03-01 08:00+07'::timestamptz + i * interval '1 minute', 1, 'Cán bộ 1', 'TINH',
		'Ghi lý do vắng', 'Cán bộ ' || (i * 7) || ': Đi công tác'
	FROM generate_series(1, 5000) i;
INSERT INTO entry_rules (contest_id, opens_at, closes_at, judging_closes_at, submitter, min_per_unit, max_per_unit, link, combine, blind, prizes)
	VALUES (1, '2026-02-20 08:00+07', '2026-03-04 17:00+07', '2026-03-20 17:00+07', 'member', 0, 2, true, 'mean', false,
		'{"nhat": 1, "nhi": 2, "ba": 3, "khuyen_khich": 5}');
INSERT INTO entry_criteria (contest_id, position, name, max_points) VALUES
	(1, 0, 'Nội dung', 40), (1, 1, 'Hình thức', 30), (1, 2, 'Sáng tạo', 20), (1, 3, 'Tính ứng dụng', 10);
INSERT INTO entry_judges (contest_id, member_id) SELECT 1, j FROM generate_series(2, 6) j;
INSERT INTO entries (id, contest_id, unit_id, submitted_by, title, authors, kind, url, submitted_at, updated_at)
	SELECT u, 1, u, 200 + u, 'Bài dự thi ' || u, 'Cán bộ ' || (200 + u), 'link', 'https://example.com/' || u,
		'2026-03-01 08:00+07', '2026-03-01 08:00+07'
	FROM generate_series(1, 200) u;
SELECT setval('entries_id_seq', 200);
INSERT INTO entry_scores (entry_id, judge_id, contest_id, criterion, max_points, points, updated_at)
	SELECT e, j, 1, c.position, c.max_points, c.max_points * (50 + (e * j + c.position) % 51), '2026-03-05 08:00+07'
	FROM generate_series(1, 200) e, generate_series(2, 6) j, entry_criteria c
	WHERE c.contest_id = 1 AND (j < 6 OR e <= 100);
ANALYZE;`

// BenchmarkOverview60k is one GET of Tổng quan (and of the live part that
// refreshes it), of the unit tree and of a unit of 500, by the organizer,
// over HTTP, at 60,000 staff and 200 units; and of every other page the
// organizer opens: Dữ liệu, Báo cáo, Thông báo (60,000 reminders, 300
// failed), Nhật ký (5,000 entries) and the judging of 200 entries.
func BenchmarkOverview60k(b *testing.B) {
	db := storagetest.NewDB(b)
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, benchProvinceSQL+benchPagesSQL); err != nil {
		b.Fatal(err)
	}
	loc, _ := time.LoadLocation(quiz.DefaultTimezone)
	clock := quiz.NewFakeClock(time.Date(2026, 3, 5, 10, 0, 0, 0, loc))
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	cons, err := console.New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), srv.URL)
	if err != nil {
		b.Fatal(err)
	}
	cons.Routes(mux)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	n := notify.NewNotifier(db, clock, log, []quiz.Platform{quiz.PlatformTelegram})
	cons.UseNotify(db, n, notify.NewScheduler(db, nil, n, clock, log, notify.SchedulerOptions{}))
	cons.UseReports(db, console.ReportsOptions{Codes: true})
	files, err := entryfiles.New(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	if err := cons.UseEntries(quiz.NewEntries(db, clock), files.WithoutFFprobe(), b.TempDir()); err != nil {
		b.Fatal(err)
	}
	org, err := db.MemberByID(ctx, 1)
	if err != nil {
		b.Fatal(err)
	}
	link, err := cons.Link(ctx, org)
	if err != nil {
		b.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	get := func(path string, want string) {
		res, err := c.Get(path)
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			b.Fatalf("%s: %d %.300s", path, res.StatusCode, body)
		}
	}
	u, _ := url.Parse(link)
	res, err := c.PostForm(srv.URL+"/console/login", url.Values{"token": {u.Query().Get("token")}})
	if err != nil || res.StatusCode != http.StatusOK {
		b.Fatalf("sign in: %v %v", err, res)
	}
	res.Body.Close()
	pages := []struct{ name, path, want string }{
		{"page", "/console/", "45.000"},
		{"live", "/console/live", "45.000"},
		{"units", "/console/units", "45.000"},
		{"unit500", "/console/units/D002", "Cán bộ của đơn vị (500)"},
		{"data", "/console/data", "Dữ liệu"},
		{"reports", "/console/reports", "Báo cáo"},
		{"notifications", "/console/notifications", "Thông báo không gửi được (300)"},
		{"audit", "/console/audit", "Cán bộ 35000: Đi công tác"},
		{"judging", "/console/judging", "Bài dự thi 200"},
	}
	// cached: the figures shared between requests (what a page costs
	// while they are fresh, nearly always); uncached: read for each request
	// (what the one request that reads them pays).
	for _, mode := range []struct {
		name string
		ttl  time.Duration
	}{{"cached", 5 * time.Second}, {"uncached", 0}} {
		cons.SetFiguresTTL(mode.ttl)
		for _, page := range pages {
			b.Run(mode.name+"/"+page.name, func(b *testing.B) {
				for b.Loop() {
					get(srv.URL+page.path, page.want)
				}
			})
		}
	}
}
