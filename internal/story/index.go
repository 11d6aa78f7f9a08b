package story

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
)

// Defaults of Options.
const (
	// DefaultWindow is how long an item can be joined by later reports.
	DefaultWindow = 48 * time.Hour
	// DefaultThreshold is the score an item must reach with an item of a
	// story to join it by shared rare terms (see Options.Threshold).
	DefaultThreshold = 0.30
	// DefaultMinShared is the fewest rare terms two items must share to be
	// compared by the second stage at all.
	DefaultMinShared = 3
	// DefaultMaxItems is the most items an index holds (Options.MaxItems):
	// a 48-hour window of 1,000 feeds that publish 50 items a day each,
	// in about 50 MB.
	DefaultMaxItems = 100_000
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
	// StageBody: an item of the story from another feed has nearly the
	// same words (wire copy under another headline): of the shorter
	// text's words, at least copyShare are the other's, and both have at
	// least minCopyWords.
	StageBody
	// StageFacts: an item of the story from another feed, written in
	// another script, names the same rare places, people, bodies, figures
	// and dates (through the lexicon's identifiers), and nothing of its
	// event evidence disagrees: a report of the event in another
	// language.
	StageFacts
)

// String returns "new", "link", "simhash", "terms", "body" or "facts".
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
	case StageBody:
		return "body"
	case StageFacts:
		return "facts"
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
	// MaxItems is the most items the index holds, DefaultMaxItems when
	// zero: beyond it, the items added first leave the window early.
	MaxItems int
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
	// minWords is the fewest words an item needs for the second stage:
	// a few words shared by two headlines of four or five words are not
	// evidence of one event.
	minWords int
	// crossThreshold is the score a story of another script needs in the
	// stage across languages (byFacts): the weight of the facts shared as
	// a share of the smaller side's, less the time penalty; minCrossFacts
	// the fewest facts the two must share.
	crossThreshold float64
	minCrossFacts  int
}

