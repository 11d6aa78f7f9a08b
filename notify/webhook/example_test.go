package webhook_test

import (
	"fmt"
	"time"

	"github.com/newswatch/newswatch/notify/webhook"
)

// A webhook receiver checks each request's signature and timestamp before
// it trusts the body.
func ExampleVerifySignature() {
	secret := []byte("from the notifier's secret setting")
	body := []byte(`{"version":1,"kind":"alert"}`)
	sent := time.Date(2026, 11, 26, 9, 12, 0, 0, time.UTC)
	ts := fmt.Sprint(sent.Unix())
	signature := webhook.Sign(secret, ts, body) // what newswatch puts in X-Newswatch-Signature

	received := sent.Add(2 * time.Second)
	fmt.Println(webhook.VerifySignature(secret, ts, body, signature, received, 5*time.Minute))
	fmt.Println(webhook.VerifySignature(secret, ts, []byte(`{"version":1,"kind":"digest"}`), signature, received, 5*time.Minute))
	fmt.Println(webhook.VerifySignature(secret, ts, body, signature, received.Add(time.Hour), 5*time.Minute))
	// Output:
	// <nil>
	// notify: webhook signature does not match
	// notify: webhook timestamp outside the allowed window
}
