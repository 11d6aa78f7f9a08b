package story

import (
	"unicode"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
)

// Event evidence that needs no lexicon. The lexicon names the places and
// bodies of the region that the corpus it was grown on named; news it
// never saw names others (a village, a district, a camp), and a place the
// lexicon lacks gave no evidence at all. How a report names a place is a
// matter of the language, not of the lexicon: a word that says a place
// follows ("the village of", "بلدة", "בכפר"), or, in English, a name
// written with a capital after "in", "near" or "outside". Two reports
// that each name such places and share none report two events, as two
// reports naming two towns of the lexicon do. Likewise a number and the
// noun it counts ("300 prisoners", "eight vessels") is a figure of that
// noun whatever the noun: "300 prisoners" and "250 prisoners" are two
// events, as "3 killed" and "5 killed" are. And a title that says no
// ("Baku: no decision yet") reports a reaction, as the lexicon's denials
// do, not the event it answers.

// The facts of this evidence (see fact).
const (
	// factNamedPlace: a place named by the way the text names it (see
	// namedPlaces); qualifier the script of the name, plus titleNamed for
	// a title's; value the entry of a town or city of the lexicon, else
	// 1<<19 and a hash of the name.
	factNamedPlace factKind = 14
	// factCount: a number and the noun after it; qualifier a hash of the
	// noun (1–255), value more of the hash and the number (see
	// countValue).
	factCount factKind = 15
	// factNumber: a number the text writes, whatever it counts; value the
	// number (see figureValue). Digits, and the number words of the
	// lexicon, are the one thing all three languages write alike: "410,000
	// Syrians" and "410 آلاف سوري" name one figure though no lexicon entry
	// links their nouns. It links reports across languages (byFacts) and
	// never vetoes: one report may give a figure another leaves out.
	factNumber factKind = 13
)

// The words after which a text names a place, by script:
// in English, locative prepositions (the name must be capitalised) and
// the nouns of settlements ("the village of Aitaroun"); in Arabic and
// Hebrew, where names have no capitals, only the nouns of settlements
// (بلدة عيترون, הכפר עיתרון), with their attached prefixes.
var (
	latinPlaceCues = map[string]bool{"in": true, "near": true, "outside": true, "at": true}
	latinPlaceNoun = map[string]bool{"town": true, "village": true, "city": true, "camp": true,
		"district": true, "neighbourhood": true, "neighborhood": true, "suburb": true, "municipality": true}
	semiticPlaceNoun = analysedSet(
		// Arabic: town, village, city, camp, quarter, district, the towns of.
		"بلدة", "قرية", "مدينة", "مخيم", "حي", "قضاء", "بلدات",
		"ببلدة", "بقرية", "بمدينة", "بمخيم", "بحي",
		"وبلدة", "وقرية", "ومدينة", "ومخيم", "لبلدة", "لمدينة",
		"البلدة", "القرية", "المدينة", "المخيم",
		// Hebrew: village, town, city, camp, neighbourhood, settlement.
		"כפר", "הכפר", "בכפר", "לכפר", "מהכפר",
		"עיירה", "העיירה", "בעיירה", "לעיירה",
		"בעיר", "העיר", "לעיר",
		"מחנה", "במחנה", "שכונת", "בשכונת",
		"יישוב", "היישוב", "ביישוב", "ליישוב",
		// Near, towards: قرب جباليا, باتجاه جازان, ליד ג'נין.
		"قرب", "باتجاه", "ליד", "בסמוך",
	)
	// latinSkip are words between a cue and the name: "in the", "near the
	// southern town of".
	latinSkip = map[string]bool{"the": true, "north": true, "south": true, "east": true, "west": true,
		"northern": true, "southern": true, "eastern": true, "western": true, "central": true,
		"of": true, "town": true, "village": true, "city": true, "camp": true, "district": true,
		"northeast": true, "northwest": true, "southeast": true, "southwest": true}
	// notNames are capitalised words after "in" or "at" that name no place.
	notNames = map[string]bool{"monday": true, "tuesday": true, "wednesday": true, "thursday": true,
		"friday": true, "saturday": true, "sunday": true, "the": true, "a": true, "an": true,
		"his": true, "her": true, "their": true, "its": true, "this": true, "that": true, "which": true,
		"what": true, "english": true, "arabic": true, "hebrew": true, "talks": true, "response": true,
		"light": true, "order": true, "addition": true, "total": true, "part": true, "particular": true}
	// notCounted are the nouns of a page's furniture that a number counts
	// ("12 comments"): no figure of the event.
	notCounted = analysedSet("comment", "comments", "share", "shares",
		"view", "views", "photo", "photos", "min", "mins", "minute", "minutes",
		"תגובות", "תגובה", "צפיות", "שיתופים", "תמונות", "דקות", "דק",
		"تعليقات", "تعليق", "مشاهدة", "مشاهدات", "صور", "دقائق", "دقيقة")
	// semiticNotNames are words after a settlement noun that are no name:
	// the old city (المدينة القديمة, העיר העתיקה), the capital (העיר
	// הבירה), the feast.
	semiticNotNames = analysedSet("القديمة", "العيد", "בירה", "הבירה", "העתיקה")
)

