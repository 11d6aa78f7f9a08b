package monitor

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	cluster "github.com/newswatch/newswatch/internal/story"

	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/rules"
)

// TestPrepareSharesAnalysis checks prepare over the fixture feeds, with and
// without rules and stories, primed and not: an item that is matched and
// clustered has its title and summary analysed once (rules.Set.MatchVisit
// and story.ExtractAnalysed), and its features, matches and text hash must
// be exactly what story.Extract, rules.Set.Match and textHash give.
func TestPrepareSharesAnalysis(t *testing.T) {
	files := []struct{ name, contentType, lang string }{
		{name: "kan11-hebrew-2026-10-03.xml"},
		{name: "arab48-arabic-2026-10-03.xml"},
		{name: "DERIVED-arab48-windows-1256-bytes-declared-utf8.xml", lang: "ar"},
		{name: "guardian-us-2018.rss"},
		{name: "heise-developer-2016.atom", contentType: "application/atom+xml"},
		{name: "jsonfeed-1.1-all-fields.json", contentType: "application/feed+json"},
		{name: "rss2-item-xml-base-relative.xml"},
		{name: "windows-1252-euro.xml"},
	}
	set := ruleSet(t,
		&rules.Rule{Name: "hamas", Query: "חמאס OR حماس OR hamas"},
		&rules.Rule{Name: "aramco", Query: "أرامكو OR aramco"},
		&rules.Rule{Name: "java", Query: "wildfly OR java* OR title:title"},
		&rules.Rule{Name: "us", Query: "trump OR obama OR summary:(police OR court)"},
		&rules.Rule{Name: "israel", Query: "ישראל OR إسرائيل OR israel*"},
	)
	var matched, backfilled, shared int
	for _, file := range files {
		feed := model.Feed{Name: file.name, URL: "https://example.com/" + file.name, Lang: file.lang}
		doc, err := ParseFeed(readFixture(t, file.name), ParseOptions{Feed: feed.Name, URL: feed.URL, ContentType: file.contentType, Lang: file.lang})
		if err != nil {
			t.Fatalf("%s: %v", file.name, err)
		}
		entries := Entries(doc, feed.URL)
		// Back-fill the older half of the dated entries when not primed.
		var dates []time.Time
		for _, e := range entries {
			if !e.Published.IsZero() {
				dates = append(dates, e.Published)
			}
		}
		slices.SortFunc(dates, time.Time.Compare)
		now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		backfill := time.Hour
		if len(dates) > 0 {
			backfill = now.Sub(dates[len(dates)/2])
		}
		st := &store.FeedState{ID: 1, Name: feed.Name}
		for _, primed := range []bool{true, false} {
			for _, rs := range []*rules.Set{set, ruleSet(t), nil} {
				for _, stories := range []*Stories{{}, nil} {
					p := &Poller{Backfill: backfill, Stories: stories}
					plan := &pollPlan{}
					for _, e := range entries {
						plan.fresh = append(plan.fresh, &plannedItem{e: e, identity: e.Identity})
					}
					p.prepare(rs, feed, st, plan, primed, now)
					for i, pi := range plan.fresh {
						it := pi.item
						var want cluster.Features
						if stories != nil {
							want = cluster.Extract(it.Title, it.Summary)
						}
						if !reflect.DeepEqual(pi.features, want) {
							t.Fatalf("%s item %d (primed %v, rules %v, stories %v): features differ from Extract's",
								file.name, i, primed, rs != nil, stories != nil)
						}
						if wantHash := textHash(it.Title, it.Summary); it.TextHash != wantHash {
							t.Fatalf("%s item %d (primed %v, rules %v, stories %v): text hash %s, want %s",
								file.name, i, primed, rs != nil, stories != nil, it.TextHash, wantHash)
						}
						if it.HasSimHash != (stories != nil) || it.SimHash != want.SimHash {
							t.Fatalf("%s item %d: SimHash %x (%v), want %x", file.name, i, it.SimHash, it.HasSimHash, want.SimHash)
						}
						var wantMatches []rules.Match
						if rs != nil && !pi.backfill {
							wantMatches = rs.Match(it, &feed)
							if stories != nil {
								shared++
							}
						}
						if !reflect.DeepEqual(pi.matches, wantMatches) {
							t.Fatalf("%s item %d (primed %v, stories %v): matches %v, want %v",
								file.name, i, primed, stories != nil, pi.matches, wantMatches)
						}
						if pi.backfill {
							backfilled++
						}
						matched += len(pi.matches)
					}
				}
			}
		}
	}
	t.Logf("%d matches, %d items by the shared analysis, %d backfilled", matched, shared, backfilled)
	if matched < 20 || shared < 100 || backfilled < 20 {
		t.Fatalf("%d matches, %d items by the shared analysis, %d backfilled: the test says little", matched, shared, backfilled)
	}
}
