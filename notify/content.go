package notify

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// What a message says, read the same way by every notifier: an entry's
// title and snippet as clean text, the entries grouped by story, the terms
// a rule matched, and whether a feed-health alert tells of a problem or a
// recovery. Each notifier lays them out and escapes them for its medium.

// SnippetChars is the length of an entry's snippet (Entry.Snippet).
const SnippetChars = 300

// DisplayTitle is the entry's title as one clean line, or a stand-in when
// the item had none. A title is treated as HTML only when it holds an
// inline HTML tag (some Atom feeds send <i> or <b> in titles); otherwise
// only its character references are decoded (feeds that escape twice send
// "&amp;#8217;"), so that text such as "<!channel>" stays visible text
// instead of being dropped as markup.
func (e *Entry) DisplayTitle() string {
	t := e.Title
	if htmlTag.MatchString(t) {
		t = analysis.StripHTML(t)
	} else {
		t = html.UnescapeString(t)
	}
	if t = CleanText(t); t != "" {
		return t
	}
	return Untitled
}

// Untitled is what DisplayTitle shows for an item without a title.
const Untitled = "(untitled)"

// htmlTag matches the inline HTML tags that turn up in feed titles.
var htmlTag = regexp.MustCompile(`(?i)</?(a|abbr|b|big|br|cite|code|del|em|font|i|img|ins|mark|q|s|small|span|strike|strong|sub|sup|u|wbr)(\s[^<>]*)?/?>`)

// Snippet returns the first SnippetChars characters of the entry's summary
// as one clean line, cut on a word boundary, or "" when the summary only
// repeats the title (many feeds send the headline as the description), so
// that a message shows its headline once. The summary is plain text (see
// Entry.Summary) and is not read as HTML again: text that looks like
// markup, such as "the <iframe> tag" or "&lt;b&gt;", is shown as it is.
func (e *Entry) Snippet() string {
	s := CleanText(e.Summary)
	if title := e.DisplayTitle(); title != Untitled && repeats(s, title) {
		return ""
	}
	return Truncate(s, SnippetChars, nil)
}

// repeats reports whether summary says nothing but (the start of) title:
// the same words, whatever their case, punctuation and spacing.
func repeats(summary, title string) bool {
	s, t := wordsOf(summary), wordsOf(title)
	return s != "" && (t == s || strings.HasPrefix(t, s+" "))
}

// wordsOf returns the letters and digits of s, lowercased, its words
// separated by one space.
func wordsOf(s string) string {
	return strings.Join(strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.IsMark(r)
	}), " ")
}

// GroupByStory groups entries by story (entries without one stand alone),
// orders each group most recent first and the groups by their most recent
// entry, newest first.
func GroupByStory(entries []Entry) [][]Entry {
	index := map[string]int{}
	var groups [][]Entry
	for _, e := range entries {
		if e.Story == "" {
			groups = append(groups, []Entry{e})
			continue
		}
		if i, ok := index[e.Story]; ok {
			groups[i] = append(groups[i], e)
			continue
		}
		index[e.Story] = len(groups)
		groups = append(groups, []Entry{e})
	}
	for _, g := range groups {
		sort.SliceStable(g, func(i, j int) bool { return newer(&g[i], &g[j]) })
	}
	sort.SliceStable(groups, func(i, j int) bool { return newer(&groups[i][0], &groups[j][0]) })
	return groups
}

// Articles returns entries with those of one item made one, in the order
// of their first: the alerts of several rules that matched one article
// (Message.Entries of an alert, or of follow-ups that report one article
// for several rules) are one article to a reader. The one keeps the first
// entry's fields and the hits of all, each once. Entries of no item (0)
// stay apart.
func Articles(entries []Entry) []Entry {
	out := make([]Entry, 0, len(entries))
	index := map[int64]int{}
	for _, e := range entries {
		if e.ItemID == 0 {
			out = append(out, e)
			continue
		}
		i, ok := index[e.ItemID]
		if !ok {
			index[e.ItemID] = len(out)
			out = append(out, e)
			continue
		}
		hits := out[i].Hits
		for _, h := range e.Hits {
			if !slices.Contains(hits, h) {
				hits = append(slices.Clip(hits), h)
			}
		}
		out[i].Hits = hits
	}
	return out
}

// RuleNames returns the names of m's rules, each as clean text.
func (m *Message) RuleNames() []string {
	names := make([]string, len(m.Rules))
	for i, r := range m.Rules {
		names[i] = CleanText(r.Name)
	}
	if len(names) == 0 {
		names = append(names, CleanText(m.Rule))
	}
	return names
}

