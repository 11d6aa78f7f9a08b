package story

import (
	"fmt"
	"maps"
	"math"
	"slices"
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

// TestSecondStageFromTheFirstItems: rarity comes from the background
// list as well as the window, so a window of five items is enough for the
// second stage: another outlet's report of an event joins it, a report
// that shares two names of its topic does not.
func TestSecondStageFromTheFirstItems(t *testing.T) {
	window := []Item{
		item(1, 1, t0, "https://a.example/1", "Oman joins the Abraham Accords", "Muscat signed the accords in Washington on Friday, the White House said."),
		item(2, 3, t0, "https://c.example/1", "Syria and Israel move toward normalization", "Talks in Baku."),
		item(3, 3, t0, "https://c.example/2", "Weather in Damascus", "Sunny and mild."),
		item(4, 4, t0, "https://d.example/1", "Syria Israel normalization, explained", "An explainer."),
		item(5, 4, t0, "https://d.example/2", "Oil prices rise", "Brent crude rose."),
	}
	for _, tc := range []struct {
		name  string
		it    Item
		stage Stage
	}{
		{"another outlet's report", item(6, 2, t0.Add(time.Hour), "https://b.example/1", "Oman signs Abraham Accords at the White House",
			"The sultanate of Oman joined the Abraham Accords in Washington."), StageTerms},
		{"the same topic", item(7, 2, t0.Add(time.Hour), "https://b.example/2", "Five years of the Abraham Accords", "An analysis of what they changed."), StageNew},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Options{})
			for i, it := range window {
				it.Story = int64(i + 1)
				x.Add(it)
			}
			if m := x.Assign(&tc.it); m.Stage != tc.stage || (tc.stage != StageNew && m.Story != 1) {
				t.Errorf("%+v, want %s", m, tc.stage)
			}
		})
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
	if x.dict.len() != 0 || len(x.links) != 0 || len(x.stories) != 0 || x.docs != [numScripts]int{} {
		t.Errorf("empty index keeps %d terms, %d links, %d stories, docs %v", x.dict.len(), len(x.links), len(x.stories), x.docs)
	}
	for i := range x.bands {
		for k, c := range x.bands[i] {
			if c != (chain{}) {
				t.Errorf("band table %d keeps key %x", i, k)
			}
		}
	}
	if !x.log.empty() || len(x.text.blocks) != 0 {
		t.Errorf("empty index keeps entries %d to %d and %d blocks of text", x.log.head, x.log.next, len(x.text.blocks))
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

func TestIndexMaxItems(t *testing.T) {
	x := NewIndex(Options{MaxItems: 3})
	for i := range 5 {
		x.Add(Item{ID: int64(i + 1), Story: int64(i + 1), Feed: 1, Canonical: fmt.Sprintf("https://a.example/%d", i+1), Seen: t0, Features: Extract("t", "s")})
	}
	if n := x.Len(); n != 3 {
		t.Fatalf("Len = %d, want 3", n)
	}
	for id, want := range map[int64]Stage{1: StageNew, 2: StageNew, 3: StageLink, 5: StageLink} {
		probe := Item{ID: 100, Feed: 2, Canonical: fmt.Sprintf("https://a.example/%d", id), Seen: t0.Add(time.Minute)}
		if m := x.Assign(&probe); m.Stage != want {
			t.Errorf("link of item %d: %+v, want %s", id, m, want)
		}
	}
}

// TestIndexConsistency runs random additions, removals and expiries, some
// of items sharing links, fingerprints and words, and checks after each
// that the index's lists and counts describe exactly its live items.
func TestIndexConsistency(t *testing.T) {
	for _, start := range []uint32{1, math.MaxUint32 - 700} { // the second wraps seqs around
		t.Run(fmt.Sprintf("seq=%d", start), func(t *testing.T) {
			s := newSynthetic(3)
			x := NewIndex(Options{MaxItems: 300, Window: time.Hour})
			x.log = entryLog{base: start, head: start, next: start}
			var texts []Item
			for i := range 1500 {
				seen := t0.Add(time.Duration(i) * 10 * time.Second)
				it := churn(x, s, &texts, i, seen, func() {
					if i > 0 {
						x.Add(texts[s.rng.IntN(i)]) // replaces an item
					}
				})
				x.Add(it)
				if i%25 != 24 {
					continue
				}
				if err := x.check(); err != nil {
					t.Fatalf("after item %d: %v", i+1, err)
				}
			}
		})
	}
}

// churn makes item i of a random run over x, seen at seen: a new text, or
// one of texts again (the same link and text) under a new ID and story,
// appended to texts; and, before the caller adds it, now and then removes
// an item, expires the oldest or does other.
func churn(x *Index, s *synthetic, texts *[]Item, i int, seen time.Time, other func()) Item {
	var it Item
	if r := s.rng.IntN(4); r == 0 && len(*texts) > 0 {
		it = (*texts)[s.rng.IntN(len(*texts))]
	} else {
		it = s.item(0, seen)
	}
	it.ID, it.Story, it.Seen = int64(i+1), int64(s.rng.IntN(400)), seen
	*texts = append(*texts, it)
	switch r := s.rng.IntN(20); {
	case r == 0:
		x.Remove(int64(s.rng.IntN(i + 1)))
	case r == 1:
		x.Expire(seen.Add(-30 * time.Minute))
	case r == 2:
		other()
	}
	return it
}

// check verifies the index's invariants.
func (x *Index) check() error {
	x.mu.Lock()
	defer x.mu.Unlock()
	live := map[uint32]*entry{}
	for seq := x.log.head; seq != x.log.next; seq++ {
		if seq == noSeq {
			continue
		}
		if e := x.log.at(seq); !e.removed {
			live[seq] = e
		}
	}
	if len(live) != len(x.byID) {
		return fmt.Errorf("%d live entries, %d IDs", len(live), len(x.byID))
	}
	if len(live) > x.opt.maxItems() {
		return fmt.Errorf("%d live entries, more than %d", len(live), x.opt.maxItems())
	}
	if !x.log.empty() && x.log.at(x.log.head).removed {
		return fmt.Errorf("the front entry is removed")
	}
	// Chains: every live entry once, in the order of seqs.
	walk := func(name string, c chain, k int, want func(uint32, *entry) bool) (int, error) {
		n, prev, last := 0, uint32(0), uint32(noSeq)
		for seq := c.head; seq != noSeq; seq = *x.log.chainNext(seq, k) {
			e := live[seq]
			if e == nil || !want(seq, e) {
				return 0, fmt.Errorf("%s chain holds entry %d, dead or not its own", name, seq)
			}
			if n > 0 && seq-x.log.head <= prev-x.log.head {
				return 0, fmt.Errorf("%s chain out of order", name)
			}
			prev, last = seq, seq
			n++
		}
		if last != c.tail {
			return 0, fmt.Errorf("%s chain ends at %d, tail says %d", name, last, c.tail)
		}
		return n, nil
	}
	n := 0
	for story, c := range x.stories {
		k, err := walk("story", c, storyChain, func(_ uint32, e *entry) bool { return e.story == story })
		if err != nil {
			return err
		}
		n += k
	}
	if n != len(live) {
		return fmt.Errorf("story chains hold %d entries, want %d", n, len(live))
	}
	n = 0
	for h, c := range x.links {
		k, err := walk("link", c, linkChain, func(_ uint32, e *entry) bool { return e.link == h })
		if err != nil {
			return err
		}
		n += k
	}
	withLink, withFP := 0, 0
	for _, e := range live {
		if e.link != 0 {
			withLink++
		}
		if e.fp {
			withFP++
		}
	}
	if n != withLink {
		return fmt.Errorf("link chains hold %d entries, want %d", n, withLink)
	}
	if x.bands[0] != nil {
		for i := range x.bands {
			n = 0
			for v, c := range x.bands[i] {
				k, err := walk("band", c, i, func(seq uint32, _ *entry) bool {
					return band(x.log.fp(seq).simHash, i) == uint16(v)
				})
				if err != nil {
					return err
				}
				n += k
			}
			if n != withFP {
				return fmt.Errorf("band %d chains hold %d entries, want %d", i, n, withFP)
			}
		}
	}
	// Terms: document frequencies and postings.
	df := map[uint32]int{}
	posted := map[uint32]map[uint32]bool{}
	var docs [numScripts]int
	for seq, e := range live {
		var l termList
		decodeTerms(x.text.bytes(e.blk, e.off, e.n), &l)
		if facts := appendDecodedFacts(nil, x.text.bytes(e.blk, e.off, e.n)); !slices.Equal(facts, l.facts) {
			return fmt.Errorf("entry %d: appendDecodedFacts gives %x, decodeTerms %x", seq, facts, l.facts)
		}
		// Twice: the first read may find where the facts begin, the
		// second reads from there.
		for range 2 {
			if facts := x.entryFacts(nil, e); !slices.Equal(facts, l.facts) {
				return fmt.Errorf("entry %d: entryFacts gives %x (from %d), decodeTerms %x", seq, facts, e.factsAt, l.facts)
			}
		}
		for _, f := range l.facts {
			if linkable(fact(f)) {
				id, ok := x.dict.factID(f)
				if !ok {
					return fmt.Errorf("entry %d: fact %x not in the dictionary", seq, f)
				}
				l.ids = append(l.ids, id)
			}
		}
		for _, id := range l.ids {
			df[id]++
			if posted[id] == nil {
				posted[id] = map[uint32]bool{}
			}
			posted[id][seq] = true
		}
		for sc := range numScripts {
			if e.scripts&(1<<sc) != 0 {
				docs[sc]++
			}
		}
	}
	if docs != x.docs {
		return fmt.Errorf("docs %v, want %v", x.docs, docs)
	}
	if len(df) != x.dict.len() {
		return fmt.Errorf("%d terms, want %d", x.dict.len(), len(df))
	}
	words := maps.Clone(x.dict.ids)
	for f, id := range x.dict.facts {
		words[factTerm(f)] = id
	}
	for word, id := range words {
		tm := &x.dict.terms[id]
		if tm.word != word || int(tm.df) != df[id] {
			return fmt.Errorf("term %q: %q df %d, want df %d", word, tm.word, tm.df, df[id])
		}
		r := postingReader{p: tm.postings}
		got := 0
		for seq, ok := r.next(); ok; seq, ok = r.next() {
			if live[seq] != nil {
				if !posted[id][seq] {
					return fmt.Errorf("term %q lists entry %d, which lacks it", word, seq)
				}
				got++
			}
		}
		if got != df[id] {
			return fmt.Errorf("term %q lists %d live entries, want %d", word, got, df[id])
		}
	}
	return nil
}

// TestAddAfterAssign: Add takes the term IDs Assign looked up for an item
// when they still name its terms. Whatever happened in between (other
// items added, removed, expired, their terms released and their IDs taken
// again) each entry must hold exactly its item's terms.
func TestAddAfterAssign(t *testing.T) {
	s := newSynthetic(4)
	x := NewIndex(Options{MaxItems: 200, Window: time.Hour})
	items := map[int64]Item{}
	var pending []Item // assigned, not yet added
	for i := range 2000 {
		seen := t0.Add(time.Duration(i) * 10 * time.Second)
		it := s.item(int64(i+1), seen)
		x.Assign(&it)
		pending = append(pending, it)
		switch r := s.rng.IntN(10); {
		case r == 0:
			x.Remove(int64(s.rng.IntN(i + 1)))
		case r == 1:
			x.Expire(seen.Add(-20 * time.Minute))
		}
		// Add the pending items in turn, sometimes the last one assigned
		// first, sometimes a copy of it with its terms in another array.
		for len(pending) > 0 && s.rng.IntN(3) != 0 {
			k := len(pending) - 1
			if s.rng.IntN(2) == 0 {
				k = 0
			}
			p := pending[k]
			pending = append(pending[:k], pending[k+1:]...)
			if s.rng.IntN(4) == 0 {
				p.Terms = slices.Clone(p.Terms)
			}
			x.Add(p)
			items[p.ID] = p
		}
		if i%50 != 49 {
			continue
		}
		if err := x.check(); err != nil {
			t.Fatalf("after item %d: %v", i+1, err)
		}
		x.mu.Lock()
		for id, seq := range x.byID {
			e := x.log.at(seq)
			var l termList
			decodeTerms(x.text.bytes(e.blk, e.off, e.n), &l)
			var words []string
			for _, tid := range l.ids {
				words = append(words, x.dict.terms[tid].word)
			}
			slices.Sort(words)
			it := items[id]
			if !slices.Equal(words, it.Terms) {
				x.mu.Unlock()
				t.Fatalf("after item %d: item %d has terms %q, want %q", i+1, id, words, it.Terms)
			}
			for w, j := range l.surfaces {
				if got, want := x.dict.terms[l.ids[j]].word, it.Terms[it.Words[w][0]]; got != want {
					x.mu.Unlock()
					t.Fatalf("after item %d: item %d word %d is %q, want %q", i+1, id, w, got, want)
				}
			}
		}
		x.mu.Unlock()
	}
}

func TestIndexWindow(t *testing.T) {
	tests := []struct {
		name   string
		window time.Duration
		want   time.Duration
	}{
		{"default", 0, DefaultWindow},
		{"set", time.Hour, time.Hour},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NewIndex(Options{Window: tc.window}).Window(); got != tc.want {
				t.Errorf("Window() = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLiveBlogEntries: entries of one live page share its link; an entry
// of the page's own feed joins a story on its own text, while the same
// text again under a new GUID (a feed that regenerates them), or the link
// from another feed, joins by the link.
func TestLiveBlogEntries(t *testing.T) {
	const page = "https://live.example/war-live"
	first := item(1, 1, t0, page, "Live: sirens in the north", "Sirens sounded in Kiryat Shmona and Metula.")
	first.Story = 5
	for _, tc := range []struct {
		name  string
		it    Item
		stage Stage
	}{
		{"next entry of the page", item(2, 1, t0.Add(time.Minute), page, "Live: Knesset votes on the budget", "The Knesset passed the budget in a first reading."), StageNew},
		{"the same entry under a new GUID", item(3, 1, t0.Add(time.Minute), page, "Live: sirens in the north", "Sirens sounded in Kiryat Shmona and Metula."), StageLink},
		{"the page's link from another feed", item(4, 2, t0.Add(time.Minute), page, "War live blog", "Follow our coverage."), StageLink},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Options{})
			x.Add(first)
			if m := x.Assign(&tc.it); m.Stage != tc.stage {
				t.Errorf("%+v, want %s", m, tc.stage)
			}
		})
	}
}

// TestMove: an item moved to another story is compared as part of it, in
// the order of the chains.
func TestMove(t *testing.T) {
	x := NewIndex(Options{})
	for i, story := range []int64{1, 2, 1, 2, 1} {
		it := item(int64(i+1), int64(i+1), t0.Add(time.Duration(i)*time.Minute), fmt.Sprintf("https://a.example/%d", i), "Item", "Text.")
		it.Story = story
		x.Add(it)
	}
	x.Move(3, 2) // into the middle of story 2's chain
	x.Move(5, 7) // into a new story
	x.Move(9, 1) // not in the index
	if err := x.check(); err != nil {
		t.Fatal(err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	for story, want := range map[int64][]int64{1: {1}, 2: {2, 3, 4}, 7: {5}} {
		var got []int64
		for seq := x.stories[story].head; seq != noSeq; seq = *x.log.chainNext(seq, storyChain) {
			got = append(got, x.log.at(seq).id)
		}
		if !slices.Equal(got, want) {
			t.Errorf("story %d holds %v, want %v", story, got, want)
		}
	}
}

// TestLinkCannotHijack: another feed publishes outlet A's link over other
// news before A's own feed is polled. A's report (OwnsLink: the link is
// on its feed's site) must not join that story by the link, where it would
// be told only as "also reported by"; it joins when the two texts tell one
// event. Items that do not own the link join by it as before: an
// aggregator's generic line still joins the article's story.
func TestLinkCannotHijack(t *testing.T) {
	const link = "https://outlet-a.example/2026/12/07/syria-israel-normalization"
	const (
		weather = "Forecasters expect mild sunshine across Damascus and the coast this weekend, with temperatures near twenty degrees and light winds."
		deal    = "Syrian and Israeli officials signed a normalization agreement at a ceremony in Baku on Monday, ending decades of formal hostility between the two countries."
	)
	owner := func(it Item) Item { it.OwnsLink = true; return it }
	later := t0.Add(10 * time.Minute)
	for _, tc := range []struct {
		name   string
		first  Item // of feed 2, under the link, story 7
		it     Item
		stage  Stage
		hijack bool // Explain says the link does not join: other text
	}{
		{"the owner's report under another feed's other news",
			item(1, 2, t0, link, "Syria weather: mild sunshine expected", weather),
			owner(item(2, 1, later, link, "Syria and Israel sign normalization agreement", deal)), StageNew, true},
		{"the owner's report under another feed's headline alone of other news",
			item(1, 2, t0, link, "Syria weather: mild sunshine expected", ""),
			owner(item(2, 1, later, link, "Syria and Israel sign normalization agreement", deal)), StageNew, true},
		{"the owner's report under an aggregator's headline of it",
			item(1, 2, t0, link, "Syria and Israel sign normalization agreement - Outlet A", ""),
			owner(item(2, 1, later, link, "Syria and Israel sign normalization agreement", deal)), StageLink, false},
		{"the owner's report under another feed's copy of it",
			item(1, 2, t0, link, "Syria and Israel sign normalization agreement", deal),
			owner(item(2, 1, later, link, "Syria and Israel sign normalization agreement", deal)), StageLink, false},
		{"the owner's report under another feed's summary of it",
			item(1, 2, t0, link, "Syria, Israel normalize ties", "Syria and Israel signed a normalization agreement in Baku."),
			owner(item(2, 1, later, link, "Syria and Israel sign normalization agreement", deal)), StageLink, false},
		{"an item that does not own the link, with other text",
			item(1, 2, t0, link, "Syria weather: mild sunshine expected", weather),
			item(2, 1, later, link, "Syria and Israel sign normalization agreement", deal), StageLink, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Options{})
			tc.first.Story = 7
			x.Add(tc.first)
			m := x.Assign(&tc.it)
			if m.Stage != tc.stage {
				t.Errorf("Assign = %+v, want %s", m, tc.stage)
			}
			ex := x.Explain(&tc.it, 7)
			if ex.Match.Stage != m.Stage || ex.SameLink != (m.Stage == StageLink) || ex.SameLinkOtherText != tc.hijack {
				t.Errorf("Explain = %+v; want it to agree with Assign %s (other text: %v)", ex, m.Stage, tc.hijack)
			}
		})
	}
}

// TestLinkInTwoStories: after an outlet's report (OwnsLink) started a
// story of its own apart from another feed's other news under its link,
// a later item under the link joins the one of the two whose text agrees
// with its own, and the earliest when neither does.
func TestLinkInTwoStories(t *testing.T) {
	const link = "https://outlet-a.example/2026/12/07/syria-israel-normalization"
	weather := item(1, 2, t0, link, "Syria weather: mild sunshine expected",
		"Forecasters expect mild sunshine across Damascus and the coast this weekend, with temperatures near twenty degrees and light winds.")
	weather.Story = 7
	deal := item(2, 1, t0.Add(5*time.Minute), link, "Syria and Israel sign normalization agreement",
		"Syrian and Israeli officials signed a normalization agreement at a ceremony in Baku on Monday, ending decades of formal hostility between the two countries.")
	deal.OwnsLink = true
	later := t0.Add(10 * time.Minute)
	for _, tc := range []struct {
		name  string
		it    Item
		story int64
	}{
		{"an aggregator's blurb of the outlet's report", item(3, 3, later, link, "Syria and Israel sign normalization agreement - Outlet A", "Outlet A"), 8},
		{"a line that tells neither", item(3, 3, later, link, "Top stories", ""), 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x := NewIndex(Options{})
			x.Add(weather)
			if m := x.Assign(&deal); m.Stage != StageNew {
				t.Fatalf("the outlet's report: %+v, want a story of its own", m)
			}
			deal.Story = 8
			x.Add(deal)
			if m := x.Assign(&tc.it); m.Stage != StageLink || m.Story != tc.story {
				t.Errorf("Assign = %+v, want story %d by the link", m, tc.story)
			}
		})
	}
}
