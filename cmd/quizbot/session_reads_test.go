package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"quizbot/quiz"
	"quizbot/storage/storagetest"
)

// readCounter counts, at the Redis client, the reads of one member's
// session key and the lookups of one account's cached member. The hooks
// only collect the commands: a command's outcome is read once the update
// is done, since a hook may return before its command's reply is in.
type readCounter struct {
	sessKey, whoKey string

	mu   sync.Mutex
	cmds []redis.Cmder
}

func (c *readCounter) add(cmds ...redis.Cmder) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cmds = append(c.cmds, cmds...)
}

// take returns the reads since the last call, and the commands counted. A
// script whose keys include the account's key is the account read
// (CachedAccount, ClaimDelivery): it looks the member up and reads that
// member's session. A script on the session key without the account's (a
// shown question's save, compared and set in Redis) is a write, not
// counted.
func (c *readCounter) take() (session, member int, log []string) {
	c.mu.Lock()
	cmds := c.cmds
	c.cmds = nil
	c.mu.Unlock()
	for _, cmd := range cmds {
		if err := cmd.Err(); err != nil && strings.HasPrefix(err.Error(), "NOSCRIPT") {
			continue // not run: go-redis sends the script itself next
		}
		args := cmd.Args()
		name := strings.ToLower(cmd.Name())
		var keys []string
		switch name {
		case "get":
			keys = []string{fmt.Sprint(args[1])}
		case "eval", "evalsha", "eval_ro", "evalsha_ro":
			var n int
			fmt.Sscan(fmt.Sprint(args[2]), &n)
			for _, k := range args[3 : 3+n] {
				keys = append(keys, fmt.Sprint(k))
			}
		default:
			continue
		}
		switch {
		case slices.Contains(keys, c.whoKey):
			member++
			session++
		case name == "get" && keys[0] == c.sessKey:
			session++
		default:
			continue
		}
		log = append(log, name+" "+strings.Join(keys, " "))
	}
	return session, member, log
}

func (c *readCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *readCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.add(cmd)
		return next(ctx, cmd)
	}
}

func (c *readCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.add(cmds...)
		return next(ctx, cmds)
	}
}

// One update reads the member's session from Redis at most once, and looks
// the member up at most once, on every path a member takes each week: /thi
// before starting, /thi back into an attempt in progress, and the typed
// prediction.
func TestTelegramUpdateReadsTheSessionOnce(t *testing.T) {
	t.Parallel()
	r := newTgRig(t, storagetest.SeedOptions{QuestionsPerAttempt: 3, Prediction: "Bao nhiêu người dự thi?"})
	an := user(1001, "An")
	r.verify(an, "0912000001")
	m, err := r.db.MemberByPhone(context.Background(), "0912000001")
	if err != nil {
		t.Fatal(err)
	}
	c := &readCounter{sessKey: fmt.Sprintf("qb:sess:%d", m.ID), whoKey: "qb:who:" + string(quiz.PlatformTelegram) + ":1001"}
	r.rdb.AddHook(c)

	measure := func(what string, u *models.Update) {
		t.Helper()
		c.take()
		r.send(u)
		session, member, log := c.take()
		if session > 1 || member > 1 {
			t.Errorf("%s: %d session reads and %d member lookups in one update, want at most 1 each:\n%s",
				what, session, member, strings.Join(log, "\n"))
		}
		if member == 0 {
			t.Errorf("%s: no member lookup counted: the counter misses the update's own read", what)
		}
	}

	// /thi with the round open and no attempt yet.
	measure("/thi before starting", r.fake.Command(an, "thi"))
	if msg := r.last(an); !strings.Contains(msg.Text, "Bắt đầu") && len(msg.Buttons) == 0 {
		t.Fatalf("/thi: %q", msg.Text)
	}
	r.send(r.fake.Tap(t, an, r.last(an), "▶️ Bắt đầu làm bài"))
	r.answerAll(an, 1)

	// /thi back into the attempt in progress, at its second question: a
	// note points at it.
	q := r.last(an)
	measure("/thi resuming", r.fake.Command(an, "thi"))
	if note := r.last(an); !strings.Contains(note.Text, "đang làm câu 2/3 ở tin nhắn phía trên") {
		t.Fatalf("/thi resuming shows %q, want a note pointing at question 2", note.Text)
	}
	measure("answer", r.fake.Tap(t, an, q, rightLabel(t, q)))
	r.answerAll(an, 1)
	if msg := r.last(an); !strings.Contains(msg.Text, "Câu hỏi dự đoán") {
		t.Fatalf("after the last answer: %q, want the prediction question", msg.Text)
	}

	// The typed prediction.
	measure("prediction", r.fake.TextMessage(an, "1500"))
	if msg := r.last(an); !strings.Contains(msg.Text, "Dự đoán: 1.500") {
		t.Fatalf("result: %q", msg.Text)
	}
}
