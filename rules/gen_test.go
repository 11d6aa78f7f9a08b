package rules

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/model"
)

// This file generates rules and items of realistic shape for the
// differential test and the benchmarks: rules watch people, places and
// organisations (a long tail of names, as in a monitoring service with many
// users) in connection with topics; items are news texts that mention a few
// of them among common words.

var (
	firstNames = strings.Fields(`ahmed mohammed ali omar hassan khalid yousef ibrahim mahmoud tariq
		benjamin yair naftali benny gideon avigdor itamar bezalel isaac yoav
		donald joe antony kamala marco jake lloyd william john emmanuel olaf keir rishi
		abdel fattah recep tayyip masoud ali-reza ebrahim hakan nabih walid najib
		fatima layla noura rania sara miriam tzipi ayelet orly golda`)
	lastNames = strings.Fields(`netanyahu lapid bennett gantz saar lieberman ben-gvir smotrich herzog gallant
		al-sharaa al-assad mikati berri jumblatt aoun salam nasrallah qassem haniyeh sinwar
		abbas mustafa shtayyeh dahlan erdogan fidan pezeshkian araghchi raisi khamenei
		biden trump blinken harris rubio sullivan austin burns witkoff kushner macron scholz starmer sunak
		sisi shoukry abdelatty safadi bin-salman bin-farhan al-thani bin-zayed al-sudani barzani`)
	places = strings.Fields(`syria israel damascus gaza beirut lebanon jordan amman egypt cairo riyadh
		saudi tehran iran iraq baghdad yemen sanaa qatar doha abu-dhabi dubai oman muscat bahrain manama
		kuwait ankara turkey istanbul golan hebron jenin nablus ramallah rafah khan-younis aleppo homs
		idlib latakia tartus deir-ez-zor raqqa quneitra daraa sweida tyre sidon tripoli benghazi
		washington moscow brussels paris london berlin geneva vienna kyiv ukraine sudan khartoum`)
	orgs = strings.Fields(`hamas hezbollah idf un unrwa nato opec iaea icc icj irgc houthis fatah pij
		sdf hts isis mossad shin-bet cia pentagon kremlin knesset eu arab-league gcc who wfp unicef`)
	topics = strings.Fields(`ceasefire normalization normalisation sanctions elections protests earthquake
		drought talks negotiations hostages airstrike missile drone summit treaty accords embargo
		refugees aid famine cholera blockade annexation settlements tariffs oil gas pipeline nuclear
		enrichment inspection reconstruction investment election referendum coup`)
	commonWords = strings.Fields(`the a of to in and on for with at by from said says that this was
		were is are will would could officials minister government president state security forces
		people city region country week day year month report reports told news agency according
		statement spokesman new first last two three after before during since while under over
		about against between among military political economic international local national
		meeting visit talks plan deal support attack killed wounded police border crisis
		pressure response warning calls announced confirmed denied expected held met called
		leaders sources office ministry foreign defence interior officials residents witnesses`)
	arabicNames = strings.Fields(`سوريا إسرائيل دمشق غزة بيروت لبنان الأردن مصر القاهرة الرياض السعودية
		طهران إيران العراق بغداد اليمن قطر الدوحة حماس حزب الله تطبيع اتفاقيات إبراهيم نتنياهو
		الشرع الأسد ترامب أردوغان السيسي مفاوضات هدنة عقوبات انتخابات`)
	arabicWords = strings.Fields(`قال قالت وزير الحكومة الرئيس اليوم أمس في من إلى على عن مع بعد قبل
		خلال مصادر مسؤول مسؤولون بيان وكالة أنباء الأمن القوات المنطقة البلاد الأسبوع الماضي`)
	hebrewNames = strings.Fields(`סוריה ישראל דמשק עזה ביירות לבנון ירדן מצרים קהיר ריאד סעודיה
		טהרן איראן עיראק חמאס חיזבאללה נורמליזציה הסכמי אברהם נתניהו טראמפ ארדואן מגעים הפסקת אש`)
	hebrewWords = strings.Fields(`אמר אמרה שר הממשלה הנשיא היום אתמול על עם אחרי לפני מקורות
		גורם הודעה סוכנות ביטחון כוחות אזור השבוע`)
	arabicPrefixForms = []string{"و", "ب", "ل", "ال", "وال", "بال"}
	hebrewPrefixForms = []string{"ו", "ב", "ל", "ה", "מ", "וב"}
)

