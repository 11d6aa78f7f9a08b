package monitor

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/newswatch/newswatch/internal/article"
)

// readPageFile reads a captured article page of package article's
// testdata (news pages with menus, related links and comments in English,
// Hebrew and Arabic in windows-1256, a paywall stub, a page that is all
// script), as its bytes: the same pages that package's tests extract.
func readPageFile(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "article", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The Arabic page is windows-1256: declared by its <meta>, by the HTTP
// charset only, or by nothing (the feed's language decides).
func TestFetchPageCharsets(t *testing.T) {
	page := readPageFile(t, "news-ar-windows-1256.html")
	noMeta := bytes.Replace(page, []byte(`<meta http-equiv="Content-Type" content="text/html; charset=windows-1256">`), nil, 1)
	if bytes.Equal(noMeta, page) {
		t.Fatal("the fixture's <meta> charset was not found")
	}
	tests := []struct {
		name, contentType, lang string
		body                    []byte
	}{
		{"meta charset", "text/html", "", page},
		{"HTTP charset", "text/html; charset=windows-1256", "", noMeta},
		{"meta wins over a wrong HTTP charset", "text/html; charset=iso-8859-1", "", page},
		{"undeclared, the feed's language", "text/html", "ar", noMeta},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				w.Write(tc.body)
			}))
			defer srv.Close()
			p, err := NewFetcher(FetcherOptions{}).FetchPage(context.Background(), PageRequest{Feed: "f", URL: srv.URL + "/a", Lang: tc.lang})
			if err != nil {
				t.Fatal(err)
			}
			a, err := article.Extract(p.HTML, p.URL, article.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if want := "الخطوات الأولى نحو التطبيع بين البلدين"; !strings.Contains(a.Text, want) {
				t.Errorf("text lacks %q:\n%s", want, a.Text)
			}
		})
	}
}

func TestFetchPageRequest(t *testing.T) {
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r)
		switch r.URL.Path {
		case "/short":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "tracked", Path: "/"})
			http.Redirect(w, r, "/story", http.StatusFound)
		default:
			http.SetCookie(w, &http.Cookie{Name: "again", Value: "1", Path: "/"})
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(readPageFile(t, "news-en.html"))
		}
	}))
	defer srv.Close()
	f := NewFetcher(FetcherOptions{UserAgent: UserAgent("1.2.3")})
	for range 2 {
		p, err := f.FetchPage(context.Background(), PageRequest{URL: srv.URL + "/short"})
		if err != nil {
			t.Fatal(err)
		}
		if p.URL.Path != "/story" {
			t.Errorf("page URL %s, want the redirect's target", p.URL)
		}
	}
	if len(got) != 4 {
		t.Fatalf("%d requests, want 4", len(got))
	}
	for _, r := range got {
		if ua := r.Header.Get("User-Agent"); ua != UserAgent("1.2.3") {
			t.Errorf("User-Agent %q, want the feeds' %q", ua, UserAgent("1.2.3"))
		}
		if c := r.Header.Get("Cookie"); c != "" {
			t.Errorf("%s sent cookies %q; pages are fetched without a cookie jar", r.URL.Path, c)
		}
		if !strings.HasPrefix(r.Header.Get("Accept"), "text/html") {
			t.Errorf("Accept %q", r.Header.Get("Accept"))
		}
	}
}

func TestFetchPageErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/pdf":
			w.Header().Set("Content-Type", "application/pdf")
			fmt.Fprint(w, "%PDF-1.7")
		case "/unlabelled-pdf":
			fmt.Fprint(w, "%PDF-1.7 binary")
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			w.Write(bytes.Repeat([]byte("<p>normalization</p>"), 2000))
		case "/to-file":
			w.Header().Set("Location", "file:///etc/passwd")
			w.WriteHeader(http.StatusFound)
		case "/to-ftp":
			w.Header().Set("Location", "ftp://files.example/a.html")
			w.WriteHeader(http.StatusMovedPermanently)
		case "/gone":
			http.Error(w, "gone", http.StatusGone)
		}
	}))
	defer srv.Close()
	f := NewFetcher(FetcherOptions{MaxPageBytes: 10_000})
	tests := []struct {
		url  string
		want ErrorKind
	}{
		{srv.URL + "/pdf", KindNotHTML},
		{srv.URL + "/unlabelled-pdf", KindNotHTML},
		{srv.URL + "/big", KindTooLarge},
		{srv.URL + "/to-file", KindRedirect},
		{srv.URL + "/to-ftp", KindRedirect},
		{srv.URL + "/gone", KindHTTPStatus},
		{"file:///etc/hosts", KindInvalidURL},
		{"mailto:desk@example.org", KindInvalidURL},
	}
	for _, tc := range tests {
		t.Run(tc.url, func(t *testing.T) {
			_, err := f.FetchPage(context.Background(), PageRequest{Feed: "f", URL: tc.url})
			fetchErr(t, err, tc.want)
		})
	}
}

// Feeds come first: a page never takes a host's last slot, and a feed
// waiting for the host goes before a page that waits.
func TestHostLimiter(t *testing.T) {
	ctx := context.Background()
	l := newHostLimiter(2)
	waiting := func(feeds, pages int) func() bool {
		return func() bool {
			l.mu.Lock()
			defer l.mu.Unlock()
			h := l.hosts["h"]
			return h != nil && len(h.feeds) == feeds && len(h.paged) == pages
		}
	}
	page1, err := l.acquire(ctx, "h", true)
	if err != nil {
		t.Fatal(err)
	}
	// A second page would take the last slot: it waits.
	page2 := make(chan func())
	go func() {
		r, _ := l.acquire(ctx, "h", true)
		page2 <- r
	}()
	waitFor(t, "the second page to wait", waiting(0, 1))
	// A feed takes the last slot at once.
	feed1, err := l.acquire(ctx, "h", false)
	if err != nil {
		t.Fatal(err)
	}
	// Another feed waits, ahead of the page.
	feed2 := make(chan func())
	go func() {
		r, _ := l.acquire(ctx, "h", false)
		feed2 <- r
	}()
	waitFor(t, "the second feed to wait", waiting(1, 1))
	page1()
	release := <-feed2 // the feed, not the page, got the slot
	waitFor(t, "the page to go on waiting", waiting(0, 1))
	feed1()
	(<-page2)()
	release()
	// A cancelled wait leaves nothing behind.
	busy1, _ := l.acquire(ctx, "h", false)
	busy2, _ := l.acquire(ctx, "h", false)
	cctx, cancel := context.WithCancel(ctx)
	done := make(chan error)
	go func() {
		_, err := l.acquire(cctx, "h", false)
		done <- err
	}()
	waitFor(t, "the third feed to wait", waiting(1, 0))
	cancel()
	if err := <-done; err == nil {
		t.Error("a cancelled wait got a slot")
	}
	busy1()
	busy2()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.hosts) != 0 {
		t.Errorf("hosts left: %v", l.hosts)
	}
	if newHostLimiter(0) != nil {
		t.Error("a limit of 0 limits")
	}
}
