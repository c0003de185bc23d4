package config

import (
	"runtime"
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

// all is what serve needs: every setting it may use that has no default.
const all = NeedDatabase | NeedRedis

func base() map[string]string {
	return map[string]string{
		"DATABASE_URL": "postgres://q:q@127.0.0.1:5432/q?sslmode=disable",
		"REDIS_URL":    "redis://127.0.0.1:6379/0",
	}
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(base()), all)
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr != ":8080" || c.TelegramAPIURL != "https://api.telegram.org" || c.NotifyRate != 25 || !c.WebChat || c.WebChatAddr != "127.0.0.1:8081" {
		t.Fatalf("defaults: %+v", c)
	}
	if want := max(4, 2*runtime.NumCPU()); c.DatabaseMaxConns != want {
		t.Fatalf("DatabaseMaxConns = %d, want %d (two per core, at least 4)", c.DatabaseMaxConns, want)
	}
	if c.Verify != "either" {
		t.Fatalf("VERIFY defaults to %q, want either", c.Verify)
	}
	for _, v := range []string{"phone", "code", "either", " Code "} {
		m := base()
		m["VERIFY"] = v
		if c, err := Load(env(m), all); err != nil || c.Verify != strings.ToLower(strings.TrimSpace(v)) {
			t.Fatalf("VERIFY=%q: %q %v", v, c.Verify, err)
		}
	}
	m := base()
	m["DATABASE_MAX_CONNS"] = " 12 "
	if c, err := Load(env(m), all); err != nil || c.DatabaseMaxConns != 12 {
		t.Fatalf("DATABASE_MAX_CONNS=12: %d %v", c.DatabaseMaxConns, err)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		set  map[string]string
		want string
	}{
		{map[string]string{"DATABASE_URL": ""}, "DATABASE_URL: is required"},
		{map[string]string{"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL: must be a postgres"},
		{map[string]string{"REDIS_URL": ""}, "REDIS_URL: is required"},
		{map[string]string{"REDIS_URL": "127.0.0.1:6379"}, "REDIS_URL: must be"},
		{map[string]string{"LISTEN_ADDR": "8080"}, "LISTEN_ADDR"},
		{map[string]string{"LISTEN_ADDR": ":99999"}, "LISTEN_ADDR: port"},
		{map[string]string{"TELEGRAM_TOKEN": "abc"}, "TELEGRAM_TOKEN"},
		{map[string]string{"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"},
		{map[string]string{"TELEGRAM_WEBHOOK_SECRET": "has space"}, "TELEGRAM_WEBHOOK_SECRET"},
		{map[string]string{"PUBLIC_URL": "http://bot.example.vn"}, "PUBLIC_URL: must be an https"},
		{map[string]string{"PUBLIC_URL": "https://bot.example.vn", "TELEGRAM_TOKEN": "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"}, "TELEGRAM_WEBHOOK_SECRET: is required"},
		{map[string]string{"NOTIFY_RATE": "fast"}, "NOTIFY_RATE"},
		{map[string]string{"NOTIFY_RATE": "0"}, "NOTIFY_RATE"},
		{map[string]string{"DATABASE_MAX_CONNS": "many"}, "DATABASE_MAX_CONNS: must be a whole number from 2 to 1000"},
		{map[string]string{"DATABASE_MAX_CONNS": "1"}, "DATABASE_MAX_CONNS"},
		{map[string]string{"DATABASE_MAX_CONNS": "1001"}, "DATABASE_MAX_CONNS"},
		{map[string]string{"WEBCHAT": "yes"}, "WEBCHAT"},
		{map[string]string{"RATE_LIMIT": "20"}, "RATE_LIMIT: must be EVENTS/WINDOW"},
		{map[string]string{"RATE_LIMIT": "0/10s"}, "RATE_LIMIT"},
		{map[string]string{"RATE_LIMIT": "20/10ms"}, "RATE_LIMIT"},
		{map[string]string{"RATE_LIMIT": "20/2h"}, "RATE_LIMIT"},
		{map[string]string{"WEBCHAT": "1", "PUBLIC_URL": "https://bot.example.vn"}, "WEBCHAT: cannot be on with PUBLIC_URL"},
		{map[string]string{"WEBCHAT_ADDR": "8081"}, "WEBCHAT_ADDR: must be host:port on loopback"},
		{map[string]string{"WEBCHAT_ADDR": "127.0.0.1:80800"}, "WEBCHAT_ADDR: port must be"},
		{map[string]string{"WEBCHAT_ADDR": ":8081"}, "WEBCHAT_ADDR: must be a loopback address"},
		{map[string]string{"WEBCHAT_ADDR": "0.0.0.0:8081"}, "WEBCHAT_ADDR: must be a loopback address"},
		{map[string]string{"WEBCHAT_ADDR": "[::]:8081"}, "WEBCHAT_ADDR: must be a loopback address"},
		{map[string]string{"WEBCHAT_ADDR": "192.168.1.10:8081"}, "WEBCHAT_ADDR: must be a loopback address"},
		{map[string]string{"WEBCHAT_ADDR": "chat.example.vn:8081"}, "WEBCHAT_ADDR: must be a loopback address"},
		// Refused even while the web chat is off: a set value is checked.
		{map[string]string{"WEBCHAT_ADDR": "0.0.0.0:8081", "WEBCHAT": "0"}, "WEBCHAT_ADDR: must be a loopback address"},
		{map[string]string{"WEBCHAT_ADDR": "127.0.0.1:8080"}, "WEBCHAT_ADDR: must use another port than LISTEN_ADDR"},
		{map[string]string{"VERIFY": "sms"}, "VERIFY: must be phone, code or either"},
		{map[string]string{"ADMIN_ADDR": "9090"}, "ADMIN_ADDR: must be host:port"},
		{map[string]string{"ADMIN_ADDR": "127.0.0.1:90900"}, "ADMIN_ADDR: port must be"},
		{map[string]string{"ADMIN_ADDR": ":8080"}, "ADMIN_ADDR: must use another port than LISTEN_ADDR"},
		{map[string]string{"ADMIN_ADDR": "127.0.0.1:7000", "LISTEN_ADDR": "0.0.0.0:7000"}, "ADMIN_ADDR: must use another port than LISTEN_ADDR"},
		{map[string]string{"ADMIN_ADDR": "127.0.0.1:8081"}, "ADMIN_ADDR: must use another port than WEBCHAT_ADDR"},
	}
	for _, tc := range cases {
		m := base()
		for k, v := range tc.set {
			m[k] = v
		}
		_, err := Load(env(m), all)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want error containing %q", tc.set, err, tc.want)
		}
	}
}

// TestAdminAddr: the admin listener (/metrics, /debug/pprof/) is on
// loopback unless told otherwise, off with 0, and may be on every
// interface when set so (a cluster's Prometheus scrapes the pod's address).
func TestAdminAddr(t *testing.T) {
	for _, tc := range []struct{ set, want string }{
		{"", DefaultAdminAddr},
		{"0", ""},
		{"off", ""},
		{" 127.0.0.1:9100 ", "127.0.0.1:9100"},
		{":9090", ":9090"},
		{"127.0.0.1:0", "127.0.0.1:0"},
	} {
		m := base()
		m["ADMIN_ADDR"] = tc.set
		c, err := Load(env(m), all)
		if err != nil || c.AdminAddr != tc.want {
			t.Errorf("ADMIN_ADDR=%q: %q %v, want %q", tc.set, c.AdminAddr, err, tc.want)
		}
	}
	if DefaultAdminAddr != "127.0.0.1:9090" {
		t.Errorf("the default admin address %q is not on loopback", DefaultAdminAddr)
	}
	// The web chat's port is free for the admin listener while it is off.
	m := base()
	m["WEBCHAT"], m["ADMIN_ADDR"] = "0", "127.0.0.1:8081"
	if c, err := Load(env(m), all); err != nil || c.AdminAddr != "127.0.0.1:8081" {
		t.Errorf("web chat off: %q %v", c.AdminAddr, err)
	}
}

func TestTokenNeverInError(t *testing.T) {
	m := base()
	m["TELEGRAM_TOKEN"] = "secret-token-value"
	_, err := Load(env(m), all)
	if err == nil || strings.Contains(err.Error(), "secret-token-value") {
		t.Fatalf("got %v", err)
	}
}

func TestLoadReportsAllProblems(t *testing.T) {
	_, err := Load(env(map[string]string{}), all)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL") || !strings.Contains(err.Error(), "REDIS_URL") {
		t.Fatalf("got %v", err)
	}
}

