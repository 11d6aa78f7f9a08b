package slack

import (
	"fmt"
	"strings"

	slackgo "github.com/slack-go/slack"

	"github.com/newswatch/newswatch/notify"
)

// renderFollowUp lays out a follow-up for Slack, a report followed up for
// several rules told once. In a thread: a context line "Also reported by:
// Outlet, Outlet" (or "Updated"), and a line per report. Outside one: a
// header naming the kind of message, a context line naming the rules, and
// per story followed up a line with its title and the outlets that
// reported it again, with links. Both keep to the block structure split
// sizes (at most two blocks before the sections).
func (st style) renderFollowUp(m *notify.Message) ([]slackgo.Block, string) {
	if m.Kind == notify.KindUpdate {
		return st.renderUpdate(m)
	}
	entries := notify.Articles(m.Entries) // a report for several rules is one
	outlets := alsoOutlets(entries)
	if m.ThreadTS != "" {
		intro := "*Also reported by:* " + truncEscape(strings.Join(outlets, ", "), maxTextChars-700)
		if parent := notify.CleanText(entries[0].Parent); m.Broadcast && parent != "" {
			// Also shown in the channel: say which story it follows.
			intro += " · on *" + truncEscape(parent, maxListTitle) + "*"
		}
		var lines []string
		for i := range entries {
			e := &entries[i]
			line := "• " + linkText(e.Link, truncEscape(e.DisplayTitle(), maxListTitle))
			if meta := st.meta(e); meta != "" {
				line += " — " + meta
			}
			lines = append(lines, line)
		}
		blocks := []slackgo.Block{contextBlock(intro)}
		for _, s := range packSections(lines) {
			if len(blocks) == maxBlocks {
				break
			}
			blocks = append(blocks, sectionBlock(s))
		}
		return blocks, "Also reported by: " + truncEscape(strings.Join(outlets, ", "), 300)
	}

	headline := fmt.Sprintf("More reports of %s already alerted", notify.Plural(len(storiesOf(entries)), "story", "stories"))
	if m.Parts > 1 {
		headline += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	blocks := []slackgo.Block{
		headerBlock(truncEscape(headline, maxHeaderChars)),
		contextBlock(rulesText(m) + " · also reported by " + truncEscape(strings.Join(outlets, ", "), 2000)),
	}
	lines := st.followUpLines(entries)
	for _, s := range packSections(lines) {
		if len(blocks) == maxBlocks {
			break
		}
		blocks = append(blocks, sectionBlock(s))
	}
	return blocks, truncEscape(headline, 300)
}

// followUpLines renders, per story, "• <story title> — also reported by
// <Outlet>, <Outlet>" with each outlet linked to its report.
func (st style) followUpLines(entries []notify.Entry) []string {
	var lines []string
	for _, g := range notify.GroupByStory(entries) {
		title := g[0].Parent
		if notify.CleanText(title) == "" {
			title = g[0].DisplayTitle()
		}
		lines = append(lines, appendOutlets("• *"+truncEscape(notify.CleanText(title), maxListTitle)+"* — also reported by ", g))
	}
	return lines
}

// renderUpdate lays out an edit of an alerted item: "Updated:" and the
// linked new title, with its snippet; outside the alert's thread it also
// names the title alerted before.
func (st style) renderUpdate(m *notify.Message) ([]slackgo.Block, string) {
	e := &m.Entries[0]
	text := "✏️ *Updated:* " + linkText(e.Link, truncEscape(e.DisplayTitle(), maxTitleChars))
	if m.ThreadTS == "" && notify.CleanText(e.Parent) != "" {
		text += "\n_was:_ " + truncEscape(notify.CleanText(e.Parent), maxTitleChars)
	}
	if meta := st.meta(e); meta != "" {
		text += "\n" + meta
	}
	blocks := []slackgo.Block{sectionBlock(text)}
	if s := e.Snippet(); s != "" {
		blocks = append(blocks, sectionBlock(escapeSlack(s)))
	}
	blocks = append(blocks, contextBlock(ruleLine(m, "")))
	return blocks, "Updated: " + truncEscape(e.DisplayTitle(), 300)
}

// alsoOutlets returns the outlets of entries, each once, in order.
func alsoOutlets(entries []notify.Entry) []string {
	var out []string
	seen := map[string]bool{}
	for i := range entries {
		name := notify.CleanText(entries[i].Feed)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		out = append(out, name)
	}
	return out
}

// storiesOf returns the distinct stories of entries (an entry without one
// counts alone).
func storiesOf(entries []notify.Entry) []string {
	var out []string
	seen := map[string]bool{}
	for i, e := range entries {
		key := e.Story
		if key == "" {
			key = fmt.Sprintf("entry-%d", i)
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, key)
		}
	}
	return out
}
