package main

import (
	"context"
	"errors"
)

// cmdImport is not built yet.
func cmdImport(ctx context.Context, e *env, args []string) error {
	return errors.New("import: not implemented yet")
}
