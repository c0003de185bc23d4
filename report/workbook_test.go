package report_test

import (
	"testing"

	"quizbot/report"
)

// A parent that is missing or a cycle (which the importer refuses) never
// loses a unit nor loops: each is shown once, at the top.
func TestRollUpOddTrees(t *testing.T) {
	got := report.RollUp([]report.UnitNode{
		{Code: "B", ParentCode: "A", Own: report.Figures{Staff: 2, Participations: 1}},
		{Code: "A", ParentCode: "B", Own: report.Figures{Staff: 3, Participations: 3}},
		{Code: "C", ParentCode: "GONE", Own: report.Figures{Staff: 1}},
	})
	var codes []string
	for _, u := range got {
		codes = append(codes, u.Code)
	}
	if len(got) != 3 || codes[0] != "C" || got[0].Level != 0 || got[0].Total.Staff != 1 {
		t.Fatalf("roll-up %v (%+v)", codes, got)
	}
	// The cycle is entered once, at A or B, the other under it.
	if got[1].Total.Staff != 5 || got[2].Level != 1 || got[1].Units != 2 {
		t.Errorf("cycle rolled up as %+v", got[1:])
	}
}
