package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// notifyEnv seeds the fixture with round 1 open now (the command reads the
// real clock), every active member verified on Telegram, and returns the
// environment to run quizbot against it and the fake Bot API.
func notifyEnv(t *testing.T) (*storage.DB, storagetest.Fixture, *telegramtest.Fake, func(string) string) {
	t.Helper()
	db, url := storagetest.NewDBURL(t)
	ctx := context.Background()
	f := storagetest.Seed(t, db, storagetest.SeedOptions{})
	if _, err := db.ExecContext(ctx, `UPDATE rounds SET
		opens_at = now() - interval '2 days' + (number - 1) * interval '7 days',
		closes_at = now() + interval '2 days' + (number - 1) * interval '7 days'`); err != nil {
		t.Fatal(err)
	}
	// The command reads the real clock: a time zone where it is day now,
	// so that the quiet hours do not hold the sends.
	if _, err := db.ExecContext(ctx, `UPDATE contests SET timezone = $1`, zoneAt(t, 9, 20).String()); err != nil {
		t.Fatal(err)
	}
	for _, m := range f.Members {
		if m.Active {
			chatID := strconv.FormatInt(800000+m.ID, 10)
			if err := db.LinkIdentity(ctx, quiz.Identity{MemberID: m.ID, Platform: quiz.PlatformTelegram, ExternalID: chatID, ChatID: chatID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	fake := telegramtest.New(t)
	vars := map[string]string{"DATABASE_URL": url, "REDIS_URL": storagetest.RedisURL(t),
		"TELEGRAM_TOKEN": fake.Token(), "TELEGRAM_API_URL": fake.URL(), "NOTIFY_RATE": "20"}
	return db, f, fake, func(k string) string { return vars[k] }
}

func runNotify(t *testing.T, getenv func(string) string, args ...string) (int, string, string) {
	t.Helper()
	return runQuizbot(getenv, append([]string{"notify"}, args...)...)
}

func TestNotifyCommandRemindOncePerDay(t *testing.T) {
	_, _, fake, getenv := notifyEnv(t)
	code, out, errOut := runNotify(t, getenv, "remind", "--round", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if !strings.Contains(out, "5 notifications queued") || !strings.Contains(out, "5 sent") {
		t.Fatalf("output:\n%s", out)
	}
	if n := len(fake.CallsTo("sendMessage")); n != 5 {
		t.Fatalf("%d sends, want 5", n)
	}
	// Twice the same day, even at once: nothing new.
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if code, out, errOut := runNotify(t, getenv, "remind", "--round", "1"); code != 0 || !strings.Contains(out, "0 notifications queued") {
				t.Errorf("re-run: exit %d:\n%s%s", code, out, errOut)
			}
		})
	}
	wg.Wait()
	if n := len(fake.CallsTo("sendMessage")); n != 5 {
		t.Fatalf("%d sends after re-runs, want 5", n)
	}

	code, out, _ = runNotify(t, getenv, "status", "--round", "1")
	if code != 0 {
		t.Fatalf("status exit %d", code)
	}
	lines := strings.Split(out, "\n")
	found := false
	for _, l := range lines {
		if f := strings.Fields(l); len(f) >= 8 && f[0] == "remind" {
			found = true
			if f[1] != "0" || f[3] != "5" || f[4] != "0" {
				t.Errorf("remind row %q: want queued 0, sent 5, failed 0", l)
			}
		}
	}
	if !found {
		t.Fatalf("status has no remind row:\n%s", out)
	}
}

func TestNotifyCommandSummaryAndFailures(t *testing.T) {
	_, f, fake, getenv := notifyEnv(t)
	chi, dung := 800000+f.Members["chi"].ID, 800000+f.Members["dung"].ID
	fake.Block(800000 + f.Members["an"].ID)
	code, out, errOut := runNotify(t, getenv, "summary", "--round", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	if !strings.Contains(errOut, "provisional") {
		t.Errorf("no provisional warning for an open round: %s", errOut)
	}
	for _, chat := range []int64{chi, dung} {
		if sent := fake.Sent(chat); len(sent) != 2 || sent[1].Document == nil {
			t.Errorf("chat %d got %d messages", chat, len(sent))
		}
	}
	// A reminder now: an has blocked the bot.
	code, out, _ = runNotify(t, getenv, "remind", "--round", "1")
	if code != 0 || !strings.Contains(out, "1 unreachable") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	_, out, _ = runNotify(t, getenv, "status")
	if !strings.Contains(out, "latest failures:") || !strings.Contains(out, "unreachable (1 tries)") ||
		!strings.Contains(out, "round 2") {
		t.Fatalf("status:\n%s", out)
	}
}

func TestNotifyCommandUsage(t *testing.T) {
	_, _, _, getenv := notifyEnv(t)
	for _, args := range [][]string{{}, {"remind"}, {"shout", "--round", "1"}, {"status", "--enqueue-only"}} {
		if code, _, errOut := runNotify(t, getenv, args...); code != 2 {
			t.Errorf("notify %q: exit %d, want 2: %s", args, code, errOut)
		}
	}
	if code, _, errOut := runNotify(t, getenv, "remind", "--round", "2"); code != 1 || !strings.Contains(errOut, "is not open") {
		t.Errorf("remind for a round not open: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runNotify(t, getenv, "remind", "--round", "7"); code != 1 || !strings.Contains(errOut, "no round 7") {
		t.Errorf("unknown round: exit %d: %s", code, errOut)
	}
}

// TestNotifyStatusRatePerSlot: the rate status shows is the pace of the
// sends, not the count spread over the days between two reminder slots.
func TestNotifyStatusRatePerSlot(t *testing.T) {
	db, _, _, getenv := notifyEnv(t)
	if code, out, errOut := runNotify(t, getenv, "remind", "--round", "1"); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	// Make those the reminders of a slot a day earlier, then remind again.
	if _, err := db.ExecContext(context.Background(), `UPDATE notifications
		SET dedup_key = dedup_key || '-yesterday', sent_at = sent_at - interval '1 day'`); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runNotify(t, getenv, "remind", "--round", "1"); code != 0 || !strings.Contains(out, "5 sent") {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	_, out, _ := runNotify(t, getenv, "status", "--round", "1")
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 8 || f[0] != "remind" {
			continue
		}
		if f[3] != "10" {
			t.Fatalf("remind row %q: want 10 sent", l)
		}
		var rate float64
		if _, err := fmt.Sscanf(f[7], "%f", &rate); err != nil || rate < 2 {
			t.Fatalf("remind row %q: rate %q, want the pace of the sends (NOTIFY_RATE 20/s), not 10 over a day", l, f[7])
		}
		return
	}
	t.Fatalf("status has no remind row:\n%s", out)
}

// TestNotifyCommandQueuesOnlyDeliverablePlatforms: without TELEGRAM_TOKEN
// the service delivers on the web chat only, so the command queues nothing
// on Telegram (nor Zalo), where it would stay queued for ever; with nothing
// to deliver on, it refuses.
func TestNotifyCommandQueuesOnlyDeliverablePlatforms(t *testing.T) {
	db, f, _, getenv := notifyEnv(t)
	an := f.Members["an"]
	if err := db.LinkIdentity(context.Background(), quiz.Identity{MemberID: an.ID, Platform: quiz.PlatformWeb, ExternalID: "w1", ChatID: "w1"}); err != nil {
		t.Fatal(err)
	}
	env := func(over map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := over[k]; ok {
				return v
			}
			return getenv(k)
		}
	}
	code, out, errOut := runNotify(t, env(map[string]string{"TELEGRAM_TOKEN": ""}), "remind", "--round", "1")
	if code != 0 || !strings.Contains(out, "1 notifications queued") {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	var platforms []string
	if err := db.SelectContext(context.Background(), &platforms, `SELECT platform FROM notifications`); err != nil {
		t.Fatal(err)
	}
	if len(platforms) != 1 || platforms[0] != string(quiz.PlatformWeb) {
		t.Fatalf("queued on %v, want the web chat only", platforms)
	}

	noWeb := env(map[string]string{"TELEGRAM_TOKEN": "", "PUBLIC_URL": "https://bot.example.vn", "TELEGRAM_WEBHOOK_SECRET": "s"})
	if code, _, errOut := runNotify(t, noWeb, "summary", "--round", "1"); code != 1 || !strings.Contains(errOut, "no platform") {
		t.Fatalf("nothing to deliver on: exit %d: %s", code, errOut)
	}
	var n int
	if err := db.GetContext(context.Background(), &n, `SELECT count(*) FROM notifications`); err != nil || n != 1 {
		t.Fatalf("%d notifications after the refused run, want 1 (%v)", n, err)
	}
}

// zoneAt is a time zone (Etc/GMT±N) where the hour now is from `from` to
// before `to` (wrapping past midnight when from > to).
func zoneAt(t *testing.T, from, to int) *time.Location {
	t.Helper()
	for off := -12; off <= 14; off++ {
		name := "Etc/GMT"
		switch {
		case off > 0:
			name += "-" + strconv.Itoa(off) // POSIX signs: Etc/GMT-7 is UTC+7
		case off < 0:
			name += "+" + strconv.Itoa(-off)
		}
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		h := time.Now().In(loc).Hour()
		if (from <= to && h >= from && h < to) || (from > to && (h >= from || h < to)) {
			return loc
		}
	}
	t.Fatalf("no time zone where it is %02d:00 to %02d:00 now", from, to)
	return nil
}

// TestNotifyCommandRemindAtNight: run at night in the contest's time zone,
// notify remind queues the reminders, sends nothing, says when they will
// go out, and exits 0.
func TestNotifyCommandRemindAtNight(t *testing.T) {
	db, _, fake, getenv := notifyEnv(t)
	// Between 22:00 and 05:00, well before the quiet hours end.
	loc := zoneAt(t, 22, 5)
	if _, err := db.ExecContext(context.Background(), `UPDATE contests SET timezone = $1`, loc.String()); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runNotify(t, getenv, "remind", "--round", "1")
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	end, _ := notify.QuietEnd(time.Now(), loc)
	if !strings.Contains(out, "5 notifications queued") || !strings.Contains(out, "quiet hours (22:00-06:00 "+loc.String()+")") ||
		!strings.Contains(out, "will be sent at "+end.Format(quiz.LocalTimeLayout)) {
		t.Fatalf("output:\n%s", out)
	}
	if n := len(fake.CallsTo("sendMessage")); n != 0 {
		t.Fatalf("%d sends at night", n)
	}
	var queued int
	if err := db.GetContext(context.Background(), &queued, `SELECT count(*) FROM notifications WHERE status = 'queued'`); err != nil || queued != 5 {
		t.Fatalf("%d queued, want 5 (%v)", queued, err)
	}
}
