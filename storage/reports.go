package storage

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

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

// EachResult calls fn with each line of the results report of the round at
// now, in rank order: each member's counted attempt (left members
// included, marked inactive), ranked by PostgreSQL as report.Rank ranks
// them, with the prize report's window (roundRanked) and the member's id
// last, so that the ranks are 1..n: more correct answers, then the
// prediction nearest actual (none last), the shorter duration in whole
// seconds, the earlier submission. The rows are read one at a time: nothing
// of the round is held in Go.
func (db *DB) EachResult(ctx context.Context, roundID, actual int64, now time.Time, fn func(report.Result) error) error {
	rows, err := db.DB.QueryxContext(ctx, roundRanked+`
		SELECT row_number() OVER (ORDER BY d.correct DESC, d.dist ASC NULLS LAST, d.dur, d.submitted_at, d.member_id) AS rank,
			d.id AS attempt_id, d.member_id, m.full_name, m.phone, u.code AS unit_code, m.position, m.active,
			d.correct, d.total, d.dur, d.submitted_at, d.prediction, coalesce(d.dist, 0) AS distance
		FROM d JOIN members m ON m.id = d.member_id JOIN units u ON u.id = m.unit_id
		-- The window's own order, which its sort gives already: ORDER BY
		-- rank would sort the round's rows once more.
		ORDER BY d.correct DESC, d.dist ASC NULLS LAST, d.dur, d.submitted_at, d.member_id`, []int64{roundID}, now, actual)
	if err != nil {
		return fmt.Errorf("round %d results: %w", roundID, err)
	}
	defer rows.Close()
	for rows.Next() {
		var row struct {
			report.Result
			Dur int64 `db:"dur"`
		}
		if err := rows.StructScan(&row); err != nil {
			return fmt.Errorf("round %d results: %w", roundID, err)
		}
		// The duration in whole seconds as PostgreSQL ranked by it: a start
		// that many seconds before the submission gives it back.
		row.StartedAt = row.SubmittedAt.Add(-time.Duration(row.Dur) * time.Second)
		if err := fn(row.Result); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("round %d results: %w", roundID, err)
	}
	return rows.Close()
}

// ResultsLongest returns, for report.ResultsColumns, at least each
// column's longest text in the round's results report: the XLSX column
// widths, which precede a streamed sheet's rows. Bounds, not the report's
// own figures (a second ranking of the round would cost as much as the
// report): the names, phones and positions of every member, the codes of
// every unit, and the round's attempts, counted and at their largest, in
// one pass without the ranking's sorts.
func (db *DB) ResultsLongest(ctx context.Context, roundID int64) ([]int, error) {
	var l struct {
		Attempts   int64 `db:"attempts"`
		Name       int   `db:"name"`
		Phone      int   `db:"phone"`
		Unit       int   `db:"unit"`
		Position   int   `db:"position"`
		Total      int64 `db:"total"`
		Dur        int64 `db:"dur"`
		Prediction int64 `db:"prediction"`
	}
	err := db.DB.GetContext(ctx, &l, `
		WITH a AS (
			SELECT count(*) AS attempts, coalesce(max(total), 0) AS total, coalesce(max(prediction), 0) AS prediction,
				coalesce(max(greatest(floor(extract(epoch FROM coalesce(submitted_at, deadline) - started_at)), 0)), 0)::bigint AS dur
			FROM attempts WHERE round_id = $1),
		m AS (
			SELECT coalesce(max(char_length(full_name)), 0) AS name, coalesce(max(char_length(phone)), 0) AS phone,
				coalesce(max(char_length(position)), 0) AS position
			FROM members)
		SELECT a.*, m.*, (SELECT coalesce(max(char_length(code)), 0) FROM units) AS unit FROM a, m`, roundID)
	if err != nil {
		return nil, fmt.Errorf("round %d results widths: %w", roundID, err)
	}
	// Correct answers are at most the attempt's total.
	return []int{report.Digits(l.Attempts), l.Name, l.Phone, l.Unit, l.Position, report.Digits(l.Total),
		report.Digits(l.Total), report.Digits(l.Dur), report.Digits(l.Prediction), len(report.TimeLayout)}, nil
}

// unitRosters is every unit (id, code, name) with its roster's figures
// (staff, verified, web_only), as UnitRosters describes them, for
// UnitRosters and UnitResults.
const unitRosters = `
	SELECT u.id, u.code, u.name, count(m.id) AS staff, count(v.member_id) AS verified,
		count(w.member_id) FILTER (WHERE v.member_id IS NULL) AS web_only
	FROM units u
	LEFT JOIN members m ON m.unit_id = u.id AND m.active
	LEFT JOIN (SELECT DISTINCT member_id FROM identities WHERE platform <> 'web') v ON v.member_id = m.id
	LEFT JOIN (SELECT DISTINCT member_id FROM identities WHERE platform = 'web') w ON w.member_id = m.id
	GROUP BY u.id`

