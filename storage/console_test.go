package storage_test

import (
	"context"
	"testing"

	"quizbot/report/reporttest"
	"quizbot/storage/storagetest"
)

// UnitRoundDays splits UnitRoundFigures' participation by day: summed over
// the days, every unit's and round's count is the same.
func TestUnitRoundDaysAddUpToUnitRoundFigures(t *testing.T) {
	t.Parallel()
	db := storagetest.NewDB(t)
	reporttest.Seed(t, db)
	ctx := context.Background()
	ids := []int64{reporttest.Round1, reporttest.Round2}
	figs, err := db.UnitRoundFigures(ctx, ids, reporttest.Now)
	if err != nil {
		t.Fatal(err)
	}
	days, err := db.UnitRoundDays(ctx, ids, reporttest.Now, "Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	type key struct {
		unit  string
		round int64
	}
	want, got := map[key]int{}, map[key]int{}
	for _, f := range figs {
		want[key{f.UnitCode, f.RoundID}] = f.Participated
	}
	perDay := map[string]int{}
	for _, d := range days {
		got[key{d.UnitCode, d.RoundID}] += d.Participated
		perDay[d.Day.Format("2006-01-02")] += d.Participated
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("by day %v, figures %v", got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Errorf("%v: %d by day, %d in the figures", k, got[k], n)
		}
	}
	t.Logf("by local day: %v", perDay)
}
