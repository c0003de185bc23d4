package console

import (
	"cmp"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"quizbot/outbound"
	"quizbot/quiz"
	"quizbot/report"
)

// overviewData is the Tổng quan page.
type overviewData struct {
	Contest string
	Empty   string // why there are no figures yet; "" when there are
	Round   int
	Open    bool
	Period  string
	Scope   string // "toàn tỉnh" or the head's unit
	Live    liveData
	Earlier template.HTML // the rounds side by side, SVG
	Rounds  []roundFigure
}

// liveData is the part of the page refreshed every 15 s (/console/live).
type liveData struct {
	Updated      string
	Participants string
	Staff        string
	Rate         string
	InProgress   string
	Bars         template.HTML // a bar per first-level unit
	Units        []unitFigure
	Days         template.HTML // the count by day
	DayRows      []dayFigure
}

type unitFigure struct {
	Code, Name, Participants, Staff, Rate string
	Link                                  bool
	pct                                   report.Pct
	hasPct                                bool
}

type dayFigure struct{ Day, Count string }

type roundFigure struct {
	Label, Participants, Staff, Rate string
}

func (c *Console) overview(w http.ResponseWriter, r *Request) error {
	d, err := c.overviewFigures(r)
	if err != nil {
		return err
	}
	return c.render(w, r, "overview", View{Title: "Tổng quan", Nav: navOverview, Content: d})
}

// overviewLive is the live part alone, which live.js swaps in.
func (c *Console) overviewLive(w http.ResponseWriter, r *Request) error {
	d, err := c.overviewFigures(r)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return c.pages["overview"].ExecuteTemplate(w, "live", d)
}

