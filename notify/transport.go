package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultTimeout bounds one delivery request when a notifier's options leave
// Timeout zero.
const DefaultTimeout = 10 * time.Second

// maxErrorBody is how much of an error response is kept to say why a
// request failed ("invalid_payload", "no_service").
const maxErrorBody = 1 << 10

// defaultTransport is shared by every notifier that was given none, so that
// they share connections. It is a clone of http.DefaultTransport (proxy from
// the environment, HTTP/2, keep-alives).
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	return http.DefaultTransport.(*http.Transport).Clone()
})

// exchange records what the server answered to one request, so that a
// failure can be classified even where slack-go reports only part of it (a
// 429 without Retry-After, a Retry-After given as a date, the text a webhook
// answers with a 4xx).
type exchange struct {
	status int
	header http.Header
	body   []byte // the start of a non-2xx body
}

// recordingTransport fills an exchange from the response it passes on.
type recordingTransport struct {
	base http.RoundTripper
	ex   *exchange
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.ex.status = resp.StatusCode
	t.ex.header = resp.Header.Clone()
	if resp.StatusCode/100 != 2 {
		peek, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		t.ex.body = peek
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(peek), resp.Body), resp.Body}
	}
	return resp, nil
}

// newHTTPClient returns a client for one delivery attempt: it records the
// response in ex, gives up after timeout, and does not follow redirects (a
// redirected POST would either lose its body or go where nobody configured).
func newHTTPClient(base http.RoundTripper, timeout time.Duration, ex *exchange) *http.Client {
	if base == nil {
		base = defaultTransport()
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &http.Client{
		Transport:     &recordingTransport{base: base, ex: ex},
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// retryAfter parses a Retry-After header (RFC 9110, section 10.2.3): a
// number of seconds or an HTTP date. It returns 0 when there is none or it
// is malformed or in the past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// retryableStatus reports whether an HTTP status is worth retrying: request
// timeouts, too early, rate limits and server errors.
func retryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooEarly ||
		code == http.StatusTooManyRequests || code >= 500
}

// transportReason names a failure to get any response: "timeout" for a
// deadline (ours or the client's), "canceled" for a cancelled context,
// "network" for everything else (DNS, refused connections, resets).
func transportReason(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "network"
}

// statusReason names a failed HTTP status: the short error word a webhook
// answered with when it looks like one ("invalid_payload", "no_service"),
// else "http_<code>".
func statusReason(code int, body []byte) string {
	word := strings.TrimSpace(string(body))
	if word != "" && len(word) <= 64 && strings.Trim(word, "abcdefghijklmnopqrstuvwxyz_") == "" {
		return word
	}
	return "http_" + strconv.Itoa(code)
}

// redactURL hides the path and query of a URL that holds a secret (Slack
// and generic webhook URLs carry their token in the path) for error messages
// and logs: "https://hooks.slack.com/…".
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "…"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

// redactedError carries an error whose message had a secret URL removed; it
// still unwraps to the original so that errors.Is works.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every spelling of the secret URL raw removed from
// its message.
func redact(err error, raw string) error {
	if err == nil || raw == "" {
		return err
	}
	msg := err.Error()
	spellings := []string{raw}
	if u, perr := url.Parse(raw); perr == nil {
		spellings = append(spellings, u.String(), u.Redacted())
	}
	for _, s := range spellings {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, redactURL(raw))
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// sendError builds the error of a failed attempt.
func sendError(notifier, reason string, err error) *SendError {
	return &SendError{Notifier: notifier, Reason: reason, Err: err}
}

// httpFailure classifies a non-2xx response of a plain HTTP notifier (Slack
// webhook, generic webhook): 429 is a rate limit, timeouts and server errors
// are retried, other statuses (including redirects, which are not followed)
// are permanent.
func httpFailure(notifier string, ex *exchange, now time.Time) (bool, error) {
	reason := statusReason(ex.status, ex.body)
	err := sendError(notifier, reason, fmt.Errorf("HTTP %d", ex.status))
	if ex.status == http.StatusTooManyRequests {
		return true, &RateLimitError{RetryAfter: retryAfter(ex.header, now), Err: err}
	}
	return retryableStatus(ex.status), err
}
