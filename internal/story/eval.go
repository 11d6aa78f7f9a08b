package story

import (
	"cmp"
	"slices"
)

// Labelled is an item of a labelled set: an item and the story a person
// assigned it to. Items with the same Label are one story; an empty Label
// marks an item whose story is unclear: it is clustered like the others
// (it can draw items to it) but no pair with it is counted.
type Labelled struct {
	Item  Item
	Label string
}

// Pairs counts pairs of items: TP pairs put in one story that are one
// story, FP pairs put in one story that are not, FN pairs of one story put
// apart.
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

// Assignment is what Cluster decided for one item.
type Assignment struct {
	Labelled
	Story int64
	Match Match
}

// Cluster runs items through a new Index with options o the way the daemon
// does: in the order they were seen (then by ID), each assigned to a story
// (a new one, numbered from 1, when none matched) and then added. It
// returns the assignments in that order.
func Cluster(items []Labelled, o Options) []Assignment {
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b Labelled) int {
		if c := a.Item.Seen.Compare(b.Item.Seen); c != 0 {
			return c
		}
		return cmp.Compare(a.Item.ID, b.Item.ID)
	})
	x := NewIndex(o)
	out := make([]Assignment, len(sorted))
	var next int64
	for i, l := range sorted {
		it := l.Item
		m := x.Assign(&it)
		if m.Stage == StageNew {
			next++
			m.Story = next
		}
		it.Story = m.Story
		x.Add(it)
		out[i] = Assignment{Labelled: l, Story: m.Story, Match: m}
	}
	return out
}

// Score counts the pairs of assignments for which count returns true (nil
// counts every pair), comparing the stories assigned with the labels.
// Pairs with an unlabelled item are never counted.
func Score(as []Assignment, count func(a, b *Assignment) bool) Pairs {
	var p Pairs
	for i := range as {
		for j := i + 1; j < len(as); j++ {
			a, b := &as[i], &as[j]
			if a.Label == "" || b.Label == "" || (count != nil && !count(a, b)) {
				continue
			}
			same, together := a.Label == b.Label, a.Story == b.Story
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
