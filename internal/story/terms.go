package story

import (
	"encoding/binary"
	"slices"
	"strings"
)

// term is one term of the window, interned: the index names it by its ID,
// its place in Index.terms. It counts the live items that have it (its
// document frequency) and lists the items that had it, by seq (removed
// ones are dropped lazily).
type term struct {
	word string
	// postings are the seqs of the items that had it, in increasing
	// order, as unsigned varints: the first seq, then the differences.
	postings []byte
	last     uint32 // the last seq in postings
	df       int32
	dead     int32 // removed items still in postings
	script   script
	bg       uint8 // its background bucket (backgroundBucket)

	// Scratch of the Assign running (valid while gen is the Index's gen):
	// k is the index of the term in the new item's Terms, or -1 when the
	// item does not have it, and weight its weight as a word of an item
	// of the window (valid while wgen is the Index's gen).
	gen, wgen uint32
	k         int32
	weight    float64
}

// dictionary interns the terms of the window: the forms of words, by
// their text, and facts (Features.Facts), by their value. A fact's term
// has the word factTerm gives it, which no form is; facts have a map of
// their own so that the stage across languages, which looks up every fact
// of every story it compares, need not hash a string to find one.
type dictionary struct {
	ids   map[string]uint32 // of forms
	facts map[uint32]uint32 // of facts
	terms []term
	free  []uint32 // IDs of terms no item has any more
}

func newDictionary() dictionary {
	return dictionary{ids: map[string]uint32{}, facts: map[uint32]uint32{}}
}

// intern returns the ID of word, a form, adding it when new. The
// dictionary keeps its own copy of the word: that of an item may be a
// substring of its whole text.
func (d *dictionary) intern(word string) uint32 {
	if id, ok := d.ids[word]; ok {
		return id
	}
	id := d.add(strings.Clone(word))
	d.ids[d.terms[id].word] = id
	return id
}

// internFact returns the ID of the term of fact f, adding it when new.
func (d *dictionary) internFact(f uint32) uint32 {
	if id, ok := d.facts[f]; ok {
		return id
	}
	id := d.add(factTerm(f))
	d.facts[f] = id
	return id
}

// factID returns the ID of the term of fact f, if the window has it, else
// noTerm.
func (d *dictionary) factID(f uint32) (uint32, bool) {
	if id, ok := d.facts[f]; ok {
		return id, true
	}
	return noTerm, false
}

// add gives a new term of word an ID, a free one when there is one, and
// returns it; the caller maps it.
func (d *dictionary) add(word string) uint32 {
	t := term{word: word, script: scriptOf(word), bg: backgroundBucket(word)}
	if n := len(d.free); n > 0 {
		id := d.free[n-1]
		d.free = d.free[:n-1]
		d.terms[id] = t
		return id
	}
	d.terms = append(d.terms, t)
	return uint32(len(d.terms) - 1)
}

// index maps word, the word of term id read back from a snapshot, to id.
func (d *dictionary) index(word string, id uint32) {
	if f, ok := termFact(word); ok {
		d.facts[f] = id
	} else {
		d.ids[word] = id
	}
}

// len returns the number of terms the dictionary has.
func (d *dictionary) len() int { return len(d.ids) + len(d.facts) }

// release forgets term id, which no item has any more.
func (d *dictionary) release(id uint32) {
	if f, ok := termFact(d.terms[id].word); ok {
		delete(d.facts, f)
	} else {
		delete(d.ids, d.terms[id].word)
	}
	d.terms[id] = term{}
	d.free = append(d.free, id)
}

// addPosting appends seq, greater than every seq in the postings.
func (t *term) addPosting(seq uint32) {
	v := seq
	if len(t.postings) > 0 {
		v = seq - t.last
	}
	t.postings = binary.AppendUvarint(t.postings, uint64(v))
	t.last = seq
}

// postingReader reads postings.
type postingReader struct {
	p    []byte
	seq  uint32
	read bool
}

func (r *postingReader) next() (uint32, bool) {
	if len(r.p) == 0 {
		return 0, false
	}
	v, n := uvarint(r.p)
	r.p = r.p[n:]
	if r.read {
		r.seq += uint32(v)
	} else {
		r.seq, r.read = uint32(v), true
	}
	return r.seq, true
}

// uvarint decodes an unsigned varint.
func uvarint(p []byte) (uint64, int) {
	if p[0] < 0x80 {
		return uint64(p[0]), 1
	}
	return binary.Uvarint(p)
}

// compactPostings drops the seqs of removed items, keeping those for
// which live returns true.
func (t *term) compactPostings(live func(uint32) bool) {
	r := postingReader{p: t.postings}
	t.postings, t.last, t.dead = nil, 0, 0
	for seq, ok := r.next(); ok; seq, ok = r.next() {
		if live(seq) {
			t.addPosting(seq)
		}
	}
}

