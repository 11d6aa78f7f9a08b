package slack

import (
	"fmt"
	"strings"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/notify"
)

// healthMark is the marker before a feed-health title.
func healthMark(severity string) string {
	if notify.Recovery(severity) {
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
func (st style) renderHealth(m *notify.Message) ([]slackgo.Block, string) {
	if len(m.Entries) == 1 {
		e := &m.Entries[0]
		mark := healthMark(m.Severity)
		title := notify.CleanText(e.Title)
		blocks := []slackgo.Block{headerBlock(mark + truncEscape(title, maxHeaderChars-utf8.RuneCountInString(mark)))}
		var main strings.Builder
		name := notify.CleanText(e.Feed)
		if name == "" {
			name = "feed"
		}
		main.WriteString("*" + linkText(e.Link, truncEscape(name, maxFeedChars)) + "*")
		if !e.Published.IsZero() {
			main.WriteString(" · " + st.date(e.Published))
		}
		if detail := notify.CleanText(e.Summary); detail != "" {
			main.WriteString("\n" + truncEscape(detail, maxHealthDetail))
		}
		blocks = append(blocks, sectionBlock(main.String()), contextBlock(healthContext))
		return blocks, mark + truncEscape(title, 300)
	}

	headline := healthHeadline(m)
	blocks := []slackgo.Block{headerBlock(truncEscape(headline, maxHeaderChars)), contextBlock(healthIntro(m))}
	lines := make([]string, 0, len(m.Entries))
	for i := range m.Entries {
		e := &m.Entries[i]
		// Never longer than listLines makes the same entry (the feed name
		// it shows is at least as long as the mark), so split's parts fit.
		line := "• " + healthMark(m.SeverityOf(e)) + "*" + linkText(e.Link, truncEscape(notify.CleanText(e.Title), maxListTitle)) + "*"
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

// healthHeadline is the header of a folded feed-health message.
func healthHeadline(m *notify.Message) string {
	s := "Feed health: " + notify.Plural(len(m.Entries), "change", "changes")
	if m.Parts > 1 {
		s += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	return s
}

// healthIntro counts the problems and recoveries of a folded message.
func healthIntro(m *notify.Message) string {
	problems := 0
	for i := range m.Entries {
		if !notify.Recovery(m.SeverityOf(&m.Entries[i])) {
			problems++
		}
	}
	return fmt.Sprintf("%s · %s, %s", healthContext,
		notify.Plural(problems, "problem", "problems"), notify.Plural(len(m.Entries)-problems, "recovery", "recoveries"))
}
