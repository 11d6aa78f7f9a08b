// Package webhook is the generic webhook notifier: each message POSTed as
// JSON (Payload, version 1) to a URL, signed with HMAC-SHA256 when a
// secret is configured, with a delivery ID that is the same on every
// retry. Sign and VerifySignature are what a receiver needs.
package webhook

import (
	"bytes"
	"cmp"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/transport"
	"github.com/newswatch/newswatch/rules"
)

// Headers of a generic webhook request.
//
// The body is JSON (see Payload). When the notifier has a secret,
// X-Newswatch-Signature is "sha256=" followed by the lowercase hex
// HMAC-SHA256, keyed with the secret, of the X-Newswatch-Timestamp value, a
// ".", and the raw body bytes:
//
//	X-Newswatch-Timestamp: 1795770720
//	X-Newswatch-Signature: sha256=hex(HMAC_SHA256(secret, "1795770720" + "." + body))
//
// A receiver recomputes the HMAC over the bytes it received (before parsing
// them), compares in constant time, and rejects timestamps more than a few
// minutes from its clock, so that a captured request cannot be replayed
// later; VerifySignature does all three. X-Newswatch-Delivery is the same on
// every retry of the same alerts: a receiver that remembers it can drop the
// duplicate a crash between sending and recording can cause.
const (
	HeaderSignature = "X-Newswatch-Signature"
	HeaderTimestamp = "X-Newswatch-Timestamp"
	HeaderDelivery  = "X-Newswatch-Delivery"
)

// Payload is the JSON body a generic webhook receives (version 1).
// Text fields are as the feed published them: untrusted, unescaped.
type Payload struct {
	Version  int         `json:"version"`
	Delivery string      `json:"delivery"` // the X-Newswatch-Delivery value
	Kind     notify.Kind `json:"kind"`     // "alert", "summary", "digest", "also", "update" or "feed_health"
	// Rule is the rule of the highest severity among Rules.
	Rule Rule `json:"rule"`
	// Rules are the rules the message speaks for, the highest severity
	// first: one for a summary or digest; for an alert, every rule that
	// matched its item and sends to this webhook (one message per
	// article); for follow-ups, every rule they follow up.
	Rules   []Rule    `json:"rules"`
	Channel string    `json:"channel,omitempty"` // the rule's channel, if any
	Part    int       `json:"part,omitempty"`    // of a split digest, 1-based
	Parts   int       `json:"parts,omitempty"`
	SentAt  time.Time `json:"sent_at"`
	// Alerts: for kind "alert", one per rule of Rules, all of the same
	// item.
	Alerts []Alert `json:"alerts"`
}

// Rule is the rule an alert is for.
type Rule struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Severity    string `json:"severity"`
}

// Alert is one alert in a webhook payload.
type Alert struct {
	ID int64 `json:"id"`
	// Rule is the name of the alert's rule.
	Rule    string      `json:"rule"`
	Item    Item        `json:"item"`
	Matches []model.Hit `json:"matches"`
	Story   string      `json:"story,omitempty"`
	// FollowsUp is, in an "also" or "update" payload, the title of the
	// alert this one follows up.
	FollowsUp string `json:"follows_up,omitempty"`
}

// Item is the feed item an alert is about.
type Item struct {
	ID        int64      `json:"id,omitempty"`
	Title     string     `json:"title"`
	Link      string     `json:"link,omitempty"`
	Feed      string     `json:"feed"`
	Summary   string     `json:"summary,omitempty"`
	Published *time.Time `json:"published,omitempty"`
}

// Options configure a generic JSON webhook notifier. URL is
// required; the zero value of every other field is usable.
type Options struct {
	// Name is the notifier's configured name; "webhook" when empty.
	Name string
	// URL receives the POSTs. It may hold a token: it never appears in
	// errors or logs.
	URL string
	// Secret, when set, signs every request (see HeaderSignature).
	Secret string
	// Timeout bounds one request; zero means notify.DefaultTimeout.
	Timeout time.Duration
	// Transport carries the requests; nil means a shared clone of
	// http.DefaultTransport.
	Transport http.RoundTripper
	// Now is the clock of the timestamp header; nil means time.Now.
	Now func() time.Time
}

// Notifier POSTs a JSON description of each message to a
// URL, signed with HMAC-SHA256 when a secret is configured. A 2xx answer is
// success; 429 is a rate limit (Retry-After honoured); 408, 425 and 5xx are
// retried; any other status, including a redirect, is permanent.
type Notifier struct {
	name      string
	url       string
	secret    []byte
	timeout   time.Duration
	transport http.RoundTripper
	now       func() time.Time
}

