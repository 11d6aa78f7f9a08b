package monitor

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

const tinyRSS = `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>t</title>
<item><title>One</title><link>https://example.org/1</link><guid>1</guid></item>
</channel></rss>`

// fetchErr asserts that err is a *FetchError of kind want and returns it.
func fetchErr(t *testing.T, err error, want ErrorKind) *FetchError {
	t.Helper()
	var fe *FetchError
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want a *FetchError of kind %s", err, err, want)
	}
	if fe.Kind != want {
		t.Fatalf("kind = %s, want %s (error: %v)", fe.Kind, want, err)
	}
	return fe
}

func TestFetchConditionalGET(t *testing.T) {
	const etag = `"v1"`
	const lastMod = "Wed, 21 Oct 2026 07:28:00 GMT"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == etag && r.Header.Get("If-Modified-Since") == lastMod {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
		fmt.Fprint(w, tinyRSS)
	}))
	defer srv.Close()
	f := NewFetcher(FetcherOptions{})

	first, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if first.NotModified || string(first.Body) != tinyRSS || first.ETag != etag || first.LastModified != lastMod {
		t.Fatalf("first fetch = %+v", first)
	}
	if first.ContentType != "application/rss+xml; charset=utf-8" || first.FinalURL != srv.URL {
		t.Errorf("first fetch ContentType %q FinalURL %q", first.ContentType, first.FinalURL)
	}

	second, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL, ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !second.NotModified || second.StatusCode != http.StatusNotModified || len(second.Body) != 0 {
		t.Fatalf("conditional fetch = %+v, want not modified", second)
	}
}

func TestFetchSendsUserAgentAndAccept(t *testing.T) {
	var ua, accept string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ua, accept = r.UserAgent(), r.Header.Get("Accept")
		fmt.Fprint(w, tinyRSS)
	}))
	defer srv.Close()
	f := NewFetcher(FetcherOptions{UserAgent: UserAgent("1.2.3")})
	if _, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL}); err != nil {
		t.Fatal(err)
	}
	if ua != "newswatch/1.2.3 (+https://github.com/newswatch/newswatch)" {
		t.Errorf("User-Agent = %q", ua)
	}
	if !strings.Contains(accept, "application/rss+xml") {
		t.Errorf("Accept = %q", accept)
	}
}

