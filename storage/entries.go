package storage

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"quizbot/quiz"
)

// The entries part (issue 13): the contest file's entries: section, the
// entries units submit, the judges' scores and the /nopbai dialogue's
// drafts. The files themselves live under ENTRIES_DIR (entryfiles).

// saveEntries makes the stored entries section match c's, inside
// ApplyContest's transaction. What entries already depend on cannot change
// (reported as ECONFLICT problems): the section cannot go while entries
// exist, the rubric's criteria stay while scores exist, and a judge who
// scored stays a judge. Judges are phones on the roster (EINVALID
// otherwise).
func saveEntries(ctx context.Context, tx *sqlx.Tx, contestID int64, c quiz.Contest) error {
	var entries, scores int
	err := tx.GetContext(ctx, &entries, `SELECT count(*) FROM entries WHERE contest_id = $1`, contestID)
	if err == nil {
		err = tx.GetContext(ctx, &scores, `SELECT count(*) FROM entry_scores WHERE contest_id = $1`, contestID)
	}
	if err != nil {
		return fmt.Errorf("count entries of contest %s: %w", c.Code, err)
	}
	e := c.Entries
	if e == nil {
		if entries > 0 {
			return quiz.Problems{{Field: "entries", Message: fmt.Sprintf("không thể bỏ mục này: đã có %d bài dự thi được nộp", entries)}}.Err(quiz.ECONFLICT, c.Code)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM entry_rules WHERE contest_id = $1`, contestID); err != nil {
			return fmt.Errorf("remove entries of contest %s: %w", c.Code, err)
		}
		return nil
	}

	// Judges by phone.
	var ps quiz.Problems
	judges := make([]int64, 0, len(e.Judges))
	for i, p := range e.Judges {
		phone, _ := quiz.NormalizePhone(p) // Validate checked it
		var id int64
		err := tx.GetContext(ctx, &id, `SELECT id FROM members WHERE phone = $1 AND active`, phone)
		if notFound(err) {
			ps = append(ps, quiz.Problem{Field: fmt.Sprintf("entries.judges.%d", i), Message: fmt.Sprintf("%s không phải cán bộ đang hoạt động trong danh sách: hãy nhập giám khảo vào danh sách trước", quiz.MaskPhone(phone))})
			continue
		}
		if err != nil {
			return fmt.Errorf("find judge %s: %w", quiz.MaskPhone(phone), err)
		}
		judges = append(judges, id)
	}
	code := quiz.EINVALID
	if scores > 0 {
		var old []quiz.Criterion
		if err := tx.SelectContext(ctx, &old, `SELECT name, description, max_points FROM entry_criteria WHERE contest_id = $1 ORDER BY position`, contestID); err != nil {
			return fmt.Errorf("load rubric of contest %s: %w", c.Code, err)
		}
		if !slices.EqualFunc(old, e.Rubric, func(a, b quiz.Criterion) bool { return a.Name == b.Name && a.MaxPoints == b.MaxPoints }) {
			ps = append(ps, quiz.Problem{Field: "entries.rubric", Message: "không thể đổi tiêu chí hay điểm tối đa: giám khảo đã chấm bài (phần mô tả vẫn được sửa)"})
			code = quiz.ECONFLICT
		}
		var scored []int64
		if err := tx.SelectContext(ctx, &scored, `SELECT DISTINCT judge_id FROM entry_scores WHERE contest_id = $1 ORDER BY judge_id`, contestID); err != nil {
			return fmt.Errorf("load judges of contest %s: %w", c.Code, err)
		}
		for _, j := range scored {
			if !slices.Contains(judges, j) && len(ps) == 0 {
				ps = append(ps, quiz.Problem{Field: "entries.judges", Message: "không thể bỏ giám khảo đã chấm bài"})
				code = quiz.ECONFLICT
			}
		}
	}
	if len(ps) > 0 {
		return ps.Err(code, c.Code)
	}

	var video, essay []byte
	if e.Video != nil {
		video, _ = json.Marshal(e.Video)
	}
	if e.Essay != nil {
		essay, _ = json.Marshal(e.Essay)
	}
	prizes, _ := json.Marshal(e.Prizes)
	var judgingCloses *time.Time
	if !e.JudgingClosesAt.IsZero() {
		judgingCloses = &e.JudgingClosesAt
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO entry_rules (contest_id, opens_at, closes_at, judging_closes_at, submitter, min_per_unit, max_per_unit,
			video, essay, link, combine, blind, prizes, per_entry)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
		ON CONFLICT (contest_id) DO UPDATE SET opens_at = $2, closes_at = $3, judging_closes_at = $4, submitter = $5,
			min_per_unit = $6, max_per_unit = $7, video = $8, essay = $9, link = $10, combine = $11, blind = $12, prizes = $13,
			per_entry = $14`,
		contestID, e.OpensAt, e.ClosesAt, judgingCloses, string(e.Submitter), e.MinPerUnit, e.MaxPerUnit,
		nullJSON(video), nullJSON(essay), e.Link, string(e.Combine), e.Blind, prizes, e.PerEntry)
	if err != nil {
		return fmt.Errorf("save entries of contest %s: %w", c.Code, err)
	}
	if scores > 0 {
		// Same criteria: only the descriptions may have changed.
		for i, cr := range e.Rubric {
			if _, err := tx.ExecContext(ctx, `UPDATE entry_criteria SET description = $3 WHERE contest_id = $1 AND position = $2`, contestID, i, cr.Description); err != nil {
				return fmt.Errorf("save rubric of contest %s: %w", c.Code, err)
			}
		}
	} else {
		if _, err := tx.ExecContext(ctx, `DELETE FROM entry_criteria WHERE contest_id = $1`, contestID); err != nil {
			return fmt.Errorf("save rubric of contest %s: %w", c.Code, err)
		}
		for i, cr := range e.Rubric {
			if _, err := tx.ExecContext(ctx, `INSERT INTO entry_criteria (contest_id, position, name, description, max_points) VALUES ($1, $2, $3, $4, $5)`,
				contestID, i, cr.Name, cr.Description, cr.MaxPoints); err != nil {
				return fmt.Errorf("save rubric of contest %s: %w", c.Code, err)
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM entry_judges WHERE contest_id = $1 AND member_id <> ALL($2::bigint[])`, contestID, pq.Int64Array(judges)); err != nil {
		return fmt.Errorf("save judges of contest %s: %w", c.Code, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO entry_judges (contest_id, member_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`, contestID, pq.Int64Array(judges)); err != nil {
		return fmt.Errorf("save judges of contest %s: %w", c.Code, err)
	}
	return nil
}

func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

type entryRulesRow struct {
	ContestID       int64      `db:"contest_id"`
	OpensAt         time.Time  `db:"opens_at"`
	ClosesAt        time.Time  `db:"closes_at"`
	JudgingClosesAt *time.Time `db:"judging_closes_at"`
	JudgingClosedAt *time.Time `db:"judging_closed_at"`
	Submitter       string     `db:"submitter"`
	MinPerUnit      int        `db:"min_per_unit"`
	MaxPerUnit      int        `db:"max_per_unit"`
	Video           []byte     `db:"video"`
	Essay           []byte     `db:"essay"`
	Link            bool       `db:"link"`
	Combine         string     `db:"combine"`
	Blind           bool       `db:"blind"`
	Prizes          []byte     `db:"prizes"`
	PerEntry        int        `db:"per_entry"`
}

const entryRulesColumns = `contest_id, opens_at, closes_at, judging_closes_at, judging_closed_at, submitter, min_per_unit,
	max_per_unit, video, essay, link, combine, blind, prizes, per_entry`

// EntriesSetup implements quiz.EntryStore.
func (db *DB) EntriesSetup(ctx context.Context, contestID int64) (quiz.EntriesSetup, error) {
	var row entryRulesRow
	err := db.GetContext(ctx, &row, `SELECT `+entryRulesColumns+` FROM entry_rules WHERE contest_id = $1`, contestID)
	if notFound(err) {
		return quiz.EntriesSetup{}, quiz.Errorf(quiz.ENOTFOUND, "Cuộc thi này không có phần bài dự thi.")
	}
	if err != nil {
		return quiz.EntriesSetup{}, fmt.Errorf("entries of contest %d: %w", contestID, err)
	}
	return db.entriesSetup(ctx, row)
}

func (db *DB) entriesSetup(ctx context.Context, row entryRulesRow) (quiz.EntriesSetup, error) {
	c, err := db.ContestByID(ctx, row.ContestID)
	if err != nil {
		return quiz.EntriesSetup{}, err
	}
	loc := c.Location()
	cfg := quiz.EntriesConfig{
		OpensAt: row.OpensAt.In(loc), ClosesAt: row.ClosesAt.In(loc),
		Submitter: quiz.Submitter(row.Submitter), MinPerUnit: row.MinPerUnit, MaxPerUnit: row.MaxPerUnit,
		Link: row.Link, Combine: quiz.Combine(row.Combine), Blind: row.Blind, PerEntry: row.PerEntry,
	}
	if row.JudgingClosesAt != nil {
		cfg.JudgingClosesAt = row.JudgingClosesAt.In(loc)
	}
	if row.Video != nil {
		cfg.Video = &quiz.VideoRules{}
		if err := json.Unmarshal(row.Video, cfg.Video); err != nil {
			return quiz.EntriesSetup{}, fmt.Errorf("entries of contest %d: video: %w", row.ContestID, err)
		}
	}
	if row.Essay != nil {
		cfg.Essay = &quiz.EssayRules{}
		if err := json.Unmarshal(row.Essay, cfg.Essay); err != nil {
			return quiz.EntriesSetup{}, fmt.Errorf("entries of contest %d: essay: %w", row.ContestID, err)
		}
	}
	if err := json.Unmarshal(row.Prizes, &cfg.Prizes); err != nil {
		return quiz.EntriesSetup{}, fmt.Errorf("entries of contest %d: prizes: %w", row.ContestID, err)
	}
	if err := db.SelectContext(ctx, &cfg.Rubric, `SELECT name, description, max_points FROM entry_criteria WHERE contest_id = $1 ORDER BY position`, row.ContestID); err != nil {
		return quiz.EntriesSetup{}, fmt.Errorf("rubric of contest %d: %w", row.ContestID, err)
	}
	var judges []quiz.Member
	if err := db.SelectContext(ctx, &judges, `
		SELECT `+memberColumns+` FROM entry_judges j JOIN members m ON m.id = j.member_id JOIN units u ON u.id = m.unit_id
		WHERE j.contest_id = $1 ORDER BY m.full_name, m.id`, row.ContestID); err != nil {
		return quiz.EntriesSetup{}, fmt.Errorf("judges of contest %d: %w", row.ContestID, err)
	}
	for _, j := range judges {
		cfg.Judges = append(cfg.Judges, j.Phone)
	}
	s := quiz.EntriesSetup{Contest: c, Config: cfg, Judges: judges, JudgingClosedAt: row.JudgingClosedAt}
	if s.JudgingClosedAt != nil {
		t := s.JudgingClosedAt.In(loc)
		s.JudgingClosedAt = &t
	}
	return s, nil
}

// EntriesContest implements quiz.EntryStore: the contest whose entries are
// open at now, else the next to open, else the one that closed last.
func (db *DB) EntriesContest(ctx context.Context, now time.Time) (quiz.EntriesSetup, error) {
	var row entryRulesRow
	err := db.GetContext(ctx, &row, `SELECT `+entryRulesColumns+` FROM entry_rules
		ORDER BY (opens_at <= $1 AND closes_at > $1) DESC, (opens_at > $1) DESC,
			CASE WHEN opens_at > $1 THEN opens_at END ASC, closes_at DESC, contest_id DESC
		LIMIT 1`, now)
	if notFound(err) {
		return quiz.EntriesSetup{}, quiz.Errorf(quiz.ENOTFOUND, "Hiện không có cuộc thi nào nhận bài dự thi.")
	}
	if err != nil {
		return quiz.EntriesSetup{}, fmt.Errorf("entries contest: %w", err)
	}
	return db.entriesSetup(ctx, row)
}

const entryColumns = `e.id, e.contest_id, e.unit_id, u.code AS unit_code, u.name AS unit_name, e.submitted_by,
	(SELECT s.full_name FROM members s WHERE s.id = e.submitted_by) AS submitter_name, e.title,
	e.authors, e.kind, coalesce(e.file_hash, '') AS file_hash, coalesce(f.size, 0) AS file_size,
	coalesce(f.format, '') AS file_format, e.original_name, coalesce(f.duration_ms, 0) AS duration_ms,
	coalesce(f.words, 0) AS words, coalesce(e.url, '') AS url, e.submitted_at, e.updated_at`

const entryFrom = ` FROM entries e JOIN units u ON u.id = e.unit_id LEFT JOIN entry_files f ON f.hash = e.file_hash `

// UnitEntries implements quiz.EntryStore.
func (db *DB) UnitEntries(ctx context.Context, contestID, unitID int64) ([]quiz.Entry, error) {
	var es []quiz.Entry
	err := db.SelectContext(ctx, &es, `SELECT `+entryColumns+entryFrom+`WHERE e.contest_id = $1 AND e.unit_id = $2 ORDER BY e.id`, contestID, unitID)
	if err != nil {
		return nil, fmt.Errorf("entries of unit %d: %w", unitID, err)
	}
	return es, nil
}

// ContestEntries implements quiz.EntryStore: by unit code, then id.
func (db *DB) ContestEntries(ctx context.Context, contestID int64) ([]quiz.Entry, error) {
	var es []quiz.Entry
	err := db.SelectContext(ctx, &es, `SELECT `+entryColumns+entryFrom+`WHERE e.contest_id = $1 ORDER BY u.code, e.id`, contestID)
	if err != nil {
		return nil, fmt.Errorf("entries of contest %d: %w", contestID, err)
	}
	return es, nil
}

// EntryByID implements quiz.EntryStore.
func (db *DB) EntryByID(ctx context.Context, id int64) (quiz.Entry, error) {
	var e quiz.Entry
	err := db.GetContext(ctx, &e, `SELECT `+entryColumns+entryFrom+`WHERE e.id = $1`, id)
	if notFound(err) {
		return e, quiz.Errorf(quiz.ENOTFOUND, "Không tìm thấy bài dự thi.")
	}
	if err != nil {
		return e, fmt.Errorf("entry %d: %w", id, err)
	}
	return e, nil
}

// saveEntryFile records a stored file (once per hash).
func saveEntryFile(ctx context.Context, tx *sqlx.Tx, e *quiz.Entry) error {
	if e.FileHash == "" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO entry_files (hash, size, format, duration_ms, words) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (hash) DO NOTHING`, e.FileHash, e.FileSize, e.FileFormat,
		sql.NullInt64{Int64: e.DurationMS, Valid: e.DurationMS > 0}, sql.NullInt64{Int64: int64(e.Words), Valid: e.Words > 0})
	if err != nil {
		return fmt.Errorf("record file %s: %w", e.FileHash, err)
	}
	return nil
}

func nullString(s string) sql.NullString { return sql.NullString{String: s, Valid: s != ""} }

// lockUnitEntries serialises the submissions of one unit to one contest.
func lockUnitEntries(ctx context.Context, tx *sqlx.Tx, contestID, unitID int64) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('quizbot.entries:' || $1::text || ':' || $2::text))`, contestID, unitID)
	if err != nil {
		return fmt.Errorf("lock entries of unit %d: %w", unitID, err)
	}
	return nil
}

// InsertEntry implements quiz.EntryStore.
func (db *DB) InsertEntry(ctx context.Context, e *quiz.Entry, max int) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockUnitEntries(ctx, tx, e.ContestID, e.UnitID); err != nil {
			return err
		}
		var n int
		if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM entries WHERE contest_id = $1 AND unit_id = $2`, e.ContestID, e.UnitID); err != nil {
			return fmt.Errorf("count entries of unit %d: %w", e.UnitID, err)
		}
		if n >= max {
			return quiz.Errorf(quiz.ECONFLICT, "Đơn vị đã nộp đủ %d bài dự thi.", max)
		}
		if err := saveEntryFile(ctx, tx, e); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &e.ID, `
			INSERT INTO entries (contest_id, unit_id, submitted_by, title, authors, kind, file_hash, original_name, url, submitted_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
			e.ContestID, e.UnitID, e.SubmittedBy, e.Title, e.Authors, string(e.Kind), nullString(e.FileHash), e.OriginalName, nullString(e.URL), e.SubmittedAt)
		if err != nil {
			return fmt.Errorf("insert entry: %w", err)
		}
		return nil
	})
}

