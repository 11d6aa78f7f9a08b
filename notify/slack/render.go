package slack

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// Block Kit limits (https://docs.slackgo.dev/reference/block-kit), counted in
// characters (runes) as Slack counts them, never in bytes.
const (
	maxBlocks      = 50   // blocks in one message
	maxTextChars   = 3000 // one text object
	maxHeaderChars = 150  // a header block's plain_text
	maxTitleChars  = 600  // a linked title in a single alert, escaped
	maxListTitle   = 300  // a title in a summary or digest line, escaped
	maxFeedChars   = 150  // an outlet name, escaped
	maxLineChars   = 2900 // one entry's lines in a summary or digest
	// maxMessageChars bounds the text of all blocks of one message. Slack
	// refuses messages with more than 40,000 characters of text
	// (msg_too_long); we stay well below.
	maxMessageChars = 30000
)

// style renders messages as Slack Block Kit. The zero value is usable:
// no mention, times in UTC.
type style struct {
	// mention is a validated Slack mention ("<!here>", "<!subteam^S…>")
	// added to high-severity messages; it comes from configuration, never
	// from a feed.
	mention string
	// loc is the time zone of times in fallback text (Slack shows the
	// <!date> tokens in each reader's own zone).
	loc *time.Location
	// actions adds the buttons to single alerts (see actionsBlock): the
	// bot listens for their clicks.
	actions bool
}

// render returns m as Block Kit blocks and the fallback text Slack shows in
// notifications and to clients that cannot show blocks.
func (st style) render(m *notify.Message) ([]slackgo.Block, string) {
	if m.Kind == notify.KindHealth {
		return st.renderHealth(m)
	}
	if isAlert(m) {
		blocks, text := st.renderAlert(m)
		if st.withActions(m) {
			blocks = append(blocks, actionsBlock(ruleAlerts(m), false))
		}
		return blocks, text
	}
	if m.Kind == notify.KindAlso || m.Kind == notify.KindUpdate {
		return st.renderFollowUp(m)
	}
	return st.renderList(m)
}

// isAlert reports whether m is an alert: one article, for one rule or
// several.
func isAlert(m *notify.Message) bool {
	return m.Kind == notify.KindAlert && len(m.Entries) > 0 && len(notify.Articles(m.Entries)) == 1
}

// renderAlert lays out one alert: a section with the headline, once,
// linked to the article (after the mention and severity marker of a high
// rule, or of the highest of the rules that matched it), its outlet and
// time; a snippet, unless it only repeats the headline (Entry.Snippet);
// and a context line with the rules, severity and what matched.
func (st style) renderAlert(m *notify.Message) ([]slackgo.Block, string) {
	article := notify.Articles(m.Entries)[0]
	e := &article
	title := e.DisplayTitle()

	var main strings.Builder
	if st.mentions(m) {
		main.WriteString(st.mention + " ")
	}
	main.WriteString(severityPrefix(m.Severity))
	main.WriteString("*" + linkText(e.Link, truncEscape(title, maxTitleChars)) + "*")
	if meta := st.meta(e); meta != "" {
		main.WriteString("\n" + meta)
	}
	blocks := []slackgo.Block{sectionBlock(main.String())}

	if snippet := e.Snippet(); snippet != "" {
		blocks = append(blocks, sectionBlock(escapeSlack(snippet)))
	}
	if quotes := quoteText(e.Hits); quotes != "" {
		blocks = append(blocks, sectionBlock(quotes))
	}
	blocks = append(blocks, contextBlock(ruleLine(m, matchedText(e.Hits))))

	fallback := st.fallbackPrefix(m) + truncEscape(title, 300)
	if feed := notify.CleanText(e.Feed); feed != "" {
		fallback += " — " + truncEscape(feed, maxFeedChars)
	}
	return blocks, fallback + " [" + truncEscape(strings.Join(m.RuleNames(), ", "), 300) + "]"
}

