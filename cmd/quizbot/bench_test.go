package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/storage/storagetest"
)

// BenchmarkWebhookAnswers drives the webhook handler with whole quizzes:
// many verified members at once, each starting an attempt and answering every
// question by tapping, against the real Postgres and Redis and the fake Bot
// API (which the real client calls over loopback HTTP). One op is one answer.
//
//	scripts/test.sh -run XXX -bench WebhookAnswers -benchtime 20000x ./cmd/quizbot/
func BenchmarkWebhookAnswers(b *testing.B) {
	const perAttempt, workers = 10, 32
	r := newBenchRig(b, perAttempt)
	ids := seedBenchMembers(b, r, b.N/perAttempt+1)
	h := r.srv.routes()
	// Updates are written as JSON by the fake (with its update ids, unique
	// like Telegram's), not built as models.Update and encoded by
	// reflection: the driver's cost is not the webhook's.
	post := func(body []byte) { postWebhook(h, bytes.NewReader(body)) }
	roundData := fmt.Sprintf("s:%d", r.f.Round.ID)
	// Each member opens the rules first (not timed).
	start := func(id int64) telegramtest.Message {
		u := models.User{ID: id, FirstName: "Cán bộ"}
		msg := telegramtest.Message{ChatID: id}
		post(r.fake.CallbackQueryJSON(u, msg, roundData))
		m, _ := r.fake.LastMessage(id)
		return m
	}
	runAnswers(b, r, ids, perAttempt, workers, func(id int64) func() {
		u := models.User{ID: id, FirstName: "Cán bộ"}
		q := start(id)
		if len(q.Buttons) == 0 {
			panic(fmt.Sprintf("no question after start: %q\n%s", q.Text, r.logBuf.String()))
		}
		return func() {
			post(r.fake.CallbackQueryJSON(u, q, q.Buttons[0][0].CallbackData))
			q, _ = r.fake.LastMessage(id)
		}
	})
}

// postWebhook delivers an update's JSON to the webhook handler h, with the
// secret, and panics unless it is accepted (workers are not the benchmark's
// goroutine, so they cannot call b.Fatal).
//
// It builds the request with http.NewRequest and answers into a pooled
// statusWriter: httptest.NewRequest parses a request line through a 4 KB
// bufio.Reader and httptest.NewRecorder keeps headers and body, allocations
// per answer that are the driver's, not the webhook's.
func postWebhook(h http.Handler, body io.Reader) {
	req, err := http.NewRequest(http.MethodPost, "/webhook/telegram", body)
	if err != nil {
		panic(err)
	}
	req.Header["X-Telegram-Bot-Api-Secret-Token"] = secretHeader
	w := statusWriters.Get().(*statusWriter)
	clear(w.header)
	w.code = 0
	h.ServeHTTP(w, req)
	code := w.code
	statusWriters.Put(w)
	if code != http.StatusOK && code != 0 { // 0: nothing written, which is 200
		panic(fmt.Sprintf("webhook answered %d", code))
	}
}

// secretHeader is shared by every request: nothing changes it.
var secretHeader = []string{testSecret}

// statusWriter is a ResponseWriter that keeps the status and drops the body.
type statusWriter struct {
	header http.Header
	code   int
}

var statusWriters = sync.Pool{New: func() any { return &statusWriter{header: http.Header{}} }}

func (w *statusWriter) Header() http.Header { return w.header }

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return len(p), nil
}

// seedBenchMembers adds n verified members straight into the tables and
// returns their Telegram ids.
func seedBenchMembers(b *testing.B, r *tgRig, n int) []int64 {
	ctx := context.Background()
	if _, err := r.db.ExecContext(ctx, `
		INSERT INTO members (full_name, phone, unit_id, position)
		SELECT 'Cán bộ ' || g, '09' || lpad(g::text, 8, '0'), (SELECT id FROM units WHERE code = 'SNV'), 'Chuyên viên'
		FROM generate_series(1, $1) g`, n); err != nil {
		b.Fatal(err)
	}
	var ids []int64
	if err := r.db.SelectContext(ctx, &ids, `
		INSERT INTO identities (member_id, platform, external_id, chat_id)
		SELECT id, 'telegram', (100000 + id)::text, (100000 + id)::text FROM members WHERE full_name LIKE 'Cán bộ %'
		RETURNING 100000 + member_id`); err != nil {
		b.Fatal(err)
	}
	return ids
}

