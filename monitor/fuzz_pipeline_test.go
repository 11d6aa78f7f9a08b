package monitor_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/model"
	"github.com/newswatch/newswatch/internal/store"
	"github.com/newswatch/newswatch/monitor"
	"github.com/newswatch/newswatch/rules"
)

// bodyTransport answers every request with its body, as a feed server
// would, without a socket.
type bodyTransport struct {
	body        []byte
	contentType string
}

func (b *bodyTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    http.StatusOK,
		Status:        "200 OK",
		Header:        http.Header{"Content-Type": {b.contentType}},
		Body:          io.NopCloser(bytes.NewReader(b.body)),
		ContentLength: int64(len(b.body)),
		Request:       req,
	}, nil
}

// FuzzPipeline sends arbitrary bytes as a feed body through the daemon's
// whole way of an item: fetch, charset conversion, parsing, identity, the
// store's poll transaction, matching and queueing, into a real SQLite
// store. It must never panic; a body is either rejected as a parse error or
// recorded; and polling the same body again finds nothing new, so that no
// document can make the daemon alert twice on the same item.
func FuzzPipeline(f *testing.F) {
	for _, name := range []string{"kan11-hebrew-2026-10-03.xml", "heise-developer-2016.atom", "jsonfeed-1.1-all-fields.json",
		"DERIVED-arab48-windows-1256-bytes-declared-utf8.xml", "rss2-item-xml-base-relative.xml", "utf-16le-with-bom.xml"} {
		body, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, "")
	}
	f.Add([]byte(`<rss version="2.0"><channel><item><title>Syria</title><link>/a?utm_source=x#f</link></item>`+
		`<item><title>Syria</title><link>/a</link></item></channel></rss>`), "text/xml; charset=windows-1256")
	f.Add([]byte(`{"version":"https://jsonfeed.org/version/1.1","items":[{"id":"1","content_html":"<p>syria</p>"},{"id":"1"}]}`), "application/json")
	f.Add([]byte("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>\xff</title></entry></feed>"), "")

	var compiled []rules.Compiled
	for name, query := range map[string]string{
		"words":   `syria OR سوريا OR ישראל OR the OR a`,
		"phrase":  `"abraham accords" OR title:(news NEAR/3 world)`,
		"pattern": `/cease ?fire/ OR domain:example.org`,
	} {
		q, err := rules.ParseQuery(query)
		if err != nil {
			f.Fatal(err)
		}
		compiled = append(compiled, rules.Compiled{Rule: &rules.Rule{Name: name, Enabled: true}, Query: q})
	}
	set := rules.NewSet(compiled)
	feed := model.Feed{Name: "fuzz", URL: "https://example.org/feed.xml", Enabled: true, Tags: []string{"t"}}
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

	f.Fuzz(func(t *testing.T, body []byte, contentType string) {
		// A new store each time: the fuzzer needs the same input to take
		// the same path every time it runs it.
		st, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "newswatch.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if err := st.SyncFeeds(context.Background(), []model.Feed{{Name: feed.Name, URL: feed.URL}}); err != nil {
			t.Fatal(err)
		}
		transport := &bodyTransport{body: body, contentType: contentType}
		p := &monitor.Poller{
			Store:    st,
			Fetcher:  monitor.NewFetcher(monitor.FetcherOptions{Transport: transport, MaxBodyBytes: 1 << 20}),
			Rules:    func() *rules.Set { return set },
			Routing:  monitor.Routing{Default: []string{"slack"}},
			Backfill: 100 * 365 * 24 * time.Hour,
			Now:      func() time.Time { return now },
			Rand:     func() float64 { return 0 },
		}
		res, err := p.Poll(context.Background(), feed)
		if err != nil {
			var fe *monitor.FetchError
			if !errors.As(err, &fe) || fe.Kind != monitor.KindParse {
				t.Fatalf("poll failed other than with a parse error: %v", err)
			}
			if !strings.Contains(err.Error(), `"fuzz"`) {
				t.Fatalf("error %q does not name the feed", err)
			}
			return
		}
		if res.New > res.Items || res.Alerts > res.New*len(compiled) {
			t.Fatalf("result %+v: more new items than items, or more alerts than matches can make", res)
		}
		again, err := p.Poll(context.Background(), feed)
		if err != nil {
			t.Fatalf("the same body, polled again: %v", err)
		}
		if again.New != 0 || again.Alerts != 0 {
			t.Fatalf("the same body, polled again, found %d new items and queued %d alerts", again.New, again.Alerts)
		}
	})
}
