package rules

import "unicode/utf8"

// termRef is one position of a term as the matcher looks it up: a word or a
// prefix, folded or cased. Equal termRefs are shared within a dictionary.
type termRef struct {
	text   string
	prefix bool
	cased  bool
	id     int32 // index in dictionary.terms
}

// termKey identifies a termRef in a dictionary.
type termKey struct {
	text          string
	prefix, cased bool
}

// dictionary holds every distinct term of a set of queries, arranged for
// lookup by item token: exact words in maps, prefixes in buckets keyed by
// their first three characters, so a token is compared only with the
// prefixes that share its first three characters.
type dictionary struct {
	terms []*termRef
	byKey map[termKey]*termRef

	words, casedWords       map[string]int32
	prefixes, casedPrefixes map[string][]*termRef
	// shortPrefixes holds prefixes of fewer than three characters, which
	// only case: terms can produce ("case:aß*" is "ass*" folded but "aß"
	// cased); they are compared with every token.
	shortPrefixes []*termRef
	hasCased      bool
}

func newDictionary() *dictionary {
	return &dictionary{
		byKey:         map[termKey]*termRef{},
		words:         map[string]int32{},
		casedWords:    map[string]int32{},
		prefixes:      map[string][]*termRef{},
		casedPrefixes: map[string][]*termRef{},
	}
}

// intern returns the dictionary's termRef for e.
func (d *dictionary) intern(e elem, cased bool) *termRef {
	k := termKey{text: e.text, prefix: e.prefix, cased: cased}
	if t, ok := d.byKey[k]; ok {
		return t
	}
	t := &termRef{text: e.text, prefix: e.prefix, cased: cased, id: int32(len(d.terms))}
	d.terms = append(d.terms, t)
	d.byKey[k] = t
	d.hasCased = d.hasCased || cased
	switch key, ok := prefixKey(t.text); {
	case !t.prefix && !cased:
		d.words[t.text] = t.id
	case !t.prefix:
		d.casedWords[t.text] = t.id
	case !ok:
		d.shortPrefixes = append(d.shortPrefixes, t)
	case cased:
		d.casedPrefixes[key] = append(d.casedPrefixes[key], t)
	default:
		d.prefixes[key] = append(d.prefixes[key], t)
	}
	return t
}

// prefixKey returns the first three characters of s, and false if s is
// shorter.
func prefixKey(s string) (string, bool) {
	if len(s) >= 3 && s[0] < utf8.RuneSelf && s[1] < utf8.RuneSelf && s[2] < utf8.RuneSelf {
		return s[:3], true
	}
	n := 0
	for i := range s {
		if n == 3 {
			return s[:i], true
		}
		n++
	}
	return s, n == 3
}

// compile turns a parsed query into a matcher whose terms are interned in
// d.
func compile(n node, d *dictionary) matcher {
	switch n := n.(type) {
	case *orNode:
		return &anyOf{kids: compileAll(n.kids, d)}
	case *andNode:
		return &allOf{kids: compileAll(n.kids, d)}
	case *notNode:
		return &noneOf{kid: compile(n.kid, d)}
	case *nearNode:
		return &near{left: compileTerms(n.left, d), right: compileTerms(n.right, d), dist: int32(n.dist), ordered: n.ordered}
	case *termNode:
		return compileTerm(n, d)
	case *regexpNode:
		return &regexpMatch{fields: n.field.mask(), re: n.re}
	case *domainNode:
		return &domainMatch{host: n.host}
	case *langNode:
		return &langMatch{tag: n.tag}
	}
	panic("rules: unknown query node")
}

func compileAll(nodes []node, d *dictionary) []matcher {
	out := make([]matcher, len(nodes))
	for i, n := range nodes {
		out[i] = compile(n, d)
	}
	return out
}

func compileTerms(terms []*termNode, d *dictionary) []*termMatch {
	out := make([]*termMatch, len(terms))
	for i, t := range terms {
		out[i] = compileTerm(t, d)
	}
	return out
}

func compileTerm(n *termNode, d *dictionary) *termMatch {
	t := &termMatch{fields: n.field.mask(), elems: make([]*termRef, len(n.elems))}
	for i, e := range n.elems {
		t.elems[i] = d.intern(e, n.cased)
	}
	return t
}

// compileQuery compiles a query on its own, for matching without an index.
func compileQuery(q *Query) matcher {
	return compile(q.root, newDictionary())
}
