package monitor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/newswatch/newswatch/internal/redact"
)

// ErrorKind says why a fetch or a parse failed, in a word fit for a metric
// label.
type ErrorKind string

// The kinds of FetchError.
const (
	KindInvalidURL  ErrorKind = "invalid_url"  // not an http, https or file URL
	KindCanceled    ErrorKind = "canceled"     // the caller's context ended
	KindTimeout     ErrorKind = "timeout"      // the fetch's own time limits
	KindDNS         ErrorKind = "dns"          // the host name did not resolve
	KindConnect     ErrorKind = "connect"      // no TCP connection (refused, unreachable, connect timeout)
	KindTLS         ErrorKind = "tls"          // handshake or certificate failure
	KindNetwork     ErrorKind = "network"      // the connection failed after it was made
	KindRedirect    ErrorKind = "redirect"     // too many redirects, or a loop
	KindHTTPStatus  ErrorKind = "http_status"  // a status other than 2xx, 304 and 429
	KindRateLimited ErrorKind = "rate_limited" // 429 Too Many Requests
	KindTooLarge    ErrorKind = "too_large"    // the body passed the size cap
	KindFile        ErrorKind = "file"         // a file:// URL could not be read
	KindParse       ErrorKind = "parse"        // the body is not a feed gofeed can read
	KindNotHTML     ErrorKind = "not_html"     // an item's page is not an HTML page
)

// FetchError is the error of a failed fetch or parse. Kind classifies it;
// Err holds the detail. Its message shows the URL as redact.URL does, so
// that it can be logged, stored and shown: Err never quotes the URL (a
// *url.Error, which does, is replaced by what it wraps).
type FetchError struct {
	Kind ErrorKind
	// Feed is the feed's configured name when the caller gave it.
	Feed string
	// URL is the URL that was fetched, as it was: secrets included.
	URL string
	// StatusCode is the HTTP status, when a response arrived.
	StatusCode int
	// RetryAfter is the server's Retry-After (RFC 9110, section 10.2.3) on
	// a 429 or 503 response, capped by FetcherOptions.MaxRetryAfter; zero
	// when there was none.
	RetryAfter time.Duration
	Err        error
}

// Error says which feed and URL failed and why. The URL is redacted.
func (e *FetchError) Error() string {
	if e.Feed != "" {
		return fmt.Sprintf("feed %q (%s): %v", e.Feed, redact.URL(e.URL), e.Err)
	}
	return fmt.Sprintf("fetch %s: %v", redact.URL(e.URL), e.Err)
}

// pollError is an error of polling a feed other than its fetch or parse
// (the store failed, the poll panicked): its message names the feed, and
// Cause leaves the name out.
type pollError struct {
	feed string
	err  error
}

func (e *pollError) Error() string { return fmt.Sprintf("feed %q: %v", e.feed, e.err) }

func (e *pollError) Unwrap() error { return e.err }

// Cause returns what went wrong in err, an error of Poll, Fetch or
// ParseFeed, without the feed's name and URL that its message begins with:
// for a log line that carries them as attributes, and for the feed's row
// on the status page and in `feeds list`, which show them already. It is
// err's message for any other error. URLs in it are not redacted.
func Cause(err error) string {
	switch e := err.(type) {
	case nil:
		return ""
	case *FetchError:
		return Cause(e.Err)
	case *pollError:
		return Cause(e.err)
	case interface{ Unwrap() []error }:
		var causes []string
		for _, err := range e.Unwrap() {
			if c := Cause(err); c != "" {
				causes = append(causes, c)
			}
		}
		return strings.Join(causes, "; ")
	}
	return err.Error()
}

// withoutURL returns what a *url.Error wraps, err itself when it is not
// one. A *url.Error quotes its URL (net/http masks the password with
// "***", but neither the user name nor the query), and a FetchError names
// the URL itself, redacted.
func withoutURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Unwrap returns the underlying error.
func (e *FetchError) Unwrap() error { return e.Err }

// redirectError is returned by the redirect policy; it is classified as
// KindRedirect.
type redirectError struct{ msg string }

func (e *redirectError) Error() string { return e.msg }

// tooLargeError reports a body over the size cap.
type tooLargeError struct{ max int64 }

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("response body exceeds the size cap of %s", formatBytes(e.max))
}

// formatBytes renders a byte count for people: "10 MiB (10485760 bytes)".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB (%d bytes)", n>>20, n)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB (%d bytes)", n>>10, n)
	}
	return fmt.Sprintf("%d bytes", n)
}

// classify turns an error from the HTTP client or from reading a body into a
// FetchError. parent is the caller's context, limit the fetch's own time
// limit.
func classify(parent context.Context, limit time.Duration, req FetchRequest, err error) *FetchError {
	fe := &FetchError{Kind: KindNetwork, Feed: req.Feed, URL: req.URL}

	// The URL is already in our message; keep only what went wrong.
	err = withoutURL(err)
	fe.Err = err

	var (
		tooLarge *tooLargeError
		redirect *redirectError
		dnsErr   *net.DNSError
		opErr    *net.OpError
		certErr  *tls.CertificateVerificationError
		recErr   tls.RecordHeaderError
		alertErr tls.AlertError
		unknown  x509.UnknownAuthorityError
		hostErr  x509.HostnameError
		invalid  x509.CertificateInvalidError
		netErr   net.Error
	)
	switch {
	case parent.Err() != nil:
		fe.Kind = KindCanceled
	case errors.As(err, &tooLarge):
		fe.Kind = KindTooLarge
	case errors.As(err, &redirect):
		fe.Kind = KindRedirect
	case errors.Is(err, context.DeadlineExceeded):
		fe.Kind = KindTimeout
		fe.Err = fmt.Errorf("no complete response within %s", limit)
	case errors.As(err, &dnsErr):
		fe.Kind = KindDNS
	case errors.As(err, &certErr), errors.As(err, &recErr), errors.As(err, &alertErr),
		errors.As(err, &unknown), errors.As(err, &hostErr), errors.As(err, &invalid):
		fe.Kind = KindTLS
	case errors.As(err, &opErr) && opErr.Op == "dial":
		fe.Kind = KindConnect
	case errors.As(err, &netErr) && netErr.Timeout():
		fe.Kind = KindTimeout
	}
	return fe
}
