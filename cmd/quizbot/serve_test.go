package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"quizbot/config"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthAndReadiness(t *testing.T) {
	ctx := context.Background()
	db := storagetest.NewDB(t)
	rdb, err := storage.OpenRedis(ctx, storagetest.RedisURL(t))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{cfg: config.Config{WebChat: false}, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := newServer(ctx, e, db, rdb, quiz.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s.routes())
	defer ts.Close()
	if code, body := get(t, ts.URL+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("healthz: %d %q", code, body)
	}
	if code, body := get(t, ts.URL+"/readyz"); code != 200 || body != "ready\n" {
		t.Fatalf("readyz: %d %q", code, body)
	}
	// Redis goes away: not ready, and the body says why; still alive.
	rdb.Close()
	if code, body := get(t, ts.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "redis:") || strings.Contains(body, "postgres:") {
		t.Fatalf("readyz without redis: %d %q", code, body)
	}
	if code, _ := get(t, ts.URL+"/healthz"); code != 200 {
		t.Fatalf("healthz without redis: %d", code)
	}
	// Postgres goes away too.
	db.Close()
	if code, body := get(t, ts.URL+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "postgres:") {
		t.Fatalf("readyz without postgres: %d %q", code, body)
	}
}

func TestServeStopsGracefullyOnSignal(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	db := storagetest.NewDB(t)
	rdb := storagetest.NewRedis(t)
	var logs bytes.Buffer
	e := &env{cfg: config.Config{}, stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(&logs, nil))}
	s, err := newServer(ctx, e, db, rdb, quiz.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, ln, nil) }()
	if code, _ := get(t, "http://"+ln.Addr().String()+"/healthz"); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	cancel() // what SIGTERM does through signal.NotifyContext
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
	if !strings.Contains(logs.String(), "shutting down") {
		t.Fatalf("no shutdown log:\n%s", logs.String())
	}
}

func TestConfigErrorsStopAtStart(t *testing.T) {
	cases := []struct {
		env  map[string]string
		want []string
	}{
		{map[string]string{}, []string{"DATABASE_URL: is required", "REDIS_URL: is required"}},
		{map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1/db", "REDIS_URL": "redis://127.0.0.1:6379/0", "NOTIFY_RATE": "-3"}, []string{"NOTIFY_RATE"}},
		{map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1/db", "REDIS_URL": "redis://127.0.0.1:6379/0", "TELEGRAM_TOKEN": "123:short"}, []string{"TELEGRAM_TOKEN"}},
		{map[string]string{"DATABASE_URL": "postgres://x@127.0.0.1/db", "REDIS_URL": "redis://127.0.0.1:6379/0", "WEBCHAT_ADDR": ":8081"}, []string{"WEBCHAT_ADDR: must be a loopback address"}},
	}
	for _, tc := range cases {
		var out, errb bytes.Buffer
		code := run(context.Background(), []string{"serve"}, func(k string) string { return tc.env[k] }, &out, &errb)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2", tc.env, code)
		}
		for _, w := range tc.want {
			if !strings.Contains(errb.String(), w) {
				t.Errorf("%v: stderr %q lacks %q", tc.env, errb.String(), w)
			}
		}
		if strings.Contains(errb.String(), "123:short") {
			t.Errorf("token echoed: %q", errb.String())
		}
	}
	// Unknown command and no command.
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"fly"}, func(string) string { return "" }, &out, &errb); code != 2 || !strings.Contains(errb.String(), `unknown command "fly"`) {
		t.Errorf("unknown command: %d %q", code, errb.String())
	}
}

func TestMigrateCommand(t *testing.T) {
	url := storagetest.DatabaseURL(t)
	getenv := func(k string) string {
		return map[string]string{"DATABASE_URL": url, "REDIS_URL": "redis://127.0.0.1:1/0"}[k]
	}
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"migrate"}, getenv, &out, &errb); code != 0 || !strings.Contains(out.String(), "migrations applied") {
		t.Fatalf("migrate: %d %q %q", code, out.String(), errb.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"migrate"}, getenv, &out, &errb); code != 0 || out.String() != "0 migrations applied\n" {
		t.Fatalf("second migrate: %d %q", code, out.String())
	}
}

// TestWebChatNeverOnThePublicListener serves with the web chat on: it
// answers on its own listener, and LISTEN_ADDR, the address a server
// publishes, has no /chat at all.
func TestWebChatNeverOnThePublicListener(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db := storagetest.NewDB(t)
	rdb := storagetest.NewRedis(t)
	e := &env{cfg: config.Config{WebChat: true, WebChatAddr: "127.0.0.1:0"}, stdout: io.Discard, stderr: io.Discard,
		log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := newServer(ctx, e, db, rdb, quiz.SystemClock{})
	if err != nil {
		t.Fatal(err)
	}
	listen := func() net.Listener {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		return ln
	}
	ln, webLn := listen(), listen()
	done := make(chan error, 1)
	go func() { done <- s.serve(ctx, ln, webLn) }()
	public, web := "http://"+ln.Addr().String(), "http://"+webLn.Addr().String()

	for _, path := range []string{"/chat", "/chat/", "/chat/api/members", "/chat/api/session", "/"} {
		if code, body := get(t, public+path); code != http.StatusNotFound {
			t.Errorf("public listener GET %s: %d %.100q, want 404", path, code, body)
		}
	}
	if code, _ := get(t, public+"/healthz"); code != 200 {
		t.Errorf("public listener /healthz: %d", code)
	}
	if code, body := get(t, web+"/chat"); code != 200 || !strings.Contains(body, "Chọn một cán bộ để dùng thử") {
		t.Errorf("web chat listener /chat: %d %.200q", code, body)
	}
	if code, body := get(t, web+"/"); code != 200 || !strings.Contains(body, "Chọn một cán bộ để dùng thử") {
		t.Errorf("web chat listener / (redirected to /chat): %d %.200q", code, body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve returned %v", err)
	}
}
