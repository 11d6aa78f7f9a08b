package story

import (
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
)

// lexiconTSV is the lexicon of the region: places, acting bodies, people,
// number words, months and the words figures count (see its header).
//
//go:embed lexicon.tsv
var lexiconTSV string

// lexKind is the kind of a lexicon entry (the first column of lexicon.tsv).
type lexKind uint8

const (
	kindTown lexKind = iota
	kindCity
	kindRegion
	kindCountry
	kindBody
	kindPerson
	kindNumber
	kindOrdinal
	kindMonth
	kindQuantity
	kindCurrency
	kindScale
	kindSeries
	kindUnit
	kindAge
	kindWide
	kindReaction
	kindAct
	kindCause
	kindDecision
	numKinds
)

var kindNames = [numKinds]string{"town", "city", "region", "country", "body", "person", "number",
	"ordinal", "month", "quantity", "currency", "scale", "series", "unit", "age", "wide", "reaction",
	"act", "cause", "decision"}

func (k lexKind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// isPlace reports whether k is a kind of place.
func (k lexKind) isPlace() bool { return k <= kindCountry }

// lexEntry is one line of the lexicon.
type lexEntry struct {
	kind lexKind
	id   string
	// value is the number of a number, ordinal, month or scale entry.
	value float64
	// class numbers the entries of a kind that qualify a figure
	// (quantity, currency, series) from 1, and the pairs of opposite
	// acts from 1 (both acts of a pair have its class; an act with no
	// opposite has none).
	class uint8
	// within is 1 + the entry of the city a town or city lies in or by,
	// of the country (or body) a capital stands for, of the country a
	// body acts for, or of the act opposite an act; 0 for none.
	within uint16
}

// lexForm is one way of writing an entry: its words as analysed.
type lexForm struct {
	words []string
	entry uint16
	// says is how many of a quantity the form says when no number is
	// near: 1 for a form written with "=1" (הרוג, one killed), 2 for one
	// written with "=2" (an Arabic dual: شهيدان, two killed); 0 for none.
	says uint8
}

// lexicon is the parsed lexicon.
type lexicon struct {
	entries []lexEntry
	// byFirst lists the forms by their first word, longest first.
	byFirst map[string][]lexForm
	byID    map[string]uint16 // entries by kind/id
	// first is an open-addressing table of the first words of forms by
	// their suffixHash (0: an empty slot), and firstForms the forms of
	// each (its byFirst list): match probes it for a word and each of its
	// forms without a prefix, hashing the word once.
	first      []uint64
	firstForms [][]lexForm
}

var (
	lexOnce sync.Once
	lex     *lexicon
	lexErr  error
)

// theLexicon returns the embedded lexicon, parsed once. A malformed
// lexicon is a programming error: the tests parse it.
func theLexicon() *lexicon {
	lexOnce.Do(func() { lex, lexErr = parseLexicon(lexiconTSV) })
	if lexErr != nil {
		panic(lexErr)
	}
	return lex
}

// parseLexicon parses the lexicon's text (see lexicon.tsv).
func parseLexicon(text string) (*lexicon, error) {
	l := &lexicon{byFirst: map[string][]lexForm{}, byID: map[string]uint16{}}
	var classes [numKinds]uint8
	var within [][2]any // entry, id of the city it lies in
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) != 5 && len(cols) != 6 {
			return nil, fmt.Errorf("story: lexicon.tsv:%d: want 5 or 6 tab-separated columns, have %d", n+1, len(cols))
		}
		kind := lexKind(slices.Index(kindNames[:], cols[0]))
		if int(kind) < 0 || kind >= numKinds {
			return nil, fmt.Errorf("story: lexicon.tsv:%d: unknown kind %q", n+1, cols[0])
		}
		e := lexEntry{kind: kind, id: cols[1]}
		switch kind {
		case kindNumber, kindOrdinal, kindMonth, kindScale:
			v, err := strconv.ParseFloat(cols[1], 64)
			if err != nil {
				return nil, fmt.Errorf("story: lexicon.tsv:%d: the id of a %s is its value: %w", n+1, kind, err)
			}
			e.value = v
		case kindQuantity, kindCurrency, kindSeries:
			classes[kind]++
			e.class = classes[kind]
		}
		key := kind.String() + "/" + e.id
		if _, dup := l.byID[key]; dup {
			return nil, fmt.Errorf("story: lexicon.tsv:%d: %s listed twice", n+1, key)
		}
		if len(l.entries) >= 1<<16 {
			return nil, fmt.Errorf("story: lexicon.tsv:%d: too many entries", n+1)
		}
		idx := uint16(len(l.entries))
		l.byID[key] = idx
		l.entries = append(l.entries, e)
		if len(cols) == 6 {
			switch kind {
			case kindTown:
				within = append(within, [2]any{idx, "city/" + cols[5]})
			case kindCity:
				// A city lies in another, or is the capital of a country
				// (or the seat of a body) it stands for.
				within = append(within, [2]any{idx, "city|country|body/" + cols[5]})
			case kindBody:
				within = append(within, [2]any{idx, "country/" + cols[5]})
			case kindAct:
				within = append(within, [2]any{idx, "act/" + cols[5]})
			default:
				return nil, fmt.Errorf("story: lexicon.tsv:%d: only a town or city lies within another, only a body acts for a country, and only an act has an opposite", n+1)
			}
		}
		for _, col := range cols[2:5] {
			if col == "-" {
				continue
			}
			for _, f := range strings.Split(col, "|") {
				var says uint8
				if base, count, ok := strings.Cut(f, "="); ok {
					if kind != kindQuantity || (count != "1" && count != "2") {
						return nil, fmt.Errorf("story: lexicon.tsv:%d: form %q: only a quantity's form says how many, =1 or =2", n+1, f)
					}
					f, says = base, count[0]-'0'
				}
				var words []string
				for _, t := range analysis.Analyze(f) {
					words = append(words, t.Text)
				}
				if len(words) == 0 {
					return nil, fmt.Errorf("story: lexicon.tsv:%d: form %q has no words", n+1, f)
				}
				l.byFirst[words[0]] = append(l.byFirst[words[0]], lexForm{words: words, entry: idx, says: says})
			}
		}
	}
	for _, w := range within {
		c, ok := l.byID[w[1].(string)]
		if kinds, id, _ := strings.Cut(w[1].(string), "/"); strings.Contains(kinds, "|") {
			for k := range strings.SplitSeq(kinds, "|") {
				if c, ok = l.byID[k+"/"+id]; ok {
					break
				}
			}
		}
		if !ok {
			kind, id, _ := strings.Cut(w[1].(string), "/")
			return nil, fmt.Errorf("story: lexicon.tsv: %s names %q, which is no %s of the lexicon", l.entries[w[0].(uint16)].id, id, kind)
		}
		l.entries[w[0].(uint16)].within = c + 1
	}
	if err := l.pairActs(); err != nil {
		return nil, err
	}
	size := 64
	for size < 4*len(l.byFirst) {
		size <<= 1
	}
	l.first, l.firstForms = make([]uint64, size), make([][]lexForm, size)
	for k, forms := range l.byFirst {
		slices.SortStableFunc(forms, func(a, b lexForm) int { return len(b.words) - len(a.words) })
		l.byFirst[k] = forms
		h := suffixHash(k)
		j := h & uint64(size-1)
		for l.first[j] != 0 {
			j = (j + 1) & uint64(size-1)
		}
		l.first[j], l.firstForms[j] = h, forms
	}
	return l, nil
}