// namedPlaces adds the places the words of one run of text name by the
// way they are written (see latinPlaceCues, latinPlaceNoun and
// semiticPlaceNoun). cased are the words as written.
// The places a title names are also facts of their own (qualifier
// titleNamed plus the script), as a story's first report says where its
// event was while its later ones may name the places of others.
func (sc *evidenceScratch) namedPlaces(cased []string, title bool) {
	qual := func(name string) uint8 {
		if title {
			return titleNamed + uint8(scriptOf(name))
		}
		return uint8(scriptOf(name))
	}
	l := theLexicon()
	for i := 0; i+1 < len(sc.words); i++ {
		w := sc.words[i]
		r, _ := utf8.DecodeRuneInString(w)
		j := i + 1
		switch {
		case r < utf8.RuneSelf && (latinPlaceCues[w] || latinPlaceNoun[w]):
			if latinPlaceNoun[w] && (j >= len(sc.words) || sc.words[j] != "of") {
				continue
			}
			for j < len(sc.words) && j < i+5 && latinSkip[sc.words[j]] {
				j++
			}
			if j >= len(sc.words) || !capitalised(cased[j]) || notNames[sc.words[j]] {
				continue
			}
			if sc.words[j] == "al" && j+1 < len(sc.words) {
				j++
			}
		case semiticPlaceNoun[w]:
			if semiticNotNames[sc.words[j]] {
				continue
			}
		default:
			continue
		}
		name := sc.words[j]
		if len(name) < 3 || isDigits(name) {
			continue
		}
		// A name of the lexicon: a town or city by its entry (so that its
		// forms agree), a country, region, body, month or person is not a
		// place of this kind.
		if e, n, _ := l.match(sc.words, j); n > 0 {
			switch l.entries[e].kind {
			case kindTown, kindCity:
				sc.addNamed(qual(name), uint32(e), title)
			}
			continue
		}
		sc.addNamed(qual(name), 1<<19|uint32(fmix64(hashString(name)))&(1<<19-1), title)
	}
}

// titleNamed is added to the qualifier of the places a title names.
const titleNamed = 8

// addNamed adds a named place: in a title, both as a place of the title
// and as a place of the report.
func (sc *evidenceScratch) addNamed(qual uint8, value uint32, title bool) {
	sc.facts = append(sc.facts, makeFact(factNamedPlace, qual, value))
	if title {
		sc.facts = append(sc.facts, makeFact(factNamedPlace, qual-titleNamed, value))
	}
}

// counts adds the figures of numbers followed by the noun they count, a
// noun the lexicon does not know as a quantity, unit, month or scale
// ("300 prisoners"): the noun is the qualifier of the figure.
func (sc *evidenceScratch) counts() {
	for i := range sc.marks {
		m := &sc.marks[i]
		if m.entry >= 0 || m.used || m.end >= len(sc.words) || m.value != m.value {
			continue
		}
		if i+1 < len(sc.marks) && sc.marks[i+1].pos == m.end {
			continue // a word of the lexicon follows: the lexicon reads it
		}
		if m.value >= 1900 && m.value <= 2100 && m.value == float64(int(m.value)) {
			continue // a year
		}
		noun := sc.words[m.end]
		if utf8.RuneCountInString(noun) < 3 || isDigits(noun) || notNames[noun] || notCounted[noun] {
			continue
		}
		if r, _ := utf8.DecodeRuneInString(noun); r < utf8.RuneSelf {
			noun = latinStem(noun)
		}
		h := fmix64(hashString(noun))
		sc.facts = append(sc.facts, makeFact(factCount, uint8(1+h%255), countValue(h>>8, m.value)))
	}
}