// New returns a generic webhook notifier, or an error when o's URL is
// not an absolute http(s) URL.
func New(o Options) (*Notifier, error) {
	if o.Name == "" {
		o.Name = "webhook"
	}
	if err := transport.CheckEndpoint(o.URL); err != nil {
		return nil, fmt.Errorf("notify: webhook notifier %q: %w", o.Name, err)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Notifier{name: o.Name, url: o.URL, timeout: o.Timeout, transport: o.Transport, now: o.Now}
	if o.Secret != "" {
		w.secret = []byte(o.Secret)
	}
	return w, nil
}

// Name returns the notifier's configured name.
func (w *Notifier) Name() string { return w.name }

// Notify POSTs m as a Payload.
func (w *Notifier) Notify(ctx context.Context, m *notify.Message) (notify.Receipt, bool, error) {
	now := w.now()
	body, err := json.Marshal(payload(m, now))
	if err != nil {
		return notify.Receipt{}, false, transport.SendError(w.name, "encode", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return notify.Receipt{}, false, transport.SendError(w.name, "request", transport.Redact(err, w.url))
	}
	ts := strconv.FormatInt(now.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "newswatch")
	req.Header.Set(HeaderDelivery, m.ID)
	req.Header.Set(HeaderTimestamp, ts)
	if w.secret != nil {
		req.Header.Set(HeaderSignature, Sign(w.secret, ts, body))
	}
	var ex transport.Exchange
	resp, err := transport.NewClient(w.transport, w.timeout, &ex).Do(req)
	if err != nil {
		return notify.Receipt{}, true, transport.SendError(w.name, transport.Reason(err), transport.Redact(err, w.url))
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		return notify.Receipt{}, false, nil
	}
	retry, err := transport.Failure(w.name, &ex, now)
	return notify.Receipt{}, retry, err
}

func payload(m *notify.Message, now time.Time) *Payload {
	p := &Payload{
		Version:  1,
		Delivery: m.ID,
		Kind:     m.Kind,
		Rule:     ruleOf(notify.RuleRef{Name: m.Rule, Description: m.RuleDescription, Severity: m.Severity}),
		Channel:  m.Channel,
		Part:     m.Part,
		Parts:    m.Parts,
		SentAt:   now.UTC(),
		Alerts:   make([]Alert, len(m.Entries)),
	}
	for _, r := range m.Rules {
		p.Rules = append(p.Rules, ruleOf(r))
	}
	if len(p.Rules) == 0 {
		p.Rules = []Rule{p.Rule}
	}
	for i, e := range m.Entries {
		a := Alert{
			ID:        e.AlertID,
			Rule:      cmp.Or(e.Rule, m.Rule),
			Item:      Item{ID: e.ItemID, Title: e.Title, Link: e.Link, Feed: e.Feed, Summary: e.Summary},
			Matches:   e.Hits,
			Story:     e.Story,
			FollowsUp: e.Parent,
		}
		if a.Matches == nil {
			a.Matches = []model.Hit{}
		}
		if !e.Published.IsZero() {
			t := e.Published.UTC()
			a.Item.Published = &t
		}
		p.Alerts[i] = a
	}
	return p
}

// ruleOf is r as a payload names it, its severity "info" when unset.
func ruleOf(r notify.RuleRef) Rule {
	return Rule{Name: r.Name, Description: r.Description, Severity: cmp.Or(r.Severity, string(rules.SeverityInfo))}
}

// Sign returns the X-Newswatch-Signature value of body sent with timestamp
// ts (the X-Newswatch-Timestamp value): "sha256=" and the hex HMAC-SHA256 of
// ts + "." + body keyed with secret.
func Sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Errors of VerifySignature.
var (
	ErrBadSignature = errors.New("notify: webhook signature does not match")
	ErrStaleRequest = errors.New("notify: webhook timestamp outside the allowed window")
)

// VerifySignature checks a webhook request as a receiver should: signature
// is the X-Newswatch-Signature header, ts the X-Newswatch-Timestamp header,
// body the raw request body. It fails with ErrStaleRequest when ts is more
// than tolerance away from now (a replay), and with ErrBadSignature when the
// signature does not match; comparison is in constant time.
func VerifySignature(secret []byte, ts string, body []byte, signature string, now time.Time, tolerance time.Duration) error {
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return ErrStaleRequest
	}
	if d := now.Sub(time.Unix(secs, 0)); d > tolerance || d < -tolerance {
		return ErrStaleRequest
	}
	want := Sign(secret, ts, body)
	if !strings.HasPrefix(signature, "sha256=") || !hmac.Equal([]byte(signature), []byte(want)) {
		return ErrBadSignature
	}
	return nil
}