// defaultScoring was tuned on the labelled set in testdata
// (docs/stories.md).
var defaultScoring = scoring{
	titleWeight:  0.25,
	gapPenalty:   0.5,
	rareFraction: 0.002,
	minRareDF:    8,
	minWords:     6,

	crossThreshold: 0.5,
	minCrossFacts:  2,
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

func (o Options) maxItems() int {
	if o.MaxItems > 0 {
		return o.MaxItems
	}
	return DefaultMaxItems
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

// Item is one item as the index knows it: of the item (model.Item) only
// what grouping compares, with its features. It is a shape of its own
// because the index keeps it for every item of the window in a few hundred
// bytes (see entries.go), without the item's text; the monitor makes it
// from the item it records.
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
	// OwnsLink says that Canonical is on the site of the item's own feed:
	// the item is the report of the outlet that published the link. Such
	// an item joins the story of another feed's item under the same link
	// only when their texts agree (see Index.linkJoin), so that no feed can
	// take an outlet's report into its own story by publishing that
	// outlet's link first. The caller, which knows feeds, sets it (the
	// monitor, from the feed's URL); Add ignores it.
	OwnsLink bool
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
	// Score is the second stage's score (StageTerms, StageBody).
	Score float64
	// Overlap is, of the words of the shorter of the item and the item
	// of the story it is a copy of, the share the other has (StageBody).
	Overlap float64
	// Shared are the words of the item the story has by a rare form, the
	// heaviest first, at most maxShown (StageTerms).
	Shared []string
	// Vetoed are the stories the second stage would have joined it to
	// but for a disagreement of their event evidence, best score first.
	Vetoed []Vetoed
}

// Vetoed is a story an item was kept out of, and why.
type Vetoed struct {
	// Story is the story, Item its earliest item in the window.
	Story, Item int64
	// Score is the second stage's score of the item with the story.
	Score float64
	Veto  Veto
}

// maxShown is the most shared words a Match lists.
const maxShown = 10

// Index holds the items of the window and finds the story of a new item
// without scanning the window: canonical links in a hash table,
// fingerprints in four tables indexed by one 16-bit block each (Manku et
// al.'s method for Hamming distance 3), terms in an inverted index with
// their document frequencies. It keeps each item in a few hundred bytes
// (see entries.go) and at most MaxItems items. It is safe for concurrent
// use.
type Index struct {
	opt Options

	mu   sync.Mutex
	log  entryLog
	text arena
	dict dictionary
	byID map[int64]uint32 // seqs of the live entries
	// docs counts the items with words in each script: a form's rarity
	// is measured among the items that could have it, so that the common
	// words of the window's smaller languages do not pass for rare.
	docs    [numScripts]int
	stories map[int64]chain  // the items of each story
	links   map[uint64]chain // the items of each canonical link, by hash
	bands   [4][]chain       // the items of each value of each block; nil until needed

	// Scratch, reused under mu.
	gen     uint32 // of Assign: marks terms of the new item (term.gen)
	enc     termScratch
	buf     []byte
	ids     []uint32
	q       query
	members []*entry
	list    termList
	cands   []candidate
	candOf  map[int64]int32 // index in cands by story
	facts   []uint32        // of score: the evidence of the story compared
	// firstFacts is the evidence of its first item in the window.
	firstFacts []uint32
	// Of score: the item of the story the query's item is a copy of
	// (StageBody), nil when none, and the share of words they have in
	// common.
	copyOf    *entry
	copyShare float64
	// Of byFacts: its candidates, the seqs of x.members, and the facts of
	// the stories it compared (see storyFacts).
	crossCands []crossCand
	memberSeqs []uint32
	factsOf    map[int64]*storyFacts
	// Of storyFacts: the terms of x.facts, noTerm for those not linkable.
	factIDs []uint32
}

// A copy (StageBody): of the words of the shorter of two texts, at least
// copyShare are the other's, and both have at least minCopyWords words.
const (
	copyShare    = 0.8
	minCopyWords = 30
)

// candidate is a story the second stage compares an item with.
type candidate struct {
	story int64
	words int // words of it shared by a rare form
	last  int // the last word of it counted, +1
}

// NewIndex returns an empty index.
func NewIndex(o Options) *Index {
	return &Index{
		opt:     o,
		log:     newEntryLog(),
		dict:    newDictionary(),
		byID:    map[int64]uint32{},
		stories: map[int64]chain{},
		links:   map[uint64]chain{},
		candOf:  map[int64]int32{},
	}
}

// Len returns the number of items in the index.
func (x *Index) Len() int {
	x.mu.Lock()
	defer x.mu.Unlock()
	return len(x.byID)
}

// Window returns how far back, by the time items were seen, an item looks
// for its story: Options.Window, or DefaultWindow when that is zero.
func (x *Index) Window() time.Duration { return x.opt.window() }

// linkHash returns the hash under which the index keeps a canonical link,
// never 0. Two links with one hash would be taken for one (a chance of
// about one in 10^8 for a window of 10^6 links). It is the same in every
// process, so that a snapshot of the index (WriteSnapshot) keeps it.
func (x *Index) linkHash(link string) uint64 {
	return max(xxhash.Sum64String(link), 1)
}

// Add puts it in the index, replacing an item with its ID, and then
// evicts the oldest items beyond MaxItems. Add does not keep it.
func (x *Index) Add(it Item) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if seq, ok := x.byID[it.ID]; ok {
		x.remove(seq)
	}
	e := entry{
		id: it.ID, story: it.Story, feed: it.Feed,
		seen: nanos(it.Seen), when: nanos(it.when()),
		fp:      it.Shingles >= MinShingles,
		scripts: 1 << scriptNone,
	}
	if it.Canonical != "" {
		e.link = x.linkHash(it.Canonical)
	}
	x.ids = x.ids[:0]
	// An item is usually added right after Assign looked its terms up
	// (x.q.ids): a term still there by that ID needs no second lookup.
	known := x.q.ids
	if len(it.Terms) == 0 || len(known) != len(it.Terms) || x.q.terms != &it.Terms[0] {
		known = nil
	}
	for k, w := range it.Terms {
		var id uint32
		if known != nil && known[k] != noTerm && x.dict.terms[known[k]].word == w {
			id = known[k]
		} else {
			id = x.dict.intern(w)
		}
		x.ids = append(x.ids, id)
		e.scripts |= 1 << x.dict.terms[id].script
	}
	e.script = x.mainScript(&it.Features, x.ids)
	x.buf = x.enc.encodeTerms(x.buf[:0], &it.Features, x.ids)
	e.n = uint32(len(x.buf))
	e.blk, e.off = x.text.add(x.buf)
	seq := x.log.push(e, it.SimHash)
	if seq == noSeq+1 {
		// The seqs wrapped around: those the kept facts of stories name
		// may name other entries now.
		x.factsOf = nil
	}

	for _, f := range it.Facts {
		if linkable(fact(f)) {
			x.ids = append(x.ids, x.dict.internFact(f))
		}
	}
	for _, id := range x.ids {
		t := &x.dict.terms[id]
		t.df++
		t.addPosting(seq)
	}
	x.linkEntry(seq)
	for len(x.byID) > x.opt.maxItems() {
		x.evictOldest()
	}
}

