package story

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
)

// Defaults of Options.
const (
	// DefaultWindow is how long an item can be joined by later reports.
	DefaultWindow = 48 * time.Hour
	// DefaultThreshold is the score an item must reach with an item of a
	// story to join it by shared rare terms (see Options.Threshold).
	DefaultThreshold = 0.35
	// DefaultMinShared is the fewest rare terms two items must share to be
	// compared by the second stage at all.
	DefaultMinShared = 3
)

// MaxDistance is the largest Hamming distance between the fingerprints of
// two near-duplicates: 3 of 64 bits, the value Manku et al. found to
// separate near-duplicate web pages best.
const MaxDistance = 3

// Stage says how an item was found to belong to a story.
type Stage int

// The stages of Assign, in the order it tries them.
const (
	// StageNew: no story matched; the item starts a story of its own.
	StageNew Stage = iota
	// StageLink: an item of the story has the same canonical link.
	StageLink
	// StageSimHash: an item of the story is a near-duplicate (reused wire
	// copy, a syndicated summary): fingerprints within MaxDistance.
	StageSimHash
	// StageTerms: an item of the story from another feed shares enough
	// rare terms (names, places, figures) and title words, close enough in
	// time: another outlet's own report of the same event.
	StageTerms
)

// String returns "new", "link", "simhash" or "terms".
func (s Stage) String() string {
	switch s {
	case StageNew:
		return "new"
	case StageLink:
		return "link"
	case StageSimHash:
		return "simhash"
	case StageTerms:
		return "terms"
	}
	return fmt.Sprintf("Stage(%d)", int(s))
}

// Options tune an Index. The zero value means every default.
type Options struct {
	// Window is how far back, by the time items were seen, an item looks
	// for its story; DefaultWindow when zero.
	Window time.Duration
	// Threshold is the score an item needs with an item of another feed
	// to join its story in the second stage; DefaultThreshold when zero.
	// The score is
	// the overlap of the two items' terms, each weighted by its rarity in
	// the window (inverse document frequency), as a share of the smaller
	// item's weight, plus half the same overlap of their titles, minus
	// GapPenalty per day between their publication times.
	Threshold float64
	// MinShared is the fewest rare terms the two items must share;
	// DefaultMinShared when zero.
	MinShared int
	// Stages selects the stages Assign tries; zero means AllStages. Only
	// for measuring the stages apart.
	Stages Stages

	tuning *scoring // tests: other scoring constants
}

// Stages is a set of Assign's stages.
type Stages uint8

// The stages of Assign, as a set.
const (
	// NearDuplicates: the same canonical link, a near-duplicate
	// fingerprint (StageLink, StageSimHash).
	NearDuplicates Stages = 1 << iota
	// SharedTerms: shared rare terms (StageTerms).
	SharedTerms
	// AllStages is both.
	AllStages = NearDuplicates | SharedTerms
)

func (o Options) stages() Stages {
	if o.Stages == 0 {
		return AllStages
	}
	return o.Stages
}

// scoring holds the constants of the second stage's score.
type scoring struct {
	// titleWeight is the weight of the titles' overlap in the score.
	titleWeight float64
	// gapPenalty is taken off the score per day between the two items'
	// publication times.
	gapPenalty float64
	// A term is rare when at most rareFraction of the window's items (and
	// at least minRareDF of them) have it. Only rare terms find candidates;
	// every term counts in the score.
	rareFraction float64
	minRareDF    int
	// minWindow is the fewest items of the window written in an item's
	// script for the second stage to compare it at all: rarity needs a
	// window to be measured in. Until then (the first polls after a start
	// with an empty database) only the first stage joins stories.
	minWindow int
	// minWords is the fewest words an item needs for the second stage:
	// a few words shared by two headlines of four or five words are not
	// evidence of one event.
	minWords int
	// minDocs is the fewest items a script's document frequencies are
	// taken among: a window that has fewer (the first hours after a
	// start) weighs words as if the rest of the items lacked them, so
	// that words shared by two items of a near-empty window still count.
	minDocs int
}

