package notify

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/rules"
)

// ConsoleOptions configure a notifier that prints alerts. The zero value is
// usable: standard output, times in the local zone.
type ConsoleOptions struct {
	// Name is the notifier's configured name; "console" when empty.
	Name string
	// Out receives the alerts; nil means os.Stdout.
	Out io.Writer
	// Location is the time zone of printed times; nil means time.Local.
	Location *time.Location
}

// consoleWidth is the width of the rule that starts each printed block.
const consoleWidth = 60

// Console is a Notifier that prints each message as one readable block of
// plain text. Feed text is cleaned of control characters first, so a feed
// cannot send escape sequences to the terminal. Writes are serialised, so
// blocks never interleave.
type Console struct {
	name string
	loc  *time.Location
	mu   sync.Mutex
	out  io.Writer
}

// NewConsole returns a console notifier.
func NewConsole(o ConsoleOptions) *Console {
	if o.Name == "" {
		o.Name = "console"
	}
	if o.Out == nil {
		o.Out = os.Stdout
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	return &Console{name: o.Name, out: o.Out, loc: o.Location}
}

// Name returns the notifier's configured name.
func (c *Console) Name() string { return c.name }

// Notify prints m. A failed write is returned as permanent: a closed
// standard output will not open again.
func (c *Console) Notify(ctx context.Context, m *Message) (Receipt, bool, error) {
	if err := ctx.Err(); err != nil {
		return Receipt{}, true, sendError(c.name, "canceled", err)
	}
	text := c.format(m)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := io.WriteString(c.out, text); err != nil {
		return Receipt{}, false, sendError(c.name, "write", err)
	}
	return Receipt{}, false, nil
}

// format renders m, for example:
//
//	── abraham-accords · high ───────────────────────────────
//	Syria and Israel edge toward the Abraham Accords
//	Times of Israel · 2026-11-26 11:12 IST
//	https://www.timesofisrael.com/syria-israel-abraham-accords/
//	matched: "Abraham Accords" (title), normalization (summary)
//	Officials said normalization talks resumed on Tuesday.
func (c *Console) format(m *Message) string {
	if m.Kind == KindHealth {
		return c.formatHealth(m)
	}
	if m.Kind == KindAlso || m.Kind == KindUpdate {
		return c.formatFollowUp(m)
	}
	var b strings.Builder
	sev := CleanText(m.Severity)
	if sev == "" {
		sev = string(rules.SeverityInfo)
	}
	head := "── " + CleanText(m.Rule) + " · " + sev
	switch {
	case m.Kind == KindAlert && len(m.Entries) == 1:
	case m.Kind == KindDigest:
		head += " · digest of " + plural(len(m.Entries), "match", "matches")
	default:
		head += " · " + plural(len(m.Entries), "alert", "alerts") + " at once"
	}
	if m.Parts > 1 {
		head += fmt.Sprintf(" (%d/%d)", m.Part, m.Parts)
	}
	b.WriteString(consoleHeading(head))

	if m.Kind == KindAlert && len(m.Entries) == 1 {
		e := &m.Entries[0]
		b.WriteString(entryTitle(e) + "\n")
		if meta := c.meta(e); meta != "" {
			b.WriteString(meta + "\n")
		}
		if link, ok := NormalizeLink(e.Link); ok {
			b.WriteString(link + "\n")
		}
		if matched := MatchedTerms(e.Hits, 200); matched != "" {
			b.WriteString("matched: " + matched + "\n")
		}
		if s := snippetOf(e.Summary); s != "" {
			b.WriteString(s + "\n")
		}
		b.WriteString("\n")
		return b.String()
	}
	for _, g := range groupEntries(m.Entries) {
		e := &g[0]
		b.WriteString("• " + entryTitle(e))
		if meta := c.meta(e); meta != "" {
			b.WriteString(" — " + meta)
		}
		b.WriteString("\n")
		if link, ok := NormalizeLink(e.Link); ok {
			b.WriteString("  " + link + "\n")
		}
		writeAlso(&b, g[1:])
	}
	b.WriteString("\n")
	return b.String()
}

// consoleHeading returns head followed by a rule out to consoleWidth, the
// line that starts each printed block.
func consoleHeading(head string) string {
	return head + " " + strings.Repeat("─", max(3, consoleWidth-1-utf8.RuneCountInString(head))) + "\n"
}

// writeAlso writes an "also:" line, outlet and link, for each of entries:
// the other reports of a story.
func writeAlso(b *strings.Builder, entries []Entry) {
	for i := range entries {
		e := &entries[i]
		b.WriteString("  also: " + CleanText(e.Feed))
		if link, ok := NormalizeLink(e.Link); ok {
			b.WriteString(" " + link)
		}
		b.WriteString("\n")
	}
}

// meta is an entry's outlet and publication time.
func (c *Console) meta(e *Entry) string {
	var parts []string
	if feed := CleanText(e.Feed); feed != "" {
		parts = append(parts, feed)
	}
	if !e.Published.IsZero() {
		parts = append(parts, e.Published.In(c.loc).Format("2006-01-02 15:04 MST"))
	}
	return strings.Join(parts, " · ")
}

// MatchedTerms lists the distinct texts hits matched, in the order they
// first appear, each with its fields, as people read them:
// `"Abraham Accords" (title), normalization (summary)`. Each text is cut
// to limit characters. It is plain text, for the console and the admin
// page; matchedText is its escaped form for Slack.
func MatchedTerms(hits []rules.Hit, limit int) string {
	terms := matchTerms(hits)
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = t.format(limit)
	}
	return strings.Join(parts, ", ")
}