// numbers adds a factNumber for each number of the run of text that is
// neither a year (1900–2100) nor the day of a date (a factDate already).
func (sc *evidenceScratch) numbers() {
	for i := range sc.marks {
		m := &sc.marks[i]
		if m.entry >= 0 || m.date || m.value != m.value || m.value <= 0 {
			continue
		}
		if m.value >= 1900 && m.value <= 2100 && m.value == float64(int(m.value)) {
			continue
		}
		sc.facts = append(sc.facts, makeFact(factNumber, 0, figureValue(m.value)))
	}
}

// countValue is the value of a count fact: 8 more bits of the noun's hash
// h, so that two nouns are taken for one only once in 65,000 times, and
// the number, itself below 4,096, else a hash of it.
func countValue(h uint64, n float64) uint32 {
	v := uint32(h&0xff) << 12
	if n >= 0 && n < 1<<12 && n == float64(int(n)) {
		return v | uint32(n)
	}
	return v | 1<<11 | uint32(fmix64(uint64(int64(n*1000))))&(1<<11-1)
}

// latinStem is w without a plural ending.
func latinStem(w string) string {
	switch {
	case len(w) > 4 && w[len(w)-3:] == "ies":
		return w[:len(w)-3] + "y"
	case len(w) > 3 && w[len(w)-1] == 's' && w[len(w)-2] != 's':
		return w[:len(w)-1]
	}
	return w
}

// capitalised reports whether a word as written starts with a capital.
func capitalised(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// hashString is FNV-1a of s.
func hashString(s string) uint64 {
	h := uint64(fnvOffset64)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint64(s[i])) * fnvPrime64
	}
	return h
}

// negations are the words by which a title says that something did not
// happen, is not so, or not yet: a report that says so and one that says
// it happened are two reports (a statement and its denial, an
// announcement and "no decision yet"), as the lexicon's reactions are.
// ("didn't" is analysed as "didn" and "t").
var negations = analysedSet("not", "no", "never", "isn", "wasn", "didn", "doesn", "hasn", "haven",
	"לא", "טרם", "אין", "שלא", "ולא",
	"لا", "لم", "لن", "ليس", "ولا", "ولم", "ولن")

// notNegated are the words after "no" that say nothing did not happen
// ("no casualties").
var notNegated = analysedSet("casualties", "injuries", "injured", "damage",
	"إصابات", "اصابات", "נפגעים", "נזק")

// negated reports whether the words of a title (text, analysed as toks)
// say no, outside quotation marks: a quote says what someone said, not
// what happened.
func (sc *evidenceScratch) negated(text string, toks []analysis.Token) bool {
	for i, w := range sc.words {
		if negations[w] && (i+1 >= len(sc.words) || !notNegated[sc.words[i+1]]) && !quoted(text, toks[i].Start) {
			return true
		}
	}
	return false
}

// quoted reports whether offset at of text is within quotation marks: an
// odd number of them before it. A mark between two letters (צה"ל) is none.
func quoted(text string, at int) bool {
	n := 0
	for i, r := range text[:at] {
		switch r {
		case '"', '“', '”', '«', '»', '״':
			before, _ := utf8.DecodeLastRuneInString(text[:i])
			after, _ := utf8.DecodeRuneInString(text[i+utf8.RuneLen(r):])
			if !(unicode.IsLetter(before) && unicode.IsLetter(after)) {
				n++
			}
		}
	}
	return n%2 == 1
}

// analysedSet is the set of words as the text analysis gives them (Arabic
// letter forms normalised, case folded), so that they compare with the
// words of a text.
func analysedSet(words ...string) map[string]bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		for _, t := range analysis.Analyze(w) {
			set[t.Text] = true
		}
	}
	return set
}
