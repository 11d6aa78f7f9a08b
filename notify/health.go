package notify

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/newswatch/newswatch/rules"
)

// HealthRule is the rule name of feed-health alerts (package feedhealth):
// alerts about a feed itself, not about its items. Rule names are
// lowercase letters, digits, "-" and "_", so no rule can take it. Its
// alerts go through the outbox like any other; their Title is a sentence
// about the feed ("Feed "X" is failing"), Summary the details in plain
// text, Link the feed's URL, and Severity notice for a problem and info
// for a recovery. They are rendered as KindHealth messages.
const HealthRule = "@feed-health"

// KindHealth is a message of feed-health alerts: one, or a burst of them
// folded into one message.
const KindHealth Kind = "feed_health"

// healthKind returns KindHealth for the alerts of HealthRule, and kind
// otherwise.
func healthKind(rule string, kind Kind) Kind {
	if rule == HealthRule {
		return KindHealth
	}
	return kind
}

// recovered reports whether a feed-health message or entry tells of a
// recovery rather than a problem.
func recovered(severity string) bool {
	return severity == string(rules.SeverityInfo)
}

// healthMark is the marker before a feed-health title.
func healthMark(severity string) string {
	if recovered(severity) {
		return "✅ "
	}
	return "⚠️ "
}

// healthContext is the context line of a feed-health message.
const healthContext = "newswatch feed health"

// maxHealthDetail bounds the details of one feed-health alert.
const maxHealthDetail = 2000

// renderHealth lays out feed-health alerts for Slack. One alert: a header
// with the title, a section with the linked feed name, the time and the
// details, and a context line. Several (a folded burst): a header, a
// context line counting problems and recoveries, and one line per alert,
// packed into sections as summaries are, so that split's sizing holds.
func (st slackStyle) renderHealth(m *Message) ([]slack.Block, string) {
	if len(m.Entries) == 1 {
		e := &m.Entries[0]
		mark := healthMark(m.Severity)
		title := CleanText(e.Title)
		blocks := []slack.Block{headerBlock(mark + truncEscape(title, maxHeaderChars-utf8.RuneCountInString(mark)))}
		var main strings.Builder
		name := CleanText(e.Feed)
		if name == "" {
			name = "feed"
		}
		main.WriteString("*" + linkText(e.Link, truncEscape(name, maxFeedChars)) + "*")
		if !e.Published.IsZero() {
			main.WriteString(" · " + st.date(e.Published))
		}
		if detail := CleanText(e.Summary); detail != "" {
			main.WriteString("\n" + truncEscape(detail, maxHealthDetail))
		}
		blocks = append(blocks, sectionBlock(main.String()), contextBlock(healthContext))
		return blocks, mark + truncEscape(title, 300)
	}

	headline := healthHeadline(m)
	blocks := []slack.Block{headerBlock(truncEscape(headline, maxHeaderChars)), contextBlock(healthIntro(m))}
	lines := make([]string, 0, len(m.Entries))
	for i := range m.Entries {
		e := &m.Entries[i]
		// Never longer than listLines makes the same entry (the feed name
		// it shows is at least as long as the mark), so split's parts fit.
		line := "• " + healthMark(entrySeverity(m, e)) + "*" + linkText(e.Link, truncEscape(CleanText(e.Title), maxListTitle)) + "*"
		if !e.Published.IsZero() {
			line += " — " + st.date(e.Published)
		}
		lines = append(lines, line)
	}
	sections := packSections(lines)
	if room := maxBlocks - len(blocks); len(sections) > room {
		sections = sections[:room]
	}
	for _, s := range sections {
		blocks = append(blocks, sectionBlock(s))
	}
	return blocks, truncEscape(headline, 300)
}

// entrySeverity is the severity of one entry of a feed-health message:
// a folded message may hold problems and recoveries together.
func entrySeverity(m *Message, e *Entry) string {
	if e.Severity != "" {
		return e.Severity
	}
	return m.Severity
}

// healthHeadline is the header of a folded feed-health message.
func healthHeadline(m *Message) string {
	s := "Feed health: " + plural(len(m.Entries), "change", "changes")
	if m.Parts > 1 {
		s += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	return s
}

// healthIntro counts the problems and recoveries of a folded message.
func healthIntro(m *Message) string {
	problems := 0
	for i := range m.Entries {
		if !recovered(entrySeverity(m, &m.Entries[i])) {
			problems++
		}
	}
	return fmt.Sprintf("%s · %s, %s", healthContext,
		plural(problems, "problem", "problems"), plural(len(m.Entries)-problems, "recovery", "recoveries"))
}

// formatHealth prints feed-health alerts on the console, for example:
//
//	── feed health ──────────────────────────────────────────
//	PROBLEM Feed "Times of Israel" is failing
//	https://www.timesofisrael.com/feed/ · 2026-11-26 15:04 IST
//	No successful fetch for 6h 12m (9 failed attempts in a row). …
func (c *Console) formatHealth(m *Message) string {
	var b strings.Builder
	head := "── feed health"
	if len(m.Entries) > 1 {
		head += " · " + plural(len(m.Entries), "change", "changes")
	}
	if m.Parts > 1 {
		head += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	b.WriteString(consoleHeading(head))
	for i := range m.Entries {
		e := &m.Entries[i]
		word := "PROBLEM"
		if recovered(entrySeverity(m, e)) {
			word = "RECOVERED"
		}
		b.WriteString(word + " " + CleanText(e.Title) + "\n")
		var where []string
		if link, ok := NormalizeLink(e.Link); ok {
			where = append(where, link)
		}
		if !e.Published.IsZero() {
			where = append(where, e.Published.In(c.loc).Format("2006-01-02 15:04 MST"))
		}
		if len(where) > 0 {
			b.WriteString(strings.Join(where, " · ") + "\n")
		}
		if detail := CleanText(e.Summary); detail != "" {
			b.WriteString(detail + "\n")
		}
	}
	b.WriteString("\n")
	return b.String()
}
