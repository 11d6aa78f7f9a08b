package story

import (
	"encoding/binary"
	"slices"
)

// Across languages: an English and an Arabic or Hebrew report of one event
// share few words, but they name the same places, people, bodies, figures
// and dates, which the lexicon gives one identifier across the languages
// (as Event Registry links clusters across languages by shared entities:
// Rupnik et al., "News Across Languages", JAIR 2016). The index keeps the
// items that name each such fact, and an item that no story of its own
// script took is compared with the stories of other scripts that name its
// rare facts.

// factTerm is the dictionary's word for fact f: a zero byte and its four
// bytes, which no analysed word is (see scriptOf).
func factTerm(f uint32) string {
	var b [5]byte
	binary.BigEndian.PutUint32(b[1:], f)
	return string(b[:])
}

// termFact returns the fact whose term word is, if it is one (factTerm).
func termFact(word string) (uint32, bool) {
	if len(word) != 5 || word[0] != 0 {
		return 0, false
	}
	return uint32(word[1])<<24 | uint32(word[2])<<16 | uint32(word[3])<<8 | uint32(word[4]), true
}

// linkable reports whether f is a fact reports in other languages are
// compared by: places other than countries, people, bodies, figures,
// rounds and dates.
func linkable(f fact) bool {
	switch f.kind() {
	case factPlace:
		return lexKind(f.qual()) != kindCountry
	case factPerson, factBody, factFigure, factRound, factDate, factNumber:
		return true
	}
	return false
}

// anchors reports whether f can anchor a match across languages: a town
// or city, a person, a figure or a date. Bodies and regions are named by
// too many reports of a day.
func anchors(f fact) bool {
	switch f.kind() {
	case factPlace:
		return f.qual() == specific
	case factPerson, factFigure, factDate, factRound:
		return true
	case factNumber:
		return f.value() >= 2
	}
	return false
}

// The constants of the stage across languages.
const (
	// factPrior is the background share of a fact, as words have theirs
	// (see Rarity): with no window, a fact is taken to be in 1 item of 64.
	factPrior = 1.0 / 64
)

// crossCand is a story of another script that names rare facts of the
// item.
type crossCand struct {
	story   int64
	anchors bool // one of them is an anchor
}

// byFacts is the stage across languages (StageFacts). It looks at the
// stories with an item of another feed and another script that names a
// rare anchor of it, and joins the best that shares at least
// minCrossFacts facts, scores at least crossThreshold (see scoring), and whose
// event evidence does not disagree. It never joins a story that already
// holds a report of the item's own feed: an outlet's second report on a
// story's topic is most often another development of it (the next
// strike, the other delegation), which a few shared facts cannot tell
// from the first; the rare-word stage, which reads the texts, still may.
func (x *Index) byFacts(it *Item, w window) (Match, bool) {
	q := &x.q
	if len(it.Facts) == 0 || q.it != it {
		return Match{}, false
	}
	n := float64(x.docs[scriptNone] + 1)
	cands := x.crossCands[:0]
	clear(x.candOf)
	for _, f := range it.Facts {
		if !linkable(fact(f)) {
			continue
		}
		id, ok := x.dict.factID(f)
		if !ok || (float64(x.dict.terms[id].df+1)+backgroundItems*factPrior)/(n+backgroundItems) > maxRareShare {
			continue
		}
		r := postingReader{p: x.dict.terms[id].postings}
		for seq, more := r.next(); more; seq, more = r.next() {
			e := x.log.at(seq)
			if e == nil || !w.in(e) || e.feed == it.Feed || e.script == q.script {
				continue
			}
			ci, ok := x.candOf[e.story]
			if !ok {
				ci = int32(len(cands))
				x.candOf[e.story] = ci
				cands = append(cands, crossCand{story: e.story})
			}
			cands[ci].anchors = cands[ci].anchors || anchors(fact(f))
		}
	}
	x.crossCands = cands
	var (
		best      Match
		bestScore float64
	)
	for _, c := range cands {
		if !c.anchors {
			continue
		}
		x.members, x.memberSeqs = x.members[:0], x.memberSeqs[:0]
		own := false
		for seq := x.stories[c.story].head; seq != noSeq; seq = *x.log.chainNext(seq, storyChain) {
			if e := x.log.at(seq); w.in(e) {
				x.members = append(x.members, e)
				x.memberSeqs = append(x.memberSeqs, seq)
				own = own || e.feed == it.Feed
			}
		}
		if own {
			continue // see byFacts
		}
		// The score is at most 1 less the gap's penalty (the facts shared
		// weigh at most as much as either side's): a story too far in
		// time cannot reach the threshold, or beat the best so far,
		// whatever its facts, and they need not be read. Of those near
		// enough, only the ones sharing enough facts are weighed: in a
		// window of 100,000 items a rare fact has up to 2,000, and most
		// candidate stories fail one test or the other.
		gap := memberGap(it, x.members)
		if bound := 1 - q.sc.gapPenalty*gap; bound < q.sc.crossThreshold || (best.Stage != StageNew && bound <= bestScore) {
			continue
		}
		x.storyFacts(c.story, x.members, x.memberSeqs)
		if !x.crossFacts(it) {
			continue
		}
		s := x.crossWeigh(it, gap)
		if s < q.sc.crossThreshold || (best.Stage != StageNew && s <= bestScore) {
			continue
		}
		if _, vetoed := x.disagreeStory(it.Facts); vetoed {
			continue
		}
		first := x.members[0]
		best, bestScore = Match{Story: c.story, Item: first.id, Feed: first.feed, Stage: StageFacts, Score: s, Shared: x.sharedFacts(it)}, s
	}
	clear(x.members)
	if best.Stage == StageNew {
		return Match{}, false
	}
	return best, true
}

