package console

import (
	"sync"
	"testing"
)

// HoldReportTurns takes every download's turn, as downloads being built
// would, and returns what gives them back (also done when the test ends).
func (c *Console) HoldReportTurns(t testing.TB) (release func()) {
	for range cap(c.reports.turns) {
		c.reports.turns <- struct{}{}
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			for range cap(c.reports.turns) {
				<-c.reports.turns
			}
		})
	}
	t.Cleanup(release)
	return release
}
