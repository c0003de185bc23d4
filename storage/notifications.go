package storage

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/notify"
	"quizbot/quiz"
)

// The notifications queue (notify's types, notify's interfaces): the
// queue's rows, its jobs, and the reads of a summary's figures.
var _ notify.Store = (*DB)(nil)

// InsertNotifications inserts notifications, skipping those whose dedup key
// exists; it returns how many it inserted.
func (db *DB) InsertNotifications(ctx context.Context, ns []notify.NewNotification) (int, error) {
	if len(ns) == 0 {
		return 0, nil
	}
	keys := make([]string, len(ns))
	kinds := make([]string, len(ns))
	rounds := make([]int64, len(ns))
	members := make([]int64, len(ns))
	platforms := make([]string, len(ns))
	chats := make([]string, len(ns))
	payloads := make([]string, len(ns))
	for i, n := range ns {
		keys[i], kinds[i], rounds[i], members[i] = n.DedupKey, n.Kind, n.RoundID, n.MemberID
		platforms[i], chats[i] = string(n.Platform), n.ChatID
		payloads[i] = "{}"
		if len(n.Payload) > 0 {
			payloads[i] = string(n.Payload)
		}
	}
	res, err := db.ExecContext(ctx, `
		INSERT INTO notifications (dedup_key, kind, round_id, member_id, platform, chat_id, payload)
		SELECT k, kd, r, m, p, c, pl::jsonb
		FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::text[])
			AS t(k, kd, r, m, p, c, pl)
		ON CONFLICT (dedup_key) DO NOTHING`,
		pq.Array(keys), pq.Array(kinds), pq.Array(rounds), pq.Array(members),
		pq.Array(platforms), pq.Array(chats), pq.Array(payloads))
	if err != nil {
		return 0, fmt.Errorf("insert notifications: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// EnqueueBroadcast inserts the broadcast's notifications straight from the
// members table (INSERT … SELECT, no rows through Go), in batches of member
// ids so that each statement is short and the senders can start on the
// first batches while later ones are inserted. Notifications already there
// (same dedup key) are skipped; it returns how many it inserted.
func (db *DB) EnqueueBroadcast(ctx context.Context, b notify.Broadcast) (int, error) {
	if b.BatchSize <= 0 {
		b.BatchSize = 50_000
	}
	if len(b.Platforms) == 0 {
		return 0, fmt.Errorf("enqueue %s: no platform to send on", b.Kind)
	}
	platforms := make([]string, len(b.Platforms))
	for i, p := range b.Platforms {
		platforms[i] = string(p)
	}
	var lo, hi sql.NullInt64
	if err := db.QueryRowxContext(ctx, `SELECT min(id), max(id) FROM members WHERE active`).Scan(&lo, &hi); err != nil {
		return 0, fmt.Errorf("enqueue %s: member ids: %w", b.Kind, err)
	}
	if !lo.Valid {
		return 0, nil
	}
	excused := ``
	if b.Audience == notify.AudienceReminder {
		excused = `AND NOT EXISTS (SELECT 1 FROM excuses e WHERE e.round_id = $3 AND e.member_id = m.id)`
	}
	// DISTINCT ON picks one account per member, the first platform in the
	// order given.
	query := `
		INSERT INTO notifications (dedup_key, kind, round_id, member_id, platform, chat_id)
		SELECT DISTINCT ON (m.id) $1 || m.id || $2, $4, $3, m.id, i.platform, i.chat_id
		FROM members m
		JOIN identities i ON i.member_id = m.id AND i.unreachable_at IS NULL AND i.platform = ANY($5)
			AND i.member_id >= $6 AND i.member_id < $7 -- lets the planner range-scan identities too
		WHERE m.active AND m.id >= $6 AND m.id < $7
			AND NOT EXISTS (SELECT 1 FROM attempts a WHERE a.round_id = $3 AND a.member_id = m.id)
			` + excused + `
		ORDER BY m.id, array_position($5, i.platform)
		ON CONFLICT (dedup_key) DO NOTHING`
	prefix := b.Kind + ":" + strconv.FormatInt(b.RoundID, 10) + ":"
	total := 0
	for from := lo.Int64; from <= hi.Int64; from += int64(b.BatchSize) {
		res, err := db.ExecContext(ctx, query, prefix, ":"+b.Slot, b.RoundID, b.Kind,
			pq.Array(platforms), from, from+int64(b.BatchSize))
		if err != nil {
			return total, fmt.Errorf("enqueue %s for round %d: %w", b.Kind, b.RoundID, err)
		}
		n, _ := res.RowsAffected()
		total += int(n)
		if b.Progress != nil {
			b.Progress(total)
		}
	}
	return total, nil
}

// ClaimNotification takes the next due notification of a platform for one
// sender: 'sending' until now+lease, in one committed statement (SKIP LOCKED
// lets concurrent senders take different rows). now is the application's
// clock, for deciding whether the notification is stale; leases and
// back-offs use the database's clock, the one all replicas share. ok is
// false when nothing is due.
func (db *DB) ClaimNotification(ctx context.Context, p quiz.Platform, lease time.Duration, now time.Time) (notify.Claimed, bool, error) {
	var c notify.Claimed
	err := db.GetContext(ctx, &c, `
		WITH c AS (
			SELECT id, member_id, platform, chat_id FROM notifications
			WHERE status = 'queued' AND platform = $1 AND next_attempt_at <= now()
			ORDER BY next_attempt_at, id
			LIMIT 1
			FOR UPDATE SKIP LOCKED
		)
		UPDATE notifications n SET status = 'sending', tries = n.tries + 1,
			claimed_at = clock_timestamp(),
			next_attempt_at = now() + $2 * interval '1 millisecond'
		FROM c
		-- The identity and the member are looked up once each (at most one
		-- row: identities are unique per member and platform).
		LEFT JOIN identities i ON i.member_id = c.member_id AND i.platform = c.platform AND i.chat_id = c.chat_id
		LEFT JOIN members m ON m.id = c.member_id
		WHERE n.id = c.id
		RETURNING n.id, n.dedup_key, n.kind, n.round_id, n.member_id, n.platform, n.chat_id, n.payload,
			n.status, n.tries, n.parts_sent, n.last_error, n.claimed_at, n.sent_at,
			CASE WHEN i.id IS NOT NULL THEN i.unreachable_at IS NULL END AS linked,
			i.last_inbound_at AS last_inbound,
			coalesce(m.phone, '') AS phone,
			coalesce(m.full_name, '') AS full_name,
			(n.kind IN ('open', 'remind', 'lastcall') AND (
				EXISTS (SELECT 1 FROM attempts a WHERE a.round_id = n.round_id AND a.member_id = n.member_id)
				OR (n.kind <> 'open' AND EXISTS (SELECT 1 FROM excuses e
					WHERE e.round_id = n.round_id AND e.member_id = n.member_id))
				OR NOT EXISTS (SELECT 1 FROM rounds r WHERE r.id = n.round_id AND r.closes_at > $3)
			)) AS stale`,
		p, lease.Milliseconds(), now)
	if notFound(err) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("claim %s notification: %w", p, err)
	}
	return c, true, nil
}

// finish records a claim's outcome, if the claim still holds.
func (db *DB) finish(ctx context.Context, c notify.Claimed, set string, args ...any) (bool, error) {
	ok, err := setIfClaimed(ctx, db, c, set, args...)
	if err != nil {
		return false, fmt.Errorf("record notification %d: %w", c.ID, err)
	}
	return ok, nil
}

// setIfClaimed updates the claimed notification (set's arguments are $3
// on) if the claim still holds: a sender whose lease ran out while its row
// was claimed again must not overwrite it. It reports whether it did.
func setIfClaimed(ctx context.Context, ex sqlx.ExecerContext, c notify.Claimed, set string, args ...any) (bool, error) {
	all := append([]any{c.ID, c.ClaimedAt}, args...)
	res, err := ex.ExecContext(ctx, `UPDATE notifications SET `+set+`
		WHERE id = $1 AND status = 'sending' AND claimed_at = $2`, all...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkSent records that every part of the notification was delivered.
func (db *DB) MarkSent(ctx context.Context, c notify.Claimed, parts int) (bool, error) {
	return db.finish(ctx, c, `status = 'sent', sent_at = now(), parts_sent = $3, last_error = ''`, parts)
}

// MarkPartsSent records progress through a multi-part notification and
// extends the lease.
func (db *DB) MarkPartsSent(ctx context.Context, c notify.Claimed, parts int, lease time.Duration) (bool, error) {
	return db.finish(ctx, c, `parts_sent = $3, next_attempt_at = now() + $4 * interval '1 millisecond'`,
		parts, lease.Milliseconds())
}

// Requeue puts the notification back in the queue, due after `after`. A
// retry that was not the recipient's failure (the platform said slow down,
// the sender stopped) gives back the try its claim counted.
func (db *DB) Requeue(ctx context.Context, c notify.Claimed, parts int, after time.Duration, reason string, countTry bool) (bool, error) {
	tries := `tries`
	if !countTry {
		tries = `greatest(tries - 1, 0)`
	}
	return db.finish(ctx, c, `status = 'queued', tries = `+tries+`, parts_sent = $3,
		next_attempt_at = now() + $4 * interval '1 millisecond', last_error = $5`,
		parts, after.Milliseconds(), reason)
}

// MarkFailed gives up on the notification.
func (db *DB) MarkFailed(ctx context.Context, c notify.Claimed, parts int, reason string) (bool, error) {
	return db.finish(ctx, c, `status = 'failed', parts_sent = $3, last_error = $4`, parts, reason)
}

// MarkCancelled drops a notification no longer worth sending.
func (db *DB) MarkCancelled(ctx context.Context, c notify.Claimed, reason string) (bool, error) {
	return db.finish(ctx, c, `status = 'cancelled', last_error = $3`, reason)
}

// MarkUnreachable records that the recipient cannot be messaged (they
// blocked the bot): the notification is never retried, and the account is
// marked unreachable so that no later notification is queued for it.
func (db *DB) MarkUnreachable(ctx context.Context, c notify.Claimed, parts int, reason string) (bool, error) {
	var ok bool
	err := db.InTx(ctx, func(tx *sqlx.Tx) error {
		var err error
		if ok, err = setIfClaimed(ctx, tx, c, `status = 'unreachable', parts_sent = $3, last_error = $4`, parts, reason); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE identities SET unreachable_at = now()
			WHERE platform = $1 AND chat_id = $2 AND unreachable_at IS NULL`, c.Platform, c.ChatID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record notification %d unreachable: %w", c.ID, err)
	}
	return ok, nil
}

// SettleWindowClosed records that the notification cannot reach the
// account now, because the person has not written to the bot within the
// platform's reply window: 'unreachable' with window_closed, never
// retried, and unlike MarkUnreachable the account is left reachable, since
// their next message opens the window again.
func (db *DB) SettleWindowClosed(ctx context.Context, c notify.Claimed, parts int, reason string) (bool, error) {
	return db.finish(ctx, c, `status = 'unreachable', window_closed = true, parts_sent = $3, last_error = $4`, parts, reason)
}

// WindowClosedMembers returns the members whose latest settled chasing
// notification of the round (opening, reminder, last call) could not reach
// them because they were outside their platform's reply window: nobody
// reminded them, so their head should.
func (db *DB) WindowClosedMembers(ctx context.Context, roundID int64) ([]int64, error) {
	var ids []int64
	err := db.SelectContext(ctx, &ids, `
		SELECT member_id FROM (
			SELECT DISTINCT ON (member_id) member_id, window_closed FROM notifications
			WHERE round_id = $1 AND member_id IS NOT NULL AND kind IN ('open', 'remind', 'lastcall')
				AND status IN ('sent', 'failed', 'unreachable')
			ORDER BY member_id, id DESC
		) latest WHERE window_closed ORDER BY member_id`, roundID)
	if err != nil {
		return nil, fmt.Errorf("members outside the reply window in round %d: %w", roundID, err)
	}
	return ids, nil
}

// ReleaseExpiredLeases puts back in the queue the notifications whose sender
// did not record an outcome within its lease (it crashed or lost its
// connection mid-send). Whether that sender's message reached the person is
// unknowable, so the resend may duplicate that one message: at-least-once
// is the best possible for a message in flight during a crash.
func (db *DB) ReleaseExpiredLeases(ctx context.Context) (int, error) {
	res, err := db.ExecContext(ctx, `
		UPDATE notifications SET status = 'queued', next_attempt_at = now(),
			last_error = 'lease expired: the sender stopped mid-send'
		WHERE status = 'sending' AND next_attempt_at < now()`)
	if err != nil {
		return 0, fmt.Errorf("release expired notification leases: %w", err)
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// NextNotificationDue returns when the next queued notification of the
// platform becomes due; ok is false when none is queued.
func (db *DB) NextNotificationDue(ctx context.Context, p quiz.Platform) (wait time.Duration, ok bool, err error) {
	var ms sql.NullFloat64
	err = db.GetContext(ctx, &ms, `SELECT extract(epoch FROM min(next_attempt_at) - now()) * 1000
		FROM notifications WHERE status = 'queued' AND platform = $1`, p)
	if err != nil {
		return 0, false, fmt.Errorf("next %s notification: %w", p, err)
	}
	if !ms.Valid {
		return 0, false, nil
	}
	return max(0, time.Duration(ms.Float64)*time.Millisecond), true, nil
}

// NotificationCounts counts notifications by round, kind and status, for the
// rounds given (all when empty).
func (db *DB) NotificationCounts(ctx context.Context, roundIDs []int64) ([]notify.NotificationCount, error) {
	var out []notify.NotificationCount
	// The slot is what follows kind:round:member: in the dedup key.
	err := db.SelectContext(ctx, &out, `
		WITH s AS (
			SELECT round_id, kind, status, count(*) AS n, min(sent_at) AS first_sent, max(sent_at) AS last_sent
			FROM notifications
			WHERE cardinality($1::bigint[]) = 0 OR round_id = ANY($1)
			GROUP BY round_id, kind, status, substring(dedup_key FROM '^(?:[^:]*:){3}(.*)$')
		)
		SELECT round_id, kind, status, sum(n) AS count,
			coalesce(sum(n - 1) FILTER (WHERE last_sent > first_sent), 0) AS rate_sends,
			coalesce(sum(extract(epoch FROM last_sent - first_sent)) FILTER (WHERE last_sent > first_sent), 0) AS rate_seconds
		FROM s
		GROUP BY round_id, kind, status
		ORDER BY round_id, kind, status`, pq.Array(roundIDs))
	if err != nil {
		return nil, fmt.Errorf("count notifications: %w", err)
	}
	return out, nil
}

// Pending counts a round's notifications of the kinds given that are not
// final yet (queued or sending).
func (db *DB) PendingNotifications(ctx context.Context, roundID int64, kinds []string) (int, error) {
	var n int
	err := db.GetContext(ctx, &n, `SELECT count(*) FROM notifications
		WHERE round_id = $1 AND kind = ANY($2) AND status IN ('queued', 'sending')`, roundID, pq.Array(kinds))
	if err != nil {
		return 0, fmt.Errorf("count pending notifications: %w", err)
	}
	return n, nil
}

// NotificationFailures lists a round's failed and unreachable notifications
// with their reasons, newest first.
func (db *DB) NotificationFailures(ctx context.Context, roundID int64, limit int) ([]notify.Notification, error) {
	var out []notify.Notification
	err := db.SelectContext(ctx, &out, `
		SELECT id, dedup_key, kind, round_id, member_id, platform, chat_id, payload, status, tries,
			parts_sent, last_error, claimed_at, sent_at
		FROM notifications WHERE round_id = $1 AND status IN ('failed', 'unreachable')
		ORDER BY id DESC LIMIT $2`, roundID, limit)
	if err != nil {
		return nil, fmt.Errorf("list failed notifications: %w", err)
	}
	return out, nil
}

// NotificationsOf returns a member's notifications of a round, oldest first.
func (db *DB) NotificationsOf(ctx context.Context, roundID, memberID int64) ([]notify.Notification, error) {
	var out []notify.Notification
	err := db.SelectContext(ctx, &out, `
		SELECT id, dedup_key, kind, round_id, member_id, platform, chat_id, payload, status, tries,
			parts_sent, last_error, claimed_at, sent_at
		FROM notifications WHERE round_id = $1 AND member_id = $2 ORDER BY id`, roundID, memberID)
	if err != nil {
		return nil, fmt.Errorf("notifications of member %d: %w", memberID, err)
	}
	return out, nil
}

// JobDone reports whether a scheduled job has run to the end.
func (db *DB) JobDone(ctx context.Context, kind string, roundID int64, slot string) (bool, error) {
	var done bool
	err := db.GetContext(ctx, &done, `SELECT EXISTS (SELECT 1 FROM notify_jobs
		WHERE kind = $1 AND round_id = $2 AND slot = $3)`, kind, roundID, slot)
	if err != nil {
		return false, fmt.Errorf("job %s/%d/%s: %w", kind, roundID, slot, err)
	}
	return done, nil
}

// MarkJobDone records that a job enqueued its notifications; the first run
// to finish is kept.
func (db *DB) MarkJobDone(ctx context.Context, kind string, roundID int64, slot string, enqueued int) error {
	_, err := db.ExecContext(ctx, `INSERT INTO notify_jobs (kind, round_id, slot, enqueued) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, kind, roundID, slot, enqueued)
	if err != nil {
		return fmt.Errorf("record job %s/%d/%s: %w", kind, roundID, slot, err)
	}
	return nil
}

// RoleRecipients returns the active members with one of the roles who can
// be messaged on one of the platforms, one account each (the first platform
// in the order given), by member id.
func (db *DB) RoleRecipients(ctx context.Context, roles []quiz.Role, platforms []quiz.Platform) ([]notify.Recipient, error) {
	rs := make([]string, len(roles))
	for i, r := range roles {
		rs[i] = string(r)
	}
	ps := make([]string, len(platforms))
	for i, p := range platforms {
		ps[i] = string(p)
	}
	var out []notify.Recipient
	err := db.SelectContext(ctx, &out, `
		SELECT DISTINCT ON (m.id) m.id AS member_id, m.full_name, m.unit_id, u.code AS unit_code, m.role,
			i.platform, i.chat_id, i.last_inbound_at AS last_inbound
		FROM members m
		JOIN units u ON u.id = m.unit_id
		JOIN identities i ON i.member_id = m.id AND i.unreachable_at IS NULL AND i.platform = ANY($2)
		WHERE m.active AND m.role = ANY($1)
		ORDER BY m.id, array_position($2, i.platform)`, pq.Array(rs), pq.Array(ps))
	if err != nil {
		return nil, fmt.Errorf("summary recipients: %w", err)
	}
	return out, nil
}
