package monitor

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/newswatch/newswatch/internal/redact"
)

// Defaults of FetcherOptions.
const (
	DefaultTimeout               = 30 * time.Second
	DefaultConnectTimeout        = 10 * time.Second
	DefaultTLSHandshakeTimeout   = 10 * time.Second
	DefaultResponseHeaderTimeout = 20 * time.Second
	DefaultMaxBodyBytes          = 10 << 20
	DefaultMaxPageBytes          = 5 << 20
	DefaultMaxRetryAfter         = 24 * time.Hour
	// MaxRedirects is how many redirects one fetch follows.
	MaxRedirects = 10
)

// UserAgent returns newswatch's User-Agent for a release version, e.g.
// "newswatch/1.2.0 (+https://github.com/newswatch/newswatch)", so that feed
// operators can see who is polling and where to read about it.
func UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "newswatch/" + version + " (+https://github.com/newswatch/newswatch)"
}

// acceptHeader prefers feed media types but takes anything: many servers
// label feeds text/html or application/octet-stream.
const acceptHeader = "application/rss+xml, application/atom+xml, application/feed+json, " +
	"application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5"

// FetcherOptions configures a Fetcher. The zero value is usable: a zero field
// takes the default named in its comment.
type FetcherOptions struct {
	// Timeout bounds one whole fetch: connecting, every redirect and
	// reading the body (DefaultTimeout).
	Timeout time.Duration
	// ConnectTimeout bounds establishing one TCP connection
	// (DefaultConnectTimeout).
	ConnectTimeout time.Duration
	// TLSHandshakeTimeout bounds one TLS handshake
	// (DefaultTLSHandshakeTimeout).
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for response headers once the
	// request is sent (DefaultResponseHeaderTimeout).
	ResponseHeaderTimeout time.Duration
	// MaxBodyBytes caps a body after decompression (DefaultMaxBodyBytes,
	// 10 MiB). A larger body fails the fetch with KindTooLarge.
	MaxBodyBytes int64
	// MaxRetryAfter caps a server's Retry-After (DefaultMaxRetryAfter).
	MaxRetryAfter time.Duration
	// UserAgent is sent with every request (UserAgent("dev")).
	UserAgent string
	// Transport carries the requests. When nil the Fetcher builds one with
	// the timeouts above, the proxy from the environment
	// (http.ProxyFromEnvironment) and transparent gzip.
	Transport http.RoundTripper
	// Now tells the time, for Retry-After dates (time.Now).
	Now func() time.Time
	// PerHost, when positive, limits the requests in flight at once to
	// one host, feeds and article pages together: the scheduler's
	// per-host limit counts polls of feeds, this one counts every request
	// the Fetcher makes, so that fetching articles never opens more
	// connections to a site than polling it does. Pages wait behind feeds
	// (see hostLimiter). Zero sets no limit.
	PerHost int
	// MaxPageBytes caps an article page after decompression
	// (DefaultMaxPageBytes, 5 MiB). A larger page fails with KindTooLarge.
	MaxPageBytes int64
}

// FetchRequest is one fetch of a feed.
type FetchRequest struct {
	// Feed is the feed's name, used in errors only.
	Feed string
	// URL is what to fetch: http, https or file.
	URL string
	// ETag and LastModified are the validators of the last successful
	// fetch; when set, the request is conditional (RFC 9110, section 13.1).
	ETag, LastModified string
	// SizeHint is the size the body is expected to have (the feed's last
	// document's), 0 when unknown. It sizes the buffer a body without a
	// Content-Length (a compressed one, say) is read into; it never changes
	// what is read or the size cap.
	SizeHint int64
}

