package rules

import "github.com/newswatch/newswatch/internal/model"

// A feed with article = "candidates" fetches the page of an item only when
// what the feed gave already shares something with a rule that watches the
// feed: a positive term of its query (a word, a prefix, a whole phrase, an
// operand of NEAR or PRE, or a regexp), in any field scope, found in the
// item's title, summary or content. The rule need not match: the article
// may hold the rest. Terms under NOT do not count (an item that only
// shares what a rule excludes cannot match through its article), nor do
// domain: and lang:, which say nothing of what the item is about.
//
// The term index answers this as it selects candidate rules: the item's
// tokens are looked up in the Set's dictionary once, and each term found
// leads to the positive uses of it (positive, below) whose rule watches
// the feed.

// positiveTerm is a positive term of rule (an index in Set.rules).
type positiveTerm struct {
	rule int32
	m    *termMatch
}

// positiveRegexp is a positive regexp of rule.
type positiveRegexp struct {
	rule int32
	m    *regexpMatch
}

// teaserFields are the fields Shares looks in: what the feed gave.
const teaserFields fieldMask = 1<<fieldTitle | 1<<fieldSummary | 1<<fieldContent

// indexPositives records the positive terms and regexps of rule i, whose
// compiled query is m, in s.positive (by the id of a term's first element)
// and s.positiveRegexps.
func (s *Set) indexPositives(i int32, m matcher) {
	eachPositive(m, false, func(t *termMatch) {
		for len(s.positive) <= int(t.first) {
			s.positive = append(s.positive, nil)
		}
		s.positive[t.first] = append(s.positive[t.first], positiveTerm{rule: i, m: t})
	}, func(r *regexpMatch) {
		s.positiveRegexps = append(s.positiveRegexps, positiveRegexp{rule: i, m: r})
	})
}

// eachPositive calls term and regexp for every term and regexp of m that
// counts for a match rather than against it (under an even number of
// NOTs); neg is whether m itself is under an odd number.
func eachPositive(m matcher, neg bool, term func(*termMatch), regexp func(*regexpMatch)) {
	switch m := m.(type) {
	case *allOf:
		for _, k := range m.kids {
			eachPositive(k, neg, term, regexp)
		}
	case *anyOf:
		for _, k := range m.kids {
			eachPositive(k, neg, term, regexp)
		}
	case *noneOf:
		eachPositive(m.kid, !neg, term, regexp)
	case *near:
		if !neg {
			for _, t := range m.left {
				term(t)
			}
			for _, t := range m.right {
				term(t)
			}
		}
	case *termMatch:
		if !neg {
			term(m)
		}
	case *regexpMatch:
		if !neg {
			regexp(m)
		}
	}
}

// Shares reports whether the title, summary or content of it, an item of
// feed f, holds a positive term of some rule that watches f (see above):
// whether its article could make a rule match that its text alone may not.
// It is how a feed with article = "candidates" decides which pages to
// fetch. f may be nil, as for Match.
func (s *Set) Shares(it *model.Item, f *model.Feed) bool {
	if len(s.rules) == 0 {
		return false
	}
	if f == nil {
		f = &noFeed
	}
	teaser := *it
	teaser.Article, teaser.Author, teaser.Categories = "", "", nil
	sc, _ := s.scratch.Get().(*scratch)
	if sc == nil {
		sc = newScratch(s)
	}
	defer func() {
		sc.doc.release()
		s.scratch.Put(sc)
	}()
	sc.doc.load(&teaser, f, &sc.an)
	sc.collect(s)
	e := &sc.eval
	*e = evaluation{doc: &sc.doc, occ: sc, sc: sc, hits: e.hits[:0], near: e.near[:0]}
	for _, id := range sc.found {
		if int(id) >= len(s.positive) {
			continue
		}
		for _, p := range s.positive[id] {
			if s.watches(p.rule, f) && occursIn(e, p.m, teaserFields) {
				return true
			}
		}
	}
	for _, p := range s.positiveRegexps {
		if !s.watches(p.rule, f) {
			continue
		}
		m := *p.m
		m.fields = teaserFields
		if m.match(e) {
			return true
		}
	}
	return false
}

// watches reports whether rule i sees the items of feed f.
func (s *Set) watches(i int32, f *model.Feed) bool { return selectsFeed(s.rules[i].Feeds, f) }

// occursIn reports whether term m occurs whole in a segment of fields,
// whatever fields m itself is scoped to.
func occursIn(e *evaluation, m *termMatch, fields fieldMask) bool {
	for _, p := range e.sc.findID(m.first) {
		if fields&(1<<e.doc.segs[p.seg].field) != 0 && m.restAt(e, p) {
			return true
		}
	}
	return false
}
