package rules

import (
	"cmp"
	"regexp"
	"slices"
	"strings"

	"github.com/newswatch/newswatch/internal/model"
)

// matcher is a compiled query or part of one, evaluated against a document.
type matcher interface {
	// match reports whether the item matches.
	match(e *evaluation) bool
	// explain records the hits of the positive terms that make it match;
	// it is called only after match returned true.
	explain(e *evaluation)
}

// occurrences finds where terms occur in the document being evaluated.
type occurrences interface {
	// find returns the positions where a token (or, for Arabic and Hebrew,
	// the token without an attached prefix) matches t, in document order.
	find(t *termRef) []pos
}

// evaluation is the state of matching one document.
type evaluation struct {
	doc *document
	occ occurrences
	// sc is occ when it is the Set's scratch, so the hot path can look
	// terms up by id without an interface call; nil otherwise.
	sc   *scratch
	hits []hitAt
	near []span // scratch for near
}

// span is an occurrence of a term: tokens first to last of segment seg.
type span struct {
	seg, first, last int32
}

// hitAt is a model.Hit with the place it was found, for ordering.
type hitAt struct {
	seg   int // segment index; domain and lang hits come after every segment
	start int // byte offset in the segment
	model.Hit
}

const (
	domainSeg = 1 << 30
	langSeg   = domainSeg + 1
)

// explainMatch returns the hits of m, which matched, ordered by field and
// position, without duplicates.
func (e *evaluation) explainMatch(m matcher) []model.Hit {
	e.hits = e.hits[:0]
	m.explain(e)
	slices.SortStableFunc(e.hits, func(a, b hitAt) int {
		if a.seg != b.seg {
			return a.seg - b.seg
		}
		return a.start - b.start
	})
	out := make([]model.Hit, 0, len(e.hits))
	for _, h := range e.hits {
		if !slices.Contains(out, h.Hit) {
			out = append(out, h.Hit)
		}
	}
	return out
}

func (e *evaluation) addHit(s span) {
	seg := &e.doc.segs[s.seg]
	h := hitAt{
		seg:   int(s.seg),
		start: seg.toks[s.first].Start,
		Hit:   model.Hit{Field: seg.field.String(), Text: e.doc.quote(int(s.seg), s.first, s.last)},
	}
	if seg.field == fieldArticle {
		// An article is long: say where in it the term was found.
		h.Quote = sentenceAround(seg.text, seg.toks[s.first].Start, seg.toks[s.last].End)
	}
	e.hits = append(e.hits, h)
}

// allOf matches when every kid does.
type allOf struct{ kids []matcher }

func (m *allOf) match(e *evaluation) bool {
	for _, k := range m.kids {
		if !k.match(e) {
			return false
		}
	}
	return true
}

func (m *allOf) explain(e *evaluation) {
	for _, k := range m.kids {
		k.explain(e)
	}
}

// anyOf matches when a kid does.
type anyOf struct{ kids []matcher }

func (m *anyOf) match(e *evaluation) bool {
	for _, k := range m.kids {
		if k.match(e) {
			return true
		}
	}
	return false
}

func (m *anyOf) explain(e *evaluation) {
	for _, k := range m.kids {
		if k.match(e) {
			k.explain(e)
		}
	}
}

// noneOf matches when its kid does not; it contributes no hits.
type noneOf struct{ kid matcher }

func (m *noneOf) match(e *evaluation) bool { return !m.kid.match(e) }
func (m *noneOf) explain(*evaluation)      {}

// termMatch is a word, prefix or phrase restricted to some fields.
type termMatch struct {
	fields fieldMask
	first  int32 // elems[0].id, kept here to save a memory access
	elems  []*termRef
}

// each calls fn with every occurrence of the term in its fields, in
// document order, until fn returns false.
func (m *termMatch) each(e *evaluation, fn func(span) bool) {
	var ps []pos
	if e.sc != nil {
		ps = e.sc.findID(m.first)
	} else {
		ps = e.occ.find(m.elems[0])
	}
	n := int32(len(m.elems))
	for _, p := range ps {
		if m.fields&(1<<e.doc.segs[p.seg].field) == 0 || !m.restAt(e, p) {
			continue
		}
		if !fn(span{seg: p.seg, first: p.tok, last: p.tok + n - 1}) {
			return
		}
	}
}

// restAt reports whether the elements after the first follow position p.
func (m *termMatch) restAt(e *evaluation, p pos) bool {
	for k := 1; k < len(m.elems); k++ {
		if !containsPos(e.occ.find(m.elems[k]), pos{seg: p.seg, tok: p.tok + int32(k)}) {
			return false
		}
	}
	return true
}

// containsPos reports whether the sorted positions ps contain p.
func containsPos(ps []pos, p pos) bool {
	_, ok := slices.BinarySearchFunc(ps, p, func(a, b pos) int {
		if a.seg != b.seg {
			return int(a.seg - b.seg)
		}
		return int(a.tok - b.tok)
	})
	return ok
}

func (m *termMatch) match(e *evaluation) bool {
	found := false
	m.each(e, func(span) bool {
		found = true
		return false
	})
	return found
}

// explain records the first occurrence in each segment.
func (m *termMatch) explain(e *evaluation) {
	last := int32(-1)
	m.each(e, func(s span) bool {
		if s.seg != last {
			e.addHit(s)
			last = s.seg
		}
		return true
	})
}