// linkEntry puts entry seq, linked after every entry before it in the log,
// in the map of IDs, the chains of its story, link and fingerprint blocks,
// and the counts of items per script.
func (x *Index) linkEntry(seq uint32) {
	e := x.log.at(seq)
	for sc := range numScripts {
		if e.scripts&(1<<sc) != 0 {
			x.docs[sc]++
		}
	}
	x.byID[e.id] = seq
	x.stories[e.story] = x.link(x.stories[e.story], seq, storyChain)
	if e.link != 0 {
		x.links[e.link] = x.link(x.links[e.link], seq, linkChain)
	}
	if e.fp {
		if x.bands[0] == nil {
			for i := range x.bands {
				x.bands[i] = make([]chain, 1<<16)
			}
		}
		simHash := x.log.fp(seq).simHash
		for i := range x.bands {
			c := &x.bands[i][band(simHash, i)]
			*c = x.link(*c, seq, i)
		}
	}
}

// link appends seq to chain c of kind k and returns the chain.
func (x *Index) link(c chain, seq uint32, k int) chain {
	if c.head == noSeq {
		return chain{seq, seq}
	}
	*x.log.chainNext(c.tail, k) = seq
	c.tail = seq
	return c
}

// unlink removes seq from chain c of kind k and returns the chain.
func (x *Index) unlink(c chain, seq uint32, k int) chain {
	prev := uint32(noSeq)
	for cur := c.head; cur != seq; cur = *x.log.chainNext(cur, k) {
		prev = cur
	}
	next := x.log.chainNext(seq, k)
	after := *next
	*next = noSeq
	if prev == noSeq {
		c.head = after
	} else {
		*x.log.chainNext(prev, k) = after
	}
	if c.tail == seq {
		c.tail = prev
	}
	return c
}

// Move puts the item id, if it is in the index, in story instead of the
// one it was added with (a user split it out: store.SplitItem).
func (x *Index) Move(id, story int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	seq, ok := x.byID[id]
	if !ok {
		return
	}
	e := x.log.at(seq)
	if e.story == story {
		return
	}
	if c := x.unlink(x.stories[e.story], seq, storyChain); c.head == noSeq {
		delete(x.stories, e.story)
	} else {
		x.stories[e.story] = c
	}
	e.story = story
	x.stories[story] = x.insert(x.stories[story], seq, storyChain)
}

// insert puts seq in chain c of kind k at its place by seq and returns the
// chain.
func (x *Index) insert(c chain, seq uint32, k int) chain {
	if c.head == noSeq || seq-x.log.head > c.tail-x.log.head {
		return x.link(c, seq, k)
	}
	if seq-x.log.head < c.head-x.log.head {
		*x.log.chainNext(seq, k) = c.head
		c.head = seq
		return c
	}
	prev := c.head
	for next := *x.log.chainNext(prev, k); next != noSeq && next-x.log.head < seq-x.log.head; next = *x.log.chainNext(prev, k) {
		prev = next
	}
	*x.log.chainNext(seq, k) = *x.log.chainNext(prev, k)
	*x.log.chainNext(prev, k) = seq
	return c
}

// Remove takes the item id out of the index, if it is there.
func (x *Index) Remove(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if seq, ok := x.byID[id]; ok {
		x.remove(seq)
		x.dropRemoved()
	}
}

// Expire removes the items seen before t and returns how many. It stops
// at the first item added that was seen at t or later.
func (x *Index) Expire(t time.Time) int {
	x.mu.Lock()
	defer x.mu.Unlock()
	limit, n := nanos(t), 0
	for ; !x.log.empty(); x.log.popFront() {
		e := x.log.at(x.log.head)
		if e.removed {
			continue
		}
		if e.seen >= limit {
			break
		}
		x.remove(x.log.head)
		n++
	}
	x.dropText()
	return n
}

// evictOldest removes the item added first.
func (x *Index) evictOldest() {
	x.dropRemoved()
	if !x.log.empty() {
		x.remove(x.log.head)
		x.dropRemoved()
	}
}

