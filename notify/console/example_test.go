package console_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/console"
)

func ExampleNotifier() {
	c := console.New(console.Options{Out: os.Stdout, Location: time.UTC})
	m := &notify.Message{
		Kind:     notify.KindAlert,
		Rule:     "abraham-accords",
		Severity: "high",
		Entries: []notify.Entry{{
			Title:     "Syria and Israel edge toward the Abraham Accords",
			Link:      "https://www.timesofisrael.com/liveblog-entry/syria-israel/",
			Feed:      "Times of Israel",
			Summary:   "Officials said normalization talks resumed.",
			Published: time.Date(2026, 11, 26, 9, 12, 0, 0, time.UTC),
			Hits:      []model.Hit{{Field: "title", Text: "Abraham Accords"}, {Field: "summary", Text: "normalization"}},
		}},
	}
	if _, _, err := c.Notify(context.Background(), m); err != nil {
		fmt.Println(err)
	}
	// Output:
	// ── abraham-accords · high ──────────────────────────────────
	// Syria and Israel edge toward the Abraham Accords
	// Times of Israel · 2026-11-26 09:12 UTC
	// https://www.timesofisrael.com/liveblog-entry/syria-israel/
	// matched: "Abraham Accords" (title), normalization (summary)
	// Officials said normalization talks resumed.
}
