package story

import (
	"math"
	"slices"
)

// Explanation says how an item stands with one story of the index: what
// each stage found between them, and whether one of them joins the item to
// the story. It is what `newswatch stories explain` and `backtest -json`
// show a user who asks why two reports were, or were not, grouped.
type Explanation struct {
	// Story is the story explained; Items counts its items in the window
	// (0: it has none there, and nothing else is filled in).
	Story int64
	Items int
	// Match is the first stage, in Assign's order, that joins the item to
	// the story (Stage StageNew when none does), with its item, distance,
	// overlap, score and shared words.
	Match Match
	// SameLink: an item of the story has the item's canonical link, and
	// the link joins them. It does not when that item is of the item's own
	// feed with other text (SameLinkOwnFeed: a live page's other entry),
	// or when the item is the report of the site that owns the link
	// (Item.OwnsLink) and that item, of another feed, tells other news
	// (SameLinkOtherText).
	SameLink, SameLinkOwnFeed, SameLinkOtherText bool
	// Distance is the least Hamming distance between the item's
	// fingerprint and a usable one of the story's items; -1 when either
	// has too few shingles.
	Distance int
	// Overlap is the largest share of words the item has in common with
	// an item of the story of another feed (a copy from MinCopyShare).
	Overlap float64
	// Score and Shared are the rare-word stage's score and the words of
	// the item the story has by a rare form (Rare counts them); the stage
	// joins at Threshold with at least MinShared of them.
	Score  float64
	Rare   int
	Shared []string
	// OwnFeed: every item of the story in the window is of the item's
	// feed, which the rare-word stage never joins.
	OwnFeed bool
	// OtherScript: the story's items are written in another script, and
	// CrossScore and CrossShared are the stage across languages' score
	// and shared facts.
	OtherScript bool
	CrossScore  float64
	CrossShared []string
	// HoldsOwnFeed: an item of the story in the window is of the item's
	// feed, so the stage across languages does not join them (see
	// byFacts).
	HoldsOwnFeed bool
	// Veto is what the item's event evidence and the story's disagree on,
	// nil when nothing does.
	Veto *Veto
	// Threshold and MinShared are the index's.
	Threshold float64
	MinShared int
}

// MinCopyShare is the share of words two texts of different feeds must
// have in common to be a copy (StageBody), of the shorter one's words, each
// text having at least MinCopyWords.
const (
	MinCopyShare = copyShare
	MinCopyWords = minCopyWords
)

// Explain explains how it stands with story among the items of the window
// (those seen at most Window before it.Seen). It does not add it.
func (x *Index) Explain(it *Item, story int64) Explanation {
	x.mu.Lock()
	defer x.mu.Unlock()
	ex := Explanation{Story: story, Distance: -1, Threshold: x.opt.threshold(), MinShared: x.opt.minShared()}
	w := window{since: nanos(it.Seen.Add(-x.opt.window())), id: it.ID}
	x.members = x.members[:0]
	for seq := x.stories[story].head; seq != noSeq; seq = *x.log.chainNext(seq, storyChain) {
		if e := x.log.at(seq); w.in(e) {
			x.members = append(x.members, e)
		}
	}
	members := slices.Clone(x.members)
	clear(x.members)
	ex.Items = len(members)
	if len(members) == 0 {
		return ex
	}
	stages := x.opt.stages()
	first := members[0]
	ex.OwnFeed = true
	var link *entry
	linkHash := uint64(0)
	if it.Canonical != "" {
		linkHash = x.linkHash(it.Canonical)
	}
	var near *entry
	texts := linkTexts{x: x, it: it}
	for _, e := range members {
		seq := x.byID[e.id]
		ex.OwnFeed = ex.OwnFeed && e.feed == it.Feed
		d := Distance(x.log.fp(seq).simHash, it.SimHash)
		if linkHash != 0 && e.link == linkHash {
			switch x.linkJoin(&texts, e, seq) {
			case linkJoins:
				if link == nil {
					link = e
				}
				ex.SameLink = true
			case linkOwnFeed:
				ex.SameLinkOwnFeed = true
			case linkOtherText:
				ex.SameLinkOtherText = true
			}
		}
		if e.fp && it.Shingles >= MinShingles && (ex.Distance < 0 || d < ex.Distance) {
			ex.Distance, near = d, e
		}
	}
	switch {
	case link != nil && stages&NearDuplicates != 0:
		ex.Match = Match{Story: story, Item: link.id, Feed: link.feed, Stage: StageLink}
	case near != nil && ex.Distance <= MaxDistance && stages&NearDuplicates != 0:
		ex.Match = Match{Story: story, Item: near.id, Feed: near.feed, Stage: StageSimHash, Distance: ex.Distance}
	}

	q := x.query(it)
	s, rare := x.score(q, members)
	ex.Score, ex.Rare, ex.Overlap = s, rare, x.copyShare
	copyOf := x.copyOf
	x.copyOf = nil
	if v, ok := x.disagreeStory(it.Facts); ok {
		ex.Veto = &v
	}
	if rare > 0 {
		ex.Shared = x.sharedWords(q, story, w)
	}
	if ex.Match.Stage != StageNew || stages&SharedTerms == 0 {
		return ex
	}
	switch {
	case copyOf != nil:
		ex.Match = Match{Story: story, Item: copyOf.id, Feed: copyOf.feed, Stage: StageBody, Score: s, Overlap: ex.Overlap}
	case !ex.OwnFeed && len(it.Words) >= q.sc.minWords && rare >= ex.MinShared && s >= ex.Threshold && ex.Veto == nil:
		ex.Match = Match{Story: story, Item: first.id, Feed: first.feed, Stage: StageTerms, Score: s, Shared: ex.Shared}
	}
	if ex.Match.Stage != StageNew {
		return ex
	}
	// Across languages.
	for _, e := range members {
		if e.script != q.script && e.feed != it.Feed {
			ex.OtherScript = true
		}
		ex.HoldsOwnFeed = ex.HoldsOwnFeed || e.feed == it.Feed
	}
	if ex.OtherScript {
		x.storyFacts(story, members, nil)
		score, ok := x.crossScore(it, memberGap(it, members))
		shared := x.sharedFacts(it)
		ex.CrossScore, ex.CrossShared = score, shared
		if ok && ex.Veto == nil && score >= q.sc.crossThreshold && !ex.HoldsOwnFeed {
			ex.Match = Match{Story: story, Item: first.id, Feed: first.feed, Stage: StageFacts, Score: score, Shared: shared}
		}
	}
	return ex
}

