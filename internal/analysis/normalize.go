package analysis

import (
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// This file holds steps 2 and 3 of text analysis (see docs/rules.md): NFKC,
// full case folding, removal of combining marks and Arabic normalization. They
// are computed once per code point and kept in tables, so that analysing text
// never calls into x/text on the hot path.

// runeClass says how a code point takes part in tokenization once normalized.
type runeClass uint8

const (
	// classSep: the code point separates tokens (spaces, punctuation, symbols).
	classSep runeClass = iota
	// classWord: the code point normalizes to one or more letters or digits.
	classWord
	// classIgnore: the code point is removed without separating tokens
	// (combining marks, format characters such as the soft hyphen, tatweel).
	classIgnore
	// classMixed: the code point normalizes to letters or digits and
	// separators, e.g. '½' → "1⁄2". Separators are written as ' ' in fold and
	// cased.
	classMixed
)

// runeInfo is the analysed form of one code point.
type runeInfo struct {
	class runeClass
	fold  string // NFKC, case folded, marks removed, Arabic normalized
	cased string // the same without case folding
}

// runePage holds the analysed forms of 256 consecutive code points.
type runePage [256]runeInfo

var (
	// bmpPages caches the Basic Multilingual Plane page by page; a page is
	// computed on first use. Two goroutines may compute the same page at
	// once; both results are equal, so either may win.
	bmpPages [0x100]atomic.Pointer[runePage]
	// astral caches code points above U+FFFF (emoji, historic scripts).
	astral sync.Map // rune → *runeInfo
)

// lookupRune returns the analysed form of r, which must not be ASCII.
func lookupRune(r rune) *runeInfo {
	if r <= 0xFFFF {
		p := bmpPages[r>>8].Load()
		if p == nil {
			p = buildPage(r &^ 0xFF)
			bmpPages[r>>8].Store(p)
		}
		return &p[r&0xFF]
	}
	if v, ok := astral.Load(r); ok {
		return v.(*runeInfo)
	}
	info := analyseRune(r)
	v, _ := astral.LoadOrStore(r, &info)
	return v.(*runeInfo)
}

func buildPage(first rune) *runePage {
	p := new(runePage)
	for i := range p {
		p[i] = analyseRune(first + rune(i))
	}
	return p
}

// analyseRune computes the analysed form of one code point.
func analyseRune(r rune) runeInfo {
	if !utf8.ValidRune(r) {
		r = utf8.RuneError
	}
	fold := toFixpoint(string(r), true)
	cased := toFixpoint(string(r), false)
	info := runeInfo{class: classify(fold), fold: spaceSeparators(fold), cased: spaceSeparators(cased)}
	if info.class != classMixed {
		info.cased = onlyTokenRunes(cased)
		info.fold = onlyTokenRunes(fold)
		if info.class == classIgnore || info.class == classSep {
			info.fold, info.cased = "", ""
		}
		if info.class == classWord && info.cased == "" {
			// Folding turned a non-letter into a letter (U+0345 → ι);
			// fall back to the folded form so both forms agree.
			info.cased = info.fold
		}
		return info
	}
	if !sameShape(info.fold, info.cased) {
		info.cased = info.fold
	}
	return info
}

// sameShape reports whether two space-separated forms of a code point have
// the same number of parts, empty in the same places, so that they give the
// same tokens.
func sameShape(fold, cased string) bool {
	f, c := strings.Split(fold, " "), strings.Split(cased, " ")
	if len(f) != len(c) {
		return false
	}
	for i := range f {
		if (f[i] == "") != (c[i] == "") {
			return false
		}
	}
	return true
}

// toFixpoint applies normalizeString until the result no longer changes, so
// that analysing analysed text gives the same text.
func toFixpoint(s string, fold bool) string {
	for range 4 {
		next := normalizeString(s, fold)
		if next == s {
			break
		}
		s = next
	}
	return s
}

// normalizeString is steps 2 and 3 of the analysis for a short string.
//
// Letters in Arabic script keep their precomposed form (so ؤ and ئ stay what
// they are) and are normalized by the explicit mapping of step 3; every other
// letter is canonically decomposed so that its marks can be removed (é → e,
// İ → i̇ → i).
func normalizeString(s string, fold bool) string {
	s = norm.NFKC.String(s)
	if fold {
		s = cases.Fold().String(s)
	}
	var b strings.Builder
	for _, c := range s {
		if c = arabicLetter(c); c < 0 {
			continue
		}
		if unicode.Is(unicode.Arabic, c) && !unicode.Is(unicode.M, c) {
			b.WriteRune(c)
			continue
		}
		for _, d := range norm.NFD.String(string(c)) {
			if !ignorable(d) {
				b.WriteRune(d)
			}
		}
	}
	return norm.NFC.String(b.String())
}

// ignorable reports whether c is removed without separating tokens:
// combining marks (Mn, Mc, Me) and format characters (Cf: soft hyphen,
// zero-width joiners, directional marks), which Unicode's word boundary rules
// (UAX #29, WB4) also treat as part of the word around them.
func ignorable(c rune) bool {
	return unicode.Is(unicode.M, c) || unicode.Is(unicode.Cf, c)
}

// arabicLetter is step 3: it maps Arabic letter variants to one form, or
// returns -1 for tatweel (whose Unicode script is Common), which is removed.
func arabicLetter(c rune) rune {
	switch c {
	case 'ـ': // U+0640 tatweel
		return -1
	case 'أ', 'إ', 'آ', 'ٱ':
		return 'ا'
	case 'ى':
		return 'ي'
	case 'ة':
		return 'ه'
	}
	return c
}

// isTokenRune reports whether c belongs to tokens (Unicode letters and digits).
func isTokenRune(c rune) bool {
	return unicode.IsLetter(c) || unicode.IsNumber(c)
}

func classify(s string) runeClass {
	if s == "" {
		return classIgnore
	}
	var word, sep bool
	for _, c := range s {
		if isTokenRune(c) {
			word = true
		} else {
			sep = true
		}
	}
	switch {
	case word && sep:
		return classMixed
	case word:
		return classWord
	}
	return classSep
}

// spaceSeparators replaces every separator in s with one ' '.
func spaceSeparators(s string) string {
	return strings.Map(func(c rune) rune {
		if isTokenRune(c) {
			return c
		}
		return ' '
	}, s)
}

func onlyTokenRunes(s string) string {
	return strings.Map(func(c rune) rune {
		if isTokenRune(c) {
			return c
		}
		return -1
	}, s)
}
