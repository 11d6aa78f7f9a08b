package story

import (
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/newswatch/newswatch/internal/analysis"
)

// Event evidence: what a report says of its event that another report of
// the same event cannot contradict. Sharing rare names says two reports
// are on one topic; naming two different towns, two different death
// tolls, two different rounds of talks, two different dates or two
// different acting bodies says they are two events (Zavarella et al.,
// "Mastering the Media Hype", 2020: deduplicating conflict events needs
// fine-grained places). The words are those of the lexicon (lexicon.tsv),
// and, for places and counts the lexicon lacks, the ways a text names
// them (names.go).
//
// An item's evidence is a sorted set of facts, each a uint32:
//
//	kind (4 bits) | qualifier (8 bits) | value (20 bits)
//
// so that the facts of one kind and qualifier (the towns, the killed) are
// one run of the set.

// factKind is what a fact says.
type factKind uint8

const (
	// factAct: the title names an act that has an opposite (a crossing
	// opens, or closes; sanctions are imposed, or lifted); qualifier the
	// class of the pair, value the act's entry. Two titles that name acts
	// of one pair and none in common report two events.
	factAct factKind = iota
	// factPlace: a place is named; qualifier its lexKind, value its entry.
	factPlace
	// factBody: an acting body is named; value its entry.
	factBody
	// factSubject: an acting body is the first one the title names.
	factSubject
	// factPerson: a person is named; value the entry.
	factPerson
	// factFigure: a figure; qualifier the class of its quantity (killed,
	// wounded, ...), or of its currency plus currencyBase, or
	// amountClass for an amount in no named currency; value the number
	// (see figureValue).
	factFigure
	// factRound: an ordinal of a series (the fourth round); qualifier the
	// series' class, value the ordinal.
	factRound
	// factDate: a day of a month; value month×32 + day.
	factDate
	// factTitlePlace: a town or city named in the title; value its entry.
	factTitlePlace
	// factWide: the report is of an event felt across places (an
	// earthquake, a storm): its places do not disagree with others'.
	factWide
	// factLeadPlace: the first town or city the title names; value its
	// entry. Reports in two languages must agree on it (see byFacts).
	factLeadPlace
	// factReaction: the title reports a reaction to another event (a
	// denial, a rejection, a response).
	factReaction
	// factTitleRound: a round of a series named in the title (see
	// factRound): the round a report is about, where its text may name
	// the rounds before.
	factTitleRound
)

// specific is the qualifier of the places that veto: towns and cities,
// compared as one kind (a report may call the place of a strike by its
// town or by the city nearby, but two reports that name no place in
// common name two places).
const specific = 0

const (
	currencyBase = 64
	ageClass     = 254
	amountClass  = 255
)

func makeFact(k factKind, qual uint8, value uint32) uint32 {
	return uint32(k)<<28 | uint32(qual)<<20 | value&(1<<20-1)
}

func (f fact) kind() factKind { return factKind(f >> 28) }
func (f fact) qual() uint8    { return uint8(f >> 20) }
func (f fact) value() uint32  { return uint32(f) & (1<<20 - 1) }
func (f fact) group() uint32  { return uint32(f) >> 20 }

// fact is one fact of an item's evidence.
type fact uint32

// figureValue is the value of a fact of number n: n itself up to 2^19,
// else a hash of it (facts only compare figures for equality).
func figureValue(n float64) uint32 {
	v := int64(math.Round(n))
	if v >= 0 && v < 1<<19 {
		return uint32(v)
	}
	return 1<<19 | uint32(fmix64(uint64(v)))&(1<<19-1)
}

// evidenceScratch is the working memory of extracting evidence.
type evidenceScratch struct {
	words []string
	cased []string // the words as written
	marks []mark
	facts []uint32
}

// mark is a word, or a run of words, that evidence is read from: a lexicon
// entry or a number.
type mark struct {
	pos, end int   // the words it spans
	entry    int   // the lexicon entry, -1 for a number
	says     uint8 // how many of a quantity its form says (lexForm.says)
	value    float64
	used     bool // a number that says something else (an age, a date)
	date     bool // a number that is the day of a date
}

// evidence appends the facts of a title and a body, each analysed, to the
// scratch's facts, and returns them sorted and distinct.
func (sc *evidenceScratch) evidence(title string, titleToks []analysis.Token, body string, bodyToks []analysis.Token) []uint32 {
	sc.facts = sc.facts[:0]
	sc.segment(title, titleToks, true)
	sc.segment(body, bodyToks, false)
	if len(sc.facts) == 0 {
		return nil
	}
	slices.Sort(sc.facts)
	return slices.Clone(slices.Compact(sc.facts))
}

