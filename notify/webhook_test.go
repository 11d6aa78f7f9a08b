package notify

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/slacktest"
)

// fakeHook is a webhook receiver on loopback that answers from a script
// (then 200 "ok") and keeps every request.
type fakeHook struct {
	srv *httptest.Server

	mu       sync.Mutex
	script   []hookReply
	requests []hookRequest
}

type hookReply struct {
	status     int
	body       string
	retryAfter string
}

type hookRequest struct {
	header http.Header
	body   []byte
}

func newFakeHook(t *testing.T) *fakeHook {
	h := &fakeHook{}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.requests = append(h.requests, hookRequest{header: r.Header.Clone(), body: body})
		rep := hookReply{status: 200, body: "ok"}
		if len(h.script) > 0 {
			rep, h.script = h.script[0], h.script[1:]
		}
		h.mu.Unlock()
		if rep.retryAfter != "" {
			w.Header().Set("Retry-After", rep.retryAfter)
		}
		w.WriteHeader(rep.status)
		io.WriteString(w, rep.body)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// url is a webhook URL with a secret-looking path.
func (h *fakeHook) url() string { return h.srv.URL + "/services/T000/B000/s3cr3tP4th" }

func (h *fakeHook) got() []hookRequest {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]hookRequest(nil), h.requests...)
}

func TestSlackWebhookNotify(t *testing.T) {
	f := newFakeSlack(t)
	w, err := NewSlackWebhook(SlackWebhookOptions{URL: f.WebhookURL("#alerts")})
	if err != nil {
		t.Fatal(err)
	}
	if _, retry, err := w.Notify(context.Background(), alertMessage(sampleEntry(1))); err != nil || retry {
		t.Fatalf("Notify: %v", err)
	}
	msgs := f.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.UnfurlLinks != "false" || m.UnfurlMedia != "false" {
		t.Errorf("unfurling not turned off: %+v", m)
	}
	if !strings.Contains(m.Text, "Abraham Accords") {
		t.Errorf("text %q", m.Text)
	}
	checkBlockKitJSON(t, []byte(m.Blocks))
}

func TestSlackWebhookFailures(t *testing.T) {
	tests := []struct {
		name      string
		reply     slacktest.Reply
		retry     bool
		reason    string
		rateLimit bool
	}{
		{"invalid_payload", slacktest.Reply{Status: 400, Error: "invalid_payload"}, false, "invalid_payload", false},
		{"no_service", slacktest.Reply{Status: 404, Error: "no_service"}, false, "no_service", false},
		{"channel_is_archived", slacktest.Reply{Status: 410, Error: "channel_is_archived"}, false, "channel_is_archived", false},
		{"action_prohibited", slacktest.Reply{Status: 403, Error: "action_prohibited"}, false, "action_prohibited", false},
		{"429 with Retry-After", slacktest.Reply{Status: 429, RetryAfter: "3"}, true, "rate_limited", true},
		{"429 without Retry-After", slacktest.Reply{Status: 429, Error: "rate_limited"}, true, "rate_limited", true},
		{"500", slacktest.Reply{Status: 500}, true, "http_500", false},
		{"redirect not followed", slacktest.Reply{Status: 302}, false, "http_302", false},
		{"slow beyond the timeout", slacktest.Reply{Hang: true}, true, "timeout", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeSlack(t)
			f.Script("#alerts", tc.reply)
			o := SlackWebhookOptions{URL: f.WebhookURL("#alerts")}
			if tc.reply.Hang {
				o.Timeout = 100 * time.Millisecond
			}
			w, err := NewSlackWebhook(o)
			if err != nil {
				t.Fatal(err)
			}
			_, retry, err := w.Notify(context.Background(), alertMessage(sampleEntry(1)))
			if err == nil {
				t.Fatal("Notify succeeded")
			}
			if retry != tc.retry || Reason(err) != tc.reason {
				t.Errorf("retry %v reason %q (%v); want %v %q", retry, Reason(err), err, tc.retry, tc.reason)
			}
			var rl *RateLimitError
			if errors.As(err, &rl) != tc.rateLimit {
				t.Errorf("rate limit = %v", !tc.rateLimit)
			}
			if strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error reveals the webhook URL: %v", err)
			}
		})
	}
}

