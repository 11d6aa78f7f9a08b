package webhook

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

	"github.com/newswatch/newswatch/notify"
	"github.com/newswatch/newswatch/notify/internal/notifytest"
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

func TestWebhookSignedPayload(t *testing.T) {
	h := newFakeHook(t)
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	secret := []byte("shared secret")
	w, err := New(Options{URL: h.url(), Secret: string(secret), Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	m := notifytest.AlertMessage(notifytest.SampleEntry(42))
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
	var p Payload
	if err := json.Unmarshal(req.body, &p); err != nil {
		t.Fatal(err)
	}
	a := p.Alerts
	if p.Version != 1 || p.Kind != notify.KindAlert || p.Rule.Name != "abraham-accords" || p.Rule.Severity != "high" || len(a) != 1 {
		t.Fatalf("payload %+v", p)
	}
	if a[0].ID != 42 || a[0].Item.Title != "Syria and Israel edge toward the Abraham Accords" || a[0].Item.Feed != "Times of Israel" ||
		a[0].Item.Published == nil || !a[0].Item.Published.Equal(notifytest.Published) || len(a[0].Matches) != 2 || a[0].Matches[0].Text != "Abraham Accords" {
		t.Errorf("alert %+v", a[0])
	}
}

func TestWebhookUnsigned(t *testing.T) {
	h := newFakeHook(t)
	h.script = []hookReply{{status: 503}, {status: 410}, {status: 429, retryAfter: "12"}}
	w, err := New(Options{URL: h.url()})
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		retry  bool
		reason string
	}{{true, "http_503"}, {false, "http_410"}, {true, "rate_limited"}} {
		_, retry, err := w.Notify(context.Background(), notifytest.AlertMessage(notifytest.SampleEntry(1)))
		if retry != want.retry || notify.Reason(err) != want.reason {
			t.Errorf("retry %v reason %q; want %v %q", retry, notify.Reason(err), want.retry, want.reason)
		}
		var rl *notify.RateLimitError
		if errors.As(err, &rl) && rl.RetryAfter != 12*time.Second {
			t.Errorf("RetryAfter %s", rl.RetryAfter)
		}
	}
	if _, _, err := w.Notify(context.Background(), notifytest.AlertMessage(notifytest.SampleEntry(1))); err != nil {
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
		if _, err := New(Options{URL: u}); err == nil {
			t.Errorf("URL %q accepted", u)
		}
	}
}

// TestWebhookAlertOfSeveralRules: the payload of an article that matched
// two rules names both, the highest severity first, and each alert its
// rule; a message of one rule still lists it in rules.
func TestWebhookAlertOfSeveralRules(t *testing.T) {
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	p := payload(notifytest.RulesMessage(), now)
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"rule":{"name":"abraham-accords","severity":"high"},"rules":[{"name":"abraham-accords","severity":"high"},{"name":"normalization","severity":"notice"}]`,
		`{"id":1,"rule":"abraham-accords","item":{"id":7,`,
		`{"id":2,"rule":"normalization","item":{"id":7,`,
	} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("payload lacks %s:\n%s", want, raw)
		}
	}
	one := payload(notifytest.AlertMessage(notifytest.SampleEntry(42)), now)
	if len(one.Rules) != 1 || one.Rules[0] != one.Rule || one.Alerts[0].Rule != "abraham-accords" || one.Rule.Severity != "info" {
		t.Errorf("payload of one rule: rules %+v, alert rule %q", one.Rules, one.Alerts[0].Rule)
	}
}