// segment adds the facts of one run of analysed text.
func (sc *evidenceScratch) segment(text string, toks []analysis.Token, title bool) {
	if len(toks) > maxWords {
		toks = toks[:maxWords]
	}
	l := theLexicon()
	sc.words, sc.cased = sc.words[:0], sc.cased[:0]
	for _, t := range toks {
		sc.words = append(sc.words, t.Text)
		sc.cased = append(sc.cased, t.Cased)
	}
	sc.marks = sc.marks[:0]
	for i := 0; i < len(toks); {
		if isDigits(toks[i].Text) {
			v, n := readNumber(text, toks, i)
			sc.marks = append(sc.marks, mark{pos: i, end: i + n, entry: -1, value: v})
			i += n
			continue
		}
		e, n, says := l.match(sc.words, i)
		if n == 0 {
			i++
			continue
		}
		m := mark{pos: i, end: i + n, entry: int(e), says: says}
		if ent := l.entries[e]; ent.kind == kindNumber {
			m.entry, m.value = -1, ent.value
		}
		sc.marks = append(sc.marks, m)
		i += n
	}
	subject, lead := !title, !title
	for i := range sc.marks {
		m := &sc.marks[i]
		if m.entry < 0 {
			sc.number(i)
			continue
		}
		e := l.entries[m.entry]
		if title && e.kind.isPlace() && l.isReaction(sc.words[m.pos]) {
			// A place written as a reaction is (Hebrew דוחה: Doha, and
			// rejects): in a title, read as both.
			sc.facts = append(sc.facts, makeFact(factReaction, 0, 0))
		}
		switch {
		case e.kind == kindTown || e.kind == kindCity:
			sc.facts = append(sc.facts, makeFact(factPlace, specific, uint32(m.entry)))
			if title {
				sc.facts = append(sc.facts, makeFact(factTitlePlace, specific, uint32(m.entry)))
			}
			if !lead {
				sc.facts = append(sc.facts, makeFact(factLeadPlace, 0, uint32(m.entry)))
				lead = true
			}
			// A capital that is a title's first word stands for its
			// country: "Washington eases sanctions", "London delists".
			if c, ok := l.capitalOf(uint32(m.entry)); ok && !subject && m.pos == 0 {
				sc.facts = append(sc.facts, makeFact(factSubject, 0, c))
				subject = true
			}
		case e.kind.isPlace():
			sc.facts = append(sc.facts, makeFact(factPlace, uint8(e.kind), uint32(m.entry)))
			if e.kind == kindCountry && !subject && m.pos <= countrySubjectPos {
				sc.facts = append(sc.facts, makeFact(factSubject, 0, uint32(m.entry)))
				subject = true
			}
		case e.kind == kindBody:
			sc.facts = append(sc.facts, makeFact(factBody, 0, uint32(m.entry)))
			if !subject {
				sc.facts = append(sc.facts, makeFact(factSubject, 0, uint32(m.entry)))
				subject = true
			}
		case e.kind == kindPerson:
			sc.facts = append(sc.facts, makeFact(factPerson, 0, uint32(m.entry)))
		case e.kind == kindWide:
			sc.facts = append(sc.facts, makeFact(factWide, 0, 0))
		case e.kind == kindReaction && title:
			sc.facts = append(sc.facts, makeFact(factReaction, 0, 0))
		case e.kind == kindAct && title && e.class > 0:
			sc.facts = append(sc.facts, makeFact(factAct, e.class, uint32(m.entry)))
		case e.kind == kindCause && title && sc.decisionAfter(i):
			// "... after the board's vote": the title reports what
			// followed another's act, a reaction to it.
			sc.facts = append(sc.facts, makeFact(factReaction, 0, 0))
		}
	}
	for i := range sc.marks {
		m := &sc.marks[i]
		if m.entry < 0 {
			continue
		}
		e := l.entries[m.entry]
		switch e.kind {
		case kindQuantity:
			if j := sc.nearestNumber(i, 3, func(j int) bool { return sc.nearestQuantity(j, 3) == i }); j >= 0 {
				sc.facts = append(sc.facts, makeFact(factFigure, e.class, figureValue(sc.marks[j].value)))
			} else if m.says > 0 {
				sc.facts = append(sc.facts, makeFact(factFigure, e.class, uint32(m.says)))
			}
		case kindCurrency:
			if j := sc.nearestNumber(i, 2, func(int) bool { return true }); j >= 0 {
				sc.facts = append(sc.facts, makeFact(factFigure, currencyBase+e.class, figureValue(sc.marks[j].value)))
			}
		case kindSeries:
			if v, ok := sc.ordinalNear(i); ok {
				sc.facts = append(sc.facts, makeFact(factRound, e.class, figureValue(v)))
				if title {
					sc.facts = append(sc.facts, makeFact(factTitleRound, e.class, figureValue(v)))
				}
			}
		}
	}
	if title && sc.negated(text, toks) {
		sc.facts = append(sc.facts, makeFact(factReaction, 0, 0))
	}
	sc.namedPlaces(sc.cased, title)
	sc.counts()
	sc.numbers()
}

