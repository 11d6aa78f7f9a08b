package rules

import (
	"cmp"
	"slices"
	"unicode/utf8"
)

// Candidate selection, in the manner of Lucene's Monitor and the
// Elasticsearch percolator: for each rule we pick a set of terms such that
// every item the rule matches contains at least one of them (in any field).
// The Set keeps an inverted index from those terms to rules; an item's
// tokens then select the few rules worth evaluating. A rule without such a
// set (a regexp, domain: or lang: alone, or an OR with such a branch) is
// evaluated for every item.

// requirement is a disjunction of terms, one of which every match contains,
// with a guess of how often it occurs in items: lower is rarer and better.
type requirement struct {
	terms []*termRef
	cost  float64
}

// maxPasses is how many requirements a rule is indexed by. As in Lucene
// Monitor's multipass presearcher, a rule is a candidate only when an item
// meets all of them: ("benjamin netanyahu" OR gantz) AND (talks OR
// ceasefire) is indexed by its names and by its topics, so an item about
// talks that names neither man does not select it.
const maxPasses = 2

// requirements returns up to maxPasses independent requirements of m,
// cheapest first; none when m has no requirement (it can match without
// any particular term, like a regexp).
func requirements(m matcher) []requirement {
	switch m := m.(type) {
	case *termMatch:
		// Each element of a phrase is required; take the rarest two.
		var out []requirement
		for _, t := range m.elems {
			out = append(out, requirement{terms: []*termRef{t}, cost: termCost(t)})
		}
		return cheapest(out)
	case *allOf:
		// Every operand's requirements hold.
		var out []requirement
		for _, k := range m.kids {
			out = append(out, requirements(k)...)
		}
		return cheapest(out)
	case *anyOf:
		// A match of the OR is a match of one operand: the union of the
		// operands' first requirements is required, and so is the union
		// of their second ones (or first, for operands with one).
		out := make([]requirement, maxPasses)
		two := false // some operand has two requirements
		for _, k := range m.kids {
			rs := requirements(k)
			if len(rs) == 0 {
				return nil
			}
			two = two || len(rs) > 1
			for pass := range out {
				r := rs[min(pass, len(rs)-1)]
				out[pass].terms = append(out[pass].terms, r.terms...)
				out[pass].cost += r.cost
			}
		}
		if len(m.kids) == 0 {
			return nil
		}
		if !two {
			return out[:1] // the passes would be the same
		}
		return cheapest(out)
	case *near:
		return cheapest([]requirement{alternatives(m.left), alternatives(m.right)})
	}
	return nil
}

// cheapest returns the maxPasses cheapest requirements of rs.
func cheapest(rs []requirement) []requirement {
	slices.SortStableFunc(rs, func(a, b requirement) int { return cmp.Compare(a.cost, b.cost) })
	return rs[:min(len(rs), maxPasses)]
}

// alternatives is the requirement of a NEAR operand: one of its terms'.
func alternatives(terms []*termMatch) requirement {
	var all requirement
	for _, t := range terms {
		r := requirements(t)[0]
		all.terms = append(all.terms, r.terms...)
		all.cost += r.cost
	}
	return all
}

// termCost guesses how common a term is in news text from its length, as
// Lucene Monitor's default term weighting does: short words are common, and
// a prefix matches many words.
func termCost(t *termRef) float64 {
	n := utf8.RuneCountInString(t.text)
	cost := 1 / float64(n*n)
	if t.prefix {
		cost *= 8
	}
	return cost
}