// crossScore is the stage across languages' score of it (after
// x.query(it)) with the story whose facts storyFacts put in x.facts and
// x.firstFacts, gap days from it (see memberGap), and whether they share
// enough facts (see byFacts). sharedFacts names those they share.
func (x *Index) crossScore(it *Item, gap float64) (float64, bool) {
	enough := x.crossFacts(it)
	return x.crossWeigh(it, gap), enough
}

// crossFacts reports whether it and the story whose facts storyFacts put
// in x.facts and x.firstFacts share enough facts for the stage across
// languages: an anchor, and two facts or the place both titles lead with,
// and no other place leading the titles (see byFacts). Deciding it takes
// no weights: byFacts weighs (crossWeigh) only the stories it lets
// through, in a large window a few of the many that name a rare fact of
// the item.
func (x *Index) crossFacts(it *Item) bool {
	anchored := false
	common := 0
	for _, f := range x.facts {
		if !linkable(fact(f)) {
			continue
		}
		if _, ok := slices.BinarySearch(it.Facts, f); ok {
			common++
			anchored = anchored || anchors(fact(f))
		}
	}
	sc := x.q.sc
	return anchored && (common >= sc.minCrossFacts || (common == 1 && sameLeadPlace(it.Facts, x.firstFacts))) &&
		sameLead(it.Facts, x.facts)
}

// crossWeigh returns the score of it with the story whose facts storyFacts
// gathered, gap days from it at the nearest: the weight of the facts they
// share as a share of the smaller side's, which is at most 1, less the
// time penalty (byFacts relies on that bound). The weight of it's own
// facts is found once per query.
func (x *Index) crossWeigh(it *Item, gap float64) float64 {
	q := &x.q
	if !q.factsWeighed {
		for _, f := range it.Facts {
			if linkable(fact(f)) {
				id, _ := x.dict.factID(f)
				q.factsTotal += x.factWeight(id)
			}
		}
		q.factsWeighed = true
	}
	var shared, theirs float64
	for i, f := range x.facts {
		if !linkable(fact(f)) {
			continue
		}
		wf := x.factWeight(x.factIDs[i])
		theirs += wf
		if _, ok := slices.BinarySearch(it.Facts, f); ok {
			shared += wf
		}
	}
	return ratio(shared, math.Min(q.factsTotal, theirs)) - q.sc.gapPenalty*gap
}

// memberGap is the number of days between it and the nearest of members.
func memberGap(it *Item, members []*entry) float64 {
	gap := math.Inf(1)
	itWhen := nanos(it.when())
	for _, e := range members {
		gap = min(gap, days(itWhen, e.when))
	}
	return gap
}

// sharedFacts names the linkable facts of it that the story crossScore
// last scored has, in the order of their values.
func (x *Index) sharedFacts(it *Item) []string {
	var names []string
	for _, f := range x.facts {
		if !linkable(fact(f)) {
			continue
		}
		if _, ok := slices.BinarySearch(it.Facts, f); ok {
			names = append(names, fact(f).groupName()+" "+fact(f).describe())
		}
	}
	return names
}

// factWeight is the weight in the stage across languages of the fact
// whose term is id (noTerm: a fact no item of the window names): the
// inverse of the share of the window's items, the query's item included,
// that name it, with factPrior as its background share. A fact's weight
// follows from the window's document frequencies, which do not change
// while x.mu is held: it is kept with the fact's term for the query
// (x.gen), so that crossScore computes it once for all the candidate
// stories compared with an item (fact terms are no forms: their weight and
// wgen serve no other use), and by document frequency (most are low).
func (x *Index) factWeight(id uint32) float64 {
	if id == noTerm {
		return x.q.factWeightOf(0, x.docs[scriptNone]+1)
	}
	t := &x.dict.terms[id]
	if t.wgen != x.gen {
		t.wgen, t.weight = x.gen, x.q.factWeightOf(int(t.df), x.docs[scriptNone]+1)
	}
	return t.weight
}

// factWeightOf is the weight of a fact that df of the window's n items
// (the query's item included) name, besides the query's item; n is the
// same for every fact of a query.
func (q *query) factWeightOf(df, n int) float64 {
	if df < 0 || df >= len(q.factWeights) {
		return factWeightOf(df, n)
	}
	if q.factsWeighedDF&(1<<df) == 0 {
		q.factWeights[df] = factWeightOf(df, n)
		q.factsWeighedDF |= 1 << df
	}
	return q.factWeights[df]
}

// factWeightOf is the weight of a fact that df of the window's n items
// (the query's item included) name, besides the query's item.
func factWeightOf(df, n int) float64 {
	return -math.Log((float64(df+1) + backgroundItems*factPrior) / (float64(n) + backgroundItems))
}
