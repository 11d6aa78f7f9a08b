package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
)

// hitsString renders hits as `field:"text", …` for comparisons.
func hitsString(hits []model.Hit) string {
	parts := make([]string, len(hits))
	for i, h := range hits {
		parts[i] = fmt.Sprintf("%s:%q", h.Field, h.Text)
	}
	return strings.Join(parts, ", ")
}

// matchBoth evaluates query against it with the indexed Set and without an
// index, fails the test if they disagree, and returns the hits ("" and false
// for no match).
func matchBoth(t *testing.T, query string, it feedItem) (string, bool) {
	t.Helper()
	q, err := ParseQuery(query)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", query, err)
	}
	direct, ok := matchQuery(q, it.Item, it.feed)
	set := NewSet([]Compiled{{Rule: &Rule{Name: "r", Enabled: true}, Query: q}})
	ms := set.Match(it.Item, it.feed)
	if ok != (len(ms) == 1) {
		t.Fatalf("%s: direct evaluation says %v, the Set says %v", query, ok, ms)
	}
	if ok && hitsString(ms[0].Hits) != hitsString(direct) {
		t.Fatalf("%s: direct hits %s, Set hits %s", query, hitsString(direct), hitsString(ms[0].Hits))
	}
	return hitsString(direct), ok
}