// severityRank orders severities: high above notice above info (and
// anything else).
func severityRank(s string) int {
	switch rules.Severity(s) {
	case rules.SeverityHigh:
		return 2
	case rules.SeverityNotice:
		return 1
	}
	return 0
}

// newer orders entries most recent first, then by alert ID, newest first.
func newer(a, b *Entry) bool {
	ta, tb := a.When(), b.When()
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a.AlertID > b.AlertID
}

// Plural counts n things: "1 match", "3 matches".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// MatchTerm is one distinct text a rule matched, with the fields it was
// found in.
type MatchTerm struct {
	Text   string
	Fields []string
}

// MatchTerms collects the distinct texts of hits (case-insensitively),
// cleaned, in the order they first appear, each with its fields.
func MatchTerms(hits []model.Hit) []MatchTerm {
	var terms []MatchTerm
	index := map[string]int{}
	for _, h := range hits {
		text := CleanText(h.Text)
		if text == "" {
			continue
		}
		key := strings.ToLower(text)
		i, ok := index[key]
		if !ok {
			i = len(terms)
			index[key] = i
			terms = append(terms, MatchTerm{Text: text})
		}
		if field := CleanText(h.Field); field != "" && !slices.Contains(terms[i].Fields, field) {
			terms[i].Fields = append(terms[i].Fields, field)
		}
	}
	return terms
}

// Format renders t as `"Abraham Accords" (title, summary)`: quoted when it
// has a space, its text cut to limit characters.
func (t MatchTerm) Format(limit int) string {
	s := Truncate(t.Text, limit, nil)
	if strings.ContainsAny(t.Text, " \u00a0") {
		s = `"` + s + `"`
	}
	if len(t.Fields) > 0 {
		s += " (" + strings.Join(t.Fields, ", ") + ")"
	}
	return s
}

// MaxQuotes is how many sentences MatchQuotes returns at most, and
// QuoteChars how long each may be.
const (
	MaxQuotes  = 2
	QuoteChars = 300
)

// MatchQuote is a sentence a rule matched in, from a long field (an item's
// article), as clean text.
type MatchQuote struct {
	Text  string
	Field string
}

// MatchQuotes returns the distinct sentences the hits quote (the hits in
// an article: model.Hit.Quote), cleaned and cut to QuoteChars, at most
// MaxQuotes of them, in the order of the hits. Each notifier escapes them
// as it escapes all feed text.
func MatchQuotes(hits []model.Hit) []MatchQuote {
	var out []MatchQuote
	for _, h := range hits {
		q := Truncate(CleanText(h.Quote), QuoteChars, nil)
		if q == "" || slices.ContainsFunc(out, func(o MatchQuote) bool { return o.Text == q }) {
			continue
		}
		out = append(out, MatchQuote{Text: q, Field: CleanText(h.Field)})
		if len(out) == MaxQuotes {
			break
		}
	}
	return out
}

// MatchedTerms lists the distinct texts hits matched, in the order they
// first appear, each with its fields, as people read them:
// `"Abraham Accords" (title), normalization (summary)`. Each text is cut
// to limit characters. It is plain text, for the console and the admin
// page; Slack escapes each term (MatchTerms) for itself.
func MatchedTerms(hits []model.Hit, limit int) string {
	terms := MatchTerms(hits)
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t.Format(limit)
	}
	return strings.Join(parts, ", ")
}

// HealthRule is the rule name of feed-health alerts (package feedhealth):
// alerts about a feed itself, not about its items. Rule names are
// lowercase letters, digits, "-" and "_", so no rule can take it. Its
// alerts go through the outbox like any other; their Title is a sentence
// about the feed ("Feed "X" is failing"), Summary the details in plain
// text, Link the feed's URL, and Severity notice for a problem and info
// for a recovery. They are sent as KindHealth messages.
const HealthRule = "@feed-health"

// healthKind returns KindHealth for the alerts of HealthRule, and kind
// otherwise.
func healthKind(rule string, kind Kind) Kind {
	if rule == HealthRule {
		return KindHealth
	}
	return kind
}

// SeverityOf is the severity of entry e of m: its own, else m's. Entries
// of a folded feed-health message may differ (problems and recoveries).
func (m *Message) SeverityOf(e *Entry) string {
	if e.Severity != "" {
		return e.Severity
	}
	return m.Severity
}

// Recovery reports whether a feed-health alert of severity tells of a
// recovery (info) rather than a problem.
func Recovery(severity string) bool {
	return severity == string(rules.SeverityInfo)
}
