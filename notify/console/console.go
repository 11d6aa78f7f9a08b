// Package console is the notifier that prints alerts to a terminal or a
// log: one block of plain text per message (an alert, a folded summary or
// digest, follow-ups, feed-health changes), with feed text cleaned of the
// control characters and escape sequences a feed could send a terminal.
package console

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// Options configure a notifier that prints alerts. The zero value is
// usable: standard output, times in the local zone.
type Options struct {
	// Name is the notifier's configured name; "console" when empty.
	Name string
	// Out receives the alerts; nil means os.Stdout.
	Out io.Writer
	// Location is the time zone of printed times; nil means time.Local.
	Location *time.Location
}

// width is the width of the rule that starts each printed block.
const width = 60

// Notifier prints each message as one readable block of plain text. Feed
// text is cleaned of control characters first, so a feed cannot send
// escape sequences to the terminal. Writes are serialised, so blocks never
// interleave.
type Notifier struct {
	name string
	loc  *time.Location
	mu   sync.Mutex
	out  io.Writer
}

// New returns a console notifier.
func New(o Options) *Notifier {
	if o.Name == "" {
		o.Name = "console"
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	return &Notifier{name: o.Name, out: o.Out, loc: o.Location}
}

// Name returns the notifier's configured name.
func (c *Notifier) Name() string { return c.name }

// Notify prints m. A failed write is returned as permanent: a closed
// standard output will not open again.
func (c *Notifier) Notify(ctx context.Context, m *notify.Message) (notify.Receipt, bool, error) {
	if err := ctx.Err(); err != nil {
		return notify.Receipt{}, true, &notify.SendError{Notifier: c.name, Reason: "canceled", Err: err}
	}
	text := c.format(m)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.out, text); err != nil {
		return notify.Receipt{}, false, &notify.SendError{Notifier: c.name, Reason: "write", Err: err}
	}
	return notify.Receipt{}, false, nil
}

