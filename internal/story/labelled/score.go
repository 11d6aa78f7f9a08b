package labelled

import (
	"fmt"
	"slices"
	"strings"
)

// Pairs counts pairs of labelled items: TP pairs put in one story that
// are one story, FP pairs put in one story that are not, FN pairs of one
// story put apart.
type Pairs struct {
	TP, FP, FN int
}

// Precision is TP / (TP + FP): of the pairs put together, the share that
// belong together. It is 1 when nothing was put together.
func (p Pairs) Precision() float64 {
	if p.TP+p.FP == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FP)
}

// Recall is TP / (TP + FN): of the pairs that belong together, the share
// put together. It is 1 when nothing belongs together.
func (p Pairs) Recall() float64 {
	if p.TP+p.FN == 0 {
		return 1
	}
	return float64(p.TP) / float64(p.TP+p.FN)
}

func (p Pairs) String() string {
	return fmt.Sprintf("precision %.3f recall %.3f (TP %d FP %d FN %d)", p.Precision(), p.Recall(), p.TP, p.FP, p.FN)
}

// Count counts the pairs of items of s for which count returns true (nil
// counts every pair), comparing the stories a grouping gave them
// (stories[i] is the story of s.Items[i]) with their labels. Pairs with an
// unclear item are never counted.
func (s *Set) Count(stories []int64, count func(a, b *Item) bool) Pairs {
	var p Pairs
	for i := range s.Items {
		a := &s.Items[i]
		if a.Label == "" {
			continue
		}
		for j := i + 1; j < len(s.Items); j++ {
			b := &s.Items[j]
			if b.Label == "" || (count != nil && !count(a, b)) {
				continue
			}
			same, together := a.Label == b.Label, stories[i] == stories[j]
			switch {
			case same && together:
				p.TP++
			case together:
				p.FP++
			case same:
				p.FN++
			}
		}
	}
	return p
}

// SameLanguage counts pairs of items in one language.
func SameLanguage(a, b *Item) bool { return a.Lang == b.Lang }

// CrossLanguage counts pairs of items in two languages.
func CrossLanguage(a, b *Item) bool { return a.Lang != b.Lang }

// BothReal counts pairs of two real (captured) items.
func BothReal(a, b *Item) bool { return !a.Written && !b.Written }

// BothWritten counts pairs of two items written for the set.
func BothWritten(a, b *Item) bool { return a.Written && b.Written }

// Mixed counts pairs of a real and a written item.
func Mixed(a, b *Item) bool { return a.Written != b.Written }

// Report is how a grouping of a set scores.
type Report struct {
	// All counts every pair; the others the pairs of their kind.
	All, SameLanguage, CrossLanguage, Real, Written, Mixed Pairs
	// HardNegatives is how many hard-negative pairs the set declares;
	// Merged those whose two events the grouping put in one story (an
	// item of each in one story).
	HardNegatives int
	Merged        []HardNegative
}

// Score scores a grouping of s: stories[i] is the story of s.Items[i].
func (s *Set) Score(stories []int64) Report {
	if len(stories) != len(s.Items) {
		panic(fmt.Sprintf("labelled: %d stories for %d items", len(stories), len(s.Items)))
	}
	r := Report{
		All:           s.Count(stories, nil),
		SameLanguage:  s.Count(stories, SameLanguage),
		CrossLanguage: s.Count(stories, CrossLanguage),
		Real:          s.Count(stories, BothReal),
		Written:       s.Count(stories, BothWritten),
		Mixed:         s.Count(stories, Mixed),
		HardNegatives: len(s.HardNegatives),
	}
	byLabel := map[string]map[int64]bool{}
	for i, it := range s.Items {
		if byLabel[it.Label] == nil {
			byLabel[it.Label] = map[int64]bool{}
		}
		byLabel[it.Label][stories[i]] = true
	}
	for _, p := range s.HardNegatives {
		for story := range byLabel[p.A] {
			if byLabel[p.B][story] {
				r.Merged = append(r.Merged, p)
				break
			}
		}
	}
	return r
}

