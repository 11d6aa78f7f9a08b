package story

import (
	"hash/maphash"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
)

// Features are what clustering compares of an item: its SimHash and the
// words of its title and summary. Extract computes them once per item.
type Features struct {
	// SimHash is the 64-bit fingerprint of the item's word shingles
	// (Charikar's sketch, as Manku, Jain and Das Sarma use it to find
	// near-duplicates: "Detecting near-duplicates for web crawling", WWW
	// 2007). Near-duplicate texts differ in few bits.
	SimHash uint64
	// Shingles is the number of distinct shingles SimHash was computed
	// from. A fingerprint of very few shingles says little (two one-word
	// titles collide by chance), so the index ignores fingerprints of fewer
	// than MinShingles.
	Shingles int
	// Terms are the distinct forms of the words of the title and summary,
	// sorted: each word as written (analysed) and, where an attached
	// prefix or an inflection may differ between reports, its other forms
	// (see Extract).
	Terms []string
	// Words groups Terms by word: Words[i] holds the indexes in Terms of
	// the forms of word i, the word as written first. Title words come
	// first: the first TitleWords words are those of the title.
	Words      [][]uint16
	TitleWords int
	// Facts are the item's event evidence (see evidence.go): the places,
	// acting bodies and people it names by the lexicon, its figures,
	// rounds and dates, sorted. Two items whose facts disagree are two
	// events.
	Facts []uint32
}

// MinShingles is the fewest shingles a fingerprint must have to be used
// for near-duplicate detection.
const MinShingles = 6

// shingleSize is the number of consecutive words in a shingle.
const shingleSize = 2

// maxWords bounds the words of one item that take part in clustering: a
// summary that is a whole article says nothing more about which event it
// reports than its first paragraphs.
const maxWords = 400

// Extract computes the features of an item from its title and its summary
// (HTML is stripped). Text is analysed as analysis.Analyze does for matching,
// so that clustering and rules see the same words. A word's forms are the
// word itself and:
//   - words written with an ASCII apostrophe or quote (as Hebrew
//     acronyms are often typed: צה"ל, ג'באליה), a dot, a comma or a hyphen
//     inside them (3.5, al-Sharaa) are also taken joined without it. The
//     Hebrew geresh and gershayim themselves (׳ ״, as in צה״ל) are not
//     joined: the words on either side stay apart;
//   - a Hebrew or Arabic word also gives its forms without an attached
//     prefix (the article, a conjunction, a one-letter preposition), so
//     that בריאד meets ריאד and الرياض meets رياض. These are the prefixes
//     rules' matching strips (docs/rules.md) and, in Hebrew, also שה and
//     מה; unlike rules, at least three letters must remain;
//   - a Latin-script word also gives its form without a plural or past
//     ending (talks, arrested: talk, arrest).
//
// Words of one letter, other than digits, are left out.
func Extract(title, summary string) Features {
	return ExtractPlain(title, analysis.StripHTML(summary))
}

// ExtractPlain is Extract of a summary whose HTML is stripped already:
// body is analysis.StripHTML(summary), for a caller that needs it too.
func ExtractPlain(title, body string) Features {
	x := extractors.Get().(*extractor)
	defer x.release()
	x.text = len(title) + len(body)
	x.toks = x.an.Append(x.toks[:0], title)
	n := len(x.toks)
	x.toks = x.an.Append(x.toks, body)
	return x.extract(title, x.toks[:n:n], body, x.toks[n:])
}

// ExtractAnalysed is Extract of text already analysed: the title and
// analysis.Analyze(title), the summary without HTML (analysis.StripHTML)
// and its tokens, as rules.Set.MatchVisit hands them over. Given those, it
// returns what Extract returns for the title and the summary. It does not
// keep the token slices, only strings of the tokens.
func ExtractAnalysed(title string, titleToks []analysis.Token, body string, bodyToks []analysis.Token) Features {
	x := extractors.Get().(*extractor)
	defer x.release()
	return x.extract(title, titleToks, body, bodyToks)
}

// extract is ExtractAnalysed with x.
func (x *extractor) extract(title string, titleToks []analysis.Token, body string, bodyToks []analysis.Token) Features {
	x.reset(len(titleToks) + len(bodyToks))
	x.add(title, titleToks)
	titleWords := len(x.ends)
	x.add(body, bodyToks)

	var f Features
	f.Terms, f.Words = x.finish()
	f.TitleWords = min(titleWords, len(f.Words))

	for _, t := range titleToks {
		x.tokens = append(x.tokens, t.Text)
	}
	for _, t := range bodyToks {
		x.tokens = append(x.tokens, t.Text)
	}
	f.SimHash, f.Shingles, x.set = simhash(x.tokens, x.set)
	f.Facts = x.ev.evidence(title, titleToks, body, bodyToks)
	return f
}