// generator makes rules and items. People have a first name and a surname
// from a long tail: rules name any of them alike, items mention the surname
// k about as often as 1/k (the news is about a few people).
type generator struct {
	rng      *rand.Rand
	surnames []string
	zipf     *rand.Zipf
	// dense makes items mention many more names, places and topics, so
	// that more rules match (for the differential test).
	dense bool
}

// newGenerator returns a generator of tail surnames (at least the real
// ones); a shorter tail or a larger skew make rules match more often.
func newGenerator(seed uint64, skew float64, tail int) *generator {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &generator{rng: rng, surnames: slices.Clone(lastNames)}
	syllables := strings.Fields(`ka ri mo va lin dor sha ben ar tel ko mir za hal nov sek ta bor gal ram ez ul fa din hor ba sol it mer`)
	seen := map[string]bool{}
	for _, s := range g.surnames {
		seen[s] = true
	}
	for len(g.surnames) < tail {
		var b strings.Builder
		for range 2 + rng.IntN(2) {
			b.WriteString(syllables[rng.IntN(len(syllables))])
		}
		if s := b.String(); !seen[s] {
			seen[s] = true
			g.surnames = append(g.surnames, s)
		}
	}
	g.zipf = rand.NewZipf(rng, skew, 3, uint64(len(g.surnames)-1))
	return g
}

func (g *generator) pick(words []string) string { return words[g.rng.IntN(len(words))] }

// person returns a person as a rule names them: any of the long tail.
func (g *generator) person() string {
	return g.pick(firstNames) + " " + g.pick(g.surnames)
}

// mentioned returns a person as an item mentions them: the head of the long
// tail more often.
func (g *generator) mentioned() string {
	return g.pick(firstNames) + " " + g.surnames[g.zipf.Uint64()]
}

// name returns a quoted full name or a surname, as rule authors write them.
func (g *generator) name() string {
	p := g.person()
	if g.rng.IntN(3) == 0 {
		_, last, _ := strings.Cut(p, " ")
		return last
	}
	return `"` + p + `"`
}

func (g *generator) group(n int, term func() string) string {
	terms := make([]string, n)
	for i := range terms {
		terms[i] = term()
	}
	if n == 1 {
		return terms[0]
	}
	return "(" + strings.Join(terms, " OR ") + ")"
}

func (g *generator) topic() string {
	t := g.pick(topics)
	if len(t) >= 7 && g.rng.IntN(4) == 0 {
		return t[:len(t)-2] + "*"
	}
	return t
}

// rule returns the query of a generated rule. Pure regexp rules, which every
// item must be checked against, are left to the caller.
func (g *generator) rule() string {
	switch n := g.rng.IntN(100); {
	case n < 35:
		return g.group(1+g.rng.IntN(3), g.name) + " AND " + g.group(1+g.rng.IntN(4), g.topic)
	case n < 50:
		return g.name() + " " + g.pick(places)
	case n < 60:
		_, last, _ := strings.Cut(g.person(), " ")
		if _, after, ok := strings.Cut(last, "-"); ok {
			last = after
		}
		return last[:min(len(last), 5)] + "* AND " + g.group(2, func() string { return g.pick(places) })
	case n < 70:
		return g.name() + fmt.Sprintf(" NEAR/%d ", 2+g.rng.IntN(8)) + g.group(1+g.rng.IntN(3), g.topic)
	case n < 78:
		return "title:" + g.group(1+g.rng.IntN(2), g.name) + " -" + g.pick(topics)
	case n < 81:
		// Multilingual, like the Syria–Israel example of docs/rules.md.
		ar, he := func() string { return g.pick(arabicNames) }, func() string { return g.pick(hebrewNames) }
		return "(" + ar() + " OR " + he() + " OR " + g.pick(places) + ") AND (" + ar() + " OR " + he() + " OR " + g.topic() + ")"
	case n < 83:
		if g.rng.IntN(2) == 0 {
			return `"` + g.pick(arabicNames) + " " + g.pick(arabicNames) + `"`
		}
		return g.pick(hebrewNames) + " NEAR/3 " + g.pick(hebrewNames)
	case n < 92:
		return "case:" + strings.ToUpper(g.pick(orgs)) + " " + g.name() + " lang:en"
	case n < 96:
		return g.name() + " domain:" + g.pick([]string{"reuters.com", "apnews.com", "timesofisrael.com", "aljazeera.net"})
	default:
		return g.name() + " /" + g.pick(topics) + `\w* (of|in) \w+/`
	}
}

