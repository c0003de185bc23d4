package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"quizbot/config"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// scrape reads the metrics at url and returns each series ("name{labels}")
// with its value as written.
func scrape(t *testing.T, url string) map[string]string {
	t.Helper()
	code, body := get(t, url)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %.300q", url, code, body)
	}
	series := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			series[line[:i]] = line[i+1:]
		}
	}
	return series
}

// wantSeries checks that every series has exactly its value.
func wantSeries(t *testing.T, got map[string]string, want map[string]string) {
	t.Helper()
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s = %q, want %q", name, got[name], v)
		}
	}
}

// TestMetricsCountWhatHappened drives a real quiz and a reminder through the
// service as serve assembles it (the webhook of the fake Telegram, the
// notification sender) and reads the figures on the admin listener's
// /metrics: every update by its outcome, the answers recorded once though
// one was delivered twice, the attempt started and submitted, the queue
// before and after the reminder goes, the 429 that paused it, and the
// reminder sent.
func TestMetricsCountWhatHappened(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 2})
	admin := httptest.NewServer(r.srv.adminRoutes())
	defer admin.Close()
	metricsURL := admin.URL + "/metrics"

	an, binh := user(1001, "An"), user(1002, "Bình")
	r.verify(an, "0912000001")
	r.verify(binh, "0912000002")
	r.startQuiz(an)
	wantSeries(t, scrape(t, metricsURL), map[string]string{`quizbot_attempts_open`: "1"})
	q1 := r.last(an)
	right := r.fake.Tap(t, an, q1, rightLabel(t, q1))
	r.send(right)
	r.send(right) // Telegram delivers it again: handled, not answered twice
	q2 := r.last(an)
	r.send(r.fake.Tap(t, an, q2, wrongLabel(t, q2)))
	if m := r.last(an); !strings.Contains(m.Text, "1/2") {
		t.Fatalf("result: %q", m.Text)
	}

	// 2 updates to verify each of two people, /thi and its start button,
	// three taps on answers (one of them twice).
	const updates = "9"
	wantSeries(t, scrape(t, metricsURL), map[string]string{
		`quizbot_updates_total{outcome="handled",platform="telegram"}`:                 updates,
		`quizbot_reply_seconds_count{platform="telegram"}`:                             updates,
		`quizbot_answers_total{result="correct"}`:                                      "1",
		`quizbot_answers_total{result="wrong"}`:                                        "1",
		`quizbot_attempts_started_total{platform="telegram"}`:                          "1",
		`quizbot_attempts_submitted_total{how="answered",platform="telegram"}`:         "1",
		`quizbot_attempts_open`:                                                        "0",
		`quizbot_zalo_token_refreshes_total{result="ok"}`:                              "0",
		`quizbot_metrics_query_errors{query="notification_queue"}`:                     "0",
		`go_sql_max_open_connections{db_name="quizbot"}`:                               itoa(int64(config.DefaultDatabaseMaxConns())),
		`quizbot_notifications_total{kind="remind",platform="telegram",status="sent"}`: "",
	})
	if v := scrape(t, metricsURL)[`quizbot_redis_pool_connections{state="total"}`]; v == "" || v == "0" {
		t.Errorf("the Redis pool has %q connections", v)
	}

	// A reminder for Bình, who has not taken part; Telegram answers its
	// first try with 429.
	ctx := context.Background()
	if n, err := r.srv.notify.Notifier.Run(ctx, notify.Job{Kind: notify.KindRemind, Contest: r.f.Contest, Round: r.f.Round,
		Slot: notify.ManualRemindSlot(r.clock.Now(), r.f.Contest.Location())}); err != nil || n != 1 {
		t.Fatalf("reminders queued: %d %v, want 1", n, err)
	}
	wantSeries(t, scrape(t, metricsURL), map[string]string{
		`quizbot_notification_queue{platform="telegram",status="queued"}`: "1",
	})
	r.fake.FailTooManyRequests("sendMessage", binh.ID, 1, 1)
	dctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if err := r.srv.notify.Sender.Drain(dctx, r.f.Round.ID, []string{notify.KindRemind}); err != nil {
		t.Fatal(err)
	}
	if m := r.last(binh); !strings.HasPrefix(m.Text, "⏰ Nhắc nhở: anh/chị chưa tham gia Đợt 1") {
		t.Fatalf("reminder: %q", m.Text)
	}
	got := scrape(t, metricsURL)
	wantSeries(t, got, map[string]string{
		`quizbot_notifications_total{kind="remind",platform="telegram",status="retried"}`: "1",
		`quizbot_notifications_total{kind="remind",platform="telegram",status="sent"}`:    "1",
		`quizbot_rate_limit_pauses_total{platform="telegram"}`:                            "1",
		`quizbot_rate_limit_pause_seconds_total{platform="telegram"}`:                     "1",
		`quizbot_notification_queue{platform="telegram",status="queued"}`:                 "",
		`quizbot_updates_total{outcome="handled",platform="telegram"}`:                    updates,
	})
	// Low cardinality: no label names a person.
	for name := range got {
		for _, who := range []string{"1001", "1002", "0912", "84912", "An", "Bình"} {
			if strings.Contains(name, `"`+who) {
				t.Errorf("series %s names someone (%s)", name, who)
			}
		}
	}
}

