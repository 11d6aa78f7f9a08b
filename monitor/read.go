package monitor

import (
	"bytes"
	"slices"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// reading is a changed document read for a poll: the entries to plan,
// and what the poll remembers of its items once it is recorded.
type reading struct {
	// entries are the document's entries as Entries gives them, without
	// those of the items not parsed again.
	entries []model.Item
	// items is the number of entries the whole document gives.
	items int
	// skipped is how many of items were not parsed: remembered from the
	// last recorded document, seen under their identity and unchanged.
	skipped int

	// Of a cut document (nil cut: the memo is dropped): the item each
	// entry is (at), every item's hash (sums), the items' context and the
	// remembered items not parsed again (carried).
	cut     *docCut
	at      []int
	sums    [][16]byte
	context [16]byte
	carried []memoItem
	// stored is the item memo as the store held it.
	stored []byte
}

// read parses a changed document. When the document can be cut into its
// items (cutDocument), and the feed's item memo was made in the same
// context (memoContext), the items it remembers are left out and gofeed
// parses the rest: the channel and the new or changed items. That gives
// the entries the whole document gives for those items, and the poll
// plans them as it would (Poller.plan): a remembered item is seen under
// its identity and unchanged. Any doubt parses the whole document:
//
//   - a document that cannot be cut, or has more items than MaxItems;
//   - a reduced document gofeed does not parse, or in which it finds
//     another number of items than it was given;
//   - a new entry sharing its identity or its link identity with an item
//     left out (Entries keeps one entry per identity; plan counts a
//     link's entries).
//
// A failure is ParseFeed's error.
func (p *Poller) read(f model.Feed, st *store.FeedState, fr *FetchResult, stored []byte) (*reading, error) {
	o := ParseOptions{Feed: f.Name, URL: fr.FinalURL, ContentType: fr.ContentType, Lang: f.Lang}
	text := toUTF8(fr.Body, o.ContentType, o.Lang)
	r := &reading{stored: stored}
	if cut, ok := cutDocument(text); ok && len(cut.items) <= p.maxItems() {
		r.cut = cut
		r.context = memoContext(cut, st, fr.FinalURL)
		r.sums = make([][16]byte, len(cut.items))
		for i, s := range cut.items {
			r.sums[i] = itemSum(text[s.start:s.end])
		}
		if memo := decodeMemo(stored); memo != nil && memo.context == r.context && r.readNew(memo, o) {
			return r, nil
		}
	}
	doc, err := parseText(text, o)
	if err != nil {
		return nil, err
	}
	r.entries, r.at = entries(doc, fr.FinalURL)
	r.items, r.skipped, r.carried = len(r.entries), 0, nil
	if r.cut != nil && len(doc.Items) != len(r.cut.items) {
		// gofeed did not read every element the cut took for an item
		// as one: nothing to remember.
		r.cut, r.at = nil, nil
	}
	return r, nil
}

// readNew parses the document without the items memo remembers; see
// read. It reports false, having set nothing, when the whole document
// must be parsed.
func (r *reading) readNew(memo *itemMemo, o ParseOptions) bool {
	known := make(map[[16]byte]int, len(memo.items))
	for i, it := range memo.items {
		known[it.sum] = i
	}
	skip := make([]bool, len(r.sums))
	carried := make([]bool, len(memo.items))
	keys := make(map[uint64]bool, 2*len(memo.items))
	var kept []int
	for i, sum := range r.sums {
		j, ok := known[sum]
		if !ok {
			kept = append(kept, i)
			continue
		}
		skip[i] = true
		// An item twice in the document, byte for byte, is one entry.
		if !carried[j] {
			carried[j] = true
			r.carried = append(r.carried, memo.items[j])
			for _, k := range memo.items[j].keys {
				keys[k] = k != 0
			}
		}
	}
	if len(r.carried) == 0 {
		return false // all new: the whole document it is
	}
	doc, err := parseText(r.cut.without(skip), o)
	if err != nil || len(doc.Items) != len(kept) {
		r.carried = nil
		return false
	}
	entries, at := entries(doc, o.URL)
	for i := range entries {
		if k := entryKeys(&entries[i]); keys[k[0]] || keys[k[1]] {
			r.carried = nil
			return false
		}
		at[i] = kept[at[i]]
	}
	r.entries, r.at = entries, at
	r.skipped = len(r.carried)
	r.items = r.skipped + len(entries)
	return true
}

// memo returns the item memo to save with plan's poll, and whether it
// differs from the one stored: the remembered items read again or not, of
// those present in the document, and those plan remembers
// (plannedItem.remember). A document that was not cut, or whose poll
// changes the feed's identity mode, leaves no memo.
func (r *reading) memo(plan *pollPlan) ([]byte, bool) {
	if r.cut == nil || plan.modeChanged {
		return nil, len(r.stored) > 0
	}
	m := &itemMemo{context: r.context, items: slices.Clone(r.carried)}
	for _, pi := range plan.remembered {
		m.items = append(m.items, memoItem{sum: r.sums[pi.at], keys: entryKeys(&pi.e)})
	}
	// In one order whatever the document's, so that an unchanged memo
	// is not written again.
	slices.SortFunc(m.items, func(a, b memoItem) int { return bytes.Compare(a.sum[:], b.sum[:]) })
	m.items = slices.CompactFunc(m.items, func(a, b memoItem) bool { return a.sum == b.sum })
	out := m.encode()
	return out, !bytes.Equal(out, r.stored)
}