// near matches when an occurrence of a left term and one of a right term
// are in the same segment, do not overlap and have at most dist tokens
// between them; when ordered, the left one comes first.
type near struct {
	left, right []*termMatch
	dist        int32
	ordered     bool
	leftLen     int32 // tokens in the longest left alternative
}

// find returns a pair of occurrences that satisfies the operator. The left
// occurrences are put in document order, so that each right occurrence is
// compared only with the left ones within reach: the work grows as
// (L+R)·log L, however often the words occur in a long text.
func (m *near) find(e *evaluation) (l, r span, ok bool) {
	lefts := e.near[:0]
	for _, t := range m.left {
		t.each(e, func(s span) bool {
			lefts = append(lefts, s)
			return true
		})
	}
	e.near = lefts
	if len(lefts) == 0 {
		return span{}, span{}, false
	}
	if len(m.left) > 1 {
		slices.SortFunc(lefts, compareSpans)
	}
	// A left occurrence before r ends at most dist+1 tokens before r
	// starts, so it starts at most dist+leftLen tokens before.
	reach := m.dist + m.leftLen
	for _, t := range m.right {
		t.each(e, func(s span) bool {
			i, _ := slices.BinarySearchFunc(lefts, span{seg: s.seg, first: s.first - reach}, compareSpans)
			for ; i < len(lefts) && lefts[i].seg == s.seg && lefts[i].first <= s.last+m.dist+1; i++ {
				if m.close(lefts[i], s) {
					l, r, ok = lefts[i], s, true
					return false
				}
			}
			return true
		})
		if ok {
			return l, r, true
		}
	}
	return span{}, span{}, false
}

// compareSpans orders spans by segment and first token.
func compareSpans(a, b span) int {
	if a.seg != b.seg {
		return cmp.Compare(a.seg, b.seg)
	}
	return cmp.Compare(a.first, b.first)
}

// close reports whether l and r, in the same segment, are near enough.
func (m *near) close(l, r span) bool {
	switch {
	case l.last < r.first:
		return r.first-l.last-1 <= m.dist
	case r.last < l.first:
		return !m.ordered && l.first-r.last-1 <= m.dist
	}
	return false // they overlap
}

func (m *near) match(e *evaluation) bool {
	_, _, ok := m.find(e)
	return ok
}

func (m *near) explain(e *evaluation) {
	if l, r, ok := m.find(e); ok {
		e.addHit(l)
		e.addHit(r)
	}
}

// regexpMatch matches when re matches the analysed text of a segment of
// one of its fields.
type regexpMatch struct {
	fields fieldMask
	re     *regexp.Regexp
	// literals, when not nil, holds strings one of which every text that
	// re matches contains; texts without any are skipped.
	literals [][]byte
}

// find returns the segment and the tokens the first match covers.
func (m *regexpMatch) find(e *evaluation, from int) (span, int, bool) {
	for i := from; i < len(e.doc.segs); i++ {
		seg := &e.doc.segs[i]
		if m.fields&(1<<seg.field) == 0 || len(seg.toks) == 0 {
			continue
		}
		joined, starts := e.doc.joinedText(i)
		if m.literals != nil && !containsAny(joined, m.literals) {
			continue
		}
		loc := m.re.FindIndex(joined)
		if loc == nil {
			continue
		}
		// The tokens the match touches: the last one starting at or before
		// loc[0] (or the next, if the match starts in the space after it)
		// to the last one starting before loc[1].
		first, _ := slices.BinarySearch(starts, loc[0]+1)
		first--
		if end := starts[first] + len(seg.toks[first].Text); loc[0] >= end && first+1 < len(starts) {
			first++
		}
		last, _ := slices.BinarySearch(starts, max(loc[1], loc[0]+1))
		last = max(last-1, first)
		return span{seg: int32(i), first: int32(first), last: int32(last)}, i, true
	}
	return span{}, 0, false
}

func (m *regexpMatch) match(e *evaluation) bool {
	_, _, ok := m.find(e, 0)
	return ok
}

// explain records the first match in each segment.
func (m *regexpMatch) explain(e *evaluation) {
	for from := 0; ; {
		s, i, ok := m.find(e, from)
		if !ok {
			return
		}
		e.addHit(s)
		from = i + 1
	}
}

// domainMatch matches when the host of the item's link is in a domain.
type domainMatch struct{ host string }

func (m *domainMatch) match(e *evaluation) bool {
	host, _ := e.doc.linkHost()
	return hostInDomain(host, m.host)
}

func (m *domainMatch) explain(e *evaluation) {
	_, raw := e.doc.linkHost()
	e.hits = append(e.hits, hitAt{seg: domainSeg, Hit: model.Hit{Field: fieldDomain.String(), Text: raw}})
}

// langMatch matches when the item's language is in a language range.
type langMatch struct{ tag string }

func (m *langMatch) match(e *evaluation) bool { return langMatches(e.doc.lang, m.tag) }

func (m *langMatch) explain(e *evaluation) {
	lang := e.doc.item.Lang
	if lang == "" {
		lang = e.doc.feed.Lang
	}
	e.hits = append(e.hits, hitAt{seg: langSeg, Hit: model.Hit{Field: fieldLang.String(), Text: strings.TrimSpace(lang)}})
}
