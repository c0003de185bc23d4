package main

import (
	"context"
	"errors"
)

// cmdContest is not built yet.
func cmdContest(ctx context.Context, e *env, args []string) error {
	return errors.New("contest: not implemented yet")
}
