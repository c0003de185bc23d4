package importer

import (
	"fmt"
	"slices"
	"strconv"
)

// Problem is one reason a file is rejected. Line 0 means the file as a whole.
type Problem struct {
	Line   int
	Reason string // Vietnamese, for the operator
}

// Error is a rejected file with every problem found in it.
type Error struct {
	File     string
	Problems []Problem
}

func (e *Error) Error() string {
	lines := e.Lines()
	if len(lines) == 1 {
		return lines[0]
	}
	return fmt.Sprintf("%s: %d lỗi, dòng đầu tiên: %s", e.File, len(lines), lines[0])
}

// Lines renders the problems as FILE:LINE: reason (FILE: reason for the file
// as a whole), in line order, as an editor's "go to line" expects them.
func (e *Error) Lines() []string {
	ps := slices.Clone(e.Problems)
	slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
	out := make([]string, len(ps))
	for i, p := range ps {
		if p.Line == 0 {
			out[i] = e.File + ": " + p.Reason
		} else {
			out[i] = e.File + ":" + strconv.Itoa(p.Line) + ": " + p.Reason
		}
	}
	return out
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