// dropRemoved drops the removed entries at the front of the log.
func (x *Index) dropRemoved() {
	for !x.log.empty() && x.log.at(x.log.head).removed {
		x.log.popFront()
	}
	x.dropText()
}

// dropText drops the arena blocks that only dropped entries used.
func (x *Index) dropText() {
	if x.log.empty() {
		x.text.dropAll()
		return
	}
	x.text.dropBefore(x.log.at(x.log.head).blk)
}

// remove takes entry seq out of the index; the log drops it when it
// reaches the front.
func (x *Index) remove(seq uint32) {
	e := x.log.at(seq)
	e.removed = true
	delete(x.byID, e.id)
	if c := x.unlink(x.stories[e.story], seq, storyChain); c.head == noSeq {
		delete(x.stories, e.story)
	} else {
		x.stories[e.story] = c
	}
	if e.link != 0 {
		if c := x.unlink(x.links[e.link], seq, linkChain); c.head == noSeq {
			delete(x.links, e.link)
		} else {
			x.links[e.link] = c
		}
	}
	if e.fp {
		simHash := x.log.fp(seq).simHash
		for i := range x.bands {
			c := &x.bands[i][band(simHash, i)]
			*c = x.unlink(*c, seq, i)
		}
	}
	for sc := range numScripts {
		if e.scripts&(1<<sc) != 0 {
			x.docs[sc]--
		}
	}
	decodeTerms(x.text.bytes(e.blk, e.off, e.n), &x.list)
	for _, f := range x.list.facts {
		if linkable(fact(f)) {
			id, _ := x.dict.factID(f)
			x.list.ids = append(x.list.ids, id)
		}
	}
	for _, id := range x.list.ids {
		t := &x.dict.terms[id]
		t.df--
		t.dead++
		switch {
		case t.df == 0:
			x.dict.release(id)
		case t.dead > t.df:
			t.compactPostings(x.live)
		}
	}
}

// live reports whether entry seq is in the index.
func (x *Index) live(seq uint32) bool {
	e := x.log.at(seq)
	return e != nil && !e.removed
}

// Assign finds the story it belongs to among the items of the window
// (those seen at most Window before it.Seen), trying in order: the same
// canonical link, a near-duplicate fingerprint, and shared rare terms with
// an item of another feed. It does not add it to the index.
func (x *Index) Assign(it *Item) Match {
	x.mu.Lock()
	defer x.mu.Unlock()
	w := window{since: nanos(it.Seen.Add(-x.opt.window())), id: it.ID}

	stages := x.opt.stages()
	if it.Canonical != "" && stages&NearDuplicates != 0 {
		if e := x.byLink(it, w); e != nil {
			return Match{Story: e.story, Item: e.id, Feed: e.feed, Stage: StageLink}
		}
	}

	if it.Shingles >= MinShingles && stages&NearDuplicates != 0 && x.bands[0] != nil {
		var best *entry
		bestDist := MaxDistance + 1
		for i := range x.bands {
			// Only the chain's fpNodes are read, and the entry of a
			// fingerprint near enough.
			for seq := x.bands[i][band(it.SimHash, i)].head; seq != noSeq; {
				n := x.log.fp(seq)
				d := Distance(it.SimHash, n.simHash)
				var e *entry
				if d <= bestDist && d <= MaxDistance {
					e = x.log.at(seq)
				}
				seq = n.next[i]
				if e == nil || !w.in(e) {
					continue
				}
				if d < bestDist || (d == bestDist && best != nil && e.seen < best.seen) {
					best, bestDist = e, d
				}
			}
		}
		if best != nil {
			return Match{Story: best.story, Item: best.id, Feed: best.feed, Stage: StageSimHash, Distance: bestDist}
		}
	}

	var vetoed []Vetoed
	if stages&SharedTerms != 0 {
		m, ok := x.byTerms(it, w)
		if ok {
			return m
		}
		vetoed = m.Vetoed
		if m, ok := x.byFacts(it, w); ok {
			m.Vetoed = vetoed
			return m
		}
	}
	return Match{Stage: StageNew, Vetoed: vetoed}
}

