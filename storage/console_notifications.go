package storage

import (
	"context"
	"fmt"
	"time"
)

// The console's Thông báo page: the queue's counts and failures, of every
// unit (units nil) or of a head's units (by the member's unit now).

// KindStatusCount is how many notifications of a kind are in a status.
type KindStatusCount struct {
	Kind   string `db:"kind"`
	Status string `db:"status"`
	Count  int    `db:"count"`
}

// NotificationTally counts a round's notifications by kind and status, of
// the members of the units given (every notification when units is nil).
func (db *DB) NotificationTally(ctx context.Context, roundID int64, units []string) ([]KindStatusCount, error) {
	var out []KindStatusCount
	var err error
	if units == nil {
		// The whole province: the round's rows alone, without the joins a
		// head's subtree needs (a round holds several reminders per member).
		err = db.SelectContext(ctx, &out, `
			SELECT kind, status, count(*) AS count FROM notifications
			WHERE round_id = $1 GROUP BY kind, status ORDER BY kind, status`, roundID)
	} else {
		err = db.SelectContext(ctx, &out, `
			SELECT n.kind, n.status, count(*) AS count
			FROM notifications n
			JOIN members m ON m.id = n.member_id
			JOIN units u ON u.id = m.unit_id
			WHERE n.round_id = $1 AND u.code = ANY($2)
			GROUP BY n.kind, n.status
			ORDER BY n.kind, n.status`, roundID, unitsArg(units))
	}
	if err != nil {
		return nil, fmt.Errorf("count notifications of round %d: %w", roundID, err)
	}
	return out, nil
}

// FailedNotification is a notification that failed or could not reach its
// member, with whom it was for.
type FailedNotification struct {
	ID        int64      `db:"id"`
	Kind      string     `db:"kind"`
	Platform  string     `db:"platform"`
	Status    string     `db:"status"`
	Tries     int        `db:"tries"`
	LastError string     `db:"last_error"`
	At        time.Time  `db:"at"`
	FullName  string     `db:"full_name"`
	Phone     string     `db:"phone"`
	UnitCode  string     `db:"unit_code"`
	SentAt    *time.Time `db:"sent_at"`
}

// FailedNotifications lists a round's failed and unreachable notifications
// of the units given (all when nil), newest first, limit from offset, and
// how many there are in all.
func (db *DB) FailedNotifications(ctx context.Context, roundID int64, units []string, limit, offset int) ([]FailedNotification, int, error) {
	var total int
	// The round's failures first, through notifications_round_idx, then
	// the rest: left to itself the planner walks the primary key backwards
	// for the LIMIT (or scans the round for a head's count), through every
	// sent notification newer than the failures (177 ms at 300,000 of a
	// round, BENCHMARKS.md "The console's other pages").
	const where = `FROM failed n
		LEFT JOIN members m ON m.id = n.member_id
		LEFT JOIN units u ON u.id = m.unit_id
		WHERE ($2::text[] IS NULL OR u.code = ANY($2))`
	const failed = `WITH failed AS MATERIALIZED (SELECT * FROM notifications
		WHERE round_id = $1 AND status IN ('failed', 'unreachable')) `
	if err := db.GetContext(ctx, &total, failed+`SELECT count(*) `+where, roundID, unitsArg(units)); err != nil {
		return nil, 0, fmt.Errorf("count failed notifications: %w", err)
	}
	var out []FailedNotification
	err := db.SelectContext(ctx, &out, failed+`
		SELECT n.id, n.kind, n.platform, n.status, n.tries, n.last_error, n.sent_at,
			coalesce(n.claimed_at, n.created_at) AS at,
			coalesce(m.full_name, '') AS full_name, coalesce(m.phone, '') AS phone, coalesce(u.code, '') AS unit_code
		`+where+`
		ORDER BY n.id DESC LIMIT $3 OFFSET $4`, roundID, unitsArg(units), limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list failed notifications: %w", err)
	}
	return out, total, nil
}