// renderList lays out a folded summary or a digest: a header, a context line
// saying what the message is, and the entries grouped by story, most recent
// first, packed into as few sections as the limits allow.
func (st style) renderList(m *notify.Message) ([]slackgo.Block, string) {
	headline := listHeadline(m)
	prefix := severityPrefix(m.Severity)
	blocks := []slackgo.Block{
		headerBlock(prefix + truncEscape(headline, maxHeaderChars-utf8.RuneCountInString(prefix))),
		contextBlock(st.listIntro(m)),
	}
	lines := st.listLines(notify.GroupByStory(m.Entries))
	if st.mentions(m) && len(lines) > 0 {
		lines[0] = st.mention + "\n" + lines[0]
	}
	sections := packSections(lines)
	room := maxBlocks - len(blocks)
	if len(sections) > room { // Split keeps this from happening; never exceed the limit anyway
		sections = sections[:room]
	}
	for _, s := range sections {
		blocks = append(blocks, sectionBlock(s))
	}
	return blocks, st.fallbackPrefix(m) + truncEscape(headline, 300)
}

// listLines renders one line (or two, for a story reported by several
// outlets) per group, each at most maxLineChars characters.
func (st style) listLines(groups [][]notify.Entry) []string {
	lines := make([]string, 0, len(groups))
	for _, g := range groups {
		first := &g[0]
		line := "• *" + linkText(first.Link, truncEscape(first.DisplayTitle(), maxListTitle)) + "*"
		if meta := st.meta(first); meta != "" {
			line += " — " + meta
		}
		if len(g) > 1 {
			line = appendOutlets(line+"\n      also reported by ", g[1:])
		}
		lines = append(lines, line)
	}
	return lines
}

// appendOutlets appends to line the outlets of entries, each linked to
// its report, separated by commas, as many as keep line within
// maxLineChars, and " and N more" for the rest.
func appendOutlets(line string, entries []notify.Entry) string {
	n := utf8.RuneCountInString(line)
	for i := range entries {
		e := &entries[i]
		name := notify.CleanText(e.Feed)
		if name == "" {
			name = e.DisplayTitle()
		}
		also := linkText(e.Link, truncEscape(name, 60))
		if i > 0 {
			also = ", " + also
		}
		more := fmt.Sprintf(" and %d more", len(entries)-i)
		if n+utf8.RuneCountInString(also)+utf8.RuneCountInString(more) > maxLineChars {
			return line + more
		}
		line += also
		n += utf8.RuneCountInString(also)
	}
	return line
}

// packSections joins lines into section texts of at most maxTextChars each.
// Every line fits in one section by construction of listLines.
func packSections(lines []string) []string {
	var (
		out []string
		cur strings.Builder
		n   int
	)
	for _, l := range lines {
		ln := utf8.RuneCountInString(l)
		if n > 0 && n+1+ln > maxTextChars {
			out = append(out, cur.String())
			cur.Reset()
			n = 0
		}
		if n > 0 {
			cur.WriteByte('\n')
			n++
		}
		cur.WriteString(l)
		n += ln
	}
	if n > 0 {
		out = append(out, cur.String())
	}
	return out
}

// split divides a summary or digest into messages that each fit Slack's
// limits, keeping each story's group in one message. It returns m itself
// when it fits.
func (st style) split(m *notify.Message) []*notify.Message {
	if m.Kind == notify.KindAlert {
		return []*notify.Message{m}
	}
	groups := notify.GroupByStory(m.Entries)
	lines := st.listLines(groups)
	const fixed = 2                 // header and intro context
	budget := maxMessageChars - 400 // header, intro, mention
	mention := 0                    // what the first part's mention adds to its first line
	if st.mentions(m) {
		mention = utf8.RuneCountInString(st.mention) + 1
	}
	var parts [][]notify.Entry
	var cur []notify.Entry
	sections, sectionLen, total := 0, 0, 0
	for i, l := range lines {
		ln := utf8.RuneCountInString(l)
		if i == 0 {
			ln += mention
		}
		newSection := sections == 0 || sectionLen+1+ln > maxTextChars
		needSections := sections
		if newSection {
			needSections++
		}
		if len(cur) > 0 && (needSections > maxBlocks-fixed || total+ln+1 > budget) {
			parts = append(parts, cur)
			cur, sections, sectionLen, total = nil, 0, 0, 0
			newSection = true
		}
		if newSection {
			sections++
			sectionLen = ln
		} else {
			sectionLen += 1 + ln
		}
		total += ln + 1
		cur = append(cur, groups[i]...)
	}
	if len(cur) > 0 {
		parts = append(parts, cur)
	}
	return m.Split(parts)
}

