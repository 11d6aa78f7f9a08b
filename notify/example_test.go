package notify_test

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/rules"
)

func ExampleConsole() {
	c := notify.NewConsole(notify.ConsoleOptions{Out: os.Stdout, Location: time.UTC})
	m := &notify.Message{
		Kind:     notify.KindAlert,
		Rule:     "abraham-accords",
		Severity: "high",
		Entries: []notify.Entry{{
			Title:     "Syria and Israel edge toward the Abraham Accords",
			Link:      "https://www.timesofisrael.com/liveblog-entry/syria-israel/",
			Feed:      "Times of Israel",
			Summary:   "<p>Officials said <b>normalization</b> talks resumed.</p>",
			Published: time.Date(2026, 11, 26, 9, 12, 0, 0, time.UTC),
			Hits:      []rules.Hit{{Field: "title", Text: "Abraham Accords"}, {Field: "summary", Text: "normalization"}},
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

// A webhook receiver checks each request's signature and timestamp before
// it trusts the body.
func ExampleVerifySignature() {
	secret := []byte("from the notifier's secret setting")
	body := []byte(`{"version":1,"kind":"alert"}`)
	sent := time.Date(2026, 11, 26, 9, 12, 0, 0, time.UTC)
	ts := fmt.Sprint(sent.Unix())
	signature := notify.Sign(secret, ts, body) // what newswatch puts in X-Newswatch-Signature

	received := sent.Add(2 * time.Second)
	fmt.Println(notify.VerifySignature(secret, ts, body, signature, received, 5*time.Minute))
	fmt.Println(notify.VerifySignature(secret, ts, []byte(`{"version":1,"kind":"digest"}`), signature, received, 5*time.Minute))
	fmt.Println(notify.VerifySignature(secret, ts, body, signature, received.Add(time.Hour), 5*time.Minute))
	// Output:
	// <nil>
	// notify: webhook signature does not match
	// notify: webhook timestamp outside the allowed window
}
