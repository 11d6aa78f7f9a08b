package benchworld

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// corpus writes the text of generated news items in English or Arabic from
// the vocabulary. Names and topics are drawn with a Zipf-like skew, as in
// real news, where a few countries and stories dominate a day: the first
// entries of each list are the most frequent. A corpus is immutable and safe
// for concurrent use; randomness comes from the caller's generator, so that
// an item's text depends only on its seed.
type corpus struct {
	countries, cities, orgs, topics, roles, verbs picker
}

// picker draws indexes into a list of n with probability proportional to
// 1/(k+1)^skew.
type picker struct {
	cum []float64
}

func newPicker(n int, skew float64) picker {
	cum := make([]float64, n)
	total := 0.0
	for k := range n {
		total += 1 / math.Pow(float64(k+1), skew)
		cum[k] = total
	}
	return picker{cum: cum}
}

func (p picker) pick(r *rand.Rand) int {
	x := r.Float64() * p.cum[len(p.cum)-1]
	return sort.SearchFloat64s(p.cum, x)
}

// newCorpus returns the corpus with the given skew: 0 draws uniformly, 1 is
// Zipf's law.
func newCorpus(skew float64) *corpus {
	return &corpus{
		countries: newPicker(len(countries), skew),
		cities:    newPicker(len(cities), skew),
		orgs:      newPicker(len(orgs), skew),
		topics:    newPicker(len(topics), skew),
		roles:     newPicker(len(roles), skew/2),
		verbs:     newPicker(len(verbs), 0),
	}
}

// story is what one item is about: the names its title and its sentences
// mention. Drawing them once per item, as a report sticks to its story,
// keeps long articles from mentioning everything in the vocabulary.
type story struct {
	c1, c2, city, org, topic, topic2, role, verb, day concept
}

// pickOne returns a or, one time in four, b.
func pickOne(r *rand.Rand, a, b concept) concept {
	if r.IntN(4) == 0 {
		return b
	}
	return a
}

// story draws what an item is about.
func (c *corpus) story(r *rand.Rand) story {
	w := story{
		c1:     countries[c.countries.pick(r)],
		city:   cities[c.cities.pick(r)],
		org:    orgs[c.orgs.pick(r)],
		topic:  topics[c.topics.pick(r)],
		topic2: topics[c.topics.pick(r)],
		role:   roles[c.roles.pick(r)],
		verb:   verbs[c.verbs.pick(r)],
		day:    weekdays[r.IntN(len(weekdays))],
	}
	for w.c2 = countries[c.countries.pick(r)]; w.c2 == w.c1; {
		w.c2 = countries[c.countries.pick(r)]
	}
	return w
}

// appendTitle appends a headline of w in lang ("en" or "ar").
func (c *corpus) appendTitle(dst []byte, r *rand.Rand, lang string, w story) []byte {
	start := len(dst)
	if lang == "ar" {
		switch r.IntN(6) {
		case 0:
			dst = cat(dst, w.role.ar, " في ", w.c1.ar, " ", w.verb.ar, " ", w.topic.ar, " مع ", w.c2.ar)
		case 1:
			dst = cat(dst, w.c1.ar, " و", w.c2.ar, ": ", w.topic.ar, " على طاولة البحث في ", w.city.ar)
		case 2:
			dst = cat(dst, w.org.ar, " ", w.verb.ar, " ", w.topic.ar, " في ", w.c1.ar)
		case 3:
			dst = cat(dst, w.city.ar, ": ", w.topic.ar, " يتصدر المحادثات بين ", w.c1.ar, " و", w.c2.ar)
		case 4:
			dst = cat(dst, "ماذا يعني ", w.topic.ar, " بالنسبة إلى ", w.c1.ar, "؟")
		default:
			dst = cat(dst, w.role.ar, " ", w.verb.ar, " ", w.topic.ar, " وسط ", w.topic2.ar)
		}
		return dst
	}
	switch r.IntN(6) {
	case 0:
		dst = cat(dst, w.role.en, " of ", w.c1.en, " ", w.verb.en, " ", w.topic.en, " with ", w.c2.en)
	case 1:
		dst = cat(dst, w.c1.en, " ", w.verb.en, " ", w.topic.en, " as ", w.org.en, " meets in ", w.city.en)
	case 2:
		dst = cat(dst, w.city.en, ": ", w.topic.en, " dominates talks between ", w.c1.en, " and ", w.c2.en)
	case 3:
		dst = cat(dst, w.org.en, " ", w.verb.en, " ", w.topic.en, " in ", w.c1.en)
	case 4:
		dst = cat(dst, "What ", w.topic.en, " means for ", w.c1.en, " and ", w.c2.en)
	default:
		dst = cat(dst, w.c1.en, "'s ", w.role.en, " ", w.verb.en, " ", w.topic.en, " amid ", w.topic2.en)
	}
	return capitalize(dst, start)
}

