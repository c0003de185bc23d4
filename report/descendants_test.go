package report

import (
	"fmt"
	"testing"

	"quizbot/quiz"
)

// Every unit under a unit, at any depth: a district with its communes and
// their health stations.
func TestDescendants(t *testing.T) {
	units := []quiz.Unit{
		{Code: "TINH"}, {Code: "H1", ParentCode: "TINH"}, {Code: "H2", ParentCode: "TINH"},
		{Code: "X1", ParentCode: "H1"}, {Code: "X2", ParentCode: "H1"}, {Code: "T1", ParentCode: "X2"},
		{Code: "SELF", ParentCode: "SELF"}, // its own parent: no unit under it
	}
	got := fmt.Sprint(Descendants(units))
	want := "map[H1:[T1 X1 X2] TINH:[H1 H2 T1 X1 X2] X2:[T1]]"
	if got != want {
		t.Errorf("descendants:\n%s\nwant\n%s", got, want)
	}
}
