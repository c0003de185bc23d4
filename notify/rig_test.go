package notify_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/bot/telegram"
	"quizbot/bot/telegram/telegramtest"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// rig is a seeded database (storagetest.Seed: an, binh, chi (head), dung
// (organizer) in SNV; em and the inactive giang in XA1), a Redis, a fake Bot
// API and the real Telegram adapter pointed at it.
type rig struct {
	t     *testing.T
	db    *storage.DB
	rdb   *redis.Client
	f     storagetest.Fixture
	fake  *telegramtest.Fake
	clock *quiz.FakeClock
	log   *slog.Logger
	chats map[int64]int64 // member id → Telegram chat id
}

func newRig(t *testing.T) *rig {
	t.Helper()
	db := storagetest.NewDB(t)
	r := &rig{t: t, db: db, rdb: storagetest.NewRedis(t), f: storagetest.Seed(t, db, storagetest.SeedOptions{}),
		fake: telegramtest.New(t), log: testLog(), chats: map[int64]int64{}}
	r.clock = quiz.NewFakeClock(r.f.Now)
	return r
}

func testLog() *slog.Logger {
	if os.Getenv("NOTIFY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// link verifies a member on Telegram with a chat id of its own.
func (r *rig) link(m quiz.Member) int64 {
	r.t.Helper()
	chatID := 700000 + m.ID
	err := r.db.LinkIdentity(context.Background(), quiz.Identity{MemberID: m.ID, Platform: quiz.PlatformTelegram,
		ExternalID: strconv.FormatInt(chatID, 10), ChatID: strconv.FormatInt(chatID, 10)})
	if err != nil {
		r.t.Fatalf("link %s: %v", m.FullName, err)
	}
	r.chats[m.ID] = chatID
	return chatID
}

// linkAll verifies every active member of the fixture.
func (r *rig) linkAll() {
	for _, m := range r.f.Members {
		if m.Active {
			r.link(m)
		}
	}
}

// addMembers puts n more verified members in unit SNV (or the unit given).
func (r *rig) addMembers(n int, unit string) []quiz.Member {
	r.t.Helper()
	ctx := context.Background()
	var out []quiz.Member
	for i := range n {
		var id int64
		phone := fmt.Sprintf("0913%06d", len(r.chats)*1000+i)
		if err := r.db.GetContext(ctx, &id, `INSERT INTO members (full_name, phone, unit_id, position)
			SELECT $1, $2, id, 'Chuyên viên' FROM units WHERE code = $3 RETURNING id`,
			fmt.Sprintf("Cán bộ %s %03d", unit, i), phone, unit); err != nil {
			r.t.Fatalf("add member: %v", err)
		}
		m, err := r.db.MemberByID(ctx, id)
		if err != nil {
			r.t.Fatal(err)
		}
		r.link(m)
		out = append(out, m)
	}
	return out
}

// submit records a finished attempt of m in the round.
func (r *rig) submit(m quiz.Member, roundID int64, correct int) {
	r.t.Helper()
	start := r.f.Now.Add(-time.Hour)
	_, err := r.db.ExecContext(context.Background(), `INSERT INTO attempts
		(round_id, member_id, seq, platform, started_at, deadline, submitted_at, correct, total)
		VALUES ($1, $2, 1, 'telegram', $3, $4, $5, $6, 3)`,
		roundID, m.ID, start, start.Add(10*time.Minute), start.Add(5*time.Minute), correct)
	if err != nil {
		r.t.Fatalf("submit: %v", err)
	}
}

// excuse records a reason for m in the round directly.
func (r *rig) excuse(m quiz.Member, roundID int64, reason string) {
	r.t.Helper()
	if _, err := r.db.ExecContext(context.Background(), `INSERT INTO excuses (round_id, member_id, reason) VALUES ($1, $2, $3)`,
		roundID, m.ID, reason); err != nil {
		r.t.Fatalf("excuse: %v", err)
	}
}

// telegram returns a new Telegram adapter on the fake, as a process would
// have its own.
func (r *rig) telegram() *telegram.Telegram {
	r.t.Helper()
	tg, err := telegram.New(context.Background(), telegram.Config{Token: r.fake.Token(), APIURL: r.fake.URL()},
		chat.New(nil, r.db, r.log), r.log)
	if err != nil {
		r.t.Fatalf("telegram adapter: %v", err)
	}
	return tg
}

// sender returns a sender with its own adapter and limiter, as a separate
// process would have, sharing the database and Redis.
func (r *rig) sender(rate float64, opt notify.SenderOptions) *notify.Sender {
	if opt.Backoff == 0 {
		opt.Backoff = 20 * time.Millisecond
	}
	if opt.Poll == 0 {
		opt.Poll = 100 * time.Millisecond
	}
	return notify.NewSender(r.db, notify.NewLimiter(r.rdb, rate),
		map[quiz.Platform]notify.Messenger{quiz.PlatformTelegram: r.telegram()}, chat.NoticeButtons{}, r.clock, r.log, opt)
}

func (r *rig) notifier() *notify.Notifier {
	return notify.NewNotifier(r.db, r.clock, r.log, nil)
}

func (r *rig) job(kind, slot string, round quiz.Round) notify.Job {
	return notify.Job{Kind: kind, Contest: r.f.Contest, Round: round, Slot: slot}
}

// enqueue runs a job and returns how many notifications it queued.
func (r *rig) enqueue(job notify.Job) int {
	r.t.Helper()
	n, err := r.notifier().Run(context.Background(), job)
	if err != nil {
		r.t.Fatalf("enqueue %s: %v", job, err)
	}
	return n
}

// drain runs s until the round's notifications are all final.
func (r *rig) drain(s *notify.Sender, roundID int64, kinds ...string) {
	r.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := s.Drain(ctx, roundID, kinds); err != nil {
		var rows []struct {
			ID     int64  `db:"id"`
			Status string `db:"status"`
			Tries  int    `db:"tries"`
			Due    string `db:"due"`
			Err    string `db:"last_error"`
		}
		_ = r.db.SelectContext(context.Background(), &rows, `SELECT id, status, tries, (next_attempt_at - now())::text AS due, last_error
			FROM notifications WHERE status IN ('queued', 'sending') ORDER BY id`)
		r.t.Fatalf("drain: %v; pending: %+v", err, rows)
	}
}

// run starts s in the background; stop cancels it and waits for it.
func (r *rig) run(s *notify.Sender) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { s.Run(ctx) })
	var once sync.Once
	stop = func() { once.Do(func() { cancel(); wg.Wait() }) }
	r.t.Cleanup(stop)
	return stop
}

