package rules

import "fmt"

// lint looks for parts of a query that can never match. It is cheap and
// incomplete: it compares the operands of each AND with one another.
func lint(root node) []Warning {
	var out []Warning
	var walk func(n node)
	walk = func(n node) {
		switch n := n.(type) {
		case *andNode:
			out = append(out, lintAnd(n)...)
			for _, k := range n.kids {
				walk(k)
			}
		case *orNode:
			for _, k := range n.kids {
				walk(k)
			}
		case *notNode:
			walk(n.kid)
		}
	}
	walk(root)
	return out
}

// lintAnd finds operands of an AND that contradict each other: x AND NOT x,
// two languages that no item has at once, two unrelated domains.
func lintAnd(n *andNode) []Warning {
	var out []Warning
	never := func(at int, format string, args ...any) {
		out = append(out, Warning{Offset: at, Msg: "this part of the query can never match: " + fmt.Sprintf(format, args...)})
	}
	for i, a := range n.kids {
		for _, b := range n.kids[i+1:] {
			switch a := a.(type) {
			case *langNode:
				if b, ok := b.(*langNode); ok && !langOverlap(a.tag, b.tag) {
					never(b.at, "an item cannot be in both lang:%s and lang:%s", a.tag, b.tag)
				}
			case *domainNode:
				if b, ok := b.(*domainNode); ok && !hostInDomain(a.host, b.host) && !hostInDomain(b.host, a.host) {
					never(b.at, "an item link cannot be in both domain:%s and domain:%s", a.host, b.host)
				}
			}
		}
	}
	for _, k := range n.kids {
		not, ok := k.(*notNode)
		if !ok {
			continue
		}
		excluded, ok := not.kid.(*termNode)
		if !ok {
			continue
		}
		for _, other := range n.kids {
			t, ok := other.(*termNode)
			if ok && sameTerm(t, excluded) && excluded.field.mask()&t.field.mask() == t.field.mask() {
				never(not.at, "%s is both required and excluded", t)
			}
		}
	}
	return out
}