// ReplaceEntry implements quiz.EntryStore. The entry keeps its id and first
// submission time; its scores, if any were given, go with the old content.
func (db *DB) ReplaceEntry(ctx context.Context, e *quiz.Entry) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		if err := lockUnitEntries(ctx, tx, e.ContestID, e.UnitID); err != nil {
			return err
		}
		if err := saveEntryFile(ctx, tx, e); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &e.SubmittedAt, `
			UPDATE entries SET submitted_by = $4, title = $5, authors = $6, kind = $7, file_hash = $8, original_name = $9,
				url = $10, updated_at = $11
			WHERE id = $1 AND contest_id = $2 AND unit_id = $3 RETURNING submitted_at`,
			e.ID, e.ContestID, e.UnitID, e.SubmittedBy, e.Title, e.Authors, string(e.Kind), nullString(e.FileHash), e.OriginalName,
			nullString(e.URL), e.UpdatedAt)
		if notFound(err) {
			return quiz.Errorf(quiz.ENOTFOUND, "Không tìm thấy bài dự thi cần thay của đơn vị.")
		}
		if err != nil {
			return fmt.Errorf("replace entry %d: %w", e.ID, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM entry_scores WHERE entry_id = $1`, e.ID); err != nil {
			return fmt.Errorf("replace entry %d: %w", e.ID, err)
		}
		return nil
	})
}

// SaveScores implements quiz.EntryStore, in one transaction: the
// criterion's maximum comes from the rubric, and the table's CHECK refuses
// points above it whatever the caller checked.
func (db *DB) SaveScores(ctx context.Context, scores []quiz.Score) error {
	return db.InTx(ctx, func(tx *sqlx.Tx) error {
		for _, s := range scores {
			res, err := tx.ExecContext(ctx, `
				INSERT INTO entry_scores (entry_id, judge_id, contest_id, criterion, max_points, points, comment, updated_at)
				SELECT e.id, $2, e.contest_id, c.position, c.max_points, $4, $5, $6
				FROM entries e JOIN entry_criteria c ON c.contest_id = e.contest_id AND c.position = $3
				WHERE e.id = $1
				ON CONFLICT (entry_id, judge_id, criterion) DO UPDATE SET points = $4, comment = $5, updated_at = $6`,
				s.EntryID, s.JudgeID, s.Criterion, int64(s.Points), s.Comment, s.UpdatedAt)
			if err != nil {
				return fmt.Errorf("score entry %d: %w", s.EntryID, err)
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return quiz.Errorf(quiz.ENOTFOUND, "Không tìm thấy bài dự thi hoặc tiêu chí chấm.")
			}
		}
		return nil
	})
}

// Scores implements quiz.EntryStore.
func (db *DB) Scores(ctx context.Context, contestID int64) ([]quiz.Score, error) {
	var out []quiz.Score
	err := db.SelectContext(ctx, &out, `SELECT entry_id, judge_id, criterion, points, comment, updated_at
		FROM entry_scores WHERE contest_id = $1 ORDER BY entry_id, judge_id, criterion`, contestID)
	if err != nil {
		return nil, fmt.Errorf("scores of contest %d: %w", contestID, err)
	}
	return out, nil
}

// CloseJudging implements quiz.EntryStore.
func (db *DB) CloseJudging(ctx context.Context, contestID int64, at time.Time) error {
	res, err := db.ExecContext(ctx, `UPDATE entry_rules SET judging_closed_at = coalesce(judging_closed_at, $2) WHERE contest_id = $1`, contestID, at)
	if err != nil {
		return fmt.Errorf("close judging of contest %d: %w", contestID, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return quiz.Errorf(quiz.ENOTFOUND, "Cuộc thi này không có phần bài dự thi.")
	}
	return nil
}

// SaveEntryDraft stores the member's draft, replacing any other.
func (db *DB) SaveEntryDraft(ctx context.Context, d quiz.EntryDialogue) error {
	_, err := db.ExecContext(ctx, `
		INSERT INTO entry_drafts (member_id, contest_id, replace_id, step, title, authors, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (member_id) DO UPDATE SET contest_id = $2, replace_id = $3, step = $4, title = $5, authors = $6, expires_at = $7`,
		d.MemberID, d.ContestID, sql.NullInt64{Int64: d.ReplaceID, Valid: d.ReplaceID != 0}, d.Step, d.Title, d.Authors, d.ExpiresAt)
	if err != nil {
		return fmt.Errorf("save entry draft of member %d: %w", d.MemberID, err)
	}
	return nil
}

// EntryDraftOf returns the member's draft still valid at now.
func (db *DB) EntryDraftOf(ctx context.Context, memberID int64, now time.Time) (quiz.EntryDialogue, bool, error) {
	var d quiz.EntryDialogue
	err := db.GetContext(ctx, &d, `SELECT member_id, contest_id, coalesce(replace_id, 0) AS replace_id, step, title, authors, expires_at
		FROM entry_drafts WHERE member_id = $1 AND expires_at > $2`, memberID, now)
	if notFound(err) {
		return d, false, nil
	}
	if err != nil {
		return d, false, fmt.Errorf("entry draft of member %d: %w", memberID, err)
	}
	return d, true, nil
}

// DeleteEntryDraft ends the member's dialogue.
func (db *DB) DeleteEntryDraft(ctx context.Context, memberID int64) error {
	if _, err := db.ExecContext(ctx, `DELETE FROM entry_drafts WHERE member_id = $1`, memberID); err != nil {
		return fmt.Errorf("delete entry draft of member %d: %w", memberID, err)
	}
	return nil
}

// ClaimFrozenEntries claims up to limit entries whose contest's entries
// closed by now and whose frozen receipt is not sent yet, marking them
// sent at now: each is claimed once, by one replica (a receipt lost in a
// failed send is not sent again; the submitter had one on submission).
func (db *DB) ClaimFrozenEntries(ctx context.Context, now time.Time, limit int) ([]quiz.Entry, error) {
	var ids []int64
	err := db.SelectContext(ctx, &ids, `
		UPDATE entries SET frozen_receipt_at = $1
		WHERE id IN (SELECT e.id FROM entries e JOIN entry_rules r ON r.contest_id = e.contest_id
			WHERE r.closes_at <= $1 AND e.frozen_receipt_at IS NULL ORDER BY e.id LIMIT $2 FOR UPDATE OF e SKIP LOCKED)
		RETURNING id`, now, limit)
	if err != nil {
		return nil, fmt.Errorf("claim frozen entries: %w", err)
	}
	var es []quiz.Entry
	if len(ids) == 0 {
		return es, nil
	}
	err = db.SelectContext(ctx, &es, `SELECT `+entryColumns+entryFrom+`WHERE e.id = ANY($1) ORDER BY e.id`, pq.Int64Array(ids))
	if err != nil {
		return nil, fmt.Errorf("claim frozen entries: %w", err)
	}
	return es, nil
}

// UnitHeads lists the active heads of a unit, for receipts.
func (db *DB) UnitHeads(ctx context.Context, unitID int64) ([]quiz.Member, error) {
	var ms []quiz.Member
	err := db.SelectContext(ctx, &ms, `SELECT `+memberColumns+` FROM members m JOIN units u ON u.id = m.unit_id
		WHERE m.unit_id = $1 AND m.role = 'head' AND m.active ORDER BY m.id`, unitID)
	if err != nil {
		return nil, fmt.Errorf("heads of unit %d: %w", unitID, err)
	}
	return ms, nil
}
