package notify

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
)

// Summary is a closed round's figures, computed once per summary job so
// that every card and workbook of the job shows the same snapshot. The
// rules (counted attempts, unit figures, absentees' reasons) are report's,
// over the same queries as the organizers' reports.
type Summary struct {
	Contest quiz.Contest
	Round   quiz.Round
	Prev    *quiz.Round // the round before, if any
	At      time.Time   // when the figures were taken

	Units       []report.UnitResult // by code
	PrevUnits   map[string]report.UnitResult
	Ranks       map[string]int // participation rank among units with staff, 1 = best
	Ranked      int            // how many units are ranked
	Absent      map[string][]report.Absent
	Unreachable map[int64]bool
	// WindowClosed are the members the round's reminders could not reach
	// because they had not written to the bot within their platform's
	// reply window (Zalo): their head must reach them.
	WindowClosed map[int64]bool
	// UnreachedHeads are the heads ("name – unit") whose card cannot
	// reach them on Zalo: the organizers' card names them.
	UnreachedHeads []string
	// BrokenChannels are the platforms quizbot cannot send on at all (the
	// Zalo OA's tokens refused), for the organizers' card.
	BrokenChannels []quiz.Platform
	// Entries, while units may submit entries, says which have not
	// (entries_due.go); nil otherwise.
	Entries *EntriesDue
	// Under lists each unit's units, every level down (a district's
	// communes), by code: the head's workbook covers them, and the card
	// sums them up.
	Under map[string][]string
}

// SummaryReads are the reads a summary's figures come from, the same as
// the organizers' reports use; storage.DB implements them.
type SummaryReads interface {
	// The rosters, UnitRoundFigures and AbsentMembers follow report's rules
	// at now, the reads of the workbooks the cards attach (the job shares
	// them); the units' figures are PostgreSQL's aggregates (a row per unit
	// and round), so that a summary never reads the attempts. The cards show
	// no individual ranking: the units' ranks come from their figures
	// (Summary.rank).
	UnitRosters(ctx context.Context) ([]report.UnitRoster, error)
	UnitRoundFigures(ctx context.Context, roundIDs []int64, now time.Time) ([]report.UnitRoundFigure, error)
	AbsentMembers(ctx context.Context, roundID int64, now time.Time) ([]report.Absent, error)
	// UnreachableMembers are the active members no account of whom can be
	// messaged.
	UnreachableMembers(ctx context.Context) ([]int64, error)
	// WindowClosedMembers are the members whose latest chasing notification
	// of the round could not reach them: they had not written to the bot
	// within their platform's reply window (Zalo: 7 days).
	WindowClosedMembers(ctx context.Context, roundID int64) ([]int64, error)
	// Units is the unit tree.
	Units(ctx context.Context) ([]quiz.Unit, error)
}

// LoadSummary computes round r's figures at now.
func LoadSummary(ctx context.Context, db SummaryReads, c quiz.Contest, r quiz.Round, now time.Time) (*Summary, error) {
	s := &Summary{Contest: c, Round: r, At: now, PrevUnits: map[string]report.UnitResult{},
		Ranks: map[string]int{}, Absent: map[string][]report.Absent{}, Unreachable: map[int64]bool{}, WindowClosed: map[int64]bool{}}
	rosters, err := db.UnitRosters(ctx)
	if err != nil {
		return nil, err
	}
	// The weeks of the round's workbook, read once for both (the previous
	// round is among them once it has opened).
	weeks := report.Weeks(c, r, now)
	prev, hasPrev := c.RoundByNumber(r.Number - 1)
	if hasPrev && !slices.ContainsFunc(weeks, func(w quiz.Round) bool { return w.ID == prev.ID }) {
		weeks = append(weeks, prev)
	}
	figs, err := db.UnitRoundFigures(ctx, quiz.RoundIDs(weeks), now)
	if err != nil {
		return nil, err
	}
	s.Units = report.UnitResults(rosters, figs, r.ID)
	if hasPrev {
		s.Prev = &prev
		for _, u := range report.UnitResults(rosters, figs, prev.ID) {
			s.PrevUnits[u.Code] = u
		}
	}
	absent, err := db.AbsentMembers(ctx, r.ID, now)
	if err != nil {
		return nil, err
	}
	for _, a := range absent {
		s.Absent[a.UnitCode] = append(s.Absent[a.UnitCode], a)
	}
	ids, err := db.UnreachableMembers(ctx)
	if err != nil {
		return nil, err
	}
	for _, id := range ids {
		s.Unreachable[id] = true
	}
	if ids, err = db.WindowClosedMembers(ctx, r.ID); err != nil {
		return nil, err
	}
	for _, id := range ids {
		s.WindowClosed[id] = true
	}
	units, err := db.Units(ctx)
	if err != nil {
		return nil, err
	}
	s.Under = report.Descendants(units)
	s.rank()
	return s, nil
}

