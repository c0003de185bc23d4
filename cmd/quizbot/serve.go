package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/bot/telegram"
	"quizbot/bot/webchat"
	"quizbot/bot/zalo"
	"quizbot/console"
	"quizbot/entryfiles"
	"quizbot/metrics"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage"
)

// server is everything `quizbot serve` runs.
type server struct {
	e      *env
	db     *storage.DB
	redis  *redis.Client
	conv   *chat.Bot
	tg     *telegram.Telegram // nil without TELEGRAM_TOKEN
	za     *zalo.Adapter      // nil without ZALO_APP_ID
	web    *webchat.WebChat   // nil unless WEBCHAT (default without TELEGRAM_TOKEN); served by webRoutes only
	cons   *console.Console   // the web console, under /console/ on LISTEN_ADDR
	notify *notify.Service
	// metrics are served on ADMIN_ADDR alone (admin.go); adminLn is its
	// listener, nil when ADMIN_ADDR is off.
	metrics *metrics.Metrics
	adminLn net.Listener
}

// newServer assembles the service from its parts.
func newServer(ctx context.Context, e *env, db *storage.DB, rdb *redis.Client, clock quiz.Clock) (*server, error) {
	s := &server{e: e, db: db, redis: rdb}
	sessions := storage.NewSessions(rdb)
	svc := quiz.NewService(db, sessions, clock)
	s.conv = chat.New(svc, db, e.log)
	// Every platform's events are claimed in Redis (chat.Bot.Receive), so
	// that each takes effect once however often it is delivered.
	s.conv.UseLedger(sessions)
	// The events that open a reply window (Zalo's) are throttled in the
	// claim's round trip and written here once per slot.
	s.conv.RecordInbound(db)
	if e.cfg.RateLimitEvents > 0 {
		s.conv.LimitRate(chat.RateLimit{Events: e.cfg.RateLimitEvents, Window: e.cfg.RateLimitWindow}, sessions)
	}
	s.conv.SetVerify(chat.VerifyMode(e.cfg.Verify))
	cons, err := console.New(db, clock, e.log, console.BaseURL(e.cfg.PublicURL, e.cfg.ListenAddr))
	if err != nil {
		return nil, err
	}
	s.cons = cons
	s.conv.UseConsole(cons)
	// An import on the console clears the bots' member cache, as the
	// import command does.
	cons.OnRosterChange(func(ctx context.Context) error { _, err := sessions.ForgetAllMembers(ctx); return err })
	// /nopbai: the entries' files under ENTRIES_DIR (which config.Load
	// always sets; a Config built in code without it has no /nopbai).
	if e.cfg.EntriesDir != "" {
		files, err := entryfiles.New(e.cfg.EntriesDir, 0)
		if err != nil {
			return nil, err
		}
		entries := quiz.NewEntries(db, clock)
		// The console serves the judges and the uploads; its one-time
		// upload links answer a file too large for the chat.
		if err := cons.UseEntries(entries, files, filepath.Join(e.cfg.EntriesDir, ".uploads")); err != nil {
			return nil, err
		}
		s.conv.UseEntries(entries, db, files, cons)
	}
	if e.cfg.Zalo.Enabled() && e.cfg.PublicURL == "" {
		return nil, errZaloPublicURL
	}
	ms := newMessengers(e)
	if err := ms.open(ctx, true, adapterDeps{conv: s.conv, db: db, rdb: rdb, clock: clock}); err != nil {
		return nil, err
	}
	s.tg, s.web, s.za = ms.tg, ms.web, ms.za
	s.notify = notify.NewService(db, rdb, ms.out, chat.NoticeButtons{}, notifyLimiter(e, rdb), clock, e.log)
	s.cons.UseNotify(db, s.notify.Notifier, s.notify.Scheduler)
	s.cons.UseReports(db, consoleReports(e.cfg.Verify))
	s.observe(svc)
	return s, nil
}

// routes registers every route of LISTEN_ADDR, the address a server
// publishes: health, readiness, the bots' webhooks and the web console
// (signed in by a link from the chat). Never the web chat.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.handleHealthz)
	mux.HandleFunc("GET /readyz", s.handleReadyz)
	s.cons.Routes(mux)
	if s.tg != nil {
		mux.Handle("POST "+telegram.WebhookPath, s.tg)
	}
	if s.za != nil {
		mux.Handle("POST "+zalo.WebhookPath, s.za)
		mux.HandleFunc("GET "+zalo.InfoImagePath, zalo.InfoImage)
	}
	return mux
}

// webRoutes registers the routes of WEBCHAT_ADDR: the web chat, which has
// no login, alone on its loopback listener.
func (s *server) webRoutes() http.Handler {
	mux := http.NewServeMux()
	s.web.Routes(mux)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/chat", http.StatusFound)
	})
	return mux
}

// handleHealthz says the process is alive; it checks nothing else.
func (s *server) handleHealthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

// errZaloPublicURL: Zalo calls only a public HTTPS webhook, set in the Zalo
// app as PUBLIC_URL/webhook/zalo, and the phone form needs a picture
// quizbot serves at PUBLIC_URL/zalo/verify.png: without PUBLIC_URL nobody
// could verify by phone in Zalo, so serve refuses to start.
var errZaloPublicURL = errors.New("PUBLIC_URL is required with ZALO_APP_ID: Zalo posts its events to PUBLIC_URL" +
	zalo.WebhookPath + " (set it in the Zalo app) and the phone form's picture is served at PUBLIC_URL" + zalo.InfoImagePath)

