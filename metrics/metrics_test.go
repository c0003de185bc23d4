package metrics

import (
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"quizbot/bot/chat"
	"quizbot/quiz"
)

// TestDomainPackagesDoNotImportPrometheus: only this package (and the
// command that wires it) knows Prometheus; the domain packages speak their
// own observer interfaces.
func TestDomainPackagesDoNotImportPrometheus(t *testing.T) {
	pkgs := []string{"quizbot/quiz", "quizbot/bot/chat", "quizbot/notify", "quizbot/storage", "quizbot/bot/telegram",
		"quizbot/bot/zalo", "quizbot/bot/webchat", "quizbot/outbound", "quizbot/report", "quizbot/config"}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to check imports: %v", err)
	}
	out, err := exec.Command(goBin, append([]string{"list", "-deps", "-f", "{{.ImportPath}}"}, pkgs...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list found too little to judge: %q", deps)
	}
	for _, p := range deps {
		if strings.HasPrefix(p, "github.com/prometheus/") || p == "quizbot/metrics" {
			t.Errorf("a domain package depends on %s", p)
		}
	}
}

// names lists every metric name this package's registry may expose.
func names(t *testing.T) map[string]bool {
	t.Helper()
	m := New(Sources{}, nil)
	cs := append(m.own(), &dbGauges{}, &redisPool{}, collectors.NewDBStatsCollector(nil, "quizbot"),
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	fq := regexp.MustCompile(`fqName: "([^"]+)"`)
	out := map[string]bool{}
	for _, c := range cs {
		ch := make(chan *prometheus.Desc, 200)
		c.Describe(ch)
		close(ch)
		for d := range ch {
			if mm := fq.FindStringSubmatch(d.String()); mm != nil {
				out[mm[1]] = true
			}
		}
	}
	return out
}

// TestDashboardIsValid reads deploy/grafana/quizbot.json: valid JSON, a
// Grafana dashboard whose every panel has a place and a query, and whose
// every query names only metrics quizbot exposes (so that renaming one
// cannot leave an empty panel behind).
func TestDashboardIsValid(t *testing.T) {
	raw, err := os.ReadFile("../deploy/grafana/quizbot.json")
	if err != nil {
		t.Fatal(err)
	}
	var d struct {
		Title  string `json:"title"`
		UID    string `json:"uid"`
		Panels []struct {
			Type    string `json:"type"`
			Title   string `json:"title"`
			GridPos *struct {
				X, Y, W, H int
			} `json:"gridPos"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("quizbot.json is not valid JSON: %v", err)
	}
	if d.Title == "" || d.UID == "" || len(d.Panels) < 10 {
		t.Fatalf("not a dashboard: title %q, uid %q, %d panels", d.Title, d.UID, len(d.Panels))
	}
	known := names(t)
	for _, want := range []string{"quizbot_updates_total", "quizbot_attempts_open", "go_sql_in_use_connections", "go_goroutines", "process_resident_memory_bytes"} {
		if !known[want] {
			t.Fatalf("the registry's names lack %s: %v", want, known)
		}
	}
	metricRe := regexp.MustCompile(`\b(quizbot|go|process)_[a-z_]+`)
	seen := map[string]bool{}
	for _, p := range d.Panels {
		if p.GridPos == nil || p.GridPos.W <= 0 || p.GridPos.H <= 0 || p.GridPos.X+p.GridPos.W > 24 {
			t.Errorf("panel %q has no valid place: %+v", p.Title, p.GridPos)
		}
		if p.Type == "row" {
			continue
		}
		if p.Title == "" || len(p.Targets) == 0 {
			t.Errorf("panel %q (%s) has no title or no query", p.Title, p.Type)
		}
		for _, tg := range p.Targets {
			found := metricRe.FindAllString(tg.Expr, -1)
			if len(found) == 0 {
				t.Errorf("panel %q: query %q names no metric", p.Title, tg.Expr)
			}
			for _, n := range found {
				base := n
				for _, suffix := range []string{"_bucket", "_count", "_sum"} {
					if b, ok := strings.CutSuffix(n, suffix); ok && known[b] {
						base = b
					}
				}
				if !known[base] {
					t.Errorf("panel %q: %s is not a metric quizbot exposes", p.Title, n)
				}
				seen[base] = true
			}
		}
	}
	// The contest day's figures the dashboard exists for.
	for _, n := range []string{"quizbot_updates_total", "quizbot_reply_seconds", "quizbot_answers_total", "quizbot_attempts_open",
		"quizbot_attempts_submitted_total", "quizbot_notifications_total", "quizbot_notification_queue", "go_sql_in_use_connections",
		"quizbot_redis_pool_connections"} {
		if !seen[n] {
			t.Errorf("the dashboard shows no %s", n)
		}
	}
}

// TestHotPathAllocatesNothing: what every update and answer tells the
// metrics costs no allocation once a platform has been seen.
func TestHotPathAllocatesNothing(t *testing.T) {
	m := New(Sources{}, nil)
	m.Received(quiz.PlatformTelegram, chat.Handled, time.Millisecond)
	m.AttemptStarted(quiz.PlatformTelegram)
	m.AttemptSubmitted(quiz.PlatformTelegram, false)
	if n := testing.AllocsPerRun(100, func() {
		m.Received(quiz.PlatformTelegram, chat.Handled, time.Millisecond)
		m.AnswerRecorded(true)
		m.AttemptStarted(quiz.PlatformTelegram)
		m.AttemptSubmitted(quiz.PlatformTelegram, false)
	}); n != 0 {
		t.Fatalf("%v allocations per update", n)
	}
}

// BenchmarkPerAnswer is what one answer through the webhook tells the
// metrics: its update with the reply's latency, the answer, and a tenth of
// an attempt started and submitted (10 questions each). Run in parallel, as
// the webhook's requests are.
//
//	go test -run '^$' -bench PerAnswer ./metrics/
func BenchmarkPerAnswer(b *testing.B) {
	m := New(Sources{}, nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			start := time.Now()
			m.AnswerRecorded(i%2 == 0)
			if i%10 == 0 {
				m.AttemptStarted(quiz.PlatformTelegram)
				m.AttemptSubmitted(quiz.PlatformTelegram, false)
			}
			m.Received(quiz.PlatformTelegram, chat.Handled, time.Since(start))
			i++
		}
	})
}