// defaultScoring was tuned on the labelled set in testdata
// (docs/stories.md).
var defaultScoring = scoring{
	titleWeight:  0.25,
	gapPenalty:   0.5,
	rareFraction: 0.002,
	minRareDF:    8,
	minWindow:    30,
	minWords:     6,
	minDocs:      0,
}

func (o Options) scoring() *scoring {
	if o.tuning != nil {
		return o.tuning
	}
	return &defaultScoring
}

func (o Options) window() time.Duration {
	if o.Window > 0 {
		return o.Window
	}
	return DefaultWindow
}

func (o Options) threshold() float64 {
	if o.Threshold != 0 {
		return o.Threshold
	}
	return DefaultThreshold
}

func (o Options) minShared() int {
	if o.MinShared > 0 {
		return o.MinShared
	}
	return DefaultMinShared
}

// Item is one item as the index knows it.
type Item struct {
	// ID identifies the item (the store's item ID).
	ID int64
	// Story is the story the item belongs to; Assign ignores it.
	Story int64
	// Feed identifies the item's feed: the second stage joins items of
	// different feeds only.
	Feed int64
	// Canonical is the item's canonical link, "" when it has none.
	Canonical string
	// Published is the item's publication time, zero when unknown (Seen
	// stands in).
	Published time.Time
	// Seen is when the item was recorded; the window counts with it.
	Seen time.Time
	Features
}

func (it *Item) when() time.Time {
	if !it.Published.IsZero() {
		return it.Published
	}
	return it.Seen
}

// Match is the story Assign found for an item.
type Match struct {
	// Story is the story to join; 0 with StageNew.
	Story int64
	// Item is the item of the story that matched, and Feed its feed.
	Item  int64
	Feed  int64
	Stage Stage
	// Distance is the Hamming distance of the fingerprints (StageSimHash).
	Distance int
	// Score is the second stage's score (StageTerms).
	Score float64
}

// Index holds the items of the window and finds the story of a new item
// without scanning the window: canonical links in a hash map, fingerprints
// in four tables keyed by one 16-bit block each (Manku et al.'s method
// for Hamming distance 3), terms in an inverted index with their document
// frequencies. It is safe for concurrent use.
type Index struct {
	opt Options

	mu      sync.Mutex
	byID    map[int64]*entry
	stories map[int64][]*entry // the items of each story
	// docs counts the items with words in each script: a form's rarity
	// is measured among the items that could have it, so that the common
	// words of the window's smaller languages do not pass for rare.
	docs  [numScripts]int
	order []*entry // by time added; expired from the front
	links map[string][]*entry
	bands [4]map[uint16][]*entry
	terms map[string]*term
}

// entry is an item in the index.
type entry struct {
	Item
	removed bool
	scripts uint8   // the scripts of its terms, a bit each
	terms   []*term // parallel to Item.Terms
	title   []bool  // Terms[i] is a form of a title word
	// surfaces holds, per word, the index in Terms of the word as
	// written (Item.Words is dropped: its forms are not needed again).
	surfaces []uint16
}

// term is one term of the window: how many live items have it, and the
// items that had it (removed ones are dropped lazily).
type term struct {
	word     string
	script   script
	df       int
	postings []*entry
	dead     int // removed entries still in postings
}

// NewIndex returns an empty index.
func NewIndex(o Options) *Index {
	x := &Index{
		opt:     o,
		byID:    map[int64]*entry{},
		stories: map[int64][]*entry{},
		links:   map[string][]*entry{},
		terms:   map[string]*term{},
	}
	for i := range x.bands {
		x.bands[i] = map[uint16][]*entry{}
	}
	return x
}

// Len returns the number of items in the index.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.byID)
}

