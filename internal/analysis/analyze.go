package analysis

import (
	"strings"
	"unicode/utf8"
)

// Token is one word of analysed text.
type Token struct {
	// Text is the analysed form that query terms are compared with: NFKC,
	// case folded, without combining marks, Arabic letters normalized.
	Text string
	// Cased is Text without case folding, for case: terms.
	Cased string
	// Start and End are the byte offsets of the token in the text that was
	// analysed, so text[Start:End] is the word as written.
	Start, End int
}

// Analyze splits text into tokens: maximal runs of letters and digits after
// Unicode NFKC normalization, case folding, removal of combining marks and
// Arabic normalization (docs/rules.md, "How text is analysed"). It does not
// strip HTML; use StripHTML first for HTML text.
func Analyze(text string) []Token {
	var a Analyzer
	return a.Append(nil, text)
}

// Analyzer analyses text as Analyze does, reusing its working memory from
// one call to the next, so that it allocates little more than the strings
// of the tokens. The zero value is ready to use. An Analyzer is not safe
// for concurrent use.
type Analyzer struct {
	fold, cased []byte  // arenas for forms that are not substrings of the text
	pending     []arena // tokens whose forms live in the arenas
}

// arena records where the forms of token toks[i] live in the arenas; a
// negative start means the form is a substring of the analysed text.
type arena struct {
	i                    int
	foldStart, foldEnd   int
	casedStart, casedEnd int
}

// tokenState is the token being built.
type tokenState struct {
	open       bool
	start, end int
	// ascii: every rune so far was an ASCII letter or digit, so the cased
	// form is text[start:end].
	ascii bool
	// upper: an ASCII upper-case letter was seen, so the folded form
	// differs from the text.
	upper bool
	// in arena mode both forms are being written to the arenas from these
	// offsets.
	foldStart, casedStart int
}

// Append appends the tokens of text, those Analyze returns for it, to dst
// and returns the extended slice.
func (a *Analyzer) Append(dst []Token, text string) []Token {
	a.fold, a.cased, a.pending = a.fold[:0], a.cased[:0], a.pending[:0]
	var t tokenState
	for i := 0; i < len(text); {
		c := text[i]
		if c < utf8.RuneSelf {
			switch {
			case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
				a.addASCII(&t, i, c)
			default:
				dst = a.flush(dst, &t, text)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		info := lookupRune(r)
		switch info.class {
		case classSep:
			dst = a.flush(dst, &t, text)
		case classIgnore:
			if t.open {
				a.toArena(&t, text, i)
				t.end = i + size
			}
		case classWord:
			a.toArena(&t, text, i)
			a.fold = append(a.fold, info.fold...)
			a.cased = append(a.cased, info.cased...)
			t.end = i + size
		case classMixed:
			dst = a.addMixed(dst, &t, text, i, size, info)
		}
		i += size
	}
	dst = a.flush(dst, &t, text)
	a.resolve(dst)
	return dst
}

// addASCII adds the ASCII letter or digit c at text[i] to the current token.
func (a *Analyzer) addASCII(t *tokenState, i int, c byte) {
	if !t.open {
		*t = tokenState{open: true, start: i, ascii: true}
	}
	t.end = i + 1
	isUpper := 'A' <= c && c <= 'Z'
	if t.ascii {
		t.upper = t.upper || isUpper
		return
	}
	a.cased = append(a.cased, c)
	if isUpper {
		c += 'a' - 'A'
	}
	a.fold = append(a.fold, c)
}

// toArena starts a token at text[i] if none is open and makes sure the
// current token writes its forms to the arenas.
func (a *Analyzer) toArena(t *tokenState, text string, i int) {
	if !t.open {
		*t = tokenState{open: true, start: i, foldStart: len(a.fold), casedStart: len(a.cased)}
		return
	}
	if !t.ascii {
		return
	}
	t.ascii = false
	t.foldStart, t.casedStart = len(a.fold), len(a.cased)
	prefix := text[t.start:t.end]
	a.cased = append(a.cased, prefix...)
	for j := 0; j < len(prefix); j++ {
		c := prefix[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		a.fold = append(a.fold, c)
	}
}

// addMixed handles a code point that normalizes to several tokens or parts
// of tokens, such as '½' → "1⁄2".
func (a *Analyzer) addMixed(dst []Token, t *tokenState, text string, i, size int, info *runeInfo) []Token {
	fold, cased := info.fold, info.cased
	for {
		fpart, frest, fmore := strings.Cut(fold, " ")
		cpart, crest, _ := strings.Cut(cased, " ")
		if fpart != "" {
			a.toArena(t, text, i)
			a.fold = append(a.fold, fpart...)
			a.cased = append(a.cased, cpart...)
			t.end = i + size
		}
		if !fmore {
			return dst
		}
		dst = a.flush(dst, t, text)
		fold, cased = frest, crest
	}
}

// flush closes the current token, if any, and appends it to dst.
func (a *Analyzer) flush(dst []Token, t *tokenState, text string) []Token {
	if !t.open {
		return dst
	}
	tok := Token{Start: t.start, End: t.end}
	switch {
	case t.ascii && !t.upper:
		tok.Text = text[t.start:t.end]
		tok.Cased = tok.Text
	case t.ascii:
		tok.Cased = text[t.start:t.end]
		start := len(a.fold)
		for j := t.start; j < t.end; j++ {
			c := text[j]
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			a.fold = append(a.fold, c)
		}
		a.pending = append(a.pending, arena{i: len(dst), foldStart: start, foldEnd: len(a.fold), casedStart: -1})
	default:
		a.pending = append(a.pending, arena{i: len(dst),
			foldStart: t.foldStart, foldEnd: len(a.fold),
			casedStart: t.casedStart, casedEnd: len(a.cased)})
	}
	*t = tokenState{}
	return append(dst, tok)
}

// resolve gives the tokens whose forms were written to the arenas (toks[p.i]
// for each pending p) their strings, converting each arena to a string once.
func (a *Analyzer) resolve(toks []Token) {
	if len(a.pending) == 0 {
		return
	}
	fold := string(a.fold)
	var cased string
	if len(a.cased) > 0 {
		cased = string(a.cased)
	}
	for _, p := range a.pending {
		tok := &toks[p.i]
		tok.Text = fold[p.foldStart:p.foldEnd]
		if p.casedStart >= 0 {
			tok.Cased = cased[p.casedStart:p.casedEnd]
		}
	}
}