// TestWebChatSwitch covers every combination of WEBCHAT with a token and
// PUBLIC_URL: on by default only without either, off with WEBCHAT=0 in every
// case, never with PUBLIC_URL.
func TestWebChatSwitch(t *testing.T) {
	const token = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	cases := []struct {
		webchat, token, publicURL string
		on                        bool
		err                       string
	}{
		{webchat: "", on: true},
		{webchat: "0", on: false},
		{webchat: "false", on: false},
		{webchat: "1", on: true},
		{webchat: "true", on: true},
		{webchat: "", token: token, on: false},
		{webchat: "0", token: token, on: false},
		{webchat: "1", token: token, on: true},
		{webchat: "", publicURL: "https://bot.example.vn", on: false},
		{webchat: "0", publicURL: "https://bot.example.vn", on: false},
		{webchat: "1", publicURL: "https://bot.example.vn", err: "WEBCHAT: cannot be on with PUBLIC_URL"},
		{webchat: "", token: token, publicURL: "https://bot.example.vn", on: false},
		{webchat: "0", token: token, publicURL: "https://bot.example.vn", on: false},
		{webchat: "1", token: token, publicURL: "https://bot.example.vn", err: "WEBCHAT: cannot be on with PUBLIC_URL"},
	}
	for _, tc := range cases {
		m := base()
		m["WEBCHAT"], m["TELEGRAM_TOKEN"], m["PUBLIC_URL"] = tc.webchat, tc.token, tc.publicURL
		if tc.token != "" && tc.publicURL != "" {
			m["TELEGRAM_WEBHOOK_SECRET"] = "s3cret"
		}
		c, err := Load(env(m), all)
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%+v: got %v, want error %q", tc, err, tc.err)
			}
		case err != nil:
			t.Errorf("%+v: %v", tc, err)
		case c.WebChat != tc.on:
			t.Errorf("%+v: web chat on = %v, want %v", tc, c.WebChat, tc.on)
		case c.WebChat && c.WebChatAddr != DefaultWebChatAddr:
			t.Errorf("%+v: web chat on %q, want %q", tc, c.WebChatAddr, DefaultWebChatAddr)
		}
	}
}