// suffixHash hashes s from its last byte to its first (FNV-1a backwards,
// never 0), so that the hashes of all its suffixes come out of one pass.
func suffixHash(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := len(s) - 1; i >= 0; i-- {
		h = (h ^ uint64(s[i])) * fnvPrime64
	}
	return max(h, 1)
}

// formsOf returns the forms whose first word is w, of suffixHash h.
func (l *lexicon) formsOf(w string, h uint64) []lexForm {
	mask := uint64(len(l.first) - 1)
	for j := h & mask; l.first[j] != 0; j = (j + 1) & mask {
		if l.first[j] == h {
			if f := l.firstForms[j]; f[0].words[0] == w {
				return f
			}
		}
	}
	return nil
}

// match returns the entry of the longest form that starts at word i of
// words (analysed words of one run of text), and the number of words it
// takes, and how many the form says (lexForm.says); 0 words when none
// does. The first word may carry an attached prefix (see lexStarts); the
// others must be as written. When a word has several entries of the same
// length, the first listed wins.
func (l *lexicon) match(words []string, i int) (uint16, int, uint8) {
	return l.matchKind(words, i, numKinds)
}

// matchKind is match among the forms of entries of kind k only, or of
// every kind when k is numKinds: a word may be of two kinds ("vote" counts
// votes, and is a decision).
func (l *lexicon) matchKind(words []string, i int, k lexKind) (uint16, int, uint8) {
	w := words[i]
	var starts [8]int
	n := lexStarts(w, starts[:])
	best, bestLen, says := uint16(0), 0, uint8(0)
	// Hash w backwards once, taking the hash of each suffix that starts
	// where a form of it does.
	h := uint64(fnvOffset64)
	s := n - 1
	for j := len(w) - 1; j >= 0 && s >= 0; j-- {
		h = (h ^ uint64(w[j])) * fnvPrime64
		for s >= 0 && starts[s] == j {
			for _, f := range l.formsOf(w[j:], max(h, 1)) {
				if len(f.words) <= bestLen || i+len(f.words) > len(words) ||
					(k != numKinds && l.entries[f.entry].kind != k) {
					continue
				}
				ok := true
				for m := 1; m < len(f.words); m++ {
					if words[i+m] != f.words[m] {
						ok = false
						break
					}
				}
				if ok {
					best, bestLen, says = f.entry, len(f.words), f.says
				}
			}
			s--
		}
	}
	return best, bestLen, says
}

