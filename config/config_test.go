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
	if c.ListenAddr != ":8080" || c.TelegramAPIURL != "https://api.telegram.org" || c.NotifyRate != 25 || !c.WebChat {
		t.Fatalf("defaults: %+v", c)
	}
	if want := max(4, 2*runtime.NumCPU()); c.DatabaseMaxConns != want {
		t.Fatalf("DatabaseMaxConns = %d, want %d (two per core, at least 4)", c.DatabaseMaxConns, want)
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
		{map[string]string{"WEBCHAT": "1", "PUBLIC_URL": "https://bot.example.vn"}, "WEBCHAT: cannot be on with PUBLIC_URL"},
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

func TestWebChatWithToken(t *testing.T) {
	m := base()
	m["TELEGRAM_TOKEN"] = "123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	c, err := Load(env(m), all)
	if err != nil || c.WebChat {
		t.Fatalf("webchat should be off with a token: %+v %v", c, err)
	}
	m["WEBCHAT"] = "1"
	if c, _ = Load(env(m), all); !c.WebChat {
		t.Fatal("WEBCHAT=1 should force the web chat")
	}
	// Never by default on a server with a public address.
	m = base()
	m["PUBLIC_URL"] = "https://bot.example.vn"
	if c, err := Load(env(m), all); err != nil || c.WebChat {
		t.Fatalf("web chat on a public server: %+v %v", c, err)
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
