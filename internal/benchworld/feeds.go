package benchworld

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"time"
)

// behaviour is how a generated feed's server answers.
type behaviour int

const (
	// withValidators sends ETag and Last-Modified and answers a matching
	// conditional request with 304.
	withValidators behaviour = iota
	// plain sends no validators: every poll gets the whole document.
	plain
	// The failing kinds: every request fails in its own way.
	fail500
	fail503
	fail404
	failHTML  // 200 with an HTML page
	failReset // the connection is reset before a response
)

var failingKinds = []behaviour{fail500, fail503, fail404, failHTML, failReset}

func (b behaviour) String() string {
	switch b {
	case withValidators:
		return "validators"
	case plain:
		return "plain"
	case fail500:
		return "500"
	case fail503:
		return "503"
	case fail404:
		return "404"
	case failHTML:
		return "html"
	case failReset:
		return "reset"
	}
	return "behaviour(" + strconv.Itoa(int(b)) + ")"
}

func (b behaviour) failing() bool { return b >= fail500 }

// Mix is the shape of the generated world, as the command line of
// cmd/newswatch-bench sets it.
type Mix struct {
	Seed       uint64
	Feeds      int
	Hosts      int
	Validators float64 // share of healthy feeds that send validators
	Failing    float64 // share of feeds that always fail
	Changing   float64 // share of healthy feeds with new items each round
	NewMin     int     // new items of a changing feed per round
	NewMax     int
	Items      int     // items in every document; 0: 30–100, drawn per feed
	Arabic     float64 // share of feeds in Arabic
	Skew       float64 // Zipf skew of names and topics
	Gzip       bool
}

// Check reports a mix the world cannot be made of, naming the flag of
// cmd/newswatch-bench that sets the wrong value.
func (m Mix) Check() error {
	switch {
	case m.Feeds < 1:
		return fmt.Errorf("-feeds must be at least 1")
	case m.NewMin < 1 || m.NewMax < m.NewMin:
		return fmt.Errorf("want 1 <= -new-min <= -new-max")
	case m.Items < 0 || m.Items > 100_000:
		return fmt.Errorf("-items must be within [0, 100000]")
	}
	for _, share := range []float64{m.Validators, m.Failing, m.Changing, m.Arabic} {
		if share < 0 || share > 1 {
			return fmt.Errorf("shares (-validators, -failing, -changing, -arabic) must be within [0, 1]")
		}
	}
	return nil
}

// feedSpec is one generated feed: everything about it derives from the
// seed and its index.
type feedSpec struct {
	Index     int
	Name      string
	Lang      string // "en" or "ar"
	Atom      bool
	GUID      bool // items carry a GUID (else the link is their identity)
	Size      int  // target size of a document, bytes
	Items     int  // items in a document
	Behaviour behaviour
	Host      int // index of the listener serving it
	Tags      []string
}

// feedSpecs generates the feeds of m.
func feedSpecs(m Mix) []*feedSpec {
	specs := make([]*feedSpec, m.Feeds)
	for i := range specs {
		r := rand.New(rand.NewPCG(m.Seed, uint64(i)))
		f := &feedSpec{
			Index: i,
			Name:  fmt.Sprintf("outlet-%05d", i),
			Lang:  "en",
			Atom:  r.Float64() < 0.15,
			GUID:  r.Float64() < 0.85,
			Size:  feedSize(r),
			Items: 30 + r.IntN(71),
			Host:  i % m.Hosts,
		}
		if r.Float64() < m.Arabic {
			f.Lang = "ar"
		}
		switch {
		case r.Float64() < m.Failing:
			f.Behaviour = failingKinds[r.IntN(len(failingKinds))]
		case r.Float64() < m.Validators:
			f.Behaviour = withValidators
		default:
			f.Behaviour = plain
		}
		f.Tags = []string{"mideast", map[string]string{"en": "english", "ar": "arabic"}[f.Lang]}
		if i%4 == 0 {
			f.Tags = append(f.Tags, "wire")
		}
		if i%7 == 0 {
			f.Tags = append(f.Tags, "gulf")
		}
		if m.Items > 0 {
			f.Items = m.Items
		}
		specs[i] = f
	}
	return specs
}

// feedSize draws a document size: most feeds carry summaries (20–80 KB), some
// longer texts (80–400 KB), a few the full articles (0.4–2 MB), each range
// drawn log-uniformly.
func feedSize(r *rand.Rand) int {
	lo, hi := 20e3, 80e3
	switch x := r.Float64(); {
	case x < 0.08:
		lo, hi = 400e3, 2e6
	case x < 0.30:
		lo, hi = 80e3, 400e3
	}
	return int(lo * math.Exp(r.Float64()*math.Log(hi/lo)))
}

// outletHost is the made-up web site of feed i.
func outletHost(i int) string { return "outlet" + strconv.Itoa(i) + ".example" }