// FetchResult is a successful fetch.
type FetchResult struct {
	// StatusCode is the final HTTP status (200 for a file, 304 when not
	// modified).
	StatusCode int
	// NotModified reports that the validators still match: Body is empty
	// and the document need not be parsed.
	NotModified bool
	// Body is the document, at most MaxBodyBytes long.
	Body []byte
	// ContentType is the response's Content-Type, "" for files.
	ContentType string
	// ETag and LastModified are the validators to send next time; empty
	// when the response gave none (keep the old ones after a 304).
	ETag, LastModified string
	// FinalURL is where the body came from after redirects; relative links
	// resolve against it.
	FinalURL string
	// PermanentURL is set when the request was redirected and every hop was
	// permanent (301 or 308, RFC 9110, section 15.4): the feed has moved
	// there and future fetches should start there.
	PermanentURL string

	// compressed is the body as it came, gzip-compressed, while Body is
	// still nil: a poll hashes it first, and decodes it (decode) only when
	// it is not the compressed document of the feed's last poll (see
	// Poller.poll). Nil once decoded, and for a body that came as is.
	compressed []byte
	// decode decompresses compressed into Body, under the fetch's size cap.
	decode func() error
}

// decodeBody fills Body from a compressed body kept by a poll's fetch; a
// no-op when Body was read as is or is decoded already.
func (fr *FetchResult) decodeBody() error {
	if fr.decode == nil {
		return nil
	}
	err := fr.decode()
	recycleBody(fr.compressed) // read whole; nothing else holds it
	fr.decode, fr.compressed = nil, nil
	return err
}

// release gives the buffers of fr's body to later fetches to read theirs
// into (see bodyBuffers). Neither fr.Body nor anything that shares its
// bytes may be used after it: a poll releases its fetch's body once it
// has recorded what it read, everything it keeps (items, story features,
// the item memo) having been copied out of the body by the parse.
func (fr *FetchResult) release() {
	recycleBody(fr.Body)
	recycleBody(fr.compressed)
	fr.Body, fr.compressed, fr.decode = nil, nil, nil
}

// bodyBuffers holds the buffers of bodies that polls are done with (see
// FetchResult.release), for later bodies to be read into. A body is a
// poll's largest allocation, twice when it comes compressed (a 150 KB
// document, as the harness's, read into a buffer of 40 KB and
// decompressed into one of 150 KB): made afresh for every poll, the
// runtime frees them at the next collection and gives their pages back
// to the system, for the next poll to fault them in again and clear them
// (BenchmarkPollChanged: a third of its bytes allocated, and the
// scavenger's madvise calls 5% of its CPU).
var bodyBuffers sync.Pool // of *[]byte

// maxPooledBody is the largest buffer bodyBuffers keeps: the bodies of a
// few feeds in ten thousand (at the default cap of 10 MiB) are not worth
// keeping memory for.
const maxPooledBody = 4 << 20

// bodyBuffer returns a buffer of n bytes for a body to be read into: one
// of bodyBuffers when the one it gives is large enough (its bytes not
// cleared: the reader writes them), else a new one.
func bodyBuffer(n int64) []byte {
	if p, _ := bodyBuffers.Get().(*[]byte); p != nil && int64(cap(*p)) >= n {
		return (*p)[:n]
	}
	return make([]byte, n)
}

// recycleBody gives b, the buffer of a body nothing uses any more, to
// bodyBuffers.
func recycleBody(b []byte) {
	if cap(b) == 0 || cap(b) > maxPooledBody {
		return
	}
	b = b[:0]
	bodyBuffers.Put(&b)
}

// Fetcher fetches feed documents over HTTP(S) and from files. It is safe for
// concurrent use.
type Fetcher struct {
	opts      FetcherOptions
	transport http.RoundTripper
	hosts     *hostLimiter
}

