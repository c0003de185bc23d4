package notify_test

import (
	"slices"
	"strings"
	"testing"
)

// TestUpcomingAsDue lists the slots to come from Wednesday 09:00 of round
// 1, then checks each against Due: at its time, that very job is due.
func TestUpcomingAsDue(t *testing.T) {
	r, s := scheduleRig(t)
	r.clock.Set(local(2026, 12, 2, 9, 0))
	up := s.Upcoming(r.f.Contest, r.clock.Now(), 8)
	var got []string
	for _, u := range up {
		got = append(got, u.At.In(hcm).Format("02/01 15:04")+" "+u.Kind+" "+itoa(int64(u.Round.Number)))
	}
	want := []string{
		"02/12 14:00 remind 1", "03/12 08:00 remind 1", "03/12 14:00 remind 1", "04/12 08:00 remind 1",
		"04/12 13:30 lastcall 1", "07/12 07:00 summary 1", "07/12 07:30 open 2", "07/12 08:00 remind 2",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("upcoming:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, u := range up {
		r.clock.Set(u.At)
		jobs, _ := due(t, r, s)
		if !slices.ContainsFunc(jobs, func(j string) bool { return strings.HasPrefix(j, u.Kind+" "+itoa(int64(u.Round.Number))+" ") }) {
			t.Errorf("at %s Due has %q, Upcoming said %s", u.At.In(hcm).Format("02/01 15:04"), jobs, u.Kind)
		}
		runDue(t, s)
	}
	// The limit holds, and nothing is listed once the contest is over.
	if n := len(s.Upcoming(r.f.Contest, local(2026, 12, 2, 9, 0), 3)); n != 3 {
		t.Errorf("limit 3 gave %d", n)
	}
	if up := s.Upcoming(r.f.Contest, local(2026, 12, 31, 0, 0), 8); len(up) != 0 {
		t.Errorf("after the contest: %v", up)
	}
}