// byLink is the first stage: of the items under it's canonical link that
// the link joins it to (linkJoin), the earliest; nil when there is none.
// When those items are in more than one story (another feed published an
// outlet's link over other news, and the outlet's own report started a
// story of its own), it is the earliest of them whose text agrees with
// it's (linkTexts.agree), if one does: an aggregator's blurb of the
// article joins the outlet's story, not the other news.
func (x *Index) byLink(it *Item, w window) *entry {
	head := x.links[x.linkHash(it.Canonical)].head
	texts := linkTexts{x: x, it: it}
	var best *entry
	split := false
	for seq := head; seq != noSeq; seq = *x.log.chainNext(seq, linkChain) {
		e := x.log.at(seq)
		if !w.in(e) || x.linkJoin(&texts, e, seq) != linkJoins {
			continue
		}
		split = split || (best != nil && e.story != best.story)
		if best == nil || e.seen < best.seen {
			best = e
		}
	}
	if !split {
		return best
	}
	var agreed *entry
	for seq := head; seq != noSeq; seq = *x.log.chainNext(seq, linkChain) {
		e := x.log.at(seq)
		if w.in(e) && (agreed == nil || e.seen < agreed.seen) && x.linkJoin(&texts, e, seq) == linkJoins && texts.agree(e) {
			agreed = e
		}
	}
	if agreed != nil {
		return agreed
	}
	return best
}

// linkVerdict is what a shared canonical link makes of an item and an
// entry.
type linkVerdict uint8

const (
	linkJoins     linkVerdict = iota // the link joins them
	linkOwnFeed                      // an entry of the item's feed with other text
	linkOtherText                    // the owner's report, other news under its link
)

// linkJoin says whether texts.it joins the story of e, entry seq, an item
// under the same canonical link:
//
//   - an item of the same feed is the same report again (a feed that gave
//     it a new GUID) only when its text is a near-duplicate; otherwise it
//     is another entry of a live page, and joins a story by its own text
//     (linkOwnFeed);
//   - the report of the site that owns the link (Item.OwnsLink) joins an
//     item of another feed only when their texts agree (linkTexts.agree).
//     Otherwise (linkOtherText) another feed published the owner's link
//     over other news before the owner's feed was polled, and the owner's
//     report must not be told as "also reported by" under it;
//   - any other item of another feed joins: an aggregator's blurb or a
//     tracking-parameter link of the article.
func (x *Index) linkJoin(texts *linkTexts, e *entry, seq uint32) linkVerdict {
	it := texts.it
	near := Distance(x.log.fp(seq).simHash, it.SimHash) <= MaxDistance
	switch {
	case near:
		return linkJoins
	case e.feed == it.Feed:
		return linkOwnFeed
	case it.OwnsLink && !texts.agree(e):
		return linkOtherText
	}
	return linkJoins
}

// linkTexts compares the text of an item with those of the entries under
// its link, the item's query prepared once for all of them.
type linkTexts struct {
	x  *Index
	it *Item
	q  *query
}

// agree reports whether the texts of the item and e tell one event:
// near-duplicates aside (see linkJoin), e is a copy of it (StageBody), or
// it scores at least the threshold against e alone as a story, by the
// second stage's measure, with no disagreement of their event evidence.
// The second stage's demands of a number of words and of rare ones do not
// apply: the link is evidence already, and an aggregator's one-line
// headline of the article must still agree with it.
func (l *linkTexts) agree(e *entry) bool {
	x := l.x
	if l.q == nil {
		l.q = x.query(l.it)
	}
	s, _ := x.score(l.q, []*entry{e})
	copied := x.copyOf != nil
	x.copyOf = nil
	if copied {
		return true
	}
	_, vetoed := disagree(l.it.Facts, x.facts)
	return s >= x.opt.threshold() && !vetoed
}

// window says which entries an item may join: live ones seen at or after
// since, other than the item itself.
type window struct {
	since int64
	id    int64
}

func (w window) in(e *entry) bool { return !e.removed && e.seen >= w.since && e.id != w.id }