// runAnswers times b.N answers by workers members at a time: begin starts a
// member's attempt (untimed work included) and returns the function that
// answers its current question.
func runAnswers(b *testing.B, r *tgRig, ids []int64, perAttempt, workers int, begin func(id int64) (answer func())) {
	var answered atomic.Int64
	total := int64(b.N)
	next := make(chan int64, len(ids))
	for _, id := range ids {
		next <- id
	}
	close(next)
	b.ReportAllocs()
	b.ResetTimer()
	began := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range next {
				if answered.Load() >= total {
					return
				}
				answer := begin(id)
				for range perAttempt {
					if answered.Add(1) > total {
						return
					}
					answer()
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(began)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "answers/s")
	var got int
	r.db.GetContext(context.Background(), &got, `SELECT count(chosen) FROM answers`)
	if got < b.N {
		b.Fatalf("%d answers recorded, want %d", got, b.N)
	}
}

func newBenchRig(b *testing.B, perAttempt int) *tgRig {
	return newTgRig(b, storagetest.SeedOptions{Questions: 60, QuestionsPerAttempt: perAttempt, TimeLimit: 3 * time.Hour})
}

// stubAPI is a minimal Bot API: canned answers, no validation, the last
// inline keyboard per chat. It shows what the webhook costs without the
// validating fake's own work, which Telegram does in production.
type stubAPI struct {
	mu   sync.Mutex
	next int
	kb   map[string]string // chat → first button's callback_data
}

func (s *stubAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	method := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	w.Header().Set("Content-Type", "application/json")
	switch method {
	case "getMe":
		io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"Bot","username":"bot"}}`)
	case "sendMessage", "editMessageText":
		// The bot sends these two as JSON bodies.
		var p struct {
			ChatID      json.Number     `json:"chat_id"`
			ReplyMarkup json.RawMessage `json:"reply_markup"`
		}
		json.NewDecoder(r.Body).Decode(&p)
		chatID := p.ChatID.String()
		s.mu.Lock()
		s.next++
		id := s.next
		if m := string(p.ReplyMarkup); strings.Contains(m, "callback_data") {
			i := strings.Index(m, `"callback_data":"`) + len(`"callback_data":"`)
			s.kb[chatID] = m[i : i+strings.IndexByte(m[i:], '"')]
		}
		s.mu.Unlock()
		fmt.Fprintf(w, `{"ok":true,"result":{"message_id":%d,"date":1,"chat":{"id":%s,"type":"private"},"text":"x"}}`, id, chatID)
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

// BenchmarkWebhookAnswersStubAPI is BenchmarkWebhookAnswers with the stub in
// place of the validating fake.
func BenchmarkWebhookAnswersStubAPI(b *testing.B) {
	const perAttempt, workers = 10, 32
	stub := &stubAPI{kb: map[string]string{}}
	api := httptest.NewServer(stub)
	defer api.Close()
	r := newBenchRig(b, perAttempt)
	r.srv.tg = nil
	e := *r.srv.e
	e.cfg.TelegramAPIURL = api.URL
	srv, err := newServer(context.Background(), &e, r.db, r.rdb, r.clock)
	if err != nil {
		b.Fatal(err)
	}
	ids := seedBenchMembers(b, r, b.N/perAttempt+1)
	h := srv.routes()
	var updateID atomic.Int64
	post := func(from int64, data string) {
		body := fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"%d","from":{"id":%d,"is_bot":false,"first_name":"A"},"chat_instance":"c","data":%q,"message":{"message_id":1,"date":1,"chat":{"id":%d,"type":"private"}}}}`,
			updateID.Add(1), updateID.Load(), from, data, from)
		postWebhook(h, strings.NewReader(body))
	}
	current := func(id int64) string {
		stub.mu.Lock()
		defer stub.mu.Unlock()
		return stub.kb[strconv.FormatInt(id, 10)]
	}
	roundData := fmt.Sprintf("s:%d", r.f.Round.ID)
	runAnswers(b, r, ids, perAttempt, workers, func(id int64) func() {
		post(id, roundData)
		return func() { post(id, current(id)) }
	})
}
