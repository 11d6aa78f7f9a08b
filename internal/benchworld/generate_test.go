package benchworld

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/rules"
)

// The harness's own checks: what it generates is what the daemon reads,
// so that a change in the rule language or the parser cannot quietly turn
// the benchmark into a measurement of errors.

func TestGeneratedRulesLoad(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bench.toml")
	if err := os.WriteFile(path, []byte(rulesTOML(generateRules(1000, 1, 1000))), 0o644); err != nil {
		t.Fatal(err)
	}
	set, diags := rules.LoadPath(path)
	if diags.HasErrors() {
		t.Fatalf("generated rules do not load:\n%v", diags)
	}
	if n := len(set.Rules()); n != 1000 {
		t.Fatalf("%d rules loaded, want 1000", n)
	}
}

func TestGeneratedFeedsParse(t *testing.T) {
	m := Mix{Seed: 7, Feeds: 40, Hosts: 4, Validators: 0.5, Arabic: 0.5, Skew: 0.8, NewMin: 1, NewMax: 5}
	c := newCorpus(m.Skew)
	base := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	for _, f := range feedSpecs(m) {
		published := func(seq int) time.Time { return base.Add(time.Duration(seq) * time.Minute) }
		head := f.Items + 3
		doc := appendDocument(nil, c, m.Seed, f, head, published)
		feed, err := monitor.ParseFeed(doc, monitor.ParseOptions{Feed: f.Name, URL: "https://" + outletHost(f.Index) + "/feed"})
		if err != nil {
			t.Fatalf("%s (atom %v, %s): %v", f.Name, f.Atom, f.Lang, err)
		}
		if len(feed.Items) != f.Items {
			t.Errorf("%s: %d items, want %d", f.Name, len(feed.Items), f.Items)
		}
		if len(doc) < f.Size*8/10 {
			t.Errorf("%s: %d bytes, want about %d", f.Name, len(doc), f.Size)
		}
		entries := monitor.Entries(feed, "https://"+outletHost(f.Index)+"/feed")
		newest := entries[len(entries)-1]
		if newest.Link != itemLink(f.Index, head) || !newest.Published.Equal(published(head)) {
			t.Errorf("%s: newest entry %s at %s, want %s at %s", f.Name, newest.Link, newest.Published, itemLink(f.Index, head), published(head))
		}
		// An item reads the same in every version of the document.
		again := appendDocument(nil, c, m.Seed, f, head+1, published)
		feed2, err := monitor.ParseFeed(again, monitor.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if feed2.Items[1].Title != feed.Items[0].Title || feed2.Items[1].Description != feed.Items[0].Description {
			t.Errorf("%s: item %d changed between versions", f.Name, head)
		}
	}
}

func TestItemKeyPattern(t *testing.T) {
	m := itemKeyPattern.FindStringSubmatch("<" + itemLink(42, 1007) + "|Syria and Israel>")
	if len(m) != 3 || m[1] != "42" || m[2] != "1007" {
		t.Fatalf("match = %q", m)
	}
}

func TestFixedItems(t *testing.T) {
	m := Mix{Seed: 3, Feeds: 30, Hosts: 3, Validators: 0.5, Failing: 0.1, NewMin: 1, NewMax: 5}
	drawn := feedSpecs(m)
	m.Items = 50
	fixed := feedSpecs(m)
	for i, f := range fixed {
		if f.Items != 50 {
			t.Errorf("%s: %d items with -items 50", f.Name, f.Items)
		}
		// The rest of the world is the same as without -items.
		d := *drawn[i]
		d.Items = 50
		if f.Size != d.Size || f.Behaviour != d.Behaviour || f.Lang != d.Lang || f.Atom != d.Atom {
			t.Errorf("%s differs from the drawn world beyond its item count", f.Name)
		}
	}
}