// TestAdminListenerAloneServesMetricsAndProfiles serves with ADMIN_ADDR on:
// /metrics and the pprof index answer there, and the public listener, the
// webhook's address, has neither.
func TestAdminListenerAloneServesMetricsAndProfiles(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storagetest.NewDB(t)
	rdb := storagetest.NewRedis(t)
	e := &env{cfg: config.Config{AdminAddr: "127.0.0.1:0"}, stdout: io.Discard, stderr: io.Discard,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := newServer(ctx, e, db, rdb, quiz.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if s.adminLn, err = listenAdmin(e); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, ln, nil) }()
	public, admin := "http://"+ln.Addr().String(), "http://"+s.adminLn.Addr().String()

	for _, path := range []string{"/metrics", "/debug/pprof/", "/debug/pprof/heap", "/debug/pprof/cmdline"} {
		if code, body := get(t, public+path); code != http.StatusNotFound {
			t.Errorf("public listener GET %s: %d %.100q, want 404", path, code, body)
		}
	}
	if code, _ := get(t, public+"/healthz"); code != 200 {
		t.Errorf("public listener /healthz: %d", code)
	}
	wantSeries(t, scrape(t, admin+"/metrics"), map[string]string{
		`quizbot_attempts_open`:                               "0",
		`quizbot_metrics_query_errors{query="attempts_open"}`: "0",
	})
	if code, body := get(t, admin+"/debug/pprof/"); code != 200 || !strings.Contains(body, "goroutine") || !strings.Contains(body, "heap") {
		t.Errorf("admin listener /debug/pprof/: %d %.200q", code, body)
	}
	if code, body := get(t, admin+"/debug/pprof/goroutine?debug=1"); code != 200 || !strings.Contains(body, "goroutine profile:") {
		t.Errorf("admin listener goroutine profile: %d %.200q", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if _, err := http.Get(admin + "/metrics"); err == nil {
		t.Fatal("the admin listener still serves after shutdown")
	}
}

// TestAdminAddrOffServesNoAdmin: ADMIN_ADDR=0 opens no listener.
func TestAdminAddrOffServesNoAdmin(t *testing.T) {
	ln, err := listenAdmin(&env{cfg: config.Config{AdminAddr: ""}})
	if ln != nil || err != nil {
		t.Fatalf("listener %v, error %v; want none", ln, err)
	}
}

// TestMetricsCountZaloTokenRefreshes: the first Zalo event needs an access
// token, which the stored refresh token buys once; the event and the
// refresh are both counted.
func TestMetricsCountZaloTokenRefreshes(t *testing.T) {
	t.Parallel()
	r := newZaloRig(t, storagetest.SeedOptions{}, "")
	admin := httptest.NewServer(r.srv.adminRoutes())
	defer admin.Close()
	wantSeries(t, scrape(t, admin.URL+"/metrics"), map[string]string{
		`quizbot_zalo_token_refreshes_total{result="ok"}`: "0",
	})
	r.zsend(r.z.TextEvent("z-an", "/start"))
	r.zsend(r.z.TextEvent("z-an", "/huongdan"))
	wantSeries(t, scrape(t, admin.URL+"/metrics"), map[string]string{
		`quizbot_zalo_token_refreshes_total{result="ok"}`:          "1",
		`quizbot_zalo_token_refreshes_total{result="failed"}`:      "0",
		`quizbot_updates_total{outcome="handled",platform="zalo"}`: "2",
	})
}
