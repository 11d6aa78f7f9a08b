package rules

import (
	"slices"

	"github.com/newswatch/newswatch/internal/analysis"
)

// scratch is the working memory of one Set.Match call, pooled so that
// matching allocates little. Per-term and per-rule arrays are marked with a
// generation number instead of being cleared for every item.
type scratch struct {
	an   analysis.Analyzer
	doc  document
	eval evaluation

	gen uint32
	// For term id t: stamp[t] == gen when t occurs in the item, and then
	// lists[slot[t]] holds its positions and masks[slot[t]] the fields of
	// the segments it occurs in.
	stamp []uint32
	slot  []int32
	lists [][]pos
	masks []fieldMask
	used  int     // lists in use for this item
	found []int32 // ids of the terms that occur, in the order found

	// ruleStamp[r] == gen when rule r met its first requirement.
	ruleStamp []uint32
	met       []int32 // rules that met their first requirement
	cands     []int32 // candidate rules, sorted
	forms     []string
}

func newScratch(s *Set) *scratch {
	return &scratch{
		stamp:     make([]uint32, len(s.dict.terms)),
		slot:      make([]int32, len(s.dict.terms)),
		ruleStamp: make([]uint32, len(s.rules)),
		forms:     make([]string, 0, analysis.MaxForms),
	}
}

// nextGen starts a new item.
func (sc *scratch) nextGen() {
	sc.gen++
	if sc.gen == 0 { // wrapped: old marks could look current
		clear(sc.stamp)
		clear(sc.ruleStamp)
		sc.gen = 1
	}
	sc.used = 0
	sc.found = sc.found[:0]
	sc.met = sc.met[:0]
	sc.cands = sc.cands[:0]
}

// find implements occurrences from the positions collected for the item.
func (sc *scratch) find(t *termRef) []pos { return sc.findID(t.id) }

// findID returns the positions of term id in the item.
func (sc *scratch) findID(id int32) []pos {
	if sc.stamp[id] != sc.gen {
		return nil
	}
	return sc.lists[sc.slot[id]]
}

// anyFound reports whether one of the terms ids occurs in the item.
func (sc *scratch) anyFound(ids []int32) bool {
	for _, id := range ids {
		if sc.stamp[id] == sc.gen {
			return true
		}
	}
	return false
}

// occursIn reports whether term id occurs in a segment of one of fields.
func (sc *scratch) occursIn(id int32, fields fieldMask) bool {
	return sc.stamp[id] == sc.gen && sc.masks[sc.slot[id]]&fields != 0
}

// add records that term id occurs at p, in a segment of field f.
func (sc *scratch) add(id int32, p pos, f field) {
	if sc.stamp[id] != sc.gen {
		sc.stamp[id] = sc.gen
		if sc.used == len(sc.lists) {
			sc.lists = append(sc.lists, nil)
			sc.masks = append(sc.masks, 0)
		}
		sc.slot[id] = int32(sc.used)
		sc.lists[sc.used] = sc.lists[sc.used][:0]
		sc.masks[sc.used] = 0
		sc.used++
		sc.found = append(sc.found, id)
	}
	sc.masks[sc.slot[id]] |= 1 << f
	l := &sc.lists[sc.slot[id]]
	if n := len(*l); n > 0 && (*l)[n-1] == p {
		return // another form of the same token matched
	}
	*l = append(*l, p)
}

// collect looks every token of the document up in the Set's dictionary,
// recording where each term occurs, and gathers the candidate rules: those
// whose every requirement contains a term that occurs, and those that have
// no requirement.
func (sc *scratch) collect(s *Set) {
	sc.nextGen()
	d := s.dict
	var p pos
	var f field
	add := func(id int32) { sc.add(id, p, f) }
	for si := range sc.doc.segs {
		f = sc.doc.segs[si].field
		for ti := range sc.doc.segs[si].toks {
			tok := &sc.doc.segs[si].toks[ti]
			p = pos{seg: int32(si), tok: int32(ti)}
			for _, form := range analysis.Forms(sc.forms[:0], tok.Text) {
				d.folded.match(form, add)
			}
			if d.hasCased && (d.casedCaseless || tok.Cased != tok.Text) {
				for _, form := range analysis.Forms(sc.forms[:0], tok.Cased) {
					d.cased.match(form, add)
				}
			}
		}
	}
	for _, id := range sc.found {
		for _, r := range s.postings[id] {
			if sc.ruleStamp[r] != sc.gen {
				sc.ruleStamp[r] = sc.gen
				sc.met = append(sc.met, r)
			}
		}
	}
	// A rule that met its first requirement is a candidate if it has no
	// second one or meets it too. Checking the few terms of each such rule
	// costs less than marking every rule that lists a common word second.
	for _, r := range sc.met {
		second := s.second[s.secondAt[r]:s.secondAt[r+1]]
		if len(second) == 0 || sc.anyFound(second) {
			sc.cands = append(sc.cands, r)
		}
	}
	// Rules in always have no requirement, so they are not in postings.
	sc.cands = append(sc.cands, s.always...)
	slices.Sort(sc.cands)
}
