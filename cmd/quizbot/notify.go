package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/config"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage"
)

// notifyArgs is a parsed `quizbot notify` command line.
type notifyArgs struct {
	action      string // remind, summary, status
	round       int
	contest     string
	enqueueOnly bool
}

func parseNotifyArgs(args []string) (notifyArgs, error) {
	var a notifyArgs
	fs := flag.NewFlagSet("notify", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.IntVar(&a.round, "round", 0, "round number")
	fs.StringVar(&a.contest, "contest", "", "contest code")
	fs.BoolVar(&a.enqueueOnly, "enqueue-only", false, "queue the notifications and leave the sending to the running service")
	names, err := parseInterspersed(fs, args)
	if err != nil {
		return a, err
	}
	if len(names) != 1 {
		return a, fmt.Errorf("%w: notify takes one action: remind, summary or status", errUsage)
	}
	a.action = names[0]
	switch a.action {
	case "remind", "summary":
		if a.round < 1 {
			return a, fmt.Errorf("%w: notify %s needs --round N, the round's number (1, 2, …)", errUsage, a.action)
		}
	case "status":
		if a.enqueueOnly {
			return a, fmt.Errorf("%w: notify status takes no --enqueue-only", errUsage)
		}
	default:
		return a, fmt.Errorf("%w: notify %q: the actions are remind, summary and status", errUsage, a.action)
	}
	return a, nil
}

// notifyNeeds is what notify cannot run without: remind and summary send on
// Telegram from here when TELEGRAM_TOKEN is set, which takes Redis (the send
// rate every replica shares); status and --enqueue-only need only Postgres.
func notifyNeeds(args []string) config.Need {
	if a, err := parseNotifyArgs(args); err == nil && a.action != "status" && !a.enqueueOnly {
		return config.NeedDatabase | config.NeedRedisForTelegram
	}
	return config.NeedDatabase
}

// cmdNotify runs `quizbot notify remind|summary --round N [--contest CODE]
// [--enqueue-only]` and `quizbot notify status [--round N] [--contest CODE]`.
//
// remind and summary run the job now through the same queue and dedup keys
// as the scheduler (slots are the day: running one twice on the same day
// sends nothing new), then deliver until every notification of the job is
// settled, paced by the limit every replica shares; the running service's
// senders help. Without TELEGRAM_TOKEN, or with --enqueue-only, the
// notifications are only queued; and during the quiet hours (22:00-06:00 in
// the contest's time zone) they are queued, the command says when they will
// go out, and exits.
func cmdNotify(ctx context.Context, e *env, args []string) error {
	a, err := parseNotifyArgs(args)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return fmt.Errorf("notify %s: %w", a.action, err)
	}
	defer db.Close()
	now := time.Now()
	c, err := reportContest(ctx, db, a.contest, now)
	if err != nil {
		return fmt.Errorf("notify %s: %w", a.action, err)
	}
	if a.action == "status" {
		return notifyStatus(ctx, e, db, c, a.round)
	}
	r, ok := c.RoundByNumber(a.round)
	if !ok {
		return fmt.Errorf("notify %s: contest %s has no round %d; %s", a.action, c.Code, a.round, roundList(c))
	}
	loc := c.Location()
	job := notify.Job{Contest: c, Round: r}
	kinds := []string{notify.KindRemind}
	switch a.action {
	case "remind":
		var open bool
		if job, open = notify.ManualRemind(c, r, now); !open {
			return fmt.Errorf("notify remind: round %d of %s is not open (%s – %s, %s): nobody can take part now",
				r.Number, c.Code, r.OpensAt.In(loc).Format(quiz.LocalTimeLayout), r.ClosesAt.In(loc).Format(quiz.LocalTimeLayout), c.Timezone)
		}
	case "summary":
		if now.Before(r.OpensAt) {
			return fmt.Errorf("notify summary: round %d of %s opens only at %s", r.Number, c.Code, r.OpensAt.In(loc).Format(quiz.LocalTimeLayout))
		}
		if r.Open(now) {
			fmt.Fprintf(e.stderr, "notify summary: round %d is open until %s: the figures are provisional\n",
				r.Number, r.ClosesAt.In(loc).Format(quiz.LocalTimeLayout))
		}
		job.Kind, job.Slot = notify.KindSummary, notify.SummarySlot(now, loc)
		kinds = []string{notify.KindSummary, notify.KindSummaryOrg}
	}

	// Queue only for platforms something can deliver on: a row for a
	// platform without a sender would stay queued for ever. The platforms
	// any process can send on are sent on from here (unless
	// --enqueue-only); without any, the web chat's rows are queued for
	// serve, which alone holds its chats.
	ms := newMessengers(e)
	platforms := ms.anyProcess()
	sendHere := len(platforms) > 0 && !a.enqueueOnly
	if len(platforms) == 0 {
		platforms = ms.serveOnly()
	}
	if len(platforms) == 0 {
		return fmt.Errorf("notify %s: no platform to deliver notifications on (no TELEGRAM_TOKEN, no ZALO_APP_ID, no web chat)", a.action)
	}

	var rdb *redis.Client
	if sendHere {
		if rdb, err = storage.OpenRedis(ctx, e.cfg.RedisURL); err != nil {
			return fmt.Errorf("notify %s: %w", a.action, err)
		}
		defer rdb.Close()
		// A conversation without the quiz: the adapters attach to it, and
		// nothing here receives.
		if err := ms.open(ctx, false, adapterDeps{conv: chat.New(nil, db, e.log), db: db, rdb: rdb}); err != nil {
			return fmt.Errorf("notify %s: %w", a.action, err)
		}
	}
	n := notify.NewNotifier(db, quiz.SystemClock{}, e.log, platforms)
	n.Windows = notify.WindowsOf(ms.out)
	n.Channels = notify.ChannelsOf(ms.out)
	queued, err := n.Run(ctx, job)
	if err != nil {
		return fmt.Errorf("notify %s: %w", a.action, err)
	}
	fmt.Fprintf(e.stdout, "%s: contest %s round %d, slot %s: %d notifications queued\n", a.action, c.Code, r.Number, job.Slot, queued)
	// Nothing is sent at night: the queue holds them until the quiet hours
	// end, and the command does not wait that long.
	if end, quiet := notify.QuietEnd(now, loc); quiet {
		fmt.Fprintf(e.stdout, "quiet hours (%02d:00-%02d:00 %s): nothing is sent at night; they will be sent at %s %s by the running service (or run this command again then)\n",
			notify.QuietFrom, notify.QuietUntil, c.Timezone, end.Format(quiz.LocalTimeLayout), c.Timezone)
		return nil
	}
	if !sendHere {
		fmt.Fprintln(e.stdout, "not sending from here (no TELEGRAM_TOKEN, or --enqueue-only): the running service delivers them")
		return nil
	}
	s := notify.NewSender(db, notifyLimiter(e, rdb), ms.out, chat.NoticeButtons{}, quiz.SystemClock{}, e.log, notify.SenderOptions{})
	start := time.Now()
	if err := s.Drain(ctx, r.ID, kinds); err != nil {
		return fmt.Errorf("notify %s: delivering: %w", a.action, err)
	}
	st := s.Stats()
	took := time.Since(start)
	fmt.Fprintf(e.stdout, "delivered from here in %s: %d sent (%.1f/s), %d failed, %d unreachable, %d cancelled, %d retries\n",
		took.Round(time.Millisecond), st.Sent, float64(st.Sent)/max(took.Seconds(), 0.001), st.Failed, st.Unreachable, st.Cancelled, st.Retried)
	return notifyStatus(ctx, e, db, c, r.Number)
}

