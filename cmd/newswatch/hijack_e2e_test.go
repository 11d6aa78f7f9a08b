package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/newswatch/newswatch/internal/slacktest"
)

// outletServer serves one outlet's RSS feed at /feed.xml from 127.0.0.1;
// the test sets its items between runs.
type outletServer struct {
	*httptest.Server
	mu    sync.Mutex
	items []btItem
}

func newOutletServer(t *testing.T) *outletServer {
	t.Helper()
	o := &outletServer{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/feed.xml" {
			http.NotFound(w, r)
			return
		}
		o.mu.Lock()
		body := btRSS(o.items...)
		o.mu.Unlock()
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *outletServer) publish(items ...btItem) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.items = items
}

// TestLinkHijackEndToEnd is issue 17's hijack, polled by once from two
// loopback outlets: feed B publishes weather news under outlet A's article
// link before A's feed has it. A's own report of that article, which tells
// other news, must be A's own alert, not a follow-up ("also reported by")
// in the thread of B's. A later report that does tell A's news under A's
// link (an aggregator's) still joins A's story by the link, and once's
// summary counts its follow-up, waiting for reply_delay, apart from the
// undelivered alerts; once still exits 0.
func TestLinkHijackEndToEnd(t *testing.T) {
	slack := slacktest.Start(t, slacktest.Options{})
	a, b, agg := newOutletServer(t), newOutletServer(t), newOutletServer(t)
	pub := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	link := a.URL + "/2026/12/07/syria-israel-normalization"
	hijack := btItem{"b1", "Syria weather: mild sunshine expected", link,
		"Forecasters expect mild sunshine across Damascus and the coast this weekend, with temperatures near twenty degrees and light winds.", pub}
	real := btItem{"a1", "Syria and Israel sign normalization agreement", link,
		"Syrian and Israeli officials signed a normalization agreement at a ceremony in Baku on Monday, ending decades of formal hostility between the two countries.",
		pub.Add(5 * time.Minute)}
	blurb := btItem{"g1", "Syria and Israel sign normalization agreement - Outlet A", link + "?utm_source=aggregator", "Outlet A", pub.Add(10 * time.Minute)}

	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"config.toml": fmt.Sprintf(`
[daemon]
data_dir = "data"
admin_addr = ""
[log]
level = "info"
[stories]
reply_delay = "10m"
[[feed]]
name = "Outlet A"
url  = %q
[[feed]]
name = "Outlet B"
url  = %q
[[feed]]
name = "Aggregator"
url  = %q
[[notifier]]
name    = "slack"
type    = "slack"
token   = %q
channel = "#news"
api_url = %q
`, a.URL+"/feed.xml", b.URL+"/feed.xml", agg.URL+"/feed.xml", slack.Token(), slack.APIURL()),
		"rules.d/watch.toml": "[[rule]]\nname = \"syria\"\nquery = 'syria'\n",
	})
	cfg := filepath.Join(dir, "config.toml")
	once := func() string {
		t.Helper()
		code, _, stderr := runWithEnv(t, context.Background(), nil, "once", "-config", cfg, "-drain", "10s")
		if code != 0 {
			t.Fatalf("once: exit %d\n%s", code, stderr)
		}
		return stderr
	}

	b.publish(hijack)
	once()
	posts := slack.Messages()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "sunshine") {
		t.Fatalf("first run: %+v; want B's weather alert", posts)
	}

	a.publish(real)
	logs := once()
	posts = slack.Messages()
	if len(posts) != 2 {
		t.Fatalf("second run: %d posts, want A's report as an alert of its own at once:\n%+v\n%s", len(posts), posts, logs)
	}
	if p := posts[1]; p.ThreadTS != "" || !strings.Contains(p.Text, "normalization agreement") || strings.Contains(p.Text, "Also reported by") {
		t.Errorf("A's report was posted as %+v; want a top-level alert of its own headline", p)
	}
	if !strings.Contains(logs, "undelivered_alerts=0 queued_follow_ups=0") {
		t.Errorf("second run's summary:\n%s\nwant no follow-up queued", logs)
	}

	// stories explain says why: items 1 (B's) and 2 (A's).
	code, stdout, stderr := runWithEnv(t, context.Background(), nil, "stories", "explain", "-config", cfg, "1", "2")
	if code != 0 || !strings.Contains(stdout, "grouped: no") || !strings.Contains(stdout, "site that owns the link") {
		t.Errorf("stories explain 1 2: exit %d, want not grouped, for the owner's report:\n%s%s", code, stdout, stderr)
	}

	// An aggregator's blurb of A's article: the link joins it to A's
	// story, and its follow-up waits for its batch.
	agg.publish(blurb)
	logs = once()
	if posts := slack.Messages(); len(posts) != 2 {
		t.Errorf("third run posted %+v; want the follow-up to wait for reply_delay", posts[2:])
	}
	if !strings.Contains(logs, "undelivered_alerts=0 queued_follow_ups=1 next_follow_up_at=") {
		t.Errorf("third run's summary does not count the queued follow-up:\n%s", logs)
	}
	// It follows up A's alert, not B's: of the two stories under the
	// link, the blurb's text tells A's.
	code, stdout, stderr = runWithEnv(t, context.Background(), nil, "alerts", "list", "-json", "-config", cfg)
	if code != 0 {
		t.Fatalf("alerts list: exit %d\n%s", code, stderr)
	}
	var followUp struct {
		Kind     string `json:"kind"`
		Feed     string `json:"feed"`
		ParentID int64  `json:"parent_id"`
	}
	var ofA int64
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var a struct {
			ID       int64  `json:"id"`
			Kind     string `json:"kind"`
			Feed     string `json:"feed"`
			ParentID int64  `json:"parent_id"`
		}
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("alerts list -json: %v: %s", err, line)
		}
		switch a.Feed {
		case "Outlet A":
			ofA = a.ID
		case "Aggregator":
			followUp.Kind, followUp.Feed, followUp.ParentID = a.Kind, a.Feed, a.ParentID
		}
	}
	if followUp.Kind != "follow-up" || ofA == 0 || followUp.ParentID != ofA {
		t.Errorf("the aggregator's alert %+v; want a follow-up of A's alert %d:\n%s", followUp, ofA, stdout)
	}

}
