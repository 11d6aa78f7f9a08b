package rules

import (
	"reflect"
	"slices"
)

// Changes is what a reload changed: the names of the rules added, changed
// (any setting, the query included; moving a rule within or between files
// is no change) and removed, each sorted.
type Changes struct {
	Added, Changed, Removed []string
}

// Empty reports whether nothing changed.
func (c Changes) Empty() bool {
	return len(c.Added) == 0 && len(c.Changed) == 0 && len(c.Removed) == 0
}

// Compare returns what putting next in force instead of prev changes. A
// nil set has no rules.
func Compare(prev, next *Set) Changes {
	var c Changes
	before := map[string]*Rule{}
	if prev != nil {
		for _, r := range prev.rules {
			before[r.Name] = r
		}
	}
	if next != nil {
		for _, r := range next.rules {
			old, ok := before[r.Name]
			switch {
			case !ok:
				c.Added = append(c.Added, r.Name)
			case !sameRule(old, r):
				c.Changed = append(c.Changed, r.Name)
			}
			delete(before, r.Name)
		}
	}
	for name := range before {
		c.Removed = append(c.Removed, name)
	}
	slices.Sort(c.Added)
	slices.Sort(c.Changed)
	slices.Sort(c.Removed)
	return c
}

// sameRule reports whether a and b are the same rule wherever they are
// written.
func sameRule(a, b *Rule) bool {
	x, y := *a, *b
	x.File, x.Line, x.Col = "", 0, 0
	y.File, y.Line, y.Col = "", 0, 0
	return reflect.DeepEqual(x, y)
}
