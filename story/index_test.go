package story

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 10, 3, 9, 0, 0, 0, time.UTC)

// item builds an index item of feed from a title and summary.
func item(id, feed int64, seen time.Time, link, title, summary string) Item {
	return Item{ID: id, Feed: feed, Canonical: link, Seen: seen, Published: seen, Features: Extract(title, summary)}
}

func TestAssignStages(t *testing.T) {
	const wire = "Israeli and Syrian officials met in Baku on Saturday for a second round of talks on security " +
		"arrangements along the 1974 disengagement line, two officials briefed on the meeting said."
	base := []Item{
		item(1, 1, t0, "https://wire.example/baku", "Israel and Syria hold second round of security talks in Baku", wire),
		item(2, 1, t0.Add(time.Minute), "https://wire.example/daraa", "Israeli drone strike kills two in western Daraa",
			"Two men were killed when an Israeli drone struck a car near Kuwaya in the Yarmouk basin."),
		item(3, 2, t0.Add(2*time.Minute), "https://gazette.example/weather", "Weather: rain in the north",
			"Light rain is expected in the Galilee and the Golan on Sunday."),
	}
	tests := []struct {
		name  string
		it    Item
		stage Stage
		story int64
	}{
		{"same canonical link", item(10, 3, t0.Add(time.Hour), "https://wire.example/baku", "Another headline", "Other words entirely."),
			StageLink, 101},
		{"wire copy, another feed", item(11, 3, t0.Add(time.Hour), "https://daily.example/1", "Israel and Syria hold second round of security talks in Baku", wire+" (Wire)"),
			StageSimHash, 101},
		{"wire copy, same feed", item(12, 1, t0.Add(time.Hour), "https://wire.example/baku-2", "Israel and Syria hold second round of security talks in Baku", wire),
			StageSimHash, 101},
		{"own report of the same event", item(13, 3, t0.Add(2*time.Hour), "https://daily.example/2", "Israeli, Syrian officials hold Baku talks on disengagement line",
			"Officials from Israel and Syria met in Baku for a second round of talks on the 1974 disengagement line, two officials said."),
			StageTerms, 101},
		{"own report, same feed: not joined by terms", item(14, 1, t0.Add(2*time.Hour), "https://wire.example/3", "Israeli, Syrian officials hold Baku talks on disengagement line",
			"Officials from Israel and Syria met in Baku for a second round of talks on the 1974 disengagement line, two officials said."),
			StageNew, 0},
		{"other event", item(15, 3, t0.Add(time.Hour), "https://daily.example/3", "Oil prices rise",
			"Brent crude rose on Saturday as shipping insurance costs climbed."),
			StageNew, 0},
		{"outside the window", item(16, 3, t0.Add(49*time.Hour), "https://wire.example/baku", "Israel and Syria hold second round of security talks in Baku", wire),
			StageNew, 0},
	}
	// These windows are tiny: let the second stage work in them.
	tiny := defaultScoring
	tiny.minWindow = 0
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Options{tuning: &tiny})
			for i, it := range base {
				it.Story = 101 + int64(i)
				x.Add(it)
			}
			m := x.Assign(&tc.it)
			if m.Stage != tc.stage || m.Story != tc.story {
				t.Errorf("Assign = %+v, want stage %s story %d", m, tc.stage, tc.story)
			}
		})
	}
}

// TestSecondStageNeedsAWindow: in a window with too few items to tell
// rare words from common ones, only near-duplicates join a story.
func TestSecondStageNeedsAWindow(t *testing.T) {
	window := []Item{
		item(1, 1, t0, "https://a.example/1", "Oman joins the Abraham Accords", "A new member."),
		item(2, 3, t0, "https://c.example/1", "Syria and Israel move toward normalization", "Talks in Baku."),
		item(3, 3, t0, "https://c.example/2", "Weather in Damascus", "Sunny and mild."),
		item(4, 4, t0, "https://d.example/1", "Syria Israel normalization, explained", "An explainer."),
		item(5, 4, t0, "https://d.example/2", "Oil prices rise", "Brent crude rose."),
	}
	later := item(6, 2, t0.Add(time.Hour), "https://b.example/2", "Five years of the Abraham Accords", "Analysis.")
	tiny := defaultScoring
	tiny.minWindow = 0
	for _, tc := range []struct {
		name  string
		o     Options
		stage Stage
	}{
		{"default", Options{}, StageNew},
		{"without the minimum window", Options{tuning: &tiny}, StageTerms},
	} {
		x := NewIndex(tc.o)
		for i, it := range window {
			it.Story = int64(i + 1)
			x.Add(it)
		}
		if m := x.Assign(&later); m.Stage != tc.stage {
			t.Errorf("%s: two reports sharing common words in a window of five items: %+v, want %s", tc.name, m, tc.stage)
		}
	}
}

