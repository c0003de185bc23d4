// Package storage implements quizbot's persistence: Postgres (through sqlx and
// lib/pq) for members, questions, attempts and notifications, Redis (through
// go-redis) for hot quiz session state. SQL lives next to the method that runs
// it, one file per aggregate.
package storage

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationsFS embed.FS

// DB is the Postgres handle shared by the stores.
type DB struct {
	*sqlx.DB
	stmts   stmtCache
	answers answerWriter // RecordAnswer's group commit (answers.go)
	catalog catalog      // CurrentContest's and QuestionPool's cache (catalog.go)
}

// Open connects to Postgres and checks that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	db, err := sqlx.Open("postgres", url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(defaultMaxConns)
	db.SetMaxIdleConns(defaultMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to postgres: %w", err)
	}
	// The URL stays for the catalog's listener, a connection of its own.
	return &DB{DB: db, catalog: catalog{url: url}}, nil
}

// defaultMaxConns bounds a DB's connections until SetMaxConns; quizbot's
// commands set config.DatabaseMaxConns.
const defaultMaxConns = 8

// SetMaxConns bounds the connections to PostgreSQL (n >= 2: the answers'
// writer holds one while other statements run), all of which may stay idle
// between bursts. The catalog's listener is a connection apart.
func (db *DB) SetMaxConns(n int) {
	n = max(n, 2)
	db.DB.SetMaxOpenConns(n)
	db.DB.SetMaxIdleConns(n)
}

// Close stores the answers already queued, stops the catalog's listener,
// then closes the database. RecordAnswer fails after Close.
func (db *DB) Close() error {
	db.closeAnswers()
	db.catalog.close()
	return db.DB.Close()
}

// Migrate applies the embedded migrations that have not run yet. Each runs in
// its own transaction; a Postgres advisory lock makes concurrent callers (two
// replicas starting at once) wait for each other instead of both migrating.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	sub, err := fs.Sub(migrationsFS, "migrations")
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 600))
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.DB.DB, sub, goose.WithSessionLocker(locker))
	if err != nil {
		return 0, fmt.Errorf("migrate: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate: %w", err)
	}
	return len(res), nil
}

// InTx runs fn in a transaction, committing when it returns nil.
func (db *DB) InTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// isUniqueViolation reports whether err is Postgres' unique_violation,
// optionally on the named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" {
		return constraint == "" || pe.Constraint == constraint
	}
	return false
}

// notFound maps sql.ErrNoRows to nil-or-err for callers that check ok.
func notFound(err error) bool { return errors.Is(err, sql.ErrNoRows) }