// Add puts it in the index, replacing an item with its ID. Add keeps it;
// the caller must not change it afterwards.
func (x *Index) Add(it Item) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if old := x.byID[it.ID]; old != nil {
		x.remove(old)
	}
	e := &entry{Item: it}
	x.byID[it.ID] = e
	x.stories[it.Story] = append(x.stories[it.Story], e)
	x.order = append(x.order, e)
	if it.Canonical != "" {
		x.links[it.Canonical] = append(x.links[it.Canonical], e)
	}
	if it.Shingles >= MinShingles {
		for i := range x.bands {
			k := band(it.SimHash, i)
			x.bands[i][k] = append(x.bands[i][k], e)
		}
	}
	// The entry keeps the index's copy of each term (a term of an item
	// may be a substring of its whole text) and, of its words, only the
	// surface form: what scoring it as a candidate needs.
	e.terms = make([]*term, len(it.Terms))
	e.Terms = make([]string, len(it.Terms))
	for i, w := range it.Terms {
		t := x.terms[w]
		if t == nil {
			t = &term{word: strings.Clone(w), script: scriptOf(w)}
			x.terms[t.word] = t
		}
		t.df++
		t.postings = append(t.postings, e)
		e.terms[i], e.Terms[i] = t, t.word
	}
	e.scripts = scriptsOf(it.Terms)
	for sc := range numScripts {
		if e.scripts&(1<<sc) != 0 {
			x.docs[sc]++
		}
	}
	e.title = make([]bool, len(it.Terms))
	for _, forms := range it.Words[:it.TitleWords] {
		for _, k := range forms {
			e.title[k] = true
		}
	}
	e.surfaces = make([]uint16, len(it.Words))
	for i, forms := range it.Words {
		e.surfaces[i] = forms[0]
	}
	e.Words = nil
}

// Remove takes the item id out of the index, if it is there.
func (x *Index) Remove(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if e := x.byID[id]; e != nil {
		x.remove(e)
	}
}

// Expire removes the items seen before t and returns how many.
func (x *Index) Expire(t time.Time) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	n, i := 0, 0
	for ; i < len(x.order); i++ {
		e := x.order[i]
		if e.removed {
			continue
		}
		if !e.Seen.Before(t) {
			break
		}
		x.remove(e)
		n++
	}
	clear(x.order[:i])
	x.order = x.order[i:]
	return n
}

func (x *Index) remove(e *entry) {
	e.removed = true
	delete(x.byID, e.ID)
	x.stories[e.Story] = without(x.stories[e.Story], e)
	if len(x.stories[e.Story]) == 0 {
		delete(x.stories, e.Story)
	}
	if e.Canonical != "" {
		x.links[e.Canonical] = without(x.links[e.Canonical], e)
		if len(x.links[e.Canonical]) == 0 {
			delete(x.links, e.Canonical)
		}
	}
	if e.Shingles >= MinShingles {
		for i := range x.bands {
			k := band(e.SimHash, i)
			x.bands[i][k] = without(x.bands[i][k], e)
			if len(x.bands[i][k]) == 0 {
				delete(x.bands[i], k)
			}
		}
	}
	for sc := range numScripts {
		if e.scripts&(1<<sc) != 0 {
			x.docs[sc]--
		}
	}
	for i, t := range e.terms {
		t.df--
		t.dead++
		if t.df == 0 {
			delete(x.terms, e.Terms[i])
		} else if t.dead*2 > len(t.postings) {
			t.compact()
		}
	}
}

// compact drops removed entries from the postings.
func (t *term) compact() {
	kept := t.postings[:0]
	for _, e := range t.postings {
		if !e.removed {
			kept = append(kept, e)
		}
	}
	clear(t.postings[len(kept):])
	t.postings, t.dead = kept, 0
}

// without removes e from list, keeping the order.
func without(list []*entry, e *entry) []*entry {
	for i, x := range list {
		if x == e {
			copy(list[i:], list[i+1:])
			list[len(list)-1] = nil
			return list[:len(list)-1]
		}
	}
	return list
}

