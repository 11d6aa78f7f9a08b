package transport

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/notify"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		header string
		want   time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 30 ", 30 * time.Second},
		{"0", 0},
		{"-5", 0},
		{"999999999", 24 * time.Hour},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"soon", 0},
	}
	for _, tc := range tests {
		h := http.Header{}
		if tc.header != "" {
			h.Set("Retry-After", tc.header)
		}
		if got := RetryAfter(h, now); got != tc.want {
			t.Errorf("RetryAfter(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestFailure(t *testing.T) {
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		status    int
		body      string
		retry     bool
		reason    string
		rateLimit bool
	}{
		{404, "no_service", false, "no_service", false},
		{400, "<html>bad</html>", false, "http_400", false},
		{302, "", false, "http_302", false},
		{408, "", true, "http_408", false},
		{503, "", true, "http_503", false},
		{429, "", true, "rate_limited", true},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprint(tc.status), func(t *testing.T) {
			retry, err := Failure("hook", &Exchange{Status: tc.status, Body: []byte(tc.body), Header: http.Header{}}, now)
			var rl *notify.RateLimitError
			if retry != tc.retry || notify.Reason(err) != tc.reason || errors.As(err, &rl) != tc.rateLimit {
				t.Errorf("retry %v, reason %q, error %v", retry, notify.Reason(err), err)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	const secret = "https://hooks.slack.com/services/T0/B0/s3cr3t?x=1"
	err := Redact(fmt.Errorf(`Post %q: dial tcp: refused`, secret), secret)
	if strings.Contains(err.Error(), "s3cr3t") || !strings.Contains(err.Error(), "https://hooks.slack.com/…") {
		t.Errorf("redacted error %q", err)
	}
	base := errors.New("x")
	if got := Redact(base, secret); got != base {
		t.Errorf("an error without the URL was changed: %v", got)
	}
	for _, bad := range []string{"", "ftp://example.com/x", "/relative", "https://"} {
		if err := CheckEndpoint(bad); err == nil {
			t.Errorf("CheckEndpoint(%q) accepted it", bad)
		}
	}
	if err := CheckEndpoint("https://user:pw@example.com/s3cr3t"); err != nil {
		t.Errorf("a valid endpoint refused: %v", err)
	}
}