// overviewFigures computes the page from the roster the reports use
// (UnitRosters) and the counted attempts by unit, round and day
// (UnitRoundDays, on the workbook's CTEs), rolled up by report.RollUp.
func (c *Console) overviewFigures(r *Request) (overviewData, error) {
	ctx := r.Context()
	var d overviewData
	d.Scope = "Toàn tỉnh"
	if !r.Scope.All() {
		d.Scope = r.Scope.Name(r.Scope.Root())
	}
	st, err := c.roundNow(ctx)
	if err != nil {
		return d, err
	}
	if st.Empty != "" {
		d.Empty = st.Empty
		return d, nil
	}
	ct, started, round, open := st.Contest, st.Started, st.Round, st.Open
	d.Contest = ct.Name
	loc := ct.Location()
	d.Round, d.Open = round.Number, open
	d.Period = outbound.When(round.OpensAt, loc) + " – " + outbound.When(round.ClosesAt, loc)

	// The figures every viewer shares, read at most every few seconds.
	fig, err := c.figuresOf(ctx, quiz.RoundIDs(started), round.ID)
	if err != nil {
		return d, err
	}
	now := fig.at
	figs := fig.days
	scopeStaff := 0
	for _, ro := range fig.rosters {
		if r.Scope.Allows(ro.Code) {
			scopeStaff += ro.Staff
		}
	}
	perRound := map[int64]int{}
	for _, f := range figs {
		if r.Scope.Allows(f.UnitCode) {
			perRound[f.RoundID] += f.Participated
		}
	}
	rolled := fig.tree(round.ID)

	// The scope's total, and its bars: the units one level below the
	// scope's top (the province's departments and districts; a head's
	// sub-units), or the top itself when nothing is below it.
	var total report.Figures
	var bars []report.RolledUnit
	if r.Scope.All() {
		level := 1
		if !slices.ContainsFunc(rolled, func(u report.RolledUnit) bool { return u.Level == 1 }) {
			level = 0
		}
		for _, u := range rolled {
			if u.Level == 0 {
				total.Staff += u.Total.Staff
				total.Participations += u.Total.Participations
			}
			if u.Level == level {
				bars = append(bars, u)
			}
		}
	} else {
		for _, u := range rolled {
			if u.Code == r.Scope.Root() {
				total = u.Total
			}
			if u.ParentCode == r.Scope.Root() && r.Scope.Allows(u.Code) && u.Code != r.Scope.Root() {
				bars = append(bars, u)
			}
		}
		if len(bars) == 0 {
			for _, u := range rolled {
				if u.Code == r.Scope.Root() {
					bars = append(bars, u)
				}
			}
		}
	}
	d.Live.Participants = outbound.GroupDigits(int64(total.Participations))
	d.Live.Staff = outbound.GroupDigits(int64(total.Staff))
	d.Live.Rate = pctText(total.Pct(1))
	d.Live.Updated = now.In(loc).Format("15:04:05")
	for _, u := range bars {
		p, ok := u.Total.Pct(1)
		d.Live.Units = append(d.Live.Units, unitFigure{Code: u.Code, Name: u.Name,
			Participants: outbound.GroupDigits(int64(u.Total.Participations)), Staff: outbound.GroupDigits(int64(u.Total.Staff)),
			Rate: pctText(p, ok), Link: r.Scope.Allows(u.Code), pct: p, hasPct: ok})
	}
	// By rate, highest first; units without staff last; then by code.
	slices.SortStableFunc(d.Live.Units, func(a, b unitFigure) int {
		if a.hasPct != b.hasPct {
			if a.hasPct {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(b.pct.Scaled, a.pct.Scaled), cmp.Compare(a.Code, b.Code))
	})
	bar := make([]barItem, len(d.Live.Units))
	for i, u := range d.Live.Units {
		bar[i] = barItem{Label: u.Name, Value: u.Rate, Scaled: u.pct.Scaled, Note: u.Participants + "/" + u.Staff}
	}
	d.Live.Bars = barChart(bar, "Tỷ lệ tham gia theo đơn vị")

	// How many took part each day of the round (the counted attempt's day).
	counts := map[string]int{}
	for _, x := range figs {
		if x.RoundID == round.ID && r.Scope.Allows(x.UnitCode) {
			counts[x.Day.UTC().Format(time.DateOnly)] += x.Participated
		}
	}
	last := now
	if !now.Before(round.ClosesAt) {
		last = round.ClosesAt.Add(-time.Nanosecond)
	}
	var days []dayItem
	for day := dayOf(round.OpensAt, loc); !day.After(dayOf(last, loc)); day = day.AddDate(0, 0, 1) {
		n := counts[day.Format(time.DateOnly)]
		days = append(days, dayItem{Label: day.Format("02/01"), N: n})
		d.Live.DayRows = append(d.Live.DayRows, dayFigure{Day: weekday(day) + " " + day.Format("02/01"), Count: outbound.GroupDigits(int64(n))})
	}
	d.Live.Days = dayChart(days)

	n := 0
	for _, p := range fig.progress {
		if r.Scope.Allows(p.UnitCode) {
			n += p.Count
		}
	}
	d.Live.InProgress = outbound.GroupDigits(int64(n))

	// Every started round side by side, on today's roster.
	var items []barItem
	for _, rd := range started {
		f := report.Figures{Staff: scopeStaff, Participations: perRound[rd.ID]}
		p, ok := f.Pct(1)
		label := roundLabel(rd, loc)
		d.Rounds = append(d.Rounds, roundFigure{Label: label, Participants: outbound.GroupDigits(int64(f.Participations)),
			Staff: outbound.GroupDigits(int64(f.Staff)), Rate: pctText(p, ok)})
		items = append(items, barItem{Label: label, Value: pctText(p, ok), Scaled: p.Scaled,
			Note: outbound.GroupDigits(int64(f.Participations)) + "/" + outbound.GroupDigits(int64(f.Staff))})
	}
	d.Earlier = barChart(items, "Tỷ lệ tham gia qua các đợt")
	return d, nil
}

// pctText is a rate the Vietnamese way ("45,0%"), "—" without staff.
func pctText(p report.Pct, ok bool) string {
	if !ok {
		return "—"
	}
	return outbound.Percent(float64(p.Scaled) / 10)
}

func dayOf(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

var weekdays = [...]string{"CN", "T2", "T3", "T4", "T5", "T6", "T7"}

func weekday(day time.Time) string { return weekdays[day.Weekday()] }

// barItem is one bar: Scaled is the rate in tenths of a percent.
type barItem struct {
	Label, Value, Note string
	Scaled             int64
}

// barChart draws horizontal bars, a label and the rate above each, in
// widths relative to the chart (no viewBox: the text keeps its size on a
// phone while the bars stretch).
func barChart(items []barItem, title string) template.HTML {
	if len(items) == 0 {
		return ""
	}
	const row = 40
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="bars" role="img" aria-label="%s" width="100%%" height="%d">`, template.HTMLEscapeString(title), row*len(items))
	for i, it := range items {
		y := i * row
		w := float64(min(max(it.Scaled, 0), 1000)) / 10
		fmt.Fprintf(&b, `<g><title>%s: %s (%s)</title>`, esc(it.Label), esc(it.Value), esc(it.Note))
		fmt.Fprintf(&b, `<text x="0" y="%d" class="label">%s</text>`, y+15, esc(clip(it.Label, 34)))
		fmt.Fprintf(&b, `<text x="100%%" y="%d" text-anchor="end" class="value">%s</text>`, y+15, esc(it.Value))
		fmt.Fprintf(&b, `<rect x="0" y="%d" width="100%%" height="10" rx="3" class="track"/>`, y+22)
		if w > 0 {
			fmt.Fprintf(&b, `<rect x="0" y="%d" width="%.1f%%" height="10" rx="3" class="bar"/>`, y+22, w)
		}
		b.WriteString(`</g>`)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

type dayItem struct {
	Label string
	N     int
}

// dayChart draws a column per day of the round, its count above it.
func dayChart(days []dayItem) template.HTML {
	if len(days) == 0 {
		return ""
	}
	top := 1
	for _, d := range days {
		top = max(top, d.N)
	}
	const h, base = 150, 125 // column area from 20 to base
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="days" role="img" aria-label="Số người tham gia theo ngày" width="100%%" height="%d">`, h)
	step := 100 / float64(len(days))
	for i, d := range days {
		x := float64(i) * step
		colH := 0
		if d.N > 0 {
			colH = max(2, d.N*(base-22)/top)
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title>`, d.Label, outbound.GroupDigits(int64(d.N)))
		fmt.Fprintf(&b, `<rect x="%.2f%%" y="%d" width="%.2f%%" height="%d" class="bar"/>`, x+step*0.15, base-colH, step*0.7, colH)
		fmt.Fprintf(&b, `<text x="%.2f%%" y="%d" text-anchor="middle" class="value">%s</text>`, x+step/2, base-colH-5, outbound.GroupDigits(int64(d.N)))
		fmt.Fprintf(&b, `<text x="%.2f%%" y="%d" text-anchor="middle" class="label">%s</text>`, x+step/2, h-6, d.Label)
		b.WriteString(`</g>`)
	}
	fmt.Fprintf(&b, `<line x1="0" x2="100%%" y1="%d" y2="%d" class="axis"/></svg>`, base, base)
	return template.HTML(b.String())
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// clip shortens a long unit name to n characters with an ellipsis.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
