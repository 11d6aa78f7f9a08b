package rules

import (
	"slices"
	"strings"
	"sync"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/model"
)

// Compiled is a rule with its parsed query.
type Compiled struct {
	Rule  *Rule
	Query *Query
}

// Set is a compiled set of rules that matches items. It is immutable and
// safe for concurrent use.
type Set struct {
	rules  []*Rule // enabled rules, sorted by name
	progs  []matcher
	byName map[string]*Rule
	// code holds the flat programs of all rules; rule i starts at
	// starts[i].
	code   program
	starts []int32

	dict *dictionary
	// postings maps a term id to the rules (indexes in rules) that list
	// the term in their first requirement.
	postings [][]int32
	// The terms of rule r's second requirement, if it has one, are
	// second[secondAt[r]:secondAt[r+1]]; a candidate must meet both.
	second   []int32
	secondAt []int32
	// always lists the rules without a requirement.
	always []int32

	// positive lists, by the id of a term's first element, the positive
	// uses of the term in the rules' queries, and positiveRegexps the
	// positive regexps: what Shares looks for.
	positive        [][]positiveTerm
	positiveRegexps []positiveRegexp

	scratch sync.Pool // *scratch
}

// NewSet compiles rules into a Set. Disabled rules, and entries without a
// Rule or a Query, are left out. Rules are kept sorted by name; if two have
// the same name (loading reports that as an error), the first one wins.
func NewSet(rules []Compiled) *Set {
	s := &Set{byName: map[string]*Rule{}, dict: newDictionary()}
	var enabled []Compiled
	for _, c := range rules {
		if c.Rule == nil || c.Query == nil || !c.Rule.Enabled {
			continue
		}
		if _, dup := s.byName[c.Rule.Name]; dup {
			continue
		}
		s.byName[c.Rule.Name] = c.Rule
		enabled = append(enabled, c)
	}
	slices.SortStableFunc(enabled, func(a, b Compiled) int { return strings.Compare(a.Rule.Name, b.Rule.Name) })
	var reqs [][]requirement
	for i, c := range enabled {
		m := compile(c.Query.root, s.dict)
		s.rules = append(s.rules, c.Rule)
		s.progs = append(s.progs, m)
		s.starts = append(s.starts, int32(len(s.code)))
		s.code = appendProgram(s.code, m)
		s.indexPositives(int32(i), m)
		rs := requirements(m)
		reqs = append(reqs, rs)
		s.secondAt = append(s.secondAt, int32(len(s.second)))
		if len(rs) > 1 {
			for _, t := range rs[1].terms {
				s.second = append(s.second, t.id)
			}
		}
		if len(rs) == 0 {
			s.always = append(s.always, int32(i))
		}
	}
	s.secondAt = append(s.secondAt, int32(len(s.second)))
	s.postings = make([][]int32, len(s.dict.terms))
	for i, rs := range reqs {
		if len(rs) == 0 {
			continue
		}
		for _, t := range rs[0].terms {
			if p := s.postings[t.id]; len(p) == 0 || p[len(p)-1] != int32(i) {
				s.postings[t.id] = append(p, int32(i))
			}
		}
	}
	s.dict.byKey = nil // only needed while compiling
	return s
}

// Rules returns the enabled rules, sorted by name.
func (s *Set) Rules() []*Rule { return slices.Clone(s.rules) }

// Rule returns the enabled rule called name, or nil.
func (s *Set) Rule(name string) *Rule { return s.byName[name] }

// Match returns the rules that match it, an item of feed f, sorted by rule
// name, each with the hits that explain it. A rule only sees items of the
// feeds its Feeds selectors admit; f may be nil for an item of no known
// feed, which only rules without selectors see. The feed's name is the
// item's feed: field, and its language stands in for an item without
// one. The item is analysed once; its tokens select the candidate rules
// through the term index, and only those are evaluated.
func (s *Set) Match(it *model.Item, f *model.Feed) []Match { return s.match(it, f, nil) }

// MatchVisit is Match that also hands visit the item's title and summary
// as Match analysed them, for a caller that needs them analysed too
// (clustering) and need not analyse them again: title is it.Title and
// summary is analysis.StripHTML(it.Summary), each with the tokens
// analysis.Analyze returns for it (none for an empty text). visit is
// called once, before MatchVisit returns, even when the set has no rules.
// The token slices are reused once visit returns; the strings in them may
// be kept.
func (s *Set) MatchVisit(it *model.Item, f *model.Feed, visit func(title string, titleToks []analysis.Token, summary string, summaryToks []analysis.Token)) []Match {
	return s.match(it, f, visit)
}

// noFeed is the feed of an item of no known feed: no name, URL, tags or
// language. It is never written.
var noFeed model.Feed

// match is Match, and MatchVisit when visit is not nil.
func (s *Set) match(it *model.Item, f *model.Feed, visit func(title string, titleToks []analysis.Token, summary string, summaryToks []analysis.Token)) []Match {
	if len(s.rules) == 0 && visit == nil {
		return nil
	}
	if f == nil {
		f = &noFeed
	}
	sc, _ := s.scratch.Get().(*scratch)
	if sc == nil {
		sc = newScratch(s)
	}
	defer func() {
		sc.doc.release()
		s.scratch.Put(sc)
	}()
	sc.doc.load(it, f, &sc.an)
	if visit != nil {
		sc.doc.visitTitleSummary(visit)
		if len(s.rules) == 0 {
			return nil
		}
	}
	sc.collect(s)
	e := &sc.eval
	*e = evaluation{doc: &sc.doc, occ: sc, sc: sc, hits: e.hits[:0], near: e.near[:0]}
	var out []Match
	for _, i := range sc.cands {
		if !s.code.run(s.starts[i], sc, e) {
			continue
		}
		if r := s.rules[i]; selectsFeed(r.Feeds, f) {
			out = append(out, Match{Rule: r, Hits: e.explainMatch(s.progs[i])})
		}
	}
	return out
}

// matchQuery evaluates one query against an item without an index, by
// scanning the item's tokens for each term. Set.Match must give the same
// answers; the tests hold it to that.
func matchQuery(q *Query, it *model.Item, f *model.Feed) ([]model.Hit, bool) {
	if f == nil {
		f = &noFeed
	}
	var doc document
	var an analysis.Analyzer
	doc.load(it, f, &an)
	m := compileQuery(q)
	e := &evaluation{doc: &doc, occ: &scan{doc: &doc, found: map[*termRef][]pos{}}}
	if !m.match(e) {
		return nil, false
	}
	return e.explainMatch(m), true
}

// scan finds term occurrences by looking at every token.
type scan struct {
	doc   *document
	found map[*termRef][]pos
}

func (s *scan) find(t *termRef) []pos {
	if ps, ok := s.found[t]; ok {
		return ps
	}
	var ps []pos
	var forms []string
	for si, seg := range s.doc.segs {
		for ti, tok := range seg.toks {
			text := tok.Text
			if t.cased {
				text = tok.Cased
			}
			forms = analysis.Forms(forms[:0], text)
			for _, f := range forms {
				if f == t.text || t.prefix && strings.HasPrefix(f, t.text) {
					ps = append(ps, pos{seg: int32(si), tok: int32(ti)})
					break
				}
			}
		}
	}
	s.found[t] = ps
	return ps
}