// listHeadline is the header text of a summary or digest.
func listHeadline(m *notify.Message) string {
	rule := notify.CleanText(m.Rule)
	n := len(m.Entries)
	var s string
	switch {
	case m.Kind == notify.KindDigest:
		s = fmt.Sprintf("Digest for %s: %s", rule, notify.Plural(n, "match", "matches"))
	case m.Snooze != nil:
		s = fmt.Sprintf("%s for %s while it was snoozed", notify.Plural(n, "match", "matches"), rule)
	default:
		s = fmt.Sprintf("%s for %s", notify.Plural(n, "new match", "new matches"), rule)
	}
	if m.Parts > 1 {
		s += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	return s
}

// listIntro is the context line under a summary's or digest's header.
func (st style) listIntro(m *notify.Message) string {
	var b strings.Builder
	b.WriteString("rule *" + truncEscape(notify.CleanText(m.Rule), 200) + "*")
	b.WriteString(" · severity *" + severityName(m.Severity) + "*")
	switch {
	case m.Kind == notify.KindDigest:
		b.WriteString(" · scheduled digest, most recent first")
	case m.Snooze != nil:
		b.WriteString(" · " + st.snoozedIntro(m.Snooze))
	default:
		b.WriteString(" · queued at once, folded into one message")
	}
	if d := notify.CleanText(m.RuleDescription); d != "" {
		b.WriteString("\n" + truncEscape(d, 500))
	}
	return b.String()
}

// snoozedIntro is the context line of a summary of what a snooze held.
func (st style) snoozedIntro(s *notify.Snooze) string {
	text := "held while " + person(s.ByID, s.By) + " snoozed the rule here"
	if !s.From.IsZero() && !s.Until.IsZero() {
		text += ", " + st.date(s.From) + " to " + st.date(s.Until)
	}
	return text + "; most recent first"
}

// slackUserID is the form of a Slack user ID, which can be shown as a
// mention.
var slackUserID = regexp.MustCompile(`^[UW][A-Z0-9]{2,20}$`)

// person renders who did something: their mention when id is a Slack user
// ID (Slack shows it as their current name), else their name, escaped.
func person(id, name string) string {
	if slackUserID.MatchString(id) {
		return "<@" + id + ">"
	}
	if name == "" {
		return "someone"
	}
	return truncEscape(notify.CleanText(name), 80)
}

// meta renders an entry's outlet and time: "Times of Israel · <!date…>".
func (st style) meta(e *notify.Entry) string {
	var parts []string
	if feed := notify.CleanText(e.Feed); feed != "" {
		parts = append(parts, truncEscape(feed, maxFeedChars))
	}
	if !e.Published.IsZero() {
		parts = append(parts, st.date(e.Published))
	}
	return strings.Join(parts, " · ")
}

// date renders t as a Slack date token, which every reader sees in their own
// time zone, with a fallback in st's zone for clients that cannot.
func (st style) date(t time.Time) string {
	loc := st.loc
	if loc == nil {
		loc = time.UTC
	}
	fallback := t.In(loc).Format("2006-01-02 15:04 MST")
	if t.Unix() < 0 {
		return escapeSlack(fallback)
	}
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), escapeSlack(fallback))
}

// mentions reports whether m should carry the configured mention: only
// high-severity messages do, and of a split summary or digest only the
// first part.
func (st style) mentions(m *notify.Message) bool {
	return st.mention != "" && severityName(m.Severity) == string(rules.SeverityHigh) && m.Part <= 1
}

