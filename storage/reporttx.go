package storage

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/jmoiron/sqlx"
)

// reportWorkMem is what each sort or hash of a report's query may hold in
// PostgreSQL's memory before it spills to disk (the server's default is
// 4 MB). A national round's reports hash a million attempts (about 50 MB):
// with 4 MB the answers' join is split into batches and all 20 million
// answers go through temporary files. Set for the report's transaction
// only, so the server's setting still bounds everything else.
const reportWorkMem = "64MB"

// inReport runs fn in a read-only transaction with reportWorkMem.
func (db *DB) inReport(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin report: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL work_mem = '`+reportWorkMem+`'`); err != nil {
		return fmt.Errorf("report work_mem: %w", err)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
