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
	numKinds
)

var kindNames = [numKinds]string{"town", "city", "region", "country", "body", "person", "number",
	"ordinal", "month", "quantity", "currency", "scale", "series", "unit", "age", "wide"}

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
	// 0 for none.
	within uint16
}

// lexForm is one way of writing an entry: its words as analysed.
type lexForm struct {
	words []string
	entry uint16
}

// lexicon is the parsed lexicon.
type lexicon struct {
	entries []lexEntry
	// byFirst lists the forms by their first word, longest first.
	byFirst map[string][]lexForm
	byID    map[string]uint16 // entries by kind/id
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
			if kind != kindTown && kind != kindCity {
				return nil, fmt.Errorf("story: lexicon.tsv:%d: only a town or city lies within another", n+1)
			}
			within = append(within, [2]any{idx, cols[5]})
		}
		for _, col := range cols[2:5] {
			if col == "-" {
				continue
			}
			for _, f := range strings.Split(col, "|") {
				var words []string
				for _, t := range analysis.Analyze(f) {
					words = append(words, t.Text)
				}
				if len(words) == 0 {
					return nil, fmt.Errorf("story: lexicon.tsv:%d: form %q has no words", n+1, f)
				}
				l.byFirst[words[0]] = append(l.byFirst[words[0]], lexForm{words: words, entry: idx})
			}
		}
	}
	for _, w := range within {
		c, ok := l.byID["city/"+w[1].(string)]
		if !ok {
			return nil, fmt.Errorf("story: lexicon.tsv: %s lies within %q, which is no city of the lexicon", l.entries[w[0].(uint16)].id, w[1])
		}
		l.entries[w[0].(uint16)].within = c + 1
	}
	for k, forms := range l.byFirst {
		slices.SortStableFunc(forms, func(a, b lexForm) int { return len(b.words) - len(a.words) })
		l.byFirst[k] = forms
	}
	return l, nil
}

// match returns the entry of the longest form that starts at word i of
// words (analysed words of one run of text), and the number of words it
// takes; 0 words when none does. The first word may carry an attached
// prefix or an ending (see appendForms); the others must be as written.
// When a word has several entries of the same length, the first listed
// wins.
func (l *lexicon) match(words []string, i int, scratch []string) (uint16, int, []string) {
	scratch = lexForms(append(scratch[:0], words[i]), words[i])
	best, bestLen := uint16(0), 0
	for _, first := range scratch {
		for _, f := range l.byFirst[first] {
			if len(f.words) <= bestLen || i+len(f.words) > len(words) {
				continue
			}
			ok := true
			for j := 1; j < len(f.words); j++ {
				if words[i+j] != f.words[j] {
					ok = false
					break
				}
			}
			if ok {
				best, bestLen = f.entry, len(f.words)
			}
		}
	}
	return best, bestLen, scratch
}

// lexForms appends the forms word w may match a lexicon form by: without
// each attached prefix it starts with, when two letters remain (the first
// word of צה"ל is צה), and a Latin-script word without its plural or past
// ending.
func lexForms(dst []string, w string) []string {
	r, _ := utf8.DecodeRuneInString(w)
	var prefixes []string
	switch {
	case r >= hebrewFirst && r <= hebrewLast:
		prefixes = hebrewByLetter.Starting(r)
	case r >= arabicFirst && r <= arabicLast:
		prefixes = arabicByLetter.Starting(r)
	default:
		return appendForms(dst, w)
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(w, p); ok && utf8.RuneCountInString(rest) >= 2 {
			dst = append(dst, rest)
		}
	}
	return dst
}