// NewFetcher returns a Fetcher with the options' defaults filled in.
func NewFetcher(o FetcherOptions) *Fetcher {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.TLSHandshakeTimeout <= 0 {
		o.TLSHandshakeTimeout = DefaultTLSHandshakeTimeout
	}
	if o.ResponseHeaderTimeout <= 0 {
		o.ResponseHeaderTimeout = DefaultResponseHeaderTimeout
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if o.UserAgent == "" {
		o.UserAgent = UserAgent("")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	f := &Fetcher{opts: o, transport: o.Transport, hosts: newHostLimiter(o.PerHost)}
	if f.transport == nil {
		f.transport = newTransport(o)
	}
	return f
}

// maxIdleConns is how many idle connections a Fetcher's transport keeps,
// all hosts together; each is closed after 90 s unused. A daemon polls its
// hosts in rounds: a connection is used again only by the next poll of the
// same host in the same round (a schedule of minutes outlasts the idle
// timeout, and most servers' own keep-alive). Go's default of 100 evicts,
// least recently used first, the connections of a round that polls more
// hosts than that before a host comes round again, and every poll of such
// a round dials anew (and over HTTPS pays a TLS handshake). 512 covers the
// hundreds of hosts of a large deployment; an idle connection costs about
// 25 KB (two goroutines and their buffers; more with TLS) and a file
// descriptor, about 13 MB at most.
const maxIdleConns = 512

// newTransport builds the HTTP transport of a Fetcher. The Fetcher asks for
// gzip itself and decompresses what comes compressed (see get), so that a
// poll can tell the compressed bytes of an unchanged document before
// decompressing them.
func newTransport(o FetcherOptions) *http.Transport {
	dialer := &net.Dialer{Timeout: o.ConnectTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   o.TLSHandshakeTimeout,
		ResponseHeaderTimeout: o.ResponseHeaderTimeout,
		ExpectContinueTimeout: time.Second,
		MaxIdleConns:          maxIdleConns,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
}

// Fetch fetches req.URL. A failure is a *FetchError.
func (f *Fetcher) Fetch(ctx context.Context, req FetchRequest) (*FetchResult, error) {
	u, err := url.Parse(req.URL)
	if err != nil {
		return nil, &FetchError{Kind: KindInvalidURL, Feed: req.Feed, URL: req.URL, Err: withoutURL(err)}
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		if u.Host == "" {
			return nil, &FetchError{Kind: KindInvalidURL, Feed: req.Feed, URL: req.URL, Err: errors.New("no host in URL")}
		}
		return f.fetchHTTP(ctx, req)
	case "file":
		return f.fetchFile(ctx, u, req)
	}
	return nil, &FetchError{Kind: KindInvalidURL, Feed: req.Feed, URL: req.URL,
		Err: fmt.Errorf("unsupported URL scheme %q (want http, https or file)", u.Scheme)}
}

func (f *Fetcher) fetchHTTP(parent context.Context, req FetchRequest) (*FetchResult, error) {
	return f.get(parent, req, getOptions{accept: acceptHeader, maxBody: f.opts.MaxBodyBytes})
}

// fetchFeed is Fetch for a poll: a gzip-compressed body is returned
// compressed (FetchResult.compressed), to be decoded by decodeBody when the
// poll needs it.
func (f *Fetcher) fetchFeed(ctx context.Context, req FetchRequest) (*FetchResult, error) {
	u, err := url.Parse(req.URL)
	if err != nil || (!strings.EqualFold(u.Scheme, "http") && !strings.EqualFold(u.Scheme, "https")) || u.Host == "" {
		return f.Fetch(ctx, req)
	}
	return f.get(ctx, req, getOptions{accept: acceptHeader, maxBody: f.opts.MaxBodyBytes, keepCompressed: true})
}

// getOptions is what differs between fetching a feed and fetching a page.
type getOptions struct {
	accept  string
	maxBody int64
	// page marks an article page: it waits behind feeds for its host.
	page bool
	// keepCompressed leaves a gzip-compressed body compressed for the
	// caller to decode (FetchResult.decodeBody).
	keepCompressed bool
}

// get makes one GET of req.URL, an http(s) URL, under the host limit.
// There is no cookie jar: every request is as anonymous as the first.
func (f *Fetcher) get(parent context.Context, req FetchRequest, o getOptions) (*FetchResult, error) {
	ctx, cancel := context.WithTimeout(parent, f.opts.Timeout)
	defer cancel()

	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, req.URL, nil)
	if err != nil {
		return nil, &FetchError{Kind: KindInvalidURL, Feed: req.Feed, URL: req.URL, Err: withoutURL(err)}
	}
	release, err := f.hosts.acquire(ctx, hostKey(req.URL), o.page)
	if err != nil {
		return nil, classify(parent, f.opts.Timeout, req, err)
	}
	defer release()
	hreq.Header.Set("User-Agent", f.opts.UserAgent)
	hreq.Header.Set("Accept", o.accept)
	// Asked for here rather than by the transport, which would decompress
	// the body before anyone could look at it: gzip only, as the transport
	// asks (deflate is ambiguous, RFC 9110, section 8.4.1.2).
	hreq.Header.Set("Accept-Encoding", "gzip")
	// Validators go back exactly as received (RFC 9110, sections 13.1.2
	// and 13.1.3).
	if req.ETag != "" {
		hreq.Header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hreq.Header.Set("If-Modified-Since", req.LastModified)
	}

	var hops redirects
	client := &http.Client{Transport: f.transport, CheckRedirect: hops.check}
	resp, err := client.Do(hreq)
	if err != nil {
		return nil, classify(parent, f.opts.Timeout, req, err)
	}
	defer resp.Body.Close()

	res := &FetchResult{
		StatusCode:   resp.StatusCode,
		ContentType:  resp.Header.Get("Content-Type"),
		ETag:         resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"),
		FinalURL:     resp.Request.URL.String(),
	}
	if hops.permanent() {
		res.PermanentURL = res.FinalURL
	}

	switch {
	case resp.StatusCode == http.StatusNotModified:
		res.NotModified = true
		return res, nil
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		failed := func(err error) error {
			fe := classify(parent, f.opts.Timeout, req, err)
			fe.StatusCode = resp.StatusCode
			return fe
		}
		if !strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
			body, err := readCapped(resp.Body, resp.ContentLength, req.SizeHint, o.maxBody)
			if err != nil {
				return nil, failed(err)
			}
			res.Body = body
			return res, nil
		}
		// Feeds compress to a fifth or a quarter of their size.
		compressed, err := readCapped(resp.Body, resp.ContentLength, req.SizeHint/4, compressedCap(o.maxBody))
		var tooLarge *tooLargeError
		if errors.As(err, &tooLarge) {
			err = &tooLargeError{max: o.maxBody} // the cap people set
		}
		if err != nil {
			return nil, failed(err)
		}
		res.compressed = compressed
		res.decode = func() error {
			body, err := gunzip(compressed, req.SizeHint, o.maxBody)
			if err != nil {
				return failed(err)
			}
			res.Body = body
			return nil
		}
		if !o.keepCompressed {
			if err := res.decodeBody(); err != nil {
				return nil, err
			}
		}
		return res, nil
	}

	// Read a little of an error body so the connection can be reused.
	io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	fe := &FetchError{
		Kind:       KindHTTPStatus,
		Feed:       req.Feed,
		URL:        req.URL,
		StatusCode: resp.StatusCode,
		Err:        fmt.Errorf("HTTP %s", resp.Status),
	}
	if resp.Status == "" {
		fe.Err = fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable:
		// RFC 9110, section 10.2.3; RFC 6585, section 4.
		if resp.StatusCode == http.StatusTooManyRequests {
			fe.Kind = KindRateLimited
		}
		fe.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), f.opts.Now(), f.opts.MaxRetryAfter)
		if fe.RetryAfter > 0 {
			fe.Err = fmt.Errorf("%w (retry after %s)", fe.Err, fe.RetryAfter)
		}
	}
	return nil, fe
}

