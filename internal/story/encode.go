package story

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

// featuresFormat is the version of what Extract computes and of the
// encoding AppendFeatures writes. Raise it with every change to either
// that can change the bytes an item's text gives: the analysis of words,
// their forms, the fingerprint, the event evidence, the encoding.
// TestFeaturesVersion fails until it is raised when the features of its
// corpus change. The lexicon's part is counted apart (FeaturesVersion).
const featuresFormat = 4

// FeaturesVersion identifies the features Extract computes and their
// encoding by AppendFeatures: features stored with another version must
// be extracted again from the item's text. It changes with the code
// (featuresFormat) and with the lexicon the event evidence names places,
// bodies and people by (their identifiers are its entries').
func FeaturesVersion() int64 { return featuresVersion }

var featuresVersion = int64(featuresFormat)<<32 | int64(crc32.ChecksumIEEE([]byte(lexiconTSV)))

// ErrBadFeatures is returned (wrapped) by DecodeFeatures for bytes that are
// not an encoding of Features.
var ErrBadFeatures = errors.New("story: bad features encoding")

// AppendFeatures appends the encoding of f to dst: what the story index
// needs of an item, kept with it (in the store) so that an index can be
// built without analysing the item's text again. DecodeFeatures gives f
// back exactly. The encoding, in unsigned varints unless said:
//
//	SimHash (8 bytes, little-endian), Shingles;
//	the number of terms, then each term (sorted) as the length of the
//	prefix it shares with the term before it, the length of the rest, and
//	the rest's bytes;
//	the number of words, TitleWords, then per word the number of its forms
//	and their indexes in the terms;
//	the number of facts, then the first and the differences (increasing).
//
// A Features from Extract takes a few hundred bytes for a headline with
// a summary.
func AppendFeatures(dst []byte, f *Features) []byte {
	dst = slices.Grow(dst, encodedSize(f))
	dst = binary.LittleEndian.AppendUint64(dst, f.SimHash)
	dst = binary.AppendUvarint(dst, uint64(f.Shingles))
	dst = binary.AppendUvarint(dst, uint64(len(f.Terms)))
	prev := ""
	for _, t := range f.Terms {
		p := commonPrefix(prev, t)
		dst = binary.AppendUvarint(dst, uint64(p))
		dst = binary.AppendUvarint(dst, uint64(len(t)-p))
		dst = append(dst, t[p:]...)
		prev = t
	}
	dst = binary.AppendUvarint(dst, uint64(len(f.Words)))
	dst = binary.AppendUvarint(dst, uint64(f.TitleWords))
	for _, forms := range f.Words {
		dst = binary.AppendUvarint(dst, uint64(len(forms)))
		for _, k := range forms {
			dst = binary.AppendUvarint(dst, uint64(k))
		}
	}
	return appendFacts(dst, f.Facts)
}

// encodedSize is what AppendFeatures appends for f at most, as long as
// f has fewer than 16,384 terms and its terms are shorter than 16 KiB (as
// Extract's are): the whole terms (their shared prefixes not counted off),
// two bytes for each varint of a term or a word, five for a fact's. So an
// encoding takes one allocation, not the four or five of a growing slice.
func encodedSize(f *Features) int {
	n := 8 + 5*binary.MaxVarintLen32 + 4*len(f.Terms) + binary.MaxVarintLen32*len(f.Facts)
	for _, t := range f.Terms {
		n += len(t)
	}
	for _, forms := range f.Words {
		n += 2 + 2*len(forms)
	}
	return n
}

func commonPrefix(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// FeaturesDecoder decodes encoded features (DecodeFeatures) reusing its
// memory: the Features it returns are valid until its next Decode. Its
// zero value is ready for use.
type FeaturesDecoder struct {
	f      Features
	text   []byte
	ends   []int
	forms  []uint16
	counts []int
}

// DecodeFeatures returns the Features that AppendFeatures encoded in p. It
// keeps nothing of p.
func DecodeFeatures(p []byte) (Features, error) {
	var d FeaturesDecoder
	f, err := d.Decode(p)
	if err != nil {
		return Features{}, err
	}
	// Own copies: d is not reused.
	return *f, nil
}

// Decode is DecodeFeatures into memory of d's: the Features returned and
// its slices are d's, valid until its next Decode (the strings in them
// stay valid).
func (d *FeaturesDecoder) Decode(p []byte) (*Features, error) {
	r := featuresReader{p: p}
	f := &d.f
	f.SimHash = r.uint64()
	f.Shingles = r.int(math.MaxInt32)
	nTerms := r.int(len(r.p))
	d.text, d.ends = d.text[:0], d.ends[:0]
	last := 0
	for range nTerms {
		pre, n := r.int(math.MaxInt32), r.int(math.MaxInt32)
		if r.err != nil || pre > len(d.text)-last || n > len(r.p) {
			return nil, r.fail("term")
		}
		start := len(d.text)
		d.text = append(d.text, d.text[last:last+pre]...)
		d.text = append(d.text, r.p[:n]...)
		r.p = r.p[n:]
		last = start
		d.ends = append(d.ends, len(d.text))
	}
	nWords := r.int(len(r.p))
	f.TitleWords = r.int(nWords)
	d.forms, d.counts = d.forms[:0], d.counts[:0]
	for range nWords {
		n := r.int(len(r.p))
		d.counts = append(d.counts, n)
		for range n {
			d.forms = append(d.forms, uint16(r.int(nTerms-1)))
		}
	}
	nFacts := r.int(len(r.p))
	f.Facts = f.Facts[:0]
	var fa uint64
	for range nFacts {
		fa += r.uvarint()
		f.Facts = append(f.Facts, uint32(min(fa, math.MaxUint32)))
	}
	if r.err != nil {
		return nil, r.err
	}
	if len(r.p) != 0 || fa > math.MaxUint32 {
		return nil, r.fail("end")
	}
	// Every term in one string, each a substring of it.
	all := string(d.text)
	f.Terms = f.Terms[:0]
	start := 0
	for _, end := range d.ends {
		f.Terms = append(f.Terms, all[start:end])
		start = end
	}
	f.Words = f.Words[:0]
	off := 0
	for _, n := range d.counts {
		f.Words = append(f.Words, d.forms[off:off+n:off+n])
		off += n
	}
	return f, nil
}

// featuresReader reads the varints of an encoding, remembering the first
// error.
type featuresReader struct {
	p   []byte
	err error
}

func (r *featuresReader) fail(what string) error {
	if r.err == nil {
		r.err = fmt.Errorf("%w: %s", ErrBadFeatures, what)
	}
	return r.err
}

func (r *featuresReader) uint64() uint64 {
	if len(r.p) < 8 {
		r.fail("short")
		return 0
	}
	v := binary.LittleEndian.Uint64(r.p)
	r.p = r.p[8:]
	return v
}

func (r *featuresReader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.p)
	if n <= 0 {
		r.fail("varint")
		return 0
	}
	r.p = r.p[n:]
	return v
}

// int reads a varint of at most limit.
func (r *featuresReader) int(limit int) int {
	v := r.uvarint()
	if limit < 0 || v > uint64(limit) {
		r.fail("count")
		return 0
	}
	return int(v)
}
