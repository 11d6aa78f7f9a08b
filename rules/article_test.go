package rules

import (
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
)

// teaserItem is a teaser-only item whose article says what the teaser does
// not.
func teaserItem() *model.Item {
	return &model.Item{
		Title:   "Syrian and Israeli officials meet in Paris",
		Summary: "<p>Officials met in Paris on Wednesday.</p>",
		Article: "Senior Syrian and Israeli security officials met in Paris on Wednesday.\n" +
			"Two diplomats said the agenda included the first steps toward normalization between the two countries. Nobody crossed it out.\n" +
			"The U.S. welcomed the meeting.",
		ArticleState: model.ArticleFetched,
	}
}

func TestMatchArticle(t *testing.T) {
	it := feedItem{teaserItem(), &model.Feed{Name: "Levant Ledger"}}
	tests := []struct {
		name, query string
		want        string // hits; "-" for no match
	}{
		{"plain term searches the article", "normaliz*", `article:"normalization"`},
		{"text: searches the article", "text:normalization", `article:"normalization"`},
		{"article: scope", "article:normalization", `article:"normalization"`},
		{"article: scope is not the title", "article:paris", `article:"Paris"`},
		{"title: scope is not the article", "title:normalization", "-"},
		{"summary: scope is not the article", "summary:normalization", "-"},
		{"phrase in the article", `"first steps toward normalization"`, `article:"first steps toward normalization"`},
		{"regexp over the article", `article:/steps? toward/`, `article:"steps toward"`},
		{"teaser and article together", "syria* AND normaliz*", `title:"Syrian", article:"Syrian", article:"normalization"`},
		{"NOT over the article", "paris NOT article:normalization", "-"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := matchBoth(t, tc.query, it)
			if !ok {
				got = "-"
			}
			if got != tc.want {
				t.Errorf("%s: got %s, want %s", tc.query, got, tc.want)
			}
		})
	}
}

// A hit in the article quotes the sentence it was found in; a hit in a
// title quotes nothing.
func TestMatchArticleQuote(t *testing.T) {
	tests := []struct{ query, field, quote string }{
		{"normalization", "article", "Two diplomats said the agenda included the first steps toward normalization between the two countries."},
		{"welcomed", "article", "The U.S. welcomed the meeting."},
		{"article:senior", "article", "Senior Syrian and Israeli security officials met in Paris on Wednesday."},
		{"title:paris", "title", ""},
	}
	for _, tc := range tests {
		q, err := ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		set := NewSet([]Compiled{{Rule: &Rule{Name: "r", Enabled: true}, Query: q}})
		ms := set.Match(teaserItem(), nil)
		if len(ms) != 1 || len(ms[0].Hits) == 0 {
			t.Fatalf("%s: matches %v", tc.query, ms)
		}
		h := ms[0].Hits[0]
		if h.Field != tc.field || h.Quote != tc.quote {
			t.Errorf("%s: hit %s %q, quote %q; want %s, quote %q", tc.query, h.Field, h.Text, h.Quote, tc.field, tc.quote)
		}
	}
}

func TestSentenceAround(t *testing.T) {
	long := strings.Repeat("word ", 100) + "normalization " + strings.Repeat("more ", 100) + "end."
	tests := []struct {
		name, text, term, want string
	}{
		{"middle sentence", "First one. The talks on normalization went on! Last?", "normalization", "The talks on normalization went on!"},
		{"first sentence", "Normalization is near. Then more.", "Normalization", "Normalization is near."},
		{"no end", "They spoke of normalization", "normalization", "They spoke of normalization"},
		{"abbreviation and decimals", "Talks with the U.S. on 3.5 billion for normalization stalled. Next.", "normalization", "Talks with the U.S. on 3.5 billion for normalization stalled."},
		{"line break ends a paragraph", "Heading\nThe normalization text\nNext", "normalization", "The normalization text"},
		{"arabic question mark", "هل يأتي التطبيع؟ قال المسؤول إن التطبيع بعيد.", "بعيد", "قال المسؤول إن التطبيع بعيد."},
		{"long sentence cut around the term", long, "normalization", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := strings.LastIndex(tc.text, tc.term)
			got := sentenceAround(tc.text, start, start+len(tc.term))
			if tc.want == "" {
				if !strings.Contains(got, tc.term) || !strings.HasPrefix(got, "…") || !strings.HasSuffix(got, "…") ||
					len([]rune(got)) > maxQuote+2 {
					t.Errorf("got %q (%d characters)", got, len([]rune(got)))
				}
				return
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestShares(t *testing.T) {
	feed := &model.Feed{Name: "Levant Ledger", Tags: []string{"mideast"}}
	other := &model.Feed{Name: "Sports Daily"}
	rule := func(name, query string, feeds ...string) Compiled {
		q, err := ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		return Compiled{Rule: &Rule{Name: name, Enabled: true, Feeds: feeds}, Query: q}
	}
	set := NewSet([]Compiled{
		rule("normalization", `(syria OR damascus) AND israel AND article:normaliz*`, "tag:mideast"),
		rule("accords", `"abraham accords" NEAR/5 (join* OR sign*)`),
		rule("not-sport", `football -transfer`),
		rule("ceasefire", `/cease ?fire/ AND gaza`),
		rule("only-lang", `lang:ar`),
	})
	tests := []struct {
		name           string
		title, summary string
		content        string
		feed           *model.Feed
		want           bool
	}{
		{"one term of a rule in the title", "Damascus responds", "", "", feed, true},
		{"a term in the summary's HTML", "Talks", "<p>Israel&#8217;s envoys</p>", "", feed, true},
		{"a prefix scoped to article: counts in the teaser", "Normalisation? No: normalizing ties", "", "", feed, true},
		{"a term in the content", "Talks", "", "<p>with Syria</p>", feed, true},
		{"no term of any rule", "Oil prices slide on demand fears", "Markets fell.", "", feed, false},
		{"terms of a rule that does not watch the feed", "Damascus and Israel", "", "", other, false},
		{"a phrase counts whole", "The Abraham Accords at six", "", "", other, true},
		{"half a phrase does not", "Abraham Lincoln's birthday", "", "", other, false},
		{"a NOT term does not count", "Transfer window opens", "", "", other, false},
		{"a positive term of the same rule does", "Football transfer window", "", "", other, true},
		{"a regexp's text", "Ceasefire holds", "", "", other, true},
		{"a regexp's text with its space", "Cease fire holds", "", "", other, true},
		{"lang: alone shares nothing", "خبر", "", "", &model.Feed{Name: "ar", Lang: "ar"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := &model.Item{Title: tc.title, Summary: tc.summary, Content: tc.content, Author: "Damascus Bureau"}
			if got := set.Shares(it, tc.feed); got != tc.want {
				t.Errorf("Shares = %v, want %v", got, tc.want)
			}
		})
	}
	if NewSet(nil).Shares(&model.Item{Title: "Damascus"}, feed) {
		t.Error("an empty set shares a term")
	}
	// The article itself is not looked at: it is what Shares decides to fetch.
	if set.Shares(&model.Item{Title: "Weather", Article: "Damascus and Israel"}, feed) {
		t.Error("Shares looked at the article")
	}
}
