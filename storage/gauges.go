package storage

import (
	"context"
	"fmt"
)

// QueueDepth is how many notifications of a platform wait in one status:
// "queued" (due now or later, retries included) or "sending" (claimed, in
// flight).
type QueueDepth struct {
	Platform string `db:"platform"`
	Status   string `db:"status"`
	Count    int64  `db:"n"`
}

// QueueDepths counts the notifications not yet settled, by platform and
// status, for the metrics' scrape. Each count reads only its status's
// partial index (notifications_due_idx, notifications_lease_idx), never the
// settled rows, which pile up week after week.
func (db *DB) QueueDepths(ctx context.Context) ([]QueueDepth, error) {
	var out []QueueDepth
	err := db.SelectContext(ctx, &out, `
		SELECT platform, 'queued' AS status, count(*) AS n FROM notifications WHERE status = 'queued' GROUP BY platform
		UNION ALL
		SELECT platform, 'sending', count(*) FROM notifications WHERE status = 'sending' GROUP BY platform`)
	if err != nil {
		return nil, fmt.Errorf("queue depths: %w", err)
	}
	return out, nil
}

// OpenAttempts counts the attempts in progress (not submitted yet, the ones
// past their deadline that the sweeper has not closed included), from the
// partial index of open attempts: for the metrics' scrape.
func (db *DB) OpenAttempts(ctx context.Context) (int64, error) {
	var n int64
	if err := db.GetContext(ctx, &n, `SELECT count(*) FROM attempts WHERE submitted_at IS NULL`); err != nil {
		return 0, fmt.Errorf("open attempts: %w", err)
	}
	return n, nil
}
