package storage_test

import (
	"context"
	"errors"
	"testing"

	"quizbot/quiz"
	"quizbot/storage"
	"quizbot/storage/storagetest"
)

// province is a small unit tree: the province, a department, a district
// and one of its communes. The commune comes before its district: a parent
// may be created by the same import.
var province = []quiz.Unit{
	{Code: "T", Name: "UBND tỉnh Hòa Bình Xanh"},
	{Code: "X1", Name: "UBND xã Tân Lập", ParentCode: "H1"},
	{Code: "SONV", Name: "Sở Nội vụ", ParentCode: "T"},
	{Code: "H1", Name: "UBND huyện Đồng Tâm", ParentCode: "T"},
}

func importUnits(t *testing.T, db *storage.DB, units []quiz.Unit) storage.ImportResult {
	t.Helper()
	res, err := db.ImportUnits(context.Background(), units, nil)
	if err != nil {
		t.Fatalf("import units: %v", err)
	}
	return res
}

func TestUnitImportUpsert(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	if res := importUnits(t, db, province); res != (storage.ImportResult{Added: 4}) {
		t.Errorf("first import: %+v", res)
	}
	x1, err := db.UnitByCode(ctx, "X1")
	if err != nil {
		t.Fatal(err)
	}
	h1, _ := db.UnitByCode(ctx, "H1")
	if x1.Name != "UBND xã Tân Lập" || x1.ParentCode != "H1" || x1.ParentID == nil || *x1.ParentID != h1.ID {
		t.Errorf("X1: %+v (H1 id %d)", x1, h1.ID)
	}

	// Again: SONV renamed, X1 moved under the province, H2 new, T and H1
	// as they were; SONV's absence would not delete it, but here it stays.
	again := []quiz.Unit{
		{Code: "T", Name: "UBND tỉnh Hòa Bình Xanh"},
		{Code: "SONV", Name: "Sở Nội vụ tỉnh", ParentCode: "T"},
		{Code: "H1", Name: "UBND huyện Đồng Tâm", ParentCode: "T"},
		{Code: "X1", Name: "UBND xã Tân Lập", ParentCode: "T"},
		{Code: "H2", Name: "UBND huyện Sông Lam", ParentCode: "T"},
	}
	if res := importUnits(t, db, again); res != (storage.ImportResult{Added: 1, Updated: 2, Unchanged: 2}) {
		t.Errorf("second import: %+v", res)
	}
	// Units missing from an import are kept.
	if res := importUnits(t, db, again[4:]); res != (storage.ImportResult{Unchanged: 1}) {
		t.Errorf("third import: %+v", res)
	}
	units, err := db.Units(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range units {
		got[u.Code] = u.Name + " < " + u.ParentCode
	}
	want := map[string]string{
		"T": "UBND tỉnh Hòa Bình Xanh < ", "SONV": "Sở Nội vụ tỉnh < T", "H1": "UBND huyện Đồng Tâm < T",
		"X1": "UBND xã Tân Lập < T", "H2": "UBND huyện Sông Lam < T",
	}
	if len(got) != len(want) {
		t.Errorf("units %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("unit %s: %q, want %q", k, got[k], v)
		}
	}

	_, err = db.UnitByCode(ctx, "NOPE")
	if quiz.ErrorCode(err) != quiz.ENOTFOUND || quiz.ErrorMessage(err) != "Không có đơn vị mã NOPE." {
		t.Errorf("unknown unit: %v", err)
	}
}

func TestUnitImportCheckAbortsAndSeesStoredUnits(t *testing.T) {
	db := storagetest.NewDB(t)
	ctx := context.Background()
	importUnits(t, db, province[:1])
	rejected := errors.New("rejected")
	var seen map[string]quiz.Unit
	_, err := db.ImportUnits(ctx, province, func(existing map[string]quiz.Unit) error {
		seen = existing
		return rejected
	})
	if err != rejected {
		t.Fatalf("err %v, want the check's error as is", err)
	}
	if len(seen) != 1 || seen["T"].Name != "UBND tỉnh Hòa Bình Xanh" {
		t.Errorf("check saw %+v", seen)
	}
	if units, _ := db.Units(ctx); len(units) != 1 {
		t.Errorf("rejected import wrote: %+v", units)
	}

	// Without a check, storage still refuses a parent that exists nowhere.
	_, err = db.ImportUnits(ctx, []quiz.Unit{{Code: "A", Name: "A", ParentCode: "ZZ"}}, nil)
	if err == nil {
		t.Error("unknown parent accepted")
	}
}