// String prints the report's figures, one line each; it names no item.
func (r Report) String() string {
	var b strings.Builder
	for _, line := range []struct {
		name string
		p    Pairs
	}{
		{"all pairs", r.All},
		{"same-language pairs", r.SameLanguage},
		{"cross-language pairs", r.CrossLanguage},
		{"real items' pairs", r.Real},
		{"written items' pairs", r.Written},
		{"real-written pairs", r.Mixed},
	} {
		fmt.Fprintf(&b, "%-22s %s\n", line.name+":", line.p)
	}
	kinds := map[string]int{}
	for _, p := range r.Merged {
		kinds[p.Kind]++
	}
	var ks []string
	for k, n := range kinds {
		ks = append(ks, fmt.Sprintf("%s %d", k, n))
	}
	slices.Sort(ks)
	fmt.Fprintf(&b, "hard-negative pairs merged: %d of %d", len(r.Merged), r.HardNegatives)
	if len(ks) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(ks, ", "))
	}
	b.WriteString("\n")
	return b.String()
}

// Stats describes a set.
type Stats struct {
	// Items counts every item, Labelled those with a clear label, Real and
	// Written the labelled ones by provenance.
	Items, Labelled, Real, Written int
	// Stories counts the events reported by a labelled item; Multi those
	// reported by two items or more, MultiOutlet by two outlets or more,
	// CrossLanguage in two languages or more.
	Stories, Multi, MultiOutlet, CrossLanguage int
	// SamePairs counts the pairs of items of one story: SameLanguagePairs
	// in one language, CrossLanguagePairs in two.
	SamePairs, SameLanguagePairs, CrossLanguagePairs int
	// HardNegatives counts the declared hard-negative pairs.
	HardNegatives int
	// Outlets and Languages count the labelled items by outlet and by
	// language.
	Outlets, Languages map[string]int
}

// Stats counts s's items, stories and pairs; background items (outlet
// "background") are left out.
func (s *Set) Stats() Stats {
	st := Stats{HardNegatives: len(s.HardNegatives), Outlets: map[string]int{}, Languages: map[string]int{}}
	type story struct {
		items          []*Item
		outlets, langs map[string]bool
	}
	stories := map[string]*story{}
	for i := range s.Items {
		it := &s.Items[i]
		if it.Outlet == "background" {
			continue
		}
		st.Items++
		if it.Label == "" {
			continue
		}
		st.Labelled++
		if it.Written {
			st.Written++
		} else {
			st.Real++
		}
		st.Outlets[it.Outlet]++
		st.Languages[it.Lang]++
		x := stories[it.Label]
		if x == nil {
			x = &story{outlets: map[string]bool{}, langs: map[string]bool{}}
			stories[it.Label] = x
		}
		x.items = append(x.items, it)
		x.outlets[it.Outlet] = true
		x.langs[it.Lang] = true
	}
	st.Stories = len(stories)
	for _, x := range stories {
		if len(x.items) > 1 {
			st.Multi++
		}
		if len(x.outlets) > 1 {
			st.MultiOutlet++
		}
		if len(x.langs) > 1 {
			st.CrossLanguage++
		}
		for i, a := range x.items {
			for _, b := range x.items[i+1:] {
				st.SamePairs++
				if a.Lang == b.Lang {
					st.SameLanguagePairs++
				} else {
					st.CrossLanguagePairs++
				}
			}
		}
	}
	return st
}

func (st Stats) String() string {
	return fmt.Sprintf("%d items (%d labelled: %d real, %d written), %d stories (%d of two items or more, %d of two outlets or more, %d in two languages or more), "+
		"%d same-story pairs (%d same-language, %d cross-language), %d hard-negative pairs, %d outlets, languages %v",
		st.Items, st.Labelled, st.Real, st.Written, st.Stories, st.Multi, st.MultiOutlet, st.CrossLanguage,
		st.SamePairs, st.SameLanguagePairs, st.CrossLanguagePairs, st.HardNegatives, len(st.Outlets), st.Languages)
}