func gzipped(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFetchGzipAndSizeCap(t *testing.T) {
	const limit = 64 << 10
	exact := bytes.Repeat([]byte("a"), limit)
	over := bytes.Repeat([]byte("a"), limit+1)
	bomb := gzipped(t, bytes.Repeat([]byte{0}, 8<<20)) // 8 MiB expanded, ~8 KiB on the wire
	// Bytes that do not compress: gzip makes them a little longer than
	// they are, so a body of exactly the cap is over it compressed.
	noise := make([]byte, limit+1)
	rand.NewChaCha8([32]byte{1}).Read(noise)
	exactNoise, overNoise := gzipped(t, noise[:limit]), gzipped(t, noise)
	if len(exactNoise) <= limit {
		t.Fatalf("random bytes compressed to %d bytes, want more than %d", len(exactNoise), limit)
	}

	tests := []struct {
		name     string
		body     []byte
		gzip     bool
		noLength bool // stream without Content-Length
		want     []byte
		wantErr  bool
	}{
		{name: "gzip decoded", body: gzipped(t, []byte(tinyRSS)), gzip: true, want: []byte(tinyRSS)},
		{name: "gzip decoded, streamed", body: gzipped(t, []byte(tinyRSS)), gzip: true, noLength: true, want: []byte(tinyRSS)},
		{name: "gzip, empty", body: nil, gzip: true, want: []byte{}},
		{name: "exactly the cap", body: exact, want: exact},
		{name: "exactly the cap, longer compressed", body: exactNoise, gzip: true, want: noise[:limit]},
		{name: "one byte over, declared length", body: over, wantErr: true},
		{name: "one byte over, streamed", body: over, noLength: true, wantErr: true},
		{name: "one byte over, compressed", body: overNoise, gzip: true, wantErr: true},
		{name: "compressed, declared length over the cap", body: bytes.Repeat([]byte{0}, int(compressedCap(limit))+1), gzip: true, wantErr: true},
		{name: "gzip bomb", body: bomb, gzip: true, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.gzip {
					if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
						t.Error("request does not accept gzip")
					}
					w.Header().Set("Content-Encoding", "gzip")
				}
				if tc.noLength {
					w.(http.Flusher).Flush() // chunked: no Content-Length
				} else {
					w.Header().Set("Content-Length", fmt.Sprint(len(tc.body)))
				}
				w.Write(tc.body)
			}))
			defer srv.Close()
			f := NewFetcher(FetcherOptions{MaxBodyBytes: limit})
			res, err := f.Fetch(context.Background(), FetchRequest{Feed: "big", URL: srv.URL})
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(res.Body, tc.want) || res.Body == nil {
					t.Errorf("body is %d bytes, want the %d of the document", len(res.Body), len(tc.want))
				}
				return
			}
			fe := fetchErr(t, err, KindTooLarge)
			if !strings.Contains(err.Error(), "64 KiB") || !strings.Contains(err.Error(), `"big"`) {
				t.Errorf("error %q does not name the cap and the feed", err)
			}
			if fe.StatusCode != http.StatusOK {
				t.Errorf("StatusCode = %d, want 200", fe.StatusCode)
			}
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	mux.HandleFunc("/feed", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tinyRSS) })
	hop := func(path string, code int, to string) {
		mux.HandleFunc(path, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) })
	}
	hop("/moved", http.StatusMovedPermanently, "/feed")
	hop("/moved308", http.StatusPermanentRedirect, "/moved")
	hop("/found", http.StatusFound, "/feed")
	hop("/mixed", http.StatusMovedPermanently, "/found")
	hop("/loop-a", http.StatusFound, "/loop-b")
	hop("/loop-b", http.StatusFound, "/loop-a")
	for i := range 12 {
		hop(fmt.Sprintf("/chain/%d", i), http.StatusFound, fmt.Sprintf("/chain/%d", i+1))
	}
	mux.HandleFunc("/chain/12", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, tinyRSS) })
	hop("/ten/0", http.StatusFound, "/chain/3") // exactly MaxRedirects hops to /chain/12

	tests := []struct {
		path          string
		wantPermanent bool
		wantErr       string
	}{
		{path: "/moved", wantPermanent: true},
		{path: "/moved308", wantPermanent: true},
		{path: "/found"},
		{path: "/mixed"},
		{path: "/loop-a", wantErr: "loop"},
		{path: "/chain/0", wantErr: "stopped after 10 redirects"},
		{path: "/ten/0"},
	}
	f := NewFetcher(FetcherOptions{})
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			res, err := f.Fetch(context.Background(), FetchRequest{URL: srv.URL + tc.path})
			if tc.wantErr != "" {
				fetchErr(t, err, KindRedirect)
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("error %q does not say %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(res.Body) != tinyRSS {
				t.Errorf("body = %q", res.Body)
			}
			wantPermanent := ""
			if tc.wantPermanent {
				wantPermanent = srv.URL + "/feed"
			}
			if res.PermanentURL != wantPermanent {
				t.Errorf("PermanentURL = %q, want %q", res.PermanentURL, wantPermanent)
			}
			if !strings.HasPrefix(res.FinalURL, srv.URL+"/") || res.FinalURL == srv.URL+tc.path {
				t.Errorf("FinalURL = %q", res.FinalURL)
			}
		})
	}
}

func TestFetchStatusErrors(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name          string
		status        int
		retryAfter    string
		wantKind      ErrorKind
		wantRetry     time.Duration
		wantInMessage string
	}{
		{name: "500", status: 500, wantKind: KindHTTPStatus, wantInMessage: "500 Internal Server Error"},
		{name: "404", status: 404, wantKind: KindHTTPStatus, wantInMessage: "404 Not Found"},
		{name: "429 seconds", status: 429, retryAfter: "120", wantKind: KindRateLimited, wantRetry: 2 * time.Minute},
		{name: "429 no header", status: 429, wantKind: KindRateLimited},
		{name: "503 date", status: 503, retryAfter: now.Add(90 * time.Minute).Format(http.TimeFormat), wantKind: KindHTTPStatus, wantRetry: 90 * time.Minute},
		{name: "429 capped", status: 429, retryAfter: "99999999999", wantKind: KindRateLimited, wantRetry: 6 * time.Hour},
		{name: "500 ignores Retry-After", status: 500, retryAfter: "120", wantKind: KindHTTPStatus},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.retryAfter != "" {
					w.Header().Set("Retry-After", tc.retryAfter)
				}
				w.WriteHeader(tc.status)
				fmt.Fprint(w, "error page")
			}))
			defer srv.Close()
			f := NewFetcher(FetcherOptions{Now: func() time.Time { return now }, MaxRetryAfter: 6 * time.Hour})
			_, err := f.Fetch(context.Background(), FetchRequest{Feed: "broken", URL: srv.URL})
			fe := fetchErr(t, err, tc.wantKind)
			if fe.StatusCode != tc.status || fe.RetryAfter != tc.wantRetry {
				t.Errorf("StatusCode %d RetryAfter %s, want %d %s", fe.StatusCode, fe.RetryAfter, tc.status, tc.wantRetry)
			}
			if !strings.Contains(err.Error(), tc.wantInMessage) || !strings.Contains(err.Error(), srv.URL) {
				t.Errorf("error %q lacks %q or the URL", err, tc.wantInMessage)
			}
		})
	}
}

