package report

import (
	"bytes"
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
// equal names keep the order they came in (by id, say). Each name's sort key
// is computed once, so that a long list (a province's absentees) costs one
// collation per name, not one per comparison.
func SortByName[T any](s []T, name func(T) string) {
	SortByKey(s, func(x T) (string, string) { return "", name(x) })
}

// SortByKey sorts s by a prefix compared in byte order (a unit code), then
// the Vietnamese order of a name, stably.
func SortByKey[T any](s []T, key func(T) (prefix, name string)) {
	type keyed struct {
		prefix string
		name   string
		coll   []byte
		x      T
	}
	ks := make([]keyed, len(s))
	var buf collate.Buffer
	viMu.Lock()
	for i, x := range s {
		p, n := key(x)
		ks[i] = keyed{prefix: p, name: n, coll: slices.Clone(viCollator.KeyFromString(&buf, n)), x: x}
		buf.Reset()
	}
	viMu.Unlock()
	slices.SortStableFunc(ks, func(a, b keyed) int {
		if c := strings.Compare(a.prefix, b.prefix); c != 0 {
			return c
		}
		if c := bytes.Compare(a.coll, b.coll); c != 0 {
			return c
		}
		return strings.Compare(a.name, b.name)
	})
	for i := range ks {
		s[i] = ks[i].x
	}
}
