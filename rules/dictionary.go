package rules

import (
	"strings"

	"github.com/newswatch/newswatch/internal/analysis"
)

// termKey identifies a termRef in a dictionary.
type termKey struct {
	text          string
	prefix, cased bool
}

// dictionary holds every distinct term of a set of queries, arranged for
// lookup by item token: one table for folded terms and one for case: terms.
type dictionary struct {
	terms []*termRef
	byKey map[termKey]*termRef // while compiling

	folded, cased lookupTable
	hasCased      bool
	// casedCaseless: some case: term is the same folded (Arabic, digits),
	// so it can match a token without upper-case letters. When false, such
	// tokens need no lookup in the cased table.
	casedCaseless bool
}

// lookupTable finds the terms a token form matches: exact words in a map;
// prefixes in buckets keyed by their first three bytes, so a token is only
// compared with the prefixes that start like it. Two bit filters let most
// tokens, which match nothing, skip the map lookups.
type lookupTable struct {
	words       map[string]int32
	prefixes    map[uint32][]*termRef
	short       []*termRef // prefixes of fewer than three bytes
	wordBits    bitFilter
	prefixBits  bitFilter
	hasPrefixes bool
}

func newDictionary() *dictionary {
	return &dictionary{
		byKey:  map[termKey]*termRef{},
		folded: lookupTable{words: map[string]int32{}, prefixes: map[uint32][]*termRef{}},
		cased:  lookupTable{words: map[string]int32{}, prefixes: map[uint32][]*termRef{}},
	}
}

// intern returns the dictionary's termRef for e.
func (d *dictionary) intern(e elem, cased bool) *termRef {
	k := termKey{text: e.text, prefix: e.prefix, cased: cased}
	if t, ok := d.byKey[k]; ok {
		return t
	}
	t := &termRef{text: e.text, prefix: e.prefix, cased: cased, id: int32(len(d.terms))}
	d.terms = append(d.terms, t)
	d.byKey[k] = t
	table := &d.folded
	if cased {
		table = &d.cased
		d.hasCased = true
		if toks := analysis.Analyze(t.text); len(toks) == 1 && toks[0].Text == t.text {
			d.casedCaseless = true
		}
	}
	table.add(t)
	return t
}

func (tb *lookupTable) add(t *termRef) {
	switch {
	case !t.prefix:
		tb.words[t.text] = t.id
		tb.wordBits.set(wordHash(t.text))
	case len(t.text) < 3:
		tb.short = append(tb.short, t)
		tb.hasPrefixes = true
	default:
		key := firstBytes(t.text)
		tb.prefixes[key] = append(tb.prefixes[key], t)
		tb.prefixBits.set(key * 2654435761 >> 16)
		tb.hasPrefixes = true
	}
}

// match calls add with the id of every term that form matches.
func (tb *lookupTable) match(form string, add func(id int32)) {
	if tb.wordBits.has(wordHash(form)) {
		if id, ok := tb.words[form]; ok {
			add(id)
		}
	}
	if !tb.hasPrefixes {
		return
	}
	if len(form) >= 3 {
		if key := firstBytes(form); tb.prefixBits.has(key * 2654435761 >> 16) {
			for _, t := range tb.prefixes[key] {
				if strings.HasPrefix(form, t.text) {
					add(t.id)
				}
			}
		}
	}
	for _, t := range tb.short {
		if strings.HasPrefix(form, t.text) {
			add(t.id)
		}
	}
}

// firstBytes packs the first three bytes of s, which has at least three.
func firstBytes(s string) uint32 {
	return uint32(s[0])<<16 | uint32(s[1])<<8 | uint32(s[2])
}

// wordHash is a cheap hash of a word's length and first and last bytes.
func wordHash(s string) uint32 {
	if s == "" {
		return 0
	}
	h := uint32(len(s))*0x9E3779B1 ^ uint32(s[0])<<8 ^ uint32(s[len(s)-1])<<16
	if len(s) > 1 {
		h ^= uint32(s[1]) << 24
	}
	return h * 2654435761 >> 16
}

// bitFilter is a set of 16-bit hashes; has can answer true wrongly, never
// false wrongly.
type bitFilter [1 << 16 / 64]uint64

func (f *bitFilter) set(h uint32)      { f[h>>6&1023] |= 1 << (h & 63) }
func (f *bitFilter) has(h uint32) bool { return f[h>>6&1023]&(1<<(h&63)) != 0 }
