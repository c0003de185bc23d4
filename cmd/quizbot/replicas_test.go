package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"
	"github.com/redis/go-redis/v9"

	"quizbot/bot/telegram/telegramtest"
	"quizbot/notify"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// TestReplicas proves that several `quizbot serve` processes behind one
// address (nginx) over one PostgreSQL and one Redis behave as one, and
// measures what replicas cost. scripts/replicas.sh runs it (it needs the
// built binary, nginx and the servers); elsewhere it is skipped:
//
//	scripts/replicas.sh
//
// Each scenario gets a fresh database and Redis database, the fake Bot API,
// N serve processes on 127.0.0.1 and nginx in front; 40 members at a time
// (Telegram's default max_connections for a webhook) take the whole quiz
// through nginx, as Telegram delivers: one update per chat at a time, the
// same update again after any answer but 200. Then `quizbot report results`
// must show every member once with exactly the right answers they were
// acknowledged for.
//
//   - throughput/replicas=1,2,3: answers per second through nginx.
//   - failover: 3 replicas; at a quarter of the answers `quizbot notify
//     remind` runs, at half one replica is killed (SIGKILL). Every
//     acknowledged answer must be in the results once, and every member who
//     has not taken part must get the reminder once.
func TestReplicas(t *testing.T) {
	bin := os.Getenv("QUIZBOT_REPLICAS_BIN")
	if bin == "" {
		t.Skip("scripts/replicas.sh runs this (QUIZBOT_REPLICAS_BIN: the quizbot binary; nginx)")
	}
	nginx := orDefault(os.Getenv("QUIZBOT_NGINX"), "nginx")
	port := 58070
	if v := os.Getenv("QUIZBOT_REPLICAS_PORT"); v != "" {
		port, _ = strconv.Atoi(v)
	}
	takers := 1000
	if v := os.Getenv("QUIZBOT_REPLICAS_MEMBERS"); v != "" {
		takers, _ = strconv.Atoi(v)
	}
	repeat := 1
	if v := os.Getenv("QUIZBOT_REPLICAS_REPEAT"); v != "" {
		repeat, _ = strconv.Atoi(v)
	}
	var summary []string
	// Alternated (1, 2, 3, 1, 2, 3…), so that a slower minute of the
	// machine does not fall on one count only.
	for range repeat {
		for _, n := range []int{1, 2, 3} {
			t.Run(fmt.Sprintf("throughput/replicas=%d", n), func(t *testing.T) {
				res := runReplicas(t, replicaRun{bin: bin, nginx: nginx, port: port, replicas: n, takers: takers})
				summary = append(summary, fmt.Sprintf("replicas=%d: %d answers in %.1f s: %.0f answers/s (%d re-deliveries); "+
					"per answer: %.2f PostgreSQL transactions, %.1f Redis commands",
					n, res.answers, res.elapsed.Seconds(), float64(res.answers)/res.elapsed.Seconds(), res.retries,
					res.commits/float64(res.answers), res.redisCmds/float64(res.answers)))
			})
		}
	}
	t.Run("failover", func(t *testing.T) {
		res := runReplicas(t, replicaRun{bin: bin, nginx: nginx, port: port, replicas: 3, takers: takers, idle: 300, failover: true})
		summary = append(summary, fmt.Sprintf("failover (3 replicas, one killed at half, remind at a quarter): %d answers in %.1f s, "+
			"%d re-deliveries (%d answered 502 by nginx, %d 503 busy, %d other), %d reminders, %d of them claimed again after a lease ran out, %d sent twice",
			res.answers, res.elapsed.Seconds(), res.retries, res.status[502], res.status[503], res.retries-res.status[502]-res.status[503],
			res.reminders, res.takenOver, res.remindAgain))
	})
	for _, s := range summary {
		t.Log(s)
	}
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

type replicaRun struct {
	bin, nginx     string
	port           int // the first of ten ports where nginx and the replicas may listen
	replicas       int
	takers, idle   int // members who take the quiz, members who do not
	failover       bool
	perAttempt     int
	workers        int
	redeliverAfter time.Duration
}

type replicaResult struct {
	answers     int
	elapsed     time.Duration
	retries     int
	status      map[int]int
	reminders   int
	remindAgain int
	takenOver   int // reminders claimed again after a lease ran out
	// commits and redisCmds are counted from before the replicas start
	// to after they stop (throughput runs only), by PostgreSQL (this
	// database's transactions) and Redis (the whole server's commands:
	// the test's alone).
	commits, redisCmds float64
}

func runReplicas(t *testing.T, o replicaRun) replicaResult {
	o.perAttempt, o.workers, o.redeliverAfter = 10, 40, 200*time.Millisecond
	ctx := context.Background()
	db, dbURL := storagetest.NewDBURL(t)
	redisURL := storagetest.RedisURL(t)
	f := storagetest.Seed(t, db, storagetest.SeedOptions{Questions: 60, QuestionsPerAttempt: o.perAttempt,
		TimeLimit: 3 * time.Hour, Now: time.Now()})
	// Quiet hours (22:00-06:00 in the contest's zone) would hold the
	// reminders back: the contest lives where it is day now. The round's
	// opening message is recorded as sent, so that its messages to every
	// member do not run during the measurement.
	tz := daytimeZone(time.Now())
	if _, err := db.ExecContext(ctx, `UPDATE contests SET timezone = $1`, tz); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO notify_jobs (kind, round_id, slot) VALUES ($1, $2, $3)`,
		notify.KindOpen, f.Round.ID, notify.OpenSlot); err != nil {
		t.Fatal(err)
	}
	takers := seedReplicaMembers(t, db, "Cán bộ thi", o.takers)
	idle := seedReplicaMembers(t, db, "Cán bộ vắng", o.idle)

	commits0, redis0 := counters(t, db, redisURL)
	fake := telegramtest.New(t)
	env := slices.Clip(append(os.Environ(),
		"DATABASE_URL="+dbURL, "REDIS_URL="+redisURL,
		"TELEGRAM_TOKEN="+fake.Token(), "TELEGRAM_API_URL="+fake.URL(), "TELEGRAM_WEBHOOK_SECRET="+testSecret,
		"PUBLIC_URL=https://quizbot.example.vn", "WEBCHAT=0", "RATE_LIMIT=0", "ADMIN_ADDR=0"))
	dir := t.TempDir()
	// Ports of 127.0.0.1 from o.port on: one each, free when probed (they
	// are in the kernel's ephemeral range, where an outgoing connection
	// may hold one for a while: a replica that cannot bind is started
	// again on another).
	used := map[int]bool{}
	var procs []*proc
	var upstreams []string
	for i := range o.replicas {
		for try := 0; ; try++ {
			addr := freeAddr(t, o.port, used)
			p := startProcess(t, filepath.Join(dir, fmt.Sprintf("serve%d-%d.log", i+1, try)), append(env, "LISTEN_ADDR="+addr), o.bin, "serve")
			if waitReady(t, "http://"+addr+"/readyz", p) {
				procs, upstreams = append(procs, p), append(upstreams, addr)
				break
			}
			if try == 3 {
				t.Fatalf("replica %d did not start", i+1)
			}
		}
	}
	front := startNginx(t, o.nginx, o.port, used, upstreams)
	hook := "http://" + front + "/webhook/telegram"

	// The driver.
	client := &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: o.workers}}
	var res replicaResult
	res.status = map[int]int{}
	var mu sync.Mutex // res.status, expected, errs
	var acked, retries atomic.Int64
	// deliver posts one update until it is acknowledged (200), as Telegram
	// re-delivers an update on any other answer.
	deliver := func(body []byte) error {
		deadline := time.Now().Add(3 * time.Minute)
		for {
			req, _ := http.NewRequest(http.MethodPost, hook, bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", testSecret)
			resp, err := client.Do(req)
			code := 0
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				code = resp.StatusCode
			}
			if code == http.StatusOK {
				return nil
			}
			retries.Add(1)
			mu.Lock()
			res.status[code]++
			mu.Unlock()
			if time.Now().After(deadline) {
				return fmt.Errorf("update not acknowledged after 3 minutes (last: %d %v)", code, err)
			}
			time.Sleep(o.redeliverAfter) // Telegram waits too before re-delivering
		}
	}
	roundData := fmt.Sprintf("s:%d", f.Round.ID)
	expected := map[int64]int{} // Telegram id → right answers acknowledged
	// live finds the question numbered pos+1 on the member's screen, with
	// its buttons; after a re-delivery it may have been sent again.
	live := func(id int64, pos int) (telegramtest.Message, bool) {
		want := fmt.Sprintf("Câu %d/%d\n", pos+1, o.perAttempt)
		sent := fake.Sent(id)
		for i := len(sent) - 1; i >= 0; i-- {
			if strings.HasPrefix(sent[i].Text, want) && len(sent[i].Buttons) > 0 {
				return sent[i], true
			}
		}
		return telegramtest.Message{}, false
	}
	quiz := func(n int, id int64) error {
		u := models.User{ID: id, FirstName: "Cán bộ"}
		for pos := range o.perAttempt {
			q, ok := live(id, pos)
			for try := 0; !ok && try < 3; try++ {
				// Not on screen (the first question, or a replica died
				// before showing it): the start button shows the live one.
				if err := deliver(fake.CallbackQueryJSON(u, telegramtest.Message{ChatID: id}, roundData)); err != nil {
					return err
				}
				q, ok = live(id, pos)
			}
			if !ok {
				m, _ := fake.LastMessage(id)
				return fmt.Errorf("member %d: question %d never shown; last message %q", id, pos+1, m.Text)
			}
			right := rightLetter(q.Text)
			letter, correct := right, (n+pos)%3 != 0
			if !correct {
				letter = map[string]string{"A": "B"}[right]
				if letter == "" {
					letter = "A"
				}
			}
			b, ok := q.Button(letter)
			if !ok || right == "" {
				return fmt.Errorf("member %d: question %q has no option %s (right %q)", id, q.Text, letter, right)
			}
			if err := deliver(fake.CallbackQueryJSON(u, q, b.CallbackData)); err != nil {
				return err
			}
			if correct {
				mu.Lock()
				expected[id]++
				mu.Unlock()
			}
			acked.Add(1)
		}
		return nil
	}

	total := int64(len(takers) * o.perAttempt)
	var remind *exec.Cmd
	remindDone := make(chan error, 1)
	stopWatch := make(chan struct{})
	var watched sync.WaitGroup
	if o.failover {
		watched.Add(1)
		go func() {
			defer watched.Done()
			tick := time.NewTicker(20 * time.Millisecond)
			defer tick.Stop()
			killed := false
			for {
				select {
				case <-stopWatch:
					return
				case <-tick.C:
				}
				if remind == nil && acked.Load() >= total/4 {
					remind = exec.Command(o.bin, "notify", "remind", "--round", "1")
					remind.Env = env
					out := &bytes.Buffer{}
					remind.Stdout, remind.Stderr = out, out
					if err := remind.Start(); err != nil {
						remindDone <- err
					} else {
						go func() {
							err := remind.Wait()
							if err != nil {
								err = fmt.Errorf("notify remind: %w\n%s", err, out)
							}
							remindDone <- err
						}()
					}
				}
				if !killed && acked.Load() >= total/2 {
					procs[1].cmd.Process.Signal(syscall.SIGKILL)
					killed = true
					t.Logf("killed replica 2 (pid %d) after %d of %d answers", procs[1].cmd.Process.Pid, acked.Load(), total)
					return
				}
			}
		}()
	}
	next := make(chan int, len(takers))
	for i := range takers {
		next <- i
	}
	close(next)
	var errs []error
	began := time.Now()
	var wg sync.WaitGroup
	for range o.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := quiz(i, takers[i]); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(began)
	if !o.failover {
		// A backend sends its statistics to PostgreSQL's counters at most
		// once a second, and at exit: the replicas stop before they are
		// read. Their start and stop are counted too, a few dozen
		// transactions against 10 answers per member.
		for _, p := range procs {
			p.cmd.Process.Signal(syscall.SIGTERM)
			<-p.done
		}
		commits1, redis1 := counters(t, db, redisURL)
		res.commits, res.redisCmds = commits1-commits0, redis1-redis0
	}
	close(stopWatch)
	watched.Wait()
	res.answers, res.retries = int(acked.Load()), int(retries.Load())
	for _, err := range errs[:min(len(errs), 10)] {
		t.Error(err)
	}
	if len(errs) > 0 {
		t.Fatalf("%d members could not finish", len(errs))
	}
	if o.failover {
		if remind == nil {
			t.Fatal("notify remind never ran")
		}
		if err := <-remindDone; err != nil {
			t.Fatal(err)
		}
	}

	// Every acknowledged answer is in the results, once.
	cmd := exec.Command(o.bin, "report", "results", "--round", "1")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		errors.As(err, &ee)
		t.Fatalf("report results: %v\n%s", err, ee.Stderr)
	}
	rows, err := csv.NewReader(bytes.NewReader(out)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("report results: %v\n%s", err, out)
	}
	col := map[string]int{}
	for i, c := range rows[0] {
		col[c] = i
	}
	var phones []struct {
		Phone string
		ID    int64
	}
	if err := db.SelectContext(ctx, &phones, `SELECT m.phone, i.external_id::bigint AS id FROM members m
		JOIN identities i ON i.member_id = m.id AND i.platform = 'telegram'`); err != nil {
		t.Fatal(err)
	}
	byPhone := map[string]int64{}
	for _, p := range phones {
		byPhone[p.Phone] = p.ID
	}
	seen := map[int64]int{}
	for _, r := range rows[1:] {
		id, ok := byPhone[r[col["phone"]]]
		if !ok {
			t.Errorf("results: a row for %s, who is not a seeded member", r[col["phone"]])
			continue
		}
		seen[id]++
		if r[col["correct"]] != strconv.Itoa(expected[id]) || r[col["total"]] != strconv.Itoa(o.perAttempt) {
			t.Errorf("results: member %d has %s/%s, acknowledged %d/%d", id, r[col["correct"]], r[col["total"]], expected[id], o.perAttempt)
		}
	}
	for _, id := range takers {
		if seen[id] != 1 {
			t.Errorf("results: member %d appears %d times", id, seen[id])
		}
	}
	for _, id := range idle {
		if seen[id] != 0 {
			t.Errorf("results: member %d, who took no quiz, appears", id)
		}
	}

	if o.failover {
		res.reminders, res.remindAgain, res.takenOver = checkReminders(t, db, fake, idle, takers)
	}
	return res
}

// checkReminders: every member who did not take part got the reminder
// once; a taker got at most one (they may have started before it was sent:
// quizbot checks again at each send). A message may go twice only where
// the killed replica held its row when it died: it was taken over after
// its lease (tries > 1), since whether it reached Telegram cannot be known.
func checkReminders(t *testing.T, db *storage.DB, fake *telegramtest.Fake, idle, takers []int64) (sent, again, takenOver int) {
	got := map[int64]int{}
	for _, c := range fake.CallsTo("sendMessage") {
		if c.OK() && strings.HasPrefix(c.Param("text"), "⏰ Nhắc nhở") {
			got[c.Int("chat_id")]++
			sent++
		}
	}
	var retried []int64
	if err := db.SelectContext(context.Background(), &retried,
		`SELECT chat_id::bigint FROM notifications WHERE kind = $1 AND tries > 1`, notify.KindRemind); err != nil {
		t.Fatal(err)
	}
	over := map[int64]bool{}
	for _, id := range retried {
		over[id] = true
	}
	for _, id := range idle {
		switch n := got[id]; {
		case n == 1:
		case n == 2 && over[id]:
			again++
		default:
			t.Errorf("member %d, who did not take part, got the reminder %d times", id, n)
		}
	}
	for _, id := range takers {
		if n := got[id]; n > 1 && !(n == 2 && over[id]) {
			t.Errorf("member %d got the reminder %d times", id, n)
		}
	}
	return sent, again, len(retried)
}

// counters reads PostgreSQL's committed transactions in db's database and
// the commands Redis processed.
func counters(t *testing.T, db *storage.DB, redisURL string) (commits, cmds float64) {
	t.Helper()
	// The statistics are sent to PostgreSQL's collector at each
	// transaction's end and read from a snapshot: clear it first.
	if _, err := db.ExecContext(context.Background(), `SELECT pg_stat_clear_snapshot()`); err != nil {
		t.Fatal(err)
	}
	if err := db.GetContext(context.Background(), &commits,
		`SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()`); err != nil {
		t.Fatal(err)
	}
	opt, err := redis.ParseURL(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	info, err := c.Info(context.Background(), "stats").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
			cmds, _ = strconv.ParseFloat(v, 64)
		}
	}
	return commits, cmds
}

// rightLetter is the letter of the option starting with "Đúng", the
// seeded bank's right answer, in a question's text.
func rightLetter(text string) string {
	for _, line := range strings.Split(text, "\n") {
		if len(line) > 3 && line[1:3] == ". " && strings.HasPrefix(line[3:], "Đúng") {
			return line[:1]
		}
	}
	return ""
}

// seedReplicaMembers adds n verified members (on Telegram, id 100000 +
// member id) named prefix N and returns their Telegram ids.
func seedReplicaMembers(t *testing.T, db *storage.DB, prefix string, n int) []int64 {
	var ids []int64
	if n == 0 {
		return nil
	}
	if err := db.SelectContext(context.Background(), &ids, `
		WITH m AS (
			INSERT INTO members (full_name, phone, unit_id, position)
			SELECT $1 || ' ' || g, '09' || lpad((g + $3)::text, 8, '0'), (SELECT id FROM units WHERE code = 'SNV'), 'Chuyên viên'
			FROM generate_series(1, $2) g
			RETURNING id)
		INSERT INTO identities (member_id, platform, external_id, chat_id)
		SELECT id, 'telegram', (100000 + id)::text, (100000 + id)::text FROM m
		RETURNING 100000 + member_id`, prefix, n, phoneBase(prefix)); err != nil {
		t.Fatal(err)
	}
	return ids
}

// phoneBase keeps the two groups' phone numbers apart.
func phoneBase(prefix string) int {
	if strings.Contains(prefix, "vắng") {
		return 5_000_000
	}
	return 1_000_000
}

// daytimeZone is a time zone where now is between 07:00 and 20:00.
func daytimeZone(now time.Time) string {
	for _, name := range []string{"Asia/Ho_Chi_Minh", "Europe/Paris", "America/Sao_Paulo", "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Pacific/Auckland", "Asia/Tokyo"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			continue
		}
		if h := now.In(loc).Hour(); h >= 7 && h < 20 {
			return name
		}
	}
	return "UTC"
}

// proc is a process the test started; done is closed when it has exited.
type proc struct {
	cmd  *exec.Cmd
	done chan struct{}
}

// startProcess starts bin with args and env, its output in logPath, and
// stops it when the test ends.
func startProcess(t *testing.T, logPath string, env []string, bin string, args ...string) *proc {
	t.Helper()
	logf, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-p.done
		}
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s (last 2 KB):\n%s", logPath, b[max(0, len(b)-2048):])
		}
	})
	return p
}

// freeAddr returns a 127.0.0.1 address with a port from base to base+9
// that is not in used and can be listened on now, and adds it to used.
func freeAddr(t *testing.T, base int, used map[int]bool) string {
	t.Helper()
	for port := base; port < base+10; port++ {
		if used[port] {
			continue
		}
		used[port] = true
		addr := fmt.Sprintf("127.0.0.1:%d", port)
		if ln, err := net.Listen("tcp", addr); err == nil {
			ln.Close()
			return addr
		}
	}
	t.Fatalf("no free port from %d to %d (QUIZBOT_REPLICAS_PORT chooses others)", base, base+9)
	return ""
}

// waitReady polls url until it answers 200 (another process is starting,
// and nothing else says when it is ready) and reports true; false if p
// exited first.
func waitReady(t *testing.T, url string, p *proc) bool {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return true
			}
		}
		select {
		case <-p.done:
			return false
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not ready after 60 s (%v)", url, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startNginx runs nginx on a free port of 127.0.0.1 in front of the
// upstreams and returns its address. A replica that refuses connections
// is skipped for 10 s; a request already sent to one that dies is not
// re-sent elsewhere (POST): the client gets 502 and re-delivers, as
// Telegram does.
func startNginx(t *testing.T, nginx string, base int, used map[int]bool, upstreams []string) string {
	t.Helper()
	// Not t.TempDir: nginx's workers run as an unprivileged user when it
	// is started as root, and must reach their temporary directories.
	dir, err := os.MkdirTemp("", "quizbot-nginx-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o755)
	var servers strings.Builder
	for _, u := range upstreams {
		fmt.Fprintf(&servers, "    server %s max_fails=1 fail_timeout=10s;\n", u)
	}
	for try := 0; ; try++ {
		addr := freeAddr(t, base, used)
		conf := fmt.Sprintf(`daemon off;
worker_processes auto;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s/body;
  proxy_temp_path %[1]s/proxy;
  fastcgi_temp_path %[1]s/fastcgi;
  uwsgi_temp_path %[1]s/uwsgi;
  scgi_temp_path %[1]s/scgi;
  upstream quizbot {
%[2]s    keepalive 64;
  }
  server {
    listen %[3]s;
    location / {
      proxy_pass http://quizbot;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_read_timeout 90s;
    }
  }
}
`, dir, servers.String(), addr)
		if err := os.WriteFile(filepath.Join(dir, "nginx.conf"), []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		p := startProcess(t, filepath.Join(dir, fmt.Sprintf("nginx-%d.out", try)), os.Environ(), nginx, "-p", dir, "-c", filepath.Join(dir, "nginx.conf"))
		if waitReady(t, "http://"+addr+"/healthz", p) {
			return addr
		}
		if try == 3 {
			b, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			t.Fatalf("nginx did not start:\n%s", b)
		}
	}
}
