// Package metrics gives `quizbot serve` its Prometheus metrics: it
// implements the observers that the conversation (chat.Observer), the quiz
// (quiz.Observer), the notification sender (notify.Observer) and the Zalo
// client (zalo.TokenObserver) call, and reads the notification queue, the
// attempts in progress and the PostgreSQL and Redis pools when scraped. Only
// this package imports prometheus: the domain packages know their small
// observer interfaces alone.
//
// Every label has a handful of values (platform, outcome, kind, status):
// never a member, an account or a phone number.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/quiz"
	"quizbot/storage"
)

// Metrics is one process's metrics, on a registry of its own (never
// prometheus' global one, so that tests and several servers in one process
// do not share counters).
type Metrics struct {
	reg *prometheus.Registry
	log *slog.Logger

	updates       *prometheus.CounterVec
	reply         *prometheus.HistogramVec
	answers       *prometheus.CounterVec
	correct       prometheus.Counter // answers' children, looked up once
	wrong         prometheus.Counter
	started       *prometheus.CounterVec
	submitted     *prometheus.CounterVec
	notifications *prometheus.CounterVec
	pauses        *prometheus.CounterVec
	pausedFor     *prometheus.CounterVec
	refreshes     *prometheus.CounterVec

	// byPlatform keeps each platform's children of the hot counters, so
	// that an update costs no label lookup.
	mu         sync.RWMutex
	byPlatform map[quiz.Platform]*platformMetrics
}

type platformMetrics struct {
	updates   [3]prometheus.Counter // by chat.Outcome
	reply     prometheus.Observer
	started   prometheus.Counter
	submitted [2]prometheus.Counter // answered, timed out
}

// ReplyBuckets are the reply latency histogram's bounds, in seconds: an
// answer takes a few milliseconds on a quiet day, Telegram's and Zalo's
// patience is a few seconds.
var ReplyBuckets = []float64{.0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// Sources is what the scrape reads: the database (the queue, the attempts
// in progress, its pool) and Redis (its pool). Either may be nil.
type Sources struct {
	DB    *storage.DB
	Redis *redis.Client
}

// New registers quizbot's metrics, the Go runtime's and the process's.
func New(src Sources, log *slog.Logger) *Metrics {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	m := &Metrics{reg: prometheus.NewRegistry(), log: log, byPlatform: map[quiz.Platform]*platformMetrics{}}
	m.updates = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_updates_total",
		Help: "Inbound events (Telegram updates, Zalo events, web chat taps) by platform and outcome: handled (done, or a repeat of one done), busy (another delivery of it in progress: 503), failed (500, delivered again)."},
		[]string{"platform", "outcome"})
	m.reply = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "quizbot_reply_seconds",
		Help:    "Time from an event's arrival to its answer to the platform, replies sent included, by platform.",
		Buckets: ReplyBuckets}, []string{"platform"})
	m.answers = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_answers_total",
		Help: "Answers recorded (once per question), by result (correct or wrong)."}, []string{"result"})
	m.started = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_attempts_started_total",
		Help: "Attempts started, by platform."}, []string{"platform"})
	m.submitted = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_attempts_submitted_total",
		Help: "Attempts submitted by this process, by platform and how: answered (the last answer) or timed_out (the time limit)."},
		[]string{"platform", "how"})
	m.notifications = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_notifications_total",
		Help: "Tries at notifications by platform, kind (open, remind, lastcall, summary, summary_org) and status: sent, failed, unreachable, cancelled, retried."},
		[]string{"platform", "kind", "status"})
	m.pauses = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_rate_limit_pauses_total",
		Help: "Times a platform answered 429 and the notification senders paused, by platform."}, []string{"platform"})
	m.pausedFor = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_rate_limit_pause_seconds_total",
		Help: "Pauses asked for by 429 answers, in seconds, by platform."}, []string{"platform"})
	m.refreshes = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "quizbot_zalo_token_refreshes_total",
		Help: "Zalo refresh tokens spent by this process, by result (ok, failed)."}, []string{"result"})
	m.reg.MustRegister(m.own()...)
	m.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	m.correct, m.wrong = m.answers.WithLabelValues("correct"), m.answers.WithLabelValues("wrong")
	for _, r := range []string{"ok", "failed"} {
		m.refreshes.WithLabelValues(r)
	}
	if src.DB != nil {
		m.reg.MustRegister(collectors.NewDBStatsCollector(src.DB.DB.DB, "quizbot"), &dbGauges{db: src.DB, log: log})
	}
	if src.Redis != nil {
		m.reg.MustRegister(&redisPool{rdb: src.Redis})
	}
	return m
}