func TestWebhookSignedPayload(t *testing.T) {
	h := newFakeHook(t)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	secret := []byte("shared secret")
	w, err := NewWebhook(WebhookOptions{URL: h.url(), Secret: string(secret), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := alertMessage(sampleEntry(42))
	m.Severity = "high"
	if _, _, err := w.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	req := h.got()[0]
	ts, sig := req.header.Get(HeaderTimestamp), req.header.Get(HeaderSignature)
	if ts != "1795687200" || !strings.HasPrefix(sig, "sha256=") || len(sig) != len("sha256=")+64 {
		t.Fatalf("timestamp %q signature %q", ts, sig)
	}
	if req.header.Get(HeaderDelivery) != "alert-42" || req.header.Get("Content-Type") != "application/json" {
		t.Errorf("headers %v", req.header)
	}
	if err := VerifySignature(secret, ts, req.body, sig, now.Add(time.Minute), 5*time.Minute); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
	tampered := append([]byte(nil), req.body...)
	tampered[len(tampered)-2] ^= 1
	for name, err := range map[string]error{
		"tampered body":   VerifySignature(secret, ts, tampered, sig, now, 5*time.Minute),
		"wrong secret":    VerifySignature([]byte("other"), ts, req.body, sig, now, 5*time.Minute),
		"other timestamp": VerifySignature(secret, "1795687201", req.body, sig, now, 5*time.Minute),
		"replayed later":  VerifySignature(secret, ts, req.body, sig, now.Add(time.Hour), 5*time.Minute),
	} {
		if err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	var p WebhookPayload
	if err := json.Unmarshal(req.body, &p); err != nil {
		t.Fatal(err)
	}
	a := p.Alerts
	if p.Version != 1 || p.Kind != KindAlert || p.Rule.Name != "abraham-accords" || p.Rule.Severity != "high" || len(a) != 1 {
		t.Fatalf("payload %+v", p)
	}
	if a[0].ID != 42 || a[0].Item.Title != "Syria and Israel edge toward the Abraham Accords" || a[0].Item.Feed != "Times of Israel" ||
		a[0].Item.Published == nil || !a[0].Item.Published.Equal(published) || len(a[0].Matches) != 2 || a[0].Matches[0].Text != "Abraham Accords" {
		t.Errorf("alert %+v", a[0])
	}
}

func TestWebhookUnsigned(t *testing.T) {
	h := newFakeHook(t)
	h.script = []hookReply{{status: 503}, {status: 410}, {status: 429, retryAfter: "12"}}
	w, err := NewWebhook(WebhookOptions{URL: h.url()})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		retry  bool
		reason string
	}{{true, "http_503"}, {false, "http_410"}, {true, "rate_limited"}} {
		_, retry, err := w.Notify(context.Background(), alertMessage(sampleEntry(1)))
		if retry != want.retry || Reason(err) != want.reason {
			t.Errorf("retry %v reason %q; want %v %q", retry, Reason(err), want.retry, want.reason)
		}
		var rl *RateLimitError
		if errors.As(err, &rl) && rl.RetryAfter != 12*time.Second {
			t.Errorf("RetryAfter %s", rl.RetryAfter)
		}
	}
	if _, _, err := w.Notify(context.Background(), alertMessage(sampleEntry(1))); err != nil {
		t.Fatal(err)
	}
	for _, r := range h.got() {
		if r.header.Get(HeaderSignature) != "" {
			t.Error("signed without a secret")
		}
	}
}

func TestNewWebhookRejects(t *testing.T) {
	for _, u := range []string{"", "ftp://example.com/x", "/relative", "https://"} {
		if _, err := NewWebhook(WebhookOptions{URL: u}); err == nil {
			t.Errorf("URL %q accepted", u)
		}
		if _, err := NewSlackWebhook(SlackWebhookOptions{URL: u}); err == nil {
			t.Errorf("Slack webhook URL %q accepted", u)
		}
	}
}

func TestConsole(t *testing.T) {
	var out strings.Builder
	c := NewConsole(ConsoleOptions{Out: &out, Location: time.UTC})
	e := sampleEntry(1)
	e.Title += " \x1b[2J\u202E"
	m := alertMessage(e)
	m.Severity = "high"
	if _, _, err := c.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	want := "── abraham-accords · high " + strings.Repeat("─", 60-26) + "\n" +
		"Syria and Israel edge toward the Abraham Accords [2J\n" +
		"Times of Israel · 2026-11-26 09:12 UTC\n" +
		"https://www.timesofisrael.com/syria-israel-abraham-accords/?utm=x&ref=y\n" +
		`matched: "Abraham Accords" (title), normalization (summary)` + "\n" +
		"Officials said normalization talks resumed on Tuesday.\n\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}

	out.Reset()
	d := listMessage(KindDigest, 2, 3)
	if _, _, err := c.Notify(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	want = "── syria-israel · notice · digest of 2 matches " + strings.Repeat("─", 60-47) + "\n" +
		"• Report 2 on Syria–Israel talks — Feed 1 · 2026-11-26 09:13 UTC\n" +
		"  https://example.com/2/xxx\n" +
		"• Report 1 on Syria–Israel talks — Feed 0 · 2026-11-26 09:12 UTC\n" +
		"  https://example.com/1/xxx\n\n"
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}