// rank orders the units with staff by participation rate, then average
// correct answers; equal units share a rank (1, 2, 2, 4).
func (s *Summary) rank() {
	var us []report.UnitResult
	for _, u := range s.Units {
		if u.Staff > 0 {
			us = append(us, u)
		}
	}
	slices.SortStableFunc(us, compareUnits)
	for i, u := range us {
		if i > 0 && compareUnits(us[i-1], u) == 0 {
			s.Ranks[u.Code] = s.Ranks[us[i-1].Code]
		} else {
			s.Ranks[u.Code] = i + 1
		}
	}
	s.Ranked = len(us)
}

// compareUnits puts the better unit first: higher participation, then
// higher average, compared exactly (cross-multiplied, no rounding).
func compareUnits(a, b report.UnitResult) int {
	if c := cmp.Compare(int64(b.Participated)*int64(a.Staff), int64(a.Participated)*int64(b.Staff)); c != 0 {
		return c
	}
	return cmp.Compare(int64(b.CorrectSum)*int64(max(a.Participated, 1)), int64(a.CorrectSum)*int64(max(b.Participated, 1)))
}

// Unit returns a unit's figures.
func (s *Summary) Unit(code string) (report.UnitResult, bool) {
	for _, u := range s.Units {
		if u.Code == code {
			return u, true
		}
	}
	return report.UnitResult{}, false
}

// reportDeadline is when units must report to the Department of Home
// Affairs: 10:00 on the Monday after the round closes.
func reportDeadline(closes time.Time, loc *time.Location) time.Time {
	t := closes.In(loc)
	days := (int(time.Monday) - int(t.Weekday()) + 7) % 7
	if days == 0 {
		days = 7
	}
	d := t.AddDate(0, 0, days)
	return time.Date(d.Year(), d.Month(), d.Day(), 10, 0, 0, 0, loc)
}

// webOnlyNote follows an activation figure when some staff have only tried
// the local web chat: they are not activated, yet they may have taken part.
func webOnlyNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf(" (không tính %s người chỉ dùng thử trên trang web cục bộ)", groupDigits(n))
}

func pctOf(u report.UnitResult) string {
	if d, ok := u.ParticipationPct(); ok {
		return d.Comma() + "%"
	}
	return "–"
}

func avgOf(u report.UnitResult) string {
	if d, ok := u.AvgCorrect(); ok {
		return d.Comma()
	}
	return "–"
}

// change describes the participation rate's change from the previous round
// in percentage points.
func change(cur report.UnitResult, prev report.UnitResult, hasPrev bool, prevNumber int) string {
	c, ok1 := cur.ParticipationPct()
	p, ok2 := prev.ParticipationPct()
	if !hasPrev || !ok1 || !ok2 {
		return ""
	}
	d := report.Decimal{Scaled: c.Scaled - p.Scaled, Places: c.Places}
	switch {
	case d.Scaled > 0:
		return fmt.Sprintf(" (▲ tăng %s điểm %% so với đợt %d)", d.Comma(), prevNumber)
	case d.Scaled < 0:
		d.Scaled = -d.Scaled
		return fmt.Sprintf(" (▼ giảm %s điểm %% so với đợt %d)", d.Comma(), prevNumber)
	}
	return fmt.Sprintf(" (không đổi so với đợt %d)", prevNumber)
}

// absentLine is one person of the absent list: name, position, reason.
func (s *Summary) absentLine(i int, a report.Absent) string {
	reason := a.Reason()
	if reason == "" {
		reason = "chưa có lý do"
	}
	if s.Unreachable[a.MemberID] {
		reason += "; đã chặn tin nhắn của bot, không nhận được nhắc nhở"
	}
	return fmt.Sprintf("%d. %s: %s", i+1, nameAndPosition(a), reason)
}

// nameAndPosition is how an absentee is named on a card: "name – position".
func nameAndPosition(a report.Absent) string {
	if a.Position == "" {
		return a.FullName
	}
	return a.FullName + " – " + a.Position
}