// causeReach is how many words after a word of cause ("after",
// "following", بعد, בעקבות) a decision may be named for the title to
// report a reaction to it: "after Gaza inquiry vote".
const causeReach = 3

// decisionAfter reports whether a decision of the lexicon (a vote, a
// ruling, a resolution) is named within causeReach words after cause mark
// i, whatever else its words are read as ("vote" also counts votes).
func (sc *evidenceScratch) decisionAfter(i int) bool {
	l := theLexicon()
	for j := sc.marks[i].end; j < len(sc.words) && j < sc.marks[i].end+causeReach; j++ {
		if _, n, _ := l.matchKind(sc.words, j, kindDecision); n > 0 {
			return true
		}
	}
	return false
}

// number reads number mark i: scaled by a scale word after it, and used
// (no figure) when it is an age, a count of a unit, or the day of a date.
func (sc *evidenceScratch) number(i int) {
	l := theLexicon()
	m := &sc.marks[i]
	next := func(k lexKind) bool {
		return i+1 < len(sc.marks) && sc.marks[i+1].entry >= 0 && sc.marks[i+1].pos == m.end &&
			l.entries[sc.marks[i+1].entry].kind == k
	}
	prev := func(k lexKind) bool {
		return i > 0 && sc.marks[i-1].entry >= 0 && sc.marks[i-1].end == m.pos &&
			l.entries[sc.marks[i-1].entry].kind == k
	}
	if next(kindScale) {
		m.value *= l.entries[sc.marks[i+1].entry].value
		m.end = sc.marks[i+1].end
		if i+2 >= len(sc.marks) || sc.marks[i+2].entry < 0 || l.entries[sc.marks[i+2].entry].kind != kindCurrency {
			sc.facts = append(sc.facts, makeFact(factFigure, amountClass, figureValue(m.value)))
		}
		return
	}
	day := m.value >= 1 && m.value <= 31 && m.value == math.Trunc(m.value)
	switch {
	case prev(kindAge):
		m.used = true
		sc.facts = append(sc.facts, makeFact(factFigure, ageClass, figureValue(m.value)))
	case next(kindUnit):
		m.used = true
	case day && next(kindMonth):
		m.used, m.date = true, true
		sc.facts = append(sc.facts, makeFact(factDate, 0, uint32(l.entries[sc.marks[i+1].entry].value)*32+uint32(m.value)))
	case day && prev(kindMonth):
		m.used, m.date = true, true
		sc.facts = append(sc.facts, makeFact(factDate, 0, uint32(l.entries[sc.marks[i-1].entry].value)*32+uint32(m.value)))
	}
}

// nearestNumber returns the number mark nearest to mark i, at most within
// words away, not used otherwise and for which ok holds (a number before
// it wins a tie), or -1.
func (sc *evidenceScratch) nearestNumber(i, within int, ok func(j int) bool) int {
	best, bestGap := -1, within+1
	for j := i - 1; j >= 0; j-- {
		gap := sc.marks[i].pos - sc.marks[j].end + 1
		if gap > within {
			break
		}
		if sc.marks[j].entry < 0 && !sc.marks[j].used && ok(j) {
			best, bestGap = j, gap
			break
		}
	}
	for j := i + 1; j < len(sc.marks); j++ {
		gap := sc.marks[j].pos - sc.marks[i].end + 1
		if gap >= bestGap {
			break
		}
		if sc.marks[j].entry < 0 && !sc.marks[j].used && ok(j) {
			return j
		}
	}
	return best
}

