package storage

import (
	"context"
	"fmt"
	"time"

	"quizbot/report"
)

// closedAttempts is the round's ($1) attempts that count at $2: submitted
// ones, and unfinished ones past their deadline, which the sweeper would
// submit at the deadline with the answers given (so a report run while the
// service was down misses nobody). Reports must all use it, so that the
// results, units and absent reports agree on who took part.
const closedAttempts = `
	SELECT a.id, a.member_id, a.started_at, a.total, a.prediction,
		coalesce(a.submitted_at, a.deadline) AS submitted_at,
		CASE WHEN a.submitted_at IS NOT NULL THEN a.correct
			ELSE (SELECT count(*) FROM answers x WHERE x.attempt_id = a.id AND x.is_correct) END AS correct
	FROM attempts a
	WHERE a.round_id = $1 AND (a.submitted_at IS NOT NULL OR a.deadline <= $2)`

// RoundAttempts returns every attempt of the round that counts at now, one
// row per attempt with its member, in one query (a round has tens of
// thousands); report.Best picks each member's counted one. Members who have
// left the roster are included, marked inactive.
func (db *DB) RoundAttempts(ctx context.Context, roundID int64, now time.Time) ([]report.Attempt, error) {
	var out []report.Attempt
	err := db.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttempts+`)
		SELECT c.id AS attempt_id, c.member_id, m.full_name, m.phone, u.code AS unit_code, m.position,
			m.active, c.correct, c.total, c.started_at, c.submitted_at, c.prediction
		FROM c JOIN members m ON m.id = c.member_id JOIN units u ON u.id = m.unit_id
		ORDER BY c.member_id, c.id`, roundID, now)
	if err != nil {
		return nil, fmt.Errorf("round %d attempts: %w", roundID, err)
	}
	return out, nil
}

// UnitRosters returns every unit, by code (byte order), with its active staff
// directly on its roster and how many of them have linked a chat account.
// A web chat account does not count: it is an organizer's preview, not the
// member's own verification; WebOnly counts the staff who have only that.
// It is the roster as it stands now: the database keeps no history of it.
func (db *DB) UnitRosters(ctx context.Context) ([]report.UnitRoster, error) {
	var out []report.UnitRoster
	err := db.SelectContext(ctx, &out, `
		SELECT u.code, u.name, count(m.id) AS staff, count(v.member_id) AS verified,
			count(w.member_id) FILTER (WHERE v.member_id IS NULL) AS web_only
		FROM units u
		LEFT JOIN members m ON m.unit_id = u.id AND m.active
		LEFT JOIN (SELECT DISTINCT member_id FROM identities WHERE platform <> 'web') v ON v.member_id = m.id
		LEFT JOIN (SELECT DISTINCT member_id FROM identities WHERE platform = 'web') w ON w.member_id = m.id
		GROUP BY u.id
		ORDER BY u.code COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("unit rosters: %w", err)
	}
	return out, nil
}

// AbsentMembers returns the active members without an attempt that counts
// in the round at now, with whether they have linked a chat account and the
// excuse recorded for them, ordered by unit code, then name the Vietnamese
// way (report.SortByKey: the database's collation cannot be relied on to
// have ICU), then id.
func (db *DB) AbsentMembers(ctx context.Context, roundID int64, now time.Time) ([]report.Absent, error) {
	var out []report.Absent
	err := db.SelectContext(ctx, &out, `
		WITH c AS (`+closedAttempts+`)
		SELECT m.id AS member_id, u.code AS unit_code, m.full_name, m.phone, m.position,
			EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id AND i.platform <> 'web') AS verified,
			coalesce(e.reason, '') AS excuse
		FROM members m
		JOIN units u ON u.id = m.unit_id
		LEFT JOIN excuses e ON e.round_id = $1 AND e.member_id = m.id
		WHERE m.active AND NOT EXISTS (SELECT 1 FROM c WHERE c.member_id = m.id)
		ORDER BY u.code COLLATE "C", m.id`, roundID, now)
	if err != nil {
		return nil, fmt.Errorf("round %d absent members: %w", roundID, err)
	}
	report.SortByKey(out, func(a report.Absent) (string, string) { return a.UnitCode, a.FullName })
	return out, nil
}
