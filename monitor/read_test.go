package monitor

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// version is a document a test feed serves for a while.
type version struct {
	doc         string
	contentType string // "" for application/rss+xml
}

// bothWays polls docs, in turn, with a poller that parses only new items
// and with one that parses whole documents, each with its own store, and
// fails unless every poll gives the same result and the stores end with
// the same items and alerts. It returns the item-memo poller's results.
func bothWays(t *testing.T, feed model.Feed, maxItems int, docs ...version) []PollResult {
	t.Helper()
	set := ruleSet(t,
		&rules.Rule{Name: "syria", Query: "syria OR سوريا OR סוריה OR report"},
		&rules.Rule{Name: "update", Query: "edited", OnUpdate: "thread"},
	)
	srv := newFeedServer(t, "")
	feed.URL = srv.URL + "/feed"
	if feed.Name == "" {
		feed.Name = "both-ways"
	}
	memo, whole := newTestEnv(t, set), newTestEnv(t, set)
	whole.poller.wholeDocuments = true
	for _, e := range []*testEnv{memo, whole} {
		e.poller.MaxItems = maxItems
		e.addFeeds(feed)
	}
	var results []PollResult
	for i, v := range docs {
		srv.set(v.doc, 0)
		ct := v.contentType
		if ct == "" {
			ct = "application/rss+xml; charset=utf-8"
		}
		srv.setHeader("Content-Type", ct)
		got, want := memo.poll(feed), whole.poll(feed)
		got.FetchDuration, want.FetchDuration = 0, 0
		if got.Parsed > got.Items || want.Parsed != want.Items {
			t.Fatalf("poll %d: parsed %d of %d items, and %d of %d whole", i, got.Parsed, got.Items, want.Parsed, want.Items)
		}
		parsed := got.Parsed
		got.Parsed = want.Parsed
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("poll %d: parsing new items gives\n%+v\nthe whole document\n%+v", i, got, want)
		}
		got.Parsed = parsed
		results = append(results, got)
		memo.clock.Advance(time.Minute)
		whole.clock.Advance(time.Minute)
	}
	if got, want := storeSummary(memo), storeSummary(whole); got != want {
		t.Fatalf("parsing new items leaves the store with\n%s\nthe whole documents with\n%s", got, want)
	}
	return results
}

// storeSummary lists the items and alerts of e's store, with what a poll
// decides of them.
func storeSummary(e *testEnv) string {
	var b strings.Builder
	for _, it := range e.items() {
		fmt.Fprintf(&b, "item %d %s %q %q %q %s %s %v %q %q %v\n", it.ID, it.Identity, it.Title, it.Summary, it.Content,
			it.Link, it.TextHash, it.Published.UTC(), it.Lang, it.Author, it.Categories)
	}
	for _, a := range e.alerts() {
		fmt.Fprintf(&b, "alert %d %s %s %q parent %d\n", a.ID, a.Rule, a.Kind, a.Title, a.ParentID)
	}
	st := e.feedState("both-ways")
	fmt.Fprintf(&b, "feed %s %d\n", st.IdentityMode, st.GUIDChanges)
	return b.String()
}

// doc renders an RSS 2.0 document: head is what comes before the items
// (from the root's start tag), items are rendered by item.
func rssItems(head string, items ...string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + head + "\n" + strings.Join(items, "\n") + "\n</channel></rss>\n"
}

const plainHead = `<rss version="2.0"><channel><title>T</title><link>https://news.example/</link>`

// rssItem is an item with a GUID, a title, a link and a date (hours after
// t0).
func rssItem(guid, title, link string, hour int) string {
	return fmt.Sprintf(`<item><guid isPermaLink="false">%s</guid><title>%s</title><link>%s</link>`+
		`<description>Syria report %s</description><pubDate>%s</pubDate></item>`,
		guid, title, link, guid, t0.Add(time.Duration(hour)*time.Hour).Format(time.RFC1123Z))
}

