package quiz

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// EntriesSetup is a contest's entries section as stored: the rules, the
// judges found on the roster, and whether the organizer closed the judging.
type EntriesSetup struct {
	Contest         Contest
	Config          EntriesConfig
	Judges          []Member
	JudgingClosedAt *time.Time
}

// JudgingClosed reports whether scores are frozen at t: the organizer
// closed the judging, or the file's judging_closes passed.
func (s EntriesSetup) JudgingClosed(t time.Time) bool {
	if s.JudgingClosedAt != nil && !t.Before(*s.JudgingClosedAt) {
		return true
	}
	return !s.Config.JudgingClosesAt.IsZero() && !t.Before(s.Config.JudgingClosesAt)
}

// IsJudge reports whether member id judges the contest's entries.
func (s EntriesSetup) IsJudge(id int64) bool {
	return slices.ContainsFunc(s.Judges, func(m Member) bool { return m.ID == id })
}

// Score is one judge's points for one criterion of one entry.
type Score struct {
	EntryID   int64     `db:"entry_id"`
	JudgeID   int64     `db:"judge_id"`
	Criterion int       `db:"criterion"` // index into the rubric
	Points    Points    `db:"points"`
	Comment   string    `db:"comment"`
	UpdatedAt time.Time `db:"updated_at"`
}

// EntryStore is the durable state of the entries part; storage.DB
// implements it.
type EntryStore interface {
	// EntriesContest returns the contest whose entries are open at now,
	// else the next to open, else the one that closed last; ENOTFOUND
	// when no contest has an entries section.
	EntriesContest(ctx context.Context, now time.Time) (EntriesSetup, error)
	// EntriesSetup returns the contest's entries section; ENOTFOUND when
	// it has none.
	EntriesSetup(ctx context.Context, contestID int64) (EntriesSetup, error)
	UnitEntries(ctx context.Context, contestID, unitID int64) ([]Entry, error)
	ContestEntries(ctx context.Context, contestID int64) ([]Entry, error)
	EntryByID(ctx context.Context, id int64) (Entry, error)
	// InsertEntry stores a new entry unless its unit already has max
	// entries in the contest (ECONFLICT), counted under a lock so that two
	// submissions at once cannot both pass.
	InsertEntry(ctx context.Context, e *Entry, max int) error
	// ReplaceEntry replaces entry e.ID's title, authors, kind and file or
	// link, if it belongs to e.UnitID in e.ContestID (ENOTFOUND otherwise).
	ReplaceEntry(ctx context.Context, e *Entry) error
	// SaveScores stores a judge's points (replacing earlier ones).
	SaveScores(ctx context.Context, scores []Score) error
	// Scores lists every score given in the contest.
	Scores(ctx context.Context, contestID int64) ([]Score, error)
	// CloseJudging records that the organizer closed the judging at at
	// (once: a second close keeps the first time).
	CloseJudging(ctx context.Context, contestID int64, at time.Time) error
}

// Entries runs the entries part: submissions, scores and the ranking.
type Entries struct {
	store EntryStore
	clock Clock
}

// NewEntries returns the entries part over store.
func NewEntries(store EntryStore, clock Clock) *Entries {
	return &Entries{store: store, clock: clock}
}

// Now is the service's clock reading.
func (s *Entries) Now() time.Time { return s.clock.Now() }

// Setup returns the contest's entries section.
func (s *Entries) Setup(ctx context.Context, contestID int64) (EntriesSetup, error) {
	return s.store.EntriesSetup(ctx, contestID)
}

// Desk is what a member sees when about to submit: the contest, its rules
// and the unit's entries so far.
type Desk struct {
	Setup   EntriesSetup
	Entries []Entry // the unit's, oldest first
}

// Full reports whether the unit has sent as many entries as it may.
func (d Desk) Full() bool { return len(d.Entries) >= d.Setup.Config.MaxPerUnit }

// Desk checks that m may submit for their unit now and returns what they
// need to: EINVALID before the opening or after the close (entries are
// then frozen), EFORBIDDEN for a member when only heads submit.
func (s *Entries) Desk(ctx context.Context, m Member) (Desk, error) {
	setup, err := s.store.EntriesContest(ctx, s.Now())
	if ErrorCode(err) == ENOTFOUND {
		return Desk{}, Errorf(ENOTFOUND, "Hiện không có cuộc thi nào nhận bài dự thi.")
	}
	if err != nil {
		return Desk{}, fmt.Errorf("entries contest: %w", err)
	}
	if err := s.mayPost(setup, m); err != nil {
		return Desk{}, err
	}
	es, err := s.store.UnitEntries(ctx, setup.Contest.ID, m.UnitID)
	if err != nil {
		return Desk{}, fmt.Errorf("unit %d entries: %w", m.UnitID, err)
	}
	return Desk{Setup: setup, Entries: es}, nil
}

