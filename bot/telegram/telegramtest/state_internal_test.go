package telegramtest

import "testing"

// TestCallBlocks: calls are kept in order across blocks, however many.
func TestCallBlocks(t *testing.T) {
	f := New(t)
	f.mu.Lock()
	for i := 1; i <= 100000; i++ {
		f.recordLocked(Call{Seq: i})
	}
	f.mu.Unlock()
	calls := f.Calls()
	if len(calls) != 100000 {
		t.Fatalf("%d calls", len(calls))
	}
	for i, c := range calls {
		if c.Seq != i+1 {
			t.Fatalf("call %d has seq %d", i, c.Seq)
		}
	}
	f.ForgetCalls()
	if len(f.Calls()) != 0 {
		t.Fatal("ForgetCalls kept calls")
	}
}