// TestReadNewItemsAsWhole polls sequences of documents parsing only new
// items and parsing whole documents, and checks that both record the same
// (bothWays), and that the former parsed only what it had to.
func TestReadNewItemsAsWhole(t *testing.T) {
	items := func(from, to int, edit map[int]string) []string {
		var out []string
		for i := to; i >= from; i-- { // newest first
			title := fmt.Sprintf("Report %d", i)
			if e, ok := edit[i]; ok {
				title = e
			}
			out = append(out, rssItem(fmt.Sprint("g", i), title, fmt.Sprintf("https://news.example/%d", i), i))
		}
		return out
	}
	rss := func(head string, it []string) version { return version{doc: rssItems(head, it...)} }

	t.Run("new items, edits and an edit undone", func(t *testing.T) {
		res := bothWays(t, model.Feed{}, 0,
			rss(plainHead, items(1, 10, nil)),
			rss(plainHead+`<lastBuildDate>now</lastBuildDate>`, items(3, 12, nil)),
			rss(plainHead, items(3, 12, map[int]string{5: "Report 5 edited"})),
			rss(plainHead, items(3, 12, nil)),
			rss(plainHead, items(3, 14, map[int]string{7: "Report 7 edited"})),
		)
		wantParsed := []int{10, 2, 1, 1, 3}
		for i, r := range res {
			if r.Parsed != wantParsed[i] {
				t.Errorf("poll %d parsed %d of %d items, want %d", i, r.Parsed, r.Items, wantParsed[i])
			}
		}
		if res[2].Edited != 1 || res[3].Edited != 1 {
			t.Errorf("edits %d and %d, want the edit and its undoing", res[2].Edited, res[3].Edited)
		}
	})

	t.Run("a new item with a GUID left out", func(t *testing.T) {
		old := items(1, 5, nil)
		res := bothWays(t, model.Feed{}, 0,
			rss(plainHead, old),
			// after the item it repeats: gofeed's first is kept, nothing new
			rss(plainHead, append(append([]string{}, old...), rssItem("g3", "Report 3 again", "https://news.example/3b", 3))),
			// before it: the new text is an edit
			rss(plainHead, append([]string{rssItem("g2", "Report 2 edited", "https://news.example/2", 2)}, old...)),
		)
		if res[1].Parsed != res[1].Items || res[2].Parsed != res[2].Items {
			t.Errorf("an identity shared with an item left out must parse the whole document: %+v", res)
		}
	})

	t.Run("a new GUID for a link left out", func(t *testing.T) {
		old := items(1, 5, nil)
		bothWays(t, model.Feed{}, 0,
			rss(plainHead, old),
			rss(plainHead, append([]string{rssItem("g9", "Live: report 4 continued", "https://news.example/4", 9)}, old...)),
		)
	})

	t.Run("new GUIDs for two known links among stable GUIDs", func(t *testing.T) {
		// The items left out count as seen GUIDs: 3 of them against 2
		// new GUIDs is not a feed that regenerates its GUIDs.
		old := items(1, 5, nil)
		res := bothWays(t, model.Feed{}, 0,
			rss(plainHead, old),
			rss(plainHead, append([]string{
				rssItem("n5", "Report 5", "https://news.example/5", 5),
				rssItem("n4", "Report 4", "https://news.example/4", 4),
			}, old[2:]...)),
		)
		if res[1].Parsed != 2 || res[1].New != 2 {
			t.Errorf("second poll %+v, want 2 items parsed, both new", res[1])
		}
	})

	t.Run("a feed that regenerates its GUIDs", func(t *testing.T) {
		regen := func(round int) []string {
			var out []string
			for i := 5; i >= 1; i-- {
				out = append(out, rssItem(fmt.Sprintf("r%d-%d", round, i), fmt.Sprintf("Report %d", i), fmt.Sprintf("https://news.example/%d", i), i))
			}
			return out
		}
		bothWays(t, model.Feed{}, 0,
			rss(plainHead, regen(0)), rss(plainHead, regen(1)), rss(plainHead, regen(2)),
			rss(plainHead, append([]string{rssItem("r3-6", "Report 6", "https://news.example/6", 6)}, regen(2)...)),
		)
	})

	t.Run("items twice, byte for byte", func(t *testing.T) {
		old := items(1, 4, nil)
		twice := append(append([]string{}, old...), old[1])
		res := bothWays(t, model.Feed{}, 0, rss(plainHead, twice), rss(plainHead, append(items(5, 5, nil), twice...)))
		if res[1].Parsed != 1 {
			t.Errorf("parsed %d of %d items, want the new one", res[1].Parsed, res[1].Items)
		}
	})

	t.Run("the root's namespaces and base change", func(t *testing.T) {
		rel := func(from, to int) []string {
			var out []string
			for i := to; i >= from; i-- {
				out = append(out, fmt.Sprintf(`<item><title>Report %d</title><link>story/%d</link><dc:creator>D</dc:creator>`+
					`<pubDate>%s</pubDate></item>`, i, i, t0.Add(time.Duration(i)*time.Hour).Format(time.RFC1123Z)))
			}
			return out
		}
		a := `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xml:base="https://a.example/"><channel><title>T</title>`
		b := `<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xml:base="https://b.example/"><channel><title>T</title>`
		c := `<rss version="2.0" xmlns:dc="urn:other"><channel xml:base="https://b.example/"><title>T</title>`
		res := bothWays(t, model.Feed{}, 0, rss(a, rel(1, 4)), rss(a, rel(1, 5)), rss(b, rel(1, 5)), rss(c, rel(1, 6)), rss(c, rel(1, 7)))
		wantParsed := []int{4, 1, 5, 6, 1}
		for i, r := range res {
			if r.Parsed != wantParsed[i] {
				t.Errorf("poll %d parsed %d of %d items, want %d", i, r.Parsed, r.Items, wantParsed[i])
			}
		}
	})

	t.Run("the language changes", func(t *testing.T) {
		bothWays(t, model.Feed{}, 0,
			rss(plainHead+`<language>en</language>`, items(1, 3, nil)),
			rss(plainHead+`<language>ar</language>`, items(1, 4, nil)))
	})

	t.Run("CDATA and entities", func(t *testing.T) {
		cdata := func(from, to int) []string {
			var out []string
			for i := to; i >= from; i-- {
				out = append(out, fmt.Sprintf(`<item><guid>c%d</guid><title><![CDATA[Report <%d> & co]]></title>`+
					`<description>&lt;p&gt;Syria&amp;Israel&lt;/p&gt; <![CDATA[</item>]]></description></item>`, i, i))
			}
			return out
		}
		res := bothWays(t, model.Feed{}, 0, rss(plainHead, cdata(1, 3)), rss(plainHead, cdata(1, 5)))
		if res[1].Parsed != 2 {
			t.Errorf("parsed %d of %d items, want 2", res[1].Parsed, res[1].Items)
		}
	})

	t.Run("more items than MaxItems", func(t *testing.T) {
		bothWays(t, model.Feed{}, 4, rss(plainHead, items(1, 6, nil)), rss(plainHead, items(1, 8, nil)))
	})

	t.Run("a document the cut is unsure of", func(t *testing.T) {
		head := plainHead + `<image><url>u</url></IMAGE>`
		res := bothWays(t, model.Feed{}, 0, rss(head, items(1, 3, nil)), rss(head, items(1, 4, nil)))
		if res[1].Parsed != res[1].Items {
			t.Errorf("parsed %d of %d items, want the whole document", res[1].Parsed, res[1].Items)
		}
	})

	t.Run("legacy encodings", func(t *testing.T) {
		for _, enc := range []struct {
			label string
			cm    *charmap.Charmap
			word  string
		}{{"windows-1256", charmap.Windows1256, "سوريا"}, {"ISO-8859-8", charmap.ISO8859_8, "סוריה"}} {
			t.Run(enc.label, func(t *testing.T) {
				encode := func(n int) version {
					var it []string
					for i := n; i >= 1; i-- {
						it = append(it, rssItem(fmt.Sprint("e", i), fmt.Sprintf("%s %d", enc.word, i), fmt.Sprintf("https://news.example/%d", i), i))
					}
					doc := strings.Replace(rssItems(plainHead, it...), "UTF-8", enc.label, 1)
					b, err := enc.cm.NewEncoder().String(doc)
					if err != nil {
						t.Fatal(err)
					}
					return version{doc: b, contentType: "application/rss+xml"}
				}
				res := bothWays(t, model.Feed{}, 0, encode(3), encode(5))
				if res[1].Parsed != 2 || res[1].New != 2 {
					t.Errorf("second poll %+v, want 2 new items parsed of 5", res[1])
				}
			})
		}
	})

	t.Run("Atom", func(t *testing.T) {
		atom := func(n int, lang string) version {
			var b strings.Builder
			fmt.Fprintf(&b, `<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/a/" xml:lang="%s"><title>T</title>`, lang)
			for i := n; i >= 1; i-- {
				fmt.Fprintf(&b, `<entry xml:base="e%d/"><id>tag:x,2026:%d</id><title>Report %d</title><link href="p.html"/>`+
					`<summary type="html">&lt;b&gt;Syria&lt;/b&gt;</summary><updated>%s</updated></entry>`,
					i, i, i, t0.Add(time.Duration(i)*time.Hour).Format(time.RFC3339))
			}
			b.WriteString("</feed>")
			return version{doc: b.String(), contentType: "application/atom+xml"}
		}
		res := bothWays(t, model.Feed{}, 0, atom(3, "en"), atom(5, "en"), atom(6, "he"))
		if res[1].Parsed != 2 || res[2].Parsed != 6 {
			t.Errorf("parsed %d and %d, want 2 and 6 (xml:lang is on the root)", res[1].Parsed, res[2].Parsed)
		}
	})

	t.Run("RSS 1.0", func(t *testing.T) {
		rdf := func(n int) version {
			var b strings.Builder
			b.WriteString(`<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/" ` +
				`xmlns:dc="http://purl.org/dc/elements/1.1/"><channel rdf:about="c"><title>T</title></channel>`)
			for i := n; i >= 1; i-- {
				fmt.Fprintf(&b, `<item rdf:about="https://news.example/%d"><title>Report %d</title><link>https://news.example/%d</link>`+
					`<dc:date>%s</dc:date></item>`, i, i, i, t0.Add(time.Duration(i)*time.Hour).Format(time.RFC3339))
			}
			b.WriteString("</rdf:RDF>")
			return version{doc: b.String()}
		}
		res := bothWays(t, model.Feed{}, 0, rdf(3), rdf(4))
		if res[1].Parsed != 1 {
			t.Errorf("parsed %d of %d, want 1", res[1].Parsed, res[1].Items)
		}
	})

	t.Run("JSON Feed", func(t *testing.T) {
		jf := func(n int, edit string) version {
			var it []string
			for i := n; i >= 1; i-- {
				title := fmt.Sprintf("Report %d", i)
				if i == 2 && edit != "" {
					title = edit
				}
				it = append(it, fmt.Sprintf(`{"id":"j%d","url":"https://news.example/%d","title":%q,"date_published":%q}`,
					i, i, title, t0.Add(time.Duration(i)*time.Hour).Format(time.RFC3339)))
			}
			return version{doc: `{"version":"https://jsonfeed.org/version/1.1","title":"T","items":[` + strings.Join(it, ",\n") + `]}`,
				contentType: "application/feed+json"}
		}
		res := bothWays(t, model.Feed{}, 0, jf(3, ""), jf(5, ""), jf(5, "Report 2 edited"))
		if res[1].Parsed != 2 || res[2].Parsed != 1 || res[2].Edited != 1 {
			t.Errorf("results %+v", res)
		}
	})
}