// own is quizbot's own collectors, apart from those that read the database
// and Redis.
func (m *Metrics) own() []prometheus.Collector {
	return []prometheus.Collector{m.updates, m.reply, m.answers, m.started, m.submitted, m.notifications, m.pauses, m.pausedFor, m.refreshes}
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, ErrorLog: slogErrors{m.log}})
}

// Admin is the admin listener's routes: GET /metrics and net/http/pprof's
// /debug/pprof/ (the index, the named profiles, cmdline, profile, symbol
// and trace). Neither has a login: serve them only on ADMIN_ADDR, never on
// the public webhook listener.
func (m *Metrics) Admin() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.Handler())
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return mux
}

// slogErrors writes promhttp's errors to the log.
type slogErrors struct{ log *slog.Logger }

func (l slogErrors) Println(v ...any) { l.log.Error("metrics", "err", v) }

// platform returns p's children of the hot counters.
func (m *Metrics) platform(p quiz.Platform) *platformMetrics {
	m.mu.RLock()
	pm := m.byPlatform[p]
	m.mu.RUnlock()
	if pm != nil {
		return pm
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if pm = m.byPlatform[p]; pm == nil {
		pm = &platformMetrics{reply: m.reply.WithLabelValues(string(p)), started: m.started.WithLabelValues(string(p)),
			submitted: [2]prometheus.Counter{m.submitted.WithLabelValues(string(p), "answered"), m.submitted.WithLabelValues(string(p), "timed_out")}}
		for o := range pm.updates {
			pm.updates[o] = m.updates.WithLabelValues(string(p), chat.Outcome(o).String())
		}
		m.byPlatform[p] = pm
	}
	return pm
}

// Received implements chat.Observer.
func (m *Metrics) Received(p quiz.Platform, outcome chat.Outcome, took time.Duration) {
	pm := m.platform(p)
	if int(outcome) >= 0 && int(outcome) < len(pm.updates) {
		pm.updates[outcome].Inc()
	} else {
		m.updates.WithLabelValues(string(p), outcome.String()).Inc()
	}
	pm.reply.Observe(took.Seconds())
}

// AttemptStarted implements quiz.Observer.
func (m *Metrics) AttemptStarted(p quiz.Platform) { m.platform(p).started.Inc() }

// AnswerRecorded implements quiz.Observer.
func (m *Metrics) AnswerRecorded(correct bool) {
	if correct {
		m.correct.Inc()
	} else {
		m.wrong.Inc()
	}
}

// AttemptSubmitted implements quiz.Observer.
func (m *Metrics) AttemptSubmitted(p quiz.Platform, timedOut bool) {
	if timedOut {
		m.platform(p).submitted[1].Inc()
	} else {
		m.platform(p).submitted[0].Inc()
	}
}

// NotificationSettled implements notify.Observer.
func (m *Metrics) NotificationSettled(p quiz.Platform, kind, outcome string) {
	m.notifications.WithLabelValues(string(p), kind, outcome).Inc()
}

// RateLimited implements notify.Observer.
func (m *Metrics) RateLimited(p quiz.Platform, pause time.Duration) {
	m.pauses.WithLabelValues(string(p)).Inc()
	m.pausedFor.WithLabelValues(string(p)).Add(pause.Seconds())
}

// TokenRefreshed implements zalo.TokenObserver.
func (m *Metrics) TokenRefreshed(ok bool) {
	m.refreshes.WithLabelValues(map[bool]string{true: "ok", false: "failed"}[ok]).Inc()
}

// scrapeTimeout bounds the database's queries on a scrape: a slow database
// leaves those figures out rather than holding Prometheus.
const scrapeTimeout = 2 * time.Second

// dbGauges reads the notification queue and the attempts in progress when
// scraped: two counts over partial indexes (storage.QueueDepths,
// storage.OpenAttempts). Every replica reports the same figures: a
// dashboard takes their max, not their sum.
type dbGauges struct {
	db  *storage.DB
	log *slog.Logger
}

var (
	queueDesc = prometheus.NewDesc("quizbot_notification_queue",
		"Notifications waiting, by platform and status: queued (due now or later, retries included) or sending (claimed, in flight). The same on every replica.",
		[]string{"platform", "status"}, nil)
	openDesc = prometheus.NewDesc("quizbot_attempts_open",
		"Attempts in progress (not submitted yet). The same on every replica.", nil, nil)
	scrapeErrDesc = prometheus.NewDesc("quizbot_metrics_query_errors",
		"1 when a query of this scrape failed (its figures are left out), else 0.", []string{"query"}, nil)
)

func (g *dbGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- queueDesc
	ch <- openDesc
	ch <- scrapeErrDesc
}

func (g *dbGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	failed := func(query string, err error) {
		v := 0.0
		if err != nil {
			v = 1
			g.log.Warn("metrics: query failed, its figures are left out of this scrape", "query", query, "err", err)
		}
		ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, v, query)
	}
	depths, err := g.db.QueueDepths(ctx)
	for _, d := range depths {
		ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(d.Count), d.Platform, d.Status)
	}
	failed("notification_queue", err)
	n, err := g.db.OpenAttempts(ctx)
	if err == nil {
		ch <- prometheus.MustNewConstMetric(openDesc, prometheus.GaugeValue, float64(n))
	}
	failed("attempts_open", err)
}

