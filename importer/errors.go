package importer

import (
	"fmt"
	"slices"
	"strconv"

	"quizbot/outbound"
)

// Problem is one reason a file is rejected. Line 0 means the file as a whole.
type Problem struct {
	Line   int
	Reason string // Vietnamese, for the operator
	// Column is the header's name of the column at fault ("phone"), or ""
	// when the problem is the row's or the file's as a whole. Reason names
	// it already where it matters; Column is for a table of problems.
	Column string
}

// Error is a rejected file with every problem found in it.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	lines := e.Lines()
	if len(e.Problems) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%s: %s lỗi, dòng đầu tiên: %s", e.File, outbound.GroupDigits(int64(len(e.Problems))), lines[0])
}

// MaxListed is how many problems Lines lists: past the first hundred, a
// file is wrong as a whole (a wrong column, a wrong file), and a million
// lines of the same reason would only bury it.
const MaxListed = 100

// Lines renders the problems as FILE:LINE: reason (FILE: reason for the file
// as a whole), in line order, as an editor's "go to line" expects them: the
// first MaxListed of them, then how many more there are.
func (e *Error) Lines() []string {
	listed, more := e.Listed()
	out := make([]string, 0, len(listed)+1)
	for _, p := range listed {
		if p.Line == 0 {
			out = append(out, e.File+": "+p.Reason)
		} else {
			out = append(out, e.File+":"+strconv.Itoa(p.Line)+": "+p.Reason)
		}
	}
	if more > 0 {
		out = append(out, fmt.Sprintf("%s: … và %s lỗi khác", e.File, outbound.GroupDigits(int64(more))))
	}
	return out
}

// Listed is what Lines and the console's table list: the problems in line
// order, the first MaxListed of them, and how many more there are.
func (e *Error) Listed() (listed []Problem, more int) {
	ps := slices.Clone(e.Problems)
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	n := min(len(ps), MaxListed)
	return ps[:n], len(ps) - n
}

// Reject returns an *Error for the problems, or nil when there are none.
func Reject(file string, problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	return &Error{File: file, Problems: problems}
}

func fileError(file, format string, args ...any) *Error {
	return &Error{File: file, Problems: []Problem{{Reason: fmt.Sprintf(format, args...)}}}
}
