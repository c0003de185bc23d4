// Package storagetest gives each test its own real Postgres database and its
// own Redis database, so tests never see each other. It needs the servers that
// scripts/test.sh starts (QUIZBOT_TEST_DATABASE_URL, QUIZBOT_TEST_REDIS_URL).
package storagetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	"github.com/redis/go-redis/v9"

	"quizbot/storage"
)

const templateDB = "quizbot_template"

var templateOnce sync.Once
var templateErr error

func adminURL(t testing.TB) string {
	u := os.Getenv("QUIZBOT_TEST_DATABASE_URL")
	if u == "" {
		t.Fatal("QUIZBOT_TEST_DATABASE_URL is not set: run the tests with scripts/test.sh, which starts Postgres and Redis")
	}
	return u
}

func withDB(raw, name string) string {
	u, _ := url.Parse(raw)
	u.Path = "/" + name
	return u.String()
}

// ensureTemplate migrates a template database once per test binary; each
// test then copies it, which is much faster than migrating every time. An
// advisory lock serialises test binaries that run at the same time.
func ensureTemplate(ctx context.Context, admin *sqlx.DB, raw string) error {
	conn, err := admin.Connx(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727001)`); err != nil {
		return err
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock(727001)`)
	var exists bool
	if err := conn.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, templateDB); err != nil {
		return err
	}
	if !exists {
		if _, err := conn.ExecContext(ctx, `CREATE DATABASE `+templateDB); err != nil {
			return err
		}
	}
	// Migrate every time (a no-op when current) so a new migration reaches
	// a template left by an earlier run.
	db, err := storage.Open(ctx, withDB(raw, templateDB))
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = db.Migrate(ctx)
	return err
}

// NewDB returns a fresh, migrated database that is dropped when the test ends.
func NewDB(t testing.TB) *storage.DB {
	t.Helper()
	db, _ := NewDBURL(t)
	return db
}

// NewDBURL is NewDB that also returns the database's URL, for tests that run
// quizbot's commands against it.
func NewDBURL(t testing.TB) (*storage.DB, string) {
	t.Helper()
	ctx := context.Background()
	raw := adminURL(t)
	admin, err := sqlx.Connect("postgres", raw)
	if err != nil {
		t.Fatalf("connect to test postgres: %v", err)
	}
	t.Cleanup(func() { admin.Close() })
	templateOnce.Do(func() { templateErr = ensureTemplate(ctx, admin, raw) })
	if templateErr != nil {
		t.Fatalf("prepare template database: %v", templateErr)
	}
	name := "quizbot_t_" + randHex(6)
	if _, err := admin.ExecContext(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateDB)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	url := withDB(raw, name)
	db, err := storage.Open(ctx, url)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		admin.ExecContext(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return db, url
}

// DatabaseURL returns a URL for a fresh empty (unmigrated) database, dropped
// when the test ends: for tests of the migrate command itself.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	raw := adminURL(t)
	admin, err := sqlx.Connect("postgres", raw)
	if err != nil {
		t.Fatalf("connect to test postgres: %v", err)
	}
	name := "quizbot_e_" + randHex(6)
	if _, err := admin.Exec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
		admin.Close()
	})
	return withDB(raw, name)
}

// NewRedis returns a client on a Redis logical database of the test's own
// (the test server runs with 4096 of them), flushed before and after.
func NewRedis(t testing.TB) *redis.Client {
	t.Helper()
	url := RedisURL(t)
	opt, _ := redis.ParseURL(url)
	rdb := redis.NewClient(opt)
	t.Cleanup(func() {
		rdb.FlushDB(context.Background())
		rdb.Close()
	})
	return rdb
}

// RedisURL reserves a Redis logical database for the test and returns its URL.
func RedisURL(t testing.TB) string {
	t.Helper()
	raw := os.Getenv("QUIZBOT_TEST_REDIS_URL")
	if raw == "" {
		t.Fatal("QUIZBOT_TEST_REDIS_URL is not set: run the tests with scripts/test.sh, which starts Postgres and Redis")
	}
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatalf("QUIZBOT_TEST_REDIS_URL: %v", err)
	}
	ctx := context.Background()
	ctl := redis.NewClient(opt)
	defer ctl.Close()
	n, err := ctl.Incr(ctx, "quizbot:test:nextdb").Result()
	if err != nil {
		t.Fatalf("reserve redis database: %v", err)
	}
	dbn := int(n%4095) + 1
	u, _ := url.Parse(raw)
	u.Path = "/" + strconv.Itoa(dbn)
	c := redis.NewClient(&redis.Options{Addr: opt.Addr, DB: dbn})
	c.FlushDB(ctx)
	c.Close()
	return u.String()
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