func TestMatchOperators(t *testing.T) {
	news := feedItem{&model.Item{
		Title:   "Abraham Accords: Syria and Israel discuss normalization",
		Summary: "<p>Officials in <b>Damascus</b> said the US-brokered peace talks could resume.</p><p>Al\u2011Sharaa met envoys.</p>",
		Content: "<div>Full text. <script>var hidden = 'secret';</script>The normalisation of ties was discussed in Washington.</div>",
		Author:  "Jane Doe",
		Categories: []string{
			"Middle East", "Diplomacy",
		},
		Link: "https://www.reuters.com/world/middle-east/abc",
		Lang: "en-US",
		Feed: "Reuters World",
	}, &model.Feed{Name: "Reuters World"}}
	tests := []struct {
		name, query string
		want        string // hits; "-" for no match
	}{
		{"word in title", "syria", `title:"Syria"`},
		{"word folded", "SYRIA", `title:"Syria"`},
		{"word in summary HTML", "damascus", `summary:"Damascus"`},
		{"word in content", "washington", `content:"Washington"`},
		{"word in several fields", "normalization OR normalisation", `title:"normalization", content:"normalisation"`},
		{"script body is not text", "secret", "-"},
		{"word only in author is not text", "jane", "-"},
		{"missing word", "egypt", "-"},
		{"phrase", `"abraham accords"`, `title:"Abraham Accords"`},
		{"phrase as written in item", `"us brokered"`, `summary:"US-brokered"`},
		{"hyphenated query word", "US-brokered", `summary:"US-brokered"`},
		{"hyphen matches non-breaking hyphen", "al-sharaa", `summary:"Al‑Sharaa"`},
		{"phrase order matters", `"accords abraham"`, "-"},
		{"phrase not across fields", `"normalization officials"`, "-"},
		{"phrase across paragraphs of one field", `"resume al"`, "summary:\"resume.\\nAl\""},
		{"prefix", "normaliz*", `title:"normalization"`},
		{"prefix matches whole word too", "syria*", `title:"Syria"`},
		{"prefix in phrase", `"peace tal*"`, `summary:"peace talks"`},
		{"implicit AND", "syria israel", `title:"Syria", title:"Israel"`},
		{"implicit AND fails", "syria egypt", "-"},
		{"AND", "syria AND damascus", `title:"Syria", summary:"Damascus"`},
		{"OR first", "syria OR egypt", `title:"Syria"`},
		{"OR both", "syria OR israel", `title:"Syria", title:"Israel"`},
		{"OR none", "egypt OR jordan", "-"},
		{"NOT excludes", "syria NOT israel", "-"},
		{"NOT passes", "syria NOT egypt", `title:"Syria"`},
		{"minus", "syria -egypt", `title:"Syria"`},
		{"minus excludes", "syria -damascus", "-"},
		{"parentheses", "(egypt OR syria) AND (jordan OR israel)", `title:"Syria", title:"Israel"`},
		{"precedence: AND before OR", "egypt jordan OR syria", `title:"Syria"`},
		{"NOT before AND", "NOT egypt syria", `title:"Syria"`},
		{"NEAR within", "syria NEAR/4 normalization", `title:"Syria", title:"normalization"`},
		{"NEAR one short", "syria NEAR/2 normalization", "-"},
		{"NEAR exact distance", "syria NEAR/3 normalization", `title:"Syria", title:"normalization"`},
		{"NEAR too far", "accords NEAR/2 normalization", "-"},
		{"NEAR either order", "normalization NEAR/3 syria", `title:"Syria", title:"normalization"`},
		{"NEAR default 10", "abraham NEAR normalization", `title:"Abraham", title:"normalization"`},
		{"NEAR/0 is adjacent", "peace NEAR/0 talks", `summary:"peace", summary:"talks"`},
		{"NEAR not across fields", "normalization NEAR/5 officials", "-"},
		{"NEAR with group and phrase", `(egypt OR "abraham accords") NEAR/4 (israel OR jordan)`, `title:"Abraham Accords", title:"Israel"`},
		{"PRE in order", "syria PRE/2 discuss", `title:"Syria", title:"discuss"`},
		{"PRE wrong order", "discuss PRE/2 syria", "-"},
		{"NEAR needs two occurrences", "syria NEAR syria", "-"},
		{"case matches", "case:US", `summary:"US"`},
		{"case does not fold", "case:Us", "-"},
		{"case phrase", `case:"Abraham Accords"`, `title:"Abraham Accords"`},
		{"case phrase wrong case", `case:"abraham accords"`, "-"},
		{"title field", "title:israel", `title:"Israel"`},
		{"title field misses summary", "title:damascus", "-"},
		{"summary field", "summary:damascus", `summary:"Damascus"`},
		{"content field", "content:washington", `content:"Washington"`},
		{"text field", "text:washington", `content:"Washington"`},
		{"author field", `author:"jane doe"`, `author:"Jane Doe"`},
		{"category field any category", "category:diplomacy", `category:"Diplomacy"`},
		{"category phrase", `category:"middle east"`, `category:"Middle East"`},
		{"category phrase not across categories", `category:"east diplomacy"`, "-"},
		{"feed field", "feed:reuters", `feed:"Reuters"`},
		{"field group", "title:(egypt OR israel)", `title:"Israel"`},
		{"domain", "domain:reuters.com", `domain:"www.reuters.com"`},
		{"domain with www", "domain:www.reuters.com", `domain:"www.reuters.com"`},
		{"domain other", "domain:apnews.com", "-"},
		{"domain suffix on label boundary only", "domain:euters.com", "-"},
		{"domain with term", "domain:reuters.com syria", `title:"Syria", domain:"www.reuters.com"`},
		{"lang primary", "lang:en", `lang:"en-US"`},
		{"lang full", "lang:en-us", `lang:"en-US"`},
		{"lang other region", "lang:en-gb", "-"},
		{"lang other", "lang:ar", "-"},
		{"regexp", `/normali[sz]ation/`, `title:"normalization", content:"normalisation"`},
		{"regexp is case-insensitive", `/SYRIA AND/`, `title:"Syria and"`},
		{"regexp over analysed text", `/accords syria/`, `title:"Accords: Syria"`},
		{"regexp not across fields", `/normalization officials/`, "-"},
		{"regexp field scope", `summary:/\bpeace\b/`, `summary:"peace"`},
		{"regexp field scope misses", `title:/peace/`, "-"},
		{"regexp partial word", `/ashing/`, `content:"Washington"`},
		{"spec example", `"abraham accords" normaliz*`, `title:"Abraham Accords", title:"normalization"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := matchBoth(t, tc.query, news)
			if !ok {
				got = "-"
			}
			if got != tc.want {
				t.Errorf("%s:\n got %s\nwant %s", tc.query, got, tc.want)
			}
		})
	}
}

func TestMatchArabicAndHebrew(t *testing.T) {
	tests := []struct {
		name, query, title string
		want               string // hits; "-" for no match
	}{
		{"Arabic exact", "إسرائيل", "قالت إسرائيل اليوم", `title:"إسرائيل"`},
		{"Arabic wa- prefix", "إسرائيل", "سوريا وإسرائيل", `title:"وإسرائيل"`},
		{"Arabic alef normalized", "اسرائيل", "سوريا وإسرائيل", `title:"وإسرائيل"`},
		{"Arabic al- prefix", "سعودية", "زيارة إلى السعودية", `title:"السعودية"`},
		{"Arabic wa-al- prefix", "سعودية", "مصر والسعودية", `title:"والسعودية"`},
		{"Arabic al- kept in term", "السعودية", "مصر والسعودية", `title:"والسعودية"`},
		{"Arabic term never stripped", "والسعودية", "زيارة إلى السعودية", "-"},
		{"Arabic teh marbuta", "سعوديه", "السعودية", `title:"السعودية"`},
		{"Arabic harakat", "تطبيع", "اَلتَّطْبِيعُ مع إسرائيل", `title:"اَلتَّطْبِيعُ"`},
		{"Arabic tatweel", "تطبيع", "التطبيـــع", `title:"التطبيـــع"`},
		{"Arabic two letters must remain", "لي", "ولي", `title:"ولي"`},
		{"Arabic prefix query", "سعود*", "مصر والسعودية", `title:"والسعودية"`},
		{"Arabic phrase with prefixes", `"اتفاقيات ابراهيم"`, "توقيع واتفاقيات إبراهيم", `title:"واتفاقيات إبراهيم"`},
		{"Arabic NEAR", "سوريا NEAR/3 تطبيع", "سوريا تدرس التطبيع", `title:"سوريا", title:"التطبيع"`},
		{"Hebrew exact", "ישראל", "סוריה ישראל", `title:"ישראל"`},
		{"Hebrew ve- prefix", "ישראל", "סוריה וישראל", `title:"וישראל"`},
		{"Hebrew be- prefix", "ישראל", "ביקור בישראל", `title:"בישראל"`},
		{"Hebrew ve-be- prefix", "ישראל", "בסוריה ובישראל", `title:"ובישראל"`},
		{"Hebrew other word", "ישראל", "נציג ישראלי", "-"},
		{"Hebrew ha- prefix", "סעודית", "הסעודית", `title:"הסעודית"`},
		{"Hebrew niqqud", "שלום", "שָׁלוֹם", `title:"שָׁלוֹם"`},
		{"Hebrew gershayim", "צה״ל", `דובר צה"ל`, `title:"צה\"ל"`},
		{"Hebrew phrase", `"הסכמי אברהם"`, "חתימה על הסכמי אברהם", `title:"הסכמי אברהם"`},
		{"Hebrew prefixed phrase", `"הסכמי אברהם"`, "בהסכמי אברהם", `title:"בהסכמי אברהם"`},
		{"Hebrew prefix query", "ישרא*", "בישראל", `title:"בישראל"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := matchBoth(t, tc.query, feedItem{Item: &model.Item{Title: tc.title}})
			if !ok {
				got = "-"
			}
			if got != tc.want {
				t.Errorf("%s in %q:\n got %s\nwant %s", tc.query, tc.title, got, tc.want)
			}
		})
	}
}

