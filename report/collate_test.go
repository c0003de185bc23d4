package report_test

import (
	"slices"
	"testing"

	"quizbot/report"
)

// The Vietnamese alphabet: a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t
// u ư v x y; tones after the base letter, in the order không dấu, huyền,
// hỏi, ngã, sắc, nặng. Byte order would put every Đ and accented initial
// after Z.
func TestVietnameseNameOrder(t *testing.T) {
	t.Parallel()
	want := []string{
		"Anh", "Ảnh", "Ánh", "Ăn", "Ân",
		"Bình",
		"Dũng", "Dương Văn Hải",
		"Đặng Thu Giang", "Đinh Lan", "Đỗ Minh",
		"Hà", "Hả", "Hã", "Há", "Hạ", "Hàn",
		"Lý Văn Hùng",
		"Ôn", "Ơn",
		"Uông", "Ưng",
		"Zô",
	}
	got := slices.Clone(want)
	slices.Reverse(got)
	report.SortByName(got, func(s string) string { return s })
	if !slices.Equal(got, want) {
		t.Errorf("SortByName:\n got %q\nwant %q", got, want)
	}
	slices.Reverse(got)
	slices.SortFunc(got, report.CompareNames)
	if !slices.Equal(got, want) {
		t.Errorf("CompareNames:\n got %q\nwant %q", got, want)
	}
	// "Đặng" after "Dương": Đ is its own letter after D.
	if report.CompareNames("Đặng", "Dương") <= 0 {
		t.Error("Đặng sorted before Dương")
	}
}

func TestSortByKeyUnitThenName(t *testing.T) {
	t.Parallel()
	type row struct{ unit, name string }
	rows := []row{{"B", "An"}, {"A", "Đỗ"}, {"A", "Dung"}, {"A", "Lê"}, {"B", "Ánh"}}
	report.SortByKey(rows, func(r row) (string, string) { return r.unit, r.name })
	want := []row{{"A", "Dung"}, {"A", "Đỗ"}, {"A", "Lê"}, {"B", "An"}, {"B", "Ánh"}}
	if !slices.Equal(rows, want) {
		t.Errorf("got %v, want %v", rows, want)
	}
}