func TestFetchNetworkErrors(t *testing.T) {
	// A port with nothing listening: take one and close it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	release := make(chan struct{})
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hanging.Close()
	defer close(release)

	tlsSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	tlsSrv.StartTLS()
	defer tlsSrv.Close()

	canceled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name string
		ctx  context.Context
		url  string
		opts FetcherOptions
		want ErrorKind
	}{
		{name: "connection refused", url: "http://" + closedAddr + "/feed", want: KindConnect},
		{name: "total timeout", url: hanging.URL, opts: FetcherOptions{Timeout: 50 * time.Millisecond}, want: KindTimeout},
		{name: "header timeout", url: hanging.URL, opts: FetcherOptions{ResponseHeaderTimeout: 50 * time.Millisecond}, want: KindTimeout},
		{name: "untrusted certificate", url: tlsSrv.URL, want: KindTLS},
		{name: "caller canceled", ctx: canceled, url: hanging.URL, want: KindCanceled},
		{name: "dns", url: "http://newswatch-test.invalid/feed", want: KindDNS},
		{name: "ftp scheme", url: "ftp://example.org/feed", want: KindInvalidURL},
		{name: "no host", url: "http:///feed", want: KindInvalidURL},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			if tc.name == "dns" {
				// RFC 6761 reserves .invalid; still, do not depend on the
				// machine's resolver: a transport whose lookups fail.
				tc.opts.Transport = &http.Transport{DialContext: (&net.Dialer{Resolver: &net.Resolver{
					PreferGo: true,
					Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
						return nil, errors.New("no resolver in tests")
					},
				}}).DialContext}
			}
			_, err := NewFetcher(tc.opts).Fetch(ctx, FetchRequest{URL: tc.url})
			fetchErr(t, err, tc.want)
		})
	}
}

func TestFetchFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "feed.xml")
	if err := os.WriteFile(path, []byte(tinyRSS), 0o644); err != nil {
		t.Fatal(err)
	}
	f := NewFetcher(FetcherOptions{MaxBodyBytes: 1 << 10})
	u := "file://" + filepath.ToSlash(path)

	first, err := f.Fetch(context.Background(), FetchRequest{URL: u})
	if err != nil {
		t.Fatal(err)
	}
	if string(first.Body) != tinyRSS || first.LastModified == "" || first.ETag == "" || first.NotModified {
		t.Fatalf("first = %+v", first)
	}
	again, err := f.Fetch(context.Background(), FetchRequest{URL: u, ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if !again.NotModified || len(again.Body) != 0 {
		t.Fatalf("unchanged file: %+v, want not modified", again)
	}

	// A changed file (new size, a later modification time) is read again.
	if err := os.WriteFile(path, []byte(tinyRSS+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	changed, err := f.Fetch(context.Background(), FetchRequest{URL: u, ETag: first.ETag, LastModified: first.LastModified})
	if err != nil {
		t.Fatal(err)
	}
	if changed.NotModified || len(changed.Body) != len(tinyRSS)+1 {
		t.Fatalf("changed file: %+v", changed)
	}

	big := filepath.Join(dir, "big.xml")
	if err := os.WriteFile(big, bytes.Repeat([]byte("x"), 1<<10+1), 0o644); err != nil {
		t.Fatal(err)
	}
	errorCases := []struct {
		url  string
		want ErrorKind
	}{
		{url: "file://" + filepath.ToSlash(big), want: KindTooLarge},
		{url: "file://" + filepath.ToSlash(filepath.Join(dir, "missing.xml")), want: KindFile},
		{url: "file://" + filepath.ToSlash(dir), want: KindFile},
		{url: "file://otherhost/feed.xml", want: KindInvalidURL},
	}
	for _, tc := range errorCases {
		_, err := f.Fetch(context.Background(), FetchRequest{URL: tc.url})
		fetchErr(t, err, tc.want)
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	const limit = time.Hour
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"30", 30 * time.Second},
		{" 0 ", 0},
		{"-5", 0},
		{"7200", limit},
		{"99999999999999999999", 0}, // overflows int64: unreadable
		{now.Add(10 * time.Minute).Format(http.TimeFormat), 10 * time.Minute},
		{now.Add(-10 * time.Minute).Format(http.TimeFormat), 0},
		{now.Add(48 * time.Hour).Format(http.TimeFormat), limit},
		{"Wednesday, 26-Nov-26 12:05:00 GMT", 5 * time.Minute}, // RFC 850 form
		{"soon", 0},
	}
	for _, tc := range tests {
		if got := parseRetryAfter(tc.in, now, limit); got != tc.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestReadCapped reads bodies of sizes around the first buffer and the
// cap, declared or not, with right and wrong size hints, in pieces as a
// network delivers them.
func TestReadCapped(t *testing.T) {
	const limit = 200 << 10
	for _, size := range []int{0, 1, 100, minReadChunk - 1, minReadChunk, minReadChunk + 1, 3*minReadChunk + 7, limit, limit + 1, 3 * limit} {
		body := make([]byte, size)
		for i := range body {
			body[i] = byte('a' + i%26)
		}
		for _, declared := range []bool{false, true} {
			for _, hint := range []int64{0, 1, int64(size), int64(size) / 2, int64(size) * 2, limit * 4} {
				name := fmt.Sprintf("%d bytes, declared %v, hint %d", size, declared, hint)
				length := int64(-1)
				if declared {
					length = int64(size)
				}
				got, err := readCapped(iotest.HalfReader(bytes.NewReader(body)), length, hint, limit)
				if size > limit {
					var tooLarge *tooLargeError
					if !errors.As(err, &tooLarge) {
						t.Errorf("%s: err = %v, want too large", name, err)
					}
					continue
				}
				if err != nil || !bytes.Equal(got, body) {
					t.Errorf("%s: read %d bytes (%v), want the body", name, len(got), err)
				}
			}
		}
	}
}

// TestReadCappedKeepsReadErrors checks that a body cut short fails, also
// when it fails the way a short read of a buffer would be told.
func TestReadCappedKeepsReadErrors(t *testing.T) {
	body := bytes.Repeat([]byte("x"), 100)
	for _, want := range []error{io.ErrUnexpectedEOF, errors.New("connection reset")} {
		for _, hint := range []int64{0, 50, 100, 1000} {
			r := io.MultiReader(bytes.NewReader(body), iotest.ErrReader(want))
			if got, err := readCapped(r, -1, hint, 1<<20); !errors.Is(err, want) {
				t.Errorf("hint %d: read %d bytes, err %v; want %v", hint, len(got), err, want)
			}
		}
	}
}

// TestReadCappedAllocation measures what reading a body allocates: about
// the body when its size is known (declared, or hinted by the last one),
// about twice when not; never the three times a doubling buffer costs.
func TestReadCappedAllocation(t *testing.T) {
	const size = 4 << 20
	body := bytes.Repeat([]byte("<item>x</item>"), size/14)
	tests := []struct {
		name         string
		length, hint int64
		most         float64 // allocated bytes per body byte
	}{
		{"declared length", int64(len(body)), 0, 1.1},
		{"the hinted size", -1, int64(len(body)), 1.2},
		{"a slightly smaller hint", -1, int64(len(body)) * 15 / 16, 1.2},
		{"no size known", -1, 0, 2.2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			got, err := readCapped(bytes.NewReader(body), tc.length, tc.hint, DefaultMaxBodyBytes)
			runtime.ReadMemStats(&after)
			if err != nil || len(got) != len(body) {
				t.Fatalf("read %d bytes, %v", len(got), err)
			}
			if per := float64(after.TotalAlloc-before.TotalAlloc) / float64(len(body)); per > tc.most {
				t.Errorf("allocated %.2f bytes per body byte, want at most %.2f", per, tc.most)
			}
		})
	}
}

// TestFetchErrorsHideSecrets fails fetches of a URL with a password and an
// API key in every way that quotes the URL, and checks that neither shows
// in the error, which is logged, stored and shown on the status page.
func TestFetchErrorsHideSecrets(t *testing.T) {
	const password, key = "hunter2pw", "k3yvalue"
	mux := http.NewServeMux()
	mux.HandleFunc("/down", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, r.URL.String(), http.StatusFound) })
	mux.HandleFunc("/notfeed", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html><body>hi</body></html>")) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL
	closed.Close()
	secret := func(base, path string) string {
		return strings.Replace(base, "http://", "http://reader:"+password+"@", 1) + path + "?apikey=" + key + "&lang=en"
	}
	tests := []struct {
		name string
		url  string
		kind ErrorKind
	}{
		{"status", secret(srv.URL, "/down"), KindHTTPStatus},
		{"redirect loop", secret(srv.URL, "/loop"), KindRedirect},
		{"connection refused", secret(closedURL, "/feed"), KindConnect},
		{"unparsable URL", "http://reader:" + password + "@bad host/feed?token=" + key, KindInvalidURL},
		{"parse", secret(srv.URL, "/notfeed"), KindParse},
	}
	f := NewFetcher(FetcherOptions{Timeout: 5 * time.Second})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fr, err := f.Fetch(context.Background(), FetchRequest{Feed: "Secret", URL: tc.url})
			if err == nil {
				_, err = ParseFeed(fr.Body, ParseOptions{Feed: "Secret", URL: fr.FinalURL})
			}
			fe := fetchErr(t, err, tc.kind)
			msg := fe.Error()
			if strings.Contains(msg, password) || strings.Contains(msg, key) || strings.Contains(msg, "reader") {
				t.Errorf("the error shows a secret: %s", msg)
			}
			if !strings.Contains(msg, "REDACTED") && strings.Contains(tc.url, "apikey") {
				t.Errorf("the error does not show the redacted URL: %s", msg)
			}
		})
	}
}