func TestMatchLanguageFallback(t *testing.T) {
	tests := []struct {
		name, query, lang, feedLang string
		want                        bool
	}{
		{"item language", "lang:ar", "ar", "", true},
		{"feed language when item has none", "lang:he", "", "he", true},
		{"item language wins", "lang:he", "ar", "he", false},
		{"underscore and case", "lang:pt-br", "pt_BR", "", true},
		{"primary subtag matches region", "lang:ar", "ar-EG", "", true},
		{"no language", "lang:en", "", "", false},
		{"prefix is not a subtag", "lang:e", "en", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery("x " + tc.query)
			if err != nil {
				if tc.want {
					t.Fatal(err)
				}
				return
			}
			_, got := matchQuery(q, &model.Item{Title: "x", Lang: tc.lang}, &model.Feed{Lang: tc.feedLang})
			if got != tc.want {
				t.Errorf("%s on lang %q feed %q = %v", tc.query, tc.lang, tc.feedLang, got)
			}
		})
	}
}

func TestMatchDomain(t *testing.T) {
	tests := []struct {
		domain, link string
		want         bool
	}{
		{"reuters.com", "https://reuters.com/x", true},
		{"reuters.com", "https://www.reuters.com/x", true},
		{"reuters.com", "https://uk.reuters.com/x", true},
		{"reuters.com", "https://WWW.Reuters.COM./x", true},
		{"www.reuters.com", "https://reuters.com/x", true},
		{"reuters.com", "https://notreuters.com/x", false},
		{"reuters.com", "https://reuters.com.evil.net/x", false},
		{"uk.reuters.com", "https://www.reuters.com/x", false},
		{"reuters.com", "", false},
		{"reuters.com", "not a url", false},
		{"reuters.com", "https://reuters.com:8443/x", true},
		{"kan.org.il", "https://www.kan.org.il/content/x", true},
		{"bücher.de", "https://xn--bcher-kva.de/", true},
		{"xn--bcher-kva.de", "https://bücher.de/", true},
	}
	for _, tc := range tests {
		t.Run(tc.domain+" "+tc.link, func(t *testing.T) {
			_, got := matchBoth(t, "domain:"+tc.domain, feedItem{Item: &model.Item{Title: "x", Link: tc.link}})
			if got != tc.want {
				t.Errorf("domain:%s on %q = %v, want %v", tc.domain, tc.link, got, tc.want)
			}
		})
	}
}

