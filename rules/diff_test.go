package rules

import (
	"sync"
	"testing"

	"github.com/newswatch/newswatch/internal/analysis"
)

// TestSetMatchesDirectEvaluation is the differential test of the index:
// for thousands of generated rule and item pairs, Set.Match must give the
// same rules and hits as evaluating every rule directly by scanning the
// item's tokens.
func TestSetMatchesDirectEvaluation(t *testing.T) {
	g := newGenerator(42, 1.01, 0)
	g.dense = true
	rules := generatedRules(t, g, 400)
	for i, c := range rules {
		if i%5 == 1 {
			c.Rule.Feeds = []string{g.pick([]string{"reuters", "ap", "tag:mideast", "tag:wires", "https://x/feed"})}
		}
	}
	set := NewSet(rules)
	progs := make([]matcher, len(rules))
	for i, c := range rules {
		progs[i] = compileQuery(c.Query)
	}
	pairs, matches := 0, 0
	for range 80 {
		it := g.item()
		var doc document
		var an analysis.Analyzer
		doc.load(it.Item, it.feed, &an)
		e := &evaluation{doc: &doc, occ: &scan{doc: &doc, found: map[*termRef][]pos{}}}
		var want []Match
		for i, c := range rules {
			pairs++
			if selectsFeed(c.Rule.Feeds, it.feed) && progs[i].match(e) {
				want = append(want, Match{Rule: c.Rule, Hits: e.explainMatch(progs[i])})
			}
		}
		got := set.Match(it.Item, it.feed)
		matches += len(want)
		if len(got) != len(want) {
			t.Fatalf("item %q: Set matched %d rules, direct evaluation %d\nset: %s\ndirect: %s", it.Title, len(got), len(want), ruleNames(got), ruleNames(want))
		}
		for i := range want {
			if got[i].Rule != want[i].Rule || hitsString(got[i].Hits) != hitsString(want[i].Hits) {
				t.Fatalf("item %q: Set %s %s, direct %s %s (%s)", it.Title, got[i].Rule.Name, hitsString(got[i].Hits),
					want[i].Rule.Name, hitsString(want[i].Hits), want[i].Rule.Query)
			}
		}
	}
	// The test means something only if many pairs matched.
	if pairs < 20000 || matches < 200 {
		t.Fatalf("only %d pairs and %d matches", pairs, matches)
	}
	t.Logf("%d pairs, %d matches", pairs, matches)
}

func ruleNames(ms []Match) string {
	var s string
	for _, m := range ms {
		s += m.Rule.Name + " "
	}
	return s
}

// TestSetMatchConcurrent matches items from several goroutines at once; the
// race detector checks the pooled scratch space, and the answers must be
// those of matching one item at a time.
func TestSetMatchConcurrent(t *testing.T) {
	g := newGenerator(3, 1.01, 0)
	g.dense = true
	set := NewSet(generatedRules(t, g, 300))
	items := make([]feedItem, 40)
	want := make([]string, len(items))
	for i := range items {
		items[i] = g.item()
		for _, m := range set.Match(items[i].Item, items[i].feed) {
			want[i] += m.Rule.Name + " " + hitsString(m.Hits) + "\n"
		}
	}
	var wg sync.WaitGroup
	errs := make(chan string, 4*len(items))
	for w := range 4 {
		wg.Go(func() {
			for k := range items {
				i := (k + w*7) % len(items)
				var got string
				for _, m := range set.Match(items[i].Item, items[i].feed) {
					got += m.Rule.Name + " " + hitsString(m.Hits) + "\n"
				}
				if got != want[i] {
					errs <- got
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for got := range errs {
		t.Errorf("concurrent Match gave a different answer:\n%s", got)
	}
}
