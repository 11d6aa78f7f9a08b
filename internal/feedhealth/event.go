package feedhealth

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/redact"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

// event is a change of what operators should know about a feed: a problem
// began (to is StateFailing or StateSilent) or passed (to is StateOK).
type event struct {
	feed     model.Feed
	from, to State // from is "" when no problem was alerted before
	at       time.Time

	failingFor  time.Duration // failing: how long; recovered from failing: how long it had failed
	failures    int
	lastError   string
	nextAttempt time.Time
	neverOK     bool // failing: not one successful fetch yet

	quietFor      time.Duration // silent: how long without a new item
	lastSuccessAt time.Time
	lastItemAt    time.Time
}

// evaluate updates rec, the health record of feed f (configured as cf),
// whose newest item was seen at lastItem, and returns the change to alert,
// or nil.
func evaluate(cf model.Feed, f *store.FeedState, lastItem time.Time, rec *store.FeedHealth, now time.Time, alertAfter time.Duration) *event {
	// The run of failures begins at the first failed fetch. A run found
	// already under way (the checks were off, or missed a success between
	// two failures) began after the last success, the best bound known.
	prevFailingSince := rec.FailingSince
	if f.ConsecutiveFailures > 0 {
		if rec.FailingSince.IsZero() || rec.FailingSince.Before(f.LastSuccessAt) {
			rec.FailingSince = f.LastFetchAt
			if f.ConsecutiveFailures > 1 && !f.LastSuccessAt.IsZero() {
				rec.FailingSince = f.LastSuccessAt
			}
		}
	} else {
		rec.FailingSince = time.Time{}
	}

	alerted := State(rec.Alerted)
	// A kind of alert that was turned off is forgotten without a word:
	// nothing recovered.
	if (alerted == StateFailing && alertAfter <= 0) || (alerted == StateSilent && cf.ExpectEvery <= 0) {
		alerted, rec.Alerted = "", ""
	}

	var problem State // the problem to alert now, "" for none
	quietFor := quiet(cf, f, lastItem)
	switch {
	case f.ConsecutiveFailures > 0:
		if alertAfter > 0 && failingUntil(cf, f, now).Sub(rec.FailingSince) >= alertAfter {
			problem = StateFailing
		} else if alerted == StateSilent {
			// Silence cannot be told while fetches fail: keep it.
			problem = StateSilent
		}
	case cf.ExpectEvery > 0 && quietFor > cf.ExpectEvery:
		problem = StateSilent
	}
	if problem == alerted {
		return nil
	}

	ev := &event{feed: cf, from: alerted, to: problem, at: now,
		failures: f.ConsecutiveFailures, lastError: redact.Text(f.LastError, f.URL, f.CurrentURL), nextAttempt: monitor.NextPoll(cf.Schedule, f.LastFetchAt, f.NextAttemptAt, now),
		neverOK: f.LastSuccessAt.IsZero(), quietFor: quietFor,
		lastSuccessAt: f.LastSuccessAt, lastItemAt: lastItem}
	switch {
	case problem == StateFailing:
		ev.failingFor = failingUntil(cf, f, now).Sub(rec.FailingSince)
	case problem == "" && alerted == StateFailing:
		ev.to = StateOK
		if !prevFailingSince.IsZero() && !f.LastSuccessAt.Before(prevFailingSince) {
			ev.failingFor = f.LastSuccessAt.Sub(prevFailingSince)
		}
	case problem == "":
		ev.to = StateOK
	}
	rec.Alerted = string(problem)
	rec.AlertedAt = now
	return ev
}

// fetchGrace is how late a fetch may come after its scheduled time (the
// scheduler's jitter, a busy worker pool) before the feed is taken for not
// polled at all.
const fetchGrace = 5 * time.Minute

// failingUntil is the end of the time a failing feed is known to have kept
// failing, at now: now, while its next fetch is not overdue (it waits out
// its backoff, or its schedule), else when that fetch was due. A daemon
// that was stopped while a feed failed thus does not count its downtime as
// failure, and does not alert at start about a feed that may work again;
// the next failed fetch resumes the count.
func failingUntil(cf model.Feed, f *store.FeedState, now time.Time) time.Time {
	due := monitor.NextPoll(cf.Schedule, f.LastFetchAt, f.NextAttemptAt, f.LastFetchAt)
	if due.IsZero() {
		return now
	}
	if limit := due.Add(fetchGrace); limit.Before(now) {
		return limit
	}
	return now
}

