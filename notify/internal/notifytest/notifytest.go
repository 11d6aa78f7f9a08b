// Package notifytest holds the messages the notifiers' tests render and
// send: one alert about the Abraham Accords, and summaries or digests of
// any length.
package notifytest

import (
	"fmt"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
)

// Published is when SampleEntry's item was published.
var Published = time.Date(2026, 11, 26, 9, 12, 0, 0, time.UTC)

// AlertMessage is the message of one alert, e, of rule abraham-accords.
func AlertMessage(e notify.Entry) *notify.Message {
	return &notify.Message{
		Kind:     notify.KindAlert,
		ID:       fmt.Sprintf("alert-%d", e.AlertID),
		Rule:     "abraham-accords",
		Severity: "info",
		Entries:  []notify.Entry{e},
	}
}

// RulesMessage is the message of SampleEntry(1)'s item as two rules
// matched it: abraham-accords (high, alert 1, which matched the title)
// and normalization (notice, alert 2, which matched the summary), in the
// order the Dispatcher gives them, the highest severity first.
func RulesMessage() *notify.Message {
	high, notice := SampleEntry(1), SampleEntry(2)
	high.ItemID, notice.ItemID = 7, 7
	high.Rule, high.Severity, high.Hits = "abraham-accords", "high", high.Hits[:1]
	notice.Rule, notice.Severity, notice.Hits = "normalization", "notice", notice.Hits[1:]
	return &notify.Message{
		Kind:     notify.KindAlert,
		ID:       "alert-merged",
		Rule:     "abraham-accords",
		Severity: "high",
		Rules:    []notify.RuleRef{{Name: "abraham-accords", Severity: "high"}, {Name: "normalization", Severity: "notice"}},
		Entries:  []notify.Entry{high, notice},
	}
}

// SampleEntry is alert id: an item of the Times of Israel with a link
// with a query, matched in its title and summary.
func SampleEntry(id int64) notify.Entry {
	return notify.Entry{
		AlertID:   id,
		ItemID:    id,
		Title:     "Syria and Israel edge toward the Abraham Accords",
		Link:      "https://www.timesofisrael.com/syria-israel-abraham-accords/?utm=x&ref=y",
		Feed:      "Times of Israel",
		Summary:   "Officials said normalization talks resumed on Tuesday.",
		Published: Published,
		Seen:      Published.Add(time.Minute),
		Hits: []model.Hit{
			{Field: "title", Text: "Abraham Accords"},
			{Field: "summary", Text: "normalization"},
		},
	}
}

// ListMessage is a summary or digest (kind) of n entries of rule
// syria-israel, entry i published i minutes after Published, each with a
// link of about linkLen characters, from five feeds in turn.
func ListMessage(kind notify.Kind, n int, linkLen int) *notify.Message {
	entries := make([]notify.Entry, n)
	for i := range entries {
		entries[i] = notify.Entry{
			AlertID:   int64(i + 1),
			Title:     fmt.Sprintf("Report %d on Syria–Israel talks", i+1),
			Link:      fmt.Sprintf("https://example.com/%d/%s", i+1, strings.Repeat("x", linkLen)),
			Feed:      "Feed " + fmt.Sprint(i%5),
			Published: Published.Add(time.Duration(i) * time.Minute),
		}
	}
	return &notify.Message{Kind: kind, Rule: "syria-israel", Severity: "notice", Entries: entries}
}

// HealthAt is when HealthEntry's alerts were written.
var HealthAt = time.Date(2026, 11, 26, 8, 0, 0, 0, time.UTC)

// HealthEntry is a feed-health alert about feed as package feedhealth
// writes it: a problem (severity notice) with details that hold HTML
// characters, or a recovery (severity info).
func HealthEntry(feed string, recovery bool) notify.Entry {
	e := notify.Entry{
		Title:     fmt.Sprintf("Feed %q is failing", feed),
		Link:      "https://" + strings.ToLower(strings.ReplaceAll(feed, " ", "")) + ".example/feed",
		Feed:      feed,
		Summary:   "No successful fetch for 6h 5m (9 failed attempts in a row). Last error: unexpected <html> & status 502.",
		Published: HealthAt,
		Seen:      HealthAt,
		Severity:  "notice",
	}
	if recovery {
		e.Severity = "info"
		e.Title = fmt.Sprintf("Feed %q has recovered", feed)
		e.Summary = "Fetched successfully at 2026-11-26 08:00 UTC, after failing for 7h."
	}
	return e
}

// HealthMessage is the message of feed-health alerts entries, as the
// dispatcher builds it: of the first entry's severity.
func HealthMessage(entries ...notify.Entry) *notify.Message {
	return &notify.Message{Kind: notify.KindHealth, Rule: notify.HealthRule, Severity: entries[0].Severity, Entries: entries}
}
