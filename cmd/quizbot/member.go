package main

import (
	"context"
	"errors"
)

// cmdMember is not built yet.
func cmdMember(ctx context.Context, e *env, args []string) error {
	return errors.New("member: not implemented yet")
}
