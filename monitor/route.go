package monitor

import (
	"strings"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/analysis"
	"github.com/newswatch/newswatch/internal/followup"
	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/rules"
)

// Destination is where one alert goes: a notifier and, when not "", a
// channel of it.
type Destination struct {
	Notifier string
	Channel  string
}

// Routing decides where a rule's alerts go.
type Routing struct {
	// Default names the notifiers of rules that name none.
	Default []string
	// Notifiers are the configured notifiers by name. A notifier missing
	// here has the zero Route.
	Notifiers map[string]Route
}

// Route is what routing needs to know of one notifier.
type Route struct {
	// Channel is its default channel; "" is read by the store as "the
	// notifier's default".
	Channel string
	// StoryUpdates is what later reports of a story already alerted
	// become there (see package followup).
	StoryUpdates followup.Mode
}

// Destinations returns the destinations of rule's alerts: each notifier of
// rule.Notify (else Default) once, in order, on rule.Channel, else the
// notifier's channel.
func (r Routing) Destinations(rule *rules.Rule) []Destination {
	names := rule.Notify
	if len(names) == 0 {
		names = r.Default
	}
	out := make([]Destination, 0, len(names))
	for _, name := range names {
		if name == "" || containsNotifier(out, name) {
			continue
		}
		channel := rule.Channel
		if channel == "" {
			channel = r.Notifiers[name].Channel
		}
		out = append(out, Destination{Notifier: name, Channel: channel})
	}
	return out
}

func containsNotifier(ds []Destination, name string) bool {
	for _, d := range ds {
		if d.Notifier == name {
			return true
		}
	}
	return false
}

// snippetRunes is the length of an alert's summary snippet.
const snippetRunes = 300

// newAlert is the outbox row for one match of it in feed f, sent to d. It
// carries a snapshot of what a message shows, so rendering never needs the
// item again. summary is alertSummary(it), which the alerts of one item
// share.
func newAlert(it *model.Item, summary string, f model.Feed, m rules.Match, d Destination) *model.Alert {
	severity := string(m.Rule.Severity)
	if severity == "" {
		severity = string(rules.SeverityInfo)
	}
	return &model.Alert{
		ItemID:      it.ID,
		Rule:        m.Rule.Name,
		Notifier:    d.Notifier,
		Channel:     d.Channel,
		Severity:    severity,
		Title:       it.Title,
		Link:        it.Link,
		Feed:        f.Name,
		Summary:     summary,
		Description: m.Rule.Description,
		Published:   it.Published,
		Hits:        m.Hits,
		Digest:      m.Rule.Digest != "",
	}
}

// alertSummary is the summary an alert of it shows: a snippet of its
// summary, else of its content, HTML stripped, else of its article. plain
// is its summary stripped already (analysis.StripHTML(it.Summary)):
// matching strips it, and a poll strips each summary once.
func alertSummary(it *model.Item, plain string) string {
	summary := plain
	if strings.TrimSpace(it.Summary) == "" {
		summary = analysis.StripHTML(it.Content)
	}
	if strings.TrimSpace(summary) == "" {
		summary = it.Article // plain text already
	}
	return snippet(summary, snippetRunes)
}

// snippet collapses white space and shortens s to at most n runes, at a word
// boundary when there is one, marking the cut with "…".
func snippet(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut, n := 0, n-1 // leave room for the ellipsis
	for i := range s {
		if n == 0 {
			cut = i
			break
		}
		n--
	}
	if sp := strings.LastIndexByte(s[:cut], ' '); sp > cut/2 {
		cut = sp
	}
	return strings.TrimRight(s[:cut], " ,;:.-") + "…"
}