// pairActs gives each pair of opposite acts a class: an act names its
// opposite (the sixth column), which must name it back.
func (l *lexicon) pairActs() error {
	var classes uint8
	for i := range l.entries {
		e := &l.entries[i]
		if e.kind != kindAct || e.within == 0 {
			continue
		}
		o := &l.entries[e.within-1]
		if o.within != uint16(i)+1 {
			return fmt.Errorf("story: lexicon.tsv: act %s has the opposite %s, whose opposite is not %s", e.id, o.id, e.id)
		}
		if o.class != 0 {
			e.class = o.class
			continue
		}
		if classes == 255 {
			return fmt.Errorf("story: lexicon.tsv: too many pairs of acts")
		}
		classes++
		e.class = classes
	}
	return nil
}

// lexStarts writes to starts, in increasing order, the offsets in w where
// a form of it a lexicon form may be starts: 0, and after each attached
// prefix of a Hebrew or Arabic word that leaves two letters (the first
// word of צה"ל is צה). It returns how many it wrote. The lexicon lists the
// inflections of Latin-script words itself.
func lexStarts(w string, starts []int) int {
	n := 0
	starts[n] = 0
	n++
	r, _ := utf8.DecodeRuneInString(w)
	var prefixes []string
	switch {
	case r >= hebrewFirst && r <= hebrewLast:
		prefixes = hebrewByLetter.Starting(r)
	case r >= arabicFirst && r <= arabicLast:
		prefixes = arabicByLetter.Starting(r)
	}
	for _, p := range prefixes {
		if n < len(starts) && strings.HasPrefix(w, p) && utf8.RuneCountInString(w[len(p):]) >= 2 &&
			!slices.Contains(starts[:n], len(p)) {
			starts[n] = len(p)
			n++
		}
	}
	slices.Sort(starts[:n])
	return n
}