// itemLink is the link of item seq of feed i. The fake Slack finds alerts'
// items by it (see itemKeyPattern).
func itemLink(i, seq int) string {
	return "https://" + outletHost(i) + "/news/" + strconv.Itoa(i) + "-" + strconv.Itoa(seq)
}

// docTimes tells a document writer when each item was published.
type docTimes func(seq int) time.Time

// appendDocument appends the document of feed f whose newest item is head:
// items head-f.Items+1 … head, newest first.
func appendDocument(dst []byte, c *corpus, seed uint64, f *feedSpec, head int, published docTimes) []byte {
	oldest := max(1, head-f.Items+1)
	budget := f.Size / f.Items
	if f.Atom {
		dst = append(dst, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="`...)
		dst = cat(dst, f.Lang, `"><title>Outlet `, strconv.Itoa(f.Index), `</title><id>urn:outlet:`, strconv.Itoa(f.Index),
			`</id><link href="https://`, outletHost(f.Index), `/"/><updated>`)
		dst = published(head).UTC().AppendFormat(dst, time.RFC3339)
		dst = append(dst, "</updated>\n"...)
	} else {
		dst = append(dst, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
			`<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>Outlet `...)
		dst = cat(dst, strconv.Itoa(f.Index), `</title><link>https://`, outletHost(f.Index), `/</link>`,
			`<description>News from outlet `, strconv.Itoa(f.Index), `</description><language>`, f.Lang, "</language>\n")
	}
	for seq := head; seq >= oldest; seq-- {
		dst = appendItem(dst, c, seed, f, seq, budget, published(seq))
	}
	if f.Atom {
		return append(dst, "</feed>\n"...)
	}
	return append(dst, "</channel></rss>\n"...)
}

// appendItem appends item seq of feed f, about budget bytes long. Its text
// depends only on the seed, the feed and seq, so an item reads the same in
// every version of the document.
func appendItem(dst []byte, c *corpus, seed uint64, f *feedSpec, seq, budget int, pub time.Time) []byte {
	r := rand.New(rand.NewPCG(seed^0x5bd1e995, uint64(f.Index)<<32|uint64(seq)))
	start := len(dst)
	link := itemLink(f.Index, seq)
	w := c.story(r)
	if f.Atom {
		dst = append(dst, "<entry><title>"...)
		dst = c.appendTitle(dst, r, f.Lang, w)
		dst = cat(dst, "</title><id>urn:outlet", strconv.Itoa(f.Index), ":", strconv.Itoa(seq),
			`</id><link href="`, link, `"/><updated>`)
		dst = pub.UTC().AppendFormat(dst, time.RFC3339)
		dst = append(dst, "</updated><summary>"...)
		dst = c.appendSummary(dst, r, f.Lang, w, summaryBudget(budget-(len(dst)-start)))
		dst = append(dst, "</summary>"...)
		if rest := budget - (len(dst) - start); rest > 600 {
			dst = append(dst, `<content type="html">`...)
			dst = appendEscaped(dst, c.appendArticle(nil, r, f.Lang, w, rest))
			dst = append(dst, "</content>"...)
		}
		return append(dst, "</entry>\n"...)
	}
	dst = append(dst, "<item><title>"...)
	dst = c.appendTitle(dst, r, f.Lang, w)
	dst = cat(dst, "</title><link>", link, "</link>")
	if f.GUID {
		dst = cat(dst, `<guid isPermaLink="false">outlet`, strconv.Itoa(f.Index), "-", strconv.Itoa(seq), "</guid>")
	}
	dst = append(dst, "<pubDate>"...)
	dst = pub.UTC().AppendFormat(dst, time.RFC1123Z)
	dst = append(dst, "</pubDate><category>"...)
	dst = append(dst, []string{"Politics", "Economy", "World", "Region"}[r.IntN(4)]...)
	dst = append(dst, "</category><description>"...)
	dst = c.appendSummary(dst, r, f.Lang, w, summaryBudget(budget-(len(dst)-start)))
	dst = append(dst, "</description>"...)
	if rest := budget - (len(dst) - start); rest > 600 {
		dst = append(dst, "<content:encoded><![CDATA["...)
		dst = c.appendArticle(dst, r, f.Lang, w, rest)
		dst = append(dst, "]]></content:encoded>"...)
	}
	return append(dst, "</item>\n"...)
}

// summaryBudget is the length of a summary given the room left in an
// item: all of it up to 1.5 KB; the rest is the article's.
func summaryBudget(room int) int { return min(room-50, 1500) }

// appendEscaped appends s with XML's special characters escaped.
func appendEscaped(dst, s []byte) []byte {
	for _, b := range s {
		switch b {
		case '<':
			dst = append(dst, "&lt;"...)
		case '>':
			dst = append(dst, "&gt;"...)
		case '&':
			dst = append(dst, "&amp;"...)
		default:
			dst = append(dst, b)
		}
	}
	return dst
}
