// Package config reads quizbot's configuration from the environment once, at
// start, and validates it. The result is passed down; nothing reads the
// environment later.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of quizbot. A URL the command did not need (see
// Need) may be empty.
type Config struct {
	DatabaseURL           string
	RedisURL              string
	ListenAddr            string
	TelegramToken         string
	TelegramAPIURL        string
	TelegramWebhookSecret string
	PublicURL             string
	NotifyRate            float64
	// WebChat serves the login-free local web chat, on WebChatAddr: a
	// loopback address of its own, never on ListenAddr.
	WebChat     bool
	WebChatAddr string
	// AdminAddr serves /metrics and /debug/pprof/ (ADMIN_ADDR): loopback
	// by default, never on ListenAddr; "" when turned off (ADMIN_ADDR=0).
	AdminAddr string
	// DatabaseMaxConns bounds the connections to PostgreSQL of this
	// process (DefaultDatabaseMaxConns when DATABASE_MAX_CONNS is unset).
	DatabaseMaxConns int
	// Zalo is the Zalo Official Account channel, on when ZALO_APP_ID is set.
	Zalo Zalo
	// RateLimitEvents events per RateLimitWindow are answered per chat
	// account (RATE_LIMIT, default 20/10s); 0 is no limit, which is also
	// what a Config built in code without them gets.
	RateLimitEvents int
	RateLimitWindow time.Duration
	// Verify is how people prove who they are in chat: "phone" (share
	// their phone), "code" (an activation code from their unit's head) or
	// "either" (DefaultVerify).
	Verify string
	// EntriesDir is where the entries' files are kept (ENTRIES_DIR,
	// DefaultEntriesDir): a volume shared by every replica.
	EntriesDir string
}

// Zalo is the Zalo Official Account's settings. AppSecret, OASecretKey and
// RefreshToken are secrets: never print them.
type Zalo struct {
	AppID       string // ZALO_APP_ID: the Zalo app's numeric id
	AppSecret   string // ZALO_APP_SECRET: the app's secret key, for the OAuth calls
	OASecretKey string // ZALO_OA_SECRET_KEY: the webhook's key (not the app secret)
	// RefreshToken seeds the stored token pair once, when none is stored.
	RefreshToken   string
	APIURL         string // ZALO_API_URL
	OAuthURL       string // ZALO_OAUTH_URL
	TemplateURL    string // ZALO_TEMPLATE_URL
	TemplateRemind string // ZALO_TEMPLATE_REMIND: the approved reminder template's id, or empty
	// NotifyRate is ZALO_NOTIFY_RATE: reminders and summaries per second
	// on Zalo, shared by every replica, apart from NOTIFY_RATE.
	NotifyRate float64
}

// Enabled reports whether the Zalo channel is on.
func (z Zalo) Enabled() bool { return z.AppID != "" }

// Defaults for optional settings.
const (
	DefaultListenAddr     = ":8080"
	DefaultWebChatAddr    = "127.0.0.1:8081"
	DefaultAdminAddr      = "127.0.0.1:9090"
	DefaultTelegramAPIURL = "https://api.telegram.org"
	DefaultNotifyRate     = 25

	DefaultZaloAPIURL      = "https://openapi.zalo.me"
	DefaultZaloOAuthURL    = "https://oauth.zaloapp.com"
	DefaultZaloTemplateURL = "https://business.openapi.zalo.me"
	// DefaultZaloNotifyRate is Zalo's notification rate: Zalo publishes no
	// figure for consultation messages; a modest pace, well under
	// Telegram's.
	DefaultZaloNotifyRate = 10
	// RATE_LIMIT's default: a flood gets 20 replies, a quick quiz-taker
	// (a tap a second at the very most) never meets it.
	DefaultRateLimitEvents = 20
	DefaultRateLimitWindow = 10 * time.Second
	DefaultVerify          = "either"
	DefaultEntriesDir      = "./data/entries"
)

// DefaultDatabaseMaxConns is two connections per core, at least 4, the
// usual advice for PostgreSQL's active connections. More is slower, not
// faster: on a 2-core machine shared with PostgreSQL, 20 connections cost
// PostgreSQL about a quarter more CPU per answer than 4 (BENCHMARKS.md), in
// switches between its processes; the quiz's hot writes share statements
// anyway (group commit).
func DefaultDatabaseMaxConns() int { return max(4, 2*runtime.NumCPU()) }

var secretRe = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// Need is the settings a command cannot run without. Load refuses a
// configuration that lacks one; a setting the command does not need may be
// left out, and is checked only when it is set.
type Need uint