// windowClosedLines name the absentees no reminder reached because they had
// not written to the bot on Zalo for 7 days, in the absent list's order:
// the head must call them or see them.
func (s *Summary) windowClosedLines(absent []report.Absent) []string {
	var out []string
	for _, a := range absent {
		if !s.WindowClosed[a.MemberID] {
			continue
		}
		out = append(out, "• "+nameAndPosition(a))
	}
	if len(out) == 0 {
		return nil
	}
	head := fmt.Sprintf("\n📵 Không liên lạc được qua Zalo (%d người): quá 7 ngày không nhắn tin cho OA nên không nhận được nhắc nhở. Anh/chị vui lòng gọi điện hoặc gặp trực tiếp:", len(out))
	return append([]string{head}, out...)
}

// HeadCard is the card of a unit for its head, split into messages under
// outbound.MaxText.
func (s *Summary) HeadCard(code string) []string {
	u, _ := s.Unit(code)
	loc := s.Contest.Location()
	var h strings.Builder
	fmt.Fprintf(&h, "📊 KẾT QUẢ ĐỢT %d – %s\n", s.Round.Number, u.Name)
	fmt.Fprintf(&h, "Cuộc thi \"%s\", từ %s đến %s\n\n", s.Contest.Name, day(s.Round.OpensAt, loc), day(s.Round.ClosesAt, loc))
	fmt.Fprintf(&h, "• Cán bộ trong danh sách: %s\n", groupDigits(u.Staff))
	fmt.Fprintf(&h, "• Đã kích hoạt tài khoản: %s%s\n", groupDigits(u.Verified), webOnlyNote(u.WebOnly))
	prevNumber := 0
	if s.Prev != nil {
		prevNumber = s.Prev.Number
	}
	prev, hasPrev := s.PrevUnits[code]
	fmt.Fprintf(&h, "• Đã dự thi: %s/%s (%s)%s\n", groupDigits(u.Participated), groupDigits(u.Staff), pctOf(u),
		change(u, prev, hasPrev && s.Prev != nil, prevNumber))
	fmt.Fprintf(&h, "• Số câu đúng trung bình: %s/%d\n", avgOf(u), s.Contest.QuestionsPerAttempt)
	fmt.Fprintf(&h, "• Bài thi 0 điểm: %s\n", groupDigits(u.ZeroScores))
	if r, ok := s.Ranks[code]; ok {
		fmt.Fprintf(&h, "• Xếp hạng tỷ lệ tham gia: %d/%d đơn vị\n", r, s.Ranked)
	}
	if under := s.Under[code]; len(under) > 0 {
		// The units under the head's, whose lists are in the workbook.
		var tot report.UnitResult
		for _, c := range under {
			x, _ := s.Unit(c)
			tot.Staff += x.Staff
			tot.Participated += x.Participated
			tot.ZeroScores += x.ZeroScores
		}
		fmt.Fprintf(&h, "• %s đơn vị trực thuộc: đã dự thi %s/%s (%s), %s bài 0 điểm\n", groupDigits(len(under)),
			groupDigits(tot.Participated), groupDigits(tot.Staff), pctOf(tot), groupDigits(tot.ZeroScores))
	}
	h.WriteString(s.headEntriesLine(code))
	absent := s.Absent[code]
	var lines []string
	if len(absent) == 0 {
		h.WriteString("\n✅ Toàn bộ cán bộ của đơn vị đã tham gia. Cảm ơn anh/chị!")
	} else {
		fmt.Fprintf(&h, "\nChưa dự thi (%d người):", len(absent))
		for i, a := range absent {
			lines = append(lines, s.absentLine(i, a))
		}
	}
	lines = append(lines, s.windowClosedLines(absent)...)
	footer := ""
	if len(absent) > 0 {
		footer = fmt.Sprintf("\nĐơn vị báo cáo Sở Nội vụ trước %s. Bấm \"Ghi nhận lý do vắng\" để bổ sung lý do; báo cáo chi tiết (.xlsx) được gửi kèm để chuyển tiếp.",
			outbound.When(reportDeadline(s.Round.ClosesAt, loc), loc))
	}
	return split(h.String(), fmt.Sprintf("📊 Đợt %d – %s (tiếp theo)", s.Round.Number, u.Name), lines, footer, outbound.MaxText)
}

