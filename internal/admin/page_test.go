package admin

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
)

// get requests path from h and returns the status and the body.
func get(t *testing.T, h http.Handler, path string) (int, http.Header, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header(), string(body)
}

func TestStatusPage(t *testing.T) {
	fx := newFixture(t)
	// Another outlet's report of the story alerted 30 minutes ago, a
	// follow-up collecting its batch: not a stuck alert.
	delivered, err := fx.store.Alerts(context.Background(), store.AlertFilter{Status: model.StatusDelivered, Rule: "syria-israel"})
	if err != nil || len(delivered) != 1 {
		t.Fatalf("delivered alerts of syria-israel: %d, %v", len(delivered), err)
	}
	tx, err := fx.store.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Enqueue(&model.Alert{ItemID: delivered[0].ItemID, Rule: "syria-israel", Notifier: "slack", Channel: "#news", Kind: model.KindAlso,
		ParentID: delivered[0].ID, Title: "Syria and Israel talk again", CreatedAt: now.Add(-time.Minute), NextAttemptAt: now.Add(9 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	code, header, body := get(t, fx.server().Handler(), "/")
	if code != http.StatusOK {
		t.Fatalf("GET /: %d\n%s", code, body)
	}
	if ct := header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		// Feeds with their state.
		`<a href="https://www.timesofisrael.com/feed/" rel="noopener noreferrer nofollow" dir="auto">Times of Israel</a>`,
		`<span class="tags">mideast, english</span>`,
		`<tr class="feed failing">`, `<span class="state failing">failing</span> <span class="alerted"`,
		`<tr class="feed ok">`, `<tr class="feed disabled">`,
		`>HTTP 503 Service Unavailable</span>`, `(backing off)`, `>14</td>`,
		`since <time datetime="2026-11-26T03:00:00Z" title="2026-11-26 03:00 UTC">9 h ago</time>`,
		// Rules with matches and sparklines.
		`syria-israel<br><small>Syria–Israel normalization talks</small>`,
		`<svg class="spark"`, `aria-label="Matches per day over the last 14 days, oldest first: 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2"`,
		`<td data-label="Matches 24 h" class="num">2</td>`, `<td data-label="7 days" class="num">3</td>`,
		// Alerts and dead letters.
		`<a href="https://www.timesofisrael.com/syria-israel-baku/" rel="noopener noreferrer nofollow" dir="auto">Syria and Israel resume talks in Baku</a>`,
		`<span class="status delivered">delivered</span>`, `<span class="status retrying">retrying</span>`,
		`<span class="health">feed health</span>`, `channel_not_found`, `newswatch alerts retry ID`,
		`سوريا وإسرائيل`,
		`1 dead letter</a>`, `<strong>2</strong> alerts queued`, `<strong>3</strong> feeds`, `1 failing`,
		// Follow-ups apart from alerts, with when each goes; attempts
		// counted, not only failures.
		`1 follow-up collecting (next <time datetime="2026-11-26T12:09:00Z" title="2026-11-26 12:09 UTC">in 9 min</time>)`,
		`<tr class="alert follow-up queued">`, `<span class="kind follow-up">follow-up</span>`,
		`<span class="sends">due <time datetime="2026-11-26T12:09:00Z"`,
		`<span class="kind alert">alert</span>`, `<small>1 attempt</small>`, `<small>1 attempt, 1 failed</small>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %s", want)
		}
	}
	// A delivery error shows without the notifier's internal prefix: the
	// row names the notifier.
	if !strings.Contains(body, `<small class="error">http_503</small>`) || strings.Contains(body, "notify: slack:") {
		t.Error("a delivery error is not shown as its cause alone")
	}
	// Feed text is escaped, and a javascript: link is not a link.
	if strings.Contains(body, "<script>") || strings.Contains(body, "<img src=x") || strings.Contains(body, "javascript:") {
		t.Error("hostile feed text reached the page unescaped")
	}
	if !strings.Contains(body, "&lt;/td&gt;&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Error("hostile title not shown as text")
	}
	checkInert(t, body)
}

// checkInert parses page as a browser would and fails the test if it holds
// anything that runs or that the Content-Security-Policy would block: a
// script, an event handler, an inline style, a link to javascript: or a
// frame.
func checkInert(t *testing.T, page string) {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		switch n.Data {
		case "script", "iframe", "object", "embed", "style", "base":
			t.Errorf("the page has a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			switch {
			case strings.HasPrefix(strings.ToLower(a.Key), "on"):
				t.Errorf("<%s> has an event handler %s=%q", n.Data, a.Key, a.Val)
			case a.Key == "style":
				t.Errorf("<%s> has an inline style", n.Data)
			case (a.Key == "href" || a.Key == "src" || a.Key == "action") && !strings.HasPrefix(a.Val, "/") &&
				!strings.HasPrefix(a.Val, "https://") && !strings.HasPrefix(a.Val, "http://") && !strings.HasPrefix(a.Val, "#"):
				t.Errorf("<%s %s=%q> leads somewhere else than a web page", n.Data, a.Key, a.Val)
			}
		}
	}
}

// TestStatusPageShowsOverduePoll shows a feed that nothing has polled for
// far longer than its schedule says, as a stuck scheduler would leave it.
func TestStatusPageShowsOverduePoll(t *testing.T) {
	fx := newFixture(t)
	if _, _, body := get(t, fx.server().Handler(), "/"); strings.Contains(body, "overdue") || strings.Contains(body, "not polled on schedule") {
		t.Fatal("a page of feeds polled on time shows one overdue")
	}
	toi := fx.feed(t, "Times of Israel") // every 5 minutes
	toi.LastFetchAt = now.Add(-2 * time.Hour)
	if err := fx.store.SaveFeed(context.Background(), toi); err != nil {
		t.Fatal(err)
	}
	_, _, body := get(t, fx.server().Handler(), "/")
	for _, want := range []string{
		`1 not polled on schedule</span>`,
		`>overdue</span><br><small>due <time datetime="2026-11-26T10:05:00Z"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("status page lacks %s", want)
		}
	}
	checkInert(t, body)
}

func TestStatusPageWithoutData(t *testing.T) {
	fx := newFixture(t)
	s := fx.server()
	s.Feeds, s.Rules = nil, nil
	code, _, body := get(t, s.Handler(), "/")
	if code != http.StatusOK || !strings.Contains(body, "No feed is configured.") || !strings.Contains(body, "No rule is in force.") {
		t.Errorf("empty page: %d\n%s", code, body)
	}
	if code, _, _ := get(t, s.Handler(), "/nothing-here"); code != http.StatusNotFound {
		t.Errorf("GET /nothing-here: %d, want 404", code)
	}
}

func TestStatusPageShowsStoreProblems(t *testing.T) {
	fx := newFixture(t)
	fx.store.Close()
	code, _, body := get(t, fx.server().Handler(), "/")
	if code != http.StatusOK || !strings.Contains(body, `<p class="problem">Could not read feeds:`) {
		t.Errorf("page with the database closed: %d\n%s", code, body)
	}
}

func TestSearch(t *testing.T) {
	fx := newFixture(t)
	h := fx.server().Handler()
	search := func(q string, extra string) (int, string) {
		code, _, body := get(t, h, "/search?q="+url.QueryEscape(q)+extra)
		return code, body
	}

	code, body := search("syria AND israel", "")
	if code != http.StatusOK {
		t.Fatalf("search: %d\n%s", code, body)
	}
	for _, want := range []string{
		`<strong>3</strong> matching stories (3 items) among 5 read`,
		`<a href="https://www.timesofisrael.com/syria-israel-baku/" rel="noopener noreferrer nofollow">Syria and Israel resume talks in Baku</a>`,
		`matched: Syria (title, summary), Israel (title, summary)`,
		`Officials from Syria and Israel met.`,
		`value="syria AND israel"`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("search results lack %s\n", want)
		}
	}
	if !strings.Contains(body, `<p class="title" dir="auto">Syria talks</p>`) {
		t.Error("the hostile item's title is not shown as its text")
	}
	checkInert(t, body)

	// A longer window finds the older item; a narrow one only today's.
	if _, body := search(`"abraham accords"`, "&days=30"); !strings.Contains(body, `<strong>1</strong> matching story (1 item) among 5 read`) {
		t.Errorf("30-day search:\n%s", body)
	}
	if _, body := search("syria", "&days=1"); !strings.Contains(body, "<strong>2</strong> matching stories (2 items) among 3 read") {
		t.Errorf("1-day search:\n%s", body)
	}

	// A bad query shows its error where it is.
	code, body = search("syria AND (israel OR", "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `<pre class="query">syria AND (israel OR<mark>&nbsp;</mark></pre>`) ||
		!strings.Contains(body, "at column 21") {
		t.Errorf("bad query: %d\n%s", code, body)
	}
	code, body = search("syria ) israel", "")
	if code != http.StatusUnprocessableEntity || !strings.Contains(body, `<pre class="query">syria <mark>)</mark> israel</pre>`) {
		t.Errorf("stray ): %d\n%s", code, body)
	}
	if code, _ := search("syria", "&days=-3"); code != http.StatusBadRequest {
		t.Errorf("days=-3: %d, want 400", code)
	}
	if _, body := search("", ""); strings.Contains(body, "matching stor") {
		t.Error("an empty query searched")
	}
	if _, body := search("syria and israel", ""); !strings.Contains(body, `<p class="warning">Warning: at column 7: &#34;and&#34; is searched as a word`) {
		t.Error("a query warning is not shown")
	}
}

func TestSparkline(t *testing.T) {
	days := make([]int, 14)
	days[0], days[1], days[13] = 4, 0, 1
	sp := newSparkline(days)
	if sp.Width != 14*7-2 || sp.Height != 24 || len(sp.Bars) != 14 {
		t.Fatalf("sparkline %+v", sp)
	}
	last, first := sp.Bars[13], sp.Bars[0]
	if last.Height != 24 || last.Y != 0 || last.Count != 4 || last.Label != "4 matches in the last 24 hours" {
		t.Errorf("newest bar %+v", last)
	}
	if first.Height != 6 || first.Count != 1 || first.Label != "1 match 13 days ago" {
		t.Errorf("oldest bar %+v", first)
	}
	if z := sp.Bars[12]; !z.Zero || z.Height != 1 || z.Y != 23 {
		t.Errorf("empty day %+v", z)
	}
}