// byTerms is the second stage. Candidates are the stories with an item of
// another feed that shares a word with it by a rare form; a story is
// compared with it as one text, the union of the words of its items in the
// window (see score), and only when they share at least MinShared words by
// a rare form. The best story at or above the threshold wins.
func (x *Index) byTerms(it *Item, w window) (Match, bool) {
	q := x.query(it)
	if len(it.Words) < q.sc.minWords {
		return Match{}, false
	}
	// Count, per candidate story, the words of it it has by a rare form.
	x.cands = x.cands[:0]
	clear(x.candOf)
	for i, forms := range it.Words {
		for _, k := range forms {
			id := q.ids[k]
			if id == noTerm {
				continue
			}
			if !q.rare[k] {
				continue
			}
			t := &x.dict.terms[id]
			r := postingReader{p: t.postings}
			for seq, ok := r.next(); ok; seq, ok = r.next() {
				e := x.log.at(seq)
				if e == nil || !w.in(e) || e.feed == it.Feed {
					continue
				}
				ci, ok := x.candOf[e.story]
				if !ok {
					ci = int32(len(x.cands))
					x.candOf[e.story] = ci
					x.cands = append(x.cands, candidate{story: e.story})
				}
				if c := &x.cands[ci]; c.last != i+1 {
					c.words++
					c.last = i + 1
				}
			}
		}
	}
	var (
		best      Match
		bestFirst *entry
		bestScore float64
		bestCopy  *entry // of a StageBody match
		vetoed    []Vetoed
	)
	minShared, threshold := x.opt.minShared(), x.opt.threshold()
	for _, c := range x.cands {
		if c.words < minShared {
			continue
		}
		x.members = x.members[:0]
		for seq := x.stories[c.story].head; seq != noSeq; {
			e := x.log.at(seq)
			if w.in(e) {
				x.members = append(x.members, e)
			}
			seq = *x.log.chainNext(seq, storyChain)
		}
		s, rare := x.score(q, x.members)
		if x.copyOf != nil && (bestCopy == nil || x.copyShare > best.Overlap) {
			best = Match{Story: c.story, Item: x.copyOf.id, Feed: x.copyOf.feed, Stage: StageBody, Score: s, Overlap: x.copyShare}
			bestCopy = x.copyOf
		}
		if rare < minShared || bestCopy != nil {
			continue
		}
		first := x.members[0] // the earliest report: the one to name
		if s >= threshold {
			if v, ok := x.disagreeStory(it.Facts); ok {
				vetoed = append(vetoed, Vetoed{Story: c.story, Item: first.id, Score: s, Veto: v})
				continue
			}
		}
		if bestFirst == nil || s > bestScore || (s == bestScore && first.seen < bestFirst.seen) {
			best, bestFirst, bestScore = Match{Story: c.story, Item: first.id, Feed: first.feed, Stage: StageTerms, Score: s}, first, s
		}
	}
	clear(x.members)
	x.copyOf = nil
	slices.SortStableFunc(vetoed, func(a, b Vetoed) int { return cmp.Compare(b.Score, a.Score) })
	if bestCopy != nil {
		best.Shared = x.sharedWords(q, best.Story, w)
		return best, true
	}
	if bestFirst == nil || bestScore < threshold {
		return Match{Vetoed: vetoed}, false
	}
	best.Vetoed = vetoed
	best.Shared = x.sharedWords(q, best.Story, w)
	return best, true
}

// disagreeStory returns the disagreement of an item's facts with the story
// score or byFacts last looked at: with the union of its items' facts, or
// with its first item's. The first report of a story says what event it is;
// a story that took in a report of wider scope must not take in the events
// that report also names.
func (x *Index) disagreeStory(facts []uint32) (Veto, bool) {
	if v, ok := disagree(facts, x.facts); ok {
		return v, ok
	}
	return disagree(facts, x.firstFacts)
}

// sharedWords returns the words of q's item that story has by a rare
// form, the heaviest first, at most maxShown.
func (x *Index) sharedWords(q *query, story int64, w window) []string {
	x.members = x.members[:0]
	for seq := x.stories[story].head; seq != noSeq; seq = *x.log.chainNext(seq, storyChain) {
		if e := x.log.at(seq); w.in(e) {
			x.members = append(x.members, e)
		}
	}
	x.score(q, x.members)
	clear(x.members)
	type word struct {
		text   string
		weight float64
	}
	var words []word
	for _, forms := range q.it.Words {
		best := -1
		for _, k := range forms {
			if q.has[k] && q.rare[k] && (best < 0 || q.w[k] > q.w[best]) {
				best = int(k)
			}
		}
		if best >= 0 {
			words = append(words, word{q.it.Terms[forms[0]], q.w[best]})
		}
	}
	slices.SortStableFunc(words, func(a, b word) int { return cmp.Compare(b.weight, a.weight) })
	out := make([]string, 0, min(len(words), maxShown))
	for _, w := range words {
		if len(out) == maxShown {
			break
		}
		if !slices.Contains(out, w.text) {
			out = append(out, w.text)
		}
	}
	return out
}

