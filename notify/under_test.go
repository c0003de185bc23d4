package notify

import (
	"fmt"
	"testing"

	"quizbot/quiz"
)

// A head's card sums up every unit under theirs, at any depth: a district
// with its communes and their health stations.
func TestUnitsUnder(t *testing.T) {
	units := []quiz.Unit{
		{Code: "TINH"}, {Code: "H1", ParentCode: "TINH"}, {Code: "H2", ParentCode: "TINH"},
		{Code: "X1", ParentCode: "H1"}, {Code: "X2", ParentCode: "H1"}, {Code: "T1", ParentCode: "X2"},
		{Code: "SELF", ParentCode: "SELF"}, // its own parent: no unit under it
	}
	got := fmt.Sprint(unitsUnder(units))
	want := "map[H1:[T1 X1 X2] TINH:[H1 H2 T1 X1 X2] X2:[T1]]"
	if got != want {
		t.Errorf("units under:\n%s\nwant\n%s", got, want)
	}
}