// redisPool reports go-redis' pool statistics when scraped.
type redisPool struct{ rdb *redis.Client }

var (
	redisConns = prometheus.NewDesc("quizbot_redis_pool_connections",
		"Connections in the Redis pool, by state: total, idle.", []string{"state"}, nil)
	redisHits = prometheus.NewDesc("quizbot_redis_pool_hits_total",
		"Times a free connection was found in the Redis pool.", nil, nil)
	redisMisses = prometheus.NewDesc("quizbot_redis_pool_misses_total",
		"Times no free connection was found in the Redis pool (one was dialled, or waited for).", nil, nil)
	redisWaits = prometheus.NewDesc("quizbot_redis_pool_waits_total",
		"Times a command waited for a Redis connection.", nil, nil)
	redisTimeouts = prometheus.NewDesc("quizbot_redis_pool_timeouts_total",
		"Times a command gave up waiting for a Redis connection.", nil, nil)
	redisStale = prometheus.NewDesc("quizbot_redis_pool_stale_connections_total",
		"Stale connections removed from the Redis pool.", nil, nil)
)

func (r *redisPool) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{redisConns, redisHits, redisMisses, redisWaits, redisTimeouts, redisStale} {
		ch <- d
	}
}

func (r *redisPool) Collect(ch chan<- prometheus.Metric) {
	s := r.rdb.PoolStats()
	ch <- prometheus.MustNewConstMetric(redisConns, prometheus.GaugeValue, float64(s.TotalConns), "total")
	ch <- prometheus.MustNewConstMetric(redisConns, prometheus.GaugeValue, float64(s.IdleConns), "idle")
	ch <- prometheus.MustNewConstMetric(redisHits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(redisMisses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(redisWaits, prometheus.CounterValue, float64(s.WaitCount))
	ch <- prometheus.MustNewConstMetric(redisTimeouts, prometheus.CounterValue, float64(s.Timeouts))
	ch <- prometheus.MustNewConstMetric(redisStale, prometheus.CounterValue, float64(s.StaleConns))
}
