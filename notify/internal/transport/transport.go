// Package transport is the HTTP side of one delivery attempt, shared by the
// notifiers that post over HTTP (notify/slack, notify/webhook): a client
// that records the answer and follows no redirect, the reading of
// Retry-After, the classification of a failed answer into a retry or not,
// and the redaction of secret URLs from errors.
package transport

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

	"github.com/newswatch/newswatch/notify"
)

// maxErrorBody is how much of an error response is kept to say why a
// request failed ("invalid_payload", "no_service").
const maxErrorBody = 1 << 10

// defaultTransport is shared by every notifier that was given none, so that
// they share connections. It is a clone of http.DefaultTransport (proxy from
// the environment, HTTP/2, keep-alives).
var defaultTransport = sync.OnceValue(func() http.RoundTripper {
	return http.DefaultTransport.(*http.Transport).Clone()
})

// Exchange records what the server answered to one request, so that a
// failure can be classified even where slack-go reports only part of it (a
// 429 without Retry-After, a Retry-After given as a date, the text a webhook
// answers with a 4xx).
type Exchange struct {
	Status int
	Header http.Header
	Body   []byte // the start of a non-2xx body
}

// recordingTransport fills an Exchange from the response it passes on.
type recordingTransport struct {
	base http.RoundTripper
	ex   *Exchange
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	t.ex.Status = resp.StatusCode
	t.ex.Header = resp.Header.Clone()
	if resp.StatusCode/100 != 2 {
		peek, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		t.ex.Body = peek
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(peek), resp.Body), resp.Body}
	}
	return resp, nil
}

// NewClient returns a client for one delivery attempt: it records the
// response in ex, gives up after timeout (notify.DefaultTimeout when zero),
// and does not follow redirects (a redirected POST would either lose its
// body or go where nobody configured). A nil base is a clone of
// http.DefaultTransport shared by every notifier given none.
func NewClient(base http.RoundTripper, timeout time.Duration, ex *Exchange) *http.Client {
	if base == nil {
		base = defaultTransport()
	}
	if timeout <= 0 {
		timeout = notify.DefaultTimeout
	}
	return &http.Client{
		Transport:     &recordingTransport{base: base, ex: ex},
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// RetryAfter parses a Retry-After header (RFC 9110, section 10.2.3): a
// number of seconds or an HTTP date. It returns 0 when there is none or it
// is malformed or in the past.
func RetryAfter(h http.Header, now time.Time) time.Duration {
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

// RetryableStatus reports whether an HTTP status is worth retrying: request
// timeouts, too early, rate limits and server errors.
func RetryableStatus(code int) bool {
	return code == http.StatusRequestTimeout || code == http.StatusTooEarly ||
		code == http.StatusTooManyRequests || code >= 500
}

// Reason names a failure to get any response: "timeout" for a
// deadline (ours or the client's), "canceled" for a cancelled context,
// "network" for everything else (DNS, refused connections, resets).
func Reason(err error) string {
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

// RedactURL hides the path and query of a URL that holds a secret (Slack
// and generic webhook URLs carry their token in the path) for error messages
// and logs: "https://hooks.slack.com/…".
func RedactURL(raw string) string {
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

// Redact returns err with every spelling of the secret URL raw removed from
// its message.
func Redact(err error, raw string) error {
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
			msg = strings.ReplaceAll(msg, s, RedactURL(raw))
		}
	}
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

// SendError builds the error of a failed attempt (see notify.SendError).
func SendError(notifier, reason string, err error) *notify.SendError {
	return &notify.SendError{Notifier: notifier, Reason: reason, Err: err}
}

// Failure classifies a non-2xx response of a plain HTTP notifier (Slack
// webhook, generic webhook): 429 is a rate limit, timeouts and server errors
// are retried, other statuses (including redirects, which are not followed)
// are permanent.
func Failure(notifier string, ex *Exchange, now time.Time) (bool, error) {
	reason := statusReason(ex.Status, ex.Body)
	err := SendError(notifier, reason, fmt.Errorf("HTTP %d", ex.Status))
	if ex.Status == http.StatusTooManyRequests {
		return true, &notify.RateLimitError{RetryAfter: RetryAfter(ex.Header, now), Err: err}
	}
	return RetryableStatus(ex.Status), err
}

// CheckEndpoint accepts absolute http and https URLs with a host; its
// error shows the URL redacted.
func CheckEndpoint(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %s", RedactURL(raw))
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("URL %s is not an absolute http or https URL", RedactURL(raw))
	}
	return nil
}
