package console

import (
	"context"
	"slices"

	"quizbot/quiz"
)

// Scope is the units a signed-in member may see and act on: every unit for
// an organizer, their own unit and every unit under it for a head.
type Scope struct {
	all   bool
	root  string            // the head's unit; "" for an organizer
	in    map[string]bool   // the units allowed (every unit when all)
	names map[string]string // every unit's name, by code
	units []quiz.Unit       // every unit, by code
}

// Allows says whether the member may see and act on the unit.
func (s Scope) Allows(code string) bool { return s.in[code] }

// All says whether the scope is every unit (an organizer).
func (s Scope) All() bool { return s.all }

// Root is the head's unit, "" for an organizer.
func (s Scope) Root() string { return s.root }

// Known says whether a unit has the code at all (404 rather than 403).
func (s Scope) Known(code string) bool { _, ok := s.names[code]; return ok }

// Name is the unit's name (its code when unknown).
func (s Scope) Name(code string) string {
	if n, ok := s.names[code]; ok {
		return n
	}
	return code
}

// Codes is the allowed units' codes in code order, nil for an organizer
// (every unit: a storage filter of nil means none).
func (s Scope) Codes() []string {
	if s.all {
		return nil
	}
	out := make([]string, 0, len(s.in))
	for c := range s.in {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Units is every unit the scope allows, by code.
func (s Scope) Units() []quiz.Unit {
	var out []quiz.Unit
	for _, u := range s.units {
		if s.in[u.Code] {
			out = append(out, u)
		}
	}
	return out
}

// scopeOf builds m's scope from the unit tree as it stands.
func (c *Console) scopeOf(ctx context.Context, m quiz.Member) (Scope, error) {
	units, err := c.store.Units(ctx)
	if err != nil {
		return Scope{}, err
	}
	return NewScope(m, units), nil
}

// NewScope is m's scope in the tree of units (CanUse(m) assumed: anyone
// else gets an empty scope).
func NewScope(m quiz.Member, units []quiz.Unit) Scope {
	s := Scope{in: map[string]bool{}, names: map[string]string{}, units: units}
	children := map[string][]string{}
	for _, u := range units {
		s.names[u.Code] = u.Name
		if u.ParentCode != "" && u.ParentCode != u.Code {
			children[u.ParentCode] = append(children[u.ParentCode], u.Code)
		}
	}
	switch m.Role {
	case quiz.RoleOrganizer:
		s.all = true
		for _, u := range units {
			s.in[u.Code] = true
		}
	case quiz.RoleHead:
		s.root = m.UnitCode
		// The subtree; seen guards a cycle (the importer refuses them).
		stack := []string{m.UnitCode}
		for len(stack) > 0 {
			code := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if s.in[code] {
				continue
			}
			s.in[code] = true
			stack = append(stack, children[code]...)
		}
	}
	return s
}