// TestGunzipSize checks that a gzip body is read into one buffer of its
// size when its trailer says it (one member), and read whole whatever the
// trailer says: several members, a trailer that claims more than deflate
// can make, a body over the cap.
func TestGunzipSize(t *testing.T) {
	gz := func(parts ...string) []byte {
		var out []byte
		for _, p := range parts {
			var b bytes.Buffer
			w := gzip.NewWriter(&b)
			w.Write([]byte(p))
			w.Close()
			out = append(out, b.Bytes()...)
		}
		return out
	}
	long := strings.Repeat("<item><title>Talks resume</title></item>\n", 3000)
	forged := gz(long)
	binary.LittleEndian.PutUint32(forged[len(forged)-4:], 1<<30)
	for _, tc := range []struct {
		name    string
		body    []byte
		want    string
		size    int64 // gzipSize
		oneRead bool  // read into one buffer of the body's size
	}{
		{"one member", gz(long), long, int64(len(long)), true},
		{"empty member", gz(""), "", 0, true},
		{"two members", gz(long, "tail"), long + "tail", 4, false},
		{"a trailer claiming more than deflate makes", forged, "", -1, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := gzipSize(tc.body, 1<<20); got != tc.size {
				t.Errorf("gzipSize = %d, want %d", got, tc.size)
			}
			emptyBodyBuffers()
			got, err := gunzip(tc.body, 0, 1<<20)
			if tc.size < 0 && tc.want == "" {
				if err == nil {
					t.Fatal("a damaged trailer was not an error")
				}
				return
			}
			if err != nil || string(got) != tc.want {
				t.Fatalf("gunzip = %d bytes, %v; want %d bytes", len(got), err, len(tc.want))
			}
			if tc.oneRead && cap(got) != len(tc.want)+1 {
				t.Errorf("read into %d bytes for a body of %d", cap(got), len(tc.want))
			}
		})
	}
	if _, err := gunzip(gz(long), 0, int64(len(long))-1); !errors.As(err, new(*tooLargeError)) {
		t.Errorf("a body over the cap: %v, want too large", err)
	}
	if got := gzipSize(gz(long), int64(len(long))-1); got != -1 {
		t.Errorf("gzipSize over the cap = %d, want -1", got)
	}
}

// emptyBodyBuffers empties bodyBuffers, so that the next body is read into
// buffers made for it.
func emptyBodyBuffers() {
	for bodyBuffers.Get() != nil {
	}
}

// TestReadCappedIntoGivenBackBuffers checks that bodies read into buffers
// given back (recycleBody), full of another body's bytes, are exactly
// what was read: of a known size, of a size hinted, and of an unknown
// size read in several buffers and joined.
func TestReadCappedIntoGivenBackBuffers(t *testing.T) {
	long := strings.Repeat("<item><title>Talks resume</title></item>\n", 5000) // 205 KB
	for _, tc := range []struct {
		name         string
		body         string
		length, hint int64
	}{
		{"known size", "<rss>short</rss>", 16, 0},
		{"hinted", "<rss>short</rss>", -1, 16},
		{"unknown size, several buffers", long, -1, 0},
		{"hinted too short", long, -1, 1000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			emptyBodyBuffers()
			for range 4 {
				old := bytes.Repeat([]byte{'x'}, 1<<20)
				recycleBody(old)
			}
			got, err := readCapped(strings.NewReader(tc.body), tc.length, tc.hint, 1<<20)
			if err != nil || string(got) != tc.body {
				t.Fatalf("readCapped = %d bytes (%.20q…), %v; want %d bytes", len(got), got, err, len(tc.body))
			}
		})
	}
}