// compressedCap is the most compressed bytes read for a body of at most
// limit bytes once decompressed. Compression can make a body a little
// larger, never by more than this: deflate's stored blocks add 5 bytes to
// every 65,535, gzip 18 bytes in all; a body over it would be over limit
// once decompressed.
func compressedCap(limit int64) int64 { return limit + limit/1024 + 1024 }

// gzipReaders keeps the decompressors of bodies for reuse (each holds
// about 40 KB of tables and window).
var gzipReaders sync.Pool

// gunzip decompresses a gzip-compressed body, all of its members, failing
// with a *tooLargeError past limit bytes; hint is its expected size, 0 when
// unknown (see readCapped). An empty body is an empty document, as the
// transport's own decompression makes it.
func gunzip(compressed []byte, hint, limit int64) ([]byte, error) {
	if len(compressed) == 0 {
		return []byte{}, nil
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(compressed))
	} else {
		err = zr.Reset(bytes.NewReader(compressed))
	}
	if err != nil {
		return nil, err // gzip's errors say it is gzip
	}
	defer gzipReaders.Put(zr)
	return readCapped(zr, gzipSize(compressed, limit), hint, limit)
}

// gzipSize returns the size of the body compressed, as its gzip trailer
// says it (ISIZE, RFC 1952: the size of the last member modulo 2^32), or
// -1 when that is no size it can have: more than limit (the read fails
// on the cap then, as it would have), or more than deflate makes of the
// compressed bytes (at most about 1,032 to 1). readCapped sizes its
// buffer by it: one allocation of the body's size instead of a chain of
// buffers joined at the end. A trailer that is wrong (several members, or
// a damaged stream, which gzip's check then rejects) only sizes the
// buffer wrong.
func gzipSize(compressed []byte, limit int64) int64 {
	if len(compressed) < 18 { // a header of 10 bytes, a trailer of 8
		return -1
	}
	n := int64(binary.LittleEndian.Uint32(compressed[len(compressed)-4:]))
	if n > limit || n > 1032*int64(len(compressed)) {
		return -1
	}
	return n
}