// Assign finds the story it belongs to among the items of the window
// (those seen at most Window before it.Seen), trying in order: the same
// canonical link, a near-duplicate fingerprint, and shared rare terms with
// an item of another feed. It does not add it to the index.
func (x *Index) Assign(it *Item) Match {
	x.mu.Lock()
	defer x.mu.Unlock()
	since := it.Seen.Add(-x.opt.window())
	in := func(e *entry) bool { return !e.removed && !e.Seen.Before(since) && e.ID != it.ID }

	stages := x.opt.stages()
	if it.Canonical != "" && stages&NearDuplicates != 0 {
		var best *entry
		for _, e := range x.links[it.Canonical] {
			if in(e) && (best == nil || e.Seen.Before(best.Seen)) {
				best = e
			}
		}
		if best != nil {
			return Match{Story: best.Story, Item: best.ID, Feed: best.Feed, Stage: StageLink}
		}
	}

	if it.Shingles >= MinShingles && stages&NearDuplicates != 0 {
		var best *entry
		bestDist := MaxDistance + 1
		for i := range x.bands {
			for _, e := range x.bands[i][band(it.SimHash, i)] {
				if !in(e) {
					continue
				}
				d := Distance(it.SimHash, e.SimHash)
				if d < bestDist || (d == bestDist && best != nil && e.Seen.Before(best.Seen)) {
					best, bestDist = e, d
				}
			}
		}
		if best != nil {
			return Match{Story: best.Story, Item: best.ID, Feed: best.Feed, Stage: StageSimHash, Distance: bestDist}
		}
	}

	if stages&SharedTerms != 0 {
		if m, ok := x.byTerms(it, in); ok {
			return m
		}
	}
	return Match{Stage: StageNew}
}

// byTerms is the second stage. Candidates are the stories with an item of
// another feed that shares a word with it by a rare form; a story is
// compared with it as one text, the union of the words of its items in the
// window (see query.score), and only when they share at least MinShared
// words by a rare form. The best story at or above the threshold wins.
func (x *Index) byTerms(it *Item, in func(*entry) bool) (Match, bool) {
	q := x.query(it)
	if q.n[q.script] < q.sc.minWindow || len(it.Words) < q.sc.minWords {
		return Match{}, false
	}
	// Count, per candidate story, the words of it it has by a rare form.
	type candidate struct {
		words int // words of it shared by a rare form
		last  int // the last word of it counted, +1
	}
	cands := map[int64]*candidate{}
	for i, forms := range it.Words {
		for _, k := range forms {
			t := x.terms[it.Terms[k]]
			if t == nil || t.df > q.rareDF[t.script] {
				continue
			}
			for _, e := range t.postings {
				if !in(e) || e.Feed == it.Feed {
					continue
				}
				c := cands[e.Story]
				if c == nil {
					c = &candidate{}
					cands[e.Story] = c
				}
				if c.last != i+1 {
					c.words++
					c.last = i + 1
				}
			}
		}
	}
	var (
		best      Match
		bestScore float64
		found     bool
	)
	minShared := x.opt.minShared()
	for story, c := range cands {
		if c.words < minShared {
			continue
		}
		var members []*entry
		for _, e := range x.stories[story] {
			if in(e) {
				members = append(members, e)
			}
		}
		s, rare := q.score(members)
		if rare < minShared {
			continue
		}
		first := members[0] // the earliest report: the one to name
		if !found || s > bestScore || (s == bestScore && first.Seen.Before(x.byID[best.Item].Seen)) {
			best, bestScore, found = Match{Story: story, Item: first.ID, Feed: first.Feed, Stage: StageTerms, Score: s}, s, true
		}
	}
	if !found || bestScore < x.opt.threshold() {
		return Match{}, false
	}
	return best, true
}

// query is an item being compared with the window: the weights of its
// forms by the window's document frequencies.
type query struct {
	it *Item
	sc *scoring
	// n counts, per script, the window's items with words in it, it
	// included; rareDF is the highest document frequency of a rare form.
	n, rareDF [numScripts]int
	w         []float64 // weights of it.Terms
	total     float64   // weight of its words
	title     float64   // weight of its title words
	script    script    // the script most of its words are written in
}

