package main

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"

	"quizbot/bot/chat"
	"quizbot/bot/telegram"
	"quizbot/bot/webchat"
	"quizbot/bot/zalo"
	"quizbot/notify"
	"quizbot/quiz"
	"quizbot/storage"
)

// messengers are the chat platforms the configuration turns on: serve
// receives and sends on them, and notify remind|summary sends on those it
// can reach from the command line. Both take them from here alone, so that a
// platform added in newMessengers is served and notified alike.
type messengers struct {
	e   *env
	on  []platform
	out map[quiz.Platform]notify.Messenger // the opened ones

	tg  *telegram.Telegram // once opened; serve runs and routes it
	za  *zalo.Adapter      // once opened; serve routes its webhook
	web *webchat.WebChat   // once opened (serve only); serve routes it
}

// platform is one chat platform that is on.
type platform struct {
	name quiz.Platform
	// serveOnly: only serve can send on it, since the platform's state
	// lives in serve's memory (the web chat's chats); any process can send
	// on the others, through the platform's HTTP API.
	serveOnly bool
	open      func(ctx context.Context, d adapterDeps) (notify.Messenger, error)
}

// adapterDeps is what an adapter is built over.
type adapterDeps struct {
	conv *chat.Bot // the adapter attaches itself to it
	db   *storage.DB
	rdb  *redis.Client
	// clock is the service's clock (the system's when nil).
	clock quiz.Clock
}

// newMessengers lists the platforms the configuration turns on, in
// notify's order of preference, without opening any.
func newMessengers(e *env) *messengers {
	m := &messengers{e: e, out: map[quiz.Platform]notify.Messenger{}}
	add := func(on bool, p platform) {
		if on {
			m.on = append(m.on, p)
		}
	}
	add(e.cfg.TelegramToken != "", platform{name: quiz.PlatformTelegram, open: m.openTelegram})
	add(e.cfg.Zalo.Enabled(), platform{name: quiz.PlatformZalo, open: m.openZalo})
	add(e.cfg.WebChat, platform{name: quiz.PlatformWeb, serveOnly: true, open: m.openWebChat})
	return m
}

// anyProcess lists the platforms that are on and that any process can send
// on; serveOnly those that only serve can.
func (m *messengers) anyProcess() []quiz.Platform { return m.names(false) }
func (m *messengers) serveOnly() []quiz.Platform  { return m.names(true) }

func (m *messengers) names(serveOnly bool) []quiz.Platform {
	var ps []quiz.Platform
	for _, p := range m.on {
		if p.serveOnly == serveOnly {
			ps = append(ps, p.name)
		}
	}
	return ps
}

// open builds the adapters this process sends on: every platform that is
// on in serve, those any process can send on elsewhere.
func (m *messengers) open(ctx context.Context, inServe bool, d adapterDeps) error {
	for _, p := range m.on {
		if p.serveOnly && !inServe {
			continue
		}
		out, err := p.open(ctx, d)
		if err != nil {
			return err // the adapter's errors name it ("telegram: getMe: …")
		}
		m.out[p.name] = out
	}
	return nil
}

func (m *messengers) openTelegram(ctx context.Context, d adapterDeps) (notify.Messenger, error) {
	cfg := m.e.cfg
	tg, err := telegram.New(ctx, telegram.Config{
		Token: cfg.TelegramToken, APIURL: cfg.TelegramAPIURL,
		Secret: cfg.TelegramWebhookSecret, PublicURL: cfg.PublicURL,
	}, d.conv, m.e.log)
	if err != nil {
		return nil, err
	}
	m.tg = tg
	return tg, nil
}

func (m *messengers) openWebChat(ctx context.Context, d adapterDeps) (notify.Messenger, error) {
	m.web = webchat.New(d.conv, d.db, m.e.log)
	return m.web, nil
}

// notifyLimiter paces notifications: NOTIFY_RATE per platform, Zalo at
// ZALO_NOTIFY_RATE, each shared by every replica through rdb.
func notifyLimiter(e *env, rdb *redis.Client) *notify.Limiter {
	return notify.NewLimiter(rdb, e.cfg.NotifyRate).SetRate(quiz.PlatformZalo, e.cfg.Zalo.NotifyRate)
}

// openZalo builds the Zalo OA adapter, its tokens kept in PostgreSQL (shared
// by every replica and by notify). The phone form's picture is served at
// PUBLIC_URL, which serve requires with Zalo (see errZaloPublicURL).
func (m *messengers) openZalo(ctx context.Context, d adapterDeps) (notify.Messenger, error) {
	cfg := m.e.cfg
	img := ""
	if cfg.PublicURL != "" {
		img = cfg.PublicURL + zalo.InfoImagePath
	}
	m.za = zalo.NewAdapter(zaloClient(m.e, d.db), zalo.AdapterConfig{
		AppID: cfg.Zalo.AppID, OASecretKey: cfg.Zalo.OASecretKey, InfoImageURL: img, Log: m.e.log,
		Inbound: inboundRecorder(d), Now: clockOf(d),
	}, d.conv)
	return m.za, nil
}

// inboundRecorder records each account's last message (Zalo's reply
// window); nil where there is no Redis to throttle it (notify's sending
// receives no events).
func inboundRecorder(d adapterDeps) quiz.InboundRecorder {
	if d.db == nil || d.rdb == nil {
		return nil
	}
	return storage.NewInbound(d.db, d.rdb)
}

// clockOf is the adapters' clock: the tests' when given, else the system's.
func clockOf(d adapterDeps) func() time.Time {
	if d.clock == nil {
		return time.Now
	}
	return d.clock.Now
}