// minReadChunk is the first buffer a body of unknown size is read into, and
// the least a later one grows by.
const minReadChunk = 32 << 10

// readCapped reads r to its end, failing with a *tooLargeError once it has
// produced more than limit bytes. length is the declared size (the
// Content-Length, or a gzip trailer's, see gzipSize), or -1; a declared
// length over the cap fails before anything is read. hint is the
// size the body is expected to have when no length is declared, 0 when
// unknown; it only sizes buffers.
//
// The body is read into a first buffer of the expected size (with room to
// see the end without another one), then, if it is longer, into further
// buffers each as large as everything read so far, joined once at the end.
// A body of the expected size costs one buffer; one of unknown size about
// twice its size; a body over the cap about the cap. (A buffer that doubles
// as it fills costs about three times the body.)
func readCapped(r io.Reader, length, hint, limit int64) ([]byte, error) {
	if length > limit {
		return nil, &tooLargeError{max: limit}
	}
	next := int64(minReadChunk)
	switch {
	case length >= 0:
		next = length + 1 // the extra byte tells the end from a longer body
	case hint > 0:
		next = hint + hint/8 + 512 // a document grows and shrinks by a few items
	}
	// Reading one byte past the cap tells a body of exactly limit bytes from
	// a longer one.
	r = io.LimitReader(r, limit+1)
	var (
		chunks [][]byte
		total  int64
	)
	for {
		buf := bodyBuffer(min(next, limit+1-total))
		n, err := fill(r, buf)
		total += int64(n)
		if total > limit {
			return nil, &tooLargeError{max: limit}
		}
		chunks = append(chunks, buf[:n])
		if err == io.EOF { // the end, as io.Reader says it, never wrapped
			break
		}
		if err != nil {
			return nil, err
		}
		next = max(total, minReadChunk)
	}
	if len(chunks) == 1 {
		return chunks[0], nil
	}
	body := bodyBuffer(total)[:0]
	for _, c := range chunks {
		body = append(body, c...)
		recycleBody(c)
	}
	return body, nil
}

// fill reads from r until buf is full or r fails; io.EOF is the end.
// (io.ReadFull would report a short body as io.ErrUnexpectedEOF, which is
// also how a transport reports a body cut short of its Content-Length.)
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// redirects is the redirect policy of one fetch: at most MaxRedirects hops,
// no URL visited twice, and a record of whether every hop was permanent.
type redirects struct {
	hops      int
	temporary bool
}

func (r *redirects) check(req *http.Request, via []*http.Request) error {
	if len(via) > MaxRedirects {
		return &redirectError{fmt.Sprintf("stopped after %d redirects", MaxRedirects)}
	}
	switch strings.ToLower(req.URL.Scheme) {
	case "http", "https":
	default:
		return &redirectError{fmt.Sprintf("redirect to a %q URL; only http and https are followed", req.URL.Scheme)}
	}
	next := req.URL.String()
	for _, v := range via {
		if v.URL.String() == next {
			return &redirectError{fmt.Sprintf("redirect loop: %s was visited twice", redact.URL(next))}
		}
	}
	r.hops++
	if req.Response != nil {
		switch req.Response.StatusCode {
		case http.StatusMovedPermanently, http.StatusPermanentRedirect:
		default:
			r.temporary = true
		}
	}
	return nil
}

// permanent reports whether the fetch was redirected and every redirect was
// permanent.
func (r *redirects) permanent() bool { return r.hops > 0 && !r.temporary }