// nearestQuantity returns the quantity mark nearest to number mark j, at
// most within words away (one after it wins a tie: "3 killed"), or -1: a
// number counts what is nearest to it ("3 killed and 5 wounded").
func (sc *evidenceScratch) nearestQuantity(j, within int) int {
	l := theLexicon()
	isQuantity := func(k int) bool { return sc.marks[k].entry >= 0 && l.entries[sc.marks[k].entry].kind == kindQuantity }
	best, bestGap := -1, within+1
	for k := j + 1; k < len(sc.marks); k++ {
		gap := sc.marks[k].pos - sc.marks[j].end + 1
		if gap > within {
			break
		}
		if isQuantity(k) {
			best, bestGap = k, gap
			break
		}
	}
	for k := j - 1; k >= 0; k-- {
		gap := sc.marks[j].pos - sc.marks[k].end + 1
		if gap >= bestGap {
			break
		}
		if isQuantity(k) {
			return k
		}
	}
	return best
}

// ordinalNear returns the value of an ordinal within two words of series
// mark i, or of a number just after it (round 4, הסבב ה-4).
func (sc *evidenceScratch) ordinalNear(i int) (float64, bool) {
	l := theLexicon()
	m := sc.marks[i]
	for j := max(0, i-2); j < min(len(sc.marks), i+3); j++ {
		o := sc.marks[j]
		if j == i || o.pos > m.end+1 || o.end < m.pos-1 {
			continue
		}
		switch {
		case o.entry >= 0 && l.entries[o.entry].kind == kindOrdinal:
			return l.entries[o.entry].value, true
		case o.entry < 0 && j > i && !o.used:
			return o.value, true
		}
	}
	return 0, false
}

// readNumber reads the number written from token i of toks (digits): with
// the groups of three digits after a comma ("1,200") and the decimals
// after a dot ("3.5"). It returns the number and the tokens it took.
func readNumber(text string, toks []analysis.Token, i int) (float64, int) {
	digits := toks[i].Text
	n := 1
	for i+n < len(toks) && toks[i+n].Start == toks[i+n-1].End+1 && text[toks[i+n-1].End] == ',' &&
		len(toks[i+n].Text) == 3 && isDigits(toks[i+n].Text) {
		digits += toks[i+n].Text
		n++
	}
	if i+n < len(toks) && toks[i+n].Start == toks[i+n-1].End+1 && text[toks[i+n-1].End] == '.' && isDigits(toks[i+n].Text) {
		digits += "." + toks[i+n].Text
		n++
	}
	v, err := strconv.ParseFloat(digits, 64)
	if err != nil {
		return math.NaN(), n
	}
	return v, n
}

// Veto is a disagreement between the evidence of two reports that keeps
// them apart: they name different places of one kind, different figures
// for one quantity, different rounds of one series, different dates,
// different acting bodies as their subjects, or opposite acts in their
// titles (one opens what the other closes); or one reports a reaction to
// another's act and the other does not.
type Veto struct {
	// Kind is "place", "place in the title", "killed", "wounded", ...,
	// "amount", "round", "date", "subject", "reaction", "opposite acts", "named place",
	// "named place in the title" or "count".
	Kind string
	// Item and Story are what the item and the story say of it, e.g.
	// "qana" and "aitaroun", "3" and "5".
	Item, Story []string
}

// String returns e.g. "town: qana ≠ aitaroun".
func (v Veto) String() string {
	return v.Kind + ": " + strings.Join(v.Item, ", ") + " ≠ " + strings.Join(v.Story, ", ")
}

// disagree returns the first disagreement of item facts a with story facts
// b (both sorted), if any. A kind of evidence vetoes only when both name
// some of it and they name none in common.
func disagree(a, b []uint32) (Veto, bool) {
	wide := hasKind(a, factWide) || hasKind(b, factWide)
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ga, gb := fact(a[i]).group(), fact(b[j]).group()
		switch {
		case ga < gb:
			i = skipGroup(a, i)
		case gb < ga:
			j = skipGroup(b, j)
		default:
			ie, je := skipGroup(a, i), skipGroup(b, j)
			if vetoes(fact(a[i]), wide) && !agree(a[i:ie], b[j:je]) {
				return describeVeto(a[i:ie], b[j:je]), true
			}
			i, j = ie, je
		}
	}
	// A reaction and what it reacts to.
	if ra, rb := hasKind(a, factReaction), hasKind(b, factReaction); ra != rb {
		v := Veto{Kind: "reaction", Item: []string{"no"}, Story: []string{"yes"}}
		if ra {
			v.Item, v.Story = v.Story, v.Item
		}
		return v, true
	}
	// Subjects: the body the title of one names first is not named at
	// all by the other, and the other way round.
	sa, sb := subjects(a), subjects(b)
	if len(sa) > 0 && len(sb) > 0 && !namesAny(b, sa) && !namesAny(a, sb) {
		v := Veto{Kind: "subject"}
		for _, f := range sa {
			v.Item = append(v.Item, fact(f).describe())
		}
		for _, f := range sb {
			v.Story = append(v.Story, fact(f).describe())
		}
		return v, true
	}
	return Veto{}, false
}

