package report

import (
	"slices"
	"strings"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
)

// The Vietnamese collator: Đ is a letter of its own after D, Ă and Â after A,
// Ê after E, Ô and Ơ after O, Ư after U, and the tones sort after the base
// letter (a, à, ả, ã, á, ạ), not in byte order, where every accented letter
// would follow Z. A collate.Collator keeps buffers, so one is shared behind
// a mutex: name lists are short (winners, zero scores, a unit's absentees).
var (
	viMu       sync.Mutex
	viCollator = collate.New(language.Vietnamese)
)

// CompareNames orders two names the Vietnamese way; names the collator finds
// equal (only case or Unicode form differ) fall back to byte order, so that
// every sort is the same on every run.
func CompareNames(a, b string) int {
	viMu.Lock()
	c := viCollator.CompareString(a, b)
	viMu.Unlock()
	if c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

// SortByName sorts s by the Vietnamese order of name(x), stably, so that
// equal names keep the order they came in (by id, say).
func SortByName[T any](s []T, name func(T) string) {
	slices.SortStableFunc(s, func(a, b T) int { return CompareNames(name(a), name(b)) })
}