// handleReadyz says whether this replica can serve: Postgres and Redis
// answer. A Zalo token problem (the OA's refresh token refused or never
// stored) is reported in the body without failing readiness: this replica
// still serves the other platforms, and a restart would not mend it; an
// OA admin must run `quizbot zalo connect`.
func (s *server) handleReadyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var problems []string
	if err := s.db.PingContext(ctx); err != nil {
		problems = append(problems, "postgres: "+err.Error())
	}
	if err := s.redis.Ping(ctx).Err(); err != nil {
		problems = append(problems, "redis: "+err.Error())
	}
	var notes []string
	if s.za != nil {
		if err := s.za.Client().TokenStatus(); err != nil {
			notes = append(notes, "zalo: "+err.Error())
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(problems) > 0 {
		problems = append(problems, notes...)
		w.WriteHeader(http.StatusServiceUnavailable)
		for _, p := range problems {
			fmt.Fprintln(w, p)
		}
		return
	}
	fmt.Fprintln(w, "ready")
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

func cmdServe(ctx context.Context, e *env, args []string) error {
	if len(args) != 0 {
		return fmt.Errorf("%w: serve takes no arguments", errUsage)
	}
	db, err := openDB(ctx, e)
	if err != nil {
		return err
	}
	defer db.Close()
	rdb, err := storage.OpenRedis(ctx, e.cfg.RedisURL)
	if err != nil {
		return err
	}
	defer rdb.Close()
	s, err := newServer(ctx, e, db, rdb, quiz.SystemClock{})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", e.cfg.ListenAddr)
	if err != nil {
		return fmt.Errorf("listen on LISTEN_ADDR %s: %w", e.cfg.ListenAddr, err)
	}
	var webLn net.Listener
	if s.web != nil {
		// config.Load accepts only a loopback WEBCHAT_ADDR.
		if webLn, err = net.Listen("tcp", e.cfg.WebChatAddr); err != nil {
			ln.Close()
			return fmt.Errorf("listen on WEBCHAT_ADDR %s: %w", e.cfg.WebChatAddr, err)
		}
	}
	if s.adminLn, err = listenAdmin(e); err != nil {
		ln.Close()
		if webLn != nil {
			webLn.Close()
		}
		return err
	}
	return s.serve(ctx, ln, webLn)
}

// serve runs the HTTP server on ln, and the web chat's on webLn when it is
// on (webLn is nil otherwise), until ctx ends (SIGINT/SIGTERM), then lets
// in-flight requests finish before returning.
func (s *server) serve(ctx context.Context, ln, webLn net.Listener) error {
	// The claims of the events in progress are renewed until the last
	// request has finished, shutdown included: deferred first, stopped
	// last.
	defer s.keepClaims()()
	newHTTP := func(h http.Handler) *http.Server {
		return &http.Server{
			Handler:           h,
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       30 * time.Second,
			WriteTimeout:      90 * time.Second,
			IdleTimeout:       120 * time.Second,
		}
	}
	public := newHTTP(s.routes())
	srvs := []*http.Server{public}
	errc := make(chan error, 3)
	// Each goroutine gets its own server, not srvs, which grows below.
	go func() { errc <- public.Serve(ln) }()
	s.e.log.Info("serving", "addr", ln.Addr().String())
	if s.web != nil && webLn != nil {
		web := newHTTP(s.webRoutes())
		srvs = append(srvs, web)
		go func() { errc <- web.Serve(webLn) }()
		s.e.log.Info("serving the local web chat (no login: loopback only)", "url", "http://"+webLn.Addr().String()+"/chat")
	} else if webLn != nil {
		webLn.Close()
	}
	if admin := s.serveAdmin(newHTTP, errc); admin != nil {
		srvs = append(srvs, admin)
	}
	if s.tg == nil && s.web == nil && s.za == nil {
		s.e.log.Warn("no chat platform: set TELEGRAM_TOKEN for the Telegram bot, ZALO_APP_ID for the Zalo OA, or leave WEBCHAT unset for the local web chat")
	}
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go s.sweep(bg, time.Second)
	notifyDone := make(chan struct{})
	go func() { defer close(notifyDone); s.notify.Run(bg) }()
	// Stop the background work, then let the sends in flight be recorded.
	defer func() { stopBG(); <-notifyDone }()
	if s.tg != nil {
		go func() {
			if err := s.tg.Run(bg); err != nil {
				s.e.log.Error("telegram stopped", "err", err)
			}
		}()
	}
	select {
	case err := <-errc:
		for _, srv := range srvs {
			srv.Close() // the other one, if any: it must not outlive serve
		}
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	s.e.log.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Both at once: the web chat's long polls must not delay the other.
	shut := make(chan error, len(srvs))
	for _, srv := range srvs {
		go func() { shut <- srv.Shutdown(sctx) }()
	}
	var errs []error
	for range srvs {
		if err := <-shut; err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w", err))
		}
		if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// keepClaims renews the claims of the events in progress (KeepClaims) on
// a goroutine of its own, until the returned function is first called.
func (s *server) keepClaims() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var ticks <-chan time.Time
	stopTicks := func() {}
	if s.e.leaseTicks != nil {
		ticks, stopTicks = s.e.leaseTicks()
	}
	done := make(chan struct{})
	go func() { defer close(done); s.conv.KeepClaims(ctx, ticks) }()
	return sync.OnceFunc(func() { cancel(); <-done; stopTicks() })
}

// sweep submits attempts whose time limit ran out, every tick, and tells
// their members. Every replica sweeps; each attempt is closed by one.
func (s *server) sweep(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.conv.SweepExpired(ctx); err != nil && ctx.Err() == nil {
				s.e.log.Error("sweep expired attempts", "err", err)
			}
			if err := s.conv.SendFrozenReceipts(ctx); err != nil && ctx.Err() == nil {
				s.e.log.Error("entries: frozen receipts", "err", err)
			}
		}
	}
}