// extractor is the working memory of Extract, reused through extractors.
// It collects the distinct words of a text and their forms.
type extractor struct {
	forms []string // the forms of each word in turn, the word first
	ends  []int    // per word, the end of its forms in forms
	join  []byte   // a word being joined from tokens

	// seen is an open-addressing table of the words added: 1 + the index
	// in forms of each, at the place its hash (by seed) gives, 0 for an
	// empty slot. It is kept at most half full.
	seen []int32
	seed maphash.Seed

	// finish's: forms by their text (see sortKey), and the index in Terms
	// of each form.
	sorted []uint64
	ranks  []uint16

	ev evidenceScratch // of the facts

	tokens []string // the texts of the tokens, for simhash
	set    []uint64 // simhash's

	// Extract's analysis: the analyzer, the tokens of the title and
	// summary, and the length of their texts.
	an   analysis.Analyzer
	toks []analysis.Token
	text int
}

// sortKey is form i of extractor.forms as a number that sorts as the
// form does, up to its first six bytes: those as a big-endian number
// padded with zeros, then i (i < 2^16: an item has at most maxWords+1
// words, of at most three forms each). Of two
// forms with different prefixes, the one with the lower key sorts first.
func sortKey(s string, i int) uint64 {
	var k uint64
	for j := range 6 {
		k <<= 8
		if j < len(s) {
			k |= uint64(s[j])
		}
	}
	return k<<16 | uint64(i)
}

// prefix is the prefix part of a sortKey, and form its form's index.
func prefix(k uint64) uint64 { return k >> 16 }
func form(k uint64) int      { return int(k & 0xffff) }

// same reports whether the forms of keys a and b are the same.
func (x *extractor) same(a, b uint64) bool {
	return prefix(a) == prefix(b) && x.forms[form(a)] == x.forms[form(b)]
}

var extractors = sync.Pool{New: func() any { return &extractor{seed: maphash.MakeSeed()} }}

// reset makes x ready for text of n tokens: an empty table of words large
// enough for the words they can give (one per token and one per run of
// joined tokens, at most maxWords+1).
func (x *extractor) reset(n int) {
	size := 16
	for size < 2*min(2*n, maxWords+1) {
		size <<= 1
	}
	if cap(x.seen) < size {
		x.seen = make([]int32, size)
	} else {
		x.seen = x.seen[:size]
		clear(x.seen)
	}
}

// find returns the place of word w, of hash h, in x.seen and whether w is
// there; if it is not, the place is the empty slot where it would go.
func (x *extractor) find(w string, h uint64) (int, bool) {
	mask := uint64(len(x.seen) - 1)
	for j := h & mask; ; j = (j + 1) & mask {
		switch i := x.seen[j]; {
		case i == 0:
			return int(j), false
		case x.forms[i-1] == w:
			return int(j), true
		}
	}
}

// release clears x and returns it to extractors, unless a very long text
// made its memory too large to keep.
func (x *extractor) release() {
	if len(x.tokens) > 1<<14 || len(x.forms) > 1<<14 || x.text > 1<<18 {
		return
	}
	clear(x.forms)
	clear(x.tokens)
	clear(x.toks)
	x.forms, x.ends, x.sorted, x.ranks, x.tokens, x.toks, x.text = x.forms[:0], x.ends[:0], x.sorted[:0], x.ranks[:0], x.tokens[:0], x.toks[:0], 0
	extractors.Put(x)
}

// add adds the words of analysed text.
func (x *extractor) add(text string, toks []analysis.Token) {
	for i := 0; i < len(toks) && len(x.ends) < maxWords; i++ {
		x.word(toks[i].Text)
		// A run of tokens separated by one inner mark each is also a word.
		j := i
		for j+1 < len(toks) && toks[j+1].Start == toks[j].End+1 && isInnerMark(text[toks[j].End]) {
			if j == i {
				x.join = append(x.join[:0], toks[i].Text...)
			}
			x.join = append(x.join, toks[j+1].Text...)
			j++
		}
		if j > i && x.wanted(x.join) {
			x.word(string(x.join))
		}
	}
}

// wanted reports whether w is a word not added yet that is worth adding,
// without converting it to a string.
func (x *extractor) wanted(w []byte) bool {
	_, seen := x.find(string(w), maphash.Bytes(x.seed, w))
	return !seen && (utf8.RuneCount(w) >= 2 || isDigits(string(w)))
}

// word adds word w and its forms, unless it was added already or is too
// short.
func (x *extractor) word(w string) {
	if len(w) <= utf8.UTFMax && utf8.RuneCountInString(w) < 2 && !isDigits(w) {
		return
	}
	j, seen := x.find(w, maphash.String(x.seed, w))
	if seen {
		return
	}
	x.seen[j] = int32(len(x.forms) + 1)
	x.forms = appendForms(append(x.forms, w), w)
	x.ends = append(x.ends, len(x.forms))
}

