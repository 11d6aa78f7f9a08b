package rules

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/newswatch/newswatch/internal/analysis"
)

// TestMatchVisit checks that MatchVisit matches as Match does and hands its
// visitor exactly what analysis.Analyze and analysis.StripHTML make of the
// title and the summary, for generated items, the fixture feeds and edge
// cases, with a set of rules and with an empty set.
func TestMatchVisit(t *testing.T) {
	g := newGenerator(7, 1.01, 0)
	g.dense = true
	full := NewSet(generatedRules(t, g, 200))
	empty := NewSet(nil)

	var items []feedItem
	for range 60 {
		items = append(items, g.item())
	}
	for _, file := range []string{"arab48-arabic-2026-10-03.xml", "israeldefense-hebrew-2026-10-03.xml", "kan11-hebrew-2026-10-03.xml"} {
		items = append(items, loadFeedItems(t, file)...)
	}
	for _, tc := range [][2]string{
		{"", ""}, {" ", "<p></p>"}, {"Syria", ""}, {"", "<b>Is</b>rael &amp; Syria"},
		{"-- !", "<script>x</script>"}, {"İstanbul ½", "وإسرائيلـية צה״ל"},
	} {
		it := g.item()
		it.Title, it.Summary = tc[0], tc[1]
		items = append(items, it)
	}
	// A visitor that keeps the token slices would see them change: copy.
	type seen struct {
		calls                  int
		title, summary         string
		titleToks, summaryToks []analysis.Token
	}
	matched := 0
	for i, it := range items {
		for _, set := range []*Set{full, empty} {
			name := fmt.Sprintf("item %d (%.30q), %d rules", i, it.Title, len(set.rules))
			var v seen
			got := set.MatchVisit(it.Item, it.feed, func(title string, titleToks []analysis.Token, summary string, summaryToks []analysis.Token) {
				v.calls++
				v.title, v.summary = title, summary
				v.titleToks = append([]analysis.Token(nil), titleToks...)
				v.summaryToks = append([]analysis.Token(nil), summaryToks...)
			})
			if v.calls != 1 {
				t.Fatalf("%s: visit called %d times", name, v.calls)
			}
			summary := analysis.StripHTML(it.Summary)
			if v.title != it.Title || v.summary != summary {
				t.Fatalf("%s: visited %q and %q, want %q and %q", name, v.title, v.summary, it.Title, summary)
			}
			if want := analysis.Analyze(it.Title); !sameTokens(v.titleToks, want) {
				t.Fatalf("%s: title tokens\n%v\nwant\n%v", name, v.titleToks, want)
			}
			if want := analysis.Analyze(summary); !sameTokens(v.summaryToks, want) {
				t.Fatalf("%s: summary tokens\n%v\nwant\n%v", name, v.summaryToks, want)
			}
			want := set.Match(it.Item, it.feed)
			if len(got) != len(want) {
				t.Fatalf("%s: MatchVisit matched %s, Match %s", name, ruleNames(got), ruleNames(want))
			}
			for j := range want {
				if got[j].Rule != want[j].Rule || hitsString(got[j].Hits) != hitsString(want[j].Hits) {
					t.Fatalf("%s: MatchVisit %s %s, Match %s %s", name, got[j].Rule.Name, hitsString(got[j].Hits),
						want[j].Rule.Name, hitsString(want[j].Hits))
				}
			}
			matched += len(got)
		}
	}
	if matched < 50 {
		t.Fatalf("only %d matches: the test says little", matched)
	}
}

// sameTokens reports whether a and b hold equal tokens, an empty slice
// being the same as nil.
func sameTokens(a, b []analysis.Token) bool {
	return len(a) == len(b) && (len(a) == 0 || reflect.DeepEqual(a, b))
}