// TestWebChatAddrLoopback accepts only loopback addresses for the web chat.
func TestWebChatAddrLoopback(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:9000", "127.0.0.2:9000", "[::1]:9000", "localhost:9000", "127.0.0.1:0"} {
		m := base()
		m["WEBCHAT_ADDR"] = addr
		c, err := Load(env(m), all)
		if err != nil || c.WebChatAddr != addr || !c.WebChat {
			t.Errorf("WEBCHAT_ADDR=%s: %+v %v", addr, c, err)
		}
	}
	// The same port as LISTEN_ADDR is fine while the web chat is off, and
	// when the port is picked at random.
	m := base()
	m["WEBCHAT_ADDR"], m["WEBCHAT"] = "127.0.0.1:8080", "0"
	if _, err := Load(env(m), all); err != nil {
		t.Errorf("web chat off on LISTEN_ADDR's port: %v", err)
	}
	m = base()
	m["WEBCHAT_ADDR"], m["LISTEN_ADDR"] = "127.0.0.1:0", "127.0.0.1:0"
	if _, err := Load(env(m), all); err != nil {
		t.Errorf("both on port 0: %v", err)
	}
}

func TestLoadRequiresOnlyWhatIsNeeded(t *testing.T) {
	pgOnly := map[string]string{"DATABASE_URL": "postgres://q:q@127.0.0.1:5432/q?sslmode=disable"}
	c, err := Load(env(pgOnly), NeedDatabase)
	if err != nil || c.RedisURL != "" || c.DatabaseURL == "" {
		t.Fatalf("report on a machine with only Postgres: %+v %v", c, err)
	}
	_, err = Load(env(pgOnly), NeedDatabase|NeedRedis)
	if err == nil || err.Error() != "configuration: REDIS_URL: is required (for example redis://127.0.0.1:6379/0)" {
		t.Fatalf("serve without REDIS_URL: %v", err)
	}
	_, err = Load(env(map[string]string{}), NeedDatabase)
	if err == nil || !strings.Contains(err.Error(), "DATABASE_URL: is required") || strings.Contains(err.Error(), "REDIS_URL") {
		t.Fatalf("nothing set, Postgres needed: %v", err)
	}
	// A setting that is not needed is still checked when it is set.
	m := map[string]string{"DATABASE_URL": pgOnly["DATABASE_URL"], "REDIS_URL": "127.0.0.1:6379"}
	if _, err := Load(env(m), NeedDatabase); err == nil || !strings.Contains(err.Error(), "REDIS_URL: must be") {
		t.Fatalf("malformed REDIS_URL not needed: %v", err)
	}
}