// vetoes reports whether facts of f's group veto a merge when they differ;
// places do not when one of the reports is of an event felt widely.
func vetoes(f fact, wide bool) bool {
	switch f.kind() {
	case factPlace:
		return f.qual() == specific && !wide
	case factTitlePlace, factNamedPlace:
		return !wide
	case factFigure, factRound, factDate, factTitleRound, factCount, factAct:
		return true
	}
	return false
}

// hasKind reports whether the sorted facts fs have a fact of kind k.
func hasKind(fs []uint32, k factKind) bool {
	i, _ := slices.BinarySearch(fs, makeFact(k, 0, 0))
	return i < len(fs) && fact(fs[i]).kind() == k
}

// skipGroup returns the index after the run of facts of fs[i]'s group.
func skipGroup(fs []uint32, i int) int {
	g := fact(fs[i]).group()
	for i < len(fs) && fact(fs[i]).group() == g {
		i++
	}
	return i
}

// agree reports whether two runs of facts of one group agree: they share a
// fact, or, for places, one names a town or city and the other the city it
// lies in.
func agree(a, b []uint32) bool {
	if k := fact(a[0]).kind(); k != factPlace && k != factTitlePlace && k != factLeadPlace && k != factNamedPlace {
		return intersect(a, b)
	}
	l := theLexicon()
	for _, fa := range a {
		pa := fact(fa).value()
		for _, fb := range b {
			pb := fact(fb).value()
			if pa == pb || (l.within(pa, pb) && !namesWithin(b, pb)) || (l.within(pb, pa) && !namesWithin(a, pa)) {
				return true
			}
		}
	}
	return false
}

// isReaction reports whether word w, as written (with no prefix), is a
// form of one word of a reaction.
func (l *lexicon) isReaction(w string) bool {
	for _, f := range l.byFirst[w] {
		if len(f.words) == 1 && l.entries[f.entry].kind == kindReaction {
			return true
		}
	}
	return false
}

// capitalOf returns the entry of the country (or body) city entry e is
// the capital of, and whether it is one.
func (l *lexicon) capitalOf(e uint32) (uint32, bool) {
	if e >= uint32(len(l.entries)) || l.entries[e].kind != kindCity || l.entries[e].within == 0 {
		return 0, false
	}
	c := uint32(l.entries[e].within - 1)
	return c, l.entries[c].kind == kindCountry || l.entries[c].kind == kindBody
}

// within reports whether place entry town lies in place entry city.
func (l *lexicon) within(town, city uint32) bool {
	return town < uint32(len(l.entries)) && uint32(l.entries[town].within) == city+1
}

// namesWithin reports whether the places fs name a town within city: then
// city is only where that town is, and agrees with no other town of it.
func namesWithin(fs []uint32, city uint32) bool {
	l := theLexicon()
	for _, f := range fs {
		if l.within(fact(f).value(), city) {
			return true
		}
	}
	return false
}

