package storage

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"

	"github.com/jmoiron/sqlx"
)

// lib/pq parses and plans every query it is given. Planning costs as much
// as running the small statements of the quiz (measured with
// pg_stat_statements: 0.18 ms of planning against 0.15 ms of execution per
// answer), so DB keeps each statement it runs outside a transaction
// prepared, once per query text; database/sql prepares it on each
// connection as needed and Postgres reuses the plan.

// maxStmts bounds the cache; queries past it run unprepared. The code has a
// few dozen distinct query texts.
const maxStmts = 512

type stmtCache struct {
	m sync.Map // query text → *sqlx.Stmt
	n atomic.Int32
}

func (db *DB) prepared(ctx context.Context, query string) *sqlx.Stmt {
	if s, ok := db.stmts.m.Load(query); ok {
		return s.(*sqlx.Stmt)
	}
	if db.stmts.n.Load() >= maxStmts {
		return nil
	}
	s, err := db.DB.PreparexContext(context.WithoutCancel(ctx), query)
	if err != nil {
		// Run it unprepared: the error, if real, is reported from there.
		return nil
	}
	if prev, loaded := db.stmts.m.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sqlx.Stmt)
	}
	db.stmts.n.Add(1)
	return s
}

// GetContext is sqlx's, through a prepared statement.
func (db *DB) GetContext(ctx context.Context, dest any, query string, args ...any) error {
	if s := db.prepared(ctx, query); s != nil {
		return s.GetContext(ctx, dest, args...)
	}
	return db.DB.GetContext(ctx, dest, query, args...)
}

// SelectContext is sqlx's, through a prepared statement.
func (db *DB) SelectContext(ctx context.Context, dest any, query string, args ...any) error {
	if s := db.prepared(ctx, query); s != nil {
		return s.SelectContext(ctx, dest, args...)
	}
	return db.DB.SelectContext(ctx, dest, query, args...)
}

// ExecContext is sqlx's, through a prepared statement.
func (db *DB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := db.prepared(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return db.DB.ExecContext(ctx, query, args...)
}

// QueryxContext is sqlx's, through a prepared statement.
func (db *DB) QueryxContext(ctx context.Context, query string, args ...any) (*sqlx.Rows, error) {
	if s := db.prepared(ctx, query); s != nil {
		return s.QueryxContext(ctx, args...)
	}
	return db.DB.QueryxContext(ctx, query, args...)
}

// QueryRowxContext is sqlx's, through a prepared statement.
func (db *DB) QueryRowxContext(ctx context.Context, query string, args ...any) *sqlx.Row {
	if s := db.prepared(ctx, query); s != nil {
		return s.QueryRowxContext(ctx, args...)
	}
	return db.DB.QueryRowxContext(ctx, query, args...)
}