// appendSentence appends one sentence of a report on w in lang; one in
// named of them mentions names, the others are filler.
func (c *corpus) appendSentence(dst []byte, r *rand.Rand, lang string, w story, named int) []byte {
	if r.IntN(named) != 0 {
		if lang == "ar" {
			return append(dst, fillerAr[r.IntN(len(fillerAr))]...)
		}
		return append(dst, fillerEn[r.IntN(len(fillerEn))]...)
	}
	w.topic, w.topic2 = pickOne(r, w.topic, w.topic2), pickOne(r, w.topic2, w.topic)
	n := strconv.Itoa(r.IntN(5000) + 10)
	if lang == "ar" {
		switch r.IntN(4) {
		case 0:
			return cat(dst, "وقال ", w.role.ar, " في ", w.c1.ar, " يوم ", w.day.ar, " إن ملف ", w.topic.ar,
				" سيبحث مع ", w.c2.ar, " في ", w.city.ar, ".")
		case 1:
			return cat(dst, "وتركز المحادثات التي تستضيفها ", w.c1.ar, " على ", w.topic.ar, " و", w.topic2.ar, ".")
		case 2:
			return cat(dst, "وبحسب ", w.org.ar, "، تضرر ", n, " شخص من ", w.topic.ar, " في ", w.city.ar, ".")
		default:
			return cat(dst, "ويرى محللون أن ", w.topic.ar, " قد يعيد رسم العلاقات بين ", w.c1.ar, " و", w.c2.ar, ".")
		}
	}
	start := len(dst)
	switch r.IntN(4) {
	case 0:
		dst = cat(dst, "the ", w.role.en, " of ", w.c1.en, " said on ", w.day.en, " that ", w.topic.en,
			" would be discussed with ", w.c2.en, " in ", w.city.en, ".")
	case 1:
		dst = cat(dst, "the talks, hosted by ", w.c1.en, ", focus on ", w.topic.en, " and ", w.topic2.en, ".")
	case 2:
		dst = cat(dst, "according to ", w.org.en, ", ", n, " people have been affected by ", w.topic.en,
			" in ", w.city.en, ".")
	default:
		dst = cat(dst, "analysts say ", w.topic.en, " could reshape relations between ", w.c1.en, " and ", w.c2.en, ".")
	}
	return capitalize(dst, start)
}

// appendSummary appends sentences on w: two or three, and more up to
// about budget bytes.
func (c *corpus) appendSummary(dst []byte, r *rand.Rand, lang string, w story, budget int) []byte {
	start, n := len(dst), 2+r.IntN(2)
	for i := 0; i < n || len(dst)-start < budget; i++ {
		if i > 0 {
			dst = append(dst, ' ')
		}
		dst = c.appendSentence(dst, r, lang, w, 2)
	}
	return dst
}

// appendArticle appends HTML paragraphs of three to six sentences until at
// least budget bytes were appended.
func (c *corpus) appendArticle(dst []byte, r *rand.Rand, lang string, w story, budget int) []byte {
	start := len(dst)
	for len(dst)-start < budget {
		dst = append(dst, "<p>"...)
		n := 3 + r.IntN(4)
		for i := range n {
			if i > 0 {
				dst = append(dst, ' ')
			}
			dst = c.appendSentence(dst, r, lang, w, 4)
		}
		dst = append(dst, "</p>\n"...)
	}
	return dst
}

// cat appends every string of parts to dst.
func cat(dst []byte, parts ...string) []byte {
	for _, p := range parts {
		dst = append(dst, p...)
	}
	return dst
}

// capitalize upper-cases the letter at dst[start].
func capitalize(dst []byte, start int) []byte {
	if start >= len(dst) {
		return dst
	}
	r, size := utf8.DecodeRune(dst[start:])
	up := unicode.ToUpper(r)
	if up == r || utf8.RuneLen(up) != size {
		return dst
	}
	utf8.EncodeRune(dst[start:], up)
	return dst
}
