package story

import (
	"cmp"
	"reflect"
	"slices"
	"testing"
)

// TestByFactsSkipsOnlyLosers checks that what byFacts leaves unscored (a
// story too far in time to reach the threshold or beat the best, one not
// sharing enough facts to be weighed), and the facts it keeps by story,
// never change its match: over the
// labelled corpus, grouped as Cluster does, each item's match is the one
// of scoring every candidate story whole (scoreEveryCandidate).
func TestByFactsSkipsOnlyLosers(t *testing.T) {
	set := loadSet(t, firstSetDir, tuningDir)
	items := slices.Clone(set.items)
	slices.SortStableFunc(items, func(a, b Labelled) int {
		if c := a.Item.Seen.Compare(b.Item.Seen); c != 0 {
			return c
		}
		return cmp.Compare(a.Item.ID, b.Item.ID)
	})
	x := NewIndex(Options{})
	matched := 0
	for _, l := range items {
		it := l.Item
		w := window{since: nanos(it.Seen.Add(-x.opt.window())), id: it.ID}
		x.query(&it)
		got, gotOK := x.byFacts(&it, w)
		want, wantOK := scoreEveryCandidate(x, &it, w)
		if gotOK != wantOK || !reflect.DeepEqual(got, want) {
			t.Errorf("item %d: byFacts = %+v, %v; scoring every candidate: %+v, %v", it.ID, got, gotOK, want, wantOK)
		}
		if wantOK {
			matched++
		}
		m := x.Assign(&it)
		if m.Stage == StageNew {
			m.Story = it.ID
		}
		it.Story = m.Story
		x.Add(it)
	}
	if matched == 0 {
		t.Fatal("no item joined a story across languages: the check compared nothing")
	}
	t.Logf("%d of %d items matched across languages", matched, len(items))
}

// scoreEveryCandidate is byFacts without its shortcuts: every candidate
// story byFacts last gathered (x.crossCands) is scored whole by crossScore,
// its facts read from its members (not the ones byFacts keeps by story).
func scoreEveryCandidate(x *Index, it *Item, w window) (Match, bool) {
	var (
		best      Match
		bestScore float64
	)
	for _, c := range x.crossCands {
		if !c.anchors {
			continue
		}
		var members []*entry
		own := false
		for seq := x.stories[c.story].head; seq != noSeq; seq = *x.log.chainNext(seq, storyChain) {
			if e := x.log.at(seq); w.in(e) {
				members = append(members, e)
				own = own || e.feed == it.Feed
			}
		}
		if own {
			continue
		}
		x.storyFacts(c.story, members, nil) // read afresh, not kept
		s, ok := x.crossScore(it, memberGap(it, members))
		if !ok || s < x.q.sc.crossThreshold || (best.Stage != StageNew && s <= bestScore) {
			continue
		}
		if _, vetoed := x.disagreeStory(it.Facts); vetoed {
			continue
		}
		best, bestScore = Match{Story: c.story, Item: members[0].id, Feed: members[0].feed, Stage: StageFacts, Score: s, Shared: x.sharedFacts(it)}, s
	}
	return best, best.Stage != StageNew
}