// TestItemMemoSaved checks that the memo is saved with the poll that
// recorded its document, replaced by the next, and dropped when a document
// cannot be cut.
func TestItemMemoSaved(t *testing.T) {
	env := newTestEnv(t, nil)
	srv := newFeedServer(t, rssItems(plainHead, rssItem("a", "A", "https://news.example/a", 1)))
	feed := model.Feed{Name: "memo", URL: srv.URL}
	env.addFeeds(feed)
	memoItems := func() int {
		t.Helper()
		b, err := env.store.ItemMemo(t.Context(), env.feedState("memo").ID)
		if err != nil {
			t.Fatal(err)
		}
		if b == nil {
			return -1
		}
		m := decodeMemo(b)
		if m == nil {
			t.Fatalf("memo %x does not decode", b)
		}
		return len(m.items)
	}
	if n := memoItems(); n != -1 {
		t.Fatalf("memo of %d items before the first poll", n)
	}
	env.poll(feed)
	if n := memoItems(); n != 1 {
		t.Fatalf("memo of %d items after the first poll, want 1", n)
	}
	srv.set(rssItems(plainHead, rssItem("b", "B", "https://news.example/b", 2), rssItem("a", "A", "https://news.example/a", 1)), 0)
	env.poll(feed)
	if n := memoItems(); n != 2 {
		t.Fatalf("memo of %d items after the second poll, want 2", n)
	}
	// An item gone is forgotten, even with nothing new to record.
	srv.set(rssItems(plainHead, rssItem("b", "B", "https://news.example/b", 2)), 0)
	if res := env.poll(feed); res.New != 0 || res.Parsed != 0 {
		t.Fatalf("poll %+v, want nothing parsed, nothing new", res)
	}
	if n := memoItems(); n != 1 {
		t.Fatalf("memo of %d items after an item left, want 1", n)
	}
	srv.set(rssItems(plainHead+`<x></X>`, rssItem("b", "B", "https://news.example/b", 2)), 0)
	env.poll(feed)
	if n := memoItems(); n != -1 {
		t.Fatalf("memo of %d items after a document the cut is unsure of, want none", n)
	}
	// A failed poll keeps the memo as it was.
	srv.set(rssItems(plainHead, rssItem("b", "B", "https://news.example/b", 2)), 0)
	env.poll(feed)
	srv.set("<rss><channel><item>", 0)
	if _, err := env.poller.Poll(t.Context(), feed); err == nil {
		t.Fatal("a broken document polled without error")
	}
	if n := memoItems(); n != 1 {
		t.Fatalf("memo of %d items after a failed poll, want 1", n)
	}
}