// intersect reports whether two sorted sets share an element.
func intersect(a, b []uint32) bool {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		switch {
		case a[i] == b[j]:
			return true
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return false
}

// subjects returns the subject facts of fs.
func subjects(fs []uint32) []uint32 {
	lo, _ := slices.BinarySearch(fs, makeFact(factSubject, 0, 0))
	hi, _ := slices.BinarySearch(fs, makeFact(factSubject+1, 0, 0))
	return fs[lo:hi]
}

// namesAny reports whether fs names the actor of one of subjects: the
// body or country itself, or a body that acts for the same country (see
// actor).
func namesAny(fs, subjects []uint32) bool {
	l := theLexicon()
	lo, _ := slices.BinarySearch(fs, makeFact(factBody, 0, 0))
	hi, _ := slices.BinarySearch(fs, makeFact(factBody+1, 0, 0))
	clo, _ := slices.BinarySearch(fs, makeFact(factPlace, uint8(kindCountry), 0))
	chi, _ := slices.BinarySearch(fs, makeFact(factPlace, uint8(kindCountry)+1, 0))
	for _, s := range subjects {
		a := l.actor(fact(s).value())
		for _, f := range fs[lo:hi] {
			if l.actor(fact(f).value()) == a {
				return true
			}
		}
		for _, f := range fs[clo:chi] {
			if fact(f).value() == a {
				return true
			}
		}
	}
	return false
}

// actor returns the entry of the country body entry e acts for (the
// Israeli army for Israel, the US Treasury for the United States), or e
// itself: a report whose title leads with the army and one whose title
// leads with the country tell what one actor did.
func (l *lexicon) actor(e uint32) uint32 {
	if e < uint32(len(l.entries)) && l.entries[e].kind == kindBody && l.entries[e].within != 0 {
		return uint32(l.entries[e].within - 1)
	}
	return e
}

// countrySubjectPos is the last word of a title at which a country is its
// subject ("US removes ...", "الخزانة الأمريكية ترفع ...", "משלחת ישראלית
// ..."): further on, a country is what the title is about, not who acts.
const countrySubjectPos = 1

// describeVeto describes the disagreement of two runs of facts of one group.
func describeVeto(a, b []uint32) Veto {
	v := Veto{Kind: fact(a[0]).groupName()}
	for _, f := range a {
		v.Item = append(v.Item, fact(f).describe())
	}
	for _, f := range b {
		v.Story = append(v.Story, fact(f).describe())
	}
	return v
}

// groupName names the group of f: its kind of place, its quantity, ...
func (f fact) groupName() string {
	l := theLexicon()
	switch f.kind() {
	case factPlace:
		if f.qual() == specific {
			return "place"
		}
		return lexKind(f.qual()).String()
	case factTitlePlace:
		return "place in the title"
	case factFigure:
		switch q := f.qual(); {
		case q == amountClass:
			return "amount"
		case q == ageClass:
			return "age"
		case q > currencyBase:
			return "amount in " + l.classID(kindCurrency, q-currencyBase)
		default:
			return l.classID(kindQuantity, q)
		}
	case factRound:
		return l.classID(kindSeries, f.qual())
	case factTitleRound:
		return l.classID(kindSeries, f.qual()) + " in the title"
	case factDate:
		return "date"
	case factSubject:
		return "subject"
	case factBody:
		return "body"
	case factPerson:
		return "person"
	case factWide:
		return "wide"
	case factLeadPlace:
		return "first place in the title"
	case factNamedPlace:
		if f.qual() >= titleNamed {
			return "named place in the title"
		}
		return "named place"
	case factCount:
		return "count"
	case factNumber:
		return "number"
	case factReaction:
		return "reaction"
	case factAct:
		return "opposite acts"
	}
	return "fact"
}

// describe names what f says: a place's, body's or person's id, a figure,
// a date as month-day.
func (f fact) describe() string {
	l := theLexicon()
	switch f.kind() {
	case factPlace, factBody, factSubject, factPerson, factTitlePlace, factLeadPlace, factNamedPlace, factAct:
		if int(f.value()) < len(l.entries) {
			return l.entries[f.value()].id
		}
		if f.kind() == factNamedPlace {
			// A place the lexicon lacks is kept by a hash of its name.
			return "unlisted place #" + strconv.FormatUint(uint64(f.value()&(1<<19-1)), 16)
		}
	case factDate:
		return strconv.Itoa(int(f.value()/32)) + "-" + strconv.Itoa(int(f.value()%32))
	case factCount:
		if v := f.value() & (1<<12 - 1); v < 1<<11 {
			return strconv.Itoa(int(v))
		}
		return "#" + strconv.FormatUint(uint64(f.value()), 16)
	case factFigure, factRound, factTitleRound, factNumber:
		if v := f.value(); v < 1<<19 {
			return strconv.Itoa(int(v))
		}
		return "#" + strconv.FormatUint(uint64(f.value()), 16)
	}
	return strconv.FormatUint(uint64(f), 16)
}

// classID returns the id of the entry of kind k with class c.
func (l *lexicon) classID(k lexKind, c uint8) string {
	for _, e := range l.entries {
		if e.kind == k && e.class == c {
			return e.id
		}
	}
	return "?"
}