func TestMatchFeedSelectors(t *testing.T) {
	it := feedItem{&model.Item{Title: "Syria", Feed: "arab48"}, &model.Feed{Name: "arab48", URL: "https://www.arab48.com/rss", Tags: []string{"mideast", "arabic"}}}
	tests := []struct {
		name  string
		feeds []string
		want  bool
	}{
		{"no selectors: all feeds", nil, true},
		{"feed name", []string{"arab48"}, true},
		{"feed URL", []string{"https://www.arab48.com/rss"}, true},
		{"tag", []string{"tag:mideast"}, true},
		{"one of several", []string{"kan11", "tag:arabic"}, true},
		{"other feed", []string{"kan11"}, false},
		{"other tag", []string{"tag:hebrew"}, false},
		{"tag name is not a feed name", []string{"mideast"}, false},
		{"feed name is not a tag", []string{"tag:arab48"}, false},
	}
	q, err := ParseQuery("syria")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := NewSet([]Compiled{{Rule: &Rule{Name: "r", Enabled: true, Feeds: tc.feeds}, Query: q}})
			if got := len(set.Match(it.Item, it.feed)) == 1; got != tc.want {
				t.Errorf("Feeds %q: matched = %v, want %v", tc.feeds, got, tc.want)
			}
		})
	}
}

