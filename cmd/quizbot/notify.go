package main

import (
	"context"
	"errors"
)

// cmdNotify is not built yet.
func cmdNotify(ctx context.Context, e *env, args []string) error {
	return errors.New("notify: not implemented yet")
}