// noTerm is the ID of a term the window does not have.
const noTerm = math.MaxUint32

// query is an item being compared with the window: the weights of its
// forms by the window's document frequencies.
type query struct {
	it *Item
	sc *scoring
	// terms is the first of it.Terms, to know them again in Add; nil
	// when it has none.
	terms *string
	// n counts, per script, the window's items with words in it, it
	// included; rareDF is the highest document frequency of a rare form.
	n, rareDF [numScripts]int
	ids       []uint32  // of it.Terms in the index, noTerm when missing
	scripts   []script  // of it.Terms
	w         []float64 // weights of it.Terms
	rare      []bool    // it.Terms[k] is a rare form of the window
	total     float64   // weight of its words
	title     float64   // weight of its title words
	script    script    // the script most of its words are written in
	// Scratch of score: it.Terms[k] is a term of the story (has), of the
	// title of one of its items (hasTitle).
	has, hasTitle []bool
	// surface[k]: it.Terms[k] is a word of it as written.
	surface []bool
	// weights[s][df] is weight(s, df) when bit df of weighed[s] is set:
	// most forms have one of a few low document frequencies.
	weights [numScripts][64]float64
	weighed [numScripts]uint64
	// Of the stage across languages (crossScore): the weight of its item's
	// facts once factsWeighed, and the weights of facts by document
	// frequency, factWeights[df] when bit df of factsWeighedDF is set.
	factsTotal     float64
	factsWeighed   bool
	factWeights    [64]float64
	factsWeighedDF uint64
}

// query prepares it for comparison with the window, in x.q.
func (x *Index) query(it *Item) *query {
	x.gen++
	if x.gen == 0 { // wrapped: old marks could look current
		for i := range x.dict.terms {
			x.dict.terms[i].gen, x.dict.terms[i].wgen = 0, 0
		}
		x.gen = 1
	}
	sc := x.opt.scoring()
	q := &x.q
	*q = query{it: it, sc: sc, n: x.docs, ids: q.ids[:0], scripts: q.scripts[:0],
		w: q.w[:0], rare: q.rare[:0], has: q.has[:0], hasTitle: q.hasTitle[:0], surface: q.surface[:0]}
	if len(it.Terms) > 0 {
		q.terms = &it.Terms[0]
	}
	// Every item counts for scriptNone (see scriptOf).
	own := uint8(1 << scriptNone)
	for k, form := range it.Terms {
		id, fs := uint32(noTerm), scriptNone
		if i, ok := x.dict.ids[form]; ok {
			t := &x.dict.terms[i]
			id, fs = i, t.script
			t.gen, t.k = x.gen, int32(k)
		} else {
			fs = scriptOf(form)
		}
		q.ids = append(q.ids, id)
		q.scripts = append(q.scripts, fs)
		own |= 1 << fs
	}
	for s := range numScripts {
		if own&(1<<s) != 0 {
			q.n[s]++
		}
		q.rareDF[s] = max(sc.minRareDF, int(sc.rareFraction*float64(q.n[s])))
	}
	for k, id := range q.ids {
		df, b := 0, uint8(0)
		if id != noTerm {
			t := &x.dict.terms[id]
			df, b = int(t.df), t.bg
		} else {
			b = backgroundBucket(it.Terms[k])
		}
		fs := q.scripts[k]
		q.w = append(q.w, q.weightOf(fs, df+1, b))
		q.rare = append(q.rare, id != noTerm && df <= q.rareDF[fs] && q.share(fs, df+1, b) <= maxRareShare)
	}
	q.has = append(q.has, make([]bool, len(it.Terms))...)
	q.hasTitle = append(q.hasTitle, make([]bool, len(it.Terms))...)
	q.surface = append(q.surface, make([]bool, len(it.Terms))...)
	for _, forms := range it.Words {
		q.surface[forms[0]] = true
	}
	var words [numScripts]int
	for i, forms := range it.Words {
		q.total += q.w[forms[0]]
		if i < it.TitleWords {
			q.title += q.w[forms[0]]
		}
		words[q.scripts[forms[0]]]++
	}
	for s := scriptLatin; s < numScripts; s++ {
		if words[s] > words[q.script] {
			q.script = s
		}
	}
	return q
}