// UnitRosters returns every unit, by code (byte order), with its active staff
// directly on its roster and how many of them have linked a chat account.
// A web chat account does not count: it is an organizer's preview, not the
// member's own verification; WebOnly counts the staff who have only that.
// It is the roster as it stands now: the database keeps no history of it.
func (db *DB) UnitRosters(ctx context.Context) ([]report.UnitRoster, error) {
	var out []report.UnitRoster
	err := db.SelectContext(ctx, &out, `
		SELECT r.code, r.name, r.staff, r.verified, r.web_only FROM (`+unitRosters+`) r
		ORDER BY r.code COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("unit rosters: %w", err)
	}
	return out, nil
}

// UnitResults returns every unit's figures in the round at now, by code
// (byte order), as report.Units computes them (its active staff, no
// roll-up; a member's counted attempt is their most correct one), computed
// by PostgreSQL: one row per unit, however many attempts the round has.
func (db *DB) UnitResults(ctx context.Context, roundID int64, now time.Time) ([]report.UnitResult, error) {
	var rows []struct {
		report.UnitRoster
		Participated int `db:"participated"`
		CorrectSum   int `db:"correct_sum"`
		ZeroScores   int `db:"zero_scores"`
	}
	err := db.SelectContext(ctx, &rows, `
		WITH c AS (`+closedAttempts+`),
		best AS (SELECT c.member_id, max(c.correct) AS correct FROM c GROUP BY c.member_id),
		p AS (
			SELECT m.unit_id, count(*) AS participated, sum(best.correct)::bigint AS correct_sum,
				count(*) FILTER (WHERE best.correct = 0) AS zero_scores
			FROM best JOIN members m ON m.id = best.member_id AND m.active
			GROUP BY m.unit_id),
		r AS (`+unitRosters+`)
		SELECT r.code, r.name, r.staff, r.verified, r.web_only, coalesce(p.participated, 0) AS participated,
			coalesce(p.correct_sum, 0) AS correct_sum, coalesce(p.zero_scores, 0) AS zero_scores
		FROM r LEFT JOIN p ON p.unit_id = r.id
		ORDER BY r.code COLLATE "C"`, roundID, now)
	if err != nil {
		return nil, fmt.Errorf("round %d unit figures: %w", roundID, err)
	}
	out := make([]report.UnitResult, len(rows))
	for i, r := range rows {
		out[i] = report.UnitResult{UnitRoster: r.UnitRoster, Participated: r.Participated, CorrectSum: r.CorrectSum, ZeroScores: r.ZeroScores}
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
	err := db.EachAbsent(ctx, roundID, now, func(a report.Absent) error {
		out = append(out, a)
		return nil
	})
	return out, err
}

// EachAbsent calls fn with each of AbsentMembers' members, in its order,
// reading them one unit at a time: Go holds one unit's absentees (to sort
// them by name), never the round's.
func (db *DB) EachAbsent(ctx context.Context, roundID int64, now time.Time, fn func(report.Absent) error) error {
	rows, err := db.DB.QueryxContext(ctx, `
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
		return fmt.Errorf("round %d absent members: %w", roundID, err)
	}
	defer rows.Close()
	var unit []report.Absent
	flush := func() error {
		report.SortByKey(unit, func(a report.Absent) (string, string) { return a.UnitCode, a.FullName })
		for _, a := range unit {
			if err := fn(a); err != nil {
				return err
			}
		}
		unit = unit[:0]
		return nil
	}
	for rows.Next() {
		var a report.Absent
		if err := rows.StructScan(&a); err != nil {
			return fmt.Errorf("round %d absent members: %w", roundID, err)
		}
		if len(unit) > 0 && unit[0].UnitCode != a.UnitCode {
			if err := flush(); err != nil {
				return err
			}
		}
		unit = append(unit, a)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("round %d absent members: %w", roundID, err)
	}
	if err := flush(); err != nil {
		return err
	}
	return rows.Close()
}

// AbsentLongest returns, for report.AbsentColumns, each column's longest
// text in the round's absent report, or a little more (names, phones and
// positions of every active member): the XLSX column widths, from one
// aggregate query.
func (db *DB) AbsentLongest(ctx context.Context, roundID int64) ([]int, error) {
	var l struct {
		Unit     int `db:"unit"`
		Name     int `db:"name"`
		Phone    int `db:"phone"`
		Position int `db:"position"`
		Excuse   int `db:"excuse"`
	}
	err := db.DB.GetContext(ctx, &l, `
		SELECT coalesce(max(char_length(u.code)), 0) AS unit, coalesce(max(char_length(m.full_name)), 0) AS name,
			coalesce(max(char_length(m.phone)), 0) AS phone, coalesce(max(char_length(m.position)), 0) AS position,
			coalesce((SELECT max(char_length(reason)) FROM excuses WHERE round_id = $1), 0) AS excuse
		FROM members m JOIN units u ON u.id = m.unit_id
		WHERE m.active`, roundID)
	if err != nil {
		return nil, fmt.Errorf("round %d absent widths: %w", roundID, err)
	}
	return []int{l.Unit, l.Name, l.Phone, l.Position, max(utf8.RuneCountInString(report.Yes), utf8.RuneCountInString(report.No)),
		max(l.Excuse, utf8.RuneCountInString(report.ReasonNotActivated))}, nil
}