// Severities of feed-health alerts: a problem asks for attention, a
// recovery is news.
const (
	problemSeverity  = rules.SeverityNotice
	recoverySeverity = rules.SeverityInfo
)

// maxErrorChars bounds the error quoted in an alert.
const maxErrorChars = 400

// alerts returns the event's alert for each notifier.
func (ev *event) alerts(notifiers []string) []*model.Alert {
	title, summary := ev.text()
	severity := problemSeverity
	if ev.to == StateOK {
		severity = recoverySeverity
	}
	out := make([]*model.Alert, 0, len(notifiers))
	for _, n := range notifiers {
		out = append(out, &model.Alert{
			Rule:      notify.HealthRule,
			Notifier:  n,
			Severity:  string(severity),
			Title:     title,
			Link:      redact.URL(ev.feed.URL), // shown as the feed's link
			Feed:      ev.feed.Name,
			Summary:   summary,
			Published: ev.at,
			CreatedAt: ev.at,
		})
	}
	return out
}

// text returns the title and the plain-text body of the event's alert.
func (ev *event) text() (title, summary string) {
	name := ev.feed.Name
	switch {
	case ev.to == StateFailing:
		title = fmt.Sprintf("Feed %q is failing", name)
		var b strings.Builder
		if ev.neverOK {
			fmt.Fprintf(&b, "Not one successful fetch in %s", span(ev.failingFor))
		} else {
			fmt.Fprintf(&b, "No successful fetch for %s", span(ev.failingFor))
		}
		fmt.Fprintf(&b, " (%s in a row).", plural(ev.failures, "failed attempt", "failed attempts"))
		if ev.lastError != "" {
			b.WriteString(" Last error: " + cut(ev.lastError, maxErrorChars))
			if !strings.HasSuffix(b.String(), ".") {
				b.WriteString(".")
			}
		}
		b.WriteString(" newswatch keeps trying")
		if ev.nextAttempt.After(ev.at) {
			b.WriteString("; next attempt " + stamp(ev.nextAttempt))
		}
		b.WriteString(".")
		summary = b.String()
	case ev.to == StateSilent:
		title = fmt.Sprintf("Feed %q has gone quiet", name)
		summary = fmt.Sprintf("No new item for %s, though one is expected every %s.", span(ev.quietFor), span(ev.feed.ExpectEvery))
		if !ev.lastSuccessAt.IsZero() {
			summary += " The feed is still fetched without error (last " + stamp(ev.lastSuccessAt) + "):"
		}
		summary += " it may have moved, changed its format, or stopped publishing."
	case ev.from == StateFailing:
		title = fmt.Sprintf("Feed %q has recovered", name)
		summary = "Fetched successfully " + stamp(ev.lastSuccessAt)
		if ev.failingFor > 0 {
			summary += ", after failing for " + span(ev.failingFor)
		}
		summary += "."
	default:
		title = fmt.Sprintf("Feed %q is publishing again", name)
		summary = "A new item arrived"
		if !ev.lastItemAt.IsZero() {
			summary += " " + stamp(ev.lastItemAt)
		}
		summary += "."
	}
	return title, summary
}

// span renders a duration for people, to the minute: "6h 12m", "2d 3h",
// "45m", "less than a minute".
func span(d time.Duration) string {
	d = d.Round(time.Minute)
	if d < time.Minute {
		return "less than a minute"
	}
	days, hours, mins := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, fmt.Sprintf("%dd", days))
	}
	if hours > 0 {
		parts = append(parts, fmt.Sprintf("%dh", hours))
	}
	if mins > 0 && days == 0 {
		parts = append(parts, fmt.Sprintf("%dm", mins))
	}
	return strings.Join(parts, " ")
}

// stamp renders a time in an alert: "at 2026-11-26 09:12 UTC".
func stamp(t time.Time) string {
	return "at " + t.UTC().Format("2006-01-02 15:04 MST")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// cut shortens s to at most n characters, marking the cut.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
