package report

import "context"

// lane reads sheets' rows in the background, one sheet after another, so
// that a workbook's small sheets are ready when the writer gets to them.
type lane struct {
	ctx  context.Context
	stop context.CancelFunc
	on   bool // false: the sheets read their rows when written, as given
}

// newLane returns a lane whose reads stop with ctx or with stop; when on is
// false, run leaves the sheets as they are.
func newLane(ctx context.Context, on bool) *lane {
	ctx, stop := context.WithCancel(ctx)
	return &lane{ctx: ctx, stop: stop, on: on}
}

// run starts reading the sheets' rows, in order, and returns the sheets with
// Rows that wait for theirs, then emit them (as often as asked). The rows
// are held in memory: for small sheets only.
func (l *lane) run(sheets []Sheet) []Sheet {
	if !l.on {
		return sheets
	}
	type result struct {
		done chan struct{}
		rows [][]any
		err  error
	}
	results := make([]*result, len(sheets))
	out := make([]Sheet, len(sheets))
	for i, s := range sheets {
		r := &result{done: make(chan struct{})}
		results[i] = r
		out[i] = s
		out[i].Rows = func(emit func([]any) error) error {
			<-r.done // closed in any case: a stopped lane's reads fail
			if r.err != nil {
				return r.err
			}
			for _, row := range r.rows {
				if err := emit(row); err != nil {
					return err
				}
			}
			return nil
		}
	}
	go func() {
		for i, s := range sheets {
			r := results[i]
			r.err = s.Rows(func(row []any) error {
				r.rows = append(r.rows, row)
				return nil
			})
			close(r.done)
		}
	}()
	return out
}