const (
	// NeedDatabase: DATABASE_URL, for every command.
	NeedDatabase Need = 1 << iota
	// NeedRedis: REDIS_URL, for serve and for the commands that clear the
	// bots' cache of who is behind each account (member unlink, importing
	// units or members).
	NeedRedis
	// NeedRedisForTelegram: REDIS_URL when TELEGRAM_TOKEN is set, for
	// notify, which then sends on Telegram itself at the rate every replica
	// shares through Redis; without a token it only queues.
	NeedRedisForTelegram
)

// Load reads the configuration through getenv (os.Getenv in production),
// requires the settings in need, and returns every problem at once, each
// naming its variable.
func Load(getenv func(string) string, need Need) (Config, error) {
	c := Config{
		DatabaseURL:           strings.TrimSpace(getenv("DATABASE_URL")),
		RedisURL:              strings.TrimSpace(getenv("REDIS_URL")),
		ListenAddr:            strings.TrimSpace(getenv("LISTEN_ADDR")),
		TelegramToken:         strings.TrimSpace(getenv("TELEGRAM_TOKEN")),
		TelegramAPIURL:        strings.TrimRight(strings.TrimSpace(getenv("TELEGRAM_API_URL")), "/"),
		TelegramWebhookSecret: strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_SECRET")),
		PublicURL:             strings.TrimRight(strings.TrimSpace(getenv("PUBLIC_URL")), "/"),
		WebChatAddr:           strings.TrimSpace(getenv("WEBCHAT_ADDR")),
		NotifyRate:            DefaultNotifyRate,
		DatabaseMaxConns:      DefaultDatabaseMaxConns(),
		RateLimitEvents:       DefaultRateLimitEvents,
		RateLimitWindow:       DefaultRateLimitWindow,
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}

	if c.DatabaseURL == "" {
		if need&NeedDatabase != 0 {
			bad("DATABASE_URL", "is required (for example postgres://quizbot:quizbot@127.0.0.1:5432/quizbot?sslmode=disable)")
		}
	} else if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		bad("DATABASE_URL", "must be a postgres:// URL with a host")
	}
	if c.RedisURL == "" {
		switch {
		case need&NeedRedis != 0:
			bad("REDIS_URL", "is required (for example redis://127.0.0.1:6379/0)")
		case need&NeedRedisForTelegram != 0 && (c.TelegramToken != "" || strings.TrimSpace(getenv("ZALO_APP_ID")) != ""):
			bad("REDIS_URL", "is required to send on Telegram or Zalo from here, at the rate every replica shares through Redis (for example redis://127.0.0.1:6379/0); or pass --enqueue-only to leave the sending to serve")
		}
	} else if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
		bad("REDIS_URL", "must be a redis:// or rediss:// URL with a host")
	}
	if c.ListenAddr == "" {
		c.ListenAddr = DefaultListenAddr
	} else if _, port, err := net.SplitHostPort(c.ListenAddr); err != nil {
		bad("LISTEN_ADDR", "must be host:port or :port, got %q", c.ListenAddr)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("LISTEN_ADDR", "port must be a number from 0 to 65535, got %q", port)
	}
	if c.TelegramToken != "" && !regexp.MustCompile(`^\d+:[A-Za-z0-9_-]{20,}$`).MatchString(c.TelegramToken) {
		// The token itself is a secret: never echo it.
		bad("TELEGRAM_TOKEN", "does not look like a bot token from @BotFather (digits, a colon, then letters)")
	}
	if c.TelegramAPIURL == "" {
		c.TelegramAPIURL = DefaultTelegramAPIURL
	} else if u, err := url.Parse(c.TelegramAPIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		bad("TELEGRAM_API_URL", "must be an http(s) URL, got %q", c.TelegramAPIURL)
	}
	if c.TelegramWebhookSecret != "" && !secretRe.MatchString(c.TelegramWebhookSecret) {
		bad("TELEGRAM_WEBHOOK_SECRET", "must be 1-256 characters of A-Z a-z 0-9 _ -")
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("PUBLIC_URL", "must be an https:// URL (Telegram only calls HTTPS webhooks), got %q", c.PublicURL)
		}
		if c.TelegramToken != "" && c.TelegramWebhookSecret == "" {
			bad("TELEGRAM_WEBHOOK_SECRET", "is required when PUBLIC_URL is set, so that only Telegram can call the webhook")
		}
	}
	if v := strings.TrimSpace(getenv("NOTIFY_RATE")); v != "" {
		if r, ok := parseNotifyRate(v); !ok {
			bad("NOTIFY_RATE", "must be a number of messages per second above 0 and at most 1000, got %q", v)
		} else {
			c.NotifyRate = r
		}
	}
	if v := strings.TrimSpace(getenv("DATABASE_MAX_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2 || n > 1000 {
			bad("DATABASE_MAX_CONNS", "must be a whole number from 2 to 1000, got %q", v)
		} else {
			c.DatabaseMaxConns = n
		}
	}
	if v := strings.TrimSpace(getenv("RATE_LIMIT")); v != "" {
		n, w, err := parseRateLimit(v)
		if err != nil {
			bad("RATE_LIMIT", "%v, got %q", err, v)
		} else {
			c.RateLimitEvents, c.RateLimitWindow = n, w
		}
	}
	// The web chat has no login: whoever reaches it can act as any member,
	// organizers included, and use up their attempt. It is for local trials
	// and previews only, so it listens apart from LISTEN_ADDR (which a
	// server publishes) and only on loopback; from another machine, an SSH
	// tunnel reaches it.
	switch v := strings.TrimSpace(getenv("WEBCHAT")); v {
	case "":
		c.WebChat = c.TelegramToken == "" && c.PublicURL == ""
	case "0", "false":
		c.WebChat = false
	case "1", "true":
		c.WebChat = true
		if c.PublicURL != "" {
			bad("WEBCHAT", "cannot be on with PUBLIC_URL set: the web chat has no login and its attempts count in the live contest; preview rounds on a copy without PUBLIC_URL")
		}
	default:
		bad("WEBCHAT", "must be 1 or 0, got %q", v)
	}
	if c.WebChatAddr == "" {
		c.WebChatAddr = DefaultWebChatAddr
	} else if problem := checkWebChatAddr(c.WebChatAddr); problem != "" {
		bad("WEBCHAT_ADDR", "%s", problem)
	} else if c.WebChat && samePort(c.WebChatAddr, c.ListenAddr) {
		bad("WEBCHAT_ADDR", "must use another port than LISTEN_ADDR (%s): the web chat has a listener of its own, on loopback", c.ListenAddr)
	}
	c.AdminAddr = loadAdminAddr(getenv, c, bad)
	c.Zalo = loadZalo(getenv, bad)
	switch c.Verify = strings.ToLower(strings.TrimSpace(getenv("VERIFY"))); c.Verify {
	case "":
		c.Verify = DefaultVerify
	case "phone", "code", "either":
	default:
		bad("VERIFY", "must be phone, code or either, got %q", c.Verify)
	}
	if c.EntriesDir = strings.TrimSpace(getenv("ENTRIES_DIR")); c.EntriesDir == "" {
		c.EntriesDir = DefaultEntriesDir
	}
	if len(errs) > 0 {
		return Config{}, fmt.Errorf("configuration: %w", errors.Join(errs...))
	}
	return c, nil
}