func TestIndexRemoveAndExpire(t *testing.T) {
	x := NewIndex(Options{Window: time.Hour})
	a := item(1, 1, t0, "https://wire.example/a", "Israel and Syria hold second round of security talks in Baku",
		"Officials met in Baku on Saturday for talks on the disengagement line.")
	a.Story = 7
	b := item(2, 2, t0.Add(30*time.Minute), "https://daily.example/b", "Wildfire near Majdal Shams forces evacuation",
		"About 200 residents were evacuated from Majdal Shams in the Golan Heights.")
	b.Story = 8
	x.Add(a)
	x.Add(b)
	x.Add(a) // again: replaces
	if n := x.Len(); n != 2 {
		t.Fatalf("Len = %d, want 2", n)
	}
	probe := item(3, 3, t0.Add(40*time.Minute), "https://wire.example/a", "x", "y")
	if m := x.Assign(&probe); m.Story != 7 {
		t.Fatalf("before removal: %+v, want story 7", m)
	}
	x.Remove(1)
	if m := x.Assign(&probe); m.Stage != StageNew {
		t.Errorf("after Remove: %+v, want a new story", m)
	}
	if n := x.Expire(t0.Add(31 * time.Minute)); n != 1 || x.Len() != 0 {
		t.Errorf("Expire removed %d, Len %d; want 1 and 0", n, x.Len())
	}
	if len(x.terms) != 0 || len(x.links) != 0 || x.docs != [numScripts]int{} {
		t.Errorf("empty index keeps %d terms, %d links, docs %v", len(x.terms), len(x.links), x.docs)
	}
	for i := range x.bands {
		if len(x.bands[i]) != 0 {
			t.Errorf("band table %d keeps %d keys", i, len(x.bands[i]))
		}
	}
}

func TestExtract(t *testing.T) {
	f := Extract(`צה"ל: הטייס ההודי בריאד`, "<p>Israel's al-Sharaa arrested 1,200 suspects</p>")
	for _, want := range []string{"צהל", "טייס", "הטייס", "ריאד", "בריאד", "הודי", "alsharaa", "sharaa", "arrest", "arrested", "1200", "suspect"} {
		found := false
		for _, term := range f.Terms {
			found = found || term == want
		}
		if !found {
			t.Errorf("no term %q in %q", want, f.Terms)
		}
	}
	if f.TitleWords != 5 { // צה, צהל, הטייס, ההודי, בריאד ("ל" is one letter)
		t.Errorf("%d title words, want 5 (terms %q)", f.TitleWords, f.Terms)
	}
	for i, forms := range f.Words {
		if len(forms) == 0 {
			t.Fatalf("word %d has no forms", i)
		}
	}
	g := Extract("Israel and Syria hold second round of security talks in Baku", "")
	h := Extract("Israel and Syria hold second round of security talks in Baku.", "")
	if g.SimHash != h.SimHash || g.Shingles < MinShingles {
		t.Errorf("same words, fingerprints %x and %x (%d shingles)", g.SimHash, h.SimHash, g.Shingles)
	}
	if d := Distance(g.SimHash, Extract("Oil prices rise as Red Sea shipping insurance costs climb", "").SimHash); d <= MaxDistance {
		t.Errorf("unrelated titles at distance %d", d)
	}
}

// TestShortTextsAreNotComparedByTerms: two five-word headlines sharing
// four words are not evidence of one event.
func TestShortTextsAreNotComparedByTerms(t *testing.T) {
	s := newSynthetic(2)
	x := NewIndex(Options{})
	for i := range 200 {
		x.Add(s.item(int64(i+1), t0))
	}
	a := item(1001, 1, t0, "https://a.example/1", "Syria ministers harbour wheat bridge", "")
	a.Story = 1001
	x.Add(a)
	b := item(1002, 2, t0.Add(time.Minute), "https://b.example/1", "Syria ministers harbour wheat courts", "")
	if m := x.Assign(&b); m.Stage != StageNew {
		t.Errorf("short headlines: %+v, want apart", m)
	}
	c := item(1003, 2, t0.Add(time.Minute), "https://b.example/2", "Syria ministers harbour wheat courts after the bridge talks in Baku", "")
	if m := x.Assign(&c); m.Stage != StageTerms || m.Story != 1001 {
		t.Errorf("a longer headline sharing the words: %+v, want it joined by terms", m)
	}
}