// The terms of an entry are encoded in the arena as unsigned varints:
//
//	the number of terms, of words, of title words;
//	per term, by increasing ID: (ID − previous ID) << 1 | 1 if a form of
//	a title word;
//	per word, in order: the index (in that order) of the term of the word
//	as written;
//	the number of facts, and the facts in increasing order: the first,
//	then the differences.
//
// termList is the decoded form.
type termList struct {
	ids        []uint32 // increasing
	title      []bool   // ids[i] is a form of a title word
	surfaces   []uint32 // per word, the index in ids of the word as written
	titleWords int
	facts      []uint32 // the item's evidence (Features.Facts)
}

// termScratch is the working memory of encoding an item's terms.
type termScratch struct {
	order []uint64
	title []bool
	pos   []uint32
}

// encodeTerms appends the encoding of the terms of f, whose IDs are ids
// (parallel to f.Terms), to dst.
func (sc *termScratch) encodeTerms(dst []byte, f *Features, ids []uint32) []byte {
	// Sort the terms by ID, remembering where each went.
	sc.order = sc.order[:0]
	for k, id := range ids {
		sc.order = append(sc.order, uint64(id)<<32|uint64(k))
	}
	slices.Sort(sc.order)
	sc.title = append(sc.title[:0], make([]bool, len(ids))...)
	for _, forms := range f.Words[:f.TitleWords] {
		for _, k := range forms {
			sc.title[k] = true
		}
	}
	sc.pos = append(sc.pos[:0], make([]uint32, len(ids))...)
	dst = binary.AppendUvarint(dst, uint64(len(ids)))
	dst = binary.AppendUvarint(dst, uint64(len(f.Words)))
	dst = binary.AppendUvarint(dst, uint64(f.TitleWords))
	var prev uint64
	for i, o := range sc.order {
		id, k := o>>32, uint32(o)
		v := (id - prev) << 1
		if sc.title[k] {
			v |= 1
		}
		dst = binary.AppendUvarint(dst, v)
		prev = id
		sc.pos[k] = uint32(i)
	}
	for _, forms := range f.Words {
		dst = binary.AppendUvarint(dst, uint64(sc.pos[forms[0]]))
	}
	return appendFacts(dst, f.Facts)
}

// appendFacts appends the number of facts, increasing, and the facts: the
// first, then the differences.
func appendFacts(dst []byte, facts []uint32) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(facts)))
	var last uint32
	for _, fa := range facts {
		dst = binary.AppendUvarint(dst, uint64(fa-last))
		last = fa
	}
	return dst
}

// appendDecodedFacts appends to dst the facts of p, terms encoded by
// encodeTerms, and returns it: decodeTerms's l.facts, without decoding
// the terms and words before them (see factsOffset). The stage across
// languages reads only the facts of a candidate story's members.
func appendDecodedFacts(dst []uint32, p []byte) []uint32 {
	return appendFactsFrom(dst, p[factsOffset(p):])
}

// factsOffset returns where the facts of p, terms encoded by encodeTerms,
// begin: after the terms and words, which it skips byte by byte (a varint
// ends at its first byte below 0x80). It is never 0.
func factsOffset(p []byte) int {
	nTerms, n := uvarint(p)
	at := n
	nWords, n := uvarint(p[at:])
	at += n
	_, n = uvarint(p[at:]) // the title's words
	at += n
	for skip := nTerms + nWords; skip > 0; at++ {
		if p[at] < 0x80 {
			skip--
		}
	}
	return at
}

// appendFactsFrom appends to dst the facts encoded by appendFacts at the
// start of p.
func appendFactsFrom(dst []uint32, p []byte) []uint32 {
	nFacts, n := uvarint(p)
	p = p[n:]
	var f uint32
	for range nFacts {
		v, n := uvarint(p)
		p = p[n:]
		f += uint32(v)
		dst = append(dst, f)
	}
	return dst
}

// decodeTerms decodes p into l, reusing its slices.
func decodeTerms(p []byte, l *termList) {
	nTerms, n := uvarint(p)
	p = p[n:]
	nWords, n := uvarint(p)
	p = p[n:]
	titleWords, n := uvarint(p)
	p = p[n:]
	l.ids, l.title, l.surfaces = l.ids[:0], l.title[:0], l.surfaces[:0]
	l.titleWords = int(titleWords)
	var id uint64
	for range nTerms {
		v, n := uvarint(p)
		p = p[n:]
		id += v >> 1
		l.ids = append(l.ids, uint32(id))
		l.title = append(l.title, v&1 != 0)
	}
	for range nWords {
		v, n := uvarint(p)
		p = p[n:]
		l.surfaces = append(l.surfaces, uint32(v))
	}
	nFacts, n := uvarint(p)
	p = p[n:]
	l.facts = l.facts[:0]
	var f uint32
	for range nFacts {
		v, n := uvarint(p)
		p = p[n:]
		f += uint32(v)
		l.facts = append(l.facts, f)
	}
}