// checkWebChatAddr returns what is wrong with a WEBCHAT_ADDR, or "".
func checkWebChatAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Sprintf("must be host:port on loopback, such as %s, got %q", DefaultWebChatAddr, addr)
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return fmt.Sprintf("port must be a number from 0 to 65535, got %q", port)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Sprintf("must be a loopback address (127.0.0.1:PORT, [::1]:PORT or localhost:PORT), got %q: "+
			"the web chat has no login, so anyone reaching it could act as any member, organizers included; "+
			"from another machine, use an SSH tunnel (ssh -L 8081:127.0.0.1:8081 SERVER)", addr)
	}
	return ""
}

// loadAdminAddr reads ADMIN_ADDR, the listener of /metrics and
// /debug/pprof/: DefaultAdminAddr when unset, "" (off) for 0 or off. Any
// host is accepted when set explicitly, since Prometheus in a cluster
// scrapes the pod's own address (ADMIN_ADDR=:9090); but never the port of
// LISTEN_ADDR, which a server publishes, nor that of the web chat: metrics
// and profiles have no login, and the webhook's address must not show them.
func loadAdminAddr(getenv func(string) string, c Config, bad func(name, format string, args ...any)) string {
	v := strings.TrimSpace(getenv("ADMIN_ADDR"))
	switch v {
	case "":
		v = DefaultAdminAddr
	case "0", "off":
		return ""
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		bad("ADMIN_ADDR", "must be host:port such as %s (or :9090 for every interface), or 0 to turn it off, got %q", DefaultAdminAddr, v)
		return ""
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		bad("ADMIN_ADDR", "port must be a number from 0 to 65535, got %q", port)
		return ""
	}
	if samePort(v, c.ListenAddr) {
		bad("ADMIN_ADDR", "must use another port than LISTEN_ADDR (%s): metrics and profiles are never served on the public webhook address", c.ListenAddr)
	} else if c.WebChat && samePort(v, c.WebChatAddr) {
		bad("ADMIN_ADDR", "must use another port than WEBCHAT_ADDR (%s)", c.WebChatAddr)
	}
	return v
}

// samePort reports whether two valid listen addresses use the same fixed
// port (0 picks a free one, so never collides).
func samePort(a, b string) bool {
	_, pa, errA := net.SplitHostPort(a)
	_, pb, errB := net.SplitHostPort(b)
	return errA == nil && errB == nil && pa == pb && pa != "0"
}

