package storage

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"

	"quizbot/quiz"
)

// SampleMembers lists up to limit active members, by unit then name, for the
// local web chat's "pick a sample member" step.
func (db *DB) SampleMembers(ctx context.Context, limit int) ([]quiz.Member, error) {
	if limit <= 0 {
		return nil, nil
	}
	ms := []quiz.Member{}
	err := db.SelectContext(ctx, &ms, memberSelect+`
		WHERE m.active
		ORDER BY u.name, u.code, m.full_name, m.id
		LIMIT $1`, limit)
	if err != nil {
		return nil, fmt.Errorf("sample members: %w", err)
	}
	return ms, nil
}

// SearchMembers lists up to limit active members whose name, position, unit
// name or unit code contain every word of query, ignoring case and
// Vietnamese diacritics ("dang quang huy" finds "Đặng Quang Huy"), in the
// order of SampleMembers. It is for the local web chat's member picker.
func (db *DB) SearchMembers(ctx context.Context, query string, limit int) ([]quiz.Member, error) {
	words := strings.Fields(Fold(query))
	if limit <= 0 || len(words) == 0 {
		return nil, nil
	}
	ms := []quiz.Member{}
	// translate folds in PostgreSQL as Fold does, with no extension and
	// whatever the database's locale: names are stored in NFC, whose
	// precomposed letters the table lists, upper case included.
	err := db.SelectContext(ctx, &ms, memberSelect+`
		WHERE m.active AND NOT EXISTS (
			SELECT 1 FROM unnest($1::text[]) w
			WHERE strpos(translate(m.full_name || ' ' || m.position || ' ' || u.name || ' ' || u.code, $2, $3), w) = 0)
		ORDER BY u.name, u.code, m.full_name, m.id
		LIMIT $4`, pq.Array(words), foldFrom, foldTo, limit)
	if err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	return ms, nil
}

// Fold is s for a search: lower case, without diacritics, đ and Đ as d.
func Fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'đ' || r == 'Đ' {
			r = 'd'
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// foldFrom and foldTo are Fold as a translate() table: every letter of
// the Latin blocks that Fold turns into one other letter (A→a, Ặ→a, đ→d…).
var foldFrom, foldTo = foldTable()

func foldTable() (from, to string) {
	var f, t strings.Builder
	for _, block := range [][2]rune{{'A', 'Z'}, {0xC0, 0x24F}, {0x1E00, 0x1EFF}} {
		for r := block[0]; r <= block[1]; r++ {
			folded := []rune(Fold(string(r)))
			if len(folded) == 1 && folded[0] != r && unicode.IsLetter(r) {
				f.WriteRune(r)
				t.WriteRune(folded[0])
			}
		}
	}
	return f.String(), t.String()
}
