package rules

import (
	"net/url"
	"strings"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/model"

	"golang.org/x/net/idna"
)

// document is an item analysed once for matching: each field value is a
// segment of tokens. Phrases, NEAR and regexps work within one segment, so
// they never match across the end of the title and the start of the
// summary, or across two categories.
type document struct {
	item *model.Item
	feed *model.Feed
	segs []segment
	toks []analysis.Token // backing store of the segments' tokens

	hostDone bool
	host     string // normalized host of the item link, for domain:
	rawHost  string // the host as written in the link, for explanations
	lang     string // normalized item language, else the feed's

	// joinBuf and joinStarts hold the regexp texts of segments (see
	// joinedText), reused from item to item.
	joinBuf    []byte
	joinStarts []int
}

// segment is one analysed field value.
type segment struct {
	field field  // fieldTitle … fieldFeed
	text  string // the text the tokens point into (HTML already stripped)
	toks  []analysis.Token

	// joined: the segment's regexp text is joinBuf[joinAt:joinEnd] and its
	// token offsets are joinStarts[startsAt:startsAt+len(toks)]. Built on
	// first use.
	joined                    bool
	joinAt, joinEnd, startsAt int
}

// pos is an occurrence of a term: token tok of segment seg.
type pos struct {
	seg, tok int32
}

// load analyses it, an item of feed f, into d, reusing d's storage and
// a's buffers.
func (d *document) load(it *model.Item, f *model.Feed, a *analysis.Analyzer) {
	*d = document{item: it, feed: f, segs: d.segs[:0], toks: d.toks[:0], joinBuf: d.joinBuf[:0], joinStarts: d.joinStarts[:0]}
	type span struct{ from, to int }
	var spans [8]span
	ranges := spans[:0]
	add := func(f field, text string) {
		if text == "" {
			return
		}
		from := len(d.toks)
		d.toks = a.Append(d.toks, text)
		d.segs = append(d.segs, segment{field: f, text: text})
		ranges = append(ranges, span{from, len(d.toks)})
	}
	add(fieldTitle, it.Title)
	add(fieldSummary, analysis.StripHTML(it.Summary))
	add(fieldContent, analysis.StripHTML(it.Content))
	add(fieldArticle, it.Article) // plain text already
	add(fieldAuthor, it.Author)
	for _, c := range it.Categories {
		add(fieldCategory, c)
	}
	add(fieldFeed, f.Name)
	for i := range d.segs {
		d.segs[i].toks = d.toks[ranges[i].from:ranges[i].to:ranges[i].to]
	}
	lang := it.Lang
	if lang == "" {
		lang = f.Lang
	}
	d.lang = normalizeLang(lang)
}

// visitTitleSummary calls visit with the text and tokens of the title and
// summary segments ("" and nil for a field without one).
func (d *document) visitTitleSummary(visit func(title string, titleToks []analysis.Token, summary string, summaryToks []analysis.Token)) {
	var title, summary *segment
	for i := range d.segs {
		switch d.segs[i].field {
		case fieldTitle:
			title = &d.segs[i]
		case fieldSummary:
			summary = &d.segs[i]
		}
	}
	var (
		titleText, summaryText string
		titleToks, summaryToks []analysis.Token
	)
	if title != nil {
		titleText, titleToks = title.text, title.toks
	}
	if summary != nil {
		summaryText, summaryToks = summary.text, summary.toks
	}
	visit(titleText, titleToks, summaryText, summaryToks)
}

// release drops the references to the item so a pooled document does not
// keep it alive.
func (d *document) release() {
	for i := range d.segs {
		d.segs[i] = segment{}
	}
	clear(d.toks)
	d.item, d.feed = nil, nil
}

// linkHost returns the normalized host of the item link ("" if none) and
// the host as written.
func (d *document) linkHost() (host, raw string) {
	if !d.hostDone {
		d.hostDone = true
		if u, err := url.Parse(strings.TrimSpace(d.item.Link)); err == nil {
			d.rawHost = u.Hostname()
			h := strings.ToLower(strings.TrimSuffix(d.rawHost, "."))
			if a, err := idna.Lookup.ToASCII(h); err == nil {
				h = a
			}
			d.host = strings.TrimPrefix(h, "www.")
		}
	}
	return d.host, d.rawHost
}

// joinedText returns the analysed text of segment i for regexps, its
// tokens joined by single spaces, and the offset in it of each token. The
// slices are valid until the next call.
func (d *document) joinedText(i int) ([]byte, []int) {
	s := &d.segs[i]
	if !s.joined {
		s.joined = true
		s.joinAt, s.startsAt = len(d.joinBuf), len(d.joinStarts)
		for j, t := range s.toks {
			if j > 0 {
				d.joinBuf = append(d.joinBuf, ' ')
			}
			d.joinStarts = append(d.joinStarts, len(d.joinBuf)-s.joinAt)
			d.joinBuf = append(d.joinBuf, t.Text...)
		}
		s.joinEnd = len(d.joinBuf)
	}
	return d.joinBuf[s.joinAt:s.joinEnd], d.joinStarts[s.startsAt : s.startsAt+len(s.toks)]
}

// quote returns the original text of tokens first to last of segment i.
func (d *document) quote(i int, first, last int32) string {
	s := &d.segs[i]
	return s.text[s.toks[first].Start:s.toks[last].End]
}
