// Package testlog is a log for tests whose code under test logs from
// several goroutines.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer collects what is written to it, safe for concurrent use: a
// slog handler's output that handlers on several goroutines write to.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
