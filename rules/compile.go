package rules

// termRef is one position of a term as the matcher looks it up: a word or a
// prefix, folded or cased. Equal termRefs are shared within a dictionary.
type termRef struct {
	text   string
	prefix bool
	cased  bool
	id     int32 // index in dictionary.terms
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
		m := &near{left: compileTerms(n.left, d), right: compileTerms(n.right, d), dist: int32(n.dist), ordered: n.ordered}
		for _, t := range m.left {
			m.leftLen = max(m.leftLen, int32(len(t.elems)))
		}
		return m
	case *termNode:
		return compileTerm(n, d)
	case *regexpNode:
		return &regexpMatch{fields: n.field.mask(), re: n.re, literals: requiredLiterals(n.src)}
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
	t.first = t.elems[0].id
	return t
}

// compileQuery compiles a query on its own, for matching without an index.
func compileQuery(q *Query) matcher {
	return compile(q.root, newDictionary())
}