// mayPost checks the window and who submits.
func (s *Entries) mayPost(setup EntriesSetup, m Member) error {
	now, cfg := s.Now(), setup.Config
	loc := setup.Contest.Location()
	if !m.Active {
		return Errorf(EFORBIDDEN, "Anh/chị không còn trong danh sách dự thi nên không nộp được bài.")
	}
	if cfg.Submitter == SubmitterHead && m.Role != RoleHead {
		return Errorf(EFORBIDDEN, "Bài dự thi của đơn vị do thủ trưởng đơn vị nộp. Anh/chị vui lòng gửi bài cho thủ trưởng đơn vị mình.")
	}
	if now.Before(cfg.OpensAt) {
		return Errorf(EINVALID, "Chưa đến thời gian nhận bài dự thi: bắt đầu nhận từ %s.", cfg.OpensAt.In(loc).Format(TimeLayout))
	}
	if !now.Before(cfg.ClosesAt) {
		return Errorf(EINVALID, "Đã hết hạn nộp bài dự thi (%s). Bài đã nộp được giữ nguyên, không thể nộp thêm hay thay thế.", cfg.ClosesAt.In(loc).Format(TimeLayout))
	}
	return nil
}

// Submit stores d as a new entry of m's unit, or, when replace is an entry
// of the unit, in its place. Everything is checked again at the time of
// the submission: the window (a dialogue begun before the close cannot
// finish after it), who submits, the kind and the unit's count.
func (s *Entries) Submit(ctx context.Context, m Member, contestID, replace int64, d EntryDraft) (Entry, error) {
	e, _, err := s.SubmitForReceipt(ctx, m, contestID, replace, d)
	return e, err
}

// SubmitForReceipt is Submit that also returns, when the entry is in, the
// setup it was checked against, which the receipt needs: it is not read
// again.
func (s *Entries) SubmitForReceipt(ctx context.Context, m Member, contestID, replace int64, d EntryDraft) (Entry, EntriesSetup, error) {
	setup, err := s.store.EntriesSetup(ctx, contestID)
	if err != nil {
		return Entry{}, EntriesSetup{}, fmt.Errorf("entries of contest %d: %w", contestID, err)
	}
	if err := s.mayPost(setup, m); err != nil {
		return Entry{}, EntriesSetup{}, err
	}
	title, err := CheckTitle(d.Title)
	if err != nil {
		return Entry{}, EntriesSetup{}, err
	}
	authors, err := CheckAuthors(d.Authors)
	if err != nil {
		return Entry{}, EntriesSetup{}, err
	}
	kind, err := setup.Config.checkDraft(d)
	if err != nil {
		return Entry{}, EntriesSetup{}, err
	}
	e := Entry{ID: replace, ContestID: contestID, UnitID: m.UnitID, UnitCode: m.UnitCode, UnitName: m.UnitName,
		SubmittedBy: m.ID, Title: title, Authors: authors, Kind: kind, URL: d.URL, SubmittedAt: s.Now(), UpdatedAt: s.Now()}
	if f := d.File; f != nil {
		e.FileHash, e.FileSize, e.FileFormat, e.OriginalName = f.Hash, f.Size, f.Format, f.Name
		e.DurationMS, e.Words = f.Duration.Milliseconds(), f.Words
	}
	if replace != 0 {
		if err := s.store.ReplaceEntry(ctx, &e); err != nil {
			return Entry{}, EntriesSetup{}, fmt.Errorf("replace entry %d: %w", replace, err)
		}
		return e, setup, nil
	}
	if err := s.store.InsertEntry(ctx, &e, setup.Config.MaxPerUnit); err != nil {
		if ErrorCode(err) == ECONFLICT {
			return Entry{}, EntriesSetup{}, Errorf(ECONFLICT, "Đơn vị đã nộp đủ %d bài dự thi. Anh/chị có thể thay thế một bài đã nộp bằng lệnh /nopbai.", setup.Config.MaxPerUnit)
		}
		return Entry{}, EntriesSetup{}, fmt.Errorf("insert entry: %w", err)
	}
	return e, setup, nil
}