// finish returns the sorted distinct forms of all words and, per word, the
// indexes of its forms.
func (x *extractor) finish() ([]string, [][]uint16) {
	words := make([][]uint16, len(x.ends))
	if len(x.forms) == 0 {
		return nil, words
	}
	// Sort the forms by their first six bytes (as numbers), and then the
	// runs of forms with the same six by their whole text: comparing
	// strings is then rare.
	for i, f := range x.forms {
		x.sorted = append(x.sorted, sortKey(f, i))
	}
	forms := x.forms
	slices.Sort(x.sorted)
	byText := func(a, b uint64) int { return strings.Compare(forms[form(a)], forms[form(b)]) }
	for j := 0; j < len(x.sorted); {
		k := j + 1
		for k < len(x.sorted) && prefix(x.sorted[k]) == prefix(x.sorted[j]) {
			k++
		}
		if k-j > 1 {
			slices.SortFunc(x.sorted[j:k], byText)
		}
		j = k
	}
	x.ranks = slices.Grow(x.ranks[:0], len(forms))[:len(forms)]
	n := 0
	for j, r := range x.sorted {
		if j > 0 && !x.same(r, x.sorted[j-1]) {
			n++
		}
		x.ranks[form(r)] = uint16(n)
	}
	terms := make([]string, 0, n+1)
	for j, r := range x.sorted {
		if j == 0 || !x.same(r, x.sorted[j-1]) {
			terms = append(terms, forms[form(r)])
		}
	}
	idx := make([]uint16, 0, len(x.forms))
	start := 0
	for i, end := range x.ends {
		first := len(idx)
		for _, k := range x.ranks[start:end] {
			if !slices.Contains(idx[first:], k) {
				idx = append(idx, k)
			}
		}
		words[i] = idx[first:len(idx):len(idx)]
		start = end
	}
	return terms, words
}

// simhash computes the 64-bit SimHash of the word shingles of words, each
// shingle weighted once however often it occurs, and returns it with the
// number of distinct shingles. set is scratch memory, returned for reuse.
func simhash(words []string, set []uint64) (uint64, int, []uint64) {
	n := min(shingleSize, len(words))
	if n == 0 {
		return 0, 0, set
	}
	// The distinct shingle hashes, in an open-addressing table at most
	// half full (0 is an empty slot; a hash of 0 is marked apart).
	size := 16
	for size < 2*(len(words)-n+1) {
		size <<= 1
	}
	if cap(set) < size {
		set = make([]uint64, size)
	} else {
		set = set[:size]
		clear(set)
	}
	mask := uint64(size - 1)
	zero := false
	// Count, per bit, the distinct shingles that have it: eight bits at a
	// time, each counted in a byte of lanes[i] (spread puts bit k of a
	// byte in byte k), added up in ones before a byte can overflow.
	var ones [64]int
	var lanes [8]uint64
	distinct, pending := 0, 0
	flush := func() {
		for i, l := range lanes {
			for k := range 8 {
				ones[8*i+k] += int(l >> (8 * k) & 0xff)
			}
		}
		lanes, pending = [8]uint64{}, 0
	}
	// With two-word shingles, each word is hashed once, into two FNV-1a
	// states at a time: that of the shingle it ends and that of the one
	// it starts (next: after the word and the separator).
	pairs := shingleSize == 2 && n == 2
	var next uint64
	if pairs {
		_, next = fnv2(0, fnvOffset64, words[0])
		next *= fnvPrime64
	}
	for i := 0; i+n <= len(words); i++ {
		var h uint64
		if pairs {
			h, next = fnv2(next, fnvOffset64, words[i+1])
			h, next = fmix64(h), next*fnvPrime64
		} else {
			h = shingleHash(words[i : i+n])
		}
		if h == 0 {
			if zero {
				continue
			}
			zero = true
		} else if !insert(set, mask, h) {
			continue
		}
		distinct++
		for b := range lanes {
			lanes[b] += spread[uint8(h>>(8*b))]
		}
		if pending++; pending == 255 {
			flush()
		}
	}
	flush()
	// A bit is set when more shingles have it than lack it.
	var fp uint64
	for b, c := range ones {
		if 2*c > distinct {
			fp |= 1 << b
		}
	}
	return fp, distinct, set
}

// insert adds h, not 0, to the open-addressing table set (a power of two
// in size, mask one less, never full) and reports whether it was new.
func insert(set []uint64, mask, h uint64) bool {
	for j := h & mask; ; j = (j + 1) & mask {
		switch set[j] {
		case h:
			return false
		case 0:
			set[j] = h
			return true
		}
	}
}

