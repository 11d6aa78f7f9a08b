package feedhealth

import (
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

func TestEvaluate(t *testing.T) {
	now := t0.Add(48 * time.Hour)
	h := time.Hour
	tests := []struct {
		name        string
		expectEvery time.Duration
		feed        store.FeedState
		lastItem    time.Time
		rec         store.FeedHealth
		wantFrom    State
		wantTo      State // "" for no event
		wantRec     store.FeedHealth
	}{{
		name:    "first failure starts the run",
		feed:    store.FeedState{ConsecutiveFailures: 1, LastFetchAt: now.Add(-h), LastSuccessAt: now.Add(-2 * h)},
		wantRec: store.FeedHealth{FailingSince: now.Add(-h)},
	}, {
		name:     "a run found under way is dated from the last success",
		feed:     store.FeedState{ConsecutiveFailures: 9, LastFetchAt: now, LastSuccessAt: now.Add(-7 * h)},
		wantFrom: "", wantTo: StateFailing,
		wantRec: store.FeedHealth{Alerted: "failing", AlertedAt: now, FailingSince: now.Add(-7 * h)},
	}, {
		name: "a daemon stopped while a feed failed does not count the downtime",
		feed: store.FeedState{ConsecutiveFailures: 3, LastFetchAt: now.Add(-10 * h), LastSuccessAt: now.Add(-11 * h),
			NextAttemptAt: now.Add(-10*h + 4*time.Minute)},
		rec:     store.FeedHealth{FailingSince: now.Add(-11 * h)},
		wantRec: store.FeedHealth{FailingSince: now.Add(-11 * h)},
	}, {
		name:     "a success missed between two failures ends the alerted run",
		feed:     store.FeedState{ConsecutiveFailures: 1, LastFetchAt: now, LastSuccessAt: now.Add(-time.Minute)},
		rec:      store.FeedHealth{Alerted: "failing", FailingSince: now.Add(-10 * h)},
		wantFrom: StateFailing, wantTo: StateOK,
		wantRec: store.FeedHealth{AlertedAt: now, FailingSince: now},
	}, {
		name:        "failing below the threshold keeps an alerted silence",
		expectEvery: h,
		feed:        store.FeedState{ConsecutiveFailures: 2, LastFetchAt: now, LastSuccessAt: now.Add(-2 * h), PrimedAt: t0},
		rec:         store.FeedHealth{Alerted: "silent", FailingSince: now.Add(-h)},
		wantRec:     store.FeedHealth{Alerted: "silent", FailingSince: now.Add(-h)},
	}, {
		name:        "silent after failing: fetched again, still no item",
		expectEvery: h,
		feed:        store.FeedState{LastFetchAt: now, LastSuccessAt: now, PrimedAt: t0},
		lastItem:    now.Add(-20 * h),
		rec:         store.FeedHealth{Alerted: "failing", FailingSince: now.Add(-10 * h)},
		wantFrom:    StateFailing, wantTo: StateSilent,
		wantRec: store.FeedHealth{Alerted: "silent", AlertedAt: now},
	}, {
		name:    "silence alerts turned off: forgotten without a word",
		feed:    store.FeedState{LastFetchAt: now, LastSuccessAt: now, PrimedAt: t0},
		rec:     store.FeedHealth{Alerted: "silent", AlertedAt: t0},
		wantRec: store.FeedHealth{AlertedAt: t0},
	}, {
		name:        "never fetched successfully: not silent",
		expectEvery: h,
		feed:        store.FeedState{},
		wantRec:     store.FeedHealth{},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cf := model.Feed{Name: "Kan", URL: "https://kan.example/rss", Enabled: true, Schedule: "@every 5m", ExpectEvery: tc.expectEvery}
			rec := tc.rec
			ev := evaluate(cf, &tc.feed, tc.lastItem, &rec, now, 6*h)
			switch {
			case tc.wantTo == "" && ev != nil:
				t.Errorf("event %q → %q, want none", ev.from, ev.to)
			case tc.wantTo != "" && ev == nil:
				t.Errorf("no event, want %q → %q", tc.wantFrom, tc.wantTo)
			case ev != nil && (ev.from != tc.wantFrom || ev.to != tc.wantTo):
				t.Errorf("event %q → %q, want %q → %q", ev.from, ev.to, tc.wantFrom, tc.wantTo)
			}
			if rec != tc.wantRec {
				t.Errorf("record = %+v, want %+v", rec, tc.wantRec)
			}
		})
	}
}

func TestSpan(t *testing.T) {
	for d, want := range map[time.Duration]string{
		20 * time.Second:                "less than a minute",
		45 * time.Minute:                "45m",
		6*time.Hour + 12*time.Minute:    "6h 12m",
		6 * time.Hour:                   "6h",
		51*time.Hour + 20*time.Minute:   "2d 3h",
		48*time.Hour + 30*time.Second:   "2d",
		29*time.Minute + 45*time.Second: "30m",
	} {
		if got := span(d); got != want {
			t.Errorf("span(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestAlertText(t *testing.T) {
	ev := &event{
		feed: model.Feed{Name: "Kan", URL: "https://kan.example/rss"}, to: StateFailing, at: t0,
		failingFor: 7 * time.Hour, failures: 1, neverOK: true,
		lastError: strings.Repeat("x", 1000), nextAttempt: t0.Add(time.Hour),
	}
	title, summary := ev.text()
	if title != `Feed "Kan" is failing` {
		t.Errorf("title %q", title)
	}
	if !strings.HasPrefix(summary, "Not one successful fetch in 7h (1 failed attempt in a row). Last error: xxx") ||
		!strings.HasSuffix(summary, "…. newswatch keeps trying; next attempt at 2026-11-26 09:00 UTC.") || len(summary) > 600 {
		t.Errorf("summary %q", summary)
	}
	alerts := ev.alerts([]string{"a", "b"})
	if len(alerts) != 2 || alerts[1].Notifier != "b" || alerts[0].Severity != "notice" || alerts[0].Link != "https://kan.example/rss" {
		t.Errorf("alerts = %+v", alerts)
	}
}