// delivered counts the successful sends of each chat, of any method.
func (r *rig) delivered() map[int64]int {
	out := map[int64]int{}
	for _, c := range r.fake.Calls() {
		if c.OK() && strings.HasPrefix(c.Method, "send") {
			out[c.ChatID]++
		}
	}
	return out
}

// deliveredOnceEach checks that exactly want chats got a message, one
// each, and returns the successful sends of each chat.
func (r *rig) deliveredOnceEach(want int) map[int64]int {
	r.t.Helper()
	got := r.delivered()
	if len(got) != want {
		r.t.Fatalf("%d chats reached, want %d", len(got), want)
	}
	for chatID, n := range got {
		if n != 1 {
			r.t.Errorf("chat %d got %d messages", chatID, n)
		}
	}
	return got
}

// statuses returns the status of every notification of the round by
// member id and kind.
func (r *rig) statuses(roundID int64) map[string]string {
	r.t.Helper()
	var rows []struct {
		MemberID int64  `db:"member_id"`
		Kind     string `db:"kind"`
		Status   string `db:"status"`
	}
	if err := r.db.SelectContext(context.Background(), &rows,
		`SELECT member_id, kind, status FROM notifications WHERE round_id = $1`, roundID); err != nil {
		r.t.Fatal(err)
	}
	out := map[string]string{}
	for _, x := range rows {
		out[fmt.Sprintf("%s/%d", x.Kind, x.MemberID)] = x.Status
	}
	return out
}
