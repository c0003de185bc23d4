// Package zalo is a thin client of the Zalo Official Account (OA) Open API
// v3 and OAuth v4, for the Zalo channel: tokens kept in PostgreSQL and
// refreshed once across replicas, consultation messages with buttons, the
// phone-number form, template messages by phone, and the webhook's
// signature and events. No maintained Go client exists.
//
// The facts come from Zalo's official SDKs (zaloplatform/zalo-java-sdk,
// zaloplatform/zalo-php-sdk); each is noted where it is used. Where Zalo's
// own documentation says otherwise, it wins.
package zalo

import (
	"cmp"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Config is what the client needs of quizbot's configuration.
type Config struct {
	AppID     string
	AppSecret string // sent as the secret_key header of the OAuth calls
	// RefreshToken seeds the token store, once, when it holds no pair.
	RefreshToken string
	APIURL       string // default DefaultAPIURL
	OAuthURL     string // default DefaultOAuthURL
	TemplateURL  string // default DefaultTemplateURL
	HTTPClient   *http.Client
	Clock        Clock // default the system clock
	Log          *slog.Logger

	// TemplateRemind is the approved reminder template's id
	// (ZALO_TEMPLATE_REMIND), or empty: reminders to people outside the
	// 7-day window then reach nobody.
	TemplateRemind string
}

// Zalo's servers.
const (
	DefaultAPIURL      = "https://openapi.zalo.me"
	DefaultOAuthURL    = "https://oauth.zaloapp.com"
	DefaultTemplateURL = "https://business.openapi.zalo.me"
)

// Clock tells the time; quiz.Clock and its fakes are one.
type Clock interface{ Now() time.Time }

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

// Client calls Zalo on behalf of one OA. It is safe for concurrent use;
// several processes may each have one on the same store.
type Client struct {
	cfg   Config
	store TokenStore
	hc    *http.Client
	clock Clock
	log   *slog.Logger

	mu     sync.Mutex
	cur    TokenPair // the pair last read or written, when have
	have   bool
	status error // the last token problem, nil once tokens work again
	// dead is a refresh token Zalo refused, with its error: asking again
	// would be refused the same way, so it is not spent on every send.
	dead    string
	deadErr error

	refreshing sync.Mutex    // one refresh at a time in this process
	tokens     TokenObserver // told of each refresh (ObserveTokens); nil: nobody
}

// New returns a client of the OA whose tokens store keeps.
func New(cfg Config, store TokenStore) *Client {
	cfg.APIURL = cmp.Or(cfg.APIURL, DefaultAPIURL)
	cfg.OAuthURL = cmp.Or(cfg.OAuthURL, DefaultOAuthURL)
	cfg.TemplateURL = cmp.Or(cfg.TemplateURL, DefaultTemplateURL)
	// The tokens are kept sealed under a key of the app secret (seal.go).
	// Deriving the key from a fixed-size hash cannot fail.
	store, err := SealTokens(store, cfg.AppSecret)
	if err != nil {
		panic(err)
	}
	c := &Client{cfg: cfg, store: store, hc: cfg.HTTPClient, clock: cfg.Clock, log: cfg.Log}
	if c.hc == nil {
		// Zalo waits about 2 s for the webhook's answer; a send that hangs
		// must not hold a conversation much longer than that.
		c.hc = &http.Client{Timeout: 15 * time.Second}
	}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}