// words appends n words to b, mixing in names at the given rate.
func (g *generator) words(b *strings.Builder, n int) {
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		r := g.rng.IntN(100)
		if g.dense {
			r /= 4
		}
		switch {
		case r < 6:
			b.WriteString(titleCase(g.mentioned()))
		case r < 10:
			b.WriteString(titleCase(g.pick(places)))
		case r < 12:
			b.WriteString(strings.ToUpper(g.pick(orgs)))
		case r < 16:
			b.WriteString(g.pick(topics))
		default:
			b.WriteString(g.pick(commonWords))
		}
		if g.rng.IntN(12) == 0 {
			b.WriteString(g.pick([]string{".", ",", ":", "'s"}))
		}
	}
}

// semitic returns n words of Arabic or Hebrew with attached prefixes.
func (g *generator) semitic(b *strings.Builder, n int, names, words, prefixes []string) {
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		w := g.pick(words)
		if g.rng.IntN(12) == 0 || g.dense && g.rng.IntN(3) == 0 {
			w = g.pick(names)
			if g.rng.IntN(2) == 0 {
				w = g.pick(prefixes) + w
			}
		}
		b.WriteString(w)
	}
}

// item returns a news item of 50 to 150 words in title and summary, in
// English, Arabic or Hebrew.
func (g *generator) item() feedItem {
	var title, summary strings.Builder
	it := feedItem{
		Item: &model.Item{
			Link: "https://" + g.pick([]string{"www.reuters.com", "apnews.com", "www.timesofisrael.com", "www.aljazeera.net", "www.arab48.com"}) + "/world/x",
		},
		feed: &model.Feed{
			Name: g.pick([]string{"reuters", "ap", "toi", "aljazeera", "arab48"}),
			Tags: []string{g.pick([]string{"mideast", "world", "wires"})},
		},
	}
	it.Feed = it.feed.Name
	n := 50 + g.rng.IntN(100)
	switch g.rng.IntN(10) {
	case 0, 1:
		g.semitic(&title, 8, arabicNames, arabicWords, arabicPrefixForms)
		g.semitic(&summary, n-8, arabicNames, arabicWords, arabicPrefixForms)
		it.Lang = "ar"
	case 2:
		g.semitic(&title, 8, hebrewNames, hebrewWords, hebrewPrefixForms)
		g.semitic(&summary, n-8, hebrewNames, hebrewWords, hebrewPrefixForms)
		it.Lang = "he"
	default:
		g.words(&title, 10)
		summary.WriteString("<p>")
		g.words(&summary, n-10)
		summary.WriteString("</p>")
		it.Lang = "en"
	}
	it.Title, it.Summary = title.String(), summary.String()
	return it
}

func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}

// generatedRules returns n compiled rules. A few (one in 5,000, from the
// 1,000-rule set on) are pure regexps, evaluated for every item.
func generatedRules(tb testing.TB, g *generator, n int) []Compiled {
	tb.Helper()
	out := make([]Compiled, 0, n)
	for i := range n {
		src := g.rule()
		if i%5000 == 7 {
			src = `/\b(cease ?fire|truce) (talks|deal)\b/`
		}
		q, err := ParseQuery(src)
		if err != nil {
			tb.Fatalf("generated rule %q: %v", src, err)
		}
		out = append(out, Compiled{Rule: &Rule{Name: fmt.Sprintf("rule-%05d", i), Query: src, Enabled: true}, Query: q})
	}
	return out
}