// notifyStatus prints, per round and kind, how many notifications are in
// each status, the rate achieved, and the latest failures with reasons.
func notifyStatus(ctx context.Context, e *env, db *storage.DB, c quiz.Contest, number int) error {
	rounds := c.Rounds
	if number != 0 {
		r, ok := c.RoundByNumber(number)
		if !ok {
			return fmt.Errorf("notify status: contest %s has no round %d; %s", c.Code, number, roundList(c))
		}
		rounds = []quiz.Round{r}
	}
	ids := quiz.RoundIDs(rounds)
	counts, err := db.NotificationCounts(ctx, ids)
	if err != nil {
		return fmt.Errorf("notify status: %w", err)
	}
	type row struct {
		byStatus map[string]int
		sent     notify.NotificationCount
	}
	table := map[int64]map[string]*row{}
	for _, n := range counts {
		rid := n.RoundID.Int64
		if table[rid] == nil {
			table[rid] = map[string]*row{}
		}
		rw := table[rid][n.Kind]
		if rw == nil {
			rw = &row{byStatus: map[string]int{}}
			table[rid][n.Kind] = rw
		}
		rw.byStatus[n.Status] += n.Count
		if n.Status == notify.StatusSent {
			rw.sent = n
		}
	}
	loc := c.Location()
	statuses := notify.Statuses
	for _, r := range rounds {
		fmt.Fprintf(e.stdout, "\ncontest %s round %d (%s – %s, %s)\n", c.Code, r.Number,
			r.OpensAt.In(loc).Format(quiz.LocalTimeLayout), r.ClosesAt.In(loc).Format(quiz.LocalTimeLayout), c.Timezone)
		if len(table[r.ID]) == 0 {
			fmt.Fprintln(e.stdout, "  no notifications")
			continue
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "  kind\t"+strings.Join(statuses, "\t")+"\trate/s\t")
		for _, k := range notify.Kinds {
			rw := table[r.ID][k]
			if rw == nil {
				continue
			}
			fmt.Fprintf(tw, "  %s\t", k)
			for _, s := range statuses {
				fmt.Fprintf(tw, "%d\t", rw.byStatus[s])
			}
			rate := "–"
			if r, ok := rw.sent.Rate(); ok {
				rate = fmt.Sprintf("%.1f", r)
			}
			fmt.Fprintf(tw, "%s\t\n", rate)
		}
		tw.Flush()
		fails, err := db.NotificationFailures(ctx, r.ID, 10)
		if err != nil {
			return fmt.Errorf("notify status: %w", err)
		}
		if len(fails) > 0 {
			fmt.Fprintln(e.stdout, "  latest failures:")
			for _, f := range fails {
				fmt.Fprintf(e.stdout, "    %s member %d on %s: %s (%d tries): %s\n", f.Kind, f.MemberID.Int64, f.Platform, f.Status, f.Tries, f.LastError)
			}
		}
	}
	return nil
}