// format renders m, for example (an article that matched two rules,
// named in the heading, the highest severity first):
//
//	── abraham-accords, syria-israel · high ─────────────────
//	Syria and Israel edge toward the Abraham Accords
//	Times of Israel · 2026-11-26 11:12 IST
//	https://www.timesofisrael.com/syria-israel-abraham-accords/
//	matched: "Abraham Accords" (title), normalization (summary)
//	Officials said normalization talks resumed on Tuesday.
func (c *Notifier) format(m *notify.Message) string {
	if m.Kind == notify.KindHealth {
		return c.formatHealth(m)
	}
	if m.Kind == notify.KindAlso || m.Kind == notify.KindUpdate {
		return c.formatFollowUp(m)
	}
	var b strings.Builder
	sev := notify.CleanText(m.Severity)
	if sev == "" {
		sev = string(rules.SeverityInfo)
	}
	alert := m.Kind == notify.KindAlert && len(notify.Articles(m.Entries)) == 1
	head := "── " + strings.Join(m.RuleNames(), ", ") + " · " + sev
	switch {
	case alert:
	case m.Kind == notify.KindDigest:
		head += " · digest of " + notify.Plural(len(m.Entries), "match", "matches")
	default:
		head += " · " + notify.Plural(len(m.Entries), "alert", "alerts") + " at once"
	}
	if m.Parts > 1 {
		head += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	b.WriteString(heading(head))

	if alert {
		article := notify.Articles(m.Entries)[0] // the hits of every rule
		e := &article
		b.WriteString(e.DisplayTitle() + "\n")
		if meta := c.meta(e); meta != "" {
			b.WriteString(meta + "\n")
		}
		if link, ok := notify.NormalizeLink(e.Link); ok {
			b.WriteString(link + "\n")
		}
		if matched := notify.MatchedTerms(e.Hits, 200); matched != "" {
			b.WriteString("matched: " + matched + "\n")
		}
		for _, q := range notify.MatchQuotes(e.Hits) {
			b.WriteString("  “" + q.Text + "” (" + q.Field + ")\n")
		}
		if s := e.Snippet(); s != "" {
			b.WriteString(s + "\n")
		}
		b.WriteString("\n")
		return b.String()
	}
	for _, g := range notify.GroupByStory(m.Entries) {
		e := &g[0]
		b.WriteString("• " + e.DisplayTitle())
		if meta := c.meta(e); meta != "" {
			b.WriteString(" — " + meta)
		}
		b.WriteString("\n")
		if link, ok := notify.NormalizeLink(e.Link); ok {
			b.WriteString("  " + link + "\n")
		}
		writeAlso(&b, g[1:])
	}
	b.WriteString("\n")
	return b.String()
}

// heading returns head followed by a rule out to width: the line that
// starts each printed block.
func heading(head string) string {
	return head + " " + strings.Repeat("─", max(3, width-1-utf8.RuneCountInString(head))) + "\n"
}

// writeAlso writes an "also:" line, outlet and link, for each of entries:
// the other reports of a story.
func writeAlso(b *strings.Builder, entries []notify.Entry) {
	for i := range entries {
		e := &entries[i]
		b.WriteString("  also: " + notify.CleanText(e.Feed))
		if link, ok := notify.NormalizeLink(e.Link); ok {
			b.WriteString(" " + link)
		}
		b.WriteString("\n")
	}
}

// meta is an entry's outlet and publication time.
func (c *Notifier) meta(e *notify.Entry) string {
	var parts []string
	if feed := notify.CleanText(e.Feed); feed != "" {
		parts = append(parts, feed)
	}
	if !e.Published.IsZero() {
		parts = append(parts, e.Published.In(c.loc).Format("2006-01-02 15:04 MST"))
	}
	return strings.Join(parts, " · ")
}

// formatFollowUp renders a follow-up for the console:
//
//	── syria-israel · also reported ─────────────────────────
//	• Israel and Syria hold talks in Baku
//	  also: Gulf Observer https://gulfobserver.example/…
func (c *Notifier) formatFollowUp(m *notify.Message) string {
	var b strings.Builder
	rules := strings.Join(m.RuleNames(), ", ")
	head := "── " + rules + " · also reported"
	if m.Kind == notify.KindUpdate {
		head = "── " + rules + " · updated"
	}
	b.WriteString(heading(head))
	if m.Kind == notify.KindUpdate {
		e := &m.Entries[0]
		b.WriteString(e.DisplayTitle() + "\n")
		if was := notify.CleanText(e.Parent); was != "" {
			b.WriteString("was: " + was + "\n")
		}
		if link, ok := notify.NormalizeLink(e.Link); ok {
			b.WriteString(link + "\n")
		}
		b.WriteString("\n")
		return b.String()
	}
	for _, g := range notify.GroupByStory(notify.Articles(m.Entries)) {
		title := notify.CleanText(g[0].Parent)
		if title == "" {
			title = g[0].DisplayTitle()
		}
		b.WriteString("• " + title + "\n")
		writeAlso(&b, g)
	}
	b.WriteString("\n")
	return b.String()
}

// formatHealth prints feed-health alerts on the console, for example:
//
//	── feed health ──────────────────────────────────────────
//	PROBLEM Feed "Times of Israel" is failing
//	https://www.timesofisrael.com/feed/ · 2026-11-26 15:04 IST
//	No successful fetch for 6h 12m (9 failed attempts in a row). …
func (c *Notifier) formatHealth(m *notify.Message) string {
	var b strings.Builder
	head := "── feed health"
	if len(m.Entries) > 1 {
		head += " · " + notify.Plural(len(m.Entries), "change", "changes")
	}
	if m.Parts > 1 {
		head += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	b.WriteString(heading(head))
	for i := range m.Entries {
		e := &m.Entries[i]
		word := "PROBLEM"
		if notify.Recovery(m.SeverityOf(e)) {
			word = "RECOVERED"
		}
		b.WriteString(word + " " + notify.CleanText(e.Title) + "\n")
		var where []string
		if link, ok := notify.NormalizeLink(e.Link); ok {
			where = append(where, link)
		}
		if !e.Published.IsZero() {
			where = append(where, e.Published.In(c.loc).Format("2006-01-02 15:04 MST"))
		}
		if len(where) > 0 {
			b.WriteString(strings.Join(where, " · ") + "\n")
		}
		if detail := notify.CleanText(e.Summary); detail != "" {
			b.WriteString(detail + "\n")
		}
	}
	b.WriteString("\n")
	return b.String()
}