// mainScript returns the script most of the words of f (whose terms are
// ids in the dictionary) are written in, as query finds its item's.
func (x *Index) mainScript(f *Features, ids []uint32) script {
	var n [numScripts]int
	for _, forms := range f.Words {
		n[x.dict.terms[ids[forms[0]]].script]++
	}
	best := scriptNone // as query counts its item's script
	for s := scriptLatin; s < numScripts; s++ {
		if n[s] > n[best] {
			best = s
		}
	}
	return best
}

// sameLead reports whether the first towns or cities the titles of a and b
// name (of b, any of its items) agree, or one of them names none: reports
// in two languages share so few words that a title naming another place
// first is about another event.
func sameLead(a, b []uint32) bool {
	la, lb := leadPlaces(a), leadPlaces(b)
	if len(la) == 0 || len(lb) == 0 {
		return true
	}
	return agree(la, lb)
}

// sameLeadPlace reports whether the titles of a and b name the same town
// or city first: one shared fact is enough across languages when it is
// the place both titles lead with.
func sameLeadPlace(a, b []uint32) bool {
	la, lb := leadPlaces(a), leadPlaces(b)
	return len(la) == 1 && len(lb) == 1 && la[0] == lb[0]
}

// leadPlaces returns the factLeadPlace facts of fs.
func leadPlaces(fs []uint32) []uint32 {
	lo, _ := slices.BinarySearch(fs, makeFact(factLeadPlace, 0, 0))
	hi, _ := slices.BinarySearch(fs, makeFact(factLeadPlace+1, 0, 0))
	return fs[lo:hi]
}

// maxStoryFacts is the most stories whose facts the index keeps
// (Index.factsOf) between the items it compares with them: about 4 MB.
const maxStoryFacts = 1 << 14

// storyFacts is the facts of a story's members in the window, as
// Index.storyFacts last read them.
type storyFacts struct {
	seqs  []uint32 // the members
	facts []uint32 // theirs, in increasing order, each once
	ids   []uint32 // the terms of facts (see Index.factIDs)
	first []uint32 // of the first member
}

// storyFacts puts the facts of a story, given as its members in the window
// (at least one), in x.facts (in increasing order, each once), their terms
// in x.factIDs, and the facts of its first member in x.firstFacts. The
// stage across languages compares an item with a dozen stories of other
// scripts, and most of them with the next items again: when seqs, the
// members' seqs, is not nil, the facts are kept by story (x.factsOf) and
// read again while the story has the same members. An entry's facts do not
// change while its seq names it, and their terms live while it does.
func (x *Index) storyFacts(story int64, members []*entry, seqs []uint32) {
	var sf *storyFacts
	if seqs != nil {
		if sf = x.factsOf[story]; sf != nil && slices.Equal(sf.seqs, seqs) {
			x.facts = append(x.facts[:0], sf.facts...)
			x.factIDs = append(x.factIDs[:0], sf.ids...)
			x.firstFacts = append(x.firstFacts[:0], sf.first...)
			return
		}
	}
	x.facts = x.facts[:0]
	for i, e := range members {
		from := len(x.facts)
		x.facts = x.entryFacts(x.facts, e)
		if i == 0 {
			x.firstFacts = append(x.firstFacts[:0], x.facts[from:]...)
		}
	}
	slices.Sort(x.facts)
	x.facts = slices.Compact(x.facts)
	x.factIDs = x.factIDs[:0]
	for _, f := range x.facts {
		id := uint32(noTerm)
		if linkable(fact(f)) {
			id, _ = x.dict.factID(f)
		}
		x.factIDs = append(x.factIDs, id)
	}
	if seqs == nil {
		return
	}
	if sf == nil {
		if x.factsOf == nil || len(x.factsOf) >= maxStoryFacts {
			x.factsOf = make(map[int64]*storyFacts)
		}
		sf = &storyFacts{}
		x.factsOf[story] = sf
	}
	sf.seqs = append(sf.seqs[:0], seqs...)
	sf.facts = append(sf.facts[:0], x.facts...)
	sf.ids = append(sf.ids[:0], x.factIDs...)
	sf.first = append(sf.first[:0], x.firstFacts...)
}