func (x *Index) query(it *Item) *query {
	sc := x.opt.scoring()
	q := &query{it: it, sc: sc, n: x.docs}
	own := scriptsOf(it.Terms)
	for s := range numScripts {
		if own&(1<<s) != 0 {
			q.n[s]++
		}
		q.rareDF[s] = max(sc.minRareDF, int(sc.rareFraction*float64(q.n[s])))
	}
	q.w = make([]float64, len(it.Terms))
	for k, s := range it.Terms {
		df := 0
		if t := x.terms[s]; t != nil {
			df = t.df
		}
		q.w[k] = q.weight(scriptOf(s), df+1)
	}
	var words [numScripts]int
	for i, forms := range it.Words {
		q.total += q.w[forms[0]]
		if i < it.TitleWords {
			q.title += q.w[forms[0]]
		}
		words[scriptOf(it.Terms[forms[0]])]++
	}
	for s := scriptLatin; s < numScripts; s++ {
		if words[s] > words[q.script] {
			q.script = s
		}
	}
	return q
}

// weight is the inverse document frequency of a form of script s that df
// of the window's items (it included) have: ln(n/df), n the items with
// words of that script.
func (q *query) weight(s script, df int) float64 {
	return math.Log(float64(max(q.n[s], q.sc.minDocs, 1)) / float64(max(df, 1)))
}

// score compares the query's item with a story, given as its items in the
// window (at least one). The story is one text: the union of its items'
// words, as long as its longest item. The score is the weight of the words
// of the item that the story has (a word counts once, by its best form) as
// a share of the smaller of the two weights, plus titleWeight times the
// same for the item's title and the story's titles, minus gapPenalty per
// day between the item and the story's nearest item. It also returns how
// many words of the item the story has by a rare form.
func (q *query) score(members []*entry) (float64, int) {
	it := q.it
	var shared, sharedTitle float64
	rare := 0
	for i, forms := range it.Words {
		var best, bestTitle float64
		isRare := false
		for _, k := range forms {
			for _, e := range members {
				j, ok := slices.BinarySearch(e.Terms, it.Terms[k])
				if !ok {
					continue
				}
				best = max(best, q.w[k])
				isRare = isRare || e.terms[j].df <= q.rareDF[e.terms[j].script]
				if i < it.TitleWords && e.title[j] {
					bestTitle = max(bestTitle, q.w[k])
				}
			}
		}
		shared += best
		sharedTitle += bestTitle
		if isRare {
			rare++
		}
	}
	var sTotal, sTitle float64
	gap := math.Inf(1)
	for _, e := range members {
		var eTotal, eTitle float64
		for i, surface := range e.surfaces {
			df := e.terms[surface].df // counts e
			if _, ok := slices.BinarySearch(it.Terms, e.Terms[surface]); ok {
				df++ // and it
			}
			w := q.weight(e.terms[surface].script, df)
			eTotal += w
			if i < e.TitleWords {
				eTitle += w
			}
		}
		sTotal, sTitle = max(sTotal, eTotal), max(sTitle, eTitle)
		gap = min(gap, it.when().Sub(e.when()).Abs().Hours()/24)
	}
	overlap := ratio(shared, math.Min(q.total, sTotal))
	title := ratio(sharedTitle, math.Min(q.title, sTitle))
	return overlap + q.sc.titleWeight*title - q.sc.gapPenalty*gap, rare
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// explain returns the second stage's score of it against the story of
// the item id in the index, and the number of words of it the story has by
// a rare form (for tests and tuning).
func (x *Index) explain(it *Item, id int64) (score float64, shared int) {
	x.mu.Lock()
	defer x.mu.Unlock()
	e := x.byID[id]
	if e == nil {
		return 0, 0
	}
	return x.query(it).score([]*entry{e})
}