// OrganizerCard is the province-wide card, split under outbound.MaxText.
func (s *Summary) OrganizerCard() []string {
	loc := s.Contest.Location()
	var tot, prevTot report.UnitResult
	for _, u := range s.Units {
		tot.Staff += u.Staff
		tot.Verified += u.Verified
		tot.WebOnly += u.WebOnly
		tot.Participated += u.Participated
		tot.CorrectSum += u.CorrectSum
		tot.ZeroScores += u.ZeroScores
		if p, ok := s.PrevUnits[u.Code]; ok {
			prevTot.Staff += p.Staff
			prevTot.Participated += p.Participated
		}
	}
	var units []report.UnitResult
	under := 0
	for _, u := range s.Units {
		if u.Staff == 0 {
			continue
		}
		units = append(units, u)
		if 2*u.Participated < u.Staff {
			under++
		}
	}
	// Lowest first: the units to chase head the list.
	slices.SortStableFunc(units, func(a, b report.UnitResult) int { return compareUnits(b, a) })

	var h strings.Builder
	fmt.Fprintf(&h, "📊 TỔNG HỢP ĐỢT %d – cuộc thi \"%s\"\nTừ %s đến %s\n\n", s.Round.Number, s.Contest.Name,
		day(s.Round.OpensAt, loc), day(s.Round.ClosesAt, loc))
	fmt.Fprintf(&h, "• Số đơn vị: %d\n", len(units))
	fmt.Fprintf(&h, "• Cán bộ trong danh sách: %s; đã kích hoạt: %s%s\n", groupDigits(tot.Staff), groupDigits(tot.Verified), webOnlyNote(tot.WebOnly))
	prevNumber := 0
	if s.Prev != nil {
		prevNumber = s.Prev.Number
	}
	fmt.Fprintf(&h, "• Đã dự thi: %s (%s)%s\n", groupDigits(tot.Participated), pctOf(tot), change(tot, prevTot, s.Prev != nil, prevNumber))
	fmt.Fprintf(&h, "• Số câu đúng trung bình: %s/%d\n", avgOf(tot), s.Contest.QuestionsPerAttempt)
	fmt.Fprintf(&h, "• Bài thi 0 điểm: %s\n", groupDigits(tot.ZeroScores))
	fmt.Fprintf(&h, "• Đơn vị dưới 50%%: %d", under)
	if under > 0 {
		h.WriteString(" (đánh dấu ⚠️ bên dưới)")
	}
	h.WriteString("\n\nTỷ lệ tham gia theo đơn vị (thấp nhất trước):")
	lines := make([]string, len(units))
	for i, u := range units {
		mark := ""
		if 2*u.Participated < u.Staff {
			mark = "⚠️ "
		}
		lines[i] = fmt.Sprintf("%d. %s%s: %s/%s (%s), TB %s câu đúng", i+1, mark, u.Name,
			groupDigits(u.Participated), groupDigits(u.Staff), pctOf(u), avgOf(u))
	}
	lines = append(lines, s.organizerEntriesLines()...)
	for _, p := range s.BrokenChannels {
		lines = append(lines, "\n"+brokenChannelText(p))
	}
	if len(s.UnreachedHeads) > 0 {
		lines = append(lines, fmt.Sprintf("\n📵 Trưởng đơn vị không nhận được báo cáo qua Zalo (%d người, quá 7 ngày không nhắn tin cho OA), cần liên hệ trực tiếp:", len(s.UnreachedHeads)))
		for _, h := range s.UnreachedHeads {
			lines = append(lines, "• "+h)
		}
	}
	return split(h.String(), fmt.Sprintf("📊 Tổng hợp đợt %d (tiếp theo)", s.Round.Number), lines,
		"\nBảng tổng hợp (.xlsx) được gửi kèm.", outbound.MaxText)
}

// split lays out a card as messages of at most max UTF-16 units: the header
// first, then the lines, as many per message as fit, each continuation
// message starting with cont; footer closes the last message.
func split(header, cont string, lines []string, footer string, max int) []string {
	var parts []string
	cur := header
	for _, line := range lines {
		line = outbound.Clip(line, max-outbound.TextLen(cont)-1)
		if outbound.TextLen(cur)+1+outbound.TextLen(line) > max {
			parts = append(parts, cur)
			cur = cont
		}
		cur += "\n" + line
	}
	if footer != "" {
		if outbound.TextLen(cur)+1+outbound.TextLen(footer) > max {
			parts = append(parts, cur)
			cur = cont
		}
		cur += "\n" + footer
	}
	return append(parts, cur)
}

// brokenChannelText tells organizers that nobody on platform p hears from
// quizbot, and what mends it.
func brokenChannelText(p quiz.Platform) string {
	if p == quiz.PlatformZalo {
		return "⛔ Không gửi được tin nhắn qua Zalo OA: mã truy cập của OA đã hết hạn hoặc bị thu hồi. " +
			"Quản trị hệ thống cần chạy lệnh \"quizbot zalo connect\" để kết nối lại; trong thời gian này cán bộ dùng Zalo không nhận được nhắc nhở, báo cáo và câu trả lời của bot."
	}
	return fmt.Sprintf("⛔ Không gửi được tin nhắn qua %s: quản trị hệ thống cần kiểm tra kết nối.", p)
}