func TestLoadRedisForTelegram(t *testing.T) {
	m := map[string]string{"DATABASE_URL": "postgres://q:q@127.0.0.1:5432/q?sslmode=disable"}
	// Without a token notify only queues: no Redis.
	if _, err := Load(env(m), NeedDatabase|NeedRedisForTelegram); err != nil {
		t.Fatalf("no token: %v", err)
	}
	m["TELEGRAM_TOKEN"] = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	_, err := Load(env(m), NeedDatabase|NeedRedisForTelegram)
	if err == nil || !strings.Contains(err.Error(), "REDIS_URL: is required to send on Telegram") ||
		!strings.Contains(err.Error(), "--enqueue-only") || strings.Contains(err.Error(), m["TELEGRAM_TOKEN"]) {
		t.Fatalf("token without REDIS_URL: %v", err)
	}
	m["REDIS_URL"] = "redis://127.0.0.1:6379/0"
	if c, err := Load(env(m), NeedDatabase|NeedRedisForTelegram); err != nil || c.RedisURL != m["REDIS_URL"] {
		t.Fatalf("token and REDIS_URL: %+v %v", c, err)
	}
}

func TestZaloOffByDefault(t *testing.T) {
	c, err := Load(env(base()), all)
	if err != nil || c.Zalo.Enabled() || c.Zalo != (Zalo{}) {
		t.Fatalf("without ZALO_APP_ID: %+v %v", c.Zalo, err)
	}
}

func TestZaloOnWithDefaults(t *testing.T) {
	m := base()
	m["ZALO_APP_ID"] = "4291763606161179100"
	m["ZALO_APP_SECRET"] = "app-secret"
	m["ZALO_OA_SECRET_KEY"] = "oa-key"
	m["ZALO_TEMPLATE_URL"] = "http://127.0.0.1:9000/"
	c, err := Load(env(m), all)
	if err != nil {
		t.Fatal(err)
	}
	z := c.Zalo
	if !z.Enabled() || z.APIURL != "https://openapi.zalo.me" || z.OAuthURL != "https://oauth.zaloapp.com" ||
		z.TemplateURL != "http://127.0.0.1:9000" || z.RefreshToken != "" || z.AppSecret != "app-secret" || z.OASecretKey != "oa-key" ||
		z.NotifyRate != 10 {
		t.Fatalf("zalo: %+v", z)
	}
	m["ZALO_NOTIFY_RATE"] = "2.5"
	m["NOTIFY_RATE"] = "30"
	if c, err := Load(env(m), all); err != nil || c.Zalo.NotifyRate != 2.5 || c.NotifyRate != 30 {
		t.Fatalf("ZALO_NOTIFY_RATE 2.5, NOTIFY_RATE 30: %v %v %v", c.Zalo.NotifyRate, c.NotifyRate, err)
	}
}

