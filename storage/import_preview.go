package storage

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"maps"
	"slices"

	"quizbot/quiz"
)

// ImportOptions make an import a preview, or an apply bound to one.
type ImportOptions struct {
	// DryRun runs every check and counts what would change, under the
	// import lock, and writes nothing.
	DryRun bool
	// ExpectState, when set, is the State of a preview: the apply refuses
	// with ErrStale when the stored rows it reads under the lock are not
	// those the preview counted, rather than apply other changes than the
	// ones shown.
	ExpectState string
}

// ErrStale is the apply of a preview whose stored rows have changed since.
var ErrStale = &quiz.Error{Code: quiz.ECONFLICT,
	Message: "Dữ liệu đã thay đổi sau khi xem trước (có người vừa nhập tệp khác): hãy xem trước lại rồi mới áp dụng."}

// stateHash digests the stored rows that an import reads (and so whose
// change would change its outcome), in a stable order: equal digests mean
// the same rows, whatever their timestamps.
type stateHash struct{ h hash.Hash }

func newStateHash(kind string) *stateHash {
	s := &stateHash{h: sha256.New()}
	s.h.Write([]byte(kind + "\x1e"))
	return s
}

// row adds one row: its fields, separated by a byte no field holds
// unescaped (text is length-prefixed).
func (s *stateHash) row(fields ...any) {
	for _, f := range fields {
		switch v := f.(type) {
		case string:
			fmt.Fprintf(s.h, "%d:%s\x1f", len(v), v)
		default:
			fmt.Fprintf(s.h, "%v\x1f", v)
		}
	}
	s.h.Write([]byte{0x1e})
}

// units adds the units, by code.
func (s *stateHash) units(units map[string]quiz.Unit) {
	for _, code := range slices.Sorted(maps.Keys(units)) {
		u := units[code]
		s.row(u.ID, u.Code, u.Name, u.ParentCode)
	}
}

// sum is the digest, short enough to be typed back: 64 bits tell a changed
// table from an unchanged one well enough.
func (s *stateHash) sum() string { return hex.EncodeToString(s.h.Sum(nil))[:16] }

// checkExpected refuses an apply whose preview saw other stored rows.
func checkExpected(expect, state string) error {
	if expect != "" && expect != state {
		return ErrStale
	}
	return nil
}