// loadZalo reads the ZALO_ variables. The channel is on when ZALO_APP_ID is
// set; then the app secret and the OA's webhook key are required too, and a
// ZALO_ setting without ZALO_APP_ID is an error rather than silently unused.
func loadZalo(getenv func(string) string, bad func(name, format string, args ...any)) Zalo {
	z := Zalo{
		AppID:          strings.TrimSpace(getenv("ZALO_APP_ID")),
		AppSecret:      strings.TrimSpace(getenv("ZALO_APP_SECRET")),
		OASecretKey:    strings.TrimSpace(getenv("ZALO_OA_SECRET_KEY")),
		RefreshToken:   strings.TrimSpace(getenv("ZALO_REFRESH_TOKEN")),
		APIURL:         strings.TrimRight(strings.TrimSpace(getenv("ZALO_API_URL")), "/"),
		OAuthURL:       strings.TrimRight(strings.TrimSpace(getenv("ZALO_OAUTH_URL")), "/"),
		TemplateURL:    strings.TrimRight(strings.TrimSpace(getenv("ZALO_TEMPLATE_URL")), "/"),
		TemplateRemind: strings.TrimSpace(getenv("ZALO_TEMPLATE_REMIND")),
		NotifyRate:     DefaultZaloNotifyRate,
	}
	if z.AppID == "" {
		var set []string
		for _, name := range []string{"ZALO_APP_SECRET", "ZALO_OA_SECRET_KEY", "ZALO_REFRESH_TOKEN", "ZALO_API_URL", "ZALO_OAUTH_URL", "ZALO_TEMPLATE_URL", "ZALO_TEMPLATE_REMIND", "ZALO_NOTIFY_RATE"} {
			if strings.TrimSpace(getenv(name)) != "" {
				set = append(set, name)
			}
		}
		if len(set) > 0 {
			bad("ZALO_APP_ID", "is required when %s is set (the Zalo channel is on only with the app's id)", strings.Join(set, ", "))
		}
		return Zalo{}
	}
	if !regexp.MustCompile(`^[0-9]{1,32}$`).MatchString(z.AppID) {
		bad("ZALO_APP_ID", "must be the Zalo app's numeric id (developers.zalo.me), got %q", z.AppID)
	}
	// The secrets themselves are never echoed.
	if z.AppSecret == "" {
		bad("ZALO_APP_SECRET", "is required with ZALO_APP_ID: the app's secret key, for Zalo's tokens")
	}
	if z.OASecretKey == "" {
		bad("ZALO_OA_SECRET_KEY", "is required with ZALO_APP_ID: the OA secret key that signs Zalo's webhook events (not the app secret)")
	}
	for _, u := range []struct {
		name string
		v    *string
		def  string
	}{{"ZALO_API_URL", &z.APIURL, DefaultZaloAPIURL}, {"ZALO_OAUTH_URL", &z.OAuthURL, DefaultZaloOAuthURL}, {"ZALO_TEMPLATE_URL", &z.TemplateURL, DefaultZaloTemplateURL}} {
		if *u.v == "" {
			*u.v = u.def
		} else if p, err := url.Parse(*u.v); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			bad(u.name, "must be an http(s) URL, got %q", *u.v)
		}
	}
	if v := strings.TrimSpace(getenv("ZALO_NOTIFY_RATE")); v != "" {
		if r, ok := parseNotifyRate(v); !ok {
			bad("ZALO_NOTIFY_RATE", "must be a number of messages per second above 0 and at most 1000, got %q", v)
		} else {
			z.NotifyRate = r
		}
	}
	return z
}

// parseNotifyRate reads NOTIFY_RATE or ZALO_NOTIFY_RATE: messages per
// second, above 0 and at most 1000.
func parseNotifyRate(v string) (float64, bool) {
	r, err := strconv.ParseFloat(v, 64)
	return r, err == nil && r > 0 && r <= 1000
}

// parseRateLimit reads RATE_LIMIT: "EVENTS/WINDOW" such as "20/10s" or
// "60/1m", or "0" for no limit.
func parseRateLimit(v string) (int, time.Duration, error) {
	if v == "0" || v == "off" {
		return 0, 0, nil
	}
	const want = "must be EVENTS/WINDOW, e.g. 20/10s (1 to 10000 events per 1s to 1h), or 0 for no limit"
	ns, ws, ok := strings.Cut(v, "/")
	if !ok {
		return 0, 0, errors.New(want)
	}
	n, err := strconv.Atoi(strings.TrimSpace(ns))
	if err != nil || n < 1 || n > 10000 {
		return 0, 0, errors.New(want)
	}
	w, err := time.ParseDuration(strings.TrimSpace(ws))
	if err != nil || w < time.Second || w > time.Hour || w%time.Second != 0 {
		return 0, 0, errors.New(want)
	}
	return n, w, nil
}