// fallbackPrefix starts the notification text: the mention, if any, and the
// severity marker.
func (st style) fallbackPrefix(m *notify.Message) string {
	p := severityPrefix(m.Severity)
	if st.mentions(m) {
		p = st.mention + " " + p
	}
	return p
}

// maxRulesShown bounds the rules a context line names.
const maxRulesShown = 10

// rulesText names the rules of m: "rule *accords*", or, for a message of
// several, each with its severity: "rules *accords* (high), *syria*
// (notice)".
func rulesText(m *notify.Message) string {
	if len(m.Rules) < 2 {
		return "rule *" + truncEscape(notify.CleanText(m.Rule), 200) + "*"
	}
	var b strings.Builder
	b.WriteString("rules ")
	for i, r := range m.Rules {
		if i == maxRulesShown {
			fmt.Fprintf(&b, " and %d more", len(m.Rules)-i)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("*" + truncEscape(notify.CleanText(r.Name), 100) + "* (" + severityName(r.Severity) + ")")
	}
	return b.String()
}

// ruleLine is the context line of an alert: rules, severity and what
// matched.
func ruleLine(m *notify.Message, matched string) string {
	s := rulesText(m) + " · severity *" + severityName(m.Severity) + "*"
	if matched != "" {
		s += " · matched: " + matched
	}
	return s
}

// matchedText renders the hits of a match for Slack as `"Abraham Accords"
// (title), normalization (summary, content)`, escaped, within what is left
// of a context element after the rule and severity.
func matchedText(hits []model.Hit) string {
	const budget = maxTextChars - 600
	terms := notify.MatchTerms(hits)
	var b strings.Builder
	n := 0
	for i, t := range terms {
		s := escapeSlack(t.Format(100))
		if i > 0 {
			s = ", " + s
		}
		sn := utf8.RuneCountInString(s)
		if n+sn > budget {
			fmt.Fprintf(&b, " and %d more", len(terms)-i)
			break
		}
		b.WriteString(s)
		n += sn
	}
	return b.String()
}

// quoteText renders the sentences the hits quote (hits in an item's
// article) as Slack block quotes, each followed by its field: escaped as
// all feed text, so that a page's text can no more ping or link than a
// headline.
func quoteText(hits []model.Hit) string {
	var b strings.Builder
	for _, q := range notify.MatchQuotes(hits) {
		if b.Len() > 0 {
			b.WriteString("\n")
		}
		b.WriteString("&gt; " + escapeSlack(q.Text) + " (" + escapeSlack(q.Field) + ")")
	}
	return b.String()
}

// linkText returns escaped label linked to raw when raw is a safe http(s)
// URL, and label alone otherwise.
func linkText(raw, label string) string {
	if link, ok := safeLink(raw); ok {
		return "<" + link + "|" + label + ">"
	}
	return label
}

// truncEscape cuts clean text so that its escaped form has at most limit
// characters, and escapes it.
func truncEscape(s string, limit int) string {
	return escapeSlack(notify.Truncate(s, limit, escapedCost))
}

// severityName is the display name of a severity ("" means info).
func severityName(s string) string {
	if s == "" {
		return string(rules.SeverityInfo)
	}
	return escapeSlack(notify.CleanText(s))
}

// severityPrefix marks high-severity messages so that they stand out in a
// busy channel and in notifications.
func severityPrefix(s string) string {
	if s == string(rules.SeverityHigh) {
		return "🔴 "
	}
	return ""
}

func headerBlock(text string) *slackgo.HeaderBlock {
	return slackgo.NewHeaderBlock(slackgo.NewTextBlockObject(slackgo.PlainTextType, text, true, false))
}

// sectionBlock returns a section block of mrkdwn text with verbatim set, so that
// Slack does not turn bare URLs, #channel names or @names into links or
// mentions: only what we wrote in <…> syntax is parsed.
func sectionBlock(text string) *slackgo.SectionBlock {
	return slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, text, false, true), nil, nil)
}

func contextBlock(text string) *slackgo.ContextBlock {
	return slackgo.NewContextBlock("", slackgo.NewTextBlockObject(slackgo.MarkdownType, text, false, true))
}
