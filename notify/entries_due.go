package notify

import (
	"context"
	"fmt"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
)

// EntriesDue is what the cards say of the entries part (issue 13) while
// units may still submit: which units have fewer entries than the contest
// asks (at least one).
type EntriesDue struct {
	ClosesAt time.Time
	Min      int
	Counts   map[string]int      // entries by unit code
	Missing  []report.UnitResult // units with staff under Min, by code
}

// EntryCounts are the reads of the entries' line; storage.DB implements
// them. A store without them gives cards without the line.
type EntryCounts interface {
	EntriesSetup(ctx context.Context, contestID int64) (quiz.EntriesSetup, error)
	UnitEntryCounts(ctx context.Context, contestID int64) (map[string]int, error)
}

// loadEntriesDue sets s.Entries when the contest's entries are open at
// s.At (not before they open, not after they close: then nothing is due).
func loadEntriesDue(ctx context.Context, db any, s *Summary) error {
	ec, ok := db.(EntryCounts)
	if !ok {
		return nil
	}
	setup, err := ec.EntriesSetup(ctx, s.Contest.ID)
	if quiz.ErrorCode(err) == quiz.ENOTFOUND {
		return nil
	}
	if err != nil {
		return fmt.Errorf("entries due: %w", err)
	}
	if !setup.Config.Open(s.At) {
		return nil
	}
	counts, err := ec.UnitEntryCounts(ctx, s.Contest.ID)
	if err != nil {
		return fmt.Errorf("entries due: %w", err)
	}
	d := &EntriesDue{ClosesAt: setup.Config.ClosesAt, Min: max(setup.Config.MinPerUnit, 1), Counts: counts}
	for _, u := range s.Units {
		if u.Staff > 0 && counts[u.Code] < d.Min {
			d.Missing = append(d.Missing, u)
		}
	}
	s.Entries = d
	return nil
}

// headEntriesLine is the head's card's line on their unit's entries.
func (s *Summary) headEntriesLine(code string) string {
	d := s.Entries
	if d == nil {
		return ""
	}
	loc := s.Contest.Location()
	n := d.Counts[code]
	if n < d.Min {
		if n == 0 {
			return fmt.Sprintf("• Bài dự thi: ⚠️ đơn vị chưa nộp (cần ít nhất %d bài, hạn %s); gửi /nopbai cho bot để nộp\n", d.Min, outbound.When(d.ClosesAt, loc))
		}
		return fmt.Sprintf("• Bài dự thi: ⚠️ đơn vị mới nộp %d/%d bài (hạn %s); gửi /nopbai cho bot để nộp\n", n, d.Min, outbound.When(d.ClosesAt, loc))
	}
	return fmt.Sprintf("• Bài dự thi: đã nộp %d bài (được thay đến %s)\n", n, outbound.When(d.ClosesAt, loc))
}

// organizerEntriesLines are the organizers' card's lines on the units that
// have not submitted.
func (s *Summary) organizerEntriesLines() []string {
	d := s.Entries
	if d == nil {
		return nil
	}
	when := outbound.When(d.ClosesAt, s.Contest.Location())
	if len(d.Missing) == 0 {
		return []string{fmt.Sprintf("\n📝 Tất cả đơn vị đã nộp bài dự thi (hạn %s).", when)}
	}
	with := 0
	for _, u := range s.Units {
		if u.Staff > 0 {
			with++
		}
	}
	lines := []string{fmt.Sprintf("\n📝 Đơn vị chưa nộp đủ bài dự thi (%d/%d đơn vị, hạn %s):", len(d.Missing), with, when)}
	for _, u := range d.Missing {
		lines = append(lines, fmt.Sprintf("• %s (%d/%d bài)", u.Name, d.Counts[u.Code], d.Min))
	}
	return lines
}
