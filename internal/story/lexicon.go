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
	numKinds
)

var kindNames = [numKinds]string{"town", "city", "region", "country", "body", "person", "number",
	"ordinal", "month", "quantity", "currency", "scale", "series", "unit", "age", "wide", "reaction"}

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
	// (quantity, currency, series) from 1.
	class uint8
	// within is 1 + the entry of the city a town or city lies in or by,
	// or of the country a body acts for; 0 for none.
	within uint16
}

// lexForm is one way of writing an entry: its words as analysed.
type lexForm struct {
	words []string
	entry uint16
	// one: the form of a quantity says one of it when no number is near
	// (written with "=1").
	one bool
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
			case kindTown, kindCity:
				within = append(within, [2]any{idx, "city/" + cols[5]})
			case kindBody:
				within = append(within, [2]any{idx, "country/" + cols[5]})
			default:
				return nil, fmt.Errorf("story: lexicon.tsv:%d: only a town or city lies within another, and only a body acts for a country", n+1)
			}
		}
		for _, col := range cols[2:5] {
			if col == "-" {
				continue
			}
			for _, f := range strings.Split(col, "|") {
				f, one := strings.CutSuffix(f, "=1")
				if one && kind != kindQuantity {
					return nil, fmt.Errorf("story: lexicon.tsv:%d: only a quantity's form says one (=1)", n+1)
				}
				var words []string
				for _, t := range analysis.Analyze(f) {
					words = append(words, t.Text)
				}
				if len(words) == 0 {
					return nil, fmt.Errorf("story: lexicon.tsv:%d: form %q has no words", n+1, f)
				}
				l.byFirst[words[0]] = append(l.byFirst[words[0]], lexForm{words: words, entry: idx, one: one})
			}
		}
	}
	for _, w := range within {
		c, ok := l.byID[w[1].(string)]
		if !ok {
			kind, id, _ := strings.Cut(w[1].(string), "/")
			return nil, fmt.Errorf("story: lexicon.tsv: %s names %q, which is no %s of the lexicon", l.entries[w[0].(uint16)].id, id, kind)
		}
		l.entries[w[0].(uint16)].within = c + 1
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
// takes, and whether the form says one (lexForm.one); 0 words when none
// does. The first word may carry an attached prefix (see lexStarts); the
// others must be as written. When a word has several entries of the same
// length, the first listed wins.
func (l *lexicon) match(words []string, i int) (uint16, int, bool) {
	w := words[i]
	var starts [8]int
	n := lexStarts(w, starts[:])
	best, bestLen, one := uint16(0), 0, false
	// Hash w backwards once, taking the hash of each suffix that starts
	// where a form of it does.
	h := uint64(fnvOffset64)
	k := n - 1
	for j := len(w) - 1; j >= 0 && k >= 0; j-- {
		h = (h ^ uint64(w[j])) * fnvPrime64
		for k >= 0 && starts[k] == j {
			for _, f := range l.formsOf(w[j:], max(h, 1)) {
				if len(f.words) <= bestLen || i+len(f.words) > len(words) {
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
					best, bestLen, one = f.entry, len(f.words), f.one
				}
			}
			k--
		}
	}
	return best, bestLen, one
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
