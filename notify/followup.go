package notify

import (
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/store"
)

// Follow-ups: later reports of a story a rule already alerted (KindAlso)
// and edits of an alerted item (KindUpdate), as package followup decides
// them. The store holds one until its parent is delivered; then the
// follow-ups of a destination due together are sent as followup.Threaded
// and followup.BatchKey say.

// followUpKind is the message kind of a follow-up alert, or "" for another.
func followUpKind(a *store.Alert) Kind {
	switch a.Kind {
	case store.KindAlso:
		return KindAlso
	case store.KindUpdate:
		return KindUpdate
	}
	return ""
}

// threaded reports whether follow-up a of destination ds replies in its
// parent's thread (see followup.Threaded).
func (ds *destination) threaded(a *store.Alert) bool {
	return a.Parent != nil && followup.Threaded(ds.updates, a.Parent.RemoteID)
}

// followUp adds the due follow-up a, of destination ds, to the jobs of a
// fill: to the job of the same batch when there is one (groups, by batch
// key), else as a new job appended to jobs. It returns false when a is not
// to be sent: its parent is a dead letter, and so a is now one too.
func (r *runner) followUp(ds *destination, a *store.Alert, kind Kind, jobs *[]*job, groups map[string]*job) bool {
	d := r.d
	if a.Parent != nil && a.Parent.Status == store.StatusDead {
		reason := fmt.Sprintf("the alert it follows up (%d) is a dead letter; `newswatch alerts retry` queues both", a.ParentID)
		d.markDead(r, []*store.Alert{a}, reason)
		d.outcome(Outcome{Notifier: a.Notifier, Channel: ds.channel, Rule: a.Rule, Kind: kind, Alerts: 1, Result: ResultDead, Reason: "parent_dead"})
		r.release([]*store.Alert{a}, 1)
		return false
	}
	threaded := ds.threaded(a)
	key := followup.BatchKey(kind == KindUpdate, threaded, a.ParentID, a.Rule)
	if j := groups[key]; key != "" && j != nil {
		j.alerts = append(j.alerts, a)
		j.since = append(j.since, queuedSince(a))
		return true
	}
	j := &job{kind: kind, rule: a.Rule, alerts: []*store.Alert{a}, since: []time.Time{queuedSince(a)}, threaded: threaded}
	if key != "" {
		groups[key] = j
	}
	*jobs = append(*jobs, j)
	return true
}

// followUpMessage completes m, the message of follow-up job j: in the
// parent's thread when j is threaded, and naming what it follows up.
func (j *job) followUpMessage(m *Message) {
	first := j.alerts[0]
	if j.threaded {
		m.ThreadTS = first.Parent.RemoteID
		if first.Parent.RemoteChannel != "" {
			m.Channel = first.Parent.RemoteChannel
		}
	}
	for i, a := range j.alerts {
		if a.Parent != nil {
			m.Entries[i].Parent = a.Parent.Title
		}
	}
}

// renderFollowUp lays out a follow-up for Slack. In a thread: a context
// line "Also reported by: Outlet, Outlet" (or "Updated"), and a line per
// report. Outside one: a header naming the kind of message, and per story
// followed up a line with its title and the outlets that reported it
// again, with links. Both keep to the block structure split sizes
// (at most two blocks before the sections).
func (st slackStyle) renderFollowUp(m *Message) ([]slack.Block, string) {
	if m.Kind == KindUpdate {
		return st.renderUpdate(m)
	}
	outlets := alsoOutlets(m.Entries)
	if m.ThreadTS != "" {
		intro := "*Also reported by:* " + truncEscape(strings.Join(outlets, ", "), maxTextChars-100)
		var lines []string
		for i := range m.Entries {
			e := &m.Entries[i]
			line := "• " + linkText(e.Link, truncEscape(entryTitle(e), maxListTitle))
			if meta := st.meta(e); meta != "" {
				line += " — " + meta
			}
			lines = append(lines, line)
		}
		blocks := []slack.Block{contextBlock(intro)}
		for _, s := range packSections(lines) {
			if len(blocks) == maxBlocks {
				break
			}
			blocks = append(blocks, sectionBlock(s))
		}
		return blocks, "Also reported by: " + truncEscape(strings.Join(outlets, ", "), 300)
	}

	headline := fmt.Sprintf("More reports of %s already alerted", plural(len(storiesOf(m.Entries)), "story", "stories"))
	if m.Parts > 1 {
		headline += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	blocks := []slack.Block{
		headerBlock(truncEscape(headline, maxHeaderChars)),
		contextBlock("rule *" + truncEscape(CleanText(m.Rule), 200) + "* · also reported by " + truncEscape(strings.Join(outlets, ", "), 2000)),
	}
	lines := st.followUpLines(m.Entries)
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
func (st slackStyle) followUpLines(entries []Entry) []string {
	var lines []string
	for _, g := range groupEntries(entries) {
		title := g[0].Parent
		if CleanText(title) == "" {
			title = entryTitle(&g[0])
		}
		lines = append(lines, appendOutlets("• *"+truncEscape(CleanText(title), maxListTitle)+"* — also reported by ", g))
	}
	return lines
}

// renderUpdate lays out an edit of an alerted item: "Updated:" and the
// linked new title, with its snippet; outside the alert's thread it also
// names the title alerted before.
func (st slackStyle) renderUpdate(m *Message) ([]slack.Block, string) {
	e := &m.Entries[0]
	text := "✏️ *Updated:* " + linkText(e.Link, truncEscape(entryTitle(e), maxTitleChars))
	if m.ThreadTS == "" && CleanText(e.Parent) != "" {
		text += "\n_was:_ " + truncEscape(CleanText(e.Parent), maxTitleChars)
	}
	if meta := st.meta(e); meta != "" {
		text += "\n" + meta
	}
	blocks := []slack.Block{sectionBlock(text)}
	if s := snippetOf(e.Summary); s != "" {
		blocks = append(blocks, sectionBlock(escapeSlack(s)))
	}
	blocks = append(blocks, contextBlock(ruleLine(m, "")))
	return blocks, "Updated: " + truncEscape(entryTitle(e), 300)
}

// alsoOutlets returns the outlets of entries, each once, in order.
func alsoOutlets(entries []Entry) []string {
	var out []string
	seen := map[string]bool{}
	for i := range entries {
		name := CleanText(entries[i].Feed)
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
func storiesOf(entries []Entry) []string {
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

// formatFollowUp renders a follow-up for the console:
//
//	── syria-israel · also reported ─────────────────────────
//	• Israel and Syria hold talks in Baku
//	  also: Gulf Observer https://gulfobserver.example/…
func (c *Console) formatFollowUp(m *Message) string {
	var b strings.Builder
	head := "── " + CleanText(m.Rule) + " · also reported"
	if m.Kind == KindUpdate {
		head = "── " + CleanText(m.Rule) + " · updated"
	}
	b.WriteString(consoleHeading(head))
	if m.Kind == KindUpdate {
		e := &m.Entries[0]
		b.WriteString(entryTitle(e) + "\n")
		if was := CleanText(e.Parent); was != "" {
			b.WriteString("was: " + was + "\n")
		}
		if link, ok := NormalizeLink(e.Link); ok {
			b.WriteString(link + "\n")
		}
		b.WriteString("\n")
		return b.String()
	}
	for _, g := range groupEntries(m.Entries) {
		title := CleanText(g[0].Parent)
		if title == "" {
			title = entryTitle(&g[0])
		}
		b.WriteString("• " + title + "\n")
		writeAlso(&b, g)
	}
	b.WriteString("\n")
	return b.String()
}
