package story

import (
	"reflect"
	"testing"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// TestExtractAnalysedByMatchVisit checks the path a poll takes for an item
// that is matched as well as clustered: rules.Set.MatchVisit analyses the
// title and summary and ExtractAnalysed takes the features from that
// analysis. Over every input of the golden test, with rules and without,
// the features must be Extract's and the matches Set.Match's.
func TestExtractAnalysedByMatchVisit(t *testing.T) {
	var compiled []rules.Compiled
	for i, src := range []string{
		`israel OR syria OR gaza OR iran`,
		`title:(attack OR strike*) AND NOT weather`,
		`إسرائيل OR غزة OR سوريا OR لبنان`,
		`ישראל OR עזה OR סוריה OR איראן`,
		`"prime minister" OR minister NEAR/3 said`,
		`summary:(police OR army) -sport`,
	} {
		q, err := rules.ParseQuery(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		compiled = append(compiled, rules.Compiled{Rule: &rules.Rule{Name: string(rune('a' + i)), Enabled: true}, Query: q})
	}
	sets := []*rules.Set{rules.NewSet(compiled), rules.NewSet(nil)}
	matched, checked := 0, 0
	for _, x := range extractInputs(t) {
		want := Extract(x.title, x.summary)
		for _, set := range sets {
			it, feed := &model.Item{Title: x.title, Summary: x.summary, Feed: "feed"}, &model.Feed{Name: "feed"}
			var got Features
			calls := 0
			ms := set.MatchVisit(it, feed, func(title string, titleToks []analysis.Token, body string, bodyToks []analysis.Token) {
				calls++
				got = ExtractAnalysed(title, titleToks, body, bodyToks)
			})
			if calls != 1 {
				t.Fatalf("%s: visit called %d times", x.name, calls)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: features by MatchVisit\n%s\nExtract\n%s", x.name, featuresLine("", got), featuresLine("", want))
			}
			if wantMs := set.Match(it, feed); !reflect.DeepEqual(ms, wantMs) {
				t.Fatalf("%s: MatchVisit matched %v, Match %v", x.name, ms, wantMs)
			}
			matched += len(ms)
			checked++
		}
	}
	t.Logf("%d inputs, %d matches", checked, matched)
	if matched < 100 {
		t.Fatalf("%d inputs, only %d matches: the test says little", checked, matched)
	}
}