// TestMatchRealFeeds runs the Middle-East rules of docs/rules.md over the
// Arabic and Hebrew fixture feeds and checks items known to be there.
func TestMatchRealFeeds(t *testing.T) {
	rules := map[string]string{
		"israel-ar": "إسرائيلية",
		"israel-he": "ישראל",
		"saudi-ar":  "سعودية",
		"saudi-he":  "סעודית OR סעודיה",
	}
	var compiled []Compiled
	for name, query := range rules {
		q, err := ParseQuery(query)
		if err != nil {
			t.Fatal(err)
		}
		compiled = append(compiled, Compiled{Rule: &Rule{Name: name, Enabled: true}, Query: q})
	}
	set := NewSet(compiled)
	tests := []struct {
		file, rule, hit string // the rule must match some item with this hit text
	}{
		{"arab48-arabic-2026-10-03.xml", "israel-ar", "وإسرائيلية"},
		{"arab48-arabic-2026-10-03.xml", "saudi-ar", "السعودية"},
		{"israeldefense-hebrew-2026-10-03.xml", "israel-he", "לישראל"},
		{"kan11-hebrew-2026-10-03.xml", "saudi-he", "הסעודית"},
	}
	for _, tc := range tests {
		t.Run(tc.rule+" "+tc.hit, func(t *testing.T) {
			for _, it := range loadFeedItems(t, tc.file) {
				for _, m := range set.Match(it.Item, it.feed) {
					for _, h := range m.Hits {
						if m.Rule.Name == tc.rule && h.Text == tc.hit {
							return
						}
					}
				}
			}
			t.Errorf("no item of %s matched %s with hit %q", tc.file, tc.rule, tc.hit)
		})
	}
}

func TestSetRulesAndOrder(t *testing.T) {
	var compiled []Compiled
	for _, name := range []string{"zeta", "alpha", "mid", "off", "alpha"} {
		q, err := ParseQuery("syria")
		if err != nil {
			t.Fatal(err)
		}
		compiled = append(compiled, Compiled{Rule: &Rule{Name: name, Enabled: name != "off"}, Query: q})
	}
	compiled = append(compiled, Compiled{Rule: &Rule{Name: "noquery", Enabled: true}})
	set := NewSet(compiled)
	var names []string
	for _, r := range set.Rules() {
		names = append(names, r.Name)
	}
	if got := strings.Join(names, " "); got != "alpha mid zeta" {
		t.Errorf("Rules() = %s", got)
	}
	if set.Rule("off") != nil || set.Rule("mid") == nil || set.Rule("mid").Name != "mid" {
		t.Errorf("Rule lookups wrong")
	}
	if set.Rule("alpha") != compiled[1].Rule {
		t.Errorf("the first of two rules with one name should win")
	}
	var matched []string
	for _, m := range set.Match(&model.Item{Title: "Syria"}, nil) {
		matched = append(matched, m.Rule.Name)
	}
	if got := strings.Join(matched, " "); got != "alpha mid zeta" {
		t.Errorf("Match order = %s", got)
	}
	if ms := NewSet(nil).Match(&model.Item{Title: "Syria"}, nil); ms != nil {
		t.Errorf("empty set matched %v", ms)
	}
}

// TestNearLongText checks NEAR on a long text where both words occur
// thousands of times, and only the last occurrences are near each other.
func TestNearLongText(t *testing.T) {
	var b strings.Builder
	for range 3000 {
		b.WriteString("israel one two three four five six seven eight nine ")
	}
	for range 3000 {
		b.WriteString("syria one two three four five six seven eight nine ")
	}
	b.WriteString("syria x israel")
	it := feedItem{Item: &model.Item{Content: b.String()}}
	tests := []struct {
		query string
		want  bool
	}{
		{"israel NEAR/1 syria", true},
		{"israel NEAR/0 syria", false},
		{"(israel OR \"one two\") PRE/0 syria", false},
		{"syria PRE/1 israel", true},
		{"israel PRE/1 syria", false},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			if _, got := matchBoth(t, tc.query, it); got != tc.want {
				t.Errorf("%s = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
}