// Assignment maps the contest's entries to the ids of the judges who
// score them (AssignJudges over the contest's judges).
func (s EntriesSetup) Assignment(es []Entry) map[int64][]int64 {
	judges := make([]int64, len(s.Judges))
	for i, j := range s.Judges {
		judges[i] = j.ID
	}
	ids := make([]int64, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return AssignJudges(s.Config.PerEntry, judges, ids)
}

// errNotAssigned refuses a judge an entry given to other judges.
var errNotAssigned = Errorf(EFORBIDDEN, "Bài dự thi này không được giao cho anh/chị chấm.")

// JudgeEntry is an entry as a judge sees it: the unit, submitter and
// authors hidden under blind judging, and only the judge's own scores.
type JudgeEntry struct {
	Entry  Entry
	Scores map[int]Score // by criterion, this judge's
}

// judgeSetup checks that judge judges contestID.
func (s *Entries) judgeSetup(ctx context.Context, judge Member, contestID int64) (EntriesSetup, error) {
	setup, err := s.store.EntriesSetup(ctx, contestID)
	if ErrorCode(err) == ENOTFOUND {
		return setup, Errorf(EFORBIDDEN, "Anh/chị không phải giám khảo của cuộc thi này.")
	}
	if err != nil {
		return setup, fmt.Errorf("entries of contest %d: %w", contestID, err)
	}
	if !setup.IsJudge(judge.ID) || !judge.Active {
		return setup, Errorf(EFORBIDDEN, "Anh/chị không phải giám khảo của cuộc thi này.")
	}
	return setup, nil
}

// JudgeEntries lists the contest's entries assigned to judge, who must be
// one of its judges (EFORBIDDEN otherwise).
func (s *Entries) JudgeEntries(ctx context.Context, judge Member, contestID int64) ([]JudgeEntry, error) {
	setup, err := s.judgeSetup(ctx, judge, contestID)
	if err != nil {
		return nil, err
	}
	es, err := s.store.ContestEntries(ctx, contestID)
	if err != nil {
		return nil, fmt.Errorf("entries of contest %d: %w", contestID, err)
	}
	scores, err := s.store.Scores(ctx, contestID)
	if err != nil {
		return nil, fmt.Errorf("scores of contest %d: %w", contestID, err)
	}
	assigned := setup.Assignment(es)
	var out []JudgeEntry
	for _, e := range es {
		if !slices.Contains(assigned[e.ID], judge.ID) {
			continue
		}
		if setup.Config.Blind {
			e = blinded(e)
		}
		je := JudgeEntry{Entry: e, Scores: map[int]Score{}}
		for _, sc := range scores {
			if sc.EntryID == e.ID && sc.JudgeID == judge.ID {
				je.Scores[sc.Criterion] = sc
			}
		}
		out = append(out, je)
	}
	return out, nil
}

// blinded is e without what tells its unit.
func blinded(e Entry) Entry {
	e.UnitID, e.UnitCode, e.UnitName, e.SubmittedBy, e.SubmitterName, e.Authors, e.OriginalName = 0, "", "", 0, "", "", ""
	return e
}

// Criterion points for ScoreEntry, by criterion index.
type CriterionPoints struct {
	Criterion int
	Points    Points
	Comment   string
}

// ScoreEntry saves judge's points for an entry (some criteria or all; a
// later call changes them). The judge must judge the entry's contest, the
// entries must be closed (frozen: a judge scores what will not change) and
// the judging open; every criterion's points lie within 0 and its maximum,
// and nothing is saved when one does not.
func (s *Entries) ScoreEntry(ctx context.Context, judge Member, entryID int64, points []CriterionPoints) error {
	e, err := s.store.EntryByID(ctx, entryID)
	if ErrorCode(err) == ENOTFOUND {
		return Errorf(ENOTFOUND, "Không tìm thấy bài dự thi này.")
	}
	if err != nil {
		return fmt.Errorf("entry %d: %w", entryID, err)
	}
	setup, err := s.judgeSetup(ctx, judge, e.ContestID)
	if err != nil {
		return err
	}
	if setup.Config.PerEntry > 0 {
		es, err := s.store.ContestEntries(ctx, e.ContestID)
		if err != nil {
			return fmt.Errorf("entries of contest %d: %w", e.ContestID, err)
		}
		if !slices.Contains(setup.Assignment(es)[entryID], judge.ID) {
			return errNotAssigned
		}
	}
	now := s.Now()
	if now.Before(setup.Config.ClosesAt) {
		return Errorf(EINVALID, "Chưa chấm được: các đơn vị còn được nộp và thay bài đến %s.", setup.Config.ClosesAt.In(setup.Contest.Location()).Format(TimeLayout))
	}
	if setup.JudgingClosed(now) {
		return Errorf(EINVALID, "Việc chấm điểm đã kết thúc; điểm không thay đổi được nữa.")
	}
	rubric := setup.Config.Rubric
	var scores []Score
	for _, p := range points {
		if p.Criterion < 0 || p.Criterion >= len(rubric) {
			return Errorf(EINVALID, "Tiêu chí số %d không có trong phiếu chấm.", p.Criterion+1)
		}
		if err := CheckScore(rubric[p.Criterion], p.Points); err != nil {
			return err
		}
		scores = append(scores, Score{EntryID: entryID, JudgeID: judge.ID, Criterion: p.Criterion, Points: p.Points, Comment: p.Comment, UpdatedAt: now})
	}
	if len(scores) == 0 {
		return nil
	}
	if err := s.store.SaveScores(ctx, scores); err != nil {
		return fmt.Errorf("save scores of entry %d: %w", entryID, err)
	}
	return nil
}

// CloseJudging freezes the scores of the contest; only an organizer may.
func (s *Entries) CloseJudging(ctx context.Context, organizer Member, contestID int64) error {
	if organizer.Role != RoleOrganizer || !organizer.Active {
		return Errorf(EFORBIDDEN, "Chỉ Ban Tổ chức được kết thúc việc chấm điểm.")
	}
	return s.store.CloseJudging(ctx, contestID, s.Now())
}

// EntryResult is one entry in the results: every judge's total (nil where
// the judge has not scored every criterion), the combined score, the rank
// and the prize.
type EntryResult struct {
	Entry  Entry
	Judges []*Points // in the order of EntryResults.Judges
	// Assigned says, in the same order, which judges the entry is given
	// to (all of them without assign: per_entry).
	Assigned []bool
	ScoredEntry
}

// EntryResults is the contest's entries ranked.
type EntryResults struct {
	Setup   EntriesSetup
	Judges  []Member
	Entries []EntryResult // in rank order, unranked last
	// Final: the judging is closed, so ranks and prizes stand.
	Final bool
}

// Results ranks the contest's entries from the scores given so far.
func (s *Entries) Results(ctx context.Context, contestID int64) (EntryResults, error) {
	setup, err := s.store.EntriesSetup(ctx, contestID)
	if err != nil {
		return EntryResults{}, fmt.Errorf("entries of contest %d: %w", contestID, err)
	}
	es, err := s.store.ContestEntries(ctx, contestID)
	if err != nil {
		return EntryResults{}, fmt.Errorf("entries of contest %d: %w", contestID, err)
	}
	scores, err := s.store.Scores(ctx, contestID)
	if err != nil {
		return EntryResults{}, fmt.Errorf("scores of contest %d: %w", contestID, err)
	}
	return rankResults(setup, es, scores, s.Now()), nil
}

// rankResults adds up each judge's points per entry (a judge counts for an
// entry once every criterion is scored) and ranks the entries.
func rankResults(setup EntriesSetup, es []Entry, scores []Score, now time.Time) EntryResults {
	n := len(setup.Config.Rubric)
	type key struct{ entry, judge int64 }
	sum, count := map[key]Points{}, map[key]int{}
	for _, sc := range scores {
		if sc.Criterion < n {
			k := key{sc.EntryID, sc.JudgeID}
			sum[k] += sc.Points
			count[k]++
		}
	}
	byID := map[int64]EntryResult{}
	var scored []ScoredEntry
	assigned := setup.Assignment(es)
	for _, e := range es {
		r := EntryResult{Entry: e, Judges: make([]*Points, len(setup.Judges)), Assigned: make([]bool, len(setup.Judges))}
		se := ScoredEntry{EntryID: e.ID}
		for i, j := range setup.Judges {
			r.Assigned[i] = slices.Contains(assigned[e.ID], j.ID)
			// Every judge who scored counts, assigned or not (a judge
			// may have scored before the assignment changed).
			k := key{e.ID, j.ID}
			if count[k] == n {
				t := sum[k]
				r.Judges[i] = &t
				se.Totals = append(se.Totals, t)
			}
		}
		byID[e.ID] = r
		scored = append(scored, se)
	}
	res := EntryResults{Setup: setup, Judges: setup.Judges, Final: setup.JudgingClosed(now)}
	for _, se := range RankEntries(setup.Config.Combine, setup.Config.Prizes, scored) {
		r := byID[se.EntryID]
		r.ScoredEntry = se
		res.Entries = append(res.Entries, r)
	}
	return res
}