// spread[b] has bit k of b in the lowest bit of its byte k.
var spread = func() (t [256]uint64) {
	for b := range t {
		for k := range 8 {
			t[b] |= uint64(b>>k&1) << (8 * k)
		}
	}
	return t
}()

// FNV-1a's 64-bit parameters.
const (
	fnvOffset64 = 14695981039346656037
	fnvPrime64  = 1099511628211
)

// shingleHash hashes a shingle with FNV-1a (stable across processes and
// releases, as stored fingerprints require), its words separated by a
// zero byte, and then mixes the result with the MurmurHash3 finaliser so
// that every output bit depends on every input bit, which SimHash needs of
// its feature hashes.
func shingleHash(words []string) uint64 {
	h := uint64(fnvOffset64)
	for i, w := range words {
		if i > 0 {
			h *= fnvPrime64 // the separator: h ^= 0, then multiply
		}
		for j := 0; j < len(w); j++ {
			h ^= uint64(w[j])
			h *= fnvPrime64
		}
	}
	return fmix64(h)
}

// fnv2 continues two FNV-1a hashes, a and b, with the bytes of w.
func fnv2(a, b uint64, w string) (uint64, uint64) {
	for j := 0; j < len(w); j++ {
		c := uint64(w[j])
		a = (a ^ c) * fnvPrime64
		b = (b ^ c) * fnvPrime64
	}
	return a, b
}

// fmix64 is the 64-bit finaliser of MurmurHash3.
func fmix64(k uint64) uint64 {
	k ^= k >> 33
	k *= 0xff51afd7ed558ccd
	k ^= k >> 33
	k *= 0xc4ceb9fe1a85ec53
	k ^= k >> 33
	return k
}

// Distance is the Hamming distance of two fingerprints: the number of bits
// they differ in.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// isInnerMark reports whether b, the one byte between two tokens, joins them
// into one word: an ASCII apostrophe or quote (Hebrew acronyms typed as צה"ל
// and ג'), a dot or comma (numbers), or a hyphen.
func isInnerMark(b byte) bool {
	return b == '\'' || b == '"' || b == '.' || b == ',' || b == '-'
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Attached prefixes in analysed form, longest first: the rule language's
// (analysis.ArabicPrefixes and analysis.HebrewPrefixes) and, in Hebrew, שה
// and מה too. Only the order of the prefixes of one letter matters (see
// analysis.PrefixTable): שה and מה come before ש and מ.
var (
	hebrewPrefixes = append([]string{"שה", "מה"}, analysis.HebrewPrefixes...)
	arabicPrefixes = analysis.ArabicPrefixes
	// latinEndings are removed from Latin-script words of five or more
	// letters: a plural, a past tense, a gerund.
	latinEndings = []string{"ing", "ies", "ed", "es", "s"}

	// hebrewByLetter and arabicByLetter list, per letter of the range
	// appendForms takes a word of the script by (from the first letter),
	// the prefixes that start with it, in the order of the lists.
	hebrewByLetter = analysis.NewPrefixTable(hebrewPrefixes, hebrewFirst, hebrewLast)
	arabicByLetter = analysis.NewPrefixTable(arabicPrefixes, arabicFirst, arabicLast)
)

// The letters that start Hebrew and Arabic words with prefixes.
const (
	hebrewFirst, hebrewLast = 0x05D0, 0x05EA
	arabicFirst, arabicLast = 0x0620, 0x064A
)

// appendForms appends the other forms of word w: a Hebrew or Arabic word
// without each attached prefix it starts with (when at least three letters
// remain), a Latin-script word without an inflectional ending.
func appendForms(dst []string, w string) []string {
	r, _ := utf8.DecodeRuneInString(w)
	var prefixes []string
	switch {
	case r >= hebrewFirst && r <= hebrewLast:
		prefixes = hebrewByLetter.Starting(r)
	case r >= arabicFirst && r <= arabicLast:
		prefixes = arabicByLetter.Starting(r)
	case r < utf8.RuneSelf && len(w) >= 5 && !isDigits(w):
		for _, e := range latinEndings {
			if stem, ok := strings.CutSuffix(w, e); ok && !strings.HasSuffix(w, "ss") {
				if e == "ies" {
					stem += "y"
				}
				return append(dst, stem)
			}
		}
		return dst
	default:
		return dst
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(rest) >= 3 {
			dst = append(dst, rest)
		}
	}
	return dst
}

// band returns block i (0–3) of a fingerprint: 16 bits. Two fingerprints
// within Hamming distance 3 agree on at least one of the four blocks, since
// three differing bits touch at most three blocks (Manku et al., section
// 3.1.1: the tables of their method, one per block, here kept as hash maps
// keyed by the block instead of sorted permuted lists).
func band(fp uint64, i int) uint16 { return uint16(fp >> (16 * i)) }