// TestPollOvertakenBeforeItsTransaction checks a poll that another poll
// of the same feed (another process) overtakes between its look at the
// store and its transaction: the other records the new items, their alerts
// and its item memo; this one records nothing, its state not being the
// feed's any more, and starts again from the state saved, which finds the
// document recorded. Items and alerts are recorded once, and the memo the
// other saved serves the next poll.
func TestPollOvertakenBeforeItsTransaction(t *testing.T) {
	set := ruleSet(t, &rules.Rule{Name: "reports", Query: "syria"})
	env := newTestEnv(t, set)
	item := func(n int) string {
		id := fmt.Sprint("r", n)
		return rssItem(id, "Report "+id, "https://news.example/"+id, n)
	}
	srv := newFeedServer(t, rssItems(plainHead, item(1)))
	feed := model.Feed{Name: "overtaken", URL: srv.URL}
	env.addFeeds(feed)
	env.poll(feed)

	other := *env.poller // another poller of the same database
	overtaken := false
	env.poller.Rules = func() *rules.Set {
		// A poll asks for the rules once it knows what is new, before
		// its transaction: the other poll records the feed then.
		if !overtaken {
			overtaken = true
			if res, err := other.Poll(t.Context(), feed); err != nil || res.New != 2 {
				t.Errorf("the other poll: %+v, %v; want 2 new items", res, err)
			}
		}
		return set
	}
	srv.set(rssItems(plainHead, item(3), item(2), item(1)), 0)
	if res := env.poll(feed); !overtaken || res.New != 0 || res.Alerts != 0 || !(res.NotModified || res.Unchanged) {
		t.Fatalf("overtaken poll = %+v (overtaken: %v); want the document found recorded, nothing new", res, overtaken)
	}
	if items, alerts := len(env.items()), len(env.alerts()); items != 3 || alerts != 3 {
		t.Fatalf("%d items and %d alerts recorded, want 3 and 3", items, alerts)
	}
	srv.set(rssItems(plainHead, item(4), item(3), item(2), item(1)), 0)
	if res := env.poll(feed); res.New != 1 || res.Parsed != 1 || res.Alerts != 1 {
		t.Fatalf("next poll = %+v, want the one new item parsed alone, and its alert", res)
	}
}