func TestZaloPartialSetNamesWhatIsMissing(t *testing.T) {
	cases := []struct {
		set       map[string]string
		want, not []string
	}{
		{map[string]string{"ZALO_APP_ID": "123"}, []string{"ZALO_APP_SECRET: is required", "ZALO_OA_SECRET_KEY: is required"}, nil},
		{map[string]string{"ZALO_APP_ID": "123", "ZALO_APP_SECRET": "s"}, []string{"ZALO_OA_SECRET_KEY: is required"}, []string{"ZALO_APP_SECRET"}},
		{map[string]string{"ZALO_APP_SECRET": "s", "ZALO_REFRESH_TOKEN": "r"}, []string{"ZALO_APP_ID: is required when ZALO_APP_SECRET, ZALO_REFRESH_TOKEN is set"}, nil},
		{map[string]string{"ZALO_APP_ID": "my-app", "ZALO_APP_SECRET": "s", "ZALO_OA_SECRET_KEY": "k"}, []string{"ZALO_APP_ID: must be the Zalo app's numeric id"}, nil},
		{map[string]string{"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "s", "ZALO_OA_SECRET_KEY": "k", "ZALO_API_URL": "openapi.zalo.me"}, []string{"ZALO_API_URL: must be an http(s) URL"}, nil},
		{map[string]string{"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "s", "ZALO_OA_SECRET_KEY": "k", "ZALO_OAUTH_URL": "ftp://x"}, []string{"ZALO_OAUTH_URL"}, nil},
		{map[string]string{"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "s", "ZALO_OA_SECRET_KEY": "k", "ZALO_NOTIFY_RATE": "0"}, []string{"ZALO_NOTIFY_RATE: must be a number of messages per second above 0 and at most 1000"}, nil},
		{map[string]string{"ZALO_APP_ID": "1", "ZALO_APP_SECRET": "s", "ZALO_OA_SECRET_KEY": "k", "ZALO_NOTIFY_RATE": "nhanh"}, []string{"ZALO_NOTIFY_RATE: must", `got "nhanh"`}, nil},
		{map[string]string{"ZALO_NOTIFY_RATE": "5"}, []string{"ZALO_APP_ID: is required when ZALO_NOTIFY_RATE is set"}, nil},
	}
	for _, tc := range cases {
		m := base()
		for k, v := range tc.set {
			m[k] = v
		}
		_, err := Load(env(m), all)
		for _, w := range tc.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: got %v, want error containing %q", tc.set, err, w)
			}
		}
		for _, n := range tc.not {
			if err != nil && strings.Contains(err.Error(), n) {
				t.Errorf("%v: %v should not mention %s", tc.set, err, n)
			}
		}
	}
}

func TestZaloSecretsNeverInError(t *testing.T) {
	m := base()
	m["ZALO_APP_ID"] = "not-a-number"
	m["ZALO_APP_SECRET"] = "app-secret-value"
	m["ZALO_OA_SECRET_KEY"] = "oa-secret-value"
	m["ZALO_REFRESH_TOKEN"] = "refresh-token-value"
	m["ZALO_API_URL"] = "bad"
	_, err := Load(env(m), all)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, s := range []string{"app-secret-value", "oa-secret-value", "refresh-token-value"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("secret %q in error: %v", s, err)
		}
	}
}

func TestRateLimitSetting(t *testing.T) {
	for v, want := range map[string][2]int64{
		"": {20, 10}, "20/10s": {20, 10}, "60/1m": {60, 60}, " 5 / 2s ": {5, 2}, "0": {0, 0}, "off": {0, 0},
	} {
		m := base()
		m["RATE_LIMIT"] = v
		c, err := Load(env(m), all)
		if err != nil {
			t.Fatalf("RATE_LIMIT=%q: %v", v, err)
		}
		if got := [2]int64{int64(c.RateLimitEvents), int64(c.RateLimitWindow.Seconds())}; got != want {
			t.Errorf("RATE_LIMIT=%q: %v, want %v", v, got, want)
		}
	}
}