// weightOf is weight(s, df, b), computed once per query for low df and
// words the background list lacks (most words of an item).
func (q *query) weightOf(s script, df int, b uint8) float64 {
	if b != 0 || df < 0 || df >= len(q.weights[s]) {
		return q.weight(s, df, b)
	}
	if q.weighed[s]&(1<<df) == 0 {
		q.weights[s][df] = q.weight(s, df, b)
		q.weighed[s] |= 1 << df
	}
	return q.weights[s][df]
}

// weight is the inverse document frequency of a form of script s and
// background bucket b that df of the window's items (it included) have:
// −ln of its share of items (see share).
func (q *query) weight(s script, df int, b uint8) float64 {
	return -math.Log(q.share(s, df, b))
}

// share is the share of items that have a form of script s and
// background bucket b, df of the window's items (it included): the
// window's count combined with the background's (backgroundItems).
func (q *query) share(s script, df int, b uint8) float64 {
	return (float64(max(df, 1)) + backgroundItems*backgroundShare(s, b)) / float64(max(q.n[s], 1)+backgroundItems)
}

// score compares the query's item with a story, given as its items in the
// window (at least one). The story is one text: the union of its items'
// words, as long as its longest item. The score is the weight of the words
// of the item that the story has (a word counts once, by its best form) as
// a share of the smaller of the two weights, plus titleWeight times the
// same for the item's title and the story's titles, minus gapPenalty per
// day between the item and the story's nearest item. It also returns how
// many words of the item the story has by a rare form.
func (x *Index) score(q *query, members []*entry) (float64, int) {
	it := q.it
	clear(q.has)
	clear(q.hasTitle)
	var sTotal, sTitle float64
	gap := math.Inf(1)
	itWhen := nanos(it.when())
	x.facts = x.facts[:0]
	x.copyOf, x.copyShare = nil, 0
	for _, e := range members {
		l := &x.list
		decodeTerms(x.text.bytes(e.blk, e.off, e.n), l)
		x.facts = append(x.facts, l.facts...)
		if e == members[0] {
			x.firstFacts = append(x.firstFacts[:0], l.facts...)
		}
		common := 0 // words of the item (as written) that e has
		for j, id := range l.ids {
			if t := &x.dict.terms[id]; t.gen == x.gen {
				q.has[t.k] = true
				if l.title[j] {
					q.hasTitle[t.k] = true
				}
				if q.surface[t.k] {
					common++
				}
			}
		}
		if shorter := min(len(it.Words), len(l.surfaces)); shorter >= minCopyWords && e.feed != it.Feed {
			if c := float64(common) / float64(shorter); c >= copyShare && c > x.copyShare {
				x.copyOf, x.copyShare = e, c
			}
		}
		var eTotal, eTitle float64
		for i, j := range l.surfaces {
			w := x.surfaceWeight(q, l.ids[j])
			eTotal += w
			if i < l.titleWords {
				eTitle += w
			}
		}
		sTotal, sTitle = max(sTotal, eTotal), max(sTitle, eTitle)
		gap = min(gap, days(itWhen, e.when))
	}
	if len(members) > 1 {
		slices.Sort(x.facts)
		x.facts = slices.Compact(x.facts)
	}
	var shared, sharedTitle float64
	rare := 0
	for i, forms := range it.Words {
		var best, bestTitle float64
		isRare := false
		for _, k := range forms {
			if !q.has[k] {
				continue
			}
			best = max(best, q.w[k])
			isRare = isRare || q.rare[k]
			if i < it.TitleWords && q.hasTitle[k] {
				bestTitle = max(bestTitle, q.w[k])
			}
		}
		shared += best
		sharedTitle += bestTitle
		if isRare {
			rare++
		}
	}
	overlap := ratio(shared, math.Min(q.total, sTotal))
	title := ratio(sharedTitle, math.Min(q.title, sTitle))
	return overlap + q.sc.titleWeight*title - q.sc.gapPenalty*gap, rare
}

// surfaceWeight is the weight of term id as a word of an item of the
// window: by its document frequency, counting the query's item too when
// it has the term.
func (x *Index) surfaceWeight(q *query, id uint32) float64 {
	t := &x.dict.terms[id]
	if t.gen == x.gen {
		return q.w[t.k]
	}
	if t.wgen != x.gen {
		t.wgen, t.weight = x.gen, q.weightOf(t.script, int(t.df), t.bg)
	}
	return t.weight
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
	seq, ok := x.byID[id]
	if !ok {
		return 0, 0
	}
	return x.score(x.query(it), []*entry{x.log.at(seq)})
}
